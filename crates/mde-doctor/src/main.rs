//! `mde-doctor`: the command-line front end. It parses arguments, calls the library crates
//! and is the one place that turns their errors into messages and exit codes.

mod cli;
mod commands;
mod error;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::error::CliError;

/// mimalloc: `events --all` on a large log makes millions of small allocations (each event's
/// names and values), which it serves at about half the CPU time of the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    cli.color.write_global();
    match commands::run(cli) {
        Ok(status) => status.into(),
        Err(err) => report(err),
    }
}

/// Prints an error the way every subcommand does and picks its exit status.
fn report(err: CliError) -> ExitCode {
    if err.is_broken_pipe() {
        // `mde-doctor codes | head` is not an error.
        return ExitCode::SUCCESS;
    }
    let mut stderr = anstream::stderr();
    let style = anstyle::Style::new()
        .bold()
        .fg_color(Some(anstyle::AnsiColor::Red.into()));
    let _ = std::io::Write::write_fmt(
        &mut stderr,
        format_args!("{style}error:{style:#} {}\n", err.message()),
    );
    for hint in err.hints() {
        let _ = std::io::Write::write_fmt(&mut stderr, format_args!("  {hint}\n"));
    }
    ExitCode::from(err.exit_status())
}
