//! Where a record's System header values sit in its template, so that a record can be judged
//! by its event id, channel, provider and level before it is rendered.
//!
//! Every record of an `.evtx` is a template instance: the template definition (binary XML in
//! the chunk, shared by all records of the same shape) says which substitution fills
//! `Event/System/EventID`, `Level`, `Channel` and `Provider/@Name`; the record carries only
//! the substitution values. Reading the definition once per template and the values per
//! record costs a fraction of rendering the record to JSON, which is what made a scan for a
//! few known events slower than dumping the whole log (MS-EVEN6 §2.2.3, binary XML tokens).
//!
//! Anything this walker does not understand makes it give up on that template: the caller
//! then renders the record and decides from the rendering, as before. It is an optimisation,
//! never a second opinion.

use std::rc::Rc;

use super::template_tokens::{Names, Token, Tokens};

/// Where a template takes a value from (a System field here, any field in a
/// [`super::template_plan::Plan`]): a substitution index of the record's values, or a
/// literal of the template itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slot {
    Substitution(u16),
    Literal(String),
}

/// The System fields of one template definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HeaderMap {
    pub(crate) event_id: Option<Slot>,
    pub(crate) level: Option<Slot>,
    pub(crate) channel: Option<Slot>,
    pub(crate) provider: Option<Slot>,
}

/// The template definition at `offset` of the chunk `data`, mapped; `None` when it cannot be
/// read with certainty.
pub(crate) fn map_template(data: &[u8], offset: u32) -> Option<HeaderMap> {
    let mut names = Names::new();
    let mut tokens = Tokens::of(data, offset, &mut names)?;
    // Names of the open elements, outermost first; the attribute whose value comes next.
    let mut stack: Vec<Rc<str>> = Vec::new();
    let mut attribute: Option<Rc<str>> = None;
    let mut map = HeaderMap::default();
    // Only the System element matters; deeper or later parts are not needed, but the walk
    // goes on to the end so that a template it misreads is refused, not half-used.
    while let Some(token) = tokens.next_token().ok()? {
        let slot = match token {
            Token::Open { name, .. } => {
                if stack.len() > 64 {
                    return None;
                }
                stack.push(name);
                attribute = None;
                continue;
            }
            Token::CloseStart => {
                attribute = None;
                continue;
            }
            Token::Close => {
                stack.pop()?;
                attribute = None;
                continue;
            }
            Token::Attribute(name) => {
                attribute = Some(name);
                continue;
            }
            Token::Other => continue,
            Token::Literal(text) => Slot::Literal(text),
            Token::Substitution(index) => Slot::Substitution(index),
        };
        let path: Vec<&str> = stack.iter().map(|n| &**n).collect();
        let field = match (path.as_slice(), attribute.as_deref()) {
            (["Event", "System", "EventID"], None) => &mut map.event_id,
            (["Event", "System", "Level"], None) => &mut map.level,
            (["Event", "System", "Channel"], None) => &mut map.channel,
            (["Event", "System", "Provider"], Some("Name")) => &mut map.provider,
            _ => continue,
        };
        if field.is_none() {
            *field = Some(slot);
        }
    }
    Some(map)
}

pub(super) fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    data.get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
}

pub(super) fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A UTF-16LE string of `chars` characters at `at`.
pub(super) fn utf16_at(data: &[u8], at: usize, chars: usize) -> Option<String> {
    let bytes = data.get(at..at.checked_add(chars.checked_mul(2)?)?)?;
    char::decode_utf16(
        bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]])),
    )
    .collect::<Result<String, _>>()
    .ok()
}

/// The System header of one record, read from its bytes: the template it instantiates and
/// its substitution values (MS-EVEN6 §2.2.3.1 TemplateInstance).
pub(crate) struct Skimmed<'a> {
    pub(crate) template_def_offset: u32,
    /// Each substitution value: its type and bytes.
    pub(crate) values: Vec<(u8, &'a [u8])>,
}

/// Reads the template instance a record's binary XML starts with; `None` for any other shape.
pub(crate) fn skim_record(data: &[u8], binxml: usize, end: usize) -> Option<Skimmed<'_>> {
    let (mut values, mut starts) = (Vec::new(), Vec::new());
    let def = skim_into(data, binxml, end, &mut values, &mut starts)?;
    Some(Skimmed {
        template_def_offset: def,
        values,
    })
}

/// [`skim_record`] into reused buffers: the template definition's offset, each value's type
/// and bytes in `values`, and where each starts in the chunk in `starts` (a value of binary
/// XML holds a template instance of its own, whose offsets are the chunk's).
pub(crate) fn skim_into<'a>(
    data: &'a [u8],
    binxml: usize,
    end: usize,
    values: &mut Vec<(u8, &'a [u8])>,
    starts: &mut Vec<usize>,
) -> Option<u32> {
    values.clear();
    starts.clear();
    let mut pos = binxml;
    if *data.get(pos)? == 0x0f {
        pos += 4;
    }
    if *data.get(pos)? != 0x0c {
        return None;
    }
    let def = u32_at(data, pos + 6)?;
    // The instance names its template by the first four bytes of the definition's GUID:
    // a definition that does not carry them is not the one meant (a damaged offset).
    if data.get(pos + 2..pos + 6)?
        != data.get((def as usize).checked_add(4)?..(def as usize).checked_add(8)?)?
    {
        return None;
    }
    pos += 10;
    if def as usize == pos {
        // The definition is inline: next offset (4), GUID (16), size (4), its data.
        let size = u32_at(data, pos + 20)? as usize;
        pos = pos.checked_add(24 + size)?;
    }
    let count = u32_at(data, pos)? as usize;
    pos += 4;
    if count > 4096 {
        return None;
    }
    let descriptors = pos;
    pos = pos.checked_add(count * 4)?;
    for i in 0..count {
        let size = u16_at(data, descriptors + i * 4)? as usize;
        let kind = *data.get(descriptors + i * 4 + 2)?;
        let bytes = data.get(pos..pos.checked_add(size)?)?;
        starts.push(pos);
        pos += size;
        values.push((kind, bytes));
    }
    // Then the end of the stream (its token, or its last byte): the evtx crate reads on
    // after the instance, and a record with more there is not one of this shape.
    (pos == end || (pos < end && data[pos] == 0x00)).then_some(def)
}

/// A substitution value as text, for strings (UTF-16LE, maybe NUL-terminated) and nulls.
pub(crate) fn skimmed_text(value: (u8, &[u8])) -> Option<String> {
    match value {
        (0x00, _) => Some(String::new()),
        (0x01, bytes) if bytes.len() % 2 == 0 => {
            let text = utf16_at(bytes, 0, bytes.len() / 2)?;
            Some(text.trim_end_matches('\0').to_string())
        }
        _ => None,
    }
}

/// A substitution value as a number, for the integer types an event id or level takes.
pub(crate) fn skimmed_number(value: (u8, &[u8])) -> Option<u64> {
    let (kind, b) = value;
    let le = |n: usize| -> Option<u64> {
        let bytes = b.get(..n)?;
        (b.len() == n).then(|| {
            bytes
                .iter()
                .rev()
                .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte))
        })
    };
    match kind {
        0x04 => le(1),        // UInt8
        0x06 => le(2),        // UInt16
        0x08 | 0x14 => le(4), // UInt32, HexInt32
        0x0a | 0x15 => le(8), // UInt64, HexInt64
        _ => None,
    }
}
