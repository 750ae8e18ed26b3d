//! HTTPS: `serve --tls-cert FILE --tls-key FILE` (PEM), with rustls and the `ring` provider.
//!
//! Handshakes run in their own tasks, so a client that connects and says nothing delays no
//! one else; finished TLS connections are handed to axum through a [`Listener`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::serve::Listener;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::error::ConsoleError;

/// A client gets this long to finish its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The certificate chain and private key files, PEM.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

const CERT: &str = "certificate";
const KEY: &str = "private key";

fn bad(what: &'static str, path: &Path, reason: impl Into<String>) -> ConsoleError {
    ConsoleError::Tls {
        what,
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Reads both files and checks that the key belongs to the certificate, before the server
/// binds its port: a mistake is reported at once, naming the file.
pub(crate) fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, ConsoleError> {
    let read = |what, path: &Path| {
        std::fs::read(path).map_err(|e| bad(what, path, format!("cannot be read: {e}")))
    };
    let cert_pem = read(CERT, &files.cert)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            bad(
                CERT,
                &files.cert,
                format!("is not a valid PEM certificate: {e}"),
            )
        })?;
    if chain.is_empty() {
        return Err(bad(
            CERT,
            &files.cert,
            "holds no certificate (expected -----BEGIN CERTIFICATE-----)",
        ));
    }
    let key_pem = read(KEY, &files.key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        bad(
            KEY,
            &files.key,
            format!("holds no usable private key (PKCS#8, PKCS#1 or SEC1 PEM): {e}"),
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(CERT, &files.cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => bad(
                KEY,
                &files.key,
                format!(
                    "does not belong to the certificate in {}",
                    files.cert.display()
                ),
            ),
            other => bad(KEY, &files.key, format!("cannot be used: {other}")),
        })?;
    let mut config = config;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Accepted TLS connections, as axum takes them.
pub(crate) struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    addr: SocketAddr,
}

impl TlsListener {
    /// Starts accepting on `listener`; each handshake runs in a task of its own.
    pub(crate) fn start(listener: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (tx, ready) = mpsc::channel(256);
        tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(c) => c,
                    // Out of file descriptors and the like: wait, as axum does.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if tx.is_closed() {
                    break;
                }
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    // A failed handshake (plain HTTP on this port, an untrusted certificate
                    // at the client) just closes that connection.
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
                    {
                        let _ = tx.send((tls, peer)).await;
                    }
                });
            }
        });
        Ok(TlsListener { ready, addr })
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accepting task ended: no connection will ever come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}
