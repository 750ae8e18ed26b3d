//! What `mde-doctor fleet` reads: bundles (folders or `.zip`), folders of them, `analyze
//! --format json` reports, and the JSON lines of `analyze BUNDLE… --format json`.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::analyze::analyze_bundle;
use crate::device::Device;
use crate::report::{MAX_REPORT_BYTES, Report};

/// Devices read from the inputs, and what could not be read.
#[derive(Debug, Default)]
pub struct Loaded {
    pub devices: Vec<Device>,
    /// One line per input (or record) that could not be read, naming it and why.
    pub problems: Vec<String>,
    /// How many inputs were tried, after folders of bundles were expanded.
    pub inputs: usize,
}

/// Reads every input (bundles analyzed on every core); a device seen several times keeps its
/// last report. `seen` is the
/// time given to devices whose report does not say when it was collected.
pub fn load(inputs: &[PathBuf], seen: i64) -> Loaded {
    let (paths, mut problems) = expand(inputs);
    let mut devices: Vec<Device> = Vec::new();
    // Several reports of one device: the last one read wins. Offline, a device is its id and
    // its name: bundles copied from one image share the id.
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let read = crate::parallel::in_order(
        &paths,
        crate::parallel::cores(),
        |path| read_reports(path),
        |_, (reports, errors)| {
            problems.extend(errors);
            for report in reports {
                let d = Device::from_report(&report, seen);
                match index.entry((d.key.clone(), d.hostname.clone())) {
                    Entry::Occupied(at) => devices[*at.get()] = d,
                    Entry::Vacant(slot) => {
                        slot.insert(devices.len());
                        devices.push(d);
                    }
                }
            }
            Ok::<(), std::convert::Infallible>(())
        },
    );
    let Ok(()) = read;
    Loaded {
        devices,
        problems,
        inputs: paths.len(),
    }
}

/// Whether `dir` is a bundle itself rather than a folder of bundles.
pub fn is_bundle_dir(dir: &Path) -> bool {
    [
        "manifest.json",
        "registry",
        "dsregcmd-status.txt",
        "probes.json",
    ]
    .iter()
    .any(|n| dir.join(n).exists())
}

/// Expands folders of bundles one level deep (sub-folders, `.zip`, `.json`, `.jsonl`).
pub fn expand(inputs: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for p in inputs {
        if p.is_dir() && !is_bundle_dir(p) {
            match std::fs::read_dir(p) {
                Ok(entries) => {
                    let mut list: Vec<PathBuf> = entries
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|q| q.is_dir() || has_extension(q, &["zip", "json", "jsonl"]))
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

fn has_extension(path: &Path, wanted: &[&str]) -> bool {
    path.extension()
        .is_some_and(|e| wanted.iter().any(|w| e.eq_ignore_ascii_case(w)))
}

/// The reports of one input: a bundle is analyzed; a `.json`/`.jsonl` file is one report or
/// the JSON lines of a batch (recognised by their header line, whatever the extension).
pub fn read_reports(path: &Path) -> (Vec<Report>, Vec<String>) {
    let named = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    if !has_extension(path, &["json", "jsonl"]) {
        return match analyze_bundle(path) {
            Ok(r) => (vec![r], Vec::new()),
            Err(e) => (Vec::new(), vec![named(&e)]),
        };
    }
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return (Vec::new(), vec![named(&e)]),
    };
    let mut reader = std::io::BufReader::new(file);
    let mut first = Vec::new();
    if let Err(e) = read_line(&mut reader, &mut first) {
        return (Vec::new(), vec![named(&e)]);
    }
    if is_batch_header(&first) {
        return read_batch(path, reader);
    }
    // One report: the first line and the rest.
    let mut bytes = first;
    if let Err(e) = std::io::Read::read_to_end(
        &mut std::io::Read::take(reader, MAX_REPORT_BYTES as u64 + 1),
        &mut bytes,
    ) {
        return (Vec::new(), vec![named(&e)]);
    }
    match Report::from_json(&bytes) {
        Ok(r) => (vec![r], Vec::new()),
        Err(e) => (Vec::new(), vec![named(&e)]),
    }
}

/// Reads one line of at most [`MAX_REPORT_BYTES`] (a longer one is an error, not a hang).
fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<usize> {
    line.clear();
    let n =
        std::io::Read::take(&mut *reader, MAX_REPORT_BYTES as u64 + 1).read_until(b'\n', line)?;
    if line.len() > MAX_REPORT_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("a line longer than {MAX_REPORT_BYTES} bytes"),
        ));
    }
    Ok(n)
}

/// The record of a bundle `analyze` could not use.
#[derive(serde::Deserialize)]
struct Unusable {
    source: String,
    verdict: String,
    error: String,
}

fn is_batch_header(line: &[u8]) -> bool {
    serde_json::from_slice::<mde_schema::Header>(line).is_ok_and(|h| {
        h.schema == <mde_schema::analyze::BatchRecord<'_> as mde_schema::Record>::SCHEMA
    })
}

/// The records of `analyze BUNDLE… --format json`: each a diagnosis, or a bundle that could
/// not be used (a problem naming it).
fn read_batch(path: &Path, mut reader: impl BufRead) -> (Vec<Report>, Vec<String>) {
    let mut reports = Vec::new();
    let mut problems = Vec::new();
    let mut line = Vec::new();
    let mut number = 1;
    loop {
        number += 1;
        match read_line(&mut reader, &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                problems.push(format!("{} line {number}: {e}", path.display()));
                break;
            }
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        // A bundle that could not be used is a record of its own shape (`verdict`
        // `unusable`, `source`, `error`): a problem naming it, not a device.
        let unusable = serde_json::from_slice::<Unusable>(&line)
            .ok()
            .filter(|u| u.verdict == "unusable");
        if let Some(u) = unusable {
            problems.push(format!(
                "{} line {number}: {} could not be used: {}",
                path.display(),
                u.source,
                u.error
            ));
            continue;
        }
        match Report::from_json(&line) {
            Ok(r) => reports.push(r),
            Err(e) => problems.push(format!("{} line {number}: {e}", path.display())),
        }
    }
    (reports, problems)
}
