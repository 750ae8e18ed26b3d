//! `.reg` reader: any bytes give a file or an error, never a panic; every value it returns
//! names a line that exists.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mde_artifacts::Location;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = mde_artifacts::reg::parse_reg(data) {
        for key in &file.keys {
            for value in &key.values {
                assert!(matches!(value.at, Location::Line(n) if n >= 1));
                let _ = value.data.display();
            }
        }
    }
});
