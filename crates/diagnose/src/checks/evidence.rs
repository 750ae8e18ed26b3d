//! Artifacts that could not be used are findings too: the administrator must know what the
//! diagnosis did without.

use mde_artifacts::snapshot::ArtifactStatus;

use crate::context::Ctx;
use crate::model::Finding;
use crate::texts::finding;

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    for a in &ctx.snapshot.artifacts {
        if let ArtifactStatus::Damaged { reason } = &a.status {
            out.push(finding(
                "evidence.damaged",
                &[("artifact", a.path.clone()), ("reason", reason.clone())],
                vec![crate::context::evidence(
                    &a.path,
                    mde_artifacts::Location::Whole,
                    None,
                    reason.clone(),
                )],
            ));
        }
    }
}
