//! What is known about one device, every fact citing the artifact and place it came from.

use std::collections::HashMap;

use serde::Serialize;

use crate::bundle::{Manifest, Probes};
use crate::detect::Kind;
use crate::dsregcmd::DsregStatus;
use crate::events::EventLog;
use crate::ldif::{LdifRecord, Scp};
use crate::location::{Diagnostic, Location};
use crate::reg::{KeyPath, RegData, RegFile};

/// Where a fact came from: an artifact of the bundle and a place inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Sourced<T> {
    pub artifact: String,
    pub value: T,
}

/// How reading one artifact went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
    /// Not read: the `why` says which kind of reason, `reason` says it for people.
    Skipped { why: Skip, reason: String },
}

/// Why a file of the bundle was not read. Every entry of a bundle ends up in the artifact
/// list, read or not, so that nothing is passed over in silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    /// Not a kind of artifact mde-doctor reads.
    Unrecognised,
    /// Zero bytes.
    Empty,
    /// The file system or the archive refused to give it (permissions, I/O error).
    Unreadable,
    /// Over a size or count limit.
    TooBig,
    /// An encrypted zip entry.
    Encrypted,
    /// A symbolic link (never followed).
    Link,
    /// A damaged or truncated zip entry.
    Truncated,
    /// A name that leaves the bundle (`..`, absolute path, drive letter).
    Refused,
    /// A zip inside the bundle (not opened).
    Archive,
    /// A FIFO, socket or device file (reading it could block forever or never end).
    NotAFile,
    /// A folder nested deeper than the bundle reader goes.
    TooDeep,
    /// This build does not read the kind (e.g. no offline hives without the `hive` feature).
    NotInThisBuild,
}

impl Skip {
    /// The words of the text and HTML reports.
    pub fn label(self) -> &'static str {
        match self {
            Skip::Unrecognised => "unrecognised",
            Skip::Empty => "empty",
            Skip::Unreadable => "unreadable",
            Skip::TooBig => "too big",
            Skip::Encrypted => "encrypted",
            Skip::Link => "a link",
            Skip::Truncated => "truncated or damaged",
            Skip::Refused => "refused",
            Skip::Archive => "an archive",
            Skip::NotAFile => "not a regular file",
            Skip::TooDeep => "nested too deep",
            Skip::NotInThisBuild => "not read by this build",
        }
    }
}

impl ArtifactStatus {
    /// A file whose content reached the diagnosis (wholly or in part).
    pub fn is_used(&self) -> bool {
        matches!(self, ArtifactStatus::Read | ArtifactStatus::Partial)
    }

    /// One word or two for people: `read`, `partly read`, `damaged`, `listed`, `skipped`.
    pub fn label(&self) -> &'static str {
        match self {
            ArtifactStatus::Read => "read",
            ArtifactStatus::Partial => "partly read",
            ArtifactStatus::Damaged { .. } => "damaged",
            ArtifactStatus::Listed => "listed",
            ArtifactStatus::Skipped { .. } => "skipped",
        }
    }

    /// Why it was not (wholly) read, if it was not.
    pub fn reason(&self) -> Option<&str> {
        match self {
            ArtifactStatus::Damaged { reason } | ArtifactStatus::Skipped { reason, .. } => {
                Some(reason)
            }
            _ => None,
        }
    }
}

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ArtifactInfo {
    pub path: String,
    pub kind: Kind,
    pub size: u64,
    /// Events read, for event logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<usize>,
    /// What was read, for people: `12 keys, 31 values`, `84 lines`, `3 objects`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(flatten)]
    pub status: ArtifactStatus,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

/// One registry value as the snapshot knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RegistryValue {
    pub name: String,
    #[serde(flatten)]
    pub data: RegData,
    pub source: Provenance,
}

/// One key, merged over every registry artifact of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RegistryKey {
    pub path: KeyPath,
    pub values: Vec<RegistryValue>,
    pub sources: Vec<Provenance>,
}

/// The registry as the bundle shows it: `.reg` exports and hives merged. When two artifacts
/// give the same value, both are kept and the first (in bundle path order) is the one
/// [`Registry::value`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Registry {
    pub keys: Vec<RegistryKey>,
    /// Position in `keys` by folded path, built as keys are merged: merging and looking up
    /// stay linear in the number of keys (a 100,000-key export took minutes when every
    /// merge scanned the list).
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl Registry {
    pub fn key(&self, path: &str) -> Option<&RegistryKey> {
        let wanted = KeyPath::new(path).folded();
        self.index.get(&wanted).map(|&i| &self.keys[i])
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
            let index = *self.index.entry(key.path.folded()).or_insert_with(|| {
                self.keys.push(RegistryKey {
                    path: key.path.clone(),
                    values: Vec::new(),
                    sources: Vec::new(),
                });
                self.keys.len() - 1
            });
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
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
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
    /// Computer objects found in LDIF exports (`objectClass: computer`): the device's own AD
    /// object, which the sync rule decides on.
    #[serde(skip)]
    pub computers: Vec<Sourced<LdifRecord>>,
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
