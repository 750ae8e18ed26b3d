//! One endpoint: DNS, TCP (to the endpoint or the proxy), CONNECT, TLS, `HEAD /`. Each stage
//! is recorded `ok`, `failed` or `skipped`, the first failure's reason in `error`.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use mde_artifacts::bundle::{ClockSource, Endpoint, Lookup};
use rustls::pki_types::ServerName;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::dns::Dns;
use super::proxy::ProxyConfig;
use super::tls::{Verified, is_untrusted_chain};
use super::{Timeouts, clock, http, secs};

pub(crate) struct Outcome {
    pub(crate) endpoint: Endpoint,
    /// The endpoint's name lookup (direct connections only: through a proxy the device need
    /// not resolve public names).
    pub(crate) lookup: Option<Lookup>,
    pub(crate) clock: Option<ClockSource>,
}

const OK: &str = "ok";
const FAILED: &str = "failed";
const SKIPPED: &str = "skipped";

pub(crate) async fn probe(
    url: &str,
    resolver: &Dns,
    proxy: Option<&ProxyConfig>,
    tls: &Verified,
    t: &Timeouts,
) -> Outcome {
    let started = Instant::now();
    let mut out = Outcome {
        endpoint: Endpoint {
            url: url.to_string(),
            via_proxy: proxy.map(ProxyConfig::url),
            ..Endpoint::default()
        },
        lookup: None,
        clock: None,
    };
    let e = &mut out.endpoint;
    let (host, port, path) = match split_url(url) {
        Ok(parts) => parts,
        Err(reason) => {
            e.error = Some(reason);
            e.dns = Some(FAILED.into());
            return out;
        }
    };

    // DNS and TCP: to the endpoint, or to the proxy that will reach it.
    let stream = if let Some(p) = proxy {
        out.endpoint.dns = Some(SKIPPED.into());
        let (lookup, addrs) = resolver.ip(&p.host).await;
        match lookup.error {
            Some(err) => Err(format!("DNS lookup of the proxy {}: {err}", p.host)),
            None => connect(&addrs, p.port, t.connect).await,
        }
    } else {
        let (lookup, addrs) = resolver.ip(&host).await;
        let failed = lookup.error.clone();
        out.lookup = Some(lookup);
        let e = &mut out.endpoint;
        if let Some(err) = failed {
            e.dns = Some(FAILED.into());
            skip(e, &["tcp", "tls"]);
            e.error = Some(format!("DNS lookup of {host}: {err}"));
            e.elapsed_ms = Some(ms(started));
            return out;
        }
        e.dns = Some(OK.into());
        connect(&addrs, port, t.connect).await
    };
    let e = &mut out.endpoint;
    let mut stream = match stream {
        Ok(s) => s,
        Err(err) => {
            e.tcp = Some(FAILED.into());
            skip(e, &["proxy", "tls"]);
            e.error = Some(err);
            e.elapsed_ms = Some(ms(started));
            return out;
        }
    };
    e.tcp = Some(OK.into());

    if let Some(p) = proxy {
        match tokio::time::timeout(t.http, connect_through(&mut stream, &host, port)).await {
            Ok(Ok(())) => e.proxy = Some(OK.into()),
            Ok(Err(ConnectError::Status(head))) => {
                e.proxy = Some(FAILED.into());
                e.http_status = Some(head.status);
                e.error = Some(if head.status == 407 {
                    format!(
                        "proxy authentication required (HTTP 407 from {}): the proxy wants \
                         credentials the device's SYSTEM account does not send",
                        p.url()
                    )
                } else {
                    format!(
                        "the proxy {} refused CONNECT {host}:{port}: HTTP {} {}",
                        p.url(),
                        head.status,
                        head.reason
                    )
                });
            }
            Ok(Err(ConnectError::Io(err))) => {
                e.proxy = Some(FAILED.into());
                e.error = Some(format!("proxy {}: {}", p.url(), io_words(&err)));
            }
            Err(_) => {
                e.proxy = Some(FAILED.into());
                e.error = Some(format!(
                    "proxy {} did not answer CONNECT within {}",
                    p.url(),
                    secs(t.http)
                ));
            }
        }
        if e.proxy.as_deref() == Some(FAILED) {
            skip(e, &["tls"]);
            e.elapsed_ms = Some(ms(started));
            return out;
        }
    }

    // TLS.
    let (config, seen) = match tls.for_connection() {
        Ok(c) => c,
        Err(err) => {
            e.tls = Some(FAILED.into());
            e.error = Some(format!("TLS configuration: {err}"));
            return out;
        }
    };
    let Ok(server_name) = ServerName::try_from(host.clone()) else {
        e.tls = Some(FAILED.into());
        e.error = Some(format!("{host} is not a valid TLS server name"));
        return out;
    };
    let connector = tokio_rustls::TlsConnector::from(config);
    let handshake = tokio::time::timeout(t.tls, connector.connect(server_name, stream)).await;
    let issuer = seen.lock().ok().and_then(|s| s.issuer.clone());
    e.issuer = issuer.clone();
    let mut tls_stream = match handshake {
        Ok(Ok(s)) => {
            e.tls = Some(OK.into());
            e.tls_inspection = Some(false);
            s
        }
        Ok(Err(err)) => {
            e.tls = Some(FAILED.into());
            if is_untrusted_chain(&err) {
                e.tls_inspection = Some(true);
                e.error = Some(format!(
                    "the certificate chain does not lead to a public root (issued by {}): \
                     TLS inspection between the device and the service?",
                    issuer.as_deref().unwrap_or("an unknown issuer")
                ));
            } else {
                e.error = Some(format!("TLS handshake: {}", io_words(&err)));
            }
            e.elapsed_ms = Some(ms(started));
            return out;
        }
        Err(_) => {
            e.tls = Some(FAILED.into());
            e.error = Some(format!("TLS handshake timed out after {}", secs(t.tls)));
            e.elapsed_ms = Some(ms(started));
            return out;
        }
    };

    // HEAD: the HTTP status, and the server's clock.
    let request = format!(
        "HEAD {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: mde-doctor/{}\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    let head = tokio::time::timeout(t.http, async {
        tls_stream.write_all(request.as_bytes()).await?;
        http::read_head(&mut tls_stream).await
    })
    .await;
    let received = jiff::Timestamp::now();
    match head {
        Ok(Ok(head)) => {
            e.http_status = Some(head.status);
            if let Some(date) = head.date {
                out.clock = Some(clock::from_http_date(
                    &format!("https://{host} (HTTP Date)"),
                    &date,
                    received,
                ));
            }
        }
        // The endpoint was reached; no HTTP answer is worth noting, not a failure.
        Ok(Err(err)) => {
            e.error = Some(format!("no HTTP answer: {}", io_words(&err)));
        }
        Err(_) => e.error = Some(format!("no HTTP answer within {}", secs(t.http))),
    }
    out.endpoint.elapsed_ms = Some(ms(started));
    out
}

