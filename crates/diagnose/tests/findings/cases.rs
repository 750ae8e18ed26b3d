//! `case!(module, "finding.id", positive, negative)`: the positive device raises the finding,
//! the negative one (a near miss where there is one) does not.

use mde_diagnose::Severity;
use mde_scenarios::{Computer, Endpoint, Join, OTHER_TENANT, Os, Probes, Scenario, Scp, TENANT};

use crate::builder::{Device, finding, has, ids, raises};

macro_rules! case {
    ($name:ident, $id:literal, $positive:expr, $negative:expr $(,)?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn positive() {
                let d = $positive.diagnose();
                assert!(has(&d, $id), "{} missing from {:#?}", $id, ids(&d));
            }

            #[test]
            fn negative() {
                let d = $negative.diagnose();
                assert!(!has(&d, $id), "{} in {:#?}", $id, ids(&d));
            }
        }
    };
}

fn device() -> Device {
    Device::new(Scenario::default())
}

fn os(
    product: &'static str,
    edition: &'static str,
    build: u32,
    ubr: u32,
    installation: &'static str,
) -> Device {
    Device::new(Scenario {
        os: Os {
            product,
            edition,
            build,
            ubr,
            installation,
        },
        ..Scenario::default()
    })
}

fn server_2012r2(onboarding_state: u32, tcpip_domain: Option<&'static str>) -> Scenario {
    Scenario {
        os: Os {
            product: "Windows Server 2012 R2 Datacenter",
            edition: "ServerDatacenter",
            build: 9600,
            ubr: 21620,
            installation: "Server",
        },
        onboarding_state,
        join: Join::Domain,
        dsregcmd: false,
        tcpip_domain,
        ..Scenario::default()
    }
}

fn computer(operating_system: &'static str, version: &'static str, certificate: bool) -> Computer {
    let der = include_bytes!("fixtures/hybrid-join-cert.der");
    Computer {
        operating_system,
        version,
        certificate: certificate.then(|| mde_artifacts::ldif::base64_encode(der)),
    }
}

/// An Entra Connect configuration export's connector scope and inbound rule, as
/// `Config::load` reads them.
fn aadconnect(inclusion: &str, cloud_filtered: &str) -> mde_diagnose::Options {
    use mde_syncrule::rules::{Mapping, Rule};
    use mde_syncrule::simulate::{Config, Partition};
    mde_diagnose::Options {
        aadconnect: Some(Config {
            partitions: vec![Partition {
                dn: "DC=contoso,DC=com".into(),
                selected: true,
                object_classes: vec!["computer".into(), "user".into()],
                inclusions: vec![inclusion.into()],
                exclusions: vec![],
            }],
            inbound: Rule {
                name: "In from AD - Computer Join (2012 R2)".into(),
                direction: "Inbound".into(),
                source_object_type: "computer".into(),
                target_object_type: "device".into(),
                mappings: vec![Mapping {
                    dest: "cloudFiltered".into(),
                    expression: Some(cloud_filtered.into()),
                }],
                scope: vec![],
            },
            outbound: None,
        }),
        entra_connect_version: None,
    }
}

fn event(
    channel_provider: (&str, &str),
    id: u32,
    level: u8,
    time: &str,
    data: &[(Option<&str>, &str)],
) -> String {
    mde_scenarios::event_xml(
        channel_provider.0,
        channel_provider.1,
        id,
        level,
        time,
        4711,
        data,
    )
}

/// A domain-joined device whose registration log holds one event.
fn with_registration_event(id: u32, data: &[(Option<&str>, &str)]) -> Device {
    Device::new(Scenario {
        join: Join::Domain,
        events: vec![(
            "udr.xml",
            event(UDR, id, 2, "2026-11-20T08:31:04.1250000Z", data),
        )],
        ..Scenario::default()
    })
}

