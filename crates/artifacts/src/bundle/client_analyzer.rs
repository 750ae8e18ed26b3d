//! The MDE Client Analyzer's archive (`MDEClientAnalyzerResult.zip`): its `dsregcmd.txt` and
//! `EventLogs/*.evtx` read like any bundle file; this reads its results,
//! `SystemInfoLogs/MDEClientAnalyzer.xml`:
//!
//! ```xml
//! <MDEResults>
//!   <devInfo>…</devInfo>
//!   <MDEDevConfig>
//!     <SenseCMEnrollmentStatus displayName="Enrollment Status">
//!       <value>Tenant mismatch (15)</value><alert>High</alert>
//!     </SenseCMEnrollmentStatus>
//!   </MDEDevConfig>
//!   <events>
//!     <event id="122026"><severity>Error</severity><category>…</category><check>…</check>
//!       <checkresult>…</checkresult><guidance>…</guidance></event>
//!   </events>
//! </MDEResults>
//! ```
//! Items the analyzer read from the registry (`data/client-analyzer.toml`) become registry
//! facts whose evidence is their line in the XML, so a bundle that is only the analyzer's
//! archive is diagnosed; every item and check result is kept in the snapshot.

use std::sync::OnceLock;

use quick_xml::Reader;
use quick_xml::events::Event as Xml;
use serde::{Deserialize, Serialize};

use crate::events::xml::{LineCounter, attribute, local, resolve_ref};
use crate::ldif::Scp;
use crate::location::{Diagnostic, Location};
use crate::reg::{KeyPath, RegData, RegFile, RegFormat, RegKey, RegValue};
use crate::snapshot::{ArtifactStatus, Snapshot, Sourced};
use crate::text;

/// One item of a details section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct AnalyzerItem {
    /// `devInfo`, `MDEDevConfig`, `EDRCompInfo`, …
    pub section: String,
    /// The element's name (`SenseCMEnrollmentStatus`).
    pub id: String,
    pub display_name: Option<String>,
    pub value: String,
    /// `High`, `Medium`, `None`.
    pub alert: Option<String>,
    pub at: Location,
}

/// One check result (`<event id="…">`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct AnalyzerResult {
    pub id: String,
    pub severity: String,
    pub category: String,
    pub check: String,
    pub result: String,
    pub guidance: String,
    pub at: Location,
}

/// What `MDEClientAnalyzer.xml` held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct AnalyzerReport {
    pub items: Vec<AnalyzerItem>,
    pub results: Vec<AnalyzerResult>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Whether a file is the analyzer's results (`<MDEResults>` root).
pub fn is_client_analyzer_xml(head: &str) -> bool {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    let t = match t.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or("", |(_, r)| r).trim_start(),
        None => t,
    };
    t.starts_with("<MDEResults")
}

