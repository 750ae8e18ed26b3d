//! A record's JSON (as the evtx crate renders it) read straight into an [`Event`], without
//! building a `serde_json::Value` tree: one pass over the text, borrowing what it can.
//!
//! It gives exactly what [`super::evtx_file::to_event`] gives from a `Value` (a test checks
//! this on every record of the real samples); a shape it does not expect (a System field
//! that is an array, a top level without `Event`, …) is an error, and the caller converts
//! that record through the `Value` path instead. The evtx crate suffixes repeated keys
//! (`Data_1`), so a map never holds a key twice and streaming its entries in order is what
//! the order-preserving `Value` map would give.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Event, EventRef};
use crate::location::Location;

/// A record rendered to JSON by the evtx crate, ready to be read: the control characters
/// the crate leaves raw inside its strings escaped (see [`escape_raw_controls`]).
pub(super) fn rendered(
    record: evtx::EvtxRecord<'_>,
) -> evtx::err::Result<evtx::SerializedEvtxRecord<Vec<u8>>> {
    let mut r = record.into_json_bytes()?;
    escape_raw_controls(&mut r.data);
    Ok(r)
}

/// Escapes the control characters the evtx crate leaves raw inside the strings of a
/// record's JSON (a name or text of the chunk holding one: JSON refuses it, and the record
/// would be lost); JSON without one is left as it is. Outside strings, compact JSON has none.
fn escape_raw_controls(json: &mut Vec<u8>) {
    if !json.iter().any(|&b| b < 0x20) {
        return;
    }
    let mut out = Vec::with_capacity(json.len() + 16);
    let (mut in_string, mut escaped) = (false, false);
    for &b in json.iter() {
        if in_string && b < 0x20 {
            // Writing to a vector cannot fail.
            let _ = std::io::Write::write_fmt(&mut out, format_args!("\\u{b:04x}"));
            escaped = false;
            continue;
        }
        out.push(b);
        if escaped {
            escaped = false;
        } else if in_string && b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            in_string = !in_string;
        }
    }
    *json = out;
}

/// The [`Event`] of a rendered record; `Err` for a shape only the `Value` path handles.
pub(super) fn event_from_json(
    record_id: u64,
    timestamp: &dyn Fn() -> String,
    json: &[u8],
) -> Result<Event, serde_json::Error> {
    let (event, timed) = event_ref_from_json(record_id, json)?;
    let mut event = event.into_owned();
    if !timed {
        event.time = timestamp();
    }
    Ok(event)
}

/// The [`EventRef`] of a rendered record, borrowing every string that holds no escape, and
/// whether it has its own time (`false`: `time` is empty, the record header's time is the
/// one to use); `Err` for a shape only the `Value` path handles.
pub(super) fn event_ref_from_json(
    record_id: u64,
    json: &[u8],
) -> Result<(EventRef<'_>, bool), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let root = Root::deserialize(&mut de)?;
    de.end()?;
    let body = root.event;
    let system = body.system.unwrap_or_default();
    let mut data = body.event_data;
    data.extend(body.user_data);
    let time = system
        .time_created
        .and_then(|t| t.attributes)
        .and_then(|a| a.system_time)
        .map(|t| t.0);
    let timed = time.is_some();
    fn text(t: Option<Text<'_>>) -> Cow<'_, str> {
        t.map(|t| t.0).unwrap_or_default()
    }
    let event = EventRef {
        record_id: system
            .event_record_id
            .and_then(|n| n.0)
            .filter(|&id| id > 0)
            .unwrap_or(record_id),
        time: time.unwrap_or_default(),
        provider: text(
            system
                .provider
                .and_then(|p| p.attributes)
                .and_then(|a| a.name),
        ),
        channel: text(system.channel),
        event_id: system.event_id.and_then(|n| n.0).unwrap_or(0) as u32,
        level: system.level.and_then(|n| n.0).unwrap_or(0) as u8,
        computer: text(system.computer),
        data,
        message: body.rendering_info.and_then(|r| r.message).map(|t| t.0),
        at: Location::Whole,
    };
    Ok((event, timed))
}

#[derive(Deserialize)]
struct Root<'a> {
    #[serde(rename = "Event", borrow)]
    event: Body<'a>,
}

/// `Event`: its System header, data sections and rendering.
struct Body<'a> {
    system: Option<System<'a>>,
    event_data: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    user_data: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    rendering_info: Option<RenderingInfo<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Body<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Body<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an Event object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Body<'a>, A::Error> {
                let mut body = Body {
                    system: None,
                    event_data: Vec::new(),
                    user_data: Vec::new(),
                    rendering_info: None,
                };
                let mut prefix = String::new();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    match &*key.0 {
                        "System" => body.system = Some(map.next_value()?),
                        "EventData" => map.next_value_seed(Flatten {
                            prefix: &mut prefix,
                            name: Some(""),
                            out: &mut body.event_data,
                        })?,
                        "UserData" => map.next_value_seed(Flatten {
                            prefix: &mut prefix,
                            name: Some(""),
                            out: &mut body.user_data,
                        })?,
                        "RenderingInfo" => body.rendering_info = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(body)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

#[derive(Default, Deserialize)]
struct System<'a> {
    #[serde(rename = "Provider", borrow, default)]
    provider: Option<WithAttributes<'a>>,
    #[serde(rename = "EventID", default)]
    event_id: Option<Number>,
    #[serde(rename = "Level", default)]
    level: Option<Number>,
    #[serde(rename = "TimeCreated", borrow, default)]
    time_created: Option<WithAttributes<'a>>,
    #[serde(rename = "EventRecordID", default)]
    event_record_id: Option<Number>,
    #[serde(rename = "Channel", borrow, default, deserialize_with = "present")]
    channel: Option<Text<'a>>,
    #[serde(rename = "Computer", borrow, default, deserialize_with = "present")]
    computer: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct WithAttributes<'a> {
    #[serde(rename = "#attributes", borrow, default)]
    attributes: Option<Attributes<'a>>,
}

