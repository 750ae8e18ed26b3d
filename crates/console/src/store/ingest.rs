//! Writing reports: one writer task takes every pending report and commits them in one
//! transaction (group commit), so a burst of uploads costs one fsync-free WAL append per batch
//! instead of one per report. A report is acknowledged only after its transaction committed.

use std::collections::HashMap;

use mde_fleet::{Bucket, Device};
// Dynamic SQL here is assembled only from constant fragments and `$n` placeholders;
// every value is bound.
use sqlx::AssertSqlSafe;
use sqlx::{Any, Row, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::Db;
use crate::error::ConsoleError;

/// Largest batch committed at once.
const MAX_BATCH: usize = 512;

/// A report ready to store.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub fleet: String,
    /// SHA-256 of the uploaded bytes, hex.
    pub hash: String,
    /// The report's JSON, deflate-compressed.
    pub body: Vec<u8>,
    pub device: Device,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stored,
    /// The same content was received before; nothing changed.
    Duplicate,
}

enum Job {
    Report(Box<Incoming>, oneshot::Sender<Result<Outcome, String>>),
    Inventory(Vec<Device>, String, oneshot::Sender<Result<u64, String>>),
}

/// The handle request handlers send reports through.
#[derive(Clone)]
pub struct Ingestor {
    jobs: mpsc::Sender<Job>,
}

impl Ingestor {
    /// Starts the writer task on the current runtime.
    pub fn start(db: Db) -> Ingestor {
        let (jobs, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(writer(db, rx));
        Ingestor { jobs }
    }

    /// Stores one report; returns once it is committed.
    pub async fn submit(&self, incoming: Incoming) -> Result<Outcome, ConsoleError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Job::Report(Box::new(incoming), tx))
            .await
            .map_err(|_| ConsoleError::Invalid("the writer has stopped".into()))?;
        rx.await
            .map_err(|_| ConsoleError::Invalid("the writer has stopped".into()))?
            .map_err(ConsoleError::Invalid)
    }

    /// Adds devices known from an inventory export; devices already known are left alone.
    /// Returns how many were new.
    pub async fn inventory(&self, devices: Vec<Device>, fleet: &str) -> Result<u64, ConsoleError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Job::Inventory(devices, fleet.to_string(), tx))
            .await
            .map_err(|_| ConsoleError::Invalid("the writer has stopped".into()))?;
        rx.await
            .map_err(|_| ConsoleError::Invalid("the writer has stopped".into()))?
            .map_err(ConsoleError::Invalid)
    }
}

async fn writer(db: Db, mut rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut reports = Vec::new();
        for job in batch.drain(..) {
            match job {
                Job::Report(incoming, reply) => reports.push((*incoming, reply)),
                Job::Inventory(devices, fleet, reply) => {
                    let _ = reply.send(
                        add_inventory(&db, &devices, &fleet)
                            .await
                            .map_err(|e| e.to_string()),
                    );
                }
            }
        }
        if reports.is_empty() {
            continue;
        }
        let items: Vec<&Incoming> = reports.iter().map(|(i, _)| i).collect();
        match write_batch(&db, &items).await {
            Ok(outcomes) => {
                for ((_, reply), outcome) in reports.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            // One bad report must not fail the others: retry them one by one.
            Err(_) => {
                for (incoming, reply) in reports {
                    let result = write_batch(&db, &[&incoming])
                        .await
                        .map(|o| o[0])
                        .map_err(|e| e.to_string());
                    let _ = reply.send(result);
                }
            }
        }
    }
}

type Deltas = HashMap<(&'static str, String), (i64, i64)>;

fn count(deltas: &mut Deltas, d: &Side, sign: i64) {
    let failed = i64::from(d.bucket == Bucket::Failed.key());
    let mut add = |dim: &'static str, key: &str, f: i64| {
        let e = deltas.entry((dim, key.to_string())).or_insert((0, 0));
        e.0 += sign;
        e.1 += sign * f;
    };
    add("bucket", &d.bucket, failed);
    if failed == 1 {
        add("category", &d.category, 1);
    }
    add("os", &d.os, failed);
    add("domain", &d.domain, failed);
}

/// What the counters know of a device row.
struct Side {
    bucket: String,
    category: String,
    os: String,
    domain: String,
    last_seen: i64,
}

impl Side {
    fn of(d: &Device) -> Side {
        Side {
            bucket: d.bucket.clone(),
            category: d.category.clone(),
            os: d.os.clone(),
            domain: d.domain.clone(),
            last_seen: d.last_seen,
        }
    }
}

async fn begin(db: &Db) -> Result<Transaction<'static, Any>, ConsoleError> {
    db.pool
        .begin()
        .await
        .map_err(ConsoleError::db("starting a transaction"))
}

