//! Offline hive reader (notatin behind a panic guard): errors, not crashes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mde_artifacts::hive::{Selection, read_hive};

fuzz_target!(|data: &[u8]| {
    // Give the parser a valid signature most of the time so it gets past the first check.
    let mut bytes = data.to_vec();
    if bytes.len() >= 4 && bytes[0] & 1 == 0 {
        bytes[..4].copy_from_slice(b"regf");
    }
    let _ = read_hive(bytes, vec![], "SOFTWARE", Selection::All);
});
