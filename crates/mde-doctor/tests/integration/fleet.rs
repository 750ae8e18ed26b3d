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
    // 14 scenarios: healthy succeeds; configmgr is managed elsewhere and the two out-of-scope
    // OS scenarios are not applicable; not-onboarded has no code and fails.
    assert_eq!(v["overview"]["total"], 14);
    assert_eq!(count("succeeded"), 1);
    assert_eq!(count("not-applicable"), 3, "{}", v["overview"]);
    assert_eq!(count("failed"), 10);
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
