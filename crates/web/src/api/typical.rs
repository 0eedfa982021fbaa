//! Typical cases: the staff library (by kind and year), proposing one from a case, a dispute or a
//! topic (the text de-identified at once), review, publication by the county, withdrawal, and
//! the published public ones for anyone.

use super::{ApiResult, CreatedDto, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use jinguo_domain::typical::{ProposalInput, ReviewInput};
use jinguo_services::typical::{TypicalQuery, TypicalView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(library))
        .routes(routes!(propose))
        .routes(routes!(one))
        .routes(routes!(review))
        .routes(routes!(publish))
        .routes(routes!(withdraw))
        .routes(routes!(public_list))
        .routes(routes!(public_one))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TypicalCaseDto {
    pub id: Uuid,
    /// The proposing place (the county on the public list).
    pub place_code: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::typical::TypicalKind>)]
    pub kind: String,
    pub year: i64,
    pub title: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::typical::TypicalSource>)]
    pub source: String,
    /// The record it was proposed from (staff who manage the case only).
    pub source_id: Option<Uuid>,
    /// The de-identified text as reviewed (empty on lists).
    pub case_text: String,
    /// The text as the de-identification gave it (staff who manage the case only).
    pub case_text_auto: String,
    /// A person could still be recognised: publication needs her consent.
    pub recognisable: bool,
    pub public: bool,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::typical::TypicalStatus>)]
    pub status: String,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub published_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl From<&TypicalView> for TypicalCaseDto {
    fn from(v: &TypicalView) -> Self {
        TypicalCaseDto {
            id: v.id,
            place_code: v.place_code.clone(),
            kind: v.kind.key().into(),
            year: v.year,
            title: v.title.clone(),
            source: v.source.key().into(),
            source_id: v.source_id,
            case_text: v.text.clone(),
            case_text_auto: v.text_auto.clone(),
            recognisable: v.recognisable,
            public: v.is_public,
            status: v.status.key().into(),
            proposed_by: v.proposed_by.clone(),
            proposed_at: v.proposed_at,
            reviewed_by: v.reviewed_by.clone(),
            published_by: v.published_by.clone(),
            published_at: v.published_at,
            version: v.version,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TypicalSearch {
    /// A kind's key.
    kind: Option<String>,
    /// The year it happened.
    year: Option<String>,
}

impl TypicalSearch {
    fn query(self) -> TypicalQuery {
        TypicalQuery {
            kind: self.kind,
            year: self.year,
        }
    }
}

/// The library: the cases of the caller's places and those published for everyone (federation
/// staff), titles only.
#[utoipa::path(get, path = "/api/v1/typical-cases", tag = "typical", params(TypicalSearch),
    responses((status = 200, body = Vec<TypicalCaseDto>), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn library(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<TypicalSearch>,
) -> ApiResult<Json<Vec<TypicalCaseDto>>> {
    let list = s
        .services
        .typical_library(&caller, &q.query())
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(TypicalCaseDto::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypicalProposalDto {
    #[schema(schema_with = crate::api::kind::<jinguo_domain::typical::TypicalKind>)]
    pub kind: String,
    /// The year it happened, not after this one.
    pub year: String,
    pub title: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::typical::TypicalSource>)]
    pub source: String,
    /// A case, dispute or topic the caller can read.
    pub source_id: Option<Uuid>,
    /// What happened: stored de-identified (names to 某 forms, ID and mobile numbers removed,
    /// addresses cut to the county, dates to the month).
    pub case_text: String,
}

/// Proposes a typical case at a place the caller manages (federation staff).
#[utoipa::path(post, path = "/api/v1/places/{code}/typical-cases", tag = "typical",
    params(("code" = String, Path)), request_body = TypicalProposalDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn propose(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<TypicalProposalDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = ProposalInput {
        kind: b.kind,
        year: b.year,
        title: b.title,
        source: b.source,
        source_id: b.source_id,
        text: b.case_text,
    };
    let id = s
        .services
        .propose_typical(&caller, &code, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One case with its text (federation staff; the read is audited).
#[utoipa::path(get, path = "/api/v1/typical-cases/{id}", tag = "typical",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TypicalCaseDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn one(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<TypicalCaseDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let v = s
        .services
        .typical_case(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(Json(TypicalCaseDto::from(&v)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypicalReviewDto {
    pub expected_version: i64,
    pub title: String,
    /// The text as edited: refused while it holds a resident ID or mobile number.
    pub case_text: String,
    /// A person could still be recognised from it.
    #[serde(default)]
    pub recognisable: bool,
}

/// Reviews a proposed case, by staff managing it other than the proposer. A stale
/// `expected_version` answers 409 and writes nothing.
#[utoipa::path(post, path = "/api/v1/typical-cases/{id}/review", tag = "typical",
    params(("id" = Uuid, Path)), request_body = TypicalReviewDto,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn review(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<TypicalReviewDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = ReviewInput {
        title: b.title,
        text: b.case_text,
        recognisable: b.recognisable,
    };
    s.services
        .review_typical(&caller, id, b.expected_version, &input)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypicalPublishDto {
    pub expected_version: i64,
    /// On the page anyone may open.
    #[serde(default)]
    pub public: bool,
}

/// Publishes a reviewed case (staff of the county federation, not the proposer); when a person
/// could still be recognised, only with her recorded consent to publication.
#[utoipa::path(post, path = "/api/v1/typical-cases/{id}/publish", tag = "typical",
    params(("id" = Uuid, Path)), request_body = TypicalPublishDto,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn publish(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<TypicalPublishDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    s.services
        .publish_typical(&caller, id, b.expected_version, b.public)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypicalWithdrawDto {
    pub expected_version: i64,
}

/// Withdraws a case from the library and the public page (staff of the county federation).
#[utoipa::path(post, path = "/api/v1/typical-cases/{id}/withdraw", tag = "typical",
    params(("id" = Uuid, Path)), request_body = TypicalWithdrawDto,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn withdraw(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<TypicalWithdrawDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    s.services
        .withdraw_typical(&caller, id, b.expected_version)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The published typical cases marked public, by kind and year. Public: identifies nobody.
#[utoipa::path(get, path = "/api/v1/public/typical-cases", tag = "typical", params(TypicalSearch),
    responses((status = 200, body = Vec<TypicalCaseDto>),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn public_list(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    Query(q): Query<TypicalSearch>,
) -> ApiResult<Json<Vec<TypicalCaseDto>>> {
    let list = s
        .services
        .public_typical_cases(&q.query(), false)
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(TypicalCaseDto::from).collect()))
}

/// One published typical case marked public, with its text. Public.
#[utoipa::path(get, path = "/api/v1/public/typical-cases/{id}", tag = "typical",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TypicalCaseDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn public_one(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    Path(id): Path<String>,
) -> ApiResult<Json<TypicalCaseDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let v = s
        .services
        .public_typical_case(id)
        .await
        .map_err(api(lang))?;
    Ok(Json(TypicalCaseDto::from(&v)))
}
