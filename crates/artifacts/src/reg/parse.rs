//! The `.reg` format as regedit, `reg export` and Wine write it.
//!
//! Grammar, line by line (a logical line may continue over physical lines ending in `\`,
//! and a quoted string may span lines: regedit writes a `REG_SZ` holding a line break as a
//! raw line break inside the quotes, which is read back exactly, CR, LF or CRLF):
//! ```text
//! header   = "Windows Registry Editor Version 5.00" | "REGEDIT4"
//! key      = "[" ["-"] path "]"
//! value    = ("@" | quoted-name) "=" data
//! data     = "-" | quoted-string | "dword:" hex{1,8} | "hex:" bytes | "hex(" hex+ "):" bytes
//!          | "str(" hex+ "):" quoted-string        ; Wine's extension
//! bytes    = [byte {"," byte}] [","]
//! comment  = ";" anything
//! ```
//! Strings escape `\` and `"` with a backslash (Wine also writes `\n`, `\r`, `\0`). In
//! regedit 5 files the bytes of `hex(2)`, `hex(7)` and `hex(1)` are UTF-16LE; in REGEDIT4
//! files they are ANSI.
//!
//! Only a missing header is fatal. A malformed line becomes a [`Diagnostic`] naming its line
//! and what was expected, and reading goes on, so one bad line never hides the rest.

use serde::Serialize;

use super::data::{RegData, StringBytes};
use super::path::KeyPath;
use super::{RegFile, RegKey, RegValue};
use crate::location::{Diagnostic, Location};
use crate::text::{self, NotText};

/// Which header the file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegFormat {
    /// `Windows Registry Editor Version 5.00`
    Regedit5,
    /// `REGEDIT4`
    Regedit4,
    /// An offline hive (regf), not a `.reg` file.
    Hive,
}

/// The file cannot be read as a `.reg` export at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegParseError {
    #[error(transparent)]
    NotText(#[from] NotText),
    #[error(
        "line {line}: expected `Windows Registry Editor Version 5.00` or `REGEDIT4`, found {found:?}"
    )]
    NoHeader { line: usize, found: String },
}

