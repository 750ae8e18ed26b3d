//! The tokens of a template definition's binary XML (MS-EVEN6 §2.2.3), one by one: what the
//! two walkers that learn where a template's values go share (`header_map.rs` for the
//! known-events scan, `template_plan.rs` for reading records without rendering them).

use std::rc::Rc;

use super::header_map::{u16_at, u32_at, utf16_at};

/// The names of one chunk's elements and attributes by offset, decoded once: templates
/// share them.
pub(crate) type Names = std::collections::HashMap<usize, Rc<str>>;

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// An element opens, depending on a substitution (`0xffff`: none).
    Open { name: Rc<str>, depends: u16 },
    /// Its attributes are done (`>`).
    CloseStart,
    /// It closes (`/>` or `</…>`).
    Close,
    /// An attribute, whose value comes next.
    Attribute(Rc<str>),
    /// Literal text.
    Literal(String),
    /// A substitution of the record's values.
    Substitution(u16),
    /// CDATA, a character or entity reference, a processing instruction.
    Other,
}

/// The tokens of the definition at `offset` of the chunk `data`.
pub(crate) struct Tokens<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
    names: &'a mut Names,
}

impl<'a> Tokens<'a> {
    /// The definition at `offset`: next template offset (4), GUID (16), data size (4), then
    /// the binary XML; `None` when its header is past the data.
    pub(crate) fn of(data: &'a [u8], offset: u32, names: &'a mut Names) -> Option<Tokens<'a>> {
        let offset = offset as usize;
        let size = u32_at(data, offset.checked_add(20)?)? as usize;
        let start = offset + 24;
        let end = start.checked_add(size)?.min(data.len());
        Some(Tokens {
            data,
            pos: start,
            end,
            names,
        })
    }

    /// The next token: `Ok(None)` at the end, `Err(())` for what cannot be read (a token
    /// this does not know, a template instance inside a definition, a value past the data).
    pub(crate) fn next_token(&mut self) -> Result<Option<Token>, ()> {
        self.read().ok_or(())
    }

    fn read(&mut self) -> Option<Option<Token>> {
        loop {
            if self.pos >= self.end {
                return Some(None);
            }
            let token = *self.data.get(self.pos)?;
            self.pos += 1;
            return Some(Some(match token {
                0x00 => return Some(None),
                // A fragment header: nothing for the walkers.
                0x0f => {
                    self.pos += 3;
                    continue;
                }
                0x01 | 0x41 => {
                    // dependency id (2), data size (4), name reference.
                    let depends = u16_at(self.data, self.pos)?;
                    self.pos += 6;
                    let name = self.name_ref()?;
                    if token == 0x41 {
                        self.pos += 4;
                    }
                    Token::Open { name, depends }
                }
                0x02 => Token::CloseStart,
                0x03 | 0x04 => Token::Close,
                0x06 | 0x46 => Token::Attribute(self.name_ref()?),
                0x05 | 0x45 => {
                    // A literal value: only strings are expected in a template definition.
                    if *self.data.get(self.pos)? != 0x01 {
                        return None;
                    }
                    let chars = u16_at(self.data, self.pos + 1)? as usize;
                    let text = utf16_at(self.data, self.pos + 3, chars)?;
                    self.pos += 3 + chars * 2;
                    Token::Literal(text)
                }
                0x0d | 0x0e => {
                    // Index (2), then the value type: one the evtx crate knows, or it refuses
                    // the whole template, and so must this.
                    let index = u16_at(self.data, self.pos)?;
                    if !value_type(*self.data.get(self.pos + 2)?) {
                        return None;
                    }
                    self.pos += 3;
                    Token::Substitution(index)
                }
                0x07 | 0x47 | 0x0b => {
                    let chars = u16_at(self.data, self.pos)? as usize;
                    self.pos += 2 + chars * 2;
                    Token::Other
                }
                0x08 | 0x48 => {
                    self.pos += 2;
                    Token::Other
                }
                0x09 | 0x49 | 0x0a => {
                    self.name_ref()?;
                    Token::Other
                }
                _ => return None,
            }));
        }
    }

    /// A name reference: its offset, the name itself (decoded once per chunk), and the inline
    /// copy skipped.
    fn name_ref(&mut self) -> Option<Rc<str>> {
        let offset = u32_at(self.data, self.pos)? as usize;
        self.pos += 4;
        // next offset (4), hash (2), character count (2), characters, NUL (2).
        let chars = u16_at(self.data, offset.checked_add(6)?)? as usize;
        let name = match self.names.get(&offset) {
            Some(name) => name.clone(),
            None => {
                let name: Rc<str> = Rc::from(utf16_at(self.data, offset + 8, chars)?);
                self.names.insert(offset, name.clone());
                name
            }
        };
        if offset == self.pos {
            self.pos += 8 + chars * 2 + 2;
        }
        Some(name)
    }
}

/// Whether `t` is a binary XML value type: null, the scalar types (0x01–0x15), an event
/// handle, binary XML or event XML (0x20, 0x21, 0x23), or an array of a scalar type (0x81–0x95).
fn value_type(t: u8) -> bool {
    matches!(t, 0x00..=0x15 | 0x20 | 0x21 | 0x23 | 0x81..=0x95)
}
