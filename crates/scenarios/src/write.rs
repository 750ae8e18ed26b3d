//! Writing a scenario as a bundle directory.

use std::path::Path;

use mde_artifacts::Location;
use mde_artifacts::reg::{KeyPath, RegData, RegKey, RegValue, to_reg_utf16};
use serde_json::json;

use crate::dsregcmd::{Section, render};
use crate::{Join, Scenario, Scp};

fn key(path: &str, values: Vec<(&str, RegData)>) -> RegKey {
    RegKey {
        path: KeyPath::new(path),
        deleted: false,
        values: values
            .into_iter()
            .map(|(name, data)| RegValue {
                name: name.into(),
                data,
                at: Location::Whole,
            })
            .collect(),
        at: Location::Whole,
    }
}

fn sz(s: &str) -> RegData {
    RegData::Sz(s.into())
}

/// Writes the scenario's bundle into `dir` (created if needed).
pub fn write_bundle(s: &Scenario, dir: &Path) -> std::io::Result<()> {
    let put = |rel: &str, bytes: &[u8]| -> std::io::Result<()> {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a file in the bundle"))?;
        std::fs::write(path, bytes)
    };
    put(
        "manifest.json",
        format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({
                "schema": "mde-doctor/manifest/1",
                "hostname": s.hostname,
                "collected_at": "2026-11-20T09:15:00Z",
                "collector": "mde-scenarios (example bundle)",
                "scenario": s.name,
            }))
            .expect("JSON")
        )
        .as_bytes(),
    )?;

    // Registry exports, one per key as a collector writes them.
    let device_id = "4d9b2c1e-8f7a-4b6c-9d5e-3a2b1c0d9e8f";
    if let Some(status) = s.enrollment_status {
        put(
            "registry/sensecm.reg",
            &to_reg_utf16(&[key(
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SenseCM",
                vec![
                    ("DeviceId", sz(device_id)),
                    (
                        "EnrollmentPayload",
                        sz(r#"{"intuneDeviceId":"9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"}"#),
                    ),
                    ("EnrollmentStatus", RegData::Dword(status)),
                    ("LastCheckinAttempt", sz("2026-11-20T08:59:12Z")),
                    ("TenantId", sz(crate::TENANT)),
                ],
            )]),
        )?;
    }
    put(
        "registry/atp.reg",
        &to_reg_utf16(&[
            key(
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Advanced Threat Protection",
                vec![],
            ),
            key(
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Advanced Threat Protection\Status",
                vec![
                    ("OnboardingState", RegData::Dword(s.onboarding_state)),
                    ("OrgId", sz("b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e")),
                ],
            ),
        ]),
    )?;
    put(
        "registry/currentversion.reg",
        &to_reg_utf16(&[key(
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion",
            vec![
                ("CurrentBuild", sz(&s.os.build.to_string())),
                ("CurrentBuildNumber", sz(&s.os.build.to_string())),
                ("EditionID", sz(s.os.edition)),
                ("InstallationType", sz(s.os.installation)),
                ("ProductName", sz(s.os.product)),
                ("SystemRoot", sz(r"C:\Windows")),
                ("UBR", RegData::Dword(s.os.ubr)),
            ],
        )]),
    )?;
    let mut cdj = vec![key(
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\CDJ",
        vec![],
    )];
    if let Some(tenant) = s.client_scp {
        cdj.push(key(
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\CDJ\AAD",
            vec![("TenantId", sz(tenant)), ("TenantName", sz("contoso.com"))],
        ));
    }
    put("registry/cdj.reg", &to_reg_utf16(&cdj))?;
    let mut defender = Vec::new();
    if let Some(t) = s.managed_defender_product_type {
        defender.push(("ManagedDefenderProductType", RegData::Dword(t)));
    }
    defender.push(("ProductStatus", RegData::Dword(0)));
    put(
        "registry/defender.reg",
        &to_reg_utf16(&[key(
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Defender",
            defender,
        )]),
    )?;
    if s.configmgr_client {
        put(
            "registry/sms.reg",
            &to_reg_utf16(&[key(
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SMS\Mobile Client",
                vec![
                    ("ProductVersion", sz("5.00.9128.1000")),
                    ("AssignedSiteCode", sz("CON")),
                ],
            )]),
        )?;
    }

    if let Some(domain) = s.tcpip_domain {
        put(
            "registry/tcpip.reg",
            &to_reg_utf16(&[key(
                r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters",
                vec![
                    ("Domain", sz(domain)),
                    ("Hostname", sz(s.hostname)),
                    ("NV Domain", sz(domain)),
                ],
            )]),
        )?;
    }
    if s.sense_service {
        put(
            "registry/sense-service.reg",
            &to_reg_utf16(&[key(
                r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Sense",
                vec![
                    ("DisplayName", sz("Windows Defender Advanced Threat Protection Service")),
                    (
                        "ImagePath",
                        RegData::ExpandSz(
                            r#""%ProgramFiles%\Windows Defender Advanced Threat Protection\MsSense.exe""#
                                .into(),
                        ),
                    ),
                    ("Start", RegData::Dword(2)),
                ],
            )]),
        )?;
    }
    if s.dsregcmd {
        put("dsregcmd-status.txt", dsregcmd_text(s).as_bytes())?;
    }
    put("probes.json", probes_json(s).as_bytes())?;
    for (name, xml) in &s.events {
        put(&format!("events/{name}"), xml.as_bytes())?;
    }
    if let Some(scp) = &s.scp {
        put("ad/scp.ldif", scp_ldif(scp, "DC=contoso,DC=com").as_bytes())?;
    }
    for (forest, scp) in &s.other_forest_scps {
        let dn = forest
            .split('.')
            .map(|p| format!("DC={p}"))
            .collect::<Vec<_>>()
            .join(",");
        put(
            &format!("ad/scp-{forest}.ldif"),
            scp_ldif(scp, &dn).as_bytes(),
        )?;
    }
    if let Some(c) = &s.computer {
        put("ad/computer.ldif", computer_ldif(s.hostname, c).as_bytes())?;
    }
    for (path, bytes) in &s.extra_files {
        put(path, bytes)?;
    }
    Ok(())
}