/// Reads a `.reg` export.
pub fn parse_reg(bytes: &[u8]) -> Result<RegFile, RegParseError> {
    let decoded = text::decode(bytes)?;
    let mut diagnostics = Vec::new();
    if let Some(w) = &decoded.warning {
        diagnostics.push(Diagnostic::new(Location::Whole, w.clone()));
    }
    let mut lines = Lines {
        inner: text::lines_with_ends(&decoded.text),
        pending: std::collections::VecDeque::new(),
    };

    // Header: the first non-blank line.
    let format = loop {
        let Some((number, line, _)) = lines.next() else {
            return Err(RegParseError::NoHeader {
                line: 1,
                found: String::new(),
            });
        };
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.eq_ignore_ascii_case("Windows Registry Editor Version 5.00") {
            break RegFormat::Regedit5;
        }
        if trimmed.eq_ignore_ascii_case("REGEDIT4") {
            break RegFormat::Regedit4;
        }
        return Err(RegParseError::NoHeader {
            line: number,
            found: trimmed.chars().take(60).collect(),
        });
    };
    let strings = match format {
        RegFormat::Regedit4 => StringBytes::Ansi,
        _ => StringBytes::Utf16Le,
    };

    let mut keys: Vec<RegKey> = Vec::new();
    // Whether values currently belong to a key (false after a malformed key line).
    let mut in_key = false;
    // Set once a quoted string ran to the end of the file unclosed: later lines are then read
    // one by one (no second scan to the end, so a file of stray quotes stays linear).
    let mut unclosed_seen = false;
    while let Some((number, first, first_end)) = lines.next() {
        let first = first.trim_start();
        let mut logical = String::new();
        match (first.starts_with('"') || first.starts_with('@'))
            .then(|| quote_state(first, Quotes::default()))
        {
            Some(state) if state.open && !unclosed_seen => {
                // A string with raw line breaks: join physical lines, breaks kept, until it
                // closes. Each line is scanned once.
                let mut taken = Vec::new();
                let mut state = state;
                logical.push_str(first);
                while state.open {
                    let Some(next) = lines.next() else { break };
                    state = quote_state(next.1, state);
                    taken.push(next);
                }
                if state.open {
                    // Never closed: report it, and read the lines it swallowed one by one.
                    diagnostics.push(Diagnostic::new(
                        Location::Line(number),
                        "the quoted string never closes before the end of the file",
                    ));
                    unclosed_seen = true;
                    logical = first.trim_end().to_string();
                    lines.pending.extend(taken);
                } else {
                    let mut break_before = first_end;
                    for (_, line, ending) in taken {
                        logical.push_str(break_before);
                        logical.push_str(line);
                        break_before = ending;
                    }
                    logical.truncate(logical.trim_end().len());
                }
            }
            _ => logical.push_str(first.trim_end()),
        }
        // Continuations: `\` at the end of a line joins the next one (leading blanks dropped).
        // Whether the value is hex data is decided once, not rescanned per line.
        if logical.ends_with('\\') && is_continuable(&logical) {
            while logical.ends_with('\\') {
                logical.pop();
                match lines.next() {
                    Some((_, next, _)) => logical.push_str(next.trim()),
                    None => {
                        diagnostics.push(Diagnostic::new(
                            Location::Line(number),
                            "the value continues past the end of the file",
                        ));
                        break;
                    }
                }
            }
        }
        let line = logical.as_str();
        if line.is_empty() || line.starts_with(';') {
            continue;
        }
        let at = Location::Line(number);
        if let Some(rest) = line.strip_prefix('[') {
            match rest.rfind(']') {
                Some(end) => {
                    let (deleted, path) = match rest[..end].strip_prefix('-') {
                        Some(p) => (true, p),
                        None => (false, &rest[..end]),
                    };
                    let path = KeyPath::new(path);
                    if !path.has_known_root() {
                        diagnostics.push(Diagnostic::new(
                            at,
                            format!("key {path} does not start with a registry root such as HKEY_LOCAL_MACHINE"),
                        ));
                    }
                    keys.push(RegKey {
                        path,
                        deleted,
                        values: Vec::new(),
                        at,
                    });
                    in_key = true;
                }
                None => {
                    diagnostics.push(Diagnostic::new(
                        at,
                        "expected `]` at the end of the key line; its values are skipped",
                    ));
                    in_key = false;
                }
            }
            continue;
        }
        if line.starts_with('"') || line.starts_with('@') {
            let value = parse_value(line, strings).map(|(name, data)| RegValue { name, data, at });
            match (value, in_key, keys.last_mut()) {
                (Ok(v), true, Some(key)) => key.values.push(v),
                (Ok(_), _, _) => diagnostics.push(Diagnostic::new(
                    at,
                    "value outside of any key (expected a `[HKEY_…]` line before it)",
                )),
                (Err(message), _, _) => diagnostics.push(Diagnostic::new(at, message)),
            }
            continue;
        }
        diagnostics.push(Diagnostic::new(
            at,
            format!(
                "expected a key `[…]`, a value `\"name\"=…` or `@=…`, or a comment `;`, found {:?}",
                line.chars().take(40).collect::<String>()
            ),
        ));
    }
    Ok(RegFile {
        format,
        encoding: Some(decoded.encoding),
        keys,
        diagnostics,
    })
}

/// Only hex data continues over lines; a quoted string ending in `\` does not.
fn is_continuable(logical: &str) -> bool {
    let rest = match logical.strip_prefix('@') {
        Some(rest) => rest,
        None => match parse_quoted(logical) {
            Some((_, consumed)) => &logical[consumed..],
            None => return false,
        },
    };
    rest.trim_start()
        .strip_prefix('=')
        .is_some_and(|data| data.trim_start().starts_with("hex"))
}

/// Where a scan of quoted strings stands at the end of a line.
#[derive(Debug, Clone, Copy, Default)]
struct Quotes {
    /// Inside a `"…"`.
    open: bool,
    /// The previous character was a `\` inside the string.
    escaped: bool,
}

/// Continues a scan of `"`-quoted strings (with `\` escapes) over `line`. Outside strings a
/// `;` starts a comment, which ends the scan.
fn quote_state(line: &str, mut q: Quotes) -> Quotes {
    for b in line.bytes() {
        match (q.open, q.escaped, b) {
            (true, true, _) => q.escaped = false,
            (true, false, b'\\') => q.escaped = true,
            (true, false, b'"') => q.open = false,
            (false, _, b'"') => q.open = true,
            (false, _, b';') => break,
            _ => {}
        }
    }
    // A line break ends a pending escape: `\` followed by a break is kept as written.
    q.escaped = false;
    q
}

/// Physical lines of the text, with lines handed back by a string that never closed read
/// again before the rest.
struct Lines<'t, I: Iterator<Item = (usize, &'t str, &'t str)>> {
    inner: I,
    pending: std::collections::VecDeque<(usize, &'t str, &'t str)>,
}

