//! The "Evidence" section of every report: each entry of the bundle with what it was read
//! as, or why it was not. A report that silently ignored a file would let the reader believe
//! the device was judged on it.

use mde_artifacts::{ArtifactInfo, ArtifactStatus};
use mde_diagnose::Diagnosis;

/// Problems shown per artifact before "and N more" (JSON has them all).
pub(crate) const SHOWN_PROBLEMS: usize = 3;

/// One row of the section, ready to print (device text still to be cleaned or escaped).
pub(crate) struct Row<'a> {
    pub(crate) path: &'a str,
    pub(crate) kind: &'static str,
    pub(crate) status: &'static str,
    /// `ok`, `warning` or `error`: how the row is marked.
    pub(crate) class: &'static str,
    /// What was read, or why not.
    pub(crate) note: String,
    /// The first problems inside the file, with their places.
    pub(crate) problems: Vec<String>,
    /// Problems beyond [`SHOWN_PROBLEMS`].
    pub(crate) more: usize,
}

pub(crate) fn rows(d: &Diagnosis) -> Vec<Row<'_>> {
    d.artifacts.iter().map(row).collect()
}

fn row(a: &ArtifactInfo) -> Row<'_> {
    let (class, note) = match &a.status {
        ArtifactStatus::Read | ArtifactStatus::Listed => {
            ("ok", a.summary.clone().unwrap_or_default())
        }
        ArtifactStatus::Partial => (
            "warning",
            format!(
                "{}{}",
                a.summary
                    .as_deref()
                    .map(|s| format!("{s}; "))
                    .unwrap_or_default(),
                match a.diagnostics.len() {
                    1 => "1 problem".to_string(),
                    n => format!("{n} problems"),
                }
            ),
        ),
        ArtifactStatus::Damaged { reason } => ("error", reason.clone()),
        ArtifactStatus::Skipped { why, reason } => {
            ("warning", format!("{}: {reason}", why.label()))
        }
    };
    let problems = a
        .diagnostics
        .iter()
        .take(SHOWN_PROBLEMS)
        .map(|p| match p.at {
            mde_artifacts::Location::Whole => p.message.clone(),
            at => format!("{at}: {}", p.message),
        })
        .collect();
    Row {
        path: &a.path,
        kind: a.kind.name(),
        status: a.status.label(),
        class,
        note,
        problems,
        more: a.diagnostics.len().saturating_sub(SHOWN_PROBLEMS),
    }
}

/// `5 files: 3 read, 1 partly read, 1 skipped`.
pub(crate) fn headline(d: &Diagnosis) -> String {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for a in &d.artifacts {
        let label = a.status.label();
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => counts.push((label, 1)),
        }
    }
    let total = d.artifacts.len();
    let parts: Vec<String> = counts.iter().map(|(l, n)| format!("{n} {l}")).collect();
    match total {
        0 => "the bundle holds no files".to_string(),
        1 => format!("1 file: {}", parts.join(", ")),
        n => format!("{n} files: {}", parts.join(", ")),
    }
}
