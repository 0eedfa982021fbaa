//! Most-beautiful families: nominations at a village and their steps (reviews, public notice,
//! naming, consent, story, answers to objections) for federation staff; the county's online
//! voting setting; a logged-in person's vote; family events; and, for anyone, the families on
//! public notice and those named, with the objection form.

use super::{ApiResult, CreatedDto, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::{ApiCaller, ClientIp};
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use jinguo_domain::family::{ConsentInput, EventInput, NominationInput, ObjectionInput};
use jinguo_services::family::{
    FamilyEventView, FamilyQuery, FamilyView, ObjectionView, PublicFamily, StepInput,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(nominate))
        .routes(routes!(one))
        .routes(routes!(step))
        .routes(routes!(vote))
        .routes(routes!(voting, set_voting))
        .routes(routes!(events))
        .routes(routes!(record_event))
        .routes(routes!(public_list))
        .routes(routes!(public_one))
        .routes(routes!(object))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectionDto {
    pub id: Uuid,
    pub received_at: DateTime<Utc>,
    pub text: String,
    /// Masked.
    pub contact: String,
    pub answer: String,
    pub answered_by: Option<String>,
}

impl From<&ObjectionView> for ObjectionDto {
    fn from(o: &ObjectionView) -> Self {
        ObjectionDto {
            id: o.id,
            received_at: o.received_at,
            text: o.text.clone(),
            contact: o.contact.clone(),
            answer: o.answer.clone(),
            answered_by: o.answered_by.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FamilyAwardDto {
    pub id: Uuid,
    /// The village or community.
    pub place_code: String,
    pub place_name: String,
    pub year: i64,
    pub family_name: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::family::Nominator>)]
    pub nominated_by: String,
    pub nominator: String,
    /// Empty on lists.
    pub deeds: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::family::FamilyStatus>)]
    pub status: String,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    pub level: Option<String>,
    pub review_score: Option<i64>,
    pub consent_on: Option<String>,
    pub consent_names: bool,
    pub consent_story: bool,
    pub story: String,
    pub created_by: String,
    pub version: i64,
    pub objections: Vec<ObjectionDto>,
    pub voting: bool,
    pub votes: i64,
    pub score: Option<f64>,
    /// The steps the caller may take now.
    pub steps: Vec<String>,
}

