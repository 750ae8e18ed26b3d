//! `mde-doctor collect`: on this (non-Windows) machine it refuses clearly; the Windows
//! build is exercised under Wine by the `wine` module.

use std::path::Path;

use crate::util::Test;

/// Copies a bundle directory (one level of subdirectories, as bundles have).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[cfg(not(windows))]
#[test]
fn collect_elsewhere_than_windows_says_where_to_run_it() {
    Test::new()
        .args(["collect"])
        .run()
        .status(2)
        .stderr_contains("run it on the Windows device")
        .stderr_contains("mde-doctor probe");
}

/// The MDE Client Analyzer's archive, laid out as `MDEClientAnalyzerResult.zip` from the
/// tenant-mismatch example's files: analyze reads its results and dsregcmd and finds 15.
#[test]
fn a_client_analyzer_archive_is_read_and_diagnosed() {
    use std::io::Write;
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = here.join("../../examples/bundles/tenant-mismatch");
    let xml = std::fs::read(here.join("tests/integration/client_analyzer/MDEClientAnalyzer.xml"))
        .expect("fixture");
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("MDEClientAnalyzerResult.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    let entries: [(&str, Vec<u8>); 4] = [
        (
            "MDEClientAnalyzer.htm",
            b"<html><title>MDE Client Analyzer Results</title></html>".to_vec(),
        ),
        ("SystemInfoLogs/MDEClientAnalyzer.xml", xml),
        (
            "SystemInfoLogs/dsregcmd.txt",
            std::fs::read(example.join("dsregcmd-status.txt")).unwrap(),
        ),
        (
            "MdeConfigMgrLogs/policies.json",
            b"{\"policies\": []}".to_vec(),
        ),
    ];
    for (name, bytes) in &entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();

    let report = Test::new()
        .args([
            "analyze",
            &zip_path.display().to_string(),
            "--format",
            "json",
        ])
        .run()
        .status(1)
        .json();
    assert_eq!(report["enrollment"]["code"], 15, "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    let status = findings
        .iter()
        .find(|f| f["id"] == "enrollment.status")
        .unwrap_or_else(|| panic!("{report:#}"));
    let evidence = &status["evidence"][0];
    assert_eq!(evidence["artifact"], "SystemInfoLogs/MDEClientAnalyzer.xml");
    assert_eq!(evidence["line"], 17, "the line of the status's <value>");
    // The dsregcmd of the archive is read too.
    assert!(
        findings
            .iter()
            .flat_map(|f| f["evidence"].as_array().cloned().unwrap_or_default())
            .any(|e| e["artifact"] == "SystemInfoLogs/dsregcmd.txt"),
        "{report:#}"
    );
    // The SCP the analyzer reported counts as the domain's.
    assert!(
        findings
            .iter()
            .any(|f| f["id"].as_str().unwrap_or("").starts_with("tenant")
                && f["evidence"].to_string().contains("MDEClientAnalyzer.xml")),
        "{report:#}"
    );
}
