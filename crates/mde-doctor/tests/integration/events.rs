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
    assert_eq!(v["schema"], "mde-doctor/events/v1");
    let items = v["events"].as_array().unwrap();
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
        Test::new().args(all).run().status(0).json()["events"]
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
    let doc = run.json();
    let items = &doc["events"];
    assert_eq!(items.as_array().unwrap().len(), 6);
    assert_eq!(items[0]["known"], false);
    assert_eq!(
        (doc["shown"].as_u64(), doc["total"].as_u64()),
        (Some(6), Some(6))
    );
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
            .json()["events"]
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

/// `events --all --format json` of every real sample gives the events it gave before the
/// reader and the writer were made fast (counts and content: `events_baseline.tsv`).
#[test]
fn real_samples_give_the_events_they_always_gave() {
    use sha2::Digest as _;
    let baseline = include_str!("events_baseline.tsv");
    let mut checked = 0;
    // Read once with the output held (the default for these sizes), and read twice.
    for (line, hold) in baseline
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| [(l, None), (l, Some("0"))])
    {
        let [name, count, digest] = line.split('\t').collect::<Vec<_>>()[..] else {
            panic!("bad baseline line {line:?}");
        };
        let mut test = Test::new().args(["events", "--all", "--format", "json", &real_evtx(name)]);
        if let Some(hold) = hold {
            test = test.env("MDE_DOCTOR_EVENTS_HOLD_MAX", hold);
        }
        let doc = test.run().status(0).json();
        let events = doc["events"].as_array().unwrap();
        assert_eq!(events.len().to_string(), count, "{name}");
        assert_eq!(doc["shown"].as_u64(), Some(events.len() as u64), "{name}");
        let mut hash = sha2::Sha256::new();
        for e in events {
            let mut e = e.clone();
            e["file"] = name.into();
            hash.update(serde_json::to_string(&e).unwrap());
            hash.update(b"\n");
        }
        assert_eq!(
            format!("{:x}", hash.finalize()),
            digest,
            "{name}: events changed"
        );
        checked += 1;
    }
    assert_eq!(checked, 22);
}

/// A log read twice (the times first, then each chunk when its events' turn comes: how
/// logs larger than `MDE_DOCTOR_EVENTS_HOLD_MAX` are read) gives what reading it once
/// gives, byte for byte, in both formats, for several files at once (their events
/// interleaved by time) and with `--since`.
#[test]
fn reading_twice_gives_what_reading_once_gives() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/events");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "evtx"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    for extra in [&[][..], &["--since", "2017-01-01"][..]] {
        for format in ["json", "text"] {
            let args: Vec<String> = ["events", "--all", "--format", format]
                .into_iter()
                .chain(extra.iter().copied())
                .map(String::from)
                .chain(files.iter().cloned())
                .collect();
            let once = Test::new().args(args.clone()).run().status(0).stdout();
            let twice = Test::new()
                .args(args)
                .env("MDE_DOCTOR_EVENTS_HOLD_MAX", "0")
                .run()
                .status(0)
                .stdout();
            assert!(once.len() > 10_000, "{format} {extra:?}");
            assert!(once == twice, "{format} {extra:?}: reading twice differs");
        }
    }
}

/// The typed document of `events --format json` on a real log: tag first, then the events,
/// counts and problems.
#[test]
fn json_document_snapshot() {
    let file = real_evtx("Microsoft-Windows-HelloForBusiness%4Operational.evtx");
    let run = Test::new()
        .args(["events", "--all", "--format", "json", &file])
        .run()
        .status(0);
    assert!(
        run.stdout()
            .starts_with("{\"schema\":\"mde-doctor/events/v1\","),
        "{}",
        run.stdout()
    );
    let mut doc = run.json();
    for e in doc["events"].as_array_mut().unwrap() {
        e["file"] = "Microsoft-Windows-HelloForBusiness%4Operational.evtx".into();
    }
    insta::assert_snapshot!(
        "events_json_hello_for_business",
        serde_json::to_string_pretty(&doc).unwrap()
    );
}
