//! LDIF (RFC 2849) as `ldifde` and `ldapsearch` write it.
//!
//! - records separated by blank lines, each starting with `dn:` (or `dn::` base64);
//! - `attr: value`, `attr:: base64` (binary values such as `objectGUID` and
//!   `userCertificate`, and any value that is not safe ASCII), `attr:< URL` (kept, not
//!   fetched); attribute options (`userCertificate;binary`) are kept in the name;
//! - a line starting with one space continues the previous one (folding);
//! - `#` comments (which may fold too), an optional `version: 1` first, `changetype:` kept as
//!   an attribute (ldifde writes `changetype: add`);
//! - text is UTF-8; ldifde's default ANSI output is read as Windows-1252 line by line.
//!
//! The reader streams records from any `BufRead`, so memory stays flat however large the
//! export. A malformed line is a [`Diagnostic`]; the record it belongs to is still returned.

use std::io::BufRead;

use serde::Serialize;

use crate::location::{Diagnostic, Location};

/// An attribute value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LdifValue {
    Text(String),
    /// From `attr:: base64` when the bytes are not UTF-8 text.
    Binary(#[serde(serialize_with = "as_base64")] Vec<u8>),
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

    pub fn first_text(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .filter(|a| a.base_name().eq_ignore_ascii_case(name))
            .find_map(|a| a.value.as_text())
    }
}

/// Streams records from LDIF text.
pub struct LdifReader<R> {
    input: R,
    line_number: usize,
    /// The logical line being assembled, and the physical line read ahead (to see whether
    /// it folds into the current one); both reused, so reading allocates per record, not per
    /// line.
    cur: Vec<u8>,
    ahead: Vec<u8>,
    /// Line number of `ahead` when it holds the start of the next logical line.
    ahead_line: Option<usize>,
    /// A text buffer handed back by the caller for reuse.
    spare: String,
    diagnostics: Vec<Diagnostic>,
    done: bool,
    /// Longest logical line accepted; longer ones are hostile or damaged.
    max_line: usize,
    /// Attributes to keep (case-insensitive); others are skipped before decoding.
    wanted: Option<Vec<String>>,
    /// Attributes whose base64 values are handed over undecoded.
    lazy: Vec<String>,
}

/// Reads the next physical line into `into` (cleared first, line end removed).
fn read_physical<R: BufRead>(
    input: &mut R,
    line_number: &mut usize,
    diagnostics: &mut Vec<Diagnostic>,
    into: &mut Vec<u8>,
) -> Option<usize> {
    into.clear();
    match input.read_until(b'\n', into) {
        Ok(0) => None,
        Ok(_) => {
            *line_number += 1;
            while into.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                into.pop();
            }
            if *line_number == 1 && into.starts_with(&[0xEF, 0xBB, 0xBF]) {
                into.drain(..3);
            }
            Some(*line_number)
        }
        Err(e) => {
            diagnostics.push(Diagnostic::new(
                Location::Line(*line_number + 1),
                format!("read error: {e}"),
            ));
            None
        }
    }
}

impl<R: BufRead> LdifReader<R> {
    pub fn new(input: R) -> LdifReader<R> {
        LdifReader {
            input,
            line_number: 0,
            cur: Vec::new(),
            ahead: Vec::new(),
            ahead_line: None,
            spare: String::new(),
            diagnostics: Vec::new(),
            done: false,
            max_line: 16 << 20,
            wanted: None,
            lazy: Vec::new(),
        }
    }

    /// Keeps only these attributes (and `dn`): the others are not decoded, which matters
    /// for large exports full of certificates and attributes a caller does not read.
    pub fn only(mut self, attributes: &[String]) -> LdifReader<R> {
        self.wanted = Some(attributes.to_vec());
        self
    }

    /// Hands these attributes' base64 values over undecoded ([`LdifValue::Base64`]), for a
    /// caller that may never need the bytes (a certificate whose presence is all that
    /// matters for most objects).
    pub fn lazy_base64(mut self, attributes: &[String]) -> LdifReader<R> {
        self.lazy = attributes.to_vec();
        self
    }

