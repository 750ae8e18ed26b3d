//! Which reader reads which file: the one dispatch from a detected [`Kind`] to its reader,
//! shared by the bundle reader (`analyze`, `collect`'s bundle check, the console) and by
//! [`read_path`] (`inspect`, one path at a time).

use std::borrow::Cow;
use std::path::Path;

use crate::bundle::{Limits, Manifest, Probes, parse_json, read_bundle};
use crate::detect::{Kind, detect};
use crate::dsregcmd::{DsregStatus, parse_dsregcmd};
use crate::read::{ReadError, ReadOptions, check_path, check_text, read_file, read_head};
use crate::reg::{RegFile, parse_reg};
use crate::select::{Selection, Wanted};
use crate::snapshot::Snapshot;

/// A file read whole by its reader.
#[derive(Debug)]
pub enum Parsed {
    /// A `.reg` export or an offline hive.
    Registry(RegFile),
    Dsregcmd(Box<DsregStatus>),
    Manifest(Manifest),
    Probes(Box<Probes>),
}

/// Why [`parse_whole`] read nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The reader refused the file; the reader's reason.
    #[error("{0}")]
    Damaged(String),
    /// This build has no reader for the kind (offline hives without the `hive` feature).
    #[error("this build reads no offline hives")]
    NotInThisBuild,
    /// The kind is not read whole (event logs, LDIF and the Client Analyzer's results are
    /// streamed into a bundle's snapshot; archives and unknown files are not read).
    #[error("{} is not read on its own", .0.name())]
    NotWhole(Kind),
}

/// Reads a file of a kind that is parsed whole: a registry export or hive, dsregcmd output,
/// `manifest.json` or `probes.json`. `name` is the file name (a hive is mounted by it, or by
/// the name in its base block); `logs` gives a hive's transaction logs, read only for a hive.
pub fn parse_whole(
    kind: Kind,
    name: &str,
    bytes: Cow<'_, [u8]>,
    logs: &dyn Fn() -> Vec<Vec<u8>>,
    selection: Selection<'_>,
) -> Result<Parsed, ParseError> {
    let damaged = |e: &dyn std::fmt::Display| ParseError::Damaged(e.to_string());
    match kind {
        Kind::Reg => parse_reg(&bytes)
            .map(Parsed::Registry)
            .map_err(|e| damaged(&e)),
        Kind::Hive => parse_hive(name, bytes, logs, selection),
        Kind::Dsregcmd => parse_dsregcmd(&bytes)
            .map(|d| Parsed::Dsregcmd(Box::new(d)))
            .map_err(|e| damaged(&e)),
        Kind::Manifest => parse_json(&bytes)
            .map(Parsed::Manifest)
            .map_err(ParseError::Damaged),
        Kind::Probes => parse_json(&bytes)
            .map(|p| Parsed::Probes(Box::new(p)))
            .map_err(ParseError::Damaged),
        other => Err(ParseError::NotWhole(other)),
    }
}

#[cfg(feature = "hive")]
fn parse_hive(
    name: &str,
    bytes: Cow<'_, [u8]>,
    logs: &dyn Fn() -> Vec<Vec<u8>>,
    selection: Selection<'_>,
) -> Result<Parsed, ParseError> {
    use crate::hive::{embedded_name, read_hive};
    // A hive renamed by whoever copied it still names itself in its base block.
    let known = [
        "SOFTWARE",
        "SYSTEM",
        "NTUSER.DAT",
        "SAM",
        "SECURITY",
        "DEFAULT",
    ];
    let hive_name = if known.iter().any(|k| name.eq_ignore_ascii_case(k)) {
        name.to_string()
    } else {
        embedded_name(&bytes).unwrap_or_else(|| name.to_string())
    };
    read_hive(bytes.into_owned(), logs(), &hive_name, selection)
        .map(Parsed::Registry)
        .map_err(|e| ParseError::Damaged(e.to_string()))
}

#[cfg(not(feature = "hive"))]
fn parse_hive(
    _: &str,
    _: Cow<'_, [u8]>,
    _: &dyn Fn() -> Vec<Vec<u8>>,
    _: Selection<'_>,
) -> Result<Parsed, ParseError> {
    Err(ParseError::NotInThisBuild)
}

/// What one path turned out to be.
#[derive(Debug)]
pub enum Artifact {
    /// A file read whole.
    File(Parsed),
    /// A bundle: a directory or a `.zip`.
    Bundle(Box<Snapshot>),
    /// A kind read by another command (event logs, LDIF, a hive's transaction log, the
    /// Client Analyzer's results), with its size in bytes.
    Listed(Kind, u64),
}

/// Why [`read_path`] read nothing.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Refused before or while reading (not a regular file, over a limit, unreadable).
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Bundle(#[from] crate::bundle::BundleError),
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(
        "cannot tell what this is: expected a registry export (.reg), a registry hive, \
         dsregcmd /status output, a bundle (directory or .zip), probes.json or manifest.json"
    )]
    Unknown,
}

/// Reads one path given on a command line: a bundle (directory or `.zip`) or any single
/// artifact, detected by its content. A text artifact over `options.max_text` is refused
/// from its first bytes, before the rest is read into memory; a device, FIFO or socket is
/// refused before anything opens it. A hive's `.LOG1`/`.LOG2` beside it are replayed.
/// `wanted` is what a bundle keeps; `hive`, which keys a single hive given alone is read for
/// (`inspect --all` reads them all).
pub fn read_path(
    path: &Path,
    options: ReadOptions,
    wanted: Wanted<'_>,
    hive: Selection<'_>,
) -> Result<Artifact, OpenError> {
    let limits = Limits {
        max_file: options.max_file,
        ..Limits::default()
    };
    let meta = check_path(path)?;
    if meta.is_dir() {
        return Ok(Artifact::Bundle(Box::new(read_bundle(
            path, limits, wanted,
        )?)));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_text = |kind| {
        matches!(
            kind,
            Kind::Reg | Kind::Dsregcmd | Kind::Manifest | Kind::Probes
        )
    };
    if meta.len() > options.max_text {
        let head = read_head(path, 64 << 10)?;
        if is_text(detect(&name, &head)) {
            check_text(path, meta.len() as usize, options)?;
        }
    }
    let bytes = read_file(path, options)?;
    let kind = detect(&name, &bytes);
    if is_text(kind) {
        check_text(path, bytes.len(), options)?;
    }
    match kind {
        Kind::Zip => Ok(Artifact::Bundle(Box::new(read_bundle(
            path, limits, wanted,
        )?))),
        Kind::Reg | Kind::Hive | Kind::Dsregcmd | Kind::Manifest | Kind::Probes => {
            let logs = || {
                ["LOG1", "LOG2"]
                    .iter()
                    // Through read_file as well: a FIFO named SOFTWARE.LOG1 must not block.
                    .filter_map(|ext| {
                        read_file(&path.with_file_name(format!("{name}.{ext}")), options).ok()
                    })
                    .collect()
            };
            let parsed = parse_whole(kind, &name, Cow::Owned(bytes), &logs, hive)?;
            Ok(Artifact::File(parsed))
        }
        Kind::Evtx | Kind::EventXml | Kind::Ldif | Kind::HiveLog | Kind::ClientAnalyzer => {
            Ok(Artifact::Listed(kind, bytes.len() as u64))
        }
        Kind::Unknown => Err(OpenError::Unknown),
    }
}
