//! Readers for the evidence a Windows device leaves behind about Defender for Endpoint
//! security management: registry exports (`.reg`), offline registry hives, `dsregcmd /status`
//! output, and evidence bundles that hold them.
//!
//! Every reader takes bytes, never panics on bad input, returns values that carry their
//! [`Location`] in the artifact, and keeps going past a damaged part, reporting it as a
//! [`Diagnostic`]: one bad line must not hide the rest of a file, and one bad file must not
//! hide the rest of a bundle.

#[cfg(feature = "zip")]
pub mod bundle;
#[cfg(feature = "zip")]
pub mod detect;
#[cfg(feature = "zip")]
pub mod dispatch;
pub mod dsregcmd;
#[cfg(feature = "evtx")]
pub mod events;
#[cfg(feature = "hive")]
pub mod hive;
pub mod ldif;
pub mod location;
pub mod read;
pub mod reg;
pub mod select;
#[cfg(feature = "zip")]
pub mod snapshot;
pub mod text;
pub mod xml;

#[cfg(feature = "zip")]
pub use bundle::{BundleError, Limits, read_bundle};
#[cfg(feature = "zip")]
pub use detect::{Kind, detect};
#[cfg(feature = "zip")]
pub use dispatch::{Artifact, OpenError, ParseError, Parsed, parse_whole, read_path};
pub use location::{Diagnostic, Location};
pub use read::{ReadError, ReadOptions, check_path, read_file};
#[cfg(feature = "evtx")]
pub use select::Wanted;
pub use select::{Selection, Subtree};
#[cfg(feature = "zip")]
pub use snapshot::{ArtifactInfo, ArtifactStatus, Provenance, Skip, Snapshot};
