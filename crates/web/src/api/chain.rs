//! The "1+N+1+1" chains: defined by a county's federation staff (named steps, each with a unit
//! and a time limit), records attached to them, and each step done by its unit's person.

use super::{ApiResult, CreatedDto, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jinguo_domain::chain::{ChainInput, StepInput};
use jinguo_services::chain::{ChainView, RunLine, RunView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(define))
        .routes(routes!(attach))
        .routes(routes!(run))
        .routes(routes!(take))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainStepDto {
    pub seq: i64,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::chain::StepRole>)]
    pub role: String,
    pub name: String,
    pub unit_name: String,
    /// The time limit in days.
    pub days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainDto {
    pub id: Uuid,
    pub place_code: String,
    pub name: String,
    pub steps: Vec<ChainStepDto>,
}

impl From<&ChainView> for ChainDto {
    fn from(c: &ChainView) -> Self {
        ChainDto {
            id: c.id,
            place_code: c.place_code.clone(),
            name: c.name.clone(),
            steps: c
                .steps
                .iter()
                .map(|s| ChainStepDto {
                    seq: s.seq,
                    role: s.role.key().into(),
                    name: s.name.clone(),
                    unit_name: s.unit_name.clone(),
                    days: s.days,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainRunLineDto {
    pub id: Uuid,
    pub chain_id: Uuid,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::chain::Subject>)]
    pub subject: String,
    pub subject_id: Uuid,
    pub started_at: String,
    pub done: i64,
    pub steps: i64,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::supervision::Light>)]
    pub light: String,
}

impl From<&RunLine> for ChainRunLineDto {
    fn from(r: &RunLine) -> Self {
        ChainRunLineDto {
            id: r.id,
            chain_id: r.chain_id,
            subject: r.subject.key().into(),
            subject_id: r.subject_id,
            started_at: r.started_at.to_rfc3339(),
            done: r.done,
            steps: r.steps,
            light: r.light.key().into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainsDto {
    pub chains: Vec<ChainDto>,
    pub runs: Vec<ChainRunLineDto>,
}

/// The chains of the counties the caller manages and the records attached to chains within her
/// reach (federation staff, and liaison officers of a step's department).
#[utoipa::path(get, path = "/api/v1/chains", tag = "chain",
    responses((status = 200, body = ChainsDto), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<ChainsDto>> {
    let (chains, runs) = s.services.chains(&caller).await.map_err(api(lang))?;
    Ok(Json(ChainsDto {
        chains: chains.iter().map(ChainDto::from).collect(),
        runs: runs.iter().map(ChainRunLineDto::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainStepInputDto {
    #[schema(schema_with = crate::api::kind::<jinguo_domain::chain::StepRole>)]
    pub role: String,
    pub name: String,
    /// A department's key in the county, or the division code of a federation below it.
    pub unit: String,
    /// The time limit in days (1 to 365).
    pub days: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainInputDto {
    pub name: String,
    pub steps: Vec<ChainStepInputDto>,
}

/// Defines a chain at a county the caller manages (federation staff).
#[utoipa::path(post, path = "/api/v1/places/{code}/chains", tag = "chain",
    params(("code" = String, Path)), request_body = ChainInputDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn define(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<ChainInputDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = ChainInput {
        place: code,
        name: b.name,
        steps: b
            .steps
            .into_iter()
            .map(|s| StepInput {
                role: s.role,
                name: s.name,
                unit: s.unit,
                days: s.days.to_string(),
            })
            .collect(),
    };
    let id = s
        .services
        .define_chain(&caller, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachDto {
    #[schema(schema_with = crate::api::kind::<jinguo_domain::chain::Subject>)]
    pub subject: String,
    /// The dispute or the case.
    pub subject_id: Option<Uuid>,
}

/// Attaches a dispute or a case the caller can read, in the chain's county, to a chain; the
/// first step's clock starts.
#[utoipa::path(post, path = "/api/v1/chains/{id}/runs", tag = "chain",
    params(("id" = Uuid, Path)), request_body = AttachDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn attach(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<AttachDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let run = s
        .services
        .attach_to_chain(&caller, id, &b.subject, b.subject_id)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: run })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainRunStepDto {
    pub seq: i64,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::chain::StepRole>)]
    pub role: String,
    pub name: String,
    pub unit_name: String,
    pub days: i64,
    /// The step's deadline, once its clock started.
    pub due_on: Option<String>,
    pub done_at: Option<String>,
    pub done_by: String,
    pub light: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainRunDto {
    pub run: ChainRunLineDto,
    pub chain_name: String,
    pub steps: Vec<ChainRunStepDto>,
    /// The step the caller may record done now.
    pub may_take: Option<i64>,
}

impl From<&RunView> for ChainRunDto {
    fn from(r: &RunView) -> Self {
        ChainRunDto {
            run: ChainRunLineDto::from(&r.line),
            chain_name: r.chain_name.clone(),
            steps: r
                .steps
                .iter()
                .map(|s| ChainRunStepDto {
                    seq: s.seq,
                    role: s.role.key().into(),
                    name: s.name.clone(),
                    unit_name: s.unit_name.clone(),
                    days: s.days,
                    due_on: s.due_on.map(|d| d.to_string()),
                    done_at: s.done_at.map(|t| t.to_rfc3339()),
                    done_by: s.done_by.clone(),
                    light: s.light.map(|l| l.key().to_string()),
                })
                .collect(),
            may_take: r.may_take,
        }
    }
}

/// A record attached to a chain with its steps (the read is audited).
#[utoipa::path(get, path = "/api/v1/chain-runs/{id}", tag = "chain",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ChainRunDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn run(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ChainRunDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let r = s.services.chain_run(&caller, id).await.map_err(api(lang))?;
    Ok(Json(ChainRunDto::from(&r)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TakeDto {
    /// The step's number: the step to take now, of the caller's unit.
    pub seq: i64,
}

/// Records the step to take now done (the unit's person: a liaison officer of its department or
/// staff of its federation); the next step's clock starts.
#[utoipa::path(post, path = "/api/v1/chain-runs/{id}/steps", tag = "chain",
    params(("id" = Uuid, Path)), request_body = TakeDto,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn take(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<TakeDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    s.services
        .take_chain_step(&caller, id, b.seq)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}
