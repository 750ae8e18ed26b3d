//! What the diagnosis reads from a device: the registry subtrees (`data/registry-keys.toml`)
//! and the event channels (`data/event-channels.toml`). The checks decide what matters, so
//! the lists live here; the readers keep what [`wanted`] says, and `collect` exports the
//! same keys and channels from a live device through this module.

use std::path::Path;
use std::sync::OnceLock;

use mde_artifacts::events::EventHeader;
use mde_artifacts::{BundleError, Limits, Selection, Snapshot, Subtree, Wanted};
use serde::Deserialize;

/// One registry subtree the checks read, and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyOfInterest {
    /// `SOFTWARE` or `SYSTEM`.
    pub hive: String,
    /// Below the hive's mount point.
    pub path: String,
    pub recursive: bool,
    pub why: String,
}

#[derive(Deserialize)]
struct KeysFile {
    key: Vec<KeyOfInterest>,
}

/// The keys of interest, from the compiled-in data file.
pub fn keys_of_interest() -> &'static [KeyOfInterest] {
    static KEYS: OnceLock<Vec<KeyOfInterest>> = OnceLock::new();
    KEYS.get_or_init(|| {
        toml::from_str::<KeysFile>(include_str!("../data/registry-keys.toml"))
            .map(|f| f.key)
            .unwrap_or_else(|e| panic!("data/registry-keys.toml is invalid: {e}"))
    })
}

/// The keys of interest as the hive reader takes them.
pub fn registry_subtrees() -> &'static [Subtree] {
    static SUBTREES: OnceLock<Vec<Subtree>> = OnceLock::new();
    SUBTREES.get_or_init(|| {
        keys_of_interest()
            .iter()
            .map(|k| Subtree {
                hive: k.hive.clone(),
                path: k.path.clone(),
                recursive: k.recursive,
            })
            .collect()
    })
}

/// The event log channels and classic-log providers whose events a bundle keeps and
/// `collect` exports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventChannels {
    pub channels: Vec<String>,
    pub providers: Vec<String>,
}

/// The compiled-in channel list.
pub fn event_channels() -> &'static EventChannels {
    static DATA: OnceLock<EventChannels> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(include_str!("../data/event-channels.toml"))
            .unwrap_or_else(|e| panic!("data/event-channels.toml is invalid: {e}"))
    })
}

/// Keeps the events of the channels and providers in `data/event-channels.toml`.
pub fn keep_relevant_channels(h: &EventHeader<'_>) -> bool {
    relevant_channel(h.channel, h.provider)
}

/// Whether events of this channel or provider are kept.
pub fn relevant_channel(channel: &str, provider: &str) -> bool {
    let data = event_channels();
    data.channels
        .iter()
        .any(|c| c.eq_ignore_ascii_case(channel))
        || data
            .providers
            .iter()
            .any(|p| p.eq_ignore_ascii_case(provider))
}

/// What a bundle read for diagnosis keeps: the subtrees and channels above.
pub fn wanted() -> Wanted<'static> {
    Wanted {
        registry: Selection::Subtrees(registry_subtrees()),
        events: &keep_relevant_channels,
    }
}

/// Reads a bundle directory or zip file for diagnosis.
pub fn read_bundle(path: &Path, limits: Limits) -> Result<Snapshot, BundleError> {
    mde_artifacts::read_bundle(path, limits, wanted())
}

/// Reads a zip bundle held in memory (uploads to the console) for diagnosis.
pub fn read_bundle_zip(
    name: &str,
    bytes: Vec<u8>,
    limits: Limits,
) -> Result<Snapshot, BundleError> {
    mde_artifacts::bundle::read_bundle_zip(name, bytes, limits, wanted())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context;

    #[test]
    fn data_files_load() {
        let keys = keys_of_interest();
        assert!(keys.iter().any(|k| k.path == r"Microsoft\SenseCM"));
        assert!(
            keys.iter()
                .all(|k| k.hive == "SOFTWARE" || k.hive == "SYSTEM")
        );
        assert_eq!(registry_subtrees().len(), keys.len());
        assert!(relevant_channel("microsoft-windows-aad/operational", ""));
        assert!(relevant_channel("Application", "WDATPOnboarding"));
        assert!(!relevant_channel(
            "Security",
            "Microsoft-Windows-Security-Auditing"
        ));
    }

    /// A key a check reads but the hive reader does not keep would be silently missing
    /// from every offline hive.
    #[test]
    fn every_key_the_checks_read_is_kept() {
        for key in [
            context::SENSECM,
            context::ATP_STATUS,
            context::CURRENT_VERSION,
            context::CDJ_AAD,
            context::PRODUCT_OPTIONS,
            context::SENSE_SERVICE,
            context::JOIN_INFO,
            context::DEFENDER,
            context::ENROLLMENTS,
            context::SMS_CLIENT,
            context::ENVIRONMENT,
            context::COMPUTER_NAME,
            context::TCPIP,
            context::WINLOGON,
        ] {
            let below = key
                .strip_prefix(r"HKEY_LOCAL_MACHINE\")
                .expect("an HKLM key");
            let (hive, path) = below.split_once('\\').expect("below a hive");
            let kept = keys_of_interest().iter().any(|k| {
                hive.eq_ignore_ascii_case(&k.hive)
                    && (path.eq_ignore_ascii_case(&k.path)
                        || (k.recursive
                            && path
                                .to_ascii_lowercase()
                                .starts_with(&format!("{}\\", k.path.to_ascii_lowercase()))))
            });
            assert!(kept, "{key} is not in data/registry-keys.toml");
        }
    }
}
