//! The stylesheet and the scripts, built into the binary; the service worker and the web app
//! manifest of offline visits.

use axum::http::{HeaderName, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");
const OFFLINE_JS: &str = include_str!("../../static/offline.js");
const SERVICE_WORKER: &str = include_str!("../../static/sw.js");
const MANIFEST: &str = include_str!("../../static/manifest.webmanifest");
const ICON: &str = include_str!("../../static/icon.svg");

const SCRIPT: &str = "text/javascript; charset=utf-8";
const AN_HOUR: &str = "public, max-age=3600";

fn asset(content_type: &'static str, cache: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response()
}

pub(super) async fn css() -> Response {
    asset("text/css; charset=utf-8", AN_HOUR, CSS)
}

pub(super) async fn js() -> Response {
    asset(SCRIPT, AN_HOUR, JS)
}

pub(super) async fn offline_js() -> Response {
    asset(SCRIPT, AN_HOUR, OFFLINE_JS)
}

/// The service worker, served from the root so that its scope is the whole site. Browsers look
/// for a new version at each navigation (`no-cache`); the strict Content-Security-Policy of every
/// answer applies to it as well.
pub(super) async fn service_worker() -> Response {
    let mut r = asset(SCRIPT, "no-cache", SERVICE_WORKER);
    r.headers_mut().insert(
        HeaderName::from_static("service-worker-allowed"),
        axum::http::HeaderValue::from_static("/"),
    );
    r
}

pub(super) async fn manifest() -> Response {
    asset("application/manifest+json", AN_HOUR, MANIFEST)
}

/// The app's icon (our own drawing: a house with a heart, in the federation's red).
pub(super) async fn icon() -> Response {
    asset("image/svg+xml", AN_HOUR, ICON)
}