    /// Problems met so far (lines stepped over).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    /// The next logical line (folded lines joined), with the line it started on.
    fn logical(&mut self) -> Option<(usize, String)> {
        let number = match self.ahead_line.take() {
            Some(n) => {
                std::mem::swap(&mut self.cur, &mut self.ahead);
                n
            }
            None => read_physical(
                &mut self.input,
                &mut self.line_number,
                &mut self.diagnostics,
                &mut self.cur,
            )?,
        };
        loop {
            match read_physical(
                &mut self.input,
                &mut self.line_number,
                &mut self.diagnostics,
                &mut self.ahead,
            ) {
                Some(_) if self.ahead.first() == Some(&b' ') => {
                    if self.cur.len() + self.ahead.len() > self.max_line {
                        if !self
                            .diagnostics
                            .iter()
                            .any(|d| d.at == Location::Line(number))
                        {
                            self.diagnostics.push(Diagnostic::new(
                                Location::Line(number),
                                format!(
                                    "line longer than {} bytes; the rest is dropped",
                                    self.max_line
                                ),
                            ));
                        }
                        continue;
                    }
                    self.cur.extend_from_slice(&self.ahead[1..]);
                }
                Some(n) => {
                    self.ahead_line = Some(n);
                    break;
                }
                None => break,
            }
        }
        let mut text = std::mem::take(&mut self.spare);
        text.clear();
        match std::str::from_utf8(&self.cur) {
            Ok(s) => text.push_str(s),
            Err(_) => {
                let (cow, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&self.cur);
                text.push_str(&cow);
            }
        }
        Some((number, text))
    }
}

impl<R: BufRead> Iterator for LdifReader<R> {
    type Item = LdifRecord;

    fn next(&mut self) -> Option<LdifRecord> {
        if self.done {
            return None;
        }
        let mut record: Option<LdifRecord> = None;
        let mut holder = String::new();
        loop {
            // Hand the previous line's buffer back for reuse.
            self.spare = std::mem::take(&mut holder);
            let Some((number, text)) = self.logical() else {
                self.done = true;
                return record;
            };
            holder = text;
            let line = holder.as_str();
            let at = Location::Line(number);
            if line.trim().is_empty() {
                if record.is_some() {
                    return record;
                }
                continue;
            }
            if line.starts_with('#') || line.starts_with('-') && line.trim() == "-" {
                continue;
            }
            if let Some(wanted) = &self.wanted
                && let Some(colon) = line.find(':')
            {
                let name = line[..colon].split(';').next().unwrap_or("");
                let keep = name.eq_ignore_ascii_case("dn")
                    || name.eq_ignore_ascii_case("version")
                    || wanted.iter().any(|w| w.eq_ignore_ascii_case(name));
                if !keep {
                    continue;
                }
            }
            if !self.lazy.is_empty()
                && let Some(colon) = line.find("::")
                && self
                    .lazy
                    .iter()
                    .any(|l| l.eq_ignore_ascii_case(line[..colon].split(';').next().unwrap_or("")))
                && let Some(r) = &mut record
            {
                r.attributes.push(LdifAttribute {
                    name: line[..colon].to_string(),
                    value: LdifValue::Base64(line[colon + 2..].trim().to_string()),
                    at,
                });
                continue;
            }
            let Some((name, value)) = split(line) else {
                self.diagnostics.push(Diagnostic::new(
                    at,
                    format!(
                        "expected `attribute: value`, found {:?}",
                        line.chars().take(40).collect::<String>()
                    ),
                ));
                continue;
            };
            let value = match value {
                Ok(v) => v,
                Err(message) => {
                    self.diagnostics.push(Diagnostic::new(at, message));
                    continue;
                }
            };
            match &mut record {
                None if name.eq_ignore_ascii_case("version") => continue,
                None if name.eq_ignore_ascii_case("dn") => {
                    let dn = String::from_utf8_lossy(&value.bytes()).into_owned();
                    record = Some(LdifRecord {
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
    // Fast path: whole groups of four alphabet characters (no whitespace, no padding).
    let mut start = 0;
    for (g, quad) in bytes.chunks_exact(4).enumerate() {
        let v = [
            BASE64_TABLE[quad[0] as usize],
            BASE64_TABLE[quad[1] as usize],
            BASE64_TABLE[quad[2] as usize],
            BASE64_TABLE[quad[3] as usize],
        ];
        if (v[0] | v[1] | v[2] | v[3]) >= 64 {
            break;
        }
        let n = (u32::from(v[0]) << 18)
            | (u32::from(v[1]) << 12)
            | (u32::from(v[2]) << 6)
            | u32::from(v[3]);
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
        start = (g + 1) * 4;
    }
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut padding = false;
    for (i, &c) in bytes.iter().enumerate().skip(start) {
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

    #[test]
    fn base64_round_trip() {
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base64_decode(&base64_encode(&bytes)).unwrap(), bytes);
        }
        assert_eq!(base64_decode("QUJD!"), Err(4));
    }
}
