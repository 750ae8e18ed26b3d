//! The device list's filter: the same model for the console (translated to SQL there) and
//! for the offline `fleet` command (applied here).

use serde::{Deserialize, Serialize};

use crate::device::Device;

/// Every filter of the device list. Empty strings mean "any", so that an HTML form's empty
/// fields need no special case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct Filter {
    /// *Managed by*: MDE, Intune, ConfigMgr, Unknown.
    pub managed_by: String,
    /// The breakdown slice (`succeeded`, `failed`, …).
    pub status: String,
    /// Enrollment status code.
    pub code: String,
    pub category: String,
    /// Substring of the OS name.
    pub os: String,
    pub domain: String,
    pub verdict: String,
    /// Seen within this many days.
    pub seen_days: String,
    /// Substring of the hostname.
    pub q: String,
    /// `name` (default), `last_seen`, `code`.
    pub sort: String,
}

/// Longest filter value honoured; longer ones are cut (they come from URLs).
const MAX_VALUE: usize = 128;

impl Filter {
    /// Cuts every value to a sane length and trims it.
    pub fn normalized(mut self) -> Filter {
        for v in [
            &mut self.managed_by,
            &mut self.status,
            &mut self.code,
            &mut self.category,
            &mut self.os,
            &mut self.domain,
            &mut self.verdict,
            &mut self.seen_days,
            &mut self.q,
            &mut self.sort,
        ] {
            let t = v.trim();
            let mut end = t.len().min(MAX_VALUE);
            while !t.is_char_boundary(end) {
                end -= 1;
            }
            *v = t[..end].to_string();
        }
        if !matches!(self.sort.as_str(), "name" | "last_seen" | "code") {
            self.sort = "name".to_string();
        }
        self
    }

    pub fn code_value(&self) -> Option<i64> {
        self.code.parse().ok()
    }

    pub fn seen_days_value(&self) -> Option<i64> {
        self.seen_days
            .parse()
            .ok()
            .filter(|d: &i64| *d > 0 && *d < 100_000)
    }

    /// The filter as URL query pairs (empty ones left out), for links and the CSV export.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("managed_by", self.managed_by.as_str()),
            ("status", &self.status),
            ("code", &self.code),
            ("category", &self.category),
            ("os", &self.os),
            ("domain", &self.domain),
            ("verdict", &self.verdict),
            ("seen_days", &self.seen_days),
            ("q", &self.q),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    /// Whether `device` passes, `now` in seconds since the epoch.
    pub fn matches(&self, d: &Device, now: i64) -> bool {
        let eq = |want: &str, have: &str| want.is_empty() || want.eq_ignore_ascii_case(have);
        let contains = |want: &str, have: &str| {
            want.is_empty() || have.to_lowercase().contains(&want.to_lowercase())
        };
        eq(&self.managed_by, &d.managed_by)
            && eq(&self.status, &d.bucket)
            && (self.code.is_empty() || self.code_value() == d.code)
            && eq(&self.category, &d.category)
            && contains(&self.os, &d.os)
            && eq(&self.domain, &d.domain)
            && eq(&self.verdict, &d.verdict)
            && self
                .seen_days_value()
                .is_none_or(|days| d.last_seen >= now - days * 86_400)
            && contains(&self.q, &d.hostname)
    }

    /// Sorts devices the way the console does (ties broken by key, so pages are stable).
    pub fn sort(&self, devices: &mut [Device]) {
        match self.sort.as_str() {
            "last_seen" => {
                devices.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then(a.key.cmp(&b.key)))
            }
            "code" => devices.sort_by(|a, b| a.code.cmp(&b.code).then(a.key.cmp(&b.key))),
            _ => devices.sort_by(|a, b| {
                a.hostname
                    .to_lowercase()
                    .cmp(&b.hostname.to_lowercase())
                    .then(a.key.cmp(&b.key))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(host: &str, code: i64, seen: i64) -> Device {
        Device {
            key: host.to_lowercase(),
            hostname: host.into(),
            domain: "CONTOSO".into(),
            os: "Windows 11 Enterprise".into(),
            managed_by: "MDE".into(),
            bucket: "failed".into(),
            verdict: "failing".into(),
            code: Some(code),
            category: "dns".into(),
            last_seen: seen,
            ..Device::default()
        }
    }

    #[test]
    fn every_field_filters() {
        let d = dev("PC-0038", 38, 1_000_000);
        let now = 1_000_000 + 86_400 * 3;
        let f = |f: Filter| f.normalized().matches(&d, now);
        assert!(f(Filter::default()));
        assert!(f(Filter {
            code: "38".into(),
            ..Filter::default()
        }));
        assert!(!f(Filter {
            code: "15".into(),
            ..Filter::default()
        }));
        assert!(f(Filter {
            os: "windows 11".into(),
            ..Filter::default()
        }));
        assert!(!f(Filter {
            domain: "FABRIKAM".into(),
            ..Filter::default()
        }));
        assert!(f(Filter {
            q: "0038".into(),
            ..Filter::default()
        }));
        assert!(!f(Filter {
            seen_days: "2".into(),
            ..Filter::default()
        }));
        assert!(f(Filter {
            seen_days: "4".into(),
            ..Filter::default()
        }));
        assert!(!f(Filter {
            status: "succeeded".into(),
            ..Filter::default()
        }));
        assert!(!f(Filter {
            managed_by: "Intune".into(),
            ..Filter::default()
        }));
    }

    #[test]
    fn unknown_sort_falls_back_to_name() {
        let f = Filter {
            sort: "'; DROP TABLE".into(),
            ..Filter::default()
        }
        .normalized();
        assert_eq!(f.sort, "name");
    }
}
