//! `mde-doctor analyze BUNDLE BUNDLE…`: many bundles at once, on every core.
//!
//! Each worker reads, diagnoses and renders one bundle at a time and hands the rendering to
//! the main thread, which writes them in the order given, so memory holds a few renderings,
//! never the whole fleet.

use mde_schema::analyze::{BatchRecord, Unusable, UnusableVerdict};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use mde_artifacts::Limits;
use mde_diagnose::wanted::read_bundle;
use mde_diagnose::{Diagnosis, Severity, Verdict};

use super::Status;
use crate::cli::ReportFormat;
use crate::error::CliError;

/// What became of one bundle.
enum Outcome {
    Diagnosed { verdict: Verdict, rendered: String },
    Unusable { rendered: String },
}

pub(crate) fn run(
    bundles: &[PathBuf],
    format: ReportFormat,
    output: Option<&Path>,
    options: &mde_diagnose::Options,
) -> Result<Status, CliError> {
    let html_dir = match (format, output) {
        (ReportFormat::Html, Some(dir)) => {
            std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
                path: dir.to_path_buf(),
                source,
            })?;
            Some(dir)
        }
        (ReportFormat::Html, None) => {
            return Err(CliError::Input {
                message: "--format html with several bundles needs --output FOLDER (one page \
                          per bundle)"
                    .into(),
                hints: Vec::new(),
            });
        }
        (_, Some(path)) => {
            return Err(CliError::Input {
                message: format!(
                    "--output {} takes one bundle; with several, redirect standard output",
                    path.display()
                ),
                hints: Vec::new(),
            });
        }
        _ => None,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let progress = std::io::stderr().is_terminal() && bundles.len() >= 100;
    let mut tally = Tally::default();
    if format == ReportFormat::Json {
        mde_report::json::write_header::<BatchRecord<'_>>(&mut out)?;
    }
    mde_fleet::parallel::in_order(
        bundles,
        mde_fleet::parallel::cores(),
        |path| one(path, format, html_dir, options),
        |i, outcome| -> Result<(), CliError> {
            tally.add(&outcome);
            let (Outcome::Diagnosed { rendered, .. } | Outcome::Unusable { rendered }) = &outcome;
            out.write_all(rendered.as_bytes())?;
            let written = i + 1;
            if progress && written % 100 == 0 {
                eprint!("\ranalyzed {written} of {}", bundles.len());
            }
            Ok(())
        },
    )?;
    if progress {
        eprintln!("\ranalyzed {} of {}", bundles.len(), bundles.len());
    }
    out.flush()?;
    drop(out);
    eprintln!("{}", tally.summary());
    Ok(tally.status())
}

/// Reads, diagnoses and renders one bundle.
fn one(
    path: &Path,
    format: ReportFormat,
    html_dir: Option<&Path>,
    options: &mde_diagnose::Options,
) -> Outcome {
    let shown = path.display().to_string();
    let snapshot = match read_bundle(path, Limits::default()) {
        Ok(s) => s,
        Err(e) => return unusable(&shown, &e.to_string(), format),
    };
    let diagnosis = mde_diagnose::diagnose_with(&snapshot, options);
    if !diagnosis.any_evidence_used() {
        let reason = if snapshot.artifacts.is_empty() {
            "the bundle holds no files".to_string()
        } else {
            format!(
                "none of the {} file(s) in the bundle could be used",
                snapshot.artifacts.len()
            )
        };
        return unusable(&shown, &reason, format);
    }
    let rendered = match format {
        ReportFormat::Text => summary_line(&shown, &diagnosis),
        ReportFormat::Json => mde_report::json::record_json(&BatchRecord::Diagnosed(&diagnosis)),
        ReportFormat::Html => {
            let dir = html_dir.expect("checked before the workers start");
            let page = dir.join(page_name(path));
            match std::fs::write(&page, mde_report::render_html(&diagnosis)) {
                Ok(()) => format!("{}\t{}\n", shown, page.display()),
                Err(e) => {
                    return unusable(&shown, &format!("{}: {e}", page.display()), format);
                }
            }
        }
    };
    Outcome::Diagnosed {
        verdict: diagnosis.verdict,
        rendered,
    }
}

fn unusable(shown: &str, reason: &str, format: ReportFormat) -> Outcome {
    let rendered = match format {
        ReportFormat::Json => mde_report::json::record_json(&BatchRecord::Unusable(Unusable {
            source: shown,
            verdict: UnusableVerdict::Unusable,
            error: reason,
        })),
        _ => format!("{shown}\tUNUSABLE\t{}\n", printable(reason)),
    };
    Outcome::Unusable { rendered }
}

/// `PATH  FAILING  15 EnrollmentRegistrationFailure…  tenant.scp-mismatch: title`.
fn summary_line(shown: &str, d: &Diagnosis) -> String {
    let verdict = match d.verdict {
        Verdict::Healthy => "HEALTHY",
        Verdict::Failing => "FAILING",
        Verdict::Incomplete => "INCOMPLETE",
    };
    let code = d
        .enrollment
        .as_ref()
        .map(|e| format!("{} {}", e.code, e.status))
        .unwrap_or_else(|| "-".into());
    // The root cause when there is one, else the first error or warning.
    let first = d
        .root_cause
        .as_deref()
        .and_then(|id| d.findings.iter().find(|f| f.id == id))
        .or_else(|| d.findings.iter().find(|f| f.severity >= Severity::Warning))
        .map(|f| format!("{}: {}", f.id, f.title))
        .unwrap_or_default();
    format!(
        "{}\t{verdict}\t{}\t{}\n",
        printable(shown),
        printable(&code),
        printable(&first)
    )
}

/// A file name for a bundle's page: its path with separators and oddities replaced.
fn page_name(path: &Path) -> String {
    let name: String = path
        .to_string_lossy()
        .trim_end_matches(['/', '\\'])
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.html", name.trim_start_matches(['.', '_']))
}

/// Device text in a one-line summary: no control characters, no tabs.
fn printable(s: &str) -> String {
    // Tabs separate the columns: no control character (tab included) from a device stays.
    let s = mde_report::sanitize::vis(s).to_string();
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[derive(Default)]
struct Tally {
    healthy: usize,
    failing: usize,
    incomplete: usize,
    unusable: usize,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Diagnosed {
                verdict: Verdict::Healthy,
                ..
            } => self.healthy += 1,
            Outcome::Diagnosed {
                verdict: Verdict::Failing,
                ..
            } => self.failing += 1,
            Outcome::Diagnosed {
                verdict: Verdict::Incomplete,
                ..
            } => self.incomplete += 1,
            Outcome::Unusable { .. } => self.unusable += 1,
        }
    }

    fn summary(&self) -> String {
        let total = self.healthy + self.failing + self.incomplete + self.unusable;
        format!(
            "{total} bundles: {} healthy, {} failing, {} incomplete, {} unusable",
            self.healthy, self.failing, self.incomplete, self.unusable
        )
    }

    /// The worst of the bundles: unusable input, then failing, then incomplete.
    fn status(&self) -> Status {
        if self.unusable > 0 {
            Status::Unusable
        } else if self.failing > 0 {
            Status::Findings
        } else if self.incomplete > 0 {
            Status::Incomplete
        } else {
            Status::Success
        }
    }
}
