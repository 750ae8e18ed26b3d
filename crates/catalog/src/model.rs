//! The catalog's types, as callers see them once the data files are loaded and checked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Hresult;

/// What the enrollment status says about the device, coarsely. Keys of `[categories]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Success,
    NotEnrolled,
    ManagedElsewhere,
    General,
    Configuration,
    Connectivity,
    HybridJoin,
    Tenant,
    Scp,
    Certificate,
    Sync,
    Federation,
    Dns,
    Clock,
    Policy,
    Unenrollment,
    Diagnostics,
}

impl Category {
    /// Every category, in declaration order.
    pub const ALL: [Category; 17] = [
        Category::Success,
        Category::NotEnrolled,
        Category::ManagedElsewhere,
        Category::General,
        Category::Configuration,
        Category::Connectivity,
        Category::HybridJoin,
        Category::Tenant,
        Category::Scp,
        Category::Certificate,
        Category::Sync,
        Category::Federation,
        Category::Dns,
        Category::Clock,
        Category::Policy,
        Category::Unenrollment,
        Category::Diagnostics,
    ];

    /// The kebab-case key used in the data files and in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Category::Success => "success",
            Category::NotEnrolled => "not-enrolled",
            Category::ManagedElsewhere => "managed-elsewhere",
            Category::General => "general",
            Category::Configuration => "configuration",
            Category::Connectivity => "connectivity",
            Category::HybridJoin => "hybrid-join",
            Category::Tenant => "tenant",
            Category::Scp => "scp",
            Category::Certificate => "certificate",
            Category::Sync => "sync",
            Category::Federation => "federation",
            Category::Dns => "dns",
            Category::Clock => "clock",
            Category::Policy => "policy",
            Category::Unenrollment => "unenrollment",
            Category::Diagnostics => "diagnostics",
        }
    }
}

/// How bad something is: an enrollment state in the catalog, a finding or an event in a
/// diagnosis. One scale for all of them, so a finding can take its code's severity.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn key(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Which generation of the enrollment flow raises a code.
///
/// Until synthetic registration became the default on 2023-09-25, a device needed a full
/// Microsoft Entra registration (hybrid join or Entra join) before it could enroll, and most
/// failures were registration failures. Since then devices without one get a synthetic
/// registration, so the `V1` codes matter mainly for hybrid-joined devices and old sensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    /// Raised by the registration flow that required hybrid join or Entra join.
    V1,
    /// Can appear in either generation.
    Any,
}

impl Flow {
    pub fn key(self) -> &'static str {
        match self {
            Flow::V1 => "v1",
            Flow::Any => "any",
        }
    }

    /// One line for people.
    pub fn describe(self) -> &'static str {
        match self {
            Flow::V1 => {
                "registration flow before synthetic registration became the default (2023-09-25); today mostly seen on hybrid-joined devices and old sensors"
            }
            Flow::Any => "any generation of the enrollment flow",
        }
    }
}

/// A documentation page (the catalog's `[links]`, cited by every crate's data files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// A public source that reads enrollment codes (a column of `readings.tsv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Short key, e.g. `doc2024`.
    #[serde(skip_deserializing, default)]
    pub id: String,
    pub title: String,
    pub document: String,
}

/// What one source says about one code, verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reading {
    /// Key of the source (`sym2021`, `doc2022`, `doc2024`, `an2022`, `an2024`).
    pub source: String,
    /// The source's text for the code.
    pub text: String,
    /// The Client Analyzer's report/check id, where the source is the analyzer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_id: Option<u32>,
}

/// One enrollment status code, fully explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentCode {
    pub code: u32,
    pub status: String,
    pub category: Category,
    /// True when the device is not managed by security management in this state.
    pub blocks: bool,
    pub severity: Severity,
    pub flow: Flow,
    /// The 2021 symbolic name, if any.
    pub symbol: Option<String>,
    pub meaning: String,
    pub actions: Vec<String>,
    pub docs: Vec<Link>,
    /// Where the sources contradict each other, in our words.
    pub disagreement: Option<String>,
    /// The sources' own words, oldest first.
    pub readings: Vec<Reading>,
}

impl EnrollmentCode {
    /// Whether the current Microsoft documentation lists the code.
    pub fn documented(&self) -> bool {
        self.readings.iter().any(|r| r.source == "doc2024")
    }
}

/// A hybrid-join / device-registration error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HresultInfo {
    pub code: Hresult,
    pub name: String,
    pub phase: String,
    pub meaning: String,
    pub actions: Vec<String>,
    pub docs: Vec<Link>,
    pub source: String,
}

impl HresultInfo {
    /// `0x801c001d`, the way dsregcmd and the documentation write it.
    pub fn hex(&self) -> String {
        self.code.hex()
    }
}

/// Everything the catalog knows.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub(crate) codes: BTreeMap<u32, EnrollmentCode>,
    pub(crate) hresults: BTreeMap<Hresult, HresultInfo>,
    pub(crate) sources: Vec<SourceInfo>,
    pub(crate) categories: BTreeMap<Category, String>,
    pub(crate) links: BTreeMap<String, Link>,
}

impl Catalog {
    /// Enrollment codes in ascending order.
    pub fn codes(&self) -> impl Iterator<Item = &EnrollmentCode> {
        self.codes.values()
    }

    /// Hybrid-join error codes in ascending order.
    pub fn hresults(&self) -> impl Iterator<Item = &HresultInfo> {
        self.hresults.values()
    }

    pub fn code(&self, code: u32) -> Option<&EnrollmentCode> {
        self.codes.get(&code)
    }

    pub fn hresult(&self, code: Hresult) -> Option<&HresultInfo> {
        self.hresults.get(&code)
    }

    /// The sources of the readings, in column order.
    pub fn sources(&self) -> &[SourceInfo] {
        &self.sources
    }

    pub fn source(&self, id: &str) -> Option<&SourceInfo> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// A documentation link by its key in `codes.toml` `[links]`, for other crates' data
    /// files that cite the same documents.
    pub fn link(&self, key: &str) -> Option<&Link> {
        self.links.get(key)
    }

    /// What a category means, in one line.
    pub fn category_description(&self, category: Category) -> &str {
        self.categories
            .get(&category)
            .map(String::as_str)
            .unwrap_or("")
    }
}