/// Reads the results; a malformed document keeps what came before the damage.
pub fn parse_client_analyzer(bytes: &[u8]) -> Result<AnalyzerReport, String> {
    let decoded = text::decode(bytes).map_err(|e| e.to_string())?;
    let xml = decoded.text.as_str();
    if !is_client_analyzer_xml(xml) {
        return Err("not MDE Client Analyzer results: no <MDEResults> root".into());
    }
    // Counted forward from the last position: naming every item's line stays linear.
    let mut lines = LineCounter::default();
    let mut line_at = |pos: u64| lines.line_at(xml, pos);
    let mut report = AnalyzerReport::default();
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut path: Vec<String> = Vec::new();
    let mut text_buf = String::new();
    let mut item: Option<AnalyzerItem> = None;
    let mut result: Option<AnalyzerResult> = None;
    loop {
        let position = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                report.diagnostics.push(Diagnostic::new(
                    Location::Line(line_at(reader.error_position())),
                    format!("malformed XML: {e}"),
                ));
                break;
            }
        };
        match event {
            Xml::Start(start) => {
                let name = local(&start);
                let at = Location::Line(line_at(position));
                match path.len() {
                    2 if path[1] == "events" && name == "event" => {
                        result = Some(AnalyzerResult {
                            id: attribute(&start, "id").unwrap_or_default(),
                            severity: String::new(),
                            category: String::new(),
                            check: String::new(),
                            result: String::new(),
                            guidance: String::new(),
                            at,
                        });
                    }
                    2 => {
                        item = Some(AnalyzerItem {
                            section: path[1].clone(),
                            id: name.clone(),
                            display_name: attribute(&start, "displayName"),
                            value: String::new(),
                            alert: None,
                            at,
                        });
                    }
                    3 if name == "value" => {
                        if let Some(i) = item.as_mut() {
                            i.at = at;
                        }
                    }
                    _ => {}
                }
                path.push(name);
                text_buf.clear();
            }
            Xml::Text(t) => text_buf.push_str(&t.decode().unwrap_or_default()),
            Xml::CData(t) => text_buf.push_str(&String::from_utf8_lossy(&t)),
            Xml::GeneralRef(r) => text_buf.push_str(&resolve_ref(&r)),
            Xml::End(_) => {
                let name = path.pop().unwrap_or_default();
                let value = text_buf.trim().to_string();
                text_buf.clear();
                match path.len() {
                    3 => {
                        if let Some(i) = item.as_mut() {
                            match name.as_str() {
                                "value" => i.value = value.clone(),
                                "alert" => i.alert = Some(value.clone()),
                                _ => {}
                            }
                        }
                        if let Some(r) = result.as_mut() {
                            let slot = match name.as_str() {
                                "severity" => &mut r.severity,
                                "category" => &mut r.category,
                                "check" => &mut r.check,
                                "checkresult" => &mut r.result,
                                "guidance" => &mut r.guidance,
                                _ => continue,
                            };
                            *slot = value;
                        }
                    }
                    2 => {
                        report.items.extend(item.take());
                        report.results.extend(result.take());
                    }
                    _ => {}
                }
            }
            Xml::Eof => {
                if let Some(open) = path.last() {
                    report.diagnostics.push(Diagnostic::new(
                        Location::Line(line_at(position)),
                        format!("the document ends inside <{open}>: truncated?"),
                    ));
                }
                break;
            }
            _ => {}
        }
    }
    Ok(report)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Field {
    display_name: String,
    key: String,
    value: String,
    kind: String,
}

fn fields() -> &'static [Field] {
    #[derive(Deserialize)]
    struct File {
        field: Vec<Field>,
    }
    static DATA: OnceLock<Vec<Field>> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str::<File>(include_str!("../../data/client-analyzer.toml"))
            .map(|f| f.field)
            .unwrap_or_else(|e| panic!("data/client-analyzer.toml is invalid: {e}"))
    })
}

/// The registry values and SCP the items report.
fn facts(report: &AnalyzerReport) -> (RegFile, Option<Scp>) {
    let find = |name: &str| {
        report.items.iter().find(|i| {
            i.display_name
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(name))
        })
    };
    let scp_type = find("SCP Configuration Type").map(|i| i.value.to_ascii_lowercase());
    let mut keys: Vec<RegKey> = Vec::new();
    let mut scp: Option<Scp> = None;
    for f in fields() {
        let Some(item) = find(&f.display_name).filter(|i| !i.value.is_empty()) else {
            continue;
        };
        let data = match f.kind.as_str() {
            "code" => match trailing_code(&item.value) {
                Some(n) => RegData::Dword(n),
                None => continue,
            },
            "scp" if scp_type.as_deref() == Some("domain") => {
                let s = scp.get_or_insert_with(|| Scp {
                    dn: "CN=62a0ff2e-97b9-4513-943f-0d221bd30080 (as the MDE Client Analyzer reported it)"
                        .into(),
                    at: item.at,
                    azure_ad_id: None,
                    azure_ad_name: None,
                    enterprise_drs_name: None,
                    keywords: Vec::new(),
                });
                if f.value == "TenantId" {
                    s.azure_ad_id = Some(item.value.clone());
                    s.keywords
                        .push((format!("azureADId:{}", item.value), item.at));
                } else {
                    s.azure_ad_name = Some(item.value.clone());
                    s.keywords
                        .push((format!("azureADName:{}", item.value), item.at));
                }
                continue;
            }
            "scp" if scp_type.as_deref() != Some("client") => continue,
            _ => RegData::Sz(item.value.clone()),
        };
        let path = KeyPath::new(&f.key);
        let value = RegValue {
            name: f.value.clone(),
            data,
            at: item.at,
        };
        match keys.iter_mut().find(|k| k.path == path) {
            Some(k) => k.values.push(value),
            None => keys.push(RegKey {
                path,
                deleted: false,
                values: vec![value],
                at: item.at,
            }),
        }
    }
    let file = RegFile {
        format: RegFormat::Regedit5,
        encoding: None,
        keys,
        diagnostics: Vec::new(),
    };
    (file, scp)
}

