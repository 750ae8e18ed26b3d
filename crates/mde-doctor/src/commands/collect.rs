//! `mde-doctor collect`: gather this device's evidence, then diagnose it on the spot.

use std::path::Path;

use super::Status;
use crate::cli::ProbeArgs;
use crate::error::CliError;

#[cfg(not(windows))]
pub(crate) fn run(
    _output: Option<&Path>,
    _since: &str,
    _no_probes: bool,
    _probe: &ProbeArgs,
    _upload: &super::UploadArgs,
) -> Result<Status, CliError> {
    Err(CliError::Input {
        message: "collect reads the live Windows registry, dsregcmd and event logs: run it on \
                  the Windows device"
            .into(),
        hints: vec![
            "here, `mde-doctor probe` runs the network and clock probes".into(),
            "`mde-doctor analyze BUNDLE` diagnoses a bundle copied off the device".into(),
        ],
    })
}

#[cfg(windows)]
pub(crate) fn run(
    output: Option<&Path>,
    since: &str,
    no_probes: bool,
    probe: &ProbeArgs,
    upload: &super::UploadArgs,
) -> Result<Status, CliError> {
    use mde_collect::windows::{CollectOptions, collect};

    let input = |message: String| CliError::Input {
        message,
        hints: Vec::new(),
    };
    let since = parse_age(since).map_err(input)?;
    let probes = if no_probes {
        None
    } else {
        Some(super::probe::options(probe)?)
    };
    let host = mde_collect::windows::host_name();
    let zip = match output {
        Some(p) => p.to_path_buf(),
        None => std::path::PathBuf::from(format!(
            "mde-doctor-{}-{}.zip",
            safe_name(&host),
            jiff_stamp()
        )),
    };
    let elevated = mde_collect::windows::is_elevated();
    if !elevated {
        eprintln!(
            "warning: not running as administrator: SYSTEM's view (dsregcmd as SYSTEM, \
             protected event logs, SenseCM state files) will be missing; run from an elevated \
             prompt for a complete bundle"
        );
    }
    let options = CollectOptions {
        since,
        probes,
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    eprintln!("collecting into {} …", zip.display());
    let outcome = collect(&options);
    for step in outcome.bundle.steps() {
        let detail = step
            .error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        eprintln!(
            "  {:<22} {:<8} {:>6} ms{detail}",
            step.name, step.status, step.duration_ms
        );
    }
    outcome
        .bundle
        .write_zip(&zip, outcome.manifest)
        .map_err(|e| input(e.to_string()))?;
    eprintln!("wrote {}", zip.display());
    let html = zip.with_extension("html");
    // On the device there is no Entra Connect export: the default rule of the newest version.
    let options = mde_diagnose::Options::default();
    let status = super::analyze::run(
        &zip,
        crate::cli::ReportFormat::Html,
        Some(&html),
        &options,
        &super::UploadArgs::default(),
    )?;
    // The diagnosis goes to the console (with --upload) once, with the terminal report.
    super::analyze::run(&zip, crate::cli::ReportFormat::Text, None, &options, upload)?;
    Ok(status)
}

/// `14d`, `12h` or a bare number of days.
#[cfg(windows)]
fn parse_age(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let (n, unit) = match t.strip_suffix(['d', 'D']) {
        Some(n) => (n, 86_400),
        None => match t.strip_suffix(['h', 'H']) {
            Some(n) => (n, 3_600),
            None => (t, 86_400),
        },
    };
    let n: u64 = n
        .parse()
        .map_err(|_| format!("--since {s}: give days (14d) or hours (12h)"))?;
    if n == 0 || n > 3650 * 24 {
        return Err(format!("--since {s}: out of range"));
    }
    Ok(std::time::Duration::from_secs(n * unit))
}

#[cfg(windows)]
fn safe_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(63)
        .collect()
}

#[cfg(windows)]
fn jiff_stamp() -> String {
    mde_collect::windows::timestamp_for_file_name()
}
