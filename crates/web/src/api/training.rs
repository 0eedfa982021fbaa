//! Training and legal education: sessions recorded by federation staff with their attendees, the
//! typical cases used and their materials (files), and a member's training record.

use super::{ApiResult, CreatedDto, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jinguo_domain::training::TrainingInput;
use jinguo_domain::volunteer::show_hours;
use jinguo_services::training::TrainingView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    // Only the upload of materials takes a large body.
    let uploads = OpenApiRouter::new().routes(routes!(add_material)).layer(
        axum::extract::DefaultBodyLimit::max(2 * jinguo_domain::linkage::EVIDENCE_MAX_BYTES),
    );
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(list))
        .routes(routes!(record))
        .routes(routes!(one))
        .routes(routes!(material))
        .routes(routes!(member_record))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingDto {
    pub id: Uuid,
    pub place_code: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::training::TrainingKind>)]
    pub kind: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::training::Mode>)]
    pub mode: String,
    pub held_on: String,
    pub venue: String,
    pub topic: String,
    pub trainer: String,
    /// `2.5`.
    pub hours: String,
    /// Members who attended.
    pub members: i64,
    /// Others, counted.
    pub counted: i64,
}

impl From<&TrainingView> for TrainingDto {
    fn from(t: &TrainingView) -> Self {
        TrainingDto {
            id: t.id,
            place_code: t.place_code.clone(),
            kind: t.kind.key().into(),
            mode: t.mode.key().into(),
            held_on: t.held_on.clone(),
            venue: t.venue.clone(),
            topic: t.topic.clone(),
            trainer: t.trainer.clone(),
            hours: show_hours(t.hours_tenths),
            members: t.members,
            counted: t.counted,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NamedRef {
    pub id: Uuid,
    /// A member's name masked, or a typical case's title.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MaterialDto {
    pub id: Uuid,
    pub name: String,
    pub media_type: String,
    pub size: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingDetailDto {
    pub training: TrainingDto,
    pub attendees: Vec<NamedRef>,
    pub cases: Vec<NamedRef>,
    pub materials: Vec<MaterialDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The year (this one by default).
    year: Option<String>,
}

/// The sessions of a year held by the caller's places (federation staff).
#[utoipa::path(get, path = "/api/v1/trainings", tag = "training", params(YearQuery),
    responses((status = 200, body = Vec<TrainingDto>), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<YearQuery>,
) -> ApiResult<Json<Vec<TrainingDto>>> {
    let (_, list) = s
        .services
        .trainings(&caller, q.year.as_deref())
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(TrainingDto::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainingInputDto {
    #[schema(schema_with = crate::api::kind::<jinguo_domain::training::TrainingKind>)]
    pub kind: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::training::Mode>)]
    pub mode: String,
    pub held_on: String,
    pub venue: String,
    pub topic: String,
    pub trainer: String,
    /// Hours (`2.5`).
    pub hours: String,
    /// Members of the caller's places who attended.
    #[serde(default)]
    pub members: Vec<Uuid>,
    /// Others who attended, counted.
    #[serde(default)]
    pub counted: String,
    /// Typical cases used.
    #[serde(default)]
    pub cases: Vec<Uuid>,
}

/// Records a session held by a place the caller manages (federation staff).
#[utoipa::path(post, path = "/api/v1/places/{code}/trainings", tag = "training",
    params(("code" = String, Path)), request_body = TrainingInputDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<TrainingInputDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = TrainingInput {
        place: code,
        kind: b.kind,
        mode: b.mode,
        held_on: b.held_on,
        venue: b.venue,
        topic: b.topic,
        trainer: b.trainer,
        hours: b.hours,
        members: b.members,
        counted: b.counted,
        cases: b.cases,
    };
    let id = s
        .services
        .record_training(&caller, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One session with its attendees (masked), typical cases and materials.
#[utoipa::path(get, path = "/api/v1/trainings/{id}", tag = "training",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TrainingDetailDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn one(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<TrainingDetailDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let d = s.services.training(&caller, id).await.map_err(api(lang))?;
    Ok(Json(TrainingDetailDto {
        training: TrainingDto::from(&d.view),
        attendees: d
            .attendees
            .iter()
            .map(|(id, name)| NamedRef {
                id: *id,
                name: name.clone(),
            })
            .collect(),
        cases: d
            .cases
            .iter()
            .map(|(id, name)| NamedRef {
                id: *id,
                name: name.clone(),
            })
            .collect(),
        materials: d
            .materials
            .iter()
            .map(|m| MaterialDto {
                id: m.id,
                name: m.name.clone(),
                media_type: m.media_type.clone(),
                size: m.size,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MaterialQuery {
    /// The file's name, with its extension (.jpg, .jpeg, .png, .pdf).
    pub name: Option<String>,
}

/// Keeps a material with a session (the request body): a JPEG or PNG picture or a PDF of at most
/// 5 MB whose content is what its name says.
#[utoipa::path(post, path = "/api/v1/trainings/{id}/materials", tag = "training",
    params(("id" = Uuid, Path), MaterialQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = CreatedDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_material(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<MaterialQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let m = s
        .services
        .add_training_material(&caller, id, q.name.as_deref().unwrap_or_default(), &body)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: m })))
}

/// A session's material.
#[utoipa::path(get, path = "/api/v1/trainings/{id}/materials/{material}", tag = "training",
    params(("id" = Uuid, Path), ("material" = Uuid, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn material(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((id, material)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let material = parse_uuid(&material).map_err(api(lang))?;
    let (_, media, content) = s
        .services
        .training_material(&caller, id, material)
        .await
        .map_err(api(lang))?;
    let (t, ext) = super::linkage::media_type(&media);
    Ok(super::download(
        content,
        t,
        &format!("material-{material}.{ext}"),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingRecordDto {
    pub member: Uuid,
    /// Masked.
    pub name: String,
    pub sessions: Vec<TrainingDto>,
    /// Hours in all (`12.5`).
    pub hours: String,
}

/// A member's training record: the sessions she attended and their hours (staff managing her).
#[utoipa::path(get, path = "/api/v1/members/{id}/trainings", tag = "training",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TrainingRecordDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn member_record(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<TrainingRecordDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let r = s
        .services
        .member_trainings(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(Json(TrainingRecordDto {
        member: r.member,
        name: r.name,
        sessions: r.sessions.iter().map(TrainingDto::from).collect(),
        hours: show_hours(r.hours_tenths),
    }))
}
