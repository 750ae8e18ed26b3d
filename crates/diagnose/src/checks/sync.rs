//! The device's own AD computer object through Entra Connect's sync rule: will it reach
//! Entra ID? The rule is the configuration export's *In from AD – Computer Join* when one is
//! given (with its connector's OU scope), else the default rule of the Entra Connect version
//! (`data/sync-rules.toml`). The expression trace is the evidence.
//!
//! This matters most for Windows Server 2012 R2: the default rule filters Windows NT 6.x
//! objects, so such a server reaches Entra ID only with the modified rule.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use mde_catalog::JoinState;
use mde_syncrule::{Object, Value};
use serde::Deserialize;

use crate::context::{Ctx, SENSECM, evidence};
use crate::model::{Evidence, Finding, Severity};
use crate::texts::finding;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleText {
    name: String,
    since: String,
    source: String,
    expression: String,
}

fn rules() -> &'static [RuleText] {
    static DATA: OnceLock<Vec<RuleText>> = OnceLock::new();
    DATA.get_or_init(|| {
        crate::data::array(
            "sync-rules.toml",
            include_str!("../../data/sync-rules.toml"),
            "rule",
        )
    })
}

fn version(text: &str) -> Vec<u32> {
    text.split('.')
        .map(|p| p.trim().parse().unwrap_or(0))
        .collect()
}

/// The default rule of an Entra Connect version (the newest when the version is unknown).
fn default_rule(entra_connect: Option<&str>) -> &'static RuleText {
    let all = rules();
    match entra_connect {
        Some(v) => all
            .iter()
            .find(|r| version(v) >= version(&r.since))
            .unwrap_or(&all[all.len() - 1]),
        None => &all[0],
    }
}

/// The collection time as FILETIME ticks (`Now()` of the rule: certificates valid *then*),
/// from `YYYY-MM-DDTHH:MM:SS…`.
fn ticks(rfc3339: &str) -> Option<i64> {
    let b = rfc3339.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        std::str::from_utf8(b.get(r)?).ok()?.parse().ok()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(secs * 10_000_000 + mde_syncrule::UNIX_EPOCH_TICKS)
}

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    let Some((record, artifact)) = ctx.own_computer() else {
        return;
    };
    let object = Object::from_ldif(record);
    let (rule_name, source, text) = match ctx.options.aadconnect.as_ref().and_then(|c| {
        c.inbound
            .mappings
            .iter()
            .find(|m| m.dest == "cloudFiltered")
            .and_then(|m| m.expression.clone())
            .map(|e| (c.inbound.name.clone(), e))
    }) {
        Some((name, expr)) => (
            name,
            "the Entra Connect configuration export".to_string(),
            expr,
        ),
        None => {
            let r = default_rule(ctx.options.entra_connect_version.as_deref());
            let assumed = if ctx.options.entra_connect_version.is_none() {
                "; Entra Connect version unknown, newest default assumed"
            } else {
                ""
            };
            (
                r.name.clone(),
                format!("{}{assumed}", r.source),
                r.expression.clone(),
            )
        }
    };
    let now = ctx
        .snapshot
        .manifest
        .as_ref()
        .and_then(|m| m.value.collected_at.as_deref())
        .and_then(ticks)
        .unwrap_or_else(mde_syncrule::now_ticks);
    let params = BTreeMap::new();
    let object_ev = evidence(
        artifact,
        record.at,
        None,
        format!(
            "dn: {}; operatingSystem: {}; operatingSystemVersion: {}; userCertificate: {} value(s)",
            record.dn,
            record.first_text("operatingSystem").unwrap_or("(none)"),
            record
                .first_text("operatingSystemVersion")
                .unwrap_or("(none)"),
            record.values("userCertificate").count()
        ),
    );
    let expr = match mde_syncrule::parse(&text) {
        Ok(e) => e,
        Err(e) => {
            out.push(finding(
                "sync.rule-unusable",
                &[("rule", rule_name), ("error", e.to_string())],
                vec![object_ev],
            ));
            return;
        }
    };
    let mut eval = mde_syncrule::Ctx::new(&object, &params, now).explain();
    let result = eval.eval(&expr);
    let trace = eval.take_trace();
    // The top-level steps decided the result; deeper ones are detail.
    let mut ev: Vec<Evidence> = vec![object_ev];
    ev.extend(trace.iter().filter(|s| s.depth <= 3).take(8).map(|s| {
        evidence(
            "sync rule",
            mde_artifacts::Location::Whole,
            Some(&rule_name),
            format!(
                "{}{} = {}",
                "  ".repeat(s.depth.saturating_sub(1)),
                s.text,
                s.value
            ),
        )
    }));
    let scope = ctx
        .options
        .aadconnect
        .as_ref()
        .map(|c| mde_syncrule::simulate::ou_scope(&c.partitions, &object));
    let vars = |why: String| {
        vec![
            ("dn", record.dn.clone()),
            ("rule", rule_name.clone()),
            ("source", source.clone()),
            ("why", why),
        ]
    };
    let needs_sync = needs_sync(ctx);
    let mut f = match (&result, scope) {
        (_, Some(Err(why))) => finding("sync.not-in-scope", &vars(why), ev),
        (Err(e), _) => finding(
            "sync.rule-unusable",
            &[("rule", rule_name.clone()), ("error", e.to_string())],
            ev,
        ),
        (Ok(Value::Bool(true)), _) => finding(
            "sync.filtered",
            &vars("cloudFiltered is True: the rule filters the object out".into()),
            ev,
        ),
        (Ok(v), _) => finding(
            "sync.synced",
            &vars(format!("cloudFiltered is {}", v.to_json())),
            ev,
        ),
    };
    if f.severity == Severity::Error {
        f.code = Some(37);
        if !needs_sync {
            // Already registered in Entra ID by other means: the sync rule no longer decides.
            f.severity = Severity::Warning;
        }
    }
    out.push(f);
}

/// Whether the device depends on Entra Connect syncing its object: not yet Entra or hybrid
/// joined (Windows Server 2012 R2 never shows that in dsregcmd: it has none), or the
/// enrollment status names a sync problem (36, 37).
fn needs_sync(ctx: &Ctx<'_>) -> bool {
    let status = ctx
        .reg(SENSECM, "EnrollmentStatus")
        .and_then(|v| v.data.as_u64());
    if matches!(status, Some(36 | 37)) {
        return true;
    }
    !matches!(
        ctx.dsreg.as_ref().and_then(|d| d.join_state.kind),
        Some(JoinState::EntraJoined | JoinState::HybridJoined)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn collection_time_in_ticks() {
        // 2000-03-01 is day 11017 after the Unix epoch.
        assert_eq!(
            super::ticks("1970-01-01T00:00:00Z"),
            Some(mde_syncrule::UNIX_EPOCH_TICKS)
        );
        assert_eq!(
            super::ticks("2000-03-01T00:00:01Z"),
            Some((951_868_801 * 10_000_000) + mde_syncrule::UNIX_EPOCH_TICKS)
        );
        assert_eq!(super::ticks("garbage"), None);
    }

    #[test]
    fn the_version_picks_the_default_rule() {
        assert!(super::default_rule(Some("1.1.880.0")).expression.len() < 60);
        assert!(
            super::default_rule(Some("2.4.18.0"))
                .expression
                .contains("\"6.\"")
        );
        assert!(super::default_rule(None).expression.contains("\"6.\""));
    }
}
