//! The join states of the dsregcmd documentation, one enum for every crate that names one.
//!
//! Source: entra-docs `troubleshoot-device-dsregcmd.md` (AzureAdJoined / EnterpriseJoined /
//! DomainJoined table), plus "not joined".

use serde::{Deserialize, Serialize};

/// A device's join state. Serialized as `entra_joined`, `hybrid_joined`, `domain_joined`,
/// `on_prem_drs_joined`, `not_joined` (the keys of `analyze --format json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JoinState {
    /// Microsoft Entra joined (YES / NO / NO).
    EntraJoined,
    /// Microsoft Entra hybrid joined (YES / NO / YES).
    HybridJoined,
    /// Domain joined only (NO / NO / YES).
    DomainJoined,
    /// Joined to an on-premises DRS (NO / YES / YES).
    OnPremDrsJoined,
    /// None of them (the device may still be Entra registered: WorkplaceJoined).
    NotJoined,
}

impl JoinState {
    /// The key used in JSON output (`hybrid_joined`).
    pub fn key(self) -> &'static str {
        match self {
            JoinState::EntraJoined => "entra_joined",
            JoinState::HybridJoined => "hybrid_joined",
            JoinState::DomainJoined => "domain_joined",
            JoinState::OnPremDrsJoined => "on_prem_drs_joined",
            JoinState::NotJoined => "not_joined",
        }
    }

    /// The state for people: "Microsoft Entra hybrid joined".
    pub fn describe(self) -> &'static str {
        match self {
            JoinState::EntraJoined => "Microsoft Entra joined",
            JoinState::HybridJoined => "Microsoft Entra hybrid joined",
            JoinState::DomainJoined => "domain joined (not Entra joined)",
            JoinState::OnPremDrsJoined => "joined to on-premises DRS (Enterprise joined)",
            JoinState::NotJoined => "not joined",
        }
    }

    /// Reads a key as `key` writes it (reports uploaded to the console are read back).
    pub fn from_key(key: &str) -> Option<JoinState> {
        [
            JoinState::EntraJoined,
            JoinState::HybridJoined,
            JoinState::DomainJoined,
            JoinState::OnPremDrsJoined,
            JoinState::NotJoined,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::JoinState;

    #[test]
    fn key_is_the_serialized_form() {
        for s in [
            JoinState::EntraJoined,
            JoinState::HybridJoined,
            JoinState::DomainJoined,
            JoinState::OnPremDrsJoined,
            JoinState::NotJoined,
        ] {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.key())
            );
            assert_eq!(JoinState::from_key(s.key()), Some(s));
        }
        assert_eq!(JoinState::HybridJoined.key(), "hybrid_joined");
        assert_eq!(JoinState::from_key("joined"), None);
    }
}
