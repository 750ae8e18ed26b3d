//! The join state now and the one onboarding moves the device to.
//!
//! The original flow (troubleshoot-security-config-mgt.md, 06/19/2023): already Entra joined
//! or hybrid joined → unchanged; domain joined → hybrid joined; neither → Entra joined. Since
//! synthetic registration became the default (2023-09-25) a device that cannot complete that
//! registration gets a synthetic identity instead, so hybrid join is no longer a prerequisite.

use mde_artifacts::dsregcmd::JoinKind;

use crate::context::Ctx;
use crate::model::{Finding, JoinStates};
use crate::texts::finding;

const SYNTHETIC: &str = "Since 2023-09-25 a device that does not complete this registration gets a synthetic Entra registration instead, so hybrid join (SCP, Entra Connect sync) is no longer required for security management.";

pub(crate) fn states(ctx: &Ctx<'_>) -> JoinStates {
    let Some(kind) = ctx.dsreg.as_ref().and_then(|d| d.join_state.kind) else {
        return JoinStates::default();
    };
    let (after, note) = match kind {
        JoinKind::EntraJoined | JoinKind::HybridJoined => (kind, None),
        JoinKind::DomainJoined | JoinKind::OnPremDrsJoined => {
            (JoinKind::HybridJoined, Some(SYNTHETIC))
        }
        JoinKind::NotJoined => (JoinKind::EntraJoined, Some(SYNTHETIC)),
    };
    JoinStates {
        current: Some(key(kind).into()),
        after_onboarding: Some(key(after).into()),
        note: note.map(str::to_string),
    }
}

fn key(kind: JoinKind) -> &'static str {
    match kind {
        JoinKind::EntraJoined => "entra_joined",
        JoinKind::HybridJoined => "hybrid_joined",
        JoinKind::DomainJoined => "domain_joined",
        JoinKind::OnPremDrsJoined => "on_prem_drs_joined",
        JoinKind::NotJoined => "not_joined",
    }
}

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    let Some(facts) = ctx.dsreg.clone() else {
        ctx.missing.push("dsregcmd /status output".into());
        out.push(finding("join.missing", &[], vec![]));
        return;
    };
    let evidence: Vec<_> = ["AzureAdJoined", "EnterpriseJoined", "DomainJoined"]
        .iter()
        .filter_map(|k| ctx.dsreg_evidence(k))
        .collect();
    if let Some(kind) = facts.join_state.kind {
        let after = match kind {
            JoinKind::EntraJoined | JoinKind::HybridJoined => kind,
            JoinKind::NotJoined => JoinKind::EntraJoined,
            _ => JoinKind::HybridJoined,
        };
        let explanation = match kind {
            JoinKind::EntraJoined | JoinKind::HybridJoined => {
                "The device already has a full Microsoft Entra registration; onboarding keeps it."
                    .to_string()
            }
            JoinKind::DomainJoined => format!(
                "A domain-joined device is hybrid joined by onboarding in the original flow (SCP, Entra Connect sync and line of sight to a DC needed). {SYNTHETIC}"
            ),
            JoinKind::OnPremDrsJoined => format!(
                "The device is registered with an on-premises DRS (Enterprise joined); onboarding needs Microsoft Entra hybrid join instead, which an SCP pointing at Enterprise DRS prevents. {SYNTHETIC}"
            ),
            JoinKind::NotJoined => format!(
                "A device that is neither domain joined nor Entra joined is Entra joined by onboarding in the original flow. {SYNTHETIC}"
            ),
        };
        out.push(finding(
            "join.state",
            &[
                ("current", kind.describe().into()),
                ("after", after.describe().into()),
                ("explanation", explanation),
            ],
            evidence,
        ));
        if kind == JoinKind::NotJoined && facts.join_state.workplace_joined == Some(true) {
            let e = ctx.dsreg_evidence("WorkplaceJoined").into_iter().collect();
            out.push(finding("join.workplace-only", &[], e));
        }
    }
    if let Some(status) = &facts.device.device_auth_status
        && status.to_ascii_uppercase().starts_with("FAILED")
    {
        out.push(finding(
            "join.device-auth-failed",
            &[
                ("status", status.clone()),
                (
                    "device_id",
                    facts
                        .device
                        .device_id
                        .clone()
                        .unwrap_or_else(|| "(unknown)".into()),
                ),
            ],
            ctx.dsreg_evidence("DeviceAuthStatus").into_iter().collect(),
        ));
    }
}
