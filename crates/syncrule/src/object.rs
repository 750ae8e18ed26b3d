//! A directory object to evaluate against: its DN and attribute values, typed by the AD
//! schema syntax of the attribute (LDIF carries only text or base64).

use std::cell::OnceCell;
use std::collections::BTreeMap;

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
    /// Attribute name as exported → its values.
    pub attributes: BTreeMap<String, Vec<Value>>,
    /// Binary attributes still in base64, decoded on first use.
    lazy: BTreeMap<String, Lazy>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Lazy {
    base64: Vec<String>,
    decoded: OnceCell<Vec<Value>>,
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
            object.add_ldif(a.name, a.value, wanted);
        }
        object.set_ldif_dn(record.dn, wanted);
        object
    }

    /// One value of an LDIF record, as [`Object::from_ldif_owned`] keeps it: the name
    /// without options, `changetype` and attributes not `wanted` dropped, base64 kept
    /// undecoded, text typed by the AD schema. The name is copied only for an attribute's
    /// first value.
    pub(crate) fn add_ldif(
        &mut self,
        name: impl AsRef<str> + Into<String>,
        value: LdifValue,
        wanted: Option<&[String]>,
    ) {
        let full = name.as_ref();
        let base = full.split_once(';').map_or(full, |(base, _)| base);
        if base.eq_ignore_ascii_case("changetype")
            || wanted.is_some_and(|w| !w.iter().any(|x| x.eq_ignore_ascii_case(base)))
        {
            return;
        }
        if let LdifValue::Base64(text) = value {
            match self.lazy.get_mut(base) {
                Some(lazy) => lazy.base64.push(text),
                None => {
                    let key = if base.len() == full.len() {
                        name.into()
                    } else {
                        base.to_string()
                    };
                    self.lazy.entry(key).or_default().base64.push(text);
                }
            }
            return;
        }
        let value = typed(base, value);
        match self.attributes.get_mut(base) {
            Some(values) => values.push(value),
            None => {
                let key = if base.len() == full.len() {
                    name.into()
                } else {
                    base.to_string()
                };
                self.attributes.insert(key, vec![value]);
            }
        }
    }

    /// The record's DN: the object's, and `[dn]` when the rule reads it (matched
    /// case-insensitively like every wanted name) and the record had no `dn` attribute — a
    /// copy of every DN otherwise, a million times over.
    pub(crate) fn set_ldif_dn(&mut self, dn: String, wanted: Option<&[String]>) {
        if wanted.is_none_or(|w| w.iter().any(|x| x.eq_ignore_ascii_case("dn")))
            && !self.attributes.contains_key("dn")
        {
            self.attributes
                .insert("dn".into(), vec![Value::Ref(dn.clone())]);
        }
        self.dn = Some(dn);
    }

    /// No DN and no attribute: what a reader yields for a row or record that held nothing
    /// it could use. Not an object to evaluate.
    pub fn is_blank(&self) -> bool {
        self.dn.is_none() && self.attributes.is_empty() && self.lazy.is_empty()
    }

    /// The values of an attribute, by its exact (case-sensitive) name.
    pub fn get(&self, name: &str) -> Option<&[Value]> {
        if let Some(v) = self.attributes.get(name) {
            return Some(v);
        }
        let lazy = self.lazy.get(name)?;
        Some(lazy.decoded.get_or_init(|| {
            lazy.base64
                .iter()
                .map(|t| Value::Bin(mde_artifacts::ldif::base64_decode(t).unwrap_or_default()))
                .collect()
        }))
    }

    /// Whether an attribute has a non-empty value, without decoding binary values.
    pub fn has_value(&self, name: &str) -> Option<bool> {
        if let Some(l) = self.lazy.get(name)
            && l.decoded.get().is_none()
        {
            return Some(l.base64.iter().any(|t| !t.trim().is_empty()));
        }
        None
    }

    /// An attribute of the object whose name differs only in case.
    pub fn case_variant(&self, name: &str) -> Option<&str> {
        self.attributes
            .keys()
            .chain(self.lazy.keys())
            .find(|k| k.eq_ignore_ascii_case(name) && k.as_str() != name)
            .map(String::as_str)
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
