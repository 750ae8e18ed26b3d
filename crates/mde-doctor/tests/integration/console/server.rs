//! `mde-doctor serve` as a child process: started on a free port, stopped (or killed) on drop.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub(crate) struct Serve {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) setup_url: Option<String>,
}

impl Serve {
    /// Starts `mde-doctor serve` with `extra` arguments and a data directory, and waits
    /// until it says "ready".
    pub(crate) fn start(data: &Path, extra: &[&str]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mde-doctor"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mde-doctor serve");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (mut base, mut setup_url) = (None, None);
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("mde-doctor serve did not get ready"));
            if let Some(rest) = line.strip_prefix("mde-doctor console on ") {
                base = rest.split_whitespace().next().map(str::to_string);
            }
            if let Some(i) = line.find("http://").or_else(|| line.find("https://"))
                && line.contains("/setup?token=")
            {
                setup_url = Some(line[i..].trim().to_string());
            }
            if line == "ready" {
                break;
            }
        }
        Serve {
            child,
            base: base.expect("serve prints its address"),
            setup_url,
        }
    }

    /// SIGKILL: no chance to flush anything.
    pub(crate) fn kill_9(&mut self) {
        let _ = Command::new("kill")
            .args(["-9", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates an ingest token with the real CLI.
pub(crate) fn create_token(data: &Path, fleet: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mde-doctor"))
        .args(["token", "create", "--fleet", fleet, "--data"])
        .arg(data)
        .output()
        .expect("mde-doctor token create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Whether an outside program the console tests need exists; outside CI a missing one skips
/// the test loudly, in CI it fails it.
pub(crate) fn require(path: &str, what: &str) -> bool {
    if Path::new(path).exists() {
        return true;
    }
    let why = format!(
        "{what}: {path} is missing (apt-get install chromium chromium-driver, or .ci/setup-console.sh)"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{why}");
    }
    eprintln!("\n*** SKIPPED: {why} ***\n");
    false
}

/// The console's storage on `data`, read directly, with a runtime to drive it.
pub(crate) fn open_db(data: &Path) -> (tokio::runtime::Runtime, mde_console::Db) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let location = mde_console::Location::DataDir(data.to_path_buf());
    let db = rt.block_on(mde_console::Db::open(&location)).unwrap();
    (rt, db)
}
