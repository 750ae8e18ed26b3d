//! The service connection point: missing, malformed, or pointing at Enterprise DRS.

use mde_catalog::JoinState;

use crate::context::{CDJ_AAD, Ctx, evidence, is_guid};
use crate::model::Finding;
use crate::texts::finding;

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    // An SCP object that points at Enterprise DRS, or whose keywords are broken.
    for scp in ctx.own_scps() {
        let source = format!("SCP object in {}", scp.artifact);
        let keyword_evidence: Vec<_> = scp
            .value
            .keywords
            .iter()
            .map(|(k, at)| evidence(&scp.artifact, *at, None, format!("keywords: {k}")))
            .collect();
        if let Some(drs) = &scp.value.enterprise_drs_name {
            let mut f = finding(
                "scp.enterprise-drs",
                &[("scp_source", source.clone()), ("drs", drs.clone())],
                keyword_evidence.clone(),
            );
            f.code = Some(17);
            out.push(f);
            continue;
        }
        let problem = match (&scp.value.azure_ad_id, &scp.value.azure_ad_name) {
            (None, _) => Some("has no azureADId: keyword".to_string()),
            (Some(id), _) if !is_guid(id) => {
                Some(format!("has azureADId:{id}, which is not a tenant GUID"))
            }
            (_, None) => Some("has no azureADName: keyword".to_string()),
            _ => None,
        };
        match problem {
            Some(problem) => {
                let mut f = finding(
                    "scp.malformed",
                    &[("scp_source", source), ("problem", problem)],
                    keyword_evidence,
                );
                f.code = Some(16);
                out.push(f);
            }
            None => out.push(finding(
                "scp.found",
                &[
                    ("scp_source", source),
                    ("tenant", scp.value.azure_ad_id.clone().unwrap_or_default()),
                    ("name", scp.value.azure_ad_name.clone().unwrap_or_default()),
                ],
                keyword_evidence,
            )),
        }
    }
    if let Some((v, e)) = ctx.reg_with_evidence(CDJ_AAD, "TenantId")
        && !is_guid(&v.data.display())
    {
        let mut f = finding(
            "scp.malformed",
            &[
                ("scp_source", "client-side SCP in CDJ\\AAD".into()),
                (
                    "problem",
                    format!(
                        "has TenantId {:?}, which is not a tenant GUID",
                        v.data.display()
                    ),
                ),
            ],
            vec![e],
        );
        f.code = Some(16);
        out.push(f);
    }

    // No SCP anywhere, on a domain-joined device that is not hybrid joined, with the
    // registration telling us it looked for one.
    let Some(facts) = ctx.dsreg.clone() else {
        return;
    };
    let domain_only = facts.join_state.kind == Some(JoinState::DomainJoined)
        || (facts.join_state.kind.is_none() && facts.diagnostics.error_phase.is_some());
    let has_scp = ctx.reg(CDJ_AAD, "TenantId").is_some() || !ctx.snapshot.scps.is_empty();
    if !domain_only || has_scp {
        return;
    }
    let config_failed = facts
        .diagnostics
        .ad_configuration_test
        .as_ref()
        .is_some_and(|t| t.failed());
    let read_failed =
        facts.diagnostics.client_error_code == Some(mde_catalog::Hresult(0x801c_001d));
    if config_failed || read_failed {
        let why = if config_failed {
            "dsregcmd's AD Configuration Test failed"
        } else {
            "registration failed with 0x801c001d (DSREG_AUTOJOIN_ADCONFIG_READ_FAILED)"
        };
        let e: Vec<_> = ["AD Configuration Test", "Client ErrorCode"]
            .iter()
            .filter_map(|k| ctx.dsreg_evidence(k))
            .collect();
        let mut f = finding("scp.missing", &[("why", why.into())], e);
        f.code = Some(16);
        out.push(f);
    }
}
