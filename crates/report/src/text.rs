//! The terminal report: verdict, device, then findings grouped by severity with evidence.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Color, Style};
use mde_diagnose::{Diagnosis, Finding, Severity, Verdict};

use crate::evidence;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const RED: Style = Style::new()
    .bold()
    .fg_color(Some(Color::Ansi(AnsiColor::Red)));
const YELLOW: Style = Style::new()
    .bold()
    .fg_color(Some(Color::Ansi(AnsiColor::Yellow)));
const GREEN: Style = Style::new()
    .bold()
    .fg_color(Some(Color::Ansi(AnsiColor::Green)));
const CYAN: Style = Style::new().fg_color(Some(Color::Ansi(AnsiColor::Cyan)));

/// Device text must not steer the terminal or start a line: see [`crate::sanitize`].
fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    crate::sanitize::visible(s)
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        // The diagnosis gives no finding `ok` (mde_diagnose raises it to information).
        Severity::Info | Severity::Ok => CYAN,
    }
}

/// One finding: title, root cause (`explain`), actions, evidence, and the first document of
/// an error.
fn write_finding(s: &mut String, f: &Finding, style: Style, explain: bool) {
    let code = f.code.map(|c| format!(" [code {c}]")).unwrap_or_default();
    let caused = f
        .caused_by
        .as_deref()
        .map(|c| format!(" (caused by {c})"))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "{style}●{style:#} {BOLD}{}{BOLD:#}{code}  {DIM}{}{caused}{DIM:#}",
        clean(&f.title),
        f.id
    );
    if explain {
        let _ = writeln!(s, "    {}", clean(&f.root_cause));
    }
    for (i, a) in f.actions.iter().enumerate() {
        let _ = writeln!(s, "    {}. {}", i + 1, clean(a));
    }
    for e in &f.evidence {
        let place = if e.location.is_empty() {
            clean(&e.artifact).into_owned()
        } else {
            format!("{}: {}", clean(&e.artifact), clean(&e.location))
        };
        let _ = writeln!(s, "    {DIM}↳ {place}  {}{DIM:#}", clean(&e.excerpt));
    }
    if f.severity == Severity::Error
        && let Some(url) = f.docs.first()
    {
        let _ = writeln!(s, "    {DIM}docs: {url}{DIM:#}");
    }
}

/// Renders with ANSI styles; the caller's stream strips them where colour is not wanted.
pub fn render_text(d: &Diagnosis) -> String {
    let mut s = String::new();
    let (style, verdict) = match d.verdict {
        Verdict::Healthy => (GREEN, "HEALTHY"),
        Verdict::Failing => (RED, "FAILING"),
        Verdict::Incomplete => (YELLOW, "INCOMPLETE"),
    };
    let host = d.device.hostname.as_deref().unwrap_or("unknown device");
    let _ = writeln!(
        s,
        "{BOLD}{}{BOLD:#}  {style}{verdict}{style:#}",
        clean(host)
    );
    if let Some(e) = &d.enrollment {
        let _ = writeln!(s, "  enrollment status  {}", clean(&e.label()));
    }
    if let (Some(os), Some(build)) = (&d.device.os, &d.device.build) {
        let scope = match d.device.in_scope {
            Some(true) => "in scope",
            Some(false) => "NOT in scope",
            None => "scope unknown",
        };
        let _ = writeln!(
            s,
            "  os                 {} {} ({scope})",
            clean(os),
            clean(build)
        );
    }
    if let Some(current) = d
        .join_state
        .current_label
        .as_deref()
        .or(d.join_state.current.map(|s| s.key()))
    {
        let after = d
            .join_state
            .after_onboarding_label
            .as_deref()
            .or(d.join_state.after_onboarding.map(|s| s.key()))
            .unwrap_or("?");
        let how = match d.join_state.confidence.as_deref() {
            Some("inferred") => " (inferred: no dsregcmd output)",
            _ => "",
        };
        let _ = writeln!(
            s,
            "  join state         {current} → {after} after onboarding{how}"
        );
    }
    let _ = writeln!(
        s,
        "  findings           {} error(s), {} warning(s), {} info",
        d.count(Severity::Error),
        d.count(Severity::Warning),
        d.count(Severity::Info)
    );
    let root_id = d.root_cause.as_deref();
    // The root cause is the first finding (mde_diagnose orders them so).
    if let Some(root) = root_id.and(d.findings.first()) {
        let style = severity_style(root.severity);
        let _ = writeln!(s, "\n{style}Fix this first{style:#}");
        write_finding(&mut s, root, style, true);
        let consequences: Vec<_> = d
            .findings
            .iter()
            .filter(|f| f.caused_by.as_deref() == root_id)
            .collect();
        if !consequences.is_empty() {
            let _ = writeln!(
                s,
                "    {DIM}Caused by this ({}), fixed with it:{DIM:#}",
                consequences.len()
            );
            for f in consequences {
                let code = f.code.map(|c| format!(" [code {c}]")).unwrap_or_default();
                let _ = writeln!(s, "    {DIM}└ {}{code}  {}{DIM:#}", clean(&f.title), f.id);
            }
        }
    }
    let rest: Vec<_> = d
        .findings
        .iter()
        .skip(usize::from(root_id.is_some()))
        .filter(|f| root_id.is_none() || f.caused_by.as_deref() != root_id)
        .collect();
    for (severity, label, style) in [
        (Severity::Error, "Errors", RED),
        (Severity::Warning, "Warnings", YELLOW),
        (Severity::Info, "Information", CYAN),
    ] {
        let group: Vec<_> = rest.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        let label = if root_id.is_some() && severity != Severity::Info {
            format!("Other {}", label.to_lowercase())
        } else {
            label.to_string()
        };
        let _ = writeln!(s, "\n{style}{label}{style:#}");
        for f in group {
            write_finding(
                &mut s,
                f,
                style,
                severity != Severity::Info || f.evidence.is_empty(),
            );
        }
    }
    if !d.missing.is_empty() {
        let _ = writeln!(s, "\n{YELLOW}Not in the evidence{YELLOW:#}");
        for m in &d.missing {
            let _ = writeln!(s, "  - {}", clean(m));
        }
    }
    write_evidence(&mut s, d);
    s
}

/// Every file of the bundle, one line each, with its problems under it.
fn write_evidence(s: &mut String, d: &Diagnosis) {
    let _ = writeln!(
        s,
        "\n{BOLD}Evidence{BOLD:#}  {DIM}{}{DIM:#}",
        evidence::headline(d)
    );
    let rows = evidence::rows(d);
    let width = rows
        .iter()
        .map(|r| clean(r.path).chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    for r in rows {
        let style = match r.class {
            "error" => RED,
            "warning" => YELLOW,
            _ => Style::new(),
        };
        let _ = writeln!(
            s,
            "  {:<width$}  {:<9}  {style}{:<11}{style:#}  {}",
            clean(r.path),
            r.kind,
            r.status,
            clean(&r.note)
        );
        for p in &r.problems {
            let _ = writeln!(s, "  {:<width$}  {DIM}↳ {}{DIM:#}", "", clean(p));
        }
        if r.more > 0 {
            let _ = writeln!(
                s,
                "  {:<width$}  {DIM}↳ and {} more (--format json lists them all){DIM:#}",
                "", r.more
            );
        }
    }
}
