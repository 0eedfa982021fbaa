//! Workbooks (XLSX) of coverage and campaign progress.

use super::{ApiResult, api, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(coverage_workbook))
        .routes(routes!(progress_workbook))
}

/// A workbook as a download.
pub fn workbook(bytes: Vec<u8>, name: &str) -> Response {
    let mut r = bytes.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.xlsx\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
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
    let code = jinguo_domain::place::PlaceCode::parse(&code)
        .map(|c| c.to_string())
        .unwrap_or_default();
    Ok(workbook(bytes, &format!("coverage-{code}")))
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
    Ok(workbook(bytes, &format!("progress-{}", id.simple())))
}
