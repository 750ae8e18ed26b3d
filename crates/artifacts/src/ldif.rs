//! LDIF (RFC 2849) as `ldifde` and `ldapsearch` write it.
//!
//! - records separated by blank lines, each starting with `dn:` (or `dn::` base64);
//! - `attr: value`, `attr:: base64` (binary values such as `objectGUID` and
//!   `userCertificate`, and any value that is not safe ASCII), `attr:< URL` (kept, not
//!   fetched); attribute options (`userCertificate;binary`) are kept in the name;
//! - a line starting with one space continues the previous one (folding);
//! - `#` comments (which may fold too), an optional `version: 1` first, `changetype:` kept as
//!   an attribute (ldifde writes `changetype: add`);
//! - ldapsearch's lines between entries (`search: 2`, `result: 0 Success`, `ref: ldap://…`
//!   referrals) are its protocol trace, not entries: stepped over quietly, except a
//!   `result:` that is not success, which is reported;
//! - text is UTF-8; ldifde's default ANSI output is read as Windows-1252 line by line.
//!
//! The reader streams records from any `BufRead`, so memory stays flat however large the
//! export. A malformed line is a [`Diagnostic`]; the record it belongs to is still returned.

use std::io::BufRead;

use serde::Serialize;

use crate::location::{Diagnostic, Location};

/// An attribute value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LdifValue {
    Text(String),
    /// From `attr:: base64` when the bytes are not UTF-8 text.
    Binary(
        #[serde(serialize_with = "as_base64")]
        #[schemars(with = "String")]
        Vec<u8>,
    ),
    /// `attr:< url` — not fetched.
    Url(String),
    /// `attr:: base64` kept undecoded (see [`LdifReader::lazy_base64`]).
    Base64(String),
}

fn as_base64<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&base64_encode(bytes))
}

impl LdifValue {
    /// The bytes of the value (text as UTF-8; undecoded base64 decoded now).
    pub fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            LdifValue::Text(t) | LdifValue::Url(t) => std::borrow::Cow::Borrowed(t.as_bytes()),
            LdifValue::Binary(b) => std::borrow::Cow::Borrowed(b),
            LdifValue::Base64(t) => std::borrow::Cow::Owned(base64_decode(t).unwrap_or_default()),
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            LdifValue::Text(t) => Some(t),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LdifAttribute {
    /// As written, options included (`userCertificate;binary`).
    pub name: String,
    pub value: LdifValue,
    pub at: Location,
}

impl LdifAttribute {
    /// The name without options, for comparison (`userCertificate`).
    pub fn base_name(&self) -> &str {
        self.name.split(';').next().unwrap_or(&self.name)
    }
}

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LdifRecord {
    pub dn: String,
    pub at: Location,
    pub attributes: Vec<LdifAttribute>,
}

impl LdifRecord {
    /// Every value of an attribute (case-insensitive, options ignored), in file order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a LdifAttribute> + 'a {
        self.attributes
            .iter()
            .filter(move |a| a.base_name().eq_ignore_ascii_case(name))
    }

    /// Whether the entry is a computer object (`objectClass: computer`).
    pub fn is_computer(&self) -> bool {
        self.values("objectClass").any(|a| {
            a.value
                .as_text()
                .is_some_and(|t| t.eq_ignore_ascii_case("computer"))
        })
    }

    pub fn first_text(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .filter(|a| a.base_name().eq_ignore_ascii_case(name))
            .find_map(|a| a.value.as_text())
    }
}

/// Streams records from LDIF text.
///
/// Lines are taken straight from the `BufRead`'s buffer (no per-line copy), and what a
/// logical line is gets decided from its first physical line: an attribute the caller did
/// not ask for, and its folded continuation lines, are stepped over without being copied,
/// decoded or validated; a lazily handed-over base64 value is gathered as it is folded.
/// Only the lines kept are assembled and parsed.
pub struct LdifReader<R> {
    input: R,
    carry: Carry,
    state: State,
    done: bool,
}

