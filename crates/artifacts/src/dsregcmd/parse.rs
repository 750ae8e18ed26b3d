//! Line-level reading of `dsregcmd /status` output.

use super::value::snake_case;
use super::{DsregStatus, Field, Layout, Note, Section};
use crate::location::{Diagnostic, Location};
use crate::text::{self, NotText};

/// The input is not dsregcmd output at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsregError {
    #[error(transparent)]
    NotText(#[from] NotText),
    #[error(
        "no dsregcmd /status content found (expected `+----+` framed sections such as `| Device State |` with `Key : Value` lines)"
    )]
    Empty,
}

/// A console wraps long lines at its width; a wrapped value continues on a line that starts
/// at the left margin. Lines shorter than this were not wrapped.
const MIN_WRAPPED_WIDTH: usize = 70;

pub fn parse_dsregcmd(bytes: &[u8]) -> Result<DsregStatus, DsregError> {
    let decoded = text::decode(bytes)?;
    let mut diagnostics = Vec::new();
    if let Some(w) = &decoded.warning {
        diagnostics.push(Diagnostic::new(Location::Whole, w.clone()));
    }
    let lines: Vec<(usize, &str)> = text::lines(&decoded.text).collect();

    // The left margin: where the frame rules start (0 in real output, more in an indented
    // copy). Modern layout: most fields have a blank before the colon.
    let margin = lines
        .iter()
        .filter(|(_, l)| is_rule(l.trim()))
        .map(|(_, l)| indent(l))
        .min()
        .unwrap_or(0);
    let (mut spaced, mut tight) = (0, 0);
    for (_, l) in &lines {
        if let Some((k, _)) = l.trim().split_once(':')
            && valid_key(k.trim())
        {
            if k.ends_with(' ') {
                spaced += 1
            } else {
                tight += 1
            }
        }
    }
    let tight_fields = tight > spaced;

    let mut sections: Vec<Section> = Vec::new();
    let mut notes = Vec::new();
    // The raw length of the previous line if it was a field, for wrapped values.
    let mut previous_field_len: Option<usize> = None;
    let mut previous_trailing_blank = false;
    for &(number, raw) in &lines {
        let line = raw.trim();
        let at = Location::Line(number);
        if line.is_empty() {
            previous_field_len = None;
            continue;
        }
        if is_rule(line) {
            previous_field_len = None;
            continue;
        }
        if line.starts_with('|') {
            let name = line.trim_matches('|').trim().to_string();
            sections.push(Section {
                name,
                at,
                fields: Vec::new(),
            });
            previous_field_len = None;
            continue;
        }
        let wrapped = previous_field_len.is_some_and(|len| len >= MIN_WRAPPED_WIDTH)
            && indent(raw) <= margin + 1
            && (!tight_fields || split_field(line).is_none());
        if wrapped && let Some(field) = sections.last_mut().and_then(|s| s.fields.last_mut()) {
            // The console broke the line at its width; a blank at the break belongs to
            // the value.
            if previous_trailing_blank || indent(raw) > margin {
                field.value.push(' ');
            }
            field.value.push_str(line);
            previous_trailing_blank = raw.ends_with([' ', '\t']);
            diagnostics.push(Diagnostic::new(
                at,
                format!(
                    "joined to the value of {} (a console-wrapped line)",
                    field.key
                ),
            ));
            previous_field_len = Some(raw.len());
            continue;
        }
        // `PS C:\Users\admin> dsregcmd /status` or `C:\>dsregcmd /status`: the prompt of a
        // pasted console session, not a field.
        if is_prompt(line) {
            notes.push(Note {
                text: line.to_string(),
                at,
            });
            previous_field_len = None;
            continue;
        }
        match split_field(line) {
            Some((key, value)) => {
                if sections.is_empty() {
                    // A fragment without a section title.
                    sections.push(Section {
                        name: String::new(),
                        at,
                        fields: Vec::new(),
                    });
                }
                let section = sections.last_mut().expect("pushed above");
                section.fields.push(Field {
                    name: snake_case(key),
                    key: key.to_string(),
                    value: value.to_string(),
                    at,
                });
                previous_field_len = Some(raw.len());
                previous_trailing_blank = raw.ends_with([' ', '\t']);
            }
            None => {
                notes.push(Note {
                    text: line.to_string(),
                    at,
                });
                previous_field_len = None;
            }
        }
    }
    if sections.iter().all(|s| s.fields.is_empty()) {
        return Err(DsregError::Empty);
    }
    // Before 1809 dsregcmd printed `Key: value` and kept the device's and the tenant's
    // fields under Device State; either sign is the old layout.
    let has = |name: &str| sections.iter().any(|s| s.name.eq_ignore_ascii_case(name));
    let state_holds_details = sections.iter().any(|s| {
        s.name.eq_ignore_ascii_case("Device State")
            && s.fields
                .iter()
                .any(|f| f.name == "tenant_id" || f.name == "device_id")
    });
    let layout = if tight_fields
        || (state_holds_details && !has("Device Details") && !has("Tenant Details"))
    {
        Layout::Legacy
    } else {
        Layout::Modern
    };
    Ok(DsregStatus {
        encoding: decoded.encoding,
        layout,
        sections,
        notes,
        diagnostics,
    })
}

