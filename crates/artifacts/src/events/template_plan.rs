//! Where everything an [`super::Event`] holds sits in a record's template, so that records
//! of the common shapes are read into events straight from their substitution values,
//! without rendering them (see [`super::direct`]).
//!
//! A template definition is binary XML shared by every record of its shape (MS-EVEN6
//! §2.2.3); a record carries only its substitution values. Windows writes a record as one
//! template for the System header whose `Event` element holds, as a value of binary XML, an
//! instance of the event's own template: its `EventData` or `UserData` (the body). This
//! walker accepts these shapes:
//!
//! ```text
//! <Event xmlns="…">
//!   <System> … <Provider Name=…/> <EventID>…</EventID> <Level>…</Level>
//!            <TimeCreated SystemTime=…/> <EventRecordID>…</EventRecordID>
//!            <Channel>…</Channel> <Computer>…</Computer> … </System>
//!   %body | <EventData>…</EventData> | <UserData>…</UserData>
//! </Event>
//!
//! <EventData> <Data Name="literal">%n</Data> … </EventData>
//! <UserData> <Name xmlns="…" attribute=…> <Field>value</Field> … </Name> </UserData>
//! ```
//!
//! Anything else — unnamed or repeated names, attributes on `EventData` or on a
//! `UserData` field, text beside elements, entity or character references, nested
//! templates, a field given twice — makes it refuse the template, and the record is
//! rendered by the evtx crate as before. It is an optimisation, never a second reading: a
//! test checks it gives what the rendering gives on every record of the real samples.

use std::rc::Rc;

use super::header_map::Slot;
use super::template_tokens::{Names, Token, Tokens};

/// Where each field of an event is in a template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) time: Option<Slot>,
    pub(crate) provider: Option<Slot>,
    pub(crate) channel: Option<Slot>,
    pub(crate) computer: Option<Slot>,
    pub(crate) event_id: Option<Slot>,
    pub(crate) level: Option<Slot>,
    pub(crate) record_id: Option<Slot>,
    /// `EventData/Data`: each name and the substitution holding its value, in order.
    pub(crate) data: Vec<(String, Slot)>,
    /// `UserData`: each value's name (`Name.Field`, `Name.attribute`) and where it is.
    pub(crate) user: Vec<(String, Slot)>,
    /// The substitution that is the content of `Event` or of `UserData`: binary XML holding
    /// a template instance of its own, the body, whose template's root is `body_root`.
    pub(crate) body: Option<u16>,
    pub(crate) body_root: Root,
    /// Substitutions that an element holding one of the fields depends on: the element is
    /// left out of the rendering when the value is NULL (the record is then rendered).
    pub(crate) depends: Vec<u16>,
    /// Whether each substitution is read (a value read is checked as it is written).
    pub(crate) reads: Vec<bool>,
}

impl Plan {
    /// Whether the plan reads substitution `index`.
    pub(crate) fn reads(&self, index: usize) -> bool {
        self.reads.get(index).copied().unwrap_or(false)
    }
}

/// Which template a plan is for: a record's (its root is `Event`), or the one of a record's
/// body (see [`Plan::body`]): its root is `EventData` or `UserData` (the content of
/// `Event`), or the element `UserData` holds (the content of `UserData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) enum Root {
    #[default]
    Event,
    Body,
    UserElement,
}

