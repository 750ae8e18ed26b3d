//! A chunk's records read into events straight from their substitution values, following
//! each template's [`Plan`]: what rendering them to JSON and reading that back gives, at a
//! fraction of the cost (rendering every record costs more than reading and showing a log).
//!
//! A record is read this way when its template and its body's are of the shape
//! [`plan_template`] accepts and each of its values is of a type this renders exactly as
//! the evtx crate does; any other record (nested or unusual `UserData`, floats, ANSI strings,
//! arrays, NULL where an element depends on it, text that is not UTF-16, a NUL in a name) is
//! rendered by the crate. A chunk that is not exactly as a clean one is is rendered whole, so
//! that counts and damage reports stay the crate's.

use std::borrow::Cow;
use std::ops::Range;
use std::rc::Rc;

use super::EventRef;
use super::header_map::{Slot, skim_into};
use super::template_plan::{Plan, Root, plan_template};
use super::template_tokens::Names;
use crate::location::Location;

/// The plans of one chunk's templates (a chunk holds a few dozen at most: searched in
/// order; `None`: not of the shape read directly), and its names decoded so far.
#[derive(Default)]
pub(super) struct Plans(Vec<(u32, Root, Option<Rc<Plan>>)>, Names);

impl Plans {
    pub(super) fn new() -> Plans {
        Plans::default()
    }

    /// Forgets the plans (a new chunk has its own templates).
    pub(super) fn clear(&mut self) {
        self.0.clear();
        self.1.clear();
    }

    /// The plan of the template at `offset` of `data`, made on first use.
    fn of(&mut self, data: &[u8], offset: u32, root: Root) -> Option<Rc<Plan>> {
        if let Some((_, _, plan)) = self.0.iter().find(|(o, r, _)| *o == offset && *r == root) {
            return plan.clone();
        }
        let plan = plan_template(data, offset, root, &mut self.1).map(Rc::new);
        self.0.push((offset, root, plan.clone()));
        plan
    }
}

/// Where a record's fields are in the scan's text.
struct Fields {
    record_id: u64,
    time: Range<usize>,
    provider: Range<usize>,
    channel: Range<usize>,
    computer: Range<usize>,
    event_id: u32,
    level: u8,
    /// Its data values in `Scan::values`: those of its template's plan, then its body's.
    values: Range<usize>,
    plan: Rc<Plan>,
    body: Option<Rc<Plan>>,
}

/// A chunk's records as read straight from their values: each one's fields, or `None` for
/// a record to render. Kept by a worker from chunk to chunk, so that its buffers are reused.
#[derive(Default)]
pub(super) struct Scan {
    /// Only each event's time and record number are wanted (the other fields are checked,
    /// not written: see [`scan_chunk`]).
    times_only: bool,
    /// The text of the events, back to back, so that each event borrows it.
    text: String,
    values: Vec<Range<usize>>,
    records: Vec<(u64, Option<Fields>)>,
}

/// A record's substitution values, and where each starts in the chunk (reused buffers).
#[derive(Default)]
struct Values<'a> {
    values: Vec<(u8, &'a [u8])>,
    starts: Vec<usize>,
}

impl Scan {
    pub(super) fn new() -> Scan {
        Scan::default()
    }

    /// How many records the chunk holds.
    pub(super) fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether every record was read.
    pub(super) fn all_read(&self) -> bool {
        self.records.iter().all(|(_, f)| f.is_some())
    }

    /// Whether the `i`th record is record `id` and was read.
    pub(super) fn read(&self, i: usize, id: u64) -> bool {
        self.records
            .get(i)
            .is_some_and(|(n, f)| *n == id && f.is_some())
    }

    /// The event of the `i`th record, if it was read, its data in `pairs` (empty).
    pub(super) fn event<'a>(
        &'a self,
        i: usize,
        mut pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    ) -> Option<EventRef<'a>> {
        let f = self.records.get(i)?.1.as_ref()?;
        let text = self.text.as_str();
        let (data, user) = f
            .body
            .as_deref()
            .map_or((&[][..], &[][..]), |p| (&p.data[..], &p.user[..]));
        // EventData first, then UserData, as the rendering's reader gives them.
        let names = f
            .plan
            .data
            .iter()
            .chain(data)
            .chain(&f.plan.user)
            .chain(user);
        Some(EventRef {
            record_id: f.record_id,
            time: Cow::Borrowed(&text[f.time.clone()]),
            provider: Cow::Borrowed(&text[f.provider.clone()]),
            channel: Cow::Borrowed(&text[f.channel.clone()]),
            event_id: f.event_id,
            level: f.level,
            computer: Cow::Borrowed(&text[f.computer.clone()]),
            data: {
                pairs.extend(
                    names
                        .zip(&self.values[f.values.clone()])
                        .map(|((name, _), v)| {
                            (
                                Cow::Borrowed(name.as_str()),
                                Cow::Borrowed(&text[v.clone()]),
                            )
                        }),
                );
                pairs
            },
            message: None,
            at: Location::Whole,
        })
    }
}

