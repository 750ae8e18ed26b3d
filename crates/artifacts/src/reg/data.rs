//! Typed registry data, decoded from a type number and raw bytes the same way for `.reg`
//! files and hives, so that both readers agree byte for byte.

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// How strings inside `hex(N):` data are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringBytes {
    /// `Windows Registry Editor Version 5.00` files and hives: UTF-16LE.
    Utf16Le,
    /// `REGEDIT4` files: the ANSI code page (read as Windows-1252).
    Ansi,
}

/// A registry value's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegData {
    /// `"name"=-` in a `.reg` file: the value is to be deleted.
    Delete,
    Sz(String),
    ExpandSz(String),
    MultiSz(Vec<String>),
    Dword(u32),
    DwordBigEndian(u32),
    Qword(u64),
    Binary(Vec<u8>),
    /// REG_NONE, REG_LINK, resource lists, or a typed value whose bytes do not fit its type
    /// (kept raw rather than guessed).
    Other {
        ty: u32,
        bytes: Vec<u8>,
    },
}

/// The Windows name of a registry type number.
pub fn type_name(ty: u32) -> String {
    match ty {
        0 => "REG_NONE".into(),
        1 => "REG_SZ".into(),
        2 => "REG_EXPAND_SZ".into(),
        3 => "REG_BINARY".into(),
        4 => "REG_DWORD".into(),
        5 => "REG_DWORD_BIG_ENDIAN".into(),
        6 => "REG_LINK".into(),
        7 => "REG_MULTI_SZ".into(),
        8 => "REG_RESOURCE_LIST".into(),
        9 => "REG_FULL_RESOURCE_DESCRIPTOR".into(),
        10 => "REG_RESOURCE_REQUIREMENTS_LIST".into(),
        11 => "REG_QWORD".into(),
        other => format!("REG_{other:#x}"),
    }
}

impl RegData {
    /// Decodes raw bytes of a given type.
    pub fn from_raw(ty: u32, bytes: &[u8], strings: StringBytes) -> RegData {
        let other = || RegData::Other {
            ty,
            bytes: bytes.to_vec(),
        };
        match ty {
            1 | 2 => match decode_string(bytes, strings) {
                Some(s) => {
                    let s = s.split('\0').next().unwrap_or("").to_string();
                    if ty == 1 {
                        RegData::Sz(s)
                    } else {
                        RegData::ExpandSz(s)
                    }
                }
                None => other(),
            },
            7 => match decode_string(bytes, strings) {
                Some(s) => {
                    let mut items: Vec<String> = s.split('\0').map(str::to_string).collect();
                    // "a\0b\0\0" → ["a", "b"]: drop the terminators, keep inner empty items.
                    while items.last().is_some_and(String::is_empty) {
                        items.pop();
                    }
                    RegData::MultiSz(items)
                }
                None => other(),
            },
            3 => RegData::Binary(bytes.to_vec()),
            4 => match <[u8; 4]>::try_from(bytes) {
                Ok(b) => RegData::Dword(u32::from_le_bytes(b)),
                Err(_) => other(),
            },
            5 => match <[u8; 4]>::try_from(bytes) {
                Ok(b) => RegData::DwordBigEndian(u32::from_be_bytes(b)),
                Err(_) => other(),
            },
            11 => match <[u8; 8]>::try_from(bytes) {
                Ok(b) => RegData::Qword(u64::from_le_bytes(b)),
                Err(_) => other(),
            },
            _ => other(),
        }
    }

    /// The registry type number (`None` for a deletion).
    pub fn type_code(&self) -> Option<u32> {
        Some(match self {
            RegData::Delete => return None,
            RegData::Sz(_) => 1,
            RegData::ExpandSz(_) => 2,
            RegData::MultiSz(_) => 7,
            RegData::Dword(_) => 4,
            RegData::DwordBigEndian(_) => 5,
            RegData::Qword(_) => 11,
            RegData::Binary(_) => 3,
            RegData::Other { ty, .. } => *ty,
        })
    }

    pub fn type_name(&self) -> String {
        self.type_code()
            .map(type_name)
            .unwrap_or_else(|| "DELETE".into())
    }

    /// The value as an integer, if it is one (DWORD, QWORD, or a decimal string, which some
    /// tools write for numbers).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            RegData::Dword(v) | RegData::DwordBigEndian(v) => Some(u64::from(*v)),
            RegData::Qword(v) => Some(*v),
            RegData::Sz(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value as text, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            RegData::Sz(s) | RegData::ExpandSz(s) => Some(s),
            _ => None,
        }
    }

    /// A short human rendering (for terminals and evidence excerpts).
    pub fn display(&self) -> String {
        match self {
            RegData::Delete => "(delete)".into(),
            RegData::Sz(s) | RegData::ExpandSz(s) => s.clone(),
            RegData::MultiSz(items) => items.join(" | "),
            RegData::Dword(v) | RegData::DwordBigEndian(v) => format!("{v:#010x} ({v})"),
            RegData::Qword(v) => format!("{v:#018x} ({v})"),
            RegData::Binary(b) | RegData::Other { bytes: b, .. } => hex(b),
        }
    }
}

