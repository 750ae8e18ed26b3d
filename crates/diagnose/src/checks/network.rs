//! Probe results: endpoint reachability, DNS servers and domain controllers, name
//! resolution, clock skew.

use crate::context::{Ctx, evidence};
use crate::data::endpoints;
use crate::model::Finding;
use crate::texts::finding;
use mde_artifacts::Location;

/// Kerberos's default maximum clock skew.
const SKEW_ERROR_SECONDS: f64 = 300.0;
const SKEW_WARNING_SECONDS: f64 = 60.0;

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    let Some(probes) = ctx.snapshot.probes.clone() else {
        ctx.missing
            .push("probes.json (network and clock probes)".into());
        out.push(finding("probes.missing", &[], vec![]));
        return;
    };
    let artifact = probes.artifact.clone();
    let p = &probes.value;
    let ev = |what: String| evidence(&artifact, Location::Whole, None, what);

    let mut failed = 0;
    for e in &p.endpoints {
        let Some(stage) = failed_stage(e) else {
            continue;
        };
        failed += 1;
        let host = host_of(&e.url);
        let known = endpoints()
            .iter()
            .find(|k| k.host.eq_ignore_ascii_case(&host));
        let (service, code) = match known {
            Some(k) => (k.service.clone(), k.code),
            None if host.ends_with("dm.microsoft.com") => ("Intune".into(), 13),
            None => ("Microsoft Entra ID".into(), 14),
        };
        let error = e
            .error
            .as_ref()
            .map(|x| format!(": {x}"))
            .unwrap_or_default();
        let mut f = finding(
            "net.endpoint-unreachable",
            &[
                ("host", host.clone()),
                ("url", e.url.clone()),
                (
                    "stage",
                    if stage.len() == 3 {
                        stage.to_uppercase()
                    } else {
                        stage.to_string()
                    },
                ),
                ("error", error),
                ("service", service),
                ("code", code.to_string()),
            ],
            vec![ev(format!(
                "{}: dns {} tcp {} tls {}{}{}",
                e.url,
                e.dns.as_deref().unwrap_or("-"),
                e.tcp.as_deref().unwrap_or("-"),
                e.tls.as_deref().unwrap_or("-"),
                e.http_status
                    .map(|h| format!(" http {h}"))
                    .unwrap_or_default(),
                e.error
                    .as_ref()
                    .map(|x| format!(" ({x})"))
                    .unwrap_or_default()
            ))],
        );
        f.code = Some(code);
        out.push(f);
    }
    if failed == 0 && !p.endpoints.is_empty() {
        out.push(finding(
            "net.endpoints-ok",
            &[("count", p.endpoints.len().to_string())],
            vec![ev(format!("{} endpoint test(s) passed", p.endpoints.len()))],
        ));
    }

    let required: Vec<String> = endpoints()
        .iter()
        .map(|e| e.host.to_ascii_lowercase())
        .collect();
    if let Some(dns) = &p.dns {
        for lookup in &dns.lookups {
            let Some(error) = &lookup.error else { continue };
            if required.contains(&lookup.name.to_ascii_lowercase())
                || lookup.name.ends_with("microsoft.com")
                || lookup.name.ends_with("microsoftonline.com")
                || lookup.name.ends_with("windows.net")
            {
                let mut f = finding(
                    "net.name-resolution",
                    &[
                        ("name", lookup.name.clone()),
                        ("error", format!(": {error}")),
                    ],
                    vec![ev(format!("lookup {} → {error}", lookup.name))],
                );
                f.code = Some(41);
                out.push(f);
            }
        }
    }

    let domain_joined =
        ctx.domain_joined() == Some(true) || p.domain.as_ref().is_some_and(|d| d.name.is_some());
    if let (true, Some(domain)) = (domain_joined, &p.domain) {
        let name = domain.name.clone().unwrap_or_else(|| "the domain".into());
        let servers = p
            .dns
            .as_ref()
            .map(|d| d.servers.clone())
            .unwrap_or_default();
        let public: Vec<&String> = servers.iter().filter(|s| is_public(s)).collect();
        let error_text = domain
            .error
            .as_ref()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        if domain.domain_controllers.is_empty()
            && !servers.is_empty()
            && public.len() == servers.len()
        {
            // A public resolver cannot know the domain's SRV records: that, not the network
            // path, is why no DC is found (code 38, ERROR_NO_SUCH_DOMAIN).
            let mut f = finding(
                "net.dns-public",
                &[
                    ("servers", servers.join(", ")),
                    ("domain", name.clone()),
                    ("error", error_text.clone()),
                ],
                vec![ev(format!(
                    "dns.servers = [{}]; domain {name}: no domain controller found",
                    servers.join(", ")
                ))],
            );
            f.code = Some(38);
            out.push(f);
        } else if domain.domain_controllers.is_empty() {
            if domain.error.is_some() {
                let mut f = finding(
                    "net.no-dc",
                    &[("domain", name.clone()), ("error", error_text.clone())],
                    vec![ev(format!(
                        "domain {name}: no domain controller; DNS servers {}",
                        servers.join(", ")
                    ))],
                );
                f.code = Some(38);
                out.push(f);
            }
        } else if !servers.is_empty()
            && !servers
                .iter()
                .any(|s| domain.domain_controllers.contains(s))
        {
            let mut f = finding(
                "net.dns-not-dc",
                &[
                    ("servers", servers.join(", ")),
                    ("domain", name.clone()),
                    ("dcs", domain.domain_controllers.join(", ")),
                ],
                vec![ev(format!(
                    "dns.servers = [{}]; domain.domain_controllers = [{}]",
                    servers.join(", "),
                    domain.domain_controllers.join(", ")
                ))],
            );
            f.code = Some(38);
            out.push(f);
        }
    }

    if let Some(clock) = &p.clock
        && let Some(skew) = clock.skew_seconds
    {
        let reference = clock
            .reference
            .clone()
            .unwrap_or_else(|| "the reference clock".into());
        let text = format!(
            "{:.0} seconds ({:.1} minutes)",
            skew.abs(),
            skew.abs() / 60.0
        );
        let e = vec![ev(format!("clock.skew_seconds = {skew}"))];
        if skew.abs() > SKEW_ERROR_SECONDS {
            let mut f = finding("clock.skew", &[("skew", text), ("reference", reference)], e);
            f.code = Some(40);
            out.push(f);
        } else if skew.abs() > SKEW_WARNING_SECONDS {
            out.push(finding(
                "clock.drift",
                &[("skew", text), ("reference", reference)],
                e,
            ));
        }
    }
}

