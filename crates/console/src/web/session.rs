//! Login, first-run setup, sessions and CSRF.
//!
//! Sessions are random 256-bit cookies (`HttpOnly`, `SameSite=Strict`, `Secure` behind TLS),
//! stored hashed. Every form carries a CSRF token: the session's for logged-in forms, and a
//! double-submit cookie for the login form itself.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::App;
use super::templates::{LoginPage, SetupPage, render};
use crate::store::{SESSION_SECONDS, Session, constant_time_eq};

const SESSION_COOKIE: &str = "mdd_session";
const LOGIN_COOKIE: &str = "mdd_login";

/// A cookie's value from the request.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(app: &App, name: &str, value: &str, path: &str, max_age: i64) -> String {
    let secure = if app.secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

/// The logged-in administrator, if any.
pub(crate) async fn admin(app: &App, headers: &HeaderMap) -> Option<Session> {
    let c = cookie(headers, SESSION_COOKIE)?;
    app.db.session(c).await.ok().flatten()
}

/// Whether a submitted form's CSRF token is the session's.
pub(crate) fn csrf_ok(session: &Session, submitted: &str) -> bool {
    constant_time_eq(session.csrf.as_bytes(), submitted.as_bytes())
}

pub(crate) fn to_login() -> Response {
    Redirect::to("/login").into_response()
}

pub(crate) fn csrf_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        "The form's CSRF token is missing or wrong: reload the page and try again.\n",
    )
        .into_response()
}

fn login_page(
    app: &App,
    status: StatusCode,
    error: Option<String>,
    setup_pending: bool,
) -> Response {
    let token = crate::random_hex(16);
    let page = LoginPage {
        csrf: token.clone(),
        error,
        setup_pending,
    };
    (
        status,
        [(
            header::SET_COOKIE,
            set_cookie(app, LOGIN_COOKIE, &token, "/login", 3600),
        )],
        render(&page),
    )
        .into_response()
}

pub(crate) async fn login_form(State(app): State<App>) -> Response {
    let pending = app.setup.lock().map(|s| s.is_some()).unwrap_or(false);
    login_page(&app, StatusCode::OK, None, pending)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub(crate) async fn login(
    State(app): State<App>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), form.csrf.as_bytes()) {
        return csrf_refused();
    }
    match app.db.login(&form.name, &form.password).await {
        Ok(Some(id)) => (
            StatusCode::SEE_OTHER,
            [
                (
                    header::SET_COOKIE,
                    set_cookie(&app, SESSION_COOKIE, &id, "/", SESSION_SECONDS),
                ),
                (header::LOCATION, "/".to_string()),
            ],
        )
            .into_response(),
        Ok(None) => login_page(
            &app,
            StatusCode::UNAUTHORIZED,
            Some("Wrong user name or password.".into()),
            false,
        ),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub(crate) async fn logout(
    State(app): State<App>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some(session) = admin(&app, &headers).await else {
        return to_login();
    };
    if !csrf_ok(&session, &form.csrf) {
        return csrf_refused();
    }
    if let Some(c) = cookie(&headers, SESSION_COOKIE) {
        let _ = app.db.logout(c).await;
    }
    (
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                set_cookie(&app, SESSION_COOKIE, "", "/", 0),
            ),
            (header::LOCATION, "/login".to_string()),
        ],
    )
        .into_response()
}

#[derive(Deserialize)]
pub(crate) struct SetupQuery {
    #[serde(default)]
    token: String,
}

fn setup_token_ok(app: &App, token: &str) -> bool {
    let guard = app.setup.lock().unwrap_or_else(|p| p.into_inner());
    guard
        .as_deref()
        .is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes()))
}

pub(crate) async fn setup_form(State(app): State<App>, Query(q): Query<SetupQuery>) -> Response {
    if !setup_token_ok(&app, &q.token) {
        return (
            StatusCode::NOT_FOUND,
            "This setup link is not valid (it works once, until the first administrator exists).\n",
        )
            .into_response();
    }
    render(&SetupPage {
        token: q.token,
        error: None,
    })
    .into_response()
}

#[derive(Deserialize)]
pub(crate) struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

pub(crate) async fn setup(State(app): State<App>, Form(form): Form<SetupForm>) -> Response {
    // The secret setup token doubles as the form's CSRF token.
    if !setup_token_ok(&app, &form.token) {
        return (StatusCode::NOT_FOUND, "This setup link is not valid.\n").into_response();
    }
    match app.db.set_admin(&form.name, &form.password).await {
        Ok(()) => {
            if let Ok(mut s) = app.setup.lock() {
                *s = None;
            }
            Redirect::to("/login").into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            render(&SetupPage {
                token: form.token,
                error: Some(e.to_string()),
            }),
        )
            .into_response(),
    }
}