/// A domain member whose private DNS server finds no domain controller.
fn private_dns_without_dc() -> Device {
    Device::new(Scenario {
        join: Join::Domain,
        probes: Probes {
            dns_servers: vec!["10.0.0.99"],
            domain_controllers: vec![],
            ..Probes::healthy()
        },
        ..Scenario::default()
    })
}

const UDR: (&str, &str) = (
    "Microsoft-Windows-User Device Registration",
    "Microsoft-Windows-User Device Registration/Admin",
);

case!(
    enrollment_status,
    "enrollment.status",
    device(),
    Device::new(Scenario {
        enrollment_status: None,
        ..Scenario::default()
    }),
);

case!(
    enrollment_stale,
    "enrollment.stale",
    Device::example("offboarded"),
    device(),
);

case!(
    enrollment_missing,
    "enrollment.missing",
    Device::new(Scenario {
        enrollment_status: None,
        ..Scenario::default()
    }),
    device(),
);

case!(
    onboarding_not_onboarded,
    "onboarding.not-onboarded",
    Device::new(Scenario {
        onboarding_state: 0,
        ..Scenario::default()
    }),
    device(),
);

case!(
    onboarding_missing_key,
    "onboarding.missing-key",
    device().without("registry/atp.reg"),
    device().without("registry/defender.reg"),
);

case!(
    onboarding_ok,
    "onboarding.ok",
    device(),
    Device::new(Scenario {
        onboarding_state: 0,
        ..Scenario::default()
    }),
);

case!(
    os_missing,
    "os.missing",
    device().without("registry/currentversion.reg"),
    device(),
);

case!(
    os_in_scope,
    "os.in-scope",
    device(),
    os("Windows 10 Home", "Core", 19045, 5131, "Client"),
);

case!(
    os_update_required,
    "os.update-required",
    os(
        "Windows Server 2019 Datacenter",
        "ServerDatacenter",
        17763,
        3887,
        "Server"
    ),
    os(
        "Windows Server 2019 Datacenter",
        "ServerDatacenter",
        17763,
        4252,
        "Server"
    ),
);

case!(
    os_unsupported_edition,
    "os.unsupported-edition",
    os("Windows 10 Home", "Core", 19045, 5131, "Client"),
    os("Windows 10 Pro", "Professional", 19045, 5131, "Client"),
);

case!(
    os_edition_not_listed,
    "os.edition-not-listed",
    os("Windows 10 Education", "Education", 19045, 5131, "Client"),
    os(
        "Windows 10 Enterprise LTSC 2021",
        "EnterpriseS",
        19044,
        5131,
        "Client"
    ),
);

case!(
    os_multi_session,
    "os.multi-session",
    os(
        "Windows 10 Enterprise multi-session",
        "ServerRdsh",
        19045,
        5131,
        "Client"
    ),
    device(),
);

case!(
    os_server_core,
    "os.server-core",
    os(
        "Windows Server 2016 Standard",
        "ServerStandard",
        14393,
        7428,
        "Server Core"
    ),
    os(
        "Windows Server 2016 Standard",
        "ServerStandard",
        14393,
        7428,
        "Server"
    ),
);

case!(
    os_server_core_2019,
    "os.server-core-2019",
    os(
        "Windows Server 2019 Standard",
        "ServerStandard",
        17763,
        6532,
        "Server Core"
    ),
    os(
        "Windows Server 2022 Standard",
        "ServerStandard",
        20348,
        2849,
        "Server Core"
    ),
);

