//! A small builder that runs the real binary and checks what it did.

use std::process::{Command, Output};

pub(crate) struct Test {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
}

pub(crate) struct Run {
    output: Output,
    description: String,
}

impl Test {
    pub(crate) fn new() -> Test {
        Test {
            args: Vec::new(),
            env: Vec::new(),
            stdin: None,
        }
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub(crate) fn env(mut self, key: &str, value: &str) -> Test {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Bytes to feed on standard input (otherwise it is empty).
    pub(crate) fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Test {
        self.stdin = Some(bytes.into());
        self
    }

    pub(crate) fn run(self) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mde-doctor"));
        command
            .args(&self.args)
            .env_remove("NO_COLOR")
            // `probe` takes its proxy from these: the tests name theirs.
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .env("COLUMNS", "100");
        for (k, v) in &self.env {
            command.env(k, v);
        }
        command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().expect("run mde-doctor");
        let input = child.stdin.take().expect("stdin is piped");
        let bytes = self.stdin.clone().unwrap_or_default();
        // Fed from a thread, so that a large input and a large output cannot deadlock.
        let feeder = std::thread::spawn(move || {
            let mut input = input;
            let _ = std::io::Write::write_all(&mut input, &bytes);
        });
        let output = child.wait_with_output().expect("wait for mde-doctor");
        feeder.join().expect("stdin feeder");
        Run {
            output,
            description: format!("mde-doctor {}", self.args.join(" ")),
        }
    }
}

impl Run {
    pub(crate) fn stdout(&self) -> String {
        String::from_utf8(self.output.stdout.clone()).expect("stdout is UTF-8")
    }

    pub(crate) fn stderr(&self) -> String {
        String::from_utf8(self.output.stderr.clone()).expect("stderr is UTF-8")
    }

    #[track_caller]
    pub(crate) fn status(self, expected: i32) -> Run {
        assert_eq!(
            self.output.status.code(),
            Some(expected),
            "{}: exit status\n--- stdout\n{}\n--- stderr\n{}",
            self.description,
            self.stdout(),
            self.stderr()
        );
        self
    }

    #[track_caller]
    pub(crate) fn stdout_contains(self, needle: &str) -> Run {
        assert!(
            self.stdout().contains(needle),
            "{}: stdout lacks {needle:?}\n--- stdout\n{}",
            self.description,
            self.stdout()
        );
        self
    }

    #[track_caller]
    pub(crate) fn stderr_contains(self, needle: &str) -> Run {
        assert!(
            self.stderr().contains(needle),
            "{}: stderr lacks {needle:?}\n--- stderr\n{}",
            self.description,
            self.stderr()
        );
        self
    }

    /// Parses stdout as JSON.
    #[track_caller]
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout()).unwrap_or_else(|e| {
            panic!(
                "{}: stdout is not JSON: {e}\n{}",
                self.description,
                self.stdout()
            )
        })
    }
}

/// A path inside the repository (`examples/…`, `tests/data/…`), as a string for `args`.
pub(crate) fn repo_path(rel: &str) -> String {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .display()
        .to_string()
}
