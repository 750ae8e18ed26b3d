//! Fleet root causes: failing devices grouped by what they share (`data/causes.toml`).

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::bucket::Bucket;
use crate::device::Device;

/// A dimension failing devices can share, and the fix when many share one value.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Dimension {
    #[serde(skip_deserializing)]
    pub key: String,
    pub label: String,
    pub fix: String,
    pub doc: String,
}

#[derive(Debug, Deserialize)]
struct Causes {
    dimensions: BTreeMap<String, Dimension>,
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
        // Compiled in and checked by a test, so a parse failure is a build defect.
        let mut causes: Causes = toml::from_str(include_str!("../data/causes.toml"))
            .unwrap_or_else(|e| panic!("crates/fleet/data/causes.toml: {e}"));
        DIMENSIONS
            .iter()
            .map(|k| {
                let mut d = causes
                    .dimensions
                    .remove(*k)
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
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub dimension: String,
    pub label: String,
    pub value: String,
    pub fix: String,
    pub doc: String,
    pub count: i64,
    /// Share of all failing devices, in percent.
    pub percent: i64,
    /// The devices (keys and names), at most `limit` of them.
    pub devices: Vec<Member>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub key: String,
    pub hostname: String,
}

/// Smallest group worth calling a shared cause.
pub const MIN_CLUSTER: i64 = 2;

impl Cluster {
    pub fn new(dimension: &Dimension, value: String, count: i64, failing: i64) -> Cluster {
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
            devices: Vec::new(),
        }
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
    let failing: Vec<&Device> = devices
        .iter()
        .filter(|d| d.bucket == Bucket::Failed.key())
        .collect();
    let total = failing.len() as i64;
    let mut out = Vec::new();
    for dim in dimensions() {
        let mut groups: HashMap<&str, Vec<&Device>> = HashMap::new();
        for d in &failing {
            if let Some(v) = value_of(d, &dim.key) {
                groups.entry(v).or_default().push(d);
            }
        }
        for (value, mut members) in groups {
            let count = members.len() as i64;
            if count < MIN_CLUSTER {
                continue;
            }
            members.sort_by(|a, b| a.hostname.cmp(&b.hostname).then(a.key.cmp(&b.key)));
            let mut c = Cluster::new(dim, value.to_string(), count, total);
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
        let c = clusters(&devices, 2);
        assert_eq!(c[0].dimension, "dns-server");
        assert_eq!(c[0].value, "192.168.1.1");
        assert_eq!(c[0].count, 3);
        assert_eq!(c[0].percent, 60);
        assert_eq!(c[0].devices.len(), 2);
        assert_eq!(c[1].value, "22631.3");
        assert_eq!(c[1].count, 2);
        // Singletons are no shared cause.
        assert_eq!(c.len(), 2);
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
