//! `mde-doctor events FILE…`: a timeline of the events that matter.

use std::fmt::Write as _;
use std::path::Path;

use mde_artifacts::{Location, ReadOptions, read_file};

use mde_artifacts::events::{Event, EventHeader, Keep, read_event_log_filtered};
use mde_diagnose::Severity;
use mde_diagnose::events::{Decoded, decode, is_known};
use mde_schema::Records;
use mde_schema::events::{EventRecord, EventsDocument};
use rayon::prelude::*;

use super::Status;
use crate::cli::{Format, LevelFilter};
use crate::error::CliError;
use crate::output::{self, DIM, ERROR, HEADING, INFO, WARNING};
use mde_report::sanitize::{has_bidi, vis};

/// Largest event log read by default (an .evtx is at most a few GB; typical ones are
/// 1–100 MB); `--max-file-size` raises it.
pub(crate) const MAX_FILE: u64 = 2 << 30;

struct Row<'a> {
    file: &'a str,
    event: &'a Event,
    /// Boxed: rows are sorted, and most events are not decoded.
    decoded: Option<Box<Decoded>>,
}

/// Which events to show (the command line's filters).
pub(crate) struct Filters<'a> {
    pub(crate) since: Option<&'a str>,
    pub(crate) channel: Option<&'a str>,
    pub(crate) level: Option<LevelFilter>,
    pub(crate) all: bool,
}

pub(crate) fn run(
    files: &[std::path::PathBuf],
    filters: Filters<'_>,
    format: Format,
    options: ReadOptions,
) -> Result<Status, CliError> {
    let Filters {
        since,
        channel,
        level,
        all,
    } = filters;
    let since = since.map(parse_since).transpose()?;
    let channel = channel.map(str::to_ascii_lowercase);
    // Decide from the header what to keep, so a large log costs little beyond parsing.
    let keep = |h: &EventHeader<'_>| -> bool {
        channel
            .as_deref()
            .is_none_or(|c| h.channel.to_ascii_lowercase().contains(c))
            && level.is_none_or(|l| l.keeps(h.level))
            && (all || is_known(h.channel, h.provider, h.event_id, h.level))
    };
    // `--all` with no filter on the header: every record, read the fastest way.
    let everything = all && channel.is_none() && level.is_none();
    let mut logs = Vec::new();
    let mut failures = Vec::new();
    for path in files {
        match read(path, &keep, everything, options) {
            Ok(log) => logs.push((path.display().to_string(), log)),
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    let mut problems = Vec::new();
    for (file, log) in &logs {
        for d in &log.diagnostics {
            problems.push(format!("{file}: {d}"));
        }
    }
    // Filtered and decoded on every core; the order stays that of the files and records.
    let mut rows: Vec<Row<'_>> = logs
        .iter()
        .flat_map(|(file, log)| log.events.iter().map(move |event| (file.as_str(), event)))
        .collect::<Vec<_>>()
        .into_par_iter()
        .filter_map(|(file, event)| {
            if since.is_some_and(|s| before(&event.time, s))
                || channel
                    .as_deref()
                    .is_some_and(|c| !event.channel.to_ascii_lowercase().contains(c))
                || level.is_some_and(|l| !l.keeps(event.level))
            {
                return None;
            }
            let decoded = decode(event).map(Box::new);
            if decoded.is_none() && !all {
                return None;
            }
            Some(Row {
                file,
                event,
                decoded,
            })
        })
        .collect();
    // Stable: events of the same time keep their record order. A log read in order is
    // sorted already, which one pass tells.
    if !rows.is_sorted_by(|a, b| a.event.time <= b.event.time) {
        rows.sort_by(|a, b| a.event.time.cmp(&b.event.time));
    }
    let total = logs.iter().map(|(_, l)| l.total).sum();
    match format {
        Format::Json => {
            let events: Vec<EventRecord<'_>> = rows
                .par_iter()
                .map(|row| {
                    let mut record = EventRecord::new(row.event, row.file, row.decoded.as_deref());
                    if record.any_text(has_bidi) {
                        record.warnings = mde_report::json::warnings_of(&record);
                    }
                    record
                })
                .collect();
            let mut doc = EventsDocument {
                events: Records(&[]),
                shown: events.len(),
                total,
                problems: &problems,
                warnings: None,
            };
            doc.warnings = mde_report::json::warnings_of(&doc);
            doc.events = Records(&events);
            // Streamed: `--all` on a large log is never held as one JSON tree or string.
            mde_report::json::write_document_streamed(std::io::stdout().lock(), &doc)?;
        }
        Format::Text => {
            output::write_stdout(timeline(&rows, total, &problems).as_bytes())?;
        }
    }
    // The process ends with this command: the system takes a large log's millions of small
    // allocations back at once, faster than freeing them one by one.
    drop(rows);
    std::mem::forget(logs);
    super::finish(failures, files.len())
}

/// `everything`: `keep` keeps every event.
fn read(
    path: &Path,
    keep: Keep<'_>,
    everything: bool,
    options: ReadOptions,
) -> Result<mde_artifacts::events::EventLog, String> {
    // Regular files only (a device or FIFO is refused unopened), at most `max_file` bytes.
    let meta = mde_artifacts::check_path(path).map_err(|e| super::without_path(e, path))?;
    if is_evtx(path) {
        // Read chunk by chunk from the file: a large log is never in memory whole.
        if meta.len() > options.max_file {
            let e = mde_artifacts::ReadError::TooLarge {
                path: path.to_path_buf(),
                size: meta.len(),
                limit: mde_artifacts::read::Size(options.max_file),
                what: "file",
                flag: "--max-file-size",
            };
            return Err(super::without_path(e, path));
        }
        let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        return if everything {
            mde_artifacts::events::read_evtx_file(file)
        } else {
            mde_artifacts::events::read_evtx_file_filtered(file, keep)
        }
        .map_err(|e| e.to_string());
    }
    let bytes = read_file(path, options).map_err(|e| super::without_path(e, path))?;
    read_event_log_filtered(bytes, keep).map_err(|e| e.to_string())
}

/// Whether the file starts as an `.evtx` does.
fn is_evtx(path: &Path) -> bool {
    let mut magic = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok_and(|()| &magic == b"ElfFile\0")
}

/// `--since`: a date (midnight UTC) or an RFC 3339 time with its offset (`Z`, `+02:00`).
/// Compared as instants, not as text: `…T07:18:24.68Z` is after `…T07:18:24Z`.
fn parse_since(s: &str) -> Result<jiff::Timestamp, CliError> {
    let parsed = if s.len() == 10 {
        s.parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp())
    } else {
        s.parse::<jiff::Timestamp>().ok()
    };
    parsed.ok_or_else(|| CliError::Input {
        message: format!(
            "--since {s:?}: expected a UTC date or an RFC 3339 time such as 2026-11-01, \
             2026-11-01T08:00:00Z or 2026-11-01T09:00:00+01:00"
        ),
        hints: Vec::new(),
    })
}

