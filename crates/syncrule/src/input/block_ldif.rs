//! The objects of one LDIF block ([`super::blocks`]) read in place, for a rule that reads a
//! few attributes.
//!
//! Why: the streaming reader (`mde_artifacts::ldif::LdifReader`) copies every kept line
//! into its line buffer, checks it as UTF-8, builds an `LdifRecord` (a string per name and
//! per value) and [`Object::from_ldif_owned`] then moves that into an object: over a
//! million computer objects that was the largest share of `syncrule eval`'s time. A block is
//! all in memory, so here a record's lines are taken where they are: attributes the rule
//! does not read (and their folded lines) are stepped over after one look at their name,
//! a one-line value is copied once, straight into the object, and a folded base64 value
//! (a certificate) is copied once as its lines stand, folds included ([`Base64`]: most are
//! never decoded, so they are neither unfolded nor checked as UTF-8 here).
//!
//! The answer is the streaming reader's by construction: a record is read here only while
//! every line has one of the plain shapes ldifde writes (`dn:` text, `name: text`,
//! `name:: base64` for the binary attributes read lazily, folded lines, comments); at the
//! first line of any other shape (damaged, not UTF-8, `:<` URLs, base64 text, `version:`,
//! ldapsearch's trailers, over-long lines, a BOM) the whole record is read again by the
//! streaming reader, from the blank line before it so that it counts lines and sees the
//! same state as it would have, and its objects and problems are what that reader gives.
//! `blocks_read_as_the_stream_does`, `records_read_in_place_as_the_stream_reads_them`, the
//! property test `any_lines_read_as_the_stream_reads_them` and the fuzz target
//! `syncrule_blocks` check the two agree.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::Arc;

use mde_artifacts::ldif::{LdifReader, LdifValue};
use mde_artifacts::location::Location;

use super::blocks::Problem;
use crate::object::{Base64, Object};

/// The streaming reader's longest logical line: longer ones it cuts (and says so), so they
/// are left to it.
const MAX_LINE: usize = 16 << 20;

/// What the streaming reader decides for a name from its first line: keep it, and hand its
/// base64 values over undecoded; and whether the object keeps it (a `wanted` name, not
/// merely `dn` or `version`), under this name without options, shared by the block's objects.
#[derive(Clone, Copy)]
struct Kind {
    keep: bool,
    lazy: bool,
    listed: bool,
    /// The name without options in [`BlockRecords::names`], when listed and UTF-8.
    base: Option<usize>,
}

/// The logical line being read.
enum Cur<'a> {
    /// None yet (start of a record).
    Nothing,
    /// A comment, a `-`, an attribute not kept: its folded lines are stepped over.
    Skip,
    /// A line to parse once complete: its first physical line, whether folded lines followed
    /// (then the whole line is in the scratch buffer), its name's kind and where its colon is.
    Line(&'a [u8], bool, Kind, usize),
    /// A base64 value read lazily: its name, where its value starts and ends in the block
    /// (folds included: [`Base64::from_folded`]), and its name's kind.
    Base64(&'a [u8], usize, usize, Kind),
}

/// A line not of the plain shapes: the record goes to the streaming reader.
struct Unusual;

/// Objects of one block, record by record (see the module documentation).
pub(super) struct BlockRecords<'a> {
    block: &'a [u8],
    /// The export's first block (whose line 1 may start with a BOM).
    first: bool,
    /// Where the next record starts.
    pos: usize,
    /// Physical lines before `pos`.
    lines: usize,
    wanted: &'a [String],
    lazy: &'a [String],
    /// [`Kind`]s by name as written (an export repeats a few names millions of times).
    kinds: Vec<(&'a [u8], Kind)>,
    /// The names without options that objects keep, shared by every object of the block.
    names: Vec<Arc<str>>,
    /// Where in `kinds` the next line's name is looked for first.
    next_kind: usize,
    /// A folded line or value, gathered.
    scratch: Vec<u8>,
    /// Objects the streaming reader gave, waiting.
    queued: VecDeque<Object>,
    pub(super) problems: Vec<Problem>,
}

/// A physical line without its line end (`\n`, `\r\n`, stray `\r`s), as the streaming
/// reader trims it.
fn trim_line_end(mut l: &[u8]) -> &[u8] {
    while let Some((b'\r' | b'\n', rest)) = l.split_last() {
        l = rest;
    }
    l
}

fn listed(list: &[String], name: &[u8]) -> bool {
    list.iter().any(|w| w.as_bytes().eq_ignore_ascii_case(name))
}

/// Characters the streaming reader accepts in an attribute name.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b';' || b == b'.')
}

