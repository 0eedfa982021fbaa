//! The structured risk assessment of a domestic-violence case: the county's checklist, and a
//! case's assessments.

use super::{ApiResult, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use jinguo_domain::assessment::{AssessmentInput, Question};
use jinguo_services::assessment::CaseAssessments;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checklist, set_checklist))
        .routes(routes!(case_assessments, assess_case))
}

/// A question of the checklist.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct QuestionDto {
    /// Lower-case letters, digits and `_`.
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub zh: String,
    #[serde(default)]
    pub en: String,
    /// 1 to 10.
    #[serde(default)]
    pub weight: i64,
}

impl From<&Question> for QuestionDto {
    fn from(q: &Question) -> Self {
        Self {
            key: q.key.clone(),
            zh: q.zh.clone(),
            en: q.en.clone(),
            weight: q.weight,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ChecklistDto {
    /// The questions, in order.
    #[serde(default)]
    pub questions: Vec<QuestionDto>,
}

/// The county's risk checklist (the default one until its staff set theirs).
#[utoipa::path(get, path = "/api/v1/places/{code}/risk-questions", tag = "linkage",
    params(("code" = String, Path)),
    responses((status = 200, body = Vec<QuestionDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn checklist(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<QuestionDto>>> {
    let list = s
        .services
        .risk_checklist(&caller, &code)
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(QuestionDto::from).collect()))
}

/// Sets the county's risk checklist: questions in order, texts in both languages, weights.
#[utoipa::path(put, path = "/api/v1/places/{code}/risk-questions", tag = "linkage",
    params(("code" = String, Path)), request_body = ChecklistDto,
    responses((status = 200, body = Vec<QuestionDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_checklist(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<ChecklistDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Vec<QuestionDto>>> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let list: Vec<Question> = b
        .questions
        .into_iter()
        .map(|q| Question {
            key: q.key,
            zh: q.zh,
            en: q.en,
            weight: q.weight,
        })
        .collect();
    let list = s
        .services
        .set_risk_checklist(&caller, &code, &list)
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(QuestionDto::from).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnsweredDto {
    pub question: String,
    /// yes, no, unknown.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::assessment::Answer>)]
    pub answer: String,
    /// Its weight when asked.
    pub weight: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentDto {
    pub id: Uuid,
    pub assessed_at: DateTime<Utc>,
    pub assessed_by: String,
    pub with_victim: bool,
    pub incidents: Option<i64>,
    /// The weighted count of "yes".
    pub score: i64,
    /// What the score and the escalation give.
    pub computed: String,
    /// The professional judgement, if any.
    pub judgement: Option<String>,
    /// Why (the case's owner only).
    pub reason: String,
    /// The result in force: low, medium, high.
    pub result: String,
    /// What made it: score, escalation, judgement.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::assessment::Basis>)]
    pub basis: String,
    /// The answers (the case's owner only).
    pub answers: Vec<AnsweredDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseAssessmentsDto {
    pub questions: Vec<QuestionDto>,
    /// Newest first.
    pub assessments: Vec<AssessmentDto>,
}

impl From<&CaseAssessments> for CaseAssessmentsDto {
    fn from(a: &CaseAssessments) -> Self {
        Self {
            questions: a.questions.iter().map(QuestionDto::from).collect(),
            assessments: a
                .assessments
                .iter()
                .map(|x| AssessmentDto {
                    id: x.id,
                    assessed_at: x.assessed_at,
                    assessed_by: x.assessed_by.clone(),
                    with_victim: x.with_victim,
                    incidents: x.incidents,
                    score: x.score,
                    computed: x.computed.key().into(),
                    judgement: x.judgement.map(|j| j.key().to_string()),
                    reason: x.reason.clone(),
                    result: x.result.key().into(),
                    basis: x.basis.key().into(),
                    answers: x
                        .answers
                        .iter()
                        .map(|a| AnsweredDto {
                            question: a.key.clone(),
                            answer: a.answer.clone(),
                            weight: a.weight,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A case's county checklist and its risk assessments, newest first. Audited.
#[utoipa::path(get, path = "/api/v1/cases/{id}/assessments", tag = "linkage",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CaseAssessmentsDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn case_assessments(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseAssessmentsDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let a = s
        .services
        .case_assessments(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(Json((&a).into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AssessmentBodyDto {
    /// Question key → yes, no or unknown.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// Incidents in the last twelve months.
    #[serde(default)]
    pub incidents: Option<i64>,
    /// Answered with the victim.
    #[serde(default)]
    pub with_victim: bool,
    /// The professional judgement: low, medium or high; lowering the result needs a reason.
    #[serde(default)]
    pub judgement: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessedDto {
    pub id: Uuid,
    /// The case's risk now: low, medium, high.
    pub result: String,
}

/// Records a risk assessment of a case; its result becomes the case's risk.
#[utoipa::path(post, path = "/api/v1/cases/{id}/assessments", tag = "linkage",
    params(("id" = Uuid, Path)), request_body = AssessmentBodyDto,
    responses((status = 201, body = AssessedDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn assess_case(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<AssessmentBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<AssessedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = AssessmentInput {
        answers: b.answers,
        incidents: b.incidents,
        with_victim: b.with_victim,
        judgement: b.judgement,
        reason: b.reason,
    };
    let (id, result) = s
        .services
        .assess_case(&caller, id, &input)
        .await
        .map_err(api(lang))?;
    Ok((
        StatusCode::CREATED,
        Json(AssessedDto {
            id,
            result: result.key().into(),
        }),
    ))
}
