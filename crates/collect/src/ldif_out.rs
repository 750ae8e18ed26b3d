//! Writing LDIF (RFC 2849) as `ldifde` does: `dn:` first, one `attr: value` line per value,
//! base64 (`attr:: …`) for values that are not safe strings (binary GUIDs, certificates,
//! leading spaces, non-ASCII), lines folded at 76 columns.

use mde_artifacts::ldif::base64_encode;

/// One directory object: its DN and attributes with their values.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub dn: String,
    pub attributes: Vec<(String, Vec<Vec<u8>>)>,
}

/// The entries as LDIF text.
pub fn to_ldif(entries: &[Entry]) -> String {
    let mut out = String::from("version: 1\n");
    for e in entries {
        out.push('\n');
        line(&mut out, "dn", e.dn.as_bytes());
        for (name, values) in &e.attributes {
            for v in values {
                line(&mut out, name, v);
            }
        }
    }
    out
}

fn safe(value: &[u8]) -> bool {
    match value.first() {
        None => true,
        Some(b' ' | b':' | b'<') => false,
        Some(_) => {
            value.last() != Some(&b' ')
                && value
                    .iter()
                    .all(|b| (0x01..=0x7f).contains(b) && *b != b'\n' && *b != b'\r')
        }
    }
}

fn line(out: &mut String, name: &str, value: &[u8]) {
    let text = if safe(value) {
        format!("{name}: {}", String::from_utf8_lossy(value))
    } else {
        format!("{name}:: {}", base64_encode(value))
    };
    // Fold: the first line 76 characters, continuations a space and 75 more.
    let chars: Vec<char> = text.chars().collect();
    let mut rest: &[char] = &chars;
    let mut first = true;
    while !rest.is_empty() {
        let width = if first { 76 } else { 75 };
        let take = rest.len().min(width);
        if !first {
            out.push(' ');
        }
        out.extend(&rest[..take]);
        out.push('\n');
        rest = &rest[take..];
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mde_artifacts::ldif::{LdifReader, Scp};

    #[test]
    fn reads_back_with_the_ldif_reader() {
        let guid = vec![0xf2, 0xc3, 0xd4, 0xc0, 0x31, 0xc2, 0x29, 0x4d, 0, 1];
        let long_dn = "CN=62a0ff2e-97b9-4513-943f-0d221bd30080,CN=Device Registration Configuration,CN=Services,CN=Configuration,DC=contoso,DC=com";
        let text = to_ldif(&[Entry {
            dn: long_dn.into(),
            attributes: vec![
                (
                    "keywords".into(),
                    vec![
                        b"azureADName:contoso.com".to_vec(),
                        b"azureADId:3f1a9c2e".to_vec(),
                    ],
                ),
                ("objectGUID".into(), vec![guid.clone()]),
                (
                    "description".into(),
                    vec![" leading space".as_bytes().to_vec()],
                ),
            ],
        }]);
        assert!(text.lines().all(|l| l.chars().count() <= 76), "{text}");
        let mut reader = LdifReader::new(text.as_bytes());
        let record = reader.next().expect("one record");
        assert_eq!(record.dn, long_dn);
        let scp = Scp::from_record(&record).expect("an SCP");
        assert_eq!(scp.azure_ad_id.as_deref(), Some("3f1a9c2e"));
        let got: Vec<_> = record
            .values("objectGUID")
            .map(|v| v.value.bytes().into_owned())
            .collect();
        assert_eq!(got, vec![guid]);
        let d: Vec<_> = record
            .values("description")
            .map(|v| v.value.bytes().into_owned())
            .collect();
        assert_eq!(d, vec![b" leading space".to_vec()]);
        assert!(reader.take_diagnostics().is_empty());
    }
}
