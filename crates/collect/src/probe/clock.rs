//! Clock skew: local time against an SNTP server (sub-second) and against the `Date` header
//! of the endpoints' HTTPS answers (one-second resolution, but it is the clock the service
//! itself keeps). Skew is local minus reference, as `analyze` reads it.

use std::time::Duration;

use jiff::Timestamp;
use mde_artifacts::bundle::ClockSource;
use tokio::net::UdpSocket;

use super::dns::Dns;
use super::endpoint::split_host_port;
use super::secs;

/// Seconds from the NTP era (1900) to the Unix epoch.
const NTP_UNIX_OFFSET: i64 = 2_208_988_800;

pub(crate) fn now_rfc3339() -> String {
    rfc3339(Timestamp::now())
}

fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn seconds(t: Timestamp) -> f64 {
    t.as_nanosecond() as f64 / 1e9
}

/// A reference from an HTTP `Date` header (IMF-fixdate), received at `received`.
pub(crate) fn from_http_date(reference: &str, date: &str, received: Timestamp) -> ClockSource {
    let mut source = ClockSource {
        reference: reference.to_string(),
        ..ClockSource::default()
    };
    match jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(date) {
        Ok(server) => {
            // The header truncates to the second: its true value is half a second later on
            // average.
            let skew = seconds(received) - (seconds(server) + 0.5);
            source.reference_utc = Some(rfc3339(server));
            source.skew_seconds = Some((skew * 10.0).round() / 10.0);
        }
        Err(e) => source.error = Some(format!("unreadable Date header {date:?}: {e}")),
    }
    source
}

/// Asks an SNTP server (RFC 4330) once.
pub(crate) async fn sntp(server: &str, resolver: &Dns, timeout: Duration) -> ClockSource {
    let mut source = ClockSource {
        reference: format!("ntp://{server} (SNTP)"),
        ..ClockSource::default()
    };
    match ask(server, resolver, timeout).await {
        Ok((reference, skew)) => {
            source.reference_utc = Some(rfc3339(reference));
            source.skew_seconds = Some((skew * 1000.0).round() / 1000.0);
        }
        Err(e) => source.error = Some(e),
    }
    source
}

async fn ask(server: &str, resolver: &Dns, timeout: Duration) -> Result<(Timestamp, f64), String> {
    let (host, port) =
        split_host_port(server, 123).ok_or_else(|| format!("{server}: not a host[:port]"))?;
    let (lookup, addrs) = resolver.ip(&host).await;
    if let Some(e) = lookup.error {
        return Err(format!("DNS lookup of {host}: {e}"));
    }
    let addr = std::net::SocketAddr::new(*addrs.first().ok_or("no address")?, port);
    let bind = if addr.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = UdpSocket::bind(bind)
        .await
        .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
    let mut request = [0u8; 48];
    request[0] = 0x23; // LI 0, version 4, mode 3 (client)
    let t0 = Timestamp::now();
    socket
        .send_to(&request, addr)
        .await
        .map_err(|e| format!("cannot send to {addr}: {e}"))?;
    let mut reply = [0u8; 512];
    let n = match tokio::time::timeout(timeout, socket.recv_from(&mut reply)).await {
        Ok(Ok((n, _))) => n,
        Ok(Err(e)) => return Err(format!("{addr}: {e}")),
        Err(_) => return Err(format!("{addr} did not answer within {}", secs(timeout))),
    };
    let t3 = Timestamp::now();
    parse_reply(&reply[..n], seconds(t0), seconds(t3))
}

/// The server's transmit time and the local clock's offset from it (local minus server),
/// from a reply received between `t0` and `t3` (Unix seconds).
fn parse_reply(reply: &[u8], t0: f64, t3: f64) -> Result<(Timestamp, f64), String> {
    if reply.len() < 48 {
        return Err(format!("an SNTP reply of {} bytes (needs 48)", reply.len()));
    }
    let mode = reply[0] & 0x7;
    if mode != 4 && mode != 5 {
        return Err(format!("not an SNTP server reply (mode {mode})"));
    }
    if reply[1] == 0 {
        let code = String::from_utf8_lossy(&reply[12..16]).into_owned();
        return Err(format!("the server refused (kiss-o'-death {code:?})"));
    }
    let stamp = |at: usize| -> f64 {
        let s = u32::from_be_bytes([reply[at], reply[at + 1], reply[at + 2], reply[at + 3]]);
        let f = u32::from_be_bytes([reply[at + 4], reply[at + 5], reply[at + 6], reply[at + 7]]);
        s as f64 - NTP_UNIX_OFFSET as f64 + f as f64 / 4_294_967_296.0
    };
    let (t1, t2) = (stamp(32), stamp(40));
    if reply[40..48].iter().all(|b| *b == 0) {
        return Err("the server sent no transmit time".into());
    }
    // RFC 4330 §5: offset = ((t1 - t0) + (t2 - t3)) / 2 is server minus local.
    let offset = ((t1 - t0) + (t2 - t3)) / 2.0;
    let reference = Timestamp::from_nanosecond((t2 * 1e9) as i128)
        .map_err(|e| format!("the server's time is out of range: {e}"))?;
    Ok((reference, -offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(server_unix: f64) -> Vec<u8> {
        let mut r = vec![0u8; 48];
        r[0] = 0x24;
        r[1] = 2;
        let s = (server_unix.floor() as i64 + NTP_UNIX_OFFSET) as u32;
        let f = ((server_unix.fract()) * 4_294_967_296.0) as u32;
        for at in [32, 40] {
            r[at..at + 4].copy_from_slice(&s.to_be_bytes());
            r[at + 4..at + 8].copy_from_slice(&f.to_be_bytes());
        }
        r
    }

    #[test]
    fn sntp_offset() {
        // Local clock 90 s ahead of the server.
        let (_, skew) = parse_reply(&reply(1_000_000.0), 1_000_090.0, 1_000_090.2).unwrap();
        assert!((skew - 90.1).abs() < 0.01, "{skew}");
        let mut kod = reply(1.0);
        kod[1] = 0;
        assert!(parse_reply(&kod, 0.0, 0.0).unwrap_err().contains("kiss"));
        assert!(parse_reply(&[0u8; 10], 0.0, 0.0).is_err());
    }

    #[test]
    fn http_date() {
        let received = Timestamp::from_second(784_111_777 + 3600).unwrap();
        let s = from_http_date("x", "Sun, 06 Nov 1994 08:49:37 GMT", received);
        assert_eq!(s.skew_seconds, Some(3599.5));
        assert_eq!(s.reference_utc.as_deref(), Some("1994-11-06T08:49:37Z"));
        assert!(from_http_date("x", "yesterday", received).error.is_some());
    }
}
