//! `mde-doctor explain CODE`.

use std::fmt::Write as _;

use mde_catalog::{Catalog, EnrollmentCode, Found, HresultInfo, Query, Severity};

use mde_report::json::document_json;
use mde_schema::catalog::{CodeEntry, Entry, HResultEntry};

use super::Status;
use crate::cli::Format;
use crate::error::CliError;
use crate::output::{self, DIM, ERROR, HEADING, INFO, OK, WARNING, wrap};

pub(crate) fn run(code: &str, format: Format) -> Result<Status, CliError> {
    let catalog = mde_catalog::builtin();
    let query = Query::parse(code)?;
    let found = catalog.lookup(&query)?;
    let text = match (format, found) {
        (Format::Json, Found::Enrollment(c)) => {
            document_json(&Entry::Enrollment(CodeEntry::new(catalog, c)), true)
        }
        (Format::Json, Found::HResult(h)) => {
            document_json(&Entry::Hresult(HResultEntry::new(h)), true)
        }
        (Format::Text, Found::Enrollment(c)) => enrollment_text(catalog, c, output::text_width()),
        (Format::Text, Found::HResult(h)) => hresult_text(h, output::text_width()),
    };
    output::write_stdout(text.as_bytes())?;
    Ok(Status::Success)
}

fn severity_style(severity: Severity) -> anstyle::Style {
    match severity {
        Severity::Ok => OK,
        Severity::Info => INFO,
        Severity::Warning => WARNING,
        Severity::Error => ERROR,
    }
}

/// The text explanation of an enrollment status code.
pub(crate) fn enrollment_text(catalog: &Catalog, c: &EnrollmentCode, width: usize) -> String {
    let mut s = String::new();
    let sev = severity_style(c.severity);
    let _ = writeln!(
        s,
        "{HEADING}EnrollmentStatus {} — {}{HEADING:#}  {sev}[{}]{sev:#}",
        c.code,
        c.status,
        c.severity.key()
    );
    let field = |s: &mut String, name: &str, value: &str| {
        let first = format!("  {name:<10}");
        s.push_str(&wrap(value, width, &first, &" ".repeat(first.len())));
    };
    field(
        &mut s,
        "Category",
        &format!(
            "{} — {}",
            c.category.key(),
            catalog.category_description(c.category)
        ),
    );
    field(
        &mut s,
        "Managed",
        if c.blocks {
            "no: security management does not manage the device in this state"
        } else {
            "yes: security management manages the device"
        },
    );
    field(
        &mut s,
        "Flow",
        &format!("{} — {}", c.flow.key(), c.flow.describe()),
    );
    if let Some(symbol) = &c.symbol {
        field(&mut s, "Symbol", &format!("{symbol} (2021 documentation)"));
    }
    if let Some(h) = catalog.related_hresult(c) {
        field(
            &mut s,
            "HRESULT",
            &format!("{} — see `mde-doctor explain {}`", h.hex(), h.hex()),
        );
    }
    if !c.documented() {
        field(
            &mut s,
            "Note",
            "Microsoft's current troubleshooting table does not list this code; the explanation rests on the older sources below.",
        );
    }

    let _ = writeln!(s, "\n{HEADING}Meaning{HEADING:#}");
    s.push_str(&wrap(&c.meaning, width, "  ", "  "));
    actions_text(&mut s, &c.actions, width);
    links_text(&mut s, c.docs.iter().map(|l| (&l.title, &l.url)));

    let _ = writeln!(s, "\n{HEADING}What the sources say{HEADING:#}");
    for r in &c.readings {
        let title = catalog
            .source(&r.source)
            .map(|x| x.title.as_str())
            .unwrap_or(&r.source);
        let check = r
            .check_id
            .map(|id| format!(" (check {id})"))
            .unwrap_or_default();
        let first = format!("  {title:<48}");
        s.push_str(&wrap(
            &format!("{}{check}", r.text),
            width,
            &first,
            &" ".repeat(first.len()),
        ));
    }
    let silent: Vec<&str> = catalog
        .sources()
        .iter()
        .filter(|src| !c.readings.iter().any(|r| r.source == src.id))
        .map(|src| src.title.as_str())
        .collect();
    if !silent.is_empty() {
        let _ = writeln!(s, "  {DIM}Not listed by: {}{DIM:#}", silent.join("; "));
    }
    if let Some(d) = &c.disagreement {
        let _ = writeln!(s, "\n{WARNING}Where the sources disagree{WARNING:#}");
        s.push_str(&wrap(d, width, "  ", "  "));
    }
    s
}

fn actions_text(s: &mut String, actions: &[String], width: usize) {
    let _ = writeln!(s, "\n{HEADING}What to do{HEADING:#}");
    for (i, action) in actions.iter().enumerate() {
        let first = format!("  {}. ", i + 1);
        s.push_str(&wrap(action, width, &first, &" ".repeat(first.len())));
    }
}

fn links_text<'a>(s: &mut String, links: impl Iterator<Item = (&'a String, &'a String)>) {
    let _ = writeln!(s, "\n{HEADING}Documentation{HEADING:#}");
    for (title, url) in links {
        let _ = writeln!(s, "  {title}\n    {url}");
    }
}

/// The text explanation of a hybrid-join error code.
pub(crate) fn hresult_text(h: &HresultInfo, width: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{HEADING}{} — {}{HEADING:#}  {DIM}(decimal {}, phase: {}){DIM:#}",
        h.hex(),
        h.name,
        h.code.decimal(),
        h.phase
    );
    let _ = writeln!(s, "\n{HEADING}Meaning{HEADING:#}");
    s.push_str(&wrap(&h.meaning, width, "  ", "  "));
    actions_text(&mut s, &h.actions, width);
    links_text(&mut s, h.docs.iter().map(|l| (&l.title, &l.url)));
    let _ = writeln!(s, "\n  {DIM}Source: {}{DIM:#}", h.source);
    s
}
