//! `mde-doctor syncrule eval|simulate|check`: arguments, output and exit codes. Parsing,
//! evaluation, simulation, checks and reading exports live in `mde-syncrule`; the JSON
//! lines are the typed records of `mde_schema::syncrule`.

use std::collections::BTreeMap;
use std::io::Write;

use mde_report::sanitize::{has_bidi, json_visible, vis};
use mde_schema::syncrule::{
    EvalRecord, EvalResult, ExplainStep, SimulateChange, SimulateOutcome, SimulateRecord,
    SimulateSteps, SimulateSummary,
};
use mde_syncrule::input::{Format, blocks};
use mde_syncrule::simulate::{Config, Decision, Outcome};
use mde_syncrule::{Ctx, Expr, Func, Object, Value, presets};

use super::Status;
use crate::cli::{EvalFormat, ExprSource, SyncruleCommand};
use crate::error::CliError;

fn input(message: String) -> CliError {
    CliError::Input {
        message,
        hints: Vec::new(),
    }
}

fn expression(
    expr: Option<&str>,
    file: Option<&std::path::Path>,
    preset: Option<&str>,
) -> Result<(String, String), CliError> {
    if let Some(name) = preset {
        return presets::preset(name)
            .map(|t| (format!("preset {name}"), t.to_string()))
            .ok_or_else(|| CliError::Input {
                message: format!("{name:?} is not a preset"),
                hints: vec![format!("presets: {}", presets::PRESET_NAMES.join(", "))],
            });
    }
    if let Some(path) = file {
        super::regular(path)?;
        let text =
            std::fs::read_to_string(path).map_err(|e| input(format!("{}: {e}", path.display())))?;
        return Ok((path.display().to_string(), text));
    }
    match expr {
        Some(t) => Ok(("expression".into(), t.to_string())),
        None => Err(input(
            "give an expression: EXPR, --expr-file FILE or --preset NAME".into(),
        )),
    }
}

fn parsed(origin: &str, text: &str) -> Result<Expr, CliError> {
    mde_syncrule::parse(text).map_err(|error| CliError::Syntax {
        origin: origin.to_string(),
        text: text.to_string(),
        error,
    })
}

