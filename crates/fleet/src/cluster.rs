//! Fleet root causes: failing devices grouped by what they share (`data/causes.toml`).

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::bucket::Bucket;
use crate::device::Device;

/// A dimension failing devices can share, and the fix when many share one value.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Dimension {
    #[serde(skip_deserializing)]
    pub key: String,
    pub label: String,
    pub fix: String,
    pub doc: String,
}

#[derive(Debug, Deserialize)]
struct Causes {
    min_failure_rate: f64,
    dimensions: BTreeMap<String, Dimension>,
}

/// The share of the devices with a value that must fail for the value to be a cause
/// (`data/causes.toml`).
pub fn min_failure_rate() -> f64 {
    causes().min_failure_rate
}

fn causes() -> &'static Causes {
    static CAUSES: OnceLock<Causes> = OnceLock::new();
    CAUSES.get_or_init(|| {
        // Compiled in and checked by a test, so a parse failure is a build defect.
        toml::from_str(include_str!("../data/causes.toml"))
            .unwrap_or_else(|e| panic!("crates/fleet/data/causes.toml: {e}"))
    })
}

/// The order clusters of equal size are listed in: the most specific cause first.
pub const DIMENSIONS: [&str; 6] = [
    "scp-tenant",
    "dns-server",
    "proxy",
    "ou",
    "code",
    "os-build",
];

/// Every dimension, in [`DIMENSIONS`] order.
pub fn dimensions() -> &'static [Dimension] {
    static DIMS: OnceLock<Vec<Dimension>> = OnceLock::new();
    DIMS.get_or_init(|| {
        DIMENSIONS
            .iter()
            .map(|k| {
                let mut d = causes()
                    .dimensions
                    .get(*k)
                    .cloned()
                    .unwrap_or_else(|| panic!("crates/fleet/data/causes.toml lacks {k}"));
                d.key = (*k).to_string();
                d
            })
            .collect()
    })
}

pub fn dimension(key: &str) -> Option<&'static Dimension> {
    dimensions().iter().find(|d| d.key == key)
}

/// A device's value in one dimension.
pub fn value_of<'a>(d: &'a Device, dimension: &str) -> Option<&'a str> {
    let f = &d.facts;
    match dimension {
        "scp-tenant" => f.scp_tenant.as_deref(),
        "dns-server" => f.dns_servers.first().map(String::as_str),
        "proxy" => f.proxy.as_deref(),
        "ou" => f.ou.as_deref(),
        "os-build" => f.os_build.as_deref(),
        "code" => f.code_hresult.as_deref(),
        _ => None,
    }
    .filter(|v| !v.is_empty())
}

/// Failing devices sharing one value of one dimension.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Cluster {
    pub dimension: String,
    pub label: String,
    pub value: String,
    pub fix: String,
    pub doc: String,
    pub count: i64,
    /// Share of all failing devices, in percent.
    pub percent: i64,
    /// Devices with this value, failing or not.
    pub sharing: i64,
    /// Share of the devices with this value that fail, in percent.
    pub failure_rate: i64,
    /// The devices (keys and names), at most `limit` of them.
    pub devices: Vec<Member>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Member {
    pub key: String,
    pub hostname: String,
}

/// Smallest group worth calling a shared cause.
pub const MIN_CLUSTER: i64 = 2;

impl Cluster {
    /// `count` failing devices share `value`, out of `sharing` devices with it; `failing` in
    /// all.
    pub fn new(
        dimension: &Dimension,
        value: String,
        count: i64,
        sharing: i64,
        failing: i64,
    ) -> Cluster {
        Cluster {
            dimension: dimension.key.clone(),
            label: dimension.label.clone(),
            value,
            fix: dimension.fix.clone(),
            doc: dimension.doc.clone(),
            count,
            percent: if failing == 0 {
                0
            } else {
                count * 100 / failing
            },
            sharing,
            failure_rate: if sharing == 0 {
                0
            } else {
                count * 100 / sharing
            },
            devices: Vec::new(),
        }
    }
}

