//! Fleet views over many mde-doctor diagnoses, shared by the console (`mde-doctor serve`) and
//! the offline `mde-doctor fleet` command: a device row per report, the "Onboarded via MDE
//! security management" breakdown, the device list's filter model, and root-cause clusters —
//! failing devices grouped by the cause they share, biggest first, each with its fix.
//!
//! Domain knowledge (which enrollment category lands in which slice, what fixes a shared
//! cause) is in `data/*.toml`, with the documents it comes from.

mod analyze;
mod bucket;
mod cluster;
mod device;
mod export;
mod facts;
mod filter;
mod inputs;
mod lenient;
mod offline;
mod overview;
pub mod parallel;
mod report;

pub use analyze::{AnalyzeError, analyze_bundle};
pub use bucket::{Bucket, classify};
pub use cluster::{
    Cluster, DIMENSIONS, Dimension, MIN_CLUSTER, Member, clusters, dimension, dimensions,
    min_failure_rate, rank, value_of,
};
pub use device::{Device, device_key, name_key};
pub use export::{CSV_HEADER, csv_row, write_csv};
pub use facts::Facts;
pub use filter::Filter;
pub use inputs::{Loaded, expand, is_bundle_dir, load, read_reports};
pub use offline::{CSS, FleetView};
pub use overview::{Count, Overview, SPLIT_ROWS, Split};
pub use report::{
    Detail, DeviceInfo, Enrollment, Evidence, Finding, JoinState, MAX_REPORT_BYTES, Report,
    ReportError,
};
