//! `.evtx` through the `evtx` crate (multithreaded over chunks, records in file order).

use evtx::{EvtxParser, ParserSettings};
use serde_json::Value;

use super::evtx_chunks::{in_workers, map_evtx};
use super::header_map::{HeaderMap, Slot, map_template, skim_record, skimmed_number, skimmed_text};
use super::record_json::{event_from_json, rendered};
use super::{Event, EventHeader, EventLog, EventLogError, Keep, flatten};
use crate::location::{Diagnostic, Location};

/// Every record of a log (see [`read_evtx_file`]).
pub fn read_evtx(bytes: Vec<u8>) -> Result<EventLog, EventLogError> {
    let len = bytes.len() as u64;
    read_all_from(std::io::Cursor::new(bytes), len)
}

/// Every record of a log, read from the file chunk by chunk on every core: what
/// [`read_evtx_file_filtered`] with [`super::keep_all`] gives, faster. Nothing is left to judge
/// before reading, so records of the common shapes are read straight from their values and
/// the others rendered by the evtx crate (see [`super::map_evtx_file`]).
pub fn read_evtx_file(file: std::fs::File) -> Result<EventLog, EventLogError> {
    let len = file
        .metadata()
        .map_err(|e| EventLogError::NotAnEventLog(e.to_string()))?
        .len();
    read_all_from(file, len)
}

pub fn read_evtx_filtered(bytes: Vec<u8>, keep: Keep<'_>) -> Result<EventLog, EventLogError> {
    let len = bytes.len() as u64;
    read_evtx_from(std::io::Cursor::new(bytes), len, keep)
}

/// [`read_evtx_filtered`] straight from an open file: the chunks are read as they are
/// needed, so a large log is never held in memory whole.
pub fn read_evtx_file_filtered(
    file: std::fs::File,
    keep: Keep<'_>,
) -> Result<EventLog, EventLogError> {
    let len = file
        .metadata()
        .map_err(|e| EventLogError::NotAnEventLog(e.to_string()))?
        .len();
    read_evtx_from(std::io::BufReader::new(file), len, keep)
}

fn read_evtx_from<T: std::io::Read + std::io::Seek + Send>(
    source: T,
    len: u64,
    keep: Keep<'_>,
) -> Result<EventLog, EventLogError> {
    // Compact JSON: it is parsed, never shown, and indenting it costs time.
    let settings = std::sync::Arc::new(ParserSettings::new().num_threads(0).indent(false));
    let mut parser = EvtxParser::from_read_seek(source)
        .map_err(|e| EventLogError::NotAnEventLog(e.to_string()))?
        .with_configuration((*settings).clone());
    // Chunks in record order (a log that wrapped around starts in the middle of the file).
    let parts = in_workers(
        parser.chunks(),
        || (),
        |(), chunk| read_chunk(chunk, &settings, keep),
    );
    Ok(assemble(parts, len))
}

/// One log from its chunks' parts, in record order.
fn assemble(parts: Vec<ChunkPart>, len: u64) -> EventLog {
    let mut log = EventLog {
        format: "evtx",
        total: 0,
        events: Vec::with_capacity(parts.iter().map(|p| p.events.len()).sum()),
        diagnostics: Vec::new(),
    };
    for part in parts {
        log.total += part.total;
        gather(&mut log.diagnostics, part.diagnostics, part.unreadable);
        log.events.extend(part.events);
    }
    log.diagnostics.extend(truncated_tail(len));
    // Chunks may hold records out of order; a timeline wants file order. (A log that never
    // wrapped is in order already: checking costs one pass, sorting a large log far more.)
    if !log.events.is_sorted_by_key(|e| e.record_id) {
        log.events.sort_by_key(|e| e.record_id);
    }
    log
}

/// Every record, owned, through [`map_evtx`]; in record-number order.
fn read_all_from<T: std::io::Read + std::io::Seek + Send>(
    source: T,
    len: u64,
) -> Result<EventLog, EventLogError> {
    let owned = |events: &[super::EventRef<'_>]| -> Vec<Event> {
        events.iter().map(super::EventOf::to_owned_event).collect()
    };
    let mapped = map_evtx(source, len, false, &owned)?;
    let mut log = EventLog {
        format: "evtx",
        total: mapped.total,
        events: mapped.chunks.into_iter().flatten().collect(),
        diagnostics: mapped.diagnostics,
    };
    if !log.events.is_sorted_by_key(|e| e.record_id) {
        log.events.sort_by_key(|e| e.record_id);
    }
    Ok(log)
}