/// Whether an event's time (the UTC `SystemTime` Windows writes, up to 100 ns) is before
/// `since`. A time that does not parse is kept: dropping evidence silently is worse.
fn before(time: &str, since: jiff::Timestamp) -> bool {
    time.parse::<jiff::Timestamp>().is_ok_and(|t| t < since)
}

fn place(row: &Row<'_>) -> String {
    match row.event.at {
        Location::Line(n) => format!("{} line {n}, record {}", row.file, row.event.record_id),
        _ => format!("{} record {}", row.file, row.event.record_id),
    }
}

fn timeline(rows: &[Row<'_>], total: usize, problems: &[String]) -> String {
    let mut s = String::new();
    for row in rows {
        let e = row.event;
        let (style, tag) = match row.decoded.as_ref().map(|d| d.severity) {
            Some(Severity::Error) => (ERROR, "ERROR"),
            Some(Severity::Warning) => (WARNING, "WARN "),
            Some(Severity::Info | Severity::Ok) => (INFO, "INFO "),
            None => (
                DIM,
                match e.level {
                    1 | 2 => "error",
                    3 => "warn ",
                    _ => "info ",
                },
            ),
        };
        let time = e.time.get(..19).unwrap_or(&e.time).replace('T', " ");
        let channel = e
            .channel
            .strip_prefix("Microsoft-Windows-")
            .unwrap_or(&e.channel);
        // An event mde-doctor does not decode still has its rendered message (RenderedXml).
        let message = e
            .message
            .as_deref()
            .and_then(|m| m.lines().map(str::trim).find(|l| !l.is_empty()))
            .unwrap_or("");
        let title = row
            .decoded
            .as_ref()
            .map(|d| d.title.as_str())
            .unwrap_or(message);
        let _ = writeln!(
            s,
            "{}Z {style}{tag}{style:#} {HEADING}{} {}{HEADING:#}  {}",
            vis(time),
            vis(channel),
            e.event_id,
            vis(title)
        );
        if let Some(d) = &row.decoded {
            let params: Vec<String> = d
                .params
                .iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| format!("{}={}", vis(k), vis(v.trim())))
                .collect();
            if !params.is_empty() {
                let _ = writeln!(s, "    {}", params.join("  "));
            }
            for c in &d.codes {
                let name = c
                    .name
                    .as_deref()
                    .unwrap_or("(not in the hybrid-join table)");
                let _ = writeln!(
                    s,
                    "    {} {}{}",
                    vis(&c.code),
                    vis(name),
                    c.meaning
                        .as_ref()
                        .map(|m| format!(": {}", vis(m)))
                        .unwrap_or_default()
                );
            }
            if let Some(a) = &d.aad {
                for (label, v) in [
                    ("error", &a.error_code),
                    ("Win32 API", &a.win32_api),
                    ("URL", &a.url),
                    ("AAD error", &a.aad_error),
                ] {
                    if let Some(v) = v {
                        let _ = writeln!(s, "    {label}: {}", vis(v));
                    }
                }
            }
        } else if !e.data.is_empty() {
            let data: Vec<String> = e
                .data
                .iter()
                .take(6)
                .map(|(k, v)| format!("{}={}", vis(k), vis(v)))
                .collect();
            let _ = writeln!(s, "    {DIM}{}{DIM:#}", data.join("  "));
        }
        let _ = writeln!(s, "    {DIM}{}{DIM:#}", vis(place(row)));
    }
    let _ = writeln!(s, "{DIM}{} of {total} events shown{DIM:#}", rows.len());
    for p in problems.iter().take(20) {
        let _ = writeln!(s, "{WARNING}problem{WARNING:#} {}", vis(p));
    }
    s
}
