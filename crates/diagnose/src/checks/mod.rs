//! The checks: small independent functions over the snapshot, each adding findings. A check
//! whose evidence is missing says what to collect instead of guessing.

mod authority;
mod dsreg;
mod enrollment;
mod events;
mod evidence;
mod join;
mod network;
mod onboarding;
mod os;
mod scp;
mod sync;
mod tenant;

use crate::context::Ctx;
use crate::model::Finding;

/// A check: reads the context, adds findings.
pub(crate) type Check = fn(&mut Ctx<'_>, &mut Vec<Finding>);

/// Every check, in report order.
pub(crate) const CHECKS: &[(&str, Check)] = &[
    ("enrollment", enrollment::check),
    ("onboarding", onboarding::check),
    ("os", os::check),
    ("tenant", tenant::check),
    ("scp", scp::check),
    ("sync", sync::check),
    ("join", join::check),
    ("dsreg", dsreg::check),
    ("authority", authority::check),
    ("network", network::check),
    ("events", events::check),
    ("evidence", evidence::check),
];

pub(crate) use join::states as join_states;
pub(crate) use os::{OsAssessment, assess as assess_os};
