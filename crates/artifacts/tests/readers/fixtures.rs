//! Paths of the test inputs and the expected registry values.

use std::path::PathBuf;

use mde_artifacts::reg::RegData;

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub(crate) fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// One row of registry-values.tsv: the value both real writers were told to store.
pub(crate) struct Expected {
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) data: RegData,
}

/// registry-values.tsv, turned into the data a reader must return. The conversion follows
/// `reg add` semantics (see make_fixtures.py), independently of the reader under test.
pub(crate) fn expected_values() -> Vec<Expected> {
    let text = String::from_utf8(read("registry-values.tsv")).unwrap();
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let int = |s: &str| -> u64 {
        match s.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).unwrap(),
            None => s.parse().unwrap(),
        }
    };
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let mut cells = line.split('\t');
            let key = format!(r"HKEY_LOCAL_MACHINE\SOFTWARE\{}", cells.next().unwrap());
            let name = cells.next().unwrap();
            let ty = cells.next().unwrap();
            let raw = cells.next().unwrap_or("");
            let data = match ty {
                "REG_SZ" => RegData::Sz(raw.into()),
                "REG_EXPAND_SZ" => RegData::ExpandSz(raw.into()),
                "REG_MULTI_SZ" => RegData::MultiSz(raw.split("\\0").map(String::from).collect()),
                "REG_DWORD" => RegData::Dword(int(raw) as u32),
                // reg.exe stores the number little-endian; read as big-endian it is swapped.
                "REG_DWORD_BIG_ENDIAN" => RegData::DwordBigEndian((int(raw) as u32).swap_bytes()),
                "REG_QWORD" => RegData::Qword(int(raw)),
                "REG_BINARY" => RegData::Binary(
                    (0..raw.len())
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&raw[i..i + 2], 16).unwrap())
                        .collect(),
                ),
                "REG_NONE" => RegData::Other {
                    ty: 0,
                    bytes: utf16(&format!("{raw}\0")),
                },
                other => panic!("unknown type {other}"),
            };
            Expected {
                key,
                name: if name == "@" {
                    String::new()
                } else {
                    name.to_string()
                },
                data,
            }
        })
        .collect()
}

/// Real-world samples shipped with the repository: `dsregcmd/…` from `tests/data/dsregcmd`,
/// `evtx/…` from `examples/events` (see the SOURCE files there).
pub(crate) fn sample(rel: &str) -> Vec<u8> {
    let path = sample_path(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Where [`sample`] finds `rel`.
pub(crate) fn sample_path(rel: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    match rel.split_once('/') {
        Some(("evtx", name)) => root.join("examples/events").join(name),
        Some(("dsregcmd", name)) => root.join("tests/data/dsregcmd").join(name),
        _ => panic!("no sample folder for {rel}"),
    }
}

/// What these tests keep of a bundle: some of the subtrees and channels a diagnosis wants
/// (the lists themselves belong to mde-diagnose and are tested there).
pub(crate) fn wanted() -> mde_artifacts::Wanted<'static> {
    use mde_artifacts::{Selection, Subtree, Wanted};
    static SUBTREES: std::sync::LazyLock<Vec<Subtree>> = std::sync::LazyLock::new(|| {
        [
            r"Microsoft\SenseCM",
            r"Microsoft\Windows\CurrentVersion\CDJ",
        ]
        .into_iter()
        .map(|path| Subtree {
            hive: "SOFTWARE".into(),
            path: path.into(),
            recursive: true,
        })
        .collect()
    });
    fn keep(h: &mde_artifacts::events::EventHeader<'_>) -> bool {
        [
            "Microsoft-Windows-AAD/Operational",
            "Microsoft-Windows-User Device Registration/Admin",
        ]
        .iter()
        .any(|c| c.eq_ignore_ascii_case(h.channel))
    }
    Wanted {
        registry: Selection::Subtrees(&SUBTREES),
        events: &keep,
    }
}
