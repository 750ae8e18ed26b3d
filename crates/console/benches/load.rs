//! Load benchmark of the console (not a test): ingest rate of `analyze` JSON reports over
//! HTTP into SQLite (or PostgreSQL with --database), then p50/p99 latency of the overview and
//! of a filtered device page at that size. Run through `scripts/bench-console.sh`.
//!
//! Arguments: --devices N (default 1,000,000), --clients C (default 64: uploads in flight at
//! once, as many devices of a fleet report at the same time), --queries Q (default
//! 400), --data DIR (keep the database; a database that already holds N devices is not
//! loaded again), --database URL.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mde_console::{Config, Location};

struct Args {
    devices: u64,
    clients: u64,
    queries: usize,
    data: Option<PathBuf>,
    database: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        devices: 1_000_000,
        clients: 64,
        queries: 400,
        data: None,
        database: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--devices" => a.devices = v().parse().expect("--devices N"),
            "--clients" => a.clients = v().parse().expect("--clients N"),
            "--queries" => a.queries = v().parse().expect("--queries N"),
            "--data" => a.data = Some(PathBuf::from(v())),
            "--database" => a.database = Some(v()),
            // cargo bench passes --bench.
            _ => {}
        }
    }
    a
}

/// One report per example scenario, with placeholders for what varies per device.
fn templates() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundles");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.path())
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| {
            let mut r = mde_fleet::analyze_bundle(p).unwrap();
            r.facts = None;
            r.device.hostname = Some("@HOST@".into());
            if r.device.domain.is_some() {
                r.device.domain = Some("@DOMAIN@".into());
            }
            r.details
                .retain(|d| d.label != "Entra device ID (dsregcmd)");
            for d in &mut r.details {
                if d.label == "Entra device ID (SenseCM)" {
                    d.value = Some("@ID@".into());
                }
            }
            serde_json::to_string(&r).unwrap()
        })
        .collect()
}

fn body(templates: &[String], i: u64) -> String {
    // Mostly healthy (template of "healthy" is one of 14): every third device fails.
    let t = if i.is_multiple_of(3) {
        &templates[(i / 3 % templates.len() as u64) as usize]
    } else {
        healthy(templates)
    };
    t.replace("@HOST@", &format!("PC-{i:07}"))
        .replace("@DOMAIN@", &format!("D{:02}", i % 20))
        .replace(
            "@ID@",
            &format!("{:08x}-0000-4000-8000-{:012x}", i >> 16, i),
        )
}

fn healthy(templates: &[String]) -> &String {
    templates
        .iter()
        .find(|t| t.contains("\"verdict\":\"healthy\""))
        .unwrap_or(&templates[0])
}

/// CPU time of the whole process so far (every thread, ended ones included), from
/// /proc/self/stat (clock ticks of 10 ms).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// CPU time so far of the process's threads whose name starts with `prefix` (threads still
/// running), from /proc/self/task/*/stat.
fn threads_cpu(prefix: &str) -> Duration {
    let mut ticks = 0;
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        if !stat[open + 1..close].starts_with(prefix) {
            continue;
        }
        let f: Vec<u64> = stat[close + 1..]
            .split_whitespace()
            .map(|x| x.parse().unwrap_or(0))
            .collect();
        ticks += f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    }
    Duration::from_millis(ticks * 10)
}

/// CPU time of the calling thread so far, in nanoseconds (/proc/thread-self/schedstat).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The process's peak resident memory (VmHWM), in MiB.
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