/// Everything but the input, so a line borrowed from the input's buffer can be handed to it.
struct State {
    line_number: usize,
    /// The logical line being assembled (or, for [`Pending::Base64`], its value).
    cur: Vec<u8>,
    /// `cur` reached `max_line` (said once per logical line).
    cut: bool,
    /// The attribute name of a [`Pending::Base64`] value.
    name: String,
    pending: Pending,
    /// The record being read.
    record: Option<LdifRecord>,
    /// A text buffer reused for every parsed line.
    text: String,
    diagnostics: Vec<Diagnostic>,
    /// Longest logical line accepted; longer ones are hostile or damaged.
    max_line: usize,
    /// Attributes to keep (case-insensitive); others are skipped before decoding.
    wanted: Option<Vec<String>>,
    /// Attributes whose base64 values are handed over undecoded.
    lazy: Vec<String>,
    /// [`State::kind`]'s answers so far (bounded).
    kinds: Vec<(Vec<u8>, (bool, bool))>,
}

/// What the logical line being read is, decided from its first physical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// No line yet (start of input, after a blank line).
    Nothing,
    /// A comment, a `-` separator, or an attribute not asked for: continuations are skipped.
    Skip,
    /// A line to parse once complete, started on this line number.
    Line(usize),
    /// A base64 value handed over undecoded, started on this line number.
    Base64(usize),
}

/// The name part of `name: value` up to its options (`userCertificate;binary`).
fn base_name(name: &[u8]) -> &[u8] {
    name.split(|b| *b == b';').next().unwrap_or(name)
}

fn listed(list: &[String], name: &[u8]) -> bool {
    list.iter().any(|w| w.as_bytes().eq_ignore_ascii_case(name))
}

impl State {
    /// One physical line (line end removed). Returns the record a blank line completes.
    fn line(&mut self, mut l: &[u8]) -> Option<LdifRecord> {
        self.line_number += 1;
        if self.line_number == 1 && l.starts_with(&[0xEF, 0xBB, 0xBF]) {
            l = &l[3..];
        }
        if let Some((b' ', rest)) = l.split_first() {
            match self.pending {
                Pending::Line(at) | Pending::Base64(at) => self.append(rest, at),
                Pending::Skip => {}
                Pending::Nothing => self.diagnostics.push(Diagnostic::new(
                    Location::Line(self.line_number),
                    "a continuation line (leading space) with no line to continue; skipped",
                )),
            }
            return None;
        }
        self.complete();
        if l.iter().all(u8::is_ascii_whitespace) {
            self.pending = Pending::Nothing;
            return self.record.take();
        }
        if l[0] == b'#' || l.trim_ascii() == b"-" {
            self.pending = Pending::Skip;
            return None;
        }
        self.cur.clear();
        self.cut = false;
        if let Some(colon) = memchr::memchr(b':', l) {
            let (keep, lazy) = self.kind(&l[..colon]);
            if !keep {
                self.pending = Pending::Skip;
                return None;
            }
            if l.get(colon + 1) == Some(&b':') && self.record.is_some() && lazy {
                self.name.clear();
                self.name.push_str(&String::from_utf8_lossy(&l[..colon]));
                self.pending = Pending::Base64(self.line_number);
                self.append(&l[colon + 2..], self.line_number);
                return None;
            }
        }
        self.pending = Pending::Line(self.line_number);
        self.append(l, self.line_number);
        None
    }

    /// Whether an attribute is kept, and whether its base64 values are handed over lazily:
    /// remembered per name as written, since an export repeats a few names millions of times.
    fn kind(&mut self, name: &[u8]) -> (bool, bool) {
        if let Some((_, kind)) = self.kinds.iter().find(|(n, _)| n.as_slice() == name) {
            return *kind;
        }
        let base = base_name(name);
        let keep = match &self.wanted {
            Some(wanted) => {
                base.eq_ignore_ascii_case(b"dn")
                    || base.eq_ignore_ascii_case(b"version")
                    || listed(wanted, base)
            }
            None => true,
        };
        let kind = (keep, listed(&self.lazy, base));
        if self.kinds.len() < 64 {
            self.kinds.push((name.to_vec(), kind));
        }
        kind
    }

    /// Adds to the logical line, keeping at most `max_line` bytes of it.
    fn append(&mut self, bytes: &[u8], at: usize) {
        if self.cur.len() + bytes.len() > self.max_line {
            let room = self.max_line.saturating_sub(self.cur.len());
            self.cur.extend_from_slice(&bytes[..room]);
            if !self.cut {
                self.cut = true;
                self.diagnostics.push(Diagnostic::new(
                    Location::Line(at),
                    format!(
                        "line longer than {} bytes; the rest is dropped",
                        self.max_line
                    ),
                ));
            }
            return;
        }
        self.cur.extend_from_slice(bytes);
    }

