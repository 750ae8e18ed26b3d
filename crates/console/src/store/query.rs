//! Reading: the overview from the counters, device pages by keyset, one device with its
//! history, root-cause clusters, and the CSV export.

use std::collections::BTreeMap;
use std::io::Read;

use mde_fleet::{Bucket, Cluster, Device, Facts, Filter, Member, Overview, Report, Split};
// Dynamic SQL here is assembled only from constant fragments and `$n` placeholders;
// every value is bound.
use sqlx::AssertSqlSafe;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Row};

use super::Db;
use super::ingest::DEVICE_COLUMNS;
use crate::error::ConsoleError;

/// Largest count of matching devices computed exactly.
pub const COUNT_CAP: i64 = 10_000;

/// One day of the trend: reports received and how many of them were failing.
#[derive(Debug, Clone)]
pub struct Day {
    pub day: i64,
    pub reports: i64,
    pub failing: i64,
}

/// Where the next page starts: the last row's sort value and key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    pub value: String,
    pub key: String,
}

pub struct Page {
    pub devices: Vec<Device>,
    pub next: Option<Cursor>,
}

/// One report of a device's history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub hash: String,
    pub received: i64,
    pub verdict: String,
    pub code: Option<i64>,
    pub headline: String,
}

enum Arg {
    Text(String),
    Int(i64),
}

/// A WHERE clause under construction, with positional parameters.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    fn param(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    fn eq_text(&mut self, column: &str, value: &str) {
        if !value.is_empty() {
            let p = self.param(Arg::Text(value.to_string()));
            self.clauses.push(format!("{column} = {p}"));
        }
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    fn bind<'q>(
        &self,
        mut q: sqlx::query::Query<'q, Any, AnyArguments>,
    ) -> sqlx::query::Query<'q, Any, AnyArguments> {
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

/// `%value%` for LIKE, with the wildcards in `value` escaped.
fn like(value: &str) -> String {
    let mut s = String::from("%");
    for c in value.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// Column of a cluster dimension.
pub(super) fn dimension_column(dimension: &str) -> Option<&'static str> {
    Some(match dimension {
        "scp-tenant" => "scp_tenant",
        "dns-server" => "dns_server",
        "proxy" => "proxy",
        "ou" => "ou",
        "os-build" => "os_build",
        "code" => "code_hresult",
        _ => return None,
    })
}

fn filter_where(f: &Filter, now: i64, cause: Option<(&str, &str)>) -> Where {
    let mut w = Where::default();
    // Case-insensitive equality on values the UI offers from the data itself.
    w.eq_text("managed_by", &f.managed_by);
    w.eq_text("bucket", &f.status);
    w.eq_text("category", &f.category);
    w.eq_text("domain", &f.domain);
    w.eq_text("verdict", &f.verdict);
    if !f.code.is_empty() {
        let code = f.code_value().unwrap_or(i64::MIN);
        let p = w.param(Arg::Int(code));
        w.clauses.push(format!("code = {p}"));
    }
    if !f.os.is_empty() {
        let p = w.param(Arg::Text(like(&f.os)));
        w.clauses.push(format!("LOWER(os) LIKE {p} ESCAPE '\\'"));
    }
    if !f.q.is_empty() {
        let p = w.param(Arg::Text(like(&f.q)));
        w.clauses.push(format!("hostname_lc LIKE {p} ESCAPE '\\'"));
    }
    if let Some(days) = f.seen_days_value() {
        let p = w.param(Arg::Int(now - days * 86_400));
        w.clauses.push(format!("last_seen >= {p}"));
    }
    if let Some((col, value)) = cause.and_then(|(dim, v)| Some((dimension_column(dim)?, v))) {
        let p = w.param(Arg::Text(value.to_string()));
        w.clauses.push(format!("{col} = {p}"));
        w.clauses
            .push(format!("bucket = '{}'", Bucket::Failed.key()));
    }
    w
}

fn device_from_row(row: &AnyRow) -> Result<Device, sqlx::Error> {
    let text = |name: &str| -> Result<Option<String>, sqlx::Error> {
        let v: String = row.try_get(name)?;
        Ok(Some(v).filter(|v| !v.is_empty()))
    };
    let code: i64 = row.try_get("code")?;
    Ok(Device {
        key: row.try_get("key")?,
        hostname: row.try_get("hostname")?,
        domain: row.try_get("domain")?,
        os: row.try_get("os")?,
        build: row.try_get("build")?,
        managed_by: row.try_get("managed_by")?,
        bucket: row.try_get("bucket")?,
        verdict: row.try_get("verdict")?,
        code: (code >= 0).then_some(code),
        status: row.try_get("status")?,
        category: row.try_get("category")?,
        headline: row.try_get("headline")?,
        errors: row.try_get("errors")?,
        last_seen: row.try_get("last_seen")?,
        facts: Facts {
            scp_tenant: text("scp_tenant")?,
            dns_servers: text("dns_server")?.into_iter().collect(),
            proxy: text("proxy")?,
            ou: text("ou")?,
            os_build: text("os_build")?,
            code_hresult: text("code_hresult")?,
        },
    })
}

