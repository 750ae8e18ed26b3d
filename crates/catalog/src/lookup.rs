//! Turning what an administrator types into a catalog entry.
//!
//! People copy codes from many places, so a query accepts all the spellings they meet:
//! `15` (portal, documentation), `0x0000000f (15)` and `0xf` (regedit's DWORD display),
//! `0x801c001d` and `-2145648611` (dsregcmd and event logs write HRESULTs both ways), and
//! symbolic names in any case (`EnrollmentRegistrationFailure_AAD_MismatchTenants`,
//! `dsreg_autojoin_adconfig_read_failed`).

use crate::Hresult;
use crate::model::{Catalog, EnrollmentCode, HresultInfo};

/// Values above this are HRESULTs, not enrollment status codes.
const ENROLLMENT_MAX: u32 = 0xffff;

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Enrollment(u32),
    HResult(Hresult),
    Name(String),
}

/// The query text could not be understood at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a code: {reason}")]
pub struct QueryError {
    pub input: String,
    pub reason: String,
}

impl Query {
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        let text = input.trim();
        let fail = |reason: &str| QueryError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        if text.is_empty() {
            return Err(fail("it is empty"));
        }
        // regedit shows DWORDs as `0x0000000f (15)`: trust the decimal in parentheses.
        if let Some((hex, rest)) = text.split_once('(')
            && let Some(decimal) = rest.strip_suffix(')')
            && let (Some(h), Ok(d)) = (parse_hex_digits(hex.trim()), decimal.trim().parse::<u32>())
        {
            if h == d {
                return Ok(classify(d));
            }
            return Err(fail("the hexadecimal and decimal values differ"));
        }
        if let Some(digits) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(fail("after 0x only hexadecimal digits may follow"));
            }
            return match u32::from_str_radix(digits, 16) {
                Ok(v) => Ok(classify(v)),
                Err(_) => Err(fail("more than 32 bits")),
            };
        }
        let first = text.as_bytes()[0];
        if first.is_ascii_digit() || first == b'-' || first == b'+' {
            let value: i64 = text.parse().map_err(|_| {
                fail("expected a decimal number, 0x followed by hex digits, or a name")
            })?;
            if value < 0 {
                // Event logs and some tools print HRESULTs as signed 32-bit integers.
                let v = i32::try_from(value).map_err(|_| fail("below the 32-bit range"))?;
                return Ok(Query::HResult(Hresult(v as u32)));
            }
            let v = u32::try_from(value).map_err(|_| fail("above the 32-bit range"))?;
            return Ok(classify(v));
        }
        let valid_name = text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid_name {
            return Err(fail(
                "expected a decimal code, 0x followed by hex digits, or a symbolic name (letters, digits, _)",
            ));
        }
        Ok(Query::Name(text.to_string()))
    }
}

fn classify(value: u32) -> Query {
    if value > ENROLLMENT_MAX {
        Query::HResult(Hresult(value))
    } else {
        Query::Enrollment(value)
    }
}

fn parse_hex_digits(text: &str) -> Option<u32> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    u32::from_str_radix(digits, 16).ok()
}

/// A catalog entry found for a query.
#[derive(Debug, Clone, Copy)]
pub enum Found<'a> {
    Enrollment(&'a EnrollmentCode),
    HResult(&'a HresultInfo),
}

/// The query was understood but names nothing the catalog knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("{code} is not a known enrollment status code")]
    UnknownCode { code: u32, nearest: Vec<u32> },
    #[error("{code} is not a hybrid-join error code mde-doctor knows")]
    UnknownHResult {
        code: Hresult,
        nearest: Vec<Hresult>,
    },
    #[error("{name:?} is not a known symbolic name")]
    UnknownName {
        name: String,
        suggestions: Vec<String>,
    },
}

impl Catalog {
    /// The HRESULT that carries an enrollment code's symbolic name, if any (41 is also
    /// WININET_E_NAME_NOT_RESOLVED, 0x80072ee7).
    pub fn related_hresult(&self, c: &EnrollmentCode) -> Option<&HresultInfo> {
        let symbol = c.symbol.as_deref()?;
        self.hresults()
            .find(|h| h.name.eq_ignore_ascii_case(symbol))
    }

