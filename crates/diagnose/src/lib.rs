//! Diagnosis of one device's Defender for Endpoint security management onboarding from its
//! [`Snapshot`]: independent checks, each a small function that adds findings with severity,
//! enrollment code, root cause, actions, documentation and the evidence it rests on.
//!
//! Domain knowledge is data: `data/checks.toml` (finding texts), `data/os-support.toml`
//! (supported OS builds), `data/endpoints.toml` (required endpoints), and the enrollment code
//! catalog of `mde-catalog`.

mod adapt;
mod causes;
mod checks;
mod context;
mod data;
mod details;
mod environment;
pub mod events;
mod model;
mod readings;
mod texts;
mod time;
pub mod wanted;

pub use mde_catalog::{JoinState, Link, Severity};
pub use model::{
    Detail, Device, Diagnosis, Enrollment, Environment, Evidence, Finding, JoinStates, Verdict,
};

use mde_artifacts::Snapshot;

use crate::context::Ctx;
pub use crate::context::Options;

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
    diagnose_with(snapshot, &Options::default())
}

/// Runs every check over the snapshot, with what the caller knows beyond it (an Entra
/// Connect configuration export).
pub fn diagnose_with(snapshot: &Snapshot, options: &Options) -> Diagnosis {
    let mut ctx = Ctx::new(snapshot, options);
    let mut findings = Vec::new();
    for (_, check) in checks::CHECKS {
        check(&mut ctx, &mut findings);
    }
    let os = ctx.os.facts.take();
    let configmgr = findings
        .iter()
        .any(|f| f.id.starts_with("authority.configmgr"));
    adapt::adapt(
        adapt::Traits {
            no_dsregcmd: os.as_ref().is_some_and(|o| !o.has_dsregcmd),
            has_dsregcmd: os.as_ref().is_some_and(|o| o.has_dsregcmd),
            server_core: os.as_ref().is_some_and(|o| o.core),
            configmgr,
        },
        &mut findings,
    );
    readings::pick(&mut findings);
    // The root cause first, what it explains under it, then the rest by severity.
    let root_cause = causes::link(&mut findings);

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
            out_of_date: findings.iter().any(|f| f.id == "enrollment.stale"),
        });
    let enrollment_severity = enrollment
        .as_ref()
        .and_then(|e| catalog.code(e.code))
        .map(|c| c.severity);
    let device = Device {
        hostname: ctx.hostname(),
        os: os.as_ref().map(|o| o.name.clone()),
        build: os.as_ref().map(|o| o.build.clone()),
        edition: os.as_ref().and_then(|o| o.edition.clone()),
        in_scope: os.as_ref().map(|o| o.in_scope),
        domain: ctx
            .dsreg
            .as_ref()
            .and_then(|d| d.join_state.domain_name.clone())
            .or_else(|| ctx.ad_domain().map(|(d, _)| d)),
    };
    let has_errors = findings.iter().any(|f| f.severity == Severity::Error);
    let verdict = match (has_errors, enrollment_severity) {
        (true, _) => Verdict::Failing,
        (false, Some(Severity::Warning | Severity::Error)) => Verdict::Failing,
        (false, Some(_)) => Verdict::Healthy,
        (false, None) => Verdict::Incomplete,
    };
    let sync_filtered = findings
        .iter()
        .any(|f| f.id == "sync.filtered" || f.id == "sync.not-in-scope");
    let join_state = checks::join_states(&ctx, sync_filtered);
    let details = details::details(&ctx, &device, enrollment.as_ref(), &join_state);
    let environment = environment::environment(&ctx, snapshot);
    Diagnosis {
        source: snapshot.source.clone(),
        device,
        enrollment,
        join_state,
        details,
        verdict,
        root_cause,
        missing: ctx.missing,
        findings,
        artifacts: snapshot.artifacts.clone(),
        environment,
    }
}
