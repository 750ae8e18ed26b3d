//! `explain CODE` parsing and lookup.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(query) = mde_catalog::Query::parse(text)
    {
        let _ = mde_catalog::builtin().lookup(&query);
    }
});
