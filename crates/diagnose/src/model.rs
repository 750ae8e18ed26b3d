//! What a diagnosis says. The JSON of these types is mde-doctor's `analyze --format json`
//! output: add fields, do not rename them.

use schemars::JsonSchema;
use serde::Serialize;

pub(crate) use mde_catalog::{JoinState, Link, Severity};

/// A piece of evidence a finding rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Evidence {
    /// Path inside the bundle (`registry/sensecm.reg`).
    pub artifact: String,
    /// Where in it, for people: `line 6`, `offset 0x2110`, `HKLM\…\SenseCM, line 6`.
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Event record id, for event logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    /// The value or line as read (from the device: untrusted, escape it when rendering).
    pub excerpt: String,
}

/// One conclusion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Finding {
    /// Stable identifier (`tenant.scp-mismatch`).
    pub id: String,
    pub severity: Severity,
    /// The enrollment status code this finding explains or leads to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    pub title: String,
    pub root_cause: String,
    pub actions: Vec<String>,
    pub docs: Vec<String>,
    pub links: Vec<Link>,
    pub evidence: Vec<Evidence>,
    /// The id of the finding that explains this one (`data/causes.toml`): fixing that one
    /// fixes this one too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Security management manages the device and nothing is wrong.
    Healthy,
    /// Something stops or degrades security management.
    Failing,
    /// Not enough evidence to tell, and nothing wrong found in what there is.
    Incomplete,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Device {
    pub hostname: Option<String>,
    /// `Windows 11 Enterprise` (Windows 11 still says "Windows 10" in ProductName; the build
    /// decides).
    pub os: Option<String>,
    /// `22631.4460`
    pub build: Option<String>,
    pub edition: Option<String>,
    /// `None` when the OS is unknown.
    pub in_scope: Option<bool>,
    pub domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Enrollment {
    pub code: u32,
    pub status: String,
    pub category: String,
    pub documented: bool,
    /// The status no longer holds: the sensor it was recorded by is offboarded.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub out_of_date: bool,
}

impl Enrollment {
    /// The status as people read it, with its code and whether it still holds.
    pub fn label(&self) -> String {
        if self.out_of_date {
            format!(
                "{} ({}), recorded before the sensor was offboarded: out of date",
                self.status, self.code
            )
        } else {
            format!("{} ({})", self.status, self.code)
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct JoinStates {
    pub current: Option<JoinState>,
    pub after_onboarding: Option<JoinState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `current` for people: "Microsoft Entra hybrid joined".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_onboarding_label: Option<String>,
    /// `read` (dsregcmd says so) or `inferred` (from the registry or the AD object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    /// What the prediction rests on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// One line of the report's device sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Detail {
    /// `general` (General device details) or `configuration` (Device configuration
    /// management details).
    pub section: String,
    pub label: String,
    pub value: String,
    /// Where it was read (`registry/sensecm.reg, line 6`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The diagnosis of one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Diagnosis {
    pub source: String,
    pub device: Device,
    pub enrollment: Option<Enrollment>,
    pub join_state: JoinStates,
    pub verdict: Verdict,
    /// The id of the finding to fix first (the first of `findings`); the others it explains
    /// name it in their `caused_by`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_cause: Option<String>,
    /// Evidence the checks wanted and the bundle did not have.
    pub missing: Vec<String>,
    /// The device sections of the report, in order.
    pub details: Vec<Detail>,
    /// The root cause first, then what it causes, then the other errors, warnings and
    /// information.
    pub findings: Vec<Finding>,
    /// Every entry of the bundle: what it was read as, or why it was not.
    pub artifacts: Vec<mde_artifacts::ArtifactInfo>,
    /// What devices of a fleet may share beyond the findings (DNS servers, proxy, OU).
    #[serde(skip_serializing_if = "Environment::is_empty")]
    pub environment: Environment,
}

/// What a fleet groups failing devices by and the findings do not say, read from the
/// bundle: the DNS servers and WinHTTP proxy the probes saw, the OU of the computer object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Environment {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_servers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// The distinguished name of the OU holding the device's computer object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ou: Option<String>,
}

impl Environment {
    pub fn is_empty(&self) -> bool {
        self.dns_servers.is_empty() && self.proxy.is_none() && self.ou.is_none()
    }
}

impl Diagnosis {
    /// Whether any file of the bundle reached the checks. A bundle of which nothing could be
    /// used is not evidence of anything: the caller reports it as unusable input.
    pub fn any_evidence_used(&self) -> bool {
        self.artifacts.iter().any(|a| a.status.is_used())
    }

    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}
