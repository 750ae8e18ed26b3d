//! Is the operating system in scope: edition, build, update, Server Core, multi-session,
//! 32-bit, domain controller (`Windows NT\CurrentVersion`, SYSTEM ProductOptions).

use crate::context::{
    ATP_STATUS, CURRENT_VERSION, Ctx, ENVIRONMENT, PRODUCT_OPTIONS, SENSE_SERVICE,
};
use crate::data::os_support;
use crate::model::{Evidence, Finding};
use crate::texts::finding;

/// What the OS check found, for the diagnosis summary.
pub(crate) struct OsFacts {
    pub(crate) name: String,
    pub(crate) build: String,
    pub(crate) edition: Option<String>,
    pub(crate) in_scope: bool,
    /// Server Core (no desktop: no Settings app, no browser on the device).
    pub(crate) core: bool,
    /// Whether the OS has dsregcmd (Server 2012 R2 has not).
    pub(crate) has_dsregcmd: bool,
}

/// The OS assessment, made once per diagnosis ([`Ctx::new`]): the OS check reports its
/// findings, the join check and the diagnosis summary read its facts.
#[derive(Default)]
pub(crate) struct OsAssessment {
    /// `None` when the bundle has no `Windows NT\CurrentVersion` build.
    pub(crate) facts: Option<OsFacts>,
    pub(crate) findings: Vec<Finding>,
}

pub(crate) fn assess(ctx: &Ctx<'_>) -> OsAssessment {
    let mut findings = Vec::new();
    let facts = evaluate(ctx, &mut findings);
    OsAssessment { facts, findings }
}

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    out.extend(ctx.os.findings.iter().cloned());
    if ctx.os.facts.is_none() {
        ctx.missing
            .push(r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion".into());
        out.push(finding("os.missing", &[], vec![]));
    }
}