pub(crate) fn run(cmd: SyncruleCommand) -> Result<Status, CliError> {
    match cmd {
        SyncruleCommand::Simulate {
            config,
            objects,
            preset,
            expr,
            expr_file,
            diff,
            format,
        } => simulate(&config, &objects, preset, expr, expr_file, diff, format),
        SyncruleCommand::Check {
            expr: None,
            config: Some(dir),
            ..
        } => check_config(&dir),
        SyncruleCommand::Check {
            expr,
            expr_file,
            preset,
            ..
        } => {
            let (origin, text) =
                expression(expr.as_deref(), expr_file.as_deref(), preset.as_deref())?;
            let checked =
                mde_syncrule::check::expression(&text).map_err(|error| CliError::Syntax {
                    origin: origin.clone(),
                    text: text.clone(),
                    error,
                })?;
            crate::output::write_stdout(
                format!(
                    "{}: OK — reads {}\n",
                    vis(&origin),
                    if checked.attributes.is_empty() {
                        "no attribute".into()
                    } else {
                        checked
                            .attributes
                            .iter()
                            .map(|a| format!("[{}]", vis(a)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                )
                .as_bytes(),
            )?;
            Ok(Status::Success)
        }
        SyncruleCommand::Eval {
            source,
            target,
            objects,
            format,
            explain,
            params,
        } => {
            let ExprSource {
                expr,
                expr_file,
                preset,
                rule,
            } = source;
            let (origin, text) = match (rule, target) {
                (Some(rule), Some(target)) => rule_expression(&rule, &target)?,
                _ => expression(expr.as_deref(), expr_file.as_deref(), preset.as_deref())?,
            };
            let ast = parsed(&origin, &text)?;
            let mut map = BTreeMap::new();
            for p in params {
                let (k, v) = p
                    .split_once('=')
                    .ok_or_else(|| input(format!("--param {p:?}: expected NAME=VALUE")))?;
                map.insert(k.to_string(), v.to_string());
            }
            let eval = Evaluation {
                ast: &ast,
                params: &map,
                now: mde_syncrule::now_ticks(),
                explain,
                format,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            if format == EvalFormat::Jsonl {
                mde_report::json::write_header::<EvalRecord>(&mut out)?;
            }
            match objects {
                None => {
                    let mut buf = Vec::new();
                    eval.one(Object::default(), &mut buf);
                    out.write_all(&buf)?;
                }
                Some(path) => {
                    let mut wanted = Vec::new();
                    ast.attributes(&mut wanted);
                    // ImportedValue("x")/ValueCount("x") read attributes by name at run time.
                    let by_name = ast.calls(Func::ImportedValue) || ast.calls(Func::ValueCount);
                    each_object(
                        &path,
                        (!by_name).then_some(wanted.as_slice()),
                        |objects| {
                            let mut buf = Vec::with_capacity(1 << 16);
                            for object in objects {
                                eval.one(object, &mut buf);
                            }
                            buf
                        },
                        |buf| out.write_all(&buf),
                    )?;
                }
            }
            out.flush()?;
            Ok(Status::Success)
        }
    }
}

/// One expression over objects, as `syncrule eval` shows it.
struct Evaluation<'a> {
    ast: &'a Expr,
    params: &'a BTreeMap<String, String>,
    now: i64,
    explain: bool,
    format: EvalFormat,
}

impl Evaluation<'_> {
    /// Evaluates for `object` and appends its output to `out`. The object is taken, so its
    /// DN moves into the record instead of being copied.
    fn one(&self, mut object: Object, out: &mut Vec<u8>) {
        let mut ctx = Ctx::new(&object, self.params, self.now);
        if self.explain {
            ctx = ctx.explain();
        }
        let result = ctx.eval(self.ast);
        let steps = ctx.take_trace();
        match self.format {
            EvalFormat::Jsonl => {
                if !self.explain
                    && let (Ok(v), Some(dn)) = (&result, object.dn.as_deref())
                    && write_plain(out, dn, v)
                {
                    return;
                }
                let record = EvalRecord {
                    dn: object.dn.take(),
                    result: match &result {
                        Ok(v) => EvalResult::Value {
                            value: v.to_json(),
                            value_type: v.type_name(),
                        },
                        Err(e) => EvalResult::Error {
                            error: e.to_string(),
                        },
                    },
                    explain: self.explain.then(|| {
                        steps
                            .into_iter()
                            .map(|s| ExplainStep {
                                depth: s.depth,
                                expr: s.text,
                                value: s.value,
                            })
                            .collect()
                    }),
                };
                write_record(out, &record);
            }
            EvalFormat::Table => {
                let dn = object.dn.as_deref().unwrap_or("(no object)");
                // Writing to a Vec cannot fail.
                let _ = match &result {
                    Ok(v) => writeln!(out, "{}\t{}\t{}", vis(dn), vis(show(v)), v.type_name()),
                    Err(e) => writeln!(out, "{}\terror: {}", vis(dn), vis(e)),
                };
                for s in steps.iter().rev() {
                    let _ = writeln!(
                        out,
                        "    {}{} = {}",
                        "  ".repeat(s.depth),
                        vis(&s.text),
                        vis(&s.value)
                    );
                }
            }
        }
    }
}

/// A record as [`mde_report::json::write_record`] writes it, without its detour through
/// `serde_json::Value` for the common record (a million of them for a large export): written
/// straight to bytes, with the same visible escapes; a record whose text holds a bidi
/// character goes through `write_record` itself, which adds its `warnings`.
fn write_record<R: mde_schema::Record>(out: &mut Vec<u8>, record: &R) {
    let start = out.len();
    // Serializing typed records to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, record);
    // Printable ASCII needs no escape and holds no bidi character (serde has escaped the C0
    // controls): the common line is checked in one pass.
    if out[start..].iter().all(|b| (b' '..0x7f).contains(b)) {
        out.push(b'\n');
        return;
    }
    let line = std::str::from_utf8(&out[start..]).unwrap_or_default();
    if has_bidi(line) {
        out.truncate(start);
        let _ = mde_report::json::write_record(out, record);
        return;
    }
    if let std::borrow::Cow::Owned(shown) = json_visible(line) {
        out.truncate(start);
        out.extend_from_slice(shown.as_bytes());
    }
    out.push(b'\n');
}

/// The common record of `syncrule eval` — a DN of printable ASCII without `"` or `\`, and
/// a NULL or boolean value — written straight to bytes: what [`write_record`] writes for it
/// (serde escapes only `"`, `\` and control characters, and such a line needs no visible
/// escapes) without serde's map serializer for the flattened result, once per object.
/// `false`, having written nothing, for any other record.
fn write_plain(out: &mut Vec<u8>, dn: &str, value: &Value) -> bool {
    let literal: &[u8] = match value {
        Value::Null => b"null",
        Value::Bool(true) => b"true",
        Value::Bool(false) => b"false",
        _ => return false,
    };
    if !dn
        .bytes()
        .all(|b| (b' '..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        return false;
    }
    out.extend_from_slice(b"{\"dn\":\"");
    out.extend_from_slice(dn.as_bytes());
    out.extend_from_slice(b"\",\"value\":");
    out.extend_from_slice(literal);
    out.extend_from_slice(b",\"type\":\"");
    out.extend_from_slice(value.type_name().as_bytes());
    out.extend_from_slice(b"\"}\n");
    true
}

/// Runs `work` over the objects of the export at `path`, handing what it returns for each
/// batch of objects to `done` in input order: LDIF is read in parallel blocks
/// ([`blocks::ldif`]), CSV and JSON object by object. Problems go to stderr as they come.
fn each_object<T: Send>(
    path: &std::path::Path,
    wanted: Option<&[String]>,
    work: impl Fn(&mut dyn Iterator<Item = Object>) -> T + Sync,
    mut done: impl FnMut(T) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let file = open_objects(path)?;
    let (format, reader) =
        mde_syncrule::input::open(file).map_err(|e| input(format!("{}: {e}", path.display())))?;
    let mut problems = Problems::new(path);
    if format == Format::Ldif {
        blocks::ldif(
            reader,
            wanted,
            blocks::Options::default(),
            |objects| {
                let mut count = 0usize;
                let out = work(&mut objects.inspect(|_| count += 1));
                (out, count)
            },
            |(out, count), found| {
                for p in found {
                    problems.report(&p.to_string());
                }
                problems.objects += count;
                done(out)
            },
        )?;
    } else {
        let items = mde_syncrule::input::read(format, reader, wanted)
            .map_err(|e| input(format!("{}: {e}", path.display())))?;
        for item in items {
            match item {
                Ok(object) if object.is_blank() => {
                    problems.report("a record with no DN and no attribute")
                }
                Ok(object) => {
                    problems.objects += 1;
                    done(work(&mut std::iter::once(object)))?;
                }
                Err(e) => problems.report(&e),
            }
        }
    }
    problems.finish()
}

/// What simulation counts over a batch of objects.
#[derive(Default)]
struct Tally {
    total: usize,
    reach: usize,
    changed: usize,
    /// Objects by the first clause of their `why` (the table's summary).
    reasons: BTreeMap<String, usize>,
    steps: SimulateSteps,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.total += other.total;
        self.reach += other.reach;
        self.changed += other.changed;
        for (why, n) in other.reasons {
            *self.reasons.entry(why).or_default() += n;
        }
        let (s, o) = (&mut self.steps, other.steps);
        s.not_in_ou_scope += o.not_in_ou_scope;
        s.not_in_rule_scope += o.not_in_rule_scope;
        s.cloud_filtered_error += o.cloud_filtered_error;
        s.not_exported += o.not_exported;
        s.synchronized += o.synchronized;
    }

    fn count(&mut self, o: &Outcome) {
        self.total += 1;
        if o.reaches_entra_id {
            self.reach += 1;
        }
        let reason = o.why.split(':').next().unwrap_or("");
        let reason = reason.split(" (").next().unwrap_or("");
        *self.reasons.entry(reason.to_string()).or_default() += 1;
        let s = &mut self.steps;
        *match o.decision {
            Decision::NotInOuScope => &mut s.not_in_ou_scope,
            Decision::NotInRuleScope => &mut s.not_in_rule_scope,
            Decision::CloudFilteredError => &mut s.cloud_filtered_error,
            Decision::NotExported => &mut s.not_exported,
            Decision::Synchronized => &mut s.synchronized,
        } += 1;
    }
}

fn outcome_record(o: Outcome) -> SimulateOutcome {
    SimulateOutcome {
        dn: o.dn,
        in_ou_scope: o.in_ou_scope,
        in_rule_scope: o.in_rule_scope,
        cloud_filtered: o.cloud_filtered,
        reaches_entra_id: o.reaches_entra_id,
        why: o.why,
    }
}

#[allow(clippy::too_many_arguments)]
fn simulate(
    dir: &std::path::Path,
    objects: &std::path::Path,
    preset: Option<String>,
    expr: Option<String>,
    expr_file: Option<std::path::PathBuf>,
    diff: bool,
    format: EvalFormat,
) -> Result<Status, CliError> {
    let config = Config::load(dir).map_err(|e| input(format!("{}: {e}", dir.display())))?;
    let origin = format!("{} → cloudFiltered", config.inbound.name);
    let own = config
        .inbound
        .expression("cloudFiltered")
        .map_err(|e| input(format!("{}: {e}", dir.display())))?;
    let own_ast = parsed(&origin, own)?;
    let replacement = if preset.is_some() || expr.is_some() || expr_file.is_some() {
        let (origin, text) = expression(expr.as_deref(), expr_file.as_deref(), preset.as_deref())?;
        Some(parsed(&origin, &text)?)
    } else {
        None
    };
    if diff && replacement.is_none() {
        return Err(input(
            "--diff needs a replacement: --preset, --expr or --expr-file".into(),
        ));
    }
    let main = replacement.as_ref().unwrap_or(&own_ast);
    let params = BTreeMap::new();
    let now = mde_syncrule::now_ticks();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    if format == EvalFormat::Jsonl {
        mde_report::json::write_header::<SimulateRecord>(&mut out)?;
    }
    let row = |o: &Outcome| {
        format!(
            "{}\t{}\t{}",
            vis(o.dn.as_deref().unwrap_or("?")),
            if o.reaches_entra_id { "SYNC" } else { "-" },
            vis(&o.why)
        )
    };
    let mut tally = Tally::default();
    each_object(
        objects,
        None,
        |objects| {
            let (mut buf, mut part) = (Vec::new(), Tally::default());
            for object in objects {
                let after = mde_syncrule::simulate::simulate(&config, main, &object, &params, now);
                part.count(&after);
                if diff {
                    let before =
                        mde_syncrule::simulate::simulate(&config, &own_ast, &object, &params, now);
                    if before.reaches_entra_id == after.reaches_entra_id {
                        continue;
                    }
                    part.changed += 1;
                    match format {
                        EvalFormat::Jsonl => write_record(
                            &mut buf,
                            &SimulateRecord::Change(SimulateChange {
                                dn: after.dn.clone(),
                                before: outcome_record(before),
                                after: outcome_record(after),
                            }),
                        ),
                        EvalFormat::Table => {
                            let _ =
                                writeln!(buf, "{}  [before: {}]", row(&after), vis(&before.why));
                        }
                    }
                    continue;
                }
                match format {
                    EvalFormat::Jsonl => {
                        write_record(&mut buf, &SimulateRecord::Outcome(outcome_record(after)))
                    }
                    EvalFormat::Table => {
                        let _ = writeln!(buf, "{}", row(&after));
                    }
                }
            }
            (buf, part)
        },
        |(buf, part)| {
            tally.add(part);
            out.write_all(&buf)
        },
    )?;
    match format {
        EvalFormat::Jsonl => {
            let summary = SimulateRecord::Summary {
                summary: SimulateSummary {
                    objects: tally.total,
                    reach_entra_id: tally.reach,
                    do_not_reach: tally.total - tally.reach,
                    changed: diff.then_some(tally.changed),
                    by_step: tally.steps,
                },
            };
            mde_report::json::write_record(&mut out, &summary)?;
        }
        EvalFormat::Table => {
            let summary = if diff {
                format!(
                    "{} objects: {} reach Entra ID with the replacement; {} change outcome",
                    tally.total, tally.reach, tally.changed
                )
            } else {
                format!("{} objects: {} reach Entra ID", tally.total, tally.reach)
            };
            writeln!(out, "\n{summary}")?;
            for (why, n) in &tally.reasons {
                writeln!(out, "  {n:>8}  {}", vis(why))?;
            }
        }
    }
    out.flush()?;
    Ok(Status::Success)
}

/// The export to read objects from; `-` is standard input (`ldapsearch … | mde-doctor …`).
fn open_objects(path: &std::path::Path) -> Result<Box<dyn std::io::Read + Send>, CliError> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin()));
    }
    // A FIFO (`<(ldapsearch …)`) or device is refused: pipe it to `--objects -` instead.
    super::regular(path).map_err(|e| match e {
        CliError::Input { message, mut hints } => {
            hints.push(
                "to read from a pipe, give `--objects -` and pipe into standard input".into(),
            );
            CliError::Input { message, hints }
        }
        other => other,
    })?;
    match std::fs::File::open(path) {
        Ok(file) if file.metadata().is_ok_and(|m| m.is_dir()) => Err(input(format!(
            "{}: is a directory, not an export of objects",
            path.display()
        ))),
        Ok(file) => Ok(Box::new(file)),
        Err(e) => Err(input(format!("{}: {e}", path.display()))),
    }
}