impl From<&FamilyView> for FamilyAwardDto {
    fn from(v: &FamilyView) -> Self {
        FamilyAwardDto {
            id: v.id,
            place_code: v.place_code.clone(),
            place_name: v.place_name.clone(),
            year: v.year,
            family_name: v.family_name.clone(),
            nominated_by: v.nominated_by.key().into(),
            nominator: v.nominator.clone(),
            deeds: v.deeds.clone(),
            status: v.status.key().into(),
            notice_from: v.notice_from.clone(),
            notice_until: v.notice_until.clone(),
            level: v.level.map(|l| l.key().to_string()),
            review_score: v.review_score,
            consent_on: v.consent_on.clone(),
            consent_names: v.consent_names,
            consent_story: v.consent_story,
            story: v.story.clone(),
            created_by: v.created_by.clone(),
            version: v.version,
            objections: v.objections.iter().map(ObjectionDto::from).collect(),
            voting: v.voting,
            votes: v.votes,
            score: v.score,
            steps: v.steps.iter().map(|s| s.key().to_string()).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FamilySearch {
    /// The year of the selection.
    year: Option<String>,
    /// A status's key.
    status: Option<String>,
}

/// The nominations of the caller's places (federation staff), names without deeds.
#[utoipa::path(get, path = "/api/v1/family-awards", tag = "family", params(FamilySearch),
    responses((status = 200, body = Vec<FamilyAwardDto>), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<FamilySearch>,
) -> ApiResult<Json<Vec<FamilyAwardDto>>> {
    let q = FamilyQuery {
        year: q.year,
        status: q.status,
    };
    let list = s
        .services
        .family_awards(&caller, &q)
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(FamilyAwardDto::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NominationDto {
    pub family_name: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::family::Nominator>)]
    pub nominated_by: String,
    /// Who nominated it, unless the family itself.
    #[serde(default)]
    pub nominator: String,
    pub deeds: String,
    /// The year of the selection, not after this one.
    pub year: String,
}

/// Enters a nomination at a village or community the caller manages (federation staff).
#[utoipa::path(post, path = "/api/v1/places/{code}/family-awards", tag = "family",
    params(("code" = String, Path)), request_body = NominationDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn nominate(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<NominationDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = NominationInput {
        place: code,
        family_name: b.family_name,
        nominated_by: b.nominated_by,
        nominator: b.nominator,
        deeds: b.deeds,
        year: b.year,
    };
    let id = s
        .services
        .nominate_family(&caller, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One nomination with its deeds, objections and votes (federation staff managing it; the read
/// is audited).
#[utoipa::path(get, path = "/api/v1/family-awards/{id}", tag = "family",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = FamilyAwardDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn one(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<FamilyAwardDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let v = s
        .services
        .family_award(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(Json(FamilyAwardDto::from(&v)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FamilyStepDto {
    /// `village_pass`, `notice`, `subdistrict_pass`, `award`, `reject`, `consent`, `publish`,
    /// or `answer` (an objection answered).
    pub step: String,
    pub expected_version: i64,
    #[serde(default)]
    pub notice_from: String,
    #[serde(default)]
    pub notice_until: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::family::AwardLevel>)]
    pub level: String,
    /// The reviewers' score, 0–100 (needed when the county counts online votes).
    #[serde(default)]
    pub score: String,
    /// Why it did not pass.
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub consent_on: String,
    /// Who in the family gave its consent.
    #[serde(default)]
    pub given_by: String,
    /// The family may be named on the public page.
    #[serde(default)]
    pub consent_names: bool,
    /// Its deeds and story may be published.
    #[serde(default)]
    pub consent_story: bool,
    #[serde(default)]
    pub story: String,
    pub objection: Option<Uuid>,
    #[serde(default)]
    pub answer: String,
}

/// A step on a nomination: the village's review and public notice, the subdistrict's review,
/// the county's naming, a refusal, the family's consent, its story published, an objection
/// answered. Never a review by whoever entered it; a stale `expected_version` answers 409.
#[utoipa::path(post, path = "/api/v1/family-awards/{id}/steps", tag = "family",
    params(("id" = Uuid, Path)), request_body = FamilyStepDto,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<FamilyStepDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = StepInput {
        step: b.step,
        notice_from: b.notice_from,
        notice_until: b.notice_until,
        level: b.level,
        score: b.score,
        note: b.note,
        consent: ConsentInput {
            consent_on: b.consent_on,
            given_by: b.given_by,
            names: b.consent_names,
            story: b.consent_story,
        },
        story: b.story,
        objection: b.objection,
        answer: b.answer,
    };
    s.services
        .family_step(&caller, id, b.expected_version, &input)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A vote for a family on public notice, when its county counts online votes: one a day for each
/// logged-in person.
#[utoipa::path(post, path = "/api/v1/families/{id}/vote", tag = "family",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn vote(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    s.services
        .vote_family(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VotingDto {
    /// Online votes count in the county's selection (off by default).
    pub voting: bool,
    /// Their weight in the score, in percent (at most 30).
    pub vote_weight: i64,
}

/// Whether a county counts online votes (the county's federation staff).
#[utoipa::path(get, path = "/api/v1/places/{code}/family-voting", tag = "family",
    params(("code" = String, Path)),
    responses((status = 200, body = VotingDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn voting(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<VotingDto>> {
    let (voting, vote_weight) = s
        .services
        .family_voting(&caller, &code)
        .await
        .map_err(api(lang))?;
    Ok(Json(VotingDto {
        voting,
        vote_weight,
    }))
}

/// Turns a county's online votes on or off (the county's federation staff); weight ≤ 30.
#[utoipa::path(put, path = "/api/v1/places/{code}/family-voting", tag = "family",
    params(("code" = String, Path)), request_body = VotingDto,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_voting(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<VotingDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    s.services
        .set_family_voting(&caller, &code, b.voting, &b.vote_weight.to_string())
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FamilyEventDto {
    pub id: Uuid,
    pub place_code: String,
    pub place_name: String,
    pub held_on: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::family::EventKind>)]
    pub kind: String,
    pub title: String,
    pub participants: i64,
    /// Nominated or named families that took part.
    pub families: i64,
}

impl From<&FamilyEventView> for FamilyEventDto {
    fn from(e: &FamilyEventView) -> Self {
        FamilyEventDto {
            id: e.id,
            place_code: e.place_code.clone(),
            place_name: e.place_name.clone(),
            held_on: e.held_on.clone(),
            kind: e.kind.key().into(),
            title: e.title.clone(),
            participants: e.participants,
            families: e.families,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventSearch {
    /// The year (this one by default).
    year: Option<String>,
}

/// The family events of a year within the caller's places (federation staff), at most 500.
#[utoipa::path(get, path = "/api/v1/family-events", tag = "family", params(EventSearch),
    responses((status = 200, body = Vec<FamilyEventDto>), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn events(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<EventSearch>,
) -> ApiResult<Json<Vec<FamilyEventDto>>> {
    let (_, list) = s
        .services
        .family_events(&caller, q.year.as_deref())
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(FamilyEventDto::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FamilyEventInputDto {
    pub held_on: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::family::EventKind>)]
    pub kind: String,
    pub title: String,
    /// How many took part (no fewer than the families named).
    pub participants: String,
    /// Nominated or named families of the caller's places that took part.
    #[serde(default)]
    pub families: Vec<Uuid>,
}

/// Records a family event at a place the caller manages (federation staff).
#[utoipa::path(post, path = "/api/v1/places/{code}/family-events", tag = "family",
    params(("code" = String, Path)), request_body = FamilyEventInputDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record_event(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<FamilyEventInputDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = EventInput {
        place: code,
        held_on: b.held_on,
        kind: b.kind,
        title: b.title,
        participants: b.participants,
        families: b.families,
    };
    let id = s
        .services
        .record_family_event(&caller, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicFamilyDto {
    pub id: Uuid,
    /// Masked unless the family consented to be named.
    pub name: String,
    pub place_name: String,
    pub year: i64,
    /// `notice` or `awarded`.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::family::FamilyStatus>)]
    pub status: String,
    pub level: Option<String>,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    /// Only with the family's consent to publication.
    pub deeds: Option<String>,
    pub story: Option<String>,
    pub voting: bool,
}

impl From<&PublicFamily> for PublicFamilyDto {
    fn from(p: &PublicFamily) -> Self {
        PublicFamilyDto {
            id: p.id,
            name: p.name.clone(),
            place_name: p.place_name.clone(),
            year: p.year,
            status: p.status.key().into(),
            level: p.level.map(|l| l.key().to_string()),
            notice_from: p.notice_from.clone(),
            notice_until: p.notice_until.clone(),
            deeds: p.deeds.clone(),
            story: p.story.clone(),
            voting: p.voting,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicSearch {
    /// The year of the families named (the latest by default).
    year: Option<String>,
}

/// The families on public notice today and those named in a year. Public: only what each
/// family consented to.
#[utoipa::path(get, path = "/api/v1/public/families", tag = "family", params(PublicSearch),
    responses((status = 200, body = Vec<PublicFamilyDto>),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn public_list(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    Query(q): Query<PublicSearch>,
) -> ApiResult<Json<Vec<PublicFamilyDto>>> {
    let (_, list) = s
        .services
        .public_families(q.year.as_deref())
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(PublicFamilyDto::from).collect()))
}

/// One family on public notice or named. Public.
#[utoipa::path(get, path = "/api/v1/public/families/{id}", tag = "family",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PublicFamilyDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn public_one(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    Path(id): Path<String>,
) -> ApiResult<Json<PublicFamilyDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let v = s.services.public_family(id).await.map_err(api(lang))?;
    Ok(Json(PublicFamilyDto::from(&v)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionInputDto {
    pub text: String,
    /// A mobile number to be answered at (optional).
    #[serde(default)]
    pub contact: String,
}

/// An objection to a family on public notice. Public, no account; one address may send a few
/// an hour (`family_objections_per_hour`), past that 429.
#[utoipa::path(post, path = "/api/v1/public/families/{id}/objections", tag = "family",
    params(("id" = Uuid, Path)), request_body = ObjectionInputDto,
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn object(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    Path(id): Path<String>,
    ClientIp(ip): ClientIp,
    body: Result<Json<ObjectionInputDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = ObjectionInput {
        text: b.text,
        contact: b.contact,
    };
    s.services
        .object_to_family(id, &input, &ip)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}