impl Db {
    /// The breakdown, by OS and by domain, and the trend — from the counters.
    pub async fn overview(&self) -> Result<(Overview, Vec<Day>), ConsoleError> {
        let rows = sqlx::query("SELECT dim, key, n, failed FROM counts WHERE n <> 0")
            .fetch_all(&self.pool)
            .await
            .map_err(ConsoleError::db("reading the overview"))?;
        let mut buckets = BTreeMap::new();
        let (mut categories, mut os, mut domain, mut trend) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for row in rows {
            let get = |row: &AnyRow| -> Result<(String, String, i64, i64), sqlx::Error> {
                Ok((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                ))
            };
            let (dim, key, n, failed) =
                get(&row).map_err(ConsoleError::db("reading the overview"))?;
            match dim.as_str() {
                "bucket" => {
                    buckets.insert(key, n);
                }
                "category" => categories.push((key, n)),
                "os" => os.push(Split {
                    key,
                    total: n,
                    failed,
                }),
                "domain" => domain.push(Split {
                    key,
                    total: n,
                    failed,
                }),
                "trend" => trend.push(Day {
                    day: key.parse().unwrap_or(0),
                    reports: n,
                    failing: failed,
                }),
                _ => {}
            }
        }
        trend.sort_by_key(|d| d.day);
        let keep = trend.len().saturating_sub(30);
        trend.drain(..keep);
        Ok((
            Overview::from_counts(&buckets, categories, os, domain),
            trend,
        ))
    }

