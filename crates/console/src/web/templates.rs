//! The pages' view models (askama templates in `crates/console/templates/`; everything is
//! HTML-escaped unless marked otherwise, and nothing from a device is ever marked).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use mde_fleet::{Cluster, Count, Device, Filter, Split};

use super::view::Segment;

pub(crate) fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("template error: {e}\n"),
        )
            .into_response(),
    }
}

/// What every logged-in page shows in its header.
pub(crate) struct Chrome {
    pub nav: &'static str,
    pub admin: String,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    pub csrf: String,
    pub error: Option<String>,
    pub setup_pending: bool,
}

#[derive(Template)]
#[template(path = "setup.html")]
pub(crate) struct SetupPage {
    pub token: String,
    pub error: Option<String>,
}

pub(crate) struct SplitRow {
    pub split: Split,
    pub href: String,
    /// Failed share of the row, in percent, for the mini bar.
    pub failed_pct: i64,
}

pub(crate) struct TrendBar {
    pub day: String,
    pub reports: i64,
    pub failing: i64,
    pub x: String,
    pub y: String,
    pub h: String,
}

#[derive(Template)]
#[template(path = "overview.html")]
pub(crate) struct OverviewPage {
    pub chrome: Chrome,
    pub total: i64,
    pub segments: Vec<Segment>,
    pub buckets: Vec<Count>,
    pub categories: Vec<Count>,
    pub by_os: Vec<SplitRow>,
    pub by_domain: Vec<SplitRow>,
    pub trend: Vec<TrendBar>,
}

pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) struct Row {
    pub d: Device,
    pub last_seen: String,
    pub open_href: String,
    pub page_href: String,
    pub open: bool,
}

pub(crate) struct FindingView {
    pub severity: String,
    pub title: String,
    pub code: Option<i64>,
    pub root_cause: Option<String>,
    pub actions: Vec<String>,
    pub docs: Vec<String>,
    pub evidence: Vec<String>,
}

pub(crate) struct HistoryView {
    pub received: String,
    pub verdict: String,
    pub code: Option<i64>,
    pub headline: String,
}

pub(crate) struct Panel {
    pub d: Device,
    pub last_seen: String,
    pub meaning: Option<String>,
    pub code_actions: Vec<String>,
    pub code_docs: Vec<(String, String)>,
    pub join_current: String,
    pub join_after: String,
    pub join_note: String,
    pub findings: Vec<FindingView>,
    pub history: Vec<HistoryView>,
    pub facts: Vec<(String, String)>,
    pub close_href: String,
    /// "Close" beside the list, "All devices" on the device's own page.
    pub close_label: &'static str,
    pub page_href: String,
}

#[derive(Template)]
#[template(path = "devices.html")]
pub(crate) struct DevicesPage {
    pub chrome: Chrome,
    pub filter: Filter,
    pub cause_label: Option<String>,
    pub cause: String,
    pub cause_value: String,
    pub managed_by: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub domains: Vec<Choice>,
    pub verdicts: Vec<Choice>,
    pub seen: Vec<Choice>,
    pub sorts: Vec<Choice>,
    pub count: i64,
    /// The count stopped at [`crate::COUNT_CAP`].
    pub more: bool,
    pub rows: Vec<Row>,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    pub csv_href: String,
    pub panel: Option<Panel>,
}

#[derive(Template)]
#[template(path = "device.html")]
pub(crate) struct DevicePage {
    pub chrome: Chrome,
    pub panel: Panel,
}

pub(crate) struct ClusterView {
    pub c: Cluster,
    pub href: String,
    pub members: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "causes.html")]
pub(crate) struct CausesPage {
    pub chrome: Chrome,
    pub failing: i64,
    pub clusters: Vec<ClusterView>,
}

#[derive(Template)]
#[template(path = "upload.html")]
pub(crate) struct UploadPage {
    pub chrome: Chrome,
    pub message: Option<String>,
    pub bad: bool,
    pub device_href: Option<String>,
}
