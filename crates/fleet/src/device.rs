//! One row of the fleet: what the device list, the breakdown and the clusters need from a
//! report, flattened.

use serde::{Deserialize, Serialize};

use crate::bucket::{Bucket, classify};
use crate::facts::Facts;
use crate::report::Report;

/// Longest text kept in a row field (hostnames are 15, FQDNs 255).
const MAX_FIELD: usize = 256;

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Device {
    /// Entra device id, else SenseCM device id, else `hostname@domain` (lower case).
    pub key: String,
    pub hostname: String,
    pub domain: String,
    pub os: String,
    pub build: String,
    pub managed_by: String,
    pub bucket: String,
    pub verdict: String,
    pub code: Option<i64>,
    pub status: String,
    pub category: String,
    /// The title of the finding that explains the device best.
    pub headline: String,
    pub errors: i64,
    /// Seconds since the Unix epoch of the last report.
    pub last_seen: i64,
    pub facts: Facts,
}

fn clip(s: Option<&str>) -> String {
    let s = s.unwrap_or("").trim();
    if s.len() <= MAX_FIELD {
        return s.to_string();
    }
    let mut end = MAX_FIELD;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

impl Device {
    /// The row for a device whose latest report is `report`, received at `seen`.
    pub fn from_report(report: &Report, seen: i64) -> Device {
        let (bucket, managed_by) = classify(report);
        let hostname = clip(report.device.hostname.as_deref());
        let domain = clip(report.device.domain.as_deref());
        let enrollment = report.enrollment.clone().unwrap_or_default();
        Device {
            key: device_key(report),
            hostname,
            domain,
            os: clip(report.device.os.as_deref()),
            build: clip(report.device.build.as_deref()),
            managed_by,
            bucket: bucket.key().to_string(),
            verdict: clip(Some(&report.verdict)),
            code: enrollment.code,
            status: clip(enrollment.status.as_deref()),
            category: clip(enrollment.category.as_deref()),
            headline: clip(report.top_finding().map(|f| f.title.as_str())),
            errors: report
                .findings
                .iter()
                .filter(|f| f.severity == "error")
                .count() as i64,
            last_seen: seen,
            facts: Facts::of(report),
        }
    }

    /// A device known from an inventory export that has sent no report yet.
    pub fn without_report(
        key: &str,
        hostname: &str,
        domain: &str,
        os: &str,
        build: &str,
    ) -> Device {
        Device {
            key: clip(Some(key)).to_ascii_lowercase(),
            hostname: clip(Some(hostname)),
            domain: clip(Some(domain)),
            os: clip(Some(os)),
            build: clip(Some(build)),
            managed_by: "Unknown".to_string(),
            bucket: Bucket::NoReport.key().to_string(),
            verdict: "no report".to_string(),
            ..Device::default()
        }
    }
}

/// How a device is recognised across its reports.
pub fn device_key(report: &Report) -> String {
    let id = report
        .detail("Entra device ID (dsregcmd)")
        .or_else(|| report.detail("Entra device ID (SenseCM)"))
        .filter(|id| id.len() <= 64);
    match id {
        Some(id) => id.to_ascii_lowercase(),
        None => {
            let host = clip(report.device.hostname.as_deref()).to_ascii_lowercase();
            name_key(&host, &clip(report.device.domain.as_deref()))
        }
    }
}

/// `host@domain` with the domain's first label only, so that a NetBIOS name (`CONTOSO`, from
/// dsregcmd) and a DNS name (`contoso.com`, from an inventory export) give the same key.
pub fn name_key(hostname: &str, domain: &str) -> String {
    let host = hostname
        .split('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let domain = domain.split('.').next().unwrap_or("").to_ascii_lowercase();
    format!("{host}@{domain}")
}