    /// One page of devices matching `filter`, after `cursor`.
    pub async fn devices(
        &self,
        filter: &Filter,
        cause: Option<(&str, &str)>,
        cursor: Option<&Cursor>,
        limit: usize,
        now: i64,
    ) -> Result<Page, ConsoleError> {
        let mut w = filter_where(filter, now, cause);
        let (column, order, cmp) = match filter.sort.as_str() {
            "last_seen" => ("last_seen", "DESC", "<"),
            "code" => ("code", "ASC", ">"),
            _ => ("hostname_lc", "ASC", ">"),
        };
        let numeric = column != "hostname_lc";
        if let Some(c) = cursor {
            let v = if numeric {
                w.param(Arg::Int(c.value.parse().unwrap_or(0)))
            } else {
                w.param(Arg::Text(c.value.clone()))
            };
            let k = w.param(Arg::Text(c.key.clone()));
            // The first half lets the index seek; the second breaks ties by key.
            w.clauses.push(format!(
                "{column} {cmp}= {v} AND ({column} {cmp} {v} OR key {cmp} {k})"
            ));
        }
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices{} ORDER BY {column} {order}, key {order} LIMIT {}",
            w.sql(),
            limit + 1
        );
        let rows = w
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await
            .map_err(ConsoleError::db("listing devices"))?;
        let mut devices = rows
            .iter()
            .map(device_from_row)
            .collect::<Result<Vec<_>, _>>()
            .map_err(ConsoleError::db("listing devices"))?;
        let next = if devices.len() > limit {
            devices.truncate(limit);
            devices.last().map(|d| Cursor {
                value: match column {
                    "last_seen" => d.last_seen.to_string(),
                    "code" => d.code.unwrap_or(-1).to_string(),
                    _ => d.hostname.to_lowercase(),
                },
                key: d.key.clone(),
            })
        } else {
            None
        };
        Ok(Page { devices, next })
    }

    /// How many devices match (shown above the list), counted up to `cap`: beyond, the page
    /// says "more than", so that a broad filter over a million rows costs no full count.
    pub async fn count_devices(
        &self,
        filter: &Filter,
        cause: Option<(&str, &str)>,
        now: i64,
    ) -> Result<i64, ConsoleError> {
        let w = filter_where(filter, now, cause);
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM devices{} LIMIT {}) AS matching",
            w.sql(),
            COUNT_CAP + 1
        );
        let row = w
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_one(&self.pool)
            .await
            .map_err(ConsoleError::db("counting devices"))?;
        row.try_get(0).map_err(ConsoleError::db("counting devices"))
    }

    /// One device with its latest report (if any) and its history, newest first.
    pub async fn device(
        &self,
        key: &str,
    ) -> Result<Option<(Device, Option<Report>, Vec<HistoryEntry>)>, ConsoleError> {
        let err = ConsoleError::db("reading a device");
        let sql = format!("SELECT {DEVICE_COLUMNS}, last_report FROM devices WHERE key = $1");
        let Some(row) = sqlx::query(AssertSqlSafe(sql))
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(ConsoleError::db("reading a device"))?
        else {
            return Ok(None);
        };
        let device = device_from_row(&row).map_err(ConsoleError::db("reading a device"))?;
        let last: String = row.try_get("last_report").map_err(err)?;
        let report = if last.is_empty() {
            None
        } else {
            self.report_body(&last).await?
        };
        let rows = sqlx::query(
            "SELECT hash, received, verdict, code, headline FROM reports WHERE device_key = $1 ORDER BY received DESC LIMIT 50",
        )
        .bind(key)
        .fetch_all(&self.pool)
        .await
        .map_err(ConsoleError::db("reading a device's history"))?;
        let history = rows
            .iter()
            .map(|r| -> Result<HistoryEntry, sqlx::Error> {
                let code: i64 = r.try_get(3)?;
                Ok(HistoryEntry {
                    hash: r.try_get(0)?,
                    received: r.try_get(1)?,
                    verdict: r.try_get(2)?,
                    code: (code >= 0).then_some(code),
                    headline: r.try_get(4)?,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(ConsoleError::db("reading a device's history"))?;
        Ok(Some((device, report, history)))
    }

    /// A stored report, decompressed and read back.
    pub async fn report_body(&self, hash: &str) -> Result<Option<Report>, ConsoleError> {
        let row = sqlx::query("SELECT body FROM reports WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(ConsoleError::db("reading a report"))?;
        let Some(row) = row else { return Ok(None) };
        let body: Vec<u8> = row
            .try_get(0)
            .map_err(ConsoleError::db("reading a report"))?;
        let mut json = Vec::new();
        flate2::read::DeflateDecoder::new(&body[..])
            .take(mde_fleet::MAX_REPORT_BYTES as u64 + 1)
            .read_to_end(&mut json)
            .map_err(|e| ConsoleError::Invalid(format!("report {hash} is damaged: {e}")))?;
        Report::from_json(&json)
            .map(Some)
            .map_err(|e| ConsoleError::Invalid(format!("report {hash}: {e}")))
    }

    /// Root-cause clusters over the failing devices, biggest first, each with up to
    /// `members` devices.
    pub async fn clusters(
        &self,
        per_dimension: i64,
        limit: usize,
        members: i64,
    ) -> Result<Vec<Cluster>, ConsoleError> {
        let err = || ConsoleError::db("grouping failing devices");
        let failing: i64 = sqlx::query("SELECT COUNT(*) FROM devices WHERE bucket = $1")
            .bind(Bucket::Failed.key())
            .fetch_one(&self.pool)
            .await
            .map_err(err())?
            .try_get(0)
            .map_err(err())?;
        let mut out = Vec::new();
        for dim in mde_fleet::dimensions() {
            let Some(col) = dimension_column(&dim.key) else {
                continue;
            };
            let sql = format!(
                "SELECT {col}, COUNT(*) FROM devices WHERE bucket = $1 AND {col} <> '' GROUP BY {col} \
                 HAVING COUNT(*) >= $2 ORDER BY COUNT(*) DESC, {col} LIMIT $3"
            );
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(Bucket::Failed.key())
                .bind(mde_fleet::MIN_CLUSTER)
                .bind(per_dimension)
                .fetch_all(&self.pool)
                .await
                .map_err(err())?;
            for row in rows {
                let value: String = row.try_get(0).map_err(err())?;
                let count: i64 = row.try_get(1).map_err(err())?;
                // Devices sharing the value whatever their status: one index seek per slice.
                let buckets = Bucket::ALL.map(|b| format!("'{}'", b.key())).join(", ");
                let sql = format!(
                    "SELECT COUNT(*) FROM devices WHERE bucket IN ({buckets}) AND {col} = $1"
                );
                let sharing: i64 = sqlx::query(AssertSqlSafe(sql))
                    .bind(&value)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(err())?
                    .try_get(0)
                    .map_err(err())?;
                let c = Cluster::new(dim, value, count, sharing, failing);
                if c.is_cause() {
                    out.push(c);
                }
            }
        }
        mde_fleet::rank(&mut out);
        out.truncate(limit);
        for c in &mut out {
            let Some(col) = dimension_column(&c.dimension) else {
                continue;
            };
            let sql = format!(
                "SELECT key, hostname FROM devices WHERE bucket = $1 AND {col} = $2 ORDER BY hostname_lc, key LIMIT $3"
            );
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(Bucket::Failed.key())
                .bind(&c.value)
                .bind(members)
                .fetch_all(&self.pool)
                .await
                .map_err(err())?;
            c.devices = rows
                .iter()
                .map(|r| -> Result<Member, sqlx::Error> {
                    Ok(Member {
                        key: r.try_get(0)?,
                        hostname: r.try_get(1)?,
                    })
                })
                .collect::<Result<_, _>>()
                .map_err(err())?;
        }
        Ok(out)
    }

    /// Distinct values of a column for the filter menus (at most `limit`).
    pub async fn distinct(
        &self,
        column: &'static str,
        limit: i64,
    ) -> Result<Vec<String>, ConsoleError> {
        // Cheap from the counters where they exist.
        let dim = match column {
            "domain" => "domain",
            "os" => "os",
            "category" => "category",
            _ => return Ok(Vec::new()),
        };
        let rows =
            sqlx::query("SELECT key FROM counts WHERE dim = $1 AND n > 0 ORDER BY n DESC LIMIT $2")
                .bind(dim)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(ConsoleError::db("listing filter values"))?;
        let mut v: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get(0).ok())
            .filter(|s: &String| !s.is_empty())
            .collect();
        v.sort();
        Ok(v)
    }
}
