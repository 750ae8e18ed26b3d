//! LDIF reader: records from any bytes, lines that exist, no panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mde_artifacts::Location;
use mde_artifacts::ldif::{LdifReader, Scp};

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|b| **b == b'\n').count() + 1;
    let mut reader = LdifReader::new(data);
    for record in reader.by_ref() {
        assert!(matches!(record.at, Location::Line(n) if n >= 1 && n <= lines));
        let _ = Scp::from_record(&record);
    }
});
