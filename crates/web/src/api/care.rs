//! Care: registries, their entries and review reminders, services delivered and the figures.

use super::{ApiResult, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use jinguo_domain::care::{EntryInput, RegistryInput, ServiceInput};
use jinguo_services::care::{EntryDetail, EntryView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(registries, create_registry))
        .routes(routes!(entries, propose))
        .routes(routes!(get_entry))
        .routes(routes!(entry_step))
        .routes(routes!(record_services))
        .routes(routes!(import_services))
        .routes(routes!(services_sheet))
        .routes(routes!(figures))
        .routes(routes!(place_wishes, propose_wish))
        .routes(routes!(wish_step))
        .routes(routes!(public_wishes))
        .routes(routes!(place_events, record_event))
        .routes(routes!(care_workbook))
        .routes(routes!(claim_wish))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistryDto {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// Months between two reviews of an entry.
    pub review_months: i64,
}

impl From<jinguo_services::care::RegistryRow> for RegistryDto {
    fn from(r: jinguo_services::care::RegistryRow) -> Self {
        Self {
            key: r.key,
            name_zh: r.name_zh,
            name_en: r.name_en,
            review_months: r.review_months,
        }
    }
}

/// The registries of the place's county.
#[utoipa::path(get, path = "/api/v1/places/{code}/registries", tag = "care",
    params(("code" = String, Path)),
    responses((status = 200, body = Vec<RegistryDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn registries(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<RegistryDto>>> {
    let list = s
        .services
        .registries(&caller, &code)
        .await
        .map_err(api(lang))?;
    Ok(Json(list.into_iter().map(RegistryDto::from).collect()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewRegistryDto {
    /// Required, at most 20 characters; unique in the county.
    #[serde(default)]
    pub name_zh: String,
    /// Empty: the Chinese name.
    #[serde(default)]
    pub name_en: String,
    /// 1 to 60.
    #[serde(default)]
    pub review_months: i64,
}

/// Adds a registry to the place's county: staff managing the county. Its key comes from the
/// English name. Audited.
#[utoipa::path(post, path = "/api/v1/places/{code}/registries", tag = "care",
    params(("code" = String, Path)), request_body = NewRegistryDto,
    responses((status = 201, body = RegistryDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_registry(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<NewRegistryDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<RegistryDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = RegistryInput {
        name_zh: b.name_zh,
        name_en: b.name_en,
        review_months: b.review_months,
    };
    let r = s
        .services
        .create_registry(&caller, &code, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDto {
    pub id: Uuid,
    pub registry: String,
    pub person_id: Uuid,
    pub household_id: Uuid,
    /// Masked.
    pub name: String,
    /// proposed, verified, active or left.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::care::EntryStatus>)]
    pub status: String,
    pub criteria: String,
    pub surveyed_by: String,
    pub verified_by: Option<String>,
    pub entered_on: NaiveDate,
    pub next_review_on: NaiveDate,
    pub review_due: bool,
    pub left_reason: String,
    pub version: i64,
}

impl From<&EntryView> for EntryDto {
    fn from(e: &EntryView) -> Self {
        Self {
            id: e.id,
            registry: e.registry.clone(),
            person_id: e.person_id,
            household_id: e.household_id,
            name: e.name.clone(),
            status: e.status.key().into(),
            criteria: e.criteria.clone(),
            surveyed_by: e.surveyed_by.clone(),
            verified_by: e.verified_by.clone(),
            entered_on: e.entered_on,
            next_review_on: e.next_review_on,
            review_due: e.review_due,
            left_reason: e.left_reason.clone(),
            version: e.version,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryQuery {
    /// Only this registry.
    pub registry: Option<String>,
    /// Only the entries whose review is due.
    pub review_due: Option<bool>,
}

/// The entries below a place that the caller may read (names masked); with `review_due=true`,
/// those whose review is due (a representative: her households').
#[utoipa::path(get, path = "/api/v1/places/{code}/registry-entries", tag = "care",
    params(("code" = String, Path), EntryQuery),
    responses((status = 200, body = Vec<EntryDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn entries(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<EntryQuery>,
) -> ApiResult<Json<Vec<EntryDto>>> {
    let list = s
        .services
        .entries(
            &caller,
            &code,
            q.registry.as_deref(),
            q.review_due.unwrap_or(false),
            jinguo_services::care::LIST_LIMIT,
        )
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(EntryDto::from).collect()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewEntryDto {
    #[serde(default)]
    pub person_id: Option<Uuid>,
    #[serde(default)]
    pub registry: String,
    #[serde(default)]
    pub criteria: String,
    #[serde(default)]
    pub evidence: String,
    #[serde(default)]
    pub surveyed_by: String,
    /// YYYY-MM-DD, not before today.
    #[serde(default)]
    pub next_review_on: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IdDto {
    pub id: Uuid,
}

/// Proposes a registered person for a registry after a survey. A person is in a registry once.
#[utoipa::path(post, path = "/api/v1/places/{code}/registry-entries", tag = "care",
    params(("code" = String, Path)), request_body = NewEntryDto,
    responses((status = 201, body = IdDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn propose(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<NewEntryDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<IdDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = EntryInput {
        person_id: b.person_id,
        registry: b.registry,
        criteria: b.criteria,
        evidence: b.evidence,
        surveyed_by: b.surveyed_by,
        next_review_on: b.next_review_on,
    };
    let id = s
        .services
        .propose_entry(&caller, &code, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(IdDto { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDto {
    #[schema(schema_with = crate::api::kind::<jinguo_domain::care::ServiceKind>)]
    pub kind: String,
    pub on: NaiveDate,
    pub hospital: String,
    pub valid_until: Option<NaiveDate>,
    pub goods: String,
    pub amount_cents: Option<i64>,
    pub visited_by: String,
    /// A health check's result: staff managing the place only.
    pub result: String,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDetailDto {
    pub entry: EntryDto,
    /// Staff managing the place only.
    pub evidence: String,
    pub services: Vec<ServiceDto>,
}

/// One entry with the services delivered. Audited.
#[utoipa::path(get, path = "/api/v1/registry-entries/{id}", tag = "care",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = EntryDetailDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_entry(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<EntryDetailDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let EntryDetail {
        entry: e,
        evidence,
        services,
    } = s.services.entry(&caller, id).await.map_err(api(lang))?;
    Ok(Json(EntryDetailDto {
        entry: (&e).into(),
        evidence,
        services: services
            .into_iter()
            .map(|v| ServiceDto {
                kind: v.kind.key().into(),
                on: v.on,
                hospital: v.hospital,
                valid_until: v.valid_until,
                goods: v.goods,
                amount_cents: v.amount_cents,
                visited_by: v.visited_by,
                result: v.result,
                note: v.note,
            })
            .collect(),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct EntryStepDto {
    /// verify, activate, review or leave.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::care::EntryStep>)]
    pub step: String,
    #[serde(default)]
    pub expected_version: i64,
    /// Why she leaves the registry (leave).
    #[serde(default)]
    pub reason: String,
}

/// A step of an entry's life, by staff managing its place. 409 if it changed meanwhile.
#[utoipa::path(post, path = "/api/v1/registry-entries/{id}/steps", tag = "care",
    params(("id" = Uuid, Path)), request_body = EntryStepDto,
    responses((status = 200, body = EntryDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn entry_step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<EntryStepDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<EntryDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let e = s
        .services
        .entry_step(&caller, id, &b.step, b.expected_version, &b.reason)
        .await
        .map_err(api(lang))?;
    Ok(Json((&e).into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ServicesBodyDto {
    /// health_check, green_channel, relief, legal_aid.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::care::ServiceKind>)]
    pub kind: String,
    /// The registry the people are served as members of.
    #[serde(default)]
    pub registry: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub hospital: String,
    #[serde(default)]
    pub valid_until: String,
    #[serde(default)]
    pub goods: String,
    /// Yuan, e.g. `200` or `150.50`; not below zero.
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub visited_by: String,
    /// A health check's result (sealed).
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub note: String,
    /// The people served (registered persons in the registry).
    #[serde(default)]
    pub persons: Vec<Uuid>,
}

/// Records a service for people of a registry: one, or a whole day of them. All or nothing.
#[utoipa::path(post, path = "/api/v1/places/{code}/care-services", tag = "care",
    params(("code" = String, Path)), request_body = ServicesBodyDto,
    responses((status = 201, body = IdDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record_services(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<ServicesBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<IdDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = ServiceInput {
        kind: b.kind,
        registry: b.registry,
        on: b.on,
        hospital: b.hospital,
        valid_until: b.valid_until,
        goods: b.goods,
        amount: b.amount,
        visited_by: b.visited_by,
        result: b.result,
        note: b.note,
    };
    let id = s
        .services
        .record_services(&caller, &code, &input, &b.persons)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(IdDto { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareFiguresDto {
    /// The first and last days counted.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The year, when the period is a calendar year.
    pub year: Option<i32>,
    /// People served in the period, each counted once.
    pub people_served: i64,
    pub by_kind: Vec<KeyCountDto>,
    pub entries: Vec<EntryCountDto>,
    /// Wishes by where they stand (today, whenever proposed).
    pub wishes: Vec<KeyCountDto>,
    /// Wishes fulfilled in the period.
    pub wishes_fulfilled: i64,
    /// Events held in the period, their participants (registered and counted) and the children.
    pub events: i64,
    pub participants: i64,
    pub children: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyCountDto {
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryCountDto {
    pub registry: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::care::EntryStatus>)]
    pub status: String,
    pub count: i64,
}

/// The figures of care below a place the caller manages, over a year or a period.
#[utoipa::path(get, path = "/api/v1/places/{code}/care/figures", tag = "care",
    params(("code" = String, Path), super::PeriodQuery),
    responses((status = 200, body = CareFiguresDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn figures(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<super::PeriodQuery>,
) -> ApiResult<Json<CareFiguresDto>> {
    let period = q.period().map_err(api(lang))?;
    let f = s
        .services
        .care_figures(&caller, &code, period)
        .await
        .map_err(api(lang))?;
    Ok(Json(CareFiguresDto {
        from: f.period.from,
        to: f.period.to,
        year: f.period.whole_year(),
        people_served: f.people_served,
        by_kind: f
            .by_kind
            .iter()
            .map(|(k, n)| KeyCountDto {
                key: k.key().into(),
                count: *n,
            })
            .collect(),
        entries: f
            .entries
            .iter()
            .map(|e| EntryCountDto {
                registry: e.registry.clone(),
                status: e.status.key().into(),
                count: e.entries,
            })
            .collect(),
        wishes: f
            .wishes
            .iter()
            .map(|(k, n)| KeyCountDto {
                key: k.clone(),
                count: *n,
            })
            .collect(),
        wishes_fulfilled: f.wishes_fulfilled,
        events: f.events.events,
        participants: f.events.participants,
        children: f.events.children,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WishDto {
    pub id: Uuid,
    pub wish: String,
    pub age: i64,
    /// The child's subdistrict: all that is said of where.
    pub place: String,
    /// proposed, published, claimed, fulfilled, confirmed, withdrawn.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::care::WishStatus>)]
    pub status: String,
    /// Masked; absent from the public list.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub child: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub donor: String,
    pub claim_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub fulfilled_on: Option<NaiveDate>,
    pub version: i64,
}

impl From<&jinguo_services::care::WishView> for WishDto {
    fn from(w: &jinguo_services::care::WishView) -> Self {
        Self {
            id: w.id,
            wish: w.wish.clone(),
            age: w.age,
            place: w.place.clone(),
            status: w.status.key().into(),
            child: w.child.clone(),
            donor: w.donor.clone(),
            claim_expires_at: w.claim_expires_at,
            fulfilled_on: w.fulfilled_on,
            version: w.version,
        }
    }
}

/// The micro-wishes below a place the caller may read (names masked).
#[utoipa::path(get, path = "/api/v1/places/{code}/wishes", tag = "care",
    params(("code" = String, Path)),
    responses((status = 200, body = Vec<WishDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn place_wishes(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<WishDto>>> {
    let list = s
        .services
        .wishes(&caller, &code, false, jinguo_services::care::LIST_LIMIT)
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(WishDto::from).collect()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewWishDto {
    /// The child (a registered person under 18).
    #[serde(default)]
    pub person_id: Option<Uuid>,
    /// As the public page shows it: no name, no digits.
    #[serde(default)]
    pub wish: String,
    #[serde(default)]
    pub guardian_consent: bool,
    /// The guardian who consents to publication, by name …
    #[serde(default)]
    pub guardian_name: String,
    /// … and relationship to the child.
    #[serde(default)]
    pub guardian_relationship: String,
}

/// Proposes a child's wish (her representative), with her guardian's consent.
#[utoipa::path(post, path = "/api/v1/places/{code}/wishes", tag = "care",
    params(("code" = String, Path)), request_body = NewWishDto,
    responses((status = 201, body = IdDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn propose_wish(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<NewWishDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<IdDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = jinguo_domain::care::WishInput {
        person_id: b.person_id,
        wish: b.wish,
        guardian_consent: b.guardian_consent,
        guardian_name: b.guardian_name,
        guardian_relationship: b.guardian_relationship,
    };
    let id = s
        .services
        .propose_wish(&caller, &code, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(IdDto { id })))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct WishStepDto {
    /// approve, fulfil, confirm, withdraw.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::care::WishStep>)]
    pub step: String,
    #[serde(default)]
    pub expected_version: i64,
    /// The note confirming a fulfilled wish.
    #[serde(default)]
    pub note: String,
}

/// A step of a wish by staff managing its place. 409 if it changed meanwhile.
#[utoipa::path(post, path = "/api/v1/wishes/{id}/steps", tag = "care",
    params(("id" = Uuid, Path)), request_body = WishStepDto,
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn wish_step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<WishStepDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    s.services
        .wish_step(&caller, id, &b.step, b.expected_version, &b.note)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The wishes a donor may claim now. Public: nothing personal.
#[utoipa::path(get, path = "/api/v1/public/wishes", tag = "care",
    responses((status = 200, body = Vec<WishDto>)))]
async fn public_wishes(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
) -> ApiResult<Json<Vec<WishDto>>> {
    let list = s.services.public_wishes().await.map_err(api(lang))?;
    Ok(Json(list.iter().map(WishDto::from).collect()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ClaimDto {
    /// A person's or an organisation's name.
    #[serde(default)]
    pub donor: String,
    /// A mobile number to be reached at.
    #[serde(default)]
    pub phone: String,
    /// An organisation's unified social credit code (GB 32100-2015).
    #[serde(default)]
    pub credit_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimedDto {
    /// Fulfil it by then, or it is offered again.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A donor claims a wish. Public. Of two claims at once, one wins; the other gets 422
/// `wish.taken`. One address may claim a few wishes an hour (`wish_claims_per_hour`); past that,
/// 429.
#[utoipa::path(post, path = "/api/v1/public/wishes/{id}/claim", tag = "care",
    params(("id" = Uuid, Path)), request_body = ClaimDto,
    responses((status = 201, body = ClaimedDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn claim_wish(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    Path(id): Path<String>,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    body: Result<Json<ClaimDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<ClaimedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = jinguo_domain::care::ClaimInput {
        donor: b.donor,
        phone: b.phone,
        credit_code: b.credit_code,
    };
    let expires_at = s
        .services
        .claim_wish(id, &input, &ip)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(ClaimedDto { expires_at })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareEventDto {
    pub id: Uuid,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::care::EventKind>)]
    pub kind: String,
    pub name: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub organiser: String,
    pub participants: i64,
    pub children: i64,
}

/// The events below a place the caller manages, in a year (this year by default) or a period.
#[utoipa::path(get, path = "/api/v1/places/{code}/events", tag = "care",
    params(("code" = String, Path), super::PeriodQuery),
    responses((status = 200, body = Vec<CareEventDto>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn place_events(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<super::PeriodQuery>,
) -> ApiResult<Json<Vec<CareEventDto>>> {
    let period = q.period().map_err(api(lang))?;
    let list = s
        .services
        .events(&caller, &code, period)
        .await
        .map_err(api(lang))?;
    Ok(Json(
        list.into_iter()
            .map(|e| CareEventDto {
                id: e.id,
                kind: e.kind.key().into(),
                name: e.name,
                held_on: e.held_on,
                place: e.place,
                organiser: e.organiser,
                participants: e.participants,
                children: e.children,
            })
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewEventDto {
    /// bring_love_home, family_education, legal, other.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::care::EventKind>)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    /// The day it was held, YYYY-MM-DD.
    #[serde(default)]
    pub on: String,
    /// Where it was held (also accepted as `place`).
    #[serde(default, alias = "place")]
    pub venue: String,
    #[serde(default)]
    pub organiser: String,
    /// Participants counted without names …
    #[serde(default)]
    pub anonymous: i64,
    /// … of whom children.
    #[serde(default)]
    pub anonymous_children: i64,
    /// Registered participants.
    #[serde(default)]
    pub persons: Vec<Uuid>,
}

/// Records an event at a place the caller manages.
#[utoipa::path(post, path = "/api/v1/places/{code}/events", tag = "care",
    params(("code" = String, Path)), request_body = NewEventDto,
    responses((status = 201, body = IdDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record_event(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<NewEventDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<IdDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = jinguo_domain::care::EventInput {
        kind: b.kind,
        name: b.name,
        on: b.on,
        place: b.venue,
        organiser: b.organiser,
        anonymous: b.anonymous,
        anonymous_children: b.anonymous_children,
        persons: b.persons,
    };
    let id = s
        .services
        .record_event(&caller, &code, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(IdDto { id })))
}

/// The figures of care below a place the caller manages, over a year or a period, as a workbook (XLSX, in
/// the caller's language, no names).
#[utoipa::path(get, path = "/api/v1/places/{code}/care/export", tag = "care",
    params(("code" = String, Path), super::PeriodQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn care_workbook(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<super::PeriodQuery>,
) -> ApiResult<axum::response::Response> {
    let period = q.period().map_err(api(lang))?;
    let bytes = s
        .services
        .care_workbook(&caller, &code, period, lang)
        .await
        .map_err(api(lang))?;
    Ok(super::reports::place_workbook(bytes, "care", &code))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServicesReportDto {
    pub rows: u64,
    /// Services the sheet adds.
    pub new_services: u64,
    /// Rows already recorded: left as they are.
    pub unchanged: u64,
    /// People the new services reach, each once.
    pub people: u64,
    /// How many problems were found; the first 1,000 are listed.
    pub issue_count: u64,
    pub issues: Vec<super::import::IssueDto>,
    /// Whether the services were recorded (nothing is written when any problem is found).
    pub committed: bool,
    /// The batch recorded.
    pub batch: Option<Uuid>,
}

/// Checks a services sheet (one row per person served: 身份证号, 姓名, 台账, 服务类型, 服务日期,
/// 医院, 有效期至, 物资, 金额（元）, 慰问人, 检查结果, 备注; CSV or XLSX as the request body) and,
/// with `commit=true` and no problem found, records its services as one batch. Every person must
/// be in the registry named, within the place. Sending the same sheet again records nothing twice.
#[utoipa::path(post, path = "/api/v1/places/{code}/care-services/import", tag = "care",
    params(("code" = String, Path), super::import::ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ServicesReportDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn import_services(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<super::import::ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Json<ServicesReportDto>> {
    let r = s
        .services
        .import_services(&caller, &code, &body, q.commit.unwrap_or(false))
        .await
        .map_err(api(lang))?;
    Ok(Json(ServicesReportDto {
        rows: r.rows,
        new_services: r.new_services,
        unchanged: r.unchanged,
        people: r.people,
        issue_count: r.issue_count,
        issues: super::import::issue_dtos(&r.issues, lang),
        committed: r.committed,
        batch: r.batch,
    }))
}

/// The blank services sheet (XLSX): the headers the import reads.
#[utoipa::path(get, path = "/api/v1/care/services-sheet", tag = "care",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn services_sheet(
    UiLang(lang): UiLang,
    ApiCaller(_caller, _): ApiCaller,
) -> ApiResult<axum::response::Response> {
    let bytes = jinguo_services::care_import::blank_services_sheet().map_err(api(lang))?;
    Ok(super::download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "services.xlsx",
    ))
}
