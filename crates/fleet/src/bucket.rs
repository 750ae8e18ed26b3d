//! Where a device lands in the "Onboarded via MDE security management" breakdown
//! (`data/breakdown.toml`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::report::Report;

/// The breakdown's slices, in the order the portal shows them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Bucket {
    Succeeded,
    Failed,
    Pending,
    NotApplicable,
    NoReport,
}

impl Bucket {
    pub const ALL: [Bucket; 5] = [
        Bucket::Succeeded,
        Bucket::Failed,
        Bucket::Pending,
        Bucket::NotApplicable,
        Bucket::NoReport,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Bucket::Succeeded => "succeeded",
            Bucket::Failed => "failed",
            Bucket::Pending => "pending",
            Bucket::NotApplicable => "not-applicable",
            Bucket::NoReport => "no-report",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Bucket::Succeeded => "Succeeded",
            Bucket::Failed => "Failed",
            Bucket::Pending => "Pending",
            Bucket::NotApplicable => "Not applicable",
            Bucket::NoReport => "No report",
        }
    }

    pub fn parse(key: &str) -> Option<Bucket> {
        Bucket::ALL.into_iter().find(|b| b.key() == key)
    }
}

#[derive(Debug, Deserialize)]
struct Rules {
    categories: BTreeMap<String, Rule>,
    out_of_scope: Rule,
    out_of_date: Rule,
    no_code: NoCode,
}

#[derive(Debug, Deserialize)]
struct Rule {
    bucket: Bucket,
    managed_by: String,
}

#[derive(Debug, Deserialize)]
struct NoCode {
    failing: Bucket,
    other: Bucket,
    managed_by: String,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        // Compiled in and checked by a test, so a parse failure is a build defect.
        toml::from_str(include_str!("../data/breakdown.toml"))
            .unwrap_or_else(|e| panic!("crates/fleet/data/breakdown.toml: {e}"))
    })
}

/// The slice and the *Managed by* value of a reported device.
pub fn classify(report: &Report) -> (Bucket, String) {
    let rules = rules();
    if report.device.in_scope == Some(false) {
        return (
            rules.out_of_scope.bucket,
            rules.out_of_scope.managed_by.clone(),
        );
    }
    if report
        .enrollment
        .as_ref()
        .is_some_and(|e| e.out_of_date == Some(true))
    {
        return (
            rules.out_of_date.bucket,
            rules.out_of_date.managed_by.clone(),
        );
    }
    let category = report
        .enrollment
        .as_ref()
        .and_then(|e| e.category.as_deref());
    match category {
        Some(c) => match rules.categories.get(c) {
            Some(rule) => {
                let mut managed = rule.managed_by.clone();
                // Both Configuration Manager and Intune are "managed elsewhere"; the finding
                // says which.
                if c == "managed-elsewhere"
                    && report.findings.iter().any(|f| f.id.contains("intune"))
                {
                    managed = "Intune".to_string();
                }
                (rule.bucket, managed)
            }
            None => (Bucket::Failed, "MDE".to_string()),
        },
        None if report.verdict == "failing" => {
            (rules.no_code.failing, rules.no_code.managed_by.clone())
        }
        None => (rules.no_code.other, rules.no_code.managed_by.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_load_and_cover_known_categories() {
        let r = rules();
        assert_eq!(r.categories["success"].bucket, Bucket::Succeeded);
        for key in r.categories.keys() {
            assert!(
                mde_catalog::Category::ALL.iter().any(|c| c.key() == key),
                "breakdown.toml names unknown category {key}"
            );
        }
    }
}
