//! mde-doctor's example evidence bundles: one per onboarding failure scenario, each written
//! the way a device would leave it — registry exports as `reg export` writes them (UTF-16LE,
//! regedit 5), `dsregcmd /status` in Windows' own layout, `probes.json`, the SCP object as
//! `ldifde` exports it — so the examples can be regenerated whenever the formats change
//! (`cargo run -p mde-scenarios -- examples/bundles`).

mod dsregcmd;
mod list;
mod write;

pub use list::scenarios;
pub use write::{scenarios_toml, write_bundle};

/// The Defender tenant's Entra tenant in every scenario (Contoso).
pub const TENANT: &str = "3f1a9c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";
/// Another tenant (Fabrikam), for mismatches.
pub const OTHER_TENANT: &str = "7c2e4b1a-9d8f-4e3c-a1b2-c3d4e5f6a7b8";

/// How the device is joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    Entra,
    Hybrid,
    Domain,
    None,
}

/// The pre-join diagnostics dsregcmd prints for a domain-joined device that is not hybrid
/// joined.
#[derive(Debug, Clone, Default)]
pub struct PreJoin {
    pub ad_configuration_test: &'static str,
    pub drs_discovery_test: &'static str,
    pub error_phase: &'static str,
    pub client_error_code: &'static str,
    pub server_error_code: Option<&'static str>,
    pub server_message: Option<String>,
    pub registration_type: &'static str,
}

#[derive(Debug, Clone)]
pub struct Os {
    pub product: &'static str,
    pub edition: &'static str,
    pub build: u32,
    pub ubr: u32,
    pub installation: &'static str,
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub url: &'static str,
    pub dns: &'static str,
    pub tcp: &'static str,
    pub tls: &'static str,
    pub error: Option<&'static str>,
    /// The HTTP status when the connection opened (407: the proxy wants authentication).
    pub http_status: Option<u16>,
}

#[derive(Debug, Clone)]
pub struct Probes {
    pub skew_seconds: f64,
    pub dns_servers: Vec<&'static str>,
    pub domain_controllers: Vec<&'static str>,
    pub endpoints: Vec<Endpoint>,
    pub failed_lookups: Vec<(&'static str, &'static str)>,
}

/// The service connection point object in `ad/scp.ldif`.
#[derive(Debug, Clone)]
pub enum Scp {
    Entra {
        tenant: &'static str,
        name: &'static str,
    },
    EnterpriseDrs {
        fqdn: &'static str,
    },
}

/// The device's own AD computer object in `ad/computer.ldif`, as ldifde exports it.
#[derive(Debug, Clone)]
pub struct Computer {
    pub operating_system: &'static str,
    /// `6.3 (9600)`, `10.0 (22631)`.
    pub version: &'static str,
    /// A userCertificate value (a DER certificate, base64) or none.
    pub certificate: Option<String>,
}

