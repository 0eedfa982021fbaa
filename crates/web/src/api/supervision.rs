//! Supervision tasks (督办): the board (lights, lines, figures per unit), issuing a task, one
//! task with its steps, and the steps of the issuer and of the unit.

use super::{ApiResult, CreatedDto, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use jinguo_domain::supervision::TaskInput;
use jinguo_services::supervision::{StepInput, TaskLine};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(board, issue))
        .routes(routes!(task))
        .routes(routes!(step))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionLineDto {
    pub id: Uuid,
    pub title: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::supervision::Source>)]
    pub source: String,
    /// The issuing federation's place.
    pub place_code: String,
    /// The lead unit: a department or a federation below.
    pub unit_name: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::supervision::Status>)]
    pub status: String,
    /// From the clock: `green`, `yellow` (within the configured days of the deadline), `red`
    /// (overdue) or `done`.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::supervision::Light>)]
    pub light: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    /// Times the completion report was returned.
    pub returns: i64,
    /// When the next progress report is due, at the task's cadence.
    pub report_due_on: Option<NaiveDate>,
}

impl From<&TaskLine> for SupervisionLineDto {
    fn from(l: &TaskLine) -> Self {
        Self {
            id: l.id,
            title: l.title.clone(),
            source: l.source.key().into(),
            place_code: l.place_code.clone(),
            unit_name: l.unit_name.clone(),
            status: l.status.key().into(),
            light: l.light.key().into(),
            issued_on: l.issued_on,
            due_on: l.due_on,
            returns: l.returns,
            report_due_on: l.report_due_on,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionUnitDto {
    pub unit_name: String,
    pub total: i64,
    pub open: i64,
    pub yellow: i64,
    pub red: i64,
    /// Closed, reported done by the deadline.
    pub on_time: i64,
    /// Closed after the deadline, or open past it.
    pub late: i64,
    /// Returned at least once.
    pub returned: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionBoardDto {
    pub green: i64,
    pub yellow: i64,
    pub red: i64,
    /// Open tasks first by deadline, then closed ones; at most 100.
    pub tasks: Vec<SupervisionLineDto>,
    pub units: Vec<SupervisionUnitDto>,
    /// The first and last day the tasks counted were issued, when a period was asked for
    /// (all tasks without one).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupervisionBoardQuery {
    /// Only tasks issued at or below this place (a division code she manages).
    place: Option<String>,
    /// `green`, `yellow`, `red` or `done`.
    light: Option<String>,
}

/// The supervision board of the caller: tasks she issued within her places, and those sent to
/// her department or federation; with a period, only the tasks issued in it are counted and
/// listed.
#[utoipa::path(get, path = "/api/v1/supervision", tag = "supervision", params(SupervisionBoardQuery, crate::api::PeriodQuery),
    responses((status = 200, body = SupervisionBoardDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn board(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<SupervisionBoardQuery>,
    Query(pq): Query<crate::api::PeriodQuery>,
) -> ApiResult<Json<SupervisionBoardDto>> {
    let period = pq.optional().map_err(api(lang))?;
    let b = s
        .services
        .supervision_board_in(&caller, q.place.as_deref(), q.light.as_deref(), period)
        .await
        .map_err(api(lang))?;
    Ok(Json(SupervisionBoardDto {
        green: b.green,
        yellow: b.yellow,
        red: b.red,
        tasks: b.lines.iter().map(Into::into).collect(),
        units: b
            .units
            .iter()
            .map(|u| SupervisionUnitDto {
                unit_name: u.unit_name.clone(),
                total: u.total,
                open: u.open,
                yellow: u.yellow,
                red: u.red,
                on_time: u.on_time,
                late: u.late,
                returned: u.returned,
            })
            .collect(),
        from: b.period.map(|p| p.from),
        to: b.period.map(|p| p.to),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisionIssueDto {
    /// The issuing place (a division code she manages as staff).
    pub place: String,
    pub title: String,
    #[serde(default)]
    pub matter: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::supervision::Source>)]
    pub source: String,
    /// The case, dispute or topic it was raised from (required for those sources).
    #[serde(default)]
    pub source_id: Option<Uuid>,
    /// The lead unit: a department's key …
    #[serde(default)]
    pub lead_department: String,
    /// … or a federation below (its division code).
    #[serde(default)]
    pub lead_place: String,
    #[serde(default)]
    pub co_departments: Vec<String>,
    #[serde(default)]
    pub co_places: Vec<String>,
    /// The person answering for it in the lead unit.
    pub owner_name: String,
    /// `weekly`, `monthly` (default), `quarterly` or `deadline`.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::supervision::Cadence>)]
    pub cadence: String,
    /// `YYYY-MM-DD`, not after today.
    pub issued_on: String,
    /// The last day, `YYYY-MM-DD`, after `issued_on`.
    pub deadline: String,
}

/// Issues a supervision task; the unit is told and the clock starts.
#[utoipa::path(post, path = "/api/v1/supervision", tag = "supervision", request_body = SupervisionIssueDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn issue(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    body: Result<Json<SupervisionIssueDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = TaskInput {
        title: b.title,
        matter: b.matter,
        source: b.source,
        source_id: b.source_id,
        lead_department: b.lead_department,
        lead_place: b.lead_place,
        co_departments: b.co_departments,
        co_places: b.co_places,
        owner_name: b.owner_name,
        cadence: b.cadence,
        issued_on: b.issued_on,
        deadline: b.deadline,
    };
    let id = s
        .services
        .issue_task(&caller, &b.place, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionStepDto {
    #[schema(schema_with = crate::api::kind::<jinguo_domain::supervision::Step>)]
    pub kind: String,
    pub at: DateTime<Utc>,
    pub by: String,
    pub note: String,
    /// For an extension asked or approved: the new deadline.
    pub new_due_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionTaskDto {
    pub task: SupervisionLineDto,
    /// Send it back with a step.
    pub version: i64,
    pub matter: String,
    pub source_id: Option<Uuid>,
    pub owner_name: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::supervision::Cadence>)]
    pub cadence: String,
    pub co_units: Vec<String>,
    /// An extension asked for and not yet decided.
    pub extension_on: Option<String>,
    pub rating: Option<String>,
    /// Who issued it (its owner).
    pub created_by: String,
    pub steps: Vec<SupervisionStepDto>,
    /// The steps the caller may take now.
    pub may: Vec<String>,
}

/// A supervision task with its co-units, steps and the steps the caller may take.
#[utoipa::path(get, path = "/api/v1/supervision/{id}", tag = "supervision",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SupervisionTaskDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn task(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<SupervisionTaskDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let v = s
        .services
        .supervision_task(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(Json(SupervisionTaskDto {
        task: (&v.line).into(),
        version: v.version,
        matter: v.matter.clone(),
        source_id: v.source_id,
        owner_name: v.owner_name.clone(),
        cadence: v.cadence.key().into(),
        co_units: v.co_units.clone(),
        extension_on: v.extension_on.clone(),
        rating: v.rating.map(|r| r.key().into()),
        created_by: v.created_by.clone(),
        steps: v
            .steps
            .iter()
            .map(|st| SupervisionStepDto {
                kind: st.kind.key().into(),
                at: st.at,
                by: st.by.clone(),
                note: st.note.clone(),
                new_due_on: st.new_due_on.clone(),
            })
            .collect(),
        may: v.may.iter().map(|m| m.key().to_string()).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisionStepInputDto {
    /// The unit's: `sign`, `progress`, `extend_request`, `submit`; the issuer's:
    /// `extend_approve`, `extend_refuse`, `return`, `close`, `revisit`.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::supervision::Step>)]
    pub step: String,
    pub expected_version: i64,
    /// What was done (required for `progress`, `extend_request`, `submit` and `return`).
    #[serde(default)]
    pub note: String,
    /// For `extend_request`: `YYYY-MM-DD`, after the present deadline, asked before it passes.
    #[serde(default)]
    pub new_due_on: String,
    /// For `revisit`: `satisfied`, `basic` or `unsatisfied`.
    #[serde(default)]
    pub rating: String,
}

/// A step on a task. `return` and `close` are refused to its owner (who issued it) and to whoever
/// reported it done. A stale `expected_version` answers 409 and writes nothing.
#[utoipa::path(post, path = "/api/v1/supervision/{id}/steps", tag = "supervision",
    params(("id" = Uuid, Path)), request_body = SupervisionStepInputDto,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<SupervisionStepInputDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = StepInput {
        step: b.step,
        expected_version: b.expected_version,
        note: b.note,
        new_due_on: b.new_due_on,
        rating: b.rating,
    };
    s.services
        .supervision_step(&caller, id, &input)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}
