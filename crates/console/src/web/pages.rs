//! The administrator's pages: overview, devices (with the side panel and the CSV export),
//! device page, fleet root causes, upload.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mde_fleet::{Bucket, Device, Filter, Report};
use serde::Deserialize;

use super::App;
use super::session::{admin, csrf_ok, csrf_refused, to_login};
use super::templates::*;
use super::view::{day, enc, query, segments, time};
use crate::store::{Cursor, HistoryEntry, Session};

/// Devices per page.
const PAGE: usize = 50;

fn chrome(nav: &'static str, s: &Session) -> Chrome {
    Chrome {
        nav,
        admin: s.admin.clone(),
        csrf: s.csrf.clone(),
    }
}

fn failure(e: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response()
}

pub(crate) async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        mde_fleet::CSS,
    )
        .into_response()
}

pub(crate) async fn overview(State(app): State<App>, headers: HeaderMap) -> Response {
    let Some(s) = admin(&app, &headers).await else {
        return to_login();
    };
    let (o, days) = match app.db.overview().await {
        Ok(x) => x,
        Err(e) => return failure(e),
    };
    let rows = |splits: &[mde_fleet::Split], field: &str| -> Vec<SplitRow> {
        splits
            .iter()
            .map(|sp| SplitRow {
                href: if sp.key.ends_with(" others") {
                    "/devices".to_string()
                } else {
                    format!("/devices?{}", query(&[(field, &sp.key)]))
                },
                failed_pct: if sp.total == 0 {
                    0
                } else {
                    sp.failed * 100 / sp.total
                },
                split: sp.clone(),
            })
            .collect()
    };
    let max = days.iter().map(|d| d.reports).max().unwrap_or(1).max(1);
    let trend = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let h = d.failing as f64 * 100.0 / max as f64;
            TrendBar {
                day: day(d.day),
                reports: d.reports,
                failing: d.failing,
                x: (i * 10 + 1).to_string(),
                y: format!("{:.2}", 100.0 - h),
                h: format!("{h:.2}"),
            }
        })
        .collect();
    let page = OverviewPage {
        chrome: chrome("overview", &s),
        total: o.total,
        segments: segments(&o),
        by_os: rows(&o.by_os, "os"),
        by_domain: rows(&o.by_domain, "domain"),
        buckets: o.buckets,
        categories: o.failed_by_category,
        trend,
    };
    render(&page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ListQuery {
    #[serde(flatten)]
    filter: Filter,
    after: String,
    after_key: String,
    open: String,
    cause: String,
    cause_value: String,
}

fn choices(values: &[(&str, &str)], selected: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|(v, l)| Choice {
            value: v.to_string(),
            label: l.to_string(),
            selected: *v == selected,
        })
        .collect()
}

fn owned_choices(values: Vec<String>, selected: &str) -> Vec<Choice> {
    let mut v: Vec<Choice> = values
        .into_iter()
        .map(|v| Choice {
            selected: v == selected,
            label: v.clone(),
            value: v,
        })
        .collect();
    if !selected.is_empty() && !v.iter().any(|c| c.selected) {
        v.push(Choice {
            value: selected.to_string(),
            label: selected.to_string(),
            selected: true,
        });
    }
    v
}