case!(
    os_32_bit,
    "os.32-bit",
    device().reg(
        "registry/environment.reg",
        r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager\Environment",
        &[r#""PROCESSOR_ARCHITECTURE"="x86""#],
    ),
    device().reg(
        "registry/environment.reg",
        r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager\Environment",
        &[r#""PROCESSOR_ARCHITECTURE"="AMD64""#],
    ),
);

case!(
    os_not_listed,
    "os.not-listed",
    os("Windows 10 Enterprise", "Enterprise", 19043, 2364, "Client"),
    os("Windows 10 Enterprise", "Enterprise", 18363, 2274, "Client"),
);

case!(
    os_unsupported_build,
    "os.unsupported-build",
    os("Windows 10 Enterprise", "Enterprise", 18363, 2274, "Client"),
    os("Windows 10 Enterprise", "Enterprise", 19043, 2364, "Client"),
);

case!(
    os_unified_agent,
    "os.unified-agent",
    Device::new(server_2012r2(1, Some("contoso.com"))),
    Device::new(server_2012r2(0, Some("contoso.com"))),
);

case!(
    os_needs_unified_agent,
    "os.needs-unified-agent",
    Device::new(server_2012r2(0, Some("contoso.com"))),
    Device::new(server_2012r2(1, Some("contoso.com"))),
);

case!(
    os_domain_controller,
    "os.domain-controller",
    device().reg(
        "registry/productoptions.reg",
        r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ProductOptions",
        &[r#""ProductType"="LanmanNT""#],
    ),
    device().reg(
        "registry/productoptions.reg",
        r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ProductOptions",
        &[r#""ProductType"="ServerNT""#],
    ),
);

case!(
    join_state,
    "join.state",
    Device::new(server_2012r2(1, Some("contoso.com"))),
    Device::new(server_2012r2(1, None)),
);

case!(
    join_missing,
    "join.missing",
    device().without("dsregcmd-status.txt"),
    Device::new(server_2012r2(1, None)),
);

case!(
    join_missing_downlevel,
    "join.missing-downlevel",
    Device::new(server_2012r2(1, None)),
    device().without("dsregcmd-status.txt"),
);

case!(
    join_contradictory,
    "join.contradictory",
    device().replace(
        "dsregcmd-status.txt",
        "EnterpriseJoined : NO",
        "EnterpriseJoined : YES",
    ),
    Device::new(Scenario {
        join: Join::Domain,
        ..Scenario::default()
    })
    .replace(
        "dsregcmd-status.txt",
        "EnterpriseJoined : NO",
        "EnterpriseJoined : YES",
    ),
);

case!(
    join_workplace_only,
    "join.workplace-only",
    Device::new(Scenario {
        join: Join::None,
        scp: None,
        ..Scenario::default()
    })
    .replace(
        "dsregcmd-status.txt",
        "WorkplaceJoined : NO",
        "WorkplaceJoined : YES",
    ),
    Device::new(Scenario {
        join: Join::None,
        scp: None,
        ..Scenario::default()
    }),
);

case!(
    join_device_auth_failed,
    "join.device-auth-failed",
    device().replace(
        "dsregcmd-status.txt",
        "DeviceAuthStatus : SUCCESS",
        "DeviceAuthStatus : FAILED. Device is either disabled or deleted",
    ),
    device(),
);

case!(
    tenant_scp_mismatch,
    "tenant.scp-mismatch",
    Device::example("tenant-mismatch"),
    // The other forest's SCP names another tenant; the device's own forest's is right.
    Device::new(Scenario {
        join: Join::Domain,
        other_forest_scps: vec![(
            "fabrikam.com",
            Scp::Entra {
                tenant: OTHER_TENANT,
                name: "fabrikam.com"
            }
        )],
        ..Scenario::default()
    }),
);

case!(
    tenant_joined_elsewhere,
    "tenant.joined-elsewhere",
    Device::new(Scenario {
        joined_tenant: OTHER_TENANT,
        ..Scenario::default()
    }),
    device(),
);

case!(
    tenant_consistent,
    "tenant.consistent",
    device(),
    Device::example("tenant-mismatch"),
);

case!(
    scp_missing,
    "scp.missing",
    Device::example("scp-missing"),
    // The same failure where the device holds a client-side SCP: the SCP is not missing.
    Device::new(Scenario {
        client_scp: Some(TENANT),
        ..mde_scenarios::scenarios()
            .into_iter()
            .find(|s| s.name == "scp-missing")
            .unwrap()
    }),
);

case!(
    scp_enterprise_drs,
    "scp.enterprise-drs",
    Device::example("scp-enterprise-drs"),
    device(),
);

case!(
    scp_malformed,
    "scp.malformed",
    Device::new(Scenario {
        client_scp: Some("contoso.onmicrosoft.com"),
        ..Scenario::default()
    }),
    Device::new(Scenario {
        client_scp: Some(TENANT),
        ..Scenario::default()
    }),
);

case!(
    scp_found,
    "scp.found",
    device(),
    Device::new(Scenario {
        scp: None,
        ..Scenario::default()
    }),
);

case!(
    dsreg_registration_error,
    "dsreg.registration-error",
    Device::example("time-skew-hresult"),
    device(),
);

case!(
    dsreg_test_failed,
    "dsreg.test-failed",
    Device::example("scp-missing"),
    Device::example("tenant-mismatch"),
);

case!(
    dsreg_device_not_synced,
    "dsreg.device-not-synced",
    Device::example("not-synced"),
    Device::example("tenant-mismatch"),
);

case!(
    sync_filtered,
    "sync.filtered",
    Device::example("server-2012r2-filtered"),
    Device::new(Scenario {
        computer: Some(computer(
            "Windows Server 2019 Datacenter",
            "10.0 (17763)",
            true
        )),
        ..Scenario::default()
    }),
);

case!(
    sync_not_in_scope,
    "sync.not-in-scope",
    Device::example("server-2012r2-filtered").options(aadconnect(
        "OU=Workstations,DC=contoso,DC=com",
        mde_syncrule::presets::SERVER_2012R2_COMPUTER_JOIN,
    )),
    Device::example("server-2012r2-filtered").options(aadconnect(
        "OU=Servers,DC=contoso,DC=com",
        mde_syncrule::presets::SERVER_2012R2_COMPUTER_JOIN,
    )),
);

case!(
    sync_synced,
    "sync.synced",
    // Server 2012 R2 with a valid hybrid-join certificate, under the documented 2012 R2 rule.
    Device::new(Scenario {
        computer: Some(computer(
            "Windows Server 2012 R2 Datacenter",
            "6.3 (9600)",
            true
        )),
        ..server_2012r2(1, Some("contoso.com"))
    })
    .options(aadconnect(
        "OU=Servers,DC=contoso,DC=com",
        mde_syncrule::presets::SERVER_2012R2_COMPUTER_JOIN,
    )),
    // The same server under the default rule, which filters every Windows NT 6.x object.
    Device::new(Scenario {
        computer: Some(computer(
            "Windows Server 2012 R2 Datacenter",
            "6.3 (9600)",
            true
        )),
        ..server_2012r2(1, Some("contoso.com"))
    }),
);

case!(
    sync_rule_unusable,
    "sync.rule-unusable",
    Device::example("server-2012r2-filtered").options(aadconnect(
        "OU=Servers,DC=contoso,DC=com",
        "IIF(IsNullOrEmpty([userCertificate]),True,NULL",
    )),
    Device::example("server-2012r2-filtered").options(aadconnect(
        "OU=Servers,DC=contoso,DC=com",
        "IIF(IsNullOrEmpty([userCertificate]),True,NULL)",
    )),
);

case!(
    authority_configmgr,
    "authority.configmgr",
    Device::example("configmgr"),
    Device::example("configmgr-coexists"),
);

case!(
    authority_configmgr_coexists,
    "authority.configmgr-coexists",
    Device::example("configmgr-coexists"),
    Device::example("configmgr"),
);

case!(
    authority_intune_mdm,
    "authority.intune-mdm",
    device().reg(
        "registry/enrollments.reg",
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Enrollments\6B1F2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D",
        &[
            r#""EnrollmentType"=dword:00000006"#,
            r#""ProviderID"="MS DM Server""#
        ],
    ),
    // EnrollmentType 0: a leftover key of an unenrolled device.
    device().reg(
        "registry/enrollments.reg",
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Enrollments\6B1F2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D",
        &[
            r#""EnrollmentType"=dword:00000000"#,
            r#""ProviderID"="MS DM Server""#
        ],
    ),
);

case!(
    net_endpoint_unreachable,
    "net.endpoint-unreachable",
    Device::example("proxy-auth"),
    device(),
);

case!(
    net_endpoints_ok,
    "net.endpoints-ok",
    device(),
    Device::example("proxy-auth"),
);

case!(
    net_dns_not_dc,
    "net.dns-not-dc",
    Device::example("dns-not-domain"),
    device(),
);

case!(
    net_dns_public,
    "net.dns-public",
    Device::example("public-dns"),
    // A private resolver that finds no DC: the network path, not public DNS.
    private_dns_without_dc(),
);

case!(
    net_no_dc,
    "net.no-dc",
    private_dns_without_dc(),
    Device::example("public-dns"),
);

case!(
    net_name_resolution,
    "net.name-resolution",
    Device::example("name-resolution"),
    device(),
);

case!(
    clock_skew,
    "clock.skew",
    Device::example("clock-skew"),
    Device::new(Scenario {
        probes: Probes {
            skew_seconds: 120.0,
            ..Probes::healthy()
        },
        ..Scenario::default()
    }),
);

case!(
    clock_drift,
    "clock.drift",
    Device::new(Scenario {
        probes: Probes {
            skew_seconds: -120.0,
            ..Probes::healthy()
        },
        ..Scenario::default()
    }),
    device(),
);

case!(
    probes_missing,
    "probes.missing",
    device().without("probes.json"),
    device(),
);

case!(
    evidence_damaged,
    "evidence.damaged",
    device().file(
        "probes.json",
        "{\"schema\": \"mde-doctor/probes/1\", \"endpoints\": [{\"url\": "
    ),
    device(),
);

case!(
    events_registration_failed,
    "events.registration-failed",
    with_registration_event(
        304,
        &[
            (None, "0x80072ee7"),
            (None, ""),
            (None, "managed"),
            (None, "sync"),
            (None, " undefined")
        ]
    ),
    // 0x801c001d is folded into events.scp-not-found instead.
    with_registration_event(307, &[(None, "0x801C001D")]),
);

case!(
    events_scp_not_found,
    "events.scp-not-found",
    Device::example("scp-missing"),
    with_registration_event(304, &[(None, "0x80072ee7")]),
);

case!(
    events_aad_error,
    "events.aad-error",
    Device::example("not-synced"),
    device(),
);

case!(
    events_sense_error,
    "events.sense-error",
    Device::new(Scenario {
        events: vec![(
            "sense.xml",
            event(
                (
                    "Microsoft-Windows-SENSE",
                    "Microsoft-Windows-SENSE/Operational"
                ),
                5,
                2,
                "2026-11-20T08:10:00.0000000Z",
                &[(Some("url"), "https://winatp-gw-weu.microsoft.com/")],
            ),
        )],
        ..Scenario::default()
    }),
    device(),
);

// Severity and wording where the issue found them wrong.

#[test]
fn a_failed_kerberos_ticket_test_with_time_skew_leads_to_the_clock() {
    let d = device()
        .replace(
            "dsregcmd-status.txt",
            "AadRecoveryEnabled : NO",
            "AadRecoveryEnabled : NO\n      Kerberos Ticket Test : FAIL [0x80090324]",
        )
        .diagnose();
    let f = finding(&d, "dsreg.test-failed");
    assert_eq!(f.code, Some(40), "{f:#?}");
    assert!(f.root_cause.contains("SEC_E_TIME_SKEW"), "{}", f.root_cause);
}

#[test]
fn the_sso_server_error_code_is_not_a_registration_error() {
    // A registration that failed on the client (no server answer), and a user whose PRT
    // request failed: the SSO section's code is not the registration's.
    let d = Device::example("scp-missing")
        .replace(
            "dsregcmd-status.txt",
            "EnterprisePrt : NO",
            "EnterprisePrt : NO\n         Server Error Code : invalid_grant\n  Server Error Description : AADSTS50126: Error validating credentials due to invalid username or password.",
        )
        .diagnose();
    let f = finding(&d, "dsreg.registration-error");
    assert!(!f.root_cause.contains("invalid_grant"), "{}", f.root_cause);
}

#[test]
fn an_unsupported_build_is_the_failing_root_cause() {
    let d = Device::example("old-windows-10").diagnose();
    assert_eq!(
        finding(&d, "os.unsupported-build").severity,
        Severity::Error
    );
    assert_eq!(d.root_cause.as_deref(), Some("os.unsupported-build"));
    assert_eq!(d.verdict, mde_diagnose::Verdict::Failing);
}

#[test]
fn a_proxy_asking_for_authentication_is_not_reachable() {
    let d = Device::example("proxy-auth").diagnose();
    assert!(!has(&d, "net.endpoints-ok"), "{:#?}", ids(&d));
    assert!(
        finding(&d, "net.endpoint-unreachable")
            .title
            .contains("407")
    );
    // An error recorded after the stages counts too.
    let d = Device::new(Scenario {
        probes: Probes {
            endpoints: vec![Endpoint {
                error: Some("The operation timed out"),
                http_status: None,
                ..Endpoint::reachable("https://enrollment.dm.microsoft.com")
            }],
            ..Probes::healthy()
        },
        ..Scenario::default()
    })
    .diagnose();
    assert!(raises(&d, "net.endpoint-unreachable"), "{:#?}", ids(&d));
}

#[test]
fn old_scp_events_on_an_entra_joined_device_are_history() {
    let d = Device::example("stale-events").diagnose();
    assert_eq!(finding(&d, "events.scp-not-found").severity, Severity::Info);
    assert_eq!(d.verdict, mde_diagnose::Verdict::Healthy);
    // The same events on a domain-joined device still warn.
    let mut s = mde_scenarios::scenarios()
        .into_iter()
        .find(|s| s.name == "stale-events")
        .unwrap();
    s.join = Join::Domain;
    let d = Device::new(s).diagnose();
    assert_eq!(
        finding(&d, "events.scp-not-found").severity,
        Severity::Warning
    );
}

#[test]
fn the_join_state_is_inferred_without_dsregcmd() {
    let d = Device::example("server-2012r2-filtered").diagnose();
    assert_eq!(d.join_state.current.map(|s| s.key()), Some("domain_joined"));
    assert_eq!(d.join_state.confidence.as_deref(), Some("inferred"));
    assert!(!d.join_state.evidence.is_empty());
    // The filtered object keeps it from hybrid join.
    assert_eq!(
        d.join_state.after_onboarding.map(|s| s.key()),
        Some("domain_joined")
    );
    // From the AD object alone (no Tcpip domain in the registry).
    let d = Device::new(Scenario {
        computer: Some(computer(
            "Windows Server 2012 R2 Datacenter",
            "6.3 (9600)",
            false,
        )),
        ..server_2012r2(1, None)
    })
    .diagnose();
    assert_eq!(d.join_state.current.map(|s| s.key()), Some("domain_joined"));
    assert_eq!(d.join_state.evidence[0].artifact, "ad/computer.ldif");
}

#[test]
fn the_sync_trace_is_evidence() {
    let d = Device::example("server-2012r2-filtered").diagnose();
    let f = finding(&d, "sync.filtered");
    assert!(
        f.evidence.iter().any(|e| e
            .excerpt
            .contains("IsNullOrEmpty([userCertificate]) = True")),
        "{:#?}",
        f.evidence
    );
    assert_eq!(d.root_cause.as_deref(), Some("sync.filtered"));
}

#[test]
fn no_dsregcmd_advice_on_server_2012_r2() {
    let d = Device::new(server_2012r2(1, None)).diagnose();
    let all: Vec<&String> = d.findings.iter().flat_map(|f| f.actions.iter()).collect();
    assert!(all.iter().all(|a| !a.contains("dsregcmd")), "{all:#?}");
    assert!(
        !d.missing.iter().any(|m| m.contains("dsregcmd")),
        "{:?}",
        d.missing
    );
}

#[test]
fn human_labels_for_join_states() {
    let d = device().diagnose();
    assert_eq!(d.join_state.current.map(|s| s.key()), Some("hybrid_joined"));
    assert_eq!(
        d.join_state.current_label.as_deref(),
        Some("Microsoft Entra hybrid joined")
    );
    let f = finding(&d, "join.state");
    assert!(!f.title.contains("_joined"), "{}", f.title);
}

#[test]
fn the_own_forest_decides_by_netbios_name_too() {
    // dsregcmd gives only CONTOSO; the SCP of contoso.com counts, not fabrikam.com's.
    let d = Device::new(Scenario {
        join: Join::Domain,
        other_forest_scps: vec![(
            "fabrikam.com",
            Scp::Entra {
                tenant: OTHER_TENANT,
                name: "fabrikam.com",
            },
        )],
        ..Scenario::default()
    })
    .diagnose();
    assert!(has(&d, "tenant.consistent"), "{:#?}", ids(&d));
}

#[test]
fn actions_fit_server_core_and_configmgr_devices() {
    let core = Device::new(Scenario {
        os: Os {
            product: "Windows Server 2022 Standard",
            edition: "ServerStandard",
            build: 20348,
            ubr: 2849,
            installation: "Server Core",
        },
        probes: Probes {
            skew_seconds: 903.4,
            ..Probes::healthy()
        },
        ..Scenario::default()
    })
    .diagnose();
    let f = finding(&core, "clock.skew");
    assert!(
        f.actions.iter().any(|a| a.contains("Server Core")),
        "{:?}",
        f.actions
    );
    let desktop = Device::example("clock-skew").diagnose();
    let f = finding(&desktop, "clock.skew");
    assert!(!f.actions.iter().any(|a| a.contains("Server Core")));
    assert!(
        !f.actions
            .iter()
            .any(|a| a.contains("Configuration Manager client"))
    );
    let managed = Device::new(Scenario {
        configmgr_client: true,
        probes: Probes {
            skew_seconds: 903.4,
            ..Probes::healthy()
        },
        ..Scenario::default()
    })
    .diagnose();
    let f = finding(&managed, "clock.skew");
    assert!(
        f.actions
            .iter()
            .any(|a| a.contains("Configuration Manager client")),
        "{:?}",
        f.actions
    );
}

#[test]
fn scp_events_are_weighed_against_the_registration_time() {
    // Hybrid joined since 2025-02-11 (its device certificate's validity starts then).
    let at = |time: &str| {
        Device::new(Scenario {
            events: vec![("udr.xml", event(UDR, 307, 2, time, &[(None, "0x801C001D")]))],
            ..Scenario::default()
        })
        .diagnose()
    };
    let before = at("2025-01-20T07:58:40.5510000Z");
    assert_eq!(
        finding(&before, "events.scp-not-found").severity,
        Severity::Info
    );
    assert!(
        finding(&before, "events.scp-not-found")
            .root_cause
            .contains("registered at 2025-02-11T08:12:44")
    );
    // Logged after the registration: the device lost its SCP since; that still counts.
    let after = at("2026-11-19T07:58:40.5510000Z");
    assert_eq!(
        finding(&after, "events.scp-not-found").severity,
        Severity::Warning
    );
}

#[test]
fn an_aad_error_in_decimal_is_shown_in_hex_with_its_rendered_message() {
    // AAD/Operational 1098 as wevtutil qe /f:RenderedXml prints it: no data, the error in
    // decimal in the message (the shape of public posts' copies).
    let xml = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-AAD' Guid='{4de9bc9c-b27a-43c9-8994-0915f1a5e24f}'/><EventID>1098</EventID><Version>0</Version><Level>2</Level><Task>101</Task><Opcode>0</Opcode><Keywords>0x4000000000000000</Keywords><TimeCreated SystemTime='2026-11-20T08:40:11.2210000Z'/><EventRecordID>5512</EventRecordID><Correlation/><Execution ProcessID='1204' ThreadID='6020'/><Channel>Microsoft-Windows-AAD/Operational</Channel><Computer>PC-0001.contoso.com</Computer><Security UserID='S-1-5-18'/></System><EventData/><RenderingInfo Culture='en-US'><Message>Error: 3399811100 Token broker operation failed.</Message><Level>Error</Level></RenderingInfo></Event>\r\n";
    let d = Device::new(Scenario {
        events: vec![("aad-operational.xml", xml.to_string())],
        ..Scenario::default()
    })
    .diagnose();
    let f = finding(&d, "events.aad-error");
    assert!(f.title.contains("0xcaa5001c"), "{}", f.title);
    assert!(
        f.evidence[0]
            .excerpt
            .contains("Token broker operation failed"),
        "{:?}",
        f.evidence
    );
    assert_eq!(f.evidence[0].record, Some(5512));
}

#[test]
fn the_join_state_is_inferred_from_the_join_certificate_in_the_registry() {
    let joined = |domain: Option<&'static str>| {
        Device::new(Scenario {
            tcpip_domain: domain,
            ..Scenario::default()
        })
        .without("dsregcmd-status.txt")
        .reg(
            "registry/joininfo.reg",
            r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\CloudDomainJoin\JoinInfo\6F1B2A3C4D5E6F708192A3B4C5D6E7F809A1B2C3",
            &[
                &format!(r#""TenantId"="{TENANT}""#),
                r#""UserEmail"="admin@contoso.com""#,
            ],
        )
        .diagnose()
    };
    let d = joined(None);
    assert_eq!(d.join_state.current.map(|s| s.key()), Some("entra_joined"));
    assert_eq!(d.join_state.confidence.as_deref(), Some("inferred"));
    assert!(!has(&d, "join.missing"), "{:#?}", ids(&d));
    let d = joined(Some("contoso.com"));
    assert_eq!(d.join_state.current.map(|s| s.key()), Some("hybrid_joined"));
}

#[test]
fn sync_actions_are_for_the_devices_os() {
    let server_2012r2 = Device::example("server-2012r2-filtered").diagnose();
    let actions = &finding(&server_2012r2, "sync.filtered").actions;
    assert!(
        actions
            .iter()
            .any(|a| a.contains("For Windows Server 2012 R2"))
    );
    assert!(
        !actions.iter().any(|a| a.contains("For Windows 10/11")),
        "{actions:#?}"
    );
    let server_2019 = Device::new(Scenario {
        os: Os {
            product: "Windows Server 2019 Datacenter",
            edition: "ServerDatacenter",
            build: 17763,
            ubr: 6532,
            installation: "Server",
        },
        join: Join::Domain,
        computer: Some(computer(
            "Windows Server 2019 Datacenter",
            "10.0 (17763)",
            false,
        )),
        ..Scenario::default()
    })
    .diagnose();
    let actions = &finding(&server_2019, "sync.filtered").actions;
    assert!(actions.iter().any(|a| a.contains("For Windows 10/11")));
    assert!(
        !actions
            .iter()
            .any(|a| a.contains("For Windows Server 2012 R2")),
        "{actions:#?}"
    );
}
