//! `mde-doctor inspect FILE…`: what the readers make of each file.

use std::fmt::Write as _;
use std::path::Path;

use mde_artifacts::reg::RegFormat;
use mde_artifacts::snapshot::ArtifactStatus;
use mde_artifacts::{
    Artifact, Diagnostic, Kind, OpenError, Parsed, ReadOptions, Selection, Snapshot, read_path,
};
use serde_json::{Value, json};

use super::{Status, without_path};
use crate::cli::Format;
use crate::error::CliError;
use crate::output::{self, DIM, ERROR, HEADING, WARNING};
use mde_report::sanitize::{JsonVisible, bidi_warnings_at, vis};
use serde::Serialize;
use std::io::Write as _;

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
            let mut out = std::io::BufWriter::new(JsonVisible::new(stdout.lock()));
            out.write_all(b"[")?;
            let mut first = true;
            for path in files {
                match inspect(path, all, options) {
                    Ok(found) => {
                        out.write_all(if first { b"\n" } else { b",\n" })?;
                        first = false;
                        write_json(&mut out, &path.display().to_string(), &found)?;
                    }
                    Err(message) => failures.push(format!("{}: {message}", path.display())),
                }
            }
            out.write_all(if first { b"]\n" } else { b"\n]\n" })?;
            out.flush()?;
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

/// A registry file as JSON, serialized straight from the parsed file (no `Value` tree: a
/// large export must not take several times its parsed size again).
#[derive(Serialize)]
struct RegJson<'a> {
    file: &'a str,
    kind: &'static str,
    format: RegFormat,
    encoding: Option<mde_artifacts::text::Encoding>,
    keys: &'a [mde_artifacts::reg::RegKey],
    problems: &'a [Diagnostic],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// `dsregcmd /status` as JSON: the typed facts (small) as values, the sections borrowed.
#[derive(Serialize)]
struct DsregJson<'a> {
    file: &'a str,
    kind: &'static str,
    encoding: Value,
    layout: Value,
    join_state: Value,
    device: Value,
    tenant: Value,
    sso: Value,
    diagnostics: Value,
    sections: &'a [mde_artifacts::dsregcmd::Section],
    notes: &'a [mde_artifacts::dsregcmd::Note],
    problems: &'a [Diagnostic],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// Bidi warnings over a list, one element at a time (each turned into a small JSON value,
/// never the whole list).
fn warnings_over<T: Serialize>(pointer: &str, items: &[T], out: &mut Vec<String>) {
    for (i, item) in items.iter().enumerate() {
        if let Ok(v) = serde_json::to_value(item) {
            bidi_warnings_at(&format!("{pointer}/{i}"), &v, out);
        }
    }
}

fn to_value<T: Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Writes a JSON value built in memory (artifacts whose size is bounded), with warnings.
fn small_json(out: &mut impl std::io::Write, mut json: Value) -> serde_json::Result<()> {
    mde_report::with_warnings(&mut json);
    serde_json::to_writer_pretty(out, &json)
}

fn write_json(out: &mut impl std::io::Write, file: &str, found: &Artifact) -> std::io::Result<()> {
    let mut warnings = Vec::new();
    let result = match found {
        Artifact::File(Parsed::Registry(reg)) => {
            warnings_over("/keys", &reg.keys, &mut warnings);
            let json = RegJson {
                file,
                kind: if reg.format == RegFormat::Hive {
                    "hive"
                } else {
                    "reg"
                },
                format: reg.format,
                encoding: reg.encoding,
                keys: &reg.keys,
                problems: &reg.diagnostics,
                warnings,
            };
            serde_json::to_writer_pretty(&mut *out, &json)
        }
        Artifact::File(Parsed::Dsregcmd(d)) => {
            let facts = d.facts();
            for (i, section) in d.sections.iter().enumerate() {
                warnings_over(
                    &format!("/sections/{i}/fields"),
                    &section.fields,
                    &mut warnings,
                );
            }
            let json = DsregJson {
                file,
                kind: "dsregcmd",
                encoding: to_value(d.encoding),
                layout: to_value(d.layout),
                join_state: to_value(&facts.join_state),
                device: to_value(&facts.device),
                tenant: to_value(&facts.tenant),
                sso: to_value(&facts.sso),
                diagnostics: to_value(&facts.diagnostics),
                sections: &d.sections,
                notes: &d.notes,
                problems: &d.diagnostics,
                warnings,
            };
            serde_json::to_writer_pretty(&mut *out, &json)
        }
        Artifact::Bundle(s) => small_json(out, bundle_json(file, s)),
        Artifact::File(Parsed::Manifest(m)) => small_json(
            out,
            json!({"file": file, "kind": "manifest", "manifest": m}),
        ),
        Artifact::File(Parsed::Probes(p)) => {
            small_json(out, json!({"file": file, "kind": "probes", "probes": p}))
        }
        Artifact::Listed(kind, size) => small_json(
            out,
            json!({
                "file": file,
                "kind": kind.name(),
                "size": size,
                "note": listed_note(*kind),
            }),
        ),
    };
    result.map_err(std::io::Error::from)
}

fn bundle_json(file: &str, s: &Snapshot) -> Value {
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
                listed_note(*kind)
            );
        }
    }
    s
}
