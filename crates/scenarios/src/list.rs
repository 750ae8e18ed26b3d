//! The scenarios: one healthy device and one per failure the documentation names.

use crate::{
    Computer, Endpoint, Expect, Join, OTHER_TENANT, Os, PreJoin, Probes, Scenario, Scp, event_xml,
};

const UDR: (&str, &str) = (
    "Microsoft-Windows-User Device Registration",
    "Microsoft-Windows-User Device Registration/Admin",
);

fn expect(finding: &'static str, code: Option<u32>) -> Expect {
    Expect {
        finding,
        code,
        verdict: "failing",
    }
}

fn unreachable(url: &'static str, stage: &'static str, error: &'static str) -> Endpoint {
    let (dns, tcp, tls) = match stage {
        "dns" => ("failed", "skipped", "skipped"),
        "tcp" => ("ok", "failed", "skipped"),
        _ => ("ok", "ok", "failed"),
    };
    Endpoint {
        url,
        dns,
        tcp,
        tls,
        error: Some(error),
        http_status: None,
    }
}

/// Every scenario, in the order the examples list them.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "healthy",
            description: "Hybrid-joined Windows 11 23H2 enrolled in security management",
            hostname: "PC-0001",
            expect: Expect { finding: "enrollment.status", code: Some(1), verdict: "healthy" },
            ..Scenario::default()
        },
        Scenario {
            name: "tenant-mismatch",
            description: "The SCP names another Entra tenant than the Defender tenant's (15)",
            hostname: "PC-0015",
            enrollment_status: Some(15),
            join: Join::Domain,
            scp: Some(Scp::Entra { tenant: OTHER_TENANT, name: "fabrikam.com" }),
            pre_join: Some(PreJoin {
                ad_configuration_test: "PASS",
                drs_discovery_test: "PASS",
                error_phase: "join",
                client_error_code: "0x801c03f2",
                server_error_code: Some("DirectoryError"),
                server_message: Some(format!("AADSTS90002: Tenant '{OTHER_TENANT}' not found.")),
                registration_type: "sync",
            }),
            expect: expect("tenant.scp-mismatch", Some(15)),
            ..Scenario::default()
        },
        Scenario {
            name: "scp-missing",
            description: "Domain joined, no service connection point in the forest (16)",
            hostname: "PC-0016",
            enrollment_status: Some(16),
            join: Join::Domain,
            scp: None,
            pre_join: Some(PreJoin {
                ad_configuration_test: "FAIL [0x80070002]",
                drs_discovery_test: "SKIPPED",
                error_phase: "discover",
                client_error_code: "0x801c001d",
                ..PreJoin::default()
            }),
            events: vec![(
                "user-device-registration-admin.xml",
                [
                    event_xml(UDR.0, UDR.1, 307, 2, "2026-11-20T08:31:04.1180000Z", 412, &[(None, "0x801C001D")]),
                    event_xml(
                        UDR.0,
                        UDR.1,
                        304,
                        2,
                        "2026-11-20T08:31:04.1250000Z",
                        413,
                        &[(None, "Unknown HResult Error code: 0x801c001d"), (None, ""), (None, "managed"), (None, "sync"), (None, " undefined")],
                    ),
                    event_xml(UDR.0, UDR.1, 307, 2, "2026-11-20T09:02:17.0020000Z", 418, &[(None, "0x801C001D")]),
                ]
                .concat(),
            )],
            expect: expect("scp.missing", Some(16)),
            ..Scenario::default()
        },
        Scenario {
            name: "scp-enterprise-drs",
            description: "The SCP points at an on-premises AD FS device registration service (17)",
            hostname: "PC-0017",
            enrollment_status: Some(17),
            join: Join::Domain,
            scp: Some(Scp::EnterpriseDrs { fqdn: "adfs.contoso.com" }),
            pre_join: Some(PreJoin {
                ad_configuration_test: "PASS",
                drs_discovery_test: "FAIL [0x801c0021/0x80072ee7]",
                error_phase: "discover",
                client_error_code: "0x801c0021",
                ..PreJoin::default()
            }),
            expect: expect("scp.enterprise-drs", Some(17)),
            ..Scenario::default()
        },
        Scenario {
            name: "connectivity",
            description: "A firewall blocks the Intune enrollment and check-in endpoints (13)",
            hostname: "PC-0013",
            enrollment_status: Some(13),
            join: Join::Entra,
            scp: None,
            probes: Probes {
                endpoints: vec![
                    unreachable("https://enrollment.dm.microsoft.com", "tcp", "connection timed out (WSAETIMEDOUT)"),
                    unreachable("https://checkin.dm.microsoft.com", "tls", "certificate issued by an untrusted root (TLS inspection)"),
                    Endpoint::reachable("https://discovery.dm.microsoft.com"),
                    Endpoint::reachable("https://login.microsoftonline.com"),
                    Endpoint::reachable("https://enterpriseregistration.windows.net"),
                ],
                ..Probes::healthy()
            },
            expect: expect("net.endpoint-unreachable", Some(13)),
            ..Scenario::default()
        },
        Scenario {
            name: "dns-not-domain",
            description: "The device uses the router for DNS, not the domain controllers (38)",
            hostname: "PC-0038",
            enrollment_status: Some(38),
            join: Join::Domain,
            pre_join: Some(PreJoin {
                ad_configuration_test: "SKIPPED",
                drs_discovery_test: "SKIPPED",
                error_phase: "pre-check",
                client_error_code: "0x8007054b",
                ..PreJoin::default()
            }),
            probes: Probes { dns_servers: vec!["192.168.1.1"], ..Probes::healthy() },
            expect: expect("net.dns-not-dc", Some(38)),
            ..Scenario::default()
        },
        Scenario {
            name: "name-resolution",
            description: "Entra ID endpoints do not resolve (41)",
            hostname: "PC-0041",
            enrollment_status: Some(41),
            join: Join::Domain,
            pre_join: Some(PreJoin {
                ad_configuration_test: "PASS",
                drs_discovery_test: "FAIL [0x801c0021/0x80072ee7]",
                error_phase: "discover",
                client_error_code: "0x801c0021",
                ..PreJoin::default()
            }),
            probes: Probes {
                failed_lookups: vec![
                    ("login.microsoftonline.com", "DNS name does not exist (NXDOMAIN)"),
                    ("enterpriseregistration.windows.net", "DNS name does not exist (NXDOMAIN)"),
                ],
                endpoints: vec![
                    unreachable("https://login.microsoftonline.com", "dns", "DNS name does not exist"),
                    unreachable("https://enterpriseregistration.windows.net", "dns", "DNS name does not exist"),
                ],
                ..Probes::healthy()
            },
            expect: expect("net.name-resolution", Some(41)),
            ..Scenario::default()
        },
        Scenario {
            name: "clock-skew",
            description: "The device clock is 15 minutes ahead (40)",
            hostname: "PC-0040",
            enrollment_status: Some(40),
            join: Join::Domain,
            probes: Probes { skew_seconds: 903.4, ..Probes::healthy() },
            expect: expect("clock.skew", Some(40)),
            ..Scenario::default()
        },
        Scenario {
            name: "configmgr",
            description: "Configuration Manager manages Defender and keeps security management off (4)",
            hostname: "PC-0004",
            enrollment_status: Some(4),
            managed_defender_product_type: Some(7),
            configmgr_client: true,
            expect: expect("authority.configmgr", Some(4)),
            ..Scenario::default()
        },
        Scenario {
            name: "intune-switch-off",
            description: "Intune does not allow Defender for Endpoint to enforce security configurations (44)",
            hostname: "PC-0044",
            enrollment_status: Some(44),
            expect: expect("enrollment.status", Some(44)),
            ..Scenario::default()
        },
        Scenario {
            name: "unsupported-os",
            description: "Windows 10 Home: the edition is not supported",
            hostname: "PC-HOME",
            os: Os {
                product: "Windows 10 Home",
                edition: "Core",
                build: 19045,
                ubr: 5131,
                installation: "Client",
            },
            enrollment_status: Some(2),
            join: Join::None,
            scp: None,
            expect: expect("os.unsupported-edition", None),
            ..Scenario::default()
        },
        Scenario {
            name: "update-required",
            description: "Windows Server 2019 without the April 2023 update (KB5025229)",
            hostname: "SRV-2019",
            os: Os {
                product: "Windows Server 2019 Datacenter",
                edition: "ServerDatacenter",
                build: 17763,
                ubr: 3887,
                installation: "Server",
            },
            enrollment_status: Some(7),
            expect: expect("os.update-required", None),
            ..Scenario::default()
        },
        Scenario {
            name: "not-onboarded",
            description: "The Defender sensor never onboarded: no security management either",
            hostname: "PC-NOMDE",
            enrollment_status: None,
            onboarding_state: 0,
            expect: expect("onboarding.not-onboarded", None),
            ..Scenario::default()
        },
        Scenario {
            name: "not-synced",
            description: "Entra Connect does not sync the computer object: sync join finds no device (37)",
            hostname: "SRV-0037",
            os: Os {
                product: "Windows Server 2022 Standard",
                edition: "ServerStandard",
                build: 20348,
                ubr: 2849,
                installation: "Server",
            },
            enrollment_status: Some(37),
            join: Join::Domain,
            pre_join: Some(PreJoin {
                ad_configuration_test: "PASS",
                drs_discovery_test: "PASS",
                error_phase: "join",
                client_error_code: "0x801c03f2",
                server_error_code: Some("DirectoryError"),
                server_message: Some("The device object by the given id (4d9b2c1e-8f7a-4b6c-9d5e-3a2b1c0d9e8f) isn't found.".into()),
                registration_type: "sync",
            }),
            events: vec![(
                "aadrt-admin.xml",
                event_xml(
                    "Microsoft-Windows-AADRT",
                    "Microsoft-Windows-AADRT/Admin",
                    1025,
                    2,
                    "2026-11-20T09:02:16.8800000Z",
                    77,
                    &[(Some("Message"), "Error: 0x801C03F2 Win32 API: WinHttpSendRequest URL: https://enterpriseregistration.windows.net/EnrollmentServer/device/?api-version=1.0 AAD Runtime API error: The device object by the given id (4d9b2c1e-8f7a-4b6c-9d5e-3a2b1c0d9e8f) isn't found.")],
                ),
            )],
            expect: expect("dsreg.device-not-synced", Some(37)),
            ..Scenario::default()
        },
        Scenario {
            name: "old-windows-10",
            description: "Windows 10 1909 (build 18363): older than any supported build",
            hostname: "PC-1909",
            os: Os {
                product: "Windows 10 Enterprise",
                edition: "Enterprise",
                build: 18363,
                ubr: 2274,
                installation: "Client",
            },
            enrollment_status: Some(2),
            expect: expect("os.unsupported-build", None),
            ..Scenario::default()
        },
        Scenario {
            name: "proxy-auth",
            description: "The proxy asks SYSTEM for authentication (HTTP 407) on the enrollment endpoints (13)",
            hostname: "PC-0407",
            enrollment_status: Some(13),
            join: Join::Entra,
            scp: None,
            probes: Probes {
                endpoints: vec![
                    Endpoint::proxy_auth("https://enrollment.dm.microsoft.com"),
                    Endpoint::proxy_auth("https://checkin.dm.microsoft.com"),
                    Endpoint::reachable("https://login.microsoftonline.com"),
                ],
                ..Probes::healthy()
            },
            expect: expect("net.endpoint-unreachable", Some(13)),
            ..Scenario::default()
        },
        Scenario {
            name: "stale-events",
            description: "Entra joined, not domain joined, enrolled; old 307/304 events from before it joined",
            hostname: "PC-0307",
            join: Join::Entra,
            scp: None,
            events: vec![(
                "user-device-registration-admin.xml",
                [
                    event_xml(UDR.0, UDR.1, 307, 2, "2026-09-14T07:58:40.5510000Z", 1204, &[(None, "0x801C001D")]),
                    event_xml(
                        UDR.0,
                        UDR.1,
                        304,
                        2,
                        "2026-09-14T07:58:40.5620000Z",
                        1205,
                        &[(None, "Unknown HResult Error code: 0x801c001d"), (None, ""), (None, "managed"), (None, "sync"), (None, " undefined")],
                    ),
                ]
                .concat(),
            )],
            expect: Expect { finding: "enrollment.status", code: Some(1), verdict: "healthy" },
            ..Scenario::default()
        },
        Scenario {
            name: "server-2012r2-filtered",
            description: "Windows Server 2012 R2 with the unified agent: the default sync rule filters its AD object (37)",
            hostname: "SRV-2012R2",
            os: Os {
                product: "Windows Server 2012 R2 Datacenter",
                edition: "ServerDatacenter",
                build: 9600,
                ubr: 21620,
                installation: "Server",
            },
            enrollment_status: Some(37),
            join: Join::Domain,
            dsregcmd: false,
            tcpip_domain: Some("contoso.com"),
            sense_service: true,
            computer: Some(Computer {
                operating_system: "Windows Server 2012 R2 Datacenter",
                version: "6.3 (9600)",
                certificate: None,
            }),
            expect: expect("sync.filtered", Some(37)),
            ..Scenario::default()
        },
        Scenario {
            name: "public-dns",
            description: "A domain member asks a public resolver for its domain and finds no DC (38)",
            hostname: "PC-8888",
            enrollment_status: Some(38),
            join: Join::Domain,
            probes: Probes {
                dns_servers: vec!["8.8.8.8", "1.1.1.1"],
                domain_controllers: vec![],
                ..Probes::healthy()
            },
            expect: expect("net.dns-public", Some(38)),
            ..Scenario::default()
        },
        Scenario {
            name: "offboarded",
            description: "Offboarded from Defender for Endpoint while SenseCM still shows the old success (1)",
            hostname: "PC-OFF",
            enrollment_status: Some(1),
            onboarding_state: 0,
            expect: expect("onboarding.not-onboarded", None),
            ..Scenario::default()
        },
        Scenario {
            name: "configmgr-coexists",
            description: "The ConfigMgr client is installed, but security management enrolled the device (1)",
            hostname: "PC-0043",
            configmgr_client: true,
            expect: Expect { finding: "authority.configmgr-coexists", code: None, verdict: "healthy" },
            ..Scenario::default()
        },
        Scenario {
            name: "other-forest-scp",
            description: "The bundle holds the SCPs of two forests; the device's own forest names another tenant (15)",
            hostname: "PC-2FOREST",
            enrollment_status: Some(15),
            join: Join::Domain,
            scp: Some(Scp::Entra { tenant: OTHER_TENANT, name: "fabrikam.com" }),
            other_forest_scps: vec![("tailspin.com", Scp::Entra { tenant: crate::TENANT, name: "contoso.com" })],
            tcpip_domain: Some("contoso.com"),
            expect: expect("tenant.scp-mismatch", Some(15)),
            ..Scenario::default()
        },
        Scenario {
            name: "time-skew-hresult",
            description: "Registration fails with SEC_E_TIME_SKEW (0x80090324): a clock problem (40)",
            hostname: "PC-0324",
            enrollment_status: Some(40),
            join: Join::Domain,
            pre_join: Some(PreJoin {
                ad_configuration_test: "PASS",
                drs_discovery_test: "PASS",
                error_phase: "join",
                client_error_code: "0x80090324",
                registration_type: "sync",
                ..PreJoin::default()
            }),
            probes: Probes { endpoints: vec![], ..Probes::healthy() },
            expect: expect("dsreg.registration-error", Some(40)),
            ..Scenario::default()
        },
        Scenario {
            name: "ldap-unreachable",
            description: "No domain controller answers LDAP (0x8007203a, ERROR_DS_SERVER_DOWN): the LDAP error (36)",
            hostname: "PC-0036",
            enrollment_status: Some(36),
            join: Join::Domain,
            pre_join: Some(PreJoin {
                ad_configuration_test: "FAIL [0x8007203a]",
                drs_discovery_test: "SKIPPED",
                error_phase: "discover",
                client_error_code: "0x8007203a",
                ..PreJoin::default()
            }),
            expect: expect("dsreg.registration-error", Some(36)),
            ..Scenario::default()
        },
    ]
}
