//! What the checks see: the snapshot plus helpers that read a fact and its evidence at once.

use mde_artifacts::Location;
use mde_artifacts::dsregcmd::{DsregFacts, Field};
use mde_artifacts::ldif::{LdifRecord, Scp};
use mde_artifacts::snapshot::{RegistryValue, Snapshot};

use crate::checks::OsAssessment;
use crate::model::Evidence;

pub(crate) const SENSECM: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SenseCM";
pub(crate) const ATP_STATUS: &str =
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Advanced Threat Protection\Status";
pub(crate) const CURRENT_VERSION: &str =
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion";
pub(crate) const CDJ_AAD: &str =
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\CDJ\AAD";
pub(crate) const DEFENDER: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Defender";
pub(crate) const ENROLLMENTS: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Enrollments";
pub(crate) const SMS_CLIENT: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SMS\Mobile Client";
pub(crate) const PRODUCT_OPTIONS: &str =
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ProductOptions";
pub(crate) const SENSE_SERVICE: &str =
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Sense";
pub(crate) const ENVIRONMENT: &str =
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager\Environment";

pub(crate) const COMPUTER_NAME: &str =
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName";
pub(crate) const TCPIP: &str =
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters";
pub(crate) const WINLOGON: &str =
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon";
pub(crate) const JOIN_INFO: &str =
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\CloudDomainJoin\JoinInfo";

/// What the caller knows beyond the bundle.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// An Entra Connect configuration export (`Get-ADSyncServerConfiguration`): its
    /// *In from AD – Computer Join* rule and connector scope decide whether the device's AD
    /// object syncs.
    pub aadconnect: Option<mde_syncrule::simulate::Config>,
    /// The Entra Connect version, when known (picks the default rule of that version).
    pub entra_connect_version: Option<String>,
}

