//! Findings from the bundle's event logs, with record-level evidence.
//!
//! Registration events 307/304 with 0x801c001d (the SCP could not be read) are folded into
//! one finding: they repeat at every sign-in, and KB4480781 calls them harmless where hybrid
//! join is not configured — so they are a warning unless the enrollment status says the
//! SCP is the problem (16/17). Other known events give one finding per event id and error
//! code, citing the latest occurrence and counting the others.

use std::collections::BTreeMap;

use mde_artifacts::Location;
use mde_artifacts::events::Event;
use mde_catalog::{Hresult, JoinState};

use crate::context::{Ctx, SENSECM, evidence};
use crate::events::{Decoded, decode};
use crate::model::{Evidence, Finding, Severity};
use crate::texts::finding;
use crate::time::to_second;

/// An event occurrence: the log it is in, the event, what it means.
type Occurrence = (String, Event, Decoded);

fn event_evidence(artifact: &str, e: &Event, d: &Decoded) -> Evidence {
    let at = match e.at {
        Location::Line(n) => Location::Line(n),
        _ => Location::Whole,
    };
    let mut ev = evidence(
        artifact,
        at,
        None,
        format!("{} {} {}: {}", e.time, e.channel, e.event_id, {
            let params = d
                .params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            // An event without data still has its rendered message (RenderedXml).
            if params.is_empty() {
                e.message.clone().unwrap_or_default()
            } else {
                params
            }
        }),
    );
    if e.record_id > 0 {
        ev.record = Some(e.record_id);
        ev.location = if ev.location.is_empty() {
            format!("record {}", e.record_id)
        } else {
            format!("record {}, {}", e.record_id, ev.location)
        };
    }
    ev
}

