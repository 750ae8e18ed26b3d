//! The text timeline: one event as a few lines for people.

use std::io::Write as _;

use mde_artifacts::Location;
use mde_diagnose::Severity;
use mde_report::sanitize::vis;

use super::Row;
use crate::output::{DIM, ERROR, HEADING, INFO, WARNING};

/// Writes `row`'s lines to `out`.
pub(super) fn write_row<S: AsRef<str>>(row: &Row<'_, S>, out: &mut Vec<u8>) {
    let e = row.event;
    let (style, tag) = match row.decoded.map(|d| d.severity) {
        Some(Severity::Error) => (ERROR, "ERROR"),
        Some(Severity::Warning) => (WARNING, "WARN "),
        Some(Severity::Info | Severity::Ok) => (INFO, "INFO "),
        None => (
            DIM,
            match e.level {
                1 | 2 => "error",
                3 => "warn ",
                _ => "info ",
            },
        ),
    };
    let time = e.time.as_ref();
    let time = time.get(..19).unwrap_or(time).replace('T', " ");
    let channel = e.channel.as_ref();
    let channel = channel
        .strip_prefix("Microsoft-Windows-")
        .unwrap_or(channel);
    // An event mde-doctor does not decode still has its rendered message (RenderedXml).
    let message = e
        .message
        .as_ref()
        .and_then(|m| m.as_ref().lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("");
    let title = row.decoded.map(|d| d.title.as_str()).unwrap_or(message);
    // Writing to a `Vec` cannot fail.
    let _ = writeln!(
        out,
        "{}Z {style}{tag}{style:#} {HEADING}{} {}{HEADING:#}  {}",
        vis(time),
        vis(channel),
        e.event_id,
        vis(title)
    );
    if let Some(d) = row.decoded {
        let params: Vec<String> = d
            .params
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{}={}", vis(k), vis(v.trim())))
            .collect();
        if !params.is_empty() {
            let _ = writeln!(out, "    {}", params.join("  "));
        }
        for c in &d.codes {
            let name = c
                .name
                .as_deref()
                .unwrap_or("(not in the hybrid-join table)");
            let _ = writeln!(
                out,
                "    {} {}{}",
                vis(&c.code),
                vis(name),
                c.meaning
                    .as_ref()
                    .map(|m| format!(": {}", vis(m)))
                    .unwrap_or_default()
            );
        }
        if let Some(a) = &d.aad {
            for (label, v) in [
                ("error", &a.error_code),
                ("Win32 API", &a.win32_api),
                ("URL", &a.url),
                ("AAD error", &a.aad_error),
            ] {
                if let Some(v) = v {
                    let _ = writeln!(out, "    {label}: {}", vis(v));
                }
            }
        }
    } else if !e.data.is_empty() {
        let data: Vec<String> = e
            .data
            .iter()
            .take(6)
            .map(|(k, v)| format!("{}={}", vis(k.as_ref()), vis(v.as_ref())))
            .collect();
        let _ = writeln!(out, "    {DIM}{}{DIM:#}", data.join("  "));
    }
    let place = match e.at {
        Location::Line(n) => format!("{} line {n}, record {}", row.file, e.record_id),
        _ => format!("{} record {}", row.file, e.record_id),
    };
    let _ = writeln!(out, "    {DIM}{}{DIM:#}", vis(place));
}

/// The lines after the events: how many were shown, and what could not be read.
pub(super) fn footer(shown: usize, total: usize, problems: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = writeln!(out, "{DIM}{shown} of {total} events shown{DIM:#}");
    for p in problems.iter().take(20) {
        let _ = writeln!(out, "{WARNING}problem{WARNING:#} {}", vis(p));
    }
    out
}
