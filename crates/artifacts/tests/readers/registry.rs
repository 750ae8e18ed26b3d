use mde_artifacts::hive::{Selection, embedded_name, read_hive};
use mde_artifacts::reg::{RegData, RegFile, RegFormat, parse_reg};
use mde_artifacts::text::Encoding;
use mde_artifacts::{Location, Subtree};

use crate::fixtures::{expected_values, read};

const WINE_EXPORTS: [&str; 5] = [
    "wine/sensecm.reg",
    "wine/atp.reg",
    "wine/cdj.reg",
    "wine/currentversion.reg",
    "wine/types.reg",
];

fn wine_files() -> Vec<RegFile> {
    WINE_EXPORTS
        .iter()
        .map(|f| {
            let file = parse_reg(&read(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert_eq!(file.format, RegFormat::Regedit5, "{f}");
            assert_eq!(file.encoding, Some(Encoding::Utf16Le), "{f}");
            assert!(file.diagnostics.is_empty(), "{f}: {:?}", file.diagnostics);
            file
        })
        .collect()
}

fn lookup<'a>(files: &'a [RegFile], key: &str, name: &str) -> Option<&'a RegData> {
    files
        .iter()
        .find_map(|f| f.key(key))
        .and_then(|k| k.value(name))
        .map(|v| &v.data)
}

#[test]
fn wine_exports_read_back_exactly() {
    let files = wine_files();
    let expected = expected_values();
    assert!(expected.len() > 25);
    for e in &expected {
        let got = lookup(&files, &e.key, &e.name)
            .unwrap_or_else(|| panic!("{}\\{} missing", e.key, e.name));
        assert_eq!(got, &e.data, "{}\\{}", e.key, e.name);
    }
}

#[test]
fn values_carry_their_line() {
    let file = parse_reg(&read("wine/sensecm.reg")).unwrap();
    let key = file.key(r"HKLM\SOFTWARE\Microsoft\SenseCM").unwrap();
    assert_eq!(key.at, Location::Line(3));
    assert_eq!(key.value("EnrollmentStatus").unwrap().at, Location::Line(6));
}

#[test]
fn a_large_real_export_reads_without_diagnostics() {
    // Wine's whole Windows NT\CurrentVersion tree: hundreds of keys, continuation lines.
    let file = parse_reg(&read("wine/currentversion.reg")).unwrap();
    assert!(file.keys.len() > 100, "{}", file.keys.len());
    assert!(file.diagnostics.is_empty());
}

#[test]
fn hive_written_by_hivex_reads_the_same_values() {
    let bytes = read("hive/SOFTWARE");
    // Everything, not only the keys of interest, so the Types test key is included.
    let hive = read_hive(bytes, vec![], "SOFTWARE", Selection::All).unwrap();
    assert_eq!(hive.format, RegFormat::Hive);
    assert!(hive.diagnostics.is_empty(), "{:?}", hive.diagnostics);
    for e in expected_values() {
        let got = hive
            .key(&e.key)
            .and_then(|k| k.value(&e.name))
            .unwrap_or_else(|| panic!("{}\\{} missing from the hive", e.key, e.name));
        assert_eq!(got.data, e.data, "{}\\{}", e.key, e.name);
        assert!(
            matches!(got.at, Location::Offset(o) if o >= 4096),
            "{:?}",
            got.at
        );
    }
}

