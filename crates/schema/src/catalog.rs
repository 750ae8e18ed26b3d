//! `explain` and `codes`: catalog entries as JSON. An entry says what kind it is (`kind`:
//! `enrollment` or `hresult`), so one list can hold both.

use mde_catalog::{Catalog, EnrollmentCode, Hresult, HresultInfo, Link};
use schemars::JsonSchema;
use serde::Serialize;

use crate::Document;

/// One catalog entry.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Entry<'a> {
    /// An enrollment status code of security management (`SenseCM\EnrollmentStatus`).
    Enrollment(CodeEntry<'a>),
    /// A hybrid-join / device-registration error code.
    Hresult(HResultEntry<'a>),
}

/// `mde-doctor explain CODE --format json`.
impl Document for Entry<'_> {
    const SCHEMA: &'static str = "mde-doctor/explain/v1";
}

/// `mde-doctor codes --format json` (with `--hresults`: the hybrid-join codes).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Codes<'a> {
    pub entries: Vec<Entry<'a>>,
}

impl Document for Codes<'_> {
    const SCHEMA: &'static str = "mde-doctor/codes/v1";
}

/// An enrollment status code with everything the catalog knows about it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CodeEntry<'a> {
    pub code: u32,
    pub status: &'a str,
    /// `success`, `configuration`, `connectivity`, … (see `category_description`).
    pub category: &'static str,
    pub category_description: &'a str,
    /// Whether the code keeps security management from managing the device.
    pub blocks: bool,
    pub severity: &'static str,
    pub flow: &'static str,
    pub symbol: Option<&'a str>,
    /// Whether Microsoft's documentation lists the code.
    pub documented: bool,
    pub meaning: &'a str,
    pub actions: &'a [String],
    /// The documentation's URLs (the same as `links[].url`).
    pub docs: Vec<&'a str>,
    pub links: &'a [Link],
    /// What each documentation version says about the code.
    pub readings: Vec<Reading<'a>>,
    /// How the documentation versions disagree, when they do.
    pub disagreement: Option<&'a str>,
    /// The HRESULT of the same name (41 is also WININET_E_NAME_NOT_RESOLVED, 0x80072ee7).
    pub related_hresult: Option<Hresult>,
}

/// What one documentation source says.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Reading<'a> {
    pub source: &'a str,
    pub source_title: &'a str,
    pub text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_id: Option<u32>,
}

/// A hybrid-join error code.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HResultEntry<'a> {
    /// `0x801c03f2`.
    pub code: Hresult,
    /// The same code as a signed 32-bit number, as some logs print it.
    pub decimal: i32,
    pub status: &'a str,
    pub name: &'a str,
    /// Always `hybrid-join`.
    pub category: &'static str,
    pub phase: &'a str,
    pub meaning: &'a str,
    pub actions: &'a [String],
    pub docs: Vec<&'a str>,
    pub links: &'a [Link],
    pub readings: Vec<Reading<'a>>,
}

impl<'a> CodeEntry<'a> {
    pub fn new(catalog: &'a Catalog, c: &'a EnrollmentCode) -> CodeEntry<'a> {
        CodeEntry {
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
                .map(|r| Reading {
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
            related_hresult: catalog.related_hresult(c).map(|h| h.code),
        }
    }
}

impl<'a> HResultEntry<'a> {
    pub fn new(h: &'a HresultInfo) -> HResultEntry<'a> {
        HResultEntry {
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
            readings: vec![Reading {
                source: &h.source,
                source_title: &h.source,
                text: &h.name,
                check_id: None,
            }],
        }
    }
}
