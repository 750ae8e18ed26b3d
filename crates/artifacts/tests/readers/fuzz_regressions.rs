//! Inputs the fuzzers found; each once crashed a reader.

use mde_artifacts::bundle::{Limits, read_bundle_zip};
use mde_artifacts::hive::{Selection, read_hive};
use mde_artifacts::snapshot::ArtifactStatus;

use crate::fixtures::read;

#[test]
fn hive_with_a_root_cell_offset_past_the_bins() {
    let err = read_hive(
        read("fuzz/hive-root-offset-overflow"),
        vec![],
        "SOFTWARE",
        Selection::All,
    );
    assert!(err.is_err());
}

#[test]
fn zip_entry_refused_keeps_its_raw_name() {
    let limits = Limits {
        max_file: 1 << 20,
        max_total: 4 << 20,
        max_files: 64,
    };
    let s = read_bundle_zip(
        "fuzz.zip",
        read("fuzz/bundle-refused-entry.zip"),
        limits,
        mde_artifacts::Wanted::ALL,
    );
    if let Ok(s) = s {
        for a in s
            .artifacts
            .iter()
            .filter(|a| !matches!(a.status, ArtifactStatus::Skipped { .. }))
        {
            assert!(
                !a.path.starts_with('/') && !a.path.split('/').any(|p| p == ".."),
                "{}",
                a.path
            );
        }
    }
}

#[test]
fn hive_whose_subkeys_loop_back() {
    // Once exhausted memory by following the loop.
    let _ = read_hive(
        read("fuzz/hive-subkey-cycle"),
        vec![],
        "SOFTWARE",
        Selection::All,
    );
}

#[test]
fn event_xml_with_userdata_at_the_top() {
    // Once sliced past the end of the element path.
    let _ = mde_artifacts::events::read_event_log(read("fuzz/events-userdata-path"));
    let xml = b"<Event><UserData>x</UserData></Event>";
    let log = mde_artifacts::events::read_event_xml(xml).unwrap();
    assert_eq!(log.total, 1);
}