    /// Ends the logical line being read: parses it into the record.
    fn complete(&mut self) {
        match std::mem::replace(&mut self.pending, Pending::Nothing) {
            Pending::Base64(at) => {
                if let Some(r) = &mut self.record {
                    // Base64 is ASCII: `from_utf8`'s ASCII fast path, not the lossy scan.
                    let value = match std::str::from_utf8(self.cur.trim_ascii()) {
                        Ok(text) => text.to_owned(),
                        Err(_) => String::from_utf8_lossy(self.cur.trim_ascii()).into_owned(),
                    };
                    r.attributes.push(LdifAttribute {
                        name: self.name.clone(),
                        value: LdifValue::Base64(value),
                        at: Location::Line(at),
                    });
                }
            }
            Pending::Line(at) => {
                let mut text = std::mem::take(&mut self.text);
                text.clear();
                match std::str::from_utf8(&self.cur) {
                    Ok(s) => text.push_str(s),
                    Err(_) => {
                        let (cow, _) =
                            encoding_rs::WINDOWS_1252.decode_without_bom_handling(&self.cur);
                        text.push_str(&cow);
                    }
                }
                self.parse(&text, Location::Line(at));
                self.text = text;
            }
            Pending::Nothing | Pending::Skip => {}
        }
    }

    /// A whole logical line that is neither blank nor a comment.
    fn parse(&mut self, line: &str, at: Location) {
        if let Some(colon) = line.find(':') {
            // Again, for a name that was folded (the first line had no colon).
            let (keep, lazy) = self.kind(&line.as_bytes()[..colon]);
            if !keep {
                return;
            }
            if line[colon + 1..].starts_with(':')
                && lazy
                && let Some(r) = &mut self.record
            {
                r.attributes.push(LdifAttribute {
                    name: line[..colon].to_string(),
                    value: LdifValue::Base64(line[colon + 2..].trim().to_string()),
                    at,
                });
                return;
            }
        }
        let Some((name, value)) = split(line) else {
            self.diagnostics.push(Diagnostic::new(
                at,
                format!(
                    "expected `attribute: value`, found {:?}",
                    line.chars().take(40).collect::<String>()
                ),
            ));
            return;
        };
        let value = match value {
            Ok(v) => v,
            Err(message) => {
                self.diagnostics.push(Diagnostic::new(at, message));
                return;
            }
        };
        match &mut self.record {
            None if name.eq_ignore_ascii_case("version") => {}
            // ldapsearch's own lines outside entries: the search's trailer (`search: 2`,
            // `result: 0 Success`) and referrals (`ref: ldap://…`). A failed search's
            // `result:` (any code but 0) is still reported.
            None if name.eq_ignore_ascii_case("search") || name.eq_ignore_ascii_case("ref") => {}
            None if name.eq_ignore_ascii_case("result") => {
                let result = value.as_text().unwrap_or("").trim();
                if result != "0" && !result.starts_with("0 ") {
                    self.diagnostics.push(Diagnostic::new(
                        at,
                        format!(
                            "the search that wrote this export ended with `result: {result}`; it may be incomplete"
                        ),
                    ));
                }
            }
            None if name.eq_ignore_ascii_case("dn") => {
                let dn = match value {
                    LdifValue::Text(text) => text,
                    other => String::from_utf8_lossy(&other.bytes()).into_owned(),
                };
                self.record = Some(LdifRecord {
                    dn,
                    at,
                    attributes: Vec::new(),
                });
            }
            None => self.diagnostics.push(Diagnostic::new(
                at,
                format!("attribute {name} before any `dn:` line; skipped"),
            )),
            Some(r) => r.attributes.push(LdifAttribute {
                name: name.to_string(),
                value,
                at,
            }),
        }
    }

    /// End of input: the last line and the last record.
    fn finish(&mut self) -> Option<LdifRecord> {
        self.complete();
        self.record.take()
    }
}

impl<R: BufRead> LdifReader<R> {
    pub fn new(input: R) -> LdifReader<R> {
        LdifReader {
            input,
            carry: Carry::default(),
            state: State {
                line_number: 0,
                cur: Vec::new(),
                cut: false,
                name: String::new(),
                pending: Pending::Nothing,
                record: None,
                text: String::new(),
                diagnostics: Vec::new(),
                max_line: 16 << 20,
                wanted: None,
                lazy: Vec::new(),
                kinds: Vec::new(),
            },
            done: false,
        }
    }

