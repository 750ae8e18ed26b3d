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
                    log.diagnostics
                        .push(Diagnostic::new(Location::Whole, e.to_string()));
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

pub(super) fn to_event(record_id: u64, timestamp: &str, data: &Value) -> Event {
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
        let e = to_event(12, "2026-11-20 09:02:16.880000 UTC", &json);
        assert_eq!(e.record_id, 4711);
        let mut no_id = json.clone();
        no_id["Event"]["System"]
            .as_object_mut()
            .unwrap()
            .remove("EventRecordID");
        assert_eq!(to_event(12, "", &no_id).record_id, 12);
        let mut zeroed = json.clone();
        zeroed["Event"]["System"]["EventRecordID"] = serde_json::json!(0);
        assert_eq!(to_event(12, "", &zeroed).record_id, 12);
    }
}
