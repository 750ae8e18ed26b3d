//! The bundle a collection writes: files in the layout `analyze` reads, and `manifest.json`
//! saying what each step did — its duration, exit code and error — so a missing file is
//! explained rather than silently absent.

use std::io::Write;
use std::time::Instant;

use serde::Serialize;

/// `manifest.json`'s `schema`.
pub const MANIFEST_SCHEMA: &str = "mde-doctor/manifest/1";

/// A file bigger than this is cut, and the step says so: a bundle must stay small enough to
/// mail, and event logs are the only thing that grows without bound.
pub const MAX_FILE: usize = 256 * 1024 * 1024;

/// One collection step as `manifest.json` records it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Step {
    pub name: String,
    /// `ok`, `failed`, `partial` (some of it collected) or `skipped` (not elevated, not
    /// asked for).
    pub status: String,
    pub duration_ms: u64,
    /// The exit code of the program the step ran, if it ran one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Something worth knowing that is not an error (keys absent from the registry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Bundle paths the step wrote.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

/// What a step reports back.
#[derive(Debug, Default)]
pub struct StepResult {
    pub exit_code: Option<i32>,
    /// Set when part of the step failed but something was collected.
    pub partial: Option<String>,
    /// For the manifest, not an error.
    pub note: Option<String>,
}

/// Files and steps gathered so far.
#[derive(Debug, Default)]
pub struct Bundle {
    files: Vec<(String, Vec<u8>)>,
    steps: Vec<Step>,
    current: Vec<String>,
}

/// The bundle could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the zip {path}: {source}")]
    Zip {
        path: String,
        #[source]
        source: zip::result::ZipError,
    },
}

impl Bundle {
    pub fn new() -> Bundle {
        Bundle::default()
    }

    /// Adds a file at a bundle path (`registry/sensecm.reg`); a later file of the same path
    /// replaces it.
    pub fn add(&mut self, path: &str, mut bytes: Vec<u8>) {
        bytes.truncate(MAX_FILE);
        self.files.retain(|(p, _)| p != path);
        self.files.push((path.to_string(), bytes));
        self.current.push(path.to_string());
    }

    /// Runs one step, recording its duration, the files it added and its error; a failing
    /// step never stops the collection.
    pub fn step(
        &mut self,
        name: &str,
        run: impl FnOnce(&mut Bundle) -> Result<StepResult, StepError>,
    ) -> &Step {
        let started = Instant::now();
        self.current.clear();
        let result = run(self);
        let files = std::mem::take(&mut self.current);
        let duration_ms = started.elapsed().as_millis() as u64;
        let step = match result {
            Ok(r) => Step {
                name: name.into(),
                status: if r.partial.is_some() { "partial" } else { "ok" }.into(),
                duration_ms,
                exit_code: r.exit_code,
                error: r.partial,
                note: r.note,
                files,
            },
            Err(e) => Step {
                name: name.into(),
                status: if e.skipped { "skipped" } else { "failed" }.into(),
                duration_ms,
                exit_code: e.exit_code,
                error: Some(e.message),
                note: None,
                files,
            },
        };
        self.steps.push(step);
        self.steps.last().expect("just pushed")
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(p, b)| (p.as_str(), b.as_slice()))
    }

    /// Writes the zip: every file, then `manifest.json` built from `manifest` and the steps.
    pub fn write_zip(
        &self,
        path: &std::path::Path,
        mut manifest: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), WriteError> {
        let shown = path.display().to_string();
        let file = std::fs::File::create(path).map_err(|source| WriteError::Io {
            path: shown.clone(),
            source,
        })?;
        let zip_err = |source| WriteError::Zip {
            path: shown.clone(),
            source,
        };
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(false);
        for (name, bytes) in &self.files {
            zip.start_file(name.as_str(), options).map_err(zip_err)?;
            zip.write_all(bytes).map_err(|source| WriteError::Io {
                path: format!("{shown}: {name}"),
                source,
            })?;
        }
        manifest.insert("schema".into(), MANIFEST_SCHEMA.into());
        manifest.insert(
            "steps".into(),
            serde_json::to_value(&self.steps).unwrap_or_default(),
        );
        let json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        zip.start_file("manifest.json", options).map_err(zip_err)?;
        zip.write_all(&json).map_err(|source| WriteError::Io {
            path: format!("{shown}: manifest.json"),
            source,
        })?;
        let mut inner = zip.finish().map_err(zip_err)?;
        inner.flush().map_err(|source| WriteError::Io {
            path: shown.clone(),
            source,
        })
    }
}

/// Why a step did not collect.
#[derive(Debug, Clone)]
pub struct StepError {
    pub message: String,
    pub exit_code: Option<i32>,
    /// Not attempted (not elevated, not asked for) rather than attempted and failed.
    pub skipped: bool,
}

impl StepError {
    pub fn failed(message: impl Into<String>) -> StepError {
        StepError {
            message: message.into(),
            exit_code: None,
            skipped: false,
        }
    }

    pub fn skipped(message: impl Into<String>) -> StepError {
        StepError {
            message: message.into(),
            exit_code: None,
            skipped: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_recorded_and_zip_reads_back() {
        let mut b = Bundle::new();
        b.step("one", |b| {
            b.add("registry/a.reg", b"x".to_vec());
            Ok(StepResult::default())
        });
        b.step("two", |_| Err(StepError::failed("no such channel")));
        b.step("three", |_| Err(StepError::skipped("not elevated")));
        let s = b.steps();
        assert_eq!(s[0].files, vec!["registry/a.reg".to_string()]);
        assert_eq!(
            (s[1].status.as_str(), s[2].status.as_str()),
            ("failed", "skipped")
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.zip");
        let mut m = serde_json::Map::new();
        m.insert("hostname".into(), "PC1".into());
        b.write_zip(&path, m).unwrap();
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let manifest: serde_json::Value =
            serde_json::from_reader(zip.by_name("manifest.json").unwrap()).unwrap();
        assert_eq!(manifest["steps"][1]["error"], "no such channel");
        assert_eq!(manifest["schema"], MANIFEST_SCHEMA);
        assert!(zip.by_name("registry/a.reg").is_ok());
    }
}
