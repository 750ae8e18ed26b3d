//! HRESULTs (and the Win32 codes written the same way) as one value with its spellings.
//!
//! dsregcmd, event logs and the documentation write the same code as `0x801c001d`,
//! `0X801C001D`, `-2145648611` or `2149318685`; mde-doctor keeps the number and writes it
//! the way Windows documents it, `0x801c001d` (lower case, eight digits).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 32-bit HRESULT or Win32 error code. Serialized as its hexadecimal text, `0x80072ee7`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hresult(pub u32);

impl Hresult {
    /// `0x80072ee7`: ten characters, lower case.
    pub fn hex(self) -> String {
        self.to_string()
    }

    /// The signed 32-bit value event logs and some tools print (`-2147012889`).
    pub fn decimal(self) -> i32 {
        self.0 as i32
    }

    /// The severity bit: set for failure codes. A decimal number in a message is taken
    /// for an HRESULT only when this is set.
    pub fn is_failure(self) -> bool {
        self.0 & 0x8000_0000 != 0
    }

    /// The facility and code of a Win32 error wrapped as an HRESULT share the upper
    /// 16 bits with the other codes of the same facility.
    pub fn facility_bits(self) -> u32 {
        self.0 >> 16
    }

    /// Reads `0x…` hexadecimal (any case, at most 32 bits) or a decimal number, signed
    /// (`-2145648611`) or not (`2149318685`). Surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Option<Hresult> {
        let t = text.trim();
        if let Some(digits) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            return u32::from_str_radix(digits, 16).ok().map(Hresult);
        }
        let n: i64 = t.parse().ok()?;
        if n < 0 {
            i32::try_from(n).ok().map(|v| Hresult(v as u32))
        } else {
            u32::try_from(n).ok().map(Hresult)
        }
    }
}

impl fmt::Display for Hresult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}

/// The text could not be read as an HRESULT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an HRESULT (0x followed by hex digits, or a 32-bit decimal)")]
pub struct HresultError(pub String);

impl FromStr for Hresult {
    type Err = HresultError;

    fn from_str(s: &str) -> Result<Hresult, HresultError> {
        Hresult::parse(s).ok_or_else(|| HresultError(s.to_string()))
    }
}

impl Serialize for Hresult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hresult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Hresult, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// In JSON an HRESULT is its hexadecimal text (see [`Hresult`]'s `Serialize`).
impl schemars::JsonSchema for Hresult {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Hresult".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^0x[0-9a-f]{8}$",
            "description": "An HRESULT or Win32 error code: 0x and eight lower-case hex digits."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Hresult;

    #[test]
    fn formats_as_windows_documents_it() {
        let h = Hresult(0x8007_2ee7);
        assert_eq!(h.to_string(), "0x80072ee7");
        assert_eq!(h.hex(), "0x80072ee7");
        assert_eq!(h.decimal(), -2_147_012_889);
        assert_eq!(Hresult(0xf).to_string(), "0x0000000f");
        assert_eq!(
            serde_json::to_string(&Hresult(0x801c_001d)).unwrap(),
            "\"0x801c001d\""
        );
    }

    #[test]
    fn parses_every_spelling() {
        for text in ["0x801c001d", "0X801C001D", " -2145648611 ", "2149318685"] {
            assert_eq!(Hresult::parse(text), Some(Hresult(0x801c_001d)), "{text}");
        }
        for bad in [
            "",
            "0x",
            "0x1g",
            "0x1ffffffff",
            "4294967296",
            "-2147483649",
            "abc",
        ] {
            assert_eq!(Hresult::parse(bad), None, "{bad}");
        }
        assert!("zz".parse::<Hresult>().is_err());
        assert!(Hresult(0x8000_0000).is_failure() && !Hresult(0x7fff_ffff).is_failure());
    }
}