impl Cluster {
    /// Whether the value goes with failure enough to be called a cause. An enrollment code
    /// is failure by itself.
    pub fn is_cause(&self) -> bool {
        self.dimension == "code"
            || self.failure_rate as f64 >= min_failure_rate() * 100.0 - f64::EPSILON
    }
}

/// Sorts clusters biggest first; ties in dimension order, then by value.
pub fn rank(clusters: &mut [Cluster]) {
    let order = |d: &str| {
        DIMENSIONS
            .iter()
            .position(|k| *k == d)
            .unwrap_or(usize::MAX)
    };
    clusters.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(order(&a.dimension).cmp(&order(&b.dimension)))
            .then(a.value.cmp(&b.value))
    });
}

/// Clusters of the failing devices among `devices`, each listing up to `limit` of its devices.
pub fn clusters(devices: &[Device], limit: usize) -> Vec<Cluster> {
    let failed = |d: &Device| d.bucket == Bucket::Failed.key();
    let total = devices.iter().filter(|d| failed(d)).count() as i64;
    let mut out = Vec::new();
    for dim in dimensions() {
        let mut groups: HashMap<&str, (Vec<&Device>, i64)> = HashMap::new();
        for d in devices {
            if let Some(v) = value_of(d, &dim.key) {
                let g = groups.entry(v).or_default();
                g.1 += 1;
                if failed(d) {
                    g.0.push(d);
                }
            }
        }
        for (value, (mut members, sharing)) in groups {
            let count = members.len() as i64;
            if count < MIN_CLUSTER {
                continue;
            }
            members.sort_by(|a, b| a.hostname.cmp(&b.hostname).then(a.key.cmp(&b.key)));
            let mut c = Cluster::new(dim, value.to_string(), count, sharing, total);
            if !c.is_cause() {
                continue;
            }
            c.devices = members
                .iter()
                .take(limit)
                .map(|d| Member {
                    key: d.key.clone(),
                    hostname: d.hostname.clone(),
                })
                .collect();
            out.push(c);
        }
    }
    rank(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Facts;

    fn failing(host: &str, dns: &str, build: &str) -> Device {
        Device {
            key: host.to_lowercase(),
            hostname: host.into(),
            bucket: "failed".into(),
            facts: Facts {
                dns_servers: vec![dns.into()],
                os_build: Some(build.into()),
                ..Facts::default()
            },
            ..Device::default()
        }
    }

    #[test]
    fn biggest_shared_cause_comes_first() {
        let mut devices = vec![
            failing("A", "192.168.1.1", "22631.1"),
            failing("B", "192.168.1.1", "22631.2"),
            failing("C", "192.168.1.1", "22631.3"),
            failing("D", "10.0.0.10", "22631.3"),
            failing("E", "10.0.0.11", "22631.4"),
        ];
        devices.push(Device {
            bucket: "succeeded".into(),
            ..failing("F", "192.168.1.1", "22631.3")
        });
        // Build 22631.3 is shared by two failing and three healthy devices: no cause.
        for h in ["G", "H"] {
            devices.push(Device {
                bucket: "succeeded".into(),
                ..failing(h, "10.0.0.10", "22631.3")
            });
        }
        let c = clusters(&devices, 2);
        assert_eq!(c[0].dimension, "dns-server");
        assert_eq!(c[0].value, "192.168.1.1");
        assert_eq!(c[0].count, 3);
        assert_eq!((c[0].sharing, c[0].failure_rate), (4, 75));
        assert_eq!(c[0].percent, 60);
        assert_eq!(c[0].devices.len(), 2);
        // Singletons are no shared cause, and neither is a value healthy devices share.
        assert_eq!(c.len(), 1, "{c:?}");
    }

    #[test]
    fn every_dimension_has_its_text() {
        assert_eq!(dimensions().len(), DIMENSIONS.len());
        assert!(
            dimensions()
                .iter()
                .all(|d| !d.fix.is_empty() && d.doc.starts_with("https://"))
        );
    }
}
