//! A directory object to evaluate against: its DN and attribute values, typed by the AD
//! schema syntax of the attribute (LDIF carries only text or base64).

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use mde_artifacts::ldif::{LdifRecord, LdifValue};

use crate::value::Value;

/// Attributes whose syntax is binary (octet string / SID / certificate) in the AD schema.
const BINARY: [&str; 8] = [
    "objectGUID",
    "objectSid",
    "userCertificate",
    "mS-DS-ConsistencyGuid",
    "msDS-KeyCredentialLink",
    "thumbnailPhoto",
    "mS-DS-CreatorSID",
    "sIDHistory",
];
/// Integer and large-integer attributes (large integers hold FILETIME dates).
const NUMERIC: [&str; 10] = [
    "userAccountControl",
    "groupType",
    "msExchRecipientTypeDetails",
    "pwdLastSet",
    "lastLogonTimestamp",
    "accountExpires",
    "whenChangedNum",
    "primaryGroupID",
    "sAMAccountType",
    "instanceType",
];
/// DN-valued attributes.
const REFERENCE: [&str; 5] = ["distinguishedName", "dn", "manager", "memberOf", "member"];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object {
    pub dn: Option<String>,
    /// Attribute name as exported → its values: objects read from CSV and JSON, and built
    /// by hand.
    pub attributes: BTreeMap<String, Vec<Value>>,
    /// Attributes read from LDIF ([`Object::add_ldif`]): the few a rule reads, in a small
    /// vector. A map's node and a string per name were allocations a million times over; a
    /// block's reader hands every object the same shared names.
    ldif: Vec<Slot>,
}

/// One attribute read from LDIF.
#[derive(Debug, Clone, PartialEq)]
struct Slot {
    /// The name as exported, without options.
    name: Arc<str>,
    /// Its text values, typed.
    values: Few<Value>,
    /// Its base64 values (binary attributes) still undecoded, decoded on first use.
    base64: Few<Base64>,
    decoded: OnceCell<Vec<Value>>,
}

/// A base64 value as read: the streaming reader's text, or a value's lines as they stand in
/// the export, folds included (what the block reader copies at once, neither unfolded nor
/// checked as UTF-8: most are never decoded). Folds are whitespace to base64, so an ASCII
/// value decodes as it is; anything else is first made the streaming reader's text
/// ([`Base64::text`]), which is also what equality compares.
#[derive(Clone)]
pub(crate) struct Base64(Vec<u8>);

impl Base64 {
    /// The streaming reader's text for a value read as `text` (no folds, UTF-8 already).
    pub(crate) fn from_text(text: String) -> Base64 {
        Base64(text.into_bytes())
    }

    /// A value's bytes as they stand in the export: from just after `::` to the end of its
    /// last folded line, trimmed of ASCII whitespace.
    pub(crate) fn from_folded(bytes: &[u8]) -> Base64 {
        Base64(bytes.trim_ascii().to_vec())
    }

    /// The value as the streaming reader gives it: each fold (a line end, after any `\r`s,
    /// and the continuation line's leading space) removed, read as UTF-8 (or lossily).
    fn text(&self) -> std::borrow::Cow<'_, str> {
        if !self.0.contains(&b'\n') {
            return String::from_utf8_lossy(&self.0);
        }
        let mut unfolded = Vec::with_capacity(self.0.len());
        let mut rest = &self.0[..];
        while let Some(end) = memchr::memchr(b'\n', rest) {
            let mut piece = &rest[..end];
            while let Some((b'\r', before)) = piece.split_last() {
                piece = before;
            }
            unfolded.extend_from_slice(piece);
            rest = &rest[end + 1..];
            rest = rest.strip_prefix(b" ").unwrap_or(rest);
        }
        unfolded.extend_from_slice(rest);
        std::borrow::Cow::Owned(String::from_utf8_lossy(&unfolded).into_owned())
    }

    fn decode(&self) -> Vec<u8> {
        let decoded = match std::str::from_utf8(&self.0) {
            Ok(ascii) if ascii.is_ascii() => mde_artifacts::ldif::base64_decode(ascii),
            _ => mde_artifacts::ldif::base64_decode(&self.text()),
        };
        decoded.unwrap_or_default()
    }

    /// Whether the text holds anything but whitespace (Unicode's, as `str::trim` sees it).
    fn has_value(&self) -> bool {
        // The common answer at the first byte: an ASCII character that is not whitespace
        // stays in the text whatever the rest holds.
        if let Some(&first) = self.0.first()
            && first.is_ascii()
            && !char::from(first).is_whitespace()
        {
            return true;
        }
        if self.0.is_ascii() {
            // Folds are whitespace: nothing to take out first.
            return self.0.iter().any(|b| !char::from(*b).is_whitespace());
        }
        !self.text().trim().is_empty()
    }
}

impl PartialEq for Base64 {
    fn eq(&self, other: &Base64) -> bool {
        self.text() == other.text()
    }
}

impl std::fmt::Debug for Base64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.text().fmt(f)
    }
}

