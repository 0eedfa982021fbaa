//! A person's consents (or other legal bases), one purpose at a time: recorded, read, withdrawn.

use super::{ApiResult, CreatedDto, api, invalid_body, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_consent))
        .routes(routes!(consent_state, withdraw_consent))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentDto {
    /// `sensitive_data`, `share_departments` or `publish`.
    pub purpose: String,
    /// `consent`, `legal_obligation` or `vital_interest` (publication needs `consent`).
    pub basis: String,
    /// Required for a consent of a child under 14 …
    #[serde(default)]
    pub guardian_name: Option<String>,
    /// … with the guardian's relationship to the child.
    #[serde(default)]
    pub guardian_relationship: Option<String>,
}

/// Records a consent (or another legal basis) of a person for one purpose.
#[utoipa::path(post, path = "/api/v1/persons/{id}/consents", tag = "consent", params(("id" = Uuid, Path)),
    request_body = ConsentDto,
    responses((status = 201, body = CreatedDto), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record_consent(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<ConsentDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|_| invalid_body(lang))?;
    let c = jinguo_services::consent::NewConsent {
        purpose: b.purpose,
        basis: b.basis,
        guardian_name: b.guardian_name,
        guardian_relationship: b.guardian_relationship,
    };
    let cid = s
        .services
        .record_consent(&caller, id, &c)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: cid })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentStateDto {
    pub purpose: String,
    pub granted: bool,
}

/// Whether a person's data may be used for a purpose.
#[utoipa::path(get, path = "/api/v1/persons/{id}/consents/{purpose}", tag = "consent",
    params(("id" = Uuid, Path), ("purpose" = String, Path)),
    responses((status = 200, body = ConsentStateDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn consent_state(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((id, purpose)): Path<(String, String)>,
) -> ApiResult<Json<ConsentStateDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let granted = s
        .services
        .has_consent(&caller, id, &purpose)
        .await
        .map_err(api(lang))?;
    Ok(Json(ConsentStateDto { purpose, granted }))
}

/// Withdraws a person's consents for a purpose.
#[utoipa::path(delete, path = "/api/v1/persons/{id}/consents/{purpose}", tag = "consent",
    params(("id" = Uuid, Path), ("purpose" = String, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn withdraw_consent(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((id, purpose)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    s.services
        .withdraw_consent(&caller, id, &purpose)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}
