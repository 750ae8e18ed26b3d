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

use mde_artifacts::events::EventRef;
use mde_report::sanitize::{has_bidi, json_visible, plain_ascii};
use mde_schema::events::{EventRecord, Text};

use super::{Row, timeline};
use crate::cli::Format;

/// The times and places of a run of events, in order: what orders them.
#[derive(Debug, Default)]
pub(super) struct Keys {
    /// The file's index on the command line.
    file: usize,
    /// Their times, back to back.
    times: String,
    /// Where each time ends in `times`, and the event's place in its file: the record
    /// number of an `.evtx`, the position in an export.
    entries: Vec<(usize, u64)>,
}

impl Keys {
    pub(super) fn new(file: usize) -> Keys {
        Keys {
            file,
            ..Keys::default()
        }
    }

    pub(super) fn push(&mut self, time: &str, order: u64) {
        self.times.push_str(time);
        self.entries.push((self.times.len(), order));
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The file's index on the command line.
    pub(super) fn file(&self) -> usize {
        self.file
    }

    /// The sort key of entry `i`.
    fn key(&self, i: usize) -> Key<'_> {
        let start = i.checked_sub(1).map_or(0, |p| self.entries[p].0);
        let (end, order) = self.entries[i];
        Key::new(&self.times[start..end], self.file, order)
    }
}

/// The output of a run of events, and their keys.
#[derive(Debug, Default)]
pub(super) struct Piece {
    keys: Keys,
    /// The events' output, back to back; in JSON each is followed by a comma.
    out: Vec<u8>,
    /// Where each one's output ends in `out`.
    ends: Vec<usize>,
}

impl Piece {
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Renders `row` at the end of the piece.
    pub(super) fn push<S: Text>(&mut self, row: &Row<'_, S>, order: u64, format: Format) {
        match format {
            Format::Json => json_record(row, &mut self.out),
            Format::Text => timeline::write_row(row, &mut self.out),
        }
        self.keys.push(row.event.time.as_ref(), order);
        self.ends.push(self.out.len());
    }

    /// The output of entry `i`.
    fn output(&self, i: usize) -> &[u8] {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p]);
        &self.out[start..self.ends[i]]
    }

    /// A piece for `file`. Its buffer starts as large as the largest piece so far: growing
    /// copies it, and the part never written costs no memory.
    pub(super) fn new(file: usize) -> Piece {
        Piece {
            keys: Keys::new(file),
            out: Vec::with_capacity(LARGEST.load(Ordering::Relaxed).max(1 << 16)),
            ends: Vec::new(),
        }
    }

    /// Notes the piece's size for the next ones (see [`Piece::new`]); a piece smaller than
    /// its buffer by more than a sixteenth gives the rest back (copied once: memory given
    /// but never written still costs when the system backs it with huge pages, and held
    /// pieces are most of what a large log's output costs; measured: fewer slow runs).
    pub(super) fn done(&mut self) {
        LARGEST.fetch_max(self.out.len() + self.out.len() / 8, Ordering::Relaxed);
        if self.out.capacity() > self.out.len() + self.out.len() / 16 + 4096 {
            self.out.shrink_to_fit();
        }
    }
}

/// The largest piece made so far, and an eighth.
static LARGEST: AtomicUsize = AtomicUsize::new(0);

/// What events are ordered by: the time as written (compared as text), then the file and
/// the place in it. The time's first 32 bytes are also held as two numbers, compared first:
/// times differ in their last bytes, and comparing text costs a call per comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key<'a> {
    head: (u128, u128),
    time: &'a str,
    file: usize,
    order: u64,
}