    /// Keeps only these attributes (and `dn`): the others are not decoded, which matters
    /// for large exports full of certificates and attributes a caller does not read.
    pub fn only(mut self, attributes: &[String]) -> LdifReader<R> {
        self.state.wanted = Some(attributes.to_vec());
        self.state.kinds.clear();
        self
    }

    /// Hands these attributes' base64 values over undecoded ([`LdifValue::Base64`]), for a
    /// caller that may never need the bytes (a certificate whose presence is all that
    /// matters for most objects).
    pub fn lazy_base64(mut self, attributes: &[String]) -> LdifReader<R> {
        self.state.lazy = attributes.to_vec();
        self.state.kinds.clear();
        self
    }

    /// Problems met so far (lines stepped over).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.state.diagnostics
    }

    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.state.diagnostics)
    }

    /// Physical lines read so far: a caller reading an export in blocks adds the lines of
    /// the blocks before to the line numbers of a block's diagnostics.
    pub fn lines_read(&self) -> usize {
        self.state.line_number
    }
}

/// A physical line that straddles two fills of the input's buffer. It is kept only up to
/// just past the line limit: [`State::append`] then cuts it and says so, once, for its line.
#[derive(Default)]
struct Carry {
    bytes: Vec<u8>,
}

impl Carry {
    fn push(&mut self, piece: &[u8], state: &State) {
        let room = (state.max_line + 2).saturating_sub(self.bytes.len());
        self.bytes
            .extend_from_slice(&piece[..piece.len().min(room)]);
    }

    /// Hands the whole line to `state`, and starts afresh.
    fn finish(&mut self, state: &mut State) -> Option<LdifRecord> {
        let record = state.line(trim_line_end(&self.bytes));
        self.bytes.clear();
        record
    }
}

/// A physical line without its line end (`\n`, `\r\n`, stray `\r`s).
fn trim_line_end(mut l: &[u8]) -> &[u8] {
    while let Some((b'\r' | b'\n', rest)) = l.split_last() {
        l = rest;
    }
    l
}

impl<R: BufRead> Iterator for LdifReader<R> {
    type Item = LdifRecord;

    fn next(&mut self) -> Option<LdifRecord> {
        while !self.done {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.state.diagnostics.push(Diagnostic::new(
                        Location::Line(self.state.line_number + 1),
                        format!("read error: {e}"),
                    ));
                    self.done = true;
                    return self.state.finish();
                }
            };
            if buf.is_empty() {
                self.done = true;
                if !self.carry.bytes.is_empty()
                    && let Some(record) = self.carry.finish(&mut self.state)
                {
                    return Some(record);
                }
                return self.state.finish();
            }
            // Every whole line of the buffer, in place.
            let mut used = 0;
            let mut complete = None;
            while let Some(i) = memchr::memchr(b'\n', &buf[used..]) {
                let line = &buf[used..used + i];
                used += i + 1;
                complete = if self.carry.bytes.is_empty() {
                    self.state.line(trim_line_end(line))
                } else {
                    self.carry.push(line, &self.state);
                    self.carry.finish(&mut self.state)
                };
                if complete.is_some() {
                    break;
                }
            }
            if complete.is_none() && used < buf.len() {
                // The start of a line that goes on in the next fill.
                self.carry.push(&buf[used..], &self.state);
                used = buf.len();
            }
            self.input.consume(used);
            if complete.is_some() {
                return complete;
            }
        }
        None
    }
}

/// `name: value`, `name:: base64`, `name:< url`.
fn split(line: &str) -> Option<(&str, Result<LdifValue, String>)> {
    let colon = line.find(':')?;
    let name = &line[..colon];
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b';' || b == b'.')
    {
        return None;
    }
    let rest = &line[colon + 1..];
    let value = if let Some(b64) = rest.strip_prefix(':') {
        base64_decode(b64.trim())
            .map(|bytes| match String::from_utf8(bytes) {
                // Text that had to be encoded (leading space, non-ASCII): keep it as text,
                // unless it holds control bytes, which marks binary data.
                Ok(s) if !s.chars().any(|c| c.is_control() && c != '\t') => LdifValue::Text(s),
                Ok(s) => LdifValue::Binary(s.into_bytes()),
                Err(e) => LdifValue::Binary(e.into_bytes()),
            })
            .map_err(|offset| format!("{name}: invalid base64 at character {offset}"))
    } else if let Some(url) = rest.strip_prefix('<') {
        Ok(LdifValue::Url(url.trim().to_string()))
    } else {
        Ok(LdifValue::Text(
            rest.strip_prefix(' ')
                .unwrap_or(rest)
                .trim_end()
                .to_string(),
        ))
    };
    Some((name, value))
}

