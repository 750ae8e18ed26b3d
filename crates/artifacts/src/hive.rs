//! Offline registry hives (regf), e.g. a `SOFTWARE` hive copied from
//! `C:\Windows\System32\config`, read with notatin, which also replays the `.LOG1`/`.LOG2`
//! transaction logs of a hive copied from a running system ("dirty" hives).
//!
//! A real SOFTWARE hive holds hundreds of thousands of keys; the caller says which subtrees
//! to read ([`Selection`]). Values are decoded by the
//! same code as `.reg` data, so a hive and an export of the same key give equal values.
//!
//! notatin is a third-party parser of untrusted input; a panic inside it is caught here and
//! reported as a damaged hive rather than taking the whole analysis down.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use notatin::cell_key_node::CellKeyNode;
use notatin::parser::Parser;
use notatin::parser_builder::ParserBuilder;

use crate::location::{Diagnostic, Location};
use crate::reg::{KeyPath, RegData, RegFile, RegFormat, RegKey, RegValue, StringBytes};

/// Why a hive could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HiveError {
    #[error("offset 0x0: not a registry hive (expected the signature `regf`)")]
    NotAHive,
    #[error("the hive is damaged: {0}")]
    Damaged(String),
}

pub use crate::select::Selection;

/// Whether the bytes start like a hive.
pub fn is_hive(bytes: &[u8]) -> bool {
    bytes.starts_with(b"regf")
}

/// The hive's own file name from its base block (e.g. `\??\C:\Windows\System32\config\SOFTWARE`
/// → `SOFTWARE`), used to mount a hive whose file was renamed.
pub fn embedded_name(bytes: &[u8]) -> Option<String> {
    let raw = bytes.get(48..48 + 64)?;
    let units: Vec<u16> = raw
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .take_while(|u| *u != 0)
        .collect();
    let name = String::from_utf16(&units).ok()?;
    let last = name.rsplit(['\\', '/']).next()?.trim().to_string();
    (!last.is_empty()).then_some(last)
}

/// Where a hive is mounted in the live registry, from its (file) name.
pub fn mount_point(name: &str) -> KeyPath {
    let upper = name.to_ascii_uppercase();
    let base = upper.split('.').next().unwrap_or(&upper);
    match base {
        "NTUSER" | "USRCLASS" => KeyPath::new("HKEY_CURRENT_USER"),
        _ => KeyPath::new(&format!("HKEY_LOCAL_MACHINE\\{base}")),
    }
}

