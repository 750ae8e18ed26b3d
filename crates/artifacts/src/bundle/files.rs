//! Getting the files out of a bundle directory or zip, safely.
//!
//! Everything in a bundle came from a device and is untrusted: entry names that climb out of
//! the bundle (`../`, absolute paths, drive letters) are refused, symbolic links are not
//! followed, and sizes are bounded per file and in total — decompressed, not as the archive
//! claims — so that a zip bomb or a 2 GB file cannot exhaust memory.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::snapshot::Skip;

/// Size limits for reading a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest single file read (a real SOFTWARE hive is up to a few hundred MB).
    pub max_file: u64,
    /// Largest total of all files read.
    pub max_total: u64,
    /// Most files read.
    pub max_files: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file: 512 << 20,
            max_total: 2 << 30,
            max_files: 10_000,
        }
    }
}

/// One file of the bundle, in memory.
#[derive(Debug, Clone)]
pub(crate) struct RawFile {
    /// Relative path with `/` separators, e.g. `registry/sensecm.reg`.
    pub(crate) path: String,
    pub(crate) bytes: Vec<u8>,
}

/// A file that was not read, and why.
#[derive(Debug, Clone)]
pub(crate) struct Skipped {
    pub(crate) path: String,
    pub(crate) why: Skip,
    pub(crate) reason: String,
    pub(crate) size: u64,
}

impl Skipped {
    fn new(path: String, why: Skip, reason: impl Into<String>) -> Skipped {
        Skipped {
            path,
            why,
            reason: reason.into(),
            size: 0,
        }
    }

    fn sized(mut self, size: u64) -> Skipped {
        self.size = size;
        self
    }
}

/// The bundle itself could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a zip archive: {reason}")]
    Zip { path: PathBuf, reason: String },
    #[error("{path}: neither a directory nor a zip archive")]
    NotABundle { path: PathBuf },
}

pub(crate) struct Gathered {
    pub(crate) files: Vec<RawFile>,
    pub(crate) skipped: Vec<Skipped>,
    /// Notes on files that were read under another name or with a caveat (a duplicate
    /// zip entry name), by the path they were given.
    pub(crate) notes: Vec<(String, String)>,
}

