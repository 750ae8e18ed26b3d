use std::path::PathBuf;

use crate::util::{Test, repo_path};

fn fixture(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../artifacts/tests/fixtures/events")
        .join(rel)
        .display()
        .to_string()
}

/// A real event log shipped in `examples/events/`.
fn real_evtx(name: &str) -> String {
    repo_path(&format!("examples/events/{name}"))
}

#[test]
fn timeline_of_known_events_from_xml() {
    Test::new()
        .args([
            "events",
            &fixture("udr-admin.xml"),
            &fixture("aadrt-rendered.xml"),
        ])
        .run()
        .status(0)
        .stdout_contains("User Device Registration/Admin 307")
        .stdout_contains("DSREG_AUTOJOIN_ADCONFIG_READ_FAILED")
        .stdout_contains("Win32 API: WinHttpSendRequest")
        .stdout_contains("record 412");
}

#[test]
fn json_keeps_the_raw_event_beside_the_decoded_one() {
    let run = Test::new()
        .args(["events", "--format", "json", &fixture("aadrt-rendered.xml")])
        .run()
        .status(0);
    let v = run.json();
    let items = v.as_array().unwrap();
    assert_eq!(
        items.len(),
        1,
        "the informational AADRT event is not a known one"
    );
    let e = &items[0];
    assert_eq!(e["event_id"], 1025);
    assert_eq!(e["record_id"], 77);
    assert_eq!(e["aad"]["error_code"], "0x801c03f2");
    assert_eq!(e["aad"]["win32_api"], "WinHttpSendRequest");
    assert!(
        e["aad"]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://enterpriseregistration.windows.net/")
    );
    assert!(
        e["raw"]["data"][0]["value"]
            .as_str()
            .unwrap()
            .contains("isn't found")
    );
    assert_eq!(e["codes"][0]["name"], "DSREG_E_DIRECTORY_FAILURE");
}

#[test]
fn filters() {
    let count = |args: &[&str]| -> usize {
        let mut all = vec!["events", "--format", "json"];
        all.extend_from_slice(args);
        Test::new()
            .args(all)
            .run()
            .status(0)
            .json()
            .as_array()
            .unwrap()
            .len()
    };
    let udr = fixture("udr-admin.xml");
    assert_eq!(count(&[&udr]), 5);
    assert_eq!(count(&["--since", "2026-11-20T09:00:00Z", &udr]), 3);
    assert_eq!(count(&["--since", "2026-11-21", &udr]), 1);
    assert_eq!(count(&["--level", "error", &udr]), 4);
    assert_eq!(count(&["--channel", "sense", &udr]), 0);
    Test::new()
        .args(["events", "--since", "last tuesday", &udr])
        .run()
        .status(2)
        .stderr_contains("expected a UTC date");
}

#[test]
fn all_events_of_a_real_evtx() {
    let run = Test::new()
        .args([
            "events",
            "--all",
            "--format",
            "json",
            &real_evtx("Microsoft-Windows-HelloForBusiness%4Operational.evtx"),
        ])
        .run()
        .status(0);
    let items = run.json();
    assert_eq!(items.as_array().unwrap().len(), 6);
    assert_eq!(items[0]["known"], false);
    // Without --all nothing in that log is a known event.
    Test::new()
        .args([
            "events",
            &real_evtx("Microsoft-Windows-HelloForBusiness%4Operational.evtx"),
        ])
        .run()
        .status(0)
        .stdout_contains("0 of 6 events shown");
}

#[test]
fn damaged_evtx_is_read_with_problems() {
    Test::new()
        .args([
            "events",
            "--all",
            &real_evtx("sample_with_a_bad_chunk_magic.evtx"),
        ])
        .run()
        .status(0)
        .stdout_contains("301 of 301 events shown")
        .stdout_contains("problem");
}

#[test]
fn not_an_event_log_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("notes.txt");
    std::fs::write(&f, "hello").unwrap();
    Test::new()
        .args(["events", f.to_str().unwrap()])
        .run()
        .status(2)
        .stderr_contains("notes.txt")
        .stderr_contains("not an event log");
}

#[test]
fn analyze_turns_events_into_findings_with_record_evidence() {
    let bundle =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundles/scp-missing");
    let d = Test::new()
        .args(["analyze", "--format", "json", bundle.to_str().unwrap()])
        .run()
        .status(1)
        .json();
    let f = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "events.scp-not-found")
        .expect("a finding from the registration events");
    assert_eq!(f["code"], 16);
    let ev = &f["evidence"][0];
    assert_eq!(ev["artifact"], "events/user-device-registration-admin.xml");
    assert_eq!(ev["record"], 418);
}

/// `--since` compares instants: an event at 07:18:24.68 is kept by `--since 07:18:24Z`
/// (as text, `.` sorts before `Z` and dropped it), and offsets are understood.
#[test]
fn since_keeps_the_events_of_its_first_second() {
    let times = |since: &str| -> Vec<String> {
        Test::new()
            .args([
                "events",
                "--all",
                "--format",
                "json",
                "--since",
                since,
                &real_evtx("system.evtx"),
            ])
            .run()
            .status(0)
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["time"].as_str().unwrap().to_string())
            .collect()
    };
    let all = times("2017-07-12");
    let first = all.iter().min().unwrap().clone();
    assert_eq!(first, "2017-07-12T07:18:24.6811232Z");
    let at_second = times("2017-07-12T07:18:24Z");
    assert!(at_second.contains(&first), "the first second is kept");
    assert_eq!(at_second.len(), all.len());
    assert!(!times("2017-07-12T07:18:25Z").contains(&first));
    // The same instant written with an offset.
    assert_eq!(times("2017-07-12T09:18:24+02:00"), at_second);
}

#[test]
fn an_undecoded_event_shows_its_rendered_message() {
    // AADRT/Admin 1006 is not one mde-doctor decodes; its RenderingInfo message is the title.
    Test::new()
        .args(["events", "--all", &fixture("aadrt-rendered.xml")])
        .run()
        .status(0)
        .stdout_contains("AADRT/Admin 1006  AAD runtime started.");
}