pub(crate) async fn devices(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(s) = admin(&app, &headers).await else {
        return to_login();
    };
    let filter = q.filter.normalized();
    let now = crate::now();
    let cause = mde_fleet::dimension(&q.cause).map(|d| (d, q.cause_value.as_str()));
    let cause_args = cause.map(|(d, v)| (d.key.as_str(), v));
    let cursor = (!q.after_key.is_empty()).then(|| Cursor {
        value: q.after.clone(),
        key: q.after_key.clone(),
    });
    let page = match app
        .db
        .devices(&filter, cause_args, cursor.as_ref(), PAGE, now)
        .await
    {
        Ok(p) => p,
        Err(e) => return failure(e),
    };
    let count = match app.db.count_devices(&filter, cause_args, now).await {
        Ok(n) => n,
        Err(e) => return failure(e),
    };
    let mut base: Vec<(&str, &str)> = filter.pairs();
    if cause.is_some() {
        base.push(("cause", &q.cause));
        base.push(("cause_value", &q.cause_value));
    }
    let mut here = base.clone();
    if cursor.is_some() {
        here.push(("after", &q.after));
        here.push(("after_key", &q.after_key));
    }
    let here_q = query(&here);
    let href_open = |key: &str| {
        let mut p = here.clone();
        p.push(("open", key));
        format!("/devices?{}", query(&p))
    };
    let rows = page
        .devices
        .iter()
        .map(|d| Row {
            last_seen: time(d.last_seen),
            open_href: href_open(&d.key),
            page_href: format!("/device/{}", enc(&d.key)),
            open: d.key == q.open,
            d: d.clone(),
        })
        .collect();
    let next_href = page.next.as_ref().map(|c| {
        let mut p = base.clone();
        p.push(("after", &c.value));
        p.push(("after_key", &c.key));
        format!("/devices?{}", query(&p))
    });
    let first_href = cursor
        .as_ref()
        .map(|_| format!("/devices?{}", query(&base)));
    let panel = if q.open.is_empty() {
        None
    } else {
        match app.db.device(&q.open).await {
            Ok(Some((d, report, history))) => {
                Some(panel(d, report, history, format!("/devices?{here_q}")))
            }
            Ok(None) => None,
            Err(e) => return failure(e),
        }
    };
    let domains = app.db.distinct("domain", 200).await.unwrap_or_default();
    let categories = app.db.distinct("category", 50).await.unwrap_or_default();
    let statuses: Vec<(&str, &str)> = Bucket::ALL.iter().map(|b| (b.key(), b.label())).collect();
    let page = DevicesPage {
        chrome: chrome("devices", &s),
        cause_label: cause.map(|(d, _)| d.label.clone()),
        cause: cause.map(|(d, _)| d.key.clone()).unwrap_or_default(),
        cause_value: q.cause_value.clone(),
        managed_by: choices(
            &[
                ("MDE", "MDE"),
                ("Intune", "Intune"),
                ("ConfigMgr", "ConfigMgr"),
                ("Unknown", "Unknown"),
            ],
            &filter.managed_by,
        ),
        statuses: choices(&statuses, &filter.status),
        categories: owned_choices(categories, &filter.category),
        domains: owned_choices(domains, &filter.domain),
        verdicts: choices(
            &[
                ("healthy", "Healthy"),
                ("failing", "Failing"),
                ("incomplete", "Incomplete"),
                ("no report", "No report"),
            ],
            &filter.verdict,
        ),
        seen: choices(
            &[
                ("1", "Last 24 hours"),
                ("7", "Last 7 days"),
                ("30", "Last 30 days"),
                ("90", "Last 90 days"),
            ],
            &filter.seen_days,
        ),
        sorts: choices(
            &[
                ("name", "Name"),
                ("last_seen", "Last seen"),
                ("code", "Code"),
            ],
            &filter.sort,
        ),
        more: count > crate::COUNT_CAP,
        count: count.min(crate::COUNT_CAP),
        rows,
        next_href,
        first_href,
        csv_href: format!("/devices.csv?{}", query(&base)),
        panel,
        filter,
    };
    render(&page)
}

fn label_value(label: &str, v: &Option<String>) -> Option<(String, String)> {
    v.as_ref()
        .filter(|v| !v.is_empty())
        .map(|v| (label.to_string(), v.clone()))
}

