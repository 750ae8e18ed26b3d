//! Times read from a device, compared as instants (jiff) rather than as text.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// A time as the artifacts write it, in UTC and to the second: event times
/// (`2026-09-14T07:58:40.1234567Z`), the manifest's `collected_at` (`2026-11-20T09:15:00Z`),
/// dsregcmd's certificate validity (`2021-12-07 15:28:54.000 UTC`). A time without a zone
/// is taken as UTC, which is what these sources write. Fractions of a second are dropped:
/// the sources write different precisions of the same second.
pub(crate) fn to_second(text: &str) -> Option<DateTime> {
    let t = text.trim();
    let t = t.strip_suffix("UTC").map(str::trim_end).unwrap_or(t);
    let utc = match t.parse::<jiff::Timestamp>() {
        Ok(instant) => TimeZone::UTC.to_datetime(instant),
        Err(_) => t.parse::<DateTime>().ok()?,
    };
    utc.with().subsec_nanosecond(0).build().ok()
}

#[cfg(test)]
mod tests {
    use super::to_second;

    #[test]
    fn every_shape_reads_to_the_second() {
        let at = |t: &str| to_second(t).map(|d| d.to_string());
        assert_eq!(
            at("2026-09-14T07:58:40.1234567Z").as_deref(),
            Some("2026-09-14T07:58:40")
        );
        assert_eq!(
            at("2026-11-20T09:15:00Z").as_deref(),
            Some("2026-11-20T09:15:00")
        );
        assert_eq!(
            at("2021-12-07 15:28:54.000 UTC").as_deref(),
            Some("2021-12-07T15:28:54")
        );
        // An offset is an instant: 09:15+02:00 is 07:15 UTC.
        assert_eq!(
            at("2026-11-20T09:15:00+02:00").as_deref(),
            Some("2026-11-20T07:15:00")
        );
        assert_eq!(at("yesterday"), None);
        // The same second compares equal whatever the precision written.
        assert_eq!(
            to_second("2026-09-14T07:58:40.9Z"),
            to_second("2026-09-14 07:58:40 UTC")
        );
    }
}
