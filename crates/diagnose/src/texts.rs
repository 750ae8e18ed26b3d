//! Finding texts (`data/checks.toml`) and their `{placeholder}` filling.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::de::IntoDeserializer as _;
use serde::{Deserialize, Deserializer};

use crate::model::{Evidence, Finding, Link, Severity};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Text {
    /// `None` for `from-catalog`: the enrollment check gives the finding its status code's
    /// severity.
    #[serde(deserialize_with = "fixed_or_from_catalog")]
    pub(crate) severity: Option<Severity>,
    pub(crate) title: String,
    pub(crate) root_cause: String,
    pub(crate) actions: Vec<String>,
    pub(crate) docs: Vec<String>,
}

#[derive(Deserialize)]
struct File {
    finding: BTreeMap<String, Text>,
}

pub(crate) fn texts() -> &'static BTreeMap<String, Text> {
    static TEXTS: OnceLock<BTreeMap<String, Text>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        toml::from_str::<File>(include_str!("../data/checks.toml"))
            .map(|f| f.finding)
            .unwrap_or_else(|e| panic!("data/checks.toml is invalid: {e}"))
    })
}

/// Replaces `{name}` with `vars[name]`; unknown placeholders stay visible so a test catches
/// them.
pub(crate) fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (name, value) in vars {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// `from-catalog`, or a [`Severity`] key; anything else makes `data/checks.toml` invalid.
fn fixed_or_from_catalog<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Severity>, D::Error> {
    let key = String::deserialize(d)?;
    if key == "from-catalog" {
        return Ok(None);
    }
    Severity::deserialize(key.as_str().into_deserializer()).map(Some)
}

/// Builds a finding from its text, filling placeholders.
pub(crate) fn finding(id: &str, vars: &[(&str, String)], evidence: Vec<Evidence>) -> Finding {
    let text = texts()
        .get(id)
        .unwrap_or_else(|| panic!("no text for finding {id} in data/checks.toml"));
    let catalog = mde_catalog::builtin();
    let links = resolve_links(&text.docs, catalog);
    Finding {
        id: id.to_string(),
        severity: text.severity.unwrap_or(Severity::Info),
        code: None,
        title: fill(&text.title, vars),
        root_cause: fill(&text.root_cause, vars),
        actions: text.actions.iter().map(|a| fill(a, vars)).collect(),
        docs: links.iter().map(|l| l.url.clone()).collect(),
        links,
        evidence,
        caused_by: None,
    }
}

/// Documentation keys are the catalog's link keys.
pub(crate) fn resolve_links(keys: &[String], catalog: &mde_catalog::Catalog) -> Vec<Link> {
    keys.iter()
        .filter_map(|k| catalog.link(k))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_valid() {
        let catalog = mde_catalog::builtin();
        for (id, text) in texts() {
            assert!(
                text.severity != Some(Severity::Ok),
                "{id}: a finding is never ok"
            );
            for key in &text.docs {
                assert!(catalog.link(key).is_some(), "{id}: unknown doc key {key}");
            }
            assert!(
                !text.title.is_empty() && !text.root_cause.is_empty(),
                "{id}"
            );
        }
    }

    #[test]
    fn fill_replaces_known_placeholders() {
        assert_eq!(fill("{a} and {b}", &[("a", "1".into())]), "1 and {b}");
    }
}
