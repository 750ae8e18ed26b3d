//! Bundles: directory and zip give the same snapshot; damage stays local; archives are safe.

use std::io::Write;
use std::path::Path;

use mde_artifacts::bundle::{Limits, read_bundle_zip};
use mde_artifacts::reg::RegData;
use mde_artifacts::snapshot::{ArtifactStatus, Skip};
use mde_artifacts::{Kind, Location, Snapshot, read_bundle};

use crate::fixtures::{read, sample, wanted};

/// A realistic bundle: every kind the reader knows, from real writers where there is one.
fn write_bundle(dir: &Path) {
    let put = |rel: &str, bytes: &[u8]| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    put(
        "manifest.json",
        br#"{"schema": "mde-doctor/manifest/1", "hostname": "PC-0042", "collected_at": "2026-11-23T09:41:00Z", "collector": "test", "future_field": [1, 2]}"#,
    );
    put(
        "dsregcmd-status.txt",
        &sample("dsregcmd/full_03_entra-joined-healthy.txt"),
    );
    put("registry/sensecm.reg", &read("wine/sensecm.reg"));
    put("registry/atp.reg", &read("wine/atp.reg"));
    put("registry/cdj.reg", &read("wine/cdj.reg"));
    put("hives/SOFTWARE", &read("hive/SOFTWARE"));
    put(
        "probes.json",
        br#"{"schema": "mde-doctor/probes/1", "clock": {"skew_seconds": 312.5}, "endpoints": [{"url": "https://enrollment.dm.microsoft.com", "dns": "ok", "tcp": "failed", "error": "timed out"}]}"#,
    );
    put(
        "events/Microsoft-Windows-HelloForBusiness%4Operational.evtx",
        &sample("evtx/Microsoft-Windows-HelloForBusiness%4Operational.evtx"),
    );
    put("events/damaged.evtx", b"ElfFile\0 cut short");
    put("notes/readme.txt", b"collected by the help desk");
    put(
        "ad/scp.ldif",
        b"dn: CN=62a0ff2e-97b9-4513-943f-0d221bd30080,CN=Device Registration Configuration,CN=Servi\r\n ces,CN=Configuration,DC=contoso,DC=com\r\nchangetype: add\r\nkeywords: azureADName:contoso.com\r\nkeywords: azureADId:3f1a9c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b\r\n\r\n",
    );
}

