//! Diagnosis of one device's Defender for Endpoint security management onboarding from its
//! [`Snapshot`]: independent checks, each a small function that adds findings with severity,
//! enrollment code, root cause, actions, documentation and the evidence it rests on.
//!
//! Domain knowledge is data: `data/checks.toml` (finding texts), `data/os-support.toml`
//! (supported OS builds), `data/endpoints.toml` (required endpoints), and the enrollment code
//! catalog of `mde-catalog`.

mod checks;
mod context;
mod data;
mod details;
pub mod events;
mod model;
mod texts;

pub use model::{
    Detail, Device, Diagnosis, Enrollment, Evidence, Finding, JoinStates, Link, Severity, Verdict,
};

use mde_artifacts::Snapshot;

use crate::context::Ctx;

/// The endpoints a device must reach (`data/endpoints.toml`) as `https://` URLs: what
/// `mde-doctor probe` tests, from the same list the checks read.
pub fn required_endpoint_urls() -> Vec<String> {
    data::endpoints()
        .iter()
        .map(|e| format!("https://{}", e.host))
        .collect()
}

/// Runs every check over the snapshot.
pub fn diagnose(snapshot: &Snapshot) -> Diagnosis {
    let mut ctx = Ctx::new(snapshot);
    let mut findings = Vec::new();
    for (_, check) in checks::CHECKS {
        check(&mut ctx, &mut findings);
    }
    // Errors first, then warnings, then information; checks' order within each.
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));

    let catalog = mde_catalog::builtin();
    let enrollment = ctx
        .reg(context::SENSECM, "EnrollmentStatus")
        .and_then(|v| v.data.as_u64())
        .and_then(|c| u32::try_from(c).ok())
        .and_then(|c| catalog.code(c))
        .map(|c| Enrollment {
            code: c.code,
            status: c.status.clone(),
            category: c.category.key().to_string(),
            documented: c.documented(),
        });
    let enrollment_severity = enrollment
        .as_ref()
        .and_then(|e| catalog.code(e.code))
        .map(|c| c.severity);
    let os = checks::os_facts(&ctx);
    let device = Device {
        hostname: snapshot
            .manifest
            .as_ref()
            .and_then(|m| m.value.hostname.clone())
            .or_else(|| {
                ctx.dsreg
                    .as_ref()
                    .and_then(|d| d.join_state.device_name.clone())
            }),
        os: os.as_ref().map(|o| o.name.clone()),
        build: os.as_ref().map(|o| o.build.clone()),
        edition: os.as_ref().and_then(|o| o.edition.clone()),
        in_scope: os.as_ref().map(|o| o.in_scope),
        domain: ctx
            .dsreg
            .as_ref()
            .and_then(|d| d.join_state.domain_name.clone()),
    };
    let has_errors = findings.iter().any(|f| f.severity == Severity::Error);
    let verdict = match (has_errors, enrollment_severity) {
        (true, _) => Verdict::Failing,
        (false, Some(mde_catalog::Severity::Warning | mde_catalog::Severity::Error)) => {
            Verdict::Failing
        }
        (false, Some(_)) => Verdict::Healthy,
        (false, None) => Verdict::Incomplete,
    };
    let join_state = checks::join_states(&ctx);
    let details = details::details(&ctx, &device, enrollment.as_ref(), &join_state);
    Diagnosis {
        source: snapshot.source.clone(),
        device,
        enrollment,
        join_state,
        details,
        verdict,
        missing: ctx.missing,
        findings,
    }
}
