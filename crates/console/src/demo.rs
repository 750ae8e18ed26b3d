//! `serve --demo`: a synthetic fleet built from the example scenarios, so that a newcomer sees
//! a populated console with one command. Each scenario's bundle is written by the scenario
//! generator and diagnosed for real; the demo then varies names, domains, OS builds, DNS
//! servers, proxies and OUs, and spreads two or three reports per device over the last weeks.

use mde_fleet::{Facts, Report};

use crate::error::ConsoleError;
use crate::store::Ingestor;
use crate::upload::prepare;

/// How often each scenario appears, out of the sum (a fleet is mostly healthy).
const WEIGHTS: &[(&str, u32)] = &[
    ("healthy", 540),
    ("dns-not-domain", 70),
    ("tenant-mismatch", 45),
    ("scp-missing", 50),
    ("scp-enterprise-drs", 15),
    ("connectivity", 60),
    ("name-resolution", 25),
    ("clock-skew", 15),
    ("configmgr", 40),
    ("intune-switch-off", 20),
    ("unsupported-os", 20),
    ("update-required", 30),
    ("not-onboarded", 30),
    ("not-synced", 40),
];

const DOMAINS: &[(&str, &str)] = &[
    ("CONTOSO", "10.0.0.10"),
    ("FABRIKAM", "10.20.0.5"),
    ("NORTHWIND", "10.30.0.5"),
    ("TAILSPIN", "10.40.0.5"),
];

const OSES: &[(&str, &str, u32)] = &[
    ("Windows 11 Enterprise", "22631.4460", 40),
    ("Windows 10 Enterprise", "19045.5131", 30),
    ("Windows Server 2022 Datacenter", "20348.2849", 15),
    ("Windows Server 2019 Standard", "17763.6532", 10),
    ("Windows Server 2016 Standard", "14393.7515", 5),
];

const SITES: &[&str] = &["Paris", "Berlin", "Seattle", "Osaka", "Lagos", "Lima"];

/// A small deterministic generator (xorshift64*), so every demo looks the same.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
        let total: u64 = items.iter().map(|i| u64::from(weight(i))).sum();
        let mut r = self.below(total);
        for i in items {
            let w = u64::from(weight(i));
            if r < w {
                return i;
            }
            r -= w;
        }
        &items[0]
    }
}

/// The diagnosis of each example scenario, from bundles written and analyzed for real.
fn scenario_reports() -> Result<Vec<(String, Report)>, ConsoleError> {
    let dir = tempfile::tempdir().map_err(|e| {
        ConsoleError::Invalid(format!("demo: cannot create a temporary directory: {e}"))
    })?;
    let mut out = Vec::new();
    for s in mde_scenarios::scenarios() {
        let path = dir.path().join(s.name);
        mde_scenarios::write_bundle(&s, &path).map_err(|e| {
            ConsoleError::Invalid(format!("demo: writing scenario {}: {e}", s.name))
        })?;
        let report = mde_fleet::analyze_bundle(&path).map_err(|e| {
            ConsoleError::Invalid(format!("demo: analyzing scenario {}: {e}", s.name))
        })?;
        out.push((s.name.to_string(), report));
    }
    Ok(out)
}

fn set_detail(report: &mut Report, label: &str, value: &str) {
    if let Some(d) = report.details.iter_mut().find(|d| d.label == label) {
        d.value = Some(value.to_string());
    } else {
        report.details.push(mde_fleet::Detail {
            section: "configuration".into(),
            label: label.into(),
            value: Some(value.into()),
            source: None,
        });
    }
}

