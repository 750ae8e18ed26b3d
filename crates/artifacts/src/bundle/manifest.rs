//! `manifest.json`: who collected the bundle, where and when. Every field is optional and
//! unknown fields are kept, so bundles from newer collectors still read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Manifest {
    /// `mde-doctor/manifest/1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// RFC 3339, e.g. `2026-11-23T09:41:00Z`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    /// What wrote the bundle, e.g. `mde-doctor collect 0.1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collector: Option<String>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}
