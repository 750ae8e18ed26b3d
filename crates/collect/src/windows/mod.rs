//! Live collection on Windows: the registry keys the checks use, `dsregcmd /status` as the
//! user and as SYSTEM, event logs, SenseCM's state files, the service connection point and
//! the computer object over LDAP, and the probes, into a [`Bundle`]
//! in the layout `analyze` reads. Each part is a step: one that fails is recorded in
//! `manifest.json` and the others go on. Nothing is left behind — the scheduled task and
//! the temporary files are removed whatever happens.

mod directory;
mod dsreg;
mod events;
mod registry;
mod win32;

use std::time::Duration;

use crate::bundle::{Bundle, StepError, StepResult};
use crate::probe::proxy::{WinHttp, parse_winhttp_settings};
use crate::probe::{self, ProbeOptions};

/// What to collect.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Event log window.
    pub since: Duration,
    /// `None`: no probes.
    pub probes: Option<ProbeOptions>,
    /// The collector's version, for the manifest.
    pub version: String,
}

/// The gathered bundle and the manifest's fixed fields (the steps are added when written).
pub struct Outcome {
    pub bundle: Bundle,
    pub manifest: serde_json::Map<String, serde_json::Value>,
}

/// Runs every step.
pub fn collect(options: &CollectOptions) -> Outcome {
    let elevated = is_elevated();
    let mut bundle = Bundle::new();
    bundle.step("registry", registry::export);
    bundle.step("dsregcmd (user)", dsreg::as_user);
    bundle.step("dsregcmd (SYSTEM)", |b| {
        if elevated {
            dsreg::as_system(b)
        } else {
            Err(StepError::skipped(
                "needs an elevated prompt (a scheduled task runs it as SYSTEM)",
            ))
        }
    });
    bundle.step("event logs", |b| events::export(b, options.since));
    bundle.step("SenseCM state files", sensecm_files);
    bundle.step("service connection point (LDAP)", |b| {
        directory::read(b, &host_name())
    });
    bundle.step("probes", |b| match &options.probes {
        None => Err(StepError::skipped("--no-probes")),
        Some(p) => {
            let probes = probe::run(p).map_err(|e| StepError::failed(e.to_string()))?;
            b.add(
                "probes.json",
                serde_json::to_vec_pretty(&mde_schema::tagged(&probes)).unwrap_or_default(),
            );
            Ok(StepResult::default())
        }
    });
    let mut manifest = serde_json::Map::new();
    manifest.insert("hostname".into(), host_name().into());
    manifest.insert("collected_at".into(), now_rfc3339().into());
    manifest.insert(
        "collector".into(),
        format!("mde-doctor collect {}", options.version).into(),
    );
    manifest.insert("elevated".into(), elevated.into());
    manifest.insert("account".into(), account_name().into());
    Outcome { bundle, manifest }
}

/// `%COMPUTERNAME%`.
pub fn host_name() -> String {
    std::env::var("COMPUTERNAME").unwrap_or_else(|_| "unknown".into())
}

pub fn is_elevated() -> bool {
    win32::is_elevated()
}

/// The account the process runs as.
pub fn account_name() -> String {
    win32::user_name().unwrap_or_else(|| std::env::var("USERNAME").unwrap_or_default())
}

/// The WinHTTP proxy setting, if the registry has one.
pub fn winhttp_proxy() -> Option<WinHttp> {
    let key = win32::Key::open_hklm(
        r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections",
    )
    .ok()?;
    let values = key.values().ok()?;
    let (_, _, bytes) = values
        .into_iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case("WinHttpSettings"))?;
    parse_winhttp_settings(&bytes).ok()
}

fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `20261123-094100`, for default file names.
pub fn timestamp_for_file_name() -> String {
    jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string()
}

/// SenseCM's configuration and enforcement reports under ProgramData (readable by SYSTEM
/// and administrators), JSON only, each bounded.
fn sensecm_files(b: &mut Bundle) -> Result<StepResult, StepError> {
    const MAX: u64 = 16 * 1024 * 1024;
    let root = std::env::var("ProgramData").unwrap_or_else(|_| r"C:\ProgramData".into());
    let dir = std::path::Path::new(&root)
        .join(r"Microsoft\Windows Defender Advanced Threat Protection\SenseCM");
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| StepError::failed(format!("{}: {e}", dir.display())))?;
    let mut unreadable = Vec::new();
    for entry in entries.flatten().take(200) {
        let path = entry.path();
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let small = entry
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() <= MAX);
        if !(is_json && small) {
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) => b.add(
                &format!("sensecm/{}", entry.file_name().to_string_lossy()),
                bytes,
            ),
            Err(e) => unreadable.push(format!("{}: {e}", path.display())),
        }
    }
    Ok(StepResult {
        partial: (!unreadable.is_empty()).then(|| unreadable.join("; ")),
        ..StepResult::default()
    })
}
