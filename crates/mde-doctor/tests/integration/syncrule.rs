use std::fmt::Write as _;
use std::path::PathBuf;

use crate::util::Test;

fn cert_b64(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../syncrule/tests/fixtures/certs")
        .join(format!("{name}.der"));
    mde_artifacts::ldif::base64_encode(&std::fs::read(path).unwrap())
}

/// The records of a JSON-lines output (`syncrule eval` and `simulate`), after its header line
/// `{"schema": "mde-doctor/syncrule-…/v1"}`.
fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    let mut lines = stdout.lines().map(|l| serde_json::from_str(l).unwrap());
    let header: serde_json::Value = lines.next().expect("a header line");
    let tag = header["schema"]
        .as_str()
        .expect("the header names its schema");
    assert!(tag.starts_with("mde-doctor/syncrule-"), "{header}");
    assert_eq!(header.as_object().unwrap().len(), 1, "{header}");
    lines.collect()
}

/// The output line whose `dn` names the computer `cn`.
fn by_cn<'a>(lines: &'a [serde_json::Value], cn: &str) -> &'a serde_json::Value {
    let prefix = format!("CN={cn},");
    lines
        .iter()
        .find(|l| l["dn"].as_str().is_some_and(|d| d.starts_with(&prefix)))
        .unwrap_or_else(|| panic!("no output line for {cn}"))
}

/// `syncrule eval --preset server2012r2-computer-join --objects PATH [extra…]`.
fn eval_2012r2(objects: &std::path::Path, extra: &[&str]) -> Test {
    Test::new()
        .args([
            "syncrule",
            "eval",
            "--preset",
            "server2012r2-computer-join",
            "--objects",
            objects.to_str().unwrap(),
        ])
        .args(extra.iter().copied())
}

/// ldifde-style: `attr:: base64` folded at 76 columns with a leading space.
fn folded(line: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = line.chars().collect();
    for (i, chunk) in chars.chunks(76).enumerate() {
        if i > 0 {
            out.push_str("\r\n ");
        }
        out.extend(chunk);
    }
    out.push_str("\r\n");
    out
}

fn computers_ldif() -> String {
    let mut s = String::new();
    for (name, os, version, certs) in [
        (
            "SRV2012-OK",
            "Windows Server 2012 R2 Standard",
            "6.3 (9600)",
            vec!["valid-braces"],
        ),
        (
            "SRV2012-EXPIRED",
            "Windows Server 2012 R2 Standard",
            "6.3 (9600)",
            vec!["expired"],
        ),
        (
            "SRV2008",
            "Windows Server 2008 R2 Standard",
            "6.1 (7601)",
            vec!["valid-braces"],
        ),
        (
            "SRV2019",
            "Windows Server 2019 Standard",
            "10.0 (17763)",
            vec!["garbage"],
        ),
        (
            "NOCERT",
            "Windows Server 2012 R2 Standard",
            "6.3 (9600)",
            vec![],
        ),
    ] {
        let _ = write!(
            s,
            "dn: CN={name},OU=Servers,DC=contoso,DC=com\r\nchangetype: add\r\nobjectClass: computer\r\ncn: {name}\r\n"
        );
        s.push_str(&folded("objectGUID:: K0qBC+sYak+USTOHz0Cyeg=="));
        let _ = write!(
            s,
            "operatingSystem: {os}\r\noperatingSystemVersion: {version}\r\n"
        );
        for c in certs {
            s.push_str(&folded(&format!("userCertificate:: {}", cert_b64(c))));
        }
        s.push_str("\r\n");
    }
    s
}

