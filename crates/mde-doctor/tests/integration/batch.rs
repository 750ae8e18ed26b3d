//! `analyze` over several bundles: in parallel, written in the order given, each diagnosis
//! the same as alone, the exit status the worst of them.

use crate::util::{Test, repo_path};

fn bundle(name: &str) -> String {
    repo_path(&format!("examples/bundles/{name}"))
}

#[test]
fn json_lines_in_order_each_as_alone() {
    let names = [
        "tenant-mismatch",
        "healthy",
        "clock-skew",
        "scp-missing",
        "healthy",
    ];
    let mut args = vec!["analyze".to_string(), "--format".into(), "json".into()];
    args.extend(names.iter().map(|n| bundle(n)));
    let run = Test::new().args(args).run().status(1);
    let mut lines: Vec<serde_json::Value> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON document per line"))
        .collect();
    // A header line says what the records are; each record is the bundle's diagnosis as
    // `analyze` prints it alone, less the tag.
    let header = lines.remove(0);
    assert_eq!(
        header,
        serde_json::json!({"schema": "mde-doctor/analyze-batch/v1"})
    );
    assert_eq!(lines.len(), names.len());
    for (name, line) in names.iter().zip(&lines) {
        let mut alone = Test::new()
            .args(["analyze", "--format", "json", &bundle(name)])
            .run()
            .json();
        assert_eq!(alone["schema"], "mde-doctor/analyze/v1");
        alone.as_object_mut().unwrap().shift_remove("schema");
        assert_eq!(line, &alone, "{name}");
    }
    assert!(
        run.stderr()
            .contains("5 bundles: 2 healthy, 3 failing, 0 incomplete, 0 unusable"),
        "{}",
        run.stderr()
    );
}

#[test]
fn the_worst_status_wins_and_unusable_bundles_are_named() {
    Test::new()
        .args(["analyze", &bundle("healthy"), &bundle("healthy")])
        .run()
        .status(0)
        .stdout_contains("HEALTHY");
    let dir = tempfile::tempdir().unwrap();
    let only_dsregcmd = dir.path().join("incomplete");
    std::fs::create_dir(&only_dsregcmd).unwrap();
    std::fs::copy(
        repo_path("tests/data/dsregcmd/full_03_entra-joined-healthy.txt"),
        only_dsregcmd.join("dsregcmd.txt"),
    )
    .unwrap();
    Test::new()
        .args([
            "analyze",
            &bundle("healthy"),
            only_dsregcmd.to_str().unwrap(),
        ])
        .run()
        .status(3)
        .stdout_contains("INCOMPLETE");
    Test::new()
        .args([
            "analyze",
            &bundle("healthy"),
            only_dsregcmd.to_str().unwrap(),
            &bundle("connectivity"),
        ])
        .run()
        .status(1);
    let missing = dir.path().join("missing");
    let run = Test::new()
        .args([
            "analyze",
            "--format",
            "json",
            &bundle("connectivity"),
            missing.to_str().unwrap(),
        ])
        .run()
        .status(2);
    let last: serde_json::Value =
        serde_json::from_str(run.stdout().lines().last().unwrap()).unwrap();
    assert_eq!(last["verdict"], "unusable");
    assert!(last["source"].as_str().unwrap().ends_with("missing"));
}

#[test]
fn html_pages_go_to_a_folder() {
    Test::new()
        .args([
            "analyze",
            "--format",
            "html",
            &bundle("healthy"),
            &bundle("clock-skew"),
        ])
        .run()
        .status(2)
        .stderr_contains("needs --output FOLDER");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pages");
    Test::new()
        .args([
            "analyze",
            "--format",
            "html",
            "-o",
            out.to_str().unwrap(),
            &bundle("healthy"),
            &bundle("clock-skew"),
        ])
        .run()
        .status(1);
    let pages: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert_eq!(pages.len(), 2);
    for page in pages {
        let html = std::fs::read_to_string(page.unwrap().path()).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
    }
}
