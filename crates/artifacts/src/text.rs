//! Bytes to text, the way Windows tools write it.
//!
//! `reg export` writes UTF-16LE with a BOM, PowerShell 5 redirection (`>`) writes UTF-16LE,
//! `cmd` redirection writes the OEM or ANSI code page, newer tools write UTF-8 with or without
//! a BOM. The decoder sniffs the BOM, recognises BOM-less UTF-16 by its zero bytes, and falls
//! back to Windows-1252 for bytes that are not UTF-8, so that no input is rejected for its
//! encoding alone; binary data (NUL characters after decoding) is refused.

use serde::Serialize;

/// The encoding a text was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub enum Encoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "utf-8-bom")]
    Utf8Bom,
    #[serde(rename = "utf-16le")]
    Utf16Le,
    #[serde(rename = "utf-16be")]
    Utf16Be,
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Windows1252 => "Windows-1252",
        }
    }

    pub fn is_utf16(self) -> bool {
        matches!(self, Encoding::Utf16Le | Encoding::Utf16Be)
    }
}

/// Decoded text.
#[derive(Debug, Clone)]
pub struct Text {
    pub text: String,
    pub encoding: Encoding,
    /// Something was off (odd UTF-16 length, unpaired surrogates); the text is still usable.
    pub warning: Option<String>,
}

/// The bytes are not text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("offset {offset:#x}: {reason}")]
pub struct NotText {
    pub offset: u64,
    pub reason: String,
}

pub fn decode(bytes: &[u8]) -> Result<Text, NotText> {
    let (encoding, body) = if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        (Encoding::Utf16Le, rest)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        (Encoding::Utf16Be, rest)
    } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        (Encoding::Utf8Bom, rest)
    } else if looks_like_utf16le(bytes) {
        (Encoding::Utf16Le, bytes)
    } else {
        (Encoding::Utf8, bytes)
    };
    let offset_base = (bytes.len() - body.len()) as u64;
    let mut warning = None;
    let (text, encoding) = match encoding {
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let even = body.len() & !1;
            if even != body.len() {
                warning = Some(format!(
                    "odd number of bytes in UTF-16 text: the last byte (offset {:#x}) is ignored",
                    bytes.len() - 1
                ));
            }
            let units = body[..even].chunks_exact(2).map(|pair| {
                let pair = [pair[0], pair[1]];
                if encoding == Encoding::Utf16Le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            });
            let mut text = String::with_capacity(even / 2);
            let mut bad = 0usize;
            for c in char::decode_utf16(units) {
                text.push(c.unwrap_or_else(|_| {
                    bad += 1;
                    char::REPLACEMENT_CHARACTER
                }));
            }
            if bad > 0 && warning.is_none() {
                warning = Some(format!("{bad} unpaired UTF-16 surrogate(s) replaced"));
            }
            (text, encoding)
        }
        _ => match std::str::from_utf8(body) {
            Ok(s) => (s.to_string(), encoding),
            Err(_) => {
                let (cow, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(body);
                (cow.into_owned(), Encoding::Windows1252)
            }
        },
    };
    if let Some(pos) = text.find('\0') {
        // Report the offset in the input, approximately for multi-byte encodings.
        let chars_before = text[..pos].chars().count() as u64;
        let width = if encoding.is_utf16() { 2 } else { 1 };
        return Err(NotText {
            offset: offset_base + chars_before * width,
            reason: "binary data (a NUL character) where text was expected".into(),
        });
    }
    Ok(Text {
        text,
        encoding,
        warning,
    })
}

/// The encoding of a stream from its first bytes, when it is UTF-16 (with a BOM, or
/// BOM-less little-endian as Windows PowerShell 5.1's `>` and `Out-File` write it).
pub fn sniff_utf16(head: &[u8]) -> Option<Encoding> {
    if head.starts_with(&[0xFF, 0xFE]) {
        Some(Encoding::Utf16Le)
    } else if head.starts_with(&[0xFE, 0xFF]) {
        Some(Encoding::Utf16Be)
    } else if looks_like_utf16le(head) {
        Some(Encoding::Utf16Le)
    } else {
        None
    }
}

/// Streams UTF-16 text as UTF-8, so that readers working on bytes line by line (LDIF, CSV,
/// JSON lines) read exports of any size from Windows PowerShell 5.1 (`>`, `Out-File`,
/// `-Encoding Unicode`) or `ldifde -u` without holding them in memory. A BOM is removed;
/// unpaired surrogates and an odd last byte become U+FFFD.
pub struct Utf16Reader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    output: Vec<u8>,
    /// Bytes of `output` already handed out.
    taken: usize,
    done: bool,
}

impl<R: std::io::Read> Utf16Reader<R> {
    pub fn new(inner: R, encoding: Encoding) -> Utf16Reader<R> {
        let decoder = match encoding {
            Encoding::Utf16Be => encoding_rs::UTF_16BE,
            _ => encoding_rs::UTF_16LE,
        }
        .new_decoder_with_bom_removal();
        Utf16Reader {
            inner,
            decoder,
            input: vec![0; 64 << 10],
            output: Vec::new(),
            taken: 0,
            done: false,
        }
    }
}

