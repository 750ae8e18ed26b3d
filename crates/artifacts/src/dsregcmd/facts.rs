//! Typed views of the dsregcmd fields that diagnosis uses. Names follow dsregcmd's own keys in
//! snake_case; a field dsregcmd did not print is `None` (`null` in JSON). The line of each
//! field is in [`DsregStatus::field`].

use serde::Serialize;

use super::DsregStatus;
use super::value::{ErrorCode, TestResult, Validity, yes_no};

/// The device's join state (Device State; WorkplaceJoined from User State).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinState {
    pub azure_ad_joined: Option<bool>,
    pub enterprise_joined: Option<bool>,
    pub domain_joined: Option<bool>,
    pub domain_name: Option<String>,
    pub virtual_desktop: Option<String>,
    pub device_name: Option<String>,
    pub workplace_joined: Option<bool>,
    /// The state the documentation's table derives from the three flags.
    pub kind: Option<JoinKind>,
}

/// The join states of the dsregcmd documentation (AzureAdJoined / EnterpriseJoined /
/// DomainJoined), plus "not joined".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinKind {
    /// Microsoft Entra joined (YES / NO / NO).
    EntraJoined,
    /// Microsoft Entra hybrid joined (YES / NO / YES).
    HybridJoined,
    /// Domain joined only (NO / NO / YES).
    DomainJoined,
    /// Joined to an on-premises DRS (NO / YES / YES).
    OnPremDrsJoined,
    /// None of them (the device may still be Entra registered: WorkplaceJoined).
    NotJoined,
}

