//! JSON: one object per line (JSON lines), or documents as `ConvertTo-Json` writes them — one
//! object, or an array of objects, pretty-printed over many lines. A scanner splits the
//! stream into top-level values, taking a top-level array's elements one by one, so an array
//! of a million computers is read one computer at a time.
//!
//! Values: strings, integers, booleans, null (no value), arrays (multi-valued); binary as
//! `"base64:…"`. PowerShell property names map to LDAP names and PowerShell's shapes are
//! understood (see [`super::powershell`]): `ObjectGUID` as a string or `{"Guid": …}`, byte
//! arrays of binary attributes, Windows PowerShell 5.1's `{"value": […], "Count": n}`
//! wrapping of arrays. Other objects (`SID` as a SecurityIdentifier, say) are kept as their
//! JSON text; certificates written as objects are reported.

use std::io::BufRead;

use mde_artifacts::ldif::base64_decode;
use serde_json::Value as Json;

use super::Item;
use super::powershell::{ldap_name, text_values, type_name_instead_of_values};
use crate::object::Object;
use crate::value::Value;

/// Largest single object accepted (a computer is a few kilobytes).
const MAX_VALUE: usize = 64 << 20;

pub(super) fn objects<'a>(input: Box<dyn BufRead + 'a>) -> impl Iterator<Item = Item> + 'a {
    Values {
        input,
        scan: Scanner {
            line: 1,
            start: 1,
            mode: Mode::Between,
            in_array: false,
            depth: 0,
            in_string: false,
            escaped: false,
            value: Vec::new(),
        },
        done: false,
    }
    .map(|v| {
        let (line, bytes) = v?;
        object(&bytes).map_err(|e| format!("line {line}: {e}"))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Between,
    Value,
    /// After a problem: up to the end of the line.
    Skip,
}

/// Top-level JSON values of a stream, with the line each starts on.
struct Values<R> {
    input: R,
    scan: Scanner,
    done: bool,
}

/// The scanner's state, apart from the input so that the input's buffer can be scanned in
/// place.
struct Scanner {
    line: usize,
    start: usize,
    mode: Mode,
    in_array: bool,
    depth: usize,
    in_string: bool,
    escaped: bool,
    value: Vec<u8>,
}

impl Scanner {
    /// One byte of the stream; a finished value or a problem, if this byte ends one.
    fn byte(&mut self, b: u8) -> Option<Result<(usize, Vec<u8>), String>> {
        if b == b'\n' {
            self.line += 1;
        }
        match self.mode {
            Mode::Skip => {
                if b == b'\n' {
                    self.mode = Mode::Between;
                }
                None
            }
            Mode::Between => match b {
                // Whitespace, and a UTF-8 BOM's bytes.
                b' ' | b'\t' | b'\r' | b'\n' | 0xEF | 0xBB | 0xBF => None,
                b',' if self.in_array => None,
                b']' if self.in_array => {
                    self.in_array = false;
                    None
                }
                b'[' if !self.in_array => {
                    self.in_array = true;
                    None
                }
                b'{' | b'[' => {
                    self.mode = Mode::Value;
                    self.depth = 1;
                    self.start = self.line;
                    self.value.clear();
                    self.value.push(b);
                    None
                }
                other => {
                    self.mode = if other == b'\n' {
                        Mode::Between
                    } else {
                        Mode::Skip
                    };
                    Some(Err(format!(
                        "line {}: expected a JSON object, found {:?}",
                        self.line,
                        char::from(other)
                    )))
                }
            },
            Mode::Value => {
                if self.value.len() >= MAX_VALUE {
                    self.mode = Mode::Skip;
                    return Some(Err(format!(
                        "line {}: a JSON value larger than {} MiB; skipped",
                        self.start,
                        MAX_VALUE >> 20
                    )));
                }
                self.value.push(b);
                if self.in_string {
                    if self.escaped {
                        self.escaped = false;
                    } else if b == b'\\' {
                        self.escaped = true;
                    } else if b == b'"' {
                        self.in_string = false;
                    }
                    return None;
                }
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            self.mode = Mode::Between;
                            return Some(Ok((self.start, std::mem::take(&mut self.value))));
                        }
                    }
                    _ => {}
                }
                None
            }
        }
    }
}

