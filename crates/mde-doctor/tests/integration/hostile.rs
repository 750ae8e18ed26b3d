//! Hostile input (issue 16): one generator per class of attack, each case run as a
//! subprocess under a memory limit (`ulimit -v`), a CPU limit (`ulimit -t`) and a wall-clock
//! deadline. Inputs are generated at test time; nothing large is committed. Every case must
//! end with exit status 0, 1 or 2 and a reported problem — never a crash, a hang or an
//! abort — and every output must be free of raw control, C1 and bidi characters.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a limited run did.
struct Limited {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Limited {
    /// Exit status 0, 1 or 2: an answer or a clear refusal, not a signal.
    #[track_caller]
    fn answered(&self, what: &str) -> &Limited {
        assert!(
            matches!(self.status, Some(0..=2)),
            "{what}: status {:?} (a signal means a crash, an abort or a limit)\n--- stderr\n{}",
            self.status,
            self.stderr.chars().take(2000).collect::<String>()
        );
        self
    }

    #[track_caller]
    fn status_is(&self, expected: i32, what: &str) -> &Limited {
        assert_eq!(
            self.status,
            Some(expected),
            "{what}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout.chars().take(2000).collect::<String>(),
            self.stderr.chars().take(2000).collect::<String>()
        );
        self
    }

    #[track_caller]
    fn says(&self, needle: &str, what: &str) -> &Limited {
        assert!(
            self.stdout.contains(needle) || self.stderr.contains(needle),
            "{what}: neither stdout nor stderr contains {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout.chars().take(2000).collect::<String>(),
            self.stderr.chars().take(2000).collect::<String>()
        );
        self
    }

    /// The output invariant: with colour off, no raw control character but line breaks (and
    /// the tabs of tab-separated tables), no C1, no bidi formatting character — so nothing
    /// from the input can steer the terminal, forge a line or read differently.
    #[track_caller]
    fn clean(&self, what: &str) -> &Limited {
        for (stream, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            if let Some((i, c)) = text.char_indices().find(|(_, c)| {
                (c.is_control() && !matches!(c, '\n' | '\t'))
                    || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
            }) {
                panic!(
                    "{what}: raw {c:?} in {stream} at byte {i}: {:?}",
                    &text[text.floor_char_boundary(i.saturating_sub(60))..text.ceil_char_boundary((i + 60).min(text.len()))]
                );
            }
        }
        self
    }
}

/// Runs mde-doctor with `args` under `mem_mib` MiB of address space and `secs` seconds (CPU
/// and wall clock). Colour is off, so any escape sequence in the output came from input.
fn limited(args: &[&str], stdin: &[u8], mem_mib: u64, secs: u64) -> Limited {
    let script = format!(
        "ulimit -v {} && ulimit -t {secs} && exec \"$0\" \"$@\"",
        mem_mib * 1024
    );
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_mde-doctor"))
        .arg("--color")
        .arg("never")
        .args(args)
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mde-doctor under sh");
    let started = Instant::now();
    let input = child.stdin.take().expect("stdin is piped");
    let bytes = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let mut input = input;
        let _ = input.write_all(&bytes);
    });
    let mut out = child.stdout.take().expect("stdout is piped");
    let mut err = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err, &mut v);
        v
    });
    // Wall clock: twice the CPU limit (a loaded machine), then the case fails as a hang.
    let deadline = Duration::from_secs(secs * 2 + 5);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for mde-doctor") {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mde-doctor {args:?} still running after {deadline:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    feeder.join().expect("stdin feeder");
    let stdout = String::from_utf8_lossy(&reader.join().expect("stdout reader")).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().expect("stderr reader")).into_owned();
    Limited {
        status: status.code(),
        stdout,
        stderr,
    }
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

// ---------------------------------------------------------------- panics and aborts

#[test]
fn arithmetic_overflow_is_an_error_not_a_panic() {
    for expr in [
        "(-9223372036854775807-1)/-1",
        "9223372036854775807 * 9223372036854775807",
        "DateAdd(\"d\", 9223372036854775807, Now())",
    ] {
        let run = limited(&["syncrule", "eval", "--expr", expr], b"", 1024, 20);
        run.status_is(0, expr)
            .says("\"error\"", expr)
            .says("line 1, column", expr)
            .clean(expr);
    }
}

