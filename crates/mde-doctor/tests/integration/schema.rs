//! The JSON contract: every command's `--format json` output carries its schema tag first,
//! `docs/schema/` holds the JSON Schema the types give today, and a snapshot per command
//! shows any change to what is printed.

use crate::util::{Test, repo_path};

/// Output with the checkout's absolute path replaced, so snapshots hold on every machine.
fn portable(text: &str) -> String {
    let root = repo_path("");
    let root = root.trim_end_matches('/');
    text.replace(root, "<repo>")
}

fn tags() -> Vec<String> {
    Test::new()
        .args(["schema", "--list"])
        .run()
        .status(0)
        .stdout()
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect()
}

/// The document's first key is `schema`, and its tag is one `mde-doctor schema` knows.
fn assert_tagged(text: &str, tag: &str) {
    let v: serde_json::Value = serde_json::from_str(text).expect("one JSON document");
    let first = v.as_object().and_then(|m| m.keys().next().cloned());
    assert_eq!(first.as_deref(), Some("schema"), "{text:.300}");
    assert_eq!(v["schema"], tag);
    assert!(
        tags().iter().any(|t| t == tag),
        "{tag} not in `schema --list`"
    );
}

fn json_of(args: &[&str], status: i32) -> String {
    let out = Test::new().args(args.iter().copied()).run().status(status);
    portable(&out.stdout())
}