/// Bytes of the files in `dir` (the SQLite database, its WAL and shared memory).
fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let a = args();
    let tmp = tempfile::tempdir().unwrap();
    let location = match (&a.database, &a.data) {
        (Some(url), _) => Location::Url(url.clone()),
        (None, Some(d)) => Location::DataDir(d.clone()),
        (None, None) => Location::DataDir(tmp.path().to_path_buf()),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut config = Config::new("127.0.0.1:0", location);
    config.rate_per_token = u32::MAX;
    let server = rt.block_on(mde_console::start(config)).unwrap();
    let base = format!("http://{}", server.addr);
    let db = server.db.clone();
    rt.spawn(server.wait());
    let (_, token) = rt.block_on(db.create_token("bench")).unwrap();

    let (before, _) = rt.block_on(db.overview()).unwrap();
    let start_at = before.total as u64;
    if start_at < a.devices {
        let templates = Arc::new(templates());
        let next = Arc::new(AtomicU64::new(start_at));
        // The load generator shares the process (and the machine's cores) with the server:
        // its threads' CPU time is subtracted to tell what the server spent per report.
        let client_ns = Arc::new(AtomicU64::new(0));
        let cpu_before = process_cpu();
        let sqlite_before = threads_cpu("sqlx-sqlite");
        let started = Instant::now();
        let workers: Vec<_> = (0..a.clients)
            .map(|_| {
                let (templates, next, base, token, client_ns) = (
                    templates.clone(),
                    next.clone(),
                    base.clone(),
                    token.clone(),
                    client_ns.clone(),
                );
                let end = a.devices;
                std::thread::spawn(move || {
                    let cpu_start = thread_cpu_ns();
                    let agent: ureq::Agent = ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .build()
                        .into();
                    let url = format!("{base}/api/v1/reports");
                    let auth = format!("Bearer {token}");
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= end {
                            break;
                        }
                        let r = agent
                            .post(&url)
                            .header("Authorization", &auth)
                            .send(body(&templates, i))
                            .unwrap();
                        assert!(r.status().is_success(), "{}", r.status());
                        // Reading the answer to its end gives the connection back to the
                        // agent: without it, every upload would open a new connection.
                        let _ = r.into_body().read_to_vec().unwrap();
                    }
                    client_ns.fetch_add(thread_cpu_ns() - cpu_start, Ordering::Relaxed);
                })
            })
            .collect();
        let total = a.devices - start_at;
        let (mut last, mut tick) = (0, Instant::now());
        while workers.iter().any(|w| !w.is_finished()) {
            std::thread::sleep(Duration::from_millis(50));
            if tick.elapsed() >= Duration::from_secs(10) {
                let done = next.load(Ordering::Relaxed).min(a.devices) - start_at;
                eprintln!(
                    "  {done}/{total} reports, {:.0}/s over the last 10 s",
                    (done - last) as f64 / tick.elapsed().as_secs_f64()
                );
                (last, tick) = (done, Instant::now());
            }
        }
        for w in workers {
            w.join().unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        let process = (process_cpu() - cpu_before).as_secs_f64();
        let client = client_ns.load(Ordering::Relaxed) as f64 / 1e9;
        let sqlite = (threads_cpu("sqlx-sqlite") - sqlite_before).as_secs_f64();
        let server = (process - client).max(0.0);
        println!(
            "ingest: {total} reports in {secs:.1} s = {:.0} reports/s ({} clients, {})",
            total as f64 / secs,
            a.clients,
            db.kind()
        );
        println!(
            "cpu: server {:.0} µs/report ({:.0} reports/s per free core), load generator {:.0} µs/report; process used {:.2} of the cores",
            server * 1e6 / total as f64,
            total as f64 / server,
            client * 1e6 / total as f64,
            process / secs
        );
        if a.database.is_none() {
            // SQLite's worker threads: nearly all of it is the single writer's connection,
            // whose work is serial, so this bounds the rate whatever the cores.
            println!(
                "cpu: of which SQLite's threads {:.0} µs/report (the single writer: at most {:.0} reports/s on one core)",
                sqlite * 1e6 / total as f64,
                total as f64 / sqlite
            );
        }
    } else {
        println!(
            "ingest: skipped, the database already holds {} devices",
            before.total
        );
    }

    // Latency of the pages an administrator opens, logged in.
    rt.block_on(db.set_admin("bench", "bench password 123"))
        .unwrap();
    let cookie = rt
        .block_on(db.login("bench", "bench password 123"))
        .unwrap()
        .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let (o, _) = rt.block_on(db.overview()).unwrap();
    println!("devices: {}", o.total);
    for (name, path) in [
        ("overview", "/".to_string()),
        (
            "filtered page (failed, one domain)",
            "/devices?status=failed&domain=D07".to_string(),
        ),
        (
            "filtered page (code 38, name search)",
            "/devices?code=38&q=pc-00".to_string(),
        ),
        ("first page, no filter", "/devices".to_string()),
    ] {
        let mut times = Vec::with_capacity(a.queries);
        for _ in 0..a.queries {
            let t = Instant::now();
            let r = agent
                .get(format!("{base}{path}"))
                .header("Cookie", format!("mdd_session={cookie}"))
                .call()
                .unwrap();
            assert_eq!(r.status(), 200, "{path}");
            let _ = r.into_body().read_to_vec().unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name}: p50 {:.1} ms, p99 {:.1} ms ({} requests)",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            a.queries
        );
    }
    let data_dir = match (&a.database, &a.data) {
        (Some(_), _) => None,
        (None, Some(d)) => Some(d.clone()),
        (None, None) => Some(tmp.path().to_path_buf()),
    };
    if let Some(dir) = data_dir {
        let bytes = dir_size(&dir);
        println!(
            "database: {:.2} GB ({:.1} KB per device)",
            bytes as f64 / 1e9,
            bytes as f64 / 1e3 / o.total.max(1) as f64
        );
    }
    println!(
        "peak memory: {} MiB (server and load generator, one process)",
        peak_rss_mib()
    );
}
