//! Family mediation: disputes from intake to agreement, judicial confirmation and the figures.

use super::{ApiResult, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use jinguo_domain::mediation::{AgreementInput, IntakeInput, PartyInput, SessionInput, TermInput};
use jinguo_services::mediation::{DisputeFigures, DisputeRecords, DisputeView, StepInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(place_disputes, register_dispute))
        .routes(routes!(dispute_figures))
        .routes(routes!(dispute_workbook))
        .routes(routes!(my_disputes))
        .routes(routes!(get_dispute))
        .routes(routes!(take_step))
        .routes(routes!(record_session))
        .routes(routes!(record_agreement))
        .routes(routes!(request_confirmation))
        .routes(routes!(agreement_document))
        .routes(routes!(term_performed))
        .routes(routes!(mediation_coverage))
        .routes(routes!(set_mediator_profile))
        .routes(routes!(crime_report))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct PartyDto {
    /// A registered person, when the party is one.
    #[serde(default)]
    pub person_id: Option<Uuid>,
    #[serde(default)]
    pub name: String,
    /// To the other party (husband, wife, son …).
    #[serde(default)]
    pub relationship: String,
}

impl From<&jinguo_services::mediation::PartyView> for PartyDto {
    fn from(p: &jinguo_services::mediation::PartyView) -> Self {
        PartyDto {
            person_id: p.person_id,
            name: p.name.clone(),
            relationship: p.relationship.clone(),
        }
    }
}

impl From<&PartyDto> for PartyInput {
    fn from(p: &PartyDto) -> Self {
        PartyInput {
            person_id: p.person_id,
            name: p.name.clone(),
            relationship: p.relationship.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewDisputeDto {
    /// marriage, divorce, domestic_violence, elder_support, custody, property, neighbours, other.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::mediation::DisputeKind>)]
    pub kind: String,
    /// screening, hotline (12338), walk_in, court_before_filing (诉前委派), court_after_filing
    /// (委托调解), police, federation.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::mediation::Source>)]
    pub source: String,
    /// low, medium or high.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::screening::Risk>)]
    pub risk: String,
    #[serde(default)]
    pub received_on: String,
    #[serde(default)]
    pub parties: Vec<PartyDto>,
    #[serde(default)]
    pub narrative: String,
    /// The parties agreed that their case is recorded and handled.
    #[serde(default)]
    pub consent: bool,
    /// A court referral after filing under the simplified procedure (7 days).
    #[serde(default)]
    pub simplified: bool,
    /// Register even though a party has an open dispute (the user looked at it).
    #[serde(default)]
    pub confirmed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredDto {
    pub id: Uuid,
    pub due_on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeDto {
    pub id: Uuid,
    pub place_path: String,
    pub household_id: Option<Uuid>,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::mediation::DisputeKind>)]
    pub kind: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::mediation::Source>)]
    pub source: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::screening::Risk>)]
    pub risk: String,
    /// registered, accepted, assigned, in_mediation, agreed, not_agreed, closed.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::mediation::Status>)]
    pub status: String,
    /// agreed, not_agreed or refused, once concluded.
    pub outcome: Option<String>,
    pub opened_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub concluded_on: Option<NaiveDate>,
    pub due_on: NaiveDate,
    pub overdue: bool,
    pub mediator_id: Option<Uuid>,
    /// Send it back with the next step: a dispute changed meanwhile answers 409.
    pub version: i64,
    /// Whole for the assigned mediator, masked for everyone else.
    pub narrative: String,
    pub parties: Vec<PartyDto>,
}

