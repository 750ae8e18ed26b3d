//! Tenant consistency: the tenant security management uses (SenseCM TenantId) against the
//! tenant the device is joined to (dsregcmd) and the one the service connection point names
//! (client-side CDJ\AAD or the SCP object in LDIF).

use crate::context::{CDJ_AAD, Ctx, SENSECM, normalize_guid};
use crate::model::{Evidence, Finding};
use crate::texts::finding;

/// The SCP's tenant and where it was read.
pub(crate) fn scp_tenant(ctx: &Ctx<'_>) -> Option<(String, String, Evidence)> {
    if let Some((v, e)) = ctx.reg_with_evidence(CDJ_AAD, "TenantId") {
        return Some((v.data.display(), "client-side SCP in CDJ\\AAD".into(), e));
    }
    for scp in ctx.own_scps() {
        if let Some(id) = &scp.value.azure_ad_id {
            let at = scp
                .value
                .keywords
                .iter()
                .find(|(k, _)| k.to_ascii_lowercase().starts_with("azureadid"))
                .map(|(_, at)| *at)
                .unwrap_or(scp.value.at);
            let e = crate::context::evidence(
                &scp.artifact,
                at,
                None,
                format!("keywords: azureADId:{id}"),
            );
            return Some((id.clone(), format!("SCP object in {}", scp.artifact), e));
        }
    }
    None
}

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    let mde = ctx.reg_with_evidence(SENSECM, "TenantId");
    let scp = scp_tenant(ctx);
    let dsreg = ctx.dsreg.as_ref().and_then(|d| {
        d.tenant
            .tenant_id
            .clone()
            .map(|t| (t, d.tenant.tenant_name.clone()))
    });
    let Some((mde_value, mde_ev)) = mde else {
        return;
    };
    let mde_tenant = normalize_guid(&mde_value.data.display());
    let mut agree = vec!["SenseCM TenantId".to_string()];
    let mut evidence = vec![mde_ev.clone()];
    let mut mismatch = false;
    if let Some((scp_id, source, scp_ev)) = &scp {
        if normalize_guid(scp_id) != mde_tenant {
            mismatch = true;
            let mut f = finding(
                "tenant.scp-mismatch",
                &[
                    ("mde_tenant", mde_tenant.clone()),
                    ("scp_tenant", normalize_guid(scp_id)),
                    ("scp_source", source.clone()),
                ],
                vec![mde_ev.clone(), scp_ev.clone()],
            );
            f.code = Some(15);
            out.push(f);
        } else {
            agree.push(source.clone());
            evidence.push(scp_ev.clone());
        }
    }
    if let Some((dsreg_id, name)) = &dsreg {
        let dsreg_ev = ctx.dsreg_evidence("TenantId");
        if normalize_guid(dsreg_id) != mde_tenant {
            mismatch = true;
            let mut ev = vec![mde_ev.clone()];
            ev.extend(dsreg_ev);
            let mut f = finding(
                "tenant.joined-elsewhere",
                &[
                    ("mde_tenant", mde_tenant.clone()),
                    ("dsreg_tenant", normalize_guid(dsreg_id)),
                    (
                        "dsreg_name",
                        name.clone().unwrap_or_else(|| "no name".into()),
                    ),
                ],
                ev,
            );
            f.code = Some(18);
            out.push(f);
        } else {
            agree.push("dsregcmd TenantId".into());
            evidence.extend(dsreg_ev);
        }
    }
    if !mismatch && agree.len() > 1 {
        out.push(finding(
            "tenant.consistent",
            &[("tenant", mde_tenant), ("sources", agree.join(", "))],
            evidence,
        ));
    }
}
