//! `mde-doctor completions SHELL`.

use clap::CommandFactory;
use clap_complete::Shell as Target;

use super::Status;
use crate::cli::{Cli, Shell};
use crate::error::CliError;

pub(crate) fn run(shell: Shell) -> Result<Status, CliError> {
    let target = match shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
        Shell::Powershell => Target::PowerShell,
        Shell::Elvish => Target::Elvish,
    };
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(target, &mut command, "mde-doctor", &mut out);
    crate::output::write_stdout(&out)?;
    Ok(Status::Success)
}
