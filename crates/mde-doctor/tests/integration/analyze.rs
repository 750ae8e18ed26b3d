//! `analyze`: every example bundle's diagnosis, evidence locations, HTML safety, partial
//! bundles.

use std::path::PathBuf;

use serde_json::Value;

use crate::util::Test;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundles")
}

fn analyze_json(bundle: &str, expected_status: i32) -> Value {
    Test::new()
        .args(["analyze", "--format", "json", bundle])
        .run()
        .status(expected_status)
        .json()
}

#[test]
fn every_example_bundle_gives_its_expected_root_cause() {
    let text = std::fs::read_to_string(examples().join("scenarios.toml")).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    let scenarios = table["scenario"].as_array().unwrap();
    assert!(scenarios.len() >= 12, "{} scenarios", scenarios.len());
    for s in scenarios {
        let name = s["name"].as_str().unwrap();
        let verdict = s["verdict"].as_str().unwrap();
        let bundle = examples().join(name);
        let run = Test::new()
            .args(["analyze", "--format", "json", bundle.to_str().unwrap()])
            .run();
        let d = run.json();
        assert_eq!(d["verdict"], verdict, "{name}");
        // The exit status is the verdict's: 0 healthy, 1 failing, 3 incomplete.
        run.status(match verdict {
            "healthy" => 0,
            "failing" => 1,
            _ => 3,
        });
        let want = s["finding"].as_str().unwrap();
        let code = s.get("code").and_then(|c| c.as_integer());
        let findings = d["findings"].as_array().unwrap();
        let hit = findings
            .iter()
            .find(|f| f["id"] == want && code.is_none_or(|c| f["code"].as_i64() == Some(c)));
        assert!(
            hit.is_some(),
            "{name}: no {want} (code {code:?}) in {findings:#?}"
        );
        let hit = hit.unwrap();
        assert!(
            !hit["evidence"].as_array().unwrap().is_empty(),
            "{name}: {want} without evidence"
        );
        // Root cause first: the expected finding leads, and the others it explains say so.
        if verdict != "healthy" {
            assert_eq!(
                findings[0]["id"], want,
                "{name}: the report leads with {}",
                findings[0]["id"]
            );
            assert_eq!(d["root_cause"], want, "{name}");
            for f in &findings[1..] {
                if let Some(cause) = f["caused_by"].as_str() {
                    assert!(findings.iter().any(|c| c["id"] == cause), "{name}: {cause}");
                }
            }
        }
        if verdict == "healthy" {
            let noisy: Vec<&Value> = findings
                .iter()
                .filter(|f| f["severity"] != "info")
                .collect();
            assert!(noisy.is_empty(), "healthy bundle has {noisy:#?}");
            assert_eq!(d["enrollment"]["code"], 1);
            assert_eq!(d["device"]["in_scope"], true);
        }
    }
}

/// The line a text appears on, found independently of mde-doctor's readers.
fn line_of(path: &PathBuf, needle: &str) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    let text = if bytes.starts_with(&[0xFF, 0xFE]) {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16(&units).unwrap()
    } else {
        String::from_utf8(bytes).unwrap()
    };
    text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1
}

#[test]
fn evidence_points_at_the_right_file_and_line() {
    let bundle = examples().join("tenant-mismatch");
    let d = analyze_json(bundle.to_str().unwrap(), 1);
    let finding = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "tenant.scp-mismatch")
        .unwrap();
    let evidence = finding["evidence"].as_array().unwrap();
    let sensecm = evidence
        .iter()
        .find(|e| e["artifact"] == "registry/sensecm.reg")
        .unwrap();
    assert_eq!(
        sensecm["line"],
        line_of(&bundle.join("registry/sensecm.reg"), "\"TenantId\"")
    );
    let scp = evidence
        .iter()
        .find(|e| e["artifact"] == "ad/scp.ldif")
        .unwrap();
    assert_eq!(
        scp["line"],
        line_of(&bundle.join("ad/scp.ldif"), "azureADId")
    );
    assert!(
        scp["excerpt"]
            .as_str()
            .unwrap()
            .contains("7c2e4b1a-9d8f-4e3c-a1b2-c3d4e5f6a7b8")
    );

    let bundle = examples().join("not-synced");
    let d = analyze_json(bundle.to_str().unwrap(), 1);
    let f = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "dsreg.device-not-synced")
        .unwrap();
    let msg = f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["excerpt"].as_str().unwrap().starts_with("Server Message"))
        .unwrap();
    assert_eq!(msg["artifact"], "dsregcmd-status.txt");
    assert_eq!(
        msg["line"],
        line_of(&bundle.join("dsregcmd-status.txt"), "Server Message")
    );
}

