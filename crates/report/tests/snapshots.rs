//! Snapshots of the reports of example bundles: a change to a renderer shows as a diff.

use std::path::PathBuf;

use mde_artifacts::{Limits, read_bundle};

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