/// The plan of the template definition at `offset` of the chunk `data` (whose names decoded
/// so far are `names`); `None` when the template is not of the shapes read directly.
pub(crate) fn plan_template(
    data: &[u8],
    offset: u32,
    root: Root,
    names: &mut Names,
) -> Option<Plan> {
    // A body's elements are placed as if under `Event`, where they end up.
    let open = |name: &str| Open {
        name: Rc::from(name),
        depends: 0xffff,
        children: Vec::new(),
        text: false,
    };
    let stack = match root {
        Root::Event => Vec::new(),
        Root::Body => vec![open("Event")],
        Root::UserElement => vec![open("Event"), open("UserData")],
    };
    let mut plan = Walker {
        tokens: Tokens::of(data, offset, names)?,
        base: stack.len(),
        stack,
        attribute: None,
        data_name: None,
        data_value: None,
        event_data: Vec::new(),
        element_value: None,
        plan: Plan::default(),
    }
    .walk()?;
    let read: Vec<u16> = [
        &plan.time,
        &plan.provider,
        &plan.channel,
        &plan.computer,
        &plan.event_id,
        &plan.level,
        &plan.record_id,
    ]
    .into_iter()
    .flatten()
    .chain(plan.data.iter().map(|(_, src)| src))
    .chain(plan.user.iter().map(|(_, src)| src))
    .filter_map(|src| match src {
        Slot::Substitution(i) => Some(*i),
        Slot::Literal(_) => None,
    })
    .chain(plan.body)
    .collect();
    plan.reads = vec![false; read.iter().max().map_or(0, |&m| usize::from(m) + 1)];
    for i in read {
        plan.reads[usize::from(i)] = true;
    }
    let sections = usize::from(!plan.data.is_empty())
        + usize::from(!plan.user.is_empty())
        + usize::from(plan.body.is_some());
    let complete = match root {
        // Events have a time, and one body at most.
        Root::Event => plan.time.is_some() && sections <= 1,
        // A body holds nothing but its data.
        Root::Body | Root::UserElement => {
            plan == Plan {
                data: plan.data.clone(),
                user: plan.user.clone(),
                depends: plan.depends.clone(),
                reads: plan.reads.clone(),
                ..Plan::default()
            }
        }
    };
    // Repeated names get suffixes in the rendering; a name starting with `#` means
    // something else to it.
    let plain = |pairs: &[(String, Slot)]| {
        pairs.iter().enumerate().all(|(i, (name, _))| {
            !name.is_empty() && !name.starts_with('#') && !pairs[..i].iter().any(|(n, _)| n == name)
        })
    };
    (plain(&plan.data) && plain(&plan.user) && complete).then_some(plan)
}

/// An element of `EventData`.
enum DataEntry {
    /// `<Data Name="name">%n</Data>`.
    Named(String, u16),
    /// `<Data>%n</Data>`.
    Unnamed(u16),
    /// `<Binary>%n</Binary>`.
    Binary(u16),
}

/// The data of an `EventData` as the rendering's reader names it: named `Data` by name,
/// unnamed ones as `Data` (one) or `Data[0]`, `Data[1]`, … (several, where the first one
/// is), `Binary` as `Binary`; `None` for names and no names mixed.
fn event_data_pairs(entries: Vec<DataEntry>) -> Option<Vec<(String, Slot)>> {
    let named = entries.iter().any(|e| matches!(e, DataEntry::Named(..)));
    let unnamed: Vec<u16> = entries
        .iter()
        .filter_map(|e| match e {
            DataEntry::Unnamed(i) => Some(*i),
            _ => None,
        })
        .collect();
    if named && !unnamed.is_empty() {
        return None;
    }
    let mut pairs = Vec::new();
    let mut positional_done = false;
    for entry in entries {
        match entry {
            DataEntry::Named(name, i) => pairs.push((name, Slot::Substitution(i))),
            DataEntry::Binary(i) => pairs.push(("Binary".to_string(), Slot::Substitution(i))),
            DataEntry::Unnamed(_) if positional_done => {}
            DataEntry::Unnamed(_) => {
                positional_done = true;
                if let [one] = unnamed[..] {
                    pairs.push(("Data".to_string(), Slot::Substitution(one)));
                } else {
                    for (n, i) in unnamed.iter().enumerate() {
                        pairs.push((format!("Data[{n}]"), Slot::Substitution(*i)));
                    }
                }
            }
        }
    }
    Some(pairs)
}

/// One open element.
struct Open {
    name: Rc<str>,
    /// The substitution it depends on (`0xffff`: none).
    depends: u16,
    /// The names of its child elements so far.
    children: Vec<Rc<str>>,
    /// Whether it holds text.
    text: bool,
}