#[test]
fn preset_over_ldif_gives_one_json_line_per_object() {
    let dir = tempfile::tempdir().unwrap();
    let ldif = dir.path().join("computers.ldif");
    std::fs::write(&ldif, computers_ldif()).unwrap();
    let run = eval_2012r2(&ldif, &[]).run().status(0);
    let lines = json_lines(&run.stdout());
    let value = |cn: &str| by_cn(&lines, cn)["value"].clone();
    assert_eq!(lines.len(), 5);
    assert_eq!(value("SRV2012-OK"), serde_json::Value::Null);
    assert_eq!(value("SRV2012-EXPIRED"), true);
    assert_eq!(value("SRV2008"), true);
    assert_eq!(value("SRV2019"), serde_json::Value::Null);
    assert_eq!(value("NOCERT"), true);
    assert_eq!(lines[1]["type"], "bool");
    insta::assert_snapshot!("syncrule_eval_jsonl", run.stdout());
}

/// `--explain` in JSON lines: the deciding steps, typed (no `Now()` here, so the snapshot
/// holds still).
#[test]
fn explain_in_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let ldif = dir.path().join("computers.ldif");
    std::fs::write(&ldif, computers_ldif()).unwrap();
    let run = Test::new()
        .args([
            "syncrule",
            "eval",
            "--expr",
            "IIF(IsPresent([userCertificate]), UCase([cn]), Error(\"no certificate\"))",
            "--objects",
            ldif.to_str().unwrap(),
            "--explain",
        ])
        .run()
        .status(0);
    let lines = json_lines(&run.stdout());
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[4]["error"], "Error(\"no certificate\")");
    insta::assert_snapshot!("syncrule_eval_explain_jsonl", run.stdout());
}

#[test]
fn explain_shows_the_deciding_subexpressions() {
    let dir = tempfile::tempdir().unwrap();
    let ldif = dir.path().join("computers.ldif");
    std::fs::write(&ldif, computers_ldif()).unwrap();
    eval_2012r2(&ldif, &["--explain", "--format", "table"])
        .run()
        .status(0)
        .stdout_contains("CertNotAfter($c)")
        .stdout_contains("Count($validCerts)");
}

#[test]
fn expressions_without_objects_and_errors() {
    let run = Test::new()
        .args(["syncrule", "eval", "--expr", "Split(\"a,b\",\",\")"])
        .run()
        .status(0);
    let v = json_lines(&run.stdout()).remove(0);
    assert_eq!(v["value"], serde_json::json!(["a", "b"]));
    assert_eq!(v["type"], "mvstr");
    assert_eq!(v["dn"], serde_json::Value::Null);
    Test::new()
        .args([
            "syncrule",
            "eval",
            "--expr",
            "IIF(True, Error(\"boom\"), 1)",
        ])
        .run()
        .status(0)
        .stdout_contains("\"error\":\"Error(\\\"boom\\\")\"");
    Test::new()
        .args(["syncrule", "check", "Left([a], 2"])
        .run()
        .status(2)
        .stderr_contains("line 1, column 12")
        .stderr_contains("expected `,` or `)`");
    Test::new()
        .args(["syncrule", "check", "left([a], 2)"])
        .run()
        .status(2)
        .stderr_contains("expected `Left` (function names are case-sensitive), found `left`")
        .stderr_contains("  1 | left([a], 2)\n")
        .stderr_contains("    | ^^^^\n");
    Test::new()
        .args(["syncrule", "eval", "--expr", "IIF(True,\n  Frobnicate([a]), 1)"])
        .run()
        .status(2)
        .stderr_contains("line 2, column 3: expected the name of a function the engine knows, found `Frobnicate`")
        .stderr_contains("--> expression:2:3");
    Test::new()
        .args(["syncrule", "eval", "--preset", "nope"])
        .run()
        .status(2)
        .stderr_contains("server2012r2-computer-join");
}

fn contoso() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/aadconnect-export")
}