/// What one chunk gave: how many records, the events kept, and its damage.
#[derive(Default)]
struct ChunkPart {
    total: usize,
    events: Vec<Event>,
    diagnostics: Vec<Diagnostic>,
    /// Records rendered as JSON that does not parse (never capped, as before).
    unreadable: Vec<Diagnostic>,
}

/// Reads one chunk's records, rendering only those `keep` may want: a record whose template
/// maps its System header is judged from its substitution values; any other is rendered and
/// judged from the rendering (by [`take_rendered`]).
fn read_chunk(
    chunk: evtx::err::Result<evtx::EvtxChunkData>,
    settings: &std::sync::Arc<ParserSettings>,
    keep: Keep<'_>,
) -> ChunkPart {
    let mut part = ChunkPart::default();
    let mut data = match chunk {
        Ok(data) => data,
        Err(e) => {
            part.diagnostics.push(damage(&e));
            return part;
        }
    };
    let mut maps: std::collections::HashMap<u32, Option<HeaderMap>> =
        std::collections::HashMap::new();
    // Most chunks hold nothing a scan for known events wants: counted from their bytes, never
    // parsed.
    if let Some(count) = skim_chunk(&data, &mut maps, keep) {
        part.total = count;
        return part;
    }
    let number = data.number.unwrap_or(0);
    let mut chunk = match data.parse(settings.clone()) {
        Ok(chunk) => chunk,
        Err(e) => {
            part.diagnostics
                .push(damage(&evtx::err::EvtxError::FailedToParseChunk {
                    chunk_id: number,
                    source: Box::new(e),
                }));
            return part;
        }
    };
    for record in chunk.iter() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                part.diagnostics.push(damage(&e));
                continue;
            }
        };
        let recovered = record.recovered;
        if prejudge(&record, &mut maps, keep) == Some(false) {
            // Counted as read: only its rendering was spared.
            if !recovered {
                part.total += 1;
            }
            continue;
        }
        match rendered(record) {
            Ok(r) => {
                part.total += 1;
                take_rendered(&mut part, r, keep);
            }
            // Carved records that fail to render are noise, as the evtx crate treats them.
            Err(_) if recovered => {}
            Err(e) => part.diagnostics.push(damage(&e)),
        }
    }
    part
}

/// Whether `keep` wants the record, from its template's System header alone; `None` when the
/// template cannot be mapped or a value is not where it should be.
fn prejudge(
    record: &evtx::EvtxRecord<'_>,
    maps: &mut std::collections::HashMap<u32, Option<HeaderMap>>,
    keep: Keep<'_>,
) -> Option<bool> {
    let instances = record.template_instances().ok()?;
    let [instance] = instances.as_slice() else {
        return None;
    };
    let map = maps
        .entry(instance.template_def_offset)
        .or_insert_with(|| map_template(record.chunk.data, instance.template_def_offset))
        .as_ref()?;
    let text = |slot: &Option<Slot>| -> Option<String> {
        match slot.as_ref()? {
            Slot::Literal(t) => Some(t.clone()),
            Slot::Substitution(i) => value_text(instance.values.get(*i as usize)?),
        }
    };
    let number = |slot: &Option<Slot>| -> Option<u64> {
        match slot.as_ref()? {
            Slot::Literal(t) => t.trim().parse().ok(),
            Slot::Substitution(i) => value_number(instance.values.get(*i as usize)?),
        }
    };
    // A missing optional substitution renders as nothing; the rendering path then sees "".
    let channel = text(&map.channel).unwrap_or_default();
    let provider = text(&map.provider).unwrap_or_default();
    let event_id = number(&map.event_id)?;
    let level = number(&map.level).unwrap_or(0);
    Some(keep(&EventHeader {
        channel: &channel,
        provider: &provider,
        event_id: u32::try_from(event_id).ok()?,
        level: u8::try_from(level).ok()?,
    }))
}