/// Values of an attribute: most attributes have one, kept without a vector to allocate.
#[derive(Debug, Clone, PartialEq)]
enum Few<T> {
    Zero,
    One(T),
    Many(Vec<T>),
}

impl<T> Few<T> {
    fn push(&mut self, value: T) {
        *self = match std::mem::replace(self, Few::Zero) {
            Few::Zero => Few::One(value),
            Few::One(first) => Few::Many(vec![first, value]),
            Few::Many(mut all) => {
                all.push(value);
                Few::Many(all)
            }
        };
    }

    fn as_slice(&self) -> &[T] {
        match self {
            Few::Zero => &[],
            Few::One(one) => std::slice::from_ref(one),
            Few::Many(all) => all,
        }
    }

    fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }
}

/// Whether an attribute's syntax is binary in the AD schema.
pub(crate) fn is_binary(name: &str) -> bool {
    BINARY.iter().any(|b| b.eq_ignore_ascii_case(name))
}

/// The binary attributes of the AD schema that readers may hand over undecoded.
pub fn binary_attributes() -> Vec<String> {
    BINARY.iter().map(|s| (*s).to_string()).collect()
}

impl Object {
    pub fn from_ldif(record: &LdifRecord) -> Object {
        Object::from_ldif_only(record, None)
    }

    /// Like [`Object::from_ldif`], keeping only the attributes an expression reads (matched
    /// case-insensitively, so a mis-cased name is still reported as such).
    pub fn from_ldif_only(record: &LdifRecord, wanted: Option<&[String]>) -> Object {
        Object::from_ldif_owned(record.clone(), wanted)
    }

    /// Like [`Object::from_ldif_only`], moving the record's values instead of copying them
    /// (the streaming path: a certificate's text is not copied again).
    pub fn from_ldif_owned(record: LdifRecord, wanted: Option<&[String]>) -> Object {
        let mut object = Object::default();
        for a in record.attributes {
            object.add_ldif(&a.name, a.value, wanted, None);
        }
        object.set_ldif_dn(record.dn, wanted);
        object
    }

    /// One value of an LDIF record, as [`Object::from_ldif_owned`] keeps it: the name
    /// without options, `changetype` and attributes not `wanted` dropped, base64 kept
    /// undecoded, text typed by the AD schema. `shared` is the name without options when
    /// the caller holds it already (a block's reader), so it is not copied per object.
    pub(crate) fn add_ldif(
        &mut self,
        name: &str,
        value: LdifValue,
        wanted: Option<&[String]>,
        shared: Option<&Arc<str>>,
    ) {
        let base = name.split_once(';').map_or(name, |(base, _)| base);
        if base.eq_ignore_ascii_case("changetype")
            || wanted.is_some_and(|w| !w.iter().any(|x| x.eq_ignore_ascii_case(base)))
        {
            return;
        }
        let i = match self.ldif.iter().position(|s| &*s.name == base) {
            Some(i) => i,
            None => {
                self.ldif.push(Slot {
                    name: shared.cloned().unwrap_or_else(|| Arc::from(base)),
                    values: Few::Zero,
                    base64: Few::Zero,
                    decoded: OnceCell::new(),
                });
                self.ldif.len() - 1
            }
        };
        let slot = &mut self.ldif[i];
        match value {
            LdifValue::Base64(text) => slot.base64.push(Base64::from_text(text)),
            value => slot.values.push(typed(base, value)),
        }
    }

    /// A base64 value as the block reader holds it ([`Base64::from_folded`]), kept as
    /// [`Object::add_ldif`] keeps the streaming reader's.
    pub(crate) fn add_ldif_base64(&mut self, name: &str, value: Base64, shared: &Arc<str>) {
        let base = name.split_once(';').map_or(name, |(base, _)| base);
        if base.eq_ignore_ascii_case("changetype") {
            return;
        }
        match self.ldif.iter_mut().find(|s| &*s.name == base) {
            Some(slot) => slot.base64.push(value),
            None => self.ldif.push(Slot {
                name: shared.clone(),
                values: Few::Zero,
                base64: Few::One(value),
                decoded: OnceCell::new(),
            }),
        }
    }

    /// The record's DN: the object's, and `[dn]` when the rule reads it (matched
    /// case-insensitively like every wanted name) and the record had no `dn` attribute — a
    /// copy of every DN otherwise, a million times over.
    pub(crate) fn set_ldif_dn(&mut self, dn: String, wanted: Option<&[String]>) {
        if wanted.is_none_or(|w| w.iter().any(|x| x.eq_ignore_ascii_case("dn")))
            && !self.attributes.contains_key("dn")
            && !self
                .ldif
                .iter()
                .any(|s| &*s.name == "dn" && !s.values.is_empty())
        {
            match self.ldif.iter_mut().find(|s| &*s.name == "dn") {
                Some(slot) => slot.values.push(Value::Ref(dn.clone())),
                None => self.ldif.push(Slot {
                    name: Arc::from("dn"),
                    values: Few::One(Value::Ref(dn.clone())),
                    base64: Few::Zero,
                    decoded: OnceCell::new(),
                }),
            }
        }
        self.dn = Some(dn);
    }

