//! `mde-doctor probe` against loopback servers that fail in one way each: every fault is
//! recorded as its own result, and nothing waits past its timeout.

use std::time::{Duration, Instant};

use crate::fault_servers::{self as servers, Answer, CA_NAME, TestCa};
use crate::util::Test;

/// Each step may take this long; a run must end well within the sum.
const STEP: &str = "1.5";

struct Lab {
    dir: tempfile::TempDir,
    ca: TestCa,
}

impl Lab {
    fn new() -> Lab {
        let dir = tempfile::tempdir().expect("temp dir");
        let ca = TestCa::new();
        std::fs::write(dir.path().join("ca.pem"), &ca.pem).expect("write CA");
        Lab { dir, ca }
    }

    fn ca_path(&self) -> String {
        self.dir.path().join("ca.pem").display().to_string()
    }
}

/// Runs probe with JSON output, asking the test DNS server on port `dns` (and no SNTP
/// server unless `args` names one); returns the document and how long it took.
fn probe(dns: u16, args: &[&str], expected_status: i32) -> (serde_json::Value, Duration) {
    let started = Instant::now();
    let mut all = vec!["probe".to_string(), "--format".into(), "json".into()];
    all.extend(["--step-timeout".into(), STEP.into()]);
    all.extend(["--dns".into(), format!("127.0.0.1:{dns}")]);
    if !args.contains(&"--ntp") {
        all.extend(["--ntp".into(), "none".into()]);
    }
    all.extend(args.iter().map(|a| a.to_string()));
    let run = Test::new().args(all).run().status(expected_status);
    let elapsed = started.elapsed();
    // Every probe document is typed and tagged, whatever failed.
    crate::schema::validate("mde-doctor/probe/v1", &run.stdout());
    let doc = run.json();
    assert_eq!(doc["schema"], "mde-doctor/probe/v1");
    (doc, elapsed)
}

fn endpoint<'a>(doc: &'a serde_json::Value, url: &str) -> &'a serde_json::Value {
    doc["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .find(|e| e["url"] == url)
        .unwrap_or_else(|| panic!("no endpoint {url} in {doc:#}"))
}

/// Every path of a JSON value with the type found there (`/endpoints/[]/dns: string`), one
/// per line, sorted: what a consumer relies on, without the values.
fn shape(v: &serde_json::Value) -> String {
    fn walk(path: String, v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
        let kind = match v {
            serde_json::Value::Null => "null",
            serde_json::Value::Bool(_) => "boolean",
            serde_json::Value::Number(_) => "number",
            serde_json::Value::String(_) => "string",
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(format!("{path}/[]"), item, out);
                }
                "array"
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    walk(format!("{path}/{k}"), item, out);
                }
                "object"
            }
        };
        out.insert(format!(
            "{}: {kind}",
            if path.is_empty() { "/" } else { &path }
        ));
    }
    let mut out = std::collections::BTreeSet::new();
    walk(String::new(), v, &mut out);
    out.into_iter().collect::<Vec<_>>().join("\n") + "\n"
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn dns_answer_nxdomain_and_silence_are_told_apart() {
    let lab = Lab::new();
    let https = servers::https(&lab.ca, &["ok.test"], 0);
    let dns = servers::dns(vec![
        ("nx.test", Answer::Nxdomain),
        ("quiet.test", Answer::Silent),
    ]);
    let ok = format!("https://ok.test:{https}");
    let nx = format!("https://nx.test:{https}");
    let quiet = format!("https://quiet.test:{https}");
    let (doc, took) = probe(
        dns,
        &[
            "--ca",
            &lab.ca_path(),
            "--endpoint",
            &ok,
            "--endpoint",
            &nx,
            "--endpoint",
            &quiet,
        ],
        1,
    );
    let e = endpoint(&doc, &ok);
    assert_eq!(
        (e["dns"].as_str(), e["tcp"].as_str(), e["tls"].as_str()),
        (Some("ok"), Some("ok"), Some("ok")),
        "{e:#}"
    );
    assert_eq!(e["http_status"], 200);
    assert!(
        e["issuer"].as_str().unwrap_or_default().contains(CA_NAME),
        "{e:#}"
    );
    assert_eq!(e["tls_inspection"], false);

    let e = endpoint(&doc, &nx);
    assert_eq!(e["dns"], "failed");
    assert_eq!(e["tcp"], "skipped");
    assert!(e["error"].as_str().unwrap().contains("NXDOMAIN"), "{e:#}");

    let e = endpoint(&doc, &quiet);
    assert_eq!(e["dns"], "failed");
    assert!(e["error"].as_str().unwrap().contains("timed out"), "{e:#}");

    // The lookups are recorded for analyze, with the server asked.
    let lookups = doc["dns"]["lookups"].as_array().expect("lookups");
    assert!(
        lookups.iter().any(|l| l["name"] == "nx.test"
            && l["error"].as_str().is_some_and(|e| e.contains("NXDOMAIN")))
    );
    assert_eq!(doc["dns"]["servers"][0], "127.0.0.1");
    assert_eq!(doc["schema"], "mde-doctor/probe/v1");
    // The document's shape (every field and its type; values change from run to run:
    // ports, times, certificates).
    // (The DNS suffixes are this machine's own: an empty list here, names elsewhere.)
    let mut doc = doc;
    doc["dns"]["suffixes"] = serde_json::json!([]);
    insta::assert_snapshot!("probe-shape", shape(&doc));
    // Steps ran in parallel: the silent server's timeout, not the sum of everything.
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn a_chain_from_an_unknown_root_is_flagged_as_tls_inspection() {
    let lab = Lab::new();
    let https = servers::https(&lab.ca, &["ok.test"], 0);
    let dns = servers::dns(vec![]);
    let url = format!("https://ok.test:{https}");
    // No --ca: the tests' CA is what an inspecting proxy's would be, not a public root.
    let (doc, _) = probe(dns, &["--endpoint", &url], 1);
    let e = endpoint(&doc, &url);
    assert_eq!(
        (e["tcp"].as_str(), e["tls"].as_str()),
        (Some("ok"), Some("failed")),
        "{e:#}"
    );
    assert_eq!(e["tls_inspection"], true);
    assert!(e["issuer"].as_str().unwrap().contains(CA_NAME));
    assert!(
        e["error"].as_str().unwrap().contains("public root"),
        "{e:#}"
    );
}

#[test]
fn a_proxy_answering_407_is_a_proxy_authentication_failure() {
    let proxy = servers::proxy_407();
    let dns = servers::dns(vec![]);
    let url = "https://enrollment.dm.microsoft.com";
    let (doc, _) = probe(
        dns,
        &[
            "--proxy",
            &format!("http://127.0.0.1:{proxy}"),
            "--endpoint",
            url,
        ],
        1,
    );
    let e = endpoint(&doc, url);
    assert_eq!(
        e["dns"], "skipped",
        "the proxy resolves names, not the device"
    );
    assert_eq!(e["tcp"], "ok");
    assert_eq!(e["proxy"], "failed");
    assert_eq!(e["tls"], "skipped");
    assert_eq!(e["http_status"], 407);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("proxy authentication required"),
        "{e:#}"
    );
    assert_eq!(doc["proxy"]["used"], format!("http://127.0.0.1:{proxy}"));
    assert_eq!(doc["proxy"]["source"], "explicit");
}

