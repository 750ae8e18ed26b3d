//! `mde-doctor collect`: on this (non-Windows) machine it refuses clearly; the Windows
//! build is exercised under Wine by the `wine` module.

use std::path::Path;

use crate::util::Test;

/// Copies a bundle directory (one level of subdirectories, as bundles have).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[cfg(not(windows))]
#[test]
fn collect_elsewhere_than_windows_says_where_to_run_it() {
    Test::new()
        .args(["collect"])
        .run()
        .status(2)
        .stderr_contains("run it on the Windows device")
        .stderr_contains("mde-doctor probe");
}
