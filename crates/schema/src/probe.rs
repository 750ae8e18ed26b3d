//! `probe`: the probes document (its types live with the bundle reader that reads it back).

use mde_artifacts::bundle::Probes;

use crate::Document;

/// `mde-doctor probe --format json` and the `probes.json` it writes into a bundle.
impl Document for Probes {
    const SCHEMA: &'static str = "mde-doctor/probe/v1";
}
