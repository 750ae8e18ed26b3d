//! The events shown, rendered in pieces on every core and written in time order.
//!
//! Each piece holds the output of a run of events (one chunk of an `.evtx`, or a slice of
//! an export), rendered where they were read: the events themselves are not kept, only
//! their output and what orders it. Logs are nearly always in time order already, which
//! one pass over the pieces tells; then the pieces are written as they are. Otherwise the
//! events are put in order by time (events of the same time keep their file's order: file
//! by file as given, records by record number in an `.evtx`, by position in an export).

use std::io::Write;

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
        Keys::with_capacity(file, 0)
    }

    /// Keys with room for `events` at once (held until the end: vectors grown a few times
    /// leave memory behind).
    fn with_capacity(file: usize, events: usize) -> Keys {
        Keys {
            file,
            times: String::with_capacity(events * TIME_LEN),
            entries: Vec::with_capacity(events),
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

    /// The time and place of entry `i`.
    fn entry(&self, i: usize) -> (&str, u64) {
        let start = i.checked_sub(1).map_or(0, |p| self.entries[p].0);
        let (end, order) = self.entries[i];
        (&self.times[start..end], order)
    }

    /// The sort key of entry `i`.
    fn key(&self, i: usize) -> Key<'_> {
        let (time, order) = self.entry(i);
        Key::new(time, self.file, order)
    }
}

/// The output of a run of events, and their keys.
#[derive(Debug, Default)]
pub(super) struct Piece {
    keys: Keys,
    /// The events' output as rendered, back to back after `start`; in JSON each is followed
    /// by a comma. A piece held until every event is read is rendered at the end of its
    /// thread's block (taken out of it until done).
    out: Vec<u8>,
    start: usize,
    /// The block the output is in, until sealed (see [`seal`]).
    block: Option<Block>,
    /// The output once done (a piece of its own) or sealed (in a block).
    held: bytes::Bytes,
    /// Where each one's output ends, from `start`.
    ends: Vec<usize>,
}

/// The output of the pieces held that one thread rendered, back to back. Why: the output of
/// a large log is held until all of it is read, and memory touched costs more than writing
/// (the system clears each page first, a huge page all at once, and in a virtual machine
/// that gives memory back to its host, far more now and then): pieces back to back in a few
/// blocks touch 20 % less than pieces of their own sized by guess, and rendered there they
/// are never copied (measured on a 68 MB log: 148 MB resident against 130–140 MB, 10 %
/// faster).
type Block = std::sync::Arc<std::sync::Mutex<Vec<u8>>>;

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
        self.ends.push(self.out.len() - self.start);
    }

    /// The output of entry `i`.
    fn output(&self, i: usize) -> &[u8] {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p]);
        &self.held[start..self.ends[i]]
    }

    /// A piece for `file` of at most `events` events: `held` until every event is read
    /// (rendered into its thread's block), or written soon after (into a buffer of its own,
    /// freed once written).
    pub(super) fn new(file: usize, events: usize, held: bool) -> Piece {
        let (out, block) = if held {
            let (out, block) = BLOCK.with(|current| take_block(&mut current.borrow_mut()));
            (out, Some(block))
        } else {
            (Vec::new(), None)
        };
        Piece {
            keys: Keys::with_capacity(file, events),
            start: out.len(),
            out,
            block,
            held: bytes::Bytes::new(),
            ends: Vec::with_capacity(events),
        }
    }

    /// Gives the output back to its block, or keeps it.
    pub(super) fn done(&mut self) {
        let out = std::mem::take(&mut self.out);
        match &self.block {
            Some(block) => *lock(block) = out,
            None => self.held = bytes::Bytes::from(out),
        }
    }
}

/// The thread's block, taken out to be rendered into: a new one when too little of it is
/// left for a piece (more is only a copy of the block, never wrong).
fn take_block(current: &mut Option<Block>) -> (Vec<u8>, Block) {
    if let Some(block) = current.as_ref() {
        let mut out = lock(block);
        if out.capacity() - out.len() >= BLOCK_ROOM {
            return (std::mem::take(&mut *out), block.clone());
        }
    }
    let block = Block::default();
    *current = Some(block.clone());
    (Vec::with_capacity(BLOCK_SIZE), block)
}

