//! One device's diagnosis as `mde-doctor analyze --format json` writes it, read tolerantly:
//! every field has a default and unknown fields are ignored, because reports come from
//! devices running other versions of mde-doctor (and from untrusted uploads).

use serde::{Deserialize, Serialize};

use crate::facts::Facts;
use crate::lenient;

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
    #[error(
        "not an mde-doctor analyze report: no device, enrollment, verdict or findings (or the line of a bundle analyze could not use)"
    )]
    NotAReport,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct Report {
    #[serde(deserialize_with = "lenient::string")]
    pub source: String,
    pub device: DeviceInfo,
    pub enrollment: Option<Enrollment>,
    pub join_state: Option<JoinState>,
    #[serde(deserialize_with = "lenient::string")]
    pub verdict: String,
    #[serde(deserialize_with = "lenient::strings")]
    pub missing: Vec<String>,
    pub details: Vec<Detail>,
    pub findings: Vec<Finding>,
    /// DNS servers, proxy and OU the diagnosis read from the bundle (`analyze`'s
    /// `environment`).
    pub environment: Environment,
    /// Cluster keys, filled in when the console or `fleet` read the report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts: Option<Facts>,
}

/// `analyze`'s `environment`, read leniently.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct Environment {
    #[serde(deserialize_with = "lenient::strings")]
    pub dns_servers: Vec<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub proxy: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub ou: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct DeviceInfo {
    #[serde(deserialize_with = "lenient::opt_string")]
    pub hostname: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub os: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub build: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub edition: Option<String>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub in_scope: Option<bool>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub domain: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct Enrollment {
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub code: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub category: Option<String>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub documented: Option<bool>,
    /// The status was recorded before the device was offboarded (or otherwise changed):
    /// what SenseCM still says is no longer true.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub out_of_date: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct JoinState {
    #[serde(deserialize_with = "lenient::opt_string")]
    pub current: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub after_onboarding: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct Detail {
    #[serde(deserialize_with = "lenient::string")]
    pub section: String,
    #[serde(deserialize_with = "lenient::string")]
    pub label: String,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub value: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct Finding {
    #[serde(deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(deserialize_with = "lenient::string")]
    pub severity: String,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub code: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    pub title: String,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub root_cause: Option<String>,
    #[serde(deserialize_with = "lenient::strings")]
    pub actions: Vec<String>,
    #[serde(deserialize_with = "lenient::strings")]
    pub docs: Vec<String>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct Evidence {
    #[serde(deserialize_with = "lenient::string")]
    pub artifact: String,
    #[serde(deserialize_with = "lenient::string")]
    pub location: String,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub line: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub offset: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_string")]
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
        // One typed pass (the console reads thousands per second); unknown fields are skipped.
        let report: Report = serde_json::from_slice(bytes).map_err(|source| ReportError::Json {
            line: source.line(),
            column: source.column(),
            source,
        })?;
        let empty = report.device.hostname.is_none()
            && report.enrollment.is_none()
            && report.findings.is_empty()
            && report.verdict.is_empty();
        // `analyze`'s line for a bundle it could not use is not a device's report.
        if empty || report.verdict == "unusable" {
            return Err(ReportError::NotAReport);
        }
        Ok(report)
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
