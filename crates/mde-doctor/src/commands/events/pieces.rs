//! The events shown, rendered in pieces on every core and written in time order.
//!
//! Each piece holds the output of a run of events (one chunk of an `.evtx`, or a slice of
//! an export), rendered where they were read: the events themselves are not kept, only
//! their output and what orders it. Logs are nearly always in time order already, which
//! one pass over the pieces tells; then the pieces are written as they are. Otherwise the
//! events are put in order by time (events of the same time keep their file's order: file
//! by file as given, records by record number in an `.evtx`, by position in an export).

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use mde_report::sanitize::{has_bidi, json_visible, plain_ascii};
use mde_schema::events::{EventRecord, Text};

use super::{Row, timeline};
use crate::cli::Format;

/// The output of a run of events.
#[derive(Debug, Default)]
pub(super) struct Piece {
    /// The file's index on the command line.
    file: usize,
    /// The events' output, back to back; in JSON each is followed by a comma.
    out: Vec<u8>,
    /// Their times, back to back.
    times: String,
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    /// Where its output ends in `out`.
    end: usize,
    /// Where its time ends in `times`.
    time_end: usize,
    /// Its place in its file: the record number of an `.evtx`, the position in an export.
    order: u64,
}

impl Piece {
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Renders `row` at the end of the piece.
    pub(super) fn push<S: Text>(&mut self, row: &Row<'_, S>, order: u64, format: Format) {
        match format {
            Format::Json => json_record(row, &mut self.out),
            Format::Text => timeline::write_row(row, &mut self.out),
        }
        self.times.push_str(row.event.time.as_ref());
        self.entries.push(Entry {
            end: self.out.len(),
            time_end: self.times.len(),
            order,
        });
    }

    /// Where entry `i` starts, in `out` and in `times`.
    fn start(&self, i: usize) -> (usize, usize) {
        i.checked_sub(1)
            .and_then(|p| self.entries.get(p))
            .map_or((0, 0), |e| (e.end, e.time_end))
    }

    /// The output of entry `i`.
    fn output(&self, i: usize) -> &[u8] {
        &self.out[self.start(i).0..self.entries[i].end]
    }

    /// The sort key of entry `i`.
    fn key(&self, i: usize) -> Key<'_> {
        let e = &self.entries[i];
        Key {
            time: &self.times[self.start(i).1..e.time_end],
            file: self.file,
            order: e.order,
        }
    }

    /// A piece for `file`. Its buffer starts as large as the largest piece so far: growing
    /// copies it, and the part never written costs no memory.
    pub(super) fn new(file: usize) -> Piece {
        Piece {
            file,
            out: Vec::with_capacity(LARGEST.load(Ordering::Relaxed).max(1 << 16)),
            ..Piece::default()
        }
    }

    /// Notes the piece's size for the next ones (see [`Piece::new`]); a piece far smaller
    /// than its buffer (few events shown) gives the rest back.
    pub(super) fn done(&mut self) {
        LARGEST.fetch_max(self.out.len() + self.out.len() / 8, Ordering::Relaxed);
        if self.out.capacity() > 2 * self.out.len() + 4096 {
            self.out.shrink_to_fit();
        }
    }
}

/// The largest piece made so far, and an eighth.
static LARGEST: AtomicUsize = AtomicUsize::new(0);

/// What events are ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key<'a> {
    time: &'a str,
    file: usize,
    order: u64,
}

/// One event as a JSON record of `events --format json`, followed by a comma: what the
/// streamed document writer gives for it (bidi `warnings`, hostile characters escaped).
fn json_record<S: Text>(row: &Row<'_, S>, out: &mut Vec<u8>) {
    let start = out.len();
    let mut record = EventRecord::new(row.event, row.file, row.decoded);
    let printable = match record.write_plain_json_checked(out) {
        Some(printable) => printable,
        None => {
            // Serializing these types to a `Vec` cannot fail.
            let _ = serde_json::to_writer(&mut *out, &record);
            plain_ascii(&out[start..])
        }
    };
    if !printable {
        if record.any_text(has_bidi) {
            record.warnings = mde_report::json::warnings_of(&record);
            out.truncate(start);
            let _ = serde_json::to_writer(&mut *out, &record);
        }
        if let Ok(text) = std::str::from_utf8(&out[start..])
            && let std::borrow::Cow::Owned(visible) = json_visible(text)
        {
            out.truncate(start);
            out.extend_from_slice(visible.as_bytes());
        }
    }
    out.push(b',');
}

/// Writes the entries of `pieces` to `out` in time order, a JSON array's elements when
/// `format` is JSON (the commas between them, none after the last). Written in batches of
/// slices, never copied into one buffer.
pub(super) fn write_in_order(
    pieces: &[Piece],
    format: Format,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let trail = usize::from(matches!(format, Format::Json));
    // Every entry's key, in file and record order; one pass tells whether that is the
    // time order already.
    let mut keys: Vec<(Key<'_>, u32, u32)> = pieces
        .iter()
        .enumerate()
        .flat_map(|(p, piece)| (0..piece.len()).map(move |i| (piece.key(i), p as u32, i as u32)))
        .collect();
    let mut slices: Vec<&[u8]> = if keys.is_sorted_by(|a, b| a.0 <= b.0) {
        pieces.iter().map(|p| &p.out[..]).filter(|o| !o.is_empty()).collect()
    } else {
        // Stable: entries of equal keys keep their order.
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        keys.iter()
            .map(|&(_, p, i)| pieces[p as usize].output(i as usize))
            .collect()
    };
    if let Some(last) = slices.last_mut() {
        *last = &last[..last.len() - trail];
    }
    // At most 1024 slices a call (the usual IOV_MAX).
    for batch in slices.chunks(1024) {
        write_slices(out, batch)?;
    }
    Ok(())
}

/// Writes every byte of `slices`, in order.
fn write_slices(out: &mut impl Write, slices: &[&[u8]]) -> std::io::Result<()> {
    let mut io: Vec<std::io::IoSlice<'_>> = slices.iter().map(|s| std::io::IoSlice::new(s)).collect();
    let mut io = &mut io[..];
    std::io::IoSlice::advance_slices(&mut io, 0);
    while !io.is_empty() {
        match out.write_vectored(io) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => std::io::IoSlice::advance_slices(&mut io, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
