//! dsregcmd reader and its typed views.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(status) = mde_artifacts::dsregcmd::parse_dsregcmd(data) {
        let _ = status.facts();
    }
});