fn yes(b: bool) -> String {
    if b { "YES" } else { "NO" }.into()
}

fn dsregcmd_text(s: &Scenario) -> String {
    let aadj = matches!(s.join, Join::Entra | Join::Hybrid);
    let dj = matches!(s.join, Join::Hybrid | Join::Domain);
    let mut state = vec![
        ("AzureAdJoined", yes(aadj)),
        ("EnterpriseJoined", "NO".to_string()),
        ("DomainJoined", yes(dj)),
    ];
    if dj {
        state.push(("DomainName", "CONTOSO".into()));
    }
    state.push((
        "Device Name",
        format!("{}.contoso.com", s.hostname.to_lowercase()),
    ));
    let mut sections = vec![Section {
        title: "Device State",
        fields: state,
    }];
    if aadj {
        let t = s.joined_tenant;
        sections.push(Section {
            title: "Device Details",
            fields: vec![
                ("DeviceId", "4d9b2c1e-8f7a-4b6c-9d5e-3a2b1c0d9e8f".into()),
                (
                    "Thumbprint",
                    "6F1B2A3C4D5E6F708192A3B4C5D6E7F809A1B2C3".into(),
                ),
                (
                    "DeviceCertificateValidity",
                    "[ 2025-02-11 08:12:44.000 UTC -- 2035-02-11 08:42:44.000 UTC ]".into(),
                ),
                (
                    "KeyContainerId",
                    "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f".into(),
                ),
                ("KeyProvider", "Microsoft Platform Crypto Provider".into()),
                ("TpmProtected", "YES".into()),
                ("DeviceAuthStatus", "SUCCESS".into()),
            ],
        });
        let name = if t == crate::TENANT {
            "Contoso"
        } else {
            "Fabrikam"
        };
        sections.push(Section {
            title: "Tenant Details",
            fields: vec![
                ("TenantName", name.into()),
                ("TenantId", t.into()),
                (
                    "AuthCodeUrl",
                    format!("https://login.microsoftonline.com/{t}/oauth2/authorize"),
                ),
                (
                    "AccessTokenUrl",
                    format!("https://login.microsoftonline.com/{t}/oauth2/token"),
                ),
                ("MdmUrl", String::new()),
                ("MdmTouUrl", String::new()),
                ("MdmComplianceUrl", String::new()),
                ("SettingsUrl", String::new()),
                ("JoinSrvVersion", "2.0".into()),
                (
                    "JoinSrvUrl",
                    "https://enterpriseregistration.windows.net/EnrollmentServer/device/".into(),
                ),
                (
                    "JoinSrvId",
                    "urn:ms-drs:enterpriseregistration.windows.net".into(),
                ),
                ("KeySrvVersion", "1.0".into()),
                (
                    "KeySrvUrl",
                    "https://enterpriseregistration.windows.net/EnrollmentServer/key/".into(),
                ),
                (
                    "KeySrvId",
                    "urn:ms-drs:enterpriseregistration.windows.net".into(),
                ),
            ],
        });
    }
    sections.push(Section {
        title: "User State",
        fields: vec![
            ("NgcSet", "NO".into()),
            ("WorkplaceJoined", "NO".into()),
            ("WamDefaultSet", yes(aadj)),
        ],
    });
    sections.push(Section {
        title: "SSO State",
        fields: vec![("AzureAdPrt", yes(aadj)), ("EnterprisePrt", "NO".into())],
    });
    let mut diag = Vec::new();
    if let Some(p) = &s.pre_join {
        diag.push((
            "Diagnostics Reference",
            "www.microsoft.com/aadjerrors".into(),
        ));
        diag.push(("User Context", "SYSTEM".into()));
        diag.push(("Client Time", "2026-11-20 09:14:51.000 UTC".into()));
        diag.push(("AD Connectivity Test", "PASS".into()));
        diag.push(("AD Configuration Test", p.ad_configuration_test.into()));
        diag.push(("DRS Discovery Test", p.drs_discovery_test.into()));
        diag.push(("DRS Connectivity Test", "SKIPPED".into()));
        diag.push(("Token acquisition Test", "SKIPPED".into()));
        diag.push(("Fallback to Sync-Join", "ENABLED".into()));
        diag.push((
            "Previous Registration",
            "2026-11-20 09:02:17.000 UTC".into(),
        ));
        if !p.registration_type.is_empty() {
            diag.push(("Registration Type", p.registration_type.into()));
        }
        diag.push(("Error Phase", p.error_phase.into()));
        diag.push(("Client ErrorCode", p.client_error_code.into()));
        if let Some(c) = p.server_error_code {
            diag.push(("Server ErrorCode", c.into()));
        }
        if let Some(m) = &p.server_message {
            diag.push(("Server Message", m.clone()));
            diag.push(("Https Status", "400".into()));
            diag.push(("Request Id", "5c1e9a2b-3d4f-4a6b-8c7d-9e0f1a2b3c4d".into()));
        }
    } else if aadj {
        diag.push(("AadRecoveryEnabled", "NO".into()));
        diag.push(("KeySignTest", "PASSED".into()));
    }
    if !diag.is_empty() {
        sections.push(Section {
            title: "Diagnostic Data",
            fields: diag,
        });
    }
    sections.push(Section {
        title: "WinHttp Default Proxy Config",
        fields: vec![("Access Type", "DIRECT".into())],
    });
    render(&sections)
}

