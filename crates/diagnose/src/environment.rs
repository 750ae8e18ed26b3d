//! What a fleet groups failing devices by and the findings do not say: the DNS servers and
//! proxy the device's probes saw, and the OU of its computer object. Read from the bundle
//! here, so a diagnosis uploaded as JSON clusters as well as the bundle it came from.

use mde_artifacts::Snapshot;

use crate::context::Ctx;
use crate::model::Environment;

/// Bounds: these come from the device and are shown in fleet views.
const MAX_SERVERS: usize = 8;
const MAX_TEXT: usize = 256;

pub(crate) fn environment(ctx: &Ctx<'_>, snapshot: &Snapshot) -> Environment {
    let mut env = Environment::default();
    if let Some(probes) = &snapshot.probes {
        if let Some(dns) = &probes.value.dns {
            env.dns_servers = dns
                .servers
                .iter()
                .filter(|s| !s.trim().is_empty())
                .take(MAX_SERVERS)
                .map(|s| clip(s.trim()))
                .collect();
        }
        // WinHTTP's proxy is the one the SYSTEM account (and so enrollment) uses; DIRECT is
        // no proxy, which devices do not "share".
        if let Some(proxy) = probes
            .value
            .proxy
            .as_ref()
            .and_then(|p| p.winhttp.as_deref())
        {
            let proxy = proxy.trim();
            if !proxy.is_empty() && !proxy.eq_ignore_ascii_case("direct") {
                env.proxy = Some(clip(proxy));
            }
        }
    }
    env.ou = manifest_ou(snapshot)
        .or_else(|| {
            ctx.own_computer()
                .and_then(|(record, _)| parent(&record.dn))
        })
        .filter(|ou| !ou.is_empty())
        .map(|ou| clip(&ou));
    env
}

/// A collector may record the computer's OU (`ou`) or its distinguished name.
fn manifest_ou(snapshot: &Snapshot) -> Option<String> {
    let extra = &snapshot.manifest.as_ref()?.value.extra;
    extra
        .get("ou")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .or_else(|| {
            extra
                .get("distinguished_name")
                .and_then(|v| v.as_str())
                .and_then(parent)
        })
}

/// The DN of an object's container: everything after the first RDN (a `\,` inside the
/// RDN is part of it, RFC 4514).
fn parent(dn: &str) -> Option<String> {
    let mut escaped = false;
    for (i, c) in dn.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' if !escaped => return Some(dn[i + 1..].trim().to_string()),
            _ => escaped = false,
        }
    }
    None
}

fn clip(s: &str) -> String {
    s.chars().take(MAX_TEXT).collect()
}

#[cfg(test)]
mod tests {
    use super::parent;

    #[test]
    fn the_container_of_a_dn() {
        assert_eq!(
            parent("CN=PC-0042,OU=Laptops,DC=contoso,DC=com").as_deref(),
            Some("OU=Laptops,DC=contoso,DC=com")
        );
        assert_eq!(
            parent(r"CN=Smith\, John,OU=Staff,DC=contoso,DC=com").as_deref(),
            Some("OU=Staff,DC=contoso,DC=com")
        );
        assert_eq!(parent("DC=com"), None);
    }
}
