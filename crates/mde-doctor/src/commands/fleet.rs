//! `mde-doctor fleet DIR|ZIP|JSON…`: the console's views, offline.

use std::path::{Path, PathBuf};

use mde_fleet::{Device, FleetView, Report, analyze_bundle};

use super::Status;
use crate::cli::FleetFormat;
use crate::error::CliError;
use crate::output;

/// Whether `dir` is a bundle itself rather than a directory of bundles.
fn is_bundle_dir(dir: &Path) -> bool {
    [
        "manifest.json",
        "registry",
        "dsregcmd-status.txt",
        "probes.json",
    ]
    .iter()
    .any(|n| dir.join(n).exists())
}

fn read_one(path: &Path) -> Result<Report, String> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Report::from_json(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    } else {
        analyze_bundle(path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Expands directories of bundles one level deep.
fn expand(inputs: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for p in inputs {
        if p.is_dir() && !is_bundle_dir(p) {
            match std::fs::read_dir(p) {
                Ok(entries) => {
                    let mut list: Vec<PathBuf> = entries
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|q| {
                            q.is_dir()
                                || q.extension().is_some_and(|e| {
                                    e.eq_ignore_ascii_case("zip") || e.eq_ignore_ascii_case("json")
                                })
                        })
                        .collect();
                    list.sort();
                    out.extend(list);
                }
                Err(e) => problems.push(format!("{}: {e}", p.display())),
            }
        } else {
            out.push(p.clone());
        }
    }
    (out, problems)
}

pub(crate) fn run(
    inputs: &[PathBuf],
    format: FleetFormat,
    output: Option<&Path>,
) -> Result<Status, CliError> {
    let (paths, mut problems) = expand(inputs);
    let seen = mde_console::now();
    let mut devices: Vec<Device> = Vec::new();
    for p in &paths {
        match read_one(p) {
            Ok(report) => {
                let d = Device::from_report(&report, seen);
                // Several reports of one device: the last one read wins. Offline, a device
                // is its id and its name: bundles copied from one image share the id.
                devices.retain(|x| x.key != d.key || x.hostname != d.hostname);
                devices.push(d);
            }
            Err(e) => problems.push(e),
        }
    }
    if devices.is_empty() {
        return Err(CliError::Files {
            total: paths.len().max(1),
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
