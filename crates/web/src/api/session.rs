//! The session: logging in and out.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};
use crate::lang::UiLang;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(open_session, close_session))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginDto {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// Send it as `X-CSRF-Token` with every request that changes something.
    pub csrf: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Logs in: sets the session cookie. Wrong credentials, unknown and locked accounts get the same 401.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginDto,
    responses((status = 201, body = SessionDto), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn open_session(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    req: axum::extract::Request,
) -> Result<axum::response::Response, ApiError> {
    use axum::extract::FromRequest;
    use axum::response::IntoResponse;
    let (parts, body) = req.into_parts();
    let secure = crate::auth::is_secure(&parts);
    let ip = crate::auth::client_ip(&parts);
    let Json(b) =
        Json::<LoginDto>::from_request(axum::extract::Request::from_parts(parts, body), &s)
            .await
            .map_err(|r| super::body_error(&r, lang))?;
    let session = s
        .services
        .login(&b.username, &b.password, &ip)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    let mut r = (
        StatusCode::CREATED,
        Json(SessionDto {
            csrf: session.csrf,
            expires_at: session.expires_at,
        }),
    )
        .into_response();
    r.headers_mut().insert(
        axum::http::header::SET_COOKIE,
        crate::auth::session_cookie(secure, &session.token),
    );
    Ok(r)
}

/// Logs out: ends the session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn close_session(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, token): ApiCaller,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    s.services
        .logout(&caller, &token)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut()
        .insert(axum::http::header::SET_COOKIE, crate::auth::clear_cookie());
    Ok(r)
}
