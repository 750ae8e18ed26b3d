//! `mde-doctor events --format json`: the events shown, oldest first, each with its raw data
//! and, for an event mde-doctor knows, what it means.
//!
//! Every type borrows what it shows (a large log is serialized straight from the events
//! read, never copied into a JSON tree).

use std::borrow::Cow;

use mde_artifacts::Location;
use mde_artifacts::events::EventOf;
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
    pub fn new<S: Text>(
        event: &'a EventOf<S>,
        file: &'a str,
        decoded: Option<&'a Decoded>,
    ) -> EventRecord<'a> {
        EventRecord {
            time: event.time.as_ref(),
            channel: event.channel.as_ref(),
            provider: event.provider.as_ref(),
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
            params: decoded.map(|d| NameValues::Owned(&d.params)),
            codes: decoded.map(|d| d.codes.as_slice()),
            aad: decoded.and_then(|d| d.aad.as_ref()),
            raw: RawEvent {
                data: S::pairs(&event.data),
                message: event.message.as_ref().map(AsRef::as_ref),
            },
            warnings: None,
        }
    }

    /// Appends the record as compact JSON, byte for byte what `serde_json` writes for it,
    /// when it is an event mde-doctor does not know and has no `warnings` (nearly every
    /// event of `events --all`); `None`, with nothing written, otherwise. Why: writing
    /// every event of a large log is most of the time `events --all` takes, and this knows
    /// the shape that serde's generic writer discovers field by field.
    ///
    /// `Some(true)` when every byte written is ASCII below DEL (text that needs no second
    /// look for characters to show escaped: what `mde_report::sanitize::plain_ascii` says of
    /// it), told by the pass that looks for bytes to escape.
    pub fn write_plain_json(&self, out: &mut Vec<u8>) -> Option<bool> {
        if self.known
            || self.title.is_some()
            || self.severity.is_some()
            || self.params.is_some()
            || self.codes.is_some()
            || self.aad.is_some()
            || self.warnings.is_some()
        {
            return None;
        }
        out.reserve(512);
        let mut digits = itoa::Buffer::new();
        let mut plain = true;
        out.extend_from_slice(b"{\"time\":");
        plain &= json_string(out, self.time);
        out.extend_from_slice(b",\"channel\":");
        plain &= json_string(out, self.channel);
        out.extend_from_slice(b",\"provider\":");
        plain &= json_string(out, self.provider);
        out.extend_from_slice(b",\"event_id\":");
        out.extend_from_slice(digits.format(self.event_id).as_bytes());
        out.extend_from_slice(b",\"level\":");
        plain &= json_string(out, self.level);
        out.extend_from_slice(b",\"record_id\":");
        out.extend_from_slice(digits.format(self.record_id).as_bytes());
        out.extend_from_slice(b",\"file\":");
        plain &= json_string(out, self.file);
        out.extend_from_slice(b",\"line\":");
        match self.line {
            Some(n) => out.extend_from_slice(digits.format(n).as_bytes()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(
            b",\"known\":false,\"title\":null,\"severity\":null,\"params\":null,\"codes\":null,\"aad\":null,\"raw\":{\"data\":[",
        );
        for (i, (name, value)) in self.raw.data.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"name\":");
            plain &= json_string(out, name);
            out.extend_from_slice(b",\"value\":");
            plain &= json_string(out, value);
            out.push(b'}');
        }
        out.extend_from_slice(b"],\"message\":");
        match self.raw.message {
            Some(m) => plain &= json_string(out, m),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b"}}");
        Some(plain)
    }

    /// Whether any string of the event satisfies `test` (to look for text that needs a
    /// warning without building the event as a JSON tree).
    pub fn any_text(&self, test: impl Fn(&str) -> bool) -> bool {
        let opt = |s: &Option<String>| s.as_deref().is_some_and(&test);
        let pairs = |p: &NameValues<'_>| p.iter().any(|(n, v)| test(n) || test(v));
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

/// `s` as a JSON string, escaped as `serde_json` escapes it: `"`, `\\`, and the C0 controls
/// (`\b \t \n \f \r`, the others as `\u00xx`); everything else as it is. Whether every
/// byte of `s` is below DEL (0x7f).
fn json_string(out: &mut Vec<u8>, s: &str) -> bool {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Most text needs no escape: found so, it is copied whole.
    let mut start = 0;
    let (mut i, mut high) = first_escape(bytes);
    while i < bytes.len() {
        let b = bytes[i];
        if b >= 0x20 && b != b'"' && b != b'\\' {
            high |= b >= 0x7f;
            i += 1;
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        i += 1;
        start = i;
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
    !high
}

/// Where the first byte JSON must escape is in `bytes` (their length when none is), looked
/// for eight bytes at a time; and whether a byte before it is DEL (0x7f) or above.
fn first_escape(bytes: &[u8]) -> (usize, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    let mut seen = 0;
    for word in words.by_ref() {
        let w = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        if needs_escape(w) {
            break;
        }
        // A byte at 0x7f or above has its high bit set, or set once one is added (a carry
        // out of a byte comes only from 0xff, itself seen).
        seen |= (w | w.wrapping_add(ONES)) & HIGH;
        at += 8;
    }
    let mut high = seen != 0;
    for (k, &b) in bytes[at..].iter().enumerate() {
        if b < 0x20 || b == b'"' || b == b'\\' {
            return (at + k, high);
        }
        high |= b >= 0x7f;
    }
    (bytes.len(), high)
}

/// Whether any of the eight bytes of `w` is below 0x20, `"` or `\\` (a byte at 0x80 or above
/// is never one: it is part of a UTF-8 character, written as it is).
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte is zero in `x` where `w` holds the byte `b`; a byte below 0x20 borrows.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    (below | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')))) != 0
}

/// The event as read: its `EventData`/`UserData` values in order, and the rendered message
/// when the export carries one.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RawEvent<'a> {
    pub data: NameValues<'a>,
    pub message: Option<&'a str>,
}

/// Name/value pairs, serialized as `[{"name": …, "value": …}, …]` in order: owned, or
/// borrowed from what the event was read from.
#[derive(Debug, Clone, Copy)]
pub enum NameValues<'a> {
    Owned(&'a [(String, String)]),
    Borrowed(&'a [(Cow<'a, str>, Cow<'a, str>)]),
}

impl<'a> NameValues<'a> {
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let (owned, borrowed) = match *self {
            NameValues::Owned(p) => (p, &[][..]),
            NameValues::Borrowed(p) => (&[][..], p),
        };
        owned
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .chain(borrowed.iter().map(|(n, v)| (n.as_ref(), v.as_ref())))
    }

    fn len(&self) -> usize {
        match self {
            NameValues::Owned(p) => p.len(),
            NameValues::Borrowed(p) => p.len(),
        }
    }
}

/// The text of an event: owned or borrowed.
pub trait Text: AsRef<str> + Sized {
    fn pairs(pairs: &[(Self, Self)]) -> NameValues<'_>;
}

impl Text for String {
    fn pairs(pairs: &[(String, String)]) -> NameValues<'_> {
        NameValues::Owned(pairs)
    }
}

impl Text for Cow<'_, str> {
    fn pairs<'p>(pairs: &'p [(Self, Self)]) -> NameValues<'p> {
        NameValues::Borrowed(pairs)
    }
}

