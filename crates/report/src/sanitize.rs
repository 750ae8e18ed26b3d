//! The one place that decides how text from a device reaches a terminal, an HTML page or a
//! JSON document.
//!
//! Everything read from a device — host names, registry strings, event data, LDIF values —
//! may carry characters that steer whatever displays them: C0 controls (`ESC [2J` clears a
//! terminal, `ESC ]0;…` sets its title, a bare CR overwrites the line), C1 controls
//! (U+009B is a one-character CSI on many terminals), and the bidirectional overrides and
//! isolates that make text read differently from what it is (U+202E, "Trojan Source").
//! They are shown, not obeyed:
//!
//! - terminal text: [`visible`] / [`vis`] per value — every such character as an escape
//!   (`\x1b`, `\r`, `\n`, `\u202e`), so a value never starts a new line or moves the cursor;
//! - HTML: [`html_visible`] on the rendered page — the same escapes as text (the page's own
//!   line breaks and tabs stay; askama has already escaped markup);
//! - JSON: [`json_visible`] on the serialized document — serde escapes C0; this escapes
//!   DEL, C1 and bidi characters as `\uXXXX` too (the same value to any JSON parser) — and
//!   [`bidi_warnings`] names every string holding a bidi character, for a `warnings` field.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Bidirectional formatting characters: embeddings, overrides, isolates and marks.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Characters never written raw: C0 and C1 controls, DEL, bidi formatting, and the Unicode
/// line and paragraph separators (which some terminals and editors treat as line breaks).
pub fn is_hostile(c: char) -> bool {
    c.is_control() || is_bidi(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Whether `s` holds a bidi formatting character.
pub fn has_bidi(s: &str) -> bool {
    // Every bidi character is outside ASCII; most text is ASCII, which is checked by words.
    !s.is_ascii() && s.chars().any(is_bidi)
}

fn escape(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
    }
}

/// `s` with every hostile character shown as an escape; borrowed when there is none.
pub fn visible(s: &str) -> Cow<'_, str> {
    visible_keeping(s, |_| false)
}