impl<'a> Key<'a> {
    fn new(time: &'a str, file: usize, order: u64) -> Key<'a> {
        let mut bytes = [0u8; 32];
        let n = time.len().min(32);
        bytes[..n].copy_from_slice(&time.as_bytes()[..n]);
        let (hi, lo) = bytes.split_at(16);
        // Big-endian: numbers order as the bytes do; a shorter time's zero padding orders
        // before any byte, as a shorter text orders before a longer one it starts.
        let head = (
            u128::from_be_bytes(hi.try_into().unwrap_or_default()),
            u128::from_be_bytes(lo.try_into().unwrap_or_default()),
        );
        Key {
            head,
            time,
            file,
            order,
        }
    }
}

/// One event as a JSON record of `events --format json`, followed by a comma: what the
/// streamed document writer gives for it (bidi `warnings`, hostile characters escaped).
fn json_record<S: Text>(row: &Row<'_, S>, out: &mut Vec<u8>) {
    let start = out.len();
    let mut record = EventRecord::new(row.event, row.file, row.decoded);
    // Serializing these types to a `Vec` cannot fail.
    if !record.write_plain_json(out) {
        let _ = serde_json::to_writer(&mut *out, &record);
    }
    if !plain_ascii(&out[start..]) {
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

/// The keys of the events of an `.evtx` chunk that are shown, without their output: what
/// the first reading of a log keeps (see [`write_in_order`]).
#[derive(Debug)]
pub(super) struct ChunkKeys {
    pub(super) keys: Keys,
    /// The chunk's number in its file, to read it again.
    pub(super) number: u64,
}

/// What is shown of one part of one file, in file order: events rendered as they were read
/// (an export, or the events a scan kept), or a chunk of an `.evtx` to read again when its
/// events' turn comes.
pub(super) enum Shown {
    Held(Piece),
    Chunk(ChunkKeys),
}

impl Shown {
    pub(super) fn len(&self) -> usize {
        match self {
            Shown::Held(p) => p.len(),
            Shown::Chunk(c) => c.keys.len(),
        }
    }

    fn key(&self, i: usize) -> Key<'_> {
        match self {
            Shown::Held(p) => p.keys.key(i),
            Shown::Chunk(c) => c.keys.key(i),
        }
    }
}

/// Renders the events of chunk `part` of the shown parts.
pub(super) type Render<'a> = &'a (dyn Fn(usize, &[EventRef<'_>]) -> Piece + Sync);

/// Writes the events of `parts` to `out` in time order, a JSON array's elements when
/// `format` is JSON (the commas between them, none after the last). The chunks of `.evtx`
/// files (`files`, by index) are read again, on every core, in the order their first event
/// is written, and each is let go after its last: a log in time order (nearly every one,
/// but for a few events written late) is never held whole.
pub(super) fn write_in_order(
    parts: &[Shown],
    files: &[Option<std::fs::File>],
    render: Render<'_>,
    format: Format,
    out: &mut impl Write,
) -> std::io::Result<()> {
    // Every entry's key and place, in file and record order; one pass tells whether that
    // is the time order already.
    let mut order: Vec<(Key<'_>, u32, u32)> = {
        use rayon::prelude::*;
        parts
            .par_iter()
            .enumerate()
            .flat_map_iter(|(p, part)| {
                (0..part.len()).map(move |i| (part.key(i), p as u32, i as u32))
            })
            .collect()
    };
    if !order.is_sorted_by(|a, b| a.0 <= b.0) {
        // Stable: entries of equal keys keep their order.
        rayon::slice::ParallelSliceMut::par_sort_by(&mut order[..], |a, b| a.0.cmp(&b.0));
    }
    // When each chunk's events are first and last written.
    let mut first = vec![usize::MAX; parts.len()];
    let mut last = vec![0; parts.len()];
    for (n, &(_, p, _)) in order.iter().enumerate() {
        let p = p as usize;
        first[p] = first[p].min(n);
        last[p] = n;
    }
    let mut schedule: Vec<usize> = (0..parts.len())
        .filter(|&p| matches!(parts[p], Shown::Chunk(_)) && first[p] != usize::MAX)
        .collect();
    schedule.sort_by_key(|&p| first[p]);
    let sources = schedule
        .iter()
        .map(|&p| match &parts[p] {
            Shown::Chunk(c) => files
                .get(c.keys.file())
                .and_then(Option::as_ref)
                .map(|f| (f, c.number))
                .ok_or_else(|| std::io::Error::other("an event log to read again is not open")),
            Shown::Held(_) => Err(std::io::Error::other("not a chunk")),
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    let mut emit = Emit {
        parts,
        order: &order,
        last: &last,
        chunks: std::collections::HashMap::new(),
        at: 0,
        pending: Vec::new(),
        done: Vec::new(),
        trail: usize::from(matches!(format, Format::Json)),
        out,
    };
    let until = |i: usize| schedule.get(i).map_or(order.len(), |&p| first[p]);
    emit.until(until(0))?;
    mde_artifacts::events::map_evtx_chunks_at(
        &sources,
        &|i, events| render(schedule[i], events),
        |i, piece| {
            let p = schedule[i];
            if piece.len() != parts[p].len() {
                return Err(std::io::Error::other(
                    "an event log read differently the second time: did it change meanwhile?",
                ));
            }
            emit.chunks.insert(p, piece);
            emit.until(until(i + 1))
        },
    )?;
    emit.until(order.len())?;
    emit.flush()
}

/// The writing of the entries in order: in batches of slices of the pieces, never copied.
struct Emit<'a, W: Write> {
    parts: &'a [Shown],
    order: &'a [(Key<'a>, u32, u32)],
    /// Where each part's last entry is in `order`.
    last: &'a [usize],
    /// The chunks read again whose entries are not all written.
    chunks: std::collections::HashMap<usize, Piece>,
    /// The next entry of `order` to write.
    at: usize,
    /// Entries of `order` (from, to) to write in the next batch.
    pending: Vec<(usize, usize)>,
    /// Chunks whose last entry is in the batch: let go once it is written.
    done: Vec<usize>,
    /// Bytes to leave off the last entry (JSON's comma).
    trail: usize,
    out: &'a mut W,
}

impl<W: Write> Emit<'_, W> {
    /// Writes the entries up to `end` (not included) of the order.
    fn until(&mut self, end: usize) -> std::io::Result<()> {
        let end = end.min(self.order.len());
        if self.at >= end {
            return Ok(());
        }
        self.pending.push((self.at, end));
        for n in self.at..end {
            let p = self.order[n].1 as usize;
            if self.last[p] == n && matches!(self.parts[p], Shown::Chunk(_)) {
                self.done.push(p);
            }
        }
        self.at = end;
        if self.pending.iter().map(|(a, b)| b - a).sum::<usize>() >= 4096 {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the batch.
    fn flush(&mut self) -> std::io::Result<()> {
        let mut slices: Vec<&[u8]> = Vec::new();
        for &(from, to) in &self.pending {
            for n in from..to {
                let (_, p, i) = self.order[n];
                let (p, i) = (p as usize, i as usize);
                let bytes = match &self.parts[p] {
                    Shown::Held(piece) => piece.output(i),
                    Shown::Chunk(_) => self
                        .chunks
                        .get(&p)
                        .ok_or_else(|| std::io::Error::other("a chunk was not read in time"))?
                        .output(i),
                };
                let bytes = if n + 1 == self.order.len() {
                    &bytes[..bytes.len() - self.trail]
                } else {
                    bytes
                };
                slices.push(bytes);
            }
        }
        // At most 1024 slices a call (the usual IOV_MAX).
        for batch in slices.chunks(1024) {
            write_slices(self.out, batch)?;
        }
        self.pending.clear();
        for p in self.done.drain(..) {
            self.chunks.remove(&p);
        }
        self.out.flush()
    }
}

/// Writes every byte of `slices`, in order.
fn write_slices(out: &mut impl Write, slices: &[&[u8]]) -> std::io::Result<()> {
    let mut io: Vec<std::io::IoSlice<'_>> =
        slices.iter().map(|s| std::io::IoSlice::new(s)).collect();
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
