//! The server under attack and misuse: half-sent requests, too many connections from one
//! address, HTTPS with HSTS and Secure cookies (and the plain port redirecting), every API error
//! as a localized problem document, the OpenAPI document's parameters, the second factor's
//! lockout, and dates out of range (refused, and harmless once stored).

use crate::support::{self, Api, both_backends};
use jinguo::server::HttpOptions;
use jinguo_domain::account::Role;
use jinguo_services::Services;
use jinguo_storage::Backend;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Served {
    addr: std::net::SocketAddr,
    plain: Option<std::net::SocketAddr>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_with(s: Services, options: HttpOptions, redirect: bool) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let plain = if redirect {
        Some(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
    } else {
        None
    };
    let plain_addr = plain.as_ref().map(|l| l.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = jinguo::serve_with(s, listener, options, plain).await;
    });
    Served {
        addr,
        plain: plain_addr,
        task,
    }
}

async fn empty_services() -> (support::TestDb, Services) {
    let t = support::fresh(Backend::Sqlite).await;
    let s = support::services(&t.db);
    (t, s)
}

/// Reads until the peer closes; `true` when it closed (or reset) within `limit`.
async fn closed_within(stream: &mut (impl tokio::io::AsyncRead + Unpin), limit: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_request_is_closed_after_the_header_timeout() {
    let (_t, s) = empty_services().await;
    let srv = serve_with(
        s,
        HttpOptions {
            header_read_timeout: Duration::from_secs(1),
            ..Default::default()
        },
        false,
    )
    .await;
    let mut half = TcpStream::connect(srv.addr).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    // Sending more, slowly, does not keep it open either.
    let mut drip = TcpStream::connect(srv.addr).await.unwrap();
    drip.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    let dripping = tokio::spawn(async move {
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if drip.write_all(b"X-A: b\r\n").await.is_err() {
                return true;
            }
        }
        false
    });
    assert!(
        closed_within(&mut half, Duration::from_secs(6)).await,
        "a half-sent request stayed open"
    );
    assert!(dripping.await.unwrap(), "a dripped request stayed open");
    // A whole request on a new connection is still answered.
    let mut whole = TcpStream::connect(srv.addr).await.unwrap();
    whole
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    whole.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_holds_a_limited_number_of_connections() {
    let (_t, s) = empty_services().await;
    let srv = serve_with(
        s,
        HttpOptions {
            header_read_timeout: Duration::from_secs(60),
            max_connections_per_address: 3,
            ..Default::default()
        },
        false,
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(srv.addr).await.unwrap());
    }
    // Let the server accept the three before the fourth arrives.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(srv.addr).await.unwrap();
    let _ = extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await;
    assert!(
        closed_within(&mut extra, Duration::from_secs(5)).await,
        "the fourth connection was served"
    );
    // The three held ones are served.
    let first = &mut held[0];
    first
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    first.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Once one closes, a new connection is taken again.
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = TcpStream::connect(srv.addr).await.unwrap();
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    again.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// A self-signed certificate for `localhost`: the server's TLS configuration (read from PEM
/// files, as `jinguo serve` reads them) and a client's that trusts only it and offers `alpn`.
fn self_signed(
    alpn: &[&[u8]],
) -> (
    Arc<tokio_rustls::rustls::ServerConfig>,
    Arc<tokio_rustls::rustls::ClientConfig>,
) {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_file, cert.cert.pem()).unwrap();
    std::fs::write(&key_file, cert.signing_key.serialize_pem()).unwrap();
    let server = jinguo::server::tls_config(&cert_file, &key_file).unwrap();
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let mut client = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    client.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    (server, Arc::new(client))
}