fn decode_string(bytes: &[u8], strings: StringBytes) -> Option<String> {
    match strings {
        StringBytes::Utf16Le => {
            if !bytes.len().is_multiple_of(2) {
                // Hives often store a trailing odd byte of slack; ignore it when the string
                // is terminated before it.
                let even = &bytes[..bytes.len() - 1];
                if !even.chunks_exact(2).any(|p| p == [0, 0]) {
                    return None;
                }
                return decode_string(even, strings);
            }
            let units = bytes
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        StringBytes::Ansi => {
            let (cow, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Some(cow.into_owned())
        }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// JSON: `"type": "REG_DWORD", "data": 15` — numbers as numbers, strings as strings,
/// MULTI_SZ as arrays, binary as lowercase hex.
impl Serialize for RegData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("RegData", 2)?;
        s.serialize_field("type", &self.type_name())?;
        match self {
            RegData::Delete => s.serialize_field("data", &Option::<()>::None)?,
            RegData::Sz(v) | RegData::ExpandSz(v) => s.serialize_field("data", v)?,
            RegData::MultiSz(v) => s.serialize_field("data", v)?,
            RegData::Dword(v) | RegData::DwordBigEndian(v) => s.serialize_field("data", v)?,
            RegData::Qword(v) => s.serialize_field("data", v)?,
            RegData::Binary(b) | RegData::Other { bytes: b, .. } => {
                s.serialize_field("data", &hex(b))?
            }
        }
        s.end()
    }
}

/// In JSON a value is `{"type": "REG_…", "data": …}`: `data` a string (REG_SZ,
/// REG_EXPAND_SZ; binary and other types as lower-case hex), an array of strings
/// (REG_MULTI_SZ), a number (REG_DWORD, REG_QWORD) or null (a deletion in a `.reg`).
impl schemars::JsonSchema for RegData {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RegData".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "properties": {
                "type": {"type": "string", "pattern": "^REG_"},
                "data": {"type": ["string", "array", "integer", "null"], "items": {"type": "string"}}
            },
            "required": ["type", "data"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn strings_and_numbers() {
        let sz = RegData::from_raw(1, &utf16("abc\0"), StringBytes::Utf16Le);
        assert_eq!(sz, RegData::Sz("abc".into()));
        let multi = RegData::from_raw(7, &utf16("a\0\0b\0\0"), StringBytes::Utf16Le);
        assert_eq!(
            multi,
            RegData::MultiSz(vec!["a".into(), "".into(), "b".into()])
        );
        assert_eq!(
            RegData::from_raw(7, &utf16("\0"), StringBytes::Utf16Le),
            RegData::MultiSz(vec![])
        );
        assert_eq!(
            RegData::from_raw(4, &[0x0f, 0, 0, 0], StringBytes::Utf16Le),
            RegData::Dword(15)
        );
        assert_eq!(
            RegData::from_raw(5, &[1, 2, 3, 4], StringBytes::Utf16Le),
            RegData::DwordBigEndian(0x01020304)
        );
        assert_eq!(
            RegData::from_raw(
                11,
                &[0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01],
                StringBytes::Utf16Le
            ),
            RegData::Qword(0x0123456789abcdef)
        );
        assert_eq!(
            RegData::from_raw(2, b"%a%\0", StringBytes::Ansi),
            RegData::ExpandSz("%a%".into())
        );
    }

    #[test]
    fn wrong_sizes_stay_raw() {
        assert_eq!(
            RegData::from_raw(4, &[1, 2, 3], StringBytes::Utf16Le),
            RegData::Other {
                ty: 4,
                bytes: vec![1, 2, 3]
            }
        );
        assert!(matches!(
            RegData::from_raw(1, &[0x41], StringBytes::Utf16Le),
            RegData::Other { .. }
        ));
    }

    #[test]
    fn json_shapes() {
        let j = |d: RegData| serde_json::to_value(d).unwrap();
        assert_eq!(
            j(RegData::Dword(15)),
            serde_json::json!({"type": "REG_DWORD", "data": 15})
        );
        assert_eq!(
            j(RegData::MultiSz(vec!["a".into()])),
            serde_json::json!({"type": "REG_MULTI_SZ", "data": ["a"]})
        );
        assert_eq!(
            j(RegData::Binary(vec![0xde, 0xad])),
            serde_json::json!({"type": "REG_BINARY", "data": "dead"})
        );
        assert_eq!(
            j(RegData::Other {
                ty: 0,
                bytes: vec![]
            }),
            serde_json::json!({"type": "REG_NONE", "data": ""})
        );
    }
}
