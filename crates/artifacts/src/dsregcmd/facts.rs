//! Typed views of the dsregcmd fields that diagnosis uses. Names follow dsregcmd's own keys in
//! snake_case; a field dsregcmd did not print is `None` (`null` in JSON). The line of each
//! field is in [`DsregStatus::field`].

use serde::Serialize;

use super::DsregStatus;
use mde_catalog::{Hresult, JoinState};

use super::value::{TestResult, Validity, parse_error_code, yes_no};

/// The device's join flags (Device State; WorkplaceJoined from User State) and the join
/// state they make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct JoinFlags {
    pub azure_ad_joined: Option<bool>,
    pub enterprise_joined: Option<bool>,
    pub domain_joined: Option<bool>,
    pub domain_name: Option<String>,
    pub virtual_desktop: Option<String>,
    pub device_name: Option<String>,
    pub workplace_joined: Option<bool>,
    /// The state the documentation's table derives from the three flags; `None` when they
    /// are missing or contradict each other.
    pub kind: Option<JoinState>,
    /// Why the flags cannot all be true (a device is not Entra joined and joined to an
    /// on-premises DRS at once): a copy stitched from two outputs, or a damaged registration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contradiction: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DeviceDetails {
    pub device_id: Option<String>,
    pub thumbprint: Option<String>,
    pub device_certificate_validity: Option<Validity>,
    pub key_container_id: Option<String>,
    pub key_provider: Option<String>,
    pub tpm_protected: Option<bool>,
    pub device_auth_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SsoState {
    pub azure_ad_prt: Option<bool>,
    pub azure_ad_prt_update_time: Option<String>,
    pub azure_ad_prt_expiry_time: Option<String>,
    pub azure_ad_prt_authority: Option<String>,
    pub enterprise_prt: Option<bool>,
    pub enterprise_prt_authority: Option<String>,
    pub attempt_status: Option<Hresult>,
    pub http_error: Option<Hresult>,
    pub http_status: Option<String>,
    pub server_error_code: Option<String>,
    pub server_error_description: Option<String>,
}

/// Diagnostic Data, pre-join and post-join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Diagnostics {
    pub user_context: Option<String>,
    pub client_time: Option<String>,
    pub ad_connectivity_test: Option<TestResult>,
    pub ad_configuration_test: Option<TestResult>,
    pub drs_discovery_test: Option<TestResult>,
    pub drs_connectivity_test: Option<TestResult>,
    pub token_acquisition_test: Option<TestResult>,
    pub fallback_to_sync_join: Option<String>,
    /// `Fallback to Sync-Join : ENABLED|DISABLED` as a flag.
    pub fallback_to_sync_join_enabled: Option<bool>,
    /// `Kerberos Ticket Test` (newer builds, before the DRS tests): can the device get a
    /// Kerberos ticket for itself from a domain controller.
    pub kerberos_ticket_test: Option<TestResult>,
    pub previous_registration: Option<String>,
    pub registration_type: Option<String>,
    pub error_phase: Option<String>,
    pub client_error_code: Option<Hresult>,
    pub server_error_code: Option<String>,
    pub server_message: Option<String>,
    pub https_status: Option<String>,
    pub request_id: Option<String>,
    pub aad_recovery_enabled: Option<bool>,
    pub key_sign_test: Option<String>,
    pub executing_account_name: Option<String>,
}