fn zip_dir(dir: &Path, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default();
        let mut stack = vec![dir.to_path_buf()];
        let mut files = Vec::new();
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p)
                } else {
                    files.push(p)
                }
            }
        }
        files.sort();
        for p in files {
            let rel = p
                .strip_prefix(dir)
                .unwrap()
                .to_str()
                .unwrap()
                .replace('\\', "/");
            zip.start_file(rel, options).unwrap();
            zip.write_all(&std::fs::read(&p).unwrap()).unwrap();
        }
        for (name, bytes) in extra {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

fn without_source(mut s: Snapshot) -> Snapshot {
    s.source = String::new();
    s
}

#[test]
fn directory_and_zip_give_the_same_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    write_bundle(dir.path());
    let from_dir = read_bundle(dir.path(), Limits::default(), wanted()).unwrap();
    let zip_path = dir.path().with_extension("zip");
    std::fs::write(&zip_path, zip_dir(dir.path(), &[])).unwrap();
    let from_zip = read_bundle(&zip_path, Limits::default(), wanted()).unwrap();
    std::fs::remove_file(&zip_path).unwrap();
    assert_eq!(without_source(from_dir.clone()), without_source(from_zip));

    // And the snapshot holds what the bundle holds, with provenance.
    let s = from_dir;
    assert_eq!(
        s.manifest.as_ref().unwrap().value.hostname.as_deref(),
        Some("PC-0042")
    );
    assert!(
        s.manifest
            .as_ref()
            .unwrap()
            .value
            .extra
            .contains_key("future_field")
    );
    let status = s
        .registry
        .value(r"HKLM\SOFTWARE\Microsoft\SenseCM", "EnrollmentStatus")
        .unwrap();
    assert_eq!(status.data, RegData::Dword(15));
    // hives/ sorts before registry/: the hive is the first source, the export the second.
    assert_eq!(status.source.artifact, "hives/SOFTWARE");
    assert!(matches!(status.source.at, Location::Offset(_)));
    let key = s.registry.key(r"HKLM\SOFTWARE\Microsoft\SenseCM").unwrap();
    let from_export = key
        .values
        .iter()
        .find(|v| v.source.artifact == "registry/sensecm.reg" && v.name == "EnrollmentStatus")
        .unwrap();
    assert_eq!(from_export.data, RegData::Dword(15));
    assert_eq!(from_export.source.at, Location::Line(6));
    let tenant = s
        .registry
        .value(
            r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\CDJ\AAD",
            "TenantId",
        )
        .unwrap();
    assert_eq!(
        tenant.data.as_str(),
        Some("3f1a9c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")
    );
    let dsreg = s.dsregcmd.as_ref().unwrap();
    assert_eq!(dsreg.artifact, "dsregcmd-status.txt");
    assert_eq!(
        dsreg.value.facts().tenant.tenant_name.as_deref(),
        Some("INE Security Labs")
    );
    let probes = &s.probes.as_ref().unwrap().value;
    assert_eq!(probes.clock.as_ref().unwrap().skew_seconds, Some(312.5));
    assert_eq!(probes.endpoints[0].tcp.as_deref(), Some("failed"));
    let scp = &s.scps[0];
    assert_eq!(scp.artifact, "ad/scp.ldif");
    assert_eq!(
        scp.value.azure_ad_id.as_deref(),
        Some("3f1a9c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")
    );
    assert_eq!(scp.value.keywords[1].1, Location::Line(5));
    let kind_of = |p: &str| s.artifacts.iter().find(|a| a.path == p).unwrap();
    let evtx = kind_of("events/Microsoft-Windows-HelloForBusiness%4Operational.evtx");
    assert_eq!((evtx.kind, evtx.records), (Kind::Evtx, Some(6)));
    assert_eq!(evtx.status, ArtifactStatus::Read);
    // Its records are counted; none is kept, the channel is not one mde-doctor reads.
    assert_eq!(s.events[0].value.total, 6);
    assert!(s.events[0].value.events.is_empty());
    assert!(matches!(
        kind_of("notes/readme.txt").status,
        ArtifactStatus::Skipped { .. }
    ));
    assert!(
        matches!(&kind_of("events/damaged.evtx").status, ArtifactStatus::Damaged { reason } if reason.contains("not an event log")),
        "{:?}",
        kind_of("events/damaged.evtx")
    );
    assert!(s.has_damage());
}

#[test]
fn one_corrupt_file_does_not_sink_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    write_bundle(dir.path());
    // A .reg whose body is garbage after a valid header, a hive cut short, JSON that is not.
    let mut reg = read("wine/sensecm.reg");
    reg.truncate(reg.len() / 2);
    std::fs::write(dir.path().join("registry/sensecm.reg"), &reg).unwrap();
    let hive = read("hive/SOFTWARE");
    std::fs::write(dir.path().join("hives/SOFTWARE"), &hive[..5000]).unwrap();
    std::fs::write(
        dir.path().join("probes.json"),
        b"{\"schema\": \"mde-doctor/probes/1\", \"clock\": ",
    )
    .unwrap();
    let s = read_bundle(dir.path(), Limits::default(), wanted()).unwrap();
    let status_of = |p: &str| {
        s.artifacts
            .iter()
            .find(|a| a.path == p)
            .unwrap()
            .status
            .clone()
    };
    assert!(
        matches!(status_of("probes.json"), ArtifactStatus::Damaged { reason } if reason.contains("line 1"))
    );
    let hive = s
        .artifacts
        .iter()
        .find(|a| a.path == "hives/SOFTWARE")
        .unwrap();
    assert_eq!(hive.status, ArtifactStatus::Partial, "{hive:?}");
    assert!(
        hive.diagnostics
            .iter()
            .any(|d| d.message.contains("truncated")),
        "{hive:?}"
    );
    assert_eq!(status_of("registry/sensecm.reg"), ArtifactStatus::Partial);
    // The rest is still there.
    assert!(s.dsregcmd.is_some());
    assert!(
        s.registry
            .value(
                r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\CDJ\AAD",
                "TenantName"
            )
            .is_some()
    );
    assert!(s.manifest.is_some());
    // Whatever the truncated export still held before the cut was kept.
    assert!(s.registry.key(r"HKLM\SOFTWARE\Microsoft\SenseCM").is_some());
}

