//! Writing reports: one writer task takes every pending report and commits them in one
//! transaction (group commit), so a burst of uploads costs one fsync-free WAL append per batch
//! instead of one per report. A report is acknowledged only after its transaction committed.

use std::collections::HashMap;

use mde_fleet::{Bucket, Device};
// Dynamic SQL here is assembled only from constant fragments and `$n` placeholders;
// every value is bound.
use sqlx::AssertSqlSafe;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Connection, Row, Transaction};
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
    /// The id of the ingest token it came with, checked again (revoked?) in the transaction
    /// that stores it; `None` for uploads by an administrator or the demo.
    pub token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stored,
    /// The same content was received before; nothing changed.
    Duplicate,
    /// Its ingest token was revoked before the report could be stored; nothing changed.
    Revoked,
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
    // The writer keeps one connection: on SQLite its page cache stays warm (a connection
    // taken from the pool in turn would find its cache stale after every other writer's
    // commit, and read the pages again).
    let mut conn: Option<PoolConnection<Any>> = None;
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match db.pool.acquire().await {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    let message = format!("database error while connecting: {e}");
                    for job in batch.drain(..) {
                        match job {
                            Job::Report(_, reply) => {
                                let _ = reply.send(Err(message.clone()));
                            }
                            Job::Inventory(_, _, reply) => {
                                let _ = reply.send(Err(message.clone()));
                            }
                        }
                    }
                    continue;
                }
            },
        };
        let mut reports = Vec::new();
        let mut failed = false;
        for job in batch.drain(..) {
            match job {
                Job::Report(incoming, reply) => reports.push((*incoming, reply)),
                Job::Inventory(devices, fleet, reply) => {
                    let result = add_inventory(c, &devices, &fleet).await;
                    failed |= result.is_err();
                    let _ = reply.send(result.map_err(|e| e.to_string()));
                }
            }
        }
        if !reports.is_empty() {
            let items: Vec<&Incoming> = reports.iter().map(|(i, _)| i).collect();
            match write_batch(c, &items).await {
                Ok(outcomes) => {
                    for ((_, reply), outcome) in reports.into_iter().zip(outcomes) {
                        let _ = reply.send(Ok(outcome));
                    }
                }
                // One bad report must not fail the others: retry them one by one, on a
                // fresh connection in case the connection is what failed.
                Err(_) => {
                    if let Ok(fresh) = db.pool.acquire().await {
                        *c = fresh;
                    }
                    for (incoming, reply) in reports {
                        let result = write_batch(c, &[&incoming])
                            .await
                            .map(|o| o[0])
                            .map_err(|e| e.to_string());
                        failed |= result.is_err();
                        let _ = reply.send(result);
                    }
                }
            }
        }
        if failed {
            // The connection itself may be what failed: take a fresh one for the next batch.
            conn = None;
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

/// Bind parameters per statement at most: under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;

/// `items` cut into pieces of at most `max` whose sizes are powers of two (a batch of 45:
/// 32, 8, 4, 1). A multi-row statement's text depends on its row count, and each text is a
/// statement prepared and cached by the connection; powers of two bound them to a few per
/// kind instead of one per batch size, which would overflow sqlx's statement cache (100)
/// and prepare anew most of the time.
fn pieces<T>(items: &[T], max: usize) -> impl Iterator<Item = &[T]> {
    let max = if max.is_power_of_two() {
        max
    } else {
        max.next_power_of_two() / 2
    };
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = rest.len().min(max);
        let n = if n.is_power_of_two() {
            n
        } else {
            n.next_power_of_two() / 2
        };
        let (piece, tail) = rest.split_at(n);
        rest = tail;
        Some(piece)
    })
}

/// How the placeholders of a multi-row statement are written. PostgreSQL wants `$1, $2, …`;
/// SQLite takes those too, but sqlx then looks each one's name up in SQLite's list of names
/// (a linear search), which makes binding a statement quadratic in its parameters: 70 ms
/// for 512 devices. Anonymous `?` are bound by position.
#[derive(Clone, Copy)]
struct Style {
    numbered: bool,
}

impl Style {
    fn of(conn: &AnyConnection) -> Style {
        Style {
            numbered: conn.backend_name() != "SQLite",
        }
    }

    /// `(…), (…)`: `rows` groups of `cols` placeholders.
    fn rows(self, rows: usize, cols: usize) -> String {
        let mut out = String::with_capacity(rows * cols * 6);
        for r in 0..rows {
            out.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..cols {
                if c > 0 {
                    out.push_str(", ");
                }
                if self.numbered {
                    out.push('$');
                    out.push_str(&(r * cols + c + 1).to_string());
                } else {
                    out.push('?');
                }
            }
            out.push(')');
        }
        out
    }

    /// `n` placeholders separated by commas.
    fn list(self, n: usize) -> String {
        let one = self.rows(n, 1);
        one.replace(['(', ')'], "")
    }
}

