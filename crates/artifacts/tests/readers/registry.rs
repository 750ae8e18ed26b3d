use mde_artifacts::Location;
use mde_artifacts::hive::{Selection, embedded_name, read_hive};
use mde_artifacts::reg::{RegData, RegFile, RegFormat, parse_reg};
use mde_artifacts::text::Encoding;

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
        Selection::OfInterest,
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