#[test]
fn hive_keys_of_interest_only() {
    let hive = read_hive(
        read("hive/SOFTWARE"),
        vec![],
        "SOFTWARE",
        Selection::Subtrees(&[
            Subtree {
                hive: "SOFTWARE".into(),
                path: r"Microsoft\SenseCM".into(),
                recursive: true,
            },
            Subtree {
                hive: "SOFTWARE".into(),
                path: r"Microsoft\Windows\CurrentVersion\CDJ".into(),
                recursive: true,
            },
        ]),
    )
    .unwrap();
    assert!(hive.key(r"HKLM\SOFTWARE\Microsoft\SenseCM").is_some());
    assert!(hive.key(r"HKLM\SOFTWARE\mde-doctor\Types").is_none());
    assert!(
        hive.key(r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\CDJ\AAD")
            .is_some()
    );
}

#[test]
fn hive_and_export_agree() {
    let files = wine_files();
    let hive = read_hive(read("hive/SOFTWARE"), vec![], "SOFTWARE", Selection::All).unwrap();
    for key in &hive.keys {
        for value in &key.values {
            let exported = lookup(&files, key.path.as_str(), &value.name);
            assert_eq!(exported, Some(&value.data), "{}\\{}", key.path, value.name);
        }
    }
}

#[test]
fn damaged_hives_are_errors_not_panics() {
    let good = read("hive/SOFTWARE");
    assert_eq!(embedded_name(&good).as_deref(), Some("seed"));
    assert!(read_hive(b"not a hive".to_vec(), vec![], "SOFTWARE", Selection::All).is_err());
    // Truncated at every 512 bytes, and with garbage over the hive bins.
    for cut in (0..good.len()).step_by(512) {
        let _ = read_hive(good[..cut].to_vec(), vec![], "SOFTWARE", Selection::All);
    }
    let mut garbage = good.clone();
    for (i, b) in garbage.iter_mut().enumerate().skip(4096) {
        *b = (i * 7919 % 251) as u8;
    }
    let _ = read_hive(garbage, vec![], "SOFTWARE", Selection::All);
}

/// A regedit 5 export as Windows' regedit writes it: UTF-16LE with a BOM, CRLF line breaks,
/// and a `REG_SZ` holding line breaks written raw inside its quotes (regedit does not
/// escape them; Wine writes `\n` instead).
fn regedit5_utf16(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

#[test]
fn multi_line_reg_sz_reads_back_exactly() {
    let notice = "Authorised use only.\r\n  Indented line; with \"quotes\" and a \\ backslash   \r\n\r\nLast line";
    let lf_only = "first\nsecond\rthird";
    let written = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let text = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n\
         [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System]\r\n\
         \"legalnoticecaption\"=\"Notice\"\r\n\
         \"legalnoticetext\"=\"{}\"\r\n\
         \"mixed\"=\"{}\"\r\n\
         \"after\"=dword:00000001\r\n\
         @=\"default\"\r\n",
        written(notice),
        written(lf_only)
    );
    let file = parse_reg(&regedit5_utf16(&text)).unwrap();
    assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
    let key = &file.keys[0];
    let value = |name: &str| key.value(name).unwrap();
    assert_eq!(value("legalnoticetext").data, RegData::Sz(notice.into()));
    assert_eq!(value("legalnoticetext").at, Location::Line(5));
    assert_eq!(value("mixed").data, RegData::Sz(lf_only.into()));
    // The lines after a multi-line value keep their own numbers (5 + 4 lines, then 3 more).
    assert_eq!(value("mixed").at, Location::Line(9));
    assert_eq!(value("after").data, RegData::Dword(1));
    assert_eq!(value("after").at, Location::Line(12));
    assert_eq!(value("").data, RegData::Sz("default".into()));
}

#[test]
fn an_unclosed_string_is_reported_and_the_rest_still_read() {
    let text = "Windows Registry Editor Version 5.00\r\n\
                [HKEY_LOCAL_MACHINE\\A]\r\n\
                \"broken\"=\"never closed\r\n\
                \"ok\"=dword:00000002\r\n\
                [HKEY_LOCAL_MACHINE\\B]\r\n\
                \"x\"=\"y\"\r\n";
    let file = parse_reg(&regedit5_utf16(text)).unwrap();
    assert_eq!(file.diagnostics[0].at, Location::Line(3));
    assert!(file.diagnostics[0].message.contains("never closes"));
    assert_eq!(
        file.key(r"HKLM\A").unwrap().value("ok").unwrap().data,
        RegData::Dword(2)
    );
    assert_eq!(
        file.key(r"HKLM\B").unwrap().value("x").unwrap().at,
        Location::Line(6)
    );
}
