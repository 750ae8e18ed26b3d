//! Root cause first: which finding explains which (`data/causes.toml`), the one to fix first,
//! and the report order — the root cause, what it causes, then everything else by severity.
//!
//! Five error cards of equal weight for one missing SCP tell the administrator nothing about
//! where to start; the links say that the SCP explains the failed AD configuration test, the
//! registration error, the 307/304 events and the enrollment status.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::{Finding, Severity};

/// One `[[link]]` of `data/causes.toml`: a cause and the findings it explains.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Explains {
    cause: String,
    effects: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Causes {
    order: Vec<String>,
    link: Vec<Explains>,
}

fn causes() -> &'static Causes {
    static DATA: OnceLock<Causes> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(include_str!("../data/causes.toml"))
            .unwrap_or_else(|e| panic!("data/causes.toml is invalid: {e}"))
    })
}

/// `os.*` matches every id starting with `os.`; anything else matches itself.
pub(crate) fn matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}

fn rank(id: &str) -> usize {
    causes()
        .order
        .iter()
        .position(|p| matches(p, id))
        .unwrap_or(usize::MAX)
}

/// Whether a finding of id `cause` explains one of id `effect`. The root cause explains the
/// enrollment status however it shows; another finding only the status of its own code.
fn explains(cause: &Finding, effect: &Finding, root: bool) -> bool {
    if cause.id == effect.id || effect.severity == Severity::Info {
        return false;
    }
    if effect.id == "enrollment.status" {
        return root || (cause.code.is_some() && cause.code == effect.code);
    }
    causes()
        .link
        .iter()
        .any(|l| matches(&l.cause, &cause.id) && l.effects.iter().any(|e| matches(e, &effect.id)))
}

/// Picks the root cause, links the findings it explains, and orders the findings: the root
/// cause, its consequences, then the rest (errors, warnings, information; check order within
/// each). Returns the root cause's id.
pub(crate) fn link(findings: &mut Vec<Finding>) -> Option<String> {
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let worst = findings.first().map(|f| f.severity)?;
    if worst == Severity::Info {
        return None;
    }
    // Among the most severe findings, the earliest in the flow that nothing else explains.
    let candidates: Vec<usize> = (0..findings.len())
        .filter(|&i| findings[i].severity == worst)
        .collect();
    let unexplained: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| {
            !findings.iter().any(|c| {
                c.severity != Severity::Info
                    && explains(c, &findings[i], false)
                    && rank(&c.id) < rank(&findings[i].id)
            })
        })
        .collect();
    let pool = if unexplained.is_empty() {
        &candidates
    } else {
        &unexplained
    };
    let root = *pool
        .iter()
        .min_by_key(|&&i| (rank(&findings[i].id), i))
        .expect("a severity present has a finding");
    let root_id = findings[root].id.clone();
    let root_finding = findings[root].clone();
    for (i, f) in findings.iter_mut().enumerate() {
        if i != root && explains(&root_finding, f, true) {
            f.caused_by = Some(root_id.clone());
        }
    }
    // Links between the other findings (a failed test explained by a registration error).
    let snapshot = findings.clone();
    for f in findings.iter_mut() {
        if f.caused_by.is_some() || f.id == root_id {
            continue;
        }
        if let Some(c) = snapshot
            .iter()
            .filter(|c| c.severity >= f.severity && c.id != root_id && explains(c, f, false))
            .min_by_key(|c| rank(&c.id))
            && rank(&c.id) < rank(&f.id)
        {
            f.caused_by = Some(c.id.clone());
        }
    }
    let root_finding = findings.remove(root);
    let (mut consequences, rest): (Vec<Finding>, Vec<Finding>) = findings
        .drain(..)
        .partition(|f| f.caused_by.as_deref() == Some(root_id.as_str()));
    consequences.sort_by_key(|f| std::cmp::Reverse(f.severity));
    findings.push(root_finding);
    findings.append(&mut consequences);
    findings.extend(rest);
    Some(root_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::finding;

    fn with(id: &str, severity: Severity) -> Finding {
        let mut f = finding("evidence.damaged", &[], vec![]);
        f.id = id.into();
        f.severity = severity;
        f
    }

    #[test]
    fn every_pattern_names_a_known_finding() {
        let ids: Vec<&String> = crate::texts::texts().keys().collect();
        let c = causes();
        for p in c
            .order
            .iter()
            .chain(c.link.iter().map(|l| &l.cause))
            .chain(c.link.iter().flat_map(|l| l.effects.iter()))
        {
            assert!(
                ids.iter().any(|id| matches(p, id)),
                "{p} matches no finding"
            );
        }
    }

    #[test]
    fn a_missing_scp_leads_and_explains_the_rest() {
        let mut f = vec![
            with("enrollment.status", Severity::Error),
            with("dsreg.registration-error", Severity::Error),
            with("dsreg.test-failed", Severity::Error),
            with("events.scp-not-found", Severity::Error),
            with("scp.missing", Severity::Error),
            with("probes.missing", Severity::Info),
        ];
        assert_eq!(link(&mut f).as_deref(), Some("scp.missing"));
        assert_eq!(f[0].id, "scp.missing");
        assert!(
            f[1..5]
                .iter()
                .all(|x| x.caused_by.as_deref() == Some("scp.missing"))
        );
        assert_eq!(f[5].caused_by, None);
    }

    #[test]
    fn an_unrelated_error_is_not_folded() {
        let mut f = vec![
            with("clock.skew", Severity::Error),
            with("authority.configmgr", Severity::Warning),
        ];
        assert_eq!(link(&mut f).as_deref(), Some("clock.skew"));
        assert_eq!(f[1].caused_by, None);
    }

    #[test]
    fn information_alone_has_no_root_cause() {
        let mut f = vec![with("onboarding.ok", Severity::Info)];
        assert_eq!(link(&mut f), None);
    }
}
