//! Every piece of evidence is accounted for: each entry of a bundle is listed with what it
//! was read as, or why not, in text, JSON and HTML; files are recognised by content.

use std::path::Path;

use serde_json::Value;

use crate::util::{Test, repo_path};

fn dsregcmd_sample(name: &str) -> Vec<u8> {
    std::fs::read(repo_path(&format!("tests/data/dsregcmd/{name}"))).unwrap()
}

fn example_file(rel: &str) -> Vec<u8> {
    std::fs::read(repo_path(&format!("examples/{rel}"))).unwrap()
}

fn analyze_json(dir: &Path) -> Value {
    Test::new()
        .args(["analyze", "--format", "json", dir.to_str().unwrap()])
        .run()
        .json()
}

fn put(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A bundle with real evidence under unusual names, plus junk, an empty file and an unknown
/// name.
fn mixed_bundle(dir: &Path) {
    put(
        dir,
        "output.log",
        &dsregcmd_sample("full_03_entra-joined-healthy.txt"),
    );
    put(
        dir,
        "exports/SenseCM settings.txt",
        &example_file("bundles/tenant-mismatch/registry/sensecm.reg"),
    );
    put(
        dir,
        "logs/HelloForBusiness",
        &example_file("events/Microsoft-Windows-HelloForBusiness%4Operational.evtx"),
    );
    put(dir, "junk.bin", &[0x00, 0xff, 0x13, 0x37, 0x00, 0x42, 0x99]);
    put(dir, "empty.reg", b"");
    put(
        dir,
        "todo.docx.tmp",
        b"ask the user for the proxy settings\n",
    );
}

fn artifact<'a>(d: &'a Value, path: &str) -> &'a Value {
    d["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["path"] == path)
        .unwrap_or_else(|| panic!("{path} not listed in {:#}", d["artifacts"]))
}

#[test]
fn json_lists_every_entry_with_its_kind_or_reason() {
    let dir = tempfile::tempdir().unwrap();
    mixed_bundle(dir.path());
    let d = analyze_json(dir.path());
    assert_eq!(d["artifacts"].as_array().unwrap().len(), 6);
    let log = artifact(&d, "output.log");
    assert_eq!(
        (&log["kind"], &log["status"]),
        (&"dsregcmd".into(), &"read".into())
    );
    let reg = artifact(&d, "exports/SenseCM settings.txt");
    assert_eq!(reg["kind"], "reg");
    assert!(reg["summary"].as_str().unwrap().contains("value"), "{reg}");
    let evtx = artifact(&d, "logs/HelloForBusiness");
    assert_eq!(evtx["kind"], "evtx");
    assert!(evtx["records"].as_u64().unwrap() > 0, "{evtx}");
    for (path, why) in [
        ("junk.bin", "unrecognised"),
        ("empty.reg", "empty"),
        ("todo.docx.tmp", "unrecognised"),
    ] {
        let a = artifact(&d, path);
        assert_eq!(
            (&a["status"], &a["why"]),
            (&"skipped".into(), &why.into()),
            "{a}"
        );
        assert!(!a["reason"].as_str().unwrap().is_empty());
    }
    // The renamed evidence was used: the enrollment status and join state are known.
    assert!(d["enrollment"]["code"].is_number(), "{}", d["enrollment"]);
    assert_eq!(d["join_state"]["current"], "entra_joined");
}

#[test]
fn text_and_html_list_every_entry() {
    let dir = tempfile::tempdir().unwrap();
    mixed_bundle(dir.path());
    let run = Test::new()
        .args(["analyze", "--color", "never", dir.path().to_str().unwrap()])
        .run();
    let text = run.stdout();
    let evidence = &text[text.find("\nEvidence").expect("an Evidence section")..];
    assert!(evidence.contains("6 files"), "{evidence}");
    for needle in [
        "output.log",
        "dsregcmd",
        "exports/SenseCM settings.txt",
        "logs/HelloForBusiness",
        "junk.bin",
        "unrecognised",
        "empty.reg",
        "empty",
        "todo.docx.tmp",
    ] {
        assert!(evidence.contains(needle), "{needle} in {evidence}");
    }
    let html = Test::new()
        .args(["analyze", "--format", "html", dir.path().to_str().unwrap()])
        .run()
        .stdout();
    let table = &html[html.find("<h2>Evidence</h2>").expect("an Evidence table")..];
    for needle in [
        "output.log",
        "logs/HelloForBusiness",
        "junk.bin",
        "empty.reg",
        "todo.docx.tmp",
        "unrecognised",
        "empty file",
    ] {
        assert!(table.contains(needle), "{needle} in the HTML table");
    }
}

#[test]
fn dsregcmd_outputs_are_recognised_whatever_their_name() {
    for (name, sample) in [
        ("dsregcmd-status.txt", "full_03_entra-joined-healthy.txt"),
        ("DSREG.TXT", "ms-dsregcmd-doc_01_device-state.txt"),
        (
            "output.log",
            "ms-hybridjoin-doc_01_legacy-format-status.txt",
        ),
        // One section copied on its own (no join-state fields at all).
        ("device.txt", "ms-dsregcmd-doc_02_device-details.txt"),
        ("tenant.txt", "ms-dsregcmd-doc_03_tenant-details.txt"),
        ("diag.txt", "ms-dsregcmd-doc_08_postjoin-diagnostics.txt"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        put(dir.path(), name, &dsregcmd_sample(sample));
        let d = analyze_json(dir.path());
        let a = artifact(&d, name);
        assert_eq!(a["kind"], "dsregcmd", "{name} ({sample}): {a}");
        assert!(
            !d["missing"].to_string().contains("dsregcmd"),
            "{name} ({sample}): {}",
            d["missing"]
        );
    }
}
