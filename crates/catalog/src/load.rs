//! Loading and validating the data files.
//!
//! Validation is strict because the files are edited by hand: every mistake a reviewer could
//! miss (a code listed twice, a link key that does not exist, a malformed URL, a reading for a
//! code with no explanation) is an error that names the file and the offending item.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::Hresult;
use crate::model::{
    Catalog, Category, EnrollmentCode, Flow, HresultInfo, Link, Severity, SourceInfo,
};
use crate::readings::{ReadingRow, parse_readings};

/// A data file is malformed or inconsistent.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: {message}")]
    Toml { file: &'static str, message: String },
    #[error("readings.tsv line {line}: {message}")]
    Readings { line: usize, message: String },
    #[error("{file}: {message}")]
    Invalid { file: &'static str, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodesFile {
    sources: BTreeMap<String, SourceInfo>,
    categories: BTreeMap<Category, String>,
    links: BTreeMap<String, Link>,
    entry: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    codes: Vec<u32>,
    status: String,
    category: Category,
    blocks: bool,
    severity: Severity,
    flow: Flow,
    meaning: String,
    actions: Vec<String>,
    docs: Vec<String>,
    disagreement: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HResultsFile {
    hresult: Vec<RawHResult>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHResult {
    code: String,
    name: String,
    phase: String,
    meaning: String,
    actions: Vec<String>,
    docs: Vec<String>,
    source: String,
}

const PHASES: [&str; 8] = [
    "pre-check",
    "discover",
    "auth",
    "join",
    "prt",
    "network",
    "tpm",
    "any",
];

impl Catalog {
    /// Builds a catalog from the texts of `codes.toml`, `readings.tsv` and `hresults.toml`.
    pub fn from_sources(
        codes_toml: &str,
        readings_tsv: &str,
        hresults_toml: &str,
    ) -> Result<Catalog, CatalogError> {
        let file: CodesFile = toml::from_str(codes_toml).map_err(|e| CatalogError::Toml {
            file: "codes.toml",
            message: e.to_string(),
        })?;
        let invalid = |message: String| CatalogError::Invalid {
            file: "codes.toml",
            message,
        };

        for (key, link) in &file.links {
            check_url(&link.url).map_err(|why| invalid(format!("link {key}: {why}")))?;
        }
        for category in Category::ALL {
            if !file.categories.contains_key(&category) {
                return Err(invalid(format!(
                    "category {} has no description in [categories]",
                    category.key()
                )));
            }
        }
        let sources: Vec<SourceInfo> = file
            .sources
            .into_iter()
            .map(|(id, info)| SourceInfo { id, ..info })
            .collect();

        let rows = parse_readings(readings_tsv)?;
        let column_ids: BTreeSet<&str> = rows.columns.iter().map(String::as_str).collect();
        for column in &column_ids {
            if !sources.iter().any(|s| s.id == *column) {
                return Err(invalid(format!(
                    "readings.tsv column {column} has no [sources.{column}] entry"
                )));
            }
        }
        // Order the sources like the columns of readings.tsv: oldest first.
        let mut sources = sources;
        sources.sort_by_key(|s| {
            rows.columns
                .iter()
                .position(|c| *c == s.id)
                .unwrap_or(usize::MAX)
        });

        let resolve_docs = |keys: &[String], owner: &str| -> Result<Vec<Link>, CatalogError> {
            if keys.is_empty() {
                return Err(invalid(format!("{owner} has no documentation link")));
            }
            keys.iter()
                .map(|k| {
                    file.links.get(k).cloned().ok_or_else(|| {
                        invalid(format!(
                            "{owner} names link {k:?}, which [links] does not define"
                        ))
                    })
                })
                .collect()
        };

        let mut codes = BTreeMap::new();
        for entry in &file.entry {
            let owner = format!("entry for codes {:?}", entry.codes);
            if entry.codes.is_empty() {
                return Err(invalid(format!("{owner} lists no code")));
            }
            if entry.actions.is_empty() || entry.actions.iter().any(|a| a.trim().is_empty()) {
                return Err(invalid(format!("{owner} needs non-empty actions")));
            }
            if entry.meaning.trim().is_empty() || entry.status.trim().is_empty() {
                return Err(invalid(format!("{owner} needs a status and a meaning")));
            }
            let docs = resolve_docs(&entry.docs, &owner)?;
            for &code in &entry.codes {
                let readings = rows
                    .rows
                    .get(&code)
                    .map(|r: &ReadingRow| r.readings.clone())
                    .unwrap_or_default();
                // The 2021 symbolic name; a parenthesised cell is a remark, not a name.
                let symbol = readings
                    .iter()
                    .find(|r| r.source == "sym2021" && !r.text.starts_with('('))
                    .map(|r| r.text.clone());
                let explained = EnrollmentCode {
                    code,
                    status: entry.status.clone(),
                    category: entry.category,
                    blocks: entry.blocks,
                    severity: entry.severity,
                    flow: entry.flow,
                    symbol,
                    meaning: entry.meaning.clone(),
                    actions: entry.actions.clone(),
                    docs: docs.clone(),
                    disagreement: entry.disagreement.clone(),
                    readings,
                };
                if codes.insert(code, explained).is_some() {
                    return Err(invalid(format!("code {code} is explained by two entries")));
                }
            }
        }
        for (code, row) in &rows.rows {
            if !codes.contains_key(code) {
                return Err(CatalogError::Readings {
                    line: row.line,
                    message: format!("code {code} has readings but no entry in codes.toml"),
                });
            }
        }

        let hfile: HResultsFile =
            toml::from_str(hresults_toml).map_err(|e| CatalogError::Toml {
                file: "hresults.toml",
                message: e.to_string(),
            })?;
        let hinvalid = |message: String| CatalogError::Invalid {
            file: "hresults.toml",
            message,
        };
        let mut hresults = BTreeMap::new();
        for raw in hfile.hresult {
            let code = parse_hex(&raw.code).ok_or_else(|| {
                hinvalid(format!(
                    "{}: code {:?} is not 0x followed by 8 hex digits",
                    raw.name, raw.code
                ))
            })?;
            if !PHASES.contains(&raw.phase.as_str()) {
                return Err(hinvalid(format!(
                    "{}: unknown phase {:?} (expected one of {PHASES:?})",
                    raw.name, raw.phase
                )));
            }
            if raw.actions.is_empty() {
                return Err(hinvalid(format!("{} needs actions", raw.name)));
            }
            let docs = resolve_docs(&raw.docs, &raw.name).map_err(|e| match e {
                CatalogError::Invalid { message, .. } => hinvalid(message),
                other => other,
            })?;
            let h = HresultInfo {
                code,
                name: raw.name,
                phase: raw.phase,
                meaning: raw.meaning,
                actions: raw.actions,
                docs,
                source: raw.source,
            };
            if let Some(previous) = hresults.insert(code, h) {
                return Err(hinvalid(format!(
                    "{} is listed twice ({})",
                    code, previous.name
                )));
            }
        }

        Ok(Catalog {
            codes,
            hresults,
            sources,
            categories: file.categories,
            links: file.links,
        })
    }
}

/// The data file writes every code as Windows documents it: `0x` and eight hex digits.
fn parse_hex(text: &str) -> Option<Hresult> {
    let digits = text.strip_prefix("0x")?;
    if digits.len() != 8 {
        return None;
    }
    Hresult::parse(text)
}

/// A documentation link must be an absolute https URL with a host and nothing that needs
/// escaping, because it is printed into terminals and HTML as is.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| format!("{url:?} is not an https URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_ok = !host.is_empty()
        && host.contains('.')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !host.starts_with('.')
        && !host.ends_with('.');
    if !host_ok {
        return Err(format!("{url:?} has no valid host name"));
    }
    if let Some(bad) = url
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '`'))
    {
        return Err(format!("{url:?} contains {bad:?}"));
    }
    Ok(())
}
