//! Objects from the exports administrators make: LDIF (`ldifde`, `ldapsearch`), CSV from
//! `Get-ADComputer -Properties … | Export-Csv`, and JSON lines. Every reader streams.
//!
//! CSV: PowerShell property names are mapped to LDAP names (`OperatingSystem` →
//! `operatingSystem`, `ObjectGUID` → `objectGUID` bytes from its `D` form, …). Export-Csv
//! writes a multi-valued property as its collection's type name, losing certificates, so
//! certificates must come as a calculated column of base64 values joined with `;`:
//! `@{n='userCertificate';e={($_.userCertificate | % {[Convert]::ToBase64String($_)}) -join ';'}}`
//! (syncrule.md §4.2). JSON lines: one object per line, `{"dn": …, "attr": value | [values]}`,
//! binary values as `"base64:…"`.
//!
//! Any of them may be UTF-8 (with or without a BOM) or UTF-16 (Windows PowerShell 5.1's `>`
//! and `Out-File` write UTF-16LE; so does `ldifde -u`): UTF-16 is recognised by its BOM or
//! its zero bytes and decoded as it streams.

use std::io::{BufRead, BufReader, Read};

use mde_artifacts::ldif::{LdifReader, base64_decode};
use mde_artifacts::text::{Utf16Reader, sniff_utf16};

use crate::functions::convert::guid_bytes;
use crate::object::Object;
use crate::value::Value;

/// The export format, from the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ldif,
    Csv,
    JsonLines,
}

/// Guesses the format from the first non-empty line.
pub fn sniff(first_line: &str) -> Format {
    let t = first_line.trim_start_matches('\u{feff}').trim();
    if t.starts_with('{') {
        Format::JsonLines
    } else if t.starts_with("#TYPE") || t.starts_with('"') || (t.contains(',') && !t.contains(':'))
    {
        Format::Csv
    } else {
        Format::Ldif
    }
}

/// PowerShell property name → LDAP attribute name.
const POWERSHELL_NAMES: [(&str, &str); 12] = [
    ("OperatingSystem", "operatingSystem"),
    ("OperatingSystemVersion", "operatingSystemVersion"),
    ("ObjectGUID", "objectGUID"),
    ("DistinguishedName", "distinguishedName"),
    ("DNSHostName", "dNSHostName"),
    ("SamAccountName", "sAMAccountName"),
    ("SID", "objectSid"),
    ("Certificates", "userCertificate"),
    ("UserCertificate", "userCertificate"),
    ("Name", "cn"),
    ("UserAccountControl", "userAccountControl"),
    ("Description", "description"),
];

/// One object, or a problem with one row/line (reading goes on).
pub type Item = Result<Object, String>;

