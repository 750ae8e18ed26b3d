//! Evidence bundles: a directory or a `.zip` holding a device's artifacts.
//!
//! ```text
//! manifest.json          optional: hostname, collected_at, collector
//! dsregcmd-status.txt    `dsregcmd /status` output (UTF-8 or UTF-16LE)
//! registry/*.reg         registry exports; any file names, keys are found by their paths
//! hives/SOFTWARE         offline hives (with SOFTWARE.LOG1/.LOG2 if copied from a live system)
//! events/*.evtx, *.xml   event logs
//! probes.json            network and clock probes (schema in `probes`)
//! ad/*.ldif              optional: the SCP object, computer objects
//! ```
//! The layout is a convention, not a requirement: every file is classified by its content
//! ([`detect`](crate::detect::detect)), so a renamed file, or another tool's archive such as
//! the MDE Client Analyzer's results (`SystemInfoLogs/dsregcmd.txt`, `EventLogs/*.evtx`),
//! reads too. A damaged or unknown file is reported with the reason and the rest is read.

mod client_analyzer;
mod files;
mod manifest;
mod probes;

pub use client_analyzer::{
    AnalyzerItem, AnalyzerReport, AnalyzerResult, is_client_analyzer_xml, parse_client_analyzer,
};
pub use files::{BundleError, Limits};
pub use manifest::Manifest;
pub use probes::{Clock, ClockSource, Dns, Domain, Endpoint, LdapProbe, Lookup, Probes, Proxy};

use std::borrow::Cow;
use std::path::Path;

use crate::detect::{Kind, detect};
use crate::dispatch::{ParseError, Parsed, parse_whole};
use crate::location::Diagnostic;
use crate::select::Wanted;
use crate::snapshot::{ArtifactInfo, ArtifactStatus, Registry, Skip, Snapshot, Sourced};
use files::{Gathered, RawFile};

