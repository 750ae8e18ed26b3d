//! `mde-doctor syncrule eval|check`.

use std::collections::BTreeMap;
use std::io::Write;

use mde_syncrule::{Ctx, Expr, Object, Value, parse, presets};
use serde_json::json;

use super::Status;
use crate::cli::{EvalFormat, ExprSource, SyncruleCommand};
use crate::error::CliError;
use mde_report::sanitize::{JsonVisible, bidi_warnings_at, has_bidi, vis};

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
    parse(text).map_err(|e| {
        let line = text.lines().nth(e.pos.line - 1).unwrap_or("");
        CliError::Input {
            message: format!("{origin}: {e}"),
            hints: vec![
                format!("{line}"),
                format!("{}^", " ".repeat(e.pos.column.saturating_sub(1))),
            ],
        }
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
            let ast = parsed(&origin, &text)?;
            let mut attributes = Vec::new();
            ast.attributes(&mut attributes);
            let mut unknown = Vec::new();
            check_functions(&ast, &mut unknown);
            if !unknown.is_empty() {
                return Err(input(format!("{origin}: {}", unknown.join("; "))));
            }
            crate::output::write_stdout(
                format!(
                    "{}: OK — reads {}\n",
                    vis(&origin),
                    if attributes.is_empty() {
                        "no attribute".into()
                    } else {
                        attributes
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
            let mut unknown = Vec::new();
            check_functions(&ast, &mut unknown);
            if !unknown.is_empty() {
                return Err(input(format!("{origin}: {}", unknown.join("; "))));
            }
            let mut map = BTreeMap::new();
            for p in params {
                let (k, v) = p
                    .split_once('=')
                    .ok_or_else(|| input(format!("--param {p:?}: expected NAME=VALUE")))?;
                map.insert(k.to_string(), v.to_string());
            }
            let now = mde_syncrule::now_ticks();
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(JsonVisible::new(stdout.lock()));
            let emit = |object: &Object, out: &mut dyn Write| -> std::io::Result<()> {
                let mut ctx = Ctx::new(object, &map, now);
                if explain {
                    ctx = ctx.explain();
                }
                let result = ctx.eval(&ast);
                let steps = ctx.take_trace();
                match format {
                    EvalFormat::Jsonl if !explain => {
                        // The common case, a million times over: no intermediate JSON map.
                        out.write_all(b"{\"dn\":")?;
                        serde_json::to_writer(&mut *out, &object.dn)
                            .map_err(std::io::Error::from)?;
                        let mut warnings = Vec::new();
                        if let Some(dn) = &object.dn
                            && has_bidi(dn)
                        {
                            bidi_warnings_at("/dn", &json!(dn), &mut warnings);
                        }
                        match &result {
                            Ok(v) => {
                                let value = v.to_json();
                                out.write_all(b",\"value\":")?;
                                serde_json::to_writer(&mut *out, &value)
                                    .map_err(std::io::Error::from)?;
                                out.write_all(b",\"type\":")?;
                                serde_json::to_writer(&mut *out, &v.type_name())
                                    .map_err(std::io::Error::from)?;
                                bidi_warnings_at("/value", &value, &mut warnings);
                            }
                            Err(e) => {
                                let message = e.to_string();
                                out.write_all(b",\"error\":")?;
                                serde_json::to_writer(&mut *out, &message)
                                    .map_err(std::io::Error::from)?;
                                bidi_warnings_at("/error", &json!(message), &mut warnings);
                            }
                        }
                        if !warnings.is_empty() {
                            out.write_all(b",\"warnings\":")?;
                            serde_json::to_writer(&mut *out, &warnings)
                                .map_err(std::io::Error::from)?;
                        }
                        out.write_all(b"}\n")
                    }
                    EvalFormat::Jsonl => {
                        let mut line = match &result {
                            Ok(v) => {
                                json!({"dn": object.dn, "value": v.to_json(), "type": v.type_name()})
                            }
                            Err(e) => json!({"dn": object.dn, "error": e.to_string()}),
                        };
                        line["explain"] = steps
                            .iter()
                            .map(|s| json!({"depth": s.depth, "expr": s.text, "value": s.value}))
                            .collect();
                        mde_report::with_warnings(&mut line);
                        serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::from)?;
                        out.write_all(b"\n")
                    }
                    EvalFormat::Table => {
                        let dn = object.dn.as_deref().unwrap_or("(no object)");
                        match &result {
                            Ok(v) => {
                                writeln!(out, "{}\t{}\t{}", vis(dn), vis(show(v)), v.type_name())?
                            }
                            Err(e) => writeln!(out, "{}\terror: {}", vis(dn), vis(e))?,
                        }
                        for s in steps.iter().rev() {
                            writeln!(
                                out,
                                "    {}{} = {}",
                                "  ".repeat(s.depth),
                                vis(&s.text),
                                vis(&s.value)
                            )?;
                        }
                        Ok(())
                    }
                }
            };
            match objects {
                None => emit(&Object::default(), &mut out)?,
                Some(path) => {
                    let file = open_objects(&path)?;
                    let mut wanted = Vec::new();
                    ast.attributes(&mut wanted);
                    // ImportedValue("x")/ValueCount("x") read attributes by name at run time.
                    let by_name = text.contains("ImportedValue") || text.contains("ValueCount");
                    let items =
                        mde_syncrule::input::objects(file, (!by_name).then_some(wanted.as_slice()))
                            .map_err(|e| input(format!("{}: {e}", path.display())))?;
                    let mut problems = Problems::new(&path);
                    for item in items {
                        match item {
                            Ok(object) if object.is_blank() => {
                                problems.report("a record with no DN and no attribute")
                            }
                            Ok(object) => {
                                problems.objects += 1;
                                emit(&object, &mut out)?
                            }
                            Err(e) => problems.report(&e),
                        }
                    }
                    problems.finish()?;
                }
            }
            out.flush()?;
            Ok(Status::Success)
        }
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
    use mde_syncrule::simulate::{Config, Outcome, simulate};
    let config = Config::load(dir).map_err(|e| input(format!("{}: {e}", dir.display())))?;
    let own = config
        .inbound
        .mappings
        .iter()
        .find(|m| m.dest == "cloudFiltered")
        .and_then(|m| m.expression.clone())
        .ok_or_else(|| {
            input(format!(
                "{}: {:?} has no cloudFiltered expression",
                dir.display(),
                config.inbound.name
            ))
        })?;
    let own_ast = parsed(&format!("{} → cloudFiltered", config.inbound.name), &own)?;
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
    let file = open_objects(objects)?;
    let items = mde_syncrule::input::objects(file, None)
        .map_err(|e| input(format!("{}: {e}", objects.display())))?;
    let params = BTreeMap::new();
    let now = mde_syncrule::now_ticks();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(JsonVisible::new(stdout.lock()));
    let (mut total, mut reach, mut changed) = (0usize, 0usize, 0usize);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let row = |o: &Outcome| {
        format!(
            "{}\t{}\t{}",
            vis(o.dn.as_deref().unwrap_or("?")),
            if o.reaches_entra_id { "SYNC" } else { "-" },
            vis(&o.why)
        )
    };
    let mut problems = Problems::new(objects);
    for item in items {
        let object = match item {
            Ok(o) if o.is_blank() => {
                problems.report("a record with no DN and no attribute");
                continue;
            }
            Ok(o) => o,
            Err(e) => {
                problems.report(&e);
                continue;
            }
        };
        problems.objects += 1;
        total += 1;
        let after = simulate(&config, main, &object, &params, now);
        if after.reaches_entra_id {
            reach += 1;
        }
        *reasons
            .entry(
                after
                    .why
                    .split(':')
                    .next()
                    .unwrap_or("")
                    .split(" (")
                    .next()
                    .unwrap_or("")
                    .to_string(),
            )
            .or_default() += 1;
        if diff {
            let before = simulate(&config, &own_ast, &object, &params, now);
            if before.reaches_entra_id == after.reaches_entra_id {
                continue;
            }
            changed += 1;
            match format {
                EvalFormat::Jsonl => {
                    let mut line = json!({"dn": after.dn, "before": before, "after": after});
                    mde_report::with_warnings(&mut line);
                    serde_json::to_writer(&mut out, &line).map_err(std::io::Error::from)?;
                    out.write_all(b"\n")?;
                }
                EvalFormat::Table => {
                    writeln!(out, "{}  [before: {}]", row(&after), vis(&before.why))?
                }
            }
            continue;
        }
        match format {
            EvalFormat::Jsonl => {
                let mut line = serde_json::to_value(&after).map_err(std::io::Error::from)?;
                mde_report::with_warnings(&mut line);
                serde_json::to_writer(&mut out, &line).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            }
            EvalFormat::Table => writeln!(out, "{}", row(&after))?,
        }
    }
    problems.finish()?;
    let summary = if diff {
        format!(
            "{total} objects: {reach} reach Entra ID with the replacement; {changed} change outcome"
        )
    } else {
        format!("{total} objects: {reach} reach Entra ID")
    };
    match format {
        EvalFormat::Jsonl => {
            serde_json::to_writer(&mut out, &json!({"summary": {"objects": total, "reach_entra_id": reach, "changed": diff.then_some(changed), "outcomes": reasons}})).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
        }
        EvalFormat::Table => {
            writeln!(out, "\n{summary}")?;
            for (why, n) in &reasons {
                writeln!(out, "  {n:>8}  {}", vis(why))?;
            }
        }
    }
    out.flush()?;
    Ok(Status::Success)
}

/// The export to read objects from; `-` is standard input (`ldapsearch … | mde-doctor …`).
fn open_objects(path: &std::path::Path) -> Result<Box<dyn std::io::Read>, CliError> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
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
    let mapping = rule
        .mappings
        .iter()
        .find(|m| m.dest == target)
        .ok_or_else(|| CliError::Input {
            message: format!(
                "{}: rule {:?} has no transformation of {target}",
                path.display(),
                rule.name
            ),
            hints: vec![format!(
                "targets: {}",
                rule.mappings
                    .iter()
                    .map(|m| m.dest.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )],
        })?;
    let text = mapping.expression.clone().ok_or_else(|| {
        input(format!(
            "{}: {target} is a direct or constant flow in {:?}, not an expression",
            path.display(),
            rule.name
        ))
    })?;
    Ok((
        format!("{} ({} → {target})", path.display(), rule.name),
        text,
    ))
}

/// Every expression of every rule of a configuration export.
fn check_config(dir: &std::path::Path) -> Result<Status, CliError> {
    // Every rule XML anywhere in the export, per-connector folders included.
    let rules_dir = dir.to_path_buf();
    let entries = mde_syncrule::rules::xml_files(dir)
        .map_err(|e| input(format!("{}: {e}", dir.display())))?;
    let (mut rules, mut expressions, mut failures) = (0, 0, Vec::new());
    for path in entries {
        let Ok(xml) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(rule) = mde_syncrule::rules::parse_rule(&xml) else {
            continue;
        };
        rules += 1;
        for m in &rule.mappings {
            let Some(text) = &m.expression else { continue };
            expressions += 1;
            let origin = format!("{} ({} → {})", path.display(), rule.name, m.dest);
            match parse(text) {
                Err(e) => failures.push(format!("{origin}: {e}")),
                Ok(ast) => {
                    let mut unknown = Vec::new();
                    check_functions(&ast, &mut unknown);
                    failures.extend(unknown.into_iter().map(|u| format!("{origin}: {u}")));
                }
            }
        }
    }
    if rules == 0 {
        return Err(input(format!(
            "{}: no sync rule XML found",
            rules_dir.display()
        )));
    }
    crate::output::write_stdout(
        format!(
            "{rules} rules, {expressions} expressions, {} problem(s)\n",
            failures.len()
        )
        .as_bytes(),
    )?;
    if failures.is_empty() {
        Ok(Status::Success)
    } else {
        Err(CliError::Files {
            total: expressions,
            failures,
        })
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        other => other.to_json().to_string(),
    }
}

/// Function names are case-sensitive in the engine: report unknown and mis-cased names
/// before evaluating anything.
fn check_functions(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Call(name, args, pos) => {
            if !mde_syncrule::FUNCTIONS.contains(&name.as_str()) {
                match mde_syncrule::FUNCTIONS
                    .iter()
                    .find(|f| f.eq_ignore_ascii_case(name))
                {
                    Some(right) => out.push(format!(
                        "{pos}: function names are case-sensitive: {name} is not {right}"
                    )),
                    None => out.push(format!("{pos}: unknown function {name}")),
                }
            }
            args.iter().for_each(|a| check_functions(a, out));
        }
        Expr::Unary(_, inner, _) => check_functions(inner, out),
        Expr::Binary(_, a, b, _) => {
            check_functions(a, out);
            check_functions(b, out);
        }
        _ => {}
    }
}
