//! Every sample in tests/data/dsregcmd, with its join state, tenant and diagnostics.

use mde_artifacts::Location;
use mde_artifacts::dsregcmd::{DsregStatus, Layout, parse_dsregcmd};
use mde_catalog::{Hresult, JoinState};

use crate::fixtures::sample as sample_bytes;

fn sample(name: &str) -> DsregStatus {
    let bytes = sample_bytes(&format!("dsregcmd/{name}"));
    let parsed = parse_dsregcmd(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    // The same text as PowerShell 5 redirection writes it (UTF-16LE with BOM) reads the same.
    let text = String::from_utf8(bytes).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let again = parse_dsregcmd(&utf16).unwrap();
    assert_eq!(again.sections, parsed.sections, "{name} as UTF-16LE");
    parsed
}

fn line_of(s: &DsregStatus, key: &str) -> Location {
    s.field(&[key], &[]).unwrap_or_else(|| panic!("{key}")).at
}

#[test]
fn entra_joined_healthy() {
    let s = sample("full_03_entra-joined-healthy.txt");
    let f = s.facts();
    assert_eq!(s.layout, Layout::Modern);
    assert_eq!(f.join_state.kind, Some(JoinState::EntraJoined));
    assert_eq!(f.join_state.domain_joined, Some(false));
    assert_eq!(f.join_state.device_name.as_deref(), Some("Win10-Client"));
    assert_eq!(f.join_state.workplace_joined, Some(false));
    assert_eq!(
        f.device.device_id.as_deref(),
        Some("6e4cbe68-588b-499c-8c04-dcfff140a1ca")
    );
    assert_eq!(f.device.tpm_protected, Some(false));
    assert_eq!(f.device.device_auth_status.as_deref(), Some("SUCCESS"));
    assert_eq!(
        f.device.device_certificate_validity.unwrap().to,
        "2035-03-09 11:53:00.000 UTC"
    );
    assert_eq!(
        f.tenant.tenant_id.as_deref(),
        Some("d10f84e2-ba05-45c0-90b7-994f1fafa537")
    );
    assert_eq!(f.tenant.tenant_name.as_deref(), Some("INE Security Labs"));
    assert_eq!(
        f.tenant.mdm_url, None,
        "empty MdmUrl is absent, not an empty string"
    );
    assert_eq!(f.tenant.join_srv_version.as_deref(), Some("2.0"));
    assert_eq!(f.sso.azure_ad_prt, Some(true));
    assert_eq!(f.diagnostics.aad_recovery_enabled, Some(false));
    assert_eq!(f.diagnostics.key_sign_test.as_deref(), Some("PASSED"));
    assert_eq!(line_of(&s, "AzureAdJoined"), Location::Line(5));
    assert_eq!(line_of(&s, "TenantId"), Location::Line(27));
    // Every section, including the proxy and NGC ones, is kept.
    let names: Vec<&str> = s.sections.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Device State",
            "Device Details",
            "Tenant Details",
            "User State",
            "SSO State",
            "Diagnostic Data",
            "IE Proxy Config for Current User",
            "WinHttp Default Proxy Config",
            "Ngc Prerequisite Check"
        ]
    );
    assert_eq!(
        s.section("Ngc Prerequisite Check")
            .unwrap()
            .fields
            .last()
            .unwrap()
            .value,
        "WillNotProvision"
    );
    assert!(s.notes.iter().any(|n| n.text.contains("aadjerrors")));
}

#[test]
fn workplace_joined_only() {
    let s = sample("full_04_workplace-joined-only.txt");
    let f = s.facts();
    assert_eq!(f.join_state.kind, Some(JoinState::NotJoined));
    assert_eq!(f.join_state.workplace_joined, Some(true));
    assert_eq!(f.join_state.virtual_desktop.as_deref(), Some("NOT SET"));
    // The Work Account section's certificate belongs to the registration, not the device.
    assert_eq!(f.device.device_id, None);
    assert_eq!(f.device.device_certificate_validity, None);
    assert_eq!(f.tenant.tenant_id, None);
    let wa = s.section("Work Account 1").unwrap();
    assert_eq!(wa.fields[0].name, "workplace_device_id");
    assert_eq!(
        wa.fields
            .iter()
            .find(|x| x.key == "WorkplaceTenantName")
            .unwrap()
            .value,
        "Almaviva SpA"
    );
}