fn is_rule(line: &str) -> bool {
    line.len() >= 3
        && line.starts_with('+')
        && line.trim_end().ends_with('+')
        && line[1..line.len() - 1].bytes().all(|b| b == b'-')
}

/// A PowerShell (`PS C:\…>`) or cmd (`C:\…>`) prompt line.
fn is_prompt(line: &str) -> bool {
    let rest = line.strip_prefix("PS ").unwrap_or(line);
    let b = rest.as_bytes();
    b.len() >= 3
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && b[2] == b'\\'
        && rest.contains('>')
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// `Key : Value` / `Key: value` / `KeySignTest: : value` → (key, value).
fn split_field(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    if !valid_key(key) {
        return None;
    }
    let mut value = value.trim();
    if let Some(rest) = value.strip_prefix(':') {
        // `KeySignTest: : MUST Run elevated to test.` (a typo in Microsoft's sample)
        value = rest.trim();
    }
    Some((key, value))
}

/// Keys are words of letters and digits with blanks, `-`, `_` or parentheses between.
fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 48
        && key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '(' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_value_is_joined() {
        let text = concat!(
            "+----------------------------------------------------------------------+\n",
            "| URL Specific Proxy Config                                            |\n",
            "+----------------------------------------------------------------------+\n",
            "\n",
            "    Executing Account Name : CONTOSO\\user, user@contoso.com\n",
            "    Auto Detect PAC Status : Failed to auto detect the Proxy Auto-Configuration (PAC) script \n",
            "using WPAD. code: 0x80072f94\n",
            "\n",
        );
        let s = parse_dsregcmd(text.as_bytes()).unwrap();
        let f = s.field(&["Auto Detect PAC Status"], &[]).unwrap();
        assert_eq!(
            f.value,
            "Failed to auto detect the Proxy Auto-Configuration (PAC) script using WPAD. code: 0x80072f94"
        );
        assert_eq!(s.sections[0].fields.len(), 2);
        assert_eq!(s.diagnostics.len(), 1);
    }

    #[test]
    fn indented_copy() {
        let text = "    +------+\n    | Device State |\n    +------+\n\n                 AzureAdJoined : YES\n              DomainJoined : NO\n";
        let s = parse_dsregcmd(text.as_bytes()).unwrap();
        assert_eq!(s.sections[0].name, "Device State");
        assert_eq!(s.sections[0].fields.len(), 2);
    }

    #[test]
    fn prompts_are_not_fields() {
        let text = "PS C:\\Users\\admin> dsregcmd /status\n\n+------+\n| Device State |\n+------+\n\n             AzureAdJoined : YES\n              DomainJoined : NO\n\nC:\\Windows\\system32>\n";
        let s = parse_dsregcmd(text.as_bytes()).unwrap();
        assert_eq!(s.sections.len(), 1, "{:?}", s.sections);
        assert_eq!(s.sections[0].fields.len(), 2);
        assert_eq!(s.notes.len(), 2);
        assert!(s.field(&["PS C"], &[]).is_none());
    }

    #[test]
    fn the_pre_1809_layout_is_told_by_its_sections_too() {
        // 1703/1709 printed `Key : value` already, but everything under Device State.
        let text = "+------+\n| Device State |\n+------+\n\n     AzureAdJoined : YES\n  EnterpriseJoined : NO\n          DeviceId : 5820fbe9-60c8-43b0-bb11-44aee233e4e7\n          TenantId : aaaabbbb-0000-cccc-1111-dddd2222eeee\n      DomainJoined : YES\n";
        assert_eq!(
            parse_dsregcmd(text.as_bytes()).unwrap().layout,
            Layout::Legacy
        );
        let modern = "+------+\n| Device State |\n+------+\n\n     AzureAdJoined : YES\n      DomainJoined : YES\n+------+\n| Device Details |\n+------+\n\n          DeviceId : 5820fbe9-60c8-43b0-bb11-44aee233e4e7\n";
        assert_eq!(
            parse_dsregcmd(modern.as_bytes()).unwrap().layout,
            Layout::Modern
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert_eq!(
            parse_dsregcmd(b"hello world\nno fields here"),
            Err(DsregError::Empty)
        );
        assert!(matches!(
            parse_dsregcmd(b"\x00\x01\x02binary"),
            Err(DsregError::NotText(_))
        ));
    }
}