/// Rows, lines and objects of an input that could not be read: the first few on stderr as
/// they come, then how many in all, so a damaged export is never silently half-read. An
/// input that yields no object at all is not an export of objects: an error, exit status 2.
struct Problems<'a> {
    path: &'a std::path::Path,
    count: usize,
    /// The first problem, for the error when no object could be read.
    first: Option<String>,
    /// Objects read.
    objects: usize,
}

impl<'a> Problems<'a> {
    const SHOWN: usize = 20;

    fn new(path: &'a std::path::Path) -> Problems<'a> {
        Problems {
            path,
            count: 0,
            first: None,
            objects: 0,
        }
    }

    fn report(&mut self, problem: &str) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(problem.to_string());
        }
        if self.count <= Self::SHOWN {
            eprintln!("warning: {}: {}", vis(self.path.display()), vis(problem));
        }
    }

    fn finish(self) -> Result<(), CliError> {
        if self.objects == 0 {
            return Err(CliError::Input {
                message: match &self.first {
                    Some(first) => format!(
                        "{}: no objects could be read ({} problem(s)); the first: {first}",
                        self.path.display(),
                        self.count
                    ),
                    None => format!("{}: no objects: the input is empty", self.path.display()),
                },
                hints: vec![
                    "objects come as LDIF (ldifde, ldapsearch), CSV (Export-Csv) or JSON \
                     (ConvertTo-Json, JSON lines)"
                        .into(),
                ],
            });
        }
        if self.count > Self::SHOWN {
            eprintln!(
                "warning: {}: {} problems in all ({} shown)",
                self.path.display(),
                self.count,
                Self::SHOWN
            );
        }
        Ok(())
    }
}

