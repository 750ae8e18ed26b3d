//! Sync-rule expressions: parse any text (nesting is bounded, so no stack overflow);
//! evaluate what parses against a small object (overflow and huge sizes are errors, never a
//! panic or an abort); results and errors shown through the output sanitiser hold no raw
//! control, C1 or bidi character.
#![no_main]
use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use mde_report::sanitize::{is_hostile, visible};
use mde_syncrule::{Ctx, Object, Value, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let expr = match parse(text) {
        Ok(expr) => expr,
        Err(e) => {
            assert!(!visible(&e.to_string()).chars().any(is_hostile));
            return;
        }
    };
    let mut object = Object::default();
    object.attributes.insert("operatingSystem".into(), vec![Value::Str("Windows Server 2012 R2".into())]);
    object.attributes.insert("proxyAddresses".into(), vec![Value::Str("SMTP:a@b".into()), Value::Str("smtp:c@d".into())]);
    object.attributes.insert("userCertificate".into(), vec![Value::Bin(vec![0x30, 0x82, 0x01])]);
    let params = BTreeMap::new();
    let shown = match Ctx::new(&object, &params, 0).eval(&expr) {
        Ok(v) => v.show(),
        Err(e) => e.to_string(),
    };
    assert!(!visible(&shown).chars().any(is_hostile));
});
