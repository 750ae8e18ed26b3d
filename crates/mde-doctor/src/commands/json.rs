//! The JSON shapes of catalog entries, shared by `explain` and `codes`. Field names are part
//! of mde-doctor's interface: add fields, do not rename them.

use mde_catalog::{Catalog, EnrollmentCode, Hresult, HresultInfo, Link};
use serde::Serialize;

#[derive(Serialize)]
pub(crate) struct CodeJson<'a> {
    pub(crate) kind: &'static str,
    pub(crate) code: u32,
    pub(crate) status: &'a str,
    pub(crate) category: &'static str,
    pub(crate) category_description: &'a str,
    pub(crate) blocks: bool,
    pub(crate) severity: &'static str,
    pub(crate) flow: &'static str,
    pub(crate) symbol: Option<&'a str>,
    pub(crate) documented: bool,
    pub(crate) meaning: &'a str,
    pub(crate) actions: &'a [String],
    pub(crate) docs: Vec<&'a str>,
    pub(crate) links: &'a [Link],
    pub(crate) readings: Vec<ReadingJson<'a>>,
    pub(crate) disagreement: Option<&'a str>,
    /// The HRESULT of the same name (41 is also WININET_E_NAME_NOT_RESOLVED, 0x80072ee7).
    pub(crate) related_hresult: Option<Hresult>,
}

#[derive(Serialize)]
pub(crate) struct ReadingJson<'a> {
    source: &'a str,
    source_title: &'a str,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    check_id: Option<u32>,
}

#[derive(Serialize)]
pub(crate) struct HResultJson<'a> {
    kind: &'static str,
    code: Hresult,
    decimal: i32,
    status: &'a str,
    name: &'a str,
    category: &'static str,
    phase: &'a str,
    meaning: &'a str,
    actions: &'a [String],
    docs: Vec<&'a str>,
    links: &'a [Link],
    readings: Vec<ReadingJson<'a>>,
}

pub(crate) fn code_json<'a>(catalog: &'a Catalog, c: &'a EnrollmentCode) -> CodeJson<'a> {
    CodeJson {
        kind: "enrollment",
        code: c.code,
        status: &c.status,
        category: c.category.key(),
        category_description: catalog.category_description(c.category),
        blocks: c.blocks,
        severity: c.severity.key(),
        flow: c.flow.key(),
        symbol: c.symbol.as_deref(),
        documented: c.documented(),
        meaning: &c.meaning,
        actions: &c.actions,
        docs: c.docs.iter().map(|l| l.url.as_str()).collect(),
        links: &c.docs,
        readings: c
            .readings
            .iter()
            .map(|r| ReadingJson {
                source: &r.source,
                source_title: catalog
                    .source(&r.source)
                    .map(|s| s.title.as_str())
                    .unwrap_or(""),
                text: &r.text,
                check_id: r.check_id,
            })
            .collect(),
        disagreement: c.disagreement.as_deref(),
        related_hresult: related_hresult(catalog, c).map(|h| h.code),
    }
}

pub(crate) fn hresult_json(h: &HresultInfo) -> HResultJson<'_> {
    HResultJson {
        kind: "hresult",
        code: h.code,
        decimal: h.code.decimal(),
        status: &h.name,
        name: &h.name,
        category: "hybrid-join",
        phase: &h.phase,
        meaning: &h.meaning,
        actions: &h.actions,
        docs: h.docs.iter().map(|l| l.url.as_str()).collect(),
        links: &h.docs,
        readings: vec![ReadingJson {
            source: &h.source,
            source_title: &h.source,
            text: &h.name,
            check_id: None,
        }],
    }
}

/// The HRESULT that carries an enrollment code's symbolic name, if any.
pub(crate) fn related_hresult<'a>(
    catalog: &'a Catalog,
    c: &EnrollmentCode,
) -> Option<&'a HresultInfo> {
    let symbol = c.symbol.as_deref()?;
    catalog
        .hresults()
        .find(|h| h.name.eq_ignore_ascii_case(symbol))
}

/// Pretty JSON followed by a newline.
pub(crate) fn to_string<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("catalog JSON always serializes");
    s.push('\n');
    s
}
