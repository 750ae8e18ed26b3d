//! One module per subcommand.

mod analyze;
mod batch;
mod codes;
mod collect;
mod completions;
mod events;
mod explain;
mod fleet;
mod inspect;
mod probe;
mod schema;
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

/// What a successful command tells the shell. Every command that gives a verdict uses the
/// same statuses: 0 healthy, 1 failing, 2 input unusable (an error), 3 incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Done; for a verdict: healthy.
    Success,
    /// The analysis found an error on the device.
    Findings,
    /// No error found, but evidence the verdict needs is missing.
    Incomplete,
    /// Some of the input could not be used (the rest was processed and written).
    Unusable,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Findings => ExitCode::from(1),
            Status::Incomplete => ExitCode::from(3),
            Status::Unusable => ExitCode::from(2),
        }
    }
}

pub(crate) fn run(cli: Cli) -> Result<Status, CliError> {
    match cli.command {
        Command::Analyze {
            bundles,
            format,
            output,
            aadconnect_config,
            entra_connect_version,
            upload,
        } => {
            // A device, FIFO or socket named as a bundle is refused before it is opened.
            for bundle in &bundles {
                regular(bundle)?;
            }
            let options = diagnose_options(aadconnect_config.as_deref(), entra_connect_version)?;
            match bundles.as_slice() {
                [one] => analyze::run(one, format, output.as_deref(), &options, &upload),
                many => {
                    if upload.is_asked() {
                        return Err(CliError::Input {
                            message: "--upload takes one bundle at a time".into(),
                            hints: vec![
                                "mde-doctor fleet uploads nothing; run analyze --upload per bundle"
                                    .into(),
                            ],
                        });
                    }
                    batch::run(many, format, output.as_deref(), &options)
                }
            }
        }
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
        Command::Schema { name, list, write } => {
            schema::run(name.as_deref(), list, write.as_deref())
        }
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
        Command::Probe {
            probe,
            output,
            format,
        } => probe::run(&probe, output.as_deref(), format),
        Command::Collect {
            output,
            since,
            no_probes,
            probe,
            upload,
        } => collect::run(output.as_deref(), &since, no_probes, &probe, &upload),
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

/// What `analyze` knows beyond the bundle: an Entra Connect configuration export.
fn diagnose_options(
    aadconnect_config: Option<&std::path::Path>,
    entra_connect_version: Option<String>,
) -> Result<mde_diagnose::Options, CliError> {
    let aadconnect = aadconnect_config
        .map(|dir| {
            mde_syncrule::simulate::Config::load(dir).map_err(|e| CliError::Input {
                message: format!("--aadconnect-config {}: {e}", dir.display()),
                hints: vec![
                    "Give the folder Get-ADSyncServerConfiguration wrote (with Connectors and SynchronizationRules).".into(),
                ],
            })
        })
        .transpose()?;
    Ok(mde_diagnose::Options {
        aadconnect,
        entra_connect_version,
    })
}