impl<R: BufRead> Iterator for Values<R> {
    type Item = Result<(usize, Vec<u8>), String>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Some(Err(format!("line {}: read error: {e}", self.scan.line)));
                }
            };
            if buf.is_empty() {
                self.done = true;
                if self.scan.mode == Mode::Value {
                    return Some(Err(format!(
                        "line {}: the JSON value that starts here is not closed at the end of the input",
                        self.scan.start
                    )));
                }
                return None;
            }
            let mut used = 0;
            let mut found = None;
            for &b in buf {
                used += 1;
                found = self.scan.byte(b);
                if found.is_some() {
                    break;
                }
            }
            self.input.consume(used);
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

fn object(bytes: &[u8]) -> Result<Object, String> {
    let Json::Object(map) = serde_json::from_slice(bytes).map_err(|e| e.to_string())? else {
        return Err("expected a JSON object".into());
    };
    let mut o = Object::default();
    for (property, json) in map {
        let name = if property == "dn" {
            "distinguishedName".to_string()
        } else {
            ldap_name(&property)
        };
        let mut values = Vec::new();
        for item in items(&name, json) {
            values.extend(value(&name, &property, item)?);
        }
        if name == "distinguishedName"
            && let Some(Value::Ref(dn) | Value::Str(dn)) = values.first()
        {
            o.dn = Some(dn.clone());
        }
        if property != "dn" {
            o.attributes.insert(name, values);
        }
    }
    if let Some(dn) = &o.dn {
        o.attributes
            .insert("dn".into(), vec![Value::Ref(dn.clone())]);
    }
    Ok(o)
}

/// The values a JSON value holds: an array's elements (a byte array of a binary attribute is
/// one value), the array inside Windows PowerShell 5.1's `{"value": […], "Count": n}`.
fn items(name: &str, json: Json) -> Vec<Json> {
    match json {
        Json::Array(items) if !is_byte_array(name, &items) => items,
        Json::Object(mut map) if map.len() == 2 && map.contains_key("Count") => {
            match map.remove("value") {
                Some(inner) => items(name, inner),
                None => vec![Json::Object(map)],
            }
        }
        other => vec![other],
    }
}

fn is_byte_array(name: &str, items: &[Json]) -> bool {
    crate::object::is_binary(name)
        && !items.is_empty()
        && items.iter().all(|i| i.as_u64().is_some_and(|n| n <= 255))
}

fn value(name: &str, property: &str, json: Json) -> Result<Vec<Value>, String> {
    Ok(match json {
        Json::Null => Vec::new(),
        Json::Bool(b) => vec![Value::Bool(b)],
        Json::Number(n) => {
            vec![Value::Num(n.as_i64().ok_or_else(|| {
                format!("{property}: numbers must be integers, not {n}")
            })?)]
        }
        Json::String(s) => match s.strip_prefix("base64:") {
            Some(b64) if !matches!(name, "objectGUID" | "userCertificate") => {
                vec![Value::Bin(base64_decode(b64).map_err(|i| {
                    format!("{property}: invalid base64 at character {i}")
                })?)]
            }
            _ => text_values(name, property, &s, "ConvertTo-Json")?,
        },
        Json::Array(bytes) if is_byte_array(name, &bytes) => vec![Value::Bin(
            bytes
                .iter()
                .filter_map(Json::as_u64)
                .map(|b| b as u8)
                .collect(),
        )],
        Json::Object(map)
            if name == "objectGUID" && map.get("Guid").is_some_and(Json::is_string) =>
        {
            let guid = map["Guid"].as_str().unwrap_or_default();
            text_values(name, property, guid, "ConvertTo-Json")?
        }
        other if name == "userCertificate" || name == "objectGUID" => {
            let text: String = other.to_string().chars().take(60).collect();
            return Err(type_name_instead_of_values(
                property,
                &text,
                "ConvertTo-Json",
            ));
        }
        other => vec![Value::Str(other.to_string())],
    })
}