#[test]
fn docs_schema_is_what_the_types_say() {
    let dir = tempfile::tempdir().unwrap();
    Test::new()
        .args(["schema", "--write", &dir.path().display().to_string()])
        .run()
        .status(0);
    let docs = std::path::PathBuf::from(repo_path("docs/schema"));
    let mut generated: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    generated.sort();
    let mut kept: Vec<String> = std::fs::read_dir(&docs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    kept.sort();
    let hint = "run `cargo run -- schema --write docs/schema` and review the diff";
    assert_eq!(generated, kept, "docs/schema lists other outputs: {hint}");
    for name in &generated {
        let now = std::fs::read_to_string(dir.path().join(name)).unwrap();
        let before = std::fs::read_to_string(docs.join(name)).unwrap();
        assert!(now == before, "docs/schema/{name} is out of date: {hint}");
    }
}

#[test]
fn every_tag_is_versioned_and_named_after_its_command() {
    let tags = tags();
    assert!(tags.len() >= 6, "{tags:?}");
    for tag in &tags {
        let parts: Vec<&str> = tag.split('/').collect();
        assert_eq!(parts.len(), 3, "{tag}");
        assert_eq!(parts[0], "mde-doctor");
        assert!(
            parts[2].starts_with('v') && parts[2][1..].parse::<u32>().is_ok(),
            "{tag}"
        );
        let command = parts[1].split('-').next().unwrap();
        Test::new().args([command, "--help"]).run().status(0);
    }
    Test::new()
        .args(["schema", "weather"])
        .run()
        .status(2)
        .stderr_contains("no command output is called");
}

#[test]
fn analyze_json() {
    let text = json_of(
        &[
            "analyze",
            "--format",
            "json",
            &repo_path("examples/bundles/tenant-mismatch"),
        ],
        1,
    );
    assert_tagged(&text, "mde-doctor/analyze/v1");
    insta::assert_snapshot!("analyze", text);
}

#[test]
fn analyze_batch_json_lines() {
    let text = json_of(
        &[
            "analyze",
            "--format",
            "json",
            &repo_path("examples/bundles/healthy"),
            &repo_path("examples/bundles/clock-skew"),
            &repo_path("README.md"),
        ],
        2,
    );
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(r#"{"schema":"mde-doctor/analyze-batch/v1"}"#)
    );
    assert_eq!(lines.count(), 3);
    insta::assert_snapshot!("analyze-batch", text);
}

#[test]
fn fleet_json() {
    let text = json_of(
        &[
            "fleet",
            "--format",
            "json",
            &repo_path("examples/bundles/healthy"),
            &repo_path("examples/bundles/tenant-mismatch"),
            &repo_path("examples/bundles/clock-skew"),
        ],
        1,
    );
    assert_tagged(&text, "mde-doctor/fleet/v1");
    // When a bundle does not say when it was collected, a device is last seen when it is
    // read: the one value that changes from run to run.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for device in v["devices"].as_array_mut().unwrap() {
        device["last_seen"] = serde_json::json!("<time>");
    }
    insta::assert_snapshot!("fleet", serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn explain_json() {
    let code = json_of(&["explain", "15", "--format", "json"], 0);
    assert_tagged(&code, "mde-doctor/explain/v1");
    insta::assert_snapshot!("explain-code", code);
    let hresult = json_of(&["explain", "0x801c03f2", "--format", "json"], 0);
    assert_tagged(&hresult, "mde-doctor/explain/v1");
    insta::assert_snapshot!("explain-hresult", hresult);
}

#[test]
fn codes_json() {
    let text = json_of(&["codes", "--category", "dns", "--format", "json"], 0);
    assert_tagged(&text, "mde-doctor/codes/v1");
    insta::assert_snapshot!("codes-dns", text);
    let all = json_of(&["codes", "--hresults", "--format", "json"], 0);
    assert_tagged(&all, "mde-doctor/codes/v1");
}

/// Validates `text` (a document, or JSON lines after their header) against the schema of
/// `tag` with Python's `jsonschema` (Draft 2020-12), an implementation independent of the
/// `schemars` that wrote the schema: the schema must describe what is printed.
pub(crate) fn validate(tag: &str, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let schema = Test::new().args(["schema", tag]).run().status(0).stdout();
    let schema_path = dir.path().join("schema.json");
    let text_path = dir.path().join("output.json");
    std::fs::write(&schema_path, schema).unwrap();
    std::fs::write(&text_path, text).unwrap();
    let script = r#"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
v = jsonschema.Draft202012Validator(schema)
if schema.get("x-mde-doctor-shape") == "record":
    lines = text.splitlines()
    assert json.loads(lines[0]) == {"schema": schema["$id"].rsplit("/", 1)[1][:-5].replace(".", "/")}, lines[0]
    docs = [json.loads(l) for l in lines[1:]]
else:
    docs = [json.loads(text)]
bad = [e for d in docs for e in v.iter_errors(d)]
for e in bad[:5]:
    print("/" + "/".join(map(str, e.absolute_path)), e.message[:300])
sys.exit(1 if bad else 0)
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&schema_path)
        .arg(&text_path)
        .output()
        .expect("python3 with the jsonschema module (.ci/run installs it)");
    assert!(
        out.status.success(),
        "{tag}: the output does not match its schema:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn outputs_match_their_schema() {
    let cases: Vec<(&str, Vec<String>, i32)> = vec![
        (
            "mde-doctor/analyze/v1",
            vec![
                "analyze".into(),
                "--format".into(),
                "json".into(),
                repo_path("examples/bundles/tenant-mismatch"),
            ],
            1,
        ),
        (
            "mde-doctor/analyze-batch/v1",
            vec![
                "analyze".into(),
                "--format".into(),
                "json".into(),
                repo_path("examples/bundles/healthy"),
                repo_path("examples/bundles/clock-skew"),
                repo_path("README.md"),
            ],
            2,
        ),
        (
            "mde-doctor/fleet/v1",
            vec![
                "fleet".into(),
                "--format".into(),
                "json".into(),
                repo_path("examples/bundles"),
            ],
            1,
        ),
        (
            "mde-doctor/events/v1",
            vec![
                "events".into(),
                "--all".into(),
                "--format".into(),
                "json".into(),
                repo_path("examples/events/security.evtx"),
                repo_path("examples/events/Microsoft-Windows-HelloForBusiness%4Operational.evtx"),
                repo_path("examples/events/sample_with_a_bad_chunk_magic.evtx"),
            ],
            0,
        ),
        (
            "mde-doctor/explain/v1",
            vec![
                "explain".into(),
                "0x801c03f2".into(),
                "--format".into(),
                "json".into(),
            ],
            0,
        ),
        (
            "mde-doctor/syncrule-eval/v1",
            vec![
                "syncrule".into(),
                "eval".into(),
                "--preset".into(),
                "server2012r2-computer-join".into(),
                "--objects".into(),
                repo_path("examples/objects/computers.ldif"),
            ],
            0,
        ),
        (
            "mde-doctor/syncrule-simulate/v1",
            vec![
                "syncrule".into(),
                "simulate".into(),
                "--config".into(),
                repo_path("examples/aadconnect-export"),
                "--objects".into(),
                repo_path("examples/objects/computers.ldif"),
                "--preset".into(),
                "server2012r2-computer-join".into(),
                "--diff".into(),
            ],
            0,
        ),
        (
            "mde-doctor/codes/v1",
            vec!["codes".into(), "--format".into(), "json".into()],
            0,
        ),
    ];
    for (tag, args, status) in cases {
        let text = Test::new().args(args).run().status(status).stdout();
        validate(tag, &text);
    }
    // Every example bundle's diagnosis, as each exercises other parts of the model.
    for entry in std::fs::read_dir(repo_path("examples/bundles")).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        let out = Test::new()
            .args(["analyze", "--format", "json", &path.display().to_string()])
            .run();
        validate("mde-doctor/analyze/v1", &out.stdout());
    }
}

#[test]
fn inspect_json() {
    let text = json_of(
        &[
            "inspect",
            "--format",
            "json",
            &repo_path("examples/bundles/tenant-mismatch/dsregcmd-status.txt"),
            &repo_path("examples/bundles/tenant-mismatch/registry/sensecm.reg"),
            &repo_path("examples/events/system.evtx"),
            &repo_path("no-such-file.reg"),
        ],
        2,
    );
    assert_tagged(&text, "mde-doctor/inspect/v1");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["files"].as_array().unwrap().len(), 3);
    assert_eq!(v["failures"].as_array().unwrap().len(), 1);
    insta::assert_snapshot!("inspect", text);
}
