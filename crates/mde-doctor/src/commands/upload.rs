//! `analyze --upload URL --token T`: sends the diagnosis to the fleet console.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use clap::Args;

use crate::error::CliError;

#[derive(Debug, Default, Args)]
pub(crate) struct UploadArgs {
    /// Also send the diagnosis (as JSON) to this fleet console (e.g. http://console:8080).
    #[arg(long, value_name = "URL", requires = "token")]
    upload: Option<String>,
    /// The console's ingest token (`mde-doctor token create`).
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// For an https:// console: trust the certificates in this PEM file (its own
    /// self-signed certificate or the internal CA that issued it) instead of the public
    /// roots. (`collect`'s `--ca` is for its probes.)
    #[arg(long, value_name = "FILE", requires = "upload")]
    upload_ca: Option<std::path::PathBuf>,
}

impl UploadArgs {
    /// Whether `--upload` was given.
    pub(crate) fn is_asked(&self) -> bool {
        self.upload.is_some()
    }

    pub(crate) fn send_if_asked(
        &self,
        diagnosis: &mde_diagnose::Diagnosis,
    ) -> Result<(), CliError> {
        let (Some(url), Some(token)) = (&self.upload, &self.token) else {
            return Ok(());
        };
        let json = mde_report::render_json(diagnosis);
        let answer = send(
            url,
            token,
            json.as_bytes(),
            "application/json",
            self.upload_ca.as_deref(),
        )?;
        eprintln!("uploaded to {url}: {answer}");
        Ok(())
    }
}

/// POSTs `body` to the console's report endpoint; returns the console's answer.
pub(crate) fn send(
    url: &str,
    token: &str,
    body: &[u8],
    content_type: &str,
    ca: Option<&Path>,
) -> Result<String, CliError> {
    let endpoint = format!("{}/api/v1/reports", url.trim_end_matches('/'));
    let fail = |message: String| CliError::Upload {
        url: endpoint.clone(),
        message,
    };
    let roots = match ca {
        Some(path) => RootCerts::Specific(Arc::new(certificates(path)?)),
        None => RootCerts::WebPki,
    };
    let tls = TlsConfig::builder().root_certs(roots).build();
    let response = ureq::post(&endpoint)
        .config()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .header("Authorization", &format!("Bearer {token}"))
        .content_type(content_type)
        .send(body)
        .map_err(|e| fail(e.to_string()))?;
    let status = response.status();
    let text = response
        .into_body()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .map_err(|e| fail(e.to_string()))?;
    if status.is_success() {
        Ok(text.trim().to_string())
    } else {
        Err(fail(format!("HTTP {status}: {}", text.trim())))
    }
}

/// The certificates of a PEM file (`--upload-ca`); a file with none, or one that is not PEM, is an
/// error naming it.
fn certificates(path: &Path) -> Result<Vec<Certificate<'static>>, CliError> {
    let bad = |message: String| CliError::Input {
        message: format!("--upload-ca {}: {message}", path.display()),
        hints: Vec::new(),
    };
    let meta = mde_artifacts::check_path(path).map_err(|e| bad(e.to_string()))?;
    if meta.len() > 1 << 20 {
        return Err(bad("larger than 1 MiB: not a certificate file".into()));
    }
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(bad(format!("not a PEM file: {e}"))),
        }
    }
    if certs.is_empty() {
        return Err(bad(
            "holds no certificate (expected -----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    Ok(certs)
}
