use crate::util::Test;

#[test]
fn json_lists_every_code_of_every_source() {
    let run = Test::new()
        .args(["codes", "--format", "json"])
        .run()
        .status(0);
    let v = run.json();
    assert_eq!(v["schema"], "mde-doctor/codes/v1");
    let all = v["entries"].as_array().unwrap();
    assert!(all.iter().all(|c| c["kind"] == "enrollment"));
    let codes: Vec<u64> = all.iter().map(|c| c["code"].as_u64().unwrap()).collect();
    assert_eq!(codes, (1..=44).collect::<Vec<u64>>());
    // Every source column of the research table is represented somewhere.
    for source in ["sym2021", "doc2022", "doc2024", "an2022", "an2024"] {
        assert!(
            all.iter().any(|c| c["readings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["source"] == source)),
            "{source}"
        );
    }
    for c in all {
        for key in [
            "status", "category", "meaning", "actions", "docs", "readings",
        ] {
            assert!(!c[key].is_null(), "code {} lacks {key}", c["code"]);
        }
    }
}

#[test]
fn table_lists_codes() {
    Test::new()
        .args(["codes"])
        .run()
        .status(0)
        .stdout_contains("Tenant mismatch")
        .stdout_contains("Clock sync issue")
        .stdout_contains("sources disagree");
}

#[test]
fn category_filter() {
    let run = Test::new()
        .args(["codes", "--category", "dns", "--format", "json"])
        .run()
        .status(0);
    let codes: Vec<u64> = run.json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_u64().unwrap())
        .collect();
    assert_eq!(codes, [38, 41]);
    Test::new()
        .args(["codes", "--category", "weather"])
        .run()
        .status(2)
        .stderr_contains("not a category");
}

#[test]
fn hresults_table_and_json() {
    Test::new()
        .args(["codes", "--hresults"])
        .run()
        .status(0)
        .stdout_contains("0x801c03f2");
    let run = Test::new()
        .args(["codes", "--hresults", "--format", "json"])
        .run()
        .status(0);
    let v = run.json();
    assert!(
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "DSREG_E_DIRECTORY_FAILURE")
    );
}