#[test]
fn traversal_and_bombs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_bundle(dir.path());
    let big = vec![b'A'; 3 << 20];
    let zip = zip_dir(
        dir.path(),
        &[
            ("../../etc/evil.reg", b"REGEDIT4\n"),
            ("/abs/path.txt", b"x"),
            ("big.txt", &big),
        ],
    );
    let limits = Limits {
        max_file: 1 << 20,
        ..Limits::default()
    };
    let s = read_bundle_zip("upload.zip", zip, limits, wanted()).unwrap();
    let skipped: Vec<(&str, String)> = s
        .artifacts
        .iter()
        .filter_map(|a| match &a.status {
            ArtifactStatus::Skipped { reason, .. } => Some((a.path.as_str(), reason.clone())),
            _ => None,
        })
        .collect();
    assert!(
        skipped
            .iter()
            .any(|(p, r)| p.contains("evil") && r.contains("leaves the bundle")),
        "{skipped:?}"
    );
    assert!(
        skipped
            .iter()
            .any(|(p, r)| p.contains("abs") && r.contains("leaves the bundle")),
        "{skipped:?}"
    );
    assert!(
        skipped
            .iter()
            .any(|(p, r)| *p == "big.txt" && r.contains("limit")),
        "{skipped:?}"
    );
    assert!(s.dsregcmd.is_some(), "the rest is read");
}

#[test]
fn not_a_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.txt");
    std::fs::write(&file, b"hello").unwrap();
    let err = read_bundle(&file, Limits::default(), wanted()).unwrap_err();
    assert!(
        err.to_string().contains("neither a directory nor a zip"),
        "{err}"
    );
    let missing =
        read_bundle(&dir.path().join("missing"), Limits::default(), wanted()).unwrap_err();
    assert!(missing.to_string().contains("missing"), "{missing}");
    let bad_zip = dir.path().join("bad.zip");
    std::fs::write(&bad_zip, b"PK\x03\x04garbage").unwrap();
    assert!(read_bundle(&bad_zip, Limits::default(), wanted()).is_err());
}

#[test]
fn an_scp_exported_by_ldifde_u_reads_as_utf8_does() {
    let dir = tempfile::tempdir().unwrap();
    write_bundle(dir.path());
    let utf8 = read_bundle(dir.path(), Limits::default(), wanted())
        .unwrap()
        .scps;
    let path = dir.path().join("ad/scp.ldif");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&path, utf16).unwrap();
    let s = read_bundle(dir.path(), Limits::default(), wanted()).unwrap();
    assert_eq!(s.scps, utf8);
    let info = s
        .artifacts
        .iter()
        .find(|a| a.path == "ad/scp.ldif")
        .unwrap();
    assert_eq!(
        (info.kind, &info.status),
        (Kind::Ldif, &ArtifactStatus::Read)
    );
}

/// The status of `path` in the snapshot's artifact list.
fn status_of<'a>(s: &'a Snapshot, path: &str) -> &'a ArtifactStatus {
    &s.artifacts
        .iter()
        .find(|a| a.path == path)
        .unwrap_or_else(|| panic!("{path} not listed: {:#?}", s.artifacts))
        .status
}

fn skip_of(s: &Snapshot, path: &str) -> Skip {
    match status_of(s, path) {
        ArtifactStatus::Skipped { why, .. } => *why,
        other => panic!("{path}: {other:?}"),
    }
}

/// Sets the "encrypted" flag (general purpose bit 0) of the entry named `name`, in its local
/// header and its central directory record: what a zip tool writes for a password-protected
/// entry, as far as a reader that does not decrypt can tell.
fn mark_encrypted(zip: &mut [u8], name: &str) {
    let mut marked = 0;
    for (signature, name_len_at, flags_at, header_len) in [
        (b"PK\x03\x04", 26, 6, 30usize),
        (b"PK\x01\x02", 28, 8, 46usize),
    ] {
        let mut at = 0;
        while let Some(found) = zip[at..].windows(4).position(|w| w == signature) {
            let start = at + found;
            let len = u16::from_le_bytes([zip[start + name_len_at], zip[start + name_len_at + 1]])
                as usize;
            if zip.get(start + header_len..start + header_len + len) == Some(name.as_bytes()) {
                zip[start + flags_at] |= 1;
                marked += 1;
            }
            at = start + 4;
        }
    }
    assert_eq!(marked, 2, "entry {name} found in both headers");
}

