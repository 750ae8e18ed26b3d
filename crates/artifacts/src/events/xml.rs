//! Event log XML exports: `<Events><Event xmlns="…"><System>…</System><EventData>…`,
//! one `<Event>` per record, optionally `<RenderingInfo>` with the message. Exports are read
//! as UTF-8 or UTF-16 (Event Viewer writes UTF-16 with a BOM).

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event as Xml};

use super::{Event, EventLog, EventLogError, Keep, keep_all};
use crate::location::{Diagnostic, Location};
use crate::text;

pub fn read_event_xml(bytes: &[u8]) -> Result<EventLog, EventLogError> {
    read_event_xml_filtered(bytes, &keep_all)
}

pub fn read_event_xml_filtered(bytes: &[u8], keep: Keep<'_>) -> Result<EventLog, EventLogError> {
    let decoded = text::decode(bytes).map_err(|e| EventLogError::NotAnEventLog(e.to_string()))?;
    let xml = decoded.text.as_str();
    if !xml.contains("<Event") {
        return Err(EventLogError::NotAnEventLog("no <Event> element".into()));
    }
    let mut reader = Reader::from_str(xml);
    let mut log = EventLog {
        format: "xml",
        total: 0,
        events: Vec::new(),
        diagnostics: Vec::new(),
    };
    // Element path inside the current <Event>, and the text being collected.
    let mut path: Vec<String> = Vec::new();
    let mut current: Option<Event> = None;
    let mut text_buf = String::new();
    let mut data_name: Option<String> = None;
    let mut unnamed = 0usize;
    let mut lines = LineCounter::default();
    let mut line_at = |pos: u64| lines.line_at(xml, pos);
    // Index of `UserData` in `path`, so leaves below it need no search of the path.
    let mut user_data: Option<usize> = None;
    loop {
        let position = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                log.diagnostics.push(Diagnostic::new(
                    Location::Line(line_at(reader.error_position())),
                    format!("malformed XML: {e}"),
                ));
                // The parser cannot resync inside a broken document: keep what was read.
                break;
            }
        };
        match event {
            Xml::Start(start) => {
                let name = local(&start);
                if name == "Event" {
                    current = Some(empty_event(Location::Line(line_at(position))));
                    path.clear();
                    user_data = None;
                    unnamed = 0;
                } else if current.is_some() && path.len() >= MAX_DEPTH {
                    // No real event nests this deep; a hostile one would make every closing
                    // tag below cost its depth. The event is dropped, and said so.
                    log.diagnostics.push(Diagnostic::new(
                        Location::Line(line_at(position)),
                        format!(
                            "elements nested deeper than {MAX_DEPTH} levels inside an event; \
                             the event is skipped"
                        ),
                    ));
                    current = None;
                    path.clear();
                    user_data = None;
                } else if let Some(ev) = current.as_mut() {
                    on_attributes(ev, &path, &name, &start);
                    if name == "Data" {
                        data_name = attribute(&start, "Name");
                    }
                }
                if current.is_some() {
                    if name == "UserData" && user_data.is_none() {
                        user_data = Some(path.len());
                    }
                    path.push(name);
                }
                text_buf.clear();
            }
            Xml::Empty(start) => {
                let name = local(&start);
                if let Some(ev) = current.as_mut() {
                    on_attributes(ev, &path, &name, &start);
                    if name == "Data" && path.last().is_some_and(|p| p == "EventData") {
                        let key = attribute(&start, "Name").unwrap_or_else(|| {
                            unnamed += 1;
                            format!("Data[{}]", unnamed - 1)
                        });
                        ev.data.push((key, String::new()));
                    }
                }
            }
            Xml::Text(t) => text_buf.push_str(&t.decode().unwrap_or_default()),
            Xml::CData(t) => text_buf.push_str(&String::from_utf8_lossy(&t)),
            Xml::GeneralRef(r) => text_buf.push_str(&resolve_ref(&r)),
            Xml::End(end) => {
                let name = String::from_utf8_lossy(end.local_name().as_ref()).into_owned();
                if name == "Event" {
                    if let Some(ev) = current.take() {
                        log.total += 1;
                        if keep(&ev.header()) {
                            log.events.push(ev);
                        }
                    }
                    path.clear();
                    continue;
                }
                if let Some(ev) = current.as_mut() {
                    path.pop();
                    if user_data.is_some_and(|i| i >= path.len()) {
                        user_data = None;
                    }
                    let value = text_buf.trim().to_string();
                    let at = Leaf {
                        path: &path,
                        name: &name,
                        user_data,
                    };
                    on_text(ev, at, value, &mut data_name, &mut unnamed);
                }
                text_buf.clear();
            }
            Xml::Eof => break,
            _ => {}
        }
    }
    if log.total == 0 && !log.diagnostics.is_empty() {
        return Err(EventLogError::NotAnEventLog(log.diagnostics[0].to_string()));
    }
    Ok(log)
}

