//! Reader tests against real artifacts: registry data written by Wine and by libhivex,
//! dsregcmd outputs published by Microsoft and others (tests/data/dsregcmd), bundles.

mod bundle;
mod dsregcmd;
mod events;
mod fixtures;
mod fuzz_regressions;
mod registry;