impl From<&DisputeView> for DisputeDto {
    fn from(d: &DisputeView) -> Self {
        Self {
            id: d.id,
            place_path: d.place_path.clone(),
            household_id: d.household_id,
            kind: d.kind.key().into(),
            source: d.source.key().into(),
            risk: d.risk.key().into(),
            status: d.status.key().into(),
            outcome: d.outcome.map(|o| o.key().into()),
            opened_on: d.opened_on,
            accepted_on: d.accepted_on,
            concluded_on: d.concluded_on,
            due_on: d.due_on,
            overdue: d.overdue,
            mediator_id: d.mediator_id,
            version: d.version,
            narrative: d.narrative.clone(),
            parties: d.parties.iter().map(PartyDto::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeStepDto {
    pub step: String,
    pub taken_on: NaiveDate,
    pub mediator_id: Option<Uuid>,
    pub note: String,
    pub taken_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediationSessionDto {
    pub held_on: NaiveDate,
    pub place: String,
    pub attendees: String,
    pub record: String,
    pub recorded_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TermDto {
    /// Its number in the agreement (1, 2, …).
    pub seq: i64,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::mediation::TermKind>)]
    pub kind: String,
    pub text: String,
    pub manner: String,
    pub due_on: NaiveDate,
    pub performed_on: Option<NaiveDate>,
    /// Its deadline passed and it is not performed.
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementDto {
    pub agreed_on: NaiveDate,
    pub parties: Vec<PartyDto>,
    pub facts: String,
    pub terms: Vec<TermDto>,
    /// When judicial confirmation was applied for.
    pub confirmation_on: Option<NaiveDate>,
    /// The last day to apply for it (30 days after the agreement).
    pub confirmation_ends_on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeDetailDto {
    pub dispute: DisputeDto,
    pub steps: Vec<DisputeStepDto>,
    pub sessions: Vec<MediationSessionDto>,
    pub agreement: Option<AgreementDto>,
}

fn detail(v: &DisputeView, r: &DisputeRecords) -> DisputeDetailDto {
    DisputeDetailDto {
        dispute: v.into(),
        steps: r
            .steps
            .iter()
            .map(|s| DisputeStepDto {
                step: s.step.clone(),
                taken_on: s.taken_on,
                mediator_id: s.mediator_id,
                note: s.note.clone(),
                taken_by: s.taken_by.clone(),
            })
            .collect(),
        sessions: r
            .sessions
            .iter()
            .map(|s| MediationSessionDto {
                held_on: s.held_on,
                place: s.place.clone(),
                attendees: s.attendees.clone(),
                record: s.record.clone(),
                recorded_by: s.recorded_by.clone(),
            })
            .collect(),
        agreement: r.agreement.as_ref().map(|a| AgreementDto {
            agreed_on: a.agreed_on,
            parties: a.parties.iter().map(PartyDto::from).collect(),
            facts: a.facts.clone(),
            terms: a
                .terms
                .iter()
                .map(|t| TermDto {
                    seq: t.seq,
                    kind: t.kind.key().into(),
                    text: t.text.clone(),
                    manner: t.manner.clone(),
                    due_on: t.due_on,
                    performed_on: t.performed_on,
                    overdue: t.overdue,
                })
                .collect(),
            confirmation_on: a.confirmation_on,
            confirmation_ends_on: a.confirmation_ends_on,
        }),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only disputes still open (default: all).
    pub open: Option<bool>,
}

/// The disputes below a place the caller manages: open ones first, by due date.
#[utoipa::path(get, path = "/api/v1/places/{code}/disputes", tag = "mediation",
    params(("code" = String, Path), ListParams),
    responses((status = 200, body = Vec<DisputeDto>),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn place_disputes(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<ListParams>,
) -> ApiResult<Json<Vec<DisputeDto>>> {
    let list = s
        .services
        .disputes(&caller, Some(&code), q.open.unwrap_or(false))
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(DisputeDto::from).collect()))
}

/// Registers a dispute at a place the caller manages. A party already in an open dispute is
/// refused with 409 `possible_duplicate`, the open disputes in `related`, unless `confirmed`.
#[utoipa::path(post, path = "/api/v1/places/{code}/disputes", tag = "mediation",
    params(("code" = String, Path)), request_body = NewDisputeDto,
    responses((status = 201, body = RegisteredDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn register_dispute(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<NewDisputeDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<RegisteredDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = IntakeInput {
        kind: b.kind,
        source: b.source,
        risk: b.risk,
        received_on: b.received_on,
        parties: b.parties.iter().map(PartyInput::from).collect(),
        narrative: b.narrative,
        consent: b.consent,
        simplified: b.simplified,
    };
    let r = s
        .services
        .register_dispute(&caller, &code, &input, b.confirmed)
        .await
        .map_err(api(lang))?;
    Ok((
        StatusCode::CREATED,
        Json(RegisteredDto {
            id: r.id,
            due_on: r.due_on,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountDto {
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeFiguresDto {
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
    pub by_kind: Vec<CountDto>,
    pub by_source: Vec<CountDto>,
    pub by_risk: Vec<CountDto>,
    pub agreed: i64,
    pub not_agreed: i64,
    pub refused: i64,
    /// Agreements reached ÷ disputes concluded by mediation (agreed or not); none before any.
    pub success_rate: Option<f64>,
    pub average_days_to_conclude: Option<f64>,
    /// The units one level down.
    pub by_unit: Vec<UnitDisputesDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDisputesDto {
    pub code: String,
    pub name: String,
    pub total: i64,
    pub open: i64,
    pub agreed: i64,
    pub success_rate: Option<f64>,
}

impl From<&DisputeFigures> for DisputeFiguresDto {
    fn from(f: &DisputeFigures) -> Self {
        let counts = |v: Vec<(String, i64)>| {
            v.into_iter()
                .map(|(key, count)| CountDto { key, count })
                .collect()
        };
        Self {
            total: f.total,
            open: f.open,
            overdue: f.overdue,
            by_kind: counts(
                f.by_kind
                    .iter()
                    .map(|(k, n)| (k.key().into(), *n))
                    .collect(),
            ),
            by_source: counts(
                f.by_source
                    .iter()
                    .map(|(k, n)| (k.key().into(), *n))
                    .collect(),
            ),
            by_risk: counts(
                f.by_risk
                    .iter()
                    .map(|(k, n)| (k.key().into(), *n))
                    .collect(),
            ),
            agreed: f.agreed,
            not_agreed: f.not_agreed,
            refused: f.refused,
            success_rate: f.success_rate,
            average_days_to_conclude: f.average_days_to_conclude,
            by_unit: Vec::new(),
        }
    }
}

/// The figures of the disputes registered in a period (all time without one) below a place the
/// caller manages.
#[utoipa::path(get, path = "/api/v1/places/{code}/disputes/figures", tag = "mediation",
    params(("code" = String, Path), super::PeriodQuery),
    responses((status = 200, body = DisputeFiguresDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn dispute_figures(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<super::PeriodQuery>,
) -> ApiResult<Json<DisputeFiguresDto>> {
    let period = q.optional().map_err(api(lang))?;
    let f = s
        .services
        .dispute_figures_in(&caller, &code, period)
        .await
        .map_err(api(lang))?;
    let units = s
        .services
        .dispute_units(&caller, &code, period)
        .await
        .map_err(api(lang))?;
    let mut dto = DisputeFiguresDto::from(&f);
    dto.by_unit = units
        .into_iter()
        .map(|u| UnitDisputesDto {
            code: u.code,
            name: u.name,
            total: u.total,
            open: u.open,
            agreed: u.agreed,
            success_rate: u.success_rate,
        })
        .collect();
    Ok(Json(dto))
}

/// The disputes assigned to the caller (a family mediator).
#[utoipa::path(get, path = "/api/v1/disputes", tag = "mediation",
    responses((status = 200, body = Vec<DisputeDto>),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn my_disputes(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<Vec<DisputeDto>>> {
    let list = s
        .services
        .disputes(&caller, None, false)
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(DisputeDto::from).collect()))
}

/// One dispute with its history, sessions and agreement. Audited.
#[utoipa::path(get, path = "/api/v1/disputes/{id}", tag = "mediation",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DisputeDetailDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_dispute(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<DisputeDetailDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let (v, r) = s.services.dispute(&caller, id).await.map_err(api(lang))?;
    Ok(Json(detail(&v, &r)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StepBodyDto {
    /// accept, refuse, assign, not_agree, follow_up, close, escalate.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::mediation::Step>)]
    pub step: String,
    #[serde(default)]
    pub expected_version: i64,
    #[serde(default)]
    pub mediator_id: Option<Uuid>,
    /// The reason (refuse, escalate: required) or what was found (follow_up).
    #[serde(default)]
    pub note: String,
    /// YYYY-MM-DD; today when empty.
    #[serde(default)]
    pub taken_on: String,
}

/// Takes one step of the workflow. 409 when the dispute changed since `expected_version`.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/steps", tag = "mediation",
    params(("id" = Uuid, Path)), request_body = StepBodyDto,
    responses((status = 200, body = DisputeDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn take_step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<StepBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<DisputeDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = StepInput {
        step: b.step,
        expected_version: b.expected_version,
        mediator_id: b.mediator_id,
        note: b.note,
        taken_on: b.taken_on,
    };
    let v = s
        .services
        .dispute_step(&caller, id, &input)
        .await
        .map_err(api(lang))?;
    Ok(Json((&v).into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SessionBodyDto {
    #[serde(default)]
    pub expected_version: i64,
    #[serde(default)]
    pub held_on: String,
    /// Where the session was held (also accepted as `place`).
    #[serde(default, alias = "place")]
    pub venue: String,
    #[serde(default)]
    pub attendees: String,
    #[serde(default)]
    pub record: String,
}

/// Records a mediation session (the assigned mediator).
#[utoipa::path(post, path = "/api/v1/disputes/{id}/sessions", tag = "mediation",
    params(("id" = Uuid, Path)), request_body = SessionBodyDto,
    responses((status = 201),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record_session(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<SessionBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = SessionInput {
        held_on: b.held_on,
        place: b.venue,
        attendees: b.attendees,
        record: b.record,
    };
    s.services
        .record_session(&caller, id, b.expected_version, &input)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::CREATED)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TermBodyDto {
    /// payment, property, support, custody, visitation, conduct, marriage, adoption,
    /// personal_status, other.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::mediation::TermKind>)]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub manner: String,
    #[serde(default)]
    pub due_on: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AgreementBodyDto {
    #[serde(default)]
    pub expected_version: i64,
    #[serde(default)]
    pub agreed_on: String,
    #[serde(default)]
    pub parties: Vec<PartyDto>,
    #[serde(default)]
    pub facts: String,
    #[serde(default)]
    pub terms: Vec<TermBodyDto>,
    /// The parties signed (on paper, kept by the office).
    #[serde(default)]
    pub signed: bool,
}

/// Records the agreement reached (the assigned mediator); the dispute is concluded, agreed.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/agreement", tag = "mediation",
    params(("id" = Uuid, Path)), request_body = AgreementBodyDto,
    responses((status = 201),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record_agreement(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<AgreementBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = AgreementInput {
        agreed_on: b.agreed_on,
        parties: b.parties.iter().map(PartyInput::from).collect(),
        facts: b.facts,
        terms: b
            .terms
            .into_iter()
            .map(|t| TermInput {
                kind: t.kind,
                text: t.text,
                manner: t.manner,
                due_on: t.due_on,
            })
            .collect(),
        signed: b.signed,
    };
    s.services
        .record_agreement(&caller, id, b.expected_version, &input)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::CREATED)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmationDto {
    pub applied_on: NaiveDate,
}

/// Records that judicial confirmation of the agreement was applied for: within 30 days of the
/// agreement, never for terms on marriage, adoption or personal status.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/confirmation", tag = "mediation",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ConfirmationDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn request_confirmation(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ConfirmationDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let applied_on = s
        .services
        .request_confirmation(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(Json(ConfirmationDto { applied_on }))
}

/// The agreement as a Word document (DOCX) in Chinese, for the office to print and keep (the
/// assigned mediator). Audited.
#[utoipa::path(get, path = "/api/v1/disputes/{id}/agreement.docx", tag = "mediation",
    params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn agreement_document(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let (name, bytes) = s
        .services
        .agreement_document(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(crate::pages::mediation::docx_response(&name, bytes))
}

/// The disputes below a place the caller manages as a workbook (XLSX, in the caller's language):
/// the figures, counts by kind, source, risk and unit, and one line a dispute without names.
#[utoipa::path(get, path = "/api/v1/places/{code}/disputes/export", tag = "mediation",
    params(("code" = String, Path), super::PeriodQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn dispute_workbook(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<super::PeriodQuery>,
) -> ApiResult<axum::response::Response> {
    let period = q.optional().map_err(api(lang))?;
    let bytes = s
        .services
        .dispute_workbook(&caller, &code, period, lang)
        .await
        .map_err(api(lang))?;
    Ok(super::reports::place_workbook(bytes, "disputes", &code))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PerformedDto {
    /// YYYY-MM-DD; today when empty.
    #[serde(default)]
    pub performed_on: String,
}

/// Records that a term of the dispute's agreement was performed.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/terms/{seq}/performed", tag = "mediation",
    params(("id" = Uuid, Path), ("seq" = i64, Path)), request_body = PerformedDto,
    responses((status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn term_performed(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((id, seq)): Path<(String, String)>,
    body: Result<Json<PerformedDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let seq: i64 = seq
        .parse()
        .map_err(|_| api(lang)(jinguo_services::ServiceError::NotFound))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    s.services
        .term_performed(&caller, id, seq, &b.performed_on)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediatorDto {
    /// The member.
    pub id: Uuid,
    pub name: String,
    /// The place whose federation she serves.
    pub place: String,
    /// lawyer, executive, psychologist, volunteer; none until recorded.
    pub kind: Option<String>,
    pub woman: Option<bool>,
    pub court_appointed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediationGapDto {
    /// village_without_mediator, team_without_woman_lawyer, team_without_executive.
    pub gap: String,
    /// The village's or the subdistrict's code.
    pub place: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediationCoverageDto {
    pub villages: i64,
    pub villages_covered: i64,
    pub teams: i64,
    pub gaps: Vec<MediationGapDto>,
    pub mediators: Vec<MediatorDto>,
}

/// The family mediators below a place and the gaps in the "three full coverages".
#[utoipa::path(get, path = "/api/v1/places/{code}/mediators", tag = "mediation",
    params(("code" = String, Path)),
    responses((status = 200, body = MediationCoverageDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn mediation_coverage(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<MediationCoverageDto>> {
    use jinguo_domain::mediation::CoverageGap;
    let c = s
        .services
        .mediation_coverage(&caller, &code)
        .await
        .map_err(api(lang))?;
    Ok(Json(MediationCoverageDto {
        villages: c.villages,
        villages_covered: c.villages_covered,
        teams: c.teams,
        gaps: c
            .gaps
            .iter()
            .map(|g| {
                let (gap, place) = match g {
                    CoverageGap::VillageWithoutMediator(p) => ("village_without_mediator", p),
                    CoverageGap::TeamWithoutWomanLawyer(p) => ("team_without_woman_lawyer", p),
                    CoverageGap::TeamWithoutExecutive(p) => ("team_without_executive", p),
                };
                MediationGapDto {
                    gap: gap.into(),
                    place: place.clone(),
                }
            })
            .collect(),
        mediators: c
            .mediators
            .iter()
            .map(|m| MediatorDto {
                id: m.id,
                name: m.name.clone(),
                place: m.place_code.clone(),
                kind: m.kind.map(|k| k.key().into()),
                woman: m.woman,
                court_appointed: m.court_appointed,
            })
            .collect(),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MediatorProfileDto {
    /// lawyer, executive, psychologist, volunteer.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::mediation::MediatorKind>)]
    pub kind: String,
    #[serde(default)]
    pub woman: bool,
    #[serde(default)]
    pub court_appointed: bool,
}

/// Records what a family mediator is (federation staff managing her place).
#[utoipa::path(put, path = "/api/v1/members/{id}/mediator", tag = "mediation",
    params(("id" = Uuid, Path)), request_body = MediatorProfileDto,
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_mediator_profile(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<MediatorProfileDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = jinguo_services::mediation::MediatorProfileInput {
        kind: b.kind,
        woman: b.woman,
        court_appointed: b.court_appointed,
    };
    s.services
        .set_mediator_profile(&caller, id, &input)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CrimeReportDto {
    /// The party who suffered the violence, by her number among the dispute's parties.
    #[serde(default)]
    pub victim_party: Option<i64>,
    /// The kinds of violence found: physical, psychological, sexual, economic, stalking, neglect.
    #[serde(default)]
    pub violence: Vec<String>,
    /// What the mediator found.
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CrimeReportedDto {
    /// The domestic-violence case opened.
    pub case_id: Uuid,
    /// Its referral to the police.
    pub referral_id: Uuid,
}

/// The dispute's mediator reports to the police violence that may become a crime (People's
/// Mediation Law art. 25): a domestic-violence case is opened and referred to the police on that
/// legal duty, its acknowledgement clock running. Once per dispute. Audited.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/crime-report", tag = "mediation",
    params(("id" = Uuid, Path)), request_body = CrimeReportDto,
    responses((status = 201, body = CrimeReportedDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn crime_report(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<CrimeReportDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CrimeReportedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = jinguo_domain::linkage::CrimeReportInput {
        victim_party: b.victim_party,
        violence: b.violence,
        note: b.note,
    };
    let (case_id, referral_id) = s
        .services
        .report_crime(&caller, id, &input)
        .await
        .map_err(api(lang))?;
    Ok((
        StatusCode::CREATED,
        Json(CrimeReportedDto {
            case_id,
            referral_id,
        }),
    ))
}
