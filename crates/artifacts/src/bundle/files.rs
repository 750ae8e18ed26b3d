//! Getting the files out of a bundle directory or zip, safely.
//!
//! Everything in a bundle came from a device and is untrusted: entry names that climb out of
//! the bundle (`../`, absolute paths, drive letters) are refused, symbolic links are not
//! followed, and sizes are bounded per file and in total — decompressed, not as the archive
//! claims — so that a zip bomb or a 2 GB file cannot exhaust memory.

use std::io::Read;
use std::path::{Path, PathBuf};

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
    pub(crate) reason: String,
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
}

pub(crate) fn from_dir(root: &Path, limits: Limits) -> Result<Gathered, BundleError> {
    let mut out = Gathered {
        files: Vec::new(),
        skipped: Vec::new(),
    };
    let mut total = 0u64;
    let mut stack = vec![(root.to_path_buf(), String::new(), 0usize)];
    while let Some((dir, prefix, depth)) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| BundleError::Io {
            path: dir.clone(),
            source,
        })?;
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
                out.skipped.push(Skipped {
                    path: rel,
                    reason: "cannot read its metadata".into(),
                });
                continue;
            };
            if meta.file_type().is_symlink() {
                out.skipped.push(Skipped {
                    path: rel,
                    reason: "symbolic link, not followed".into(),
                });
            } else if meta.is_dir() {
                if depth >= 16 {
                    out.skipped.push(Skipped {
                        path: rel,
                        reason: "nested too deep".into(),
                    });
                } else {
                    stack.push((entry.path(), rel, depth + 1));
                }
            } else if meta.is_file() {
                if let Some(reason) = over_limits(&out, total, meta.len(), limits) {
                    out.skipped.push(Skipped { path: rel, reason });
                    continue;
                }
                match std::fs::read(entry.path()) {
                    Ok(bytes) => {
                        total += bytes.len() as u64;
                        out.files.push(RawFile { path: rel, bytes });
                    }
                    Err(e) => out.skipped.push(Skipped {
                        path: rel,
                        reason: e.to_string(),
                    }),
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
    let mut out = Gathered {
        files: Vec::new(),
        skipped: Vec::new(),
    };
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                out.skipped.push(Skipped {
                    path: format!("(entry {i})"),
                    reason: format!("damaged zip entry: {e}"),
                });
                continue;
            }
        };
        let raw_name = match entry.name() {
            Ok(n) => n.into_owned(),
            Err(_) => String::from_utf8_lossy(entry.name_raw()).into_owned(),
        };
        if entry.is_dir() {
            continue;
        }
        let Some(name) = safe_name(&raw_name) else {
            out.skipped.push(Skipped {
                path: raw_name,
                reason: "refused: the entry name leaves the bundle (absolute path or `..`)".into(),
            });
            continue;
        };
        if entry.is_symlink() {
            out.skipped.push(Skipped {
                path: name,
                reason: "symbolic link, not followed".into(),
            });
            continue;
        }
        if let Some(reason) = over_limits(&out, total, entry.size(), limits) {
            out.skipped.push(Skipped { path: name, reason });
            continue;
        }
        // The declared size may lie: read at most the limit plus one byte.
        let room = limits.max_file.min(limits.max_total - total);
        let mut bytes = Vec::new();
        match (&mut entry).take(room + 1).read_to_end(&mut bytes) {
            Ok(_) if bytes.len() as u64 > room => out.skipped.push(Skipped {
                path: name,
                reason: format!("decompresses to more than {} (the size limit)", human(room)),
            }),
            Ok(_) => {
                total += bytes.len() as u64;
                out.files.push(RawFile { path: name, bytes });
            }
            Err(e) => out.skipped.push(Skipped {
                path: name,
                reason: format!("damaged zip entry: {e}"),
            }),
        }
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
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
