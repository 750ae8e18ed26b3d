//! `mde-doctor collect` for real: the Windows build, cross-compiled with mingw, run under
//! Wine against a registry seeded with `wine reg import` from the tenant-mismatch example and
//! a stand-in `dsregcmd.exe` first on the PATH. The zip it writes must hold what the device
//! had, `analyze` of it must find code 15 with evidence in the collected files, and what Wine
//! cannot do (EvtExportLog, the task scheduler) must be recorded as failed steps while the
//! rest is collected.
//!
//! Needs `x86_64-w64-mingw32-gcc`, `wine64` and the `x86_64-pc-windows-gnu` Rust target
//! (`.ci/setup-windows.sh` installs them). Without them the test says so loudly and passes,
//! except under CI (`CI` set), where it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::fault_servers::{self as servers, TestCa};
use crate::util::Test;

const TARGET: &str = "x86_64-pc-windows-gnu";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/wine")
}

fn example() -> PathBuf {
    workspace().join("examples/bundles/tenant-mismatch")
}

fn wine_binary() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/lib/wine/wine64");
    if fixed.is_file() {
        return Some(fixed);
    }
    which("wine64").or_else(|| which("wine"))
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// What is missing to run the test, if anything.
fn missing_tools() -> Vec<String> {
    let mut missing = Vec::new();
    if which("x86_64-w64-mingw32-gcc").is_none() {
        missing.push("x86_64-w64-mingw32-gcc (Debian: gcc-mingw-w64-x86-64)".to_string());
    }
    if wine_binary().is_none() {
        missing.push("wine64 (Debian: wine64)".to_string());
    }
    let sysroot = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if !sysroot.is_some_and(|d| d.join("libstd.rlib").exists() || has_std(&d)) {
        missing.push(format!(
            "the Rust target {TARGET} (rustup target add {TARGET})"
        ));
    }
    missing
}

fn has_std(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
    })
}

/// Runs a command with a time limit, killing it past it. The limits are guards against a
/// hang, far above what each step takes (seconds), because the test shares two cores with
/// the rest of the suite.
fn run_bounded(command: &mut Command, limit: Duration, what: &str) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}; stopped");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output {
        status,
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    }
}

#[track_caller]
fn succeeded(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The Windows build of the binary, in its own target directory so that it never waits
/// on the lock of the `cargo test` that runs this.
fn build_exe() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Beside the build that runs the tests (CI points CARGO_TARGET_DIR outside the clone, so
    // the Windows build survives from one run to the next as the Linux one does).
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
        .join("windows");
    let output = run_bounded(
        Command::new(cargo)
            .current_dir(workspace())
            .args(["build", "--locked", "-p", "mde-doctor", "--target", TARGET])
            .arg("--target-dir")
            .arg(&target_dir)
            // Debug information only makes the .exe (and Wine's loading of it) large.
            .env("CARGO_PROFILE_DEV_DEBUG", "0"),
        Duration::from_secs(40 * 60),
        "cross-compiling mde-doctor.exe",
    );
    succeeded(&output, "cargo build --target x86_64-pc-windows-gnu");
    target_dir.join(TARGET).join("debug/mde-doctor.exe")
}

fn mingw(args: &[&str], cwd: &Path, what: &str) {
    let output = run_bounded(
        Command::new("x86_64-w64-mingw32-gcc")
            .current_dir(cwd)
            .args(args),
        Duration::from_secs(300),
        what,
    );
    succeeded(&output, what);
}

/// A Wine prefix of its own, removed (and its wineserver stopped) at the end.
struct Prefix {
    dir: tempfile::TempDir,
    wine: PathBuf,
    path_dirs: Vec<PathBuf>,
}

impl Prefix {
    fn new() -> Prefix {
        let p = Prefix {
            dir: tempfile::tempdir().expect("temp dir"),
            wine: wine_binary().expect("wine"),
            path_dirs: Vec::new(),
        };
        let out = p.run(&["wineboot", "-i"], Duration::from_secs(900), "wineboot -i");
        succeeded(&out, "wineboot -i");
        p
    }

    fn prefix(&self) -> PathBuf {
        self.dir.path().join("prefix")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.wine);
        c.args(args)
            .env("WINEPREFIX", self.prefix())
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko installer dialogs.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            // The probes must ask the tests' servers, not a proxy of the machine's.
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .env(
                "WINEPATH",
                self.path_dirs
                    .iter()
                    .map(|d| windows_path(d))
                    .collect::<Vec<_>>()
                    .join(";"),
            );
        c
    }

    fn run(&self, args: &[&str], limit: Duration, what: &str) -> Output {
        run_bounded(&mut self.command(args), limit, what)
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        let server = self.wine.with_file_name("wineserver");
        let server = if server.is_file() {
            server
        } else {
            PathBuf::from("wineserver")
        };
        let _ = Command::new(server)
            .arg("-k")
            .env("WINEPREFIX", self.prefix())
            .status();
    }
}

