//! The JSON API, `/api/v1`. Each handler translates one service call; errors are problem+json.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jinguo_domain::person::PersonInput;
use jinguo_services::ServiceError;
use jinguo_services::households::{HouseholdPage, HouseholdView, PersonView};
use jinguo_services::places::PlaceView;
use jinguo_services::places::{Figures, Place};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) mod access;
mod care;
mod federations;
pub(crate) mod import;
pub(crate) mod linkage;
mod mediation;
mod network;
mod reports;
pub(crate) mod screening;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Jinguo API",
        description = "Jinguo (巾帼): the work of a women's federation. Errors are application/problem+json with a machine-readable code, the field and a localized message (Accept-Language: zh-CN or en).",
        version = "1"
    ),
    components(schemas(Problem))
)]
struct ApiDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(open_session, close_session))
        .routes(routes!(home))
        .routes(routes!(get_place))
        .routes(routes!(list_households))
        .routes(routes!(get_household))
        .routes(routes!(find_household))
        .routes(routes!(add_person))
        .routes(routes!(reveal_household))
        .routes(routes!(audit_search))
        .routes(routes!(record_consent))
        .routes(routes!(consent_state, withdraw_consent))
        .routes(routes!(get_coverage))
        .routes(routes!(leave_member))
        .merge(access::router())
        .merge(screening::router())
        .merge(mediation::router())
        .merge(linkage::router())
        .merge(care::router())
        .merge(import::router())
        .merge(network::router())
        .merge(reports::router())
        .merge(federations::router())
}

type ApiResult<T> = Result<T, ApiError>;

/// The figures of a place, counted from the records below it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresDto {
    pub townships: i64,
    pub villages: i64,
    pub groups: i64,
    pub households: i64,
    pub executives: i64,
    pub representatives: i64,
}