#[test]
fn a_reset_connection_is_recorded_at_its_stage() {
    let reset = servers::resetting();
    let dns = servers::dns(vec![]);
    let url = format!("https://reset.test:{reset}");
    let (doc, _) = probe(dns, &["--endpoint", &url], 1);
    let e = endpoint(&doc, &url);
    assert_eq!(
        (e["tcp"].as_str(), e["tls"].as_str()),
        (Some("ok"), Some("failed")),
        "{e:#}"
    );
    let error = e["error"].as_str().unwrap();
    assert!(error.contains("reset") || error.contains("closed"), "{e:#}");
}

#[test]
fn clock_skew_from_http_date_and_sntp() {
    let lab = Lab::new();
    // The server's clock is two hours behind: the local clock is 7200 s ahead of it.
    let https = servers::https(&lab.ca, &["skew.test"], -7200);
    let dns = servers::dns(vec![]);
    let sntp = servers::sntp(-600.0);
    let url = format!("https://skew.test:{https}");
    let ca = lab.ca_path();

    let (doc, _) = probe(dns, &["--ca", &ca, "--endpoint", &url], 1);
    let skew = doc["clock"]["skew_seconds"].as_f64().expect("skew");
    assert!((skew - 7200.0).abs() < 5.0, "{doc:#}");
    assert!(
        doc["clock"]["reference"]
            .as_str()
            .unwrap()
            .contains("skew.test")
    );

    // With SNTP, its sub-second answer is the one the verdict uses; both are recorded.
    let ntp = format!("127.0.0.1:{sntp}");
    let (doc, _) = probe(dns, &["--ca", &ca, "--ntp", &ntp, "--endpoint", &url], 1);
    let skew = doc["clock"]["skew_seconds"].as_f64().expect("skew");
    assert!((skew - 600.0).abs() < 2.0, "{doc:#}");
    let sources = doc["clock"]["sources"].as_array().expect("sources");
    assert_eq!(sources.len(), 2, "{doc:#}");
}

#[test]
fn an_sntp_server_that_does_not_answer_is_cut_off() {
    let dns = servers::dns(vec![]);
    // A bound socket that never answers.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().unwrap().port();
    let started = Instant::now();
    let (doc, _) = probe(
        dns,
        &[
            "--ntp",
            &format!("127.0.0.1:{port}"),
            "--endpoint",
            "https://x.test:1",
        ],
        1,
    );
    assert!(started.elapsed() < Duration::from_secs(6));
    let source = &doc["clock"]["sources"][0];
    assert!(
        source["error"].as_str().unwrap().contains("did not answer"),
        "{doc:#}"
    );
    assert!(doc["clock"]["skew_seconds"].is_null());
}

