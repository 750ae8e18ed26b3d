//! LDIF reader: records from any bytes, lines that exist, no panic; and what is read never
//! depends on where the input's buffer happens to end.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mde_artifacts::Location;
use mde_artifacts::ldif::{LdifReader, Scp};

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|b| **b == b'\n').count() + 1;
    let mut reader = LdifReader::new(data);
    let records: Vec<_> = reader.by_ref().collect();
    for record in &records {
        assert!(matches!(record.at, Location::Line(n) if n >= 1 && n <= lines));
        let _ = Scp::from_record(record);
    }
    let capacity = 1 + data.first().copied().unwrap_or(0) as usize % 64;
    let mut small = LdifReader::new(std::io::BufReader::with_capacity(capacity, data));
    let again: Vec<_> = small.by_ref().collect();
    assert_eq!(again, records);
    assert_eq!(small.diagnostics(), reader.diagnostics());

    let wanted = ["cn".to_string(), "userCertificate".to_string()];
    let only = |input| LdifReader::new(input).only(&wanted).lazy_base64(&wanted[1..]);
    let mut whole = only(std::io::BufReader::with_capacity(1 << 16, data));
    let mut small = only(std::io::BufReader::with_capacity(capacity, data));
    let (a, b): (Vec<_>, Vec<_>) = (whole.by_ref().collect(), small.by_ref().collect());
    assert_eq!(a, b);
    assert_eq!(whole.diagnostics(), small.diagnostics());
});
