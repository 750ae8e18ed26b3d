//! `inspect`: what the readers make of each file, one entry per file, streamed (a file is
//! read, written and dropped before the next: memory holds the largest file, not all).

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use mde_artifacts::bundle::{Manifest, Probes};
use mde_artifacts::dsregcmd::{DsregFacts, DsregStatus, Note, Section};
use mde_artifacts::reg::{RegFile as ParsedReg, RegFormat, RegKey};
use mde_artifacts::text::Encoding;
use mde_artifacts::{Artifact, Diagnostic, Kind, Parsed, Snapshot};
use schemars::JsonSchema;
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};

use crate::Document;

/// `mde-doctor inspect FILE… --format json`.
#[derive(Serialize, JsonSchema)]
pub struct InspectDocument<'a> {
    /// One entry per file read, in the order given.
    #[schemars(with = "Vec<InspectedFile<'static>>")]
    pub files: FileStream<'a>,
    /// The files that could not be read, each with why (also on stderr).
    #[schemars(with = "Vec<String>")]
    pub failures: &'a RefCell<Vec<String>>,
}

impl Document for InspectDocument<'_> {
    const SCHEMA: &'static str = "mde-doctor/inspect/v1";
}

/// Hands a file's entry to the document being written.
pub type Emit<'e> = dyn FnMut(&InspectedFile<'_>) -> Result<(), String> + 'e;

/// Reads one path and gives its entry to the emitter; `Err` says why the file could not be
/// read (the message names no path).
pub type ReadOne<'a> = dyn Fn(&Path, &mut Emit<'_>) -> Result<(), String> + 'a;

/// The files of the document, read as they are written.
pub struct FileStream<'a> {
    pub paths: &'a [PathBuf],
    pub read: &'a ReadOne<'a>,
    /// Where files that could not be read are told (the document's `failures`).
    pub failures: &'a RefCell<Vec<String>>,
}

impl Serialize for FileStream<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for path in self.paths {
            let mut written = None;
            let read = (self.read)(path, &mut |file| {
                seq.serialize_element(file).map_err(|e| {
                    let message = e.to_string();
                    written = Some(e);
                    message
                })
            });
            if let Some(e) = written {
                return Err(e);
            }
            if let Err(message) = read {
                self.failures
                    .borrow_mut()
                    .push(format!("{}: {message}", path.display()));
            }
        }
        seq.end()
    }
}

