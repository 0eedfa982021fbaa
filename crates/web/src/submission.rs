//! One submission, one record: a create form carries a `request_key` made when it was rendered,
//! an API client may send the same in an `Idempotency-Key` header. The first request with a key
//! is recorded with its answer by the services ([`Services::submission_claim`]); the same key
//! sent again by the same account — a double tap, a retry after a lost answer — gets that first
//! answer (the same redirect, the same JSON) and creates nothing. A refused request frees its key.
//!
//! [`Services::submission_claim`]: jinguo_services::Services::submission_claim

use crate::AppState;
use crate::auth::{client_ip, session_token};
use crate::lang::from_parts;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jinguo_services::request::Submission;
use jinguo_services::{Caller, ServiceError};

/// The form field holding a form's submission key.
pub const FIELD: &str = "request_key";
/// The header holding an API request's submission key.
pub const HEADER: &str = "idempotency-key";
/// The largest answer kept for a repeat.
const MAX_ANSWER: usize = 1 << 20;

/// The layer: a POST with a submission key runs once per key and account.
pub async fn once(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(route) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        return next.run(req).await;
    };
    let api = route.starts_with("/api/");
    let (parts, body) = req.into_parts();
    let lang = from_parts(&parts);
    let (key, body, csrf) = if api {
        let key = parts
            .headers
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string());
        let csrf = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (key, body, csrf)
    } else {
        let form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !form {
            return next.run(Request::from_parts(parts, body)).await;
        }
        let bytes = match axum::body::to_bytes(body, 256 * 1024).await {
            Ok(b) => b,
            Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_string())
        };
        (get(FIELD), Body::from(bytes.clone()), get("csrf"))
    };
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    // Only a caller the handler would accept claims a key; anyone else is refused there.
    let Some(caller) = caller_of(&state, &parts).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let bearer = parts.headers.contains_key(header::AUTHORIZATION);
    if !bearer && csrf.is_none_or(|t| caller.csrf.is_empty() || t != caller.csrf) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let what = format!("POST {route}");
    match state.services.submission_claim(&caller, &key, &what).await {
        Ok(Submission::First) => {}
        Ok(Submission::Answered {
            status,
            location,
            body,
        }) => return replay(api, status, &location, body),
        Err(e) if api => return crate::error::ApiError::new(e, lang).into_response(),
        Err(e) => return crate::pages::error_response(&e, lang, &parts.uri),
    }
    let res = next.run(Request::from_parts(parts, body)).await;
    let status = res.status();
    if !(status.is_success() || status.is_redirection()) {
        if let Err(e) = state.services.submission_release(&caller, &key).await {
            tracing::warn!(error = %e, "a submission key was not freed");
        }
        return res;
    }
    let (mut head, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ANSWER).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "an answer too large to keep for a repeat");
            head.status = StatusCode::INTERNAL_SERVER_ERROR;
            return Response::from_parts(head, Body::empty());
        }
    };
    let location = head
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = String::from_utf8_lossy(&bytes);
    if let Err(e) = state
        .services
        .submission_finish(&caller, &key, status.as_u16(), &location, &text)
        .await
    {
        tracing::warn!(error = %e, "a submission's answer was not recorded");
    }
    Response::from_parts(head, Body::from(Bytes::from(bytes.to_vec())))
}

/// The caller behind the request's API token or session cookie, if any and accepted.
async fn caller_of(state: &AppState, parts: &axum::http::request::Parts) -> Option<Caller> {
    let ip = client_ip(parts);
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_string());
    let caller = match (bearer, session_token(parts)) {
        (Some(token), _) => state.services.caller_from_token(&token, &ip).await,
        (None, Some(token)) => state.services.caller_from_session(&token, &ip).await,
        (None, None) => Err(ServiceError::Unauthenticated),
    }
    .ok()?;
    (!caller.second_factor_pending && !caller.must_change_password).then_some(caller)
}

/// The first answer, given again.
fn replay(api: bool, status: u16, location: &str, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if api {
            "application/json"
        } else {
            "text/html; charset=utf-8"
        }),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("idempotent-replayed", HeaderValue::from_static("true"));
    if !location.is_empty()
        && let Ok(v) = HeaderValue::from_str(location)
    {
        h.insert(header::LOCATION, v);
    }
    r
}
