//! Errors of the command line, and the one mapping from errors to exit statuses:
//! 0 success, 1 the analysis found an error on the device (later subcommands), 2 the input
//! could not be used (unknown code, unreadable file, bad arguments — clap uses 2 as well).

use std::io;

use mde_catalog::{LookupError, QueryError};
use mde_report::sanitize::vis;

#[derive(Debug)]
pub(crate) enum CliError {
    /// What the user asked for does not exist or cannot be parsed.
    Input { message: String, hints: Vec<String> },
    /// A sync-rule expression does not parse: shown under its text.
    Syntax {
        /// Where the expression came from (a file, a preset, a rule's mapping).
        origin: String,
        text: String,
        error: mde_syncrule::SyntaxError,
    },
    /// Some of several input files could not be used (the others were processed).
    Files { failures: Vec<String>, total: usize },
    /// The evidence could not be read at all.
    Bundle(mde_artifacts::BundleError),
    /// The bundle opened, but none of its files could be used.
    Unusable {
        path: std::path::PathBuf,
        artifacts: Vec<mde_artifacts::ArtifactInfo>,
    },
    /// Writing a report file failed.
    Write {
        path: std::path::PathBuf,
        source: io::Error,
    },
    /// Writing the output failed.
    Io(io::Error),
    /// The fleet console could not start or its database failed.
    Console(mde_console::ConsoleError),
    /// A report could not be uploaded to the console.
    Upload { url: String, message: String },
}

impl CliError {
    /// The message for stderr. Messages quote file names, zip entries and expressions from
    /// the input, so each part goes through the sanitiser: no part starts a line or steers
    /// the terminal.
    pub(crate) fn message(&self) -> String {
        match self {
            CliError::Input { message, .. } => vis(message).to_string(),
            CliError::Syntax { origin, error, .. } => vis(format!("{origin}: {error}")).to_string(),
            CliError::Files { failures, total } if failures.len() == 1 && *total == 1 => {
                vis(&failures[0]).to_string()
            }
            CliError::Files { failures, total } => format!(
                "{} of {total} files could not be read:\n  {}",
                failures.len(),
                failures
                    .iter()
                    .map(|f| vis(f).to_string())
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ),
            CliError::Bundle(e) => vis(e).to_string(),
            CliError::Unusable { path, artifacts } if artifacts.is_empty() => format!(
                "{}: the bundle holds no files; nothing to diagnose",
                path.display()
            ),
            CliError::Unusable { path, artifacts } => {
                let mut lines = vec![format!(
                    "{}: none of the {} file(s) in the bundle could be used:",
                    path.display(),
                    artifacts.len()
                )];
                for a in artifacts {
                    let status = match &a.status {
                        mde_artifacts::ArtifactStatus::Skipped { why, .. } => why.label(),
                        other => other.label(),
                    };
                    lines.push(format!(
                        "  {}: {status}{}",
                        vis(&a.path),
                        a.status
                            .reason()
                            .map(|r| format!(": {}", vis(r)))
                            .unwrap_or_default()
                    ));
                }
                lines.join("\n")
            }
            CliError::Write { path, source } => {
                format!("cannot write {}: {source}", vis(path.display()))
            }
            CliError::Io(e) => format!("cannot write output: {e}"),
            CliError::Console(e) => e.to_string(),
            CliError::Upload { url, message } => format!("upload to {url} failed: {message}"),
        }
    }

    /// Further lines of advice, sanitised like [`CliError::message`].
    pub(crate) fn hints(&self) -> Vec<String> {
        match self {
            CliError::Input { hints, .. } => hints.iter().map(|h| vis(h).to_string()).collect(),
            // The expression's line with the part at fault underlined (the first line of the
            // rendering repeats the message).
            CliError::Syntax {
                origin,
                text,
                error,
            } => error
                .render(origin, text)
                .lines()
                .skip(1)
                .map(|l| vis(l).to_string())
                .collect(),
            CliError::Files { .. } | CliError::Io(_) | CliError::Write { .. } => Vec::new(),
            CliError::Bundle(_) => Vec::new(),
            CliError::Unusable { .. } => vec![UNUSABLE_HINT.to_string()],
            CliError::Console(_) | CliError::Upload { .. } => Vec::new(),
        }
    }

    pub(crate) fn exit_status(&self) -> u8 {
        2
    }

    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::Io(e)
    }
}

const UNUSABLE_HINT: &str = "a bundle holds registry exports (.reg) or hives, `dsregcmd /status` \
output, event logs (.evtx, XML), probes.json or LDIF; see the README's bundle layout";

const FORMS: &str = "a code is a decimal enrollment status (e.g. 15), a symbolic name \
(e.g. EnrollmentRegistrationFailure_AAD_MismatchTenants) or an HRESULT (e.g. 0x801c001d)";

impl From<QueryError> for CliError {
    fn from(e: QueryError) -> Self {
        CliError::Input {
            message: e.to_string(),
            hints: vec![FORMS.to_string()],
        }
    }
}

impl From<LookupError> for CliError {
    fn from(e: LookupError) -> Self {
        let mut hints = Vec::new();
        match &e {
            LookupError::UnknownCode { nearest, .. } => {
                let list: Vec<String> = nearest.iter().map(u32::to_string).collect();
                hints.push(format!("nearest known codes: {}", list.join(", ")));
                hints.push(
                    "the public sources name codes 1-44; `mde-doctor codes` lists them all".into(),
                );
            }
            LookupError::UnknownHResult { nearest, .. } => {
                let list: Vec<String> = nearest.iter().map(|c| c.hex()).collect();
                hints.push(format!("nearest known codes: {}", list.join(", ")));
                hints
                    .push("`mde-doctor codes --hresults` lists the hybrid-join error codes".into());
            }
            LookupError::UnknownName { suggestions, .. } => {
                if suggestions.is_empty() {
                    hints.push(FORMS.to_string());
                } else {
                    hints.push(format!("did you mean: {}?", suggestions.join(", ")));
                }
                hints.push("`mde-doctor codes` lists every code and name".into());
            }
        }
        CliError::Input {
            message: e.to_string(),
            hints,
        }
    }
}

impl From<mde_syncrule::check::ConfigError> for CliError {
    fn from(e: mde_syncrule::check::ConfigError) -> Self {
        CliError::Input {
            message: e.to_string(),
            hints: Vec::new(),
        }
    }
}
