//! The evidence picks between the sources' readings of an enrollment status code
//! (`data/readings.toml`): the enrollment status finding says which reading applies and why.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::causes::matches;
use crate::model::Finding;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pick {
    code: u32,
    when: Vec<String>,
    source: String,
}

fn picks() -> &'static [Pick] {
    static DATA: OnceLock<Vec<Pick>> = OnceLock::new();
    DATA.get_or_init(|| {
        crate::data::array(
            "readings.toml",
            include_str!("../data/readings.toml"),
            "pick",
        )
    })
}

/// Adds the picked reading to the enrollment status finding.
pub(crate) fn pick(findings: &mut [Finding]) {
    let catalog = mde_catalog::builtin();
    let Some(status) = findings.iter().position(|f| f.id == "enrollment.status") else {
        return;
    };
    let Some(code) = findings[status].code else {
        return;
    };
    let Some(entry) = catalog.code(code) else {
        return;
    };
    let chosen = picks().iter().filter(|p| p.code == code).find_map(|p| {
        let because = findings
            .iter()
            .find(|f| p.when.iter().any(|w| matches(w, &f.id)))?;
        let reading = entry.readings.iter().find(|r| r.source == p.source)?;
        Some((p, reading.text.clone(), because.title.clone()))
    });
    if let Some((p, text, because)) = chosen {
        let title = catalog
            .source(&p.source)
            .map(|s| s.title.clone())
            .unwrap_or_else(|| p.source.clone());
        let f = &mut findings[status];
        f.root_cause = format!(
            "{} The evidence picks the reading of {title} (\"{text}\"): {because}.",
            f.root_cause
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::finding;

    #[test]
    fn every_pick_names_a_reading_the_catalog_has() {
        let catalog = mde_catalog::builtin();
        let ids: Vec<&String> = crate::texts::texts().keys().collect();
        for p in picks() {
            let entry = catalog.code(p.code).unwrap();
            assert!(
                entry.readings.iter().any(|r| r.source == p.source),
                "{}: no {} reading",
                p.code,
                p.source
            );
            for w in &p.when {
                assert!(ids.iter().any(|id| matches(w, id)), "{w}");
            }
        }
    }

    fn status(code: u32) -> Finding {
        let mut f = finding(
            "enrollment.status",
            &[
                ("code", code.to_string()),
                ("status", "s".into()),
                ("meaning", "m".into()),
            ],
            vec![],
        );
        f.code = Some(code);
        f
    }

    #[test]
    fn the_evidence_picks_the_reading_of_25() {
        let mut by_dns = vec![
            status(25),
            finding(
                "net.dns-public",
                &[
                    ("servers", "8.8.8.8".into()),
                    ("domain", "contoso.com".into()),
                    ("error", String::new()),
                ],
                vec![],
            ),
        ];
        pick(&mut by_dns);
        assert!(
            by_dns[0]
                .root_cause
                .contains("EnrollmentRegistrationComFailure_AAD_CHALLENGE"),
            "{}",
            by_dns[0].root_cause
        );
        let mut nothing = vec![status(25)];
        pick(&mut nothing);
        assert_eq!(nothing[0].root_cause, "m");
    }
}
