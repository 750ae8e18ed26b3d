//! The mde-doctor fleet console (`mde-doctor serve`): devices upload their diagnoses (or
//! whole evidence bundles, which the server diagnoses itself through the library crates);
//! administrators see the "Onboarded via MDE security management" breakdown, the device list
//! with its filters, a side panel per device, and failures grouped by the cause they share.
//!
//! Storage is SQLite (a file in the data directory) or PostgreSQL (several instances behind
//! a load balancer), through the same migrations and queries. Pages are rendered on the
//! server and work without JavaScript.

mod demo;
mod error;
mod inventory;
mod limits;
mod store;
mod upload;
mod web;

use sha2::Digest;

pub use demo::populate_demo;
pub use error::ConsoleError;
pub use inventory::{InventoryError, read_inventory};
pub use store::{COUNT_CAP, Cursor, Db, Incoming, Ingestor, Location, Outcome, TokenInfo};
pub use upload::{UploadError, prepare};
pub use web::{Config, Server, TlsFiles, start};

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `N` bytes from the operating system's random source.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS random source failing is not something a server can work around.
    getrandom::fill(&mut b).unwrap_or_else(|e| panic!("the OS random source failed: {e}"));
    b
}

/// `n` random bytes, hex-encoded.
pub(crate) fn random_hex(n: usize) -> String {
    let mut out = String::with_capacity(2 * n);
    while out.len() < 2 * n {
        for b in random_bytes::<32>() {
            if out.len() < 2 * n {
                out.push_str(&format!("{b:02x}"));
            }
        }
    }
    out
}

/// Lower-case hex of SHA-256 (twice per upload: content hash and token cache key, so
/// without an allocation per byte).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_hex_is_the_usual_form() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
