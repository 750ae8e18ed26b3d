//! Event logs: XML exports in their documented shapes, and every real `.evtx` sample.

use mde_artifacts::Location;
use mde_artifacts::events::{read_event_log, read_event_xml};

use crate::fixtures::{read, sample};

#[test]
fn wevtutil_xml_without_a_root() {
    let log = read_event_xml(&read("events/udr-admin.xml")).unwrap();
    assert_eq!(log.format, "xml");
    assert_eq!(log.events.len(), 5);
    let e = &log.events[1];
    assert_eq!(e.event_id, 304);
    assert_eq!(e.record_id, 413);
    assert_eq!(e.level, 2);
    assert_eq!(
        e.channel,
        "Microsoft-Windows-User Device Registration/Admin"
    );
    assert_eq!(e.provider, "Microsoft-Windows-User Device Registration");
    assert_eq!(e.time, "2026-11-20T08:31:04.1250000Z");
    assert_eq!(e.at, Location::Line(2));
    assert_eq!(
        e.data[0],
        (
            "Data[0]".to_string(),
            "Unknown HResult Error code: 0x801c001d".to_string()
        )
    );
    assert_eq!(e.data.len(), 5);
    // Named data and entities.
    let d = &log.events[3];
    assert_eq!(d.data("ExitCode"), Some("0x80072EE2"));
    assert_eq!(d.data("ServerResponse"), Some("<none> & timed out"));
}

#[test]
fn rendered_xml_keeps_the_message() {
    let log = read_event_xml(&read("events/aadrt-rendered.xml")).unwrap();
    assert_eq!(
        log.events[0].message.as_deref(),
        Some("AAD runtime call failed. Error: 0x801C03F2")
    );
    assert!(
        log.events[0]
            .data("Message")
            .unwrap()
            .contains("WinHttpSendRequest")
    );
}

#[test]
fn event_viewer_export_in_utf16_with_a_root() {
    let log = read_event_log(read("events/aad-operational-utf16.xml")).unwrap();
    assert_eq!(log.events.len(), 1);
    assert_eq!(log.events[0].event_id, 1081);
    assert_eq!(log.events[0].data("Error"), Some("0xCAA20003"));
    let log = read_event_xml(&read("events/sense-operational.xml")).unwrap();
    assert_eq!(log.events.len(), 2);
    assert_eq!(
        log.events[0].data("url"),
        Some("https://winatp-gw-weu.microsoft.com/")
    );
    assert_eq!(log.events[1].at, Location::Line(17));
}

#[test]
fn broken_xml_keeps_what_was_read() {
    let mut xml = read("events/udr-admin.xml");
    xml.truncate(xml.len() / 2);
    let log = read_event_xml(&xml).unwrap();
    assert!(!log.events.is_empty());
    assert!(!log.diagnostics.is_empty() || log.events.len() < 5);
    assert!(read_event_xml(b"<nothing/>").is_err());
    assert!(read_event_xml(b"\x00\x01garbage").is_err());
}

/// Every record of every real sample is read or reported, and the count matches the evtx
/// crate's own single-threaded XML iteration (what `evtx_dump` does).
#[test]
fn real_evtx_samples_read_completely() {
    let dir = crate::fixtures::sample_path("evtx/");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "evtx") {
            continue;
        }
        files += 1;
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let bytes = sample(&format!("evtx/{name}"));
        let log = read_event_log(bytes.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let settings = evtx::ParserSettings::new().num_threads(1);
        let mut oracle = evtx::EvtxParser::from_buffer(bytes)
            .unwrap()
            .with_configuration(settings);
        let (mut ok, mut failed) = (0usize, 0usize);
        for r in oracle.records() {
            if r.is_ok() { ok += 1 } else { failed += 1 }
        }
        assert_eq!(log.events.len(), ok, "{name}: records");
        assert_eq!(log.diagnostics.len(), failed, "{name}: errors");
        assert!(
            log.events
                .iter()
                .all(|e| e.record_id > 0 && !e.time.is_empty()),
            "{name}"
        );
    }
    assert!(files >= 11, "{files} samples");
}

#[test]
fn known_sample_counts() {
    let log = read_event_log(sample("evtx/security.evtx")).unwrap();
    assert_eq!(log.events.len(), 2261);
    assert_eq!(log.events[0].channel, "Security");
    let log = read_event_log(sample("evtx/sample_with_a_bad_chunk_magic.evtx")).unwrap();
    assert_eq!((log.events.len(), log.diagnostics.len()), (301, 3));
    let log = read_event_log(sample("evtx/system.evtx")).unwrap();
    let e = log.events.iter().find(|e| e.event_id == 6009).unwrap();
    assert_eq!(e.level, 4, "EventID with Qualifiers is still read");
}

#[test]
fn damage_inside_an_event_log_names_its_offset_and_a_cut_copy_says_so() {
    let log = read_event_log(sample("evtx/sample_with_a_bad_chunk_magic.evtx")).unwrap();
    let chunk = log
        .diagnostics
        .iter()
        .find(|d| d.message.starts_with("chunk 6 "))
        .expect("chunk 6 is damaged");
    assert_eq!(chunk.at, Location::Offset(0x1000 + 6 * 0x10000));
    assert!(
        log.diagnostics.iter().all(|d| d.at != Location::Whole),
        "{:?}",
        log.diagnostics
    );
    // A copy cut 100,000 bytes in: one whole chunk read, the cut reported at its offset.
    let mut cut = sample("evtx/system.evtx");
    cut.truncate(100_000);
    let log = read_event_log(cut).unwrap();
    assert!(log.total > 0);
    let tail = log.diagnostics.last().expect("the cut is reported");
    assert_eq!(tail.at, Location::Offset(0x11000));
    assert!(tail.message.contains("truncated copy"), "{}", tail.message);
    // A whole log has no such note.
    let whole = read_event_log(sample("evtx/system.evtx")).unwrap();
    assert!(whole.diagnostics.is_empty(), "{:?}", whole.diagnostics);
}
