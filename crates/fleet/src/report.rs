//! One device's diagnosis as `mde-doctor analyze --format json` writes it, read tolerantly:
//! every field has a default and unknown fields are ignored, because reports come from
//! devices running other versions of mde-doctor (and from untrusted uploads).

use serde::{Deserialize, Serialize};

use crate::facts::Facts;

/// The largest report the fleet views read (a real one is a few tens of kilobytes).
pub const MAX_REPORT_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the report is {size} bytes; at most {max} are read")]
    TooLarge { size: usize, max: usize },
    #[error("not an mde-doctor analyze report: {source} (line {line}, column {column})")]
    Json {
        line: usize,
        column: usize,
        source: serde_json::Error,
    },
    #[error("not an mde-doctor analyze report: it has neither `device` nor `findings`")]
    NotAReport,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Report {
    pub source: String,
    pub device: DeviceInfo,
    pub enrollment: Option<Enrollment>,
    pub join_state: Option<JoinState>,
    pub verdict: String,
    pub missing: Vec<String>,
    pub details: Vec<Detail>,
    pub findings: Vec<Finding>,
    /// Cluster keys the analyzing side read from the bundle itself (probes, manifest); absent
    /// in `analyze` output, filled in when the console or `fleet` analyzed the bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts: Option<Facts>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct DeviceInfo {
    pub hostname: Option<String>,
    pub os: Option<String>,
    pub build: Option<String>,
    pub edition: Option<String>,
    pub in_scope: Option<bool>,
    pub domain: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Enrollment {
    pub code: Option<i64>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub documented: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct JoinState {
    pub current: Option<String>,
    pub after_onboarding: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Detail {
    pub section: String,
    pub label: String,
    pub value: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Finding {
    pub id: String,
    pub severity: String,
    pub code: Option<i64>,
    pub title: String,
    pub root_cause: Option<String>,
    pub actions: Vec<String>,
    pub docs: Vec<String>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Evidence {
    pub artifact: String,
    pub location: String,
    pub line: Option<u64>,
    pub offset: Option<u64>,
    pub excerpt: Option<String>,
}

impl Report {
    /// Reads a report; `bytes` is untrusted.
    pub fn from_json(bytes: &[u8]) -> Result<Report, ReportError> {
        if bytes.len() > MAX_REPORT_BYTES {
            return Err(ReportError::TooLarge {
                size: bytes.len(),
                max: MAX_REPORT_BYTES,
            });
        }
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|source| ReportError::Json {
                line: source.line(),
                column: source.column(),
                source,
            })?;
        if value.get("device").is_none() && value.get("findings").is_none() {
            return Err(ReportError::NotAReport);
        }
        serde_json::from_value(value).map_err(|source| ReportError::Json {
            line: 0,
            column: 0,
            source,
        })
    }

    /// The value of a detail row, by its label.
    pub fn detail(&self, label: &str) -> Option<&str> {
        self.details
            .iter()
            .find(|d| d.label == label)
            .and_then(|d| d.value.as_deref())
            .filter(|v| !v.is_empty())
    }

    /// The finding that explains the device best: the first error, else the first warning.
    pub fn top_finding(&self) -> Option<&Finding> {
        self.findings
            .iter()
            .find(|f| f.severity == "error")
            .or_else(|| self.findings.iter().find(|f| f.severity == "warning"))
    }
}
