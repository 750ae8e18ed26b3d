//! Windows event logs: `.evtx` files (through the `evtx` crate) and XML exports
//! (`wevtutil qe CHANNEL /f:xml`, `/f:RenderedXml`, Event Viewer "Save as XML"), read into
//! one [`Event`] model. Every event keeps where it came from: its record id, and for XML its
//! line.
//!
//! A damaged record or chunk is a [`Diagnostic`]; reading continues with the next one, as
//! the `evtx` crate does, so counts agree with `evtx_dump` on the same file.

mod direct;
mod evtx_chunks;
mod evtx_file;
mod header_map;
mod record_json;
mod template_plan;
mod template_tokens;
pub(crate) mod xml;

pub use evtx_chunks::{
    EachChunk, EventTime, MappedLog, map_evtx_chunks_at, map_evtx_file, map_evtx_times,
};
pub use evtx_file::{read_evtx, read_evtx_file, read_evtx_file_filtered, read_evtx_filtered};
pub use xml::{read_event_xml, read_event_xml_filtered};

use std::borrow::Cow;

use serde::Serialize;

use crate::location::{Diagnostic, Location};

/// One event, owning its text.
pub type Event = EventOf<String>;

/// One event borrowing its text from what it was read from where it can (see
/// [`EvtxChunks`]): a large log is then read without a copy of every string.
pub type EventRef<'a> = EventOf<Cow<'a, str>>;

/// One event; `S` is its text: owned ([`Event`]) or borrowed ([`EventRef`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct EventOf<S> {
    /// `EventRecordID` (0 when an XML export omits it).
    pub record_id: u64,
    /// `TimeCreated/@SystemTime`, as written (RFC 3339, UTC).
    pub time: S,
    pub provider: S,
    pub channel: S,
    pub event_id: u32,
    /// 1 critical, 2 error, 3 warning, 4 information, 5 verbose, 0 log always.
    pub level: u8,
    pub computer: S,
    /// `EventData`/`UserData` values in order, named where the event names them (unnamed
    /// `Data` elements are `Data[0]`, `Data[1]`, …).
    pub data: Vec<(S, S)>,
    /// The rendered message, when the export carries one (`RenderingInfo/Message`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<S>,
    /// Line in an XML export; the record id is the place in an `.evtx`.
    pub at: Location,
}

impl<S: AsRef<str>> EventOf<S> {
    /// The fields a reader's filter decides on.
    pub fn header(&self) -> EventHeader<'_> {
        EventHeader {
            channel: self.channel.as_ref(),
            provider: self.provider.as_ref(),
            event_id: self.event_id,
            level: self.level,
        }
    }

    pub fn data(&self, name: &str) -> Option<&str> {
        self.data
            .iter()
            .find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// The event owning its text.
    pub fn to_owned_event(&self) -> Event {
        let own = |s: &S| s.as_ref().to_string();
        Event {
            record_id: self.record_id,
            time: own(&self.time),
            provider: own(&self.provider),
            channel: own(&self.channel),
            event_id: self.event_id,
            level: self.level,
            computer: own(&self.computer),
            data: self.data.iter().map(|(n, v)| (own(n), own(v))).collect(),
            message: self.message.as_ref().map(own),
            at: self.at,
        }
    }

    /// The level's name.
    pub fn level_name(&self) -> &'static str {
        match self.level {
            1 => "critical",
            2 => "error",
            3 => "warning",
            4 | 0 => "information",
            5 => "verbose",
            _ => "unknown",
        }
    }
}

impl Event {
    /// The event as an [`EventRef`] (its strings moved, not copied).
    pub fn into_ref(self) -> EventRef<'static> {
        EventRef {
            record_id: self.record_id,
            time: self.time.into(),
            provider: self.provider.into(),
            channel: self.channel.into(),
            event_id: self.event_id,
            level: self.level,
            computer: self.computer.into(),
            data: self
                .data
                .into_iter()
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
            message: self.message.map(Cow::Owned),
            at: self.at,
        }
    }
}

impl EventRef<'_> {
    /// The event owning its text (borrowed strings copied, owned ones moved).
    pub fn into_owned(self) -> Event {
        Event {
            record_id: self.record_id,
            time: self.time.into_owned(),
            provider: self.provider.into_owned(),
            channel: self.channel.into_owned(),
            event_id: self.event_id,
            level: self.level,
            computer: self.computer.into_owned(),
            data: self
                .data
                .into_iter()
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect(),
            message: self.message.map(Cow::into_owned),
            at: self.at,
        }
    }
}

/// What a reader knows of an event before converting it, to decide whether to keep it.
#[derive(Debug, Clone, Copy)]
pub struct EventHeader<'a> {
    pub channel: &'a str,
    pub provider: &'a str,
    pub event_id: u32,
    pub level: u8,
}

/// Which events a reader keeps.
pub type Keep<'f> = &'f (dyn Fn(&EventHeader<'_>) -> bool + Sync);

/// Keeps every event.
pub fn keep_all(_: &EventHeader<'_>) -> bool {
    true
}

/// What one event log file held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct EventLog {
    /// `evtx` or `xml`.
    pub format: &'static str,
    /// Records read, kept or not.
    pub total: usize,
    /// The records kept.
    pub events: Vec<Event>,
    /// Records or chunks that could not be read (with the evtx crate's reason).
    pub diagnostics: Vec<Diagnostic>,
}

/// The file is not an event log at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventLogError {
    #[error("offset 0x0: not an event log (expected `ElfFile` or an XML <Event>): {0}")]
    NotAnEventLog(String),
}

/// Reads an `.evtx` or an XML export, by content, keeping every event.
pub fn read_event_log(bytes: Vec<u8>) -> Result<EventLog, EventLogError> {
    if bytes.starts_with(b"ElfFile\0") {
        read_evtx(bytes)
    } else {
        read_event_xml_filtered(&bytes, &keep_all)
    }
}

/// Reads an `.evtx` or an XML export, keeping the events `keep` accepts.
pub fn read_event_log_filtered(bytes: Vec<u8>, keep: Keep<'_>) -> Result<EventLog, EventLogError> {
    if bytes.starts_with(b"ElfFile\0") {
        read_evtx_filtered(bytes, keep)
    } else {
        read_event_xml_filtered(&bytes, keep)
    }
}

/// Flattens `EventData`/`UserData` of the evtx crate's JSON into ordered name/value pairs.
pub(crate) fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                if k == "#attributes" {
                    if let Value::Object(attrs) = v {
                        for (a, av) in attrs {
                            // xmlns declarations are not data.
                            if a != "xmlns" {
                                out.push((join(prefix, a), scalar(av)));
                            }
                        }
                    }
                    continue;
                }
                let name = if k == "#text" {
                    prefix.to_string()
                } else {
                    join(prefix, k)
                };
                flatten(&name, v, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), item, out);
            }
        }
        other => out.push((prefix.to_string(), scalar(other))),
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}