#[test]
fn csv_from_export_csv_and_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("computers.csv");
    std::fs::write(
        &csv,
        format!(
            "#TYPE Microsoft.ActiveDirectory.Management.ADComputer\r\n\"DistinguishedName\",\"Name\",\"ObjectGUID\",\"OperatingSystem\",\"OperatingSystemVersion\",\"userCertificate\"\r\n\"CN=OK,DC=contoso,DC=com\",\"OK\",\"0b814a2b-18eb-4f6a-9449-3387cf40b27a\",\"Windows Server 2012 R2 Standard\",\"6.3 (9600)\",\"{};{}\"\r\n\"CN=LOST,DC=contoso,DC=com\",\"LOST\",\"0b814a2b-18eb-4f6a-9449-3387cf40b27a\",\"Windows Server 2012 R2 Standard\",\"6.3 (9600)\",\"Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\"\r\n",
            cert_b64("expired"),
            cert_b64("valid-plain")
        ),
    )
    .unwrap();
    let run = eval_2012r2(&csv, &[])
        .run()
        .status(0)
        .stderr_contains("computers.csv: line 4: userCertificate holds")
        .stderr_contains("calculated property");
    let lines = json_lines(&run.stdout());
    assert_eq!(
        lines.len(),
        1,
        "the row whose certificates were lost is reported, not guessed"
    );
    let v = &lines[0];
    assert_eq!(v["dn"], "CN=OK,DC=contoso,DC=com");
    assert_eq!(v["value"], serde_json::Value::Null);

    let jsonl = dir.path().join("computers.jsonl");
    std::fs::write(
        &jsonl,
        format!(
            "{{\"dn\":\"CN=A,DC=x\",\"operatingSystem\":\"Windows Server 2012 R2\",\"operatingSystemVersion\":\"6.3 (9600)\",\"objectGUID\":\"base64:K0qBC+sYak+USTOHz0Cyeg==\",\"userCertificate\":[\"base64:{}\"]}}\n",
            cert_b64("valid-braces")
        ),
    )
    .unwrap();
    let run = eval_2012r2(&jsonl, &[]).run().status(0);
    let v = json_lines(&run.stdout()).remove(0);
    assert_eq!(v["value"], serde_json::Value::Null);
}

#[test]
fn rule_from_the_contoso_export() {
    let dir = tempfile::tempdir().unwrap();
    let ldif = dir.path().join("computers.ldif");
    std::fs::write(&ldif, computers_ldif()).unwrap();
    let rule = contoso().join(
        "SynchronizationRules/SynchronizationRule_{d79c6b03-a3d5-4160-8b12-87eff97ab7be}.xml",
    );
    let run = Test::new()
        .args([
            "syncrule",
            "eval",
            "--rule",
            rule.to_str().unwrap(),
            "--target",
            "cloudFiltered",
            "--objects",
            ldif.to_str().unwrap(),
        ])
        .run()
        .status(0);
    // The default rule only asks for a certificate: only NOCERT is filtered.
    let filtered: Vec<String> = run
        .stdout()
        .lines()
        .filter(|l| l.contains("\"value\":true"))
        .map(str::to_string)
        .collect();
    assert_eq!(filtered.len(), 1);
    assert!(filtered[0].contains("CN=NOCERT"));
    Test::new()
        .args([
            "syncrule",
            "eval",
            "--rule",
            rule.to_str().unwrap(),
            "--target",
            "cloudCreated",
        ])
        .run()
        .status(2)
        .stderr_contains("not an expression");
}

#[test]
fn check_a_whole_configuration_export() {
    Test::new()
        .args(["syncrule", "check", "--config", contoso().to_str().unwrap()])
        .run()
        .status(0)
        .stdout_contains("62 rules, 391 expressions, 0 problem(s)");
}

