//! Devices known from the Defender portal's inventory export (CSV) or the machines API
//! (JSON), so that devices that never sent a report appear as "no report".

use std::collections::BTreeMap;
use std::sync::OnceLock;

use mde_fleet::{Device, name_key};
use serde::Deserialize;

/// Most devices one import takes.
pub(crate) const MAX_INVENTORY: usize = 1_000_000;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("inventory CSV, line {line}: {message}")]
    Csv { line: u64, message: String },
    #[error("inventory JSON, line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("the inventory has no column naming the device (one of: {0})")]
    NoHostname(String),
    #[error("the inventory lists more than {MAX_INVENTORY} devices")]
    TooMany,
}

#[derive(Debug, Deserialize)]
struct Columns {
    hostname: Vec<String>,
    device_id: Vec<String>,
    domain: Vec<String>,
    os: Vec<String>,
    build: Vec<String>,
    onboarding: Vec<String>,
    managed_by: Vec<String>,
}

fn columns() -> &'static Columns {
    static C: OnceLock<Columns> = OnceLock::new();
    C.get_or_init(|| {
        // Compiled in and checked by the tests, so a parse failure is a build defect.
        toml::from_str(include_str!("../data/inventory.toml"))
            .unwrap_or_else(|e| panic!("crates/console/data/inventory.toml: {e}"))
    })
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '\u{feff}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// One inventory entry, field by field.
fn device(fields: &BTreeMap<String, String>) -> Option<Device> {
    let c = columns();
    let get = |names: &[String]| {
        names
            .iter()
            .find_map(|n| fields.get(&norm(n)).filter(|v| !v.trim().is_empty()))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let dns_name = get(&c.hostname);
    if dns_name.is_empty() {
        return None;
    }
    let (host, dns_domain) = dns_name.split_once('.').unwrap_or((&dns_name, ""));
    let mut domain = get(&c.domain);
    if domain.is_empty() {
        domain = dns_domain.to_string();
    }
    let id = get(&c.device_id);
    let key = if id.is_empty() {
        name_key(host, &domain)
    } else {
        id
    };
    let mut d = Device::without_report(&key, host, &domain, &get(&c.os), &get(&c.build));
    let managed = get(&c.managed_by);
    if !managed.is_empty() {
        d.managed_by = managed.chars().take(64).collect();
    }
    let onboarding = get(&c.onboarding);
    if !onboarding.is_empty() {
        d.headline = format!(
            "Onboarding status in Defender: {}",
            onboarding.chars().take(64).collect::<String>()
        );
    }
    Some(d)
}

/// Reads an inventory: JSON (`{"value": [...]}` as the API returns it, or an array) when it
/// starts with `{` or `[`, CSV otherwise.
pub fn read_inventory(bytes: &[u8]) -> Result<Vec<Device>, InventoryError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let rows: Vec<BTreeMap<String, String>> = if matches!(first, Some(b'{' | b'[')) {
        read_json(bytes)?
    } else {
        read_csv(bytes)?
    };
    if rows.len() > MAX_INVENTORY {
        return Err(InventoryError::TooMany);
    }
    let devices: Vec<Device> = rows.iter().filter_map(device).collect();
    if devices.is_empty() && !rows.is_empty() {
        return Err(InventoryError::NoHostname(columns().hostname.join(", ")));
    }
    Ok(devices)
}

fn read_json(bytes: &[u8]) -> Result<Vec<BTreeMap<String, String>>, InventoryError> {
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| InventoryError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let list = match v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(mut o) => match o.remove("value") {
            Some(serde_json::Value::Array(a)) => a,
            _ => vec![serde_json::Value::Object(o)],
        },
        _ => Vec::new(),
    };
    Ok(list
        .into_iter()
        .filter_map(|item| match item {
            serde_json::Value::Object(o) => Some(
                o.into_iter()
                    .filter_map(|(k, v)| {
                        let s = match v {
                            serde_json::Value::String(s) => s,
                            serde_json::Value::Number(n) => n.to_string(),
                            serde_json::Value::Bool(b) => b.to_string(),
                            _ => return None,
                        };
                        Some((norm(&k), s))
                    })
                    .collect(),
            ),
            _ => None,
        })
        .collect())
}

fn read_csv(bytes: &[u8]) -> Result<Vec<BTreeMap<String, String>>, InventoryError> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let err = |e: csv::Error| InventoryError::Csv {
        line: e.position().map(|p| p.line()).unwrap_or(0),
        message: e.to_string(),
    };
    let headers: Vec<String> = r.headers().map_err(err)?.iter().map(norm).collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(err)?;
        rows.push(
            headers
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect(),
        );
        if rows.len() > MAX_INVENTORY {
            return Err(InventoryError::TooMany);
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machines_api_json() {
        let json = br#"{"@odata.context":"x","value":[{"id":"1e5","computerDnsName":"pc-0042.contoso.com","aadDeviceId":"80fe8ff8-0000-4dea-8d7d-a8d2cd6e8ea6","osPlatform":"Windows11","osBuild":22631,"onboardingStatus":"Onboarded","managedBy":"Unknown"}]}"#;
        let d = read_inventory(json).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].key, "80fe8ff8-0000-4dea-8d7d-a8d2cd6e8ea6");
        assert_eq!(d[0].hostname, "pc-0042");
        assert_eq!(d[0].domain, "contoso.com");
        assert_eq!(d[0].build, "22631");
        assert_eq!(d[0].bucket, "no-report");
    }

    #[test]
    fn portal_csv_without_ids_keys_by_name() {
        let csv = "\u{feff}Device Name,Domain,OS Platform,Managed By\nPC-0007,contoso.com,Windows10,MDE\n";
        let d = read_inventory(csv.as_bytes()).unwrap();
        assert_eq!(d[0].key, "pc-0007@contoso");
        assert_eq!(d[0].managed_by, "MDE");
    }

    #[test]
    fn no_name_column_is_an_error() {
        assert!(matches!(
            read_inventory(b"a,b\n1,2\n"),
            Err(InventoryError::NoHostname(_))
        ));
    }
}
