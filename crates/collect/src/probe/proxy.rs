//! Which proxy the probes go through: given on the command line, from the environment
//! (`HTTPS_PROXY`), or the system's WinHTTP setting (what the SYSTEM account, and so
//! enrollment, uses).

use super::endpoint::split_host_port;

/// An HTTP proxy that tunnels with CONNECT.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyConfig {
    pub host: String,
    pub port: u16,
    /// `explicit`, `environment`, `winhttp`.
    pub source: String,
}

impl ProxyConfig {
    /// `http://host:port`, `host:port` or `host` (port 8080, WinHTTP's habit is to name it).
    pub fn parse(text: &str, source: &str) -> Result<ProxyConfig, String> {
        let t = text.trim();
        let rest = if let Some(r) = t.strip_prefix("http://") {
            r
        } else if t.contains("://") {
            return Err(format!(
                "{t}: only http:// proxies are supported (CONNECT over plain HTTP)"
            ));
        } else {
            t
        };
        let rest = rest.trim_end_matches('/');
        if rest.contains('@') {
            return Err(format!(
                "{t}: credentials in the proxy URL are not sent; the SYSTEM account that \
                 enrolls the device has none either"
            ));
        }
        let (host, port) =
            split_host_port(rest, 8080).ok_or_else(|| format!("{t}: not a proxy address"))?;
        Ok(ProxyConfig {
            host,
            port,
            source: source.to_string(),
        })
    }

    pub fn url(&self) -> String {
        if self.host.contains(':') {
            format!("http://[{}]:{}", self.host, self.port)
        } else {
            format!("http://{}:{}", self.host, self.port)
        }
    }

    /// `HTTPS_PROXY`, `https_proxy`, `ALL_PROXY`, `all_proxy`, in that order.
    pub fn from_env() -> Option<Result<ProxyConfig, String>> {
        ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
            .map(|v| ProxyConfig::parse(&v, "environment"))
    }
}

/// The WinHTTP proxy setting (`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet
/// Settings\Connections\WinHttpSettings`, what `netsh winhttp show proxy` prints).
#[derive(Debug, Clone, PartialEq)]
pub struct WinHttp {
    /// The proxy server list (`host:port`, or `http=…;https=…`); `None` for direct access.
    pub proxy: Option<String>,
    pub bypass: Option<String>,
}

impl WinHttp {
    /// `DIRECT` or the proxy list, as `probes.json`'s `proxy.winhttp` records it.
    pub fn describe(&self) -> String {
        self.proxy.clone().unwrap_or_else(|| "DIRECT".into())
    }

    /// The proxy for https, from a list such as `proxy:8080` or `http=a:80;https=b:8443`.
    pub fn https_proxy(&self) -> Option<Result<ProxyConfig, String>> {
        let list = self.proxy.as_deref()?;
        let pick = list
            .split(';')
            .map(str::trim)
            .find_map(|item| match item.split_once('=') {
                Some((scheme, addr)) if scheme.eq_ignore_ascii_case("https") => Some(addr),
                Some(_) => None,
                None => Some(item),
            })?;
        Some(ProxyConfig::parse(pick, "winhttp"))
    }
}

/// Decodes the `WinHttpSettings` value: DWORD size (0x18 or 0x28), DWORD counter, DWORD flags
/// (1 direct, 3 proxy), DWORD length + proxy list, DWORD length + bypass list (ASCII).
pub fn parse_winhttp_settings(bytes: &[u8]) -> Result<WinHttp, String> {
    let dword = |at: usize| -> Result<u32, String> {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| {
                format!(
                    "WinHttpSettings ends at byte {} (needs {})",
                    bytes.len(),
                    at + 4
                )
            })
    };
    let string = |at: usize| -> Result<(String, usize), String> {
        let len = dword(at)? as usize;
        let start = at + 4;
        let s = bytes.get(start..start + len).ok_or_else(|| {
            format!("WinHttpSettings: a {len}-byte string at byte {start} runs past the end")
        })?;
        Ok((String::from_utf8_lossy(s).into_owned(), start + len))
    };
    let flags = dword(8)?;
    let (proxy, next) = string(12)?;
    let bypass = string(next).map(|(b, _)| b).unwrap_or_default();
    let proxy_set = flags & 2 != 0 && !proxy.is_empty();
    Ok(WinHttp {
        proxy: proxy_set.then_some(proxy),
        bypass: (!bypass.is_empty()).then_some(bypass),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(flags: u32, proxy: &str, bypass: &str) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend(0x28u32.to_le_bytes());
        b.extend(5u32.to_le_bytes());
        b.extend(flags.to_le_bytes());
        b.extend((proxy.len() as u32).to_le_bytes());
        b.extend(proxy.as_bytes());
        b.extend((bypass.len() as u32).to_le_bytes());
        b.extend(bypass.as_bytes());
        b
    }

    #[test]
    fn winhttp_direct_and_proxy() {
        let direct = parse_winhttp_settings(&settings(1, "", "")).unwrap();
        assert_eq!(direct.describe(), "DIRECT");
        assert!(direct.https_proxy().is_none());
        let p = parse_winhttp_settings(&settings(
            3,
            "http=a:80;https=proxy.contoso.com:3128",
            "<local>",
        ))
        .unwrap();
        assert_eq!(p.bypass.as_deref(), Some("<local>"));
        let chosen = p.https_proxy().unwrap().unwrap();
        assert_eq!(
            (chosen.host.as_str(), chosen.port),
            ("proxy.contoso.com", 3128)
        );
        assert!(parse_winhttp_settings(&[0x28, 0, 0]).is_err());
        assert!(parse_winhttp_settings(&settings(3, "x", "")[..14]).is_err());
    }

    #[test]
    fn proxy_urls() {
        let p = ProxyConfig::parse("http://127.0.0.1:3128/", "explicit").unwrap();
        assert_eq!(p.url(), "http://127.0.0.1:3128");
        assert_eq!(ProxyConfig::parse("proxy", "winhttp").unwrap().port, 8080);
        assert!(ProxyConfig::parse("socks5://x:1", "explicit").is_err());
        assert!(ProxyConfig::parse("http://u:p@x:1", "explicit").is_err());
    }
}