impl<'t, I: Iterator<Item = (usize, &'t str, &'t str)>> Iterator for Lines<'t, I> {
    type Item = (usize, &'t str, &'t str);
    fn next(&mut self) -> Option<Self::Item> {
        self.pending.pop_front().or_else(|| self.inner.next())
    }
}

/// Parses `"name"=data` or `@=data`.
fn parse_value(line: &str, strings: StringBytes) -> Result<(String, RegData), String> {
    let (name, rest) = if let Some(rest) = line.strip_prefix('@') {
        (String::new(), rest)
    } else {
        let (name, consumed) =
            parse_quoted(line).ok_or("expected the value name to end with an unescaped `\"`")?;
        (name, &line[consumed..])
    };
    let rest = rest.trim_start();
    let data = rest
        .strip_prefix('=')
        .ok_or("expected `=` after the value name")?
        .trim_start();
    Ok((name, parse_data(data, strings)?))
}

/// Parses a quoted string at the start of `s`; returns it and the bytes consumed.
fn parse_quoted(s: &str) -> Option<(String, usize)> {
    let mut chars = s.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 1)),
            '\\' => match chars.next() {
                Some((_, '\\')) => out.push('\\'),
                Some((_, '"')) => out.push('"'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, '0')) => out.push('\0'),
                // regedit keeps an unknown escape as written.
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => return None,
            },
            c => out.push(c),
        }
    }
    None
}

fn parse_data(data: &str, strings: StringBytes) -> Result<RegData, String> {
    if data == "-" {
        return Ok(RegData::Delete);
    }
    if data.starts_with('"') {
        let (s, consumed) =
            parse_quoted(data).ok_or("expected the string data to end with an unescaped `\"`")?;
        expect_end(&data[consumed..])?;
        return Ok(RegData::Sz(s));
    }
    let lower = data.to_ascii_lowercase();
    if let Some(digits) = lower.strip_prefix("dword:") {
        let digits = strip_comment(digits);
        if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "expected 1 to 8 hex digits after `dword:`, found {digits:?}"
            ));
        }
        return u32::from_str_radix(digits, 16)
            .map(RegData::Dword)
            .map_err(|e| e.to_string());
    }
    if let Some(digits) = lower.strip_prefix("qword:") {
        let digits = strip_comment(digits);
        return u64::from_str_radix(digits, 16)
            .map(RegData::Qword)
            .map_err(|_| format!("expected 1 to 16 hex digits after `qword:`, found {digits:?}"));
    }
    if let Some(bytes) = lower.strip_prefix("hex:") {
        return Ok(RegData::Binary(parse_bytes(bytes)?));
    }
    if let Some(rest) = lower.strip_prefix("hex(") {
        let (ty, bytes) = type_and_rest(rest, "hex")?;
        return Ok(RegData::from_raw(ty, &parse_bytes(bytes)?, strings));
    }
    if lower.starts_with("str(") {
        // Wine: str(2):"%SystemRoot%" — the string is given as text, keep its case.
        let (ty, rest) = type_and_rest(&data[4..], "str")?;
        let (s, consumed) =
            parse_quoted(rest.trim_start()).ok_or("expected a quoted string after `str(N):`")?;
        expect_end(&rest.trim_start()[consumed..])?;
        return Ok(match ty {
            1 => RegData::Sz(s),
            2 => RegData::ExpandSz(s),
            7 => RegData::MultiSz(s.split('\0').map(str::to_string).collect()),
            other => RegData::Other {
                ty: other,
                bytes: s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            },
        });
    }
    Err(format!(
        "expected value data: a quoted string, `dword:`, `hex:`, `hex(N):` or `-`, found {:?}",
        data.chars().take(40).collect::<String>()
    ))
}

fn type_and_rest<'a>(rest: &'a str, what: &str) -> Result<(u32, &'a str), String> {
    let close = rest
        .find("):")
        .ok_or_else(|| format!("expected `{what}(N):` with a hex type number"))?;
    let ty = u32::from_str_radix(rest[..close].trim(), 16).map_err(|_| {
        format!(
            "expected a hex type number in `{what}(…)`, found {:?}",
            &rest[..close]
        )
    })?;
    Ok((ty, &rest[close + 2..]))
}

fn strip_comment(s: &str) -> &str {
    s.split(';').next().unwrap_or("").trim()
}

fn expect_end(rest: &str) -> Result<(), String> {
    let rest = rest.trim();
    if rest.is_empty() || rest.starts_with(';') {
        Ok(())
    } else {
        Err(format!(
            "unexpected text after the value: {:?}",
            rest.chars().take(40).collect::<String>()
        ))
    }
}

