//! What kind of artifact a file is, from its content first and its name second: people
//! rename files (`status.txt`, `export.reg.txt`), and a bundle may come from another tool.

use serde::Serialize;

use crate::text;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Registry export (`.reg`).
    Reg,
    /// Offline registry hive (regf).
    Hive,
    /// A hive's transaction log (`.LOG1`, `.LOG2`).
    HiveLog,
    /// `dsregcmd /status` output.
    Dsregcmd,
    /// Windows event log (`.evtx`).
    Evtx,
    /// Event log exported as XML (`wevtutil qe /f:xml`, Event Viewer "Save as XML").
    EventXml,
    /// LDIF export of directory objects.
    Ldif,
    /// The bundle's `manifest.json`.
    Manifest,
    /// The bundle's `probes.json`.
    Probes,
    /// A zip archive (an evidence bundle).
    Zip,
    /// The MDE Client Analyzer's results (`MDEClientAnalyzer.xml`).
    ClientAnalyzer,
    /// Something mde-doctor does not read.
    Unknown,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Reg => "reg",
            Kind::Hive => "hive",
            Kind::HiveLog => "hive_log",
            Kind::Dsregcmd => "dsregcmd",
            Kind::Evtx => "evtx",
            Kind::EventXml => "event_xml",
            Kind::Ldif => "ldif",
            Kind::Manifest => "manifest",
            Kind::Probes => "probes",
            Kind::Zip => "zip",
            Kind::ClientAnalyzer => "client_analyzer",
            Kind::Unknown => "unknown",
        }
    }
}

/// Decides the kind of `bytes` whose file is called `name` (only the last path component
/// matters).
pub fn detect(name: &str, bytes: &[u8]) -> Kind {
    let file = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    if file.ends_with(".log1") || file.ends_with(".log2") {
        return Kind::HiveLog;
    }
    if bytes.starts_with(b"regf") {
        return Kind::Hive;
    }
    if bytes.starts_with(b"ElfFile\0") {
        return Kind::Evtx;
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    // Text kinds: look at the start only, a bundle may hold big files.
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let Ok(decoded) = text::decode(head) else {
        return Kind::Unknown;
    };
    let t = decoded.text.trim_start();
    let first_line = t.lines().next().unwrap_or("").trim();
    if first_line.eq_ignore_ascii_case("Windows Registry Editor Version 5.00")
        || first_line.eq_ignore_ascii_case("REGEDIT4")
    {
        return Kind::Reg;
    }
    if t.starts_with('{') {
        if file == "probes.json" || t.contains("\"mde-doctor/probes") {
            return Kind::Probes;
        }
        if file == "manifest.json" || t.contains("\"mde-doctor/manifest") {
            return Kind::Manifest;
        }
        return Kind::Unknown;
    }
    if crate::bundle::is_client_analyzer_xml(t) {
        return Kind::ClientAnalyzer;
    }
    if t.starts_with('<')
        && (t.contains("<Event ") || t.contains("<Event>") || t.contains("<Events"))
    {
        return Kind::EventXml;
    }
    if looks_like_ldif(t) {
        return Kind::Ldif;
    }
    if looks_like_dsregcmd(t) {
        return Kind::Dsregcmd;
    }
    Kind::Unknown
}

/// LDIF: a `dn:` line (RFC 2849) followed by `attribute: value` lines. Whatever comes
/// before the first `dn:` (a `version:` line, comments, a banner a script printed) does not
/// matter, so an export that starts with a comment or a note still reads.
fn looks_like_ldif(t: &str) -> bool {
    let mut lines = t.lines().map(str::trim_end);
    let Some(_) = lines.by_ref().find(|l| l.starts_with("dn:")) else {
        return false;
    };
    lines
        .take_while(|l| !l.is_empty())
        .filter(|l| !l.starts_with(' ') && !l.starts_with('#'))
        .any(|l| {
            l.split_once(':').is_some_and(|(name, _)| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ';' || c == '.')
            })
        })
}

