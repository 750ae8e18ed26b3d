//! `analyze`: one bundle's diagnosis, or one line per bundle when several are analyzed.

use mde_diagnose::Diagnosis;
use schemars::JsonSchema;
use serde::Serialize;

use crate::{Document, Record};

/// `mde-doctor analyze BUNDLE --format json`: the diagnosis of one device.
impl Document for Diagnosis {
    const SCHEMA: &'static str = "mde-doctor/analyze/v1";
}

/// One line of `mde-doctor analyze BUNDLE… --format json` (several bundles: JSON lines, in
/// the order the bundles were given, after a header line).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum BatchRecord<'a> {
    /// The bundle was diagnosed (the same object `analyze` prints for one bundle, without
    /// the tag).
    Diagnosed(&'a Diagnosis),
    /// Nothing in the bundle could be used.
    Unusable(Unusable<'a>),
}

impl Record for BatchRecord<'_> {
    const SCHEMA: &'static str = "mde-doctor/analyze-batch/v1";
}

/// A bundle of which nothing could be read.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Unusable<'a> {
    /// The bundle as given on the command line.
    pub source: &'a str,
    /// Always `unusable` (a diagnosed bundle says `healthy`, `failing` or `incomplete`).
    pub verdict: UnusableVerdict,
    /// Why, for people.
    pub error: &'a str,
}

/// The verdict of a bundle that could not be used.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UnusableVerdict {
    Unusable,
}
