//! Opening an input file safely: regular files only, and never more than a limit.
//!
//! A path given on the command line may name anything: `/dev/zero` or `/dev/urandom` never
//! end, a FIFO blocks until someone writes to it, a socket cannot be read at all. Such paths
//! are refused from their metadata, before the file is opened. A regular file is read up to
//! its limit and no further, even when it grows while being read.

use std::io::Read;
use std::path::{Path, PathBuf};

/// How much the readers take from one input file. The defaults fit every real artifact;
/// the command line can raise them (`--max-file-size`, `--max-text-size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Largest file read at all: binary artifacts (hives, `.evtx`, zip bundles) are read
    /// whole; a real `SOFTWARE` hive is a few hundred MB. Default 512 MiB.
    pub max_file: u64,
    /// Largest text artifact (`.reg`, `dsregcmd /status`, event XML, JSON) parsed whole.
    /// Parsed text takes several times its size in memory; real `dsregcmd` output is a few
    /// KB and a `.reg` export of the keys mde-doctor reads well under a MB, so the default,
    /// 32 MiB, keeps memory bounded without refusing anything real.
    pub max_text: u64,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            max_file: 512 << 20,
            max_text: 32 << 20,
        }
    }
}

/// Why an input file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {what}, not a regular file: refused without reading it")]
    NotRegular { path: PathBuf, what: &'static str },
    #[error(
        "{path}: {size} bytes is more than the {limit} mde-doctor reads from one {what} \
         (raise it with {flag})"
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: Size,
        what: &'static str,
        flag: &'static str,
    },
}

/// A byte count shown the way the flags take it: `512 MiB`, or bytes when not whole MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const MIB: u64 = 1 << 20;
        if self.0 >= MIB && self.0.is_multiple_of(MIB) {
            write!(f, "{} MiB", self.0 / MIB)
        } else {
            write!(f, "{} bytes", self.0)
        }
    }
}

/// What kind of non-regular file `meta` describes, if it is one (directories are not).
fn special(meta: &std::fs::Metadata) -> Option<&'static str> {
    let ft = meta.file_type();
    if ft.is_file() || ft.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_char_device() || ft.is_block_device() {
            return Some("a device");
        }
        if ft.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if ft.is_socket() {
            return Some("a socket");
        }
    }
    Some("a special file")
}

/// The metadata of `path` (links followed) if it is a regular file or a directory; a device,
/// FIFO or socket is refused without being opened.
pub fn check_path(path: &Path) -> Result<std::fs::Metadata, ReadError> {
    let meta = std::fs::metadata(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match special(&meta) {
        Some(what) => Err(ReadError::NotRegular {
            path: path.to_path_buf(),
            what,
        }),
        None => Ok(meta),
    }
}

/// Reads a regular file of at most `options.max_file` bytes.
pub fn read_file(path: &Path, options: ReadOptions) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = check_path(path)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a directory",
        )));
    }
    let too_large = |size| ReadError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit: Size(options.max_file),
        what: "file",
        flag: "--max-file-size",
    };
    if meta.len() > options.max_file {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // The file may have been swapped or grown since its metadata was read.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(options.max_file + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > options.max_file {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The first `n` bytes of a regular file (fewer if it is shorter): enough to tell its kind
/// before deciding whether to read the rest.
pub fn read_head(path: &Path, n: u64) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = check_path(path)?;
    if meta.is_dir() {
        return Ok(Vec::new());
    }
    let mut head = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(n)
        .read_to_end(&mut head)
        .map_err(io)?;
    Ok(head)
}

/// Refuses text of more than `options.max_text` bytes (checked after the kind is known).
pub fn check_text(path: &Path, len: usize, options: ReadOptions) -> Result<(), ReadError> {
    if len as u64 > options.max_text {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            size: len as u64,
            limit: Size(options.max_text),
            what: "text artifact",
            flag: "--max-text-size",
        });
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn devices_are_refused_before_reading() {
        for dev in ["/dev/zero", "/dev/null", "/dev/urandom"] {
            let err = read_file(Path::new(dev), ReadOptions::default()).unwrap_err();
            assert!(
                matches!(
                    err,
                    ReadError::NotRegular {
                        what: "a device",
                        ..
                    }
                ),
                "{err}"
            );
        }
    }

    #[test]
    fn limits_are_enforced() {
        let dir = std::env::temp_dir().join(format!("mde-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("ten");
        std::fs::write(&file, b"0123456789").unwrap();
        let small = ReadOptions {
            max_file: 9,
            max_text: 4,
        };
        let err = read_file(&file, small).unwrap_err();
        assert!(err.to_string().contains("--max-file-size"), "{err}");
        let ok = ReadOptions {
            max_file: 10,
            max_text: 4,
        };
        let bytes = read_file(&file, ok).unwrap();
        assert_eq!(bytes.len(), 10);
        let err = check_text(&file, bytes.len(), ok).unwrap_err();
        assert!(err.to_string().contains("--max-text-size"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
