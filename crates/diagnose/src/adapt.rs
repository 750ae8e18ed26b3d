//! Actions that fit the device (`data/device-actions.toml`): no `dsregcmd` advice for Windows
//! Server 2012 R2, a note for Server Core and for ConfigMgr-managed devices.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::{Finding, Severity};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    when: String,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default)]
    replace: Option<String>,
    #[serde(default)]
    add: Option<String>,
    /// Remove the action instead (it is for another OS).
    #[serde(default)]
    drop: bool,
}

fn rules() -> &'static [Rule] {
    static DATA: OnceLock<Vec<Rule>> = OnceLock::new();
    DATA.get_or_init(|| {
        crate::data::array(
            "device-actions.toml",
            include_str!("../data/device-actions.toml"),
            "rule",
        )
    })
}

/// The device traits the rules know.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Traits {
    /// The OS is known and has no dsregcmd.
    pub(crate) no_dsregcmd: bool,
    /// The OS is known and has dsregcmd.
    pub(crate) has_dsregcmd: bool,
    pub(crate) server_core: bool,
    pub(crate) configmgr: bool,
}

impl Traits {
    fn has(self, name: &str) -> bool {
        match name {
            "no-dsregcmd" => self.no_dsregcmd,
            "has-dsregcmd" => self.has_dsregcmd,
            "server-core" => self.server_core,
            "configmgr" => self.configmgr,
            _ => false,
        }
    }
}

/// Rewrites and extends the findings' actions for a device with these traits.
pub(crate) fn adapt(traits: Traits, findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        f.actions.retain(|action| {
            !rules().iter().any(|r| {
                r.drop
                    && traits.has(&r.when)
                    && r.contains.as_deref().is_some_and(|c| action.contains(c))
            })
        });
        for action in f.actions.iter_mut() {
            if let Some(r) = rules().iter().find(|r| {
                traits.has(&r.when)
                    && r.contains.as_deref().is_some_and(|c| action.contains(c))
                    && r.replace.is_some()
            }) {
                *action = r.replace.clone().unwrap_or_default();
            }
        }
        f.actions.dedup();
        if f.severity == Severity::Info || f.actions.is_empty() {
            continue;
        }
        for r in rules().iter().filter(|r| traits.has(&r.when)) {
            if let Some(add) = &r.add
                && !f.actions.contains(add)
            {
                f.actions.push(add.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::finding;

    #[test]
    fn every_rule_names_a_known_trait_and_does_one_thing() {
        for r in rules() {
            assert!(
                ["no-dsregcmd", "has-dsregcmd", "server-core", "configmgr"]
                    .contains(&r.when.as_str()),
                "{}",
                r.when
            );
            let does = [r.replace.is_some(), r.add.is_some(), r.drop];
            assert_eq!(does.iter().filter(|d| **d).count(), 1, "{r:?}");
            assert_eq!(r.replace.is_some() || r.drop, r.contains.is_some(), "{r:?}");
        }
    }

    #[test]
    fn no_dsregcmd_advice_on_server_2012_r2() {
        let mut f = vec![finding(
            "join.device-auth-failed",
            &[("status", "FAILED".into()), ("device_id", "x".into())],
            vec![],
        )];
        let before = f[0].actions.clone();
        assert!(before.iter().any(|a| a.contains("dsregcmd")));
        adapt(Traits::default(), &mut f);
        assert_eq!(f[0].actions, before, "a Windows 10 device keeps dsregcmd");
        adapt(
            Traits {
                no_dsregcmd: true,
                ..Traits::default()
            },
            &mut f,
        );
        assert!(
            f[0].actions.iter().all(|a| !a.contains("dsregcmd /leave")),
            "{:?}",
            f[0].actions
        );
        assert!(f[0].actions.iter().any(|a| a.contains("autoworkplace.exe")));
    }
}
