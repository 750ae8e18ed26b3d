//! Decoding events that matter (`data/events.toml`): which event it is, its parameters by
//! name, the HRESULTs in it through the hybrid-join table, and, for AAD errors, the error
//! code, failing Win32 API, URL and AAD runtime / server error the troubleshooting
//! documentation tells administrators to read from the AAD runtime trace.
//!
//! No public sample of an AAD runtime error event exists (its documented example is a
//! screenshot), so the field extraction is by label patterns over the event's data and
//! message (`Error:`, `API:`, `URL:`/`Endpoint Uri:`, `AADSTS…`), not by position.

use std::sync::OnceLock;

use mde_artifacts::events::Event;
use regex::Regex;
use serde::{Deserialize, Serialize};

use mde_catalog::Hresult;

use crate::model::Severity;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventInfo {
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    pub id: u32,
    pub severity: Severity,
    pub title: String,
    pub params: Vec<String>,
    #[serde(default)]
    pub finding: Option<String>,
    /// Every event id of the channel (AAD runtime admin log), at `min_level` or worse.
    #[serde(default)]
    pub any_id: bool,
    #[serde(default)]
    pub min_level: Option<u8>,
}

#[derive(Deserialize)]
struct File {
    event: Vec<EventInfo>,
}

pub fn known_events() -> &'static [EventInfo] {
    static DATA: OnceLock<Vec<EventInfo>> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str::<File>(include_str!("../data/events.toml"))
            .map(|f| f.event)
            .unwrap_or_else(|e| panic!("data/events.toml is invalid: {e}"))
    })
}

/// An HRESULT found in an event, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CodeInfo {
    pub code: Hresult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meaning: Option<String>,
}

/// The parts of an AAD error the documentation asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct AadError {
    pub error_code: Option<String>,
    pub win32_api: Option<String>,
    pub url: Option<String>,
    pub aad_error: Option<String>,
}

/// An event with what mde-doctor knows about it.
#[derive(Debug, Clone, Serialize)]
pub struct Decoded {
    pub title: String,
    pub severity: Severity,
    /// Finding id for `analyze`, if the event leads to one.
    pub finding: Option<String>,
    pub params: Vec<(String, String)>,
    pub codes: Vec<CodeInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aad: Option<AadError>,
}

fn matches(info: &EventInfo, channel: &str, provider: &str, id: u32, level: u8) -> bool {
    // The number first: it rules out nearly every entry without comparing text.
    let id_ok = if info.any_id {
        info.min_level.is_none_or(|m| level != 0 && level <= m)
    } else {
        info.id == id
    };
    id_ok
        && info
            .channel
            .as_deref()
            .is_none_or(|c| c.eq_ignore_ascii_case(channel))
        && info
            .provider
            .as_deref()
            .is_none_or(|p| p.eq_ignore_ascii_case(provider))
}

/// Whether mde-doctor knows an event, from its header alone (readers use it to skip the
/// rest of a large log cheaply).
pub fn is_known(channel: &str, provider: &str, id: u32, level: u8) -> bool {
    // Asked for every event of a large log: the entries that may match are found by the
    // event id (sorted), plus those for any id.
    /// Entries by event id (sorted), and the entries for any id.
    type Index = (Vec<(u32, usize)>, Vec<usize>);
    static INDEX: OnceLock<Index> = OnceLock::new();
    let (by_id, any_id) = INDEX.get_or_init(|| {
        let mut by_id = Vec::new();
        let mut any_id = Vec::new();
        for (i, info) in known_events().iter().enumerate() {
            if info.any_id {
                any_id.push(i);
            } else {
                by_id.push((info.id, i));
            }
        }
        by_id.sort_unstable();
        (by_id, any_id)
    });
    let events = known_events();
    let start = by_id.partition_point(|(n, _)| *n < id);
    by_id[start..]
        .iter()
        .take_while(|(n, _)| *n == id)
        .map(|(_, i)| *i)
        .chain(any_id.iter().copied())
        .any(|i| matches(&events[i], channel, provider, id, level))
}