/// `00,01,ff` (spaces allowed, a trailing comma tolerated, as continuation lines leave one).
fn parse_bytes(s: &str) -> Result<Vec<u8>, String> {
    let s = strip_comment(s);
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(s.len() / 3 + 1);
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let last = parts.len() - 1;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() && i == last {
            break;
        }
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "expected a byte in hex (e.g. `0a`) at item {}, found {part:?}",
                i + 1
            ));
        }
        out.push(u8::from_str_radix(part, 16).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> RegFile {
        parse_reg(s.as_bytes()).unwrap()
    }

    #[test]
    fn regedit4_with_everything() {
        let f = parse(concat!(
            "REGEDIT4\n\n",
            "; a comment\n",
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SenseCM]\n",
            "\"EnrollmentStatus\"=dword:0000000F\n",
            "@=\"default\"\n",
            "\"Path\"=hex(2):25,53,79,73,25,00\n",
            "\"Multi\"=hex(7):61,00,62,00,00\n",
            "\"Bin\"=hex:01,02,\\\n",
            "  03\n",
            "\"Gone\"=-\n",
            "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Old]\n",
        ));
        assert_eq!(f.format, RegFormat::Regedit4);
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        let k = f.key(r"HKLM\software\microsoft\sensecm").unwrap();
        assert_eq!(
            k.value("enrollmentstatus").unwrap().data,
            RegData::Dword(15)
        );
        assert_eq!(k.value("").unwrap().data, RegData::Sz("default".into()));
        assert_eq!(
            k.value("Path").unwrap().data,
            RegData::ExpandSz("%Sys%".into())
        );
        assert_eq!(
            k.value("Multi").unwrap().data,
            RegData::MultiSz(vec!["a".into(), "b".into()])
        );
        assert_eq!(k.value("Bin").unwrap().data, RegData::Binary(vec![1, 2, 3]));
        assert_eq!(k.value("Bin").unwrap().at, Location::Line(9));
        assert_eq!(k.value("Gone").unwrap().data, RegData::Delete);
        assert!(f.keys[1].deleted);
        assert_eq!(f.keys[1].at, Location::Line(12));
    }

    #[test]
    fn bad_lines_are_diagnosed_and_skipped() {
        let f = parse(concat!(
            "Windows Registry Editor Version 5.00\r\n",
            "[HKEY_LOCAL_MACHINE\\A]\r\n",
            "\"ok\"=dword:1\r\n",
            "\"bad\"=dword:xyz\r\n",
            "garbage here\r\n",
            "\"unterminated=\"x\r\n",
            "\"ok2\"=\"y\"\r\n",
            "[HKEY_LOCAL_MACHINE\\B\r\n",
            "\"orphan\"=\"z\"\r\n",
        ));
        let k = f.key(r"HKLM\A").unwrap();
        assert_eq!(k.values.len(), 2);
        let lines: Vec<_> = f.diagnostics.iter().map(|d| d.at).collect();
        assert_eq!(
            lines,
            [
                Location::Line(4),
                Location::Line(5),
                Location::Line(6),
                Location::Line(8),
                Location::Line(9)
            ]
        );
        assert!(
            f.diagnostics[0]
                .message
                .contains("hex digits after `dword:`")
        );
    }

    #[test]
    fn missing_header_is_fatal() {
        let err = parse_reg(b"\n\n[HKEY_LOCAL_MACHINE\\A]\n").unwrap_err();
        assert!(
            matches!(err, RegParseError::NoHeader { line: 3, .. }),
            "{err}"
        );
        assert!(parse_reg(b"").is_err());
    }

    #[test]
    fn escapes_and_wine_str() {
        let f = parse(concat!(
            "REGEDIT4\n[HKEY_CURRENT_USER\\X]\n",
            "\"a \\\"b\\\" \\\\c\"=\"d\\\\e\\\"f\"\n",
            "\"w\"=str(2):\"%SystemRoot%\\\\x\"\n",
        ));
        let k = &f.keys[0];
        assert_eq!(k.values[0].name, "a \"b\" \\c");
        assert_eq!(k.values[0].data, RegData::Sz("d\\e\"f".into()));
        assert_eq!(
            k.values[1].data,
            RegData::ExpandSz("%SystemRoot%\\x".into())
        );
    }

    #[test]
    fn continuation_past_end_is_diagnosed() {
        let f = parse("REGEDIT4\n[HKEY_USERS\\X]\n\"b\"=hex:01,\\\n");
        assert_eq!(f.keys[0].values[0].data, RegData::Binary(vec![1]));
        assert!(f.diagnostics[0].message.contains("past the end"));
    }
}
