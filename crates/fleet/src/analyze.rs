//! Analyzing a bundle for the fleet: the diagnosis `analyze --format json` would print, plus
//! the cluster facts only the bundle itself holds (probes, manifest).

use std::path::Path;

use mde_artifacts::{BundleError, Limits, Snapshot};
use mde_diagnose::wanted::read_bundle;

use crate::facts::Facts;
use crate::report::{Report, ReportError};

#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error("the diagnosis of {path} could not be read back: {source}")]
    Report { path: String, source: ReportError },
}

/// Reads and diagnoses one bundle (a directory or a .zip).
pub fn analyze_bundle(path: &Path) -> Result<Report, AnalyzeError> {
    let snapshot = read_bundle(path, Limits::default())?;
    let diagnosis = mde_diagnose::diagnose(&snapshot);
    let json = mde_report::render_json(&diagnosis);
    let mut report = Report::from_json(json.as_bytes()).map_err(|source| AnalyzeError::Report {
        path: path.display().to_string(),
        source,
    })?;
    let mut facts = Facts::of(&report);
    add_snapshot_facts(&snapshot, &mut facts);
    report.facts = Some(facts);
    Ok(report)
}

fn add_snapshot_facts(snapshot: &Snapshot, facts: &mut Facts) {
    if let Some(probes) = &snapshot.probes {
        if let Some(dns) = probes.value.dns.as_ref().filter(|d| !d.servers.is_empty()) {
            facts.dns_servers = dns.servers.iter().take(8).cloned().collect();
        }
        if let Some(proxy) = probes
            .value
            .proxy
            .as_ref()
            .and_then(|p| p.winhttp.as_deref())
        {
            // DIRECT is no proxy: devices without one share nothing.
            if !proxy.eq_ignore_ascii_case("direct") && !proxy.is_empty() {
                facts.proxy = Some(proxy.chars().take(256).collect());
            }
        }
    }
    if let Some(manifest) = &snapshot.manifest {
        // A collector may record the computer's OU (`ou`) or its distinguished name.
        let extra = &manifest.value.extra;
        let ou = extra
            .get("ou")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .or_else(|| {
                extra
                    .get("distinguished_name")
                    .and_then(|v| v.as_str())
                    .and_then(|dn| dn.split_once(',').map(|(_, rest)| rest.to_string()))
            });
        if let Some(ou) = ou.filter(|o| !o.is_empty()) {
            facts.ou = Some(ou.chars().take(256).collect());
        }
    }
}