#[test]
fn documentation_device_state_samples() {
    for name in [
        "ms-dsregcmd-doc_01_device-state.txt",
        "ms-azuredocs-2019_01_device-state-no-blank-line.txt",
    ] {
        let f = sample(name).facts();
        assert_eq!(f.join_state.kind, Some(JoinState::HybridJoined), "{name}");
        assert_eq!(
            f.join_state.domain_name.as_deref(),
            Some("HYBRIDADFS"),
            "{name}"
        );
    }
}

#[test]
fn device_details_samples() {
    let f = sample("ms-dsregcmd-doc_02_device-details.txt").facts();
    assert!(f.device.device_id.is_some());
    assert!(
        f.device.device_auth_status.is_some(),
        "21H1+ sample has DeviceAuthStatus"
    );
    let f = sample("ms-azuredocs-2019_02_device-details-no-deviceauthstatus.txt").facts();
    assert!(f.device.device_id.is_some());
    assert_eq!(f.device.device_auth_status, None);
    assert_eq!(
        f.join_state.kind, None,
        "a Device Details fragment says nothing of the join"
    );
}

#[test]
fn tenant_details_sample() {
    let s = sample("ms-dsregcmd-doc_03_tenant-details.txt");
    let f = s.facts();
    assert!(f.tenant.tenant_id.is_some());
    assert!(f.tenant.tenant_name.is_some());
    assert!(
        f.tenant
            .mdm_url
            .as_deref()
            .unwrap_or("")
            .starts_with("https://")
    );
}

#[test]
fn user_state_sample() {
    let f = sample("ms-dsregcmd-doc_04_user-state.txt").facts();
    assert_eq!(f.join_state.workplace_joined, Some(false));
}

#[test]
fn sso_prt_failure() {
    let f = sample("ms-dsregcmd-doc_05_sso-state-prt-failure.txt").facts();
    assert_eq!(f.sso.azure_ad_prt, Some(false));
    assert_eq!(f.sso.attempt_status, Some(Hresult(0xc000006d)));
    assert_eq!(f.sso.server_error_code.as_deref(), Some("invalid_grant"));
    assert_eq!(
        f.sso.server_error_description.as_deref(),
        Some("AADSTS50126: Error validating credentials due to invalid username or password.")
    );
    assert_eq!(f.sso.http_status.as_deref(), Some("400"));
    assert_eq!(f.sso.enterprise_prt, Some(true));
}

#[test]
fn sso_prt_ok_samples() {
    for name in [
        "ms-azuredocs-2019_03_sso-state-prt-ok.txt",
        "ms-hybridjoin-doc_04_sso-state-prt-ok.txt",
    ] {
        let f = sample(name).facts();
        assert_eq!(f.sso.azure_ad_prt, Some(true), "{name}");
        assert!(f.sso.azure_ad_prt_update_time.is_some(), "{name}");
    }
}

#[test]
fn prejoin_discover_failure() {
    let s = sample("ms-dsregcmd-doc_06_prejoin-discover-fail.txt");
    let d = s.facts().diagnostics;
    assert_eq!(d.user_context.as_deref(), Some("SYSTEM"));
    assert_eq!(d.ad_connectivity_test.unwrap().status, "PASS");
    let drs = d.drs_discovery_test.unwrap();
    assert!(drs.failed());
    assert_eq!(drs.codes, [Hresult(0x801c0021), Hresult(0x801c000c)]);
    assert_eq!(d.drs_connectivity_test.unwrap().status, "SKIPPED");
    assert_eq!(d.error_phase.as_deref(), Some("discover"));
    assert_eq!(d.client_error_code, Some(Hresult(0x801c0021)));
    assert_eq!(d.fallback_to_sync_join.as_deref(), Some("ENABLED"));
    assert_eq!(line_of(&s, "Client ErrorCode"), Location::Line(17));
    // The header line one character wider than the rules is still a title.
    assert_eq!(s.sections[0].name, "Diagnostic Data");
}

