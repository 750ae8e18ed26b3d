//! `kill -9` of the server during a burst of uploads loses no acknowledged report.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::server::{Serve, create_token, open_db};
use crate::util::Test;

/// The SenseCM device id of the dns-not-domain example.
const DEVICE_ID: &str = "4d9b2c1e-8f7a-4b6c-9d5e-3a2b1c0d9e8f";

#[test]
fn kill_9_during_a_burst_loses_nothing_acknowledged() {
    let data = tempfile::tempdir().unwrap();
    let token = create_token(data.path(), "burst");
    let mut serve = Serve::start(data.path(), &["--rate-limit", "100000"]);
    let report = Test::new()
        .args([
            "analyze",
            "../../examples/bundles/dns-not-domain",
            "--format",
            "json",
        ])
        .run()
        .stdout();
    assert!(report.contains("\"PC-0038\"") && report.contains(DEVICE_ID));

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop_at = Instant::now() + Duration::from_secs(30);
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (base, token, report, acked) = (
                serve.base.clone(),
                token.clone(),
                report.clone(),
                acknowledged.clone(),
            );
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .into();
                for i in 0.. {
                    if Instant::now() > stop_at {
                        break;
                    }
                    // Another device each time: its own name and Entra device id.
                    let body = report
                        .replace("\"PC-0038\"", &format!("\"W{w}-{i:06}\""))
                        .replace(DEVICE_ID, &format!("{w:08x}-0000-4000-8000-{i:012}"));
                    let sent = agent
                        .post(format!("{base}/api/v1/reports"))
                        .header("Authorization", format!("Bearer {token}"))
                        .send(body.as_bytes());
                    match sent {
                        Ok(r) if r.status() == 201 => {
                            let v: serde_json::Value =
                                serde_json::from_str(&r.into_body().read_to_string().unwrap())
                                    .unwrap();
                            acked
                                .lock()
                                .unwrap()
                                .push(v["report"].as_str().unwrap().to_string());
                        }
                        Ok(r) => panic!("unexpected status {}", r.status()),
                        // The server is gone: the burst is over.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    // Kill once a good number of reports were acknowledged, in the middle of the burst.
    while acknowledged.lock().unwrap().len() < 300 {
        assert!(Instant::now() < stop_at, "the burst was too slow");
        std::thread::sleep(Duration::from_millis(20));
    }
    serve.kill_9();
    for w in writers {
        w.join().unwrap();
    }
    let acked = acknowledged.lock().unwrap().clone();

    // The server comes back on the same data, and every acknowledged report is there.
    let serve = Serve::start(data.path(), &[]);
    let (rt, db) = open_db(data.path());
    let missing: Vec<&String> = acked
        .iter()
        .filter(|h| rt.block_on(db.report_body(h)).unwrap().is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged reports lost",
        missing.len(),
        acked.len()
    );
    let (overview, _) = rt.block_on(db.overview()).unwrap();
    assert!(
        overview.total >= acked.len() as i64,
        "the counters follow the devices"
    );
    drop(serve);
}