/// Reads a bundle directory or zip file, keeping what `wanted` says of its hives and logs.
pub fn read_bundle(
    path: &Path,
    limits: Limits,
    wanted: Wanted<'_>,
) -> Result<Snapshot, BundleError> {
    let meta = std::fs::metadata(path).map_err(|source| BundleError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let gathered = if meta.is_dir() {
        files::from_dir(path, limits)?
    } else {
        if meta.len() > limits.max_total {
            return Err(BundleError::Zip {
                path: path.to_path_buf(),
                reason: format!(
                    "{} is larger than the {} bundle limit",
                    files::human(meta.len()),
                    files::human(limits.max_total)
                ),
            });
        }
        let bytes = std::fs::read(path).map_err(|source| BundleError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if !bytes.starts_with(b"PK") {
            return Err(BundleError::NotABundle {
                path: path.to_path_buf(),
            });
        }
        files::from_zip(path, bytes, limits)?
    };
    Ok(snapshot(path.display().to_string(), gathered, wanted))
}

/// Reads a zip bundle held in memory (uploads to the console; fuzzing).
pub fn read_bundle_zip(
    name: &str,
    bytes: Vec<u8>,
    limits: Limits,
    wanted: Wanted<'_>,
) -> Result<Snapshot, BundleError> {
    let gathered = files::from_zip(Path::new(name), bytes, limits)?;
    Ok(snapshot(name.to_string(), gathered, wanted))
}

fn snapshot(source: String, gathered: Gathered, wanted: Wanted<'_>) -> Snapshot {
    let Gathered {
        files,
        skipped,
        notes,
    } = gathered;
    let mut snap = Snapshot {
        source,
        manifest: None,
        artifacts: Vec::new(),
        registry: Registry::default(),
        dsregcmd: None,
        probes: None,
        scps: Vec::new(),
        computers: Vec::new(),
        events: Vec::new(),
        client_analyzer: Vec::new(),
    };
    for s in skipped {
        snap.artifacts.push(ArtifactInfo {
            path: s.path,
            kind: Kind::Unknown,
            size: s.size,
            records: None,
            summary: None,
            status: ArtifactStatus::Skipped {
                why: s.why,
                reason: s.reason,
            },
            diagnostics: Vec::new(),
        });
    }
    // Transaction logs go with their hive: SOFTWARE.LOG1 → SOFTWARE.
    let logs_for = |hive_path: &str| -> Vec<Vec<u8>> {
        files
            .iter()
            .filter(|f| {
                let upper = f.path.to_ascii_uppercase();
                let hive = hive_path.to_ascii_uppercase();
                upper == format!("{hive}.LOG1") || upper == format!("{hive}.LOG2")
            })
            .map(|f| f.bytes.clone())
            .collect()
    };
    for file in &files {
        let kind = detect(&file.path, &file.bytes);
        let events_before = snap.events.len();
        let mut outcome = if file.bytes.is_empty() {
            Outcome::skipped(Skip::Empty, "empty file (0 bytes)")
        } else {
            read_one(&mut snap, file, kind, &logs_for, wanted)
        };
        if let Some((_, note)) = notes.iter().find(|(path, _)| *path == file.path) {
            outcome
                .diagnostics
                .insert(0, Diagnostic::new(crate::Location::Whole, note.clone()));
        }
        let records =
            (snap.events.len() > events_before).then(|| snap.events[events_before].value.total);
        snap.artifacts.push(ArtifactInfo {
            path: file.path.clone(),
            kind,
            size: file.bytes.len() as u64,
            records,
            summary: outcome.summary,
            status: outcome.status,
            diagnostics: outcome.diagnostics,
        });
    }
    snap.artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    snap
}

/// How reading one file went.
struct Outcome {
    status: ArtifactStatus,
    diagnostics: Vec<Diagnostic>,
    summary: Option<String>,
}

impl Outcome {
    /// Read, wholly or (with diagnostics) in part.
    fn read(diagnostics: Vec<Diagnostic>, summary: String) -> Outcome {
        let status = if diagnostics.is_empty() {
            ArtifactStatus::Read
        } else {
            ArtifactStatus::Partial
        };
        Outcome {
            status,
            diagnostics,
            summary: Some(summary),
        }
    }

    fn damaged(reason: String) -> Outcome {
        Outcome {
            status: ArtifactStatus::Damaged { reason },
            diagnostics: Vec::new(),
            summary: None,
        }
    }

    fn skipped(why: Skip, reason: &str) -> Outcome {
        Outcome {
            status: ArtifactStatus::Skipped {
                why,
                reason: reason.to_string(),
            },
            diagnostics: Vec::new(),
            summary: None,
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `12 keys, 31 values`.
fn reg_summary(reg: &crate::reg::RegFile) -> String {
    let values: usize = reg.keys.iter().map(|k| k.values.len()).sum();
    format!(
        "{}, {}",
        plural(reg.keys.len(), "key", "keys"),
        plural(values, "value", "values")
    )
}

fn read_one(
    snap: &mut Snapshot,
    file: &RawFile,
    kind: Kind,
    logs_for: &dyn Fn(&str) -> Vec<Vec<u8>>,
    wanted: Wanted<'_>,
) -> Outcome {
    match kind {
        Kind::Reg | Kind::Hive | Kind::Dsregcmd | Kind::Manifest | Kind::Probes => {
            let name = file.path.rsplit('/').next().unwrap_or(&file.path);
            match parse_whole(
                kind,
                name,
                Cow::Borrowed(&file.bytes),
                &|| logs_for(&file.path),
                wanted.registry,
            ) {
                Ok(parsed) => keep(snap, file, kind, parsed),
                Err(ParseError::NotInThisBuild) => {
                    Outcome::skipped(Skip::NotInThisBuild, "this build reads no offline hives")
                }
                Err(e) => Outcome::damaged(e.to_string()),
            }
        }
        Kind::Ldif => {
            let bytes = file.bytes.as_slice();
            let scps_before = snap.scps.len();
            // `ldifde -u` writes UTF-16LE.
            let (records, diagnostics) = match crate::text::sniff_utf16(bytes) {
                Some(encoding) => {
                    let utf8 = crate::text::Utf16Reader::new(bytes, encoding);
                    read_scps(std::io::BufReader::new(utf8), &file.path, snap)
                }
                None => read_scps(bytes, &file.path, snap),
            };
            let summary = format!(
                "{}, {}",
                plural(records, "directory object", "directory objects"),
                plural(
                    snap.scps.len() - scps_before,
                    "service connection point",
                    "service connection points"
                )
            );
            Outcome::read(diagnostics, summary)
        }
        Kind::Evtx | Kind::EventXml => {
            match crate::events::read_event_log_filtered(file.bytes.clone(), wanted.events) {
                Ok(log) => {
                    let diagnostics = log.diagnostics.clone();
                    let summary = format!(
                        "{}, {} from the channels diagnosed",
                        plural(log.total, "event", "events"),
                        log.events.len()
                    );
                    snap.events.push(Sourced {
                        artifact: file.path.clone(),
                        value: log,
                    });
                    Outcome::read(diagnostics, summary)
                }
                Err(e) => Outcome::damaged(e.to_string()),
            }
        }
        Kind::ClientAnalyzer => {
            let (status, diagnostics) = client_analyzer::read(snap, &file.path, &file.bytes);
            Outcome {
                summary: status
                    .is_used()
                    .then(|| "MDE Client Analyzer results".to_string()),
                status,
                diagnostics,
            }
        }
        Kind::HiveLog => Outcome {
            status: ArtifactStatus::Listed,
            diagnostics: Vec::new(),
            summary: Some("transaction log, replayed with its hive".into()),
        },
        Kind::Zip => Outcome::skipped(Skip::Archive, "archives inside a bundle are not opened"),
        Kind::Unknown => Outcome::skipped(
            Skip::Unrecognised,
            "not a registry export or hive, dsregcmd output, event log, LDIF, probes.json \
             or manifest.json",
        ),
    }
}

/// Puts a file read whole into the snapshot.
fn keep(snap: &mut Snapshot, file: &RawFile, kind: Kind, parsed: Parsed) -> Outcome {
    match parsed {
        Parsed::Registry(reg) => {
            snap.registry.merge(&file.path, &reg);
            let summary = if kind == Kind::Hive {
                format!("{} of interest", reg_summary(&reg))
            } else {
                reg_summary(&reg)
            };
            Outcome::read(reg.diagnostics, summary)
        }
        Parsed::Dsregcmd(status) => {
            let fields: usize = status.sections.iter().map(|s| s.fields.len()).sum();
            let summary = format!(
                "{}, {}",
                plural(status.sections.len(), "section", "sections"),
                plural(fields, "field", "fields")
            );
            let diagnostics = status.diagnostics.clone();
            if snap.dsregcmd.is_none() {
                snap.dsregcmd = Some(Sourced {
                    artifact: file.path.clone(),
                    value: *status,
                });
                Outcome::read(diagnostics, summary)
            } else {
                Outcome {
                    status: ArtifactStatus::Listed,
                    diagnostics: vec![Diagnostic::new(
                        crate::Location::Whole,
                        "a second dsregcmd output; the first one in the bundle is used",
                    )],
                    summary: Some(summary),
                }
            }
        }
        Parsed::Manifest(m) => {
            snap.manifest = Some(Sourced {
                artifact: file.path.clone(),
                value: m,
            });
            Outcome::read(Vec::new(), "collection manifest".into())
        }
        Parsed::Probes(p) => {
            let summary = plural(p.endpoints.len(), "endpoint probed", "endpoints probed");
            snap.probes = Some(Sourced {
                artifact: file.path.clone(),
                value: *p,
            });
            Outcome::read(Vec::new(), summary)
        }
    }
}

/// Every device-registration SCP of an LDIF export into the snapshot; the number of
/// records and the reader's diagnostics back.
fn read_scps<R: std::io::BufRead>(
    input: R,
    path: &str,
    snap: &mut Snapshot,
) -> (usize, Vec<Diagnostic>) {
    let mut reader = crate::ldif::LdifReader::new(input);
    let mut records = 0;
    for record in reader.by_ref() {
        records += 1;
        if let Some(scp) = crate::ldif::Scp::from_record(&record) {
            snap.scps.push(Sourced {
                artifact: path.to_string(),
                value: scp,
            });
        } else if record.is_computer() {
            snap.computers.push(Sourced {
                artifact: path.to_string(),
                value: record,
            });
        }
    }
    (records, reader.take_diagnostics())
}

/// Parses a JSON artifact (`manifest.json`, `probes.json`) in whatever encoding it came in.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let text = crate::text::decode(bytes).map_err(|e| e.to_string())?;
    serde_json::from_str(text.text.trim_start_matches('\u{feff}')).map_err(|e| e.to_string())
}
