//! HTTP: the ingest API, the admin pages, login and sessions.

mod api;
mod pages;
mod session;
mod templates;
mod tls;
mod view;

pub use tls::TlsFiles;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::ConsoleError;
use crate::limits::RateLimiter;
use crate::store::{Db, Ingestor, Location};

/// How `serve` runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub location: Location,
    /// Largest upload accepted, in bytes (a bundle zip; JSON reports are capped lower).
    pub max_upload: usize,
    /// Uploads per second and token.
    pub rate_per_token: u32,
    /// Mark cookies `Secure` (behind a TLS proxy; always so with `tls`).
    pub secure_cookies: bool,
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    pub tls: Option<TlsFiles>,
}

impl Config {
    pub fn new(listen: &str, location: Location) -> Config {
        Config {
            listen: listen.to_string(),
            location,
            max_upload: 64 * 1024 * 1024,
            rate_per_token: 1000,
            secure_cookies: false,
            tls: None,
        }
    }
}

pub(crate) struct Inner {
    pub(crate) db: Db,
    pub(crate) ingestor: Ingestor,
    /// The one-time setup token while no administrator exists.
    pub(crate) setup: Mutex<Option<String>>,
    pub(crate) limiter: RateLimiter,
    pub(crate) secure: bool,
    pub(crate) tokens: api::TokenCache,
}

pub(crate) type App = Arc<Inner>;

/// A running console.
pub struct Server {
    pub addr: SocketAddr,
    /// `https` with TLS (or behind a TLS proxy: `secure_cookies`), else `http`.
    pub scheme: &'static str,
    /// Where to create the first administrator, when there is none yet.
    pub setup_url: Option<String>,
    pub db: Db,
    pub ingestor: Ingestor,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Runs until the server stops.
    pub async fn wait(self) -> Result<(), ConsoleError> {
        match self.task.await {
            Ok(r) => r.map_err(ConsoleError::Serve),
            Err(e) => Err(ConsoleError::Serve(std::io::Error::other(e))),
        }
    }
}

/// Opens the database, binds the address and starts serving in the background.
pub async fn start(config: Config) -> Result<Server, ConsoleError> {
    // The certificate first: a wrong file is reported before anything else happens.
    let tls = config.tls.as_ref().map(tls::server_config).transpose()?;
    let db = Db::open(&config.location).await?;
    let ingestor = Ingestor::start(db.clone());
    let setup = if db.has_admin().await? {
        None
    } else {
        Some(crate::random_hex(24))
    };
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|source| ConsoleError::Listen {
            addr: config.listen.clone(),
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ConsoleError::Listen {
            addr: config.listen.clone(),
            source,
        })?;
    let secure = config.secure_cookies || tls.is_some();
    let scheme = if secure { "https" } else { "http" };
    let setup_url = setup
        .as_ref()
        .map(|t| format!("{scheme}://{addr}/setup?token={t}"));
    let app: App = Arc::new(Inner {
        db: db.clone(),
        ingestor: ingestor.clone(),
        setup: Mutex::new(setup),
        limiter: RateLimiter::new(config.rate_per_token),
        secure,
        tokens: api::TokenCache::default(),
    });
    let router = router(app, config.max_upload);
    let task = match tls {
        Some(tls) => {
            let listener =
                tls::TlsListener::start(listener, tls).map_err(|source| ConsoleError::Listen {
                    addr: config.listen.clone(),
                    source,
                })?;
            tokio::spawn(async move { axum::serve(listener, router).await })
        }
        None => tokio::spawn(async move { axum::serve(listener, router).await }),
    };
    Ok(Server {
        addr,
        scheme,
        setup_url,
        db,
        ingestor,
        task,
    })
}

fn router(app: App, max_upload: usize) -> Router {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    Router::new()
        .route("/", get(pages::overview))
        .route("/devices", get(pages::devices))
        .route("/devices.csv", get(pages::devices_csv))
        .route("/device/{key}", get(pages::device))
        .route("/causes", get(pages::causes))
        .route("/upload", get(pages::upload_form).post(pages::upload))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/setup", get(session::setup_form).post(session::setup))
        .route("/static/console.css", get(pages::css))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/api/v1/reports", post(api::post_report))
        .route("/api/v1/inventory", post(api::post_inventory))
        .route("/api/v1/devices", get(api::get_devices))
        .layer(DefaultBodyLimit::max(max_upload))
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .with_state(app)
}
