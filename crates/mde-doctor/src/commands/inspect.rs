//! `mde-doctor inspect FILE…`: what the readers make of each file.

use std::fmt::Write as _;
use std::path::Path;

use mde_artifacts::bundle::{Limits, Manifest, Probes, parse_json};
use mde_artifacts::dsregcmd::{DsregStatus, parse_dsregcmd};
use mde_artifacts::hive::{Selection, embedded_name, read_hive};
use mde_artifacts::reg::{RegFile, RegFormat, parse_reg};
use mde_artifacts::snapshot::ArtifactStatus;
use mde_artifacts::{Diagnostic, Kind, Snapshot, detect, read_bundle};
use serde_json::{Value, json};

use super::Status;
use crate::cli::Format;
use crate::error::CliError;
use crate::output::{self, DIM, ERROR, HEADING, WARNING};

/// What one file turned out to be.
enum Inspected {
    Reg(RegFile),
    Dsregcmd(Box<DsregStatus>),
    Bundle(Box<Snapshot>),
    Manifest(Manifest),
    Probes(Box<Probes>),
    /// A kind that another command reads (event logs, LDIF).
    Listed(Kind, u64),
}

pub(crate) fn run(
    files: &[std::path::PathBuf],
    format: Format,
    all: bool,
) -> Result<Status, CliError> {
    let limits = Limits::default();
    let mut results = Vec::new();
    let mut failures = Vec::new();
    for path in files {
        match inspect(path, all, limits) {
            Ok(found) => results.push((path.display().to_string(), found)),
            Err(message) => failures.push(format!("{}: {message}", path.display())),
        }
    }
    let text = match format {
        Format::Json => {
            let all: Vec<Value> = results.iter().map(|(p, i)| to_json(p, i)).collect();
            let mut s = serde_json::to_string_pretty(&all).expect("JSON of parsed artifacts");
            s.push('\n');
            s
        }
        Format::Text => results
            .iter()
            .map(|(p, i)| to_text(p, i))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    output::write_stdout(text.as_bytes())?;
    super::finish(failures, files.len())
}

fn inspect(path: &Path, all: bool, limits: Limits) -> Result<Inspected, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_dir() {
        return read_bundle(path, limits)
            .map(|s| Inspected::Bundle(Box::new(s)))
            .map_err(|e| e.to_string());
    }
    if meta.len() > limits.max_file {
        return Err(format!(
            "{} bytes is more than the {} MiB mde-doctor reads from one artifact",
            meta.len(),
            limits.max_file >> 20
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match detect(&name, &bytes) {
        Kind::Reg => parse_reg(&bytes)
            .map(Inspected::Reg)
            .map_err(|e| e.to_string()),
        Kind::Hive => {
            let hive_name = if ["SOFTWARE", "SYSTEM"]
                .iter()
                .any(|k| name.eq_ignore_ascii_case(k))
            {
                name.clone()
            } else {
                embedded_name(&bytes).unwrap_or(name.clone())
            };
            let logs = ["LOG1", "LOG2"]
                .iter()
                .filter_map(|ext| std::fs::read(path.with_file_name(format!("{name}.{ext}"))).ok())
                .collect();
            let selection = if all {
                Selection::All
            } else {
                Selection::OfInterest
            };
            read_hive(bytes, logs, &hive_name, selection)
                .map(Inspected::Reg)
                .map_err(|e| e.to_string())
        }
        Kind::Dsregcmd => parse_dsregcmd(&bytes)
            .map(|d| Inspected::Dsregcmd(Box::new(d)))
            .map_err(|e| e.to_string()),
        Kind::Zip => read_bundle(path, limits)
            .map(|s| Inspected::Bundle(Box::new(s)))
            .map_err(|e| e.to_string()),
        Kind::Manifest => parse_json(&bytes).map(Inspected::Manifest),
        Kind::Probes => parse_json(&bytes).map(|p| Inspected::Probes(Box::new(p))),
        kind
        @ (Kind::Evtx | Kind::EventXml | Kind::Ldif | Kind::HiveLog | Kind::ClientAnalyzer) => {
            Ok(Inspected::Listed(kind, bytes.len() as u64))
        }
        Kind::Unknown => Err(
            "cannot tell what this is: expected a registry export (.reg), a registry hive, \
             dsregcmd /status output, a bundle (directory or .zip), probes.json or manifest.json"
                .into(),
        ),
    }
}

fn to_json(file: &str, found: &Inspected) -> Value {
    match found {
        Inspected::Reg(reg) => json!({
            "file": file,
            "kind": if reg.format == RegFormat::Hive { "hive" } else { "reg" },
            "format": reg.format,
            "encoding": reg.encoding,
            "keys": reg.keys,
            "problems": reg.diagnostics,
        }),
        Inspected::Dsregcmd(d) => {
            let facts = d.facts();
            json!({
                "file": file,
                "kind": "dsregcmd",
                "encoding": d.encoding,
                "layout": d.layout,
                "join_state": facts.join_state,
                "device": facts.device,
                "tenant": facts.tenant,
                "sso": facts.sso,
                "diagnostics": facts.diagnostics,
                "sections": d.sections,
                "notes": d.notes,
                "problems": d.diagnostics,
            })
        }
        Inspected::Bundle(s) => {
            let mut v = serde_json::to_value(s).expect("snapshot JSON");
            if let Value::Object(map) = &mut v {
                map.insert("file".into(), json!(file));
                map.insert("kind".into(), json!("bundle"));
                if let Some(d) = &s.dsregcmd {
                    map.insert(
                        "dsregcmd_facts".into(),
                        serde_json::to_value(d.value.facts()).expect("facts"),
                    );
                }
            }
            v
        }
        Inspected::Manifest(m) => json!({"file": file, "kind": "manifest", "manifest": m}),
        Inspected::Probes(p) => json!({"file": file, "kind": "probes", "probes": p}),
        Inspected::Listed(kind, size) => json!({
            "file": file,
            "kind": kind.name(),
            "size": size,
            "note": listed_note(*kind),
        }),
    }
}

fn listed_note(kind: Kind) -> &'static str {
    match kind {
        Kind::Evtx | Kind::EventXml => "event logs are read by `mde-doctor events` and `analyze`",
        Kind::Ldif => "LDIF is read by `mde-doctor syncrule` and `analyze`",
        Kind::HiveLog => "a hive transaction log: inspect the hive beside it",
        Kind::ClientAnalyzer => {
            "the MDE Client Analyzer's results are read by `analyze` (the whole archive)"
        }
        _ => "",
    }
}

fn problems_text(s: &mut String, problems: &[Diagnostic]) {
    for p in problems {
        let _ = writeln!(s, "  {WARNING}problem{WARNING:#} {p}");
    }
}

fn to_text(file: &str, found: &Inspected) -> String {
    let mut s = String::new();
    match found {
        Inspected::Reg(reg) => {
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
                "{HEADING}{file}{HEADING:#}: {what}, {} key(s), {values} value(s)",
                reg.keys.len()
            );
            for key in &reg.keys {
                let deleted = if key.deleted { " (delete)" } else { "" };
                let _ = writeln!(s, "  [{}]{deleted}  {DIM}{}{DIM:#}", key.path, key.at);
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
                        "    {name:<28} {:<14} {data}  {DIM}{}{DIM:#}",
                        v.data.type_name(),
                        v.at
                    );
                }
            }
            problems_text(&mut s, &reg.diagnostics);
        }
        Inspected::Dsregcmd(d) => {
            let f = d.facts();
            let _ = writeln!(
                s,
                "{HEADING}{file}{HEADING:#}: dsregcmd /status ({:?} layout, {})",
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
                    "  tenant:     {t} ({})",
                    f.tenant.tenant_name.as_deref().unwrap_or("no name")
                );
            }
            if let Some(id) = &f.device.device_id {
                let _ = writeln!(s, "  device id:  {id}");
            }
            if let Some(phase) = &f.diagnostics.error_phase {
                let code = f
                    .diagnostics
                    .client_error_code
                    .map(|c| c.hex())
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "  {ERROR}registration error{ERROR:#}: phase {phase}, client error {code}"
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
                    "  {HEADING}{title}{HEADING:#}  {DIM}{}{DIM:#}",
                    section.at
                );
                for field in &section.fields {
                    let _ = writeln!(
                        s,
                        "    {:<28} {}  {DIM}{}{DIM:#}",
                        field.key, field.value, field.at
                    );
                }
            }
            problems_text(&mut s, &d.diagnostics);
        }
        Inspected::Bundle(b) => {
            let _ = writeln!(
                s,
                "{HEADING}{file}{HEADING:#}: evidence bundle, {} files",
                b.artifacts.len()
            );
            if let Some(m) = &b.manifest {
                let _ = writeln!(
                    s,
                    "  host {} collected {} by {}",
                    m.value.hostname.as_deref().unwrap_or("?"),
                    m.value.collected_at.as_deref().unwrap_or("?"),
                    m.value.collector.as_deref().unwrap_or("?")
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
                    ArtifactStatus::Skipped { reason } => (WARNING, format!("skipped: {reason}")),
                };
                let _ = writeln!(
                    s,
                    "  {:<48} {:<10} {style}{status}{style:#}",
                    a.path,
                    a.kind.name()
                );
                for d in &a.diagnostics {
                    let _ = writeln!(s, "      {DIM}{d}{DIM:#}");
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
                let _ = writeln!(s, "  dsregcmd ({}): {join}", d.artifact);
            }
            if let Some(p) = &b.probes {
                let _ = writeln!(
                    s,
                    "  probes ({}): {} endpoint test(s)",
                    p.artifact,
                    p.value.endpoints.len()
                );
            }
        }
        Inspected::Manifest(m) => {
            let _ = writeln!(s, "{HEADING}{file}{HEADING:#}: bundle manifest");
            let _ = writeln!(s, "  hostname {}", m.hostname.as_deref().unwrap_or("?"));
            let _ = writeln!(
                s,
                "  collected_at {}",
                m.collected_at.as_deref().unwrap_or("?")
            );
        }
        Inspected::Probes(p) => {
            let _ = writeln!(s, "{HEADING}{file}{HEADING:#}: network and clock probes");
            if let Some(skew) = p.clock.as_ref().and_then(|c| c.skew_seconds) {
                let _ = writeln!(s, "  clock skew {skew:.1} s");
            }
            for e in &p.endpoints {
                let _ = writeln!(
                    s,
                    "  {:<48} dns {} tcp {} tls {} {}",
                    e.url,
                    e.dns.as_deref().unwrap_or("-"),
                    e.tcp.as_deref().unwrap_or("-"),
                    e.tls.as_deref().unwrap_or("-"),
                    e.error.as_deref().unwrap_or("")
                );
            }
        }
        Inspected::Listed(kind, size) => {
            let _ = writeln!(
                s,
                "{HEADING}{file}{HEADING:#}: {} ({size} bytes) — {}",
                kind.name(),
                listed_note(*kind)
            );
        }
    }
    s
}