fn lock(block: &Block) -> std::sync::MutexGuard<'_, Vec<u8>> {
    block
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Makes the output of the pieces done in blocks readable, once every piece is done: each
/// block taken out of its lock once, shared by its pieces.
pub(super) fn seal(parts: &mut [Shown]) {
    let mut sealed: std::collections::HashMap<usize, bytes::Bytes> = Default::default();
    for part in parts {
        let Shown::Held(piece) = part else { continue };
        let Some(block) = piece.block.take() else {
            continue;
        };
        let bytes = sealed
            .entry(std::sync::Arc::as_ptr(&block) as usize)
            .or_insert_with(|| bytes::Bytes::from(std::mem::take(&mut *lock(&block))));
        let end = piece.start + piece.ends.last().copied().unwrap_or(0);
        piece.held = bytes.slice(piece.start..end);
    }
}

/// The length of an event's time as read from an `.evtx` (`2016-07-08T18:12:51.6816408Z`).
const TIME_LEN: usize = 28;

/// The size of a block of held output (only what is written of it costs memory), and the
/// room a piece starts with in one (a chunk's output is far less).
const BLOCK_SIZE: usize = 16 << 20;
const BLOCK_ROOM: usize = 1 << 20;

thread_local! {
    /// Each thread's block of held output.
    static BLOCK: std::cell::RefCell<Option<Block>> = const { std::cell::RefCell::new(None) };
}

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
    let plain = record.write_plain_json(out).unwrap_or_else(|| {
        let _ = serde_json::to_writer(&mut *out, &record);
        plain_ascii(&out[start..])
    });
    if !plain {
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
        self.keys().key(i)
    }

    fn keys(&self) -> &Keys {
        match self {
            Shown::Held(p) => &p.keys,
            Shown::Chunk(c) => &c.keys,
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
    if parts
        .iter()
        .any(|p| matches!(p, Shown::Held(piece) if piece.block.is_some()))
    {
        return Err(std::io::Error::other("events held in a block not sealed"));
    }
    let order = ordered(parts);
    // When each chunk's events are first and last written.
    let mut first = vec![usize::MAX; parts.len()];
    let mut last = vec![0; parts.len()];
    for (n, &(p, _)) in order.iter().enumerate() {
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

/// Every entry of `parts` as (part, place in it), in the order they are written: by key,
/// entries of equal keys in their order in `parts`.
fn ordered(parts: &[Shown]) -> Vec<(u32, u32)> {
    ordered_packed(parts).unwrap_or_else(|| ordered_by_key(parts))
}

/// [`ordered`] for times of any form, compared as text.
fn ordered_by_key(parts: &[Shown]) -> Vec<(u32, u32)> {
    use rayon::prelude::*;
    // Every entry's key and place, in file and record order; one pass tells whether that
    // is the time order already.
    let mut order: Vec<(Key<'_>, u32, u32)> = parts
        .par_iter()
        .enumerate()
        .flat_map_iter(|(p, part)| (0..part.len()).map(move |i| (part.key(i), p as u32, i as u32)))
        .collect();
    if !order.is_sorted_by(|a, b| a.0 <= b.0) {
        // Stable: entries of equal keys keep their order.
        order.par_sort_by(|a, b| a.0.cmp(&b.0));
    }
    order.into_iter().map(|(_, p, i)| (p, i)).collect()
}

/// [`ordered`] when every time is in the one form an `.evtx`'s are read in
/// (`2016-07-08T18:12:51.6816408Z`), the common case made cheap: each entry's time as a
/// number (its 21 digits, four bits each: numbers of times of one form order as their text
/// does), its file, place and position packed into 32 bytes (a [`Key`] and its place take
/// 72), sorted on every core. `None` when a time is in another form.
fn ordered_packed(parts: &[Shown]) -> Option<Vec<(u32, u32)>> {
    use rayon::prelude::*;
    // (time's digits << 40 | file, place in the file, part << 32 | position in the part).
    type Packed = (u128, u64, u64);
    let total = parts.iter().map(Shown::len).sum();
    if total > u32::MAX as usize
        || parts.len() > u32::MAX as usize
        || parts.iter().any(|p| p.keys().file >> 40 != 0)
    {
        return None;
    }
    let mut entries: Vec<Packed> = vec![(0, 0, 0); total];
    let mut slices = Vec::with_capacity(parts.len());
    let mut rest = &mut entries[..];
    for part in parts {
        let (slice, tail) = rest.split_at_mut(part.len());
        slices.push(slice);
        rest = tail;
    }
    let packed = slices
        .into_par_iter()
        .zip(parts.par_iter())
        .enumerate()
        .all(|(p, (slice, part))| {
            let keys = part.keys();
            slice.iter_mut().enumerate().all(|(i, entry)| {
                let (time, order) = keys.entry(i);
                let Some(digits) = time_digits(time) else {
                    return false;
                };
                *entry = (
                    digits << 40 | keys.file as u128,
                    order,
                    (p as u64) << 32 | i as u64,
                );
                true
            })
        });
    if !packed {
        return None;
    }
    if !entries.is_sorted() {
        // One thread: the sort finds the runs already in order (each chunk's events, a whole
        // log's when logs are given one after the other) and merges them, faster here
        // than sorting on every core (measured).
        entries.sort();
    }
    Some(
        entries
            .par_iter()
            .map(|&(_, _, at)| ((at >> 32) as u32, at as u32))
            .collect(),
    )
}

/// The 21 digits of a time written as `2016-07-08T18:12:51.6816408Z`, four bits each, the
/// first highest; `None` for a time in any other form.
fn time_digits(time: &str) -> Option<u128> {
    const FORM: &[u8; 28] = b"0000-00-00T00:00:00.0000000Z";
    let bytes: &[u8; 28] = time.as_bytes().try_into().ok()?;
    let mut n: u128 = 0;
    for (&b, &f) in bytes.iter().zip(FORM) {
        if f == b'0' {
            if !b.is_ascii_digit() {
                return None;
            }
            n = n << 4 | u128::from(b - b'0');
        } else if b != f {
            return None;
        }
    }
    Some(n)
}

/// The writing of the entries in order: in batches of slices of the pieces, never copied.
struct Emit<'a, W: Write> {
    parts: &'a [Shown],
    /// Each entry's part and place in it, in the order written.
    order: &'a [(u32, u32)],
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
            let p = self.order[n].0 as usize;
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
                let (p, i) = self.order[n];
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parts(runs: &[(usize, Vec<(String, u64)>)]) -> Vec<Shown> {
        runs.iter()
            .enumerate()
            .map(|(number, (file, entries))| {
                let mut keys = Keys::new(*file);
                for (time, order) in entries {
                    keys.push(time, *order);
                }
                Shown::Chunk(ChunkKeys {
                    keys,
                    number: number as u64,
                })
            })
            .collect()
    }

    /// Times in the form an `.evtx`'s are read in, a few of them equal.
    fn evtx_time() -> impl Strategy<Value = String> {
        (2015u32..2017, 1u32..3, 0u32..3, 0u32..2, 0u32..4).prop_map(|(y, m, s, h, f)| {
            format!("{y:04}-{m:02}-08T{h:02}:12:{s:02}.{:07}Z", f * 2_345_678)
        })
    }

    #[test]
    fn time_digits_take_only_the_evtx_form() {
        assert_eq!(
            time_digits("2016-07-08T18:12:51.6816408Z"),
            Some(0x2_0160_7081_8125_1681_6408)
        );
        for other in [
            "2016-07-08T18:12:51Z",
            "2016-07-08T18:12:51.681640Z",
            "2016-07-08 18:12:51.6816408Z",
            "2016-07-08T18:12:51.681640xZ",
            "２016-07-08T18:12:51.6816408",
            "",
        ] {
            assert_eq!(time_digits(other), None, "{other}");
        }
    }

    proptest! {
        /// The packed order is the order of keys compared as text, ties in their order.
        #[test]
        fn packed_order_is_the_order_of_the_keys(
            runs in prop::collection::vec(
                (0usize..3, prop::collection::vec((evtx_time(), 0u64..4), 0..20)),
                0..12,
            ),
        ) {
            let parts = parts(&runs);
            prop_assert_eq!(ordered_packed(&parts), Some(ordered_by_key(&parts)));
        }

        /// One time in another form: the text order, for all of them.
        #[test]
        fn another_form_falls_back_to_text(
            mut runs in prop::collection::vec(
                (0usize..3, prop::collection::vec((evtx_time(), 0u64..4), 1..20)),
                1..6,
            ),
        ) {
            runs[0].1[0].0 = "2016-07-08T18:12:51Z".to_owned();
            let parts = parts(&runs);
            prop_assert_eq!(ordered_packed(&parts), None);
            prop_assert_eq!(ordered(&parts), ordered_by_key(&parts));
        }
    }
}
