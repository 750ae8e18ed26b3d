//! The console's API and storage, end to end over HTTP, on SQLite and on PostgreSQL: the same
//! suite runs against both.

mod support;

use std::io::Write;
use std::path::Path;

use mde_console::{Config, Db, Ingestor, Location, Outcome, prepare};
use mde_fleet::Filter;
use serde_json::Value;
use support::postgres::Postgres;

const PASSWORD: &str = "correct horse battery staple";

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundles")
}

/// `analyze --format json` of an example bundle, as the library writes it.
fn report_of(scenario: &str) -> Value {
    let report = mde_fleet::analyze_bundle(&examples().join(scenario)).expect("example bundle");
    let mut v = serde_json::to_value(&report).unwrap();
    v.as_object_mut().unwrap().remove("facts");
    v
}

/// The same scenario on another device.
fn on_device(mut v: Value, host: &str, id: &str) -> Vec<u8> {
    v["device"]["hostname"] = host.into();
    for d in v["details"].as_array_mut().unwrap() {
        if d["label"] == "Entra device ID (SenseCM)" {
            d["value"] = id.into();
        }
    }
    v["details"]
        .as_array_mut()
        .unwrap()
        .retain(|d| d["label"] != "Entra device ID (dsregcmd)");
    serde_json::to_vec(&v).unwrap()
}

fn zip_dir(dir: &Path) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                z.start_file(rel, opts).unwrap();
                z.write_all(&std::fs::read(&p).unwrap()).unwrap();
            }
        }
    }
    z.finish().unwrap();
    out.into_inner()
}