#[test]
fn json_has_the_promised_shape() {
    let d = analyze_json(examples().join("clock-skew").to_str().unwrap(), 1);
    for key in ["device", "enrollment", "join_state", "verdict", "findings"] {
        assert!(!d[key].is_null(), "{key}");
    }
    assert_eq!(d["device"]["hostname"], "PC-0040");
    assert_eq!(d["join_state"]["current"], "domain_joined");
    assert_eq!(d["join_state"]["after_onboarding"], "hybrid_joined");
    let f = &d["findings"][0];
    for key in [
        "id",
        "severity",
        "title",
        "root_cause",
        "actions",
        "docs",
        "evidence",
    ] {
        assert!(!f[key].is_null(), "finding lacks {key}");
    }
}

#[test]
fn html_report_escapes_what_came_from_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("b");
    copy_dir(&examples().join("healthy"), &bundle);
    std::fs::write(
        bundle.join("manifest.json"),
        r#"{"hostname": "<script>alert(1)</script>", "collector": "<img src=x onerror=alert(2)>"}"#,
    )
    .unwrap();
    let out = dir.path().join("report.html");
    Test::new()
        .args([
            "analyze",
            "--format",
            "html",
            "--output",
            out.to_str().unwrap(),
            bundle.to_str().unwrap(),
        ])
        .run()
        .status(0);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(!html.contains("<script"), "a script element in the report");
    assert!(!html.contains("<img"), "an img element in the report");
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    for section in [
        "General device details",
        "Device configuration management details",
        "Detailed results",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert!(
        !html.contains("http://") || !html.contains("src=\"http"),
        "no external assets"
    );
}

#[test]
fn a_partial_bundle_runs_every_check_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path();
    std::fs::copy(
        examples().join("scp-missing/dsregcmd-status.txt"),
        b.join("dsregcmd-status.txt"),
    )
    .unwrap();
    let d = analyze_json(b.to_str().unwrap(), 1);
    let ids: Vec<&str> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"scp.missing"), "{ids:?}");
    assert!(ids.contains(&"enrollment.missing"), "{ids:?}");
    assert!(ids.contains(&"probes.missing"), "{ids:?}");
    let missing = d["missing"].as_array().unwrap();
    assert!(
        missing
            .iter()
            .any(|m| m.as_str().unwrap().contains("SenseCM")),
        "{missing:?}"
    );
    Test::new()
        .args(["analyze", b.to_str().unwrap()])
        .run()
        .status(1)
        .stdout_contains("Not in the evidence");
}

