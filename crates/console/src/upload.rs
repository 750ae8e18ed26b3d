//! Turning an upload (an `analyze` JSON report or a bundle zip) into a report to store.

use std::io::Write;

use mde_fleet::{Device, Report};

use crate::sha256_hex;
use crate::store::Incoming;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the upload is empty")]
    Empty,
    #[error(transparent)]
    Report(#[from] mde_fleet::ReportError),
    #[error("the bundle could not be read: {0}")]
    Bundle(#[from] mde_fleet::AnalyzeError),
    #[error("cannot stage the bundle: {0}")]
    Stage(std::io::Error),
}

/// Whether `bytes` is a zip archive (a bundle) rather than a JSON report.
pub(crate) fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Reads an upload received at `received` for `fleet`. Bundles are diagnosed here, so call
/// this off the async threads.
pub fn prepare(bytes: &[u8], fleet: &str, received: i64) -> Result<Incoming, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    let hash = sha256_hex(bytes);
    let (report, json) = if is_zip(bytes) {
        let mut file = tempfile::Builder::new()
            .prefix("mde-console-upload-")
            .suffix(".zip")
            .tempfile()
            .map_err(UploadError::Stage)?;
        file.write_all(bytes).map_err(UploadError::Stage)?;
        file.flush().map_err(UploadError::Stage)?;
        let mut report = mde_fleet::analyze_bundle(file.path())?;
        // The temporary file's name means nothing to the administrator.
        report.source = format!("uploaded bundle {}", &hash[..12]);
        let json = serde_json::to_vec(&report).unwrap_or_default();
        (report, json)
    } else {
        (Report::from_json(bytes)?, bytes.to_vec())
    };
    let device = Device::from_report(&report, received);
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(&json);
    let body = enc.finish().unwrap_or_default();
    Ok(Incoming {
        fleet: fleet.to_string(),
        hash,
        body,
        device,
    })
}