/// A value into the object, if it keeps the attribute ([`Object::add_ldif`]; the name is known
/// to be wanted, so that is not checked again).
fn add(
    o: &mut Object,
    name: &str,
    value: LdifValue,
    kind: Kind,
    names: &[Arc<str>],
) -> Result<(), Unusual> {
    match (kind.base.and_then(|i| names.get(i)), kind.listed) {
        (Some(base), true) => o.add_ldif(name, value, None, Some(base)),
        (None, true) => return Err(Unusual),
        // `dn` and `version` lines a rule does not read.
        (_, false) => {}
    }
    Ok(())
}

/// Whether two names are the same bytes: names are short, and compared once per line, where a
/// call to `memcmp` costs more than the comparison.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in x.by_ref().zip(y.by_ref()) {
        if p.iter().zip(q).fold(0u8, |d, (m, n)| d | (m ^ n)) != 0 {
            return false;
        }
    }
    x.remainder()
        .iter()
        .zip(y.remainder())
        .fold(0u8, |d, (m, n)| d | (m ^ n))
        == 0
}

impl<'a> BlockRecords<'a> {
    pub(super) fn new(
        block: &'a [u8],
        first: bool,
        wanted: &'a [String],
        lazy: &'a [String],
    ) -> Self {
        BlockRecords {
            block,
            first,
            pos: 0,
            lines: 0,
            wanted,
            lazy,
            kinds: Vec::new(),
            names: Vec::new(),
            next_kind: 0,
            scratch: Vec::new(),
            queued: VecDeque::new(),
            problems: Vec::new(),
        }
    }

    /// Physical lines read so far.
    pub(super) fn lines_read(&self) -> usize {
        self.lines
    }

    fn kind(&mut self, name: &'a [u8]) -> Kind {
        // Records list their attributes in the same order: the name after the last one
        // found is tried first.
        if let Some((n, kind)) = self.kinds.get(self.next_kind)
            && same(n, name)
        {
            self.next_kind += 1;
            return *kind;
        }
        if let Some(i) = self.kinds.iter().position(|(n, _)| same(n, name)) {
            self.next_kind = i + 1;
            return self.kinds[i].1;
        }
        let base = name.split(|b| *b == b';').next().unwrap_or(name);
        let is_listed = listed(self.wanted, base);
        let shared = match std::str::from_utf8(base) {
            Ok(base) if is_listed => Some(match self.names.iter().position(|n| **n == *base) {
                Some(i) => i,
                None => {
                    self.names.push(Arc::from(base));
                    self.names.len() - 1
                }
            }),
            _ => None,
        };
        let kind = Kind {
            keep: base.eq_ignore_ascii_case(b"dn")
                || base.eq_ignore_ascii_case(b"version")
                || is_listed,
            lazy: listed(self.lazy, base),
            listed: is_listed,
            base: shared,
        };
        if self.kinds.len() < 256 {
            self.kinds.push((name, kind));
            self.next_kind = self.kinds.len();
        }
        kind
    }

