//! `mde-doctor events FILE…`: a timeline of the events that matter.
//!
//! The events are chosen on every core as they are read (an `.evtx` chunk by chunk), then
//! written in time order, each chunk rendered again when its turn comes (see [`pieces`]).

mod pieces;
mod timeline;

use std::io::Write as _;
use std::path::Path;

use mde_artifacts::events::{
    EventHeader, EventLogError, EventOf, EventRef, EventTime, Keep, read_event_log_filtered,
};
use mde_artifacts::{ReadOptions, read_file};
use mde_diagnose::events::{Decoded, decode, is_known};
use mde_schema::Records;
use mde_schema::events::{EventsDocument, Text};
use rayon::prelude::*;

use super::Status;
use crate::cli::{Format, LevelFilter};
use crate::error::CliError;
use pieces::{ChunkKeys, Keys, Piece, Shown};

/// Largest event log read by default (an .evtx is at most a few GB; typical ones are
/// 1–100 MB); `--max-file-size` raises it.
pub(crate) const MAX_FILE: u64 = 2 << 30;

/// An event shown: the file it was read from and, when mde-doctor knows it, what it means.
struct Row<'a, S> {
    file: &'a str,
    event: &'a EventOf<S>,
    decoded: Option<&'a Decoded>,
}

/// Which events to show (the command line's filters).
pub(crate) struct Filters<'a> {
    pub(crate) since: Option<&'a str>,
    pub(crate) channel: Option<&'a str>,
    pub(crate) level: Option<LevelFilter>,
    pub(crate) all: bool,
}

/// The filters, ready to apply.
struct Select {
    since: Option<jiff::Timestamp>,
    /// Lower-cased.
    channel: Option<String>,
    level: Option<LevelFilter>,
    all: bool,
}

impl Select {
    /// Whether the reader can keep an event with this header.
    fn keeps_header(&self, h: &EventHeader<'_>) -> bool {
        self.keeps(
            h,
            !self.all && is_known(h.channel, h.provider, h.event_id, h.level),
        )
    }

    /// [`Select::keeps_header`], `known` told (it only matters without `--all`).
    fn keeps(&self, h: &EventHeader<'_>, known: bool) -> bool {
        self.channel
            .as_deref()
            .is_none_or(|c| h.channel.to_ascii_lowercase().contains(c))
            && self.level.is_none_or(|l| l.keeps(h.level))
            && (self.all || known)
    }

    /// Whether `event` is shown (`None` when it is not), and what it means when mde-doctor
    /// knows it (boxed: asked of every event, and a meaning, large, is seldom there).
    fn shown<S: AsRef<str>>(&self, event: &EventOf<S>) -> Option<Option<Box<Decoded>>> {
        if self.since.is_some_and(|s| before(event.time.as_ref(), s)) {
            return None;
        }
        let h = event.header();
        let known = is_known(h.channel, h.provider, h.event_id, h.level);
        if !self.keeps(&h, known) {
            return None;
        }
        // Few events are known: only those are copied to be decoded.
        let decoded = known
            .then(|| decode(&event.to_owned_event()))
            .flatten()
            .map(Box::new);
        (decoded.is_some() || self.all).then_some(decoded)
    }

    /// The pieces of `events` (one file's, in its order, from `file`): cut in runs
    /// rendered on every core.
    fn pieces<S: Text + Sync>(
        &self,
        index: usize,
        file: &str,
        events: &[EventOf<S>],
        format: Format,
    ) -> Vec<Piece> {
        events
            .par_chunks(1024)
            .enumerate()
            .map(|(n, run)| {
                let base = (n * 1024) as u64;
                self.piece(index, file, run, format, true, |i, _| base + i as u64)
            })
            .collect()
    }

