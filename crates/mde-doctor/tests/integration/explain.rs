use crate::util::Test;

#[test]
fn enrollment_code_in_text() {
    Test::new()
        .args(["explain", "15"])
        .run()
        .status(0)
        .stdout_contains("EnrollmentStatus 15 — Tenant mismatch")
        .stdout_contains("EnrollmentRegistrationFailure_AAD_MismatchTenants")
        .stdout_contains("service connection point")
        .stdout_contains(
            "https://learn.microsoft.com/defender-endpoint/troubleshoot-security-config-mgt",
        )
        .stdout_contains("MDE Client Analyzer 28042022")
        .stdout_contains("check 121022");
}

#[test]
fn symbolic_name_any_case() {
    for name in [
        "EnrollmentRegistrationFailure_AAD_MismatchTenants",
        "enrollmentregistrationfailure_aad_mismatchtenants",
    ] {
        let run = Test::new()
            .args(["explain", name, "--format", "json"])
            .run()
            .status(0);
        let v = run.json();
        assert_eq!(v["code"], 15);
        assert_eq!(v["status"], "Tenant mismatch");
        assert_eq!(v["category"], "tenant");
    }
}

#[test]
fn enrollment_code_in_json_has_the_promised_fields() {
    let run = Test::new()
        .args(["explain", "15", "--format", "json"])
        .run()
        .status(0);
    let v = run.json();
    assert_eq!(v["code"], 15);
    assert_eq!(v["status"], "Tenant mismatch");
    assert_eq!(v["category"], "tenant");
    assert!(
        v["meaning"]
            .as_str()
            .unwrap()
            .contains("service connection point")
    );
    let actions = v["actions"].as_array().unwrap();
    assert!(actions.len() >= 2 && actions.iter().all(|a| a.is_string()));
    let docs = v["docs"].as_array().unwrap();
    assert!(
        docs.iter()
            .all(|d| d.as_str().unwrap().starts_with("https://"))
    );
    let readings = v["readings"].as_array().unwrap();
    let sources: Vec<&str> = readings
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        ["sym2021", "doc2022", "doc2024", "an2022", "an2024"]
    );
    assert!(readings.iter().all(|r| r["text"].is_string()));
    assert_eq!(
        v["symbol"],
        "EnrollmentRegistrationFailure_AAD_MismatchTenants"
    );
}

#[test]
fn hresult_in_text_and_json() {
    Test::new()
        .args(["explain", "0x801c001d"])
        .run()
        .status(0)
        .stdout_contains("DSREG_AUTOJOIN_ADCONFIG_READ_FAILED")
        .stdout_contains("service connection point")
        .stdout_contains("KB4480781");
    let run = Test::new()
        .args(["explain", "0x801C001D", "--format", "json"])
        .run()
        .status(0);
    let v = run.json();
    assert_eq!(v["code"], "0x801c001d");
    assert_eq!(v["decimal"], -2145648611);
    assert_eq!(v["phase"], "discover");
    assert!(v["actions"].as_array().unwrap().len() >= 2);
    // The same code written as a signed decimal, as event logs do.
    let run = Test::new()
        .args(["explain", "-2145648611", "--format", "json"])
        .run()
        .status(0);
    assert_eq!(run.json()["name"], "DSREG_AUTOJOIN_ADCONFIG_READ_FAILED");
}

#[test]
fn regedit_display_form() {
    let run = Test::new()
        .args(["explain", "0x00000023 (35)", "--format", "json"])
        .run()
        .status(0);
    let v = run.json();
    assert_eq!(v["code"], 35);
    assert_eq!(v["documented"], false);
}

#[test]
fn disagreement_is_shown() {
    Test::new()
        .args(["explain", "25"])
        .run()
        .status(0)
        .stdout_contains("Where the sources disagree")
        .stdout_contains("Device is managed by SCCM Agent");
    let run = Test::new()
        .args(["explain", "32", "--format", "json"])
        .run()
        .status(0);
    let v = run.json();
    assert!(
        v["disagreement"]
            .as_str()
            .unwrap()
            .contains("pending unenrollment")
    );
}

#[test]
fn undocumented_code_says_so() {
    Test::new()
        .args(["explain", "34"])
        .run()
        .status(0)
        .stdout_contains("does not list this code")
        .stdout_contains("check 122034");
}

#[test]
fn name_shared_with_an_hresult_points_at_it() {
    Test::new()
        .args(["explain", "41"])
        .run()
        .status(0)
        .stdout_contains("0x80072ee7");
}

#[test]
fn unknown_code_suggests_nearest_and_exits_2() {
    Test::new()
        .args(["explain", "99"])
        .run()
        .status(2)
        .stderr_contains("99 is not a known enrollment status code")
        .stderr_contains("42, 43, 44");
}

#[test]
fn unknown_word_exits_2_with_the_accepted_forms() {
    let run = Test::new().args(["explain", "banana"]).run().status(2);
    assert!(run.stdout().is_empty());
    let run = run
        .stderr_contains("\"banana\"")
        .stderr_contains("0x801c001d");
    assert!(!run.stderr().contains("panicked"));
}

#[test]
fn misspelt_name_gets_a_suggestion() {
    Test::new()
        .args(["explain", "EnrollmentRegistrationFailure_AAD_BAD_SCPP"])
        .run()
        .status(2)
        .stderr_contains("did you mean: EnrollmentRegistrationFailure_AAD_BAD_SCP");
}

#[test]
fn unknown_hresult_exits_2() {
    Test::new()
        .args(["explain", "0x801c0099"])
        .run()
        .status(2)
        .stderr_contains("0x801c0099")
        .stderr_contains("0x801c");
}

#[test]
fn malformed_input_exits_2() {
    for bad in ["0xZZ", "", "1.5", "<script>"] {
        Test::new()
            .args(["explain", bad])
            .run()
            .status(2)
            .stderr_contains("error:");
    }
}

#[test]
fn no_colour_when_not_a_terminal_unless_asked() {
    let plain = Test::new().args(["explain", "15"]).run().status(0);
    assert!(!plain.stdout().contains('\u{1b}'));
    let coloured = Test::new()
        .args(["--color", "always", "explain", "15"])
        .run()
        .status(0);
    assert!(coloured.stdout().contains('\u{1b}'));
}
