//! How PowerShell's AD cmdlets name and write what they export (`Export-Csv`,
//! `ConvertTo-Json`): property names mapped to LDAP names, `ObjectGUID` in its `D` form,
//! certificates as base64 (syncrule.md §4.2). Export-Csv and ConvertTo-Json write a
//! collection's or certificate's .NET type name instead of its bytes, so certificates must
//! come as a calculated property:
//! `@{n='userCertificate';e={($_.userCertificate | % {[Convert]::ToBase64String($_)}) -join ';'}}`
//! A type name where values belong is reported, never guessed at.

use mde_artifacts::ldif::base64_decode;

use crate::functions::convert::guid_bytes;
use crate::value::Value;

/// PowerShell property name → LDAP attribute name.
const NAMES: [(&str, &str); 12] = [
    ("OperatingSystem", "operatingSystem"),
    ("OperatingSystemVersion", "operatingSystemVersion"),
    ("ObjectGUID", "objectGUID"),
    ("DistinguishedName", "distinguishedName"),
    ("DNSHostName", "dNSHostName"),
    ("SamAccountName", "sAMAccountName"),
    ("SID", "objectSid"),
    ("Certificates", "userCertificate"),
    ("UserCertificate", "userCertificate"),
    ("Name", "cn"),
    ("UserAccountControl", "userAccountControl"),
    ("Description", "description"),
];

pub(super) fn ldap_name(property: &str) -> String {
    NAMES
        .iter()
        .find(|(ps, _)| ps.eq_ignore_ascii_case(property))
        .map(|(_, ldap)| (*ldap).to_string())
        .unwrap_or_else(|| property.to_string())
}

/// A .NET type name written where values belong.
pub(super) fn type_name_instead_of_values(property: &str, text: &str, writer: &str) -> String {
    format!(
        "{property} holds {text:?}: {writer} wrote the collection's type name, not its values; export it as a calculated property of base64 values joined with ';'"
    )
}

fn is_type_name(text: &str) -> bool {
    text.ends_with("ADPropertyValueCollection")
        || text.starts_with("System.Security.Cryptography.X509Certificates.")
        || text == "System.Byte[]"
        || text == "System.Object[]"
}

/// The values of one property written as text (a CSV cell, a JSON string), by the LDAP name
/// it maps to. `writer` names the cmdlet, for messages.
pub(super) fn text_values(
    name: &str,
    property: &str,
    text: &str,
    writer: &str,
) -> Result<Vec<Value>, String> {
    if is_type_name(text) {
        return Err(type_name_instead_of_values(property, text, writer));
    }
    let base64 = |t: &str| {
        let t = t.trim();
        base64_decode(t.strip_prefix("base64:").unwrap_or(t))
            .map(Value::Bin)
            .map_err(|i| format!("{property}: invalid base64 at character {i}"))
    };
    Ok(match name {
        "objectGUID" => vec![match text.strip_prefix("base64:") {
            Some(_) => base64(text)?,
            None => Value::Bin(
                guid_bytes(text).ok_or_else(|| format!("{property} {text:?} is not a GUID"))?,
            ),
        }],
        "userCertificate" => text
            .split(';')
            .filter(|c| !c.trim().is_empty())
            .map(base64)
            .collect::<Result<_, _>>()?,
        "distinguishedName" => vec![Value::Ref(text.to_string())],
        "userAccountControl" => vec![
            text.parse()
                .map(Value::Num)
                .unwrap_or_else(|_| Value::Str(text.to_string())),
        ],
        _ => vec![Value::Str(text.to_string())],
    })
}