#[test]
fn simulate_against_the_contoso_export() {
    let dir = tempfile::tempdir().unwrap();
    let ldif = dir.path().join("computers.ldif");
    let mut s = String::new();
    for (dn, version, cert) in [
        (
            "CN=SRV-A,OU=Servers,OU=CORP,DC=contoso,DC=com",
            "6.3 (9600)",
            Some("valid-braces"),
        ),
        (
            "CN=SRV-B,OU=Servers,DC=contoso,DC=com",
            "10.0 (17763)",
            Some("garbage"),
        ),
        (
            "CN=PC-C,OU=Workstations,OU=CORP,DC=contoso,DC=com",
            "10.0 (22631)",
            None,
        ),
        (
            "CN=SRV-D,OU=Servers,OU=CORP,DC=contoso,DC=com",
            "6.3 (9600)",
            Some("expired"),
        ),
    ] {
        let _ = write!(
            s,
            "dn: {dn}\r\nobjectClass: computer\r\nobjectGUID:: K0qBC+sYak+USTOHz0Cyeg==\r\noperatingSystem: Windows Server\r\noperatingSystemVersion: {version}\r\n"
        );
        if let Some(c) = cert {
            s.push_str(&folded(&format!("userCertificate:: {}", cert_b64(c))));
        }
        s.push_str("\r\n");
    }
    std::fs::write(&ldif, s).unwrap();
    let config = contoso();
    let simulate = |extra: &[&str]| {
        Test::new()
            .args([
                "syncrule",
                "simulate",
                "--config",
                config.to_str().unwrap(),
                "--objects",
                ldif.to_str().unwrap(),
            ])
            .args(extra.iter().copied())
            .run()
            .status(0)
    };
    let run = simulate(&[]);
    let lines = json_lines(&run.stdout());
    let get = |cn: &str| by_cn(&lines, cn);
    assert_eq!(get("SRV-A")["reaches_entra_id"], true);
    assert_eq!(
        get("SRV-B")["in_ou_scope"],
        false,
        "OU=Servers directly under the excluded domain root"
    );
    assert!(get("SRV-B")["why"].as_str().unwrap().contains("excluded"));
    assert_eq!(get("PC-C")["cloud_filtered"], true);
    assert!(
        get("PC-C")["why"]
            .as_str()
            .unwrap()
            .contains("userCertificate ISNOTNULL")
    );
    assert_eq!(
        get("SRV-D")["reaches_entra_id"],
        true,
        "the 2016 default rule only asks for a certificate"
    );
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["reach_entra_id"], 2);
    assert_eq!(summary["do_not_reach"], 2);
    assert_eq!(summary["by_step"]["not_in_ou_scope"], 1);
    assert_eq!(summary["by_step"]["not_exported"], 1);
    assert_eq!(summary["by_step"]["synchronized"], 2);
    insta::assert_snapshot!("syncrule_simulate_jsonl", run.stdout());

    let run = simulate(&["--preset", "server2012r2-computer-join", "--diff"]);
    let lines = json_lines(&run.stdout());
    assert_eq!(lines.len(), 2, "one changed object and the summary");
    assert!(lines[0]["dn"].as_str().unwrap().starts_with("CN=SRV-D,"));
    assert_eq!(lines[0]["before"]["reaches_entra_id"], true);
    assert_eq!(lines[0]["after"]["reaches_entra_id"], false);
    assert_eq!(lines[1]["summary"]["changed"], 1);
    insta::assert_snapshot!("syncrule_simulate_diff_jsonl", run.stdout());
}

/// A damaged line is reported with its file and line, and the rest is still evaluated;
/// an export Windows PowerShell 5.1 wrote as UTF-16LE reads like its UTF-8 original.
#[test]
fn damaged_and_utf16_exports() {
    let dir = tempfile::tempdir().unwrap();
    let damaged = dir.path().join("damaged.ldif");
    let text = computers_ldif().replacen(
        "operatingSystem: Windows Server 2019",
        "this line has no colon\r\noperatingSystem: Windows Server 2019",
        1,
    );
    std::fs::write(&damaged, &text).unwrap();
    let eval = |path: &std::path::Path| eval_2012r2(path, &[]).run().status(0);
    let run = eval(&damaged);
    assert_eq!(json_lines(&run.stdout()).len(), 5);
    let line = text
        .lines()
        .position(|l| l == "this line has no colon")
        .unwrap()
        + 1;
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!(
            "damaged.ldif: line {line}: expected `attribute: value`"
        )),
        "{stderr}"
    );

    let utf16 = dir.path().join("utf16.ldif");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(computers_ldif().encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&utf16, bytes).unwrap();
    let original = dir.path().join("utf8.ldif");
    std::fs::write(&original, computers_ldif()).unwrap();
    let (a, b) = (eval(&utf16), eval(&original));
    assert_eq!(a.stdout(), b.stdout());
    assert_eq!(a.stderr(), "");
    // `-` is standard input, as in `ldapsearch … | mde-doctor syncrule eval --objects -`.
    let piped = eval_2012r2(std::path::Path::new("-"), &[])
        .stdin(computers_ldif())
        .run()
        .status(0);
    assert_eq!(piped.stdout(), b.stdout());
}