/// Maps an ASCII byte to its 6-bit value; 0xFF for "not base64", 0xFE for whitespace.
const BASE64_TABLE: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t[b' ' as usize] = 0xFE;
    t[b'\t' as usize] = 0xFE;
    t[b'\r' as usize] = 0xFE;
    t[b'\n' as usize] = 0xFE;
    t
};

/// Standard base64 (RFC 4648) with padding optional; whitespace ignored. Errors give the
/// offset of the first bad character. Table-driven: certificates in LDIF exports are most
/// of the bytes a sync-rule evaluation reads.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut padding = false;
    let mut i = 0;
    while i < bytes.len() {
        // Fast path: a whole group of four alphabet characters when no bits are pending
        // (then `acc` is 0), so a value folded over lines — whitespace taking the slow path
        // for a character or three — is decoded group by group between its folds too.
        if bits == 0
            && !padding
            && let Some(quad) = bytes.get(i..i + 4)
        {
            let v = [
                BASE64_TABLE[quad[0] as usize],
                BASE64_TABLE[quad[1] as usize],
                BASE64_TABLE[quad[2] as usize],
                BASE64_TABLE[quad[3] as usize],
            ];
            if (v[0] | v[1] | v[2] | v[3]) < 64 {
                let n = (u32::from(v[0]) << 18)
                    | (u32::from(v[1]) << 12)
                    | (u32::from(v[2]) << 6)
                    | u32::from(v[3]);
                out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
                i += 4;
                continue;
            }
        }
        let c = bytes[i];
        let v = BASE64_TABLE[c as usize];
        if v < 64 {
            if padding {
                return Err(i);
            }
            acc = (acc << 6) | u32::from(v);
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        } else if c == b'=' {
            padding = true;
        } else if v != 0xFE {
            return Err(i);
        }
        i += 1;
    }
    Ok(out)
}

pub fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The device-registration service connection point found in LDIF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Scp {
    pub dn: String,
    pub at: Location,
    /// `azureADId:` — the Entra tenant ID.
    pub azure_ad_id: Option<String>,
    /// `azureADName:` — the verified domain.
    pub azure_ad_name: Option<String>,
    /// `enterpriseDrsName:` — an on-premises AD FS DRS.
    pub enterprise_drs_name: Option<String>,
    /// Every `keywords` value with its line.
    pub keywords: Vec<(String, Location)>,
}

/// The well-known name of the device registration SCP object.
pub const SCP_CN: &str = "62a0ff2e-97b9-4513-943f-0d221bd30080";

