//! `mde-doctor probe`: network and clock probes from this device.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use mde_collect::probe::{self, ProbeOptions, Probes, ProxyConfig, Timeouts};

use super::Status;
use crate::cli::{Format, ProbeArgs};
use crate::error::CliError;
use crate::output::{self, DIM, ERROR, HEADING, OK};

pub(crate) fn run(
    args: &ProbeArgs,
    out: Option<&Path>,
    format: Format,
) -> Result<Status, CliError> {
    let options = options(args)?;
    let probes = probe::run(&options).map_err(|e| input(e.to_string()))?;
    let json = mde_report::json::document_json(&probes, true);
    if let Some(path) = out {
        std::fs::write(path, &json).map_err(|source| CliError::Write {
            path: path.to_path_buf(),
            source,
        })?;
        eprintln!("wrote {}", path.display());
    }
    match format {
        Format::Json => output::write_stdout(json.as_bytes())?,
        Format::Text => output::write_stdout(summary(&probes).as_bytes())?,
    }
    Ok(if probe::failures(&probes).is_empty() {
        Status::Success
    } else {
        Status::Findings
    })
}

fn input(message: String) -> CliError {
    CliError::Input {
        message,
        hints: Vec::new(),
    }
}

/// The probe options from the command line: endpoints from the checks' own list unless
/// given, the proxy from --proxy, the environment or (Windows) WinHTTP.
pub(crate) fn options(args: &ProbeArgs) -> Result<ProbeOptions, CliError> {
    if !(args.step_timeout > 0.0 && args.step_timeout <= 60.0) {
        return Err(input(format!(
            "--step-timeout {}: give seconds between 0 and 60",
            args.step_timeout
        )));
    }
    let step = Duration::from_secs_f64(args.step_timeout);
    let timeouts = Timeouts {
        dns: step,
        connect: step,
        tls: step,
        http: step,
        ldap: step,
        ntp: step,
        // Lookup, connect, CONNECT, handshake and request in a row, and then some.
        total: (step * 5 + Duration::from_secs(2)).min(Duration::from_secs(28)),
    };
    let dns_server = args
        .dns
        .as_deref()
        .map(|s| {
            s.parse::<SocketAddr>()
                .or_else(|_| {
                    s.parse::<std::net::IpAddr>()
                        .map(|ip| SocketAddr::new(ip, 53))
                })
                .map_err(|_| input(format!("--dns {s}: give IP or IP:PORT")))
        })
        .transpose()?;
    let mut extra_roots = Vec::new();
    for path in &args.ca {
        let bytes =
            std::fs::read(path).map_err(|e| input(format!("--ca {}: {e}", path.display())))?;
        extra_roots.extend(
            probe::load_pem_certificates(&bytes)
                .map_err(|e| input(format!("--ca {}: {e}", path.display())))?,
        );
    }
    let winhttp = system_winhttp();
    let proxy = match &args.proxy {
        Some(p) => {
            Some(ProxyConfig::parse(p, "explicit").map_err(|e| input(format!("--proxy {e}")))?)
        }
        None => match ProxyConfig::from_env() {
            Some(p) => Some(p.map_err(|e| input(format!("HTTPS_PROXY: {e}")))?),
            None => winhttp
                .as_ref()
                .and_then(|w| w.https_proxy())
                .and_then(Result::ok),
        },
    };
    let urls = if args.endpoints.is_empty() {
        mde_diagnose::required_endpoint_urls()
    } else {
        args.endpoints.clone()
    };
    Ok(ProbeOptions {
        urls,
        proxy,
        winhttp: winhttp.map(|w| w.describe()),
        dns_server,
        domain: args.domain.clone(),
        extra_roots,
        ntp_server: (!args.ntp.eq_ignore_ascii_case("none")).then(|| args.ntp.clone()),
        context: Some(account()),
        timeouts,
    })
}

#[cfg(windows)]
fn system_winhttp() -> Option<mde_collect::probe::proxy::WinHttp> {
    mde_collect::windows::winhttp_proxy()
}

