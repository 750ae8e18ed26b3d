//! The registry keys of mde-diagnose's `registry-keys.toml` (the list the checks and the
//! hive reader use), exported as regedit 5 `.reg` files: one file per key of interest, named
//! after it.

use mde_artifacts::Location;
use mde_artifacts::reg::{KeyPath, RegData, RegKey, RegValue, StringBytes, to_reg_utf16};
use mde_diagnose::wanted::{KeyOfInterest, keys_of_interest};

use super::win32::{Key, RegError};
use crate::bundle::{Bundle, StepError, StepResult};

/// A subtree bigger than this is cut (Enrollments can grow, but not this far).
const MAX_KEYS: usize = 5_000;

pub(super) fn export(b: &mut Bundle) -> Result<StepResult, StepError> {
    let mut absent: Vec<String> = Vec::new();
    let mut failed = Vec::new();
    let mut written = 0;
    for k in keys_of_interest() {
        let full = format!(r"{}\{}", k.hive, k.path);
        match export_one(k, &full) {
            Ok(keys) => {
                b.add(
                    &format!("registry/{}.reg", file_name(&full)),
                    to_reg_utf16(&keys),
                );
                written += 1;
            }
            Err(RegError(2)) => absent.push(format!(r"HKLM\{full}")),
            Err(e) => failed.push(format!(r"HKLM\{full}: {e}")),
        }
    }
    if written == 0 && !failed.is_empty() {
        return Err(StepError::failed(failed.join("; ")));
    }
    let mut notes = Vec::new();
    if !failed.is_empty() {
        notes.push(format!("unreadable: {}", failed.join("; ")));
    }
    if !absent.is_empty() {
        // Absent keys are evidence too (SenseCM missing: the device never tried to enroll),
        // so the step is not failed for them; the manifest names them.
        notes.push(format!("absent: {}", absent.join(", ")));
    }
    Ok(StepResult {
        exit_code: None,
        partial: (!failed.is_empty()).then(|| format!("unreadable: {}", failed.join("; "))),
        // Absent keys are evidence too (SenseCM missing: the device never tried to enroll),
        // so they do not fail the step; the manifest names them.
        note: (!absent.is_empty()).then(|| format!("absent: {}", absent.join(", "))),
    })
}

/// The key and, if recursive, its subtree (breadth first, bounded).
fn export_one(k: &KeyOfInterest, full: &str) -> Result<Vec<RegKey>, RegError> {
    let root = Key::open_hklm(full)?;
    let mut out = Vec::new();
    let mut queue = vec![(format!(r"HKEY_LOCAL_MACHINE\{full}"), root)];
    while let Some((path, key)) = queue.pop() {
        if out.len() >= MAX_KEYS {
            break;
        }
        let values = key
            .values()?
            .into_iter()
            .map(|(name, ty, bytes)| RegValue {
                name,
                data: RegData::from_raw(ty, &bytes, StringBytes::Utf16Le),
                at: Location::Whole,
            })
            .collect();
        out.push(RegKey {
            path: KeyPath::new(&path),
            deleted: false,
            values,
            at: Location::Whole,
        });
        if k.recursive {
            let mut children = key.subkeys()?;
            children.sort();
            // Pushed in reverse so the stack pops them in order.
            for child in children.into_iter().rev() {
                if let Ok(sub) = key.open(&child) {
                    queue.push((format!(r"{path}\{child}"), sub));
                }
            }
        }
    }
    // Depth-first with sorted children gives regedit's order: a key before its subkeys.
    Ok(out)
}

/// `SOFTWARE\Microsoft\Windows NT\CurrentVersion` → `software-microsoft-windows-nt-currentversion`.
fn file_name(path: &str) -> String {
    path.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}
