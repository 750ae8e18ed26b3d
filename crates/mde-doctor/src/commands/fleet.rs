//! `mde-doctor fleet DIR|ZIP|JSON…`: the console's views, offline.

use std::path::{Path, PathBuf};

use mde_fleet::{FleetView, Loaded};

use super::Status;
use crate::cli::FleetFormat;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(
    inputs: &[PathBuf],
    format: FleetFormat,
    output: Option<&Path>,
) -> Result<Status, CliError> {
    let Loaded {
        devices,
        problems,
        inputs: total,
    } = mde_fleet::load(inputs, mde_console::now());
    if devices.is_empty() {
        return Err(CliError::Files {
            total: total.max(1),
            failures: if problems.is_empty() {
                vec!["no bundle or report found in the inputs".into()]
            } else {
                problems
            },
        });
    }
    for p in &problems {
        eprintln!("warning: {p}");
    }
    let incomplete = !problems.is_empty();
    let failing = devices
        .iter()
        .any(|d| d.bucket == mde_fleet::Bucket::Failed.key());
    let view = FleetView::new(devices, problems);
    let bytes = match format {
        FleetFormat::Html => view.to_html().into_bytes(),
        FleetFormat::Json => view.to_json().into_bytes(),
        FleetFormat::Csv => view.to_csv(),
    };
    match output {
        Some(path) => {
            std::fs::write(path, bytes).map_err(|source| CliError::Write {
                path: path.to_path_buf(),
                source,
            })?;
            eprintln!("wrote {}", path.display());
        }
        None => output::write_stdout(&bytes)?,
    }
    Ok(if incomplete {
        Status::Incomplete
    } else if failing {
        Status::Findings
    } else {
        Status::Success
    })
}