impl Scp {
    /// The SCP if this record is the device-registration SCP.
    pub fn from_record(record: &LdifRecord) -> Option<Scp> {
        if !record.dn.to_ascii_lowercase().contains(SCP_CN) {
            return None;
        }
        let keywords: Vec<(String, Location)> = record
            .values("keywords")
            .filter_map(|a| a.value.as_text().map(|t| (t.to_string(), a.at)))
            .collect();
        let find = |prefix: &str| {
            keywords.iter().find_map(|(k, _)| {
                let (name, value) = k.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case(prefix)
                    .then(|| value.trim().to_string())
            })
        };
        Some(Scp {
            dn: record.dn.clone(),
            at: record.at,
            azure_ad_id: find("azureADId"),
            azure_ad_name: find("azureADName"),
            enterprise_drs_name: find("enterpriseDrsName"),
            keywords: keywords.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_folding_base64() {
        let text = "version: 1\n\
# comment\n\
dn: CN=62a0ff2e-97b9-4513-943f-0d221bd30080,CN=Device Registration Configuration,CN=Services,CN=Configuration,DC=contoso,DC=com\n\
changetype: add\n\
keywords: azureADName:contoso.com\n\
keywords: azureADId:3f1a9c2e-5b7d-4e8f-\n 9a0b-1c2d3e4f5a6b\n\
\n\
dn:: Q049UEMwMSxPVT1Xb3Jrc3RhdGlvbnMsREM9Y29udG9zbyxEQz1jb20=\n\
objectGUID:: AAECAwQFBgcICQoLDA0ODw==\n\
description:: IGxlYWRpbmcgc3BhY2U=\n\
bad line without colon\n";
        let mut reader = LdifReader::new(text.as_bytes());
        let records: Vec<_> = reader.by_ref().collect();
        assert_eq!(records.len(), 2);
        let scp = Scp::from_record(&records[0]).unwrap();
        assert_eq!(
            scp.azure_ad_id.as_deref(),
            Some("3f1a9c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")
        );
        assert_eq!(scp.azure_ad_name.as_deref(), Some("contoso.com"));
        assert_eq!(records[0].first_text("changetype"), Some("add"));
        assert_eq!(records[1].dn, "CN=PC01,OU=Workstations,DC=contoso,DC=com");
        assert_eq!(records[1].at, Location::Line(9));
        let guid = records[1].values("objectGUID").next().unwrap();
        assert_eq!(guid.value, LdifValue::Binary((0..16).collect()));
        assert_eq!(records[1].first_text("description"), Some(" leading space"));
        assert_eq!(reader.diagnostics().len(), 1);
        assert_eq!(reader.diagnostics()[0].at, Location::Line(12));
    }

    /// Every shape a line can take, to read through buffers of every small size.
    const AWKWARD: &[u8] = b"\xEF\xBB\xBFversion: 1\r\n\
# a comment that\r\n folds\r\n\
dn: CN=PC01,OU=Caf\xE9,DC=contoso,DC=com\r\n\
objectClass: computer\r\n\
userCertificate;binary:: TUlJQz\r\n BhZG\r\n  Fh\r\n\
objectGUID:: AAECAwQFBgcICQoLDA0ODw==\r\n\
operatingSystem: Windows Server 2012 R2 Standard\r\n\
operatingSystemVer\r\n sion: 6.3 (9600)\r\n\
-\r\n\
no colon here\n\
\r\n\
 an orphan continuation\n\
\n\n\
dn:: Q049UEMwMixEQz1jb250b3NvLERDPWNvbQ==\n\
description: last record, no final newline";

    fn read_all<R: BufRead>(reader: LdifReader<R>) -> (Vec<LdifRecord>, Vec<Diagnostic>) {
        let mut reader = reader;
        let records: Vec<_> = reader.by_ref().collect();
        (records, reader.take_diagnostics())
    }

    #[test]
    fn buffer_boundaries_never_change_what_is_read() {
        let wanted = ["operatingSystem".to_string(), "userCertificate".to_string()];
        let lazy = ["userCertificate".to_string()];
        let whole = read_all(LdifReader::new(AWKWARD));
        let filtered = read_all(LdifReader::new(AWKWARD).only(&wanted).lazy_base64(&lazy));
        for capacity in 1..40 {
            let small = std::io::BufReader::with_capacity(capacity, AWKWARD);
            assert_eq!(
                read_all(LdifReader::new(small)),
                whole,
                "capacity {capacity}"
            );
            let small = std::io::BufReader::with_capacity(capacity, AWKWARD);
            assert_eq!(
                read_all(LdifReader::new(small).only(&wanted).lazy_base64(&lazy)),
                filtered,
                "capacity {capacity}"
            );
        }
        let (records, diagnostics) = whole;
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].dn, "CN=PC01,OU=Caf\u{e9},DC=contoso,DC=com");
        let cert = records[0].values("userCertificate").next().unwrap();
        assert_eq!(cert.name, "userCertificate;binary");
        assert_eq!(cert.at, Location::Line(6));
        assert_eq!(cert.value.bytes().as_ref(), b"MIIC0adaa");
        // A folded attribute name is still one attribute.
        assert_eq!(
            records[0].first_text("operatingSystemVersion"),
            Some("6.3 (9600)")
        );
        assert_eq!(records[1].dn, "CN=PC02,DC=contoso,DC=com");
        assert_eq!(records[1].at, Location::Line(19));
        assert_eq!(
            records[1].first_text("description"),
            Some("last record, no final newline")
        );
        let at: Vec<_> = diagnostics.iter().map(|d| d.at).collect();
        assert_eq!(
            at,
            [Location::Line(14), Location::Line(16)],
            "{diagnostics:?}"
        );

        let (records, _) = filtered;
        let names: Vec<_> = records[0]
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(names, ["userCertificate;binary", "operatingSystem"]);
        assert_eq!(
            records[0].attributes[0].value,
            LdifValue::Base64("TUlJQzBhZG Fh".into())
        );
    }

    #[test]
    fn ldapsearch_trailers_and_referrals() {
        let text = "# extended LDIF\n#\n\ndn: CN=a,DC=x\ncn: a\n\n# search reference\nref: ldap://DomainDnsZones.x/DC=DomainDnsZones,DC=x\n\n# search result\nsearch: 2\nresult: 0 Success\n\n# numEntries: 1\n";
        let (records, diagnostics) = read_all(LdifReader::new(text.as_bytes()));
        assert_eq!(records.len(), 1);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let failed = "dn: CN=a,DC=x\ncn: a\n\nsearch: 2\nresult: 4 Size limit exceeded\n";
        let (records, diagnostics) = read_all(LdifReader::new(failed.as_bytes()));
        assert_eq!(records.len(), 1);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].at, Location::Line(5));
        assert!(diagnostics[0].message.contains("4 Size limit exceeded"));
    }

    #[test]
    fn overlong_lines_are_cut_and_named() {
        let text = format!(
            "dn: CN=x\ndescription: {}\n{}\ncn: x\n",
            "a".repeat(50),
            " b".repeat(40)
        );
        let mut reader = LdifReader::new(text.as_bytes());
        reader.state.max_line = 64;
        let (records, diagnostics) = read_all(reader);
        assert_eq!(records[0].first_text("cn"), Some("x"));
        assert!(records[0].first_text("description").unwrap().len() <= 64);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].at, Location::Line(2));
        assert!(diagnostics[0].message.contains("longer than 64 bytes"));

        // One physical line longer than the limit, across many buffer fills.
        let text = format!("dn: CN=x\ndescription: {}\ncn: x\n", "a".repeat(500));
        let mut reader = LdifReader::new(std::io::BufReader::with_capacity(16, text.as_bytes()));
        reader.state.max_line = 64;
        let (records, diagnostics) = read_all(reader);
        assert_eq!(records[0].first_text("cn"), Some("x"));
        assert!(
            records[0]
                .first_text("description")
                .unwrap()
                .starts_with("aaa")
        );
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].at, Location::Line(2));
    }

    /// The decoder with its group-at-a-time path answers what decoding one character at a
    /// time answers: bytes, or the offset of the first bad character; folded or not.
    #[test]
    fn base64_groups_decode_as_characters_do() {
        fn by_character(text: &str) -> Result<Vec<u8>, usize> {
            let (mut out, mut acc, mut bits, mut padding) = (Vec::new(), 0u32, 0u32, false);
            for (i, &c) in text.as_bytes().iter().enumerate() {
                let v = BASE64_TABLE[c as usize];
                if v < 64 {
                    if padding {
                        return Err(i);
                    }
                    acc = (acc << 6) | u32::from(v);
                    bits += 6;
                    if bits >= 8 {
                        bits -= 8;
                        out.push((acc >> bits) as u8);
                        acc &= (1 << bits) - 1;
                    }
                } else if c == b'=' {
                    padding = true;
                } else if v != 0xFE {
                    return Err(i);
                }
            }
            Ok(out)
        }
        let pieces = [
            "QUJD",
            "RA",
            "==",
            "=",
            "\r\n ",
            " ",
            "\t",
            "!",
            "é",
            "TUlJQzBhZG",
            "x",
        ];
        let mut seed = 7u32;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(seed % 9) {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                text.push_str(pieces[(seed >> 16) as usize % pieces.len()]);
            }
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            assert_eq!(base64_decode(&text), by_character(&text), "{text:?}");
        }
        let folded = "TUlJQzBhZ\r\n GFhQUJDRA\n ==";
        assert_eq!(base64_decode(folded), base64_decode("TUlJQzBhZGFhQUJDRA=="));
    }

    #[test]
    fn base64_round_trip() {
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base64_decode(&base64_encode(&bytes)).unwrap(), bytes);
        }
        assert_eq!(base64_decode("QUJD!"), Err(4));
    }
}
