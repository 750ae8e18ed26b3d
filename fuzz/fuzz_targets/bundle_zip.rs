//! Zip bundles: names, sizes and contents are all hostile.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mde_artifacts::bundle::{Limits, read_bundle_zip};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_file: 1 << 20, max_total: 4 << 20, max_files: 64 };
    if let Ok(snapshot) = read_bundle_zip("fuzz.zip", data.to_vec(), limits, mde_artifacts::Wanted::ALL) {
        // Refused entries keep their raw name (to say what was refused); everything read
        // has a name inside the bundle.
        for artifact in snapshot
            .artifacts
            .iter()
            .filter(|a| !matches!(a.status, mde_artifacts::snapshot::ArtifactStatus::Skipped { .. }))
        {
            assert!(!artifact.path.starts_with('/') && !artifact.path.split('/').any(|p| p == ".."));
        }
    }
});