/// `dsregcmd /status` output, whole or a fragment (one section copied from a console, a
/// ticket or a post), in the framed layout of Windows 10 1809+ or the older `Key : value`
/// one: the field names only dsregcmd prints decide, not the file name.
fn looks_like_dsregcmd(t: &str) -> bool {
    const KEYS: [&str; 24] = [
        "AzureAdJoined",
        "DomainJoined",
        "EnterpriseJoined",
        "WorkplaceJoined",
        "AzureAdPrt",
        "Client ErrorCode",
        "DRS Discovery Test",
        "Previous Registration",
        "DeviceCertificateValidity",
        "KeyContainerId",
        "KeySignTest",
        "DeviceAuthStatus",
        "TpmProtected",
        "TenantName",
        "JoinSrvId",
        "KeySrvUrl",
        "WebAuthNSrvId",
        "DeviceManagementSrvUrl",
        "NgcSet",
        "WamDefaultSet",
        "IsDeviceJoined",
        "IsUserAzureAD",
        "EnterprisePrt",
        "Attempt Status",
    ];
    let framed = t.contains("+------") && t.contains("| ");
    // Field lines look like `   Name : value` (the name right-aligned by dsregcmd).
    let known = KEYS
        .iter()
        .filter(|k| {
            t.match_indices(*k).any(|(at, _)| {
                let rest = t[at + k.len()..].trim_start_matches(' ');
                rest.starts_with(':')
            })
        })
        .count();
    (framed && known >= 1) || known >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(detect("x", b"regf\x01\x00"), Kind::Hive);
        assert_eq!(detect("SOFTWARE.LOG1", b"regf"), Kind::HiveLog);
        assert_eq!(detect("a.txt", b"REGEDIT4\r\n"), Kind::Reg);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(
            "Windows Registry Editor Version 5.00\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        assert_eq!(detect("a", &utf16), Kind::Reg);
        assert_eq!(detect("probes.json", b"{}"), Kind::Probes);
        assert_eq!(
            detect("x.json", b"{\"schema\": \"mde-doctor/manifest/1\"}"),
            Kind::Manifest
        );
        assert_eq!(detect("x", b"ElfFile\0rest"), Kind::Evtx);
        assert_eq!(
            detect("x", b"dn: CN=a,DC=b\nobjectClass: top\n"),
            Kind::Ldif
        );
        assert_eq!(
            detect(
                "s.txt",
                b"+----------+\n| Device State |\n+----------+\n AzureAdJoined : YES\n"
            ),
            Kind::Dsregcmd
        );
        assert_eq!(detect("x", b"<Events><Event xmlns='x'>"), Kind::EventXml);
        assert_eq!(detect("x", b"hello"), Kind::Unknown);
        // An export that starts with a note or a comment block is still LDIF.
        assert_eq!(
            detect(
                "objects.txt",
                b"... exported by a script\n# comment\n\ndn: CN=PC1,DC=x\ncn: PC1\n"
            ),
            Kind::Ldif
        );
        // `dn:` in prose is not LDIF.
        assert_eq!(
            detect(
                "notes.txt",
                b"dn: is how LDIF starts a record\n\nnothing else\n"
            ),
            Kind::Unknown
        );
        // A dsregcmd fragment: one section, no framing, any file name.
        assert_eq!(
            detect(
                "output.log",
                b"             DeviceId : 00000000-0000-0000-0000-000000000000\n\
                  DeviceCertificateValidity : [ 2019-01-11 - 2029-01-11 ]\n\
                  KeyContainerId : 00000000-0000-0000-0000-000000000000\n"
            ),
            Kind::Dsregcmd
        );
        // Field names in prose are not dsregcmd output.
        assert_eq!(
            detect(
                "notes.txt",
                b"AzureAdJoined and DomainJoined are both fields.\n"
            ),
            Kind::Unknown
        );
        assert_eq!(
            detect("a.xml", b"<?xml version=\"1.0\"?>\r\n<MDEResults><events/>"),
            Kind::ClientAnalyzer
        );
        assert_eq!(detect("x", b"\x00\x01\x02"), Kind::Unknown);
    }
}
