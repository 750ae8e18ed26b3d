//! The terminal report: verdict, device, then findings grouped by severity with evidence.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Color, Style};
use mde_diagnose::{Diagnosis, Severity, Verdict};

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
        let _ = writeln!(s, "  enrollment status  {} ({})", clean(&e.status), e.code);
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
    if let Some(current) = &d.join_state.current {
        let after = d.join_state.after_onboarding.as_deref().unwrap_or("?");
        let _ = writeln!(
            s,
            "  join state         {current} → {after} after onboarding"
        );
    }
    let _ = writeln!(
        s,
        "  findings           {} error(s), {} warning(s), {} info",
        d.count(Severity::Error),
        d.count(Severity::Warning),
        d.count(Severity::Info)
    );
    for (severity, label, style) in [
        (Severity::Error, "Errors", RED),
        (Severity::Warning, "Warnings", YELLOW),
        (Severity::Info, "Information", CYAN),
    ] {
        let group: Vec<_> = d
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{style}{label}{style:#}");
        for f in group {
            let code = f.code.map(|c| format!(" [code {c}]")).unwrap_or_default();
            let _ = writeln!(
                s,
                "{style}●{style:#} {BOLD}{}{BOLD:#}{code}  {DIM}{}{DIM:#}",
                clean(&f.title),
                f.id
            );
            if severity != Severity::Info || f.evidence.is_empty() {
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
            if severity == Severity::Error
                && let Some(url) = f.docs.first()
            {
                let _ = writeln!(s, "    {DIM}docs: {url}{DIM:#}");
            }
        }
    }
    if !d.missing.is_empty() {
        let _ = writeln!(s, "\n{YELLOW}Not in the evidence{YELLOW:#}");
        for m in &d.missing {
            let _ = writeln!(s, "  - {}", clean(m));
        }
    }
    s
}