/// A Linux path as Wine's Z: drive shows it.
fn windows_path(p: &Path) -> String {
    format!("Z:{}", p.display()).replace('/', "\\")
}

#[test]
fn collect_under_wine_gathers_the_device_and_diagnoses_code_15() {
    let missing = missing_tools();
    if !missing.is_empty() {
        let message = format!(
            "the Wine test of `collect` cannot run: missing {} (run .ci/setup-windows.sh)",
            missing.join(", ")
        );
        assert!(std::env::var_os("CI").is_none(), "{message}");
        eprintln!("\n!!! SKIPPED: {message}\n");
        return;
    }
    let started = Instant::now();
    let exe = build_exe();
    let built = started.elapsed();

    let mut prefix = Prefix::new();
    let work = prefix.dir.path().to_path_buf();
    let app = work.join("app");
    let stubs = work.join("stubs");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::create_dir_all(&stubs).unwrap();
    std::fs::copy(&exe, app.join("mde-doctor.exe")).expect("copy exe");
    let src = here();
    mingw(
        &[
            "-shared",
            "-O2",
            "-o",
            &app.join("bcryptprimitives.dll").display().to_string(),
            &src.join("bcryptprimitives.c").display().to_string(),
            &src.join("bcryptprimitives.def").display().to_string(),
            "-ladvapi32",
        ],
        &work,
        "building the bcryptprimitives.dll shim",
    );
    mingw(
        &[
            "-O2",
            "-o",
            &stubs.join("dsregcmd.exe").display().to_string(),
            &src.join("dsregcmd-stub.c").display().to_string(),
        ],
        &work,
        "building the dsregcmd.exe stand-in",
    );
    let sample = std::fs::read(example().join("dsregcmd-status.txt")).expect("sample");
    std::fs::write(stubs.join("dsregcmd-sample.txt"), &sample).unwrap();
    prefix.path_dirs.push(stubs.clone());

    // The device: the example's registry (Windows NT\CurrentVersion included, or Wine
    // would say Windows 7).
    for entry in std::fs::read_dir(example().join("registry"))
        .unwrap()
        .flatten()
    {
        let file = windows_path(&entry.path());
        let out = prefix.run(
            &["reg", "import", &file],
            Duration::from_secs(300),
            "reg import",
        );
        succeeded(&out, &format!("wine reg import {file}"));
    }

    // In a domain whose DCs do not answer (Wine has no LDAP to a DC either).
    let out = prefix.run(
        &["reg", "import", &windows_path(&src.join("domain.reg"))],
        Duration::from_secs(300),
        "reg import",
    );
    succeeded(&out, "wine reg import domain.reg");

    // Probes against loopback servers: they run under Wine too.
    let ca = TestCa::new();
    std::fs::write(work.join("ca.pem"), &ca.pem).unwrap();
    let https = servers::https(&ca, &["enroll.test"], 0);
    let dns = servers::dns(vec![]);
    let zip = work.join("PC-0015.zip");
    let collect_started = Instant::now();
    let out = prefix.run(
        &[
            &windows_path(&app.join("mde-doctor.exe")),
            "collect",
            "--output",
            &windows_path(&zip),
            "--since",
            "7d",
            "--dns",
            &format!("127.0.0.1:{dns}"),
            "--endpoint",
            &format!("https://enroll.test:{https}"),
            "--ca",
            &windows_path(&work.join("ca.pem")),
            "--ntp",
            "none",
            "--step-timeout",
            "3",
        ],
        Duration::from_secs(600),
        "mde-doctor.exe collect under Wine",
    );
    let collect_took = collect_started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "collect's exit status is analyze's: 1, an error finding\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains("Tenant mismatch (15)"), "{stdout}");
    assert!(
        work.join("PC-0015.html").is_file(),
        "the HTML report beside the zip"
    );

    // The zip: what the device had, and a manifest that tells every step.
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).expect("zip")).expect("a zip");
    let mut read = |name: &str| -> Vec<u8> {
        let mut entry = archive
            .by_name(name)
            .unwrap_or_else(|_| panic!("{name} is not in the zip"));
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        bytes
    };
    assert_eq!(
        read("dsregcmd-status.txt"),
        sample,
        "dsregcmd's bytes are kept as printed"
    );
    let sensecm = read("registry/software-microsoft-sensecm.reg");
    assert_eq!(
        &sensecm[..2],
        &[0xFF, 0xFE],
        "regedit 5: UTF-16LE with a BOM"
    );
    let text: String = char::decode_utf16(
        sensecm[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]])),
    )
    .map(|c| c.unwrap_or('?'))
    .collect();
    assert!(
        text.contains("\"EnrollmentStatus\"=dword:0000000f"),
        "{text}"
    );
    assert!(
        text.contains("3f1a9c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"),
        "{text}"
    );
    let manifest: serde_json::Value = serde_json::from_slice(&read("manifest.json")).unwrap();
    let step = |name: &str| -> serde_json::Value {
        manifest["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no step {name}: {manifest:#}"))
            .clone()
    };
    assert_eq!(manifest["schema"], "mde-doctor/manifest/1");
    assert_eq!(step("registry")["status"], "ok", "{manifest:#}");
    assert_eq!(step("dsregcmd (user)")["status"], "ok");
    assert_eq!(step("dsregcmd (user)")["exit_code"], 0);
    // Wine has no EvtExportLog and no working task scheduler: recorded, not fatal.
    let events = step("event logs");
    assert_eq!(events["status"], "failed", "{events:#}");
    assert!(
        events["error"].as_str().unwrap().contains("EvtExportLog"),
        "{events:#}"
    );
    let system = step("dsregcmd (SYSTEM)");
    assert_ne!(system["status"], "ok", "{system:#}");
    assert!(system["error"].as_str().is_some());
    let ldap = step("service connection point (LDAP)");
    assert_eq!(ldap["status"], "failed", "{ldap:#}");
    assert!(
        ldap["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{ldap:#}"
    );
    assert_eq!(step("probes")["status"], "ok");
    assert!(
        manifest["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["duration_ms"].is_u64())
    );
    let probes: serde_json::Value = serde_json::from_slice(&read("probes.json")).unwrap();
    assert_eq!(probes["endpoints"][0]["tls"], "ok", "{probes:#}");
    assert_eq!(probes["endpoints"][0]["http_status"], 200);

    // Nothing left behind in the prefix's temporary folders.
    let leftovers: Vec<String> = walk(&prefix.prefix().join("drive_c"))
        .into_iter()
        .filter(|p| p.contains("mde-doctor-"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");

    // analyze (the Linux build) of the collected zip: code 15, from the collected files.
    let run = Test::new()
        .args(["analyze", &zip.display().to_string(), "--format", "json"])
        .run()
        .status(1);
    let report = run.json();
    assert_eq!(report["enrollment"]["code"], 15, "{report:#}");
    let evidence: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == 15)
        .flat_map(|f| f["evidence"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["artifact"].as_str().map(str::to_string))
        .collect();
    assert!(
        evidence
            .iter()
            .any(|a| a == "registry/software-microsoft-sensecm.reg"),
        "{evidence:?}"
    );
    assert!(
        evidence.iter().any(|a| a == "dsregcmd-status.txt"),
        "{evidence:?}"
    );
    eprintln!(
        "wine test: cross-build {:.1} s, collect under Wine {:.1} s, whole test {:.1} s",
        built.as_secs_f64(),
        collect_took.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

/// Every path below `dir` (bounded).
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if out.len() > 100_000 {
            break;
        }
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path.clone());
            }
            out.push(path.display().to_string());
        }
    }
    out
}
