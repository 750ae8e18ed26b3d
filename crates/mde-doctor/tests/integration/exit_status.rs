//! The exit status tells a script what happened, the same in every command that gives a
//! verdict: 0 healthy, 1 failing, 2 input unusable, 3 incomplete.

use std::path::Path;

use crate::util::{Test, repo_path};

fn example(name: &str) -> String {
    repo_path(&format!("examples/bundles/{name}"))
}

fn analyze(bundle: &Path) -> crate::util::Run {
    Test::new()
        .args(["analyze", bundle.to_str().unwrap()])
        .run()
}

#[test]
fn zero_healthy() {
    Test::new()
        .args(["analyze", &example("healthy")])
        .run()
        .status(0)
        .stdout_contains("HEALTHY");
}

#[test]
fn one_failing() {
    Test::new()
        .args(["analyze", &example("tenant-mismatch")])
        .run()
        .status(1)
        .stdout_contains("FAILING");
}

#[test]
fn two_missing_bundle_bad_arguments_and_nothing_readable() {
    let dir = tempfile::tempdir().unwrap();
    analyze(&dir.path().join("nope"))
        .status(2)
        .stderr_contains("nope");
    // An empty folder is no evidence of anything.
    analyze(dir.path())
        .status(2)
        .stderr_contains("the bundle holds no files");
    Test::new()
        .args(["analyze", "--format", "pdf", &example("healthy")])
        .run()
        .status(2);
    // Files, but none usable: each named with its reason.
    std::fs::write(dir.path().join("empty.txt"), b"").unwrap();
    std::fs::write(dir.path().join("notes.md"), b"called the user, no answer\n").unwrap();
    std::fs::write(
        dir.path().join("blob.bin"),
        [0u8, 159, 146, 150, 7, 1, 0, 0],
    )
    .unwrap();
    analyze(dir.path())
        .status(2)
        .stderr_contains("none of the 3 file(s)")
        .stderr_contains("empty.txt: empty")
        .stderr_contains("notes.md: unrecognised")
        .stderr_contains("blob.bin: unrecognised");
}

#[test]
fn three_incomplete() {
    // Only a dsregcmd output, named as users name it: read, no error, evidence missing.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo_path("tests/data/dsregcmd/full_03_entra-joined-healthy.txt"),
        dir.path().join("dsregcmd-status.txt"),
    )
    .unwrap();
    let run = analyze(dir.path()).status(3).stdout_contains("INCOMPLETE");
    assert!(
        !run.stdout().contains("no dsregcmd output"),
        "{}",
        run.stdout()
    );
    let d = Test::new()
        .args(["analyze", "--format", "json", dir.path().to_str().unwrap()])
        .run()
        .status(3)
        .json();
    assert_eq!(d["verdict"], "incomplete");
    assert!(
        !d["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().contains("dsregcmd")),
        "{}",
        d["missing"]
    );
}

#[test]
fn help_states_the_exit_statuses() {
    Test::new()
        .args(["analyze", "--help"])
        .run()
        .status(0)
        .stdout_contains("0  healthy")
        .stdout_contains("1  failing")
        .stdout_contains("2  the input could not be used")
        .stdout_contains("3  incomplete");
}
