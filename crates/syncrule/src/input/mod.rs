//! Objects from the exports administrators make: LDIF (`ldifde`, `ldapsearch`), CSV from
//! `Get-ADComputer -Properties … | Export-Csv`, and JSON (`ConvertTo-Json` output or JSON
//! lines). Every reader streams: memory stays flat however many objects.
//!
//! Any of them may be UTF-8 (with or without a BOM) or UTF-16 (Windows PowerShell 5.1's `>`
//! and `Out-File` write UTF-16LE; so does `ldifde -u`): UTF-16 is recognised by its BOM or
//! its zero bytes and decoded as it streams. The format is recognised from the content.

mod block_ldif;
pub mod blocks;
mod csv;
mod json;
mod ldif;
mod powershell;

use std::io::{BufRead, BufReader, Read};

use mde_artifacts::text::{Utf16Reader, sniff_utf16};

use crate::object::Object;

/// The export format, from the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ldif,
    Csv,
    /// JSON lines, or JSON documents (`ConvertTo-Json`'s object or array of objects).
    Json,
}

/// Guesses the format from the first non-empty line.
pub fn sniff(first_line: &str) -> Format {
    let t = first_line.trim_start_matches('\u{feff}').trim();
    if t.starts_with('{') || t.starts_with('[') {
        Format::Json
    } else if t.starts_with("#TYPE") || t.starts_with('"') || (t.contains(',') && !t.contains(':'))
    {
        Format::Csv
    } else {
        Format::Ldif
    }
}

/// One object, or a problem with one row, line or value, naming where (reading goes on).
pub type Item = Result<Object, String>;

/// Reads objects in any supported format; `wanted` limits the attributes kept (LDIF).
pub fn objects<'a, R: Read + 'a>(
    input: R,
    wanted: Option<&'a [String]>,
) -> std::io::Result<Box<dyn Iterator<Item = Item> + 'a>> {
    let (format, reader) = decoded(input)?;
    Ok(match format {
        Format::Ldif => Box::new(ldif::objects(reader, wanted)),
        Format::Json => Box::new(json::objects(reader)),
        Format::Csv => csv::objects(reader)?,
    })
}

/// The input's buffer: reads of at least this many bytes bypass it ([`blocks`] reads into
/// its blocks directly).
const BUFFER: usize = 64 << 10;

/// The input as UTF-8 text, and its format: what [`objects`] reads, for a caller that reads
/// LDIF in parallel blocks ([`blocks::ldif`]) and the other formats with [`read`].
pub fn open<'a, R: Read + Send + 'a>(
    input: R,
) -> std::io::Result<(Format, Box<dyn BufRead + Send + 'a>)> {
    let mut raw = BufReader::with_capacity(BUFFER, input);
    let head = raw.fill_buf()?;
    let mut reader: Box<dyn BufRead + Send + 'a> = match sniff_utf16(&head[..head.len().min(4096)])
    {
        Some(encoding) => Box::new(BufReader::with_capacity(
            BUFFER,
            Utf16Reader::new(raw, encoding),
        )),
        None => Box::new(raw),
    };
    let format = sniff_buffer(&mut reader)?;
    Ok((format, reader))
}

/// Objects of an input [`open`] gave, read one by one.
pub fn read<'a>(
    format: Format,
    reader: Box<dyn BufRead + Send + 'a>,
    wanted: Option<&'a [String]>,
) -> std::io::Result<Box<dyn Iterator<Item = Item> + 'a>> {
    Ok(match format {
        Format::Ldif => Box::new(ldif::objects(reader, wanted)),
        Format::Json => Box::new(json::objects(reader)),
        Format::Csv => csv::objects(reader)?,
    })
}

fn decoded<'a, R: Read + 'a>(input: R) -> std::io::Result<(Format, Box<dyn BufRead + 'a>)> {
    let mut raw = BufReader::with_capacity(1 << 20, input);
    let head = raw.fill_buf()?;
    let mut reader: Box<dyn BufRead + 'a> = match sniff_utf16(&head[..head.len().min(4096)]) {
        Some(encoding) => Box::new(BufReader::with_capacity(
            1 << 20,
            Utf16Reader::new(raw, encoding),
        )),
        None => Box::new(raw),
    };
    let format = sniff_buffer(&mut reader)?;
    Ok((format, reader))
}

/// The format, from the first 4 KiB of text.
fn sniff_buffer(reader: &mut dyn BufRead) -> std::io::Result<Format> {
    let buf = reader.fill_buf()?;
    let text = String::from_utf8_lossy(&buf[..buf.len().min(4096)]);
    Ok(sniff(
        text.lines().find(|l| !l.trim().is_empty()).unwrap_or(""),
    ))
}

#[cfg(test)]
mod tests {
    use super::objects;
    use crate::object::Object;
    use crate::value::Value;

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

    fn items(text: &str) -> Vec<Result<Object, String>> {
        objects(text.as_bytes(), None).unwrap().collect()
    }

