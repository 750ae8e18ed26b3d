//! Sync-rule expressions: parse any text; evaluate what parses against a small object.
#![no_main]
use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use mde_syncrule::{Ctx, Object, Value, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(expr) = parse(text) else { return };
    let mut object = Object::default();
    object.attributes.insert("operatingSystem".into(), vec![Value::Str("Windows Server 2012 R2".into())]);
    object.attributes.insert("proxyAddresses".into(), vec![Value::Str("SMTP:a@b".into()), Value::Str("smtp:c@d".into())]);
    object.attributes.insert("userCertificate".into(), vec![Value::Bin(vec![0x30, 0x82, 0x01])]);
    let params = BTreeMap::new();
    let _ = Ctx::new(&object, &params, 0).eval(&expr);
});
