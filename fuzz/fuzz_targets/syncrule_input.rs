//! Sync-rule inputs: any bytes as an export (LDIF, CSV, JSON lines; UTF-8 or UTF-16), each
//! object read evaluated by the 2012 R2 rule (certificate parsing of whatever bytes arrive).
#![no_main]
use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use mde_syncrule::{Ctx, parse, presets};

fuzz_target!(|data: &[u8]| {
    let Ok(items) = mde_syncrule::input::objects(data, None) else { return };
    let rule = parse(presets::SERVER_2012R2_COMPUTER_JOIN).unwrap();
    let params = BTreeMap::new();
    for object in items.take(1000).flatten() {
        let _ = Ctx::new(&object, &params, 0).eval(&rule);
    }
});
