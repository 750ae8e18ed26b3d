//! `mde-doctor schema`: the JSON Schema of every command's JSON output.

use std::path::Path;

use mde_schema::{SchemaFile, document, records};

use super::Status;
use crate::error::CliError;
use crate::output;

/// Every command's JSON output, in the order of `mde-doctor --help`.
pub(crate) fn all() -> Vec<SchemaFile> {
    vec![
        document::<mde_diagnose::Diagnosis>(),
        records::<mde_schema::analyze::BatchRecord<'_>>(),
        document::<mde_fleet::FleetView>(),
        document::<mde_schema::events::EventsDocument<'_>>(),
        document::<mde_schema::catalog::Entry<'_>>(),
        document::<mde_schema::catalog::Codes<'_>>(),
        document::<mde_schema::inspect::InspectDocument<'_>>(),
        document::<mde_artifacts::bundle::Probes>(),
        records::<mde_schema::syncrule::EvalRecord>(),
        records::<mde_schema::syncrule::SimulateRecord>(),
    ]
}

pub(crate) fn run(
    name: Option<&str>,
    list: bool,
    write: Option<&Path>,
) -> Result<Status, CliError> {
    let mut files = all();
    if let Some(name) = name {
        let wanted = |f: &SchemaFile| {
            f.tag == name || f.tag.split('/').nth(1).is_some_and(|short| short == name)
        };
        if !files.iter().any(wanted) {
            return Err(CliError::Input {
                message: format!("no command output is called {name:?}"),
                hints: vec![format!(
                    "outputs: {}",
                    files
                        .iter()
                        .filter_map(|f| f.tag.split('/').nth(1))
                        .collect::<Vec<_>>()
                        .join(", ")
                )],
            });
        }
        files.retain(wanted);
    }
    if list {
        let text: String = files
            .iter()
            .map(|f| format!("{}\t{}\t{}\n", f.tag, f.shape, f.file_name()))
            .collect();
        output::write_stdout(text.as_bytes())?;
        return Ok(Status::Success);
    }
    if let Some(dir) = write {
        std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        for f in &files {
            let path = dir.join(f.file_name());
            std::fs::write(&path, pretty(&f.schema)).map_err(|source| CliError::Write {
                path: path.clone(),
                source,
            })?;
            eprintln!("wrote {}", path.display());
        }
        return Ok(Status::Success);
    }
    let text: String = match files.as_slice() {
        [one] => pretty(&one.schema),
        many => {
            let map: serde_json::Map<String, serde_json::Value> = many
                .iter()
                .map(|f| (f.tag.to_string(), f.schema.clone()))
                .collect();
            pretty(&serde_json::Value::Object(map))
        }
    };
    output::write_stdout(text.as_bytes())?;
    Ok(Status::Success)
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).expect("a JSON value always serializes") + "\n"
}