/// Reads objects in any supported format; `wanted` limits the attributes kept (LDIF).
pub fn objects<'a, R: Read + 'a>(
    input: R,
    wanted: Option<&'a [String]>,
) -> std::io::Result<Box<dyn Iterator<Item = Item> + 'a>> {
    let mut raw = BufReader::with_capacity(1 << 20, input);
    let head = raw.fill_buf()?;
    let mut reader: Box<dyn BufRead + 'a> = match sniff_utf16(&head[..head.len().min(4096)]) {
        Some(encoding) => Box::new(BufReader::with_capacity(
            1 << 20,
            Utf16Reader::new(raw, encoding),
        )),
        None => Box::new(raw),
    };
    let format = {
        let buf = reader.fill_buf()?;
        let text = String::from_utf8_lossy(&buf[..buf.len().min(4096)]);
        sniff(text.lines().find(|l| !l.trim().is_empty()).unwrap_or(""))
    };
    Ok(match format {
        Format::Ldif => {
            let ldif = LdifReader::new(reader).lazy_base64(&crate::object::binary_attributes());
            let ldif = match wanted {
                Some(w) => ldif.only(w),
                None => ldif,
            };
            Box::new(LdifObjects {
                reader: ldif,
                wanted,
                queued: std::collections::VecDeque::new(),
            })
        }
        Format::JsonLines => Box::new(reader.lines().enumerate().filter_map(|(i, line)| {
            let line = match line {
                Ok(l) => l,
                Err(e) => return Some(Err(format!("line {}: {e}", i + 1))),
            };
            let line = line.trim_start_matches('\u{feff}');
            if line.trim().is_empty() {
                return None;
            }
            Some(json_object(line).map_err(|e| format!("line {}: {e}", i + 1)))
        })),
        Format::Csv => {
            // Windows PowerShell 5.1 writes `#TYPE …` first.
            let mut first = String::new();
            let peek = reader.fill_buf()?;
            if peek.starts_with(b"#TYPE") || peek.starts_with(b"\xEF\xBB\xBF#TYPE") {
                reader.read_line(&mut first)?;
            }
            let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
            let headers: Vec<String> = csv
                .headers()
                .map_err(std::io::Error::other)?
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}').to_string())
                .collect();
            Box::new(csv.into_records().enumerate().map(move |(i, rec)| {
                let rec = rec.map_err(|e| format!("row {}: {e}", i + 2))?;
                csv_object(&headers, &rec).map_err(|e| format!("row {}: {e}", i + 2))
            }))
        }
    })
}

/// Objects from LDIF, with the lines the reader stepped over reported as items in between
/// (each names its line), so a damaged export is never silently half-read.
struct LdifObjects<'a, R> {
    reader: LdifReader<R>,
    wanted: Option<&'a [String]>,
    queued: std::collections::VecDeque<Item>,
}

impl<R: BufRead> Iterator for LdifObjects<'_, R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if let Some(item) = self.queued.pop_front() {
            return Some(item);
        }
        let record = self.reader.next();
        for d in self.reader.take_diagnostics() {
            self.queued
                .push_back(Err(format!("{}: {}", d.at, d.message)));
        }
        if let Some(record) = record {
            let object = Object::from_ldif_owned(record, self.wanted);
            self.queued.push_back(Ok(object));
        }
        self.queued.pop_front()
    }
}

fn ldap_name(column: &str) -> String {
    POWERSHELL_NAMES
        .iter()
        .find(|(ps, _)| ps.eq_ignore_ascii_case(column))
        .map(|(_, ldap)| (*ldap).to_string())
        .unwrap_or_else(|| column.to_string())
}

fn csv_object(headers: &[String], rec: &csv::StringRecord) -> Result<Object, String> {
    let mut o = Object::default();
    for (h, v) in headers.iter().zip(rec.iter()) {
        if v.is_empty() {
            continue;
        }
        let name = ldap_name(h);
        if v.ends_with("ADPropertyValueCollection") {
            return Err(format!(
                "column {h} holds {v:?}: Export-Csv wrote the collection's type name, not its values; export it as a calculated column of base64 values joined with ';'"
            ));
        }
        let values: Vec<Value> = match name.as_str() {
            "objectGUID" => vec![Value::Bin(
                guid_bytes(v).ok_or_else(|| format!("ObjectGUID {v:?} is not a GUID"))?,
            )],
            "userCertificate" => v
                .split(';')
                .filter(|c| !c.trim().is_empty())
                .map(|c| {
                    base64_decode(c.trim())
                        .map(Value::Bin)
                        .map_err(|i| format!("{h}: invalid base64 at character {i}"))
                })
                .collect::<Result<_, _>>()?,
            "distinguishedName" => {
                o.dn = Some(v.to_string());
                vec![Value::Ref(v.to_string())]
            }
            "userAccountControl" => vec![
                v.parse()
                    .map(Value::Num)
                    .unwrap_or_else(|_| Value::Str(v.to_string())),
            ],
            _ => vec![Value::Str(v.to_string())],
        };
        o.attributes.insert(name, values);
    }
    if let Some(dn) = &o.dn {
        o.attributes
            .insert("dn".into(), vec![Value::Ref(dn.clone())]);
    }
    Ok(o)
}