/// One file as the readers saw it; `kind` says which shape.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub enum InspectedFile<'a> {
    Registry(RegistryFile<'a>),
    Dsregcmd(DsregcmdFile<'a>),
    Bundle(BundleFile<'a>),
    Manifest(ManifestFile<'a>),
    Probes(ProbesFile<'a>),
    Listed(ListedFile<'a>),
}

/// A `.reg` export or an offline hive.
#[derive(Serialize, JsonSchema)]
pub struct RegistryFile<'a> {
    pub file: &'a str,
    /// `reg` or `hive`.
    pub kind: &'static str,
    pub format: RegFormat,
    pub encoding: Option<Encoding>,
    pub keys: &'a [RegKey],
    /// What the reader stepped over, with where.
    pub problems: &'a [Diagnostic],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// `dsregcmd /status` output: its typed facts and its sections as written.
#[derive(Serialize, JsonSchema)]
pub struct DsregcmdFile<'a> {
    pub file: &'a str,
    /// `dsregcmd`.
    pub kind: &'static str,
    pub encoding: Encoding,
    pub layout: mde_artifacts::dsregcmd::Layout,
    #[serde(flatten)]
    pub facts: DsregFacts,
    pub sections: &'a [Section],
    pub notes: &'a [Note],
    pub problems: &'a [Diagnostic],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A bundle (folder or `.zip`): the snapshot `analyze` diagnoses.
#[derive(Serialize, JsonSchema)]
pub struct BundleFile<'a> {
    pub file: &'a str,
    /// `bundle`.
    pub kind: &'static str,
    #[serde(flatten)]
    pub snapshot: &'a Snapshot,
    /// The typed facts of the bundle's `dsregcmd /status`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dsregcmd_facts: Option<DsregFacts>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A bundle's `manifest.json`.
#[derive(Serialize, JsonSchema)]
pub struct ManifestFile<'a> {
    pub file: &'a str,
    /// `manifest`.
    pub kind: &'static str,
    pub manifest: &'a Manifest,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A `probes.json`.
#[derive(Serialize, JsonSchema)]
pub struct ProbesFile<'a> {
    pub file: &'a str,
    /// `probes`.
    pub kind: &'static str,
    pub probes: &'a Probes,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A file recognised but read by another command (event logs, LDIF, hive logs).
#[derive(Serialize, JsonSchema)]
pub struct ListedFile<'a> {
    pub file: &'a str,
    /// The kind recognised (`evtx`, `ldif`, …).
    pub kind: &'static str,
    pub size: u64,
    /// Which command reads it.
    pub note: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl<'a> InspectedFile<'a> {
    /// The entry of `found`, read from `file`; `warnings` are left empty for the writer,
    /// which knows how to find bidi text (see `mde_report::json`).
    pub fn new(file: &'a str, found: &'a Artifact) -> InspectedFile<'a> {
        match found {
            Artifact::File(Parsed::Registry(reg)) => InspectedFile::Registry(registry(file, reg)),
            Artifact::File(Parsed::Dsregcmd(d)) => InspectedFile::Dsregcmd(dsregcmd(file, d)),
            Artifact::Bundle(s) => InspectedFile::Bundle(BundleFile {
                file,
                kind: "bundle",
                snapshot: s,
                dsregcmd_facts: s.dsregcmd.as_ref().map(|d| d.value.facts()),
                warnings: Vec::new(),
            }),
            Artifact::File(Parsed::Manifest(m)) => InspectedFile::Manifest(ManifestFile {
                file,
                kind: "manifest",
                manifest: m,
                warnings: Vec::new(),
            }),
            Artifact::File(Parsed::Probes(p)) => InspectedFile::Probes(ProbesFile {
                file,
                kind: "probes",
                probes: p,
                warnings: Vec::new(),
            }),
            Artifact::Listed(kind, size) => InspectedFile::Listed(ListedFile {
                file,
                kind: kind.name(),
                size: *size,
                note: listed_note(*kind),
                warnings: Vec::new(),
            }),
        }
    }

    /// Where the writer puts the warnings it found.
    pub fn warnings_mut(&mut self) -> &mut Vec<String> {
        match self {
            InspectedFile::Registry(f) => &mut f.warnings,
            InspectedFile::Dsregcmd(f) => &mut f.warnings,
            InspectedFile::Bundle(f) => &mut f.warnings,
            InspectedFile::Manifest(f) => &mut f.warnings,
            InspectedFile::Probes(f) => &mut f.warnings,
            InspectedFile::Listed(f) => &mut f.warnings,
        }
    }
}

fn registry<'a>(file: &'a str, reg: &'a ParsedReg) -> RegistryFile<'a> {
    RegistryFile {
        file,
        kind: if reg.format == RegFormat::Hive {
            "hive"
        } else {
            "reg"
        },
        format: reg.format,
        encoding: reg.encoding,
        keys: &reg.keys,
        problems: &reg.diagnostics,
        warnings: Vec::new(),
    }
}

fn dsregcmd<'a>(file: &'a str, d: &'a DsregStatus) -> DsregcmdFile<'a> {
    DsregcmdFile {
        file,
        kind: "dsregcmd",
        encoding: d.encoding,
        layout: d.layout,
        facts: d.facts(),
        sections: &d.sections,
        notes: &d.notes,
        problems: &d.diagnostics,
        warnings: Vec::new(),
    }
}

/// Which command reads a file `inspect` only lists.
pub fn listed_note(kind: Kind) -> &'static str {
    match kind {
        Kind::Evtx | Kind::EventXml => "event logs are read by `mde-doctor events` and `analyze`",
        Kind::Ldif => "LDIF is read by `mde-doctor syncrule` and `analyze`",
        Kind::HiveLog => "a hive transaction log: inspect the hive beside it",
        Kind::ClientAnalyzer => {
            "the MDE Client Analyzer's results are read by `analyze` (the whole archive)"
        }
        _ => "",
    }
}
