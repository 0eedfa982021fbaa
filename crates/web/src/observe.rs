//! Health, metrics (Prometheus text), request tracking and the same-origin rule for writes.
//! Metrics and logs carry route templates and status codes, never ids or personal data.

use crate::AppState;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

static METRICS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process-wide metrics recorder, installed on first use.
pub fn metrics_handle() -> Option<&'static PrometheusHandle> {
    METRICS
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .as_ref()
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/livez", get(livez))
        .route("/metrics", get(metrics))
}

async fn healthz(State(s): State<AppState>) -> Response {
    match s.services.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// The process answers: no database, no session, nothing read. The yardstick of the benchmarks
/// (`/healthz` reads the database).
async fn livez() -> &'static str {
    "ok"
}

async fn metrics() -> Response {
    let body = metrics_handle().map(|h| h.render()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Counts requests and their duration per route template, method and status.
pub async fn track(req: Request, next: Next) -> Response {
    metrics_handle();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let secs = start.elapsed().as_secs_f64();
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status.clone()).increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route.clone(), "method" => method.clone()).record(secs);
    tracing::debug!(%route, %method, %status, ms = secs * 1000.0, "request");
    res
}

/// Refuses state-changing requests that a browser marks as coming from another site.
pub async fn same_origin_writes(req: Request, next: Next) -> Response {
    let m = req.method();
    if m != Method::GET && m != Method::HEAD && m != Method::OPTIONS {
        let h = req.headers();
        // Browsers send Sec-Fetch-Site; it is the better witness. Without it, Origin must match Host.
        let allowed = match h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
            Some(site) => site == "same-origin" || site == "none",
            None => match (
                h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
                h.get(header::HOST).and_then(|v| v.to_str().ok()),
            ) {
                (Some(origin), Some(host)) => origin.split("://").nth(1).is_some_and(|o| o == host),
                (Some(_), None) => false,
                (None, _) => true,
            },
        };
        if !allowed {
            let lang = crate::lang::from_parts(&req.into_parts().0);
            return crate::error::problem_response(crate::error::Problem {
                kind: "/problems/forbidden".into(),
                title: crate::i18n::t(lang, "error.forbidden").into(),
                status: 403,
                code: "forbidden".into(),
                detail: Some("cross-site request".into()),
                errors: Vec::new(),
                related: Vec::new(),
            });
        }
    }
    next.run(req).await
}