fn json_object(line: &str) -> Result<Object, String> {
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let map = v.as_object().ok_or("expected a JSON object")?;
    let mut o = Object::default();
    let scalar = |v: &serde_json::Value| -> Result<Value, String> {
        Ok(match v {
            serde_json::Value::String(s) => match s.strip_prefix("base64:") {
                Some(b) => Value::Bin(
                    base64_decode(b).map_err(|i| format!("invalid base64 at character {i}"))?,
                ),
                None => Value::Str(s.clone()),
            },
            serde_json::Value::Number(n) => {
                Value::Num(n.as_i64().ok_or("numbers must be integers")?)
            }
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Null => Value::Null,
            other => return Err(format!("unexpected value {other}")),
        })
    };
    for (k, v) in map {
        if k == "dn" {
            o.dn = v.as_str().map(str::to_string);
            if let Some(dn) = &o.dn {
                o.attributes
                    .insert("dn".into(), vec![Value::Ref(dn.clone())]);
            }
            continue;
        }
        let values = match v {
            serde_json::Value::Array(items) => {
                items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?
            }
            other => vec![scalar(other)?],
        };
        o.attributes.insert(
            k.clone(),
            values.into_iter().filter(|v| !v.is_null()).collect(),
        );
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::objects;
    use crate::object::Object;

    fn read(bytes: &[u8]) -> Vec<Object> {
        objects(bytes, None)
            .unwrap()
            .map(|o| o.expect("every object reads"))
            .collect()
    }

    fn utf16(text: &str, bom: bool, big_endian: bool) -> Vec<u8> {
        let mut out = match (bom, big_endian) {
            (false, _) => vec![],
            (true, false) => vec![0xFF, 0xFE],
            (true, true) => vec![0xFE, 0xFF],
        };
        for unit in text.encode_utf16() {
            out.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        out
    }

    /// The same export, as Windows tools write it in each encoding, reads the same.
    #[test]
    fn every_format_in_utf8_and_utf16() {
        let exports = [
            "dn: CN=Café,OU=Servers,DC=contoso,DC=com\r\noperatingSystem: Windows Server 2012 R2 Standard\r\nobjectGUID:: K0qBC+sYak+USTOHz0Cyeg==\r\n\r\n",
            "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADComputer\r\n\"DistinguishedName\",\"OperatingSystem\",\"ObjectGUID\"\r\n\"CN=Café,OU=Servers,DC=contoso,DC=com\",\"Windows Server 2012 R2 Standard\",\"0b814a2b-18eb-4f6a-9449-3387cf40b27a\"\r\n",
            "{\"dn\": \"CN=Café,OU=Servers,DC=contoso,DC=com\", \"operatingSystem\": \"Windows Server 2012 R2 Standard\", \"objectGUID\": \"base64:K0qBC+sYak+USTOHz0Cyeg==\"}\r\n",
        ];
        for export in exports {
            let utf8 = read(export.as_bytes());
            assert_eq!(utf8.len(), 1, "{export}");
            let o = &utf8[0];
            assert_eq!(
                o.dn.as_deref(),
                Some("CN=Café,OU=Servers,DC=contoso,DC=com")
            );
            assert_eq!(o.get("objectGUID").unwrap().len(), 1);
            let with_bom = [&[0xEF, 0xBB, 0xBF], export.as_bytes()].concat();
            for bytes in [
                with_bom,
                utf16(export, true, false),
                utf16(export, false, false),
                utf16(export, true, true),
            ] {
                let again = read(&bytes);
                assert_eq!(again.len(), 1, "{export}");
                assert_eq!(again[0].dn, o.dn);
                assert_eq!(again[0].get("operatingSystem"), o.get("operatingSystem"));
                assert_eq!(again[0].get("objectGUID"), o.get("objectGUID"));
            }
        }
    }
}