/// Reads a hive. `logs` are its transaction logs (`.LOG1`, `.LOG2`), if any. `hive_name` is
/// `SOFTWARE`, `SYSTEM`, … and decides the mount point and the keys of interest.
pub fn read_hive(
    bytes: Vec<u8>,
    logs: Vec<Vec<u8>>,
    hive_name: &str,
    selection: Selection<'_>,
) -> Result<RegFile, HiveError> {
    if !is_hive(&bytes) {
        return Err(HiveError::NotAHive);
    }
    let header_problems = check_base_block(&bytes);
    // notatin trusts the base block's root cell offset; a hostile one overflows it.
    if bytes.len() >= 4096 {
        let dword = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let root = u64::from(dword(36));
        let bins = (bytes.len() as u64 - 4096).min(u64::from(dword(40)));
        if root + 4 > bins {
            return Err(HiveError::Damaged(format!(
                "offset 0x24: the root key cell offset {root:#x} lies outside the hive bins ({bins:#x} bytes)"
            )));
        }
    }
    // Logs in the old format (Windows 8 / Server 2012 and earlier: a dirty-page vector, not
    // HvLE entries) cannot be replayed by the parser, which would still report them applied:
    // say that the keys are the primary file's alone, which is not what Windows would load.
    let mut header_problems = header_problems;
    let (logs, old): (Vec<_>, Vec<_>) = logs.into_iter().partition(|l| !is_old_format_log(l));
    if !old.is_empty() {
        let dirty = bytes.len() >= 12 && bytes[4..8] != bytes[8..12];
        header_problems.push(Diagnostic::new(
            Location::Whole,
            format!(
                "{} transaction log(s) in the old format (a dirty-page vector, written by Windows 8 / Server 2012 and earlier) could not be replayed: the keys are read from the primary file alone{}",
                old.len(),
                if dirty {
                    ", and the hive is dirty, so values may be older than the ones Windows would load"
                } else {
                    ""
                }
            ),
        ));
    }
    let mount = mount_point(hive_name);
    let hive_upper = hive_name.to_ascii_uppercase();
    let result = catch_unwind(AssertUnwindSafe(move || {
        let mut builder = ParserBuilder::from_file(Cursor::new(bytes));
        for log in logs {
            builder.with_transaction_log(Cursor::new(log));
        }
        let mut parser = builder
            .build()
            .map_err(|e| HiveError::Damaged(e.to_string()))?;
        let mut out = RegFile {
            format: RegFormat::Hive,
            encoding: None,
            keys: Vec::new(),
            diagnostics: Vec::new(),
        };
        // SYSTEM hives have ControlSet001…; the live registry shows the current one as
        // CurrentControlSet (Select\Current).
        out.diagnostics.extend(header_problems);
        let current_set = current_control_set(&mut parser);
        match selection {
            Selection::All => {
                if let Some(mut root) = parser
                    .get_root_key()
                    .map_err(|e| HiveError::Damaged(e.to_string()))?
                {
                    walk(
                        &mut parser,
                        &mut root,
                        "",
                        &mount,
                        true,
                        &mut out,
                        0,
                        &mut Walk::default(),
                    );
                }
            }
            Selection::Subtrees(subtrees) => {
                // One walk state for every subtree: a key reached twice is read once.
                let mut state = Walk::default();
                for k in subtrees
                    .iter()
                    .filter(|k| k.hive.eq_ignore_ascii_case(base_name(&hive_upper)))
                {
                    let real = match (&current_set, k.path.split_once('\\')) {
                        (Some(set), Some((first, rest)))
                            if first.eq_ignore_ascii_case("CurrentControlSet") =>
                        {
                            format!("{set}\\{rest}")
                        }
                        _ => k.path.clone(),
                    };
                    match parser.get_key(&real, false) {
                        Ok(Some(mut key)) => walk(
                            &mut parser,
                            &mut key,
                            &k.path,
                            &mount,
                            k.recursive,
                            &mut out,
                            0,
                            &mut state,
                        ),
                        Ok(None) => {}
                        Err(e) => out.diagnostics.push(Diagnostic::new(
                            Location::Whole,
                            format!("cannot read {mount}\\{}: {e}", k.path),
                        )),
                    }
                }
            }
        }
        out.diagnostics.extend(
            parser
                .get_parse_logs()
                .get()
                .into_iter()
                .flatten()
                .take(100)
                .map(|log| Diagnostic::new(Location::Whole, format!("{log:?}"))),
        );
        Ok(out)
    }));
    match result {
        Ok(r) => r,
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the hive parser failed".into());
            Err(HiveError::Damaged(why))
        }
    }
}

/// A transaction log in the old format: its base block's file type is 1 or 2 (6 is the new
/// format), or a `DIRT` dirty vector follows the base block (msuhanov's regf specification,
/// "Format of transaction log files").
fn is_old_format_log(log: &[u8]) -> bool {
    if log.len() < 516 || &log[..4] != b"regf" {
        return false;
    }
    let file_type = u32::from_le_bytes([log[28], log[29], log[30], log[31]]);
    matches!(file_type, 1 | 2) || &log[512..516] == b"DIRT"
}

/// Checks what the base block promises: its checksum, and that the file holds all the hive
/// bins it declares (a copy cut short loses keys silently otherwise).
fn check_base_block(bytes: &[u8]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    if bytes.len() < 4096 {
        problems.push(Diagnostic::new(
            Location::Offset(bytes.len() as u64),
            format!(
                "the hive is truncated: {} bytes, shorter than its 4096-byte base block",
                bytes.len()
            ),
        ));
        return problems;
    }
    let dword =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let checksum = (0..127).fold(0u32, |acc, i| acc ^ dword(i * 4));
    if checksum != dword(508) {
        problems.push(Diagnostic::new(
            Location::Offset(508),
            format!(
                "base block checksum {:#010x} does not match its content ({checksum:#010x})",
                dword(508)
            ),
        ));
    }
    let declared = 4096u64 + u64::from(dword(40));
    if (bytes.len() as u64) < declared {
        problems.push(Diagnostic::new(
            Location::Offset(bytes.len() as u64),
            format!(
                "the hive is truncated: the base block declares {declared} bytes, the file holds {}; keys past the end are missing",
                bytes.len()
            ),
        ));
    }
    if dword(4) != dword(8) {
        problems.push(Diagnostic::new(
            Location::Offset(4),
            "the hive is dirty (sequence numbers differ): pending changes are in its .LOG1/.LOG2 files; include them in the bundle",
        ));
    }
    problems
}

fn base_name(upper: &str) -> &str {
    upper.split('.').next().unwrap_or(upper)
}

fn current_control_set(parser: &mut Parser) -> Option<String> {
    let select = parser.get_key("Select", false).ok()??;
    let value = select.get_value("Current")?;
    let bytes = value.detail.value_bytes()?;
    let n = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?);
    Some(format!("ControlSet{n:03}"))
}

