//! `mde-doctor events --format json`: the events shown, oldest first, each with its raw data
//! and, for an event mde-doctor knows, what it means.
//!
//! Every type borrows what it shows (a large log is serialized straight from the events
//! read, never copied into a JSON tree).

use std::borrow::Cow;

use mde_artifacts::Location;
use mde_artifacts::events::Event;
use mde_diagnose::events::{AadError, CodeInfo, Decoded};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};

use crate::{Document, Records};

/// The output of `events --format json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EventsDocument<'a> {
    /// The events shown (after the filters), ordered by time; events of the same time keep
    /// their record order.
    pub events: Records<'a, EventRecord<'a>>,
    /// How many events are shown (the length of `events`).
    pub shown: usize,
    /// How many records the files held, shown or not.
    pub total: usize,
    /// Files, chunks or records that could not be read, each with its place.
    pub problems: &'a [String],
    /// Present when `problems` hold bidirectional formatting characters (an event's own are
    /// in its `warnings`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<String>>,
}

impl Document for EventsDocument<'_> {
    const SCHEMA: &'static str = "mde-doctor/events/v1";
}

/// One event.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EventRecord<'a> {
    /// `TimeCreated/@SystemTime` as written (RFC 3339, UTC, up to 100 ns).
    pub time: &'a str,
    pub channel: &'a str,
    pub provider: &'a str,
    pub event_id: u32,
    /// `critical`, `error`, `warning`, `information`, `verbose` or `unknown`.
    pub level: &'a str,
    /// `EventRecordID` (0 when an XML export omits it).
    pub record_id: u64,
    /// The file the event was read from, as given on the command line.
    pub file: &'a str,
    /// The line of the event in an XML export; null for an `.evtx`.
    pub line: Option<usize>,
    /// Whether mde-doctor knows the event (then `title`, `severity`, `params` and `codes`
    /// are set).
    pub known: bool,
    pub title: Option<&'a str>,
    /// `error`, `warning` or `info`, for a known event.
    pub severity: Option<&'a str>,
    /// The event's data values, named where the event does not name them.
    pub params: Option<NameValues<'a>>,
    /// HRESULTs found in the data or message, decoded.
    pub codes: Option<&'a [CodeInfo]>,
    /// The parts of an AAD error, when the event holds one.
    pub aad: Option<&'a AadError>,
    /// The event as read.
    pub raw: RawEvent<'a>,
    /// Present when a string of this event holds bidirectional formatting characters: where
    /// (JSON pointer within the event) and the text shown escaped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<String>>,
}

impl<'a> EventRecord<'a> {
    /// The record of `event`, read from `file`, with its decoding if mde-doctor knows it.
    pub fn new(event: &'a Event, file: &'a str, decoded: Option<&'a Decoded>) -> EventRecord<'a> {
        EventRecord {
            time: &event.time,
            channel: &event.channel,
            provider: &event.provider,
            event_id: event.event_id,
            level: event.level_name(),
            record_id: event.record_id,
            file,
            line: match event.at {
                Location::Line(n) => Some(n),
                _ => None,
            },
            known: decoded.is_some(),
            title: decoded.map(|d| d.title.as_str()),
            severity: decoded.map(|d| d.severity.key()),
            params: decoded.map(|d| NameValues(&d.params)),
            codes: decoded.map(|d| d.codes.as_slice()),
            aad: decoded.and_then(|d| d.aad.as_ref()),
            raw: RawEvent {
                data: NameValues(&event.data),
                message: event.message.as_deref(),
            },
            warnings: None,
        }
    }

    /// Whether any string of the event satisfies `test` (to look for text that needs a
    /// warning without building the event as a JSON tree).
    pub fn any_text(&self, test: impl Fn(&str) -> bool) -> bool {
        let opt = |s: &Option<String>| s.as_deref().is_some_and(&test);
        let pairs = |p: &NameValues<'_>| p.0.iter().any(|(n, v)| test(n) || test(v));
        [
            self.time,
            self.channel,
            self.provider,
            self.level,
            self.file,
        ]
        .into_iter()
        .chain(self.title)
        .chain(self.severity)
        .chain(self.raw.message)
        .any(&test)
            || self.params.as_ref().is_some_and(pairs)
            || pairs(&self.raw.data)
            || self
                .codes
                .unwrap_or_default()
                .iter()
                .any(|c| opt(&c.name) || opt(&c.meaning))
            || self.aad.is_some_and(|a| {
                opt(&a.error_code) || opt(&a.win32_api) || opt(&a.url) || opt(&a.aad_error)
            })
    }
}

/// The event as read: its `EventData`/`UserData` values in order, and the rendered message
/// when the export carries one.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RawEvent<'a> {
    pub data: NameValues<'a>,
    pub message: Option<&'a str>,
}

/// Name/value pairs, serialized as `[{"name": …, "value": …}, …]` in order.
#[derive(Debug, Clone, Copy)]
pub struct NameValues<'a>(pub &'a [(String, String)]);

/// One name/value pair.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NameValue<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

impl Serialize for NameValues<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for (name, value) in self.0 {
            seq.serialize_element(&NameValue { name, value })?;
        }
        seq.end()
    }
}

impl JsonSchema for NameValues<'_> {
    fn schema_name() -> Cow<'static, str> {
        "NameValues".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        <Vec<NameValue<'static>>>::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_every_field_and_the_tag() {
        let schema = crate::document_schema::<EventsDocument<'_>>();
        assert_eq!(
            schema["properties"]["schema"]["const"],
            "mde-doctor/events/v1"
        );
        let text = schema.to_string();
        for field in ["record_id", "NameValue", "CodeInfo", "AadError", "raw"] {
            assert!(text.contains(field), "{field}: {text}");
        }
    }

    /// A long sequence, serialized in parallel groups, is the sequence serialized in place.
    #[test]
    fn records_serialize_as_the_slice_does() {
        let pairs: Vec<(String, String)> = (0..40_000)
            .map(|i| (format!("n{i}"), format!("v\u{202e}\n{i}")))
            .collect();
        let values: Vec<NameValue<'_>> = pairs
            .iter()
            .map(|(name, value)| NameValue { name, value })
            .collect();
        for n in [0, 1, 1023, 1024, 40_000] {
            assert_eq!(
                serde_json::to_string(&crate::Records(&values[..n])).unwrap(),
                serde_json::to_string(&values[..n]).unwrap(),
                "{n}"
            );
        }
        assert_eq!(
            serde_json::to_value(crate::Records(&values[..5000])).unwrap(),
            serde_json::to_value(&values[..5000]).unwrap()
        );
    }

    #[test]
    fn any_text_sees_the_raw_data() {
        let data = [("Name".to_string(), "x\u{202e}y".to_string())];
        let record = EventRecord {
            time: "t",
            channel: "c",
            provider: "p",
            event_id: 1,
            level: "information",
            record_id: 1,
            file: "f",
            line: None,
            known: false,
            title: None,
            severity: None,
            params: None,
            codes: None,
            aad: None,
            raw: RawEvent {
                data: NameValues(&data),
                message: None,
            },
            warnings: None,
        };
        assert!(record.any_text(|s| s.contains('\u{202e}')));
        assert!(!record.any_text(|s| s.contains('\u{2066}')));
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["raw"]["data"][0]["name"], "Name");
        assert!(json.get("warnings").is_none());
    }
}
