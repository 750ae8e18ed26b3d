//! The things failing devices can share — the dimensions of the root-cause clusters.

use mde_catalog::{Hresult, Severity};
use serde::{Deserialize, Serialize};

use crate::report::Report;

/// One device's values for each clustering dimension. Empty when unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct Facts {
    pub scp_tenant: Option<String>,
    pub dns_servers: Vec<String>,
    pub proxy: Option<String>,
    pub ou: Option<String>,
    pub os_build: Option<String>,
    /// The enrollment code and the first HRESULT the findings name, as `38 / 0x8007054b`.
    pub code_hresult: Option<String>,
}

impl Facts {
    /// What the report itself tells, completed by facts the analyzing side attached.
    pub fn of(report: &Report) -> Facts {
        let mut facts = report.facts.clone().unwrap_or_default();
        if facts.scp_tenant.is_none() {
            facts.scp_tenant = report
                .detail("SCP tenant ID")
                .or_else(|| report.detail("Client-side SCP tenant ID"))
                .map(|s| s.to_ascii_lowercase());
        }
        if facts.os_build.is_none() {
            facts.os_build = report.device.build.clone().filter(|b| !b.is_empty());
        }
        let env = &report.environment;
        if facts.dns_servers.is_empty() {
            facts.dns_servers = env.dns_servers.clone();
        }
        if facts.dns_servers.is_empty() {
            // Reports from before `environment`: `net.dns-not-dc` cites the servers.
            facts.dns_servers = dns_servers_from_evidence(report);
        }
        if facts.proxy.is_none() {
            facts.proxy = env.proxy.clone().filter(|p| !p.is_empty());
        }
        if facts.ou.is_none() {
            facts.ou = env.ou.clone().filter(|o| !o.is_empty());
        }
        facts.proxy = facts.proxy.map(|p| p.chars().take(256).collect());
        facts.ou = facts.ou.map(|o| o.chars().take(256).collect());
        if facts.code_hresult.is_none() {
            facts.code_hresult = code_hresult(report);
        }
        facts.dns_servers.truncate(8);
        facts
    }
}

/// `net.dns-not-dc` cites `dns.servers = [a, b]` from probes.json.
fn dns_servers_from_evidence(report: &Report) -> Vec<String> {
    for f in &report.findings {
        for e in &f.evidence {
            let Some(x) = e.excerpt.as_deref() else {
                continue;
            };
            let Some(rest) = x.split("dns.servers = [").nth(1) else {
                continue;
            };
            let Some(list) = rest.split(']').next() else {
                continue;
            };
            return list
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty() && s.len() <= 64)
                .collect();
        }
    }
    Vec::new()
}

fn code_hresult(report: &Report) -> Option<String> {
    let code = report.enrollment.as_ref().and_then(|e| e.code)?;
    let hresult = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error.key())
        .flat_map(|f| {
            std::iter::once(f.title.as_str())
                .chain(f.evidence.iter().filter_map(|e| e.excerpt.as_deref()))
        })
        .find_map(find_hresult);
    Some(match hresult {
        Some(h) => format!("{code} / {h}"),
        None => code.to_string(),
    })
}

/// The first `0x8…` eight-digit hexadecimal number in `text`, lower-cased.
fn find_hresult(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(pos) = text[i..].find("0x") {
        let start = i + pos + 2;
        let digits = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if digits == 8
            && let Some(h) = Hresult::parse(&text[start - 2..start + 8])
            && matches!(bytes[start], b'8' | b'C' | b'c')
        {
            return Some(h.hex());
        }
        i = start;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hresult_is_found_among_other_hex() {
        assert_eq!(
            find_hresult("EnrollmentStatus = 0x00000026 then 0x8007054B!").as_deref(),
            Some("0x8007054b")
        );
        assert_eq!(find_hresult("0x0000002"), None);
        assert_eq!(find_hresult("0x"), None);
    }
}
