//! `mde-doctor fleet`: the fleet views offline, over the example bundles.

use crate::util::Test;

#[test]
fn json_over_every_example_bundle() {
    let run = Test::new()
        .args(["fleet", "../../examples/bundles", "--format", "json"])
        .run()
        .status(1);
    let v = run.json();
    let buckets = v["overview"]["buckets"].as_array().unwrap();
    let count = |key: &str| {
        buckets.iter().find(|b| b["key"] == key).unwrap()["count"]
            .as_i64()
            .unwrap()
    };
    // Every example bundle is one device; each healthy one succeeded, the failing ones are
    // failed or (OS out of scope, managed elsewhere) not applicable.
    let dirs: Vec<_> = std::fs::read_dir("../../examples/bundles")
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .collect();
    let healthy = dirs
        .iter()
        .filter(|d| {
            Test::new()
                .args(["analyze", "--format", "json", d.path().to_str().unwrap()])
                .run()
                .json()["verdict"]
                == "healthy"
        })
        .count() as i64;
    assert_eq!(v["overview"]["total"], dirs.len() as i64);
    assert_eq!(count("succeeded"), healthy, "{}", v["overview"]);
    assert_eq!(
        count("failed") + count("not-applicable"),
        dirs.len() as i64 - healthy,
        "{}",
        v["overview"]
    );
    // The two out-of-scope OS scenarios and ConfigMgr's are not applicable.
    assert!(count("not-applicable") >= 3, "{}", v["overview"]);
    // An old success recorded before offboarding is not a success.
    let devices = v["devices"].as_array().unwrap();
    let offboarded = devices.iter().find(|d| d["hostname"] == "PC-OFF").unwrap();
    assert_eq!(offboarded["bucket"], "failed", "{offboarded}");
    // The failing scenarios share the SCP tenant and the OS build of the generator.
    let clusters = v["clusters"].as_array().unwrap();
    assert!(
        clusters.iter().any(|c| c["dimension"] == "scp-tenant"),
        "{clusters:?}"
    );
    assert!(
        clusters
            .windows(2)
            .all(|w| w[0]["count"].as_i64() >= w[1]["count"].as_i64()),
        "biggest first"
    );
}

#[test]
fn csv_and_html() {
    let run = Test::new()
        .args([
            "fleet",
            "../../examples/bundles/healthy",
            "../../examples/bundles/dns-not-domain",
            "--format",
            "csv",
        ])
        .run()
        .status(1);
    let out = run.stdout();
    assert_eq!(out.lines().count(), 3);
    assert!(out.starts_with("key,hostname,domain,os,build,managed_by,status"));
    assert!(out.contains(",PC-0038,CONTOSO,"));

    let run = Test::new()
        .args([
            "fleet",
            "../../examples/bundles/healthy",
            "--format",
            "html",
        ])
        .run()
        .status(0);
    let html = run.stdout();
    assert!(html.contains("Onboarded via MDE security management"));
    assert!(!html.contains("<script"), "no script");
    assert!(
        !html.contains("http://") && !html.contains("src=\"https"),
        "nothing external is loaded"
    );
}

#[test]
fn unreadable_inputs_make_the_result_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.json"), "{ nope").unwrap();
    let broken = dir.path().join("broken.json").display().to_string();
    Test::new()
        .args([
            "fleet",
            "../../examples/bundles/healthy",
            &broken,
            "--format",
            "json",
        ])
        .run()
        .status(3)
        .stderr_contains("broken.json");
    Test::new()
        .args(["fleet", &broken])
        .run()
        .status(2)
        .stderr_contains("line 1");
}

/// The JSON lines of `analyze BUNDLE… --format json` are a fleet's input as well: the same
/// devices as from the bundles, and a bundle that could not be used is named.
#[test]
fn batch_json_lines_give_the_same_fleet_as_the_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let bundles = ["healthy", "tenant-mismatch", "clock-skew", "proxy-auth"]
        .map(|n| crate::util::repo_path(&format!("examples/bundles/{n}")));
    let mut args = vec!["analyze".to_string(), "--format".into(), "json".into()];
    args.extend(bundles.iter().cloned());
    let lines = Test::new().args(args).run().status(1).stdout();
    let jsonl = dir.path().join("fleet.jsonl");
    std::fs::write(&jsonl, &lines).unwrap();
    let devices = |args: Vec<String>, status: i32| {
        let v = Test::new().args(args).run().status(status).json();
        let mut rows: Vec<serde_json::Value> = v["devices"].as_array().unwrap().clone();
        for r in &mut rows {
            // A report carries what the bundle told beyond findings (`environment`: DNS
            // servers, proxy, OU), so it clusters as the bundle does.
            r["last_seen"] = serde_json::Value::Null;
        }
        (rows, v["problems"].clone())
    };
    let mut from_bundles = vec!["fleet".to_string(), "--format".into(), "json".into()];
    from_bundles.extend(bundles.iter().cloned());
    let (expected, _) = devices(from_bundles, 1);
    let (got, problems) = devices(
        vec![
            "fleet".into(),
            "--format".into(),
            "json".into(),
            jsonl.display().to_string(),
        ],
        1,
    );
    assert_eq!(got.len(), 4);
    assert_eq!(got, expected);
    assert!(
        got.iter().all(|d| d["facts"]["dns_servers"][0].is_string()),
        "{got:?}"
    );
    assert_eq!(problems, serde_json::json!([]));

    // An unusable bundle's line and a damaged line are problems naming their line.
    let mut text = lines.clone();
    text.push_str("{\"source\":\"PC-9.zip\",\"verdict\":\"unusable\",\"error\":\"not a zip\"}\n");
    text.push_str("{\"device\": \n");
    std::fs::write(&jsonl, text).unwrap();
    let run = Test::new()
        .args(["fleet", "--format", "json", &jsonl.display().to_string()])
        .run()
        .status(3);
    let problems = run.json()["problems"].to_string();
    assert!(
        problems.contains("line 6: PC-9.zip could not be used: not a zip"),
        "{problems}"
    );
    assert!(problems.contains("line 7:"), "{problems}");
}
