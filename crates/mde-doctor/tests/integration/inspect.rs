use std::path::PathBuf;

use crate::util::{Test, repo_path};

fn fixture(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../artifacts/tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

/// A real sample shipped in `tests/data/`.
fn real(rel: &str) -> String {
    repo_path(&format!("tests/data/{rel}"))
}

#[test]
fn reg_export_as_json() {
    let run = Test::new()
        .args(["inspect", "--format", "json", &fixture("wine/types.reg")])
        .run()
        .status(0);
    let v = run.json();
    let file = &v["files"][0];
    assert_eq!(file["kind"], "reg");
    assert_eq!(file["encoding"], "utf-16le");
    let key = file["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["path"] == r"HKEY_LOCAL_MACHINE\SOFTWARE\mde-doctor\Types")
        .unwrap();
    let value = |name: &str| {
        key["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    assert_eq!(value("DwordMax")["type"], "REG_DWORD");
    assert_eq!(value("DwordMax")["data"], 4294967295u64);
    assert_eq!(value("Qword")["data"], 0x0123456789abcdefu64);
    assert_eq!(value("Multi")["type"], "REG_MULTI_SZ");
    assert_eq!(value("Multi")["data"][2], "third \"quoted\"");
    assert_eq!(value("Binary")["data"].as_str().unwrap().len(), 128);
    assert_eq!(value("Unicode")["data"], "Größe 東京 — ✓");
    assert_eq!(value("")["data"], "default value");
}

#[test]
fn hive_kind_from_content_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("copy-of-software.bin");
    std::fs::copy(fixture("hive/SOFTWARE"), &renamed).unwrap();
    let run = Test::new()
        .args([
            "inspect",
            "--format",
            "json",
            "--all",
            renamed.to_str().unwrap(),
        ])
        .run()
        .status(0);
    let v = run.json();
    assert_eq!(v["files"][0]["kind"], "hive");
    assert!(v["files"][0]["keys"].as_array().unwrap().len() >= 8);
}

#[test]
fn dsregcmd_as_json_has_typed_fields_and_sections() {
    let run = Test::new()
        .args([
            "inspect",
            "--format",
            "json",
            &real("dsregcmd/ms-dsregcmd-doc_06_prejoin-discover-fail.txt"),
        ])
        .run()
        .status(0);
    let v = &run.json()["files"][0];
    assert_eq!(v["kind"], "dsregcmd");
    assert_eq!(v["diagnostics"]["error_phase"], "discover");
    assert_eq!(v["diagnostics"]["client_error_code"], "0x801c0021");
    assert_eq!(v["diagnostics"]["drs_discovery_test"]["status"], "FAIL");
    assert_eq!(
        v["diagnostics"]["drs_discovery_test"]["codes"][1],
        "0x801c000c"
    );
    let section = &v["sections"][0];
    assert_eq!(section["name"], "Diagnostic Data");
    assert_eq!(section["fields"][0]["key"], "Diagnostics Reference");
    assert_eq!(section["fields"][0]["at"]["line"], 5);
}

#[test]
fn dsregcmd_as_text() {
    Test::new()
        .args([
            "inspect",
            &real("dsregcmd/full_03_entra-joined-healthy.txt"),
        ])
        .run()
        .status(0)
        .stdout_contains("join state: Microsoft Entra joined")
        .stdout_contains("d10f84e2-ba05-45c0-90b7-994f1fafa537");
}

#[test]
fn unknown_and_binary_files_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.bin");
    std::fs::write(
        &garbage,
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    Test::new()
        .args(["inspect", garbage.to_str().unwrap()])
        .run()
        .status(2)
        .stderr_contains("garbage.bin")
        .stderr_contains("cannot tell what this is");
}

#[test]
fn a_2gb_file_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("huge.reg");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(2 << 30).unwrap(); // sparse: costs no disk
    let started = std::time::Instant::now();
    Test::new()
        .args(["inspect", big.to_str().unwrap()])
        .run()
        .status(2)
        .stderr_contains("huge.reg")
        .stderr_contains("MiB mde-doctor reads");
    // Not a timing test of speed, a check that nothing tried to read 2 GB.
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn damaged_reg_is_read_with_problems_and_other_files_still_print() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.reg");
    std::fs::write(
        &bad,
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SenseCM]\r\n\"EnrollmentStatus\"=dword:zz\r\n\"TenantId\"=\"abc\"\r\n",
    )
    .unwrap();
    let missing = dir.path().join("missing.reg");
    Test::new()
        .args(["inspect", bad.to_str().unwrap(), missing.to_str().unwrap()])
        .run()
        .status(2)
        .stdout_contains("TenantId")
        .stdout_contains("line 4: expected 1 to 8 hex digits after `dword:`")
        .stderr_contains("1 of 2 files could not be read")
        .stderr_contains("missing.reg");
}

#[test]
fn truncated_utf16_reg_reads_what_is_there() {
    let bytes = std::fs::read(fixture("wine/types.reg")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.reg");
    std::fs::write(&cut, &bytes[..bytes.len() / 2 + 1]).unwrap();
    Test::new()
        .args(["inspect", cut.to_str().unwrap()])
        .run()
        .status(0)
        .stdout_contains("Binary")
        .stdout_contains("problem");
}

#[test]
fn bundle_directory() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path();
    std::fs::create_dir_all(b.join("registry")).unwrap();
    std::fs::copy(fixture("wine/sensecm.reg"), b.join("registry/sensecm.reg")).unwrap();
    std::fs::copy(
        real("dsregcmd/full_03_entra-joined-healthy.txt"),
        b.join("dsregcmd-status.txt"),
    )
    .unwrap();
    std::fs::write(
        b.join("manifest.json"),
        r#"{"hostname": "<script>alert(1)</script>"}"#,
    )
    .unwrap();
    let run = Test::new()
        .args(["inspect", "--format", "json", b.to_str().unwrap()])
        .run()
        .status(0);
    let v = &run.json()["files"][0];
    assert_eq!(v["kind"], "bundle");
    assert_eq!(
        v["manifest"]["value"]["hostname"],
        "<script>alert(1)</script>"
    );
    assert_eq!(v["dsregcmd_facts"]["join_state"]["kind"], "entra_joined");
    Test::new()
        .args(["inspect", b.to_str().unwrap()])
        .run()
        .status(0)
        .stdout_contains("evidence bundle, 3 files")
        .stdout_contains("registry/sensecm.reg");
}
