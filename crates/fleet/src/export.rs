//! The device table as CSV — the console's export and the offline `fleet --format csv`.

use crate::device::Device;

/// The CSV header, in column order.
pub const CSV_HEADER: [&str; 13] = [
    "key",
    "hostname",
    "domain",
    "os",
    "build",
    "managed_by",
    "status",
    "verdict",
    "code",
    "enrollment_status",
    "category",
    "headline",
    "last_seen",
];

/// Cells of one row. A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`)
/// gets a leading apostrophe: the values come from devices.
pub fn csv_row(d: &Device) -> [String; 13] {
    let code = d.code.map(|c| c.to_string()).unwrap_or_default();
    [
        &d.key,
        &d.hostname,
        &d.domain,
        &d.os,
        &d.build,
        &d.managed_by,
        &d.bucket,
        &d.verdict,
        &code,
        &d.status,
        &d.category,
        &d.headline,
        &d.last_seen.to_string(),
    ]
    .map(|s| defuse(s))
}

fn defuse(s: &str) -> String {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'@' | b'\t' | b'\r') => format!("'{s}"),
        Some(b'-') if s.parse::<f64>().is_err() => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// Writes the header and rows.
pub fn write_csv<'a, W: std::io::Write>(
    out: W,
    devices: impl IntoIterator<Item = &'a Device>,
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for d in devices {
        w.write_record(csv_row(d))?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("-1"), "-1");
        assert_eq!(defuse("-cmd"), "'-cmd");
        assert_eq!(defuse("PC-1"), "PC-1");
    }
}
