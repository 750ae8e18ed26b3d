//! TLS with `rustls` against the public roots (Mozilla's list, `webpki-roots`) plus any roots
//! the caller adds. The device's own certificate store is deliberately not used: a TLS
//! inspection proxy's CA is usually in it, and the point is to see that the chain does not
//! lead to a public root — device registration refuses such a chain.

use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::ProbeError;

/// The roots and provider every connection's configuration is built from.
#[derive(Debug)]
pub(crate) struct Verified {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

pub(crate) fn client_config(extra_roots: &[Vec<u8>]) -> Result<Verified, ProbeError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in extra_roots {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|e| ProbeError::Root(e.to_string()))?;
    }
    Ok(Verified {
        roots: Arc::new(roots),
        provider: Arc::new(rustls::crypto::ring::default_provider()),
    })
}

/// The certificates (DER) of a PEM file's text, for `--ca`.
pub fn load_pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for item in CertificateDer::pem_slice_iter(pem) {
        let cert = item.map_err(|e| format!("not a PEM certificate: {e}"))?;
        out.push(cert.as_ref().to_vec());
    }
    if out.is_empty() {
        return Err("no CERTIFICATE block found".into());
    }
    Ok(out)
}

/// What the verifier saw of the server's chain, whatever the verdict.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub(crate) issuer: Option<String>,
}

impl Verified {
    /// A configuration for one connection, and where its verifier records the issuer.
    pub(crate) fn for_connection(&self) -> Result<(Arc<ClientConfig>, Arc<Mutex<Seen>>), String> {
        let inner =
            WebPkiServerVerifier::builder_with_provider(self.roots.clone(), self.provider.clone())
                .build()
                .map_err(|e| e.to_string())?;
        let seen = Arc::new(Mutex::new(Seen::default()));
        let verifier = Arc::new(Recording {
            inner,
            seen: seen.clone(),
        });
        let config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok((Arc::new(config), seen))
    }
}

/// The usual webpki verification, recording the end-entity's issuer first so that a refused
/// chain still says who signed it.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    seen: Arc<Mutex<Seen>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok((_, cert)) = x509_parser::parse_x509_certificate(end_entity.as_ref())
            && let Ok(mut seen) = self.seen.lock()
        {
            seen.issuer = Some(cert.issuer().to_string());
        }
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Whether a handshake error says the chain leads to no trusted root.
pub(crate) fn is_untrusted_chain(e: &std::io::Error) -> bool {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|e| {
            matches!(
                e,
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
            )
        })
}
