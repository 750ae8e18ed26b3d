//! The "General device details" and "Device configuration management details" of a report,
//! after the MDE Client Analyzer's sections of the same names, each value with its source.

use crate::context::{ATP_STATUS, CDJ_AAD, Ctx, SENSECM};
use crate::model::{Detail, Device, Enrollment, JoinStates};

pub(crate) fn details(
    ctx: &Ctx<'_>,
    device: &Device,
    enrollment: Option<&Enrollment>,
    join: &JoinStates,
) -> Vec<Detail> {
    let mut out = Vec::new();
    let mut push = |section: &str, label: &str, value: Option<String>, source: Option<String>| {
        if let Some(value) = value {
            out.push(Detail {
                section: section.into(),
                label: label.into(),
                value,
                source,
            });
        }
    };
    let snap = ctx.snapshot;
    let manifest = snap.manifest.as_ref();
    push(
        "general",
        "Device name",
        device.hostname.clone(),
        manifest.map(|m| m.artifact.clone()),
    );
    push("general", "Operating system", device.os.clone(), None);
    push("general", "OS build", device.build.clone(), None);
    push("general", "Edition", device.edition.clone(), None);
    push(
        "general",
        "In scope for security management",
        device
            .in_scope
            .map(|b| if b { "yes" } else { "no" }.to_string()),
        None,
    );
    push(
        "general",
        "Domain",
        device.domain.clone(),
        snap.dsregcmd.as_ref().map(|d| d.artifact.clone()),
    );
    push(
        "general",
        "Collected",
        manifest.and_then(|m| m.value.collected_at.clone()),
        manifest.map(|m| m.artifact.clone()),
    );
    push(
        "general",
        "Collector",
        manifest.and_then(|m| m.value.collector.clone()),
        manifest.map(|m| m.artifact.clone()),
    );
    push("general", "Evidence", Some(snap.source.clone()), None);

    let reg = |key: &str, name: &str| {
        ctx.reg_with_evidence(key, name).map(|(v, e)| {
            let place = match (e.line, e.offset) {
                (Some(n), _) => format!("{}, line {n}", e.artifact),
                (None, Some(o)) => format!("{}, offset {o:#x}", e.artifact),
                _ => e.artifact.clone(),
            };
            (v.data.display(), place)
        })
    };
    if let Some(e) = enrollment {
        let src = reg(SENSECM, "EnrollmentStatus").map(|(_, s)| s);
        push("configuration", "Enrollment status", Some(e.label()), src);
    }
    for (label, key, name) in [
        ("Security management tenant ID", SENSECM, "TenantId"),
        ("Entra device ID (SenseCM)", SENSECM, "DeviceId"),
        ("MDE onboarding state", ATP_STATUS, "OnboardingState"),
        ("MDE organization ID", ATP_STATUS, "OrgId"),
        ("Client-side SCP tenant ID", CDJ_AAD, "TenantId"),
        ("Client-side SCP tenant name", CDJ_AAD, "TenantName"),
    ] {
        if let Some((v, s)) = reg(key, name) {
            push("configuration", label, Some(v), Some(s));
        }
    }
    for scp in ctx.own_scps() {
        push(
            "configuration",
            "SCP tenant ID",
            scp.value.azure_ad_id.clone(),
            Some(format!("{}, {}", scp.artifact, scp.value.at)),
        );
        push(
            "configuration",
            "SCP tenant name",
            scp.value.azure_ad_name.clone(),
            Some(scp.artifact.clone()),
        );
        push(
            "configuration",
            "SCP Enterprise DRS",
            scp.value.enterprise_drs_name.clone(),
            Some(scp.artifact.clone()),
        );
    }
    if let Some(d) = &ctx.dsreg {
        let src = snap.dsregcmd.as_ref().map(|s| s.artifact.clone());
        let yes_no = |b: Option<bool>| b.map(|b| if b { "YES" } else { "NO" }.to_string());
        push(
            "configuration",
            "Microsoft Entra joined (AzureAdJoined)",
            yes_no(d.join_state.azure_ad_joined),
            src.clone(),
        );
        push(
            "configuration",
            "Domain joined",
            yes_no(d.join_state.domain_joined),
            src.clone(),
        );
        push(
            "configuration",
            "Microsoft Entra registered (WorkplaceJoined)",
            yes_no(d.join_state.workplace_joined),
            src.clone(),
        );
        push(
            "configuration",
            "Entra tenant (dsregcmd)",
            d.tenant.tenant_id.clone(),
            src.clone(),
        );
        push(
            "configuration",
            "Entra tenant name",
            d.tenant.tenant_name.clone(),
            src.clone(),
        );
        push(
            "configuration",
            "Entra device ID (dsregcmd)",
            d.device.device_id.clone(),
            src.clone(),
        );
    }
    push(
        "configuration",
        "Join state",
        join.current_label
            .clone()
            .map(|l| match join.confidence.as_deref() {
                Some("inferred") => format!("{l} (inferred, no dsregcmd output)"),
                _ => l,
            }),
        join.evidence
            .first()
            .map(|e| format!("{}, {}", e.artifact, e.location)),
    );
    push(
        "configuration",
        "Join state after onboarding",
        join.after_onboarding_label.clone(),
        None,
    );
    out
}