fn rule_expression(path: &std::path::Path, target: &str) -> Result<(String, String), CliError> {
    super::regular(path)?;
    let xml =
        std::fs::read_to_string(path).map_err(|e| input(format!("{}: {e}", path.display())))?;
    let rule = mde_syncrule::rules::parse_rule(&xml)
        .map_err(|e| input(format!("{}: {e}", path.display())))?;
    let text = rule.expression(target).map_err(|e| {
        let hints = match &e {
            mde_syncrule::rules::MappingError::NoSuchTarget { targets, .. } => {
                vec![format!("targets: {}", targets.join(", "))]
            }
            _ => Vec::new(),
        };
        CliError::Input {
            message: format!("{}: {e}", path.display()),
            hints,
        }
    })?;
    Ok((
        format!("{} ({} → {target})", path.display(), rule.name),
        text.to_string(),
    ))
}

/// Every expression of every rule of a configuration export.
fn check_config(dir: &std::path::Path) -> Result<Status, CliError> {
    let report = mde_syncrule::check::config(dir)?;
    crate::output::write_stdout(
        format!(
            "{} rules, {} expressions, {} problem(s)\n",
            report.rules,
            report.expressions,
            report.problems.len()
        )
        .as_bytes(),
    )?;
    if report.problems.is_empty() {
        Ok(Status::Success)
    } else {
        Err(CliError::Files {
            total: report.expressions,
            failures: report.problems.iter().map(ToString::to_string).collect(),
        })
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        other => other.to_json().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use mde_schema::syncrule::{EvalRecord, EvalResult};
    use mde_syncrule::Value;

    /// The bytes written directly are those [`super::write_record`] writes, for every DN and
    /// value it takes; it takes nothing else (quotes, backslashes, controls, non-ASCII, bidi
    /// characters, other values).
    #[test]
    fn plain_records_are_written_as_serde_writes_them() {
        let dns = [
            "CN=PC0000001,OU=Computers,OU=Site01,DC=contoso,DC=com",
            "",
            " CN=a b ~!@#$%^&*()_+{}|:<>?`-=[];',./",
            "CN=a\"b",
            "CN=a\\,b",
            "CN=tab\there",
            "CN=Caf\u{e9}",
            "CN=\u{202e}evil",
            "CN=del\u{7f}",
        ];
        let values = [
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Num(1),
            Value::Str("x".into()),
            Value::Multi(vec![]),
        ];
        for dn in dns {
            for value in &values {
                let mut direct = Vec::new();
                let taken = super::write_plain(&mut direct, dn, value);
                let mut general = Vec::new();
                super::write_record(
                    &mut general,
                    &EvalRecord {
                        dn: Some(dn.to_string()),
                        result: EvalResult::Value {
                            value: value.to_json(),
                            value_type: value.type_name(),
                        },
                        explain: None,
                    },
                );
                let plain = dn
                    .bytes()
                    .all(|b| (b' '..0x7f).contains(&b) && b != b'"' && b != b'\\');
                let simple = matches!(value, Value::Null | Value::Bool(_));
                assert_eq!(taken, plain && simple, "{dn:?} {value:?}");
                if taken {
                    assert_eq!(
                        String::from_utf8_lossy(&direct),
                        String::from_utf8_lossy(&general),
                        "{dn:?} {value:?}"
                    );
                } else {
                    assert!(direct.is_empty());
                }
            }
        }
    }
}
