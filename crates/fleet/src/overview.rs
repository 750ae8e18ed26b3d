//! The "Onboarded via MDE security management" breakdown, by OS and by domain.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::bucket::Bucket;
use crate::device::Device;

/// One labelled count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Overview {
    pub total: i64,
    /// Every slice, in portal order, zeros included.
    pub buckets: Vec<Count>,
    /// Failed devices by enrollment category, biggest first.
    pub failed_by_category: Vec<Count>,
    /// Devices per OS and per domain, with how many of them fail.
    pub by_os: Vec<Split>,
    pub by_domain: Vec<Split>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Split {
    pub key: String,
    pub total: i64,
    pub failed: i64,
}

/// How many rows of a split the views show; the rest are summed into "other".
pub const SPLIT_ROWS: usize = 12;

impl Overview {
    /// Assembles an overview from counts, which the console gets from SQL and `of` from
    /// memory.
    pub fn from_counts(
        buckets: &BTreeMap<String, i64>,
        categories: Vec<(String, i64)>,
        by_os: Vec<Split>,
        by_domain: Vec<Split>,
    ) -> Overview {
        let buckets: Vec<Count> = Bucket::ALL
            .iter()
            .map(|b| Count {
                key: b.key().to_string(),
                label: b.label().to_string(),
                count: buckets.get(b.key()).copied().unwrap_or(0),
            })
            .collect();
        let mut failed_by_category: Vec<Count> = categories
            .into_iter()
            .map(|(key, count)| Count {
                label: if key.is_empty() {
                    "(no code)".to_string()
                } else {
                    key.clone()
                },
                key,
                count,
            })
            .collect();
        failed_by_category.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
        Overview {
            total: buckets.iter().map(|c| c.count).sum(),
            buckets,
            failed_by_category,
            by_os: top(by_os),
            by_domain: top(by_domain),
        }
    }

    /// The overview of devices held in memory.
    pub fn of(devices: &[Device]) -> Overview {
        let mut buckets = BTreeMap::new();
        let mut categories: BTreeMap<String, i64> = BTreeMap::new();
        let mut os: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        let mut domain: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for d in devices {
            *buckets.entry(d.bucket.clone()).or_insert(0) += 1;
            let failed = d.bucket == Bucket::Failed.key();
            if failed {
                *categories.entry(d.category.clone()).or_insert(0) += 1;
            }
            for (map, key) in [(&mut os, &d.os), (&mut domain, &d.domain)] {
                let e = map.entry(key.clone()).or_insert((0, 0));
                e.0 += 1;
                e.1 += i64::from(failed);
            }
        }
        let split = |m: BTreeMap<String, (i64, i64)>| {
            m.into_iter()
                .map(|(key, (total, failed))| Split { key, total, failed })
                .collect()
        };
        Overview::from_counts(
            &buckets,
            categories.into_iter().collect(),
            split(os),
            split(domain),
        )
    }

    /// Percentage of the total, for bar widths (0 when there are no devices).
    pub fn percent(&self, count: &i64) -> i64 {
        let count = *count;
        if self.total == 0 {
            0
        } else {
            (count * 100 + self.total / 2) / self.total
        }
    }
}

fn top(mut rows: Vec<Split>) -> Vec<Split> {
    rows.sort_by(|a, b| b.total.cmp(&a.total).then(a.key.cmp(&b.key)));
    if rows.len() > SPLIT_ROWS {
        let rest = rows.split_off(SPLIT_ROWS - 1);
        rows.push(Split {
            key: format!("{} others", rest.len()),
            total: rest.iter().map(|r| r.total).sum(),
            failed: rest.iter().map(|r| r.failed).sum(),
        });
    }
    for r in &mut rows {
        if r.key.is_empty() {
            r.key = "(unknown)".to_string();
        }
    }
    rows
}
