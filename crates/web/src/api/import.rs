//! Import and export of household sheets.

use super::{ApiResult, api};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use jinguo_services::import::{ImportReport, Issue, MembersReport, SheetSource};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const CSV: &str = "text/csv; charset=utf-8";

pub fn router() -> OpenApiRouter<AppState> {
    // The sheets' bodies are read by `sheet_body`, up to the configured size of an import.
    OpenApiRouter::new()
        .routes(routes!(import_households))
        .routes(routes!(import_members))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .routes(routes!(export_households))
        .routes(routes!(export_members))
}

/// 413, as problem+json naming the file and the limit.
pub(crate) fn too_large(limit: u64, lang: jinguo_domain::Lang) -> Response {
    let e = jinguo_services::import::ReadError::TooLarge { limit };
    let message = e.message(lang);
    crate::error::problem_response(Problem {
        kind: "/problems/validation".into(),
        title: crate::i18n::t(lang, "error.validation").to_string(),
        status: axum::http::StatusCode::PAYLOAD_TOO_LARGE.as_u16(),
        code: "validation".into(),
        detail: Some(message.clone()),
        errors: vec![crate::error::ProblemField {
            field: "file".into(),
            code: e.code().into(),
            message,
        }],
        related: Vec::new(),
    })
}

/// The body of an import: at most the configured size of an import (`max_import_bytes`), so
/// that the HTTP limit and the import's are the same. A larger one is refused (413) as soon as
/// its announced length or the bytes received pass the limit, before it is held whole.
async fn sheet_body(
    s: &AppState,
    headers: &axum::http::HeaderMap,
    body: Body,
    lang: jinguo_domain::Lang,
) -> Result<Vec<u8>, Response> {
    let limit = s.services.imports.max_bytes;
    let announced = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit) {
        return Err(too_large(limit, lang));
    }
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    match axum::body::to_bytes(body, cap).await {
        Ok(b) => Ok(Vec::from(b)),
        Err(_) => Err(too_large(limit, lang)),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Write the rows when no problem is found (default: only check them).
    pub commit: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssueDto {
    /// The row as the spreadsheet numbers it (the header is row 1); none for the whole file.
    pub row: Option<u64>,
    /// The column's header as written in the file.
    pub column: String,
    pub code: String,
    /// In the caller's language, naming the row and the column.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportDto {
    /// The encoding found (`UTF-8`, `GB18030` …); none for XLSX.
    pub encoding: Option<String>,
    pub rows: u64,
    pub households: u64,
    pub new_households: u64,
    pub new_persons: u64,
    /// Persons already registered in the same household: left as they are.
    pub unchanged_persons: u64,
    /// How many problems were found; the first 1,000 are listed.
    pub issue_count: u64,
    pub issues: Vec<IssueDto>,
    /// Whether the file was imported (nothing is written when any problem is found).
    pub committed: bool,
}

pub(super) fn issue_dtos(issues: &[Issue], lang: jinguo_domain::Lang) -> Vec<IssueDto> {
    issues
        .iter()
        .map(|i| IssueDto {
            row: i.row(),
            column: i.column().to_string(),
            code: i.code().to_string(),
            message: i.message(lang),
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembersReportDto {
    pub rows: u64,
    pub new_members: u64,
    /// Members already serving at the place with the same name and post.
    pub unchanged_members: u64,
    pub new_assignments: u64,
    pub issue_count: u64,
    pub issues: Vec<IssueDto>,
    pub committed: bool,
}

pub fn members_dto(r: &MembersReport, lang: jinguo_domain::Lang) -> MembersReportDto {
    MembersReportDto {
        rows: r.rows,
        new_members: r.new_members,
        unchanged_members: r.unchanged_members,
        new_assignments: r.new_assignments,
        issue_count: r.issue_count,
        issues: issue_dtos(&r.issues, lang),
        committed: r.committed,
    }
}

/// Checks a members sheet (one row per member: 姓名, 职务, 区划代码, 联系电话, 任期开始, 任期结束,
/// 包保单位; CSV or XLSX as the request body) and, with `commit=true` and no problem found,
/// imports the new members and their assignments. Importing the same file again adds nothing.
#[utoipa::path(post, path = "/api/v1/imports/members", tag = "network", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv"),
    responses((status = 200, body = MembersReportDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json")))]
async fn import_members(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<ImportQuery>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> Response {
    let body = match sheet_body(&s, &headers, body, lang).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    match s
        .services
        .import_members(&caller, &body, q.commit.unwrap_or(false))
        .await
    {
        Ok(r) => Json(members_dto(&r, lang)).into_response(),
        Err(e) => api(lang)(e).into_response(),
    }
}

/// The serving members below a place as a members sheet (CSV), the shape the import reads: names
/// in clear, so an explicit act (POST with the anti-forgery token, a reason, counted against the
/// day's limit, never under emergency access or through an API token), audited, and marked in
/// the file's last row.
#[utoipa::path(post, path = "/api/v1/places/{code}/members/export", tag = "network",
    params(("code" = String, Path)), request_body = ExportDto,
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn export_members(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<ExportDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let Json(b) = body.map_err(|_| super::invalid_body(lang))?;
    let csv = s
        .services
        .export_members(&caller, &code, &b.reason)
        .await
        .map_err(api(lang))?;
    Ok(super::download(csv, CSV, &format!("members-{code}.csv")))
}

pub fn report_dto(r: &ImportReport, lang: jinguo_domain::Lang) -> ImportReportDto {
    ImportReportDto {
        encoding: r.encoding.map(str::to_string),
        rows: r.rows,
        households: r.households,
        new_households: r.new_households,
        new_persons: r.new_persons,
        unchanged_persons: r.unchanged_persons,
        issue_count: r.issue_count,
        issues: issue_dtos(&r.issues, lang),
        committed: r.committed,
    }
}

/// Checks a household sheet (one row per person: CSV in UTF-8 or GB18030, or XLSX, sent as the
/// request body) and, with `commit=true` and no problem found, imports it. Every problem is listed
/// with its row, column and reason; importing the same file again changes nothing.
#[utoipa::path(post, path = "/api/v1/imports/households", tag = "households", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv"),
    responses((status = 200, body = ImportReportDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json")))]
async fn import_households(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<ImportQuery>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> Response {
    let source = match sheet_body(&s, &headers, body, lang).await {
        Ok(b) => SheetSource::from_bytes(b),
        Err(refused) => return refused,
    };
    match s
        .services
        .import_households(&caller, &source, q.commit.unwrap_or(false))
        .await
    {
        Ok(r) => Json(report_dto(&r, lang)).into_response(),
        Err(e) => api(lang)(e).into_response(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportDto {
    /// Why the records are taken out in clear (at least 4 characters); audited and written into
    /// the file.
    pub reason: String,
}

/// The households below a place as a household sheet (CSV, UTF-8), in clear so that it can be
/// imported again: an explicit act (POST with the anti-forgery token, a reason, counted against
/// the day's limit, never under emergency access or through an API token), audited with the
/// number of rows, and marked in the file's last row (who, when, why).
#[utoipa::path(post, path = "/api/v1/places/{code}/households/export", tag = "households",
    params(("code" = String, Path)), request_body = ExportDto,
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn export_households(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<ExportDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let Json(b) = body.map_err(|_| super::invalid_body(lang))?;
    let csv = s
        .services
        .export_households(&caller, &code, &b.reason)
        .await
        .map_err(api(lang))?;
    Ok(super::download(csv, CSV, &format!("households-{code}.csv")))
}