#[test]
fn deep_nesting_is_refused_from_every_entry_point() {
    // Command-line arguments are at most 128 KiB each; files take the deepest cases.
    let n = 10_000;
    let cases = [
        format!("{}1{}", "(".repeat(n), ")".repeat(n)),
        format!("{}\"x\"{}", "UCase(".repeat(n), ")".repeat(n)),
        format!("1{}", " + 1".repeat(n)),
        format!("1 {}[a]", "-".repeat(n)),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, expr) in cases.iter().enumerate() {
        let what = format!("nesting case {i}");
        limited(&["syncrule", "eval", "--expr", expr], b"", 1024, 20)
            .status_is(2, &what)
            .says("nested at most", &what)
            .clean(&what);
        limited(&["syncrule", "check", expr], b"", 1024, 20)
            .status_is(2, &what)
            .says("nested at most", &what);
        let file = dir.path().join(format!("expr{i}.txt"));
        std::fs::write(&file, expr).unwrap();
        limited(
            &["syncrule", "eval", "--expr-file", file.to_str().unwrap()],
            b"",
            1024,
            20,
        )
        .status_is(2, &what)
        .says("nested at most", &what);
    }
    let deep = format!("{}1{}", "(".repeat(200_000), ")".repeat(200_000));
    let file = dir.path().join("deep.txt");
    std::fs::write(&file, &deep).unwrap();
    limited(
        &["syncrule", "eval", "--expr-file", file.to_str().unwrap()],
        b"",
        1024,
        20,
    )
    .status_is(2, "200,000 parentheses")
    .says("nested at most", "200,000 parentheses");
    // A configuration export's rule.
    let rules = dir.path().join("SynchronizationRules");
    std::fs::create_dir(&rules).unwrap();
    let rule = rules.join("SynchronizationRule_deep.xml");
    std::fs::write(
        &rule,
        format!(
            "<synchronizationRule><name>deep</name><mapping><dest>cloudFiltered</dest>\
             <expression>{}</expression></mapping></synchronizationRule>",
            cases[0]
        ),
    )
    .unwrap();
    limited(
        &[
            "syncrule",
            "eval",
            "--rule",
            rule.to_str().unwrap(),
            "--target",
            "cloudFiltered",
        ],
        b"",
        1024,
        20,
    )
    .status_is(2, "rule file")
    .says("nested at most", "rule file");
    limited(
        &[
            "syncrule",
            "check",
            "--config",
            dir.path().to_str().unwrap(),
        ],
        b"",
        1024,
        20,
    )
    .answered("config export")
    .says("nested at most", "config export");
}

#[test]
fn sizes_from_expressions_are_capped() {
    for expr in [
        "PadLeft(\"x\", 1000000000000, \"0\")",
        "PadRight(\"x\", 9223372036854775807, \"0\")",
        "Replace(Replace(Replace(PadLeft(\"a\", 100000, \"a\"), \"a\", PadLeft(\"b\", 1000, \"b\")), \"b\", \"cc\"), \"c\", \"dd\")",
    ] {
        limited(&["syncrule", "eval", "--expr", expr], b"", 512, 20)
            .status_is(0, expr)
            .says("MiB limit", expr);
    }
}

#[test]
fn deep_json_objects_are_reported() {
    let n = 100_000;
    let deep = format!(
        "{{\"dn\":\"CN=A\",\"x\":{}1{}}}\n{{\"dn\":\"CN=B\",\"name\":\"b\"}}\n",
        "[".repeat(n),
        "]".repeat(n)
    );
    limited(
        &["syncrule", "eval", "--expr", "[name]", "--objects", "-"],
        deep.as_bytes(),
        1024,
        20,
    )
    .status_is(0, "deep JSON")
    .says("CN=B", "deep JSON")
    .says("line 1", "deep JSON");
}

// ---------------------------------------------------------------- linear time

/// A regedit 5 export with `keys` keys, each with a DWORD and a continued hex value.
fn reg_export(keys: usize) -> Vec<u8> {
    let mut s = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    for i in 0..keys {
        s.push_str(&format!(
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Generated\\Key{i}]\r\n\"Value\"=dword:{:08x}\r\n\"Blob\"=hex:01,02,03,\\\r\n  04,05\r\n\r\n",
            i % 251
        ));
    }
    utf16le(&s)
}