/// `Tenant mismatch (15)` → 15.
fn trailing_code(text: &str) -> Option<u32> {
    let inner = text.trim().strip_suffix(')')?;
    let (_, number) = inner.rsplit_once('(')?;
    number.trim().parse().ok()
}

/// Reads `MDEClientAnalyzer.xml` into the snapshot (the bundle reader's hook).
pub(crate) fn read(
    snap: &mut Snapshot,
    path: &str,
    bytes: &[u8],
) -> (ArtifactStatus, Vec<Diagnostic>) {
    match parse_client_analyzer(bytes) {
        Ok(report) => {
            let (registry, scp) = facts(&report);
            snap.registry.merge(path, &registry);
            if let Some(scp) = scp {
                snap.scps.push(Sourced {
                    artifact: path.to_string(),
                    value: scp,
                });
            }
            let diagnostics = report.diagnostics.clone();
            snap.client_analyzer.push(Sourced {
                artifact: path.to_string(),
                value: report,
            });
            let status = if diagnostics.is_empty() {
                ArtifactStatus::Read
            } else {
                ArtifactStatus::Partial
            };
            (status, diagnostics)
        }
        Err(reason) => (ArtifactStatus::Damaged { reason }, Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<MDEResults>
  <general><scriptVersion>1.0</scriptVersion></general>
  <MDEDevConfig>
    <SenseCMEnrollmentStatus displayName="Enrollment Status">
      <value>Tenant mismatch (15)</value>
      <alert>High</alert>
    </SenseCMEnrollmentStatus>
    <SCPType displayName="SCP Configuration Type"><value>Client</value></SCPType>
    <SCPTenantId displayName="SCP Tenant ID"><value>7c2e4b1a-9d8f-4e3c-a1b2-c3d4e5f6a7b8</value></SCPTenantId>
  </MDEDevConfig>
  <events>
    <event id="122026"><severity>Error</severity><category>Configuration</category>
      <check>EnrollmentStatusCheck</check><checkresult>Tenant &amp; SCP differ</checkresult>
      <guidance>Fix the SCP</guidance></event>
  </events>
</MDEResults>"#;

    #[test]
    fn items_results_and_facts() {
        let r = parse_client_analyzer(SAMPLE.as_bytes()).unwrap();
        assert!(r.diagnostics.is_empty());
        let status = &r.items[1];
        assert_eq!(status.id, "SenseCMEnrollmentStatus");
        assert_eq!(status.value, "Tenant mismatch (15)");
        assert_eq!(status.alert.as_deref(), Some("High"));
        assert_eq!(status.at, Location::Line(6));
        assert_eq!(r.results[0].id, "122026");
        assert_eq!(r.results[0].result, "Tenant & SCP differ");
        assert_eq!(r.results[0].at, Location::Line(13));
        let (file, scp) = facts(&r);
        assert!(scp.is_none());
        let sensecm = file.key(r"HKLM\SOFTWARE\Microsoft\SenseCM").unwrap();
        assert_eq!(sensecm.values[0].data, RegData::Dword(15));
        let cdj = file
            .key(r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\CDJ\AAD")
            .unwrap();
        assert_eq!(cdj.values[0].name, "TenantId");
    }

    #[test]
    fn damaged_and_foreign_documents() {
        let cut = &SAMPLE[..SAMPLE.find("<events>").unwrap()];
        let r = parse_client_analyzer(cut.as_bytes()).unwrap();
        assert!(r.diagnostics[0].message.contains("truncated"), "{r:?}");
        assert_eq!(r.items.len(), 4, "what came before the cut is kept");
        let wrong = SAMPLE.replace("</MDEDevConfig>", "</oops>");
        let r = parse_client_analyzer(wrong.as_bytes()).unwrap();
        assert!(r.diagnostics[0].message.contains("malformed"), "{r:?}");
        assert!(parse_client_analyzer(b"<Events/>").is_err());
        assert!(parse_client_analyzer(&[0xff, 0x00, 0x01]).is_err());
        assert_eq!(trailing_code("General error (9)"), Some(9));
        assert_eq!(trailing_code("General error"), None);
    }
}
