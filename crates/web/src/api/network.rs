//! Tools of the responsibility network: bulk assignment, hand-over, balancing.

use super::{ApiResult, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(assign_units))
        .routes(routes!(hand_over))
        .routes(routes!(balance_group))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignDto {
    /// For an executive: division codes of places one level below her federation's; for a
    /// women's representative: household codes of her group. At most 2,000.
    pub units: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedDto {
    pub added: u64,
    /// Units she already answered for.
    pub already: u64,
}

/// Assigns units to a member, all or none: exactly one level down, inside her own federation.
#[utoipa::path(post, path = "/api/v1/members/{id}/assignments", tag = "network",
    params(("id" = Uuid, Path)), request_body = AssignDto,
    responses((status = 200, body = AssignedDto), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn assign_units(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<AssignDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<AssignedDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let r = s
        .services
        .assign_units(&caller, id, &b.units)
        .await
        .map_err(api(lang))?;
    Ok(Json(AssignedDto {
        added: r.added,
        already: r.already,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOverDto {
    /// A serving member of the same federation and post.
    pub successor: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MovedDto {
    /// How many units (or households) changed hands.
    pub moved: u64,
}

/// A member leaves and hands every unit she answers for to her successor.
#[utoipa::path(post, path = "/api/v1/members/{id}/handover", tag = "network",
    params(("id" = Uuid, Path)), request_body = HandOverDto,
    responses((status = 200, body = MovedDto), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn hand_over(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<HandOverDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<MovedDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let moved = s
        .services
        .hand_over(&caller, id, b.successor)
        .await
        .map_err(api(lang))?;
    Ok(Json(MovedDto { moved }))
}

/// Balances a resident group's households across its women's representatives.
#[utoipa::path(post, path = "/api/v1/places/{code}/balance", tag = "network",
    params(("code" = String, Path)),
    responses((status = 200, body = MovedDto), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn balance_group(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<MovedDto>> {
    let moved = s
        .services
        .balance_group(&caller, &code)
        .await
        .map_err(api(lang))?;
    Ok(Json(MovedDto { moved }))
}
