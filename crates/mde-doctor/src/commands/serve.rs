//! `mde-doctor serve`: the fleet console.

use std::path::PathBuf;

use clap::Args;
use mde_console::{Config, Location, TlsFiles};

use super::Status;
use crate::error::CliError;

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    store: StoreArgs,
    /// Fill the console with a synthetic fleet built from the example scenarios.
    #[arg(long)]
    demo: bool,
    /// How many devices --demo creates.
    #[arg(long, value_name = "N", default_value_t = 10_000, requires = "demo")]
    demo_devices: u64,
    /// Largest upload accepted, in MiB (bundle zips; JSON reports are capped at 4 MiB).
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    max_upload_mib: usize,
    /// Uploads per second allowed for each ingest token (beyond: 429).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    rate_limit: u32,
    /// Mark session cookies Secure (set when a TLS proxy fronts the console; implied by
    /// --tls-cert).
    #[arg(long)]
    secure_cookies: bool,
    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first).
    /// Session cookies are then marked Secure and plain HTTP is refused on the port.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

/// Where the console keeps its data (shared by `serve` and `token`).
#[derive(Debug, Args)]
pub(crate) struct StoreArgs {
    /// Directory of the SQLite database.
    #[arg(long, value_name = "DIR", conflicts_with = "database")]
    data: Option<PathBuf>,
    /// A PostgreSQL URL instead (postgres://user:password@host/db).
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

impl StoreArgs {
    pub(crate) fn location(&self) -> Location {
        match (&self.database, &self.data) {
            (Some(url), _) => Location::Url(url.clone()),
            (None, Some(dir)) => Location::DataDir(dir.clone()),
            (None, None) => Location::DataDir(PathBuf::from("mde-console-data")),
        }
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Io)
}

pub(crate) fn run(args: ServeArgs) -> Result<Status, CliError> {
    let mut config = Config::new(&args.listen, args.store.location());
    config.max_upload = args.max_upload_mib.saturating_mul(1024 * 1024);
    config.rate_per_token = args.rate_limit;
    config.secure_cookies = args.secure_cookies;
    config.tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => None,
    };
    runtime()?.block_on(async move {
        let server = mde_console::start(config)
            .await
            .map_err(CliError::Console)?;
        eprintln!(
            "mde-doctor console on {}://{} ({})",
            server.scheme,
            server.addr,
            server.db.kind()
        );
        if let Some(url) = &server.setup_url {
            eprintln!("no administrator yet: create one at {url}");
        }
        if args.demo {
            let started = std::time::Instant::now();
            let n = mde_console::populate_demo(&server.ingestor, args.demo_devices)
                .await
                .map_err(CliError::Console)?;
            eprintln!(
                "demo fleet: {} devices, {n} reports in {:.1} s",
                args.demo_devices,
                started.elapsed().as_secs_f64()
            );
        }
        eprintln!("ready");
        server.wait().await.map_err(CliError::Console)?;
        Ok(Status::Success)
    })
}