/// Writes a batch in a constant number of statements (whatever its size): token check,
/// one multi-row insert of the reports, one read of the devices concerned, one multi-row
/// upsert of the devices, one of the counters. Each statement is a round trip to the
/// database (to sqlx's worker thread on SQLite), so statements per report, not rows, set
/// the cost of a batch.
async fn write_batch(
    conn: &mut AnyConnection,
    items: &[&Incoming],
) -> Result<Vec<Outcome>, ConsoleError> {
    let err = ConsoleError::db;
    let style = Style::of(conn);
    let mut tx = conn.begin().await.map_err(err("starting a transaction"))?;
    let mut outcomes = vec![Outcome::Duplicate; items.len()];

    // Tokens revoked since the handler looked them up (it may have used its cache) store
    // nothing: checked here, in the transaction that stores.
    let mut ids: Vec<&str> = items.iter().filter_map(|i| i.token.as_deref()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut valid = std::collections::HashSet::new();
    for chunk in pieces(&ids, MAX_PARAMS) {
        let sql = format!(
            "SELECT id FROM tokens WHERE revoked IS NULL AND id IN ({})",
            style.list(chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q
            .fetch_all(&mut *tx)
            .await
            .map_err(err("checking tokens"))?
        {
            valid.insert(
                row.try_get::<String, _>(0)
                    .map_err(err("checking tokens"))?,
            );
        }
    }

    // The first report of each content hash is a candidate; a second copy in the same
    // batch is a duplicate of it.
    let mut first = HashMap::new();
    let mut candidates = Vec::new();
    for (n, item) in items.iter().enumerate() {
        if let Some(id) = &item.token
            && !valid.contains(id)
        {
            outcomes[n] = Outcome::Revoked;
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = first.entry(item.hash.as_str()) {
            e.insert(n);
            candidates.push(n);
        }
    }
    // The same order in every transaction, so that PostgreSQL instances never deadlock.
    candidates.sort_by(|&a, &b| items[a].hash.cmp(&items[b].hash));
    let mut stored = std::collections::HashSet::new();
    for chunk in pieces(&candidates, MAX_PARAMS / 8) {
        let sql = format!(
            "INSERT INTO reports (hash, device_key, fleet, received, verdict, code, headline, body) \
             VALUES {} ON CONFLICT (hash) DO NOTHING RETURNING hash",
            style.rows(chunk.len(), 8)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for &n in chunk {
            let (item, d) = (items[n], &items[n].device);
            q = q
                .bind(&item.hash)
                .bind(&d.key)
                .bind(&item.fleet)
                .bind(d.last_seen)
                .bind(&d.verdict)
                .bind(d.code.unwrap_or(-1))
                .bind(&d.headline)
                .bind(&item.body);
        }
        for row in q
            .fetch_all(&mut *tx)
            .await
            .map_err(err("storing reports"))?
        {
            let hash: String = row.try_get(0).map_err(err("storing reports"))?;
            if let Some(&n) = first.get(hash.as_str()) {
                stored.insert(n);
            }
        }
    }
    if stored.is_empty() {
        tx.commit().await.map_err(err("committing reports"))?;
        return Ok(outcomes);
    }

    // What the table says of the devices now, then the stored reports in arrival order, as
    // if written one by one: a report older than what is known goes to the history only.
    let mut keys: Vec<&str> = stored
        .iter()
        .map(|&n| items[n].device.key.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut current: HashMap<String, Side> = HashMap::with_capacity(keys.len());
    for chunk in pieces(&keys, MAX_PARAMS) {
        let sql = format!(
            "SELECT key, bucket, category, os, domain, last_seen FROM devices WHERE key IN ({})",
            style.list(chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for key in chunk {
            q = q.bind(*key);
        }
        for row in q
            .fetch_all(&mut *tx)
            .await
            .map_err(err("reading devices"))?
        {
            let side = (|| -> Result<(String, Side), sqlx::Error> {
                Ok((
                    row.try_get(0)?,
                    Side {
                        bucket: row.try_get(1)?,
                        category: row.try_get(2)?,
                        os: row.try_get(3)?,
                        domain: row.try_get(4)?,
                        last_seen: row.try_get(5)?,
                    },
                ))
            })()
            .map_err(err("reading devices"))?;
            current.insert(side.0, side.1);
        }
    }
    let mut deltas = Deltas::new();
    let mut latest: HashMap<&str, usize> = HashMap::new();
    for (n, item) in items.iter().enumerate() {
        if !stored.contains(&n) {
            continue;
        }
        outcomes[n] = Outcome::Stored;
        let d = &item.device;
        let day = d.last_seen.div_euclid(86_400).to_string();
        let e = deltas.entry(("trend", day)).or_insert((0, 0));
        e.0 += 1;
        e.1 += i64::from(d.bucket == Bucket::Failed.key());
        if let Some(old) = current.get(&d.key) {
            if old.last_seen > d.last_seen {
                continue;
            }
            count(&mut deltas, old, -1);
        }
        let new = Side::of(d);
        count(&mut deltas, &new, 1);
        current.insert(d.key.clone(), new);
        latest.insert(&d.key, n);
    }
    let mut winners: Vec<usize> = latest.into_values().collect();
    winners.sort_by(|&a, &b| items[a].device.key.cmp(&items[b].device.key));
    let updates: Vec<String> = DEVICE_COLUMNS
        .split(", ")
        .skip(1)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    for chunk in pieces(&winners, MAX_PARAMS / DEVICE_COLUMN_COUNT) {
        let sql = format!(
            "INSERT INTO devices ({DEVICE_COLUMNS}) VALUES {} ON CONFLICT (key) DO UPDATE SET {}",
            style.rows(chunk.len(), DEVICE_COLUMN_COUNT),
            updates.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for &n in chunk {
            q = bind_device(q, &items[n].device, &items[n].fleet, &items[n].hash);
        }
        q.execute(&mut *tx).await.map_err(err("storing devices"))?;
    }
    apply_deltas(&mut tx, style, deltas).await?;
    tx.commit().await.map_err(err("committing reports"))?;
    Ok(outcomes)
}

pub(crate) const DEVICE_COLUMNS: &str = "key, fleet, hostname, hostname_lc, domain, os, build, managed_by, bucket, verdict, code, status, category, headline, errors, last_seen, last_report, scp_tenant, dns_server, proxy, ou, os_build, code_hresult";
const DEVICE_COLUMN_COUNT: usize = 23;

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

async fn apply_deltas(
    tx: &mut Transaction<'_, Any>,
    style: Style,
    deltas: Deltas,
) -> Result<(), ConsoleError> {
    let mut deltas: Vec<_> = deltas.into_iter().filter(|(_, v)| *v != (0, 0)).collect();
    // The same order in every transaction, so that PostgreSQL instances never deadlock.
    deltas.sort();
    for chunk in pieces(&deltas, MAX_PARAMS / 4) {
        let sql = format!(
            "INSERT INTO counts (dim, key, n, failed) VALUES {} \
             ON CONFLICT (dim, key) DO UPDATE SET n = counts.n + excluded.n, failed = counts.failed + excluded.failed",
            style.rows(chunk.len(), 4)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for ((dim, key), (n, failed)) in chunk {
            q = q.bind(*dim).bind(key).bind(*n).bind(*failed);
        }
        q.execute(&mut **tx)
            .await
            .map_err(ConsoleError::db("updating the counters"))?;
    }
    Ok(())
}

async fn add_inventory(
    conn: &mut AnyConnection,
    devices: &[Device],
    fleet: &str,
) -> Result<u64, ConsoleError> {
    let err = ConsoleError::db;
    let style = Style::of(conn);
    let mut tx = conn.begin().await.map_err(err("starting a transaction"))?;
    // A device listed twice counts once: the first listing is the one inserted.
    let mut first: HashMap<&str, &Device> = HashMap::with_capacity(devices.len());
    for d in devices {
        first.entry(d.key.as_str()).or_insert(d);
    }
    let mut listed: Vec<&Device> = first.values().copied().collect();
    listed.sort_by(|a, b| a.key.cmp(&b.key));
    let mut deltas = Deltas::new();
    let mut added = 0;
    for chunk in pieces(&listed, MAX_PARAMS / DEVICE_COLUMN_COUNT) {
        let sql = format!(
            "INSERT INTO devices ({DEVICE_COLUMNS}) VALUES {} ON CONFLICT (key) DO NOTHING RETURNING key",
            style.rows(chunk.len(), DEVICE_COLUMN_COUNT)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for d in chunk {
            q = bind_device(q, d, fleet, "");
        }
        for row in q
            .fetch_all(&mut *tx)
            .await
            .map_err(err("adding inventory devices"))?
        {
            let key: String = row.try_get(0).map_err(err("adding inventory devices"))?;
            if let Some(d) = first.get(key.as_str()) {
                added += 1;
                count(&mut deltas, &Side::of(d), 1);
            }
        }
    }
    apply_deltas(&mut tx, style, deltas).await?;
    tx.commit().await.map_err(err("committing the inventory"))?;
    Ok(added)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pieces_are_powers_of_two_in_order() {
        let items: Vec<usize> = (0..45).collect();
        let sizes: Vec<usize> = super::pieces(&items, 1304).map(<[usize]>::len).collect();
        assert_eq!(sizes, [32, 8, 4, 1]);
        let back: Vec<usize> = super::pieces(&items, 1304).flatten().copied().collect();
        assert_eq!(back, items);
        let sizes: Vec<usize> = super::pieces(&items, 20).map(<[usize]>::len).collect();
        assert_eq!(sizes, [16, 16, 8, 4, 1]);
        assert_eq!(super::pieces::<usize>(&[], 8).count(), 0);
    }
}
