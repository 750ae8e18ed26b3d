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

use std::path::Path;

use crate::detect::{Kind, detect};
use crate::dsregcmd::parse_dsregcmd;
use crate::location::Diagnostic;
use crate::reg::parse_reg;
use crate::snapshot::{ArtifactInfo, ArtifactStatus, Registry, Snapshot, Sourced};
use files::{Gathered, RawFile};

/// Reads a bundle directory or zip file.
pub fn read_bundle(path: &Path, limits: Limits) -> Result<Snapshot, BundleError> {
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
    Ok(snapshot(path.display().to_string(), gathered))
}

/// Reads a zip bundle held in memory (uploads to the console; fuzzing).
pub fn read_bundle_zip(
    name: &str,
    bytes: Vec<u8>,
    limits: Limits,
) -> Result<Snapshot, BundleError> {
    let gathered = files::from_zip(Path::new(name), bytes, limits)?;
    Ok(snapshot(name.to_string(), gathered))
}

fn snapshot(source: String, gathered: Gathered) -> Snapshot {
    let Gathered { files, skipped } = gathered;
    let mut snap = Snapshot {
        source,
        manifest: None,
        artifacts: Vec::new(),
        registry: Registry::default(),
        dsregcmd: None,
        probes: None,
        scps: Vec::new(),
        events: Vec::new(),
        client_analyzer: Vec::new(),
    };
    for s in skipped {
        snap.artifacts.push(ArtifactInfo {
            path: s.path,
            kind: Kind::Unknown,
            size: 0,
            records: None,
            status: ArtifactStatus::Skipped { reason: s.reason },
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
        let (status, diagnostics) = read_one(&mut snap, file, kind, &logs_for);
        let records =
            (snap.events.len() > events_before).then(|| snap.events[events_before].value.total);
        snap.artifacts.push(ArtifactInfo {
            path: file.path.clone(),
            kind,
            size: file.bytes.len() as u64,
            records,
            status,
            diagnostics,
        });
    }
    snap.artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    snap
}

fn read_one(
    snap: &mut Snapshot,
    file: &RawFile,
    kind: Kind,
    logs_for: &dyn Fn(&str) -> Vec<Vec<u8>>,
) -> (ArtifactStatus, Vec<Diagnostic>) {
    let partial_or_read = |d: &[Diagnostic]| {
        if d.is_empty() {
            ArtifactStatus::Read
        } else {
            ArtifactStatus::Partial
        }
    };
    match kind {
        Kind::Reg => match parse_reg(&file.bytes) {
            Ok(reg) => {
                snap.registry.merge(&file.path, &reg);
                (partial_or_read(&reg.diagnostics), reg.diagnostics)
            }
            Err(e) => (
                ArtifactStatus::Damaged {
                    reason: e.to_string(),
                },
                Vec::new(),
            ),
        },
        Kind::Hive => read_hive_file(snap, file, logs_for),
        Kind::Dsregcmd => match parse_dsregcmd(&file.bytes) {
            Ok(status) => {
                let diagnostics = status.diagnostics.clone();
                if snap.dsregcmd.is_none() {
                    snap.dsregcmd = Some(Sourced {
                        artifact: file.path.clone(),
                        value: status,
                    });
                    (partial_or_read(&diagnostics), diagnostics)
                } else {
                    (
                        ArtifactStatus::Listed,
                        vec![Diagnostic::new(
                            crate::Location::Whole,
                            "a second dsregcmd output; the first one in the bundle is used",
                        )],
                    )
                }
            }
            Err(e) => (
                ArtifactStatus::Damaged {
                    reason: e.to_string(),
                },
                Vec::new(),
            ),
        },
        Kind::Manifest => match parse_json::<Manifest>(&file.bytes) {
            Ok(m) => {
                snap.manifest = Some(Sourced {
                    artifact: file.path.clone(),
                    value: m,
                });
                (ArtifactStatus::Read, Vec::new())
            }
            Err(reason) => (ArtifactStatus::Damaged { reason }, Vec::new()),
        },
        Kind::Probes => match parse_json::<Probes>(&file.bytes) {
            Ok(p) => {
                snap.probes = Some(Sourced {
                    artifact: file.path.clone(),
                    value: p,
                });
                (ArtifactStatus::Read, Vec::new())
            }
            Err(reason) => (ArtifactStatus::Damaged { reason }, Vec::new()),
        },
        Kind::Ldif => {
            let bytes = file.bytes.as_slice();
            // `ldifde -u` writes UTF-16LE.
            let diagnostics = match crate::text::sniff_utf16(bytes) {
                Some(encoding) => {
                    let utf8 = crate::text::Utf16Reader::new(bytes, encoding);
                    read_scps(std::io::BufReader::new(utf8), &file.path, snap)
                }
                None => read_scps(bytes, &file.path, snap),
            };
            (partial_or_read(&diagnostics), diagnostics)
        }
        Kind::Evtx | Kind::EventXml => match crate::events::read_event_log_filtered(
            file.bytes.clone(),
            &crate::events::keep_relevant_channels,
        ) {
            Ok(log) => {
                let diagnostics = log.diagnostics.clone();
                snap.events.push(Sourced {
                    artifact: file.path.clone(),
                    value: log,
                });
                (partial_or_read(&diagnostics), diagnostics)
            }
            Err(e) => (
                ArtifactStatus::Damaged {
                    reason: e.to_string(),
                },
                Vec::new(),
            ),
        },
        Kind::ClientAnalyzer => client_analyzer::read(snap, &file.path, &file.bytes),
        Kind::HiveLog => (ArtifactStatus::Listed, Vec::new()),
        Kind::Zip => (
            ArtifactStatus::Skipped {
                reason: "archives inside a bundle are not opened".into(),
            },
            Vec::new(),
        ),
        Kind::Unknown => (
            ArtifactStatus::Skipped {
                reason: "not a kind of artifact mde-doctor reads".into(),
            },
            Vec::new(),
        ),
    }
}

#[cfg(feature = "hive")]
/// Every device-registration SCP of an LDIF export into the snapshot; the reader's
/// diagnostics back.
fn read_scps<R: std::io::BufRead>(input: R, path: &str, snap: &mut Snapshot) -> Vec<Diagnostic> {
    let mut reader = crate::ldif::LdifReader::new(input);
    for record in reader.by_ref() {
        if let Some(scp) = crate::ldif::Scp::from_record(&record) {
            snap.scps.push(Sourced {
                artifact: path.to_string(),
                value: scp,
            });
        }
    }
    reader.take_diagnostics()
}

fn read_hive_file(
    snap: &mut Snapshot,
    file: &RawFile,
    logs_for: &dyn Fn(&str) -> Vec<Vec<u8>>,
) -> (ArtifactStatus, Vec<Diagnostic>) {
    use crate::hive::{Selection, embedded_name, read_hive};
    let file_name = file.path.rsplit('/').next().unwrap_or(&file.path);
    // A hive renamed by whoever copied it still names itself in its base block.
    let known = [
        "SOFTWARE",
        "SYSTEM",
        "NTUSER.DAT",
        "SAM",
        "SECURITY",
        "DEFAULT",
    ];
    let name = if known.iter().any(|k| file_name.eq_ignore_ascii_case(k)) {
        file_name.to_string()
    } else {
        embedded_name(&file.bytes).unwrap_or_else(|| file_name.to_string())
    };
    match read_hive(
        file.bytes.clone(),
        logs_for(&file.path),
        &name,
        Selection::OfInterest,
    ) {
        Ok(reg) => {
            snap.registry.merge(&file.path, &reg);
            let status = if reg.diagnostics.is_empty() {
                ArtifactStatus::Read
            } else {
                ArtifactStatus::Partial
            };
            (status, reg.diagnostics)
        }
        Err(e) => (
            ArtifactStatus::Damaged {
                reason: e.to_string(),
            },
            Vec::new(),
        ),
    }
}

#[cfg(not(feature = "hive"))]
fn read_hive_file(
    _: &mut Snapshot,
    _: &RawFile,
    _: &dyn Fn(&str) -> Vec<Vec<u8>>,
) -> (ArtifactStatus, Vec<Diagnostic>) {
    (
        ArtifactStatus::Skipped {
            reason: "this build reads no offline hives".into(),
        },
        Vec::new(),
    )
}

/// Parses a JSON artifact (`manifest.json`, `probes.json`) in whatever encoding it came in.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let text = crate::text::decode(bytes).map_err(|e| e.to_string())?;
    serde_json::from_str(text.text.trim_start_matches('\u{feff}')).map_err(|e| e.to_string())
}