    /// `Get-ADComputer … | ConvertTo-Json` as Windows PowerShell 5.1 writes it: one array,
    /// four-space indents, two spaces after colons, `SID` as an object, `ObjectGUID` as a
    /// string or `{"Guid": …}`, byte arrays wrapped in `{"value": […], "Count": n}`.
    #[test]
    fn convertto_json_documents() {
        let certificate = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/certs/valid-braces.der"),
        )
        .unwrap();
        let bytes: Vec<String> = certificate.iter().map(u8::to_string).collect();
        let text = format!(
            r#"[
    {{
        "DistinguishedName":  "CN=SRV1,OU=Servers,DC=contoso,DC=com",
        "Name":  "SRV1",
        "ObjectGUID":  "0b814a2b-18eb-4f6a-9449-3387cf40b27a",
        "OperatingSystem":  "Windows Server 2012 R2 Standard",
        "OperatingSystemVersion":  "6.3 (9600)",
        "SID":  {{
                    "BinaryLength":  28,
                    "AccountDomainSid":  {{"Value": "S-1-5-21-1-2-3"}},
                    "Value":  "S-1-5-21-1-2-3-1104"
                }},
        "userCertificate":  {{
                                "value":  [[{bytes}]],
                                "Count":  1
                            }},
        "whenCreated":  "\/Date(1700000000000)\/"
    }},
    {{
        "DistinguishedName":  "CN=SRV2,OU=Servers,DC=contoso,DC=com",
        "ObjectGUID":  {{"Guid":  "0b814a2b-18eb-4f6a-9449-3387cf40b27a"}},
        "Certificates":  ["System.Security.Cryptography.X509Certificates.X509Certificate"]
    }},
    {{
        "DistinguishedName":  "CN=SRV3,OU=Servers,DC=contoso,DC=com",
        "ObjectGUID":  {{"Guid":  "0b814a2b-18eb-4f6a-9449-3387cf40b27a"}},
        "OperatingSystem":  null
    }}
]
"#,
            bytes = bytes.join(",")
        );
        let read = items(&text);
        assert_eq!(read.len(), 3);
        let first = read[0].as_ref().unwrap();
        assert_eq!(
            first.dn.as_deref(),
            Some("CN=SRV1,OU=Servers,DC=contoso,DC=com")
        );
        assert_eq!(first.get("cn"), Some(&[Value::Str("SRV1".into())][..]));
        assert_eq!(
            first.get("userCertificate"),
            Some(&[Value::Bin(certificate)][..])
        );
        let guid = crate::functions::convert::guid_bytes("0b814a2b-18eb-4f6a-9449-3387cf40b27a");
        assert_eq!(
            first.get("objectGUID"),
            Some(&[Value::Bin(guid.unwrap())][..])
        );
        // The 2012 R2 rule keeps it: its certificate is its own and valid.
        let rule = crate::parse(crate::presets::SERVER_2012R2_COMPUTER_JOIN).unwrap();
        let params = std::collections::BTreeMap::new();
        let now = crate::now_ticks();
        let decided = crate::Ctx::new(first, &params, now).eval(&rule).unwrap();
        assert_eq!(decided, Value::Null);
        // Certificates written as type names: that object is reported, the others read.
        let problem = read[1].as_ref().unwrap_err();
        assert!(
            problem.starts_with("line 19: Certificates holds"),
            "{problem}"
        );
        assert!(problem.contains("ConvertTo-Json wrote"), "{problem}");
        let third = read[2].as_ref().unwrap();
        assert_eq!(third.get("operatingSystem"), Some(&[][..]));
        assert_eq!(first.get("objectGUID"), third.get("objectGUID"));

        // One object alone, as ConvertTo-Json writes a single computer.
        let single =
            items("{\n    \"DistinguishedName\":  \"CN=A,DC=x\",\n    \"Enabled\":  true\n}\n");
        assert_eq!(single.len(), 1);
        assert_eq!(
            single[0].as_ref().unwrap().get("Enabled"),
            Some(&[Value::Bool(true)][..])
        );
    }

    #[test]
    fn damaged_json_is_reported_by_line_and_reading_goes_on() {
        let text = "{\"dn\": \"CN=a\"}\nnot json\n{\"dn\": \"CN=b\", \"n\": 1.5}\n{\"dn\": \"CN=c\"}\n{\"dn\": \"CN=d\",\n";
        let read = items(text);
        let shown: Vec<String> = read
            .iter()
            .map(|r| match r {
                Ok(o) => o.dn.clone().unwrap(),
                Err(e) => e.clone(),
            })
            .collect();
        assert_eq!(shown.len(), 5, "{shown:?}");
        assert_eq!(shown[0], "CN=a");
        assert!(
            shown[1].starts_with("line 2: expected a JSON object"),
            "{shown:?}"
        );
        assert!(
            shown[2].starts_with("line 3: n: numbers must be integers"),
            "{shown:?}"
        );
        assert_eq!(shown[3], "CN=c");
        assert!(
            shown[4].starts_with("line 5: the JSON value that starts here is not closed"),
            "{shown:?}"
        );
    }

    /// Problems name the physical line their row starts on, whatever the line ends, with
    /// quoted values over several lines and PowerShell 5.1's `#TYPE` line.
    #[test]
    fn csv_problems_name_their_line() {
        for end in ["\n", "\r\n"] {
            let rows = [
                "#TYPE Microsoft.ActiveDirectory.Management.ADComputer",
                "\"DistinguishedName\",\"Description\",\"ObjectGUID\"",
                "\"CN=a,DC=x\",\"two",
                "lines\",\"0b814a2b-18eb-4f6a-9449-3387cf40b27a\"",
                "\"CN=b,DC=x\",\"\",\"not a guid\"",
                "\"CN=c,DC=x\",\"\",\"0b814a2b-18eb-4f6a-9449-3387cf40b27a\"",
                "\"CN=d,DC=x\",\"\",\"nope\"",
            ];
            let text = rows.join(end) + end;
            let read = items(&text);
            assert_eq!(read.len(), 4);
            assert!(read[0].is_ok() && read[2].is_ok());
            let problem = |i: usize| read[i].as_ref().unwrap_err().clone();
            assert!(
                problem(1).starts_with("line 5: ObjectGUID"),
                "{:?}",
                problem(1)
            );
            assert!(
                problem(3).starts_with("line 7: ObjectGUID"),
                "{:?}",
                problem(3)
            );
        }
    }
}