#[test]
fn prejoin_sync_join_directory_error() {
    let d = sample("ms-dsregcmd-doc_07_prejoin-sync-join-directoryerror.txt")
        .facts()
        .diagnostics;
    assert_eq!(d.registration_type.as_deref(), Some("sync"));
    assert_eq!(d.error_phase.as_deref(), Some("join"));
    assert_eq!(d.client_error_code, Some(Hresult(0x801c03f2)));
    assert_eq!(d.server_error_code.as_deref(), Some("DirectoryError"));
    assert!(d.server_message.unwrap().contains("isn't found"));
    assert_eq!(d.https_status.as_deref(), Some("400"));
    assert_eq!(
        d.request_id.as_deref(),
        Some("6bff0bd9-820b-484b-ab20-2a4f7b76c58e")
    );
    assert!(d.token_acquisition_test.unwrap().status == "PASS");
}

#[test]
fn postjoin_diagnostics_with_the_missing_blank() {
    let d = sample("ms-dsregcmd-doc_08_postjoin-diagnostics.txt")
        .facts()
        .diagnostics;
    assert_eq!(d.aad_recovery_enabled, Some(false));
    assert_eq!(d.key_sign_test.as_deref(), Some("PASSED"));
}

#[test]
fn ngc_prerequisites() {
    let s = sample("ms-dsregcmd-doc_09_ngc-prereq.txt");
    let ngc = s.section("Ngc Prerequisite Check").unwrap();
    assert!(ngc.fields.iter().any(|f| f.name == "pre_req_result"));
}

#[test]
fn legacy_layout() {
    let s = sample("ms-hybridjoin-doc_01_legacy-format-status.txt");
    assert_eq!(s.layout, Layout::Legacy);
    let f = s.facts();
    assert_eq!(f.join_state.kind, Some(JoinState::HybridJoined));
    assert_eq!(f.join_state.domain_name.as_deref(), Some("CONTOSO"));
    // In the old layout the device and tenant fields live in Device State.
    assert_eq!(
        f.device.device_id.as_deref(),
        Some("5820fbe9-60c8-43b0-bb11-44aee233e4e7")
    );
    assert_eq!(
        f.tenant.tenant_id.as_deref(),
        Some("aaaabbbb-0000-cccc-1111-dddd2222eeee")
    );
    assert!(
        f.tenant.mdm_compliance_url.is_some(),
        "the doc's dmComplianceUrl typo"
    );
    assert_eq!(f.sso.azure_ad_prt, Some(true));
    let key_sign = s.field(&["KeySignTest"], &[]).unwrap();
    assert_eq!(key_sign.value, "MUST Run elevated to test.");
    assert_eq!(f.join_state.workplace_joined, Some(false));
}

#[test]
fn fragment_without_a_title() {
    let s = sample("ms-hybridjoin-doc_03_previous-registration-fragment.txt");
    let d = s.facts().diagnostics;
    assert_eq!(d.error_phase.as_deref(), Some("join"));
    assert_eq!(d.client_error_code, Some(Hresult(0x801c03f2)));
    assert_eq!(s.sections[0].name, "");
}

#[test]
fn every_sample_reads() {
    let dir = crate::fixtures::sample_path("dsregcmd/");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let s = sample(&name);
            assert!(
                s.sections.iter().map(|x| x.fields.len()).sum::<usize>() > 0,
                "{name}"
            );
            n += 1;
        }
    }
    assert!(n >= 17, "{n} samples");
}