    /// The line's colon and kind when it starts with the name records list next (or the
    /// last one again, for a repeated attribute) and a colon: found without searching. A
    /// name never holds a colon (it is what comes before a line's first), so that colon is
    /// the line's first.
    fn expected(&mut self, l: &[u8]) -> Option<(usize, Kind)> {
        for i in [self.next_kind, self.next_kind.wrapping_sub(1)] {
            if let Some((n, kind)) = self.kinds.get(i)
                && l.get(n.len()) == Some(&b':')
                && same(&l[..n.len()], n)
            {
                self.next_kind = i + 1;
                return Some((n.len(), *kind));
            }
        }
        None
    }

    /// The physical line at `at`: its bytes and where the next starts.
    fn line_at(&self, at: usize) -> (&'a [u8], usize) {
        let rest = &self.block[at..];
        match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], at + i + 1),
            None => (rest, self.block.len()),
        }
    }

    /// Reads the record at `pos` in place: the object, if the record had a DN; `pos` and
    /// `lines` then stand past it and the blank line that ends it. `Unusual` leaves them.
    fn record(&mut self) -> Result<Option<Object>, Unusual> {
        let (mut at, mut line) = (self.pos, self.lines);
        let mut object: Option<Object> = None;
        let mut cur = Cur::Nothing;
        while at < self.block.len() {
            let line_start = at;
            let (raw, next) = self.line_at(at);
            line += 1;
            let l = trim_line_end(raw);
            if line == 1 && self.first && l.starts_with(&[0xEF, 0xBB, 0xBF]) {
                return Err(Unusual);
            }
            if let Some((b' ', rest)) = l.split_first() {
                match &mut cur {
                    Cur::Nothing => return Err(Unusual),
                    Cur::Skip => {}
                    Cur::Line(first, folded, ..) => {
                        if !*folded {
                            self.scratch.clear();
                            self.scratch.extend_from_slice(first);
                            *folded = true;
                        }
                        self.gather(rest)?;
                    }
                    Cur::Base64(_, start, end, _) => {
                        *end = line_start + l.len();
                        if *end - *start > MAX_LINE {
                            return Err(Unusual);
                        }
                    }
                }
                at = next;
                continue;
            }
            self.complete(std::mem::replace(&mut cur, Cur::Nothing), &mut object)?;
            at = next;
            if l.iter().all(u8::is_ascii_whitespace) {
                cur = Cur::Nothing;
                break;
            }
            if l[0] == b'#' || (l[0] == b'-' && l.trim_ascii() == b"-") {
                cur = Cur::Skip;
                continue;
            }
            if l.len() > MAX_LINE {
                return Err(Unusual);
            }
            let (colon, kind) = match self.expected(l) {
                Some(known) => known,
                None => {
                    let Some(colon) = memchr::memchr(b':', l) else {
                        return Err(Unusual);
                    };
                    (colon, self.kind(&l[..colon]))
                }
            };
            cur = if !kind.keep {
                Cur::Skip
            } else if kind.lazy && object.is_some() && l.get(colon + 1) == Some(&b':') {
                Cur::Base64(
                    &l[..colon],
                    line_start + colon + 2,
                    line_start + l.len(),
                    kind,
                )
            } else {
                Cur::Line(l, false, kind, colon)
            };
        }
        self.complete(cur, &mut object)?;
        self.pos = at;
        self.lines = line;
        if let Some(o) = &mut object {
            let dn = o.dn.take().unwrap_or_default();
            o.set_ldif_dn(dn, Some(self.wanted));
        }
        Ok(object)
    }

    /// Adds a folded line's bytes to the scratch buffer.
    fn gather(&mut self, bytes: &[u8]) -> Result<(), Unusual> {
        if self.scratch.len() + bytes.len() > MAX_LINE {
            return Err(Unusual);
        }
        self.scratch.extend_from_slice(bytes);
        Ok(())
    }

    /// Ends a logical line: into the object (a `dn:` line starts it).
    fn complete(&mut self, cur: Cur<'a>, object: &mut Option<Object>) -> Result<(), Unusual> {
        match cur {
            Cur::Nothing | Cur::Skip => Ok(()),
            Cur::Base64(name, start, end, kind) => {
                let Ok(name) = std::str::from_utf8(name) else {
                    return Err(Unusual);
                };
                let Some(o) = object else {
                    return Err(Unusual);
                };
                match (kind.base.and_then(|i| self.names.get(i)), kind.listed) {
                    (Some(base), true) => {
                        let value = Base64::from_folded(&self.block[start..end]);
                        o.add_ldif_base64(name, value, base);
                    }
                    (None, true) => return Err(Unusual),
                    (_, false) => {}
                }
                Ok(())
            }
            Cur::Line(first, folded, kind, colon) => {
                let bytes = if folded { &self.scratch[..] } else { first };
                let Ok(text) = std::str::from_utf8(bytes) else {
                    return Err(Unusual);
                };
                // The first colon of the first physical line is the line's first.
                let Some((name, rest)) = text.split_at_checked(colon) else {
                    return Err(Unusual);
                };
                let Some(rest) = rest.strip_prefix(':') else {
                    return Err(Unusual);
                };
                if !valid_name(name) || rest.starts_with([':', '<']) {
                    return Err(Unusual);
                }
                let value = rest.strip_prefix(' ').unwrap_or(rest).trim_end();
                match object {
                    Some(o) => add(
                        o,
                        name,
                        LdifValue::Text(value.to_string()),
                        kind,
                        &self.names,
                    ),
                    None if name.eq_ignore_ascii_case("dn") => {
                        let mut o = Object::default();
                        o.dn = Some(value.to_string());
                        *object = Some(o);
                        Ok(())
                    }
                    None => Err(Unusual),
                }
            }
        }
    }

    /// The record at `pos` read by the streaming reader (see the module documentation), its
    /// object queued (a record ends at its blank line, so there is at most one).
    fn streamed(&mut self) {
        // From the blank line before the record (every record but a block's first follows
        // one), or a blank line put ahead of a later block's first: the reader's line 1,
        // where it drops a BOM, is then the export's line 1 only.
        let (from, first_line, ahead): (usize, usize, &[u8]) = if self.pos > 0 {
            let before = &self.block[..self.pos - 1];
            let from = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
            (from, self.lines - 1, b"")
        } else if self.first {
            (0, 0, b"")
        } else {
            (0, 0, b"\n")
        };
        let end = self.record_end();
        let mut reader = LdifReader::new(ahead.chain(&self.block[from..end]))
            .lazy_base64(self.lazy)
            .only(self.wanted);
        for record in reader.by_ref() {
            self.queued
                .push_back(Object::from_ldif_owned(record, Some(self.wanted)));
        }
        for d in reader.take_diagnostics() {
            let mut at = d.at;
            if let Location::Line(n) = &mut at {
                *n = (*n + first_line).saturating_sub(ahead.len());
            }
            self.problems.push(Problem {
                at,
                message: d.message,
            });
        }
        self.lines = (first_line + reader.lines_read()).saturating_sub(ahead.len());
        self.pos = end;
    }

    /// Just past the blank line that ends the record at `pos` (or the block's end), as the
    /// streaming reader sees blank lines.
    fn record_end(&self) -> usize {
        let (mut at, mut line) = (self.pos, self.lines);
        while at < self.block.len() {
            let (raw, next) = self.line_at(at);
            line += 1;
            let mut l = trim_line_end(raw);
            if line == 1 && self.first && l.starts_with(&[0xEF, 0xBB, 0xBF]) {
                l = &l[3..];
            }
            at = next;
            if l.first() != Some(&b' ') && l.iter().all(u8::is_ascii_whitespace) {
                break;
            }
        }
        at
    }
}

impl Iterator for BlockRecords<'_> {
    type Item = Object;

    fn next(&mut self) -> Option<Object> {
        loop {
            if let Some(object) = self.queued.pop_front() {
                return Some(object);
            }
            if self.pos >= self.block.len() {
                return None;
            }
            match self.record() {
                Ok(Some(object)) => return Some(object),
                Ok(None) => {}
                Err(Unusual) => self.streamed(),
            }
        }
    }
}
