//! Event log readers (evtx through the evtx crate, XML exports) and the event decoder.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    // Half the inputs get the evtx signature so the binary path is exercised too.
    if bytes.len() > 8 && bytes[0] & 1 == 1 {
        bytes[..8].copy_from_slice(b"ElfFile\0");
    }
    if let Ok(log) = mde_artifacts::events::read_event_log(bytes) {
        for e in &log.events {
            let _ = mde_diagnose::events::decode(e);
        }
    }
});
