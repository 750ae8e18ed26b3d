//! `mde-doctor serve --tls-cert --tls-key`: HTTPS with a certificate made for the test, the
//! session cookie marked `Secure`, plain HTTP refused on the port, and a clear error (exit 2,
//! naming the file) for each way the certificate or key can be wrong.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use rustls::pki_types::ServerName;

use super::server::{Serve, create_token, open_db};

const PASSWORD: &str = "correct horse battery staple";

/// A certificate for 127.0.0.1 and its key, as PEM files in `dir`.
fn certificate(dir: &Path) -> (rcgen::CertifiedKey<rcgen::KeyPair>, String, String) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (made, cert.display().to_string(), key.display().to_string())
}

/// One HTTP/1.1 request over TLS to `addr`, trusting only `trusted`; the whole response.
fn https(
    addr: &str,
    trusted: &rustls::pki_types::CertificateDer<'static>,
    request: &str,
) -> Result<String, std::io::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, TcpStream::connect(addr)?);
    tls.write_all(request.as_bytes())?;
    let mut out = Vec::new();
    match tls.read_to_end(&mut out) {
        Ok(_) => {}
        // The server closed without close_notify after `Connection: close`: the response is
        // complete all the same.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
        Err(e) => return Err(e),
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn set_cookies(response: &str) -> Vec<&str> {
    response
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .collect()
}

#[test]
fn serve_over_tls_marks_cookies_secure_and_refuses_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (made, cert, key) = certificate(dir.path());
    {
        let (rt, db) = open_db(&data);
        rt.block_on(db.set_admin("admin", PASSWORD)).unwrap();
    }
    let token = create_token(&data, "tls");
    let serve = Serve::start(&data, &["--tls-cert", &cert, "--tls-key", &key]);
    let addr = serve
        .base
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("serve announces https: {}", serve.base))
        .to_string();
    let trusted = made.cert.der();

    // The login form sets its CSRF cookie, Secure.
    let page = https(
        &addr,
        trusted,
        &format!("GET /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let login_cookie = set_cookies(&page)
        .into_iter()
        .find(|c| c.starts_with("mdd_login="))
        .unwrap_or_else(|| panic!("login cookie: {page}"))
        .to_string();
    assert!(login_cookie.contains("; Secure"), "{login_cookie}");
    let login_pair = login_cookie.split(';').next().unwrap();
    let csrf = login_pair.trim_start_matches("mdd_login=");

    // Logging in over HTTPS gives a Secure, HttpOnly, SameSite=Strict session cookie.
    let body = format!("name=admin&password=correct+horse+battery+staple&csrf={csrf}");
    let answer = https(
        &addr,
        trusted,
        &format!(
            "POST /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {login_pair}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let session = set_cookies(&answer)
        .into_iter()
        .find(|c| c.starts_with("mdd_session="))
        .unwrap_or_else(|| panic!("session cookie: {answer}"))
        .to_string();
    for attribute in ["; Secure", "; HttpOnly", "; SameSite=Strict"] {
        assert!(session.contains(attribute), "{attribute}: {session}");
    }
    let session_pair = session.split(';').next().unwrap();

    // An upload with the ingest token, then the administrator reads it through the API.
    let report = Command::new(env!("CARGO_BIN_EXE_mde-doctor"))
        .args(["analyze", "--format", "json"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundles/healthy"))
        .output()
        .unwrap()
        .stdout;
    let upload = https(
        &addr,
        trusted,
        &format!(
            "POST /api/v1/reports HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
            report.len(),
            String::from_utf8_lossy(&report)
        ),
    )
    .unwrap();
    assert!(upload.starts_with("HTTP/1.1 201"), "{upload}");
    // The device list as the administrator reads it through the API.
    let devices_json = || {
        https(
            &addr,
            trusted,
            &format!(
                "GET /api/v1/devices HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {session_pair}\r\n\r\n"
            ),
        )
        .unwrap()
    };
    let devices = devices_json();
    assert!(devices.starts_with("HTTP/1.1 200"), "{devices}");
    assert!(devices.contains("\"devices\":[{"), "{devices}");

    // `analyze --upload https://…`: trusting the console's certificate with --upload-ca, the
    // diagnosis is stored; without it, the public roots refuse the self-signed certificate.
    let bundle =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundles/tenant-mismatch");
    let url = format!("https://{addr}");
    let analyze = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_mde-doctor"))
            .args(["analyze", "--upload", &url, "--token", &token])
            .args(extra)
            .arg(&bundle)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (status, stderr) = analyze(&["--upload-ca", &cert]);
    assert_eq!(status, Some(1), "the device is failing: {stderr}");
    assert!(stderr.contains(&format!("uploaded to {url}")), "{stderr}");
    let devices = devices_json();
    assert!(devices.contains("PC-0015"), "{devices}");
    let (status, stderr) = analyze(&[]);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(
        stderr.contains("upload to") && stderr.contains("failed"),
        "{stderr}"
    );
    let (status, stderr) = analyze(&["--upload-ca", &key]);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(
        stderr.contains("--upload-ca") && stderr.contains("no certificate"),
        "{stderr}"
    );

    // A client that does not trust the certificate gets no answer.
    let other = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    assert!(
        https(
            &addr,
            other.cert.der(),
            &format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
        )
        .is_err(),
        "an untrusted certificate must fail the handshake"
    );

    // Plain HTTP on the TLS port: the handshake fails, no HTTP answer comes back.
    let mut plain = TcpStream::connect(&addr).unwrap();
    plain
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    plain
        .write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
    let mut reply = Vec::new();
    let _ = plain.read_to_end(&mut reply);
    assert!(
        !reply.starts_with(b"HTTP/"),
        "plain HTTP answered: {}",
        String::from_utf8_lossy(&reply)
    );
}

/// `serve` with these TLS files: its exit status and what it printed.
fn serve_with(data: &Path, cert: &str, key: &str) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mde-doctor"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(["--tls-cert", cert, "--tls-key", key])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_tls_files_are_named_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (_, cert, key) = certificate(dir.path());
    let missing = dir.path().join("missing.pem").display().to_string();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let garbage = garbage.display().to_string();
    let other_key = dir.path().join("other-key.pem");
    std::fs::write(
        &other_key,
        rcgen::KeyPair::generate().unwrap().serialize_pem(),
    )
    .unwrap();
    let other_key = other_key.display().to_string();

    for (what, cert, key, named, says) in [
        (
            "missing certificate",
            &missing,
            &key,
            &missing,
            "cannot be read",
        ),
        ("missing key", &cert, &missing, &missing, "cannot be read"),
        (
            "no certificate in the file",
            &garbage,
            &key,
            &garbage,
            "holds no certificate",
        ),
        (
            "no key in the file",
            &cert,
            &garbage,
            &garbage,
            "no usable private key",
        ),
        (
            "a certificate as the key",
            &cert,
            &cert,
            &cert,
            "no usable private key",
        ),
        (
            "the key of another certificate",
            &cert,
            &other_key,
            &other_key,
            "does not belong to the certificate",
        ),
    ] {
        let (status, stderr) = serve_with(&data, cert, key);
        assert_eq!(status, Some(2), "{what}: {stderr}");
        let role = if named == cert && named != key {
            "TLS certificate"
        } else {
            "TLS private key"
        };
        assert!(
            stderr.contains(named.as_str()) && stderr.contains(says) && stderr.contains(role),
            "{what}: {stderr}"
        );
        assert!(!stderr.contains("ready"), "{what}: {stderr}");
    }
}
