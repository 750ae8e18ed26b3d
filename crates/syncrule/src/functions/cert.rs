//! Certificate functions (syncrule.md §2.1): the argument is a DER certificate or its base64
//! text; x509-parser reads it. Names are rendered like .NET's `X509Certificate2.Subject`
//! (most specific RDN first, `, ` between). `CertNotAfter`/`CertNotBefore` are documented as
//! local time; mde-doctor uses UTC, which is what comparing with `Now()` needs.

use std::borrow::Cow;

use mde_artifacts::ldif::base64_decode;
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

use crate::error::{EvalError, Pos};
use crate::eval::{Ctx, lift_ref};
use crate::value::{UNIX_EPOCH_TICKS, Value};

/// DER bytes of a certificate value (raw DER, borrowed; or base64 as bytes or text).
fn der(v: &Value) -> Option<Cow<'_, [u8]>> {
    match v {
        Value::Bin(b) if b.first() == Some(&0x30) => Some(Cow::Borrowed(b)),
        Value::Bin(b) => base64_decode(std::str::from_utf8(b).ok()?.trim())
            .ok()
            .map(Cow::Owned),
        Value::Str(s) => base64_decode(s.trim()).ok().map(Cow::Owned),
        _ => None,
    }
}

fn name_text(n: &X509Name<'_>) -> String {
    let mut rdns: Vec<String> = n
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let key = x509_parser::objects::oid2abbrev(
                        atv.attr_type(),
                        x509_parser::objects::oid_registry(),
                    )
                    .map(str::to_string)
                    .unwrap_or_else(|_| atv.attr_type().to_id_string());
                    let value = atv
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|_| "#".to_string());
                    format!("{key}={value}")
                })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect();
    rdns.reverse();
    rdns.join(", ")
}

fn common_name(n: &X509Name<'_>) -> Option<String> {
    n.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
}

/// What the certificate functions read from one certificate, parsed once: the 2012 R2 rule
/// asks IsCert, CertNotAfter and CertSubject of the same value in a row, a million times.
#[derive(Debug, Clone)]
struct Facts {
    der: Vec<u8>,
    not_after: i64,
    not_before: i64,
    subject: String,
    issuer: String,
    subject_cn: Option<String>,
    issuer_cn: Option<String>,
    serial: String,
    version: i64,
    signature_oid: String,
    key_oid: String,
    key_params: String,
    key_params_oid: Option<String>,
    critical_extensions: Vec<String>,
}

fn parse_facts(der: Vec<u8>) -> Option<Facts> {
    let (_, cert) = X509Certificate::from_der(&der).ok()?;
    let tbs = &cert.tbs_certificate;
    let to_ticks = |t: x509_parser::time::ASN1Time| t.timestamp() * 10_000_000 + UNIX_EPOCH_TICKS;
    let facts = Facts {
        not_after: to_ticks(tbs.validity.not_after),
        not_before: to_ticks(tbs.validity.not_before),
        subject: name_text(&tbs.subject),
        issuer: name_text(&tbs.issuer),
        subject_cn: common_name(&tbs.subject),
        issuer_cn: common_name(&tbs.issuer),
        serial: tbs
            .raw_serial()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect(),
        version: i64::from(tbs.version.0) + 1,
        signature_oid: cert.signature_algorithm.algorithm.to_id_string(),
        key_oid: tbs.subject_pki.algorithm.algorithm.to_id_string(),
        key_params: tbs
            .subject_pki
            .algorithm
            .parameters
            .as_ref()
            .map(|p| p.data.iter().map(|b| format!("{b:02X}")).collect())
            .unwrap_or_default(),
        key_params_oid: tbs
            .subject_pki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .map(|o| o.to_id_string()),
        critical_extensions: tbs
            .extensions()
            .iter()
            .filter(|e| e.critical)
            .map(|e| e.oid.to_id_string())
            .collect(),
        der: Vec::new(),
    };
    Some(Facts { der, ..facts })
}