impl Gathered {
    fn new() -> Gathered {
        Gathered {
            files: Vec::new(),
            skipped: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Reads every file below `root`. Only the root itself must be readable: a sub-folder or a
/// file that cannot be read is listed with its reason and the rest is still read.
pub(crate) fn from_dir(root: &Path, limits: Limits) -> Result<Gathered, BundleError> {
    let mut out = Gathered::new();
    let mut total = 0u64;
    let mut stack = vec![(root.to_path_buf(), String::new(), 0usize)];
    while let Some((dir, prefix, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(source) if prefix.is_empty() => {
                return Err(BundleError::Io {
                    path: dir.clone(),
                    source,
                });
            }
            Err(e) => {
                out.skipped.push(Skipped::new(
                    format!("{prefix}/"),
                    Skip::Unreadable,
                    format!("folder cannot be listed: {e}"),
                ));
                continue;
            }
        };
        let mut listed = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => listed.push(entry),
                Err(e) => out.skipped.push(Skipped::new(
                    format!("{prefix}/(entry)"),
                    Skip::Unreadable,
                    format!("an entry of the folder cannot be read: {e}"),
                )),
            }
        }
        listed.sort_by_key(|e| e.file_name());
        for entry in listed {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let meta = match std::fs::symlink_metadata(entry.path()) {
                Ok(meta) => meta,
                Err(e) => {
                    out.skipped.push(Skipped::new(
                        rel,
                        Skip::Unreadable,
                        format!("cannot read its metadata: {e}"),
                    ));
                    continue;
                }
            };
            let kind = meta.file_type();
            if kind.is_symlink() {
                out.skipped
                    .push(Skipped::new(rel, Skip::Link, "symbolic link, not followed"));
            } else if kind.is_dir() {
                if depth >= 16 {
                    out.skipped.push(Skipped::new(
                        format!("{rel}/"),
                        Skip::TooDeep,
                        "folder nested more than 16 deep, not read",
                    ));
                } else {
                    stack.push((entry.path(), rel, depth + 1));
                }
            } else if !kind.is_file() {
                out.skipped.push(Skipped::new(
                    rel,
                    Skip::NotAFile,
                    "a FIFO, socket or device file, not read",
                ));
            } else if let Some(reason) = over_limits(&out, total, meta.len(), limits) {
                out.skipped
                    .push(Skipped::new(rel, Skip::TooBig, reason).sized(meta.len()));
            } else {
                // Read at most the limit plus one byte: the file may grow while it is read.
                let room = limits.max_file.min(limits.max_total - total);
                let read = std::fs::File::open(entry.path()).and_then(|f| {
                    let mut bytes = Vec::new();
                    f.take(room + 1).read_to_end(&mut bytes).map(|_| bytes)
                });
                match read {
                    Ok(bytes) if bytes.len() as u64 > room => out.skipped.push(
                        Skipped::new(
                            rel,
                            Skip::TooBig,
                            format!("grew past the {} size limit while read", human(room)),
                        )
                        .sized(bytes.len() as u64),
                    ),
                    Ok(bytes) => {
                        total += bytes.len() as u64;
                        out.files.push(RawFile { path: rel, bytes });
                    }
                    Err(e) => out
                        .skipped
                        .push(Skipped::new(rel, Skip::Unreadable, e.to_string()).sized(meta.len())),
                }
            }
        }
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn over_limits(out: &Gathered, total: u64, size: u64, limits: Limits) -> Option<String> {
    if out.files.len() >= limits.max_files {
        return Some(format!(
            "more than {} files in the bundle",
            limits.max_files
        ));
    }
    if size > limits.max_file {
        return Some(format!(
            "{} is larger than the {} limit for one file",
            human(size),
            human(limits.max_file)
        ));
    }
    if total + size > limits.max_total {
        return Some(format!(
            "the bundle exceeds its {} total limit",
            human(limits.max_total)
        ));
    }
    None
}

pub(crate) fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// A zip entry name that stays inside the bundle, normalised to `a/b/c`.
fn safe_name(raw: &str) -> Option<String> {
    let unified = raw.replace('\\', "/");
    if unified.starts_with('/') || unified.as_bytes().get(1) == Some(&b':') {
        return None;
    }
    let mut parts = Vec::new();
    for part in unified.split('/') {
        match part {
            "" | "." => continue,
            ".." => return None,
            p if p.contains('\0') => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

pub(crate) fn from_zip(
    path: &Path,
    bytes: Vec<u8>,
    limits: Limits,
) -> Result<Gathered, BundleError> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| BundleError::Zip {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    let mut gather = ZipGather {
        out: Gathered::new(),
        total: 0,
        seen: std::collections::HashMap::new(),
        limits,
    };
    for i in 0..archive.len() {
        // The raw entry first: its name and flags read even when it is encrypted.
        let meta = match archive.by_index_raw(i) {
            Ok(e) => EntryMeta {
                index: i,
                raw_name: String::from_utf8_lossy(e.name_raw()).into_owned(),
                is_dir: e.is_dir(),
                encrypted: e.encrypted(),
                symlink: e.is_symlink(),
                size: e.size(),
            },
            Err(e) => {
                gather.out.skipped.push(Skipped::new(
                    format!("(entry {i})"),
                    Skip::Truncated,
                    format!("damaged zip entry: {e}"),
                ));
                continue;
            }
        };
        let Some(name) = gather.admit(&meta) else {
            continue;
        };
        match archive.by_index(i) {
            Ok(mut entry) => gather.read(name, &meta, &mut entry),
            Err(e) => gather.out.skipped.push(Skipped::new(
                name,
                Skip::Unreadable,
                format!("zip entry cannot be read: {e}"),
            )),
        }
    }
    if archive.has_duplicate_names() {
        // The zip crate indexes entries by name and keeps the last of each: the others are
        // found in the central directory and read from their local headers.
        let mut cursor = archive.into_inner();
        gather_shadowed(&mut gather, &mut cursor);
    }
    let mut out = gather.out;
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The entries of the central directory that another entry of the same name hides from the
/// zip crate's index (all but the last of each name), read from their local headers.
fn gather_shadowed(gather: &mut ZipGather, cursor: &mut std::io::Cursor<Vec<u8>>) {
    let records = match central_directory(cursor.get_ref()) {
        Ok(records) => records,
        Err(reason) => {
            gather.out.skipped.push(Skipped::new(
                "(entries of the same name)".to_string(),
                Skip::Unreadable,
                format!("the archive holds entries of the same name; only the last of each was read: {reason}"),
            ));
            return;
        }
    };
    let mut last_of: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    for (i, (name, _)) in records.iter().enumerate() {
        last_of.insert(name, i);
    }
    for (i, (name, offset)) in records.iter().enumerate() {
        if last_of.get(name.as_slice()) == Some(&i) {
            continue;
        }
        cursor.set_position(*offset);
        let raw_name = String::from_utf8_lossy(name).into_owned();
        match zip::read::read_zipfile_from_stream(cursor) {
            Ok(Some(mut entry)) => {
                let meta = EntryMeta {
                    index: i,
                    raw_name,
                    is_dir: entry.is_dir(),
                    encrypted: entry.encrypted(),
                    symlink: entry.is_symlink(),
                    size: entry.size(),
                };
                if let Some(kept) = gather.admit(&meta) {
                    gather.read(kept, &meta, &mut entry);
                }
            }
            Ok(None) => gather.out.skipped.push(Skipped::new(
                raw_name,
                Skip::Truncated,
                format!("entry {i}: no local header at offset {offset:#x}"),
            )),
            Err(e) => {
                let meta = EntryMeta {
                    index: i,
                    raw_name: raw_name.clone(),
                    is_dir: false,
                    encrypted: false,
                    symlink: false,
                    size: 0,
                };
                if let Some(kept) = gather.admit(&meta) {
                    let why = if e.to_string().contains("Password") {
                        Skip::Encrypted
                    } else {
                        Skip::Unreadable
                    };
                    gather
                        .out
                        .skipped
                        .push(Skipped::new(kept, why, format!("zip entry {i}: {e}")));
                }
            }
        }
    }
}

/// Every record of a zip's central directory: its raw name and the offset of its local
/// header. Zip64 archives are not walked here (the zip crate reads them; only their
/// duplicate names stay unread, and are reported).
fn central_directory(bytes: &[u8]) -> Result<Vec<(Vec<u8>, u64)>, String> {
    let u16_at = |at: usize| -> Option<usize> {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
    };
    let u32_at = |at: usize| -> Option<u64> {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64)
    };
    // The end record is in the last 64 KiB + 22 bytes (its comment is at most 64 KiB).
    let search_from = bytes.len().saturating_sub(65_535 + 22);
    let eocd = bytes[search_from..]
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .map(|at| search_from + at)
        .ok_or("no end of central directory record")?;
    let count = u16_at(eocd + 10).ok_or("end record cut short")?;
    let start = u32_at(eocd + 16).ok_or("end record cut short")?;
    if start == 0xFFFF_FFFF || count == 0xFFFF {
        return Err("a Zip64 archive".into());
    }
    let mut at = start as usize;
    let mut records = Vec::with_capacity(count.min(65_535));
    for _ in 0..count {
        if bytes.get(at..at + 4) != Some(b"PK\x01\x02".as_slice()) {
            return Err(format!("no central directory record at offset {at:#x}"));
        }
        let (name_len, extra_len, comment_len) = (
            u16_at(at + 28).ok_or("record cut short")?,
            u16_at(at + 30).ok_or("record cut short")?,
            u16_at(at + 32).ok_or("record cut short")?,
        );
        let offset = u32_at(at + 42).ok_or("record cut short")?;
        let name = bytes
            .get(at + 46..at + 46 + name_len)
            .ok_or("record name cut short")?;
        records.push((name.to_vec(), offset));
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(records)
}

/// What is known of a zip entry before its content is read.
struct EntryMeta {
    index: usize,
    raw_name: String,
    is_dir: bool,
    encrypted: bool,
    symlink: bool,
    size: u64,
}

/// The state of reading one archive: what was taken so far and under which names.
struct ZipGather {
    out: Gathered,
    total: u64,
    /// Names already given, case-folded: Windows puts `A.reg` and `a.reg` in one file.
    seen: std::collections::HashMap<String, usize>,
    limits: Limits,
}

impl ZipGather {
    /// The name the entry is kept under, or `None` (listed with its reason) when it is not
    /// to be read: a folder, a name that leaves the bundle, encrypted, a link, too big.
    fn admit(&mut self, meta: &EntryMeta) -> Option<String> {
        if meta.is_dir {
            return None;
        }
        let Some(name) = safe_name(&meta.raw_name) else {
            self.out.skipped.push(Skipped::new(
                meta.raw_name.clone(),
                Skip::Refused,
                "refused: the entry name leaves the bundle (absolute path or `..`)",
            ));
            return None;
        };
        let n = self.seen.entry(name.to_lowercase()).or_insert(0);
        *n += 1;
        let name = if *n == 1 {
            name
        } else {
            let renamed = format!("{name}#{n}");
            self.out.notes.push((
                renamed.clone(),
                format!(
                    "the archive holds {n} entries named {name}; this is entry {}, kept as \
                     {renamed}",
                    meta.index
                ),
            ));
            renamed
        };
        let refusal = if meta.encrypted {
            Some((
                Skip::Encrypted,
                "encrypted zip entry (no password is tried)".to_string(),
            ))
        } else if meta.symlink {
            Some((Skip::Link, "symbolic link, not followed".to_string()))
        } else {
            over_limits(&self.out, self.total, meta.size, self.limits).map(|r| (Skip::TooBig, r))
        };
        match refusal {
            Some((why, reason)) => {
                self.out
                    .skipped
                    .push(Skipped::new(name, why, reason).sized(meta.size));
                None
            }
            None => Some(name),
        }
    }

    /// Reads an admitted entry, bounded by the limits whatever its header declares.
    fn read(&mut self, name: String, meta: &EntryMeta, entry: &mut dyn Read) {
        let room = self.limits.max_file.min(self.limits.max_total - self.total);
        let mut bytes = Vec::new();
        match entry.take(room + 1).read_to_end(&mut bytes) {
            Ok(_) if bytes.len() as u64 > room => self.out.skipped.push(
                Skipped::new(
                    name,
                    Skip::TooBig,
                    format!("decompresses to more than {} (the size limit)", human(room)),
                )
                .sized(meta.size),
            ),
            Ok(_) => {
                self.total += bytes.len() as u64;
                self.out.files.push(RawFile { path: name, bytes });
            }
            Err(e) => self.out.skipped.push(
                Skipped::new(
                    name,
                    Skip::Truncated,
                    format!(
                        "damaged or truncated zip entry: {e} ({} of {} bytes decompressed)",
                        bytes.len(),
                        meta.size
                    ),
                )
                .sized(meta.size),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn names() {
        assert_eq!(
            safe_name("registry/a.reg").as_deref(),
            Some("registry/a.reg")
        );
        assert_eq!(
            safe_name("./registry//a.reg").as_deref(),
            Some("registry/a.reg")
        );
        assert_eq!(
            safe_name(r"registry\a.reg").as_deref(),
            Some("registry/a.reg")
        );
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            r"C:\Windows\x",
            r"\\server\share\x",
            "a/..",
            "",
        ] {
            assert_eq!(safe_name(bad), None, "{bad}");
        }
    }
}