/// The stage an endpoint test failed at, if it did: a failed DNS/TCP/TLS stage, a proxy that
/// asks for authentication (HTTP 407: the SYSTEM account cannot answer it, so enrollment
/// fails although the connection opened), or an error the probe recorded after the stages.
fn failed_stage(e: &mde_artifacts::bundle::Endpoint) -> Option<&'static str> {
    let failed = |s: &Option<String>| {
        s.as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("failed"))
    };
    if let Some((name, _)) = [
        ("dns", &e.dns),
        ("tcp", &e.tcp),
        ("proxy", &e.proxy),
        ("tls", &e.tls),
    ]
    .into_iter()
    .find(|(_, s)| failed(s))
    {
        return Some(name);
    }
    if e.http_status == Some(407) {
        return Some("proxy authentication (HTTP 407)");
    }
    if e.error.as_deref().is_some_and(|x| !x.trim().is_empty()) {
        return Some("http");
    }
    None
}

/// Whether a DNS server address is on the internet (not private, loopback or link-local):
/// such a resolver cannot answer for an Active Directory domain.
fn is_public(server: &str) -> bool {
    match server.trim().parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => {
            !(a.is_private() || a.is_loopback() || a.is_link_local() || a.is_unspecified())
        }
        Ok(std::net::IpAddr::V6(a)) => {
            let first = a.segments()[0];
            !(a.is_loopback()
                || a.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
        Err(_) => false,
    }
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split(['/', ':', '?'])
        .next()
        .unwrap_or(rest)
        .to_ascii_lowercase()
}
