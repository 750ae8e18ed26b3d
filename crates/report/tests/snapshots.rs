//! Snapshots of the reports of example bundles: a change to a renderer shows as a diff.

use std::path::PathBuf;

use mde_artifacts::Limits;
use mde_diagnose::wanted::read_bundle;

fn diagnosis(name: &str) -> mde_diagnose::Diagnosis {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/bundles")
        .join(name);
    let mut snapshot = read_bundle(&path, Limits::default()).unwrap();
    // Keep machine-specific paths out of the snapshots.
    snapshot.source = format!("examples/bundles/{name}");
    mde_diagnose::diagnose(&snapshot)
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn text_tenant_mismatch() {
    insta::assert_snapshot!(strip_ansi(&mde_report::render_text(&diagnosis(
        "tenant-mismatch"
    ))));
}

#[test]
fn text_healthy() {
    insta::assert_snapshot!(strip_ansi(&mde_report::render_text(&diagnosis("healthy"))));
}

#[test]
fn html_scp_missing() {
    insta::assert_snapshot!(mde_report::render_html(&diagnosis("scp-missing")));
}

#[test]
fn json_clock_skew() {
    insta::assert_snapshot!(mde_report::render_json(&diagnosis("clock-skew")));
}

/// People read labels ("Microsoft Entra hybrid joined"), never the JSON keys, in every
/// example's text and HTML report; and both open with the root cause when there is one.
#[test]
fn reports_speak_in_labels_and_lead_with_the_root_cause() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundles");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    for name in names {
        let d = diagnosis(&name);
        let text = strip_ansi(&mde_report::render_text(&d));
        let html = mde_report::render_html(&d);
        for raw in [
            "hybrid_joined",
            "entra_joined",
            "domain_joined",
            "not_joined",
            "on_prem_drs_joined",
            "Azure AD joined",
        ] {
            assert!(!text.contains(raw), "{name}: text has {raw}\n{text}");
            assert!(!html.contains(raw), "{name}: HTML has {raw}");
        }
        if let Some(root) = &d.root_cause {
            let fix = text
                .find("Fix this first")
                .expect("a Fix this first section");
            let first = text.find(&d.findings[0].title).unwrap();
            assert!(fix < first, "{name}");
            assert_eq!(&d.findings[0].id, root);
            assert!(html.contains("<h2>Fix this first</h2>"), "{name}");
        }
    }
}

#[test]
fn an_old_success_after_offboarding_is_not_reported_as_working() {
    let d = diagnosis("offboarded");
    assert!(d.enrollment.as_ref().unwrap().out_of_date);
    let text = strip_ansi(&mde_report::render_text(&d));
    let html = mde_report::render_html(&d);
    assert!(text.starts_with("PC-OFF  FAILING"), "{text}");
    for page in [&text, &html] {
        assert!(!page.contains("works"), "{page}");
        assert!(page.contains("out of date"));
    }
}