    /// Finds what a query names, or says what is nearest.
    pub fn lookup(&self, query: &Query) -> Result<Found<'_>, LookupError> {
        match query {
            Query::Enrollment(code) => {
                self.code(*code)
                    .map(Found::Enrollment)
                    .ok_or_else(|| LookupError::UnknownCode {
                        code: *code,
                        nearest: self.nearest_codes(*code, 3),
                    })
            }
            Query::HResult(code) => self.hresult(*code).map(Found::HResult).ok_or_else(|| {
                // Same facility first (the upper 16 bits), then numerically closest.
                let mut known: Vec<Hresult> = self.hresults.keys().copied().collect();
                known.sort_by_key(|k| {
                    (
                        k.facility_bits() != code.facility_bits(),
                        k.0.abs_diff(code.0),
                    )
                });
                known.truncate(3);
                LookupError::UnknownHResult {
                    code: *code,
                    nearest: known,
                }
            }),
            Query::Name(name) => self.lookup_name(name),
        }
    }

    fn nearest_codes(&self, code: u32, n: usize) -> Vec<u32> {
        let mut known: Vec<u32> = self.codes.keys().copied().collect();
        known.sort_by_key(|k| (k.abs_diff(code), *k));
        known.truncate(n);
        known.sort_unstable();
        known
    }

    fn lookup_name(&self, name: &str) -> Result<Found<'_>, LookupError> {
        let wanted = normalize(name);
        for code in self.codes.values() {
            if code.symbol.as_deref().map(normalize).as_deref() == Some(wanted.as_str()) {
                return Ok(Found::Enrollment(code));
            }
        }
        for h in self.hresults.values() {
            if normalize(&h.name) == wanted {
                return Ok(Found::HResult(h));
            }
        }
        Err(LookupError::UnknownName {
            name: name.to_string(),
            suggestions: self.suggest_names(&wanted),
        })
    }

    /// Names within a small edit distance, or that contain the query (people paste halves).
    fn suggest_names(&self, wanted: &str) -> Vec<String> {
        let names = self
            .codes
            .values()
            .filter_map(|c| c.symbol.clone())
            .chain(self.hresults.values().map(|h| h.name.clone()));
        let mut scored: Vec<(usize, String)> = names
            .filter_map(|n| {
                let norm = normalize(&n);
                let distance = edit_distance(wanted, &norm);
                let budget = (wanted.len() / 4).max(2);
                let contains = wanted.len() >= 5 && norm.contains(wanted);
                (distance <= budget || contains).then_some((distance, n))
            })
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, n)| n).collect()
    }
}

fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Levenshtein distance over bytes (names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(Query::parse("15"), Ok(Query::Enrollment(15)));
        assert_eq!(Query::parse(" 15 "), Ok(Query::Enrollment(15)));
        assert_eq!(Query::parse("0x23"), Ok(Query::Enrollment(35)));
        assert_eq!(Query::parse("0x00000023 (35)"), Ok(Query::Enrollment(35)));
        assert_eq!(
            Query::parse("0x801c001d"),
            Ok(Query::HResult(Hresult(0x801c001d)))
        );
        assert_eq!(
            Query::parse("0X801C001D"),
            Ok(Query::HResult(Hresult(0x801c001d)))
        );
        assert_eq!(
            Query::parse("-2145648611"),
            Ok(Query::HResult(Hresult(0x801c001d)))
        );
        assert_eq!(
            Query::parse("2149318685"),
            Ok(Query::HResult(Hresult(0x801c001d)))
        );
        assert_eq!(Query::parse("banana"), Ok(Query::Name("banana".into())));
    }

    #[test]
    fn malformed() {
        for bad in [
            "",
            "0x",
            "0xZZ",
            "0x1ffffffff",
            "12abc",
            "1.5",
            "a b",
            "<script>",
            "-99999999999",
        ] {
            assert!(Query::parse(bad).is_err(), "{bad:?} should not parse");
        }
        assert!(Query::parse("0x00000023 (36)").is_err());
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