/// CPU seconds (user + system) `analyze` of `bundle` takes, as the shell's `times` reports
/// for its child: unlike wall time, barely affected by other tests running on the same cores.
fn analyze_cpu_seconds(bundle: &Path) -> f64 {
    let output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2097152 && ulimit -t 240 && \"$0\" \"$@\" >/dev/null 2>&1; echo \"status $?\" >&2; times >&2")
        .arg(env!("CARGO_BIN_EXE_mde-doctor"))
        .arg("analyze")
        .arg(bundle)
        .output()
        .expect("run mde-doctor under sh");
    let report = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = report.lines().collect();
    assert!(
        lines.iter().any(|l| matches!(*l, "status 0" | "status 1")),
        "analyze of a generated .reg: {report}"
    );
    // `times`: the shell's own user and system time, then its children's.
    let children = lines.last().expect("times printed a line");
    children
        .split_whitespace()
        .map(|t| {
            let (minutes, seconds) = t.trim_end_matches('s').split_once('m').unwrap_or(("0", t));
            minutes.parse::<f64>().unwrap_or(0.0) * 60.0 + seconds.parse::<f64>().unwrap_or(0.0)
        })
        .sum()
}

#[test]
fn analyze_grows_linearly_with_registry_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut bundles = Vec::new();
    for keys in [10_000, 100_000] {
        let bundle = dir.path().join(format!("b{keys}"));
        std::fs::create_dir_all(bundle.join("registry")).unwrap();
        std::fs::write(bundle.join("registry/generated.reg"), reg_export(keys)).unwrap();
        bundles.push(bundle);
    }
    // Interleaved, the best of two rounds each, so one stall does not decide.
    let mut best = [f64::MAX, f64::MAX];
    for _ in 0..2 {
        for (i, bundle) in bundles.iter().enumerate() {
            best[i] = best[i].min(analyze_cpu_seconds(bundle));
        }
    }
    // Both measured: `times` was read (a parse failure would give 0 and a vacuous ratio).
    assert!(best[0] > 0.0 && best[1] > best[0], "CPU times {best:?}");
    eprintln!(
        "analyze CPU seconds: 10k keys {:.2}, 100k keys {:.2}",
        best[0], best[1]
    );
    let ratio = best[1] / best[0];
    // Linear is 10; quadratic was ~100 and more (10,000 keys took 20 s before, 0.3 s now).
    assert!(
        ratio < 25.0,
        "10k keys {:.2} s, 100k keys {:.2} s of CPU: ratio {ratio:.1}",
        best[0],
        best[1]
    );
}

#[test]
fn long_continuations_and_deep_xml_read_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    // One hex value continued over 200,000 lines (each join rescanned the value before).
    let mut reg = String::from("REGEDIT4\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\n\"Blob\"=hex:00,\\\n");
    for _ in 0..200_000 {
        reg.push_str("  01,02,03,04,05,06,07,08,\\\n");
    }
    reg.push_str("  ff\n");
    let file = dir.path().join("long.reg");
    std::fs::write(&file, reg).unwrap();
    limited(&["inspect", file.to_str().unwrap()], b"", 1024, 30)
        .status_is(0, "long continuation")
        .says("REG_BINARY", "long continuation");

    // Event XML nested 200,000 deep inside an event, then an ordinary event.
    let n = 200_000;
    let xml = format!(
        "<Events><Event><System><Provider Name=\"Microsoft-Windows-User Device Registration\"/><EventID>304</EventID>\
         <Level>2</Level><Channel>Microsoft-Windows-User Device Registration/Admin</Channel></System><UserData>{}x{}</UserData></Event>\n\
         <Event><System><Provider Name=\"Microsoft-Windows-User Device Registration\"/><EventID>305</EventID><Level>2</Level>\
         <TimeCreated SystemTime=\"2026-11-01T00:00:00Z\"/><Channel>Microsoft-Windows-User Device Registration/Admin</Channel></System></Event></Events>",
        "<a>".repeat(n),
        "</a>y".repeat(n)
    );
    let file = dir.path().join("deep.xml");
    std::fs::write(&file, xml).unwrap();
    limited(&["events", "--all", file.to_str().unwrap()], b"", 1024, 30)
        .answered("deep XML")
        .says("nested deeper than", "deep XML")
        .says("305", "deep XML");

    // 50,000 events on 50,000 lines (each event's line was counted from the start).
    let mut xml = String::from("<Events>\n");
    for i in 0..50_000 {
        xml.push_str(&format!(
            "<Event><System><EventID>{i}</EventID><Channel>Application</Channel></System></Event>\n"
        ));
    }
    xml.push_str("</Events>\n");
    let file = dir.path().join("many.xml");
    std::fs::write(&file, xml).unwrap();
    limited(
        &[
            "events",
            "--all",
            "--format",
            "json",
            file.to_str().unwrap(),
        ],
        b"",
        1024,
        30,
    )
    .status_is(0, "many events")
    .says("\"line\":50001", "many events");
}