fn skip(e: &mut Endpoint, stages: &[&str]) {
    for s in stages {
        let slot = match *s {
            "tcp" => &mut e.tcp,
            "proxy" if e.via_proxy.is_some() => &mut e.proxy,
            "tls" => &mut e.tls,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(SKIPPED.into());
        }
    }
}

fn ms(started: Instant) -> u64 {
    started.elapsed().as_millis() as u64
}

/// Connects to the first address that answers within the timeout (shared by all).
async fn connect(addrs: &[IpAddr], port: u16, timeout: Duration) -> Result<TcpStream, String> {
    if addrs.is_empty() {
        return Err("no address to connect to".into());
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last = String::new();
    for ip in addrs {
        let addr = SocketAddr::new(*ip, port);
        match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => return Ok(s),
            Ok(Err(err)) => last = format!("TCP connect to {addr}: {}", io_words(&err)),
            Err(_) => {
                return Err(format!(
                    "TCP connect to {addr} timed out after {}",
                    secs(timeout)
                ));
            }
        }
    }
    Err(last)
}

enum ConnectError {
    Status(http::Head),
    Io(std::io::Error),
}

async fn connect_through(
    stream: &mut TcpStream,
    host: &str,
    port: u16,
) -> Result<(), ConnectError> {
    let request = format!(
        "CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: mde-doctor/{}\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(ConnectError::Io)?;
    let head = http::read_head(stream).await.map_err(ConnectError::Io)?;
    if (200..300).contains(&head.status) {
        Ok(())
    } else {
        Err(ConnectError::Status(head))
    }
}

/// An I/O error in the words an administrator searches for.
pub(crate) fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        ConnectionReset => "connection reset by the peer".into(),
        ConnectionRefused => {
            "connection refused (nothing listens there, or a firewall rejects)".into()
        }
        ConnectionAborted => "connection aborted".into(),
        UnexpectedEof => "the peer closed the connection".into(),
        TimedOut => "timed out".into(),
        _ => e.to_string(),
    }
}

/// `https://host[:port][/path]` → host, port, path.
pub(crate) fn split_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| format!("{url}: only https:// URLs are probed"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) =
        split_host_port(authority, 443).ok_or_else(|| format!("{url}: not a host[:port]"))?;
    Ok((host, port, path))
}

/// `host[:port]` or `[v6]:port`.
pub(crate) fn split_host_port(s: &str, default_port: u16) -> Option<(String, u16)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        return Some((host.to_string(), port));
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, p.parse().ok()?),
        _ => (s, default_port),
    };
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        return None;
    }
    Some((host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            split_url("https://Login.microsoftonline.com").unwrap(),
            ("login.microsoftonline.com".into(), 443, "/".into())
        );
        assert_eq!(
            split_url("https://ok.test:8443/x?y").unwrap(),
            ("ok.test".into(), 8443, "/x?y".into())
        );
        assert!(split_url("http://x").is_err());
        assert!(split_url("https://a b").is_err());
        assert!(split_url("https://x:99999").is_err());
        assert_eq!(split_host_port("[::1]:53", 1), Some(("::1".into(), 53)));
    }
}