/// The number of records of a chunk when every one of them is judged from its bytes and
/// none is wanted; `None` when the chunk must be parsed (a record is wanted, or anything in
/// it is not as a clean chunk has it: the evtx crate then reads it and reports its damage).
fn skim_chunk(
    chunk: &evtx::EvtxChunkData,
    maps: &mut std::collections::HashMap<u32, Option<HeaderMap>>,
    keep: Keep<'_>,
) -> Option<usize> {
    const RECORDS_START: usize = 0x200;
    let data = chunk.data.as_slice();
    let header = &chunk.header;
    let live_end = (header.free_space_offset as usize).min(data.len());
    let expected = header
        .last_event_record_id
        .checked_sub(header.first_event_record_id)?
        .checked_add(1)?;
    let mut pos = RECORDS_START;
    let mut count = 0u64;
    while pos < live_end {
        if data.get(pos..pos + 4)? != [0x2a, 0x2a, 0, 0] {
            return None;
        }
        let size = data
            .get(pos + 4..pos + 8)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)?;
        let end = pos.checked_add(size)?;
        if size < 28 || end > live_end {
            return None;
        }
        let copy = &data[end - 4..end];
        if u32::from_le_bytes([copy[0], copy[1], copy[2], copy[3]]) as usize != size {
            return None;
        }
        let id = u64::from_le_bytes(data[pos + 8..pos + 16].try_into().ok()?);
        if id != header.first_event_record_id + count {
            return None;
        }
        let skimmed = skim_record(data, pos + 24, end - 4)?;
        let map = maps
            .entry(skimmed.template_def_offset)
            .or_insert_with(|| map_template(data, skimmed.template_def_offset))
            .as_ref()?;
        let value = |slot: &Option<Slot>| -> Option<Result<String, (u8, &[u8])>> {
            match slot.as_ref()? {
                Slot::Literal(t) => Some(Ok(t.clone())),
                Slot::Substitution(i) => Some(Err(*skimmed.values.get(*i as usize)?)),
            }
        };
        let text = |slot: &Option<Slot>| -> Option<String> {
            match value(slot)? {
                Ok(t) => Some(t),
                Err(v) => skimmed_text(v),
            }
        };
        let number = |slot: &Option<Slot>| -> Option<u64> {
            match value(slot)? {
                Ok(t) => t.trim().parse().ok(),
                Err(v) => skimmed_number(v),
            }
        };
        let channel = text(&map.channel)?;
        let provider = text(&map.provider)?;
        let event_id = number(&map.event_id)?;
        let level = number(&map.level)?;
        let wanted = keep(&EventHeader {
            channel: &channel,
            provider: &provider,
            event_id: u32::try_from(event_id).ok()?,
            level: u8::try_from(level).ok()?,
        });
        if wanted {
            return None;
        }
        count += 1;
        pos = end;
        if id == header.last_event_record_id {
            break;
        }
    }
    (count == expected).then_some(count as usize)
}

fn value_text(v: &evtx::binxml::value_variant::BinXmlValue<'_>) -> Option<String> {
    use evtx::binxml::value_variant::BinXmlValue as V;
    match v {
        V::StringType(s) => s.to_string().ok(),
        V::AnsiStringType(s) => Some((*s).to_string()),
        V::NullType => Some(String::new()),
        _ => None,
    }
}

fn value_number(v: &evtx::binxml::value_variant::BinXmlValue<'_>) -> Option<u64> {
    use evtx::binxml::value_variant::BinXmlValue as V;
    match *v {
        V::UInt8Type(n) => Some(n.into()),
        V::UInt16Type(n) => Some(n.into()),
        V::UInt32Type(n) => Some(n.into()),
        V::UInt64Type(n) => Some(n),
        V::Int8Type(n) => u64::try_from(n).ok(),
        V::Int16Type(n) => u64::try_from(n).ok(),
        V::Int32Type(n) => u64::try_from(n).ok(),
        V::Int64Type(n) => u64::try_from(n).ok(),
        V::HexInt32Type(n) => Some(n.into()),
        V::HexInt64Type(n) => Some(n),
        _ => None,
    }
}