/// Everything typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DsregFacts {
    pub join_state: JoinFlags,
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
        self.diag(&[key]).map(|v| TestResult::parse(&v))
    }

    /// A Diagnostic Data field, from that section (or a fragment without a title) only: the
    /// SSO State has a `Server Error Code` of its own, about the user's PRT, which must not
    /// pass for the registration's `Server ErrorCode`.
    fn diag(&self, keys: &[&str]) -> Option<String> {
        let names: Vec<String> = keys.iter().map(|k| super::value::snake_case(k)).collect();
        self.sections
            .iter()
            .filter(|s| DIAG.iter().any(|d| s.name.eq_ignore_ascii_case(d)))
            .find_map(|s| s.fields.iter().find(|f| names.contains(&f.name)))
            .map(|f| f.value.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// A PRT authority is a URL; `NO` (printed when there is no PRT) is none.
    fn authority(&self, keys: &[&str]) -> Option<String> {
        self.text(keys, SSO).filter(|v| yes_no(v).is_none())
    }

    fn code(&self, keys: &[&str], sections: &[&str]) -> Option<Hresult> {
        self.field(keys, sections)
            .and_then(|f| parse_error_code(&f.value))
    }

    /// The typed fields.
    pub fn facts(&self) -> DsregFacts {
        let aadj = self.flag(&["AzureAdJoined"], DEVICE_STATE);
        let ej = self.flag(&["EnterpriseJoined"], DEVICE_STATE);
        let dj = self.flag(&["DomainJoined"], DEVICE_STATE);
        let contradiction = (aadj == Some(true) && ej == Some(true)).then(|| {
            "AzureAdJoined and EnterpriseJoined are both YES: a device is registered with Microsoft Entra ID or with an on-premises DRS, not both".to_string()
        });
        let kind = match (aadj, ej, dj) {
            _ if contradiction.is_some() => None,
            (Some(true), _, Some(true)) => Some(JoinState::HybridJoined),
            (Some(true), _, Some(false)) => Some(JoinState::EntraJoined),
            (Some(false), Some(true), Some(true)) => Some(JoinState::OnPremDrsJoined),
            (Some(false), _, Some(true)) => Some(JoinState::DomainJoined),
            (Some(false), _, Some(false)) => Some(JoinState::NotJoined),
            // A fragment without the flags says nothing about the join state.
            _ => None,
        };
        DsregFacts {
            join_state: JoinFlags {
                azure_ad_joined: aadj,
                enterprise_joined: ej,
                domain_joined: dj,
                domain_name: self.text(&["DomainName"], DEVICE_STATE),
                virtual_desktop: self.text(&["Virtual Desktop"], DEVICE_STATE),
                device_name: self.text(&["Device Name"], DEVICE_STATE),
                workplace_joined: self.flag(&["WorkplaceJoined"], USER_STATE),
                kind,
                contradiction,
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
                azure_ad_prt_authority: self.authority(&["AzureAdPrtAuthority"]),
                enterprise_prt: self.flag(&["EnterprisePrt"], SSO),
                enterprise_prt_authority: self.authority(&["EnterprisePrtAuthority"]),
                attempt_status: self.code(&["Attempt Status"], SSO),
                http_error: self.code(&["HTTP Error"], SSO),
                http_status: self.text(&["HTTP status"], SSO),
                server_error_code: self.text(&["Server Error Code"], SSO),
                server_error_description: self.text(&["Server Error Description"], SSO),
            },
            diagnostics: Diagnostics {
                user_context: self.diag(&["User Context"]),
                client_time: self.diag(&["Client Time"]),
                ad_connectivity_test: self.test("AD Connectivity Test"),
                ad_configuration_test: self.test("AD Configuration Test"),
                drs_discovery_test: self.test("DRS Discovery Test"),
                drs_connectivity_test: self.test("DRS Connectivity Test"),
                token_acquisition_test: self.test("Token acquisition Test"),
                fallback_to_sync_join: self.diag(&["Fallback to Sync-Join"]),
                fallback_to_sync_join_enabled: self.diag(&["Fallback to Sync-Join"]).and_then(
                    |v| match v.to_ascii_uppercase().as_str() {
                        "ENABLED" => Some(true),
                        "DISABLED" => Some(false),
                        _ => None,
                    },
                ),
                kerberos_ticket_test: self.test("Kerberos Ticket Test"),
                previous_registration: self.diag(&["Previous Registration"]),
                registration_type: self.diag(&["Registration Type"]),
                error_phase: self.diag(&["Error Phase"]),
                client_error_code: self
                    .diag(&["Client ErrorCode"])
                    .and_then(|v| parse_error_code(&v)),
                server_error_code: self.diag(&["Server ErrorCode"]),
                server_message: self.diag(&["Server Message"]),
                https_status: self.diag(&["Https Status"]),
                request_id: self.diag(&["Request Id"]),
                aad_recovery_enabled: self.diag(&["AadRecoveryEnabled"]).and_then(|v| yes_no(&v)),
                key_sign_test: self.diag(&["KeySignTest"]),
                executing_account_name: self.diag(&["Executing Account Name"]),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_dsregcmd;
    use super::*;

    fn framed(sections: &[(&str, &[&str])]) -> DsregStatus {
        let rule = format!("+{}+\n", "-".repeat(70));
        let mut text = String::new();
        for (title, lines) in sections {
            text.push_str(&rule);
            text.push_str(&format!("| {title:<68} |\n"));
            text.push_str(&rule);
            text.push('\n');
            for l in *lines {
                text.push_str(l);
                text.push('\n');
            }
            text.push('\n');
        }
        parse_dsregcmd(text.as_bytes()).unwrap()
    }

    #[test]
    fn the_sso_server_error_code_is_not_the_registrations() {
        // An Entra-joined device whose user's PRT request failed (the dsregcmd
        // documentation's SSO State example): no registration error at all.
        let s = framed(&[
            (
                "Device State",
                &[
                    "             AzureAdJoined : YES",
                    "              DomainJoined : NO",
                ],
            ),
            (
                "SSO State",
                &[
                    "                AzureAdPrt : NO",
                    "       AzureAdPrtAuthority : NO",
                    "            Attempt Status : 0xc000006d",
                    "               HTTP status : 400",
                    "         Server Error Code : invalid_grant",
                    "  Server Error Description : AADSTS50126: Error validating credentials due to invalid username or password.",
                    "             EnterprisePrt : NO",
                    "    EnterprisePrtAuthority : NO",
                ],
            ),
        ]);
        let f = s.facts();
        assert_eq!(f.diagnostics.server_error_code, None);
        assert_eq!(f.sso.server_error_code.as_deref(), Some("invalid_grant"));
        assert_eq!(
            f.sso.azure_ad_prt_authority, None,
            "NO is not an authority URL"
        );
        assert_eq!(f.sso.enterprise_prt_authority, None);
    }

    #[test]
    fn kerberos_ticket_test_and_fallback_are_typed() {
        let s = framed(&[(
            "Diagnostic Data",
            &[
                "     Diagnostics Reference : www.microsoft.com/aadjerrors",
                "              User Context : UN-ELEVATED User",
                "      AD Connectivity Test : PASS",
                "     AD Configuration Test : PASS",
                "      Kerberos Ticket Test : FAIL [0x80090324]",
                "        DRS Discovery Test : SKIPPED",
                "     Fallback to Sync-Join : ENABLED",
            ],
        )]);
        let d = s.facts().diagnostics;
        let k = d.kerberos_ticket_test.unwrap();
        assert!(k.failed());
        assert_eq!(k.codes[0].0, 0x80090324);
        assert_eq!(d.fallback_to_sync_join_enabled, Some(true));
    }

    #[test]
    fn contradictory_join_flags_are_flagged() {
        let s = framed(&[(
            "Device State",
            &[
                "             AzureAdJoined : YES",
                "          EnterpriseJoined : YES",
                "              DomainJoined : YES",
            ],
        )]);
        let j = s.facts().join_state;
        assert_eq!(j.kind, None);
        assert!(j.contradiction.is_some());
        let s = framed(&[(
            "Device State",
            &[
                "             AzureAdJoined : NO",
                "          EnterpriseJoined : YES",
                "              DomainJoined : YES",
            ],
        )]);
        assert_eq!(s.facts().join_state.kind, Some(JoinState::OnPremDrsJoined));
    }
}