/// A TLS connection to `addr` as `localhost`.
async fn tls_to(
    addr: std::net::SocketAddr,
    client: &Arc<tokio_rustls::rustls::ClientConfig>,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    tokio_rustls::TlsConnector::from(client.clone())
        .connect(name, tcp)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_hsts_secure_cookies_and_a_redirecting_http_port() {
    let (_t, s) = support::with_small_demo(Backend::Sqlite).await;
    support::account(&s, "tls-staff", Role::Staff, "530181").await;
    let (tls, client_tls) = self_signed(&[]);
    let srv = serve_with(
        s,
        HttpOptions {
            tls: Some(tls),
            ..Default::default()
        },
        true,
    )
    .await;
    // One HTTP/1.1 request over TLS to the server, trusting only its certificate.
    let https = |request: String| {
        let client_tls = client_tls.clone();
        async move {
            let mut tls = tls_to(srv.addr, &client_tls).await;
            tls.write_all(request.as_bytes()).await.unwrap();
            let mut answer = Vec::new();
            let _ = tls.read_to_end(&mut answer).await;
            String::from_utf8_lossy(&answer).into_owned()
        }
    };
    let answer =
        https("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".into()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let lower = answer.to_ascii_lowercase();
    assert!(
        lower.contains("\r\nstrict-transport-security: max-age=31536000; includesubdomains\r\n"),
        "{answer}"
    );
    let login = json!({"username": "tls-staff", "password": support::PASSWORD}).to_string();
    let answer = https(format!(
        "POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{login}",
        login.len()
    ))
    .await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let cookie = answer
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: jinguo_session=")
        })
        .unwrap_or_default()
        .to_string();
    assert!(cookie.contains("; Secure"), "{answer}");
    // The plain port answers every request with a redirect to the same path over HTTPS.
    let plain = srv.plain.unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .get(format!(
            "http://127.0.0.1:{}/places/530181?lang=en",
            plain.port()
        ))
        .header("host", format!("localhost:{}", plain.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(
        r.headers()["location"],
        format!(
            "https://localhost:{}/places/530181?lang=en",
            srv.addr.port()
        )
        .as_str()
    );
    // A plain request to the HTTPS port is not served.
    let mut raw = TcpStream::connect(srv.addr).await.unwrap();
    raw.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), raw.read_to_end(&mut answer)).await;
    assert!(!answer.starts_with(b"HTTP/1.1 200"));
}

/// An HTTP/2 frame: length, type, flags, stream, payload.
fn h2_frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut f = (payload.len() as u32).to_be_bytes()[1..].to_vec();
    f.extend([kind, flags]);
    f.extend(stream.to_be_bytes());
    f.extend(payload);
    f
}

/// An HTTP/2 client (the h2 crate) on a new TLS connection; the connection is driven by a task
/// that ends when the server closes it.
async fn h2_client(
    addr: std::net::SocketAddr,
    client: &Arc<tokio_rustls::rustls::ClientConfig>,
) -> (
    h2::client::SendRequest<axum::body::Bytes>,
    tokio::task::JoinHandle<()>,
) {
    let tls = tls_to(addr, client).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (send, conn) = h2::client::handshake(tls).await.unwrap();
    let driven = tokio::spawn(async move {
        let _ = conn.await;
    });
    (send, driven)
}

/// GET /healthz with `headers`: the answer, or the error that ended the stream.
async fn h2_get(
    send: &h2::client::SendRequest<axum::body::Bytes>,
    headers: &[(&str, String)],
) -> Result<http::Response<h2::RecvStream>, h2::Error> {
    let mut request = http::Request::get("https://localhost/healthz");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let (answer, _) = send
        .clone()
        .ready()
        .await?
        .send_request(request.body(()).unwrap(), true)?;
    answer.await
}