impl JoinKind {
    pub fn describe(self) -> &'static str {
        match self {
            JoinKind::EntraJoined => "Microsoft Entra joined",
            JoinKind::HybridJoined => "Microsoft Entra hybrid joined",
            JoinKind::DomainJoined => "domain joined (not Entra joined)",
            JoinKind::OnPremDrsJoined => "joined to on-premises DRS (Enterprise joined)",
            JoinKind::NotJoined => "not joined",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceDetails {
    pub device_id: Option<String>,
    pub thumbprint: Option<String>,
    pub device_certificate_validity: Option<Validity>,
    pub key_container_id: Option<String>,
    pub key_provider: Option<String>,
    pub tpm_protected: Option<bool>,
    pub device_auth_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantDetails {
    pub tenant_name: Option<String>,
    pub tenant_id: Option<String>,
    pub idp: Option<String>,
    pub auth_code_url: Option<String>,
    pub access_token_url: Option<String>,
    pub mdm_url: Option<String>,
    pub mdm_tou_url: Option<String>,
    pub mdm_compliance_url: Option<String>,
    pub settings_url: Option<String>,
    pub join_srv_version: Option<String>,
    pub join_srv_url: Option<String>,
    pub join_srv_id: Option<String>,
    pub key_srv_version: Option<String>,
    pub key_srv_url: Option<String>,
    pub key_srv_id: Option<String>,
    pub device_management_srv_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SsoState {
    pub azure_ad_prt: Option<bool>,
    pub azure_ad_prt_update_time: Option<String>,
    pub azure_ad_prt_expiry_time: Option<String>,
    pub azure_ad_prt_authority: Option<String>,
    pub enterprise_prt: Option<bool>,
    pub enterprise_prt_authority: Option<String>,
    pub attempt_status: Option<ErrorCode>,
    pub http_error: Option<ErrorCode>,
    pub http_status: Option<String>,
    pub server_error_code: Option<String>,
    pub server_error_description: Option<String>,
}

/// Diagnostic Data, pre-join and post-join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostics {
    pub user_context: Option<String>,
    pub client_time: Option<String>,
    pub ad_connectivity_test: Option<TestResult>,
    pub ad_configuration_test: Option<TestResult>,
    pub drs_discovery_test: Option<TestResult>,
    pub drs_connectivity_test: Option<TestResult>,
    pub token_acquisition_test: Option<TestResult>,
    pub fallback_to_sync_join: Option<String>,
    pub previous_registration: Option<String>,
    pub registration_type: Option<String>,
    pub error_phase: Option<String>,
    pub client_error_code: Option<ErrorCode>,
    pub server_error_code: Option<String>,
    pub server_message: Option<String>,
    pub https_status: Option<String>,
    pub request_id: Option<String>,
    pub aad_recovery_enabled: Option<bool>,
    pub key_sign_test: Option<String>,
    pub executing_account_name: Option<String>,
}

/// Everything typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DsregFacts {
    pub join_state: JoinState,
    pub device: DeviceDetails,
    pub tenant: TenantDetails,
    pub sso: SsoState,
    pub diagnostics: Diagnostics,
}

const DEVICE_STATE: &[&str] = &["Device State"];
const DEVICE_DETAILS: &[&str] = &["Device Details", "Device State"];
const TENANT: &[&str] = &["Tenant Details", "Device State"];
const USER_STATE: &[&str] = &["User State"];
const SSO: &[&str] = &["SSO State", "User State"];
const DIAG: &[&str] = &["Diagnostic Data", ""];

impl DsregStatus {
    fn text(&self, keys: &[&str], sections: &[&str]) -> Option<String> {
        self.field(keys, sections)
            .map(|f| f.value.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    fn flag(&self, keys: &[&str], sections: &[&str]) -> Option<bool> {
        self.field(keys, sections).and_then(|f| yes_no(&f.value))
    }

    fn test(&self, key: &str) -> Option<TestResult> {
        self.text(&[key], DIAG).map(|v| TestResult::parse(&v))
    }

    fn code(&self, keys: &[&str], sections: &[&str]) -> Option<ErrorCode> {
        self.field(keys, sections)
            .and_then(|f| ErrorCode::parse(&f.value))
    }

    /// The typed fields.
    pub fn facts(&self) -> DsregFacts {
        let aadj = self.flag(&["AzureAdJoined"], DEVICE_STATE);
        let ej = self.flag(&["EnterpriseJoined"], DEVICE_STATE);
        let dj = self.flag(&["DomainJoined"], DEVICE_STATE);
        let kind = match (aadj, ej, dj) {
            (Some(true), _, Some(true)) => Some(JoinKind::HybridJoined),
            (Some(true), _, Some(false)) => Some(JoinKind::EntraJoined),
            (Some(false), Some(true), Some(true)) => Some(JoinKind::OnPremDrsJoined),
            (Some(false), _, Some(true)) => Some(JoinKind::DomainJoined),
            (Some(false), _, Some(false)) => Some(JoinKind::NotJoined),
            // A fragment without the flags says nothing about the join state.
            _ => None,
        };
        DsregFacts {
            join_state: JoinState {
                azure_ad_joined: aadj,
                enterprise_joined: ej,
                domain_joined: dj,
                domain_name: self.text(&["DomainName"], DEVICE_STATE),
                virtual_desktop: self.text(&["Virtual Desktop"], DEVICE_STATE),
                device_name: self.text(&["Device Name"], DEVICE_STATE),
                workplace_joined: self.flag(&["WorkplaceJoined"], USER_STATE),
                kind,
            },
            device: DeviceDetails {
                device_id: self.text(&["DeviceId"], DEVICE_DETAILS),
                thumbprint: self.text(&["Thumbprint"], DEVICE_DETAILS),
                device_certificate_validity: self
                    .field(&["DeviceCertificateValidity"], DEVICE_DETAILS)
                    .and_then(|f| Validity::parse(&f.value)),
                key_container_id: self.text(&["KeyContainerId"], DEVICE_DETAILS),
                key_provider: self.text(&["KeyProvider"], DEVICE_DETAILS),
                tpm_protected: self.flag(&["TpmProtected"], DEVICE_DETAILS),
                device_auth_status: self.text(&["DeviceAuthStatus"], DEVICE_DETAILS),
            },
            tenant: TenantDetails {
                tenant_name: self.text(&["TenantName"], TENANT),
                tenant_id: self.text(&["TenantId"], TENANT),
                idp: self.text(&["Idp"], TENANT),
                auth_code_url: self.text(&["AuthCodeUrl"], TENANT),
                access_token_url: self.text(&["AccessTokenUrl"], TENANT),
                mdm_url: self.text(&["MdmUrl"], TENANT),
                mdm_tou_url: self.text(&["MdmTouUrl"], TENANT),
                mdm_compliance_url: self.text(&["MdmComplianceUrl", "dmComplianceUrl"], TENANT),
                settings_url: self.text(&["SettingsUrl"], TENANT),
                join_srv_version: self.text(&["JoinSrvVersion"], TENANT),
                join_srv_url: self.text(&["JoinSrvUrl"], TENANT),
                join_srv_id: self.text(&["JoinSrvId"], TENANT),
                key_srv_version: self.text(&["KeySrvVersion"], TENANT),
                key_srv_url: self.text(&["KeySrvUrl"], TENANT),
                key_srv_id: self.text(&["KeySrvId"], TENANT),
                device_management_srv_url: self.text(&["DeviceManagementSrvUrl"], TENANT),
            },
            sso: SsoState {
                azure_ad_prt: self.flag(&["AzureAdPrt"], SSO),
                azure_ad_prt_update_time: self.text(&["AzureAdPrtUpdateTime"], SSO),
                azure_ad_prt_expiry_time: self.text(&["AzureAdPrtExpiryTime"], SSO),
                azure_ad_prt_authority: self.text(&["AzureAdPrtAuthority"], SSO),
                enterprise_prt: self.flag(&["EnterprisePrt"], SSO),
                enterprise_prt_authority: self.text(&["EnterprisePrtAuthority"], SSO),
                attempt_status: self.code(&["Attempt Status"], SSO),
                http_error: self.code(&["HTTP Error"], SSO),
                http_status: self.text(&["HTTP status"], SSO),
                server_error_code: self.text(&["Server Error Code"], SSO),
                server_error_description: self.text(&["Server Error Description"], SSO),
            },
            diagnostics: Diagnostics {
                user_context: self.text(&["User Context"], DIAG),
                client_time: self.text(&["Client Time"], DIAG),
                ad_connectivity_test: self.test("AD Connectivity Test"),
                ad_configuration_test: self.test("AD Configuration Test"),
                drs_discovery_test: self.test("DRS Discovery Test"),
                drs_connectivity_test: self.test("DRS Connectivity Test"),
                token_acquisition_test: self.test("Token acquisition Test"),
                fallback_to_sync_join: self.text(&["Fallback to Sync-Join"], DIAG),
                previous_registration: self.text(&["Previous Registration"], DIAG),
                registration_type: self.text(&["Registration Type"], DIAG),
                error_phase: self.text(&["Error Phase"], DIAG),
                client_error_code: self.code(&["Client ErrorCode"], DIAG),
                server_error_code: self.text(&["Server ErrorCode"], DIAG),
                server_message: self.text(&["Server Message"], DIAG),
                https_status: self.text(&["Https Status"], DIAG),
                request_id: self.text(&["Request Id"], DIAG),
                aad_recovery_enabled: self.flag(&["AadRecoveryEnabled"], DIAG),
                key_sign_test: self.text(&["KeySignTest"], DIAG),
                executing_account_name: self.text(&["Executing Account Name"], DIAG),
            },
        }
    }
}