impl From<&Figures> for FiguresDto {
    fn from(f: &Figures) -> Self {
        Self {
            townships: f.townships,
            villages: f.villages,
            groups: f.groups,
            households: f.households,
            executives: f.executives,
            representatives: f.representatives,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceRef {
    /// Official statistical division code (resident groups: village code + 3 digits).
    pub code: String,
    pub name: String,
    /// `province`, `prefecture`, `county`, `township`, `village` or `group`.
    pub level: String,
}

impl From<&Place> for PlaceRef {
    fn from(p: &Place) -> Self {
        Self {
            code: p.code.clone(),
            name: p.name.clone(),
            level: p.level().key().to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildDto {
    #[serde(flatten)]
    pub place: PlaceRef,
    pub figures: FiguresDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceDto {
    #[serde(flatten)]
    pub place: PlaceRef,
    pub path: String,
    /// From the top of the tree down to this place.
    pub lineage: Vec<PlaceRef>,
    pub figures: FiguresDto,
    pub children: Vec<ChildDto>,
}

impl From<&PlaceView> for PlaceDto {
    fn from(v: &PlaceView) -> Self {
        Self {
            place: (&v.place).into(),
            path: v.place.path.clone(),
            lineage: v.lineage.iter().map(PlaceRef::from).collect(),
            figures: (&v.figures).into(),
            children: v
                .children
                .iter()
                .map(|c| ChildDto {
                    place: (&c.place).into(),
                    figures: (&c.figures).into(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HomeDto {
    /// The place the overview opens on; absent when nothing is loaded.
    pub place: Option<String>,
}

/// The place the overview opens on.
#[utoipa::path(get, path = "/api/v1/home", tag = "places",
    responses((status = 200, body = HomeDto), (status = 500, body = Problem, content_type = "application/problem+json")))]
async fn home(
    State(s): State<AppState>,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<HomeDto>> {
    Ok(Json(HomeDto {
        place: s.services.home_place(&caller),
    }))
}

/// A place with its lineage, its figures and its children's figures.
#[utoipa::path(get, path = "/api/v1/places/{code}", tag = "places",
    params(("code" = String, Path, description = "Division code, 2 to 15 digits")),
    responses((status = 200, body = PlaceDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_place(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<PlaceDto>> {
    let v = s
        .services
        .place_view(&caller, &code)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    Ok(Json((&v).into()))
}

#[derive(Debug, Deserialize, IntoParams)]
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
    pub sex: String,
    pub age: i32,
    /// Masked (5301**********123X).
    pub id_number: String,
    /// Masked (138****5678).
    pub phone: Option<String>,
    /// `head`, `spouse`, `child`, `parent`, `grandchild`, `grandparent`, `sibling`, `child_in_law`, `other`.
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
    pub relationship: String,
    /// The household's `version` as read.
    pub expected_version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDto {
    pub id: Uuid,
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
pub struct LoginDto {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// Send it as `X-CSRF-Token` with every request that changes something.
    pub csrf: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Logs in: sets the session cookie. Wrong credentials, unknown and locked accounts get the same 401.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginDto,
    responses((status = 201, body = SessionDto), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn open_session(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    req: axum::extract::Request,
) -> Result<axum::response::Response, ApiError> {
    use axum::extract::FromRequest;
    use axum::response::IntoResponse;
    let (parts, body) = req.into_parts();
    let secure = crate::auth::is_secure(&parts);
    let ip = crate::auth::client_ip(&parts);
    let Json(b) =
        Json::<LoginDto>::from_request(axum::extract::Request::from_parts(parts, body), &s)
            .await
            .map_err(|_| {
                let mut e = jinguo_domain::ValidationErrors::new();
                e.push("body", "invalid");
                ApiError::new(e.into(), lang)
            })?;
    let session = s
        .services
        .login(&b.username, &b.password, &ip)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    let mut r = (
        StatusCode::CREATED,
        Json(SessionDto {
            csrf: session.csrf,
            expires_at: session.expires_at,
        }),
    )
        .into_response();
    r.headers_mut().insert(
        axum::http::header::SET_COOKIE,
        crate::auth::session_cookie(secure, &session.token),
    );
    Ok(r)
}

/// Logs out: ends the session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn close_session(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, token): ApiCaller,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    s.services
        .logout(&caller, &token)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut()
        .insert(axum::http::header::SET_COOKIE, crate::auth::clear_cookie());
    Ok(r)
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

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditParams {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    /// At most this many entries, newest first (1–1000, default 100).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub place_path: String,
    pub reason: String,
    pub detail: String,
    pub ip: String,
    pub hash: String,
}

/// Searches the audit log (audit administrator only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = Vec<AuditDto>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn audit_search(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<AuditParams>,
) -> ApiResult<Json<Vec<AuditDto>>> {
    let query = jinguo_services::audit::AuditQuery {
        actor: q.actor,
        action: q.action,
        target: q.target,
        limit: q.limit.unwrap_or(100),
        ..Default::default()
    };
    let rows = s
        .services
        .search_audit(&caller, &query)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    Ok(Json(
        rows.into_iter()
            .map(|r| AuditDto {
                seq: r.seq,
                at: r.at,
                actor: r.actor,
                action: r.action,
                target: r.target,
                place_path: r.place_path,
                reason: r.reason,
                detail: r.detail,
                ip: r.ip,
                hash: r.hash,
            })
            .collect(),
    ))
}

fn api(lang: jinguo_domain::Lang) -> impl FnOnce(ServiceError) -> ApiError {
    move |e| ApiError::new(e, lang)
}

/// A body that could not be read: too large, or not the JSON the endpoint takes.
fn body_error(r: &axum::extract::rejection::JsonRejection, lang: jinguo_domain::Lang) -> ApiError {
    let mut e = jinguo_domain::ValidationErrors::new();
    let code = if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        "too_long"
    } else {
        "invalid"
    };
    e.push("body", code);
    ApiError::new(e.into(), lang)
}

pub(crate) fn invalid_body(lang: jinguo_domain::Lang) -> ApiError {
    let mut e = jinguo_domain::ValidationErrors::new();
    e.push("body", "invalid");
    ApiError::new(e.into(), lang)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentDto {
    /// `sensitive_data`, `share_departments` or `publish`.
    pub purpose: String,
    /// `consent`, `legal_obligation` or `vital_interest` (publication needs `consent`).
    pub basis: String,
    /// Required for a consent of a child under 14 …
    #[serde(default)]
    pub guardian_name: Option<String>,
    /// … with the guardian's relationship to the child.
    #[serde(default)]
    pub guardian_relationship: Option<String>,
}

/// Records a consent (or another legal basis) of a person for one purpose.
#[utoipa::path(post, path = "/api/v1/persons/{id}/consents", tag = "consent", params(("id" = Uuid, Path)),
    request_body = ConsentDto,
    responses((status = 201, body = CreatedDto), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record_consent(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<ConsentDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|_| invalid_body(lang))?;
    let c = jinguo_services::consent::NewConsent {
        purpose: b.purpose,
        basis: b.basis,
        guardian_name: b.guardian_name,
        guardian_relationship: b.guardian_relationship,
    };
    let cid = s
        .services
        .record_consent(&caller, id, &c)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: cid })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentStateDto {
    pub purpose: String,
    pub granted: bool,
}

/// Whether a person's data may be used for a purpose.
#[utoipa::path(get, path = "/api/v1/persons/{id}/consents/{purpose}", tag = "consent",
    params(("id" = Uuid, Path), ("purpose" = String, Path)),
    responses((status = 200, body = ConsentStateDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn consent_state(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((id, purpose)): Path<(String, String)>,
) -> ApiResult<Json<ConsentStateDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let granted = s
        .services
        .has_consent(&caller, id, &purpose)
        .await
        .map_err(api(lang))?;
    Ok(Json(ConsentStateDto { purpose, granted }))
}

/// Withdraws a person's consents for a purpose.
#[utoipa::path(delete, path = "/api/v1/persons/{id}/consents/{purpose}", tag = "consent",
    params(("id" = Uuid, Path), ("purpose" = String, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn withdraw_consent(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((id, purpose)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    s.services
        .withdraw_consent(&caller, id, &purpose)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapDto {
    pub code: String,
    pub name: String,
    pub level: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberLoadDto {
    pub id: Uuid,
    /// Masked.
    pub name: String,
    pub role: String,
    pub place_path: String,
    /// How many units (places or households) she answers for.
    pub units: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupGapDto {
    pub group: String,
    pub name: String,
    pub households: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageDto {
    pub place: PlaceRef,
    /// No gaps and nobody idle.
    pub complete: bool,
    pub members: i64,
    pub uncovered_units: Vec<GapDto>,
    pub households_without_representative: i64,
    pub uncovered_households: Vec<GroupGapDto>,
    pub idle_members: Vec<MemberLoadDto>,
    pub overloaded_members: Vec<MemberLoadDto>,
    /// The gaps rolled up for each unit one level down.
    pub children: Vec<ChildCoverageDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildCoverageDto {
    pub place: PlaceRef,
    pub uncovered_units: i64,
    pub households_without_representative: i64,
    pub idle_members: i64,
    pub overloaded_members: i64,
}

fn load_dto(m: &jinguo_services::coverage::MemberLoad) -> MemberLoadDto {
    MemberLoadDto {
        id: m.id,
        name: m.name.clone(),
        role: m.role.clone(),
        place_path: m.place_path.clone(),
        units: m.units,
    }
}

/// Who answers for what below a place (四级包保), computed from the assignments.
#[utoipa::path(get, path = "/api/v1/places/{code}/coverage", tag = "network",
    params(("code" = String, Path)),
    responses((status = 200, body = CoverageDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_coverage(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<CoverageDto>> {
    let c = s
        .services
        .coverage(&caller, &code)
        .await
        .map_err(api(lang))?;
    Ok(Json(CoverageDto {
        place: (&c.place).into(),
        complete: c.complete(),
        members: c.members,
        households_without_representative: c.households_without_representative(),
        uncovered_units: c
            .uncovered_units
            .iter()
            .map(|g| GapDto {
                code: g.code.clone(),
                name: g.name.clone(),
                level: g.level.key().into(),
            })
            .collect(),
        uncovered_households: c
            .uncovered_households
            .iter()
            .map(|h| GroupGapDto {
                group: h.0.clone(),
                name: h.1.clone(),
                households: h.2,
            })
            .collect(),
        idle_members: c.idle.iter().map(load_dto).collect(),
        overloaded_members: c.overloaded.iter().map(load_dto).collect(),
        children: c
            .children
            .iter()
            .map(|ch| ChildCoverageDto {
                place: (&ch.place).into(),
                uncovered_units: ch.uncovered_units,
                households_without_representative: ch.uncovered_households,
                idle_members: ch.idle,
                overloaded_members: ch.overloaded,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeaveDto {
    /// How many assignments ended with her term.
    pub assignments_ended: u64,
}

/// A member leaves her post: her term and assignments end; what she answered for becomes a gap.
#[utoipa::path(post, path = "/api/v1/members/{id}/leave", tag = "network", params(("id" = Uuid, Path)),
    responses((status = 200, body = LeaveDto), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn leave_member(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<LeaveDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let n = s
        .services
        .member_leave(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(Json(LeaveDto {
        assignments_ended: n,
    }))
}

pub(crate) fn parse_role(
    role: &str,
    lang: jinguo_domain::Lang,
) -> Result<jinguo_domain::account::Role, ApiError> {
    jinguo_domain::account::Role::parse(role).ok_or_else(|| {
        let mut e = jinguo_domain::ValidationErrors::new();
        e.push("role", "invalid");
        ApiError::new(e.into(), lang)
    })
}

/// A file to download: its bytes, media type and name.
pub(crate) fn download(
    bytes: Vec<u8>,
    content_type: &'static str,
    filename: &str,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let mut r = bytes.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

fn parse_uuid(s: &str) -> Result<Uuid, ServiceError> {
    Uuid::parse_str(s).map_err(|_| ServiceError::NotFound)
}
