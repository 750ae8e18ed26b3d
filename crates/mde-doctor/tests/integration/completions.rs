use crate::util::Test;

#[test]
fn every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _mde__doctor"),
        ("zsh", "#compdef mde-doctor"),
        ("fish", "complete -c mde-doctor"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        Test::new()
            .args(["completions", shell])
            .run()
            .status(0)
            .stdout_contains(marker)
            .stdout_contains("explain");
    }
}

#[test]
fn help_and_version() {
    Test::new()
        .args(["--version"])
        .run()
        .status(0)
        .stdout_contains("mde-doctor 0.1.0");
    for sub in ["explain", "codes", "completions"] {
        Test::new()
            .args([sub, "--help"])
            .run()
            .status(0)
            .stdout_contains("Usage:");
    }
    Test::new().args(["frobnicate"]).run().status(2);
}
