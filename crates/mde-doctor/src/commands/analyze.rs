//! `mde-doctor analyze BUNDLE`.

use std::path::Path;

use mde_artifacts::Limits;
use mde_diagnose::wanted::read_bundle;

use super::Status;
use crate::cli::ReportFormat;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(
    bundle: &Path,
    format: ReportFormat,
    output: Option<&Path>,
    options: &mde_diagnose::Options,
    upload: &super::UploadArgs,
) -> Result<Status, CliError> {
    let snapshot = read_bundle(bundle, Limits::default()).map_err(CliError::Bundle)?;
    let diagnosis = mde_diagnose::diagnose_with(&snapshot, options);
    if !diagnosis.any_evidence_used() {
        return Err(CliError::Unusable {
            path: bundle.to_path_buf(),
            artifacts: snapshot.artifacts,
        });
    }
    let text = match format {
        ReportFormat::Text => mde_report::render_text(&diagnosis),
        ReportFormat::Json => mde_report::render_json(&diagnosis),
        ReportFormat::Html => mde_report::render_html(&diagnosis),
    };
    match output {
        Some(path) => {
            // A report file never carries terminal colours.
            let bytes = if format == ReportFormat::Text {
                strip_ansi(&text)
            } else {
                text
            };
            std::fs::write(path, bytes).map_err(|source| CliError::Write {
                path: path.to_path_buf(),
                source,
            })?;
            eprintln!("wrote {}", path.display());
        }
        None => output::write_stdout(text.as_bytes())?,
    }
    upload.send_if_asked(&diagnosis)?;
    Ok(verdict_status(&diagnosis.verdict))
}

/// The exit status of a verdict.
pub(crate) fn verdict_status(verdict: &mde_diagnose::Verdict) -> Status {
    match verdict {
        mde_diagnose::Verdict::Healthy => Status::Success,
        mde_diagnose::Verdict::Failing => Status::Findings,
        mde_diagnose::Verdict::Incomplete => Status::Incomplete,
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = Vec::new();
    let mut stream = anstream::StripStream::new(&mut out);
    let _ = std::io::Write::write_all(&mut stream, s.as_bytes());
    String::from_utf8(out).unwrap_or_default()
}