/// Deep enough for any real hive; deeper nesting is a damaged or hostile file.
const MAX_DEPTH: usize = 512;
/// More keys than any real hive (a large SOFTWARE hive has well under a million).
const MAX_KEYS: usize = 4_000_000;

/// Walk state: key cells already read, so a subkey list that points back at an ancestor (a
/// damaged or hostile hive) cannot loop.
#[derive(Default)]
struct Walk {
    seen: std::collections::HashSet<usize>,
    reported_cycle: bool,
}

#[allow(clippy::too_many_arguments)]
fn walk(
    parser: &mut Parser,
    key: &mut CellKeyNode,
    display_path: &str,
    mount: &KeyPath,
    recursive: bool,
    out: &mut RegFile,
    depth: usize,
    state: &mut Walk,
) {
    if !state.seen.insert(key.file_offset_absolute) || state.seen.len() > MAX_KEYS {
        if !state.reported_cycle {
            state.reported_cycle = true;
            out.diagnostics.push(Diagnostic::new(
                Location::Offset(key.file_offset_absolute as u64),
                "a subkey list points back at a key already read (a damaged hive); the loop is not followed",
            ));
        }
        return;
    }
    let path = if display_path.is_empty() {
        mount.clone()
    } else {
        KeyPath::new(&format!("{mount}\\{display_path}"))
    };
    let mut values = Vec::new();
    for value in key.value_iter() {
        let ty = value.data_type as u32;
        let bytes = value.detail.value_bytes().unwrap_or_default();
        let data = RegData::from_raw(ty, &bytes, StringBytes::Utf16Le);
        values.push(RegValue {
            name: value.detail.value_name(),
            data,
            at: Location::Offset(value.file_offset_absolute as u64),
        });
    }
    out.keys.push(RegKey {
        path,
        deleted: false,
        values,
        at: Location::Offset(key.file_offset_absolute as u64),
    });
    if !recursive {
        return;
    }
    if depth >= MAX_DEPTH {
        out.diagnostics.push(Diagnostic::new(
            Location::Offset(key.file_offset_absolute as u64),
            format!("keys nested deeper than {MAX_DEPTH} levels are not read"),
        ));
        return;
    }
    for mut sub in key.read_sub_keys(parser) {
        let child = if display_path.is_empty() {
            sub.key_name.clone()
        } else {
            format!("{display_path}\\{}", sub.key_name)
        };
        walk(parser, &mut sub, &child, mount, true, out, depth + 1, state);
    }
}

#[cfg(test)]
mod old_log_tests {
    use super::*;

    /// An old-format log: a base block of file type 1 and a `DIRT` vector marking one page.
    fn old_log(primary: &[u8]) -> Vec<u8> {
        let mut log = primary[..512].to_vec();
        log[28..32].copy_from_slice(&1u32.to_le_bytes());
        log.extend_from_slice(b"DIRT");
        log.extend_from_slice(&[0x01, 0, 0, 0]);
        log.extend(std::iter::repeat_n(0u8, 4096));
        log
    }

    #[test]
    fn an_old_format_log_is_not_reported_as_applied() {
        let mut hive = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/hive/SOFTWARE"
        ))
        .unwrap();
        // Dirty: the secondary sequence number lags behind; the checksum stays right.
        let secondary = u32::from_le_bytes([hive[8], hive[9], hive[10], hive[11]]);
        hive[8..12].copy_from_slice(&secondary.wrapping_sub(1).to_le_bytes());
        let dword =
            |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        let checksum = (0..127).fold(0u32, |acc, i| acc ^ dword(&hive, i * 4));
        hive[508..512].copy_from_slice(&checksum.to_le_bytes());
        let log = old_log(&hive);
        assert!(is_old_format_log(&log));
        let file = read_hive(hive.clone(), vec![log], "SOFTWARE", Selection::All).unwrap();
        let text: Vec<String> = file.diagnostics.iter().map(|d| d.to_string()).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("old format") && t.contains("dirty")),
            "{text:#?}"
        );
        assert!(
            !text.iter().any(|t| t.contains("Applied transaction log")),
            "{text:#?}"
        );
        // The keys are still read.
        assert!(file.key(r"HKLM\SOFTWARE\Microsoft\SenseCM").is_some());
        // A new-format log header is not mistaken for an old one.
        let mut new_log = hive[..512].to_vec();
        new_log[28..32].copy_from_slice(&6u32.to_le_bytes());
        new_log.extend_from_slice(b"HvLE");
        new_log.extend(std::iter::repeat_n(0u8, 512));
        assert!(!is_old_format_log(&new_log));
    }
}
