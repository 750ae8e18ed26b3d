//! Event logs with `EvtExportLog`: each channel of mde-diagnose's `event-channels.toml` (and
//! the classic logs' providers, from Application), the `--since` window, one `.evtx` per
//! channel.

use std::time::Duration;

use mde_diagnose::wanted::event_channels;

use super::win32::export_log;
use crate::bundle::{Bundle, StepError, StepResult};

pub(super) fn export(b: &mut Bundle, since: Duration) -> Result<StepResult, StepError> {
    let window = format!(
        "TimeCreated[timediff(@SystemTime) <= {}]",
        since.as_millis()
    );
    let dir = std::env::temp_dir().join(format!("mde-doctor-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| StepError::failed(format!("{}: {e}", dir.display())))?;
    let data = event_channels();
    let mut jobs: Vec<(String, String)> = data
        .channels
        .iter()
        .map(|c| (c.clone(), format!("*[System[{window}]]")))
        .collect();
    for p in &data.providers {
        jobs.push((
            "Application".into(),
            format!("*[System[Provider[@Name='{p}'] and {window}]]"),
        ));
    }
    let mut failed = Vec::new();
    let mut written = 0;
    for (i, (channel, query)) in jobs.iter().enumerate() {
        let target = dir.join(format!("{i}.evtx"));
        let name = if channel == "Application" {
            "Application".to_string()
        } else {
            channel.replace('/', "%4")
        };
        match export_log(channel, query, &target)
            .and_then(|()| std::fs::read(&target).map_err(|e| format!("{}: {e}", target.display())))
        {
            Ok(bytes) => {
                b.add(&format!("events/{name}.evtx"), bytes);
                written += 1;
            }
            Err(e) => failed.push(format!("{channel}: {e}")),
        }
        let _ = std::fs::remove_file(&target);
    }
    let _ = std::fs::remove_dir_all(&dir);
    if written == 0 {
        return Err(StepError::failed(failed.join("; ")));
    }
    Ok(StepResult {
        partial: (!failed.is_empty()).then(|| failed.join("; ")),
        ..StepResult::default()
    })
}
