//! Screening campaigns, visits and the risk history of a household.

use super::{ApiResult, PlaceRef, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use jinguo_domain::screening::{CampaignInput, VisitInput};
use jinguo_services::screening::{CampaignView, Progress, Tally};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_campaigns, create_campaign))
        .routes(routes!(campaign_progress))
        .routes(routes!(campaign_households))
        .routes(routes!(record_visit))
        .routes(routes!(household_visits))
        .routes(routes!(link_member))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignDto {
    pub id: Uuid,
    pub name: String,
    /// The place whose whole subtree is screened.
    pub place: String,
    pub place_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Checklist item keys: marital_conflict, violence_signs, property, elder_support,
    /// child_custody, neighbours, other.
    pub checklist: Vec<String>,
    /// Open for visits today.
    pub open: bool,
}

impl From<&CampaignView> for CampaignDto {
    fn from(c: &CampaignView) -> Self {
        Self {
            id: c.id,
            name: c.name.clone(),
            place: c.place_code.clone(),
            place_name: c.place_name.clone(),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            checklist: c.checklist.iter().map(|i| i.key().to_string()).collect(),
            open: c.open,
        }
    }
}

/// The campaigns the caller takes part in, newest first.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "screening",
    responses((status = 200, body = Vec<CampaignDto>)))]