    /// The piece of `events`, each ordered in its file by `order` (of its position in
    /// `events` and the event); `held` when it is held until every event is read (see
    /// [`Piece::done`]).
    fn piece<S: Text>(
        &self,
        index: usize,
        file: &str,
        events: &[EventOf<S>],
        format: Format,
        held: bool,
        order: impl Fn(usize, &EventOf<S>) -> u64,
    ) -> Piece {
        let mut piece = Piece::new(index, events.len(), held);
        for (i, event) in events.iter().enumerate() {
            if let Some(decoded) = self.shown(event) {
                let row = Row {
                    file,
                    event,
                    decoded: decoded.as_deref(),
                };
                piece.push(&row, order(i, event), format);
            }
        }
        piece.done();
        piece
    }
}

pub(crate) fn run(
    files: &[std::path::PathBuf],
    filters: Filters<'_>,
    format: Format,
    options: ReadOptions,
) -> Result<Status, CliError> {
    let select = Select {
        since: filters.since.map(parse_since).transpose()?,
        channel: filters.channel.map(str::to_ascii_lowercase),
        level: filters.level,
        all: filters.all,
    };
    // `--all` with no filter on the header: every record, read the fastest way.
    let everything = select.all && select.channel.is_none() && select.level.is_none();
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    // What is shown, part by part in file order; the `.evtx` files read chunk by chunk are
    // kept open to be read again (see `pieces::write_in_order`).
    let mut parts: Vec<Shown> = Vec::new();
    let mut open: Vec<Option<std::fs::File>> = Vec::new();
    let mut failures = Vec::new();
    let mut problems = Vec::new();
    let mut total = 0;
    for (index, path) in files.iter().enumerate() {
        let file = names[index].as_str();
        open.push(None);
        match read(path, &select, everything, options) {
            Ok(Read::Chunks(handle)) if !read_twice(&handle) => {
                // Read once: each chunk's events chosen and rendered in the worker that read
                // them, and held until all are read.
                let each = |events: &[EventRef<'_>]| {
                    select.piece(index, file, events, format, true, |_, e| e.record_id)
                };
                match mde_artifacts::events::map_evtx_file(handle, &each) {
                    Ok(mapped) => {
                        total += mapped.total;
                        problems.extend(mapped.diagnostics.iter().map(|d| format!("{file}: {d}")));
                        parts.extend(mapped.chunks.into_iter().map(Shown::Held));
                    }
                    Err(e) => failures.push(format!("{file}: {e}")),
                }
            }
            Ok(Read::Chunks(handle)) => {
                // Read twice. First: the times of the events shown (every event but those
                // before `--since`: nothing else is filtered here), in the worker that read
                // each chunk.
                let keys = |events: &[EventTime<'_>]| {
                    let mut keys = Keys::new(index);
                    for event in events {
                        if select.since.is_none_or(|s| !before(event.time, s)) {
                            keys.push(event.time, event.record_id);
                        }
                    }
                    keys
                };
                let mapped = handle
                    .try_clone()
                    .map_err(|e| EventLogError::NotAnEventLog(e.to_string()))
                    .and_then(|copy| mde_artifacts::events::map_evtx_times(copy, &keys));
                match mapped {
                    Ok(mapped) => {
                        total += mapped.total;
                        problems.extend(mapped.diagnostics.iter().map(|d| format!("{file}: {d}")));
                        for (keys, number) in mapped.chunks.into_iter().zip(mapped.numbers) {
                            parts.push(Shown::Chunk(ChunkKeys { keys, number }));
                        }
                        open[index] = Some(handle);
                    }
                    Err(e) => failures.push(format!("{file}: {e}")),
                }
            }
            Ok(Read::Events(log)) => {
                total += log.total;
                problems.extend(log.diagnostics.iter().map(|d| format!("{file}: {d}")));
                parts.extend(
                    select
                        .pieces(index, file, &log.events, format)
                        .into_iter()
                        .map(Shown::Held),
                );
                // The process ends with this command: the system takes a large log's many
                // small allocations back at once, faster than freeing them one by one.
                std::mem::forget(log);
            }
            Err(e) => failures.push(format!("{file}: {e}")),
        }
    }
    pieces::seal(&mut parts);
    let shown = parts.iter().map(Shown::len).sum();
    // Second reading of a chunk: its events rendered, in the worker that read it.
    let render = |part: usize, events: &[EventRef<'_>]| -> Piece {
        let index = match &parts[part] {
            Shown::Chunk(chunk) => chunk.keys.file(),
            Shown::Held(_) => 0,
        };
        // Written soon after, and let go.
        select.piece(index, &names[index], events, format, false, |_, e| {
            e.record_id
        })
    };
    match format {
        Format::Json => {
            let mut doc = EventsDocument {
                events: Records(&[]),
                shown,
                total,
                problems: &problems,
                warnings: None,
            };
            doc.warnings = mde_report::json::warnings_of(&doc);
            // The document around its events: written by the one JSON writer with no events,
            // the events written into its empty array (never held as one string).
            let mut frame = Vec::new();
            mde_report::json::write_document_streamed(&mut frame, &doc)?;
            let at = find(&frame, br#""events":[]"#)
                .map(|at| at + br#""events":["#.len())
                .ok_or_else(|| std::io::Error::other("the events document has no events array"))?;
            // Written straight to the file behind standard output (no line buffer scanning
            // every byte), or through it when it cannot be had.
            match stdout_file() {
                Ok(mut out) => {
                    out.write_all(&frame[..at])?;
                    pieces::write_in_order(&parts, &open, &render, format, &mut out)?;
                    out.write_all(&frame[at..])?;
                }
                Err(_) => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(&frame[..at])?;
                    pieces::write_in_order(&parts, &open, &render, format, &mut out)?;
                    out.write_all(&frame[at..])?;
                    out.flush()?;
                }
            }
        }
        Format::Text => {
            // Through the terminal writer, which drops the colours when stdout is not one.
            let mut out = anstream::stdout().lock();
            pieces::write_in_order(&parts, &open, &render, format, &mut out)?;
            out.write_all(&timeline::footer(shown, total, &problems))?;
            out.flush()?;
        }
    }
    std::mem::forget(parts);
    super::finish(failures, files.len())
}

/// Standard output as a file of its own (a duplicate of its descriptor or handle).
fn stdout_file() -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    let owned = std::os::fd::AsFd::as_fd(&std::io::stdout()).try_clone_to_owned()?;
    #[cfg(windows)]
    let owned =
        std::os::windows::io::AsHandle::as_handle(&std::io::stdout()).try_clone_to_owned()?;
    Ok(std::fs::File::from(owned))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Largest `.evtx` whose events' output is held until all are read (about its size in
/// JSON); a larger one is read twice, for the times first, then in the order its events are
/// written, so that memory stays flat (`MDE_DOCTOR_EVENTS_HOLD_MAX`, bytes, overrides it).
const HOLD_MAX: u64 = 256 << 20;

/// Whether the `.evtx` `file` is read twice (see [`HOLD_MAX`]).
fn read_twice(file: &std::fs::File) -> bool {
    let limit = std::env::var("MDE_DOCTOR_EVENTS_HOLD_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(HOLD_MAX);
    file.metadata().is_ok_and(|m| m.len() > limit)
}

/// What reading a file gave: an `.evtx` to read chunk by chunk, or its events.
enum Read {
    Chunks(std::fs::File),
    Events(mde_artifacts::events::EventLog),
}

/// Reads `path`: an `.evtx` of which every record is wanted (`everything`) is handed back
/// open, to be read chunk by chunk; otherwise the events the selection can keep.
fn read(
    path: &Path,
    select: &Select,
    everything: bool,
    options: ReadOptions,
) -> Result<Read, String> {
    // Regular files only (a device or FIFO is refused unopened), at most `max_file` bytes.
    let meta = mde_artifacts::check_path(path).map_err(|e| super::without_path(e, path))?;
    let keep: Keep<'_> = &|h: &EventHeader<'_>| select.keeps_header(h);
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
            Ok(Read::Chunks(file))
        } else {
            mde_artifacts::events::read_evtx_file_filtered(file, keep)
                .map(Read::Events)
                .map_err(|e| e.to_string())
        };
    }
    let bytes = read_file(path, options).map_err(|e| super::without_path(e, path))?;
    read_event_log_filtered(bytes, keep)
        .map(Read::Events)
        .map_err(|e| e.to_string())
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
