//! The 12338 hotline log: a month's calls with the year's figures, recording a call, recording
//! a promised call-back.

use super::{ApiResult, CreatedDto, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use jinguo_domain::hotline::{CallInput, CallKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(log, record))
        .routes(routes!(call_back))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HotlineCallDto {
    pub id: Uuid,
    pub called_at: DateTime<Utc>,
    /// Outside the configured service hours.
    pub off_hours: bool,
    /// Masked.
    pub caller_name: String,
    /// Masked.
    pub caller_phone: String,
    pub place_code: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::hotline::CallKind>)]
    pub kind: String,
    pub summary: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::hotline::Action>)]
    pub action: String,
    /// Whether it was referred to a record.
    pub referred: bool,
    /// The dispute, case, supervision task or public-opinion topic it went to, when the caller
    /// may read it (else only `referred` says that it went somewhere).
    pub linked_id: Option<Uuid>,
    pub callback_on: Option<String>,
    pub called_back: bool,
    pub recorded_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HotlineMonthDto {
    /// `YYYY-MM`.
    pub month: String,
    pub total: i64,
    pub consultation: i64,
    pub complaint: i64,
    pub dispute: i64,
    pub violence: i64,
    pub other: i64,
    pub off_hours: i64,
    pub callbacks: i64,
    pub called_back: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HotlineLogDto {
    pub month: String,
    /// The month's calls, newest first (at most 500).
    pub calls: Vec<HotlineCallDto>,
    /// The first and last day of the period the figures are counted over.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The period's figures, month by month.
    pub months: Vec<HotlineMonthDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HotlineQuery {
    /// `YYYY-MM`: the calls listed; this month without it.
    month: Option<String>,
}

/// The hotline log of the caller's places (federation staff): the calls of `month`, and the
/// figures month by month over a period (the year of `month` without one).
#[utoipa::path(get, path = "/api/v1/hotline", tag = "hotline", params(HotlineQuery, super::FiguresPeriodQuery),
    responses((status = 200, body = HotlineLogDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn log(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<HotlineQuery>,
    Query(pq): Query<super::FiguresPeriodQuery>,
) -> ApiResult<Json<HotlineLogDto>> {
    let period = pq.optional().map_err(api(lang))?;
    let l = s
        .services
        .hotline_log_in(&caller, q.month.as_deref(), period)
        .await
        .map_err(api(lang))?;
    let of = |v: &[i64], k: CallKind| {
        CallKind::ALL
            .iter()
            .position(|x| *x == k)
            .and_then(|i| v.get(i).copied())
            .unwrap_or_default()
    };
    Ok(Json(HotlineLogDto {
        month: l.month.clone(),
        calls: l
            .calls
            .iter()
            .map(|c| HotlineCallDto {
                id: c.id,
                called_at: c.called_at,
                off_hours: c.off_hours,
                caller_name: c.caller_name.clone(),
                caller_phone: c.caller_phone.clone(),
                place_code: c.place_code.clone(),
                kind: c.kind.key().into(),
                summary: c.summary.clone(),
                action: c.action.key().into(),
                referred: c.referred,
                linked_id: c.linked_id,
                callback_on: c.callback_on.clone(),
                called_back: c.called_back,
                recorded_by: c.created_by.clone(),
            })
            .collect(),
        from: l.period.from,
        to: l.period.to,
        months: l
            .months
            .iter()
            .map(|m| HotlineMonthDto {
                month: m.month.clone(),
                total: m.total,
                consultation: of(&m.by_kind, CallKind::Consultation),
                complaint: of(&m.by_kind, CallKind::Complaint),
                dispute: of(&m.by_kind, CallKind::Dispute),
                violence: of(&m.by_kind, CallKind::Violence),
                other: of(&m.by_kind, CallKind::Other),
                off_hours: m.off_hours,
                callbacks: m.callbacks,
                called_back: m.called_back,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HotlineCallInputDto {
    /// China's local time, `YYYY-MM-DDTHH:MM`, not in the future.
    pub called_at: String,
    #[serde(default)]
    pub caller_name: String,
    /// A mobile number, when given.
    #[serde(default)]
    pub caller_phone: String,
    /// The place it is about (a division code she manages).
    pub place: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::hotline::CallKind>)]
    pub kind: String,
    pub summary: String,
    /// `advice`, or a referral: `dispute`, `case`, `supervision` (with `linked_id`, a record she
    /// can read) or `opinion` (reported as an item from the hotline, linked at once).
    #[schema(schema_with = crate::api::kind::<jinguo_domain::hotline::Action>)]
    pub handling: String,
    #[serde(default)]
    pub linked_id: Option<Uuid>,
    /// `YYYY-MM-DD`, when a call-back was promised: a clock until it is made.
    #[serde(default)]
    pub callback_on: String,
}

/// Records a call.
#[utoipa::path(post, path = "/api/v1/hotline", tag = "hotline", request_body = HotlineCallInputDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    body: Result<Json<HotlineCallInputDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = CallInput {
        called_at: b.called_at,
        caller_name: b.caller_name,
        caller_phone: b.caller_phone,
        place: b.place,
        kind: b.kind,
        summary: b.summary,
        action: b.handling,
        linked_id: b.linked_id,
        callback_on: b.callback_on,
    };
    let id = s
        .services
        .record_call(&caller, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// Records that the call-back promised to a caller was made; its clock stops.
#[utoipa::path(post, path = "/api/v1/hotline/{id}/callback", tag = "hotline",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn call_back(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    s.services.call_back(&caller, id).await.map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}