async fn list_campaigns(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<Vec<CampaignDto>>> {
    let list = s.services.campaigns(&caller).await.map_err(api(lang))?;
    Ok(Json(list.iter().map(CampaignDto::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaignDto {
    pub name: String,
    /// Division code of the place screened (county or below).
    pub place: String,
    /// YYYY-MM-DD.
    pub starts_on: String,
    /// YYYY-MM-DD, not before `starts_on`.
    pub ends_on: String,
    pub checklist: Vec<String>,
}

/// Opens a screening campaign over a place the caller manages (federation staff).
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "screening", request_body = NewCampaignDto,
    responses((status = 201, body = CampaignDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_campaign(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    body: Result<Json<NewCampaignDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CampaignDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = CampaignInput {
        name: b.name,
        place: b.place,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
        checklist: b.checklist,
    };
    let c = s
        .services
        .create_campaign(&caller, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json((&c).into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TallyDto {
    pub households: i64,
    pub screened: i64,
    /// Visits graded no risk.
    pub none: i64,
    /// Low risk (blue).
    pub low: i64,
    /// Medium risk (yellow).
    pub medium: i64,
    /// High risk (red).
    pub high: i64,
    /// Households not visited once the campaign's period is over.
    pub overdue: i64,
}

impl From<&Tally> for TallyDto {
    fn from(t: &Tally) -> Self {
        Self {
            households: t.households,
            screened: t.screened,
            none: t.risks[0],
            low: t.risks[1],
            medium: t.risks[2],
            high: t.risks[3],
            overdue: t.overdue,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitProgressDto {
    pub place: PlaceRef,
    #[serde(flatten)]
    pub tally: TallyDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressDto {
    pub campaign: CampaignDto,
    pub place: PlaceRef,
    #[serde(flatten)]
    pub tally: TallyDto,
    /// Disputes opened by this campaign's visits: medium risk.
    pub disputes_medium: i64,
    /// Disputes opened by this campaign's visits: high risk.
    pub disputes_high: i64,
    /// The units one level down.
    pub units: Vec<UnitProgressDto>,
    /// The first and last day of the visits counted, when a period was asked for (the whole
    /// campaign without one).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl From<&Progress> for ProgressDto {
    fn from(p: &Progress) -> Self {
        Self {
            from: p.period.map(|p| p.from),
            to: p.period.map(|p| p.to),
            campaign: (&p.campaign).into(),
            place: (&p.place).into(),
            tally: (&p.tally).into(),
            disputes_medium: p.disputes[0],
            disputes_high: p.disputes[1],
            units: p
                .units
                .iter()
                .map(|u| UnitProgressDto {
                    place: (&u.place).into(),
                    tally: (&u.tally).into(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlaceQuery {
    /// Division code of a place inside the campaign (default: the campaign's place, or the
    /// caller's own place within it).
    pub place: Option<String>,
}

/// A campaign's progress: households screened out of all, risks by colour, overdue, disputes,
/// at a place and for each unit below it. Read from the tallies the visits keep; with a period,
/// the visits made in it are counted (households and overdue stay those of today).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/progress", tag = "screening",
    params(("id" = Uuid, Path), PlaceQuery, super::PeriodQuery),
    responses((status = 200, body = ProgressDto), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn campaign_progress(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<PlaceQuery>,
    Query(pq): Query<super::PeriodQuery>,
) -> ApiResult<Json<ProgressDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let period = pq.optional().map_err(api(lang))?;
    let p = s
        .services
        .campaign_progress_in(&caller, id, q.place.as_deref(), period)
        .await
        .map_err(api(lang))?;
    Ok(Json((&p).into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdsQuery {
    pub place: Option<String>,
    /// Only the households still to visit.
    pub open: Option<bool>,
    /// 1-based; 50 households a page.
    pub page: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignHouseholdDto {
    pub id: Uuid,
    pub code: String,
    /// The risk found, once visited (`none`, `low`, `medium`, `high`).
    pub risk: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignHouseholdsDto {
    pub place: PlaceRef,
    pub total: i64,
    pub screened: i64,
    pub page: i64,
    pub pages: i64,
    pub households: Vec<CampaignHouseholdDto>,
}

/// The households of a campaign the caller may visit or see (a women's representative: those she
/// answers for), with their risk once visited.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/households", tag = "screening",
    params(("id" = Uuid, Path), HouseholdsQuery),
    responses((status = 200, body = CampaignHouseholdsDto), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn campaign_households(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<HouseholdsQuery>,
) -> ApiResult<Json<CampaignHouseholdsDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let l = s
        .services
        .campaign_households(
            &caller,
            id,
            q.place.as_deref(),
            q.open.unwrap_or(false),
            q.page.unwrap_or(1),
        )
        .await
        .map_err(api(lang))?;
    Ok(Json(CampaignHouseholdsDto {
        place: (&l.place).into(),
        total: l.total,
        screened: l.screened,
        page: l.page,
        pages: l.pages,
        households: l
            .households
            .iter()
            .map(|h| CampaignHouseholdDto {
                id: h.id,
                code: h.code.clone(),
                risk: h.risk.map(|r| r.key().to_string()),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVisitDto {
    /// YYYY-MM-DD, within the campaign's period, not in the future.
    pub visited_on: String,
    /// Checklist item keys found present.
    #[serde(default)]
    pub findings: Vec<String>,
    /// `none`, `low`, `medium` or `high`.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::screening::Risk>)]
    pub risk: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub followup: bool,
    /// 16–64 letters, digits, `-`, `_`, made once per form: sending the same key again returns
    /// the visit already recorded instead of recording it twice.
    pub request_key: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitCreatedDto {
    pub id: Uuid,
    /// False when this submission had already been recorded.
    pub created: bool,
    /// The dispute a medium or high risk opened.
    pub dispute: Option<Uuid>,
}

/// Records a screening visit to a household. 201 when recorded, 200 when the same submission
/// (`request_key`) was recorded before.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/households/{household}/visits", tag = "screening",
    params(("id" = Uuid, Path), ("household" = Uuid, Path)), request_body = NewVisitDto,
    responses((status = 201, body = VisitCreatedDto), (status = 200, body = VisitCreatedDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record_visit(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((id, household)): Path<(String, String)>,
    body: Result<Json<NewVisitDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<VisitCreatedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let household = parse_uuid(&household).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = VisitInput {
        visited_on: b.visited_on,
        findings: b.findings,
        risk: b.risk,
        note: b.note,
        followup: b.followup,
        request_key: b.request_key,
    };
    let o = s
        .services
        .record_visit(&caller, id, household, &input)
        .await
        .map_err(api(lang))?;
    let status = if o.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(VisitCreatedDto {
            id: o.visit_id,
            created: o.created,
            dispute: o.dispute_id,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitDto {
    pub id: Uuid,
    pub campaign: Uuid,
    pub campaign_name: String,
    pub visited_on: NaiveDate,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::screening::Risk>)]
    pub risk: String,
    pub findings: Vec<String>,
    pub note: Option<String>,
    pub followup: bool,
    pub recorded_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdScreeningDto {
    /// Newest first: the household's risk history.
    pub visits: Vec<VisitDto>,
    /// Campaigns in which the caller may record a visit to this household now.
    pub open_campaigns: Vec<CampaignDto>,
}

/// A household's risk history (findings and notes are opened: the read is audited).
#[utoipa::path(get, path = "/api/v1/households/{id}/visits", tag = "screening",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = HouseholdScreeningDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn household_visits(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<HouseholdScreeningDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let h = s
        .services
        .household_screening(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(Json(HouseholdScreeningDto {
        visits: h
            .history
            .iter()
            .map(|v| VisitDto {
                id: v.id,
                campaign: v.campaign_id,
                campaign_name: v.campaign_name.clone(),
                visited_on: v.visited_on,
                risk: v.risk.key().into(),
                findings: v.findings.iter().map(|i| i.key().to_string()).collect(),
                note: v.note.clone(),
                followup: v.followup,
                recorded_by: v.recorded_by.clone(),
            })
            .collect(),
        open_campaigns: h.open_campaigns.iter().map(CampaignDto::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkMemberDto {
    /// The member record of the person who holds the account.
    pub member_id: Uuid,
}

/// Links an account to its holder's member record (system administrator): a women's
/// representative then sees the households she answers for.
#[utoipa::path(put, path = "/api/v1/accounts/{username}/member", tag = "accounts",
    params(("username" = String, Path)), request_body = LinkMemberDto,
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn link_member(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(username): Path<String>,
    body: Result<Json<LinkMemberDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    s.services
        .link_member(&caller, &username, b.member_id)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}