/// Over HTTP/2 (TLS, ALPN h2) hyper has no header timeout: a connection that says hello and
/// sends nothing, one whose request's headers never end, and one left idle after its request is
/// answered are each closed after the header timeout; headers over the limit are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_connections_without_a_request_are_closed_and_headers_bounded() {
    let (_t, s) = empty_services().await;
    let (tls, client_tls) = self_signed(&[b"h2"]);
    let srv = serve_with(
        s,
        HttpOptions {
            header_read_timeout: Duration::from_secs(1),
            tls: Some(tls),
            ..Default::default()
        },
        false,
    )
    .await;
    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    // Hello (the preface and empty settings), then nothing.
    let mut hello = tls_to(srv.addr, &client_tls).await;
    hello.write_all(PREFACE).await.unwrap();
    hello.write_all(&h2_frame(0x4, 0, 0, &[])).await.unwrap();
    // A request's headers (GET https /) begun and never ended: no END_HEADERS, no CONTINUATION.
    let mut slow = tls_to(srv.addr, &client_tls).await;
    slow.write_all(PREFACE).await.unwrap();
    slow.write_all(&h2_frame(0x4, 0, 0, &[])).await.unwrap();
    slow.write_all(&h2_frame(0x1, 0x1, 1, &[0x82, 0x87, 0x84]))
        .await
        .unwrap();
    // A real client: one request answered (with HSTS), its body read, then nothing more.
    let (send, driven) = h2_client(srv.addr, &client_tls).await;
    let answer = h2_get(&send, &[]).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.headers()["strict-transport-security"],
        jinguo::server::HSTS
    );
    let mut body = answer.into_body();
    while let Some(chunk) = body.data().await {
        chunk.unwrap();
    }
    assert!(
        closed_within(&mut hello, Duration::from_secs(6)).await,
        "an HTTP/2 connection without a request stayed open"
    );
    assert!(
        closed_within(&mut slow, Duration::from_secs(6)).await,
        "an HTTP/2 request whose headers never ended stayed open"
    );
    assert!(
        tokio::time::timeout(Duration::from_secs(6), driven)
            .await
            .is_ok(),
        "an idle HTTP/2 connection stayed open"
    );
    // Headers within the limit are served; beyond it, refused (431, or the stream reset).
    let limit = jinguo::server::MAX_HEADER_LIST_SIZE as usize;
    let (send, _driven) = h2_client(srv.addr, &client_tls).await;
    let within = h2_get(&send, &[("x-within", "a".repeat(limit / 2))]).await;
    assert_eq!(within.unwrap().status(), 200);
    let (send, _driven) = h2_client(srv.addr, &client_tls).await;
    match h2_get(&send, &[("x-beyond", "a".repeat(limit + 1024))]).await {
        Ok(answer) => assert_eq!(answer.status(), 431),
        Err(e) => assert!(e.is_reset() || e.is_go_away(), "{e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_sets_no_secure_cookie_unless_a_trusted_proxy_says_https() {
    let (_t, s) = support::with_small_demo(Backend::Sqlite).await;
    support::account(&s, "proxy-staff", Role::Staff, "530181").await;
    for trust in [false, true] {
        let srv = serve_with(
            s.clone(),
            HttpOptions {
                trust_forwarded_proto: trust,
                ..Default::default()
            },
            false,
        )
        .await;
        let r = reqwest::Client::new()
            .post(format!("http://{}/api/v1/session", srv.addr))
            .header("x-forwarded-proto", "https")
            .json(&json!({"username": "proxy-staff", "password": support::PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert_eq!(cookie.contains("; Secure"), trust, "{cookie}");
        assert_eq!(r.headers().contains_key("strict-transport-security"), trust);
    }
}

/// Sends a request and returns the status, the content type and the parsed body.
async fn problem_of(r: reqwest::RequestBuilder) -> (u16, String, Value) {
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn every_api_error_is_a_localized_problem(b: Backend) {
    let (_t, s) = support::with_small_demo(b).await;
    support::account(&s, "p-staff", Role::Staff, "530181").await;
    let staff = support::session(&s, "p-staff", false).await;
    let (group, _) = support::first_household(&s).await;
    let srv = support::serve(s.clone()).await;
    let base = srv.base.clone();
    let c = reqwest::Client::new();
    let with_session = |r: reqwest::RequestBuilder| {
        r.header("cookie", &staff.cookie)
            .header("x-csrf-token", &staff.csrf)
    };
    let big = "x".repeat(300 * 1024);
    let cases: Vec<(&str, u16, Option<&str>, reqwest::RequestBuilder)> = vec![
        (
            "body not JSON",
            422,
            None,
            c.post(format!("{base}/api/v1/session"))
                .header("content-type", "application/json")
                .body("{\"username\": "),
        ),
        (
            "body lacking a field",
            422,
            None,
            c.post(format!("{base}/api/v1/session"))
                .json(&json!({"username": "p-staff"})),
        ),
        (
            "wrong content type",
            422,
            None,
            c.post(format!("{base}/api/v1/session"))
                .header("content-type", "text/plain")
                .body("username=p-staff"),
        ),
        (
            "body too large",
            422,
            None,
            c.post(format!("{base}/api/v1/session"))
                .header("content-type", "application/json")
                .body(format!("{{\"username\": \"{big}\", \"password\": \"x\"}}")),
        ),
        (
            "bad query string",
            400,
            Some("page"),
            with_session(c.get(format!("{base}/api/v1/places/{group}/households?page=abc"))),
        ),
        (
            "bad path parameter (a malformed id is an id that does not exist)",
            404,
            None,
            with_session(c.get(format!("{base}/api/v1/households/not-an-id"))),
        ),
        (
            "unknown route",
            404,
            None,
            c.get(format!("{base}/api/v1/no-such-thing")),
        ),
        (
            "method not allowed",
            405,
            None,
            c.patch(format!("{base}/api/v1/session")),
        ),
    ];
    for (what, status, field, request) in cases {
        let zh = request.try_clone().unwrap();
        let (st, ct, p) = problem_of(request.header("accept-language", "en")).await;
        assert_eq!(st, status, "{what}: {p}");
        assert_eq!(ct, "application/problem+json", "{what}: {p}");
        assert_eq!(p["status"], json!(status), "{what}: {p}");
        let title = p["title"].as_str().unwrap_or_default().to_string();
        assert!(!title.is_empty() && title.is_ascii(), "{what}: {p}");
        if let Some(field) = field {
            assert!(
                support::fields(&p).iter().any(|(f, _)| f == field),
                "{what}: {p}"
            );
        }
        let (st, ct, p) = problem_of(zh.header("accept-language", "zh-CN")).await;
        assert_eq!((st, ct.as_str()), (status, "application/problem+json"));
        let zh_title = p["title"].as_str().unwrap_or_default();
        assert!(!zh_title.is_ascii(), "{what}: {p}");
    }
}
both_backends!(
    api_errors_are_problems,
    super::every_api_error_is_a_localized_problem
);

/// `{name}` segments of a route template.
fn template_names(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_parameters_are_in_the_path_or_the_query_as_routed() {
    let (_t, s) = empty_services().await;
    let srv = support::serve(s).await;
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", srv.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let mut wrong = Vec::new();
    let mut queries = 0;
    for (path, item) in paths {
        let mut in_template = template_names(path);
        in_template.sort();
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let mut in_path: Vec<String> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect();
            in_path.sort();
            queries += params.iter().filter(|p| p["in"] == "query").count();
            if in_path != in_template {
                wrong.push(format!("{method} {path}: path parameters {in_path:?}"));
            }
            for p in &params {
                assert!(
                    ["path", "query", "header", "cookie"].contains(&p["in"].as_str().unwrap()),
                    "{method} {path}: {p}"
                );
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(queries >= 10, "query parameters described: {queries}");
}

async fn five_wrong_codes_lock_the_second_step(b: Backend) {
    let (t, s) = support::with_small_demo(b).await;
    support::account(&s, "totp-admin", Role::SecurityAdmin, "530181").await;
    // Enrol a second factor once, keeping its secret.
    let first = s
        .login("totp-admin", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let c0 = s
        .caller_from_session(&first.token, "127.0.0.1")
        .await
        .unwrap();
    let (_, key) = s.totp_begin(&c0).await.unwrap();
    let secret = jinguo_crypto::totp::from_base32(&key).unwrap();
    let now = || chrono::Utc::now().timestamp() as u64;
    s.totp_verify(
        &c0,
        &first.token,
        &jinguo_crypto::totp::code_at(&secret, now()),
    )
    .await
    .unwrap();
    // A new login owes the second factor.
    let new = s
        .login("totp-admin", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let c = s
        .caller_from_session(&new.token, "127.0.0.1")
        .await
        .unwrap();
    assert!(c.second_factor_pending);
    // The code of the next step: not used yet, accepted unless locked.
    let right = || jinguo_crypto::totp::code_at(&secret, now() + 30);
    let wrong = || {
        let n: u32 = right().parse().unwrap();
        format!("{:06}", (n + 500_000) % 1_000_000)
    };
    let answer_wrong = format!(
        "{:?}",
        s.totp_verify(&c, &new.token, &wrong()).await.err().unwrap()
    );
    for _ in 1..5 {
        assert!(s.totp_verify(&c, &new.token, &wrong()).await.is_err());
    }
    // Locked: the right code is refused, with the same answer as a wrong one.
    let refused = s.totp_verify(&c, &new.token, &right()).await;
    assert_eq!(format!("{:?}", refused.err().unwrap()), answer_wrong);
    // The session is of no use any more, and neither is a new login.
    assert!(
        s.caller_from_session(&new.token, "127.0.0.1")
            .await
            .is_err()
    );
    assert!(
        s.login("totp-admin", support::PASSWORD, "127.0.0.1")
            .await
            .is_err()
    );
    // Audited: five wrong codes, the last one locking, then the refusal.
    let sql = "SELECT action, detail FROM audit WHERE action LIKE 'totp.%' ORDER BY seq";
    let actions: Vec<(String, String)> = match &t.db {
        jinguo_storage::Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(&p.write).await.unwrap(),
        jinguo_storage::Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
    };
    let failed: Vec<&(String, String)> = actions.iter().filter(|a| a.0 == "totp.failed").collect();
    assert_eq!(failed.len(), 5, "{actions:?}");
    assert!(failed[4].1.contains("locked"), "{actions:?}");
    assert!(!failed[3].1.contains("locked"), "{actions:?}");
    assert_eq!(actions.last().unwrap().0, "totp.refused", "{actions:?}");
    // The operator unlocks; the same right code then passes.
    s.administer_account(
        &jinguo_services::Caller::operator(),
        "totp-admin",
        jinguo_services::accounts::AccountAction::Unlock,
    )
    .await
    .unwrap();
    let again = s
        .login("totp-admin", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let c2 = s
        .caller_from_session(&again.token, "127.0.0.1")
        .await
        .unwrap();
    s.totp_verify(&c2, &again.token, &right()).await.unwrap();
}
both_backends!(totp_lockout, super::five_wrong_codes_lock_the_second_step);

async fn dates_out_of_range_are_refused_and_harmless_once_stored(b: Backend) {
    let (t, s) = support::with_small_demo(b).await;
    support::account(&s, "date-staff", Role::Staff, "530181").await;
    let staff = support::session(&s, "date-staff", false).await;
    let (group, _) = support::first_household(&s).await;
    let village = group[..12].to_string();
    let township = group[..9].to_string();
    let srv = support::serve(s.clone()).await;
    let api = Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let intake = |received: &str| {
        json!({
            "kind": "elder_support", "source": "hotline", "risk": "medium",
            "received_on": received,
            "parties": [{"name": "张某", "relationship": "儿子"}, {"name": "李某", "relationship": "母亲"}],
            "narrative": "老人反映儿子长期不支付赡养费", "consent": true
        })
    };
    let place_path = format!("/api/v1/places/{village}/disputes");
    for bad in ["0000-01-01", "1899-12-31"] {
        let (st, p) = api
            .send(&staff, "POST", &place_path, Some(intake(bad)))
            .await;
        assert_eq!(st, 422, "{bad}: {p}");
        assert_eq!(
            support::fields(&p),
            vec![("received_on".to_string(), "date.range".to_string())],
            "{p}"
        );
        assert!(p["errors"][0]["message"].as_str().unwrap().contains("1900"));
    }
    let (st, p) = api
        .send(&staff, "POST", &place_path, Some(intake("1900-01-01")))
        .await;
    assert_eq!(st, 201, "{p}");
    // A member's start, a campaign's end: the same bounds.
    let (st, p) = api
        .send(
            &staff,
            "POST",
            "/api/v1/campaigns",
            Some(
                json!({"name": "排查", "place": township, "starts_on": "2026-01-01",
                "ends_on": "9999-12-31", "checklist": ["dv"]}),
            ),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    assert!(
        support::fields(&p).contains(&("ends_on".to_string(), "date.range".to_string())),
        "{p}"
    );

    // A date stored before dates were checked (or by hand) never fails a page or a workbook.
    support::exec(&t.db, "UPDATE dispute SET opened_on = '0001-01-01'")
        .await
        .unwrap();
    for place in [village.as_str(), township.as_str(), "530181"] {
        let r = api
            .http
            .get(format!(
                "{}/api/v1/places/{place}/disputes/export",
                api.base
            ))
            .header("cookie", &staff.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "workbook of {place}");
        let book = r.bytes().await.unwrap().to_vec();
        assert!(jinguo_interchange::read_table(&book).is_ok(), "{place}");
        let (st, list) = api
            .send(
                &staff,
                "GET",
                &format!("/api/v1/places/{place}/disputes"),
                None,
            )
            .await;
        assert_eq!(st, 200, "{place}: {list}");
        let page = api
            .http
            .get(format!("{}/places/{place}/disputes", api.base))
            .header("cookie", &staff.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status().as_u16(), 200, "page of {place}");
    }
}
both_backends!(
    dates_in_range,
    super::dates_out_of_range_are_refused_and_harmless_once_stored
);
