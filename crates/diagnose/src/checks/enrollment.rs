//! The EnrollmentStatus value, read through the catalog.

use crate::context::{ATP_STATUS, Ctx, SENSECM};
use crate::model::{Finding, Severity};
use crate::texts::{finding, resolve_links};

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    let Some((value, evidence)) = ctx.reg_with_evidence(SENSECM, "EnrollmentStatus") else {
        ctx.missing
            .push(r"HKLM\SOFTWARE\Microsoft\SenseCM (EnrollmentStatus)".into());
        out.push(finding("enrollment.missing", &[], vec![]));
        return;
    };
    let Some(code) = value.data.as_u64() else {
        out.push(finding("enrollment.missing", &[], vec![evidence]));
        return;
    };
    let catalog = mde_catalog::builtin();
    let Some(entry) = u32::try_from(code).ok().and_then(|c| catalog.code(c)) else {
        let mut f = finding("enrollment.missing", &[], vec![evidence]);
        f.severity = Severity::Warning;
        f.title = format!("Enrollment status {code} is not known to any public source");
        f.root_cause = format!(
            "EnrollmentStatus is {code}, which no version of Microsoft's documentation or of the MDE Client Analyzer explains."
        );
        f.actions =
            vec!["Run the MDE Client Analyzer and open a support case with its results.".into()];
        out.push(f);
        return;
    };
    // A success recorded before the sensor was offboarded says nothing about today.
    if entry.severity == mde_catalog::Severity::Ok
        && let Some((state, se)) = ctx.reg_with_evidence(ATP_STATUS, "OnboardingState")
        && state.data.as_u64() != Some(1)
    {
        let mut f = finding(
            "enrollment.stale",
            &[
                ("code", code.to_string()),
                ("status", entry.status.clone()),
                ("state", state.data.display()),
            ],
            vec![evidence, se],
        );
        f.code = Some(entry.code);
        out.push(f);
        return;
    }
    // A finding is at least information: an ok status is reported as information.
    let severity = entry.severity.max(Severity::Info);
    let mut f = finding(
        "enrollment.status",
        &[
            ("code", code.to_string()),
            ("status", entry.status.clone()),
            ("meaning", entry.meaning.clone()),
        ],
        vec![evidence],
    );
    f.severity = severity;
    f.code = Some(entry.code);
    f.actions = entry.actions.clone();
    let keys: Vec<String> = Vec::new();
    f.links = entry
        .docs
        .iter()
        .cloned()
        .chain(resolve_links(&keys, catalog))
        .collect();
    f.docs = f.links.iter().map(|l| l.url.clone()).collect();
    if let Some(d) = &entry.disagreement {
        f.root_cause = format!("{} (Sources disagree: {d})", f.root_cause);
    }
    out.push(f);
}