/// Reads the records of the chunk `data` (with `header`) into `scan` straight from their
/// values where their shape allows; `false` when the chunk is not exactly as a clean one is
/// (the evtx crate then reads it, and reports its damage). `times_only`: the events read
/// have only their time and record number (the same records are read as otherwise).
pub(super) fn scan_chunk(
    data: &[u8],
    header: &evtx::EvtxChunkHeader,
    plans: &mut Plans,
    scan: &mut Scan,
    times_only: bool,
) -> bool {
    scan.times_only = times_only;
    scan.text.clear();
    scan.values.clear();
    scan.records.clear();
    scan_records(data, header, plans, scan).is_some()
}

/// The last second of a record's written time the evtx crate reads, in seconds since
/// 1601 (`jiff::Timestamp::MAX`, 9999-12-30T22:00:00Z, is 253,402,207,200 s after 1970,
/// which is 11,644,473,600 s after 1601).
const LAST_WRITTEN_SECOND: u64 = 253_402_207_200 + 11_644_473_600;

fn scan_records(
    data: &[u8],
    header: &evtx::EvtxChunkHeader,
    plans: &mut Plans,
    scan: &mut Scan,
) -> Option<()> {
    const RECORDS_START: usize = 0x200;
    let live_end = (header.free_space_offset as usize).min(data.len());
    let expected = header
        .last_event_record_id
        .checked_sub(header.first_event_record_id)?
        .checked_add(1)?;
    let (mut outer, mut inner) = (Values::default(), Values::default());
    let mut pos = RECORDS_START;
    while pos < live_end {
        // Magic, size, record number, time, then the binary XML; the size again at the end.
        if data.get(pos..pos + 4)? != [0x2a, 0x2a, 0, 0] {
            return None;
        }
        let size = u32::from_le_bytes(data.get(pos + 4..pos + 8)?.try_into().ok()?) as usize;
        let end = pos.checked_add(size)?;
        if size < 28 || end > live_end {
            return None;
        }
        if u32::from_le_bytes(data[end - 4..end].try_into().ok()?) as usize != size {
            return None;
        }
        let id = u64::from_le_bytes(data[pos + 8..pos + 16].try_into().ok()?);
        if id != header.first_event_record_id + scan.records.len() as u64 {
            return None;
        }
        // The time the record was written: the evtx crate refuses a record whose time is
        // past what it can hold (the chunk is then read by it, reporting that record).
        let written = u64::from_le_bytes(data[pos + 16..pos + 24].try_into().ok()?);
        if written / 10_000_000 > LAST_WRITTEN_SECOND {
            return None;
        }
        let (text, values) = (scan.text.len(), scan.values.len());
        let fields = read_record(
            data,
            pos + 24..end - 4,
            id,
            plans,
            &mut outer,
            &mut inner,
            scan,
        );
        if fields.is_none() {
            scan.text.truncate(text);
            scan.values.truncate(values);
        }
        scan.records.push((id, fields));
        pos = end;
        if id == header.last_event_record_id {
            break;
        }
    }
    (scan.records.len() as u64 == expected).then_some(())
}