/// Why registration failures logged up to `last` no longer count, if they do not: the device
/// is now Microsoft Entra joined or hybrid joined (registration succeeded since), or it is
/// not a domain member at all (there is no SCP to read). The join state is weighed against
/// the time: an event logged after the state was collected would still count.
fn stale(ctx: &Ctx<'_>, last: &str) -> Option<String> {
    let seen = super::join::observe(ctx)?;
    // Times compare as instants, to the second (`2026-09-14T07:58:40` when shown).
    let last_at = to_second(last);
    let collected = ctx
        .snapshot
        .manifest
        .as_ref()
        .and_then(|m| m.value.collected_at.as_deref().and_then(to_second));
    if let (Some(l), Some(c)) = (last_at, collected)
        && l > c
    {
        return None;
    }
    // When the device registered: its device certificate's start of validity.
    let registered = ctx.dsreg.as_ref().and_then(|d| {
        d.device
            .device_certificate_validity
            .as_ref()
            .and_then(|v| to_second(&v.from))
    });
    let last = last_at.map_or_else(|| last.to_string(), |l| l.to_string());
    let domain_member = ctx
        .dsreg
        .as_ref()
        .and_then(|d| d.join_state.domain_joined)
        .unwrap_or(matches!(seen.kind, JoinState::HybridJoined));
    match seen.kind {
        // Not a domain member: there is no SCP to read, whenever the events were logged.
        JoinState::NotJoined | JoinState::EntraJoined if !domain_member => Some(format!(
            "The device is {} and not domain joined ({}), so it has no service connection point to read: these events, the last at {last}, do not concern security management.",
            seen.kind.describe(),
            seen.basis
        )),
        // A domain member that registered since: failures logged before the registration.
        JoinState::EntraJoined | JoinState::HybridJoined
            if registered.is_none_or(|r| last_at.is_some_and(|l| l < r)) =>
        {
            Some(format!(
                "The device is now {} ({}){}, so these failures, the last at {last}, are from before it registered and no longer matter.",
                seen.kind.describe(),
                seen.basis,
                registered
                    .map(|r| format!(", registered at {r}"))
                    .unwrap_or_default()
            ))
        }
        _ => None,
    }
}

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    if ctx.snapshot.events.is_empty() {
        return;
    }
    let status = ctx
        .reg(SENSECM, "EnrollmentStatus")
        .and_then(|v| v.data.as_u64());
    // (finding id, event id, first code) → occurrences.
    let mut groups: BTreeMap<(String, u32, Option<Hresult>), Vec<Occurrence>> = BTreeMap::new();
    let mut scp_not_found: Vec<Occurrence> = Vec::new();
    for log in &ctx.snapshot.events {
        for e in &log.value.events {
            let Some(d) = decode(e) else { continue };
            let Some(finding_id) = d.finding.clone() else {
                continue;
            };
            if d.severity == Severity::Info {
                continue;
            }
            let first = d.codes.first().map(|c| c.code);
            if finding_id == "events.registration-failed" && first == Some(Hresult(0x801c_001d)) {
                scp_not_found.push((log.artifact.clone(), e.clone(), d));
                continue;
            }
            groups
                .entry((finding_id, e.event_id, first))
                .or_default()
                .push((log.artifact.clone(), e.clone(), d));
        }
    }
    if !scp_not_found.is_empty() {
        scp_not_found.sort_by(|a, b| a.1.time.cmp(&b.1.time));
        let mut ids: Vec<u32> = scp_not_found.iter().map(|(_, e, _)| e.event_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let last = scp_not_found
            .last()
            .map(|(_, e, _)| e.time.clone())
            .unwrap_or_default();
        let ev: Vec<Evidence> = scp_not_found
            .iter()
            .rev()
            .take(3)
            .map(|(a, e, d)| event_evidence(a, e, d))
            .collect();
        let mut f = finding(
            "events.scp-not-found",
            &[
                (
                    "ids",
                    ids.iter().map(u32::to_string).collect::<Vec<_>>().join("/"),
                ),
                ("count", scp_not_found.len().to_string()),
                ("last", last.clone()),
            ],
            ev,
        );
        if matches!(status, Some(16 | 17)) {
            f.code = Some(16);
        } else if let Some(why) = stale(ctx, &last) {
            // Events of a past the device has left: history, not a finding.
            f.severity = Severity::Info;
            f.root_cause = format!("{} {why}", f.root_cause);
        } else {
            f.severity = Severity::Warning;
        }
        out.push(f);
    }
    for ((finding_id, id, code), mut occurrences) in groups {
        occurrences.sort_by(|a, b| a.1.time.cmp(&b.1.time));
        let (artifact, latest, decoded) = occurrences.last().expect("a group has members").clone();
        let known = decoded.codes.first();
        let code_text = match code {
            None => String::new(),
            Some(code) => format!(
                " ({code}{})",
                known
                    .and_then(|k| k.name.as_ref())
                    .map(|n| format!(" {n}"))
                    .unwrap_or_default()
            ),
        };
        let mut meaning = known
            .and_then(|k| k.meaning.clone())
            .unwrap_or_else(|| decoded.title.clone());
        if let Some(aad) = &decoded.aad {
            let parts: Vec<String> = [
                ("error", &aad.error_code),
                ("failing Win32 API", &aad.win32_api),
                ("URL", &aad.url),
                ("AAD error", &aad.aad_error),
            ]
            .iter()
            .filter_map(|(label, v)| v.as_ref().map(|v| format!("{label}: {v}")))
            .collect();
            if !parts.is_empty() {
                meaning = format!("{meaning} ({})", parts.join("; "));
            }
        }
        if occurrences.len() > 1 {
            meaning = format!(
                "{meaning} Logged {} times, first at {}, last at {}.",
                occurrences.len(),
                occurrences[0].1.time,
                latest.time
            );
        }
        let ev = vec![event_evidence(&artifact, &latest, &decoded)];
        let mut f = finding(
            &finding_id,
            &[
                ("id", id.to_string()),
                ("title", decoded.title.clone()),
                ("code_text", code_text),
                ("meaning", meaning),
            ],
            ev,
        );
        f.severity = decoded.severity;
        if finding_id == "events.registration-failed"
            && let Some(why) = stale(ctx, &latest.time)
        {
            f.severity = Severity::Info;
            f.root_cause = format!("{} {why}", f.root_cause);
        }
        if let Some(h) = known.and_then(|k| mde_catalog::builtin().hresult(k.code)) {
            f.actions = h.actions.clone();
        }
        out.push(f);
    }
}