/// One synthetic device's report, derived from a scenario's.
fn vary(base: &Report, scenario: &str, i: u64, rng: &mut Rng) -> Report {
    let mut r = base.clone();
    let (domain, dc) = DOMAINS[rng.below(DOMAINS.len() as u64) as usize];
    let server = rng.below(5) == 0;
    let host = if server {
        format!("SRV-{i:05}")
    } else {
        format!("PC-{i:05}")
    };
    r.device.hostname = Some(host.clone());
    if r.device.domain.is_some() {
        r.device.domain = Some(domain.to_string());
    }
    if !matches!(scenario, "unsupported-os" | "update-required") {
        let oses: Vec<_> = OSES
            .iter()
            .filter(|o| o.0.contains("Server") == server)
            .collect();
        let (os, build, _) = **rng.weighted(&oses, |o| o.2);
        r.device.os = Some(os.to_string());
        r.device.build = Some(build.to_string());
    }
    r.source = format!("demo device {host}");
    set_detail(&mut r, "Device name", &host);
    let id = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        i as u32,
        rng.below(0xffff),
        rng.below(0xfff),
        rng.below(0xfff),
        rng.next() & 0xffff_ffff_ffff
    );
    set_detail(&mut r, "Entra device ID (SenseCM)", &id);
    r.details
        .retain(|d| d.label != "Entra device ID (dsregcmd)");
    let site = SITES[rng.below(SITES.len() as u64) as usize];
    let mut facts = r.facts.clone().unwrap_or_default();
    facts.os_build = r.device.build.clone();
    facts.ou = Some(format!(
        "OU={},OU={site},DC={},DC=com",
        if server { "Servers" } else { "Workstations" },
        domain.to_lowercase()
    ));
    facts.dns_servers = match scenario {
        // Branch offices whose DHCP hands out the router or a public resolver.
        "dns-not-domain" | "name-resolution" => {
            vec![["192.168.1.1", "192.168.1.1", "8.8.8.8"][rng.below(3) as usize].to_string()]
        }
        _ => vec![dc.to_string()],
    };
    facts.proxy = match scenario {
        "connectivity" => Some(
            [
                "proxy.contoso.com:8080",
                "proxy.contoso.com:8080",
                "10.9.9.9:3128",
            ][rng.below(3) as usize]
                .to_string(),
        ),
        _ if rng.below(4) == 0 => Some("proxy.contoso.com:8080".to_string()),
        _ => None,
    };
    // Keep the scenario's own facts (SCP tenant, code and HRESULT).
    let own = Facts::of(base);
    facts.scp_tenant = own.scp_tenant;
    facts.code_hresult = own.code_hresult;
    r.facts = Some(facts);
    r
}

/// Ingests `devices` synthetic devices with their history; returns how many reports.
pub async fn populate_demo(ingestor: &Ingestor, devices: u64) -> Result<u64, ConsoleError> {
    let reports = tokio::task::spawn_blocking(scenario_reports)
        .await
        .map_err(|e| ConsoleError::Invalid(format!("demo: {e}")))??;
    let healthy = reports
        .iter()
        .find(|(n, _)| n == "healthy")
        .map(|(_, r)| r.clone());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let now = crate::now();
    let mut stored = 0;
    let mut chunk = Vec::new();
    for i in 1..=devices {
        let (name, base) = {
            let (n, _) = rng.weighted(WEIGHTS, |w| w.1);
            reports.iter().find(|(s, _)| s == n).unwrap_or(&reports[0])
        };
        let latest = vary(base, name, i, &mut rng);
        // History: the same failure earlier, or a healthy report before a recent failure.
        let earlier = rng.below(3);
        for k in (0..=earlier).rev() {
            let mut r = latest.clone();
            let was_healthy = k > 0 && name != "healthy" && rng.below(3) == 0;
            if let Some(h) = healthy.as_ref().filter(|_| was_healthy) {
                let facts = r.facts.clone();
                r = vary(h, "healthy", i, &mut Rng(i));
                // The same device: its name, OS and Entra device id.
                r.device = latest.device.clone();
                if let Some(id) = latest.detail("Entra device ID (SenseCM)") {
                    set_detail(&mut r, "Entra device ID (SenseCM)", id);
                }
                r.facts = facts;
            }
            let received =
                now - (k as i64) * 86_400 * (1 + rng.below(9) as i64) - rng.below(86_400) as i64;
            r.source = format!("{} (report {})", r.source, k);
            let json = serde_json::to_vec(&r).unwrap_or_default();
            chunk.push((json, received));
        }
        if chunk.len() >= 2000 || i == devices {
            stored += submit(ingestor, std::mem::take(&mut chunk)).await?;
        }
    }
    Ok(stored)
}

async fn submit(ingestor: &Ingestor, chunk: Vec<(Vec<u8>, i64)>) -> Result<u64, ConsoleError> {
    // Oldest first, so that the latest report ends up describing the device.
    let mut chunk = chunk;
    chunk.sort_by_key(|c| c.1);
    let prepared = tokio::task::spawn_blocking(move || {
        chunk
            .into_iter()
            .map(|(json, received)| prepare(&json, "demo", received))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| ConsoleError::Invalid(format!("demo: {e}")))?
    .map_err(|e| ConsoleError::Invalid(format!("demo: {e}")))?;
    let mut set = tokio::task::JoinSet::new();
    let n = prepared.len() as u64;
    for incoming in prepared {
        let ing = ingestor.clone();
        set.spawn(async move { ing.submit(incoming).await });
    }
    while let Some(r) = set.join_next().await {
        r.map_err(|e| ConsoleError::Invalid(format!("demo: {e}")))??;
    }
    Ok(n)
}
