//! Evidence from the device itself.
//!
//! - [`probe`]: network and clock probes on every OS — DNS servers and name resolution
//!   (`hickory-resolver`), TCP, proxy CONNECT and TLS (`rustls`, public roots, so a re-signing
//!   middlebox shows), domain-controller line of sight (SRV + LDAP rootDSE), clock skew (SNTP
//!   and HTTP `Date`) — written as the `probes.json` that `analyze` reads.
//! - [`bundle`]: the bundle writer and `manifest.json` with every collection step, its
//!   duration and error, shared by the Windows collector and its tests; [`ldif_out`] writes
//!   the directory objects it reads.
//! - `windows` (Windows only): live collection — the registry keys the checks use, `dsregcmd
//!   /status`, event logs, the service connection point over LDAP.
//!
//! Nothing here prints or exits: the binary decides what a result means to the user.

pub mod bundle;
pub mod ldif_out;
pub mod probe;
#[cfg(windows)]
pub mod windows;
