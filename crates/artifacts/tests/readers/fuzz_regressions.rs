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

/// Records read from their template values and records rendered by the evtx crate agree
/// on `bytes`: events, totals, damage.
fn direct_reading_is_the_rendering(bytes: Vec<u8>) -> mde_artifacts::events::EventLog {
    use mde_artifacts::events::{keep_all, read_evtx, read_evtx_filtered};
    let direct = read_evtx(bytes.clone()).unwrap();
    let rendered = read_evtx_filtered(bytes, &keep_all).unwrap();
    assert_eq!(direct.total, rendered.total);
    assert_eq!(direct.diagnostics, rendered.diagnostics);
    assert_eq!(direct.events, rendered.events);
    direct
}

/// The `evtx_direct` fuzzer's second find (the first chunks of `examples/events/security.evtx`,
/// MIT, mutated): a body's template instance pointing two bytes before its definition. The
/// evtx crate refuses the record; read from the values, the bytes there made a template of
/// no data. An instance whose template id is not its definition's is now left to the crate.
#[test]
fn evtx_template_offset_off_by_two_is_refused_as_rendered() {
    let log = direct_reading_is_the_rendering(read("fuzz/evtx-template-offset-off-by-two"));
    assert_eq!(log.total, 258);
}

/// The `evtx_direct` fuzzer's first find (chunks of `examples/events/system.evtx`, MIT,
/// mutated): a `Data` name holding a NUL, which the evtx crate cuts there. Read from its
/// template values, the event must be what the rendering gives (such a template is now left
/// to the rendering).
#[test]
fn evtx_data_name_with_a_nul_reads_as_rendered() {
    let log = direct_reading_is_the_rendering(read("fuzz/evtx-data-name-with-nul"));
    assert_eq!(log.total, 108);
    assert!(log.events.iter().any(|e| e.data("ExtraInf").is_some()));
}

/// The `evtx_direct` fuzzer's third find (the first chunks of
/// `examples/events/sample-with-irregular-bool-values.evtx`, MIT, 34 bytes mutated): record
/// 69's header says it was written in the year 57578. The evtx crate refuses that record and
/// reads the rest; read from the values, it was kept. Such a chunk is now read by the crate.
#[test]
fn evtx_record_written_after_9999_is_refused_as_rendered() {
    let log = direct_reading_is_the_rendering(read("fuzz/evtx-written-after-9999"));
    assert_eq!(log.total, 436);
    assert!(log.diagnostics.iter().any(|d| d.message.contains("0x84d0")));
}

/// The `evtx_direct` fuzzer's fourth find (the first chunks of `examples/events/security.evtx`,
/// MIT, mutated over many generations): a template whose
/// substitution declares the value type 0xfd, which is none. The evtx crate refuses the
/// template, and so every record of it (146 to 149); read from the values, they were kept
/// (the value itself is of a type that exists). Such a template is now left to the crate.
#[test]
fn evtx_substitution_of_no_type_is_refused_as_rendered() {
    let log = direct_reading_is_the_rendering(read("fuzz/evtx-substitution-of-no-type"));
    assert_eq!(log.total, 210);
    assert!(
        !log.events
            .iter()
            .any(|e| (146..=149).contains(&e.record_id))
    );
}

/// The `evtx_direct` fuzzer's fifth find (the first chunks of
/// `examples/events/security_bad_string_cache.evtx`, MIT, 19 bytes mutated): record 121 has a byte that is no token (0xff) after
/// its template instance, where the end of the stream belongs. The evtx crate reads on after
/// the instance and refuses the record; read from the values, it was kept. A record with
/// anything but the end there is now left to the crate.
#[test]
fn evtx_token_after_the_instance_is_refused_as_rendered() {
    let log = direct_reading_is_the_rendering(read("fuzz/evtx-token-after-the-instance"));
    assert_eq!(log.total, 259);
    assert!(!log.events.iter().any(|e| e.record_id == 121));
}

/// The `evtx_direct` fuzzer's sixth find (chunks of the real samples, MIT, mutated over many
/// generations): the name `EventRecordID` in a chunk's string table changed to text holding
/// U+0003. The evtx crate writes the name into its JSON as it is, which JSON refuses: every
/// record of the chunk was lost, as "control character found" (read from the values, they
/// were kept). Such a character is now escaped before the JSON is read.
#[test]
fn evtx_control_character_in_a_name_keeps_the_records() {
    let log = direct_reading_is_the_rendering(read("fuzz/evtx-control-character-in-a-name"));
    assert!(
        !log.diagnostics
            .iter()
            .any(|d| d.message.contains("control character"))
    );
    assert!(log.events.iter().any(|e| e.record_id == 149));
}