fn panel(
    d: Device,
    report: Option<Report>,
    history: Vec<HistoryEntry>,
    close_href: String,
) -> Panel {
    let catalog = mde_catalog::builtin();
    let code = d
        .code
        .and_then(|c| u32::try_from(c).ok())
        .and_then(|c| catalog.code(c));
    let join = report
        .as_ref()
        .and_then(|r| r.join_state.clone())
        .unwrap_or_default();
    let findings = report
        .as_ref()
        .map(|r| {
            let mut f: Vec<_> = r.findings.iter().collect();
            let rank = |s: &str| match s {
                "error" => 0,
                "warning" => 1,
                _ => 2,
            };
            f.sort_by_key(|x| rank(&x.severity));
            f.into_iter()
                .take(40)
                .map(|f| FindingView {
                    severity: f.severity.clone(),
                    title: f.title.clone(),
                    code: f.code,
                    root_cause: f.root_cause.clone(),
                    actions: f.actions.clone(),
                    docs: f
                        .docs
                        .iter()
                        .filter(|u| u.starts_with("https://"))
                        .cloned()
                        .collect(),
                    evidence: f
                        .evidence
                        .iter()
                        .take(8)
                        .map(|e| {
                            let at = if e.location.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", e.location)
                            };
                            format!(
                                "{}{at}: {}",
                                e.artifact,
                                e.excerpt.clone().unwrap_or_default()
                            )
                        })
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let f = &d.facts;
    let facts = [
        label_value("SCP tenant", &f.scp_tenant),
        label_value("DNS server", &f.dns_servers.first().cloned()),
        label_value("Proxy", &f.proxy),
        label_value("OU", &f.ou),
        label_value("Code / HRESULT", &f.code_hresult),
    ]
    .into_iter()
    .flatten()
    .collect();
    Panel {
        last_seen: time(d.last_seen),
        meaning: code.map(|c| c.meaning.clone()),
        code_actions: code.map(|c| c.actions.clone()).unwrap_or_default(),
        code_docs: code
            .map(|c| {
                c.docs
                    .iter()
                    .map(|l| (l.title.clone(), l.url.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        join_current: join
            .current
            .unwrap_or_else(|| "unknown".into())
            .replace('_', " "),
        join_after: join.after_onboarding.unwrap_or_default().replace('_', " "),
        join_note: join.note.unwrap_or_default(),
        findings,
        history: history
            .into_iter()
            .map(|h| HistoryView {
                received: time(h.received),
                verdict: h.verdict,
                code: h.code,
                headline: h.headline,
            })
            .collect(),
        facts,
        close_label: if close_href == "/devices" {
            "All devices"
        } else {
            "Close"
        },
        close_href,
        page_href: format!("/device/{}", enc(&d.key)),
        d,
    }
}

pub(crate) async fn device(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    let Some(s) = admin(&app, &headers).await else {
        return to_login();
    };
    match app.db.device(&key).await {
        Ok(Some((d, report, history))) => render(&DevicePage {
            chrome: chrome("devices", &s),
            panel: panel(d, report, history, "/devices".into()),
        }),
        Ok(None) => (StatusCode::NOT_FOUND, "No such device.\n").into_response(),
        Err(e) => failure(e),
    }
}

pub(crate) async fn devices_csv(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    if admin(&app, &headers).await.is_none() {
        return to_login();
    }
    let filter = q.filter.normalized();
    let cause = mde_fleet::dimension(&q.cause).map(|d| (d.key.as_str(), q.cause_value.as_str()));
    let now = crate::now();
    let mut all = Vec::new();
    let mut cursor: Option<Cursor> = None;
    // Page through by keyset so that memory use follows the export, not the table.
    loop {
        let page = match app
            .db
            .devices(&filter, cause, cursor.as_ref(), 5000, now)
            .await
        {
            Ok(p) => p,
            Err(e) => return failure(e),
        };
        all.extend(page.devices);
        match page.next {
            Some(c) if all.len() < 2_000_000 => cursor = Some(c),
            _ => break,
        }
    }
    let mut out = Vec::new();
    if let Err(e) = mde_fleet::write_csv(&mut out, &all) {
        return failure(e);
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"devices.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}

pub(crate) async fn causes(State(app): State<App>, headers: HeaderMap) -> Response {
    let Some(s) = admin(&app, &headers).await else {
        return to_login();
    };
    let clusters = match app.db.clusters(20, 30, 12).await {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    let failing = match app.db.overview().await {
        Ok((o, _)) => o
            .buckets
            .iter()
            .find(|b| b.key == "failed")
            .map(|b| b.count)
            .unwrap_or(0),
        Err(e) => return failure(e),
    };
    let clusters = clusters
        .into_iter()
        .map(|c| ClusterView {
            href: format!(
                "/devices?{}",
                query(&[
                    ("status", "failed"),
                    ("cause", &c.dimension),
                    ("cause_value", &c.value)
                ])
            ),
            members: c
                .devices
                .iter()
                .map(|m| (m.hostname.clone(), format!("/device/{}", enc(&m.key))))
                .collect(),
            c,
        })
        .collect();
    render(&CausesPage {
        chrome: chrome("causes", &s),
        failing,
        clusters,
    })
}

pub(crate) async fn upload_form(State(app): State<App>, headers: HeaderMap) -> Response {
    let Some(s) = admin(&app, &headers).await else {
        return to_login();
    };
    render(&UploadPage {
        chrome: chrome("upload", &s),
        message: None,
        bad: false,
        device_href: None,
    })
}

/// Fleet of reports uploaded through the page.
const ADMIN_FLEET: &str = "default";

pub(crate) async fn upload(
    State(app): State<App>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let Some(s) = admin(&app, &headers).await else {
        return to_login();
    };
    let (mut csrf, mut kind, mut file) = (String::new(), String::new(), None::<Bytes>);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                let data = match field.bytes().await {
                    Ok(d) => d,
                    Err(e) => return (e.status(), e.body_text()).into_response(),
                };
                match name.as_str() {
                    "csrf" => csrf = String::from_utf8_lossy(&data).into_owned(),
                    "kind" => kind = String::from_utf8_lossy(&data).into_owned(),
                    "file" => file = Some(data),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(e) => return (e.status(), e.body_text()).into_response(),
        }
    }
    if !csrf_ok(&s, &csrf) {
        return csrf_refused();
    }
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        return render(&UploadPage {
            chrome: chrome("upload", &s),
            message: Some("Choose a file first.".into()),
            bad: true,
            device_href: None,
        });
    };
    let response = if kind == "inventory" {
        super::api::import_inventory(&app, ADMIN_FLEET, &file).await
    } else {
        super::api::ingest(&app, ADMIN_FLEET.to_string(), None, file).await
    };
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let (message, device_href) = if let Some(err) = v.get("error").and_then(|e| e.as_str()) {
        (format!("Not stored: {err}"), None)
    } else if let Some(added) = v.get("added") {
        (
            format!(
                "Inventory imported: {} devices listed, {added} new.",
                v["listed"]
            ),
            None,
        )
    } else {
        let key = v["device"].as_str().unwrap_or("");
        (
            format!(
                "Report {} ({}) for device {key}: {}.",
                v["result"].as_str().unwrap_or(""),
                &v["report"].as_str().unwrap_or("")
                    [..12.min(v["report"].as_str().unwrap_or("").len())],
                v["status"].as_str().unwrap_or("")
            ),
            Some(format!("/device/{}", enc(key))),
        )
    };
    let page = render(&UploadPage {
        chrome: chrome("upload", &s),
        message: Some(message),
        bad: !status.is_success(),
        device_href,
    });
    (
        if status.is_success() {
            StatusCode::OK
        } else {
            status
        },
        page,
    )
        .into_response()
}
