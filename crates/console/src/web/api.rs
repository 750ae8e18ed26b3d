//! The ingest API (`POST /api/v1/reports`, `POST /api/v1/inventory`, bearer ingest tokens)
//! and the read API for administrators (`GET /api/v1/devices`, session only: an ingest token
//! cannot read).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mde_fleet::{Filter, MAX_REPORT_BYTES};
use serde_json::json;

use super::App;
use super::session::admin;
use crate::store::{Cursor, Outcome};
use crate::upload::{UploadError, is_zip, prepare};

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Tokens seen valid, by the SHA-256 of the whole token: (fleet, token id). Only for
/// reports, whose writer checks in its own transaction that the token is still unrevoked;
/// this spares each upload a database round trip before it is queued.
#[derive(Default)]
pub(crate) struct TokenCache(std::sync::Mutex<std::collections::HashMap<String, (String, String)>>);

/// Tokens remembered at most; beyond, the cache starts again empty.
const TOKEN_CACHE_SIZE: usize = 10_000;

impl TokenCache {
    fn get(&self, key: &str) -> Option<(String, String)> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).cloned()
    }

    fn put(&self, key: String, found: (String, String)) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= TOKEN_CACHE_SIZE {
            map.clear();
        }
        map.insert(key, found);
    }
}

/// The fleet and id of a valid ingest token, or the response refusing the request.
/// `cached`: a token seen valid before is taken without asking the database, for callers
/// that check revocation when they write (reports); the others ask every time.
async fn authorize(
    app: &App,
    headers: &HeaderMap,
    cached: bool,
) -> Result<(String, String), Response> {
    let Some(token) = bearer(headers) else {
        return Err(problem(
            StatusCode::UNAUTHORIZED,
            "an ingest token is required: Authorization: Bearer mdt_…",
        ));
    };
    let key = crate::sha256_hex(token.as_bytes());
    let looked_up = match cached.then(|| app.tokens.get(&key)).flatten() {
        Some(found) => Ok(Some(found)),
        None => app.db.check_token(token).await,
    };
    match looked_up {
        Ok(Some(found)) => {
            app.tokens.put(key, found.clone());
            if let Err(wait) = app.limiter.check(&found.1) {
                let mut r = problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("too many uploads for this token; retry in {wait} s"),
                );
                if let Ok(v) = wait.to_string().parse() {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return Err(r);
            }
            Ok(found)
        }
        Ok(None) => Err(problem(
            StatusCode::UNAUTHORIZED,
            "the ingest token is unknown or revoked",
        )),
        Err(e) => Err(problem(StatusCode::SERVICE_UNAVAILABLE, e.to_string())),
    }
}

/// Stores an upload for `fleet` and answers for it; shared by the API and the upload page.
/// `token`: the id of the ingest token it came with, if any.
pub(crate) async fn ingest(
    app: &App,
    fleet: String,
    token: Option<String>,
    body: Bytes,
) -> Response {
    if !is_zip(&body) && body.len() > MAX_REPORT_BYTES {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "a JSON report may be at most {MAX_REPORT_BYTES} bytes; this one is {}",
                body.len()
            ),
        );
    }
    let received = crate::now();
    // A JSON report takes a fraction of a millisecond to read: inline. A bundle is diagnosed
    // (files, parsers): on the blocking pool.
    let prepared = if is_zip(&body) {
        tokio::task::spawn_blocking(move || prepare(&body, &fleet, received)).await
    } else {
        Ok(prepare(&body, &fleet, received))
    };
    let mut incoming = match prepared {
        Ok(Ok(i)) => i,
        Ok(Err(e @ UploadError::Stage(_))) => {
            return problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        }
        Ok(Err(e)) => return problem(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    incoming.token = token;
    let hash = incoming.hash.clone();
    let key = incoming.device.key.clone();
    let bucket = incoming.device.bucket.clone();
    match app.ingestor.submit(incoming).await {
        Ok(outcome) => {
            let (status, word) = match outcome {
                Outcome::Stored => (StatusCode::CREATED, "stored"),
                Outcome::Duplicate => (StatusCode::OK, "duplicate"),
                Outcome::Revoked => {
                    return problem(
                        StatusCode::UNAUTHORIZED,
                        "the ingest token is unknown or revoked",
                    );
                }
            };
            (
                status,
                Json(json!({ "result": word, "report": hash, "device": key, "status": bucket })),
            )
                .into_response()
        }
        Err(e) => problem(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

pub(crate) async fn post_report(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match authorize(&app, &headers, true).await {
        Ok((fleet, id)) => ingest(&app, fleet, Some(id), body).await,
        Err(refused) => refused,
    }
}

pub(crate) async fn post_inventory(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match authorize(&app, &headers, false).await {
        Ok((fleet, _)) => import_inventory(&app, &fleet, &body).await,
        Err(refused) => refused,
    }
}

pub(crate) async fn import_inventory(app: &App, fleet: &str, body: &[u8]) -> Response {
    let devices = match crate::inventory::read_inventory(body) {
        Ok(d) => d,
        Err(e) => return problem(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    };
    let listed = devices.len();
    match app.ingestor.inventory(devices, fleet).await {
        Ok(added) => (
            StatusCode::OK,
            Json(json!({ "listed": listed, "added": added })),
        )
            .into_response(),
        Err(e) => problem(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(crate) struct ApiQuery {
    #[serde(flatten)]
    filter: Filter,
    after: String,
    after_key: String,
    limit: usize,
}

pub(crate) async fn get_devices(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<ApiQuery>,
) -> Response {
    if admin(&app, &headers).await.is_none() {
        return if bearer(&headers).is_some() {
            problem(StatusCode::FORBIDDEN, "ingest tokens can upload, not read")
        } else {
            problem(StatusCode::UNAUTHORIZED, "log in as an administrator")
        };
    }
    let filter = q.filter.normalized();
    let cursor = (!q.after_key.is_empty()).then_some(Cursor {
        value: q.after,
        key: q.after_key,
    });
    let limit = q.limit.clamp(1, 1000);
    match app
        .db
        .devices(&filter, None, cursor.as_ref(), limit, crate::now())
        .await
    {
        Ok(page) => Json(json!({
            "devices": page.devices,
            "next": page.next.map(|c| json!({ "after": c.value, "after_key": c.key })),
        }))
        .into_response(),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