/// A rendered record, converted to an [`Event`] (in the worker that rendered it) and kept
/// when its header passes `keep`.
fn take_rendered(part: &mut ChunkPart, r: evtx::SerializedEvtxRecord<Vec<u8>>, keep: Keep<'_>) {
    let timestamp = || r.timestamp.to_string();
    let Some(event) = json_event(part, r.event_record_id, &timestamp, &r.data) else {
        return;
    };
    if keep(&event.header()) {
        part.events.push(event);
    }
}

/// The event of a record's JSON; `None` (and the record in `part.unreadable`) when the JSON
/// does not parse. `timestamp` is the record header's time, for an event without its own.
fn json_event(
    part: &mut ChunkPart,
    record_id: u64,
    timestamp: &dyn Fn() -> String,
    json: &[u8],
) -> Option<Event> {
    match event_from_json(record_id, timestamp, json) {
        Ok(event) => Some(event),
        // A shape the direct reading does not expect: through a `Value`, as always.
        Err(_) => match serde_json::from_slice::<Value>(json) {
            Ok(value) => Some(to_event(record_id, timestamp, &value)),
            Err(e) => {
                part.unreadable.push(Diagnostic::new(
                    Location::Whole,
                    format!("record {record_id}: {e}"),
                ));
                None
            }
        },
    }
}

/// Bytes of the file header; chunks follow, each of [`CHUNK_SIZE`] bytes.
pub(super) const FILE_HEADER_SIZE: u64 = 0x1000;
pub(super) const CHUNK_SIZE: u64 = 0x10000;

/// Damage reported by more chunks than this is left out (a log damaged throughout would
/// drown the report); records whose rendering does not read are all reported.
const MAX_DAMAGE: usize = 1000;

/// Adds a chunk's damage (up to [`MAX_DAMAGE`] in all) and its unreadable records to a log's
/// diagnostics.
pub(super) fn gather(
    diagnostics: &mut Vec<Diagnostic>,
    damage: Vec<Diagnostic>,
    unreadable: Vec<Diagnostic>,
) {
    let room = MAX_DAMAGE.saturating_sub(diagnostics.len());
    diagnostics.extend(damage.into_iter().take(room));
    diagnostics.extend(unreadable);
}

/// Where a damaged chunk or record is in the file, and what was lost with it.
pub(super) fn damage(e: &evtx::err::EvtxError) -> Diagnostic {
    use evtx::err::EvtxError;
    let chunk_start = |chunk: u64| FILE_HEADER_SIZE + chunk * CHUNK_SIZE;
    match e {
        EvtxError::FailedToParseChunk { chunk_id, source } => Diagnostic::new(
            Location::Offset(chunk_start(*chunk_id)),
            format!(
                "chunk {chunk_id} (offset {:#x}) could not be read, its records are lost; \
                 the other chunks were read: {source}",
                chunk_start(*chunk_id)
            ),
        ),
        EvtxError::FailedToReadRecordAt {
            chunk: Some(chunk),
            offset,
            ..
        } => Diagnostic::new(
            Location::Offset(chunk_start(*chunk) + offset),
            e.to_string(),
        ),
        _ => Diagnostic::new(Location::Whole, e.to_string()),
    }
}

