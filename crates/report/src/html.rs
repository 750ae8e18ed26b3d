//! The HTML report: one self-contained file (inline CSS, no script, no external asset),
//! with the MDE Client Analyzer's sections — General device details, Device configuration
//! management details, Detailed results — and every finding's evidence.

use askama::Template;
use mde_diagnose::{Detail, Diagnosis, Finding, Severity, Verdict};

use crate::evidence;

#[derive(Template)]
#[template(path = "report.html")]
struct Report<'a> {
    d: &'a Diagnosis,
    title: String,
    verdict: &'static str,
    verdict_class: &'static str,
    general: Vec<&'a Detail>,
    configuration: Vec<&'a Detail>,
    errors: usize,
    warnings: usize,
    infos: usize,
    /// The root cause ("Fix this first"), what it causes (folded), and the rest.
    root: Option<FindingView<'a>>,
    consequences: Vec<FindingView<'a>>,
    findings: Vec<FindingView<'a>>,
    evidence_headline: String,
    evidence: Vec<evidence::Row<'a>>,
    version: &'static str,
}

struct FindingView<'a> {
    f: &'a Finding,
    class: &'static str,
    label: &'static str,
}

/// The diagnosis with every string shown through [`crate::sanitize::visible`], so that a
/// line break or control character from the device appears as its escape on the page, like
/// in the terminal. (Fields added later are still covered by the page-wide pass below, but
/// for line breaks, which HTML only shows as spaces.)
fn visible_copy(d: &Diagnosis) -> Diagnosis {
    fn fix(s: &mut String) {
        if let std::borrow::Cow::Owned(v) = crate::sanitize::visible(s) {
            *s = v;
        }
    }
    let mut d = d.clone();
    fix(&mut d.source);
    let device = &mut d.device;
    for s in [
        &mut device.hostname,
        &mut device.os,
        &mut device.build,
        &mut device.edition,
        &mut device.domain,
    ]
    .into_iter()
    .flatten()
    {
        fix(s);
    }
    if let Some(e) = &mut d.enrollment {
        fix(&mut e.status);
    }
    d.join_state.note.iter_mut().for_each(fix);
    d.missing.iter_mut().for_each(fix);
    for x in &mut d.details {
        fix(&mut x.label);
        fix(&mut x.value);
        x.source.iter_mut().for_each(fix);
    }
    for f in &mut d.findings {
        fix(&mut f.title);
        fix(&mut f.root_cause);
        f.actions.iter_mut().for_each(fix);
        for e in &mut f.evidence {
            fix(&mut e.artifact);
            fix(&mut e.location);
            fix(&mut e.excerpt);
        }
    }
    for a in &mut d.artifacts {
        fix(&mut a.path);
        a.summary.iter_mut().for_each(fix);
        for p in &mut a.diagnostics {
            fix(&mut p.message);
        }
        match &mut a.status {
            mde_artifacts::ArtifactStatus::Damaged { reason }
            | mde_artifacts::ArtifactStatus::Skipped { reason, .. } => fix(reason),
            _ => {}
        }
    }
    d
}

pub fn render_html(d: &Diagnosis) -> String {
    let page = render_page(&visible_copy(d));
    crate::sanitize::html_visible(&page).into_owned()
}

fn render_page<'a>(d: &'a Diagnosis) -> String {
    let (verdict, verdict_class) = match d.verdict {
        Verdict::Healthy => ("Healthy: security management manages this device", "ok"),
        Verdict::Failing => (
            "Failing: security management does not work on this device",
            "error",
        ),
        Verdict::Incomplete => ("Incomplete: not enough evidence to decide", "warning"),
    };
    let view = |f: &'a Finding| FindingView {
        f,
        class: f.severity.key(),
        label: match f.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
            Severity::Info => "Info",
            Severity::Ok => "OK",
        },
    };
    let root_id = d.root_cause.as_deref();
    // The root cause is the first finding (mde_diagnose orders them so).
    let root = root_id.and(d.findings.first()).map(view);
    let consequences = d
        .findings
        .iter()
        .filter(|f| root_id.is_some() && f.caused_by.as_deref() == root_id)
        .map(view)
        .collect();
    let findings = d
        .findings
        .iter()
        .skip(usize::from(root_id.is_some()))
        .filter(|f| root_id.is_none() || f.caused_by.as_deref() != root_id)
        .map(view)
        .collect();
    let report = Report {
        d,
        title: d
            .device
            .hostname
            .clone()
            .unwrap_or_else(|| "unknown device".into()),
        verdict,
        verdict_class,
        general: d
            .details
            .iter()
            .filter(|x| x.section == "general")
            .collect(),
        configuration: d
            .details
            .iter()
            .filter(|x| x.section == "configuration")
            .collect(),
        errors: d.count(Severity::Error),
        warnings: d.count(Severity::Warning),
        infos: d.count(Severity::Info),
        root,
        consequences,
        findings,
        evidence_headline: evidence::headline(d),
        evidence: evidence::rows(d),
        version: env!("CARGO_PKG_VERSION"),
    };
    report.render().expect("the report template renders")
}
