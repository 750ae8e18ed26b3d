//! `mde-doctor inspect FILE…`: what the readers make of each file.

use std::fmt::Write as _;
use std::path::Path;

use mde_artifacts::reg::RegFormat;
use mde_artifacts::snapshot::ArtifactStatus;
use mde_artifacts::{Artifact, Diagnostic, OpenError, Parsed, ReadOptions, Selection, read_path};
use std::cell::RefCell;

use mde_schema::inspect::{Emit, FileStream, InspectDocument, InspectedFile};

use super::{Status, without_path};
use crate::cli::Format;
use crate::error::CliError;
use crate::output::{self, DIM, ERROR, HEADING, WARNING};
use mde_report::sanitize::{bidi_warnings_at, vis};

pub(crate) fn run(
    files: &[std::path::PathBuf],
    format: Format,
    all: bool,
    options: ReadOptions,
) -> Result<Status, CliError> {
    let mut failures = Vec::new();
    // One file at a time, written as soon as it is read and dropped before the next: memory
    // is bounded by the largest file, not by all of them.
    let stdout = std::io::stdout();
    match format {
        Format::Json => {
            let failed = RefCell::new(Vec::new());
            let read = |path: &Path, emit: &mut Emit<'_>| -> Result<(), String> {
                let found = inspect(path, all, options)?;
                let shown = path.display().to_string();
                let mut file = InspectedFile::new(&shown, &found);
                *file.warnings_mut() = warnings(&file);
                emit(&file)
            };
            let doc = InspectDocument {
                files: FileStream {
                    paths: files,
                    read: &read,
                    failures: &failed,
                },
                failures: &failed,
            };
            mde_report::json::write_document_streamed_pretty(stdout.lock(), &doc)?;
            failures = failed.into_inner();
        }
        Format::Text => {
            let mut first = true;
            for path in files {
                match inspect(path, all, options) {
                    Ok(found) => {
                        let text = to_text(&path.display().to_string(), &found);
                        if !first {
                            output::write_stdout(b"\n")?;
                        }
                        first = false;
                        output::write_stdout(text.as_bytes())?;
                    }
                    Err(message) => failures.push(format!("{}: {message}", path.display())),
                }
            }
        }
    }
    super::finish(failures, files.len())
}

/// Reads one path through the library's dispatch; the message names no path (the caller
/// names the file once).
fn inspect(path: &Path, all: bool, options: ReadOptions) -> Result<Artifact, String> {
    let hive = if all {
        Selection::All
    } else {
        Selection::Subtrees(mde_diagnose::wanted::registry_subtrees())
    };
    read_path(path, options, mde_diagnose::wanted::wanted(), hive).map_err(|e| match e {
        OpenError::Read(e) => without_path(e, path),
        other => other.to_string(),
    })
}

/// Bidi warnings of one entry: over a registry file's keys and a dsregcmd file's fields one
/// element at a time (a large export is never turned into one JSON tree), over the whole
/// entry for the others (their size is bounded).
fn warnings(file: &InspectedFile<'_>) -> Vec<String> {
    let mut out = Vec::new();
    match file {
        InspectedFile::Registry(reg) => warnings_over("/keys", reg.keys, &mut out),
        InspectedFile::Dsregcmd(d) => {
            for (i, section) in d.sections.iter().enumerate() {
                warnings_over(&format!("/sections/{i}/fields"), &section.fields, &mut out);
            }
        }
        other => out = mde_report::json::warnings_of(other).unwrap_or_default(),
    }
    out
}

/// Bidi warnings over a list, one element at a time (each turned into a small JSON value,
/// never the whole list).
fn warnings_over<T: serde::Serialize>(pointer: &str, items: &[T], out: &mut Vec<String>) {
    for (i, item) in items.iter().enumerate() {
        if let Ok(v) = serde_json::to_value(item) {
            bidi_warnings_at(&format!("{pointer}/{i}"), &v, out);
        }
    }
}

fn problems_text(s: &mut String, problems: &[Diagnostic]) {
    for p in problems {
        let _ = writeln!(s, "  {WARNING}problem{WARNING:#} {}", vis(p));
    }
}

