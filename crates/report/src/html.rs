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

pub fn render_html<'a>(d: &'a Diagnosis) -> String {
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
