//! The responsibility network: who answers for what below a place (coverage), a member leaving
//! her post, bulk assignment, hand-over, balancing.

use super::{ApiResult, PlaceRef, api, body_error, parse_uuid};
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
        .routes(routes!(get_coverage))
        .routes(routes!(leave_member))
        .routes(routes!(assign_units))
        .routes(routes!(hand_over))
        .routes(routes!(balance_group))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapDto {
    pub code: String,
    pub name: String,
    pub level: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberLoadDto {
    pub id: Uuid,
    /// Masked.
    pub name: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::member::MemberRole>)]
    pub role: String,
    pub place_path: String,
    /// How many units (places or households) she answers for.
    pub units: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupGapDto {
    pub group: String,
    pub name: String,
    pub households: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageDto {
    pub place: PlaceRef,
    /// No gaps and nobody idle.
    pub complete: bool,
    pub members: i64,
    pub uncovered_units: Vec<GapDto>,
    pub households_without_representative: i64,
    pub uncovered_households: Vec<GroupGapDto>,
    pub idle_members: Vec<MemberLoadDto>,
    pub overloaded_members: Vec<MemberLoadDto>,
    /// The gaps rolled up for each unit one level down.
    pub children: Vec<ChildCoverageDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildCoverageDto {
    pub place: PlaceRef,
    pub uncovered_units: i64,
    pub households_without_representative: i64,
    pub idle_members: i64,
    pub overloaded_members: i64,
}

fn load_dto(m: &jinguo_services::coverage::MemberLoad) -> MemberLoadDto {
    MemberLoadDto {
        id: m.id,
        name: m.name.clone(),
        role: m.role.clone(),
        place_path: m.place_path.clone(),
        units: m.units,
    }
}

/// Who answers for what below a place (四级包保), computed from the assignments.
#[utoipa::path(get, path = "/api/v1/places/{code}/coverage", tag = "network",
    params(("code" = String, Path)),
    responses((status = 200, body = CoverageDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_coverage(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<CoverageDto>> {
    let c = s
        .services
        .coverage(&caller, &code)
        .await
        .map_err(api(lang))?;
    Ok(Json(CoverageDto {
        place: (&c.place).into(),
        complete: c.complete(),
        members: c.members,
        households_without_representative: c.households_without_representative(),
        uncovered_units: c
            .uncovered_units
            .iter()
            .map(|g| GapDto {
                code: g.code.clone(),
                name: g.name.clone(),
                level: g.level.key().into(),
            })
            .collect(),
        uncovered_households: c
            .uncovered_households
            .iter()
            .map(|h| GroupGapDto {
                group: h.code.clone(),
                name: h.name.clone(),
                households: h.households,
            })
            .collect(),
        idle_members: c.idle.iter().map(load_dto).collect(),
        overloaded_members: c.overloaded.iter().map(load_dto).collect(),
        children: c
            .children
            .iter()
            .map(|ch| ChildCoverageDto {
                place: (&ch.place).into(),
                uncovered_units: ch.uncovered_units,
                households_without_representative: ch.uncovered_households,
                idle_members: ch.idle,
                overloaded_members: ch.overloaded,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeaveDto {
    /// How many assignments ended with her term.
    pub assignments_ended: u64,
}

/// Why a member leaves her post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveBodyDto {
    /// Why she leaves (required, at most 500 characters; on the audit log).
    #[serde(default)]
    pub reason: String,
}

/// A member leaves her post, for a reason: her term and assignments end; what she answered for
/// becomes a gap.
#[utoipa::path(post, path = "/api/v1/members/{id}/leave", tag = "network", params(("id" = Uuid, Path)),
    request_body = LeaveBodyDto,
    responses((status = 200, body = LeaveDto), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn leave_member(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Option<Json<LeaveBodyDto>>,
) -> ApiResult<Json<LeaveDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let reason = body.map(|Json(b)| b.reason).unwrap_or_default();
    let n = s
        .services
        .member_leave(&caller, id, &reason)
        .await
        .map_err(api(lang))?;
    Ok(Json(LeaveDto {
        assignments_ended: n,
    }))
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
