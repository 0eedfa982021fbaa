//! The connections: accepted here, limited per client address, read under timeouts, optionally
//! over TLS (rustls), and handed to the application one request at a time.
//!
//! Plain HTTP is HTTP/1.1 only; over TLS, ALPN chooses HTTP/2 or HTTP/1.1. A request's headers
//! must arrive within `header_read_timeout` (an idle keep-alive connection too), each piece of its
//! body within `body_read_timeout`, a TLS handshake within `header_read_timeout`; a client
//! address holds at most `max_connections_per_address` connections at once, and a connection
//! beyond that is closed as soon as it is accepted.
//!
//! HTTP/2 multiplexes requests on one connection, so hyper has no header timeout there: an
//! HTTP/2 connection with no request in progress (none started, or the last one answered, its
//! body sent) for `header_read_timeout` is closed — asked to go away (GOAWAY), then dropped if it
//! is still open `header_read_timeout` later. A stream whose headers never end is no request to
//! hyper, so it holds nothing open once the connection's other requests are done. A request's
//! headers take at most [`MAX_HEADER_LIST_SIZE`] bytes as decoded (larger: 431).

use anyhow::Context;
use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, header};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tower::ServiceExt;

/// `Strict-Transport-Security` sent on every answer over HTTPS: a year, subdomains included.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The most bytes (decoded, as HTTP/2 counts them) a request's headers may take over HTTP/2;
/// advertised to the client in the connection's settings.
pub const MAX_HEADER_LIST_SIZE: u32 = 16 * 1024;

/// How connections are read and limited.
#[derive(Clone)]
pub struct HttpOptions {
    /// A request's headers (and a TLS handshake) must arrive within this.
    pub header_read_timeout: Duration,
    /// Each piece of a request's body must arrive within this after the one before.
    pub body_read_timeout: Duration,
    /// Connections one client address may hold at once.
    pub max_connections_per_address: usize,
    /// Serve HTTPS with this configuration (certificate and key); `None`: plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Behind a reverse proxy that terminates TLS: a request with `X-Forwarded-Proto: https` is
    /// taken as having come over HTTPS (Secure cookies, HSTS). Only set it when every request
    /// reaches the server through that proxy.
    pub trust_forwarded_proto: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections_per_address: 128,
            tls: None,
            trust_forwarded_proto: false,
        }
    }
}

