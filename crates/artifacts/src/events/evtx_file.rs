//! `.evtx` through the `evtx` crate (multithreaded over chunks, records in file order).

use std::borrow::Cow;

use evtx::{EvtxParser, ParserSettings};
use serde::Deserialize;
use serde_json::Value;

use super::{Event, EventHeader, EventLog, EventLogError, Keep, flatten, keep_all};
use crate::location::{Diagnostic, Location};

pub fn read_evtx(bytes: Vec<u8>) -> Result<EventLog, EventLogError> {
    read_evtx_filtered(bytes, &keep_all)
}

// Just enough of a record's JSON to decide whether to keep it; borrowed, so records that
// are not kept cost one pass over their text and no allocation.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "Event", borrow)]
    event: HeadEvent<'a>,
}

#[derive(Deserialize)]
struct HeadEvent<'a> {
    #[serde(rename = "System", borrow)]
    system: HeadSystem<'a>,
}

#[derive(Deserialize)]
struct HeadSystem<'a> {
    #[serde(rename = "Channel", borrow, default)]
    channel: Option<Cow<'a, str>>,
    #[serde(rename = "EventID", default)]
    event_id: Option<Number>,
    #[serde(rename = "Level", default)]
    level: Option<Number>,
    #[serde(rename = "Provider", borrow, default)]
    provider: Option<HeadProvider<'a>>,
}

#[derive(Deserialize)]
struct HeadProvider<'a> {
    #[serde(rename = "#attributes", borrow, default)]
    attributes: Option<HeadAttributes<'a>>,
}

#[derive(Deserialize)]
struct HeadAttributes<'a> {
    #[serde(rename = "Name", borrow, default)]
    name: Option<Cow<'a, str>>,
}

/// `"EventID": 4624` or `"EventID": {"#attributes": {…}, "#text": 6009}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Plain(u64),
    Text(String),
    Object {
        #[serde(rename = "#text")]
        text: Box<Number>,
    },
}

impl Number {
    fn value(&self) -> u64 {
        match self {
            Number::Plain(n) => *n,
            Number::Text(t) => t.trim().parse().unwrap_or(0),
            Number::Object { text } => text.value(),
        }
    }
}

pub fn read_evtx_filtered(bytes: Vec<u8>, keep: Keep<'_>) -> Result<EventLog, EventLogError> {
    let len = bytes.len() as u64;
    let settings = ParserSettings::new().num_threads(0);
    let mut parser = EvtxParser::from_buffer(bytes)
        .map_err(|e| EventLogError::NotAnEventLog(e.to_string()))?
        .with_configuration(settings);
    let mut log = EventLog {
        format: "evtx",
        total: 0,
        events: Vec::new(),
        diagnostics: Vec::new(),
    };
    for record in parser.records_json_bytes() {
        let r = match record {
            Ok(r) => r,
            Err(e) => {
                if log.diagnostics.len() < 1000 {
                    log.diagnostics.push(damage(&e));
                }
                continue;
            }
        };
        log.total += 1;
        let wanted = match serde_json::from_slice::<Head<'_>>(&r.data) {
            Ok(head) => {
                let s = &head.event.system;
                keep(&EventHeader {
                    channel: s.channel.as_deref().unwrap_or(""),
                    provider: s
                        .provider
                        .as_ref()
                        .and_then(|p| p.attributes.as_ref())
                        .and_then(|a| a.name.as_deref())
                        .unwrap_or(""),
                    event_id: s.event_id.as_ref().map(Number::value).unwrap_or(0) as u32,
                    level: s.level.as_ref().map(Number::value).unwrap_or(0) as u8,
                })
            }
            // An unexpected shape: convert it fully and let the filter see the result.
            Err(_) => true,
        };
        if !wanted {
            continue;
        }
        match serde_json::from_slice::<Value>(&r.data) {
            Ok(value) => {
                let event = to_event(r.event_record_id, &r.timestamp.to_string(), &value);
                if keep(&event.header()) {
                    log.events.push(event);
                }
            }
            Err(e) => log.diagnostics.push(Diagnostic::new(
                Location::Whole,
                format!("record {}: {e}", r.event_record_id),
            )),
        }
    }
    if let Some(tail) = truncated_tail(len) {
        log.diagnostics.push(tail);
    }
    // Multithreaded parsing may yield chunks out of order; a timeline wants file order.
    log.events.sort_by_key(|e| e.record_id);
    Ok(log)
}

/// Bytes of the file header; chunks follow, each of [`CHUNK_SIZE`] bytes.
const FILE_HEADER_SIZE: u64 = 0x1000;
const CHUNK_SIZE: u64 = 0x10000;

/// Where a damaged chunk or record is in the file, and what was lost with it.
fn damage(e: &evtx::err::EvtxError) -> Diagnostic {
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
fn truncated_tail(len: u64) -> Option<Diagnostic> {
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

fn to_event(record_id: u64, timestamp: &str, data: &Value) -> Event {
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
        .unwrap_or_else(|| timestamp.to_string());
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
