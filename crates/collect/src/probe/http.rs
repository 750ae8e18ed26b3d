//! The little HTTP/1.1 the probes speak: a response head (status line and headers) read with
//! a size bound, for CONNECT answers and `HEAD` requests.

use tokio::io::{AsyncRead, AsyncReadExt};

/// A response head bigger than this is not an HTTP server we want to talk to.
const MAX_HEAD: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Head {
    pub(crate) status: u16,
    pub(crate) reason: String,
    /// The `Date` header as sent.
    pub(crate) date: Option<String>,
}

/// Reads up to the blank line that ends the head; what follows is left unread or dropped.
pub(crate) async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> std::io::Result<Head> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the connection closed before a complete HTTP response head",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = memfind(&buf, b"\r\n\r\n") {
            return parse_head(&buf[..end])
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e));
        }
        if buf.len() > MAX_HEAD {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("no end of the HTTP response head within {MAX_HEAD} bytes"),
            ));
        }
    }
}

fn memfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub(crate) fn parse_head(bytes: &[u8]) -> Result<Head, String> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/") {
        return Err(format!("not an HTTP response: {:?}", truncate(status_line)));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("no status code in {:?}", truncate(status_line)))?;
    let reason = parts.next().unwrap_or_default().to_string();
    let date = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("date")
            .then(|| value.trim().to_string())
    });
    Ok(Head {
        status,
        reason,
        date,
    })
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_date() {
        let h = parse_head(b"HTTP/1.1 407 Proxy Authentication Required\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nX: y").unwrap();
        assert_eq!(h.status, 407);
        assert_eq!(h.reason, "Proxy Authentication Required");
        assert_eq!(h.date.as_deref(), Some("Sun, 06 Nov 1994 08:49:37 GMT"));
    }

    #[test]
    fn not_http() {
        assert!(parse_head(b"SSH-2.0-OpenSSH").is_err());
        assert!(parse_head(b"HTTP/1.1 abc").is_err());
    }
}