#[cfg(not(windows))]
fn system_winhttp() -> Option<mde_collect::probe::proxy::WinHttp> {
    None
}

/// The account the probes run as: what enrollment sees only if it is SYSTEM.
fn account() -> String {
    #[cfg(windows)]
    {
        mde_collect::windows::account_name()
    }
    #[cfg(not(windows))]
    {
        std::env::var("USER").unwrap_or_else(|_| "user".into())
    }
}

/// The text summary: one line per step.
fn summary(p: &Probes) -> String {
    let mut s = String::new();
    let mark = |ok: bool| {
        if ok {
            format!("{OK}ok{OK:#}  ")
        } else {
            format!("{ERROR}FAIL{ERROR:#}")
        }
    };
    s.push_str(&format!("{HEADING}Endpoints{HEADING:#}\n"));
    for e in &p.endpoints {
        let stages: Vec<String> = [
            ("dns", &e.dns),
            ("tcp", &e.tcp),
            ("proxy", &e.proxy),
            ("tls", &e.tls),
        ]
        .iter()
        .filter_map(|(n, v)| v.as_ref().map(|v| format!("{n} {v}")))
        .collect();
        let failed = stages.iter().any(|x| x.ends_with("failed"));
        s.push_str(&format!(
            "  {} {}  {DIM}{}{}{DIM:#}\n",
            mark(!failed),
            e.url,
            stages.join(", "),
            e.http_status
                .map(|h| format!(", HTTP {h}"))
                .unwrap_or_default()
        ));
        if let Some(issuer) = &e.issuer {
            s.push_str(&format!("         issuer: {issuer}\n"));
        }
        if let Some(err) = &e.error {
            s.push_str(&format!("         {err}\n"));
        }
    }
    if let Some(dns) = &p.dns {
        s.push_str(&format!(
            "{HEADING}DNS{HEADING:#}\n  servers: {}\n",
            if dns.servers.is_empty() {
                "-".into()
            } else {
                dns.servers.join(", ")
            }
        ));
        if let Some(e) = &dns.error {
            s.push_str(&format!("  {} {e}\n", mark(false)));
        }
    }
    if let Some(d) = &p.domain {
        s.push_str(&format!(
            "{HEADING}Domain {}{HEADING:#}\n  domain controllers: {}\n",
            d.name.as_deref().unwrap_or("-"),
            if d.domain_controllers.is_empty() {
                "-".into()
            } else {
                d.domain_controllers.join(", ")
            }
        ));
        if let Some(e) = &d.error {
            s.push_str(&format!("  {} {e}\n", mark(false)));
        }
        for l in &d.ldap {
            let detail = l
                .error
                .clone()
                .or_else(|| l.root_dse.get("dnsHostName").cloned())
                .unwrap_or_default();
            s.push_str(&format!(
                "  {} LDAP {}  {detail}\n",
                mark(l.status == "ok"),
                l.server
            ));
        }
    }
    if let Some(c) = &p.clock {
        s.push_str(&format!("{HEADING}Clock{HEADING:#}\n"));
        for src in &c.sources {
            match (src.skew_seconds, &src.error) {
                (Some(skew), _) => s.push_str(&format!(
                    "  {} {}: local clock {skew:+.1} s\n",
                    mark(skew.abs() <= 300.0),
                    src.reference
                )),
                // A reference that did not answer is no verdict on the clock.
                (None, Some(e)) => {
                    s.push_str(&format!("  {DIM}n/a{DIM:#}  {}: {e}\n", src.reference))
                }
                (None, None) => {}
            }
        }
    }
    let failures = probe::failures(p);
    if failures.is_empty() {
        s.push_str(&format!("\n{OK}every probe passed{OK:#}\n"));
    } else {
        s.push_str(&format!(
            "\n{ERROR}{} probe(s) failed{ERROR:#}\n",
            failures.len()
        ));
    }
    s
}
