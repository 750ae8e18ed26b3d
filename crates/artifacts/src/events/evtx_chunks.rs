//! Every record of an `.evtx`, chunk by chunk, handed to the caller as borrowed events
//! ([`EventRef`]) in the worker that read the chunk.
//!
//! Why: a command that shows every event of a large log (`events --all`) spent its time on
//! rendering each record to JSON and reading that back, then on copies — each string of
//! each event allocated, the events held until the end, then serialized. Here records of
//! the common shapes are read straight from their values (see [`super::direct`]); the
//! others are rendered by the evtx crate, record by record, as before. Either way the caller
//! gets the chunk's events borrowed and turns them into what it keeps there and then, on
//! every core. [`super::read_evtx_file`] reads through the same path, owning the events.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use evtx::{EvtxChunkData, EvtxParser, ParserSettings};
use serde_json::Value;

use super::direct::{Plans, Scan, scan_chunk};
use super::evtx_file::{CHUNK_SIZE, FILE_HEADER_SIZE, damage, gather, to_event, truncated_tail};
use super::record_json::{event_ref_from_json, rendered};
use super::{EventLogError, EventRef};
use crate::location::{Diagnostic, Location};

/// What reading a log chunk by chunk gave.
#[derive(Debug)]
pub struct MappedLog<R> {
    /// The caller's result for each chunk, in record order (a log that wrapped around starts
    /// in the middle of the file).
    pub chunks: Vec<R>,
    /// Records read.
    pub total: usize,
    /// Chunks or records that could not be read, each with its place.
    pub diagnostics: Vec<Diagnostic>,
    /// The number in the file of the chunk of each result (to read it again: see
    /// [`map_evtx_chunks_at`]).
    pub numbers: Vec<u64>,
}

