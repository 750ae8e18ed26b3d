//! Writing `.reg` files the way `regedit /e` and `reg export` do: `Windows Registry Editor
//! Version 5.00`, UTF-16LE with a BOM, CRLF, a blank line before each key, binary data as
//! `hex(N):` bytes wrapped before column 80 with `\` and a two-space indent.

use super::{RegData, RegKey};

/// Renders keys as regedit 5 text.
pub fn to_reg_text(keys: &[RegKey]) -> String {
    let mut out = String::from("Windows Registry Editor Version 5.00\r\n");
    for key in keys {
        out.push_str("\r\n");
        let dash = if key.deleted { "-" } else { "" };
        out.push_str(&format!("[{dash}{}]\r\n", key.path));
        for v in &key.values {
            let name = if v.name.is_empty() {
                "@".to_string()
            } else {
                format!("\"{}\"", escape(&v.name))
            };
            out.push_str(&value_line(&name, &v.data));
            out.push_str("\r\n");
        }
    }
    out.push_str("\r\n");
    out
}

/// The same text encoded as `reg export` writes it: UTF-16LE with a BOM.
pub fn to_reg_utf16(keys: &[RegKey]) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(to_reg_text(keys).encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

fn value_line(name: &str, data: &RegData) -> String {
    match data {
        RegData::Delete => format!("{name}=-"),
        RegData::Sz(s) => format!("{name}=\"{}\"", escape(s)),
        RegData::Dword(v) => format!("{name}=dword:{v:08x}"),
        RegData::ExpandSz(s) => hex_line(name, "hex(2):", &utf16z(s)),
        RegData::MultiSz(items) => {
            let mut bytes: Vec<u8> = items.iter().flat_map(|i| utf16z(i)).collect();
            bytes.extend([0, 0]);
            hex_line(name, "hex(7):", &bytes)
        }
        RegData::DwordBigEndian(v) => hex_line(name, "hex(5):", &v.to_be_bytes()),
        RegData::Qword(v) => hex_line(name, "hex(b):", &v.to_le_bytes()),
        RegData::Binary(b) => hex_line(name, "hex:", b),
        RegData::Other { ty, bytes } => hex_line(name, &format!("hex({ty:x}):"), bytes),
    }
}

fn hex_line(name: &str, prefix: &str, bytes: &[u8]) -> String {
    let mut out = format!("{name}={prefix}");
    let mut column = out.chars().count();
    for (i, b) in bytes.iter().enumerate() {
        let last = i + 1 == bytes.len();
        let item = if last {
            format!("{b:02x}")
        } else {
            format!("{b:02x},")
        };
        if column + item.len() > 78 && !last {
            out.push_str("\\\r\n  ");
            column = 2;
        }
        out.push_str(&item);
        column += item.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Location;
    use crate::reg::{KeyPath, RegValue, parse_reg};

    #[test]
    fn round_trip() {
        let values = vec![
            RegData::Sz("C:\\x \"q\"".into()),
            RegData::Dword(15),
            RegData::ExpandSz("%SystemRoot%\\system32".repeat(4)),
            RegData::MultiSz(vec!["a".into(), "".into(), "b".into()]),
            RegData::Qword(u64::MAX - 1),
            RegData::Binary((0..=255).collect()),
            RegData::Other {
                ty: 0,
                bytes: vec![1, 2],
            },
            RegData::DwordBigEndian(0x01020304),
        ];
        let key = RegKey {
            path: KeyPath::new(r"HKLM\SOFTWARE\Test"),
            deleted: false,
            values: values
                .iter()
                .enumerate()
                .map(|(i, d)| RegValue {
                    name: format!("v{i}"),
                    data: d.clone(),
                    at: Location::Whole,
                })
                .collect(),
            at: Location::Whole,
        };
        let bytes = to_reg_utf16(std::slice::from_ref(&key));
        let parsed = parse_reg(&bytes).unwrap();
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let got: Vec<RegData> = parsed.keys[0]
            .values
            .iter()
            .map(|v| v.data.clone())
            .collect();
        assert_eq!(got, values);
        assert!(to_reg_text(&[key]).lines().all(|l| l.chars().count() <= 80));
    }
}