#[derive(Deserialize)]
struct Attributes<'a> {
    #[serde(rename = "Name", borrow, default, deserialize_with = "present")]
    name: Option<Text<'a>>,
    #[serde(rename = "SystemTime", borrow, default, deserialize_with = "present")]
    system_time: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct RenderingInfo<'a> {
    #[serde(rename = "Message", borrow, default, deserialize_with = "present")]
    message: Option<Text<'a>>,
}

/// A text field that is there, even as `null` (which reads as empty text, not as absent).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text<'de>>, D::Error> {
    Text::deserialize(d).map(Some)
}

/// A map key, borrowed when it holds no escape.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A value read as text the way the `Value` path's `text` reads it: a string as itself, a
/// number or boolean as JSON writes it, null as empty, an object as its `#text` (empty when
/// it has none). An array is refused (the `Value` path writes it as JSON text).
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean, null or object")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(s.to_string())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(s)))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(n.to_string())))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(n.to_string())))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(float_text(n))))
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(if b { "true" } else { "false" })))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed("")))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text<'de>, A::Error> {
        let mut text = Text(Cow::Borrowed(""));
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if key.0 == "#text" {
                text = map.next_value()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(text)
    }
}

/// A float as `serde_json::Value` shows it.
fn float_text(n: f64) -> String {
    serde_json::Number::from_f64(n).map_or_else(|| "null".to_string(), |n| n.to_string())
}

/// A number field (`EventID`, `Level`, `EventRecordID`): its text parsed as an unsigned
/// integer, `None` when it is not one.
struct Number(Option<u64>);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Number, E> {
                Ok(Number(Some(n)))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Number, E> {
                Ok(Number(n.to_string().parse().ok()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Number, E> {
                Ok(Number(float_text(n).parse().ok()))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Number, E> {
                Ok(Number(s.trim().parse().ok()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Number, A::Error> {
                let text = TextVisitor.visit_map(map)?;
                Ok(Number(text.0.trim().parse().ok()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `EventData`/`UserData` flattened into ordered name/value pairs, as
/// [`super::flatten`] does with a `Value`. `prefix` is a scratch buffer holding the current
/// name; it is left as it was found. `name` is the name borrowed from the record when the
/// prefix is one key without escapes (most data: `EventData.SubjectUserSid` is named
/// `SubjectUserSid`), so that it is not copied.
struct Flatten<'p, 'de> {
    prefix: &'p mut String,
    name: Option<&'de str>,
    out: &'p mut Vec<(Cow<'de, str>, Cow<'de, str>)>,
}

impl<'de> DeserializeSeed<'de> for Flatten<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Flatten<'_, 'de> {
    fn leaf(self, value: Cow<'de, str>) {
        let name = match self.name {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(self.prefix.clone()),
        };
        self.out.push((name, value));
    }
}

impl<'de> Visitor<'de> for Flatten<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("event data")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<(), E> {
        self.leaf(Cow::Borrowed(s));
        Ok(())
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.leaf(Cow::Owned(s.to_string()));
        Ok(())
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<(), E> {
        self.leaf(Cow::Owned(s));
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        self.leaf(Cow::Owned(n.to_string()));
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        self.leaf(Cow::Owned(n.to_string()));
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<(), E> {
        self.leaf(Cow::Owned(float_text(n)));
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        self.leaf(Cow::Borrowed(if b { "true" } else { "false" }));
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let len = self.prefix.len();
        let mut i = 0usize;
        loop {
            self.prefix.truncate(len);
            use std::fmt::Write as _;
            let _ = write!(self.prefix, "[{i}]");
            let seed = Flatten {
                prefix: &mut *self.prefix,
                name: None,
                out: &mut *self.out,
            };
            if seq.next_element_seed(seed)?.is_none() {
                break;
            }
            i += 1;
        }
        self.prefix.truncate(len);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let len = self.prefix.len();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.0;
            if key == "#attributes" {
                // xmlns declarations are not data.
                if let serde_json::Value::Object(attrs) = map.next_value::<serde_json::Value>()? {
                    for (a, av) in attrs {
                        if a != "xmlns" {
                            self.out.push((
                                Cow::Owned(super::join(self.prefix, &a)),
                                Cow::Owned(super::scalar(&av)),
                            ));
                        }
                    }
                }
                continue;
            }
            let name = if key == "#text" {
                self.name
            } else {
                // The name is the key alone, borrowed, when there is no prefix before it.
                let alone = match &key {
                    Cow::Borrowed(k) if self.prefix.is_empty() => Some(*k),
                    _ => None,
                };
                if !self.prefix.is_empty() {
                    self.prefix.push('.');
                }
                self.prefix.push_str(&key);
                alone
            };
            map.next_value_seed(Flatten {
                prefix: &mut *self.prefix,
                name,
                out: &mut *self.out,
            })?;
            self.prefix.truncate(len);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::escape_raw_controls;

    #[test]
    fn raw_controls_in_strings_are_escaped() {
        let mut json = b"{\"a\x03b\":\"x\\\"\x1fy\",\"n\":1}".to_vec();
        escape_raw_controls(&mut json);
        assert_eq!(json, b"{\"a\\u0003b\":\"x\\\"\\u001fy\",\"n\":1}");
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["a\u{3}b"], "x\"\u{1f}y");
        // Nothing to escape: left as it is.
        let mut plain = b"{\"a\":\"b\\\\\"}".to_vec();
        escape_raw_controls(&mut plain);
        assert_eq!(plain, b"{\"a\":\"b\\\\\"}");
    }
}