/// The facts of a certificate value, from a small per-thread cache of recent certificates.
fn facts(v: &Value) -> Option<std::rc::Rc<Facts>> {
    use std::cell::RefCell;
    use std::rc::Rc;
    thread_local! {
        static RECENT: RefCell<Vec<Option<Rc<Facts>>>> = const { RefCell::new(Vec::new()) };
    }
    let der = der(v)?;
    RECENT.with(|recent| {
        let mut recent = recent.borrow_mut();
        if let Some(hit) = recent.iter().flatten().find(|f| *f.der == *der) {
            return Some(hit.clone());
        }
        let parsed = parse_facts(der.into_owned()).map(Rc::new);
        // Remember failures too (as None under the same bytes would need a key); keep 16.
        if let Some(f) = &parsed {
            if recent.len() >= 16 {
                recent.remove(0);
            }
            recent.push(Some(f.clone()));
        }
        parsed
    })
}

/// A certificate function: the certificate is read by reference (a multi-valued one value by
/// value, NULL results dropped, as [`crate::eval::lift1`] lifts), so a caller that holds the
/// value — a `$c` bound by `Where`, an attribute — hands it over without a copy.
pub(crate) fn call(name: &str, a: &[Value], pos: Pos) -> Result<Option<Value>, EvalError> {
    if !(name == "IsCert" || name.starts_with("Cert")) {
        return Ok(None);
    }
    if a.is_empty() || (a.len() > 1 && name != "CertNameInfo") {
        return Err(Ctx::type_error(
            pos,
            format!("{name} takes one certificate argument"),
        ));
    }
    let extra = a.get(1).and_then(Value::text).unwrap_or_default();
    let include_issuer = a.get(2).is_some_and(Value::truthy);
    if !crate::functions::NAMES.contains(&name) {
        return Ok(None);
    }
    let mut one = |v: &Value| -> Result<Value, EvalError> {
        let Some(f) = facts(v) else {
            return Ok(if name == "IsCert" {
                Value::Bool(false)
            } else {
                Value::Null
            });
        };
        Ok(match name {
            "IsCert" => Value::Bool(true),
            "CertNotAfter" => Value::Dt(f.not_after),
            "CertNotBefore" => Value::Dt(f.not_before),
            "CertSubject" | "CertSubjectNameDN" => Value::Str(f.subject.clone()),
            "CertIssuer" | "CertIssuerDN" => Value::Str(f.issuer.clone()),
            "CertThumbprint" | "CertHashString" => Value::Str(sha1_hex(&f.der)),
            "CertSerialNumber" => Value::Str(f.serial.clone()),
            "CertVersion" => Value::Num(f.version),
            "CertSignatureAlgorithmOid" => Value::Str(f.signature_oid.clone()),
            "CertKeyAlgorithm" | "CertPublicKeyOid" => Value::Str(f.key_oid.clone()),
            "CertKeyAlgorithmParams" => Value::Str(f.key_params.clone()),
            "CertPublicKeyParametersOid" => f
                .key_params_oid
                .clone()
                .map(Value::Str)
                .unwrap_or(Value::Null),
            "CertExtensionOids" => Value::Multi(
                f.critical_extensions
                    .iter()
                    .cloned()
                    .map(Value::Str)
                    .collect(),
            ),
            "CertFormat" => Value::Str("X509".into()),
            "CertFriendlyName" => Value::Str(String::new()),
            "CertNameInfo" => {
                let cn = if include_issuer {
                    &f.issuer_cn
                } else {
                    &f.subject_cn
                };
                match extra.as_str() {
                    "SimpleName" | "DnsName" | "" => {
                        cn.clone().map(Value::Str).unwrap_or(Value::Null)
                    }
                    _ => Value::Null,
                }
            }
            // CertIssuerOid / CertSubjectNameOid: .NET's X500DistinguishedName.Oid, which is
            // not set for names read from a certificate [INF]: NULL.
            _ => Value::Null,
        })
    };
    let value = lift_ref(&a[0], &mut one)?;
    Ok(Some(value))
}

/// SHA-1, upper-case hex: the thumbprint Windows shows for a certificate.
fn sha1_hex(data: &[u8]) -> String {
    use sha1::Digest as _;
    sha1::Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha1_known_answers() {
        assert_eq!(
            super::sha1_hex(b"abc"),
            "A9993E364706816ABA3E25717850C26C9CD0D89D"
        );
        assert_eq!(
            super::sha1_hex(b""),
            "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"
        );
    }
}
