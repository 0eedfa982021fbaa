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
        .routes(routes!(place_figures))
        .routes(routes!(annual_report))
}

/// A figure's value over a period.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FigureDto {
    /// The figure's key (`screened`, `disputes`, `cases` …).
    pub figure: String,
    pub label: String,
    pub value: i64,
}

/// Every mechanism's figures of a place over a period.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PlaceFiguresDto {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub figures: Vec<FigureDto>,
    /// Agreements over disputes concluded by mediation.
    pub success_rate: Option<f64>,
}

/// Every mechanism's figures of a place the caller manages, counted from the records over a
/// period: screening, disputes, care, the linkage, the hotline, public opinion, supervision.
#[utoipa::path(get, path = "/api/v1/places/{code}/figures", tag = "reports",
    params(("code" = String, Path), super::PeriodQuery),
    responses((status = 200, body = PlaceFiguresDto),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn place_figures(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<super::PeriodQuery>,
) -> ApiResult<axum::Json<PlaceFiguresDto>> {
    let period = q.period().map_err(api(lang))?;
    let f = s
        .services
        .place_figures(&caller, &code, period)
        .await
        .map_err(api(lang))?;
    Ok(axum::Json(PlaceFiguresDto {
        from: period.from,
        to: period.to,
        figures: f
            .values
            .iter()
            .map(|(k, v)| FigureDto {
                figure: k.key().to_string(),
                label: k.label(lang).to_string(),
                value: *v,
            })
            .collect(),
        success_rate: f.success_rate,
    }))
}

/// One line of the annual report: this year's figure and last year's, as published ("<5" for a
/// small count).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReportLineDto {
    pub figure: String,
    pub label_zh: String,
    pub label_en: String,
    pub this_year: String,
    pub previous_year: String,
}

/// A unit's line of the annual report, suppressed.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReportUnitDto {
    pub code: String,
    pub name: String,
    /// In the order of `unit_figures`.
    pub cells: Vec<String>,
}

/// The annual report of a place.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AnnualReportDto {
    pub code: String,
    pub name: String,
    pub year: i32,
    pub lines: Vec<ReportLineDto>,
    pub unit_figures: Vec<String>,
    pub units: Vec<ReportUnitDto>,
    pub unit_totals: Vec<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The year; the last complete one without.
    pub year: Option<i32>,
}

/// The annual report of a place the caller manages: each mechanism's figures of the year
/// beside the year before's, and by unit one level below (small counts suppressed).
#[utoipa::path(get, path = "/api/v1/places/{code}/report", tag = "reports",
    params(("code" = String, Path), ReportQuery),
    responses((status = 200, body = AnnualReportDto),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn annual_report(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<ReportQuery>,
) -> ApiResult<axum::Json<AnnualReportDto>> {
    let year = q
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&jinguo_services::clock::today()) - 1);
    let r = s
        .services
        .annual_report(&caller, &code, year)
        .await
        .map_err(api(lang))?;
    let t = r.threshold;
    Ok(axum::Json(AnnualReportDto {
        code: r.place.code.clone(),
        name: r.place.name.clone(),
        year: r.year,
        lines: r
            .lines()
            .into_iter()
            .map(|l| ReportLineDto {
                figure: l.key.to_string(),
                label_zh: l.zh.to_string(),
                label_en: l.en.to_string(),
                this_year: l.this,
                previous_year: l.previous,
            })
            .collect(),
        unit_figures: jinguo_services::annual::UNIT_FIGURES
            .iter()
            .map(|f| f.key().to_string())
            .collect(),
        units: r
            .units
            .iter()
            .zip(&r.units_shown.cells)
            .map(|(u, cells)| ReportUnitDto {
                code: u.code.clone(),
                name: u.name.clone(),
                cells: cells.iter().map(|x| x.text(t)).collect(),
            })
            .collect(),
        unit_totals: r
            .units_shown
            .column_totals
            .iter()
            .map(|x| x.text(t))
            .collect(),
    }))
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
    params(("id" = Uuid, Path), super::screening::PlaceQuery, super::PeriodQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn progress_workbook(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<super::screening::PlaceQuery>,
    Query(pq): Query<super::PeriodQuery>,
) -> ApiResult<Response> {
    let id: Uuid = parse_uuid(&id).map_err(api(lang))?;
    let period = pq.optional().map_err(api(lang))?;
    let bytes = s
        .services
        .progress_workbook(&caller, id, q.place.as_deref(), period, lang)
        .await
        .map_err(api(lang))?;
    Ok(super::download(
        bytes,
        XLSX,
        &format!("progress-{}.xlsx", id.simple()),
    ))
}
