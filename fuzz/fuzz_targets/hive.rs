//! Offline hive reader (notatin behind a panic guard): errors, not crashes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mde_artifacts::hive::{Selection, read_hive};

fuzz_target!(|data: &[u8]| {
    // read_hive's contract is "an error, never an abort": it guards notatin with
    // catch_unwind. libFuzzer's panic hook would abort before that guard runs, so restore a
    // silent hook and let the guard do its job; an escaping panic still aborts the run.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    // Give the parser a valid signature most of the time so it gets past the first check.
    let mut bytes = data.to_vec();
    if bytes.len() >= 4 && bytes[0] & 1 == 0 {
        bytes[..4].copy_from_slice(b"regf");
    }
    let _ = read_hive(bytes, vec![], "SOFTWARE", Selection::All);
});
