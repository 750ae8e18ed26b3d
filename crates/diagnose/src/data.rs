//! Supported OS builds and required endpoints (`data/os-support.toml`, `data/endpoints.toml`).

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OsEntry {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) builds: Vec<u32>,
    pub(crate) min_ubr: u32,
    pub(crate) update: String,
    #[serde(default)]
    pub(crate) needs_unified_agent: bool,
    #[serde(default)]
    pub(crate) core_unsupported: bool,
    #[serde(default = "yes")]
    pub(crate) has_dsregcmd: bool,
}

fn yes() -> bool {
    true
}

/// The oldest supported build of each kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Floor {
    pub(crate) client: u32,
    pub(crate) server: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Editions {
    pub(crate) supported: Vec<String>,
    pub(crate) not_listed: Vec<String>,
    pub(crate) unsupported: Vec<String>,
    pub(crate) multi_session: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OsSupport {
    pub(crate) floor: Floor,
    pub(crate) os: Vec<OsEntry>,
    pub(crate) editions: Editions,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Endpoint {
    pub(crate) host: String,
    pub(crate) service: String,
    pub(crate) code: u32,
    #[allow(dead_code)]
    pub(crate) flow: String,
}

#[derive(Debug, Deserialize)]
struct Endpoints {
    endpoint: Vec<Endpoint>,
}

/// The array `key` of a data file compiled into the crate (a broken file is a bug the data
/// tests catch, so it panics with the file's name).
pub(crate) fn array<T: serde::de::DeserializeOwned>(file: &str, text: &str, key: &str) -> Vec<T> {
    let mut table: toml::Table =
        toml::from_str(text).unwrap_or_else(|e| panic!("data/{file} is invalid: {e}"));
    table
        .remove(key)
        .map(|v| {
            v.try_into()
                .unwrap_or_else(|e| panic!("data/{file}: [[{key}]]: {e}"))
        })
        .unwrap_or_default()
}

pub(crate) fn os_support() -> &'static OsSupport {
    static DATA: OnceLock<OsSupport> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(include_str!("../data/os-support.toml"))
            .unwrap_or_else(|e| panic!("data/os-support.toml is invalid: {e}"))
    })
}

pub(crate) fn endpoints() -> &'static [Endpoint] {
    static DATA: OnceLock<Vec<Endpoint>> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str::<Endpoints>(include_str!("../data/endpoints.toml"))
            .map(|e| e.endpoint)
            .unwrap_or_else(|e| panic!("data/endpoints.toml is invalid: {e}"))
    })
}

impl OsSupport {
    /// The entry for a build of a kind (`client`/`server`: Windows 11 24H2 and Server 2025
    /// share build 26100).
    pub(crate) fn find(&self, build: u32, server: bool) -> Option<&OsEntry> {
        let kind = if server { "server" } else { "client" };
        self.os
            .iter()
            .find(|o| o.kind == kind && o.builds.contains(&build))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn data_files_load() {
        let os = super::os_support();
        assert!(os.find(19045, false).is_some());
        assert!(os.find(26100, true).unwrap().name.contains("2025"));
        assert!(os.find(26100, false).unwrap().name.contains("11"));
        assert!(super::endpoints().iter().any(|e| e.code == 13));
    }
}
