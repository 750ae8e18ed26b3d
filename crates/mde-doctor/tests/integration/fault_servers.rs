//! Loopback servers that misbehave on purpose, for the `probe` tests: a DNS server that
//! answers, says NXDOMAIN or stays silent; an HTTPS server with its own CA and a clock of its
//! own; an HTTP proxy that wants authentication; a server that resets; an LDAP server that
//! answers a rootDSE read; an SNTP server that is wrong. Each runs on a thread for the rest
//! of the test process and never leaves 127.0.0.1.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// A certificate authority of the tests' own and the PEM of its root.
pub(crate) struct TestCa {
    pub(crate) pem: String,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

pub(crate) const CA_NAME: &str = "mde-doctor test CA";

impl TestCa {
    pub(crate) fn new() -> TestCa {
        let key = rcgen::KeyPair::generate().expect("CA key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, CA_NAME);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let cert = params.self_signed(&key).expect("CA certificate");
        TestCa {
            pem: cert.pem(),
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// A server configuration for these names, signed by this CA.
    fn server_config(&self, names: &[&str]) -> Arc<rustls::ServerConfig> {
        let key = rcgen::KeyPair::generate().expect("server key");
        let params =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("server params");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("server certificate");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .expect("server config");
        Arc::new(config)
    }
}

fn spawn_tcp(handle: impl Fn(TcpStream) + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = Arc::new(handle);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let handle = handle.clone();
            thread::spawn(move || handle(stream));
        }
    });
    port
}

/// Reads up to the end of an HTTP head (or 16 KiB).
fn read_head(stream: &mut impl Read) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => break,
        }
    }
    buf
}

/// An HTTPS server for `names` whose `Date` header is `skew_seconds` away from now.
pub(crate) fn https(ca: &TestCa, names: &[&str], skew_seconds: i64) -> u16 {
    let config = ca.server_config(names);
    spawn_tcp(move |stream| {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let conn = match rustls::ServerConnection::new(config.clone()) {
            Ok(c) => c,
            Err(_) => return,
        };
        let mut tls = rustls::StreamOwned::new(conn, stream);
        let head = read_head(&mut tls);
        if head.is_empty() {
            return;
        }
        let date = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_secs(skew_seconds))
            .expect("date in range")
            .strftime("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let _ = write!(
            tls,
            "HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = tls.flush();
        tls.conn.send_close_notify();
        let _ = tls.flush();
    })
}

/// An HTTP proxy that answers every CONNECT with 407.
pub(crate) fn proxy_407() -> u16 {
    spawn_tcp(|mut stream| {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        read_head(&mut stream);
        let _ = stream.write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\n\
              Proxy-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n",
        );
    })
}

/// A server that accepts, waits for the client's first bytes and closes without reading
/// them: the kernel answers with a reset.
pub(crate) fn resetting() -> u16 {
    spawn_tcp(|stream| {
        let mut peek = [0u8; 1];
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = stream.peek(&mut peek);
        thread::sleep(Duration::from_millis(50));
        drop(stream);
    })
}

/// An LDAP server that answers one rootDSE read.
pub(crate) fn ldap(dns_host_name: &'static str) -> u16 {
    spawn_tcp(move |mut stream| {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let mut buf = [0u8; 1024];
        if matches!(stream.read(&mut buf), Ok(n) if n > 0) {
            let answer = mde_collect::probe::encode_root_dse_answer(
                1,
                &[
                    ("dnsHostName", dns_host_name),
                    (
                        "configurationNamingContext",
                        "CN=Configuration,DC=lab,DC=test",
                    ),
                ],
            );
            let _ = stream.write_all(&answer);
        }
    })
}

/// An SNTP server whose clock is `skew_seconds` away from now.
pub(crate) fn sntp(skew_seconds: f64) -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = socket.local_addr().expect("addr").port();
    thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            if n < 48 {
                continue;
            }
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("after 1970")
                .as_secs_f64()
                + skew_seconds
                + 2_208_988_800.0;
            let mut reply = [0u8; 48];
            reply[0] = 0x24; // version 4, mode 4 (server)
            reply[1] = 2; // stratum
            let secs = (now.floor() as u32).to_be_bytes();
            let frac = ((now.fract() * 4_294_967_296.0) as u32).to_be_bytes();
            for at in [32, 40] {
                reply[at..at + 4].copy_from_slice(&secs);
                reply[at + 4..at + 8].copy_from_slice(&frac);
            }
            reply[24..32].copy_from_slice(&buf[40..48]);
            let _ = socket.send_to(&reply, from);
        }
    });
    port
}

/// What the DNS server does with a name.
#[derive(Clone)]
pub(crate) enum Answer {
    /// A records.
    A(&'static str),
    Nxdomain,
    /// No reply at all.
    Silent,
    /// SRV target and port.
    Srv(&'static str, u16),
}

/// A DNS server on UDP: the first rule whose name matches (exact, case-insensitive)
/// decides; other names get 127.0.0.1; AAAA questions get an empty answer.
pub(crate) fn dns(rules: Vec<(&'static str, Answer)>) -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = socket.local_addr().expect("addr").port();
    thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            if let Some(reply) = respond(&buf[..n], &rules) {
                let _ = socket.send_to(&reply, from);
            }
        }
    });
    port
}

fn respond(query: &[u8], rules: &[(&'static str, Answer)]) -> Option<Vec<u8>> {
    if query.len() < 12 {
        return None;
    }
    // The question: labels, then type and class.
    let mut at = 12;
    let mut labels = Vec::new();
    loop {
        let len = *query.get(at)? as usize;
        at += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(at..at + len)?).to_ascii_lowercase());
        at += len;
    }
    let qtype = u16::from_be_bytes([*query.get(at)?, *query.get(at + 1)?]);
    let question_end = at + 4;
    let name = labels.join(".");
    let answer = rules
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(&name))
        .map(|(_, a)| a.clone())
        .unwrap_or(Answer::A("127.0.0.1"));
    let mut reply = query[..question_end].to_vec();
    reply[2] = 0x81 | (query[2] & 0x01); // response, recursion desired as asked
    reply[3] = 0x80; // recursion available, NOERROR
    reply[6..12].copy_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut record = |rtype: u16, rdata: Vec<u8>| {
        reply[7] += 1;
        reply.extend([0xc0, 0x0c]);
        reply.extend(rtype.to_be_bytes());
        reply.extend([0, 1, 0, 0, 0, 60]);
        reply.extend((rdata.len() as u16).to_be_bytes());
        reply.extend(rdata);
    };
    match answer {
        Answer::Silent => return None,
        Answer::Nxdomain => reply[3] = 0x83,
        Answer::A(ip) if qtype == 1 => {
            let ip: std::net::Ipv4Addr = ip.parse().expect("IPv4");
            record(1, ip.octets().to_vec());
        }
        Answer::Srv(target, port) if qtype == 33 => {
            let mut rdata = vec![0, 0, 0, 100];
            rdata.extend(port.to_be_bytes());
            for label in target.split('.') {
                rdata.push(label.len() as u8);
                rdata.extend(label.as_bytes());
            }
            rdata.push(0);
            record(33, rdata);
        }
        // Other types: no records (NOERROR, empty).
        _ => {}
    }
    Some(reply)
}

/// A server that accepts and then says nothing, holding the connection open.
pub(crate) fn silent_tcp() -> u16 {
    spawn_tcp(|stream| {
        thread::sleep(Duration::from_secs(30));
        drop(stream);
    })
}
