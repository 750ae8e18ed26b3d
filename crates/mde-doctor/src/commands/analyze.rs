//! `mde-doctor analyze BUNDLE`.

use std::path::Path;

use mde_artifacts::{Limits, read_bundle};

use super::Status;
use crate::cli::ReportFormat;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(
    bundle: &Path,
    format: ReportFormat,
    output: Option<&Path>,
    upload: &super::UploadArgs,
) -> Result<Status, CliError> {
    let snapshot = read_bundle(bundle, Limits::default()).map_err(CliError::Bundle)?;
    let diagnosis = mde_diagnose::diagnose(&snapshot);
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
    Ok(if diagnosis.has_errors() {
        Status::Findings
    } else {
        Status::Success
    })
}

fn strip_ansi(s: &str) -> String {
    let mut out = Vec::new();
    let mut stream = anstream::StripStream::new(&mut out);
    let _ = std::io::Write::write_all(&mut stream, s.as_bytes());
    String::from_utf8(out).unwrap_or_default()
}
