//! The registry keys mde-doctor reads (`data/registry-keys.toml`).

use std::sync::OnceLock;

use serde::Deserialize;

/// One subtree of interest.
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
struct File {
    key: Vec<KeyOfInterest>,
}

/// The keys of interest, from the compiled-in data file.
pub fn keys_of_interest() -> &'static [KeyOfInterest] {
    static KEYS: OnceLock<Vec<KeyOfInterest>> = OnceLock::new();
    KEYS.get_or_init(|| {
        toml::from_str::<File>(include_str!("../data/registry-keys.toml"))
            .map(|f| f.key)
            .unwrap_or_else(|e| panic!("data/registry-keys.toml is invalid: {e}"))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn data_file_loads() {
        let keys = super::keys_of_interest();
        assert!(keys.iter().any(|k| k.path == r"Microsoft\SenseCM"));
        assert!(
            keys.iter()
                .all(|k| k.hive == "SOFTWARE" || k.hive == "SYSTEM")
        );
    }
}