fn probes_json(s: &Scenario) -> String {
    let p = &s.probes;
    let lookups: Vec<_> = p
        .failed_lookups
        .iter()
        .map(|(name, error)| json!({"name": name, "type": "A", "answers": [], "error": error}))
        .chain(std::iter::once(json!({
            "name": "_ldap._tcp.dc._msdcs.contoso.com",
            "type": "SRV",
            "answers": p.domain_controllers.iter().map(|d| format!("{d}:389")).collect::<Vec<_>>(),
            "error": if p.domain_controllers.is_empty() { Some("DNS name does not exist") } else { None },
        })))
        .collect();
    let endpoints: Vec<_> = p
        .endpoints
        .iter()
        .map(|e| {
            let ok = e.error.is_none();
            json!({
                "url": e.url, "dns": e.dns, "tcp": e.tcp, "tls": e.tls,
                "http_status": e.http_status,
                "error": e.error,
                "elapsed_ms": if ok || e.http_status.is_some() { 84 } else { 21_000 },
                "via_proxy": null,
            })
        })
        .collect();
    let value = json!({
        "schema": "mde-doctor/probe/v1",
        "collected_at": "2026-11-20T09:15:00Z",
        "context": "SYSTEM",
        "clock": {
            "local_utc": "2026-11-20T09:15:00Z",
            "reference": "https://login.microsoftonline.com (HTTP Date)",
            "reference_utc": "2026-11-20T09:15:00Z",
            "skew_seconds": p.skew_seconds,
        },
        "dns": {"servers": p.dns_servers, "suffixes": ["contoso.com"], "lookups": lookups},
        "domain": {"name": "contoso.com", "domain_controllers": p.domain_controllers,
                   "error": if p.domain_controllers.is_empty() { Some("ERROR_NO_SUCH_DOMAIN (1355)") } else { None }},
        "proxy": {"winhttp": "DIRECT", "pac_url": null},
        "endpoints": endpoints,
    });
    format!("{}\n", serde_json::to_string_pretty(&value).expect("JSON"))
}

