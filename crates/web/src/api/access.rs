//! Who may see what: accounts (system administrator), roles (security administrator), API tokens
//! (their owner) and emergency access (break the glass).

use super::{ApiResult, CreatedDto, api, invalid_body, parse_role};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use jinguo_services::ServiceError;
use jinguo_services::emergency::{EmergencyLine, EmergencyRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
        .routes(routes!(request_emergency, list_emergencies))
        .routes(routes!(end_emergency))
        .routes(routes!(decide_emergency))
        .routes(routes!(review_emergency))
        .routes(routes!(list_accounts, create_account))
        .routes(routes!(grant_role))
        .routes(routes!(revoke_role))
        .routes(routes!(repeated_refusals))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefusalDto {
    pub username: String,
    /// Requests refused for scope or role in the last 24 hours.
    pub refusals: i64,
    pub last_at: DateTime<Utc>,
}

/// Accounts refused again and again in the last 24 hours (security administrator).
#[utoipa::path(get, path = "/api/v1/refusals", tag = "access",
    responses((status = 200, body = Vec<RefusalDto>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn repeated_refusals(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<Vec<RefusalDto>>> {
    let rows = s
        .services
        .repeated_refusals(&caller)
        .await
        .map_err(api(lang))?;
    Ok(Json(
        rows.into_iter()
            .map(|r| RefusalDto {
                username: r.username,
                refusals: r.refusals,
                last_at: r.last_at,
            })
            .collect(),
    ))
}

type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenDto {
    pub name: String,
    /// Division code of the place the token is narrowed to (inside the caller's scope).
    pub place: String,
    /// 1 to 365.
    pub days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenValueDto {
    /// Shown once: send it as `Authorization: Bearer …`.
    pub token: String,
    /// Names the token for listing and revocation.
    pub id: String,
    pub expires_at: DateTime<Utc>,
}

/// Issues an API token acting as the caller, narrowed to one place, without administrator powers.
/// Requests carrying it need no anti-forgery header.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "session", request_body = NewTokenDto,
    responses((status = 201, body = NewTokenValueDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_token(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    body: Body<NewTokenDto>,
) -> ApiResult<(StatusCode, Json<NewTokenValueDto>)> {
    let Json(b) = body.map_err(|_| invalid_body(lang))?;
    let (token, expires_at) = s
        .services
        .create_token(&caller, &b.name, &b.place, b.days)
        .await
        .map_err(api(lang))?;
    let id = jinguo_services::admin::token_id(&token);
    Ok((
        StatusCode::CREATED,
        Json(NewTokenValueDto {
            token,
            id,
            expires_at,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenDto {
    pub id: String,
    pub name: String,
    pub place_path: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Revoked or expired: it opens nothing.
    pub revoked: bool,
}

/// The caller's own API tokens (never their values).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "session",
    responses((status = 200, body = Vec<TokenDto>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_tokens(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<Vec<TokenDto>>> {
    let rows = s.services.tokens(&caller).await.map_err(api(lang))?;
    Ok(Json(
        rows.into_iter()
            .map(|t| TokenDto {
                id: t.id,
                name: t.name,
                place_path: t.place_path,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked: t.revoked,
            })
            .collect(),
    ))
}

/// Revokes one of the caller's tokens; another's is not found.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "session", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn revoke_token(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.services
        .revoke_token(&caller, &id)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencyRequestDto {
    /// `household` (the default), `person` or `dv_case`.
    #[serde(default)]
    pub kind: String,
    /// The record: a household's 19-digit code or id, a person's id, or a case's id.
    pub target: String,
    /// Why, in a sentence (at least 10 characters); on the audit log.
    pub reason: String,
    /// 1 to the configured maximum (60 by default).
    pub minutes: i64,
    /// Granted at once and reviewed after; otherwise it waits for a second person's approval.
    #[serde(default)]
    pub urgent: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmergencyDto {
    pub id: Uuid,
    pub username: String,
    /// `household`, `person` or `dv_case`.
    pub target_kind: String,
    pub target_id: Uuid,
    /// A person's household (kind `person`): where she is read.
    pub household_id: Option<Uuid>,
    pub place_path: String,
    pub reason: String,
    pub minutes: i64,
    pub urgent: bool,
    /// `requested`, `granted`, `refused`, `ended` or `expired`.
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    pub review_note: Option<String>,
    pub may_decide: bool,
    pub may_review: bool,
}

fn emergency_dto(e: EmergencyLine) -> EmergencyDto {
    EmergencyDto {
        id: e.id,
        username: e.username,
        target_kind: e.target_kind,
        target_id: e.target_id,
        household_id: e.household_id,
        place_path: e.target_path,
        reason: e.reason,
        minutes: e.minutes,
        urgent: e.urgent,
        status: e.status.to_string(),
        requested_at: e.requested_at,
        decided_by: e.decided_by,
        decision_note: e.decision_note,
        expires_at: e.expires_at,
        reviewed_by: e.reviewed_by,
        review_note: e.review_note,
        may_decide: e.may_decide,
        may_review: e.may_review,
    }
}

/// Asks for emergency access to one household outside one's scope: read-only, no export, for a
/// limited time; approved by a second person of the county federation, or urgent (granted at
/// once, reviewed after). The county's chair and the security administrator are told at once.
#[utoipa::path(post, path = "/api/v1/break-glass", tag = "access", request_body = EmergencyRequestDto,
    responses((status = 201, body = EmergencyDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn request_emergency(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    body: Body<EmergencyRequestDto>,
) -> ApiResult<(StatusCode, Json<EmergencyDto>)> {
    let Json(b) = body.map_err(|_| invalid_body(lang))?;
    let r = EmergencyRequest {
        kind: b.kind,
        target: b.target,
        reason: b.reason,
        minutes: b.minutes,
        urgent: b.urgent,
    };
    let line = s
        .services
        .request_emergency(&caller, &r)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(emergency_dto(line))))
}

/// Emergency access the caller may see: her own; the county's queue for its federation's staff;
/// those in her scope for the security administrator.
#[utoipa::path(get, path = "/api/v1/break-glass", tag = "access",
    responses((status = 200, body = Vec<EmergencyDto>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_emergencies(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<Vec<EmergencyDto>>> {
    let rows = s.services.emergencies(&caller).await.map_err(api(lang))?;
    Ok(Json(rows.into_iter().map(emergency_dto).collect()))
}

/// Ends one's own request or grant before its time.
#[utoipa::path(delete, path = "/api/v1/break-glass/{id}", tag = "access", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn end_emergency(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = Uuid::parse_str(&id).map_err(|_| api(lang)(ServiceError::NotFound))?;
    s.services
        .end_emergency(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionDto {
    pub approve: bool,
    /// Required when refusing.
    #[serde(default)]
    pub note: String,
}

/// Approves or refuses a request (staff of the county federation, never the one who asked).
#[utoipa::path(post, path = "/api/v1/break-glass/{id}/decision", tag = "access", params(("id" = Uuid, Path)),
    request_body = DecisionDto,
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn decide_emergency(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Body<DecisionDto>,
) -> ApiResult<StatusCode> {
    let id = Uuid::parse_str(&id).map_err(|_| api(lang)(ServiceError::NotFound))?;
    let Json(b) = body.map_err(|_| invalid_body(lang))?;
    s.services
        .decide_emergency(&caller, id, b.approve, &b.note)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewDto {
    pub justified: bool,
    pub note: String,
}

/// Reviews an urgent grant after the fact (staff of the county federation, never its holder).
#[utoipa::path(post, path = "/api/v1/break-glass/{id}/review", tag = "access", params(("id" = Uuid, Path)),
    request_body = ReviewDto,
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn review_emergency(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Body<ReviewDto>,
) -> ApiResult<StatusCode> {
    let id = Uuid::parse_str(&id).map_err(|_| api(lang)(ServiceError::NotFound))?;
    let Json(b) = body.map_err(|_| invalid_body(lang))?;
    s.services
        .review_emergency(&caller, id, b.justified, &b.note)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantLineDto {
    pub id: Uuid,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::account::Role>)]
    pub role: String,
    pub place_path: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDto {
    pub username: String,
    pub display_name: String,
    pub locked: bool,
    /// The place whose system administrator manages the account.
    pub home_path: Option<String>,
    pub grants: Vec<GrantLineDto>,
}

/// Accounts the system or security administrator looks after (their home inside her scope).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts",
    responses((status = 200, body = Vec<AccountDto>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_accounts(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<Vec<AccountDto>>> {
    let rows = s.services.list_accounts(&caller).await.map_err(api(lang))?;
    Ok(Json(
        rows.into_iter()
            .map(|a| AccountDto {
                username: a.username,
                display_name: a.display_name,
                locked: a.locked,
                home_path: a.home_path,
                grants: a
                    .grants
                    .into_iter()
                    .map(|g| GrantLineDto {
                        id: g.id,
                        role: g.role.key().to_string(),
                        place_path: g.place_path,
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountDto {
    pub username: String,
    pub display_name: String,
    /// Temporary; to be changed at first login.
    pub password: String,
    /// Refused: roles are granted by the security administrator (`POST /api/v1/grants`).
    #[serde(default)]
    pub role: Option<String>,
    /// Division code of the account's place.
    pub place: String,
}

/// Creates an account without any role, inside the system administrator's scope.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = NewAccountDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_account(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    body: Body<NewAccountDto>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|_| invalid_body(lang))?;
    let role = match b.role.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => Some(parse_role(r, lang)?),
    };
    let a = jinguo_services::accounts::NewAccount {
        username: b.username,
        display_name: b.display_name,
        password: b.password,
        role,
        place: b.place,
    };
    let id = s
        .services
        .create_account(&caller, &a)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantDto {
    pub username: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::account::Role>)]
    pub role: String,
    pub place: String,
}

/// Grants a role over a place (security administrator, inside her scope, never to herself).
#[utoipa::path(post, path = "/api/v1/grants", tag = "accounts", request_body = GrantDto,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn grant_role(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    body: Body<GrantDto>,
) -> ApiResult<StatusCode> {
    let Json(b) = body.map_err(|_| invalid_body(lang))?;
    let role = parse_role(&b.role, lang)?;
    s.services
        .grant_role(&caller, &b.username, role, &b.place)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes a role (security administrator, inside her scope, never her own): the account's
/// sessions and tokens end.
#[utoipa::path(delete, path = "/api/v1/accounts/{username}/grants/{id}", tag = "accounts",
    params(("username" = String, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn revoke_role(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((username, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = Uuid::parse_str(&id).map_err(|_| api(lang)(ServiceError::NotFound))?;
    s.services
        .revoke_role(&caller, &username, id)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}