impl<R: std::io::Read> std::io::Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.taken == self.output.len() && !self.done {
            let n = match self.inner.read(&mut self.input) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let last = n == 0;
            let room = self.decoder.max_utf8_buffer_length(n).unwrap_or(4 * n + 16);
            self.output.resize(room, 0);
            let (_, read, written, _) =
                self.decoder
                    .decode_to_utf8(&self.input[..n], &mut self.output, last);
            debug_assert_eq!(read, n);
            self.output.truncate(written);
            self.taken = 0;
            self.done = last;
        }
        let n = buf.len().min(self.output.len() - self.taken);
        buf[..n].copy_from_slice(&self.output[self.taken..self.taken + n]);
        self.taken += n;
        Ok(n)
    }
}

/// BOM-less UTF-16LE: ASCII-range text has a zero in every odd byte.
fn looks_like_utf16le(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(512) & !1];
    if sample.len() < 4 {
        return false;
    }
    let pairs = sample.len() / 2;
    let odd_zero = sample
        .chunks_exact(2)
        .filter(|p| p[1] == 0 && p[0] != 0)
        .count();
    odd_zero * 4 >= pairs * 3
}

/// Splits text into lines (CRLF, LF or a lone CR), numbered from 1.
pub fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    lines_with_ends(text).map(|(number, line, _)| (number, line))
}

/// [`lines`], each with the line break that ended it (`"\r\n"`, `"\n"`, `"\r"` or `""` at
/// the end): a reader that keeps line breaks inside a value (regedit's multi-line
/// `REG_SZ`) needs to know which one it was.
pub fn lines_with_ends(text: &str) -> impl Iterator<Item = (usize, &str, &str)> {
    let mut rest = text;
    let mut number = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        number += 1;
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let line = &rest[..end];
        let mut next = end;
        if rest[end..].starts_with("\r\n") {
            next += 2;
        } else if end < rest.len() {
            next += 1;
        }
        let ending = &rest[end..next];
        rest = &rest[next..];
        Some((number, line, ending))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xFF, 0xFE] } else { vec![] };
        v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        v
    }

    #[test]
    fn encodings() {
        assert_eq!(decode(b"abc").unwrap().encoding, Encoding::Utf8);
        assert_eq!(decode(b"\xEF\xBB\xBFabc").unwrap().text, "abc");
        let t = decode(&utf16le("Größe", true)).unwrap();
        assert_eq!((t.text.as_str(), t.encoding), ("Größe", Encoding::Utf16Le));
        let t = decode(&utf16le("AzureAdJoined : YES", false)).unwrap();
        assert_eq!(
            (t.text.as_str(), t.encoding),
            ("AzureAdJoined : YES", Encoding::Utf16Le)
        );
        let t = decode(b"caf\xe9").unwrap();
        assert_eq!(
            (t.text.as_str(), t.encoding),
            ("café", Encoding::Windows1252)
        );
    }

    #[test]
    fn odd_utf16_is_a_warning_not_an_error() {
        let mut bytes = utf16le("abc", true);
        bytes.push(b'x');
        let t = decode(&bytes).unwrap();
        assert_eq!(t.text, "abc");
        assert!(t.warning.unwrap().contains("odd number"));
    }

    #[test]
    fn utf16_streams_as_utf8_across_reads() {
        use std::io::Read;
        let text = "dn: CN=Größe,DC=contoso\r\n😀 ".repeat(5000);
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        for (bytes, want) in [
            (utf16le(&text, true), Encoding::Utf16Le),
            (utf16le(&text, false), Encoding::Utf16Le),
            (be, Encoding::Utf16Be),
        ] {
            assert_eq!(sniff_utf16(&bytes), Some(want));
            // A reader handing out 3 bytes at a time splits code units and surrogate pairs.
            let trickle = TrickleReader(&bytes);
            let mut out = String::new();
            Utf16Reader::new(trickle, want)
                .read_to_string(&mut out)
                .unwrap();
            assert_eq!(out, text);
        }
        assert_eq!(sniff_utf16(b"dn: CN=x\r\n"), None);
        // An unpaired high surrogate, then an odd last byte.
        let mut odd = utf16le("ab", true);
        odd.extend([0x00, 0xD8]);
        odd.extend(utf16le("c", false));
        odd.push(b'x');
        let mut out = String::new();
        Utf16Reader::new(odd.as_slice(), Encoding::Utf16Le)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "ab\u{fffd}c\u{fffd}");
    }

    struct TrickleReader<'a>(&'a [u8]);

    impl std::io::Read for TrickleReader<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(3).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn binary_is_refused_with_an_offset() {
        let err = decode(b"abc\0\x01\x02").unwrap_err();
        assert_eq!(err.offset, 3);
    }

    #[test]
    fn line_endings() {
        let v: Vec<_> = lines("a\r\nb\nc\rd").collect();
        assert_eq!(v, [(1, "a"), (2, "b"), (3, "c"), (4, "d")]);
        let v: Vec<_> = lines("a\n\nb\n").collect();
        assert_eq!(v, [(1, "a"), (2, ""), (3, "b")]);
    }
}
