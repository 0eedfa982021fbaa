//! Workbooks (XLSX) of coverage and campaign progress (and the helper the disputes' workbook uses).

use super::{ApiResult, api, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(coverage_workbook))
        .routes(routes!(progress_workbook))
}

/// Coverage below a place as a workbook (XLSX, in the caller's language).
#[utoipa::path(get, path = "/api/v1/places/{code}/coverage/export", tag = "network",
    params(("code" = String, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn coverage_workbook(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    let bytes = s
        .services
        .coverage_workbook(&caller, &code, lang)
        .await
        .map_err(api(lang))?;
    Ok(place_workbook(bytes, "coverage", &code))
}

/// A workbook of a place as a download named after what it holds and the place's code.
pub(super) fn place_workbook(bytes: Vec<u8>, what: &str, code: &str) -> Response {
    let code = jinguo_domain::place::PlaceCode::parse(code)
        .map(|c| c.to_string())
        .unwrap_or_default();
    super::download(bytes, XLSX, &format!("{what}-{code}.xlsx"))
}

/// A campaign's progress as a workbook (XLSX, in the caller's language).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/progress/export", tag = "screening",
    params(("id" = Uuid, Path), super::screening::PlaceQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn progress_workbook(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<super::screening::PlaceQuery>,
) -> ApiResult<Response> {
    let id: Uuid = parse_uuid(&id).map_err(api(lang))?;
    let bytes = s
        .services
        .progress_workbook(&caller, id, q.place.as_deref(), lang)
        .await
        .map_err(api(lang))?;
    Ok(super::download(
        bytes,
        XLSX,
        &format!("progress-{}.xlsx", id.simple()),
    ))
}
