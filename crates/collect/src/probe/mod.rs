//! Network and clock probes, run in parallel with a timeout per step, whole run bounded.
//!
//! Every step records its own result (`ok`/`failed`, the error in words) in the
//! [`Probes`] document that `analyze` reads: one fault never hides the others, and a step that
//! does not answer is cut off at its timeout rather than holding up the run.

mod clock;
mod dns;
mod endpoint;
mod http;
mod ldap;
pub mod proxy;
mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use mde_artifacts::bundle::Probes;
use mde_artifacts::bundle::{Clock, ClockSource, Domain, Proxy};

pub use ldap::encode_root_dse_answer;
pub use proxy::ProxyConfig;
pub use tls::load_pem_certificates;

/// The `schema` of the document written.
/// The tag `probe` writes (the same as `mde_schema::Document for Probes`).
pub const SCHEMA: &str = "mde-doctor/probe/v1";

/// How long each step may take. A step that runs out is recorded as failed with
/// "timed out after N s"; the whole run is bounded by `total`.
#[derive(Debug, Clone)]
pub struct Timeouts {
    pub dns: Duration,
    pub connect: Duration,
    pub tls: Duration,
    pub http: Duration,
    pub ldap: Duration,
    pub ntp: Duration,
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            dns: Duration::from_secs(4),
            connect: Duration::from_secs(5),
            tls: Duration::from_secs(5),
            http: Duration::from_secs(5),
            ldap: Duration::from_secs(4),
            ntp: Duration::from_secs(3),
            total: Duration::from_secs(25),
        }
    }
}

/// What to probe and how.
#[derive(Debug, Clone, Default)]
pub struct ProbeOptions {
    /// Endpoint URLs (`https://host[:port][/path]`) to reach.
    pub urls: Vec<String>,
    /// The proxy to CONNECT through, already chosen by the caller (explicit, environment or
    /// the system's settings).
    pub proxy: Option<ProxyConfig>,
    /// What the system's proxy settings say (WinHTTP), recorded as found.
    pub winhttp: Option<String>,
    /// Ask this DNS server instead of the system's.
    pub dns_server: Option<SocketAddr>,
    /// The AD domain whose domain controllers to look for (else the system's DNS domain).
    pub domain: Option<String>,
    /// Extra trusted roots (DER), besides the public ones: a lab CA, the tests' CA.
    pub extra_roots: Vec<Vec<u8>>,
    /// SNTP server (`host[:port]`); `None` asks none.
    pub ntp_server: Option<String>,
    /// The account the probes run as, recorded in the document.
    pub context: Option<String>,
    pub timeouts: Timeouts,
}

/// The probes could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot start the network runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("a trusted root certificate is invalid: {0}")]
    Root(String),
}

/// Runs every probe and returns the document. Bounded by `options.timeouts.total`.
pub fn run(options: &ProbeOptions) -> Result<Probes, ProbeError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ProbeError::Runtime)?;
    let tls = Arc::new(tls::client_config(&options.extra_roots)?);
    Ok(runtime.block_on(run_async(options, tls)))
}

async fn run_async(options: &ProbeOptions, tls: Arc<tls::Verified>) -> Probes {
    let started = Instant::now();
    let t = &options.timeouts;
    let resolver = dns::Dns::new(options.dns_server, t.dns);

    let domain_name = options
        .domain
        .clone()
        .or_else(|| resolver.system_domain.clone());

    let endpoints = futures_join_all(
        options
            .urls
            .iter()
            .map(|url| endpoint::probe(url, &resolver, options.proxy.as_ref(), &tls, t)),
    );
    let domain = async {
        match &domain_name {
            Some(name) => Some(dc_probe(name, &resolver, t).await),
            None => None,
        }
    };
    let ntp = async {
        match &options.ntp_server {
            Some(server) => Some(clock::sntp(server, &resolver, t.ntp).await),
            None => None,
        }
    };
    let all = async { tokio::join!(endpoints, domain, ntp) };
    let (endpoints, domain, ntp) = match tokio::time::timeout(t.total, all).await {
        Ok(r) => r,
        Err(_) => {
            // Every step has its own shorter timeout; this is the last guard.
            let mut p = document(options, &resolver);
            p.extra.insert(
                "error".into(),
                format!("the probes did not finish within {} s", t.total.as_secs()).into(),
            );
            return p;
        }
    };

    let mut p = document(options, &resolver);
    let mut lookups = Vec::new();
    let mut sources = Vec::new();
    if let Some(source) = ntp {
        sources.push(source);
    }
    let mut results = Vec::new();
    for outcome in endpoints {
        lookups.extend(outcome.lookup);
        if let Some(source) = outcome.clock {
            sources.push(source);
        }
        results.push(outcome.endpoint);
    }
    if let Some((domain, dc_lookups)) = domain {
        lookups.extend(dc_lookups);
        p.domain = Some(domain);
    }
    if let Some(dns) = p.dns.as_mut() {
        dns.lookups = lookups;
    }
    p.endpoints = results;
    p.clock = clock_summary(sources);
    p.extra.insert(
        "elapsed_ms".into(),
        (started.elapsed().as_millis() as u64).into(),
    );
    p
}