pub(crate) struct Ctx<'a> {
    pub(crate) snapshot: &'a Snapshot,
    pub(crate) options: &'a Options,
    pub(crate) dsreg: Option<DsregFacts>,
    /// What the checks wanted and did not find (for the `missing` list).
    pub(crate) missing: Vec<String>,
    /// Made once here; several checks and the summary need it.
    pub(crate) os: OsAssessment,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(snapshot: &'a Snapshot, options: &'a Options) -> Ctx<'a> {
        let mut ctx = Ctx {
            snapshot,
            options,
            dsreg: snapshot.dsregcmd.as_ref().map(|d| d.value.facts()),
            missing: Vec::new(),
            os: OsAssessment::default(),
        };
        ctx.os = crate::checks::assess_os(&ctx);
        ctx
    }

    pub(crate) fn reg(&self, key: &str, name: &str) -> Option<&'a RegistryValue> {
        self.snapshot.registry.value(key, name)
    }

    /// Evidence for a registry value.
    pub(crate) fn reg_evidence(&self, key: &str, value: &RegistryValue) -> Evidence {
        let short = key.replace("HKEY_LOCAL_MACHINE", "HKLM");
        let name = if value.name.is_empty() {
            "@"
        } else {
            value.name.as_str()
        };
        evidence(
            &value.source.artifact,
            value.source.at,
            Some(&format!("{short}\\{name}")),
            format!("{name} = {}", value.data.display()),
        )
    }

    /// A registry value and its evidence, if present.
    pub(crate) fn reg_with_evidence(
        &self,
        key: &str,
        name: &str,
    ) -> Option<(&'a RegistryValue, Evidence)> {
        let v = self.reg(key, name)?;
        let e = self.reg_evidence(key, v);
        Some((v, e))
    }

    /// Evidence for a dsregcmd field, found by key.
    pub(crate) fn dsreg_evidence(&self, key: &str) -> Option<Evidence> {
        let sourced = self.snapshot.dsregcmd.as_ref()?;
        let field: &Field = sourced.value.field(&[key], &[])?;
        Some(evidence(
            &sourced.artifact,
            field.at,
            None,
            format!("{} : {}", field.key, field.value),
        ))
    }

    pub(crate) fn domain_joined(&self) -> Option<bool> {
        self.dsreg.as_ref().and_then(|d| d.join_state.domain_joined)
    }

    /// The device's name: the manifest, dsregcmd, or the registry.
    pub(crate) fn hostname(&self) -> Option<String> {
        self.snapshot
            .manifest
            .as_ref()
            .and_then(|m| m.value.hostname.clone())
            .or_else(|| {
                self.dsreg
                    .as_ref()
                    .and_then(|d| d.join_state.device_name.clone())
            })
            .or_else(|| self.reg_text(COMPUTER_NAME, "ComputerName"))
            .or_else(|| self.reg_text(TCPIP, "Hostname"))
            .map(|h| h.split('.').next().unwrap_or(&h).to_string())
            .filter(|h| !h.is_empty())
    }

    fn reg_text(&self, key: &str, name: &str) -> Option<String> {
        self.reg(key, name)
            .map(|v| v.data.display().trim().to_string())
            .filter(|t| !t.is_empty())
    }

    /// The Active Directory domain the device is a member of, with its evidence: dsregcmd's
    /// DomainName (when DomainJoined), the registry (Tcpip `Domain`, Winlogon
    /// `CachePrimaryDomain`), or the device's own AD computer object.
    /// dsregcmd's DomainName is usually the NetBIOS name (`CONTOSO`): a DNS name from the
    /// registry or the AD object is preferred when there is one.
    pub(crate) fn ad_domain(&self) -> Option<(String, Evidence)> {
        let dsreg = self.dsreg.as_ref().and_then(|d| {
            let name = d.join_state.domain_name.clone()?;
            (d.join_state.domain_joined == Some(true))
                .then(|| self.dsreg_evidence("DomainName").map(|e| (name, e)))
                .flatten()
        });
        if let Some((name, e)) = &dsreg
            && name.contains('.')
        {
            return Some((name.clone(), e.clone()));
        }
        self.ad_domain_dns().or(dsreg)
    }

    fn ad_domain_dns(&self) -> Option<(String, Evidence)> {
        for (key, name) in [(TCPIP, "Domain"), (WINLOGON, "CachePrimaryDomain")] {
            if let Some((v, e)) = self.reg_with_evidence(key, name) {
                let text = v.data.display().trim().to_string();
                let host = self.hostname().unwrap_or_default();
                if !text.is_empty() && !text.eq_ignore_ascii_case(&host) {
                    return Some((text, e));
                }
            }
        }
        let (computer, artifact) = self.own_computer()?;
        let dns = computer.first_text("dNSHostName")?;
        let domain = dns.split_once('.')?.1.to_string();
        Some((
            domain,
            evidence(
                artifact,
                computer.at,
                None,
                format!("dn: {}; dNSHostName: {dns}", computer.dn),
            ),
        ))
    }

    /// The service connection points that count for this device: when the bundle holds
    /// SCPs of several forests, the one of the device's own forest (its DC= components are
    /// the device's domain or a parent of it); otherwise all of them.
    pub(crate) fn own_scps(&self) -> Vec<&'a mde_artifacts::snapshot::Sourced<Scp>> {
        let all: Vec<_> = self.snapshot.scps.iter().collect();
        if all.len() < 2 {
            return all;
        }
        let Some((domain, _)) = self.ad_domain() else {
            return all;
        };
        let domain = domain.to_ascii_lowercase();
        let own: Vec<_> = all
            .iter()
            .copied()
            .filter(|s| {
                let forest = forest_of(&s.value.dn);
                if forest.is_empty() {
                    return false;
                }
                if domain.contains('.') {
                    domain == forest || domain.ends_with(&format!(".{forest}"))
                } else {
                    // A NetBIOS name: the forest root's first label.
                    forest.split('.').next() == Some(domain.as_str())
                }
            })
            .collect();
        if own.is_empty() { all } else { own }
    }

    /// The device's own AD computer object among the bundle's LDIF computer objects: the
    /// one named like the device (cn, sAMAccountName `NAME$`, or dNSHostName's first label),
    /// or the only one when the device's name is unknown.
    pub(crate) fn own_computer(&self) -> Option<(&'a LdifRecord, &'a str)> {
        let computers = &self.snapshot.computers;
        let named = |host: &str| {
            computers.iter().find(|c| {
                let r = &c.value;
                r.first_text("cn")
                    .is_some_and(|n| n.eq_ignore_ascii_case(host))
                    || r.first_text("sAMAccountName")
                        .is_some_and(|n| n.trim_end_matches('$').eq_ignore_ascii_case(host))
                    || r.first_text("dNSHostName").is_some_and(|n| {
                        n.split('.')
                            .next()
                            .is_some_and(|l| l.eq_ignore_ascii_case(host))
                    })
            })
        };
        let found = match self.hostname() {
            Some(host) => named(&host),
            None if computers.len() == 1 => computers.first(),
            None => None,
        }?;
        Some((&found.value, found.artifact.as_str()))
    }
}

pub(crate) fn evidence(
    artifact: &str,
    at: Location,
    key: Option<&str>,
    excerpt: String,
) -> Evidence {
    let place = match at {
        Location::Line(n) => format!("line {n}"),
        Location::Offset(o) => format!("offset {o:#x}"),
        Location::Whole => String::new(),
    };
    let location = match (key, place.is_empty()) {
        (Some(k), false) => format!("{k}, {place}"),
        (Some(k), true) => k.to_string(),
        (None, _) => place,
    };
    let (line, offset) = match at {
        Location::Line(n) => (Some(n), None),
        Location::Offset(o) => (None, Some(o)),
        Location::Whole => (None, None),
    };
    // Bound what a device can put into a report.
    let excerpt = if excerpt.chars().count() > 300 {
        excerpt.chars().take(297).collect::<String>() + "..."
    } else {
        excerpt
    };
    Evidence {
        artifact: artifact.to_string(),
        location,
        line,
        offset,
        record: None,
        excerpt,
    }
}

/// `contoso.com` from `CN=…,CN=Configuration,DC=contoso,DC=com`.
pub(crate) fn forest_of(dn: &str) -> String {
    dn.split(',')
        .filter_map(|rdn| {
            let (k, v) = rdn.trim().split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("DC")
                .then(|| v.trim().to_ascii_lowercase())
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// GUIDs compare lower-case without braces.
pub(crate) fn normalize_guid(text: &str) -> String {
    text.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim()
        .to_ascii_lowercase()
}

pub(crate) fn is_guid(text: &str) -> bool {
    let g = normalize_guid(text);
    let parts: Vec<&str> = g.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(len, p)| p.len() == *len)
        && g.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}
