//! One module per subcommand.

mod analyze;
mod codes;
mod completions;
mod events;
mod explain;
mod inspect;
mod json;
mod syncrule;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::CliError;

/// What a successful command tells the shell.
pub(crate) enum Status {
    Success,
    /// The analysis found an error on the device.
    Findings,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Findings => ExitCode::from(1),
        }
    }
}

pub(crate) fn run(cli: Cli) -> Result<Status, CliError> {
    match cli.command {
        Command::Analyze {
            bundle,
            format,
            output,
        } => {
            // A device, FIFO or socket named as the bundle is refused before it is opened.
            regular(&bundle)?;
            analyze::run(&bundle, format, output.as_deref())
        }
        Command::Explain { code, format } => explain::run(&code, format),
        Command::Codes {
            format,
            hresults,
            category,
        } => codes::run(format, hresults, category.as_deref()),
        Command::Completions { shell } => completions::run(shell),
        Command::Syncrule(cmd) => syncrule::run(cmd),
        Command::Events {
            files,
            since,
            channel,
            level,
            all,
            format,
            limits,
        } => events::run(
            &files,
            events::Filters {
                since: since.as_deref(),
                channel: channel.as_deref(),
                level,
                all,
            },
            format,
            limits.options_or(events::MAX_FILE),
        ),
        Command::Inspect {
            files,
            format,
            all,
            limits,
        } => inspect::run(&files, format, all, limits.options()),
    }
}

/// Refuses a path that names a device, FIFO or socket (exit status 2), without opening it.
/// A missing path passes: the command's own reader says what is missing.
pub(crate) fn regular(path: &std::path::Path) -> Result<(), CliError> {
    match mde_artifacts::check_path(path) {
        Err(e @ mde_artifacts::ReadError::NotRegular { .. }) => Err(CliError::Input {
            message: e.to_string(),
            hints: Vec::new(),
        }),
        _ => Ok(()),
    }
}

/// A read error's message without its leading path (the caller names the file once).
pub(crate) fn without_path(e: mde_artifacts::ReadError, path: &std::path::Path) -> String {
    let text = e.to_string();
    let prefix = format!("{}: ", path.display());
    text.strip_prefix(&prefix).unwrap_or(&text).to_string()
}

/// Success, or the files that could not be read (the others were processed).
pub(crate) fn finish(failures: Vec<String>, total: usize) -> Result<Status, CliError> {
    if failures.is_empty() {
        Ok(Status::Success)
    } else {
        Err(CliError::Files { failures, total })
    }
}