/// One record's fields, their text added to `scan`; `None` for a record not read directly.
fn read_record<'a>(
    data: &'a [u8],
    binxml: Range<usize>,
    id: u64,
    plans: &mut Plans,
    outer: &mut Values<'a>,
    inner: &mut Values<'a>,
    scan: &mut Scan,
) -> Option<Fields> {
    let template = skim_into(
        data,
        binxml.start,
        binxml.end,
        &mut outer.values,
        &mut outer.starts,
    )?;
    let plan = plans.of(data, template, Root::Event)?;
    let values = &outer.values[..];
    if !well_formed(values, &plan) || !present(&plan, values) {
        return None;
    }
    let times_only = scan.times_only;
    let text = &mut scan.text;
    let time = put(plan.time.as_ref(), values, text)?;
    let mut field = |src: Option<&Slot>| {
        if times_only {
            check(src, values, false).map(|()| text.len()..text.len())
        } else {
            put(src, values, text)
        }
    };
    let provider = field(plan.provider.as_ref())?;
    let channel = field(plan.channel.as_ref())?;
    let computer = field(plan.computer.as_ref())?;
    let record_id = number(&plan.record_id, values, text)?;
    let event_id = number(&plan.event_id, values, text)?;
    let level = number(&plan.level, values, text)?;
    // The body: binary XML holding one template instance, its EventData or UserData.
    let body = match plan.body {
        None => None,
        Some(i) => {
            let i = usize::from(i);
            let (kind, bytes) = *values.get(i)?;
            if kind != 0x21 {
                return None;
            }
            let start = *outer.starts.get(i)?;
            let end = start.checked_add(bytes.len())?;
            let template = skim_into(data, start, end, &mut inner.values, &mut inner.starts)?;
            let body = plans.of(data, template, plan.body_root)?;
            let values = &inner.values[..];
            if !well_formed(values, &body) || !present(&body, values) {
                return None;
            }
            Some(body)
        }
    };
    // The values in the order of their names (see `Scan::event`).
    let first = scan.values.len();
    let inner_values = &inner.values[..];
    let (body_data, body_user) = body
        .as_deref()
        .map_or((&[][..], &[][..]), |p| (&p.data[..], &p.user[..]));
    for (pairs, values, user) in [
        (&plan.data[..], values, false),
        (body_data, inner_values, false),
        (&plan.user[..], values, true),
        (body_user, inner_values, true),
    ] {
        for (_, src) in pairs {
            if times_only {
                check(Some(src), values, user)?;
                continue;
            }
            let range = put(Some(src), values, &mut scan.text)?;
            // An empty UserData value may be rendered as nothing at all: rendered.
            if user && range.is_empty() {
                return None;
            }
            scan.values.push(range);
        }
    }
    Some(Fields {
        record_id: record_id.filter(|&n| n > 0).unwrap_or(id),
        time,
        provider,
        channel,
        computer,
        event_id: event_id.unwrap_or(0) as u32,
        level: level.unwrap_or(0) as u8,
        values: first..scan.values.len(),
        plan,
        body,
    })
}

/// Whether every value is one the evtx crate renders as this reads it, read or not: a value
/// it cannot render fails the record there, and must here too. (The values `plan` reads are
/// checked as they are written; the body, binary XML, as it is read.)
fn well_formed(values: &[(u8, &[u8])], plan: &Plan) -> bool {
    values
        .iter()
        .enumerate()
        .all(|(i, &(kind, bytes))| kind == 0x00 || plan.reads(i) || renders(kind, bytes))
}

/// Whether no element holding a field depends on a NULL value (such an element is left out
/// of the rendering).
fn present(plan: &Plan, values: &[(u8, &[u8])]) -> bool {
    plan.depends.iter().all(|&d| {
        values
            .get(usize::from(d))
            .is_some_and(|(kind, _)| *kind != 0x00)
    })
}

/// Whether [`put`] would write `src` (and, `nonempty`, something), without writing it.
fn check(src: Option<&Slot>, values: &[(u8, &[u8])], nonempty: bool) -> Option<()> {
    let ok = match src {
        None => true,
        Some(Slot::Literal(literal)) => !nonempty || !literal.is_empty(),
        Some(Slot::Substitution(i)) => {
            let (kind, b) = *values.get(usize::from(*i))?;
            // Text is empty when it starts with a NUL, binary when it has no bytes.
            let empty = match kind {
                0x01 => b.len() < 2 || b[..2] == [0, 0],
                0x0e => b.is_empty(),
                _ => false,
            };
            renders(kind, b) && !(nonempty && empty)
        }
    };
    ok.then_some(())
}

/// Appends the text of `src` (nothing when the template has no such field) to `text`.
fn put(src: Option<&Slot>, values: &[(u8, &[u8])], text: &mut String) -> Option<Range<usize>> {
    let start = text.len();
    match src {
        None => {}
        Some(Slot::Literal(literal)) => text.push_str(literal),
        Some(Slot::Substitution(i)) => {
            let (kind, bytes) = *values.get(usize::from(*i))?;
            write_value(kind, bytes, text)?;
        }
    }
    Some(start..text.len())
}