/// objectGUID 0b814a2b-18eb-4f6a-9449-3387cf40b27a (little-endian, as AD stores it): the GUID
/// the hybrid-join certificates of crates/syncrule/tests/fixtures/certs name.
const COMPUTER_GUID_BASE64: &str = "K0qBC+sYak+USTOHz0Cyeg==";

/// The computer object as `ldifde -f computer.ldf -r "(cn=NAME)" -l "…"` writes it (the
/// attributes the sync rule reads; binary values base64, long lines folded at 80).
fn computer_ldif(hostname: &str, c: &crate::Computer) -> String {
    let mut lines = vec![
        String::new(),
        format!("dn: CN={hostname},OU=Servers,DC=contoso,DC=com"),
        "changetype: add".into(),
        "objectClass: top".into(),
        "objectClass: person".into(),
        "objectClass: organizationalPerson".into(),
        "objectClass: user".into(),
        "objectClass: computer".into(),
        format!("cn: {hostname}"),
        format!("sAMAccountName: {hostname}$"),
        format!("dNSHostName: {}.contoso.com", hostname.to_lowercase()),
        format!("operatingSystem: {}", c.operating_system),
        format!("operatingSystemVersion: {}", c.version),
        "userAccountControl: 4096".into(),
        format!("objectGUID:: {COMPUTER_GUID_BASE64}"),
    ];
    if let Some(cert) = &c.certificate {
        lines.push(format!("userCertificate:: {cert}"));
    }
    let mut out = String::new();
    for line in lines {
        // ldifde folds at 80 columns: the rest continues after one space.
        let mut rest = line.as_str();
        let mut first = true;
        while rest.len() > 80 {
            let (head, tail) = rest.split_at(if first { 80 } else { 79 });
            if !first {
                out.push(' ');
            }
            out.push_str(head);
            out.push_str("\r\n");
            rest = tail;
            first = false;
        }
        if !first {
            out.push(' ');
        }
        out.push_str(rest);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out
}

fn scp_ldif(scp: &Scp, forest_dn: &str) -> String {
    let keywords = match scp {
        Scp::Entra { tenant, name } => {
            format!("keywords: azureADName:{name}\r\nkeywords: azureADId:{tenant}\r\n")
        }
        Scp::EnterpriseDrs { fqdn } => format!("keywords: enterpriseDrsName:{fqdn}\r\n"),
    };
    let dn = format!(
        "CN=62a0ff2e-97b9-4513-943f-0d221bd30080,CN=Device Registration Configuration,CN=Services,CN=Configuration,{forest_dn}"
    );
    // Folded where ldifde folded it in the export these are modelled on.
    let (head, tail) = dn.split_at(dn.len().min(85));
    let dn = if tail.is_empty() {
        head.to_string()
    } else {
        format!("{head}\r\n {tail}")
    };
    format!(
        "\r\ndn: {dn}\r\nchangetype: add\r\nobjectClass: top\r\nobjectClass: serviceConnectionPoint\r\ncn: 62a0ff2e-97b9-4513-943f-0d221bd30080\r\n{keywords}name: 62a0ff2e-97b9-4513-943f-0d221bd30080\r\nobjectGUID:: 8sPUwDHCKU2G3bBBkb7zXQ==\r\n\r\n"
    )
}

/// `scenarios.toml`: each bundle's expected root cause, read by the accuracy test.
pub fn scenarios_toml(list: &[Scenario]) -> String {
    let mut out = String::from(
        "# Expected diagnosis of each example bundle (written by mde-scenarios; do not edit).\n",
    );
    for s in list {
        out.push_str(&format!(
            "\n[[scenario]]\nname = \"{}\"\ndescription = \"{}\"\nfinding = \"{}\"\n",
            s.name, s.description, s.expect.finding
        ));
        if let Some(code) = s.expect.code {
            out.push_str(&format!("code = {code}\n"));
        }
        out.push_str(&format!("verdict = \"{}\"\n", s.expect.verdict));
    }
    out
}
