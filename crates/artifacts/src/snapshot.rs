//! What is known about one device, every fact citing the artifact and place it came from.

use serde::Serialize;

use crate::bundle::{Manifest, Probes};
use crate::detect::Kind;
use crate::dsregcmd::DsregStatus;
use crate::events::EventLog;
use crate::ldif::Scp;
use crate::location::{Diagnostic, Location};
use crate::reg::{KeyPath, RegData, RegFile};

/// Where a fact came from: an artifact of the bundle and a place inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// Path inside the bundle, `/`-separated (`registry/sensecm.reg`).
    pub artifact: String,
    pub at: Location,
}

impl std::fmt::Display for Provenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Location::Whole => f.write_str(&self.artifact),
            at => write!(f, "{}, {at}", self.artifact),
        }
    }
}

/// A value with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sourced<T> {
    pub artifact: String,
    pub value: T,
}

/// How reading one artifact went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ArtifactStatus {
    /// Read completely.
    Read,
    /// Read, but parts of it were stepped over (see `diagnostics`).
    Partial,
    /// Not usable; the reason says why. The rest of the bundle was still read.
    Damaged { reason: String },
    /// A kind mde-doctor lists but reads elsewhere (event logs, LDIF) or not at all.
    Listed,
    /// Not read: refused or over a limit.
    Skipped { reason: String },
}

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactInfo {
    pub path: String,
    pub kind: Kind,
    pub size: u64,
    /// Events read, for event logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<usize>,
    #[serde(flatten)]
    pub status: ArtifactStatus,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

/// One registry value as the snapshot knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryValue {
    pub name: String,
    #[serde(flatten)]
    pub data: RegData,
    pub source: Provenance,
}

/// One key, merged over every registry artifact of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryKey {
    pub path: KeyPath,
    pub values: Vec<RegistryValue>,
    pub sources: Vec<Provenance>,
}

/// The registry as the bundle shows it: `.reg` exports and hives merged. When two artifacts
/// give the same value, both are kept and the first (in bundle path order) is the one
/// [`Registry::value`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Registry {
    pub keys: Vec<RegistryKey>,
}

impl Registry {
    pub fn key(&self, path: &str) -> Option<&RegistryKey> {
        let wanted = KeyPath::new(path);
        self.keys.iter().find(|k| k.path == wanted)
    }

    pub fn value(&self, key: &str, name: &str) -> Option<&RegistryValue> {
        self.key(key)?
            .values
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(name))
    }

    pub(crate) fn merge(&mut self, artifact: &str, file: &RegFile) {
        for key in file.keys.iter().filter(|k| !k.deleted) {
            let source = Provenance {
                artifact: artifact.to_string(),
                at: key.at,
            };
            let index = match self.keys.iter().position(|k| k.path == key.path) {
                Some(i) => i,
                None => {
                    self.keys.push(RegistryKey {
                        path: key.path.clone(),
                        values: Vec::new(),
                        sources: Vec::new(),
                    });
                    self.keys.len() - 1
                }
            };
            let entry = &mut self.keys[index];
            entry.sources.push(source);
            for value in key.values.iter().filter(|v| v.data != RegData::Delete) {
                entry.values.push(RegistryValue {
                    name: value.name.clone(),
                    data: value.data.clone(),
                    source: Provenance {
                        artifact: artifact.to_string(),
                        at: value.at,
                    },
                });
            }
        }
    }
}

/// Everything read from one device's evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// The bundle as the user named it (directory or zip).
    pub source: String,
    pub manifest: Option<Sourced<Manifest>>,
    pub artifacts: Vec<ArtifactInfo>,
    pub registry: Registry,
    /// The first `dsregcmd /status` output of the bundle (others are listed in `artifacts`).
    pub dsregcmd: Option<Sourced<DsregStatus>>,
    pub probes: Option<Sourced<Probes>>,
    /// Device-registration service connection points found in LDIF exports.
    pub scps: Vec<Sourced<Scp>>,
    /// Event logs (`.evtx`, XML exports); their record counts are in `artifacts`.
    #[serde(skip)]
    pub events: Vec<Sourced<EventLog>>,
    /// The MDE Client Analyzer's results, when the bundle is (or holds) its archive.
    pub client_analyzer: Vec<Sourced<crate::bundle::AnalyzerReport>>,
}

impl Snapshot {
    /// Bundle paths of the artifacts of a kind.
    pub fn artifacts_of(&self, kind: Kind) -> impl Iterator<Item = &ArtifactInfo> {
        self.artifacts.iter().filter(move |a| a.kind == kind)
    }

    /// Whether any artifact of the bundle could not be used.
    pub fn has_damage(&self) -> bool {
        self.artifacts.iter().any(|a| {
            matches!(
                a.status,
                ArtifactStatus::Damaged { .. } | ArtifactStatus::Skipped { .. }
            )
        })
    }
}