async fn write_batch(db: &Db, items: &[&Incoming]) -> Result<Vec<Outcome>, ConsoleError> {
    let err = ConsoleError::db;
    let mut tx = begin(db).await?;
    let mut deltas = Deltas::new();
    let mut outcomes = Vec::with_capacity(items.len());
    for item in items {
        let d = &item.device;
        let inserted = sqlx::query(
            "INSERT INTO reports (hash, device_key, fleet, received, verdict, code, headline, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(&item.hash)
        .bind(&d.key)
        .bind(&item.fleet)
        .bind(d.last_seen)
        .bind(&d.verdict)
        .bind(d.code.unwrap_or(-1))
        .bind(&d.headline)
        .bind(&item.body)
        .execute(&mut *tx)
        .await
        .map_err(err("storing a report"))?
        .rows_affected();
        if inserted == 0 {
            outcomes.push(Outcome::Duplicate);
            continue;
        }
        outcomes.push(Outcome::Stored);
        let day = d.last_seen.div_euclid(86_400).to_string();
        let e = deltas.entry(("trend", day)).or_insert((0, 0));
        e.0 += 1;
        e.1 += i64::from(d.bucket == Bucket::Failed.key());

        let old = sqlx::query(
            "SELECT bucket, category, os, domain, last_seen FROM devices WHERE key = $1",
        )
        .bind(&d.key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err("reading a device"))?
        .map(|row| -> Result<Side, sqlx::Error> {
            Ok(Side {
                bucket: row.try_get(0)?,
                category: row.try_get(1)?,
                os: row.try_get(2)?,
                domain: row.try_get(3)?,
                last_seen: row.try_get(4)?,
            })
        })
        .transpose()
        .map_err(err("reading a device"))?;
        if let Some(old) = &old {
            if old.last_seen > d.last_seen {
                // An older report arriving late goes to the history only.
                continue;
            }
            count(&mut deltas, old, -1);
        }
        upsert_device(&mut tx, d, &item.fleet, &item.hash).await?;
        count(&mut deltas, &Side::of(d), 1);
    }
    apply_deltas(&mut tx, deltas).await?;
    tx.commit().await.map_err(err("committing reports"))?;
    Ok(outcomes)
}

pub(crate) const DEVICE_COLUMNS: &str = "key, fleet, hostname, hostname_lc, domain, os, build, managed_by, bucket, verdict, code, status, category, headline, errors, last_seen, last_report, scp_tenant, dns_server, proxy, ou, os_build, code_hresult";

async fn upsert_device(
    tx: &mut Transaction<'_, Any>,
    d: &Device,
    fleet: &str,
    report: &str,
) -> Result<(), ConsoleError> {
    let updates: Vec<String> = DEVICE_COLUMNS
        .split(", ")
        .skip(1)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let sql = format!(
        "INSERT INTO devices ({DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) \
         ON CONFLICT (key) DO UPDATE SET {}",
        updates.join(", ")
    );
    bind_device(sqlx::query(AssertSqlSafe(sql)), d, fleet, report)
        .execute(&mut **tx)
        .await
        .map_err(ConsoleError::db("storing a device"))?;
    Ok(())
}

fn bind_device<'q>(
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    d: &'q Device,
    fleet: &'q str,
    report: &'q str,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    let f = &d.facts;
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    q.bind(&d.key)
        .bind(fleet)
        .bind(&d.hostname)
        .bind(d.hostname.to_lowercase())
        .bind(&d.domain)
        .bind(&d.os)
        .bind(&d.build)
        .bind(&d.managed_by)
        .bind(&d.bucket)
        .bind(&d.verdict)
        .bind(d.code.unwrap_or(-1))
        .bind(&d.status)
        .bind(&d.category)
        .bind(&d.headline)
        .bind(d.errors)
        .bind(d.last_seen)
        .bind(report)
        .bind(text(&f.scp_tenant))
        .bind(f.dns_servers.first().cloned().unwrap_or_default())
        .bind(text(&f.proxy))
        .bind(text(&f.ou))
        .bind(text(&f.os_build))
        .bind(text(&f.code_hresult))
}

async fn apply_deltas(tx: &mut Transaction<'_, Any>, deltas: Deltas) -> Result<(), ConsoleError> {
    let mut deltas: Vec<_> = deltas.into_iter().filter(|(_, v)| *v != (0, 0)).collect();
    // The same order in every transaction, so that PostgreSQL instances never deadlock.
    deltas.sort();
    for ((dim, key), (n, failed)) in deltas {
        sqlx::query(
            "INSERT INTO counts (dim, key, n, failed) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (dim, key) DO UPDATE SET n = counts.n + excluded.n, failed = counts.failed + excluded.failed",
        )
        .bind(dim)
        .bind(key)
        .bind(n)
        .bind(failed)
        .execute(&mut **tx)
        .await
        .map_err(ConsoleError::db("updating the counters"))?;
    }
    Ok(())
}

async fn add_inventory(db: &Db, devices: &[Device], fleet: &str) -> Result<u64, ConsoleError> {
    let err = ConsoleError::db;
    let mut tx = begin(db).await?;
    let mut deltas = Deltas::new();
    let mut added = 0;
    let sql = format!(
        "INSERT INTO devices ({DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) \
         ON CONFLICT (key) DO NOTHING"
    );
    for d in devices {
        let n = bind_device(sqlx::query(AssertSqlSafe(sql.clone())), d, fleet, "")
            .execute(&mut *tx)
            .await
            .map_err(err("adding an inventory device"))?
            .rows_affected();
        if n > 0 {
            added += 1;
            count(&mut deltas, &Side::of(d), 1);
        }
    }
    apply_deltas(&mut tx, deltas).await?;
    tx.commit().await.map_err(err("committing the inventory"))?;
    Ok(added)
}
