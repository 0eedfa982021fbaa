//! Statistical tables for the level above: a county's tables (name and columns), their counts
//! of a period as sent (suppressed), the sign-off and the sending, the workbook, and what a
//! city's or province's federation received from its counties with their sum.

use super::{ApiResult, CreatedDto, PeriodQuery, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jinguo_domain::report::TableInput;
use jinguo_services::tables::{StatTable, ms_local};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(change, remove))
        .routes(routes!(county_return))
        .routes(routes!(sign))
        .routes(routes!(send))
        .routes(routes!(workbook))
        .routes(routes!(received))
        .routes(routes!(public_figures))
}

/// A table: its columns are figure keys (those of `/api/v1/places/{code}/figures`); its rows
/// the places one level below the county.
#[derive(Debug, Serialize, ToSchema)]
pub struct TableDto {
    pub id: uuid::Uuid,
    pub name: String,
    pub columns: Vec<String>,
    pub version: i64,
    pub changed_by: String,
    pub changed_at: String,
}

fn dto(t: &StatTable) -> TableDto {
    TableDto {
        id: t.id,
        name: t.name.clone(),
        columns: t.columns.iter().map(|f| f.key().to_string()).collect(),
        version: t.version,
        changed_by: t.changed_by.clone(),
        changed_at: ms_local(t.changed_ms),
    }
}

/// A table as sent: its name and columns (figure keys, comma separated).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TableBody {
    pub name: String,
    /// Figure keys, comma separated: `screened,disputes,agreed`.
    pub columns: String,
    /// The version read, when changing a table.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// A county's tables (its own staff).
