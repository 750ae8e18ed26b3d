//! The fleet console through the real binary: uploads from `analyze --upload`, `kill -9`
//! durability, and the pages in headless Chromium.

mod browser;
mod durability;
mod server;
mod upload;
