//! `.reg` reader: any bytes give a file or an error, never a panic; every value it returns
//! names a line that exists; everything it read, shown through the output sanitiser, holds
//! no raw control, C1 or bidi character (so no output line can start with one).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mde_artifacts::Location;
use mde_report::sanitize::{is_hostile, visible};

fn assert_shown_clean(text: &str) {
    let shown = visible(text);
    assert!(!shown.chars().any(is_hostile), "{shown:?}");
}

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = mde_artifacts::reg::parse_reg(data) {
        for key in &file.keys {
            assert_shown_clean(key.path.as_str());
            for value in &key.values {
                assert!(matches!(value.at, Location::Line(n) if n >= 1));
                assert_shown_clean(&value.name);
                assert_shown_clean(&value.data.display());
            }
        }
        for d in &file.diagnostics {
            assert_shown_clean(&d.to_string());
        }
    }
});
