//! One module per subcommand.

mod analyze;
mod codes;
mod completions;
mod events;
mod explain;
mod fleet;
mod inspect;
mod json;
mod serve;
mod syncrule;
mod token;
mod upload;

pub(crate) use serve::ServeArgs;
pub(crate) use token::TokenCommand;
pub(crate) use upload::UploadArgs;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::CliError;

/// What a successful command tells the shell.
pub(crate) enum Status {
    Success,
    /// The analysis found an error on the device.
    Findings,
    /// Some inputs could not be read; the verdict covers the others.
    Incomplete,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Findings => ExitCode::from(1),
            Status::Incomplete => ExitCode::from(3),
        }
    }
}

pub(crate) fn run(cli: Cli) -> Result<Status, CliError> {
    match cli.command {
        Command::Analyze {
            bundle,
            format,
            output,
            upload,
        } => analyze::run(&bundle, format, output.as_deref(), &upload),
        Command::Serve(args) => serve::run(args),
        Command::Token(cmd) => token::run(cmd),
        Command::Fleet {
            inputs,
            format,
            output,
        } => fleet::run(&inputs, format, output.as_deref()),
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
        } => events::run(
            &files,
            since.as_deref(),
            channel.as_deref(),
            level,
            all,
            format,
        ),
        Command::Inspect { files, format, all } => inspect::run(&files, format, all),
    }
}

/// Success, or the files that could not be read (the others were processed).
pub(crate) fn finish(failures: Vec<String>, total: usize) -> Result<Status, CliError> {
    if failures.is_empty() {
        Ok(Status::Success)
    } else {
        Err(CliError::Files { failures, total })
    }
}