// ---------------------------------------------------------------- bounded memory

#[test]
fn a_200_mb_text_is_refused_within_512_mb() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dsregcmd-status.txt");
    let head = "+----------------------------------------------------------------------+\n\
                | Device State                                                         |\n\
                +----------------------------------------------------------------------+\n\n\
                             AzureAdJoined : NO\n          EnterpriseJoined : NO\n              DomainJoined : YES\n";
    let mut f = std::fs::File::create(&file).unwrap();
    f.write_all(head.as_bytes()).unwrap();
    // 100 KB of real fields, then a hole: the kind shows in the first bytes.
    for i in 0..2_000 {
        writeln!(
            f,
            "             Field{i:09} : an ordinary value of some length"
        )
        .unwrap();
    }
    // 200 MB: the rest of the file is a hole, so the test costs no disk.
    f.set_len(200 << 20).unwrap();
    limited(
        &["inspect", "--format", "json", file.to_str().unwrap()],
        b"",
        512,
        20,
    )
    .status_is(2, "200 MB dsregcmd")
    .says("--max-text-size", "200 MB dsregcmd");
}

#[test]
fn a_big_text_within_the_limit_streams_in_bounded_memory() {
    // 4 MB of dsregcmd fields, printed as JSON under 256 MiB of address space.
    let mut s = String::from(
        "+----------------------------------------------------------------------+\n\
         | Device State                                                         |\n\
         +----------------------------------------------------------------------+\n\n\
                      AzureAdJoined : NO\n",
    );
    while s.len() < 4 << 20 {
        let i = s.len();
        s.push_str(&format!("             Field{i:09} : an ordinary value\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dsregcmd-status.txt");
    std::fs::write(&file, s).unwrap();
    limited(
        &["inspect", "--format", "json", file.to_str().unwrap()],
        b"",
        256,
        60,
    )
    .status_is(0, "4 MB dsregcmd")
    .says("\"azure_ad_joined\"", "4 MB dsregcmd");
}

#[cfg(unix)]
#[test]
fn devices_fifos_and_sockets_are_refused_before_opening() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.reg");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let socket_path = dir.path().join("sock.reg");
    let _socket = std::os::unix::net::UnixListener::bind(&socket_path).unwrap();
    for path in [
        "/dev/zero",
        fifo.to_str().unwrap(),
        socket_path.to_str().unwrap(),
    ] {
        let cases: [&[&str]; 5] = [
            &["inspect", path],
            &["events", path],
            &["analyze", path],
            &["syncrule", "eval", "--expr", "1", "--objects", path],
            &["syncrule", "eval", "--expr-file", path],
        ];
        for args in cases {
            let what = format!("{args:?}");
            limited(args, b"", 512, 10)
                .status_is(2, &what)
                .says("not a regular file", &what);
        }
    }
}

// ---------------------------------------------------------------- terminal injection

/// Everything a device can use to steer a terminal or forge text.
const HOSTILE: &str =
    "PC\x1b]0;owned\x07\x1b[2J\u{9b}31m\rFAKE\nFORGED LINE\u{202e}gnp.exe\u{2066}x\x7f";

fn hostile_bundle(root: &Path) {
    std::fs::create_dir_all(root.join("registry")).unwrap();
    std::fs::create_dir_all(root.join("events")).unwrap();
    std::fs::write(
        root.join("manifest.json"),
        serde_json::json!({"hostname": HOSTILE, "collector": HOSTILE}).to_string(),
    )
    .unwrap();
    let escaped = HOSTILE.replace('\\', "\\\\").replace('"', "\\\"");
    std::fs::write(
        root.join("registry/sensecm.reg"),
        utf16le(&format!(
            "Windows Registry Editor Version 5.00\r\n\r\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SenseCM]\r\n\
             \"EnrollmentStatus\"=dword:0000000f\r\n\
             \"TenantId\"=\"{escaped}\"\r\n\
             \"{escaped}\"=\"{escaped}\"\r\n\r\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n\
             \"ProductName\"=\"{escaped}\"\r\n\
             \"CurrentBuild\"=\"{escaped}\"\r\n"
        )),
    )
    .unwrap();
    let xml_text = HOSTILE
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .chars()
        .map(|c| {
            if c.is_control() {
                format!("&#x{:x};", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect::<String>();
    std::fs::write(
        root.join("events/admin.xml"),
        format!(
            "<Events><Event><System><Provider Name=\"Microsoft-Windows-User Device Registration\"/>\
             <EventID>304</EventID><Level>2</Level><TimeCreated SystemTime=\"2026-11-01T00:00:00Z\"/>\
             <Channel>Microsoft-Windows-User Device Registration/Admin</Channel><Computer>{xml_text}</Computer></System>\
             <EventData><Data Name=\"ServerErrorMessage\">{xml_text}</Data><Data Name=\"{xml_text}\">{xml_text}</Data></EventData></Event></Events>"
        ),
    )
    .unwrap();
}

#[test]
fn device_text_never_steers_the_terminal_or_forges_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    hostile_bundle(&bundle);
    let b = bundle.to_str().unwrap();
    let reg = bundle.join("registry/sensecm.reg");
    let xml = bundle.join("events/admin.xml");
    let ldif = dir.path().join("objects.ldif");
    std::fs::write(
        &ldif,
        format!(
            "dn:: {}\nname:: {}\noperatingSystem: Windows Server 2012 R2\n\n",
            base64(&format!("CN={HOSTILE},DC=x")),
            base64(HOSTILE)
        ),
    )
    .unwrap();
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("inspect text", vec!["inspect", reg.to_str().unwrap(), b]),
        (
            "inspect json",
            vec!["inspect", "--format", "json", reg.to_str().unwrap()],
        ),
        (
            "events text",
            vec!["events", "--all", xml.to_str().unwrap()],
        ),
        (
            "events json",
            vec!["events", "--all", "--format", "json", xml.to_str().unwrap()],
        ),
        ("analyze text", vec!["analyze", b]),
        ("analyze json", vec!["analyze", "--format", "json", b]),
        ("analyze html", vec!["analyze", "--format", "html", b]),
        (
            "syncrule table",
            vec![
                "syncrule",
                "eval",
                "--expr",
                "[name]",
                "--objects",
                ldif.to_str().unwrap(),
                "--format",
                "table",
                "--explain",
            ],
        ),
        (
            "syncrule jsonl",
            vec![
                "syncrule",
                "eval",
                "--expr",
                "[name] & \"!\"",
                "--objects",
                ldif.to_str().unwrap(),
            ],
        ),
    ];
    for (what, args) in &runs {
        let run = limited(args, b"", 1024, 30);
        run.answered(what).clean(what);
        // The forged text stays inside its value's line.
        assert!(
            !run.stdout
                .lines()
                .any(|l| l.starts_with("FORGED") || l.starts_with("FAKE")),
            "{what}: a value started a line\n{}",
            run.stdout
        );
        if what.ends_with("text") || what.ends_with("table") {
            assert!(
                run.stdout.contains("\\x1b]0;owned"),
                "{what}: escapes shown\n{}",
                run.stdout
            );
            assert!(
                run.stdout.contains("\\u202e"),
                "{what}: bidi shown\n{}",
                run.stdout
            );
        }
        if what.ends_with("json") || what.ends_with("jsonl") {
            assert!(
                run.stdout.contains("\\u202e"),
                "{what}: bidi escaped in JSON"
            );
            assert!(
                run.stdout.contains("bidirectional"),
                "{what}: warnings\n{}",
                run.stdout
            );
        }
        if what.ends_with("html") {
            assert!(
                run.stdout.contains("\\u202e") && run.stdout.contains("\\x1b"),
                "{what}"
            );
        }
    }
    // JSON still carries the exact value.
    let run = limited(
        &["inspect", "--format", "json", reg.to_str().unwrap()],
        b"",
        1024,
        30,
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["files"][0]["keys"][0]["values"][1]["data"], HOSTILE);
    assert!(
        json["files"][0]["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("/keys/0/values/1")
    );
}

fn base64(text: &str) -> String {
    mde_artifacts::ldif::base64_encode(text.as_bytes())
}
