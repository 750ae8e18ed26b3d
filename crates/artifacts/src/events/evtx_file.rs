//! `.evtx` through the `evtx` crate (multithreaded over chunks, records in file order).

use evtx::{EvtxParser, ParserSettings};
use serde_json::Value;

use super::{Event, EventLog, EventLogError, flatten};
use crate::location::{Diagnostic, Location};

pub fn read_evtx(bytes: Vec<u8>) -> Result<EventLog, EventLogError> {
    let settings = ParserSettings::new().num_threads(0);
    let mut parser = EvtxParser::from_buffer(bytes)
        .map_err(|e| EventLogError::NotAnEventLog(e.to_string()))?
        .with_configuration(settings);
    let mut log = EventLog {
        format: "evtx",
        events: Vec::new(),
        diagnostics: Vec::new(),
    };
    for record in parser.records_json_value() {
        match record {
            Ok(r) => log.events.push(to_event(
                r.event_record_id,
                &r.timestamp.to_string(),
                &r.data,
            )),
            Err(e) => {
                if log.diagnostics.len() < 1000 {
                    log.diagnostics
                        .push(Diagnostic::new(Location::Whole, e.to_string()));
                }
            }
        }
    }
    // Multithreaded parsing may yield chunks out of order; a timeline wants file order.
    log.events.sort_by_key(|e| e.record_id);
    Ok(log)
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