struct Walker<'a> {
    tokens: Tokens<'a>,
    stack: Vec<Open>,
    /// Elements of `stack` that are not the template's own (see [`Root`]).
    base: usize,
    /// The attribute whose value comes next, if any.
    attribute: Option<Rc<str>>,
    /// The open `Data` element's name and value.
    data_name: Option<String>,
    data_value: Option<u16>,
    /// The elements of the open `EventData`, in order.
    event_data: Vec<DataEntry>,
    /// The value of the open `UserData` field.
    element_value: Option<Slot>,
    plan: Plan,
}

impl Walker<'_> {
    fn walk(mut self) -> Option<Plan> {
        while let Some(token) = self.tokens.next_token().ok()? {
            match token {
                // A NUL in a name or text: the evtx crate ends the text there; left to it.
                Token::Open { name, .. } | Token::Attribute(name) if name.contains('\0') => {
                    return None;
                }
                Token::Literal(text) if text.contains('\0') => return None,
                Token::Open { name, depends } => self.open(name, depends)?,
                Token::CloseStart => self.attribute = None,
                Token::Close => self.close()?,
                Token::Attribute(name) => self.attribute = Some(name),
                Token::Literal(text) => self.place(Slot::Literal(text))?,
                Token::Substitution(index) => self.place(Slot::Substitution(index))?,
                // Character and entity references, CDATA, processing instructions: not these
                // shapes.
                Token::Other => return None,
            }
        }
        (self.stack.len() == self.base).then_some(self.plan)
    }

    /// The name of the open element at `depth` (0: `Event`).
    fn at(&self, depth: usize) -> Option<&str> {
        self.stack.get(depth).map(|o| &*o.name)
    }

    fn open(&mut self, name: Rc<str>, depends: u16) -> Option<()> {
        let section = self.at(1);
        let allowed = match self.stack.len() {
            0 => &*name == "Event",
            1 if self.base == 1 => &*name == "EventData" || &*name == "UserData",
            1 => matches!(&*name, "System" | "EventData" | "UserData"),
            2 if section == Some("EventData") => &*name == "Data" || &*name == "Binary",
            // The one element UserData holds.
            2 if section == Some("UserData") => self.stack[1].children.is_empty(),
            2 => true,
            // A UserData field: no attributes (see `place`), no elements of its own.
            3 if section == Some("UserData") => true,
            // Deeper than a System field.
            _ => section == Some("System") && self.stack.len() < 8,
        };
        if !allowed {
            return None;
        }
        let depth = self.stack.len();
        if let Some(parent) = self.stack.last_mut() {
            if parent.text && depth > 1 {
                return None;
            }
            parent.children.push(name.clone());
        }
        if &*name == "Data" || &*name == "Binary" {
            self.data_name = None;
            self.data_value = None;
        }
        if &*name == "EventData" {
            self.event_data.clear();
        }
        self.element_value = None;
        self.stack.push(Open {
            name,
            depends,
            children: Vec::new(),
            text: false,
        });
        self.attribute = None;
        Some(())
    }

    fn close(&mut self) -> Option<()> {
        if self.stack.len() == self.base {
            return None;
        }
        let depth = self.stack.len() - 1;
        let section = self.at(1).map(str::to_string);
        let open = self.stack.pop()?;
        self.attribute = None;
        match (section.as_deref(), depth) {
            (Some("EventData"), 2) => {
                let value = self.data_value.take()?;
                let name = self.data_name.take();
                self.depend_on_path(open.depends);
                self.event_data.push(match (&*open.name, name) {
                    ("Binary", None) => DataEntry::Binary(value),
                    ("Data", Some(name)) => DataEntry::Named(name, value),
                    ("Data", None) => DataEntry::Unnamed(value),
                    _ => return None,
                });
            }
            (Some("EventData"), 1) => {
                let pairs = event_data_pairs(std::mem::take(&mut self.event_data))?;
                self.plan.data.extend(pairs);
            }
            (Some("UserData"), 3) => {
                // A field: exactly one value, named `Name.Field`.
                let value = self.element_value.take()?;
                let name = format!("{}.{}", self.stack[2].name, open.name);
                self.depend_on_path(open.depends);
                self.plan.user.push((name, value));
            }
            (Some("UserData"), 2) => {
                // The element UserData holds: no text beside its fields; nothing at all
                // (`null` in the rendering) only through the record's rendering.
                let names = &open.children;
                let repeated = names
                    .iter()
                    .enumerate()
                    .any(|(i, n)| names[..i].contains(n));
                if repeated || (open.text && !names.is_empty()) {
                    return None;
                }
                if let Some(value) = self.element_value.take() {
                    self.depend_on_path(open.depends);
                    self.plan.user.push((open.name.to_string(), value));
                }
            }
            // UserData holds exactly one element, or a body holding it.
            (Some("UserData"), 1) if open.children.len() + usize::from(open.text) != 1 => {
                return None;
            }
            _ => {}
        }
        Some(())
    }

    /// Notes that the fields under the open elements (and `last`) depend on their
    /// elements' substitutions.
    fn depend_on_path(&mut self, last: u16) {
        let ids: Vec<u16> = self
            .stack
            .iter()
            .map(|o| o.depends)
            .chain([last])
            .filter(|&d| d != 0xffff)
            .collect();
        for id in ids {
            if !self.plan.depends.contains(&id) {
                self.plan.depends.push(id);
            }
        }
    }

    /// A value at the current place: a field of the plan, or ignored where no field is;
    /// `None` where these shapes have no value.
    fn place(&mut self, src: Slot) -> Option<()> {
        let depth = self.stack.len();
        let section = self.at(1);
        let attribute = self.attribute.as_deref();
        if section == Some("UserData") {
            return match (depth, attribute) {
                // The body: the element UserData holds, as binary XML.
                (2, None) if self.base == 0 => {
                    let Slot::Substitution(index) = src else {
                        return None;
                    };
                    self.stack.last_mut()?.text = true;
                    if self.plan.body.replace(index).is_some() {
                        return None;
                    }
                    self.plan.body_root = Root::UserElement;
                    self.depend_on_path(0xffff);
                    Some(())
                }
                // The element's attributes: `Name.attribute`, but its namespace.
                (3, Some("xmlns")) => Some(()),
                (3, Some(name)) => {
                    let name = format!("{}.{name}", self.stack[2].name);
                    self.depend_on_path(0xffff);
                    self.plan.user.push((name, src));
                    Some(())
                }
                // Its text, or a field's value: one each.
                (3 | 4, None) => {
                    self.stack.last_mut()?.text = true;
                    self.element_value.replace(src).is_none().then_some(())
                }
                _ => None,
            };
        }
        let field = match (depth, section, self.at(2), attribute) {
            (1, _, _, Some("xmlns")) => return matches!(src, Slot::Literal(_)).then_some(()),
            (1, _, _, None) if self.base == 0 => {
                let Slot::Substitution(index) = src else {
                    return None;
                };
                if self.plan.body.replace(index).is_some() {
                    return None;
                }
                self.plan.body_root = Root::Body;
                self.depend_on_path(0xffff);
                return Some(());
            }
            (3, Some("EventData"), Some("Data"), Some("Name")) => {
                let Slot::Literal(name) = src else {
                    return None;
                };
                return self.data_name.replace(name).is_none().then_some(());
            }
            (3, Some("EventData"), Some("Data" | "Binary"), None) => {
                let Slot::Substitution(index) = src else {
                    return None;
                };
                return self.data_value.replace(index).is_none().then_some(());
            }
            // Text beside elements, other attributes of Event, EventData or Data.
            (..=3, section, _, _) if section != Some("System") => return None,
            (2, Some("System"), _, None) => return None,
            (3, _, Some("Provider"), Some("Name")) => &mut self.plan.provider,
            (3, _, Some("EventID"), None) => &mut self.plan.event_id,
            (3, _, Some("Level"), None) => &mut self.plan.level,
            (3, _, Some("TimeCreated"), Some("SystemTime")) => &mut self.plan.time,
            (3, _, Some("EventRecordID"), None) => &mut self.plan.record_id,
            (3, _, Some("Channel"), None) => &mut self.plan.channel,
            (3, _, Some("Computer"), None) => &mut self.plan.computer,
            _ => return Some(()),
        };
        if field.replace(src).is_some() {
            // A field given twice (text in pieces, or a repeated element).
            return None;
        }
        self.depend_on_path(0xffff);
        Some(())
    }
}
