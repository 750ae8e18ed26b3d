//! Another management authority: Configuration Manager or an MDM.

use crate::context::{Ctx, DEFENDER, ENROLLMENTS, SENSECM, SMS_CLIENT};
use crate::model::Finding;
use crate::texts::finding;

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    let mut cm_evidence = Vec::new();
    let mut cm_text = Vec::new();
    if let Some((v, e)) = ctx.reg_with_evidence(DEFENDER, "ManagedDefenderProductType")
        && v.data.as_u64() == Some(7)
    {
        cm_text.push("ManagedDefenderProductType is 7 (Configuration Manager)".to_string());
        cm_evidence.push(e);
    }
    if let Some(key) = ctx.snapshot.registry.key(SMS_CLIENT)
        && let Some(v) = key.values.first()
    {
        cm_text.push("the Configuration Manager client is installed".to_string());
        cm_evidence.push(ctx.reg_evidence(SMS_CLIENT, v));
    }
    if !cm_evidence.is_empty() {
        // SenseCM's own status has the last word: 1 says security management manages the
        // device despite the ConfigMgr client, 43 that both do (domain.md §1.5).
        let status = ctx
            .reg_with_evidence(SENSECM, "EnrollmentStatus")
            .and_then(|(v, e)| v.data.as_u64().map(|c| (c, e)));
        let (id, code) = match &status {
            Some((1, _)) => ("authority.configmgr-coexists", None),
            Some((43, _)) => ("authority.configmgr-coexists", Some(43)),
            _ => ("authority.configmgr", Some(4)),
        };
        if let Some((_, e)) = status
            && id != "authority.configmgr"
        {
            cm_evidence.push(e);
        }
        let mut f = finding(
            id,
            &[("evidence_text", capitalize(&cm_text.join(" and ")))],
            cm_evidence,
        );
        f.code = code;
        out.push(f);
    }
    // MDM enrollments: Enrollments\<GUID>\EnrollmentType 6 is "MDM enrolled" (MDE Client
    // Analyzer Get-MDMEnrollmentStatus).
    let prefix = format!("{}\\", ENROLLMENTS.to_ascii_lowercase());
    for key in &ctx.snapshot.registry.keys {
        let path = key.path.folded();
        if !path.starts_with(&prefix) || path[prefix.len()..].contains('\\') {
            continue;
        }
        if let Some(v) = key
            .values
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case("EnrollmentType"))
            && v.data.as_u64() == Some(6)
        {
            let e = ctx.reg_evidence(key.path.as_str(), v);
            let provider = key
                .values
                .iter()
                .find(|v| v.name.eq_ignore_ascii_case("ProviderID"))
                .map(|v| v.data.display())
                .unwrap_or_else(|| "an MDM".into());
            let mut f = finding(
                "authority.intune-mdm",
                &[(
                    "evidence_text",
                    format!("The device is enrolled in {provider} (EnrollmentType 6)"),
                )],
                vec![e],
            );
            f.code = Some(3);
            out.push(f);
            break;
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
