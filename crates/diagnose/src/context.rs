//! What the checks see: the snapshot plus helpers that read a fact and its evidence at once.

use mde_artifacts::Location;
use mde_artifacts::dsregcmd::{DsregFacts, Field};
use mde_artifacts::snapshot::{RegistryValue, Snapshot};

use crate::model::Evidence;

pub(crate) const SENSECM: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SenseCM";
pub(crate) const ATP_STATUS: &str =
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Advanced Threat Protection\Status";
pub(crate) const CURRENT_VERSION: &str =
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion";
pub(crate) const CDJ_AAD: &str =
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\CDJ\AAD";
pub(crate) const DEFENDER: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Defender";
pub(crate) const ENROLLMENTS: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Enrollments";
pub(crate) const SMS_CLIENT: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SMS\Mobile Client";
pub(crate) const PRODUCT_OPTIONS: &str =
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ProductOptions";
pub(crate) const ENVIRONMENT: &str =
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager\Environment";

pub(crate) struct Ctx<'a> {
    pub(crate) snapshot: &'a Snapshot,
    pub(crate) dsreg: Option<DsregFacts>,
    /// What the checks wanted and did not find (for the `missing` list).
    pub(crate) missing: Vec<String>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(snapshot: &'a Snapshot) -> Ctx<'a> {
        Ctx {
            snapshot,
            dsreg: snapshot.dsregcmd.as_ref().map(|d| d.value.facts()),
            missing: Vec::new(),
        }
    }

    pub(crate) fn reg(&self, key: &str, name: &str) -> Option<&'a RegistryValue> {
        self.snapshot.registry.value(key, name)
    }

    /// Evidence for a registry value.
    pub(crate) fn reg_evidence(&self, key: &str, value: &RegistryValue) -> Evidence {
        let short = key.replace("HKEY_LOCAL_MACHINE", "HKLM");
        let name = if value.name.is_empty() {
            "@"
        } else {
            value.name.as_str()
        };
        evidence(
            &value.source.artifact,
            value.source.at,
            Some(&format!("{short}\\{name}")),
            format!("{name} = {}", value.data.display()),
        )
    }

    /// A registry value and its evidence, if present.
    pub(crate) fn reg_with_evidence(
        &self,
        key: &str,
        name: &str,
    ) -> Option<(&'a RegistryValue, Evidence)> {
        let v = self.reg(key, name)?;
        let e = self.reg_evidence(key, v);
        Some((v, e))
    }

    /// Evidence for a dsregcmd field, found by key.
    pub(crate) fn dsreg_evidence(&self, key: &str) -> Option<Evidence> {
        let sourced = self.snapshot.dsregcmd.as_ref()?;
        let field: &Field = sourced.value.field(&[key], &[])?;
        Some(evidence(
            &sourced.artifact,
            field.at,
            None,
            format!("{} : {}", field.key, field.value),
        ))
    }

    pub(crate) fn domain_joined(&self) -> Option<bool> {
        self.dsreg.as_ref().and_then(|d| d.join_state.domain_joined)
    }
}

pub(crate) fn evidence(
    artifact: &str,
    at: Location,
    key: Option<&str>,
    excerpt: String,
) -> Evidence {
    let place = match at {
        Location::Line(n) => format!("line {n}"),
        Location::Offset(o) => format!("offset {o:#x}"),
        Location::Whole => String::new(),
    };
    let location = match (key, place.is_empty()) {
        (Some(k), false) => format!("{k}, {place}"),
        (Some(k), true) => k.to_string(),
        (None, _) => place,
    };
    let (line, offset) = match at {
        Location::Line(n) => (Some(n), None),
        Location::Offset(o) => (None, Some(o)),
        Location::Whole => (None, None),
    };
    // Bound what a device can put into a report.
    let excerpt = if excerpt.chars().count() > 300 {
        excerpt.chars().take(297).collect::<String>() + "..."
    } else {
        excerpt
    };
    Evidence {
        artifact: artifact.to_string(),
        location,
        line,
        offset,
        record: None,
        excerpt,
    }
}

/// GUIDs compare lower-case without braces.
pub(crate) fn normalize_guid(text: &str) -> String {
    text.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim()
        .to_ascii_lowercase()
}

pub(crate) fn is_guid(text: &str) -> bool {
    let g = normalize_guid(text);
    let parts: Vec<&str> = g.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(len, p)| p.len() == *len)
        && g.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}