/// A number field as the rendering's reader takes it: its text as an unsigned integer
/// (`Some(None)` when it is not one, or the template has no such field).
fn number(src: &Option<Slot>, values: &[(u8, &[u8])], scratch: &mut String) -> Option<Option<u64>> {
    if let Some(Slot::Substitution(i)) = src {
        let (kind, b) = *values.get(usize::from(*i))?;
        let unsigned = |n: u64| Some(Some(n));
        let signed = |n: i64| Some(u64::try_from(n).ok());
        match kind {
            0x04 => return unsigned(u8::from_le_bytes(b.try_into().ok()?).into()),
            0x06 => return unsigned(u16::from_le_bytes(b.try_into().ok()?).into()),
            0x08 => return unsigned(u32::from_le_bytes(b.try_into().ok()?).into()),
            0x0a => return unsigned(u64::from_le_bytes(b.try_into().ok()?)),
            0x03 => return signed(i8::from_le_bytes(b.try_into().ok()?).into()),
            0x05 => return signed(i16::from_le_bytes(b.try_into().ok()?).into()),
            0x07 => return signed(i32::from_le_bytes(b.try_into().ok()?).into()),
            0x09 => return signed(i64::from_le_bytes(b.try_into().ok()?)),
            _ => {}
        }
    }
    let range = put(src.as_ref(), values, scratch)?;
    let n = scratch[range.clone()].trim().parse().ok();
    scratch.truncate(range.start);
    Some(n.filter(|_| src.is_some()))
}

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Writes a substitution value's text as the evtx crate renders it; `None` for a type this
/// does not render (the record is then rendered by the crate).
pub(super) fn write_value(kind: u8, b: &[u8], out: &mut String) -> Option<()> {
    fn le<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
        b.try_into().ok()
    }
    let mut digits = itoa::Buffer::new();
    match kind {
        0x01 => write_utf16(b, out)?,
        0x03 => out.push_str(digits.format(i8::from_le_bytes(le(b)?))),
        0x04 => out.push_str(digits.format(u8::from_le_bytes(le(b)?))),
        0x05 => out.push_str(digits.format(i16::from_le_bytes(le(b)?))),
        0x06 => out.push_str(digits.format(u16::from_le_bytes(le(b)?))),
        0x07 => out.push_str(digits.format(i32::from_le_bytes(le(b)?))),
        0x08 => out.push_str(digits.format(u32::from_le_bytes(le(b)?))),
        0x09 => out.push_str(digits.format(i64::from_le_bytes(le(b)?))),
        0x0a => out.push_str(digits.format(u64::from_le_bytes(le(b)?))),
        0x0d => match i32::from_le_bytes(le(b)?) {
            0 => out.push_str("false"),
            1 => out.push_str("true"),
            n => out.push_str(digits.format(n)),
        },
        0x0e => {
            for &byte in b {
                out.push(char::from(HEX_UPPER[usize::from(byte >> 4)]));
                out.push(char::from(HEX_UPPER[usize::from(byte & 0xf)]));
            }
        }
        0x0f => {
            // Data1-3 little-endian, then the bytes as they are: {d1-d2-d3-d4[0..2]-d4[2..8]}.
            let g: [u8; 16] = le(b)?;
            const ORDER: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
            out.push('{');
            for (i, &at) in ORDER.iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    out.push('-');
                }
                out.push(char::from(HEX_LOWER[usize::from(g[at] >> 4)]));
                out.push(char::from(HEX_LOWER[usize::from(g[at] & 0xf)]));
            }
            out.push('}');
        }
        0x10 if b.len() == 4 => write_hex(u32::from_le_bytes(le(b)?).into(), out),
        0x10 => write_hex(u64::from_le_bytes(le(b)?), out),
        0x11 => write_filetime(u64::from_le_bytes(le(b)?), out)?,
        0x13 => {
            // Revision, sub-authority count, 48-bit big-endian authority, then 32-bit
            // little-endian sub-authorities: exactly that many.
            let (&[revision, count], rest) = b.split_first_chunk::<2>()?;
            let (authority, subs) = rest.split_first_chunk::<6>()?;
            if subs.len() != usize::from(count) * 4 {
                return None;
            }
            let mut a = [0u8; 8];
            a[2..].copy_from_slice(authority);
            out.push_str("S-");
            out.push_str(digits.format(revision));
            out.push('-');
            out.push_str(digits.format(u64::from_be_bytes(a)));
            for s in subs.chunks_exact(4) {
                out.push('-');
                out.push_str(digits.format(u32::from_le_bytes([s[0], s[1], s[2], s[3]])));
            }
        }
        0x14 => write_hex(u32::from_le_bytes(le(b)?).into(), out),
        0x15 => write_hex(u64::from_le_bytes(le(b)?), out),
        _ => return None,
    }
    Some(())
}

