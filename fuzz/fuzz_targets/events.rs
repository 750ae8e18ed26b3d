//! Event log readers (evtx through the evtx crate, XML exports) and the event decoder: no
//! panic, nesting bounded, and every value shown through the output sanitiser holds no raw
//! control, C1 or bidi character.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mde_report::sanitize::{is_hostile, visible};

fn assert_shown_clean(text: &str) {
    assert!(!visible(text).chars().any(is_hostile));
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    // Half the inputs get the evtx signature so the binary path is exercised too.
    if bytes.len() > 8 && bytes[0] & 1 == 1 {
        bytes[..8].copy_from_slice(b"ElfFile\0");
    }
    if let Ok(log) = mde_artifacts::events::read_event_log(bytes) {
        for e in &log.events {
            let _ = mde_diagnose::events::decode(e);
            assert_shown_clean(&e.channel);
            assert_shown_clean(&e.provider);
            for (k, v) in &e.data {
                assert_shown_clean(k);
                assert_shown_clean(v);
            }
        }
        for d in &log.diagnostics {
            assert_shown_clean(&d.to_string());
        }
    }
});
