//! `analyze --upload URL --token T`: sends the diagnosis to the fleet console.

use std::time::Duration;

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
        let answer = send(url, token, json.as_bytes(), "application/json")?;
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
) -> Result<String, CliError> {
    let endpoint = format!("{}/api/v1/reports", url.trim_end_matches('/'));
    let fail = |message: String| CliError::Upload {
        url: endpoint.clone(),
        message,
    };
    let response = ureq::post(&endpoint)
        .config()
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