/// UTF-16LE text up to its first NUL, as UTF-8; `None` for an odd length or an unpaired
/// surrogate. Runs of ASCII (most of a log) are copied through a small buffer.
fn write_utf16(b: &[u8], out: &mut String) -> Option<()> {
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let mut i = 0;
    let mut ascii = [0u8; 64];
    loop {
        // A run of ASCII units, up to the buffer's size: four at a time while four are.
        let mut n = 0;
        while n < ascii.len() {
            if n + 4 <= ascii.len()
                && let Some(w) = b.get(i..i + 8)
            {
                let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
                // Every unit below 0x80, and none zero (a NUL ends the text).
                let zero = w.wrapping_sub(0x0001_0001_0001_0001) & !w & 0x8000_8000_8000_8000;
                if w & 0xff80_ff80_ff80_ff80 == 0 && zero == 0 {
                    ascii[n..n + 4].copy_from_slice(&[
                        w as u8,
                        (w >> 16) as u8,
                        (w >> 32) as u8,
                        (w >> 48) as u8,
                    ]);
                    n += 4;
                    i += 8;
                    continue;
                }
            }
            match b.get(i..i + 2) {
                Some(&[low, 0]) if low != 0 && low < 0x80 => {
                    ascii[n] = low;
                    n += 1;
                    i += 2;
                }
                _ => break,
            }
        }
        out.push_str(std::str::from_utf8(&ascii[..n]).ok()?);
        if n == ascii.len() {
            continue;
        }
        match b.get(i..i + 2) {
            // The end, or a NUL.
            None | Some(&[0, 0]) => return Some(()),
            // Anything else through the decoder, up to the next ASCII unit.
            Some(_) => {
                let units = b[i..]
                    .chunks_exact(2)
                    .map(|p| u16::from_le_bytes([p[0], p[1]]))
                    .take_while(|&u| u >= 0x80);
                for c in char::decode_utf16(units) {
                    let c = c.ok()?;
                    i += 2 * c.len_utf16();
                    out.push(c);
                }
            }
        }
    }
}

/// `0x` and the lowercase hexadecimal digits of `n`.
fn write_hex(n: u64, out: &mut String) {
    out.push_str("0x");
    let digits = (64 - n.leading_zeros()).div_ceil(4).max(1);
    for i in (0..digits).rev() {
        out.push(char::from(HEX_LOWER[((n >> (i * 4)) & 0xf) as usize]));
    }
}

/// Whether [`write_value`] writes the value (without writing it).
fn renders(kind: u8, b: &[u8]) -> bool {
    match kind {
        0x01 => {
            b.len().is_multiple_of(2) && {
                let units = b
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .take_while(|&u| u != 0);
                // Surrogates only where they pair up.
                let mut units = units.peekable();
                let mut ok = true;
                while let Some(u) = units.next() {
                    if (0xd800..0xdc00).contains(&u) {
                        if units.next_if(|n| (0xdc00..0xe000).contains(n)).is_none() {
                            ok = false;
                            break;
                        }
                    } else if (0xdc00..0xe000).contains(&u) {
                        ok = false;
                        break;
                    }
                }
                ok
            }
        }
        0x03 | 0x04 => b.len() == 1,
        0x05 | 0x06 => b.len() == 2,
        0x07 | 0x08 | 0x0d | 0x14 => b.len() == 4,
        0x09 | 0x0a | 0x15 => b.len() == 8,
        0x0e => true,
        0x0f => b.len() == 16,
        0x10 => b.len() == 4 || b.len() == 8,
        0x11 => {
            b.len() == 8 && {
                let mut scratch = String::new();
                write_value(kind, b, &mut scratch).is_some()
            }
        }
        0x13 => b.len() >= 8 && b.len() == 8 + usize::from(b[1]) * 4,
        _ => false,
    }
}

