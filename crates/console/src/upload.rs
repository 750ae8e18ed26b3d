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

/// Raw deflate of `data`. The compressor's state (a few hundred kilobytes, zeroed when made)
/// is kept per thread and reset, not made anew for every report.
fn deflate(data: &[u8]) -> Vec<u8> {
    thread_local! {
        static COMPRESS: std::cell::RefCell<flate2::Compress> =
            std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::fast(), false));
    }
    COMPRESS.with(|c| {
        let mut c = c.borrow_mut();
        c.reset();
        let mut out = Vec::with_capacity(data.len() / 3 + 64);
        loop {
            let before = c.total_in() as usize;
            let status = c.compress_vec(
                &data[before.min(data.len())..],
                &mut out,
                flate2::FlushCompress::Finish,
            );
            match status {
                Ok(flate2::Status::StreamEnd) => break,
                Ok(_) => out.reserve(out.capacity().max(1024)),
                // Compressing into memory does not fail; keep the data readable regardless.
                Err(_) => return fallback(data),
            }
        }
        out
    })
}

fn fallback(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
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
    let (report, json): (Report, std::borrow::Cow<[u8]>) = if is_zip(bytes) {
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
        (report, json.into())
    } else {
        // A JSON report is stored as received: no copy, no serialising again.
        (Report::from_json(bytes)?, bytes.into())
    };
    let device = Device::from_report(&report, received);
    let body = deflate(&json);
    Ok(Incoming {
        fleet: fleet.to_string(),
        hash,
        body,
        device,
        token: None,
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    #[test]
    fn deflate_round_trips_and_reuses_its_state() {
        for n in [0usize, 10, 100_000, 3_000_000] {
            let data: Vec<u8> = (0..n).map(|i| (i * 7 % 251) as u8).collect();
            let packed = super::deflate(&data);
            let mut back = Vec::new();
            flate2::read::DeflateDecoder::new(&packed[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data, "{n} bytes");
        }
    }
}
