//! The catalog of enrollment status codes of Security Management for Microsoft Defender for
//! Endpoint (`HKLM\SOFTWARE\Microsoft\SenseCM\EnrollmentStatus`) and of the hybrid-join error
//! codes that explain registration failures.
//!
//! The knowledge is data, not code: `data/codes.toml` holds mde-doctor's explanation of each
//! code (category, meaning, actions, documentation), `data/readings.tsv` what each public
//! source literally says, and `data/hresults.toml` the hybrid-join HRESULTs. All three are
//! compiled in and validated when first used, and by this crate's tests, so a broken edit is
//! caught before it ships.

mod hresult;
mod join_state;
mod load;
mod lookup;
mod model;
mod readings;

pub use hresult::{Hresult, HresultError};
pub use join_state::JoinState;
pub use load::CatalogError;
pub use lookup::{Found, LookupError, Query, QueryError};
pub use model::{
    Catalog, Category, EnrollmentCode, Flow, HresultInfo, Link, Reading, Severity, SourceInfo,
};

use std::sync::OnceLock;

const CODES_TOML: &str = include_str!("../data/codes.toml");
const READINGS_TSV: &str = include_str!("../data/readings.tsv");
const HRESULTS_TOML: &str = include_str!("../data/hresults.toml");

/// The catalog compiled into the binary.
///
/// # Panics
/// Never in a released build: the embedded data is validated by this crate's tests, so a
/// failure here means the data files were edited without running them.
pub fn builtin() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        Catalog::from_sources(CODES_TOML, READINGS_TSV, HRESULTS_TOML)
            .unwrap_or_else(|e| panic!("built-in catalog is invalid: {e}"))
    })
}

#[cfg(test)]
mod tests;