    /// No DN and no attribute: what a reader yields for a row or record that held nothing
    /// it could use. Not an object to evaluate.
    pub fn is_blank(&self) -> bool {
        self.dn.is_none() && self.attributes.is_empty() && self.ldif.is_empty()
    }

    /// The values of an attribute, by its exact (case-sensitive) name: text values if it
    /// has any, else its base64 values decoded.
    pub fn get(&self, name: &str) -> Option<&[Value]> {
        if let Some(v) = self.attributes.get(name) {
            return Some(v);
        }
        let slot = self.ldif.iter().find(|s| &*s.name == name)?;
        if !slot.values.is_empty() {
            return Some(slot.values.as_slice());
        }
        Some(slot.decoded.get_or_init(|| {
            slot.base64
                .as_slice()
                .iter()
                .map(|b| Value::Bin(b.decode()))
                .collect()
        }))
    }

    /// Whether an attribute has a non-empty value, without decoding binary values.
    pub fn has_value(&self, name: &str) -> Option<bool> {
        let slot = self.ldif.iter().find(|s| &*s.name == name)?;
        if slot.base64.is_empty() || slot.decoded.get().is_some() {
            return None;
        }
        Some(slot.base64.as_slice().iter().any(Base64::has_value))
    }

    /// An attribute of the object whose name differs only in case (the first in name
    /// order of those with text values, else of those with binary ones).
    pub fn case_variant(&self, name: &str) -> Option<&str> {
        let variant = |k: &str| k.eq_ignore_ascii_case(name) && k != name;
        let text = self.attributes.keys().map(String::as_str).chain(
            self.ldif
                .iter()
                .filter(|s| !s.values.is_empty())
                .map(|s| &*s.name),
        );
        let binary = self
            .ldif
            .iter()
            .filter(|s| !s.base64.is_empty())
            .map(|s| &*s.name);
        text.filter(|k| variant(k))
            .min()
            .or_else(|| binary.filter(|k| variant(k)).min())
    }
}

fn typed(name: &str, value: LdifValue) -> Value {
    let is = |list: &[&str]| list.iter().any(|n| n.eq_ignore_ascii_case(name));
    if is(&BINARY) {
        return Value::Bin(value.bytes().into_owned());
    }
    match value {
        LdifValue::Binary(b) => Value::Bin(b),
        LdifValue::Base64(t) => {
            Value::Bin(mde_artifacts::ldif::base64_decode(&t).unwrap_or_default())
        }
        LdifValue::Text(t) | LdifValue::Url(t) => {
            if is(&NUMERIC) {
                t.trim().parse().map(Value::Num).unwrap_or(Value::Str(t))
            } else if is(&REFERENCE) {
                Value::Ref(t)
            } else {
                Value::Str(t)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Base64;

    /// A value held as it stands in the export (folds included) decodes, has a value and
    /// compares as the streaming reader's unfolded text does: CRLF and LF folds, `\r`s
    /// before a line end, whitespace only, a vertical tab, non-ASCII whitespace and a
    /// character cut by a fold, bytes that are not UTF-8, bad base64.
    #[test]
    fn folded_values_read_as_unfolded_ones() {
        let cases: [(&[u8], &[u8]); 12] = [
            (b"TUlJQzBhZG\r\n Fh", b"TUlJQzBhZGFh"),
            (b"TUlJ\n Qz\n Bh", b"TUlJQzBh"),
            (b"TUlJ\r\r\n Qz", b"TUlJQz"),
            (b"QUJD\r\n  RA==", b"QUJD RA=="),
            (b"\r\n ", b""),
            (b"\x0b", b"\x0b"),
            (b"\xc2\r\n \xa0", b"\xc2\xa0"),
            (b"\xc3\n \xa9", b"\xc3\xa9"),
            (b"\xe2\x80\n \x83", b"\xe2\x80\x83"),
            (b"TUlJ\xff\r\n Qz", b"TUlJ\xffQz"),
            (b"TU!J\r\n Qz", b"TU!JQz"),
            (b"QUJD\r\n =\n =", b"QUJD=="),
        ];
        for (folded, unfolded) in cases {
            let held = Base64::from_folded(folded);
            let text = String::from_utf8_lossy(unfolded.trim_ascii()).into_owned();
            let streamed = Base64::from_text(text.clone());
            assert_eq!(held, streamed, "{folded:?}");
            assert_eq!(held.decode(), streamed.decode(), "{folded:?}");
            assert_eq!(
                held.decode(),
                mde_artifacts::ldif::base64_decode(&text).unwrap_or_default(),
                "{folded:?}"
            );
            assert_eq!(held.has_value(), !text.trim().is_empty(), "{folded:?}");
            assert_eq!(streamed.has_value(), !text.trim().is_empty(), "{folded:?}");
        }
        assert_ne!(Base64::from_folded(b"QUJD"), Base64::from_folded(b"QUJE"));
    }
}