/// The TLS configuration of a certificate chain and its private key, both PEM files.
pub fn tls_config(certificate: &Path, key: &Path) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_file_iter(certificate)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read the certificate {}", certificate.display()))?;
    anyhow::ensure!(
        !chain.is_empty(),
        "the certificate file {} holds no certificate",
        certificate.display()
    );
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read the private key {}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the certificate and the private key do not fit together")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Connections held per client address.
#[derive(Clone, Default)]
struct PerAddress(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// One held connection; released when dropped.
struct Held(PerAddress, IpAddr);

impl PerAddress {
    fn take(&self, ip: IpAddr, max: usize) -> Option<Held> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Held(self.clone(), ip))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut map = (self.0).0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.1) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.1);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open requests finish (at
/// most 10 s). Aborting the task that runs this closes every connection it holds.
pub async fn run(
    app: Router,
    listener: TcpListener,
    options: HttpOptions,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let held = PerAddress::default();
    let graceful = GracefulShutdown::new();
    // Told to HTTP/2 connections, which go away by themselves (see `serve_h2`).
    let (stopping, stop) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    let acceptor = options.tls.clone().map(TlsAcceptor::from);
    let options = Arc::new(options);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(hold) = held.take(remote.ip(), options.max_connections_per_address) else {
            tracing::warn!(
                "too many connections from one address; closing the new one ({} at most)",
                options.max_connections_per_address
            );
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let options = options.clone();
        let acceptor = acceptor.clone();
        let watcher = graceful.watcher();
        let stop = stop.clone();
        connections.spawn(async move {
            let _hold = hold;
            let ends = Ends { watcher, stop };
            match acceptor {
                None => serve_connection(stream, remote, app, &options, false, ends).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(options.header_read_timeout, acceptor.accept(stream))
                            .await;
                    match handshake {
                        Ok(Ok(tls)) => {
                            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                            serve_connection(tls, remote, app, &options, h2, ends).await
                        }
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    let drained = async {
        graceful.shutdown().await;
        while connections.join_next().await.is_some() {}
    };
    tokio::select! {
        () = drained => {},
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("requests still open after 10 s; closing them");
        }
    }
    Ok(())
}

/// How a connection learns that the server stops: HTTP/1.1 through hyper's graceful shutdown,
/// HTTP/2 through `stop`.
struct Ends {
    watcher: Watcher,
    stop: tokio::sync::watch::Receiver<bool>,
}

/// The requests of one connection in progress, and when the last one ended (or the connection
/// began).
struct Activity(Mutex<(usize, tokio::time::Instant)>);

/// One request in progress, from its headers to the end of its answer's body.
struct Busy(Arc<Activity>);

impl Activity {
    fn new() -> Arc<Activity> {
        Arc::new(Activity(Mutex::new((0, tokio::time::Instant::now()))))
    }

    fn begin(self: &Arc<Self>) -> Busy {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).0 += 1;
        Busy(self.clone())
    }

    /// Completes once no request has been in progress for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let (open, since) = *self.0.lock().unwrap_or_else(|e| e.into_inner());
            if open == 0 && since + limit <= tokio::time::Instant::now() {
                return;
            }
            let wake = if open == 0 {
                since + limit
            } else {
                tokio::time::Instant::now() + limit
            };
            tokio::time::sleep_until(wake).await;
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut state = (self.0).0.lock().unwrap_or_else(|e| e.into_inner());
        state.0 = state.0.saturating_sub(1);
        state.1 = tokio::time::Instant::now();
    }
}

/// An answer's body that keeps its request in progress until it is sent (or dropped).
struct Tracked {
    body: axum::body::Body,
    _busy: Busy,
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

async fn serve_connection<I>(
    io: I,
    remote: SocketAddr,
    app: Router,
    options: &HttpOptions,
    h2: bool,
    ends: Ends,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let tls = options.tls.is_some();
    let trust = options.trust_forwarded_proto;
    let body_timeout = options.body_read_timeout;
    let activity = Activity::new();
    let requests = activity.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let app = app.clone();
        let busy = requests.begin();
        async move {
            let secure = tls
                || (trust
                    && req
                        .headers()
                        .get("x-forwarded-proto")
                        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https")));
            let mut req = req.map(|b| tower_http::timeout::TimeoutBody::new(body_timeout, b));
            req.extensions_mut().insert(ConnectInfo(remote));
            req.extensions_mut()
                .insert(jinguo_web::Transport { secure });
            let mut res = app.oneshot(req).await?;
            if secure {
                res.headers_mut().insert(
                    header::STRICT_TRANSPORT_SECURITY,
                    HeaderValue::from_static(HSTS),
                );
            }
            Ok::<_, std::convert::Infallible>(
                res.map(|body| axum::body::Body::new(Tracked { body, _busy: busy })),
            )
        }
    });
    let io = TokioIo::new(io);
    let result = if h2 {
        let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        builder
            .timer(TokioTimer::new())
            .keep_alive_interval(Some(Duration::from_secs(30)))
            .keep_alive_timeout(options.header_read_timeout)
            .max_concurrent_streams(64)
            .max_header_list_size(MAX_HEADER_LIST_SIZE);
        let conn = builder.serve_connection(io, service);
        serve_h2(conn, &activity, options.header_read_timeout, ends.stop).await
    } else {
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(options.header_read_timeout);
        ends.watcher
            .watch(builder.serve_connection(io, service))
            .await
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "connection ended");
    }
}

/// Drives an HTTP/2 connection until it ends. Idle for `limit` (no request in progress), or
/// when the server stops, it is asked to go away; still open `limit` later (10 s when the
/// server stops), it is dropped.
async fn serve_h2<I, S, B>(
    conn: hyper::server::conn::http2::Connection<TokioIo<I>, S, TokioExecutor>,
    activity: &Activity,
    limit: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), hyper::Error>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    tokio::pin!(conn);
    let mut closing: Option<tokio::time::Instant> = None;
    loop {
        let deadline = closing.unwrap_or_else(|| tokio::time::Instant::now() + limit * 1000);
        tokio::select! {
            result = conn.as_mut() => return result,
            () = activity.idle_for(limit), if closing.is_none() => {
                tracing::debug!("HTTP/2 connection without a request in progress: going away");
                conn.as_mut().graceful_shutdown();
                closing = Some(tokio::time::Instant::now() + limit);
            }
            // Stopping (or the server gone).
            _ = stop.wait_for(|stopping| *stopping), if closing.is_none() => {
                conn.as_mut().graceful_shutdown();
                closing = Some(tokio::time::Instant::now() + Duration::from_secs(10));
            }
            () = tokio::time::sleep_until(deadline), if closing.is_some() => {
                tracing::debug!("HTTP/2 connection still open after going away: closed");
                return Ok(());
            }
        }
    }
}

/// The plain-HTTP listener beside HTTPS: every request is sent to the same path on HTTPS, at
/// `https_port` of the host the client asked for.
pub fn redirect_app(https_port: u16) -> Router {
    Router::new().fallback(move |req: Request<axum::body::Body>| async move {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.parse::<axum::http::uri::Authority>().ok())
            .map(|a| a.host().to_string())
            .unwrap_or_else(|| "localhost".into());
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let port = if https_port == 443 {
            String::new()
        } else {
            format!(":{https_port}")
        };
        axum::response::Redirect::permanent(&format!("https://{host}{port}{path}"))
    })
}
