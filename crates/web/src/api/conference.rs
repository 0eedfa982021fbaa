//! The case conference: the county's conferences, their agenda (cases heard, safety plans, open
//! actions, cases awaiting a hearing), the actions of the departments and the minutes.

use super::{ApiResult, CreatedDto, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use jinguo_domain::conference::{ActionInput, ConferenceInput};
use jinguo_services::conference::{ActionView, ConferenceView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(conferences, plan_conference))
        .routes(routes!(get_conference))
        .routes(routes!(conference_held))
        .routes(routes!(hear_case))
        .routes(routes!(add_action))
        .routes(routes!(complete_action))
        .routes(routes!(my_actions))
        .routes(routes!(minutes))
        .routes(routes!(figures))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConferenceLineDto {
    pub id: Uuid,
    pub conference_on: NaiveDate,
    /// planned, held.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::conference::ConferenceStatus>)]
    pub status: String,
}

/// The county's conferences, newest first.
#[utoipa::path(get, path = "/api/v1/places/{code}/conferences", tag = "linkage",
    params(("code" = String, Path)),
    responses((status = 200, body = Vec<ConferenceLineDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn conferences(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<ConferenceLineDto>>> {
    let list = s
        .services
        .conferences(&caller, &code)
        .await
        .map_err(api(lang))?;
    Ok(Json(
        list.into_iter()
            .map(|c| ConferenceLineDto {
                id: c.id,
                conference_on: c.conference_on,
                status: c.status.key().into(),
            })
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConferenceBodyDto {
    /// YYYY-MM-DD.
    #[serde(default)]
    pub conference_on: String,
    /// The departments invited, by key.
    #[serde(default)]
    pub invited: Vec<String>,
}

/// Plans a conference of the county (staff over the whole county).
#[utoipa::path(post, path = "/api/v1/places/{code}/conferences", tag = "linkage",
    params(("code" = String, Path)), request_body = ConferenceBodyDto,
    responses((status = 201, body = CreatedDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn plan_conference(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<ConferenceBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = ConferenceInput {
        conference_on: b.conference_on,
        invited: b.invited,
    };
    let id = s
        .services
        .plan_conference(&caller, &code, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentRefDto {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SafetyActionDto {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub case_id: Uuid,
    pub department: String,
    pub department_name: String,
    pub action: String,
    pub due_on: NaiveDate,
    /// open, done.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::conference::ActionStatus>)]
    pub status: String,
    pub done_at: Option<DateTime<Utc>>,
    pub overdue: bool,
}

impl From<&ActionView> for SafetyActionDto {
    fn from(a: &ActionView) -> Self {
        Self {
            id: a.id,
            conference_id: a.conference_id,
            case_id: a.case_id,
            department: a.department.clone(),
            department_name: a.department_name.clone(),
            action: a.action.clone(),
            due_on: a.due_on,
            status: a.status.key().into(),
            done_at: a.done_at,
            overdue: a.overdue,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeardCaseDto {
    pub id: Uuid,
    pub place_path: String,
    /// Masked.
    pub victim: String,
    pub risk: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwaitingCaseDto {
    pub id: Uuid,
    /// The case's village or community.
    pub place_name: String,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConferenceDto {
    pub id: Uuid,
    pub conference_on: NaiveDate,
    pub status: String,
    pub invited: Vec<DepartmentRefDto>,
    pub present: Vec<DepartmentRefDto>,
    pub version: i64,
    /// The cases heard.
    pub cases: Vec<HeardCaseDto>,
    /// The actions decided at this conference.
    pub actions: Vec<SafetyActionDto>,
    /// The open actions of earlier conferences, reviewed at this one.
    pub open_before: Vec<SafetyActionDto>,
    /// The high-risk cases of the county not yet heard, by their clock.
    pub awaiting: Vec<AwaitingCaseDto>,
}

impl From<&ConferenceView> for ConferenceDto {
    fn from(v: &ConferenceView) -> Self {
        let refs = |l: &[(String, String)]| {
            l.iter()
                .map(|(k, n)| DepartmentRefDto {
                    key: k.clone(),
                    name: n.clone(),
                })
                .collect()
        };
        Self {
            id: v.id,
            conference_on: v.conference_on,
            status: v.status.key().into(),
            invited: refs(&v.invited),
            present: refs(&v.present),
            version: v.version,
            cases: v
                .cases
                .iter()
                .map(|c| HeardCaseDto {
                    id: c.id,
                    place_path: c.place_path.clone(),
                    victim: c.victim.clone(),
                    risk: c.risk.key().into(),
                })
                .collect(),
            actions: v.actions.iter().map(SafetyActionDto::from).collect(),
            open_before: v.open_before.iter().map(SafetyActionDto::from).collect(),
            awaiting: v
                .awaiting
                .iter()
                .map(|a| AwaitingCaseDto {
                    id: a.id,
                    place_name: a.place_name.clone(),
                    due_at: a.due_at,
                    overdue: a.overdue,
                })
                .collect(),
        }
    }
}

/// A conference with its agenda. Audited.
#[utoipa::path(get, path = "/api/v1/conferences/{id}", tag = "linkage",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ConferenceDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_conference(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ConferenceDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let v = s
        .services
        .conference(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(Json((&v).into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct HeldDto {
    /// The departments present, by key (among those invited).
    #[serde(default)]
    pub present: Vec<String>,
    #[serde(default)]
    pub expected_version: i64,
}

/// Records a conference held, with the departments present.
#[utoipa::path(post, path = "/api/v1/conferences/{id}/held", tag = "linkage",
    params(("id" = Uuid, Path)), request_body = HeldDto,
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn conference_held(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<HeldDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    s.services
        .conference_held(&caller, id, &b.present, b.expected_version)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct HearDto {
    #[serde(default)]
    pub case: Option<Uuid>,
}

/// Puts a high-risk case on a conference's agenda; its hearing clock stops. A conference dated
/// in the past takes no new case.
#[utoipa::path(post, path = "/api/v1/conferences/{id}/cases", tag = "linkage",
    params(("id" = Uuid, Path)), request_body = HearDto,
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn hear_case(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<HearDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let Some(case) = b.case else {
        let mut e = jinguo_domain::ValidationErrors::new();
        e.push("case", "required");
        return Err(api(lang)(e.into()));
    };
    s.services
        .hear_case(&caller, id, case)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SafetyActionBodyDto {
    /// A case heard at this conference.
    #[serde(default)]
    pub case: Option<Uuid>,
    /// The department that acts, by key.
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub action: String,
    /// YYYY-MM-DD, not before today.
    #[serde(default)]
    pub due_on: String,
}

/// Adds an action to a case's safety plan; its clock starts.
#[utoipa::path(post, path = "/api/v1/conferences/{id}/actions", tag = "linkage",
    params(("id" = Uuid, Path)), request_body = SafetyActionBodyDto,
    responses((status = 201, body = CreatedDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_action(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<SafetyActionBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = ActionInput {
        case: b.case,
        department: b.department,
        action: b.action,
        due_on: b.due_on,
    };
    let id = s
        .services
        .add_action(&caller, id, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// Marks an action done (staff organising its conference, or its department's officers); its
/// clock stops.
#[utoipa::path(post, path = "/api/v1/actions/{id}/done", tag = "linkage",
    params(("id" = Uuid, Path)),
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn complete_action(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    s.services
        .complete_action(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The safety plans' actions given to the caller's departments, open ones first. Audited.
#[utoipa::path(get, path = "/api/v1/actions", tag = "linkage",
    responses((status = 200, body = Vec<SafetyActionDto>),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn my_actions(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<Vec<SafetyActionDto>>> {
    let list = s.services.my_actions(&caller).await.map_err(api(lang))?;
    Ok(Json(list.iter().map(SafetyActionDto::from).collect()))
}

/// The minutes of a conference as a Word document (DOCX, Chinese) for the departments: the
/// cases by place, risk and masked name with their actions, never a narrative. Audited.
#[utoipa::path(get, path = "/api/v1/conferences/{id}/minutes.docx", tag = "linkage",
    params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn minutes(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let (name, bytes) = s
        .services
        .conference_minutes(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(crate::pages::mediation::docx_response(&name, bytes))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RiskCountDto {
    /// low, medium, high.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::screening::Risk>)]
    pub risk: String,
    pub cases: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConferenceFiguresDto {
    /// The county's open domestic-violence cases by risk.
    pub cases_by_risk: Vec<RiskCountDto>,
    pub conferences_held: i64,
    pub conferences_planned: i64,
    /// Safety-plan actions done by the end of their day.
    pub actions_on_time: i64,
    /// Done after it.
    pub actions_late: i64,
    /// Not done, their day not past.
    pub actions_open: i64,
    /// Not done, their day past.
    pub actions_overdue: i64,
}

/// The county's figures of high-risk work: open cases by risk, conferences held, safety-plan
/// actions on time and late (staff over the whole county). Counts only. With a period: the
/// cases received in it by risk, the conferences on its days, the actions due in it; a period
/// ending before it starts, longer than ten years or starting in the future is refused naming
/// the field.
#[utoipa::path(get, path = "/api/v1/places/{code}/conference-figures", tag = "linkage",
    params(("code" = String, Path), super::PeriodQuery),
    responses((status = 200, body = ConferenceFiguresDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn figures(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<super::PeriodQuery>,
) -> ApiResult<Json<ConferenceFiguresDto>> {
    let period = q.optional().map_err(api(lang))?;
    let f = s
        .services
        .conference_figures_in(&caller, &code, period)
        .await
        .map_err(api(lang))?;
    Ok(Json(ConferenceFiguresDto {
        cases_by_risk: f
            .cases_by_risk
            .iter()
            .map(|(r, n)| RiskCountDto {
                risk: r.key().into(),
                cases: *n,
            })
            .collect(),
        conferences_held: f.conferences_held,
        conferences_planned: f.conferences_planned,
        actions_on_time: f.actions_on_time,
        actions_late: f.actions_late,
        actions_open: f.actions_open,
        actions_overdue: f.actions_overdue,
    }))
}