/// A copy cut short (a log copied while Windows wrote it, a partial download) ends inside a
/// chunk; the evtx crate reads the whole chunks and stops quietly.
pub(super) fn truncated_tail(len: u64) -> Option<Diagnostic> {
    let tail = len.checked_sub(FILE_HEADER_SIZE)? % CHUNK_SIZE;
    (tail != 0).then(|| {
        let at = len - tail;
        Diagnostic::new(
            Location::Offset(at),
            format!(
                "the file ends {tail} bytes into a chunk at offset {at:#x}: a truncated copy; \
                 the records of that last partial chunk are not read"
            ),
        )
    })
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => m.get("#text").map(text).unwrap_or_default(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn attr<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.get("#attributes")?.get(name)
}

pub(super) fn to_event(record_id: u64, timestamp: &dyn Fn() -> String, data: &Value) -> Event {
    let event = data.get("Event").unwrap_or(data);
    let system = event.get("System").cloned().unwrap_or(Value::Null);
    let number =
        |v: Option<&Value>| -> u64 { v.map(text).and_then(|t| t.trim().parse().ok()).unwrap_or(0) };
    let mut fields = Vec::new();
    for section in ["EventData", "UserData"] {
        if let Some(v) = event.get(section) {
            flatten("", v, &mut fields);
        }
    }
    let time = system
        .get("TimeCreated")
        .and_then(|t| attr(t, "SystemTime"))
        .map(text)
        .unwrap_or_else(timestamp);
    // The record id Windows shows is System/EventRecordID; the record header's number
    // (`record_id`) is the fallback for a record without one (or with a zeroed System, as a
    // record whose template could not be read has).
    let record_id = system
        .get("EventRecordID")
        .map(text)
        .and_then(|t| t.trim().parse().ok())
        .filter(|&id: &u64| id > 0)
        .unwrap_or(record_id);
    Event {
        record_id,
        time,
        provider: system
            .get("Provider")
            .and_then(|p| attr(p, "Name"))
            .map(text)
            .unwrap_or_default(),
        channel: system.get("Channel").map(text).unwrap_or_default(),
        event_id: number(system.get("EventID")) as u32,
        level: number(system.get("Level")) as u8,
        computer: system.get("Computer").map(text).unwrap_or_default(),
        data: fields,
        message: event
            .get("RenderingInfo")
            .and_then(|r| r.get("Message"))
            .map(text),
        at: Location::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::keep_all;

    fn samples() -> Vec<(String, Vec<u8>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/events");
        let mut out: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "evtx"))
            .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
            .collect();
        out.sort();
        assert!(out.len() >= 10);
        out
    }

    /// Every chunk of every real sample that parses, with the sample's name.
    fn each_chunk(mut f: impl FnMut(&str, &mut evtx::EvtxChunk<'_>)) {
        for (name, bytes) in samples() {
            let settings = std::sync::Arc::new(ParserSettings::new().indent(false));
            let Ok(parser) = EvtxParser::from_buffer(bytes) else {
                continue;
            };
            let mut parser = parser.with_configuration((*settings).clone());
            for chunk in parser.chunks() {
                let Ok(mut data) = chunk else { continue };
                let Ok(mut chunk) = data.parse(settings.clone()) else {
                    continue;
                };
                f(&name, &mut chunk);
            }
        }
    }

    /// Events read straight from their values are the events their rendering gives, for
    /// every record of every real sample that is read so; and most are read so.
    #[test]
    fn direct_reading_equals_the_rendering() {
        let (mut direct, mut records, mut user_data) = (0, 0, 0);
        each_chunk(|name, chunk| {
            let mut plans = super::super::direct::Plans::new();
            let mut scan = super::super::direct::Scan::new();
            let scan = super::super::direct::scan_chunk(
                chunk.data,
                chunk.header,
                &mut plans,
                &mut scan,
                false,
            )
            .then_some(&scan);
            for (i, r) in chunk.iter().flatten().enumerate() {
                records += 1;
                let id = r.event_record_id;
                let timestamp = r.timestamp.to_string();
                let json = r.into_json_bytes().unwrap();
                let rendered =
                    event_from_json(json.event_record_id, &|| timestamp.clone(), &json.data)
                        .unwrap();
                let Some(scan) = scan else { continue };
                if scan.read(i, id) {
                    direct += 1;
                    let event = scan.event(i, Vec::new()).unwrap().to_owned_event();
                    assert_eq!(event, rendered, "{name}: record {id}");
                    // UserData values are named `Element.field`.
                    user_data += usize::from(event.data.iter().any(|(n, _)| n.contains('.')));
                }
            }
        });
        assert!(records > 10_000, "{records} records");
        assert!(
            direct * 100 >= records * 85,
            "only {direct} of {records} read directly"
        );
        assert!(user_data > 100, "{user_data} with UserData read directly");
        eprintln!("{direct} of {records} read directly, {user_data} with UserData");
    }

    /// The header a record's template gives is the header its rendering gives, for every
    /// record of every real sample; and most records are judged without rendering.
    #[test]
    fn template_headers_agree_with_the_rendered_ones() {
        let mut judged = 0;
        let mut records = 0;
        each_chunk(|name, chunk| {
            let mut maps = std::collections::HashMap::new();
            for record in chunk.iter().flatten() {
                records += 1;
                let seen = std::sync::Mutex::new(None);
                let spy = |h: &EventHeader<'_>| {
                    *seen.lock().unwrap() = Some((
                        h.channel.to_string(),
                        h.provider.to_string(),
                        h.event_id,
                        h.level,
                    ));
                    true
                };
                if prejudge(&record, &mut maps, &spy).is_none() {
                    continue;
                }
                judged += 1;
                let id = record.event_record_id;
                let rendered = record.into_json_bytes().unwrap();
                let mut part = ChunkPart::default();
                take_rendered(&mut part, rendered, &keep_all);
                let e = &part.events[0];
                assert_eq!(
                    seen.lock().unwrap().clone().unwrap(),
                    (e.channel.clone(), e.provider.clone(), e.event_id, e.level),
                    "{name}: record {id}"
                );
            }
        });
        assert!(records > 10_000, "{records} records");
        assert!(
            judged * 10 >= records * 9,
            "only {judged} of {records} judged from templates"
        );
    }

    /// The direct reading of a record's JSON gives the event the `Value` reading gives, for
    /// every record of every real sample (and every one of them is read directly).
    #[test]
    fn direct_json_reading_equals_the_value_reading() {
        let mut records = 0;
        each_chunk(|name, chunk| {
            for record in chunk.iter().flatten() {
                let Ok(r) = record.into_json_bytes() else {
                    continue;
                };
                records += 1;
                let timestamp = || r.timestamp.to_string();
                let value: Value = serde_json::from_slice(&r.data).unwrap();
                let reference = to_event(r.event_record_id, &timestamp, &value);
                let direct = event_from_json(r.event_record_id, &timestamp, &r.data)
                    .unwrap_or_else(|e| panic!("{name}: record {}: {e}", r.event_record_id));
                assert_eq!(direct, reference, "{name}: record {}", r.event_record_id);
            }
        });
        assert!(records > 10_000, "{records} records");
    }

    /// Shapes the evtx crate does not write today still read as the `Value` path reads them.
    #[test]
    fn unusual_shapes_read_as_the_value_path_reads_them() {
        let cases = [
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":null}},"EventID":{"#attributes":{"Qualifiers":16384},"#text":"7036"},"Level":"4","TimeCreated":{"#attributes":{"SystemTime":null}},"EventRecordID":-3,"Channel":7,"Computer":true},"EventData":{"#attributes":{"xmlns":"x","Name":"n"},"Data":[{"#attributes":{"Name":"A"},"#text":"1"},2.5,null,true,{"#text":["a","b"]}],"Binary":"00"},"RenderingInfo":{"Message":null}}}"##,
            r##"{"Event":{"System":{"EventID":4.0,"Level":null,"EventRecordID":"17"},"UserData":{"Root":{"A":{"B":"x\u0041"}}}}}"##,
            r##"{"Event":{"System":{"Channel":["x"]}}}"##,
            r##"{"Event":{"System":null}}"##,
            r##"{"NotEvent":{}}"##,
        ];
        for json in cases {
            let value: Value = serde_json::from_str(json).unwrap();
            let reference = to_event(5, &|| "ts".into(), &value);
            let mut part = ChunkPart::default();
            take_rendered(
                &mut part,
                evtx::SerializedEvtxRecord {
                    event_record_id: 5,
                    timestamp: evtx::Timestamp::UNIX_EPOCH,
                    data: json.as_bytes().to_vec(),
                    recovered: false,
                },
                &keep_all,
            );
            let mut got = part.events.pop().unwrap();
            if got.time == evtx::Timestamp::UNIX_EPOCH.to_string() {
                got.time = "ts".into();
            }
            assert_eq!(got, reference, "{json}");
        }
    }

    /// Reading from the file gives what reading its bytes gives.
    #[test]
    fn file_and_bytes_read_the_same() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/events");
        for (name, bytes) in samples() {
            let file =
                std::fs::File::open(dir.join(std::path::Path::new(&name).file_name().unwrap()))
                    .unwrap();
            let from_file = read_evtx_file_filtered(file, &keep_all).unwrap();
            let from_bytes = read_evtx_filtered(bytes.clone(), &keep_all).unwrap();
            assert_eq!(from_file.total, from_bytes.total, "{name}");
            assert_eq!(from_file.events, from_bytes.events, "{name}");
            assert_eq!(from_file.diagnostics, from_bytes.diagnostics, "{name}");
            let file =
                std::fs::File::open(dir.join(std::path::Path::new(&name).file_name().unwrap()))
                    .unwrap();
            assert_eq!(
                read_evtx_file(file).unwrap(),
                read_evtx(bytes).unwrap(),
                "{name}"
            );
        }
    }

    /// Chunks holding nothing wanted are counted from their bytes, not parsed.
    #[test]
    fn most_chunks_are_skimmed() {
        let (mut skimmed, mut chunks) = (0, 0);
        for (_, bytes) in samples() {
            let Ok(mut parser) = EvtxParser::from_buffer(bytes) else {
                continue;
            };
            for chunk in parser.chunks().flatten() {
                chunks += 1;
                let mut maps = std::collections::HashMap::new();
                if skim_chunk(&chunk, &mut maps, &|_| false).is_some() {
                    skimmed += 1;
                }
            }
        }
        assert!(
            skimmed * 10 >= chunks * 8,
            "{skimmed} of {chunks} chunks skimmed"
        );
    }

    /// Filtering while reading gives what filtering a full reading gives.
    #[test]
    fn filtered_reading_equals_filtering_everything() {
        type Predicate = Box<dyn Fn(&EventHeader<'_>) -> bool + Sync>;
        let predicates: Vec<(&str, Predicate)> = vec![
            ("none", Box::new(|_| false)),
            ("every one, judged", Box::new(|_| true)),
            (
                "system channel",
                Box::new(|h| h.channel.eq_ignore_ascii_case("system")),
            ),
            ("errors", Box::new(|h| (1..=2).contains(&h.level))),
            (
                "some ids",
                Box::new(|h| h.event_id % 3 == 0 || h.event_id == 4624),
            ),
            ("a provider", Box::new(|h| h.provider.contains("Security"))),
        ];
        for (name, bytes) in samples() {
            let all = read_evtx(bytes.clone()).unwrap();
            for (label, keep) in &predicates {
                let filtered = read_evtx_filtered(bytes.clone(), keep.as_ref()).unwrap();
                let expected: Vec<&Event> =
                    all.events.iter().filter(|e| keep(&e.header())).collect();
                assert_eq!(filtered.total, all.total, "{name} / {label}: total");
                assert_eq!(
                    filtered.events.iter().collect::<Vec<_>>(),
                    expected,
                    "{name} / {label}"
                );
                assert_eq!(filtered.diagnostics, all.diagnostics, "{name} / {label}");
            }
        }
    }

    #[test]
    fn the_record_id_is_the_one_windows_shows() {
        // The JSON the evtx crate gives for a record whose header number differs from its
        // System/EventRecordID (a log whose records were renumbered by a copy).
        let json: Value = serde_json::from_str(
            r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},
            "System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-AAD"}},"EventID":1098,"Level":2,
            "TimeCreated":{"#attributes":{"SystemTime":"2026-11-20T09:02:16.880000Z"}},"EventRecordID":4711,
            "Channel":"Microsoft-Windows-AAD/Operational","Computer":"PC-0001.contoso.com"},
            "EventData":{"Data":[{"#text":"Error: 3399811100"}]}}}"##,
        )
        .unwrap();
        let e = to_event(12, &|| "2026-11-20 09:02:16.880000 UTC".into(), &json);
        assert_eq!(e.record_id, 4711);
        let mut no_id = json.clone();
        no_id["Event"]["System"]
            .as_object_mut()
            .unwrap()
            .remove("EventRecordID");
        assert_eq!(to_event(12, &String::new, &no_id).record_id, 12);
        let mut zeroed = json.clone();
        zeroed["Event"]["System"]["EventRecordID"] = serde_json::json!(0);
        assert_eq!(to_event(12, &String::new, &zeroed).record_id, 12);
    }
}