/// One name/value pair.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NameValue<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

impl Serialize for NameValues<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for (name, value) in self.iter() {
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

    /// An event mde-doctor does not know: its time, channel, provider, level and file in
    /// `texts`, event and record 1, no line.
    fn unknown<'a>(
        texts: &'a [impl AsRef<str>],
        data: &'a [(String, String)],
        message: Option<&'a str>,
    ) -> EventRecord<'a> {
        EventRecord {
            time: texts[0].as_ref(),
            channel: texts[1].as_ref(),
            provider: texts[2].as_ref(),
            event_id: 1,
            level: texts[3].as_ref(),
            record_id: 1,
            file: texts[4].as_ref(),
            line: None,
            known: false,
            title: None,
            severity: None,
            params: None,
            codes: None,
            aad: None,
            raw: RawEvent {
                data: NameValues::Owned(data),
                message,
            },
            warnings: None,
        }
    }

    proptest::proptest! {
        /// The plain writer writes what serde writes, for any text.
        #[test]
        fn plain_json_is_what_serde_writes(
            texts in proptest::collection::vec(
                proptest::prop_oneof!["(?s).*", "[ -~\\t\\n\\x01\\x1f\\x7f\"\\\\]{0,40}"],
                8,
            ),
            data in proptest::collection::vec(
                ("(?s).*", "[ -~\\t\\n\\x01\\x1f\\x7f\"\\\\]{0,40}"),
                0..4,
            ),
            line in proptest::option::of(0usize..100_000),
            message in proptest::option::of("(?s).*"),
            ids in (proptest::prelude::any::<u32>(), proptest::prelude::any::<u64>()),
        ) {
            let pairs: Vec<(String, String)> = data;
            let mut record = unknown(&texts[..5], &pairs, message.as_deref());
            (record.event_id, record.record_id, record.line) = (ids.0, ids.1, line);
            let mut ours = Vec::new();
            let plain = record.write_plain_json(&mut ours);
            // Told plain exactly when every byte is below DEL.
            proptest::prop_assert_eq!(plain, Some(ours.iter().all(|&b| b < 0x7f)));
            proptest::prop_assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&record).unwrap()
            );
        }
    }

    #[test]
    fn any_text_sees_the_raw_data() {
        let data = [("Name".to_string(), "x\u{202e}y".to_string())];
        let record = unknown(&["t", "c", "p", "information", "f"], &data, None);
        assert!(record.any_text(|s| s.contains('\u{202e}')));
        assert!(!record.any_text(|s| s.contains('\u{2066}')));
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["raw"]["data"][0]["name"], "Name");
        assert!(json.get("warnings").is_none());
    }
}
