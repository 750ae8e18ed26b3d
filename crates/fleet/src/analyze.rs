//! Analyzing a bundle for the fleet: the diagnosis `analyze --format json` would print (its
//! `environment` carries what only the bundle holds: DNS servers, proxy, OU), read as a
//! report with its cluster facts.

use std::path::Path;

use mde_artifacts::{BundleError, Limits};
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
    report.facts = Some(Facts::of(&report));
    Ok(report)
}