/// What the diagnosis must find.
#[derive(Debug, Clone)]
pub struct Expect {
    /// The root-cause finding id.
    pub finding: &'static str,
    pub code: Option<u32>,
    pub verdict: &'static str,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub description: &'static str,
    pub hostname: &'static str,
    pub os: Os,
    /// `None`: no SenseCM key on the device.
    pub enrollment_status: Option<u32>,
    pub onboarding_state: u32,
    pub join: Join,
    /// Tenant the device is joined to (dsregcmd), when joined.
    pub joined_tenant: &'static str,
    pub client_scp: Option<&'static str>,
    pub scp: Option<Scp>,
    pub pre_join: Option<PreJoin>,
    pub probes: Probes,
    pub managed_defender_product_type: Option<u32>,
    pub configmgr_client: bool,
    /// Event log exports (`events/NAME`, wevtutil `/f:xml` text).
    pub events: Vec<(&'static str, String)>,
    /// Whether the OS has dsregcmd (Windows Server 2012 R2 has not: no dsregcmd-status.txt).
    pub dsregcmd: bool,
    /// The domain in `Tcpip\Parameters` (`Domain`), as every domain member has it.
    pub tcpip_domain: Option<&'static str>,
    /// The SENSE service key of the unified agent (`Services\Sense`).
    pub sense_service: bool,
    pub computer: Option<Computer>,
    /// SCP objects of other forests in the bundle (`ad/scp-FOREST.ldif`).
    pub other_forest_scps: Vec<(&'static str, Scp)>,
    /// Further files as a device or another tool leaves them (path in the bundle, bytes).
    pub extra_files: Vec<(&'static str, Vec<u8>)>,
    pub expect: Expect,
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario {
            name: "",
            description: "",
            hostname: "PC-0001",
            os: Os {
                product: "Windows 10 Enterprise",
                edition: "Enterprise",
                build: 22631,
                ubr: 4460,
                installation: "Client",
            },
            enrollment_status: Some(1),
            onboarding_state: 1,
            join: Join::Hybrid,
            joined_tenant: TENANT,
            client_scp: None,
            scp: Some(Scp::Entra {
                tenant: TENANT,
                name: "contoso.com",
            }),
            pre_join: None,
            probes: Probes::healthy(),
            managed_defender_product_type: None,
            configmgr_client: false,
            events: Vec::new(),
            dsregcmd: true,
            tcpip_domain: None,
            sense_service: false,
            computer: None,
            other_forest_scps: Vec::new(),
            extra_files: Vec::new(),
            expect: Expect {
                finding: "enrollment.status",
                code: Some(1),
                verdict: "healthy",
            },
        }
    }
}

/// One event as `wevtutil qe CHANNEL /f:xml` prints it (one line, single quotes).
pub fn event_xml(
    provider: &str,
    channel: &str,
    id: u32,
    level: u8,
    time: &str,
    record: u64,
    data: &[(Option<&str>, &str)],
) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let data: String = data
        .iter()
        .map(|(name, value)| match name {
            Some(n) => format!("<Data Name='{n}'>{}</Data>", esc(value)),
            None => format!("<Data>{}</Data>", esc(value)),
        })
        .collect();
    format!(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='{provider}'/><EventID>{id}</EventID><Version>0</Version><Level>{level}</Level><Task>101</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='{time}'/><EventRecordID>{record}</EventRecordID><Correlation/><Execution ProcessID='1208' ThreadID='3300'/><Channel>{channel}</Channel><Computer>host.contoso.com</Computer><Security UserID='S-1-5-18'/></System><EventData>{data}</EventData></Event>\r\n"
    )
}

/// The endpoints the probes test.
pub const ENDPOINTS: [&str; 5] = [
    "https://enrollment.dm.microsoft.com",
    "https://checkin.dm.microsoft.com",
    "https://discovery.dm.microsoft.com",
    "https://login.microsoftonline.com",
    "https://enterpriseregistration.windows.net",
];

impl Endpoint {
    /// An endpoint that resolved, connected and completed the TLS handshake.
    pub fn reachable(url: &'static str) -> Endpoint {
        Endpoint {
            url,
            dns: "ok",
            tcp: "ok",
            tls: "ok",
            error: None,
            http_status: Some(200),
        }
    }

    /// An endpoint behind a proxy that asks for authentication: the connection opens, the
    /// request gets 407.
    pub fn proxy_auth(url: &'static str) -> Endpoint {
        Endpoint {
            url,
            dns: "ok",
            tcp: "ok",
            tls: "ok",
            error: Some("HTTP 407 Proxy Authentication Required (proxy.contoso.com:8080)"),
            http_status: Some(407),
        }
    }
}

impl Probes {
    pub fn healthy() -> Probes {
        Probes {
            skew_seconds: 0.8,
            dns_servers: vec!["10.0.0.10", "10.0.0.11"],
            domain_controllers: vec!["10.0.0.10", "10.0.0.11"],
            endpoints: ENDPOINTS
                .iter()
                .map(|url| Endpoint::reachable(url))
                .collect(),
            failed_lookups: Vec::new(),
        }
    }
}
