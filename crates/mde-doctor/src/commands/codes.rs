//! `mde-doctor codes`: the whole catalog.

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use mde_catalog::Category;

use mde_report::json::document_json;
use mde_schema::catalog::{CodeEntry, Codes, Entry, HResultEntry};

use super::Status;
use crate::cli::TableFormat;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(
    format: TableFormat,
    hresults: bool,
    category: Option<&str>,
) -> Result<Status, CliError> {
    let catalog = mde_catalog::builtin();
    let category = category.map(parse_category).transpose()?;
    let text = if hresults {
        match format {
            TableFormat::Json => {
                let entries = catalog
                    .hresults()
                    .map(|h| Entry::Hresult(HResultEntry::new(h)))
                    .collect();
                document_json(&Codes { entries }, true)
            }
            TableFormat::Table => {
                let mut table = new_table(&["HRESULT", "Name", "Phase", "Meaning"]);
                for h in catalog.hresults() {
                    table.add_row(vec![
                        h.hex(),
                        h.name.clone(),
                        h.phase.clone(),
                        h.meaning.clone(),
                    ]);
                }
                format!("{table}\n")
            }
        }
    } else {
        let codes = catalog
            .codes()
            .filter(|c| category.is_none_or(|wanted| c.category == wanted));
        match format {
            TableFormat::Json => {
                let entries = codes
                    .map(|c| Entry::Enrollment(CodeEntry::new(catalog, c)))
                    .collect();
                document_json(&Codes { entries }, true)
            }
            TableFormat::Table => {
                let mut table =
                    new_table(&["Code", "Status", "Category", "Managed", "Flow", "Sources"]);
                for c in codes {
                    let sources: Vec<&str> = c.readings.iter().map(|r| r.source.as_str()).collect();
                    let status = if c.disagreement.is_some() {
                        format!("{} *", c.status)
                    } else {
                        c.status.clone()
                    };
                    table.add_row(vec![
                        c.code.to_string(),
                        status,
                        c.category.key().to_string(),
                        if c.blocks { "no" } else { "yes" }.to_string(),
                        c.flow.key().to_string(),
                        sources.join(" "),
                    ]);
                }
                format!("{table}\n* the sources disagree: `mde-doctor explain CODE` says how.\n")
            }
        }
    };
    output::write_stdout(text.as_bytes())?;
    Ok(Status::Success)
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(output::text_width().max(80)).unwrap_or(100))
        .set_header(header.to_vec());
    table
}

fn parse_category(text: &str) -> Result<Category, CliError> {
    Category::ALL
        .into_iter()
        .find(|c| c.key().eq_ignore_ascii_case(text))
        .ok_or_else(|| CliError::Input {
            message: format!("{text:?} is not a category"),
            hints: vec![format!(
                "categories: {}",
                Category::ALL.map(Category::key).join(", ")
            )],
        })
}
