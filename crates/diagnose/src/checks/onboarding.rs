//! Defender for Endpoint onboarding (`Windows Advanced Threat Protection\Status`).

use crate::context::{ATP_STATUS, Ctx};
use crate::model::Finding;
use crate::texts::finding;

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    if ctx.snapshot.registry.keys.is_empty() {
        ctx.missing
            .push(r"HKLM\SOFTWARE\Microsoft\Windows Advanced Threat Protection".into());
        return;
    }
    match ctx.reg_with_evidence(ATP_STATUS, "OnboardingState") {
        Some((v, e)) if v.data.as_u64() == Some(1) => {
            let mut evidence = vec![e];
            let org = match ctx.reg_with_evidence(ATP_STATUS, "OrgId") {
                Some((o, oe)) => {
                    evidence.push(oe);
                    o.data.display()
                }
                None => "not recorded".into(),
            };
            out.push(finding("onboarding.ok", &[("org", org)], evidence));
        }
        Some((v, e)) => out.push(finding(
            "onboarding.not-onboarded",
            &[("state", v.data.display())],
            vec![e],
        )),
        None => {
            // A bundle that holds registry evidence but no ATP key.
            ctx.missing
                .push(r"HKLM\SOFTWARE\Microsoft\Windows Advanced Threat Protection\Status".into());
            out.push(finding("onboarding.missing-key", &[], vec![]));
        }
    }
}
