//! `probes.json`: network and clock probes run on the device by `mde-doctor collect` or
//! `probe`. Schema `mde-doctor/probe/v1` (files from before the output contract say
//! `mde-doctor/probes/1`; both are read):
//!
//! ```json
//! {
//!   "schema": "mde-doctor/probe/v1",
//!   "collected_at": "2026-11-23T09:41:00Z",
//!   "context": "SYSTEM",
//!   "clock": { "local_utc": "2026-11-23T09:41:00Z", "reference": "https://login.microsoftonline.com",
//!              "reference_utc": "2026-11-23T09:40:58Z", "skew_seconds": 2.1 },
//!   "dns": { "servers": ["10.0.0.10"], "suffixes": ["contoso.com"],
//!            "lookups": [ { "name": "_ldap._tcp.dc._msdcs.contoso.com", "type": "SRV",
//!                           "answers": ["dc1.contoso.com:389"], "error": null } ] },
//!   "domain": { "name": "contoso.com", "domain_controllers": ["10.0.0.10"] },
//!   "proxy": { "winhttp": "DIRECT", "pac_url": null },
//!   "endpoints": [ { "url": "https://enrollment.dm.microsoft.com", "dns": "ok", "tcp": "ok",
//!                    "tls": "ok", "http_status": 200, "error": null, "elapsed_ms": 84,
//!                    "via_proxy": null } ]
//! }
//! ```
//! Later fields, all optional and left out when empty: `dns.error`, `domain.ldap` (rootDSE
//! reads), `proxy.used`/`proxy.source`, `clock.sources` (each reference asked), and per
//! endpoint `proxy` (the CONNECT stage), `issuer` and `tls_inspection`.
//!
//! Every part is optional (a collector that could not run a probe leaves it out); unknown
//! fields are kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Probes {
    /// The tag the file carried (`mde-doctor/probe/v1`; `mde-doctor/probes/1` before the
    /// output contract). Not written from here: the writer puts the document's tag first.
    #[serde(default, skip_serializing)]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    /// The account the probes ran as (`SYSTEM` is what enrollment uses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<Clock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<Dns>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<Domain>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<Proxy>,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Clock {
    #[serde(default)]
    pub local_utc: Option<String>,
    /// Where the reference time came from (an HTTPS `Date` header, an NTP server).
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub reference_utc: Option<String>,
    /// Local minus reference, in seconds.
    #[serde(default)]
    pub skew_seconds: Option<f64>,
    /// Every reference asked (SNTP, HTTP `Date` headers), the one above among them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<ClockSource>,
}

/// One reference clock asked.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
pub struct ClockSource {
    pub reference: String,
    #[serde(default)]
    pub reference_utc: Option<String>,
    #[serde(default)]
    pub skew_seconds: Option<f64>,
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Dns {
    #[serde(default)]
    pub servers: Vec<String>,
    #[serde(default)]
    pub suffixes: Vec<String>,
    #[serde(default)]
    pub lookups: Vec<Lookup>,
    /// Why the system's DNS configuration could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Lookup {
    pub name: String,
    /// `A`, `AAAA`, `SRV`, …
    #[serde(default, rename = "type")]
    pub record_type: Option<String>,
    /// The server asked, if not the system's default.
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub answers: Vec<String>,
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Domain {
    #[serde(default)]
    pub name: Option<String>,
    /// Addresses of the domain controllers found (SRV records, DsGetDcName).
    #[serde(default)]
    pub domain_controllers: Vec<String>,
    #[serde(default)]
    pub error: Option<String>,
    /// LDAP rootDSE reads from the domain controllers found (line of sight on 389).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ldap: Vec<LdapProbe>,
}

/// One LDAP rootDSE read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
pub struct LdapProbe {
    /// `host:port` asked.
    pub server: String,
    /// `ok` or `failed`.
    pub status: String,
    /// The rootDSE's `dnsHostName`, `defaultNamingContext` and
    /// `configurationNamingContext`, when it answered.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub root_dse: BTreeMap<String, String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub elapsed_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Proxy {
    /// `netsh winhttp show proxy`: `DIRECT` or the proxy server list.
    #[serde(default)]
    pub winhttp: Option<String>,
    #[serde(default)]
    pub pac_url: Option<String>,
    /// The proxy the endpoint probes went through (`http://host:port`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<String>,
    /// Where that proxy came from: `explicit`, `environment`, `winhttp`, `internet-settings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One endpoint reachability test. Each stage (`dns`, `tcp`, `proxy`, `tls`) is `ok`,
/// `failed` or `skipped`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Endpoint {
    pub url: String,
    #[serde(default)]
    pub dns: Option<String>,
    #[serde(default)]
    pub tcp: Option<String>,
    #[serde(default)]
    pub tls: Option<String>,
    #[serde(default)]
    pub http_status: Option<u16>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub elapsed_ms: Option<u64>,
    #[serde(default)]
    pub via_proxy: Option<String>,
    /// The proxy's CONNECT: `ok` or `failed` (the status is in `http_status`; 407 is a proxy
    /// authentication failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// The issuer of the certificate the server presented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// True when the chain does not lead to a public root: something between the device and
    /// the service re-signs TLS (inspection), which device registration does not accept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_inspection: Option<bool>,
}
