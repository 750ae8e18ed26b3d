//! Small formatting helpers for the templates.

use mde_fleet::Overview;

/// `2026-11-20 09:15 UTC`.
pub(crate) fn time(secs: i64) -> String {
    if secs <= 0 {
        return "never".to_string();
    }
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// `2026-11-20`.
pub(crate) fn day(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// One slice of the breakdown bar, in percent of its width (drawn as SVG: the CSP forbids
/// inline styles).
pub(crate) struct Segment {
    pub key: String,
    pub label: String,
    pub count: i64,
    pub x: String,
    pub w: String,
}

pub(crate) fn segments(o: &Overview) -> Vec<Segment> {
    let mut x = 0.0;
    let mut out = Vec::new();
    for b in &o.buckets {
        if b.count == 0 || o.total == 0 {
            continue;
        }
        let w = b.count as f64 * 100.0 / o.total as f64;
        out.push(Segment {
            key: b.key.clone(),
            label: b.label.clone(),
            count: b.count,
            x: format!("{x:.3}"),
            w: format!("{w:.3}"),
        });
        x += w;
    }
    out
}

/// Percent-encodes a query value.
pub(crate) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `a=1&b=2` from pairs.
pub(crate) fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::time(0), "never");
        assert_eq!(super::time(1_795_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(super::day(0), "1970-01-01");
        assert_eq!(super::enc("a b&c/é"), "a%20b%26c%2F%C3%A9");
    }
}
