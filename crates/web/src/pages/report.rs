//! The annual report of a place (年度工作报告): the page, and the same as a Word document.

use super::{Ctx, error_page, page};
use crate::AppState;
use crate::auth::PageCaller;
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jinguo_services::annual::{AnnualReport, ReportLine, UNIT_FIGURES};

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct YearQuery {
    /// The year of the report; the last complete one without.
    year: Option<String>,
}

impl YearQuery {
    /// The year asked for; a year that is not a number is refused naming `year`.
    pub(super) fn year(&self) -> Result<i32, jinguo_services::ServiceError> {
        match self
            .year
            .as_deref()
            .map(str::trim)
            .filter(|y| !y.is_empty())
        {
            None => Ok(chrono::Datelike::year(&jinguo_services::clock::today()) - 1),
            Some(y) => y.parse().map_err(|_| {
                jinguo_services::ServiceError::from(jinguo_domain::ValidationErrors::from(
                    jinguo_domain::FieldError::new("year", "invalid"),
                ))
            }),
        }
    }
}

struct UnitRow {
    name: String,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    c: Ctx,
    title: String,
    title_en: String,
    code: String,
    year: i32,
    previous: i32,
    from: String,
    to: String,
    lines: Vec<ReportLine>,
    departments: (i64, i64),
    heads: Vec<&'static str>,
    units: Vec<UnitRow>,
    totals: Vec<String>,
    months: Vec<(String, i64, String)>,
    month_chart: String,
    unit_chart: String,
    threshold: i64,
    small: i64,
}

pub(super) async fn report_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let r = match q.year() {
        Ok(year) => s.services.annual_report(&caller, &code, year).await,
        Err(e) => Err(e),
    };
    let r: AnnualReport = match r {
        Ok(r) => r,
        Err(e) => return error_page(&e, c),
    };
    let t = r.threshold;
    let (month_chart, unit_chart) = r.charts(lang);
    let p = ReportPage {
        title: r.title(lang),
        title_en: r.title(jinguo_domain::Lang::En),
        code: r.place.code.clone(),
        year: r.year,
        previous: r.year - 1,
        from: r.period.from.to_string(),
        to: r.period.to.to_string(),
        lines: r.lines(),
        departments: r.departments,
        heads: UNIT_FIGURES.iter().map(|f| f.label(lang)).collect(),
        units: r
            .units
            .iter()
            .zip(&r.units_shown.cells)
            .map(|(u, cells)| UnitRow {
                name: u.name.clone(),
                cells: cells.iter().map(|x| x.text(t)).collect(),
            })
            .collect(),
        totals: r
            .units_shown
            .column_totals
            .iter()
            .map(|x| x.text(t))
            .collect(),
        months: r
            .months
            .iter()
            .map(|m| {
                (
                    m.month.clone(),
                    m.visits,
                    jinguo_domain::suppress::Shown::one(m.disputes, t).text(t),
                )
            })
            .collect(),
        month_chart,
        unit_chart,
        threshold: t,
        small: t - 1,
        c,
    };
    page(p.render(), StatusCode::OK)
}

/// The report as a Word document.
pub(super) async fn report_docx(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let r = match q.year() {
        Ok(year) => s.services.annual_report(&caller, &code, year).await,
        Err(e) => Err(e),
    };
    match r.and_then(|r| Ok((r.year, r.docx()?))) {
        Ok((year, bytes)) => {
            super::mediation::docx_response(&format!("年度工作报告-{code}-{year}.docx"), bytes)
        }
        Err(e) => error_page(&e, c),
    }
}

/// The report as PDF, with its charts.
pub(super) async fn report_pdf(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let r = match q.year() {
        Ok(year) => s.services.annual_report_pdf(&caller, &code, year).await,
        Err(e) => Err(e),
    };
    match r {
        Ok((r, bytes)) => super::mediation::pdf_response(
            &format!("年度工作报告-{}-{}.pdf", r.place.code, r.year),
            bytes,
        ),
        Err(e) => error_page(&e, c),
    }
}