#[utoipa::path(get, path = "/api/v1/places/{code}/tables", tag = "reports",
    params(("code" = String, Path)),
    responses((status = 200, body = Vec<TableDto>),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<TableDto>>> {
    let t = s
        .services
        .stat_tables(&caller, &code)
        .await
        .map_err(api(lang))?;
    Ok(Json(t.iter().map(dto).collect()))
}

/// A new table of a county; an unknown figure is refused naming `columns`.
#[utoipa::path(post, path = "/api/v1/places/{code}/tables", tag = "reports",
    params(("code" = String, Path)), request_body = TableBody,
    responses((status = 201, body = CreatedDto),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<TableBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = TableInput {
        name: b.name,
        columns: b.columns,
    };
    let id = s
        .services
        .save_stat_table(&caller, &code, None, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// A table changed (at `expected_version`): the period's sign-off must then be given again.
#[utoipa::path(put, path = "/api/v1/places/{code}/tables/{id}", tag = "reports",
    params(("code" = String, Path), ("id" = uuid::Uuid, Path)), request_body = TableBody,
    responses((status = 204), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn change(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((code, id)): Path<(String, String)>,
    body: Result<Json<TableBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = TableInput {
        name: b.name,
        columns: b.columns,
    };
    s.services
        .save_stat_table(
            &caller,
            &code,
            Some((id, b.expected_version.unwrap_or(1))),
            &input,
        )
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A table removed from the set.
#[utoipa::path(delete, path = "/api/v1/places/{code}/tables/{id}", tag = "reports",
    params(("code" = String, Path), ("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn remove(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    s.services
        .delete_stat_table(&caller, &code, id)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A table as it leaves the county: a row per place below, and the total, as shown ("<5",
/// "×" hidden).
#[derive(Debug, Serialize, ToSchema)]
pub struct ShownTableDto {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<ShownRowDto>,
    pub total: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShownRowDto {
    pub code: String,
    pub name: String,
    pub cells: Vec<String>,
}

/// A county's tables of a period: as signed off when they are, else as counted now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountyReturnDto {
    pub code: String,
    pub period: String,
    pub tables: Vec<ShownTableDto>,
    pub signed_by: Option<String>,
    pub signed_at: Option<String>,
    pub sent_at: Option<String>,
    /// A table changed since the sign-off: it must be given again before sending.
    pub needs_sign_off: bool,
}

/// A county's tables of a period, suppressed as they are sent.
#[utoipa::path(get, path = "/api/v1/places/{code}/tables/return", tag = "reports",
    params(("code" = String, Path), PeriodQuery),
    responses((status = 200, body = CountyReturnDto),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn county_return(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<CountyReturnDto>> {
    let period = q.period().map_err(api(lang))?;
    let v = s
        .services
        .county_tables(&caller, &code, period)
        .await
        .map_err(api(lang))?;
    let t = v.threshold;
    let tables = v
        .counted
        .iter()
        .map(|c| {
            let shown = c.shown(t);
            ShownTableDto {
                name: c.name.clone(),
                columns: c.columns.clone(),
                rows: c
                    .rows
                    .iter()
                    .zip(&shown.cells)
                    .map(|(r, cells)| ShownRowDto {
                        code: r.code.clone(),
                        name: r.name.clone(),
                        cells: cells.iter().map(|x| x.text(t)).collect(),
                    })
                    .collect(),
                total: shown.column_totals.iter().map(|x| x.text(t)).collect(),
            }
        })
        .collect();
    let so = v.sign_off.as_ref();
    Ok(Json(CountyReturnDto {
        code: v.place.code.clone(),
        period: v.period.key(),
        tables,
        signed_by: so.map(|x| x.signed_by.clone()),
        signed_at: so.map(|x| ms_local(x.signed_ms)),
        sent_at: so.and_then(|x| x.sent_ms).map(ms_local),
        needs_sign_off: so.is_none_or(|x| x.stale),
    }))
}

/// Signs off a period's tables as counted now, in the caller's name.
#[utoipa::path(post, path = "/api/v1/places/{code}/tables/return/sign", tag = "reports",
    params(("code" = String, Path), PeriodQuery),
    responses((status = 204), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn sign(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<StatusCode> {
    step(&s, lang, &caller, &code, &q, false).await
}

/// Sends a period's signed tables to the federation above; not signed off, or changed since,
/// is refused naming `tables`.
#[utoipa::path(post, path = "/api/v1/places/{code}/tables/return/send", tag = "reports",
    params(("code" = String, Path), PeriodQuery),
    responses((status = 204), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn send(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<StatusCode> {
    step(&s, lang, &caller, &code, &q, true).await
}

/// The sign-off of a period's tables, or their sending.
async fn step(
    s: &AppState,
    lang: jinguo_domain::Lang,
    caller: &jinguo_services::Caller,
    code: &str,
    q: &PeriodQuery,
    send: bool,
) -> ApiResult<StatusCode> {
    let period = q.period().map_err(api(lang))?;
    let done = if send {
        s.services.send_stat_tables(caller, code, period).await
    } else {
        s.services.sign_stat_tables(caller, code, period).await
    };
    done.map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A county's tables of a period as a workbook (XLSX), suppressed as sent.
#[utoipa::path(get, path = "/api/v1/places/{code}/tables/return/export", tag = "reports",
    params(("code" = String, Path), PeriodQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn workbook(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Response> {
    let period = q.period().map_err(api(lang))?;
    let bytes = s
        .services
        .tables_workbook(&caller, &code, period, lang)
        .await
        .map_err(api(lang))?;
    Ok(super::reports::place_workbook(
        bytes,
        &format!("tables-{}", period.key().replace("..", "_")),
        &code,
    ))
}

/// One table the counties sent: a row per county and the sum, as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedTableDto {
    pub name: String,
    pub columns: Vec<String>,
    pub counties: Vec<ReceivedCountyDto>,
    pub sum: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedCountyDto {
    pub code: String,
    pub name: String,
    pub signed_by: String,
    pub signed_at: String,
    pub sent_at: String,
    pub cells: Vec<String>,
}

/// What the counties below a city's or province's federation sent for a period, with their sum.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedDto {
    pub code: String,
    pub period: String,
    pub tables: Vec<ReceivedTableDto>,
}

/// The tables the counties below a city or province sent for a period, and their sum
/// (suppressed); for the staff of that federation. The read is audited.
#[utoipa::path(get, path = "/api/v1/places/{code}/tables/received", tag = "reports",
    params(("code" = String, Path), PeriodQuery),
    responses((status = 200, body = ReceivedDto),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn received(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<ReceivedDto>> {
    let period = q.period().map_err(api(lang))?;
    let r = s
        .services
        .received_tables(&caller, &code, period)
        .await
        .map_err(api(lang))?;
    let t = r.threshold;
    Ok(Json(ReceivedDto {
        code: r.place.code.clone(),
        period: r.period.key(),
        tables: r
            .tables
            .iter()
            .map(|x| ReceivedTableDto {
                name: x.name.clone(),
                columns: x.columns.iter().map(|f| f.key().to_string()).collect(),
                counties: x
                    .counties
                    .iter()
                    .zip(&x.shown.cells)
                    .map(|(c, cells)| ReceivedCountyDto {
                        code: c.code.clone(),
                        name: c.name.clone(),
                        signed_by: c.signed_by.clone(),
                        signed_at: ms_local(c.signed_ms),
                        sent_at: ms_local(c.sent_ms),
                        cells: cells.iter().map(|v| v.text(t)).collect(),
                    })
                    .collect(),
                sum: x.shown.column_totals.iter().map(|v| v.text(t)).collect(),
            })
            .collect(),
    }))
}

/// A published figure: this year's and the year before's, as shown ("<5" for a small count).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicLineDto {
    pub figure: String,
    pub label: String,
    pub this_year: String,
    pub previous_year: String,
}

/// A county's published figures of a complete year.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicFiguresDto {
    pub code: String,
    pub name: String,
    pub year: i32,
    pub lines: Vec<PublicLineDto>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicYear {
    /// A complete year; the last one without.
    pub year: Option<i32>,
}

/// A county's figures of a complete year for anyone (no account): every count of people, or of
/// something that could point at a victim, shown "<5" when small. A year not over yet is
/// refused naming `year`. One client address may ask `public_figures_burst` times at once and
/// `public_figures_per_minute` a minute; past that 429 with `Retry-After` (seconds).
#[utoipa::path(get, path = "/api/v1/public/figures/{code}", tag = "reports",
    params(("code" = String, Path), PublicYear),
    responses((status = 200, body = PublicFiguresDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until the client may ask again")))))]
async fn public_figures(
    _: crate::throttle::PublicQuota,
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    Path(code): Path<String>,
    Query(q): Query<PublicYear>,
) -> ApiResult<Json<PublicFiguresDto>> {
    let f = s
        .services
        .public_figures(&code, q.year)
        .await
        .map_err(api(lang))?;
    let t = f.threshold;
    Ok(Json(PublicFiguresDto {
        code: f.place.code.clone(),
        name: f.place.name.clone(),
        year: f.year,
        lines: f
            .lines
            .iter()
            .map(|(k, this, prev)| PublicLineDto {
                figure: k.key().to_string(),
                label: k.label(lang).to_string(),
                this_year: this.text(t),
                previous_year: prev.text(t),
            })
            .collect(),
    }))
}
