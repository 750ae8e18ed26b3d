//! A throwaway PostgreSQL server for the tests: `MDE_TEST_DATABASE_URL` if set, else a
//! server started here with Debian's `initdb`/`pg_ctl` (as user `postgres` when the tests run
//! as root, since PostgreSQL refuses root), in a temporary directory, on a free loopback port,
//! stopped when the value is dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) struct Postgres {
    pub(crate) url: String,
    stop: Option<(PathBuf, PathBuf, tempfile::TempDir)>,
}

fn find_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn run(bin: &Path, args: &[&str], as_postgres: bool) -> std::process::Output {
    let mut cmd = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Postgres {
    /// A server, or `None` (said loudly) when none can be had outside CI. In CI, panics.
    pub(crate) fn start() -> Option<Postgres> {
        if let Ok(url) = std::env::var("MDE_TEST_DATABASE_URL") {
            return Some(Postgres { url, stop: None });
        }
        let Some(bin) = find_bin() else {
            let why = "PostgreSQL tests: no /usr/lib/postgresql/*/bin/initdb and no MDE_TEST_DATABASE_URL (apt-get install postgresql, or .ci/setup-console.sh)";
            if std::env::var_os("CI").is_some() {
                panic!("{why}");
            }
            eprintln!("\n*** SKIPPED: {why} ***\n");
            return None;
        };
        let root = is_root();
        let dir = tempfile::Builder::new()
            .prefix("mde-console-pg-")
            .tempdir()
            .expect("a temporary directory");
        let data = dir.path().join("data");
        let sock = dir.path().to_path_buf();
        if root {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "chown of the PostgreSQL directory failed");
        }
        let out = run(
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            root,
        );
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c full_page_writes=off",
            sock.display()
        );
        let log = dir.path().join("log");
        let out = run(
            &bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &opts,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "start",
            ],
            root,
        );
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        let stop = Some((bin.join("pg_ctl"), data, dir));
        let _ = root;
        Some(Postgres { url, stop })
    }

    /// A fresh database on the server, so that tests do not see each other's rows.
    pub(crate) fn database(&self, name: &str) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&self.url)
                .await
                .expect("connect to the test PostgreSQL");
            sqlx::Executor::execute(
                &mut conn,
                sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")),
            )
            .await
            .unwrap();
            sqlx::Executor::execute(
                &mut conn,
                sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
            )
            .await
            .unwrap();
        });
        match self.url.rfind('/') {
            Some(i) => format!("{}/{name}", &self.url[..i]),
            None => self.url.clone(),
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some((pg_ctl, data, _dir)) = self.stop.take() {
            let _ = run(
                &pg_ctl,
                &[
                    "-D",
                    data.to_str().unwrap_or(""),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                is_root(),
            );
        }
    }
}
