//! `readings.tsv`: what each public source says about each code, verbatim.
//!
//! The file is the research table as written: `#` comment lines, a header line
//! `code<TAB>source…`, then one line per code. A column whose name ends in `id` holds the
//! Client Analyzer check id for the column before it. An empty cell means the source does
//! not list the code.

use std::collections::BTreeMap;

use crate::load::CatalogError;
use crate::model::Reading;

pub(crate) struct ReadingRow {
    pub(crate) line: usize,
    pub(crate) readings: Vec<Reading>,
}

pub(crate) struct Readings {
    /// Source columns (without the id columns), in file order.
    pub(crate) columns: Vec<String>,
    pub(crate) rows: BTreeMap<u32, ReadingRow>,
}

pub(crate) fn parse_readings(text: &str) -> Result<Readings, CatalogError> {
    let err = |line: usize, message: String| CatalogError::Readings { line, message };
    let mut header: Option<Vec<&str>> = None;
    let mut rows = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        let Some(columns) = &header else {
            if cells.first() != Some(&"code") {
                return Err(err(
                    number,
                    "expected the header line starting with `code`".into(),
                ));
            }
            header = Some(cells);
            continue;
        };
        if cells.len() != columns.len() {
            return Err(err(
                number,
                format!(
                    "expected {} tab-separated cells, found {}",
                    columns.len(),
                    cells.len()
                ),
            ));
        }
        let code: u32 = cells[0]
            .parse()
            .map_err(|_| err(number, format!("{:?} is not a decimal code", cells[0])))?;
        let mut readings: Vec<Reading> = Vec::new();
        for (column, cell) in columns.iter().zip(&cells).skip(1) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            if let Some(owner) = column.strip_suffix("id") {
                let id: u32 = cell
                    .parse()
                    .map_err(|_| err(number, format!("{column}: {cell:?} is not a check id")))?;
                match readings.last_mut() {
                    Some(last) if last.source == owner => last.check_id = Some(id),
                    _ => {
                        return Err(err(
                            number,
                            format!("{column} has an id but {owner} has no text"),
                        ));
                    }
                }
                continue;
            }
            readings.push(Reading {
                source: (*column).to_string(),
                text: cell.to_string(),
                check_id: None,
            });
        }
        if rows
            .insert(
                code,
                ReadingRow {
                    line: number,
                    readings,
                },
            )
            .is_some()
        {
            return Err(err(number, format!("code {code} appears twice")));
        }
    }
    let Some(columns) = header else {
        return Err(err(0, "no header line".into()));
    };
    Ok(Readings {
        columns: columns
            .iter()
            .skip(1)
            .filter(|c| !c.ends_with("id"))
            .map(|c| (*c).to_string())
            .collect(),
        rows,
    })
}
