//! Federations and their members.

use super::{ApiResult, CreatedDto, PlaceRef, api, body_error};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use jinguo_domain::member::MemberInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_federation, create_federation))
        .routes(routes!(add_member))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    pub id: Uuid,
    /// Masked.
    pub name: String,
    /// `executive`, `representative`, `mediator` or `volunteer`.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::member::MemberRole>)]
    pub role: String,
    /// Masked.
    pub phone: Option<String>,
    pub started_on: NaiveDate,
    pub term_ends_on: Option<NaiveDate>,
    /// Set once her term has ended.
    pub ended_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FederationDto {
    pub place: PlaceRef,
    /// None when no federation is recorded for the place.
    pub name: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub members: Vec<MemberDto>,
}

/// The federation of a place and the members serving there (names and phones masked).
#[utoipa::path(get, path = "/api/v1/places/{code}/federation", tag = "network",
    params(("code" = String, Path)),
    responses((status = 200, body = FederationDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_federation(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<FederationDto>> {
    let v = s
        .services
        .federation_view(&caller, &code)
        .await
        .map_err(api(lang))?;
    Ok(Json(FederationDto {
        place: (&v.place).into(),
        name: v.federation.as_ref().map(|f| f.name.clone()),
        established_on: v.federation.as_ref().and_then(|f| f.established_on),
        members: v
            .members
            .iter()
            .map(|m| MemberDto {
                id: m.id,
                name: m.name.clone(),
                role: m.role.key().into(),
                phone: m.phone.clone(),
                started_on: m.started_on,
                term_ends_on: m.term_ends_on,
                ended_on: m.ended_on,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFederationDto {
    pub name: String,
    /// YYYY-MM-DD (optional).
    #[serde(default)]
    pub established_on: String,
}

/// Records the federation of a place (city or county, subdistrict, village or community).
#[utoipa::path(post, path = "/api/v1/places/{code}/federation", tag = "network",
    params(("code" = String, Path)), request_body = NewFederationDto,
    responses((status = 201, body = CreatedDto), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_federation(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<NewFederationDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let f = s
        .services
        .create_federation(&caller, &code, &b.name, &b.established_on)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: f.id })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemberDto {
    pub name: String,
    /// `executive`, `representative`, `mediator` or `volunteer`.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::member::MemberRole>)]
    pub role: String,
    /// Mobile number (optional).
    #[serde(default)]
    pub phone: String,
    /// Start of the term, YYYY-MM-DD.
    pub started_on: String,
    /// Planned end of the term, YYYY-MM-DD (optional).
    #[serde(default)]
    pub term_ends_on: String,
}

/// A new member serving at a place: a representative at a resident group, the others at a
/// federation.
#[utoipa::path(post, path = "/api/v1/places/{code}/members", tag = "network",
    params(("code" = String, Path)), request_body = NewMemberDto,
    responses((status = 201, body = CreatedDto), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_member(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<NewMemberDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = MemberInput {
        name: b.name,
        role: b.role,
        phone: b.phone,
        started_on: b.started_on,
        term_ends_on: b.term_ends_on,
    };
    let id = s
        .services
        .add_member(&caller, &code, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}
