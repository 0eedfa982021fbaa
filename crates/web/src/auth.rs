//! Who is asking, for HTTP: the session cookie (or, for the API, the same cookie with an
//! `X-CSRF-Token` header on writes). The services decide what the caller may do; this module only
//! finds the caller and sends the unauthenticated to the login page (pages) or answers 401 (API).

use crate::AppState;
use crate::lang::from_parts;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_services::{Caller, ServiceError};
use std::net::SocketAddr;

pub const COOKIE: &str = "jinguo_session";

pub fn session_token(parts: &Parts) -> Option<String> {
    parts.headers.get_all(header::COOKIE).iter().find_map(|v| {
        v.to_str().ok()?.split(';').find_map(|c| {
            let (k, val) = c.trim().split_once('=')?;
            (k == COOKIE && !val.is_empty()).then(|| val.to_string())
        })
    })
}

pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "-".into())
}

/// The address a request came from (for callers without an account).
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

fn secure(parts: &Parts) -> bool {
    parts
        .extensions
        .get::<crate::Transport>()
        .is_some_and(|t| t.secure)
}

/// The `Set-Cookie` value opening a session (HttpOnly, SameSite, Secure behind TLS).
pub fn session_cookie(parts_secure: bool, token: &str) -> HeaderValue {
    let s = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}",
        if parts_secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).unwrap_or(HeaderValue::from_static("jinguo_session=; Path=/"))
}

pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("jinguo_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

pub fn is_secure(parts: &Parts) -> bool {
    secure(parts)
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<(Caller, String), ServiceError> {
    let token = session_token(parts).ok_or(ServiceError::Unauthenticated)?;
    let caller = state
        .services
        .caller_from_session(&token, &client_ip(parts))
        .await?;
    Ok((caller, token))
}

fn to_login(parts: &Parts) -> Response {
    let here = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    Redirect::to(&format!("/login?next={}", crate::pages::encode(here))).into_response()
}

/// The session behind a page request; without one, the way to the login page.
async fn page_session(parts: &Parts, state: &AppState) -> Result<(Caller, String), Response> {
    match resolve(parts, state).await {
        Ok(x) => Ok(x),
        Err(ServiceError::Unauthenticated) => Err(to_login(parts)),
        Err(e) => Err(crate::pages::error_response(
            &e,
            from_parts(parts),
            &parts.uri,
        )),
    }
}

/// A logged-in caller with nothing pending, for pages.
pub struct PageCaller(pub Caller, pub String);

impl FromRequestParts<AppState> for PageCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (c, t) = page_session(parts, state).await?;
        if c.second_factor_pending {
            return Err(Redirect::to("/login/totp").into_response());
        }
        if c.must_change_password {
            return Err(Redirect::to("/account/password").into_response());
        }
        Ok(PageCaller(c, t))
    }
}

/// A logged-in caller who may still owe a second factor or a new password.
pub struct PendingCaller(pub Caller, pub String);

impl FromRequestParts<AppState> for PendingCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (c, t) = page_session(parts, state).await?;
        Ok(PendingCaller(c, t))
    }
}

/// A logged-in caller for the API; writes carry the session's token in `X-CSRF-Token`.
pub struct ApiCaller(pub Caller, pub String);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = from_parts(parts);
        // An API token (`Authorization: Bearer …`) acts as its account narrowed to its place; it
        // is no ambient credential, so it needs no anti-forgery token. A malformed header is a
        // refusal, never a fall back to the cookie.
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|v| !v.is_empty());
            let Some(token) = token else {
                return Err(
                    crate::error::ApiError::new(ServiceError::Unauthenticated, lang)
                        .into_response(),
                );
            };
            return match state
                .services
                .caller_from_token(token, &client_ip(parts))
                .await
            {
                Ok(c) => Ok(ApiCaller(c, String::new())),
                Err(e) => Err(crate::error::ApiError::new(e, lang).into_response()),
            };
        }
        let (c, t) = match resolve(parts, state).await {
            Ok(x) => x,
            Err(e) => return Err(crate::error::ApiError::new(e, lang).into_response()),
        };
        if c.second_factor_pending || c.must_change_password {
            return Err(crate::error::ApiError::new(ServiceError::Forbidden, lang).into_response());
        }
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if sent.is_empty() || sent != c.csrf {
                return Err(
                    crate::error::ApiError::new(ServiceError::Forbidden, lang).into_response()
                );
            }
        }
        Ok(ApiCaller(c, t))
    }
}

/// A form field holding the session's anti-forgery token.
pub trait CsrfField {
    fn csrf(&self) -> &str;
}

/// A form posted by a logged-in caller with nothing pending, accepted only when its `csrf` field
/// is her session's token: the check happens here, once, for every form that changes something.
pub struct CheckedForm<T>(pub Caller, pub T);

impl<T> axum::extract::FromRequest<AppState> for CheckedForm<T>
where
    T: serde::de::DeserializeOwned + CsrfField + Send,
{
    type Rejection = Response;

    async fn from_request(
        req: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let PageCaller(caller, _) = PageCaller::from_request_parts(&mut parts, state).await?;
        let lang = from_parts(&parts);
        let uri = parts.uri.clone();
        let req = axum::extract::Request::from_parts(parts, body);
        let axum::extract::Form(form) = axum::extract::Form::<T>::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if caller.csrf.is_empty() || form.csrf() != caller.csrf {
            return Err(crate::pages::error_response(
                &ServiceError::Forbidden,
                lang,
                &uri,
            ));
        }
        Ok(CheckedForm(caller, form))
    }
}

/// Puts a request refused for scope or role (403, or 404: "not yours" reads like "not there") on
/// the audit log, with who asked, the method and the route (never the path's ids). Requests
/// without an account are not recorded here (a login's refusals are).
pub async fn note_refusals(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let what = format!("{} {}", req.method(), route.as_deref().unwrap_or("-"));
    let (parts, body) = req.into_parts();
    let ip = client_ip(&parts);
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_string());
    let session = session_token(&parts);
    let res = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    let status = res.status();
    if route.is_none()
        || !(status == axum::http::StatusCode::FORBIDDEN
            || status == axum::http::StatusCode::NOT_FOUND)
    {
        return res;
    }
    let caller = match (bearer, session) {
        (Some(token), _) => state.services.caller_from_token(&token, &ip).await,
        (None, Some(token)) => state.services.caller_from_session(&token, &ip).await,
        (None, None) => return res,
    };
    if let Ok(c) = caller
        && let Err(e) = state
            .services
            .note_refusal(&c, &what, status.as_u16())
            .await
    {
        tracing::warn!(error = %e, "a refusal was not recorded");
    }
    res
}
