//! The value model (syncrule.md §1.4): `str`, `num` (64-bit), `bool`, `bin`, `ref` (a DN),
//! `dt` (UTC, kept as FILETIME ticks: 100 ns since 1601-01-01, the unit AD stores),
//! multi-valued values, NULL, and the flow markers IgnoreThisFlow / AuthoritativeNull.

use serde_json::{Value as Json, json};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Num(i64),
    Str(String),
    Bin(Vec<u8>),
    Ref(String),
    /// FILETIME ticks (UTC).
    Dt(i64),
    Multi(Vec<Value>),
    IgnoreThisFlow,
    AuthoritativeNull,
}

/// FILETIME ticks at the Unix epoch.
pub const UNIX_EPOCH_TICKS: i64 = 116_444_736_000_000_000;

impl Value {
    /// The language's type name (`str`, `num`, `bool`, `bin`, `ref`, `dt`, `mvstr` …).
    pub fn type_name(&self) -> std::borrow::Cow<'static, str> {
        use std::borrow::Cow::Borrowed;
        match self {
            Value::Null => Borrowed("null"),
            Value::Bool(_) => Borrowed("bool"),
            Value::Num(_) => Borrowed("num"),
            Value::Str(_) => Borrowed("str"),
            Value::Bin(_) => Borrowed("bin"),
            Value::Ref(_) => Borrowed("ref"),
            Value::Dt(_) => Borrowed("dt"),
            Value::Multi(items) => format!(
                "mv{}",
                items
                    .first()
                    .map(|v| v.type_name())
                    .unwrap_or(Borrowed("str"))
            )
            .into(),
            Value::IgnoreThisFlow => Borrowed("IgnoreThisFlow"),
            Value::AuthoritativeNull => Borrowed("AuthoritativeNull"),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Truth for `&&`, `||`, `IIF`, `CBool`: NULL and 0 are False [INF, syncrule.md §1.6].
    pub fn truthy(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0,
            Value::Str(s) => {
                s.eq_ignore_ascii_case("true") || s.parse::<i64>().is_ok_and(|n| n != 0)
            }
            Value::Multi(items) => items.iter().any(Value::truthy),
            _ => false,
        }
    }

    /// Text of a scalar (numbers and booleans as VB prints them).
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Str(s) | Value::Ref(s) => Some(s.clone()),
            Value::Num(n) => Some(n.to_string()),
            Value::Bool(b) => Some(if *b { "True" } else { "False" }.into()),
            Value::Dt(t) => Some(format_dt(*t, "yyyy-MM-ddTHH:mm:ssZ")),
            _ => None,
        }
    }

    /// Like [`Value::text`], borrowing strings instead of copying them.
    pub fn text_cow(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Value::Str(s) | Value::Ref(s) => Some(std::borrow::Cow::Borrowed(s)),
            other => other.text().map(std::borrow::Cow::Owned),
        }
    }

    pub fn num(&self) -> Option<i64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Bool(b) => Some(i64::from(*b)),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// JSON for `syncrule eval`: strings, numbers, booleans, null, arrays for multi-valued,
    /// base64 for binary, RFC 3339 for dates.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => json!(b),
            Value::Num(n) => json!(n),
            Value::Str(s) | Value::Ref(s) => json!(s),
            Value::Bin(b) => json!(mde_artifacts::ldif::base64_encode(b)),
            Value::Dt(t) => json!(format_dt(*t, "yyyy-MM-ddTHH:mm:ssZ")),
            Value::Multi(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::IgnoreThisFlow => json!("IgnoreThisFlow"),
            Value::AuthoritativeNull => json!("AuthoritativeNull"),
        }
    }

    /// Short text for explanations.
    pub fn show(&self) -> String {
        match self {
            Value::Null => "NULL".into(),
            Value::Str(s) => format!("{s:?}"),
            Value::Bin(b) => format!("<{} bytes>", b.len()),
            Value::Multi(items) => format!(
                "[{}]",
                items.iter().map(Value::show).collect::<Vec<_>>().join(", ")
            ),
            other => other
                .text()
                .unwrap_or_else(|| other.type_name().into_owned()),
        }
    }
}

/// Days since 1970-01-01 → (year, month, day) (proleptic Gregorian; Howard Hinnant's
/// algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// FILETIME ticks from a UTC civil time; `None` when the time does not fit in an `i64` of
/// ticks (years come from input, and `DateAdd` can push them anywhere).
pub(crate) fn ticks(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    // Beyond ±1,000,000 years the tick count overflows anyway; bounding first keeps
    // `days_from_civil`'s own arithmetic in range.
    if !(-1_000_000..=1_000_000).contains(&y) {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400
        + i64::from(h) * 3600
        + i64::from(mi) * 60
        + i64::from(s);
    secs.checked_mul(10_000_000)?.checked_add(UNIX_EPOCH_TICKS)
}

/// .NET-style custom format: yyyy, MM, dd, HH, mm, ss, fff; other characters literal.
pub(crate) fn format_dt(t: i64, format: &str) -> String {
    // In i128: any i64 of ticks minus the epoch fits, and the quotients fit back in i64.
    let since = i128::from(t) - i128::from(UNIX_EPOCH_TICKS);
    let unix = since.div_euclid(10_000_000) as i64;
    let frac = since.rem_euclid(10_000_000) as i64;
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let sod = unix.rem_euclid(86_400);
    let (h, mi, s) = (sod / 3600, sod / 60 % 60, sod % 60);
    let mut out = String::new();
    let f: Vec<char> = format.chars().collect();
    let mut i = 0;
    while i < f.len() {
        let run = f[i..].iter().take_while(|c| **c == f[i]).count();
        let piece = match (f[i], run) {
            ('y', 4) => format!("{y:04}"),
            ('y', 2) => format!("{:02}", y % 100),
            ('M', 2) => format!("{m:02}"),
            ('d', 2) => format!("{d:02}"),
            ('H', 2) => format!("{h:02}"),
            ('m', 2) => format!("{mi:02}"),
            ('s', 2) => format!("{s:02}"),
            ('f', n) => format!("{:07}", frac)[..n.min(7)].to_string(),
            (c, n) => std::iter::repeat_n(c, n).collect(),
        };
        out.push_str(&piece);
        i += run;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetime() {
        // DateFromNum(129699324000000000) is 2012-01-01 23:00:00 UTC (syncrule.md §2.3).
        assert_eq!(ticks(2012, 1, 1, 23, 0, 0), Some(129_699_324_000_000_000));
        assert_eq!(ticks(i64::MAX, 1, 1, 0, 0, 0), None);
        assert_eq!(ticks(40_000, 1, 1, 0, 0, 0), None);
        assert!(!format_dt(i64::MIN, "yyyy").is_empty());
        assert_eq!(
            format_dt(129_699_324_000_000_000, "yyyy-MM-dd HH:mm:ss"),
            "2012-01-01 23:00:00"
        );
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }
}
