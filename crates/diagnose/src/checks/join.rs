//! The join state now and the one onboarding moves the device to.
//!
//! The original flow (troubleshoot-security-config-mgt.md, 06/19/2023): already Entra joined
//! or hybrid joined → unchanged; domain joined → hybrid joined; neither → Entra joined. Since
//! synthetic registration became the default (2023-09-25) a device that cannot complete that
//! registration gets a synthetic identity instead, so hybrid join is no longer a prerequisite.

use mde_catalog::JoinState;

use crate::context::{Ctx, JOIN_INFO};
use crate::model::{Evidence, Finding, JoinStates};
use crate::texts::finding;

const SYNTHETIC: &str = "Since 2023-09-25 a device that does not complete this registration gets a synthetic Entra registration instead, so hybrid join (SCP, Entra Connect sync) is no longer required for security management.";

/// The join state as the evidence shows it, how sure that is, and what it rests on.
pub(crate) struct Observed {
    pub(crate) kind: JoinState,
    /// `read` (dsregcmd) or `inferred` (registry, AD object).
    pub(crate) confidence: &'static str,
    pub(crate) basis: String,
    pub(crate) evidence: Vec<Evidence>,
}

/// dsregcmd when the bundle has it; else the Entra join certificates under
/// `CloudDomainJoin\JoinInfo` and the AD domain membership (registry or the device's own
/// AD computer object).
pub(crate) fn observe(ctx: &Ctx<'_>) -> Option<Observed> {
    if let Some(kind) = ctx.dsreg.as_ref().and_then(|d| d.join_state.kind) {
        return Some(Observed {
            kind,
            confidence: "read",
            basis: "dsregcmd /status".into(),
            evidence: ["AzureAdJoined", "EnterpriseJoined", "DomainJoined"]
                .iter()
                .filter_map(|k| ctx.dsreg_evidence(k))
                .collect(),
        });
    }
    let prefix = format!("{}\\", JOIN_INFO.to_ascii_lowercase());
    let entra = ctx.snapshot.registry.keys.iter().find_map(|k| {
        if !k.path.folded().starts_with(&prefix) {
            return None;
        }
        let v = k
            .values
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case("TenantId"))?;
        Some(ctx.reg_evidence(k.path.as_str(), v))
    });
    let domain = ctx.ad_domain();
    let (kind, mut evidence, basis) = match (entra, domain) {
        (Some(e), Some((d, de))) => (
            JoinState::HybridJoined,
            vec![e, de],
            format!("an Entra join certificate (CloudDomainJoin\\JoinInfo) and membership of {d}"),
        ),
        (Some(e), None) => (
            JoinState::EntraJoined,
            vec![e],
            "an Entra join certificate (CloudDomainJoin\\JoinInfo) and no domain membership".into(),
        ),
        (None, Some((d, de))) => (
            JoinState::DomainJoined,
            vec![de],
            format!("membership of {d} and no Entra join certificate in the registry"),
        ),
        (None, None) => return None,
    };
    evidence.truncate(3);
    Some(Observed {
        kind,
        confidence: "inferred",
        basis,
        evidence,
    })
}

/// The join state now and after onboarding. `sync_filtered`: Entra Connect will not sync
/// the device's AD object, so hybrid join cannot complete.
pub(crate) fn states(ctx: &Ctx<'_>, sync_filtered: bool) -> JoinStates {
    let Some(seen) = observe(ctx) else {
        return JoinStates::default();
    };
    let (after, note) = after(seen.kind, sync_filtered);
    JoinStates {
        current: Some(seen.kind),
        after_onboarding: Some(after),
        note: note.map(str::to_string),
        current_label: Some(seen.kind.describe().into()),
        after_onboarding_label: Some(after.describe().into()),
        confidence: Some(seen.confidence.into()),
        evidence: seen.evidence,
    }
}

fn after(kind: JoinState, sync_filtered: bool) -> (JoinState, Option<&'static str>) {
    match kind {
        JoinState::EntraJoined | JoinState::HybridJoined => (kind, None),
        JoinState::DomainJoined | JoinState::OnPremDrsJoined if sync_filtered => {
            (kind, Some(FILTERED))
        }
        JoinState::DomainJoined | JoinState::OnPremDrsJoined => {
            (JoinState::HybridJoined, Some(SYNTHETIC))
        }
        JoinState::NotJoined => (JoinState::EntraJoined, Some(SYNTHETIC)),
    }
}

const FILTERED: &str = "Entra Connect's sync rule filters the device's AD object out, so hybrid join cannot complete: the device keeps its join state and, since 2023-09-25, gets a synthetic Entra registration instead.";

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    let has_dsregcmd = ctx.os.facts.as_ref().is_none_or(|o| o.has_dsregcmd);
    let seen = observe(ctx);
    if ctx.dsreg.is_none() {
        if has_dsregcmd {
            ctx.missing.push("dsregcmd /status output".into());
        }
        if seen.is_none() {
            let id = if has_dsregcmd {
                "join.missing"
            } else {
                "join.missing-downlevel"
            };
            out.push(finding(id, &[], vec![]));
            return;
        }
    }
    let facts = ctx.dsreg.clone();
    if let Some(why) = facts
        .as_ref()
        .and_then(|f| f.join_state.contradiction.clone())
    {
        let evidence = ["AzureAdJoined", "EnterpriseJoined", "DomainJoined"]
            .iter()
            .filter_map(|k| ctx.dsreg_evidence(k))
            .collect();
        out.push(finding("join.contradictory", &[("why", why)], evidence));
    }
    if let Some(seen) = seen {
        let kind = seen.kind;
        let evidence = seen.evidence;
        // The sync check ran first: a filtered AD object keeps the device from hybrid join.
        let filtered = out
            .iter()
            .any(|f| f.id == "sync.filtered" || f.id == "sync.not-in-scope");
        let after = after(kind, filtered).0;
        let explanation = match kind {
            JoinState::EntraJoined | JoinState::HybridJoined => {
                "The device already has a full Microsoft Entra registration; onboarding keeps it."
                    .to_string()
            }
            JoinState::DomainJoined if filtered => FILTERED.to_string(),
            JoinState::DomainJoined => format!(
                "A domain-joined device is hybrid joined by onboarding in the original flow (SCP, Entra Connect sync and line of sight to a DC needed). {SYNTHETIC}"
            ),
            JoinState::OnPremDrsJoined => format!(
                "The device is registered with an on-premises DRS (Enterprise joined); onboarding needs Microsoft Entra hybrid join instead, which an SCP pointing at Enterprise DRS prevents. {SYNTHETIC}"
            ),
            JoinState::NotJoined => format!(
                "A device that is neither domain joined nor Entra joined is Entra joined by onboarding in the original flow. {SYNTHETIC}"
            ),
        };
        let how = if seen.confidence == "read" {
            String::new()
        } else {
            format!(" (inferred from {}; no dsregcmd output)", seen.basis)
        };
        out.push(finding(
            "join.state",
            &[
                ("current", kind.describe().into()),
                ("after", after.describe().into()),
                ("explanation", format!("{explanation}{how}")),
            ],
            evidence,
        ));
        if kind == JoinState::NotJoined
            && facts
                .as_ref()
                .is_some_and(|f| f.join_state.workplace_joined == Some(true))
        {
            let e = ctx.dsreg_evidence("WorkplaceJoined").into_iter().collect();
            out.push(finding("join.workplace-only", &[], e));
        }
    }
    let Some(facts) = facts else {
        return;
    };
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
