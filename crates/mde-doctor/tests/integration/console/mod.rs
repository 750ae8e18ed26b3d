//! The fleet console through the real binary: uploads from `analyze --upload`, `kill -9`
//! durability, the pages in headless Chromium, HTTPS.

mod browser;
mod durability;
mod server;
mod tls;
mod upload;