#[test]
fn every_zip_entry_is_listed_read_or_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    write_bundle(dir.path());
    let mut zip = zip_dir(
        dir.path(),
        &[
            ("secret.reg", b"REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\X]\r\n"),
            ("empty.txt", b""),
            (
                "inner.zip",
                b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
            ),
            // Renamed below: the zip writer refuses two entries of one name, other tools do not.
            ("registry/sensecm.re2", &read("wine/atp.reg")),
        ],
    );
    mark_encrypted(&mut zip, "secret.reg");
    let twin = zip
        .windows(b"registry/sensecm.re2".len())
        .enumerate()
        .filter(|(_, w)| *w == b"registry/sensecm.re2")
        .map(|(at, _)| at)
        .collect::<Vec<_>>();
    assert_eq!(twin.len(), 2, "the name stands in both headers");
    for at in twin {
        zip[at + b"registry/sensecm.re".len()] = b'g';
    }
    let s = read_bundle_zip("upload.zip", zip, Limits::default(), wanted()).unwrap();
    assert_eq!(skip_of(&s, "secret.reg"), Skip::Encrypted);
    assert_eq!(skip_of(&s, "empty.txt"), Skip::Empty);
    assert_eq!(skip_of(&s, "inner.zip"), Skip::Archive);
    assert_eq!(skip_of(&s, "notes/readme.txt"), Skip::Unrecognised);
    // Both copies kept: the first under its name, the second renamed, and it says so.
    assert_eq!(status_of(&s, "registry/sensecm.reg"), &ArtifactStatus::Read);
    let second = s
        .artifacts
        .iter()
        .find(|a| a.path == "registry/sensecm.reg#2")
        .unwrap_or_else(|| {
            panic!(
                "the second entry is kept: {:#?}",
                s.artifacts.iter().map(|a| &a.path).collect::<Vec<_>>()
            )
        });
    assert!(
        second.diagnostics[0].message.contains("2 entries named"),
        "{:?}",
        second.diagnostics
    );
    // Read ones say what they held.
    let reg = s
        .artifacts
        .iter()
        .find(|a| a.path == "registry/atp.reg")
        .unwrap();
    assert!(
        reg.summary.as_deref().unwrap().contains("keys")
            || reg.summary.as_deref().unwrap().contains("key"),
        "{:?}",
        reg.summary
    );
}

#[test]
fn a_truncated_zip_entry_is_reported_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    write_bundle(dir.path());
    let mut zip = zip_dir(dir.path(), &[]);
    // Corrupt the data of the hive entry: its CRC no longer matches.
    let at = zip
        .windows(b"hives/SOFTWARE".len())
        .position(|w| w == b"hives/SOFTWARE")
        .unwrap();
    for b in &mut zip[at + 200..at + 400] {
        *b ^= 0x5a;
    }
    let s = read_bundle_zip("upload.zip", zip, Limits::default(), wanted()).unwrap();
    assert_eq!(skip_of(&s, "hives/SOFTWARE"), Skip::Truncated);
    assert!(s.dsregcmd.is_some());
}

#[cfg(unix)]
#[test]
fn unreadable_folders_fifos_and_links_are_listed_and_the_rest_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write_bundle(dir.path());
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("x.reg"), b"REGEDIT4\r\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("passwd")).unwrap();
    let s = read_bundle(dir.path(), Limits::default(), wanted()).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(skip_of(&s, "pipe"), Skip::NotAFile);
    assert_eq!(skip_of(&s, "passwd"), Skip::Link);
    // Root ignores permissions: there the folder is read; elsewhere it is listed.
    let listed = s.artifacts.iter().any(|a| a.path == "locked/");
    let read = s.artifacts.iter().any(|a| a.path == "locked/x.reg");
    assert!(listed ^ read, "{:#?}", s.artifacts);
    if listed {
        assert_eq!(skip_of(&s, "locked/"), Skip::Unreadable);
    }
    assert!(s.dsregcmd.is_some());
}