#[test]
fn an_input_without_objects_is_refused_with_its_first_problem() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "meeting notes\nnothing to see\n").unwrap();
    let empty = dir.path().join("empty.ldif");
    std::fs::write(&empty, "").unwrap();
    let binary = dir.path().join("blob.bin");
    std::fs::write(&binary, [0u8, 1, 2, 3, 255, 254, 10, 0, 7]).unwrap();
    for (file, needle) in [
        (&notes, "line 1"),
        (&empty, "the input is empty"),
        (&binary, "no objects could be read"),
    ] {
        for command in ["eval", "simulate"] {
            let mut args = vec!["syncrule".to_string(), command.to_string()];
            if command == "simulate" {
                args.extend(["--config".into(), contoso().display().to_string()]);
            } else {
                args.extend(["--preset".into(), "server2012r2-computer-join".into()]);
            }
            args.extend(["--objects".into(), file.display().to_string()]);
            let run = Test::new().args(args).run().status(2);
            let run = run.stderr_contains(&file.display().to_string());
            run.stderr_contains(needle);
        }
    }
}

/// Results are what they were before the parallel reader, typed records and resolved
/// functions (see `syncrule_before/README.md`): byte for byte, but for the JSON-lines header
/// and the simulate summary, whose format changed on purpose.
#[test]
fn outputs_are_unchanged() {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let before = here.join("tests/integration/syncrule_before");
    let inputs = [
        here.join("../../examples/objects/computers.ldif"),
        here.join("../syncrule/tests/fixtures/ldapsearch/default.ldif"),
        here.join("../syncrule/tests/fixtures/ldapsearch/lll-nowrap.ldif"),
    ];
    let config = contoso();
    for (i, objects) in inputs.iter().enumerate() {
        let objects = objects.to_str().unwrap();
        for format in ["jsonl", "table"] {
            let cases: [(&str, Vec<&str>); 4] = [
                (
                    "eval",
                    vec!["eval", "--preset", "server2012r2-computer-join"],
                ),
                ("evald", vec!["eval", "--preset", "default-computer-join"]),
                (
                    "sim",
                    vec!["simulate", "--config", config.to_str().unwrap()],
                ),
                (
                    "simd",
                    vec![
                        "simulate",
                        "--config",
                        config.to_str().unwrap(),
                        "--preset",
                        "server2012r2-computer-join",
                        "--diff",
                    ],
                ),
            ];
            for (name, args) in cases {
                let run = Test::new()
                    .args(["syncrule"])
                    .args(args)
                    .args(["--objects", objects, "--format", format])
                    .run()
                    .status(0);
                let file = format!("{name}-{}-{format}.out", i + 1);
                let expected = std::fs::read_to_string(before.join(&file)).unwrap();
                let stdout = run.stdout();
                let (mut now, mut then): (Vec<&str>, Vec<&str>) =
                    (stdout.lines().collect(), expected.lines().collect());
                if format == "jsonl" {
                    assert!(now[0].starts_with("{\"schema\":"), "{file}");
                    now.remove(0);
                    if name.starts_with("sim") {
                        now.pop();
                        then.pop();
                    }
                }
                assert_eq!(now, then, "{file}");
            }
        }
    }
}