/// Elements nested inside one `<Event>` (real events nest 5 or 6 deep).
const MAX_DEPTH: usize = 64;

/// Line numbers of byte positions that only move forward, counted incrementally so that
/// naming the line of every event costs the distance since the last one, not the whole
/// prefix (which made many-event files quadratic).
#[derive(Default)]
pub(crate) struct LineCounter {
    pos: usize,
    line: usize,
}

impl LineCounter {
    pub(crate) fn line_at(&mut self, text: &str, pos: u64) -> usize {
        let pos = (pos as usize).min(text.len());
        if pos < self.pos {
            *self = LineCounter::default();
        }
        self.line += text.as_bytes()[self.pos..pos]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.pos = pos;
        self.line + 1
    }
}

/// Where a closing tag is: its parents, its name, and where `UserData` is among them.
#[derive(Clone, Copy)]
struct Leaf<'a> {
    path: &'a [String],
    name: &'a str,
    user_data: Option<usize>,
}

fn empty_event(at: Location) -> Event {
    Event {
        record_id: 0,
        time: String::new(),
        provider: String::new(),
        channel: String::new(),
        event_id: 0,
        level: 0,
        computer: String::new(),
        data: Vec::new(),
        message: None,
        at,
    }
}

pub(crate) use crate::xml::resolve_ref;

pub(crate) fn local(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.local_name().as_ref()).into_owned()
}

pub(crate) fn attribute(start: &BytesStart<'_>, name: &str) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn on_attributes(ev: &mut Event, path: &[String], name: &str, start: &BytesStart<'_>) {
    let in_system = path.last().is_some_and(|p| p == "System");
    if in_system && name == "Provider" {
        ev.provider = attribute(start, "Name").unwrap_or_default();
    }
    if in_system && name == "TimeCreated" {
        ev.time = attribute(start, "SystemTime").unwrap_or_default();
    }
}

fn on_text(
    ev: &mut Event,
    leaf: Leaf<'_>,
    value: String,
    data_name: &mut Option<String>,
    unnamed: &mut usize,
) {
    let Leaf {
        path,
        name,
        user_data,
    } = leaf;
    let parent = path.last().map(String::as_str).unwrap_or("");
    match (parent, name) {
        ("System", "EventID") => ev.event_id = value.parse().unwrap_or(0),
        ("System", "Level") => ev.level = value.parse().unwrap_or(0),
        ("System", "EventRecordID") => ev.record_id = value.parse().unwrap_or(0),
        ("System", "Channel") => ev.channel = value,
        ("System", "Computer") => ev.computer = value,
        ("EventData", "Data") => {
            let key = data_name.take().unwrap_or_else(|| {
                *unnamed += 1;
                format!("Data[{}]", *unnamed - 1)
            });
            ev.data.push((key, value));
        }
        ("RenderingInfo", "Message") => ev.message = Some(value),
        _ => {
            // UserData: leaf elements by their path below UserData.
            if let Some(i) = user_data
                && !value.is_empty()
            {
                let mut key: Vec<&str> = path
                    .get(i + 2..)
                    .unwrap_or_default()
                    .iter()
                    .map(String::as_str)
                    .collect();
                key.push(name);
                ev.data.push((key.join("."), value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_reported_and_the_next_event_read() {
        let depth = 50_000;
        let xml = format!(
            "<Events><Event><System><EventID>1</EventID></System><UserData>{}x{}</UserData></Event>\n\
             <Event><System><EventID>2</EventID></System></Event></Events>",
            "<a>".repeat(depth),
            "</a>y".repeat(depth)
        );
        let log = read_event_xml(xml.as_bytes()).unwrap();
        assert_eq!(log.events.len(), 1);
        assert_eq!(log.events[0].event_id, 2);
        assert_eq!(log.events[0].at, Location::Line(2));
        assert!(log.diagnostics[0].message.contains("nested deeper"));
    }

    #[test]
    fn user_data_leaves_are_named_by_their_path() {
        let xml = "<Events><Event><System><EventID>5</EventID></System>\
                   <UserData><Root><A><B>1</B></A><C>2</C></Root></UserData></Event></Events>";
        let log = read_event_xml(xml.as_bytes()).unwrap();
        assert_eq!(
            log.events[0].data,
            [
                ("A.B".to_string(), "1".to_string()),
                ("C".into(), "2".into())
            ]
        );
    }
}