struct Patterns {
    hresult: Regex,
    api: Regex,
    url: Regex,
    aad: Regex,
    error: Regex,
    decimal_error: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        hresult: Regex::new(r"(?i)\b0x[0-9a-f]{8}\b").expect("regex"),
        api: Regex::new(r"(?i)\b(?:win32\s*api|api)\s*(?:name)?\s*[:=]\s*([A-Za-z_][\w:.]*)")
            .expect("regex"),
        url: Regex::new(r#"https?://[^\s"'<>]+"#).expect("regex"),
        aad: Regex::new(r"(?i)(AADSTS\d+[^\r\n]*|aad\s*runtime\s*api\s*error\s*[:=]\s*[^\r\n]+)")
            .expect("regex"),
        error: Regex::new(r"(?i)\berror(?:\s*code)?\s*[:=]\s*(0x[0-9a-f]{8})").expect("regex"),
        // AAD/Operational 1098 and friends write the HRESULT in decimal: `Error: 3399811100`.
        decimal_error: Regex::new(r"(?i)\berror(?:\s*code)?\s*[:=]\s*(-?\d{7,11})\b")
            .expect("regex"),
    })
}

/// Decodes an event if it is one mde-doctor knows; `None` otherwise.
pub fn decode(e: &Event) -> Option<Decoded> {
    let info = known_events()
        .iter()
        .find(|i| matches(i, &e.channel, &e.provider, e.event_id, e.level))?;
    // Name the data values: the event's own names, or the documented order.
    let params: Vec<(String, String)> = e
        .data
        .iter()
        .enumerate()
        .map(|(i, (name, value))| {
            let named = !name.starts_with("Data[") && !name.is_empty();
            let label = if named {
                name.clone()
            } else {
                info.params.get(i).cloned().unwrap_or_else(|| name.clone())
            };
            (label, value.clone())
        })
        .collect();
    let all_text: String = params
        .iter()
        .map(|(_, v)| v.as_str())
        .chain(e.message.as_deref())
        .collect::<Vec<_>>()
        .join("\n");
    let p = patterns();
    let catalog = mde_catalog::builtin();
    let mut codes: Vec<CodeInfo> = Vec::new();
    for m in p.hresult.find_iter(&all_text) {
        let Some(code) = Hresult::parse(m.as_str()) else {
            continue;
        };
        if codes.iter().any(|c| c.code == code) || code.0 == 0 {
            continue;
        }
        let known = catalog.hresult(code);
        codes.push(CodeInfo {
            code,
            name: known.map(|h| h.name.clone()),
            meaning: known.map(|h| h.meaning.clone()),
        });
    }
    // A decimal HRESULT is the same code: show it as Windows documents it (0xCAA5001C).
    for c in p.decimal_error.captures_iter(&all_text) {
        let Some(code) = Hresult::parse(&c[1]).filter(|h| h.is_failure()) else {
            continue;
        };
        if codes.iter().any(|c| c.code == code) {
            continue;
        }
        let known = catalog.hresult(code);
        codes.insert(
            0,
            CodeInfo {
                code,
                name: known.map(|h| h.name.clone()),
                meaning: known.map(|h| h.meaning.clone()),
            },
        );
    }
    let aad = if info.finding.as_deref() == Some("events.aad-error") {
        Some(AadError {
            error_code: p
                .error
                .captures(&all_text)
                .map(|c| c[1].to_ascii_lowercase())
                .or_else(|| codes.first().map(|c| c.code.hex())),
            win32_api: p.api.captures(&all_text).map(|c| c[1].to_string()),
            url: p
                .url
                .find(&all_text)
                .map(|m| m.as_str().trim_end_matches(['.', ',']).to_string()),
            aad_error: p.aad.find(&all_text).map(|m| m.as_str().trim().to_string()),
        })
    } else {
        None
    };
    Some(Decoded {
        title: info.title.clone(),
        severity: info.severity,
        finding: info.finding.clone(),
        params,
        codes,
        aad,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mde_artifacts::Location;

    fn event(channel: &str, id: u32, data: &[(&str, &str)], message: Option<&str>) -> Event {
        Event {
            record_id: 7,
            time: "2026-11-20T09:02:17.0000000Z".into(),
            provider: String::new(),
            channel: channel.into(),
            event_id: id,
            level: 2,
            computer: "PC".into(),
            data: data
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            message: message.map(str::to_string),
            at: Location::Whole,
        }
    }

    #[test]
    fn registration_event_params_and_codes() {
        let e = event(
            "Microsoft-Windows-User Device Registration/Admin",
            307,
            &[("Data[0]", "0x801C001D")],
            None,
        );
        let d = decode(&e).unwrap();
        assert_eq!(d.params[0].0, "exit_code");
        assert_eq!(
            d.codes[0].name.as_deref(),
            Some("DSREG_AUTOJOIN_ADCONFIG_READ_FAILED")
        );
        assert_eq!(d.severity, Severity::Error);
    }

    #[test]
    fn a_decimal_aad_error_is_shown_in_hex() {
        // AAD/Operational 1098 as Event Viewer shows it (a public post's text).
        let e = event(
            "Microsoft-Windows-AAD/Operational",
            1098,
            &[],
            Some("Error: 0xCAA5001C Token broker operation failed.\nError: 3399811100"),
        );
        let d = decode(&e).unwrap();
        assert_eq!(d.codes[0].code.hex(), "0xcaa5001c");
        let e = event(
            "Microsoft-Windows-AAD/Operational",
            1098,
            &[],
            Some("AAD Cloud AP plugin call Lookup name name from SID returned error: 3399811100"),
        );
        let d = decode(&e).unwrap();
        assert_eq!(d.codes.len(), 1, "{:?}", d.codes);
        assert_eq!(d.codes[0].code.hex(), "0xcaa5001c");
        assert_eq!(d.aad.unwrap().error_code.as_deref(), Some("0xcaa5001c"));
    }

    #[test]
    fn aad_runtime_error_fields() {
        let e = event(
            "Microsoft-Windows-AADRT/Admin",
            1025,
            &[],
            Some(
                "Error: 0x801C03F2 Win32 API: WinHttpSendRequest URL: https://enterpriseregistration.windows.net/EnrollmentServer/device/ AAD Runtime API error: DSREG_E_DIRECTORY_FAILURE",
            ),
        );
        let aad = decode(&e).unwrap().aad.unwrap();
        assert_eq!(aad.error_code.as_deref(), Some("0x801c03f2"));
        assert_eq!(aad.win32_api.as_deref(), Some("WinHttpSendRequest"));
        assert_eq!(
            aad.url.as_deref(),
            Some("https://enterpriseregistration.windows.net/EnrollmentServer/device/")
        );
        assert!(aad.aad_error.unwrap().contains("DSREG_E_DIRECTORY_FAILURE"));
    }

    #[test]
    fn unknown_events_are_not_decoded() {
        assert!(decode(&event("Security", 4624, &[], None)).is_none());
        // The AAD runtime log: errors only.
        let mut info = event("Microsoft-Windows-AADRT/Admin", 1000, &[], Some("fine"));
        info.level = 4;
        assert!(decode(&info).is_none());
    }

    #[test]
    fn bundles_keep_every_channel_this_table_decodes() {
        for e in known_events() {
            assert!(
                crate::wanted::relevant_channel(
                    e.channel.as_deref().unwrap_or(""),
                    e.provider.as_deref().unwrap_or("")
                ),
                "{:?}/{:?} missing from crates/diagnose/data/event-channels.toml",
                e.channel,
                e.provider
            );
        }
    }

    #[test]
    fn data_file_loads() {
        assert!(known_events().len() >= 25);
        let checks = crate::texts::texts();
        for e in known_events() {
            if let Some(f) = &e.finding {
                assert!(checks.contains_key(f), "{f}");
            }
        }
    }
}