/// A FILETIME (100 ns since 1601-01-01 UTC) as `YYYY-MM-DDTHH:MM:SS.fffffffZ`; `None`
/// for one the evtx crate writes specially (past `i64::MAX`, or past the year 9999).
fn write_filetime(ticks: u64, out: &mut String) -> Option<()> {
    const PER_SECOND: u64 = 10_000_000;
    const PER_DAY: u64 = 86_400 * PER_SECOND;
    if ticks > i64::MAX as u64 {
        return None;
    }
    let (days, rest) = (ticks / PER_DAY, ticks % PER_DAY);
    // Days since 0000-03-01 in 400-year eras (the proleptic Gregorian calendar).
    let z = days + 584_694;
    let (era, doe) = (z / 146_097, z % 146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = era * 400 + yoe + u64::from(month <= 2);
    if year > 9999 {
        return None;
    }
    let seconds = rest / PER_SECOND;
    let mut buf = *b"0000-00-00T00:00:00.0000000Z";
    let mut digits = |at: Range<usize>, mut n: u64| {
        for i in at.rev() {
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    digits(0..4, year);
    digits(5..7, month);
    digits(8..10, day);
    digits(11..13, seconds / 3600);
    digits(14..16, seconds / 60 % 60);
    digits(17..19, seconds % 60);
    digits(20..27, rest % PER_SECOND);
    out.push_str(std::str::from_utf8(&buf).ok()?);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Text is what the standard decoder gives, up to the first NUL.
        #[test]
        fn utf16_is_decoded_as_the_standard_decoder_does(
            units in proptest::collection::vec(
                prop_oneof![0u16..0x80, 0u16..3, 0x80u16..0x800, 0xd7f0u16..0xe010, any::<u16>()],
                0..200,
            ),
        ) {
            let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
            let reference: Option<String> =
                char::decode_utf16(units.iter().copied().take_while(|&u| u != 0))
                    .collect::<Result<String, _>>()
                    .ok();
            let mut ours = String::from("x");
            let written = write_utf16(&bytes, &mut ours).map(|()| ours[1..].to_string());
            prop_assert_eq!(written, reference);
        }

        /// What is checked without writing is what writing gives.
        #[test]
        fn renders_is_what_write_value_does(
            kind in 0u8..0x30,
            bytes in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            prop_assert_eq!(renders(kind, &bytes), write_value(kind, &bytes, &mut String::new()).is_some());
        }
    }

    #[test]
    fn values_render_as_windows_shows_them() {
        let text = |kind: u8, bytes: &[u8]| {
            let mut s = String::new();
            write_value(kind, bytes, &mut s).map(|()| s)
        };
        assert_eq!(
            text(0x11, &0x01d1_d944_a399_0b3fu64.to_le_bytes()).unwrap(),
            "2016-07-08T18:14:59.6174655Z"
        );
        assert_eq!(
            text(0x11, &0u64.to_le_bytes()).unwrap(),
            "1601-01-01T00:00:00.0000000Z"
        );
        assert_eq!(text(0x11, &u64::MAX.to_le_bytes()), None);
        assert_eq!(
            text(0x13, &[1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]).unwrap(),
            "S-1-5-18"
        );
        assert_eq!(text(0x13, &[1, 2, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]), None);
        assert_eq!(
            text(
                0x0f,
                &[
                    0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x34, 0x12, 0xab, 0xcd, 1, 2, 3, 4, 5, 6
                ]
            )
            .unwrap(),
            "{12345678-1234-1234-abcd-010203040506}"
        );
        assert_eq!(
            text(0x15, &0x4020_0000_0000_0000u64.to_le_bytes()).unwrap(),
            "0x4020000000000000"
        );
        assert_eq!(text(0x0d, &2i32.to_le_bytes()).unwrap(), "2");
        assert_eq!(text(0x0e, &[0xab, 1]).unwrap(), "AB01");
        assert_eq!(text(0x01, &[b'a', 0, 0, 0, b'b', 0]).unwrap(), "a");
        assert_eq!(text(0x01, &[0x00, 0xd8]), None);
        assert_eq!(text(0x07, &(-5i32).to_le_bytes()).unwrap(), "-5");
        assert_eq!(text(0x02, b"ansi"), None);
    }
}
