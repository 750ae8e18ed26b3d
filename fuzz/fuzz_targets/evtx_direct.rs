//! Records read straight from their template values (`read_evtx`) against the same log read
//! by rendering every record with the evtx crate (`read_evtx_filtered` keeping everything):
//! the same events, totals and damage, whatever the bytes. Seed it with real logs (the
//! fuzzer mutates their chunks: templates, substitution values, names):
//!
//!   mkdir -p fuzz/corpus/evtx_direct && head -c 200704 examples/events/security.evtx \
//!     > fuzz/corpus/evtx_direct/security && cargo +nightly fuzz run evtx_direct
#![no_main]
use libfuzzer_sys::fuzz_target;
use mde_artifacts::events::{keep_all, read_evtx, read_evtx_filtered};

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    if bytes.len() >= 8 {
        bytes[..8].copy_from_slice(b"ElfFile\0");
    }
    let direct = read_evtx(bytes.clone());
    let rendered = read_evtx_filtered(bytes, &keep_all);
    match (direct, rendered) {
        (Ok(direct), Ok(rendered)) => {
            assert_eq!(direct.total, rendered.total);
            assert_eq!(direct.diagnostics, rendered.diagnostics);
            assert_eq!(direct.events, rendered.events);
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("one reading failed: {a:?} / {b:?}"),
    }
});