fn to_text(file: &str, found: &Artifact) -> String {
    let mut s = String::new();
    match found {
        Artifact::File(Parsed::Registry(reg)) => {
            let what = match reg.format {
                RegFormat::Hive => "registry hive".to_string(),
                RegFormat::Regedit5 => format!(
                    "registry export (regedit 5, {})",
                    reg.encoding.map(|e| e.name()).unwrap_or("?")
                ),
                RegFormat::Regedit4 => "registry export (REGEDIT4)".to_string(),
            };
            let values: usize = reg.keys.iter().map(|k| k.values.len()).sum();
            let _ = writeln!(
                s,
                "{HEADING}{}{HEADING:#}: {what}, {} key(s), {values} value(s)",
                vis(file),
                reg.keys.len()
            );
            for key in &reg.keys {
                let deleted = if key.deleted { " (delete)" } else { "" };
                let _ = writeln!(s, "  [{}]{deleted}  {DIM}{}{DIM:#}", vis(&key.path), key.at);
                for v in &key.values {
                    let name = if v.name.is_empty() {
                        "@"
                    } else {
                        v.name.as_str()
                    };
                    let mut data = v.data.display();
                    if data.chars().count() > 100 {
                        data = data.chars().take(97).collect::<String>() + "...";
                    }
                    let _ = writeln!(
                        s,
                        "    {:<28} {:<14} {}  {DIM}{}{DIM:#}",
                        vis(name),
                        v.data.type_name(),
                        vis(data),
                        v.at
                    );
                }
            }
            problems_text(&mut s, &reg.diagnostics);
        }
        Artifact::File(Parsed::Dsregcmd(d)) => {
            let f = d.facts();
            let _ = writeln!(
                s,
                "{HEADING}{}{HEADING:#}: dsregcmd /status ({:?} layout, {})",
                vis(file),
                d.layout,
                d.encoding.name()
            );
            let join = f
                .join_state
                .kind
                .map(|k| k.describe())
                .unwrap_or("not shown");
            let _ = writeln!(s, "  join state: {join}");
            if let Some(t) = &f.tenant.tenant_id {
                let _ = writeln!(
                    s,
                    "  tenant:     {} ({})",
                    vis(t),
                    vis(f.tenant.tenant_name.as_deref().unwrap_or("no name"))
                );
            }
            if let Some(id) = &f.device.device_id {
                let _ = writeln!(s, "  device id:  {}", vis(id));
            }
            if let Some(phase) = &f.diagnostics.error_phase {
                let code = f
                    .diagnostics
                    .client_error_code
                    .map(|c| c.hex())
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "  {ERROR}registration error{ERROR:#}: phase {}, client error {code}",
                    vis(phase)
                );
            }
            for section in &d.sections {
                let title = if section.name.is_empty() {
                    "(untitled)"
                } else {
                    &section.name
                };
                let _ = writeln!(
                    s,
                    "  {HEADING}{}{HEADING:#}  {DIM}{}{DIM:#}",
                    vis(title),
                    section.at
                );
                for field in &section.fields {
                    let _ = writeln!(
                        s,
                        "    {:<28} {}  {DIM}{}{DIM:#}",
                        vis(&field.key),
                        vis(&field.value),
                        field.at
                    );
                }
            }
            problems_text(&mut s, &d.diagnostics);
        }
        Artifact::Bundle(b) => {
            let _ = writeln!(
                s,
                "{HEADING}{}{HEADING:#}: evidence bundle, {} files",
                vis(file),
                b.artifacts.len()
            );
            if let Some(m) = &b.manifest {
                let _ = writeln!(
                    s,
                    "  host {} collected {} by {}",
                    vis(m.value.hostname.as_deref().unwrap_or("?")),
                    vis(m.value.collected_at.as_deref().unwrap_or("?")),
                    vis(m.value.collector.as_deref().unwrap_or("?"))
                );
            }
            for a in &b.artifacts {
                let (style, status) = match &a.status {
                    ArtifactStatus::Read => (DIM, "read".to_string()),
                    ArtifactStatus::Partial => (
                        WARNING,
                        format!("read with {} problem(s)", a.diagnostics.len()),
                    ),
                    ArtifactStatus::Damaged { reason } => (ERROR, format!("damaged: {reason}")),
                    ArtifactStatus::Listed => (DIM, "listed".to_string()),
                    ArtifactStatus::Skipped { why, reason } => {
                        (WARNING, format!("skipped ({}): {reason}", why.label()))
                    }
                };
                let _ = writeln!(
                    s,
                    "  {:<48} {:<10} {style}{}{style:#}",
                    vis(&a.path),
                    a.kind.name(),
                    vis(status)
                );
                for d in &a.diagnostics {
                    let _ = writeln!(s, "      {DIM}{}{DIM:#}", vis(d));
                }
            }
            let values: usize = b.registry.keys.iter().map(|k| k.values.len()).sum();
            let _ = writeln!(
                s,
                "  registry: {} keys, {values} values",
                b.registry.keys.len()
            );
            if let Some(d) = &b.dsregcmd {
                let join = d
                    .value
                    .facts()
                    .join_state
                    .kind
                    .map(|k| k.describe())
                    .unwrap_or("not shown");
                let _ = writeln!(s, "  dsregcmd ({}): {join}", vis(&d.artifact));
            }
            if let Some(p) = &b.probes {
                let _ = writeln!(
                    s,
                    "  probes ({}): {} endpoint test(s)",
                    vis(&p.artifact),
                    p.value.endpoints.len()
                );
            }
        }
        Artifact::File(Parsed::Manifest(m)) => {
            let _ = writeln!(s, "{HEADING}{}{HEADING:#}: bundle manifest", vis(file));
            let _ = writeln!(
                s,
                "  hostname {}",
                vis(m.hostname.as_deref().unwrap_or("?"))
            );
            let _ = writeln!(
                s,
                "  collected_at {}",
                vis(m.collected_at.as_deref().unwrap_or("?"))
            );
        }
        Artifact::File(Parsed::Probes(p)) => {
            let _ = writeln!(
                s,
                "{HEADING}{}{HEADING:#}: network and clock probes",
                vis(file)
            );
            if let Some(skew) = p.clock.as_ref().and_then(|c| c.skew_seconds) {
                let _ = writeln!(s, "  clock skew {skew:.1} s");
            }
            for e in &p.endpoints {
                let _ = writeln!(
                    s,
                    "  {:<48} dns {} tcp {} tls {} {}",
                    vis(&e.url),
                    vis(e.dns.as_deref().unwrap_or("-")),
                    vis(e.tcp.as_deref().unwrap_or("-")),
                    vis(e.tls.as_deref().unwrap_or("-")),
                    vis(e.error.as_deref().unwrap_or(""))
                );
            }
        }
        Artifact::Listed(kind, size) => {
            let _ = writeln!(
                s,
                "{HEADING}{}{HEADING:#}: {} ({size} bytes) — {}",
                vis(file),
                kind.name(),
                mde_schema::inspect::listed_note(*kind)
            );
        }
    }
    s
}
