//! Kind detection and text decoding.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mde_artifacts::detect("probes.json", data);
    if let Ok(text) = mde_artifacts::text::decode(data) {
        let _ = mde_artifacts::text::lines(&text.text).count();
    }
});
