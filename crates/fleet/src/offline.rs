//! The offline fleet report (`mde-doctor fleet`): overview, device table and root-cause
//! clusters of a set of reports, as one HTML page, JSON or CSV.

use askama::Template;
use serde::Serialize;

use crate::cluster::{Cluster, clusters};
use crate::device::Device;
use crate::overview::Overview;

/// How many devices each cluster lists in the offline report.
const CLUSTER_DEVICES: usize = 50;

/// The stylesheet of the console and of the offline report (one file, no external assets).
pub const CSS: &str = include_str!("../assets/fleet.css");

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FleetView {
    pub overview: Overview,
    pub clusters: Vec<Cluster>,
    pub devices: Vec<Device>,
    /// Inputs that could not be read, with why.
    pub problems: Vec<String>,
}

/// `mde-doctor fleet … --format json`: overview, root-cause clusters and devices.
impl mde_schema::Document for FleetView {
    const SCHEMA: &'static str = "mde-doctor/fleet/v1";
}

impl FleetView {
    pub fn new(mut devices: Vec<Device>, problems: Vec<String>) -> FleetView {
        devices.sort_by(|a, b| a.hostname.cmp(&b.hostname).then(a.key.cmp(&b.key)));
        FleetView {
            overview: Overview::of(&devices),
            clusters: clusters(&devices, CLUSTER_DEVICES),
            devices,
            problems,
        }
    }

    pub fn to_json(&self) -> String {
        mde_report::json::document_json(self, true)
    }

    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = crate::export::write_csv(&mut out, &self.devices);
        out
    }

    pub fn to_html(&self) -> String {
        OfflinePage {
            view: self,
            css: CSS,
        }
        .render()
        .unwrap_or_else(|e| format!("template error: {e}"))
    }
}

#[derive(Template)]
#[template(path = "offline.html")]
struct OfflinePage<'a> {
    view: &'a FleetView,
    css: &'a str,
}