#[test]
fn domain_controllers_are_found_and_answer_ldap() {
    let ldap = servers::ldap("dc1.lab.test");
    let dns = servers::dns(vec![
        (
            "_ldap._tcp.dc._msdcs.lab.test",
            Answer::Srv("dc1.lab.test", ldap),
        ),
        ("dc1.lab.test", Answer::A("127.0.0.1")),
        ("_ldap._tcp.dc._msdcs.nodc.test", Answer::Nxdomain),
    ]);
    let (doc, _) = probe(
        dns,
        &["--domain", "lab.test", "--endpoint", "https://x.test:1"],
        1,
    );
    let d = &doc["domain"];
    assert_eq!(d["name"], "lab.test");
    assert_eq!(d["domain_controllers"], serde_json::json!(["127.0.0.1"]));
    assert_eq!(d["ldap"][0]["status"], "ok", "{d:#}");
    assert_eq!(d["ldap"][0]["root_dse"]["dnsHostName"], "dc1.lab.test");
    assert!(d["error"].is_null());

    let (doc, _) = probe(
        dns,
        &["--domain", "nodc.test", "--endpoint", "https://x.test:1"],
        1,
    );
    assert!(
        doc["domain"]["error"]
            .as_str()
            .unwrap()
            .contains("NXDOMAIN"),
        "{doc:#}"
    );
    assert_eq!(doc["domain"]["domain_controllers"], serde_json::json!([]));
}

#[test]
fn an_ldap_port_that_refuses_is_a_failed_line_of_sight() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dns = servers::dns(vec![(
        "_ldap._tcp.dc._msdcs.lab.test",
        Answer::Srv("dc1.lab.test", closed),
    )]);
    let (doc, _) = probe(
        dns,
        &["--domain", "lab.test", "--endpoint", "https://x.test:1"],
        1,
    );
    let l = &doc["domain"]["ldap"][0];
    assert_eq!(l["status"], "failed");
    assert!(l["error"].as_str().unwrap().contains("refused"), "{l:#}");
}

#[test]
fn analyze_reads_what_probe_writes() {
    let proxy = servers::proxy_407();
    let dns = servers::dns(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    crate::collect::copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundles/healthy"),
        &bundle,
    );
    let out = bundle.join("probes.json");
    Test::new()
        .args(strings(&[
            "probe",
            "--step-timeout",
            STEP,
            "--dns",
            &format!("127.0.0.1:{dns}"),
            "--proxy",
            &format!("http://127.0.0.1:{proxy}"),
            "--ntp",
            "none",
            "--endpoint",
            "https://enrollment.dm.microsoft.com",
            "--output",
            &out.display().to_string(),
        ]))
        .run()
        .status(1)
        .stdout_contains("proxy authentication required");
    let run = Test::new()
        .args(["analyze", &bundle.display().to_string(), "--format", "json"])
        .run()
        .status(1);
    let report = run.json();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "net.endpoint-unreachable")
        .unwrap_or_else(|| panic!("no unreachable finding: {report:#}"));
    assert_eq!(finding["code"], 13);
    assert_eq!(finding["evidence"][0]["artifact"], "probes.json");
}

#[test]
fn bad_arguments_are_refused() {
    Test::new()
        .args(["probe", "--dns", "not-an-ip"])
        .run()
        .status(2)
        .stderr_contains("--dns");
    Test::new()
        .args(["probe", "--proxy", "socks5://x:1"])
        .run()
        .status(2)
        .stderr_contains("http://");
    Test::new()
        .args(["probe", "--step-timeout", "0"])
        .run()
        .status(2);
    Test::new()
        .args(["probe", "--ca", "/nonexistent.pem"])
        .run()
        .status(2)
        .stderr_contains("--ca");
}

#[test]
fn a_server_that_never_answers_the_handshake_is_cut_off_at_the_step_timeout() {
    let silent = servers::silent_tcp();
    let dns = servers::dns(vec![]);
    let url = format!("https://mute.test:{silent}");
    let (doc, took) = probe(dns, &["--endpoint", &url], 1);
    let e = endpoint(&doc, &url);
    assert_eq!(e["tcp"], "ok");
    assert_eq!(e["tls"], "failed");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("timed out after 1.5 s"),
        "{e:#}"
    );
    assert!(took < Duration::from_secs(6), "took {took:?}");
}

#[test]
fn the_proxy_comes_from_the_environment_when_not_given() {
    let proxy = servers::proxy_407();
    let dns = servers::dns(vec![]);
    let url = "https://checkin.dm.microsoft.com";
    let run = Test::new()
        .args([
            "probe",
            "--format",
            "json",
            "--step-timeout",
            STEP,
            "--ntp",
            "none",
        ])
        .args(["--dns", &format!("127.0.0.1:{dns}"), "--endpoint", url])
        .env("HTTPS_PROXY", &format!("http://127.0.0.1:{proxy}"))
        .run()
        .status(1);
    let doc = run.json();
    assert_eq!(doc["proxy"]["source"], "environment");
    assert_eq!(endpoint(&doc, url)["http_status"], 407);
}