/// A multipart/form-data body with boundary `XX`; the field `file` is sent as a file.
fn multipart(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in parts {
        out.extend_from_slice(b"--XX\r\n");
        if *name == "file" {
            out.extend_from_slice(b"Content-Disposition: form-data; name=\"file\"; filename=\"r.json\"\r\nContent-Type: application/json\r\n\r\n");
        } else {
            out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        }
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--XX--\r\n");
    out
}

struct Running {
    base: String,
    setup_url: Option<String>,
    db: Db,
    rt: tokio::runtime::Runtime,
}

fn start(location: Location, rate: u32) -> Running {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut config = Config::new("127.0.0.1:0", location);
    config.rate_per_token = rate;
    config.max_upload = 8 * 1024 * 1024;
    let server = rt
        .block_on(mde_console::start(config))
        .expect("server starts");
    let base = format!("http://{}", server.addr);
    let setup_url = server.setup_url.clone();
    let db = server.db.clone();
    rt.spawn(server.wait());
    Running {
        base,
        setup_url,
        db,
        rt,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// (status, body, headers) of a request.
fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> (u16, String, Vec<(String, String)>) {
    let a = agent();
    let resp = match (method, body) {
        ("GET", _) => {
            let mut r = a.get(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        }
        (_, b) => {
            let mut r = a.post(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.send(b.unwrap_or(&[]))
        }
    }
    .expect("request");
    let status = resp.status().as_u16();
    let hdrs = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = resp
        .into_body()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap_or_default();
    (status, body, hdrs)
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    h.iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

fn upload(base: &str, token: &str, body: &[u8]) -> (u16, Value) {
    let auth = format!("Bearer {token}");
    let (s, b, _) = send(
        "POST",
        &format!("{base}/api/v1/reports"),
        &[("Authorization", &auth)],
        Some(body),
    );
    (s, serde_json::from_str(&b).unwrap_or(Value::Null))
}

/// Sets up the administrator and logs in; returns the session cookie and its CSRF token.
fn log_in(r: &Running) -> (String, String) {
    let setup = r.setup_url.clone().expect("a fresh console offers setup");
    let token = setup.split("token=").nth(1).unwrap();
    let form = format!(
        "token={token}&name=admin&password={}",
        PASSWORD.replace(' ', "+")
    );
    let (s, _, _) = send(
        "POST",
        &format!("{}/setup", r.base),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(form.as_bytes()),
    );
    assert_eq!(s, 303, "setup creates the administrator");
    // The setup link works once.
    let (s, _, _) = send("GET", &setup, &[], None);
    assert_eq!(s, 404);

    let (s, page, h) = send("GET", &format!("{}/login", r.base), &[], None);
    assert_eq!(s, 200);
    let login_cookie = header(&h, "set-cookie")[0]
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let form =
        |pw: &str, csrf: &str| format!("csrf={csrf}&name=admin&password={}", pw.replace(' ', "+"));
    let post = |body: String, cookie: &str| {
        send(
            "POST",
            &format!("{}/login", r.base),
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", cookie),
            ],
            Some(body.as_bytes()),
        )
    };
    // Login without the form's CSRF token is refused.
    assert_eq!(post(form(PASSWORD, "0000"), &login_cookie).0, 403);
    assert_eq!(post(form("wrong password!", &csrf), &login_cookie).0, 401);
    let (s, _, h) = post(form(PASSWORD, &csrf), &login_cookie);
    assert_eq!(s, 303);
    let set = header(&h, "set-cookie")[0].to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("Secure"),
        "{set}: Secure only behind TLS"
    );
    let session = set.split(';').next().unwrap().to_string();
    let (_, page, _) = send(
        "GET",
        &format!("{}/upload", r.base),
        &[("Cookie", &session)],
        None,
    );
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    (session, csrf)
}

fn suite(location: Location, name: &str) {
    let r = start(location.clone(), 1000);
    let base = r.base.clone();
    let (token_id, token) = r.rt.block_on(r.db.create_token("branch-offices")).unwrap();
    assert!(token.starts_with("mdt_"));

    // Authentication of uploads.
    let dns = report_of("dns-not-domain");
    let body = on_device(
        dns.clone(),
        "PC-0001",
        "aaaaaaaa-0000-4000-8000-000000000001",
    );
    let (s, _, _) = send("POST", &format!("{base}/api/v1/reports"), &[], Some(&body));
    assert_eq!(s, 401, "{name}: no token");
    assert_eq!(
        upload(&base, "mdt_0123456789abcdef_nope", &body).0,
        401,
        "{name}: bad token"
    );

    // Stored once, then idempotent.
    let (s, v) = upload(&base, &token, &body);
    assert_eq!(s, 201, "{name}: {v}");
    assert_eq!(v["result"], "stored");
    assert_eq!(v["device"], "aaaaaaaa-0000-4000-8000-000000000001");
    assert_eq!(v["status"], "failed");
    let (s, v) = upload(&base, &token, &body);
    assert_eq!(
        (s, v["result"].as_str()),
        (200, Some("duplicate")),
        "{name}"
    );

    // Bad and oversized input.
    let (s, v) = upload(&base, &token, b"{\"not\": \"a report\"}");
    assert_eq!(s, 422, "{name}: {v}");
    let (s, v) = upload(&base, &token, b"{ broken");
    assert_eq!(s, 422, "{name}");
    assert!(v["error"].as_str().unwrap().contains("line 1"), "{v}");
    let mut big = b"{\"device\": {}, \"pad\": \"".to_vec();
    big.resize(5 * 1024 * 1024, b'x');
    assert_eq!(
        upload(&base, &token, &big).0,
        413,
        "{name}: JSON over 4 MiB"
    );

    // A bundle zip is diagnosed by the server.
    let zip = zip_dir(&examples().join("tenant-mismatch"));
    let (s, v) = upload(&base, &token, &zip);
    assert_eq!(s, 201, "{name}: {v}");
    assert_eq!(v["status"], "failed");
    let bundle_device = v["device"].as_str().unwrap().to_string();

    // History: a later report of the same device (now healthy) replaces its state.
    let healthy = on_device(
        report_of("healthy"),
        "PC-0001",
        "aaaaaaaa-0000-4000-8000-000000000001",
    );
    assert_eq!(upload(&base, &token, &healthy).0, 201);

    // A fleet of failing devices that share a DNS server, for the clusters and pages.
    for i in 2..=121 {
        let b = on_device(
            dns.clone(),
            &format!("PC-{i:04}"),
            &format!("aaaaaaaa-0000-4000-8000-{i:012}"),
        );
        assert_eq!(upload(&base, &token, &b).0, 201);
    }

    // Inventory: devices without a report.
    let inv = br#"{"value":[{"computerDnsName":"pc-9999.contoso.com","aadDeviceId":"bbbbbbbb-0000-4000-8000-000000000001","osPlatform":"Windows11","osBuild":22631,"onboardingStatus":"Onboarded","managedBy":"Unknown"},{"computerDnsName":"pc-0002.contoso.com","aadDeviceId":"aaaaaaaa-0000-4000-8000-000000000002"}]}"#;
    let (s, b, _) = send(
        "POST",
        &format!("{base}/api/v1/inventory"),
        &[("Authorization", &format!("Bearer {token}"))],
        Some(inv),
    );
    assert_eq!(s, 200, "{name}: {b}");
    let v: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(
        (v["listed"].as_i64(), v["added"].as_i64()),
        (Some(2), Some(1)),
        "{name}: known devices are kept"
    );

    // Pages need a session; an ingest token cannot read.
    let (s, _, h) = send(
        "GET",
        &format!("{base}/devices"),
        &[("Authorization", &format!("Bearer {token}"))],
        None,
    );
    assert_eq!(s, 303);
    assert_eq!(header(&h, "location"), ["/login"]);
    let (s, _, _) = send(
        "GET",
        &format!("{base}/api/v1/devices"),
        &[("Authorization", &format!("Bearer {token}"))],
        None,
    );
    assert_eq!(s, 403, "{name}: ingest tokens cannot read");

    let (session, csrf) = log_in(&r);
    let get = |path: &str| {
        send(
            "GET",
            &format!("{base}{path}"),
            &[("Cookie", &session)],
            None,
        )
    };

    // Security headers on every page.
    let (s, page, h) = get("/");
    assert_eq!(s, 200);
    assert!(header(&h, "content-security-policy")[0].starts_with("default-src 'self'"));
    assert!(page.contains("Onboarded via MDE security management"));
    // 123 devices: 1 healthy, 121 failing (120 + the bundle), 1 without report.
    for (label, n) in [("Succeeded", 1), ("Failed", 121), ("No report", 1)] {
        assert!(
            page.contains(&format!("{label}</a> <b>{n}</b>")),
            "{name}: {label} {n}\n{page}"
        );
    }

    // Keyset pagination through the read API visits every device once, in order.
    let mut seen = Vec::new();
    let mut q = "limit=50&status=failed".to_string();
    loop {
        let (s, b, _) = get(&format!("/api/v1/devices?{q}"));
        assert_eq!(s, 200, "{b}");
        let v: Value = serde_json::from_str(&b).unwrap();
        for d in v["devices"].as_array().unwrap() {
            seen.push((
                d["hostname"].as_str().unwrap().to_lowercase(),
                d["key"].as_str().unwrap().to_string(),
            ));
        }
        match v["next"].as_object() {
            Some(n) => {
                q = format!(
                    "limit=50&status=failed&after={}&after_key={}",
                    n["after"].as_str().unwrap(),
                    n["after_key"].as_str().unwrap()
                )
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 121, "{name}");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "{name}: pages are ordered and disjoint");
    // Two devices share the name PC-0015 (the bundle's and one of the fleet): both are listed.
    assert_eq!(seen.iter().filter(|(h, _)| h == "pc-0015").count(), 2);

    // Filters and the CSV export of the current filter.
    let (_, page, _) = get("/devices?code=38&q=pc-01");
    assert!(
        page.contains("<b>22</b> devices match"),
        "{name}: PC-0100..PC-0121"
    );
    let (s, csv, h) = get("/devices.csv?status=no-report");
    assert_eq!(s, 200);
    assert!(header(&h, "content-type")[0].starts_with("text/csv"));
    assert_eq!(csv.lines().count(), 2, "{name}: header and one row\n{csv}");
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("bbbbbbbb-0000-4000-8000-000000000001,pc-9999,")
    );

    // Side panel: meaning from the catalog, history newest first, evidence.
    let (_, page, _) = get("/devices?open=aaaaaaaa-0000-4000-8000-000000000001");
    assert!(page.contains("<aside class=\"panel\""));
    assert_eq!(
        page.matches("<td>failing</td>").count() + page.matches("<td>healthy</td>").count(),
        2,
        "{name}: two reports in the history"
    );
    let (_, page, _) = get(&format!("/device/{bundle_device}"));
    let meaning = &mde_catalog::builtin().code(15).unwrap().meaning;
    let escaped = meaning
        .replace('&', "&#38;")
        .replace('\'', "&#39;")
        .replace('"', "&#34;");
    assert!(
        page.contains(&escaped) || page.contains(meaning.as_str()),
        "{name}: the catalog's meaning of 15"
    );

    // Fleet root causes: the shared DNS server is the biggest cluster.
    let (_, page, _) = get("/causes");
    let first = page
        .split("class=\"card cluster\"")
        .nth(1)
        .expect("a cluster");
    assert!(
        first.contains("<span class=\"count\">120</span>")
            || first.contains("<span class=\"count\">121</span>"),
        "{name}: {first}"
    );

    // Forms without their CSRF token are refused.
    let form = |body: &str| {
        send(
            "POST",
            &format!("{base}/logout"),
            &[
                ("Cookie", &session),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            Some(body.as_bytes()),
        )
    };
    assert_eq!(form("csrf=").0, 403, "{name}");
    let post_form = |parts: &[(&str, &[u8])]| {
        let body = multipart(parts);
        send(
            "POST",
            &format!("{base}/upload"),
            &[
                ("Cookie", &session),
                ("Content-Type", "multipart/form-data; boundary=XX"),
            ],
            Some(&body),
        )
    };
    let report = on_device(
        report_of("clock-skew"),
        "PC-7777",
        "cccccccc-0000-4000-8000-000000000001",
    );
    let (s, _, _) = post_form(&[("kind", b"report"), ("file", &report)]);
    assert_eq!(s, 403, "{name}: upload form without CSRF");
    let (s, page, _) = post_form(&[
        ("csrf", csrf.as_bytes()),
        ("kind", b"report"),
        ("file", &report),
    ]);
    assert_eq!(s, 200, "{name}: {page}");
    assert!(
        page.contains("cccccccc-0000-4000-8000-000000000001"),
        "{name}: the upload page names the device"
    );
    assert_eq!(
        form(&format!("csrf={csrf}")).0,
        303,
        "{name}: logout with the token"
    );
    assert_eq!(get("/").0, 303, "{name}: the session is gone");

    // Revoked tokens are refused.
    r.rt.block_on(r.db.revoke_token(&token_id)).unwrap();
    assert_eq!(upload(&base, &token, &healthy).0, 401, "{name}: revoked");
    drop(r);

    // Rate limit per token: 429 with Retry-After.
    let r = start(location, 2);
    let (_, token) = r.rt.block_on(r.db.create_token("fast")).unwrap();
    let statuses: Vec<u16> = (0..4)
        .map(|i| {
            upload(
                &r.base,
                &token,
                &on_device(
                    dns.clone(),
                    &format!("R{i}"),
                    &format!("dddddddd-0000-4000-8000-{i:012}"),
                ),
            )
            .0
        })
        .collect();
    assert!(statuses.contains(&429), "{name}: {statuses:?}");
}

/// What the single writer does with reports that reach it together (one transaction, a few
/// multi-row statements): the same result as one by one. The reports are queued in one go,
/// so they usually share a batch; either way the outcome must be the same.
fn batch_suite(location: Location, name: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = Db::open(&location).await.expect("database");
        let ingestor = Ingestor::start(db.clone());
        let (live, _) = db.create_token("live").await.unwrap();
        let (gone, _) = db.create_token("gone").await.unwrap();
        db.revoke_token(&gone).await.unwrap();
        let failing = report_of("dns-not-domain");
        let healthy = report_of("healthy");
        let id = "eeeeeeee-0000-4000-8000-000000000001";
        let make = |v: &Value, host: &str, id: &str, at: i64, token: Option<&str>| {
            let mut i = prepare(&on_device(v.clone(), host, id), "batch", at).unwrap();
            i.token = token.map(str::to_string);
            i
        };
        // One device, three reports out of order: the newest (healthy) must win.
        let newest = make(&healthy, "PC-B1", id, 3_000, Some(&live));
        let older = make(&failing, "PC-B1", id, 1_000, None);
        let copy = make(&failing, "PC-B1", id, 1_000, None);
        let middle = {
            let mut v = failing.clone();
            v["source"] = "another run".into();
            make(&v, "PC-B1", id, 2_000, None)
        };
        let other = make(
            &failing,
            "PC-B2",
            "eeeeeeee-0000-4000-8000-000000000002",
            2_000,
            None,
        );
        let refused = make(
            &failing,
            "PC-B3",
            "eeeeeeee-0000-4000-8000-000000000003",
            2_000,
            Some(&gone),
        );
        let (a, b, c, d, e, f) = tokio::join!(
            ingestor.submit(older),
            ingestor.submit(newest),
            ingestor.submit(copy),
            ingestor.submit(middle),
            ingestor.submit(other),
            ingestor.submit(refused),
        );
        assert_eq!(
            [a, b, c, d, e, f].map(Result::unwrap),
            [
                Outcome::Stored,
                Outcome::Stored,
                Outcome::Duplicate,
                Outcome::Stored,
                Outcome::Stored,
                Outcome::Revoked
            ],
            "{name}"
        );
        let (device, _, history) = db.device(id).await.unwrap().expect("stored");
        assert_eq!(
            device.bucket, "succeeded",
            "{name}: the newest report describes it"
        );
        assert_eq!(device.last_seen, 3_000, "{name}");
        assert_eq!(
            history.iter().map(|h| h.received).collect::<Vec<_>>(),
            [3_000, 2_000, 1_000],
            "{name}: every report is history"
        );
        assert!(
            db.device("eeeeeeee-0000-4000-8000-000000000003")
                .await
                .unwrap()
                .is_none()
        );

        // The counters say what the devices table says.
        let (overview, trend) = db.overview().await.unwrap();
        let all = Filter::default();
        let failed = Filter {
            status: "failed".into(),
            ..Filter::default()
        };
        assert_eq!(overview.total, 2, "{name}");
        assert_eq!(
            overview.total,
            db.count_devices(&all, None, 0).await.unwrap()
        );
        let bucket = |k: &str| {
            overview
                .buckets
                .iter()
                .find(|b| b.key == k)
                .map_or(0, |b| b.count)
        };
        assert_eq!(
            bucket("failed"),
            db.count_devices(&failed, None, 0).await.unwrap(),
            "{name}"
        );
        assert_eq!((bucket("failed"), bucket("succeeded")), (1, 1), "{name}");
        assert_eq!(
            trend.iter().map(|d| d.reports).sum::<i64>(),
            4,
            "{name}: four reports stored"
        );

        // An inventory listing a known device and a new one (twice) adds one device.
        let added = ingestor
            .inventory(
                mde_console::read_inventory(b"Device Name,Domain\nPC-B9,CONTOSO\nPC-B9,CONTOSO\n")
                    .unwrap(),
                "batch",
            )
            .await
            .unwrap();
        assert_eq!(added, 1, "{name}");
        assert_eq!(db.overview().await.unwrap().0.total, 3, "{name}");
    });
}

#[test]
fn batched_writes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    batch_suite(Location::DataDir(dir.path().to_path_buf()), "sqlite");
}

#[test]
fn batched_writes_on_postgres() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.database("console_batch");
    batch_suite(Location::Url(url), "postgres");
}

#[test]
fn api_and_storage_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    suite(Location::DataDir(dir.path().to_path_buf()), "sqlite");
}

#[test]
fn api_and_storage_on_postgres() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.database("console_api");
    suite(Location::Url(url), "postgres");
}