#[test]
fn text_report_leads_with_the_root_cause() {
    let run = Test::new()
        .args(["analyze", examples().join("scp-missing").to_str().unwrap()])
        .run();
    let out = run.status(1).stdout_contains("FAILING").stdout();
    let fix = out.find("Fix this first").expect("a root cause section");
    let scp = out.find("No service connection point").unwrap();
    let folded = out.find("Caused by this (4), fixed with it:").unwrap();
    assert!(fix < scp && scp < folded, "{out}");
    // The consequences are folded (one line each), not repeated as error cards.
    assert!(!out.contains("\nErrors"), "{out}");
    assert!(out.contains("└ Enrollment status 16"), "{out}");
    Test::new()
        .args(["analyze", examples().join("connectivity").to_str().unwrap()])
        .run()
        .status(1)
        .stdout_contains("Fix this first")
        .stdout_contains("Other errors")
        .stdout_contains("enrollment.dm.microsoft.com is unreachable (TCP failed)")
        .stdout_contains("probes.json");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A configuration export as Get-ADSyncServerConfiguration writes it, cut to what simulation
/// reads: the AD connector's partition with its container filter, and the inbound computer
/// rule with the Windows Server 2012 R2 cloudFiltered of the security management docs.
fn aadconnect_export(dir: &std::path::Path, inclusion: &str) {
    let connectors = dir.join("Connectors");
    let rules = dir.join("SynchronizationRules");
    std::fs::create_dir_all(&connectors).unwrap();
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        connectors.join("Connector_{ae4db4cc-b16b-4eb2-acf5-837ca84e4d7d}.xml"),
        format!(
            "<ma-data><name>contoso.com</name><private-configuration><adma-configuration><forest-name>contoso.com</forest-name></adma-configuration></private-configuration><ma-partition-data><partition><name>DC=contoso,DC=com</name><selected>1</selected><filter><object-classes><object-class>computer</object-class><object-class>user</object-class></object-classes><containers><inclusions><inclusion>{inclusion}</inclusion></inclusions><exclusions /></containers></filter></partition></ma-partition-data></ma-data>"
        ),
    )
    .unwrap();
    let expr = "IIF(IsNullOrEmpty([userCertificate]) || ((InStr(UCase([operatingSystem]),&quot;WINDOWS&quot;) &gt; 0) &amp;&amp; (Left([operatingSystemVersion],2) = &quot;6.&quot;) &amp;&amp; (Left([operatingSystemVersion],3) &lt;&gt; &quot;6.3&quot;)),True,NULL)";
    std::fs::write(
        rules.join("SynchronizationRule_{b1c4d1e7-6c6b-4f54-9bd0-1f3c2e0f3a11}.xml"),
        format!(
            "<synchronizationRule><name>In from AD - Computer Join</name><direction>Inbound</direction><sourceObjectType>computer</sourceObjectType><targetObjectType>device</targetObjectType><attribute-mappings><mapping><dest>cloudFiltered</dest><expression>{expr}</expression></mapping></attribute-mappings></synchronizationRule>"
        ),
    )
    .unwrap();
}

/// `analyze --format json --aadconnect-config EXPORT` of the 2012 R2 example, with an export
/// whose AD connector includes only `included_ou`.
fn analyze_with_export(included_ou: &str) -> crate::util::Run {
    let bundle = examples().join("server-2012r2-filtered");
    let dir = tempfile::tempdir().unwrap();
    aadconnect_export(dir.path(), included_ou);
    Test::new()
        .args([
            "analyze",
            "--format",
            "json",
            "--aadconnect-config",
            dir.path().to_str().unwrap(),
            bundle.to_str().unwrap(),
        ])
        .run()
}

#[test]
fn the_config_exports_rule_and_scope_decide_for_the_devices_ad_object() {
    let d = analyze_with_export("OU=Workstations,DC=contoso,DC=com")
        .status(1)
        .json();
    assert_eq!(d["root_cause"], "sync.not-in-scope", "{d:#}");
    let d = analyze_with_export("OU=Servers,DC=contoso,DC=com").json();
    // In scope now; the object has no userCertificate, so the export's own rule decides
    // (and filters it), and the finding names the export as the rule's source.
    let f = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "sync.filtered" || f["id"] == "sync.synced")
        .unwrap();
    assert!(
        f["root_cause"]
            .as_str()
            .unwrap()
            .contains("the Entra Connect configuration export"),
        "{f:#}"
    );
    let bundle = examples().join("server-2012r2-filtered");
    Test::new()
        .args([
            "analyze",
            "--aadconnect-config",
            "/nonexistent",
            bundle.to_str().unwrap(),
        ])
        .run()
        .status(2)
        .stderr_contains("--aadconnect-config");
}
