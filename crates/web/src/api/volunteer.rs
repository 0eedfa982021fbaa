//! Women volunteers: registered at a place with their skills (federation staff), listed masked
//! with their hours, and each service they give recorded on a record of the caller's reach.

use super::{ApiResult, CreatedDto, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jinguo_domain::volunteer::{ServiceInput, VolunteerInput, show_hours};
use jinguo_services::volunteer::{ServiceView, VolunteerView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(add))
        .routes(routes!(one))
        .routes(routes!(serve))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerDto {
    pub id: Uuid,
    pub place_code: String,
    /// Masked.
    pub name: String,
    /// Masked.
    pub phone: String,
    pub skills: Vec<String>,
    /// Hours of service in all (`12.5`).
    pub hours: String,
}

impl From<&VolunteerView> for VolunteerDto {
    fn from(v: &VolunteerView) -> Self {
        VolunteerDto {
            id: v.id,
            place_code: v.place_code.clone(),
            name: v.name.clone(),
            phone: v.phone.clone(),
            skills: v.skills.iter().map(|s| s.key().to_string()).collect(),
            hours: show_hours(v.hours_tenths),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerServiceDto {
    pub id: Uuid,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::volunteer::ServiceFor>)]
    pub service_for: String,
    pub subject_id: Uuid,
    pub served_on: String,
    pub hours: String,
    pub recorded_by: String,
}

impl From<&ServiceView> for VolunteerServiceDto {
    fn from(s: &ServiceView) -> Self {
        VolunteerServiceDto {
            id: s.id,
            service_for: s.service_for.key().into(),
            subject_id: s.subject_id,
            served_on: s.served_on.clone(),
            hours: show_hours(s.hours_tenths),
            recorded_by: s.recorded_by.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerDetailDto {
    pub volunteer: VolunteerDto,
    pub services: Vec<VolunteerServiceDto>,
}

/// The volunteers of the caller's places (federation staff), masked, with their hours.
#[utoipa::path(get, path = "/api/v1/volunteers", tag = "volunteer",
    responses((status = 200, body = Vec<VolunteerDto>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<Vec<VolunteerDto>>> {
    let list = s.services.volunteers(&caller).await.map_err(api(lang))?;
    Ok(Json(list.iter().map(VolunteerDto::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolunteerInputDto {
    pub name: String,
    /// A mobile number (optional).
    #[serde(default)]
    pub phone: String,
    /// Skills' keys.
    pub skills: Vec<String>,
}

/// Registers a volunteer at a place the caller manages (federation staff).
#[utoipa::path(post, path = "/api/v1/places/{code}/volunteers", tag = "volunteer",
    params(("code" = String, Path)), request_body = VolunteerInputDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<VolunteerInputDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = VolunteerInput {
        place: code,
        name: b.name,
        phone: b.phone,
        skills: b.skills,
    };
    let id = s
        .services
        .add_volunteer(&caller, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One volunteer of the caller's places with her services (the read is audited).
#[utoipa::path(get, path = "/api/v1/volunteers/{id}", tag = "volunteer",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = VolunteerDetailDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn one(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<VolunteerDetailDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let (v, services) = s.services.volunteer(&caller, id).await.map_err(api(lang))?;
    Ok(Json(VolunteerDetailDto {
        volunteer: VolunteerDto::from(&v),
        services: services.iter().map(VolunteerServiceDto::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolunteerServiceInputDto {
    #[schema(schema_with = crate::api::kind::<jinguo_domain::volunteer::ServiceFor>)]
    pub service_for: String,
    /// The family event, training session, registry entry or dispute.
    pub subject_id: Option<Uuid>,
    pub served_on: String,
    /// Hours (`1.5`), more than 0 and at most 24.
    pub hours: String,
}

/// Records a service a volunteer gave (federation staff of her place), on a record the caller
/// can read in the volunteer's county.
#[utoipa::path(post, path = "/api/v1/volunteers/{id}/services", tag = "volunteer",
    params(("id" = Uuid, Path)), request_body = VolunteerServiceInputDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn serve(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<VolunteerServiceInputDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = ServiceInput {
        service_for: b.service_for,
        subject: b.subject_id,
        served_on: b.served_on,
        hours: b.hours,
    };
    let sid = s
        .services
        .record_volunteer_service(&caller, id, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: sid })))
}
