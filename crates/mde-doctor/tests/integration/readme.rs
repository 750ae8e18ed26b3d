//! The README runs as written: every `mde-doctor …` line of its `sh` blocks, from the
//! repository root, with the binary under test first on the PATH. A line may end in `\` and
//! go on; lines with `<placeholders>` stand for the user's own files and are skipped. Exit
//! status 2 (unusable input: a missing file, a wrong flag) fails the test; 0, 1 and 3 are
//! verdicts. Blocks of other languages (`text`, `powershell`, `json`) are not run.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The runnable lines of the `sh` blocks of a Markdown text, with their line numbers.
fn sh_lines(markdown: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(lang) = trimmed.strip_prefix("```") {
            in_sh = !in_sh && lang.trim() == "sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let (number, mut text) = match pending.take() {
            Some((n, t)) => (n, format!("{t} {trimmed}")),
            None => (i + 1, trimmed.to_string()),
        };
        if let Some(head) = text.strip_suffix('\\') {
            pending = Some((number, head.trim_end().to_string()));
            continue;
        }
        text = text.trim().to_string();
        if text.starts_with("mde-doctor ") {
            out.push((number, text));
        }
    }
    out
}

fn path_with_binary() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_mde-doctor"))
        .parent()
        .expect("the binary has a folder")
        .to_path_buf();
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{old}", bin.display())
}

#[test]
fn every_mde_doctor_line_of_the_readme_runs() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let lines = sh_lines(&readme);
    assert!(
        lines.len() >= 20,
        "expected the README to show every command, found {} lines",
        lines.len()
    );
    let path = path_with_binary();
    let mut failures = Vec::new();
    let mut ran = 0;
    for (number, line) in &lines {
        // `<PC-0042.zip>`: the user's own file (a redirection `< file` has a space after).
        let placeholder = line
            .match_indices('<')
            .any(|(at, _)| line[at + 1..].starts_with(|c: char| !c.is_whitespace()));
        if placeholder {
            continue;
        }
        ran += 1;
        // A line that runs until stopped (a server) does not belong in a `sh` block: it is
        // stopped after two minutes and reported.
        let output = Command::new("timeout")
            .args(["120", "bash", "-c", line])
            .current_dir(repo_root())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run bash");
        let code = output.status.code();
        if code == Some(124) {
            failures.push(format!(
                "README.md line {number}: `{line}` still ran after 120 s (a long-running \
                 command belongs in a `text` block)"
            ));
            continue;
        }
        if !matches!(code, Some(0 | 1 | 3)) {
            failures.push(format!(
                "README.md line {number}: `{line}` exited {code:?}\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(ran >= 20, "only {ran} README lines ran");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_reader_of_sh_blocks_joins_continuations_and_skips_other_blocks() {
    let md =
        "```sh\nmde-doctor a \\\n  --b c\n# comment\ncargo x\n```\n```text\nmde-doctor no\n```\n";
    assert_eq!(sh_lines(md), vec![(2, "mde-doctor a --b c".to_string())]);
}

/// Every subcommand a finding text or the README names exists in this build.
#[test]
fn every_command_named_exists() {
    let help = Command::new(env!("CARGO_BIN_EXE_mde-doctor"))
        .arg("--help")
        .output()
        .expect("run --help");
    let help = String::from_utf8_lossy(&help.stdout).to_string();
    let mut texts = vec![(
        "README.md".to_string(),
        std::fs::read_to_string(repo_root().join("README.md")).expect("README"),
    )];
    let data = repo_root().join("crates/diagnose/data");
    for entry in std::fs::read_dir(&data).expect("diagnose data") {
        let path = entry.expect("entry").path();
        texts.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).expect("data file"),
        ));
    }
    let mut unknown = Vec::new();
    for (name, text) in &texts {
        // Commands are named in code: `mde-doctor X …` inline, or a code line starting so.
        let inline = text
            .match_indices("`mde-doctor ")
            .map(|(at, m)| at + m.len());
        let mut subs: Vec<&str> = inline
            .map(|at| {
                text[at..]
                    .split(|c: char| !(c.is_ascii_lowercase() || c == '-'))
                    .next()
                    .unwrap_or("")
            })
            .collect();
        // Lines of fenced blocks (any language) that start with the command.
        let mut fenced = false;
        for line in text.lines().map(str::trim_start) {
            if line.starts_with("```") {
                fenced = !fenced;
            } else if fenced && let Some(rest) = line.strip_prefix("mde-doctor ") {
                subs.push(rest.split_whitespace().next().unwrap_or(""));
            }
        }
        for sub in subs {
            if sub.is_empty() || sub.starts_with('-') {
                continue;
            }
            let listed = help
                .lines()
                .any(|l| l.split_whitespace().next() == Some(sub));
            if !listed {
                unknown.push(format!("{name}: mde-doctor {sub}"));
            }
        }
    }
    unknown.sort();
    unknown.dedup();
    assert!(
        unknown.is_empty(),
        "commands named but not built: {unknown:?}"
    );
}
