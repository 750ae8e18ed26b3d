//! The service connection point and the computer's own object, read over LDAP from a domain
//! controller of the machine's domain with the caller's credentials (the machine account's
//! as SYSTEM), written as `ad/scp.ldif` and `ad/computer.ldif`.

use super::win32::{Key, Ldap};
use crate::bundle::{Bundle, StepError, StepResult};
use crate::ldif_out::to_ldif;

/// Seconds to wait for a domain controller.
const TIMEOUT_S: i32 = 10;

/// The computer's attributes worth having: who it is, what it runs, and the certificate
/// Entra Connect's sync rule looks at.
const COMPUTER_ATTRIBUTES: [&str; 9] = [
    "cn",
    "dNSHostName",
    "objectGUID",
    "objectSid",
    "operatingSystem",
    "operatingSystemVersion",
    "userAccountControl",
    "userCertificate",
    "sAMAccountName",
];

/// The machine's AD DNS domain (Tcpip parameters), if it has one.
fn machine_domain() -> Option<String> {
    let key = Key::open_hklm(r"SYSTEM\CurrentControlSet\Services\Tcpip\Parameters").ok()?;
    let values = key.values().ok()?;
    ["Domain", "NV Domain"].iter().find_map(|wanted| {
        values
            .iter()
            .find(|(n, ty, _)| n.eq_ignore_ascii_case(wanted) && *ty == 1)
            .map(|(_, _, bytes)| utf16z(bytes))
            .filter(|d| !d.is_empty())
    })
}

fn utf16z(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|u| *u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

pub(super) fn read(b: &mut Bundle, host: &str) -> Result<StepResult, StepError> {
    let Some(domain) = machine_domain() else {
        return Err(StepError::skipped(
            "the machine has no AD DNS domain (Tcpip\\Parameters Domain): not domain joined",
        ));
    };
    let ldap = Ldap::connect(&domain, TIMEOUT_S).map_err(StepError::failed)?;
    ldap.bind().map_err(StepError::failed)?;
    let root = ldap
        .search(
            "",
            false,
            "(objectClass=*)",
            &["configurationNamingContext", "defaultNamingContext"],
        )
        .map_err(StepError::failed)?;
    let context = |name: &str| -> Option<String> {
        root.first()?
            .attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.first())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    let config = context("configurationNamingContext")
        .ok_or_else(|| StepError::failed("the rootDSE has no configurationNamingContext"))?;
    let scps = ldap
        .search(
            &format!("CN=Device Registration Configuration,CN=Services,{config}"),
            true,
            "(objectClass=serviceConnectionPoint)",
            &["cn", "keywords", "objectClass"],
        )
        .map_err(StepError::failed)?;
    let mut partial = None;
    if scps.is_empty() {
        partial = Some(format!(
            "no service connection point under CN=Device Registration Configuration,CN=Services,{config}"
        ));
    } else {
        b.add("ad/scp.ldif", to_ldif(&scps).into_bytes());
    }
    if let Some(naming) = context("defaultNamingContext") {
        let filter = format!(
            "(&(objectCategory=computer)(sAMAccountName={}$))",
            escape_filter(host)
        );
        match ldap.search(&naming, true, &filter, &COMPUTER_ATTRIBUTES) {
            Ok(found) if !found.is_empty() => {
                b.add("ad/computer.ldif", to_ldif(&found).into_bytes())
            }
            Ok(_) => partial = Some(format!("no computer object {host}$ in {naming}")),
            Err(e) => partial = Some(e),
        }
    }
    Ok(StepResult {
        partial,
        note: Some(format!("domain {domain}")),
        ..StepResult::default()
    })
}

/// RFC 4515 escaping of a value inside a filter.
fn escape_filter(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '*' => "\\2a".to_string(),
            '(' => "\\28".to_string(),
            ')' => "\\29".to_string(),
            '\\' => "\\5c".to_string(),
            '\0' => "\\00".to_string(),
            c => c.to_string(),
        })
        .collect()
}
