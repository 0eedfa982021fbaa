//! Households: a group's list, one household with its persons, adding a person, revealing the
//! unmasked values, and finding a household by a resident's ID number.

use super::{ApiResult, CreatedDto, PlaceRef, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jinguo_domain::person::PersonInput;
use jinguo_services::households::{HouseholdPage, HouseholdView, NameQuery, PersonView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_households))
        .routes(routes!(get_household))
        .routes(routes!(find_household))
        .routes(routes!(find_persons))
        .routes(routes!(add_person))
        .routes(routes!(reveal_household))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page number; 50 households a page.
    pub page: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdLineDto {
    pub id: Uuid,
    pub code: String,
    /// Masked.
    pub address: String,
    /// Masked.
    pub head_name: Option<String>,
    pub persons: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdPageDto {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub households: Vec<HouseholdLineDto>,
}

impl From<HouseholdPage> for HouseholdPageDto {
    fn from(p: HouseholdPage) -> Self {
        Self {
            page: p.page,
            pages: p.pages,
            total: p.total,
            households: p
                .lines
                .into_iter()
                .map(|l| HouseholdLineDto {
                    id: l.id,
                    code: l.code,
                    address: l.address,
                    head_name: l.head_name,
                    persons: l.persons,
                })
                .collect(),
        }
    }
}

/// The households of a resident group, a page at a time.
#[utoipa::path(get, path = "/api/v1/places/{code}/households", tag = "households",
    params(("code" = String, Path, description = "Resident group code (15 digits)"), PageQuery),
    responses((status = 200, body = HouseholdPageDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_households(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<HouseholdPageDto>> {
    let p = s
        .services
        .group_households(&caller, &code, q.page.unwrap_or(1))
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    Ok(Json(p.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    pub id: Uuid,
    /// Masked (张*芳).
    pub name: String,
    /// `male` or `female`.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::person::Sex>)]
    pub sex: String,
    pub age: i32,
    /// Masked (5301**********123X).
    pub id_number: String,
    /// Masked (138****5678).
    pub phone: Option<String>,
    /// `head`, `spouse`, `child`, `parent`, `grandchild`, `grandparent`, `sibling`, `child_in_law`, `other`.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::person::Relationship>)]
    pub relationship: String,
}

impl From<&PersonView> for PersonDto {
    fn from(p: &PersonView) -> Self {
        Self {
            id: p.id,
            name: p.name.clone(),
            sex: p.sex.key().into(),
            age: p.age,
            id_number: p.id_number.clone(),
            phone: p.phone.clone(),
            relationship: p.relationship.key().into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdDto {
    pub id: Uuid,
    pub code: String,
    pub group: String,
    /// Masked.
    pub address: String,
    /// Send it back with a change: a change to a household changed meanwhile is refused (409).
    pub version: i64,
    pub lineage: Vec<PlaceRef>,
    pub persons: Vec<PersonDto>,
}

impl From<&HouseholdView> for HouseholdDto {
    fn from(v: &HouseholdView) -> Self {
        Self {
            id: v.household.id,
            code: v.household.code.clone(),
            group: v.household.group_code.clone(),
            address: v.household.address.clone(),
            version: v.household.version,
            lineage: v.lineage.iter().map(PlaceRef::from).collect(),
            persons: v.persons.iter().map(PersonDto::from).collect(),
        }
    }
}

/// One household with its persons (masked).
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = HouseholdDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_household(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<HouseholdDto>> {
    let id = parse_uuid(&id).map_err(|e| ApiError::new(e, lang))?;
    let v = s
        .services
        .household_view(&caller, id)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    Ok(Json((&v).into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPersonDto {
    #[schema(example = "张小芳")]
    pub name: String,
    /// `male`/`female` (男/女 accepted).
    #[schema(example = "female")]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::person::Sex>)]
    pub sex: String,
    /// YYYY-MM-DD; must match the ID number.
    #[schema(example = "1985-06-01")]
    pub birth_date: String,
    /// 18 characters (or the old 15 digits), GB 11643 check character.
    pub id_number: String,
    /// Mainland mobile number, optional.
    #[serde(default)]
    pub phone: Option<String>,
    #[schema(example = "spouse")]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::person::Relationship>)]
    pub relationship: String,
    /// The household's `version` as read.
    pub expected_version: i64,
}

/// Adds a person to a household. Every field is checked; all refused fields are reported at once.
#[utoipa::path(post, path = "/api/v1/households/{id}/persons", tag = "households",
    params(("id" = Uuid, Path)),
    request_body = NewPersonDto,
    responses((status = 201, body = CreatedDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_person(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<NewPersonDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = parse_uuid(&id).map_err(|e| ApiError::new(e, lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = PersonInput {
        name: b.name,
        sex: b.sex,
        birth_date: b.birth_date,
        id_number: b.id_number,
        phone: b.phone.unwrap_or_default(),
        relationship: b.relationship,
    };
    let pid = s
        .services
        .add_person(&caller, id, b.expected_version, &input)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: pid.0 })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealDto {
    /// Why the full values are needed; recorded in the audit log.
    pub reason: String,
}

/// Shows a household with every value unmasked: needs a reason, is audited and rate-limited.
#[utoipa::path(post, path = "/api/v1/households/{id}/reveal", tag = "households",
    params(("id" = Uuid, Path)), request_body = RevealDto,
    responses((status = 200, body = HouseholdDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn reveal_household(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<RevealDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<HouseholdDto>> {
    let id = parse_uuid(&id).map_err(|e| ApiError::new(e, lang))?;
    let reason = body.map(|Json(b)| b.reason).unwrap_or_default();
    let v = s
        .services
        .household_reveal(&caller, id, &reason)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    Ok(Json((&v).into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FindHouseholdDto {
    /// A resident's ID number (18 characters, or the old 15 digits). Sent in the body, never in
    /// the address, so that it stays out of logs.
    pub id_number: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FoundHouseholdDto {
    pub id: Uuid,
    pub code: String,
    /// The resident group's code.
    pub group: String,
}

/// Finds the household of a resident by her ID number, within the caller's place. 404 when there
/// is none there; the search is audited (without the number).
#[utoipa::path(post, path = "/api/v1/households/search", tag = "households",
    request_body = FindHouseholdDto,
    responses((status = 200, body = FoundHouseholdDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn find_household(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    body: Result<Json<FindHouseholdDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<FoundHouseholdDto>> {
    let id_number = body.map(|Json(b)| b.id_number).unwrap_or_default();
    let h = s
        .services
        .find_household(&caller, &id_number)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    Ok(Json(FoundHouseholdDto {
        id: h.id,
        code: h.code,
        group: h.group_code,
    }))
}

/// A search by name: `name` (the whole name), or `surname` with or without `given_name`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct FindPersonsDto {
    pub name: String,
    pub surname: String,
    pub given_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonHitDto {
    pub id: Uuid,
    pub household_id: Uuid,
    pub household_code: String,
    /// Masked.
    pub name: String,
    pub sex: String,
    pub age: i32,
}

/// Finds persons by name within the caller's place (at most 100, names masked), through keyed
/// blind indexes: the whole name exactly, or a surname with or without the given name. The
/// name travels in the body so that it stays out of access logs; the search is audited
/// without it.
#[utoipa::path(post, path = "/api/v1/persons/search", tag = "households",
    request_body = FindPersonsDto,
    responses((status = 200, body = Vec<PersonHitDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn find_persons(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    body: Result<Json<FindPersonsDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Vec<PersonHitDto>>> {
    let b = body.map(|Json(b)| b).unwrap_or_default();
    let hits = s
        .services
        .find_persons(
            &caller,
            &NameQuery {
                name: b.name,
                surname: b.surname,
                given_name: b.given_name,
            },
        )
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    Ok(Json(
        hits.into_iter()
            .map(|h| PersonHitDto {
                id: h.id,
                household_id: h.household_id,
                household_code: h.household_code,
                name: h.name,
                sex: h.sex.key().to_string(),
                age: h.age,
            })
            .collect(),
    ))
}
