//! Name resolution through `hickory-resolver`: the system's configuration (resolv.conf, the
//! Windows registry), or one server named with `--dns`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use mde_artifacts::bundle::{Dns as DnsSection, Lookup};

use super::secs;

/// A resolver and what its configuration says.
pub(crate) struct Dns {
    resolver: Result<TokioResolver, String>,
    servers: Vec<String>,
    asked: Option<String>,
    suffixes: Vec<String>,
    pub(crate) system_domain: Option<String>,
    timeout: Duration,
}

impl Dns {
    pub(crate) fn new(server: Option<SocketAddr>, timeout: Duration) -> Dns {
        let (config, mut opts, asked) = match server {
            Some(addr) => {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for c in &mut ns.connections {
                    c.port = addr.port();
                }
                // Only UDP: a test server or a DC answers there; TCP would double the wait
                // on a server that does not answer.
                ns.connections.retain(is_udp);
                (
                    Ok(ResolverConfig::from_parts(None, Vec::new(), vec![ns])),
                    ResolverOpts::default(),
                    Some(addr.to_string()),
                )
            }
            None => match hickory_resolver::system_conf::read_system_conf() {
                Ok((config, opts)) => (Ok(config), opts, None),
                Err(e) => (
                    Err(format!("the system's DNS configuration: {e}")),
                    ResolverOpts::default(),
                    None,
                ),
            },
        };
        opts.timeout = timeout;
        opts.attempts = 1;
        // The hosts file would answer for names the DNS server never sees.
        opts.use_hosts_file = hickory_resolver::config::ResolveHosts::Never;
        opts.cache_size = 64;
        let (servers, suffixes, system_domain) = match &config {
            Ok(c) => {
                let mut servers: Vec<String> = Vec::new();
                for ns in c.name_servers() {
                    let ip = ns.ip.to_string();
                    if !servers.contains(&ip) {
                        servers.push(ip);
                    }
                }
                let suffixes = c
                    .search()
                    .iter()
                    .map(|n| trim_dot(&n.to_string()))
                    .collect();
                let domain = c.domain().map(|n| trim_dot(&n.to_string()));
                (servers, suffixes, domain)
            }
            Err(_) => (Vec::new(), Vec::new(), None),
        };
        let resolver = config.and_then(|c| {
            TokioResolver::builder_with_config(c, TokioRuntimeProvider::default())
                .with_options(opts)
                .build()
                .map_err(|e| format!("cannot build a resolver: {e}"))
        });
        Dns {
            resolver,
            servers,
            asked,
            suffixes,
            system_domain: system_domain.filter(|d| !d.is_empty()),
            timeout,
        }
    }

    /// The `dns` section, lookups still empty.
    pub(crate) fn describe(&self) -> DnsSection {
        DnsSection {
            servers: self.servers.clone(),
            suffixes: self.suffixes.clone(),
            lookups: Vec::new(),
            error: self.resolver.as_ref().err().cloned(),
        }
    }

    fn lookup(&self, name: &str, ty: &str) -> Lookup {
        Lookup {
            name: name.to_string(),
            record_type: Some(ty.into()),
            server: self.asked.clone(),
            ..Lookup::default()
        }
    }

    /// Addresses of a host name (A and AAAA).
    pub(crate) async fn ip(&self, host: &str) -> (Lookup, Vec<IpAddr>) {
        let mut lookup = self.lookup(host, "A");
        if let Ok(ip) = host.parse::<IpAddr>() {
            lookup.answers.push(ip.to_string());
            return (lookup, vec![ip]);
        }
        let resolver = match &self.resolver {
            Ok(r) => r,
            Err(e) => {
                lookup.error = Some(e.clone());
                return (lookup, Vec::new());
            }
        };
        let fqdn = fqdn(host);
        match self.bounded(resolver.lookup_ip(fqdn.as_str())).await {
            Ok(found) => {
                let addrs: Vec<IpAddr> = found.iter().collect();
                lookup.answers = addrs.iter().map(IpAddr::to_string).collect();
                if addrs.is_empty() {
                    lookup.error = Some("no address records".into());
                }
                (lookup, addrs)
            }
            Err(e) => {
                lookup.error = Some(e);
                (lookup, Vec::new())
            }
        }
    }

    /// SRV targets (`host`, `port`) of a service name, by priority then weight.
    pub(crate) async fn srv(&self, name: &str) -> (Lookup, Vec<(String, u16)>) {
        let mut lookup = self.lookup(name, "SRV");
        let resolver = match &self.resolver {
            Ok(r) => r,
            Err(e) => {
                lookup.error = Some(e.clone());
                return (lookup, Vec::new());
            }
        };
        match self.bounded(resolver.srv_lookup(fqdn(name).as_str())).await {
            Ok(found) => {
                let mut records: Vec<(u16, u16, String, u16)> = found
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::SRV(srv) => Some((
                            srv.priority,
                            u16::MAX - srv.weight,
                            trim_dot(&srv.target.to_string()),
                            srv.port,
                        )),
                        _ => None,
                    })
                    .collect();
                records.sort();
                lookup.answers = records
                    .iter()
                    .map(|(_, _, host, port)| format!("{host}:{port}"))
                    .collect();
                if records.is_empty() {
                    lookup.error = Some("no SRV records".into());
                }
                let targets = records.into_iter().map(|(_, _, h, p)| (h, p)).collect();
                (lookup, targets)
            }
            Err(e) => {
                lookup.error = Some(e);
                (lookup, Vec::new())
            }
        }
    }

    /// A lookup cut off at the DNS timeout (plus a margin for hickory's own), its error in
    /// words an administrator knows.
    async fn bounded<T>(
        &self,
        lookup: impl std::future::Future<Output = Result<T, NetError>>,
    ) -> Result<T, String> {
        let limit = self.timeout + Duration::from_millis(500);
        match tokio::time::timeout(limit, lookup).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(describe(&e, self.timeout)),
            Err(_) => Err(format!("timed out after {}", secs(self.timeout))),
        }
    }
}

fn describe(e: &NetError, timeout: Duration) -> String {
    if e.is_nx_domain() {
        "NXDOMAIN: the name does not exist".into()
    } else if e.is_no_records_found() {
        "no records of this type".into()
    } else if matches!(e, NetError::Timeout) {
        format!(
            "timed out after {}: the DNS server did not answer",
            secs(timeout)
        )
    } else {
        e.to_string()
    }
}

fn is_udp(c: &ConnectionConfig) -> bool {
    matches!(c.protocol, hickory_resolver::config::ProtocolConfig::Udp)
}

fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

fn trim_dot(s: &str) -> String {
    s.trim_end_matches('.').to_string()
}
