//! Every record of an `.evtx`, chunk by chunk, handed to the caller as borrowed events
//! ([`EventRef`]) in the worker that read the chunk.
//!
//! Why: a command that shows every event of a large log (`events --all`) spent its time on
//! rendering each record to JSON and reading that back, then on copies — each string of
//! each event allocated, the events held until the end, then serialized. Here a chunk whose
//! records are of the common shapes is read straight from their values (see
//! [`super::direct`]); any other chunk is rendered by the evtx crate, record by record, as
//! before. Either way the caller gets the chunk's events borrowed, turns them into what it
//! keeps there and then, on every core. [`super::read_evtx_file`] reads through the same
//! path, owning the events.

use std::sync::{Arc, Mutex};

use evtx::{EvtxChunkData, EvtxParser, ParserSettings};
use serde_json::Value;

use super::direct::{Plans, Scan, scan_chunk};
use super::evtx_file::{damage, to_event, truncated_tail};
use super::record_json::event_ref_from_json;
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
    map_evtx(std::io::BufReader::new(file), len, each)
}

/// [`map_evtx_file`] over any source of `len` bytes.
pub(super) fn map_evtx<T: std::io::Read + std::io::Seek + Send, R: Send>(
    source: T,
    len: u64,
    each: EachChunk<'_, R>,
) -> Result<MappedLog<R>, EventLogError> {
    // Compact JSON for the chunks rendered: it is read back, never shown.
    let settings = Arc::new(ParserSettings::new().num_threads(1).indent(false));
    let mut parser = EvtxParser::from_read_seek(source)
        .map_err(|e| EventLogError::NotAnEventLog(e.to_string()))?
        .with_configuration((*settings).clone());
    // Chunks in record order, handed out one at a time so that only the chunks being read
    // are in memory.
    let chunks = Mutex::new(parser.chunks().enumerate());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut parts: Vec<(usize, Part<R>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let (mut plans, mut scan) = (Plans::new(), Scan::new());
                    let mut done = Vec::new();
                    loop {
                        let next = match chunks.lock() {
                            Ok(mut chunks) => chunks.next(),
                            Err(_) => None,
                        };
                        let Some((i, chunk)) = next else { break };
                        plans.clear();
                        let part = read_chunk(chunk, &settings, &mut plans, &mut scan, each);
                        done.push((i, part));
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
    parts.sort_by_key(|(i, _)| *i);
    let mut log = MappedLog {
        chunks: Vec::with_capacity(parts.len()),
        total: 0,
        diagnostics: Vec::new(),
    };
    for (_, part) in parts {
        log.total += part.total;
        for d in part.diagnostics {
            if log.diagnostics.len() < 1000 {
                log.diagnostics.push(d);
            }
        }
        log.diagnostics.extend(part.unreadable);
        log.chunks.extend(part.result);
    }
    if let Some(tail) = truncated_tail(len) {
        log.diagnostics.push(tail);
    }
    Ok(log)
}

/// One chunk, read.
struct Part<R> {
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
    each: EachChunk<'_, R>,
) -> Part<R> {
    let mut data = match chunk {
        Ok(data) => data,
        Err(e) => return Part::damaged(&e),
    };
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
    let scan = scan_chunk(parsed.data, parsed.header, plans, scan).then_some(&*scan);
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
            match record.into_json_bytes() {
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
                events.extend(scan.and_then(|s| s.event(*i)));
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
    Part {
        total,
        result: Some(each(&events)),
        diagnostics,
        unreadable,
    }
}