/// What the caller does with one chunk's events (in record order within the chunk).
pub type EachChunk<'f, R> = &'f (dyn Fn(&[EventRef<'_>]) -> R + Sync);

/// Every record of the log `file`, read chunk by chunk: `each` is called once per chunk,
/// in a worker thread (one per core), with the chunk's events. A large log is never in
/// memory whole.
pub fn map_evtx_file<R: Send>(
    file: std::fs::File,
    each: EachChunk<'_, R>,
) -> Result<MappedLog<R>, EventLogError> {
    let len = file
        .metadata()
        .map_err(|e| EventLogError::NotAnEventLog(e.to_string()))?
        .len();
    map_evtx(file, len, false, each)
}

/// An event's time and record number, as [`map_evtx_file`] would give them.
#[derive(Debug, Clone, Copy)]
pub struct EventTime<'a> {
    pub time: &'a str,
    pub record_id: u64,
}

/// [`map_evtx_file`] for only the time and record number of each event: the same events
/// (the same records read, the same damage reported), at a fraction of the cost. What a
/// command needs to order a log's events before it shows them.
pub fn map_evtx_times<R: Send>(
    file: std::fs::File,
    each: &(dyn Fn(&[EventTime<'_>]) -> R + Sync),
) -> Result<MappedLog<R>, EventLogError> {
    let len = file
        .metadata()
        .map_err(|e| EventLogError::NotAnEventLog(e.to_string()))?
        .len();
    let times = |events: &[EventRef<'_>]| {
        let times: Vec<EventTime<'_>> = events
            .iter()
            .map(|e| EventTime {
                time: &e.time,
                record_id: e.record_id,
            })
            .collect();
        each(&times)
    };
    map_evtx(file, len, true, &times)
}

/// [`map_evtx_file`] over any source of `len` bytes. (A file is read as it is, unbuffered:
/// the parser reads every chunk's 512-byte header once to find the oldest, seeking between
/// them, then whole 64 KiB chunks, so a buffer would only read and drop 8 KiB per header.)
pub(super) fn map_evtx<T: std::io::Read + std::io::Seek + Send, R: Send>(
    source: T,
    len: u64,
    times_only: bool,
    each: EachChunk<'_, R>,
) -> Result<MappedLog<R>, EventLogError> {
    // Compact JSON for the chunks rendered: it is read back, never shown.
    let settings = Arc::new(ParserSettings::new().num_threads(1).indent(false));
    let mut parser = EvtxParser::from_read_seek(source)
        .map_err(|e| EventLogError::NotAnEventLog(e.to_string()))?
        .with_configuration((*settings).clone());
    let parts: Vec<Part<R>> = in_workers(
        parser.chunks(),
        || (Plans::new(), Scan::new(), Spare::default()),
        |(plans, scan, spare), chunk| {
            plans.clear();
            read_chunk(chunk, &settings, plans, scan, spare, times_only, each)
        },
    );
    let mut log = MappedLog {
        chunks: Vec::with_capacity(parts.len()),
        total: 0,
        diagnostics: Vec::new(),
        numbers: Vec::with_capacity(parts.len()),
    };
    for part in parts {
        log.total += part.total;
        gather(&mut log.diagnostics, part.diagnostics, part.unreadable);
        if let Some(result) = part.result {
            log.chunks.push(result);
            log.numbers.push(part.number);
        }
    }
    log.diagnostics.extend(truncated_tail(len));
    Ok(log)
}

/// `work` done on every item of `items` (a log's chunks, read in record order), by one worker
/// per core each with its own `state`, items handed out one at a time so that only those in
/// work are in memory; the results in the order of the items.
pub(super) fn in_workers<T: Send, S, R: Send>(
    items: impl Iterator<Item = T> + Send,
    state: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, T) -> R + Sync,
) -> Vec<R> {
    let items = Mutex::new(items.enumerate());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut state = state();
                    let mut done = Vec::new();
                    loop {
                        let next = match items.lock() {
                            Ok(mut items) => items.next(),
                            Err(_) => None,
                        };
                        let Some((i, item)) = next else { break };
                        done.push((i, work(&mut state, item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// One chunk, read.
struct Part<R> {
    /// The chunk's number in the file.
    number: u64,
    /// Records read.
    total: usize,
    result: Option<R>,
    diagnostics: Vec<Diagnostic>,
    /// Records rendered as JSON that does not parse (never capped).
    unreadable: Vec<Diagnostic>,
}

impl<R> Part<R> {
    fn damaged(e: &evtx::err::EvtxError) -> Part<R> {
        Part {
            number: 0,
            total: 0,
            result: None,
            diagnostics: vec![damage(e)],
            unreadable: Vec::new(),
        }
    }
}

/// Reads one chunk: straight from its records' values when every one of them allows it,
/// else rendered by the evtx crate.
fn read_chunk<R>(
    chunk: evtx::err::Result<EvtxChunkData>,
    settings: &Arc<ParserSettings>,
    plans: &mut Plans,
    scan: &mut Scan,
    spare: &mut Spare,
    times_only: bool,
    each: EachChunk<'_, R>,
) -> Part<R> {
    let mut data = match chunk {
        Ok(data) => data,
        Err(e) => return Part::damaged(&e),
    };
    // (Chunks are numbered from the file's start, whatever order their records are in.)
    let number = data.number.unwrap_or(0);
    // Parsed by the crate in any case: a chunk it cannot parse (its string or template
    // table damaged) is reported as it reports it, whatever its records look like.
    let mut parsed = match data.parse(settings.clone()) {
        Ok(chunk) => chunk,
        Err(e) => {
            return Part::damaged(&evtx::err::EvtxError::FailedToParseChunk {
                chunk_id: number,
                source: Box::new(e),
            });
        }
    };
    // Records of the common shapes read straight from their values; the others (or every
    // one, in a chunk that is not exactly as a clean one is) rendered by the crate.
    let scan = scan_chunk(parsed.data, parsed.header, plans, scan, times_only).then_some(&*scan);
    let wanted = |i: usize, id: u64| scan.is_none_or(|s| !s.read(i, id));
    let all_read = scan.is_some_and(Scan::all_read);
    let mut total = 0;
    let mut diagnostics = Vec::new();
    // Each record in order: read (its index in the scan), or rendered.
    let mut order: Vec<Result<usize, evtx::SerializedEvtxRecord<Vec<u8>>>> = Vec::new();
    if all_read {
        let count = scan.map_or(0, Scan::len);
        total = count;
        order.extend((0..count).map(Ok));
    } else {
        for (i, record) in parsed.iter().enumerate() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    diagnostics.push(damage(&e));
                    continue;
                }
            };
            if !wanted(i, record.event_record_id) {
                total += 1;
                order.push(Ok(i));
                continue;
            }
            let recovered = record.recovered;
            match rendered(record) {
                Ok(r) => {
                    total += 1;
                    order.push(Err(r));
                }
                // Carved records that fail to render are noise, as the evtx crate treats them.
                Err(_) if recovered => {}
                Err(e) => diagnostics.push(damage(&e)),
            }
        }
    }
    let mut unreadable = Vec::new();
    let mut events = Vec::with_capacity(order.len());
    for item in &order {
        let r = match item {
            Ok(i) => {
                events.extend(scan.and_then(|s| s.event(*i, spare.take())));
                continue;
            }
            Err(r) => r,
        };
        let id = r.event_record_id;
        match event_ref_from_json(id, &r.data) {
            Ok((mut event, timed)) => {
                if !timed {
                    event.time = r.timestamp.to_string().into();
                }
                events.push(event);
            }
            // A shape the direct reading does not expect: through a `Value`.
            Err(_) => match serde_json::from_slice::<Value>(&r.data) {
                Ok(value) => {
                    let timestamp = || r.timestamp.to_string();
                    events.push(to_event(id, &timestamp, &value).into_ref());
                }
                Err(e) => unreadable.push(Diagnostic::new(
                    Location::Whole,
                    format!("record {id}: {e}"),
                )),
            },
        }
    }
    let result = each(&events);
    spare.give(events);
    Part {
        number,
        total,
        result: Some(result),
        diagnostics,
        unreadable,
    }
}

/// The data vectors of the events of chunks read, emptied, kept by a worker from chunk to
/// chunk: reading a chunk's events then allocates nothing per event (measured: allocating
/// and freeing them was 2 % of `events --all`).
#[derive(Default)]
pub(super) struct Spare(Vec<Vec<(Cow<'static, str>, Cow<'static, str>)>>);

impl Spare {
    /// An empty data vector, with room when one is spare.
    fn take<'a>(&mut self) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
        self.0.pop().map(recycle).unwrap_or_default()
    }

    /// Keeps the data vectors of `events` (a chunk holds a few hundred events at most).
    fn give(&mut self, events: Vec<EventRef<'_>>) {
        for event in events {
            if self.0.len() >= 4096 {
                break;
            }
            let mut data = event.data;
            data.clear();
            self.0.push(recycle(data));
        }
    }
}

/// An empty vector's memory, for text of another lifetime. (A vector's `into_iter()`
/// collected keeps its memory when the items are of the same size: the standard library
/// does so, and were it not to, this would only allocate.)
#[allow(clippy::unnecessary_filter_map)] // Nothing to map: the vector is empty.
fn recycle<'a, 'b>(empty: Vec<(Cow<'a, str>, Cow<'a, str>)>) -> Vec<(Cow<'b, str>, Cow<'b, str>)> {
    empty.into_iter().filter_map(|_| None).collect()
}

/// Reads chunks again by their number in their file (see [`MappedLog::numbers`]), in the
/// order given, on every core: `each` turns the events of the `i`th chunk into what `take`
/// is then given, in order, on the calling thread. Only a few chunks are in memory at once
/// however many are read: a worker waits while it is too far ahead of `take`.
///
/// Why: showing every event of a large log in time order needs each event's time before
/// any is written; read once for the times, then again in the order they are written, a log
/// is never held whole.
pub fn map_evtx_chunks_at<R: Send>(
    chunks: &[(&std::fs::File, u64)],
    each: &(dyn Fn(usize, &[EventRef<'_>]) -> R + Sync),
    mut take: impl FnMut(usize, R) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let settings = Arc::new(ParserSettings::new().num_threads(1).indent(false));
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    // How far ahead of `take` the workers may be.
    let window = workers * 4;
    let next = AtomicUsize::new(0);
    let taken = (Mutex::new(0usize), std::sync::Condvar::new());
    let (sender, receiver) = std::sync::mpsc::sync_channel::<(usize, std::io::Result<R>)>(window);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let (next, taken, settings) = (&next, &taken, &settings);
            scope.spawn(move || {
                let (mut plans, mut scan) = (Plans::new(), Scan::new());
                let mut spare = Spare::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(file, number)) = chunks.get(i) else { break };
                    {
                        let (lock, ready) = taken;
                        let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
                        while i >= *done + window {
                            done = ready.wait(done).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    let result = read_chunk_at(file, number).map(|data| {
                        plans.clear();
                        let each = |events: &[EventRef<'_>]| each(i, events);
                        let (plans, scan, spare) = (&mut plans, &mut scan, &mut spare);
                        read_chunk(Ok(data), settings, plans, scan, spare, false, &each).result
                    });
                    let result = result.and_then(|r| {
                        r.ok_or_else(|| {
                            std::io::Error::other(format!(
                                "chunk {number} could not be read again: the file changed while it was read"
                            ))
                        })
                    });
                    if sender.send((i, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        // In order: results that come early wait here (at most a window of them).
        let mut early = std::collections::BTreeMap::new();
        let mut want = 0;
        let mut outcome = Ok(());
        for (i, result) in receiver {
            early.insert(i, result);
            while let Some(result) = early.remove(&want) {
                if outcome.is_ok() {
                    outcome = result.and_then(|r| take(want, r));
                }
                want += 1;
                let (lock, ready) = &taken;
                *lock.lock().unwrap_or_else(|e| e.into_inner()) = want;
                ready.notify_all();
            }
            if outcome.is_err() {
                // Let the workers run out: no more chunks for them.
                next.store(chunks.len(), Ordering::Relaxed);
                let (lock, ready) = &taken;
                *lock.lock().unwrap_or_else(|e| e.into_inner()) = usize::MAX / 2;
                ready.notify_all();
            }
        }
        outcome
    })
}

/// The chunk numbered `number` of `file`, read from where it is.
fn read_chunk_at(file: &std::fs::File, number: u64) -> std::io::Result<EvtxChunkData> {
    let mut data = vec![0u8; CHUNK_SIZE as usize];
    let offset = FILE_HEADER_SIZE + number * CHUNK_SIZE;
    #[cfg(unix)]
    std::os::unix::fs::FileExt::read_exact_at(file, &mut data, offset)?;
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < data.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut data[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
    }
    let mut chunk = EvtxChunkData::new(data, false).map_err(std::io::Error::other)?;
    chunk.number = Some(number);
    Ok(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spare_vectors_keep_their_memory() {
        let mut spare = Spare::default();
        let text = String::from("value");
        let mut data = spare.take();
        data.extend((0..40).map(|_| (Cow::Borrowed("name"), Cow::Borrowed(text.as_str()))));
        let (capacity, at) = (data.capacity(), data.as_ptr() as usize);
        let event = EventRef {
            record_id: 1,
            time: Cow::Borrowed("2026-12-02T08:00:00Z"),
            provider: Cow::Borrowed("p"),
            channel: Cow::Borrowed("c"),
            event_id: 1,
            level: 4,
            computer: Cow::Borrowed("pc"),
            data,
            message: None,
            at: Location::Whole,
        };
        spare.give(vec![event]);
        let again = spare.take();
        assert!(again.is_empty());
        assert_eq!((again.capacity(), again.as_ptr() as usize), (capacity, at));
    }
}
