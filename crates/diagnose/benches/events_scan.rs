//! Throughput of scanning event logs for the events mde-doctor knows (what `mde-doctor
//! events` and `analyze` do): parse every record, decide from its header, decode the known
//! ones. Input: every real `.evtx` sample in examples/events, or the files named in
//! MDE_DOCTOR_BENCH_EVTX (`:`-separated), e.g. one made by scripts/gen-large-evtx.py.
//!
//!   cargo bench -p mde-diagnose --bench events_scan

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mde_artifacts::events::{EventHeader, keep_all, read_event_log_filtered};
use mde_diagnose::events::{decode, is_known};

fn inputs() -> Vec<(String, Vec<u8>)> {
    let paths: Vec<PathBuf> = match std::env::var("MDE_DOCTOR_BENCH_EVTX") {
        Ok(list) => list.split(':').map(PathBuf::from).collect(),
        Err(_) => {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/events");
            let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
                .expect("examples/events")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "evtx"))
                .collect();
            v.sort();
            v
        }
    };
    paths
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(&p).expect("read input"),
            )
        })
        .collect()
}

fn scan(c: &mut Criterion) {
    let files = inputs();
    let bytes: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
    let records: usize = files
        .iter()
        .map(|(_, b)| {
            read_event_log_filtered(b.clone(), &|_: &EventHeader<'_>| false)
                .map(|l| l.total)
                .unwrap_or(0)
        })
        .sum();
    eprintln!(
        "input: {} files, {bytes} bytes, {records} records",
        files.len()
    );
    let mut group = c.benchmark_group("events_scan");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("known_events", |b| {
        b.iter(|| {
            let mut found = 0usize;
            for (_, data) in &files {
                let keep =
                    |h: &EventHeader<'_>| is_known(h.channel, h.provider, h.event_id, h.level);
                if let Ok(log) = read_event_log_filtered(data.clone(), &keep) {
                    found += log.events.iter().filter_map(decode).count();
                }
            }
            found
        })
    });
    group.bench_function("all_events", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (_, data) in &files {
                if let Ok(log) = read_event_log_filtered(data.clone(), &keep_all) {
                    n += log.events.len();
                }
            }
            n
        })
    });
    group.finish();
}

criterion_group!(benches, scan);
criterion_main!(benches);