fn evaluate(ctx: &Ctx<'_>, out: &mut Vec<Finding>) -> Option<OsFacts> {
    let (build_value, build_ev) = ctx
        .reg_with_evidence(CURRENT_VERSION, "CurrentBuild")
        .or_else(|| ctx.reg_with_evidence(CURRENT_VERSION, "CurrentBuildNumber"))?;
    let build: u32 = build_value
        .data
        .as_u64()
        .and_then(|b| u32::try_from(b).ok())?;
    let mut evidence: Vec<Evidence> = vec![build_ev];
    let text = |name: &str, evidence: &mut Vec<Evidence>| {
        ctx.reg_with_evidence(CURRENT_VERSION, name).map(|(v, e)| {
            evidence.push(e);
            v.data.display()
        })
    };
    let ubr: u32 = ctx
        .reg_with_evidence(CURRENT_VERSION, "UBR")
        .and_then(|(v, e)| {
            evidence.push(e);
            v.data.as_u64().and_then(|u| u32::try_from(u).ok())
        })
        .unwrap_or(0);
    let product = text("ProductName", &mut evidence).unwrap_or_else(|| "Windows".into());
    let edition = text("EditionID", &mut evidence);
    let installation = text("InstallationType", &mut evidence).unwrap_or_default();
    let server = installation.starts_with("Server")
        || product.contains("Server")
        || edition.as_deref().is_some_and(|e| e.starts_with("Server"));
    let core = installation.eq_ignore_ascii_case("Server Core");
    let data = os_support();
    let entry = data.find(build, server);
    // Windows 11 still calls itself "Windows 10 …" in ProductName: trust the build.
    let name = match entry {
        Some(e) if !server => product.replacen("Windows 10", &e.name, 1),
        Some(e) => e.name.clone(),
        None => product.clone(),
    };
    let build_text = format!("{build}.{ubr}");
    let mut in_scope = true;
    let mut vars = vec![
        ("os", name.clone()),
        ("product", product.clone()),
        ("build", build.to_string()),
        ("ubr", ubr.to_string()),
        (
            "edition",
            edition.clone().unwrap_or_else(|| "unknown".into()),
        ),
        ("installation", installation.clone()),
    ];

    if let Some(ed) = &edition {
        let eds = &data.editions;
        if eds.multi_session.iter().any(|e| e.eq_ignore_ascii_case(ed))
            || product.contains("multi-session")
        {
            out.push(finding("os.multi-session", &vars, evidence.clone()));
            in_scope = false;
        } else if eds.unsupported.iter().any(|e| e.eq_ignore_ascii_case(ed)) {
            out.push(finding("os.unsupported-edition", &vars, evidence.clone()));
            in_scope = false;
        } else if eds.not_listed.iter().any(|e| e.eq_ignore_ascii_case(ed))
            || !eds.supported.iter().any(|e| e.eq_ignore_ascii_case(ed))
        {
            out.push(finding("os.edition-not-listed", &vars, evidence.clone()));
        }
    }
    match entry {
        None => {
            let floor = if server {
                data.floor.server
            } else {
                data.floor.client
            };
            if build < floor {
                vars.push(("floor", floor.to_string()));
                out.push(finding("os.unsupported-build", &vars, evidence.clone()));
            } else {
                out.push(finding("os.not-listed", &vars, evidence.clone()));
            }
            in_scope = false;
        }
        Some(e) => {
            if core && e.core_unsupported {
                out.push(finding("os.server-core", &vars, evidence.clone()));
                in_scope = false;
            } else if core && build == 17763 {
                out.push(finding("os.server-core-2019", &vars, evidence.clone()));
            }
            if ubr < e.min_ubr {
                vars.push(("update", e.update.clone()));
                vars.push(("min_ubr", e.min_ubr.to_string()));
                out.push(finding("os.update-required", &vars, evidence.clone()));
                in_scope = false;
            }
            if e.needs_unified_agent {
                // The unified agent runs the SENSE service and writes the onboarding state
                // under Windows Advanced Threat Protection\Status; the legacy MMA-based sensor
                // does neither (domain.md §3.1: MDECA reads the Sense version for
                // down-level servers with the unified agent) [inferred].
                let unified = ctx
                    .reg_with_evidence(ATP_STATUS, "OnboardingState")
                    .filter(|(v, _)| v.data.as_u64() == Some(1))
                    .map(|(_, e)| e)
                    .or_else(|| {
                        let key = ctx.snapshot.registry.key(SENSE_SERVICE)?;
                        let v = key.values.first()?;
                        Some(ctx.reg_evidence(SENSE_SERVICE, v))
                    });
                match unified {
                    Some(e) => out.push(finding("os.unified-agent", &vars, vec![e])),
                    None => out.push(finding("os.needs-unified-agent", &vars, evidence.clone())),
                }
            }
        }
    }
    if let Some((arch, e)) = ctx.reg_with_evidence(ENVIRONMENT, "PROCESSOR_ARCHITECTURE") {
        let arch = arch.data.display();
        if arch.eq_ignore_ascii_case("x86") {
            vars.push(("arch", arch));
            out.push(finding("os.32-bit", &vars, vec![e]));
            in_scope = false;
        }
    }
    if let Some((pt, e)) = ctx.reg_with_evidence(PRODUCT_OPTIONS, "ProductType")
        && pt.data.display().eq_ignore_ascii_case("LanmanNT")
    {
        out.push(finding("os.domain-controller", &vars, vec![e]));
    }
    if in_scope {
        let note = match entry {
            Some(e) if !e.update.is_empty() => format!(", with {} or later installed", e.update),
            _ => String::new(),
        };
        vars.push(("update_note", note));
        out.push(finding("os.in-scope", &vars, evidence));
    }
    Some(OsFacts {
        name,
        build: build_text,
        edition,
        in_scope,
        core,
        has_dsregcmd: entry.is_none_or(|e| e.has_dsregcmd) && build >= 10240,
    })
}