/// The document's fixed parts: schema, time, context, DNS configuration, proxy.
fn document(options: &ProbeOptions, resolver: &dns::Dns) -> Probes {
    Probes {
        schema: Some(SCHEMA.into()),
        collected_at: Some(clock::now_rfc3339()),
        context: options.context.clone(),
        dns: Some(resolver.describe()),
        proxy: Some(Proxy {
            winhttp: options.winhttp.clone(),
            pac_url: None,
            used: options.proxy.as_ref().map(|p| p.url()),
            source: options.proxy.as_ref().map(|p| p.source.clone()),
        }),
        ..Probes::default()
    }
}

/// The clock section: SNTP first when it answered (sub-second), else the first HTTP `Date`.
fn clock_summary(sources: Vec<ClockSource>) -> Option<Clock> {
    if sources.is_empty() {
        return None;
    }
    let best = sources.iter().find(|s| s.skew_seconds.is_some()).cloned();
    Some(Clock {
        local_utc: Some(clock::now_rfc3339()),
        reference: best.as_ref().map(|b| b.reference.clone()),
        reference_utc: best.as_ref().and_then(|b| b.reference_utc.clone()),
        skew_seconds: best.and_then(|b| b.skew_seconds),
        sources,
    })
}

/// Domain controllers of `name` (SRV `_ldap._tcp.dc._msdcs.NAME`), their addresses, and an
/// LDAP rootDSE read from each of the first few.
async fn dc_probe(
    name: &str,
    resolver: &dns::Dns,
    t: &Timeouts,
) -> (Domain, Vec<mde_artifacts::bundle::Lookup>) {
    const MAX_DCS: usize = 4;
    let srv_name = format!("_ldap._tcp.dc._msdcs.{name}");
    let (srv, targets) = resolver.srv(&srv_name).await;
    let mut lookups = vec![srv.clone()];
    let mut domain = Domain {
        name: Some(name.to_string()),
        error: srv.error.clone().map(|e| format!("{srv_name}: {e}")),
        ..Domain::default()
    };
    let resolved = futures_join_all(targets.iter().take(MAX_DCS).map(|(host, port)| async {
        let (lookup, addrs) = resolver.ip(host).await;
        (lookup, addrs, *port)
    }))
    .await;
    let mut ldap_targets = Vec::new();
    for (lookup, addrs, port) in resolved {
        lookups.push(lookup);
        for a in &addrs {
            let s = a.to_string();
            if !domain.domain_controllers.contains(&s) {
                domain.domain_controllers.push(s);
            }
        }
        if let Some(first) = addrs.first() {
            ldap_targets.push(SocketAddr::new(*first, port));
        }
    }
    domain.ldap = futures_join_all(
        ldap_targets
            .into_iter()
            .map(|addr| ldap::root_dse(addr, t.connect, t.ldap)),
    )
    .await;
    (domain, lookups)
}

/// Runs futures concurrently on the current task and returns their outputs in order.
pub(crate) async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// Seconds as the error texts say them.
pub(crate) fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{} s", s as u64)
    } else {
        format!("{s:.1} s")
    }
}

/// The failures a probes document records, in words (for the command's verdict).
pub fn failures(p: &Probes) -> Vec<String> {
    let mut out = Vec::new();
    for e in &p.endpoints {
        let failed = [&e.dns, &e.tcp, &e.proxy, &e.tls]
            .iter()
            .any(|s| s.as_deref() == Some("failed"));
        if failed {
            out.push(format!(
                "{}: {}",
                e.url,
                e.error.as_deref().unwrap_or("failed")
            ));
        }
    }
    if let Some(d) = &p.domain {
        if let Some(e) = &d.error {
            out.push(format!("domain {}: {e}", d.name.as_deref().unwrap_or("?")));
        }
        for l in d.ldap.iter().filter(|l| l.status != "ok") {
            out.push(format!(
                "LDAP {}: {}",
                l.server,
                l.error.as_deref().unwrap_or("failed")
            ));
        }
    }
    if let Some(skew) = p.clock.as_ref().and_then(|c| c.skew_seconds)
        && skew.abs() > 300.0
    {
        out.push(format!("clock skew {skew:.0} s (more than 5 minutes)"));
    }
    out
}