fn visible_keeping(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let Some(first) = s.find(|c: char| is_hostile(c) && !keep(c)) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if is_hostile(c) && !keep(c) {
            escape(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A value shown through [`visible`] by `Display` (width and alignment apply to the shown
/// form): `format!("{:<28}", vis(&name))`.
pub struct Vis<T>(pub T);

/// Wraps a value from a device for display in terminal text.
pub fn vis<T: std::fmt::Display>(value: T) -> Vis<T> {
    Vis(value)
}

impl<T: std::fmt::Display> std::fmt::Display for Vis<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = self.0.to_string();
        f.pad(&visible(&text))
    }
}

/// A rendered HTML page with every hostile character shown as an escape, except the line
/// breaks that lay out the template (which has no CR or tab of its own). The escapes are
/// plain ASCII without `<`, `&` or quotes, so the page's markup is unchanged. The renderer
/// also passes each value through [`visible`] first, so device line breaks are escaped too.
pub fn html_visible(page: &str) -> Cow<'_, str> {
    visible_keeping(page, |c| c == '\n')
}

/// A serialized JSON document with DEL, C1, bidi and separator characters written as
/// `\uXXXX`. They can only occur inside strings (JSON's own syntax is ASCII), where the
/// escape means the same character, so the document's value is unchanged.
pub fn json_visible(json: &str) -> Cow<'_, str> {
    // JSON's own white space stays; inside strings serde has escaped every C0 character.
    let escaped = |c: char| is_hostile(c) && !matches!(c, '\n' | '\r' | '\t');
    let Some(first) = json.find(escaped) else {
        return Cow::Borrowed(json);
    };
    let mut out = String::with_capacity(json.len() + 8);
    out.push_str(&json[..first]);
    for c in json[first..].chars() {
        if escaped(c) {
            // serde_json escapes C0 already; anything left is at most U+FFFF.
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One warning per string of `value` (keys included) that holds a bidi formatting character,
/// naming it by its JSON pointer (RFC 6901): such text may display differently from what it
/// is.
pub fn bidi_warnings(value: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    bidi_warnings_at("", value, &mut out);
    out
}

/// [`bidi_warnings`] for a value found at `pointer` of a larger document (for writers that
/// stream a document field by field).
pub fn bidi_warnings_at(pointer: &str, value: &serde_json::Value, out: &mut Vec<String>) {
    // Almost no document holds one: looked for first, and pointers built only then.
    if !any_bidi(value) {
        return;
    }
    // Iterative: the document may be as deep as its input allowed.
    let mut stack = vec![(pointer.to_string(), value)];
    while let Some((pointer, v)) = stack.pop() {
        match v {
            serde_json::Value::String(s) if has_bidi(s) => out.push(format!(
                "{}: holds bidirectional formatting characters (shown escaped: {}); the text may read differently from what it is",
                if pointer.is_empty() { "/" } else { &pointer },
                visible(s)
            )),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push((format!("{pointer}/{i}"), item));
                }
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map.iter().rev() {
                    let escaped = k.replace('~', "~0").replace('/', "~1");
                    if has_bidi(k) {
                        out.push(format!(
                            "{pointer}/{}: a key holds bidirectional formatting characters",
                            visible(&escaped)
                        ));
                    }
                    stack.push((format!("{pointer}/{escaped}"), item));
                }
            }
            _ => {}
        }
    }
}

/// Whether any string of `value` (keys included) holds a bidi formatting character.
fn any_bidi(value: &serde_json::Value) -> bool {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::String(s) if has_bidi(s) => return true,
            serde_json::Value::Array(items) => stack.extend(items),
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    if has_bidi(k) {
                        return true;
                    }
                    stack.push(item);
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether `bytes` are all ASCII below DEL: JSON text with nothing for [`json_visible`] to
/// escape. (Checked in blocks, which the compiler turns into vector instructions.)
pub fn plain_ascii(bytes: &[u8]) -> bool {
    bytes
        .chunks(64)
        .all(|block| !block.iter().fold(false, |seen, &b| seen | (b >= 0x7f)))
}

/// A writer that passes JSON through [`json_visible`] as it streams, for output written
/// piece by piece (`serde_json::to_writer` on a locked stdout). Bytes of a character split
/// between two writes wait for the rest; bytes that are not UTF-8 pass unchanged.
pub struct JsonVisible<W: std::io::Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: std::io::Write> JsonVisible<W> {
    pub fn new(inner: W) -> JsonVisible<W> {
        JsonVisible {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: std::io::Write> std::io::Write for JsonVisible<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() && plain_ascii(buf) {
            self.inner.write_all(buf)?;
            return Ok(buf.len());
        }
        self.pending.extend_from_slice(buf);
        let complete = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            // An incomplete character at the end waits for the next write.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => {
                self.inner.write_all(&self.pending)?;
                self.pending.clear();
                return Ok(buf.len());
            }
        };
        let text = std::str::from_utf8(&self.pending[..complete]).unwrap_or_default();
        self.inner.write_all(json_visible(text).as_bytes())?;
        self.pending.drain(..complete);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.write_all(&self.pending)?;
        self.pending.clear();
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_shows_every_hostile_character() {
        let hostile =
            "PC\x1b]0;owned\x07\x1b[2J\r\nfake line\u{9b}31m\u{202e}gnp.exe\u{2066}\u{7f}";
        let shown = visible(hostile);
        assert_eq!(
            shown,
            "PC\\x1b]0;owned\\x07\\x1b[2J\\r\\nfake line\\u009b31m\\u202egnp.exe\\u2066\\x7f"
        );
        assert!(!shown.chars().any(is_hostile));
        assert!(matches!(
            visible("HKEY_LOCAL_MACHINE\\ok é"),
            Cow::Borrowed(_)
        ));
        assert_eq!(format!("[{:<6}]", vis("a\nb")), "[a\\nb  ]");
    }

    #[test]
    fn html_keeps_its_line_breaks_and_shows_the_rest() {
        let page = "<td>\n\tPC\x1b[31m\u{202e}x</td>\r\n";
        assert_eq!(html_visible(page), "<td>\n\\tPC\\x1b[31m\\u202ex</td>\\r\n");
    }

    #[test]
    fn json_is_the_same_value_without_raw_characters() {
        let value = serde_json::json!({"host": "a\u{202e}b\u{9b}c\u{7f}", "ok": ["x\u{2067}"]});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let shown = json_visible(&text);
        assert!(
            !shown.chars().any(|c| is_hostile(c) && c != '\n'),
            "{shown}"
        );
        assert!(shown.contains('\n'));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&shown).unwrap(),
            value
        );
        let mut streamed = JsonVisible::new(Vec::new());
        for piece in text.as_bytes().chunks(3) {
            std::io::Write::write_all(&mut streamed, piece).unwrap();
        }
        std::io::Write::flush(&mut streamed).unwrap();
        assert_eq!(String::from_utf8(streamed.inner).unwrap(), shown);
        let warnings = bidi_warnings(&value);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with("/host:"), "{warnings:?}");
        assert!(warnings[1].starts_with("/ok/0:"), "{warnings:?}");
    }
}
