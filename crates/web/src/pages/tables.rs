//! Statistical tables for the level above (统计报表): the county's page (its tables, their counts
//! of a period as they will be sent, the sign-off and the sending, the workbook) and the page of
//! a city's or province's federation (the tables its counties sent and their sum).

use super::{Ctx, FieldError, FreeForm, error_page, field, page, refusal};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::Lang;
use jinguo_domain::period::{Period, PeriodInput};
use jinguo_domain::report::{Figure, TableInput};
use jinguo_services::Caller;
use jinguo_services::tables::ms_local;

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct PeriodAsked {
    period: Option<String>,
    saved: Option<String>,
}

/// The period asked for; the last complete year without one. A refused period names `period`
/// among `errors` and the last complete year is shown.
fn period_of(asked: Option<&str>, lang: Lang, errors: &mut Vec<FieldError>) -> Option<Period> {
    let last = chrono::Datelike::year(&jinguo_services::clock::today()) - 1;
    let input = match asked.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => PeriodInput {
            period: Some(p.to_string()),
            ..Default::default()
        },
        None => PeriodInput {
            year: Some(last),
            ..Default::default()
        },
    };
    match Period::parse(&input, jinguo_services::clock::today()) {
        Ok(p) => Some(p),
        Err(e) => {
            if let Some(found) =
                super::screening::field_errors(&jinguo_services::ServiceError::from(e), lang)
            {
                errors.extend(found);
            }
            Period::year(last).ok()
        }
    }
}

/// A table as the page shows it.
struct Shown {
    name: String,
    heads: Vec<&'static str>,
    rows: Vec<(String, Vec<String>)>,
    total: Vec<String>,
}

struct Def {
    id: String,
    name: String,
    columns: String,
    version: i64,
    changed: String,
}

#[derive(Template)]
#[template(path = "tables.html")]
struct TablesPage {
    c: Ctx,
    title: String,
    code: String,
    place: String,
    period: String,
    period_label: String,
    shown: Vec<Shown>,
    defs: Vec<Def>,
    figures: Vec<(&'static str, &'static str)>,
    signed: Option<(String, String)>,
    sent: Option<String>,
    stale: bool,
    threshold: i64,
    small: i64,
    f: std::collections::HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
}

impl TablesPage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    code: &str,
    asked: Option<&str>,
    f: std::collections::HashMap<String, String>,
    mut errors: Vec<FieldError>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let lang = c.lang;
    let Some(period) = period_of(asked, lang, &mut errors) else {
        return error_page(&jinguo_services::ServiceError::NotFound, c);
    };
    let v = match s.services.county_tables(caller, code, period).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let t = v.threshold;
    let shown = v
        .counted
        .iter()
        .map(|x| {
            let sup = x.shown(t);
            Shown {
                name: x.name.clone(),
                heads: x.figures().iter().map(|f| f.label(lang)).collect(),
                rows: x
                    .rows
                    .iter()
                    .zip(&sup.cells)
                    .map(|(r, cells)| (r.name.clone(), cells.iter().map(|n| n.text(t)).collect()))
                    .collect(),
                total: sup.column_totals.iter().map(|n| n.text(t)).collect(),
            }
        })
        .collect();
    let so = v.sign_off.as_ref();
    let p = TablesPage {
        title: format!("{} · {}", v.place.name, c.tr("tables.title")),
        code: v.place.code.clone(),
        place: v.place.name.clone(),
        period: v.period.key(),
        period_label: v.period.label(lang),
        shown,
        defs: v
            .tables
            .iter()
            .map(|d| Def {
                id: d.id.to_string(),
                name: d.name.clone(),
                columns: jinguo_domain::report::columns_key(&d.columns),
                version: d.version,
                changed: format!("{} {}", d.changed_by, ms_local(d.changed_ms)),
            })
            .collect(),
        figures: Figure::ALL
            .iter()
            .map(|f| (f.key(), f.label(lang)))
            .collect(),
        signed: so.map(|x| (x.signed_by.clone(), ms_local(x.signed_ms))),
        sent: so.and_then(|x| x.sent_ms).map(ms_local),
        stale: so.is_none_or(|x| x.stale),
        threshold: t,
        small: t - 1,
        f,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn tables_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(q): Query<PeriodAsked>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render(
        &s,
        c,
        &caller,
        &code,
        q.period.as_deref(),
        Default::default(),
        Vec::new(),
        StatusCode::OK,
        q.saved.is_some(),
    )
    .await
}

/// A new table, or a table changed (its `id` and `version` in the form).
pub(super) async fn save(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = form.fields;
    let id = match field(&f, "id").trim() {
        "" => None,
        v => match uuid::Uuid::parse_str(v) {
            Ok(id) => Some((id, field(&f, "version").trim().parse().unwrap_or(0))),
            Err(_) => return error_page(&jinguo_services::ServiceError::NotFound, c),
        },
    };
    let input = TableInput {
        name: field(&f, "name"),
        columns: field(&f, "columns"),
    };
    let period = field(&f, "period");
    let done = s
        .services
        .save_stat_table(&caller, &code, id, &input)
        .await
        .map(|_| ());
    answer(&s, c, &caller, &code, &period, f, done).await
}

/// After a write: back to the page of the period, or the page again with the refusal.
async fn answer(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    code: &str,
    period: &str,
    f: std::collections::HashMap<String, String>,
    done: Result<(), jinguo_services::ServiceError>,
) -> Response {
    match done {
        Ok(()) => Redirect::to(&format!(
            "/places/{code}/tables?period={}&saved=1",
            urlencode(period)
        ))
        .into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => {
                render(s, c, caller, code, Some(period), f, errors, status, false).await
            }
            None => error_page(&e, c),
        },
    }
}

fn urlencode(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | 'Q'))
        .collect()
}

/// The sign-off of a period's tables, or their sending (`send`).
async fn step(
    s: AppState,
    lang: Lang,
    uri: axum::http::Uri,
    code: String,
    caller: Caller,
    f: std::collections::HashMap<String, String>,
    send: bool,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let asked = field(&f, "period");
    let mut errors = Vec::new();
    let Some(period) = period_of(Some(&asked), lang, &mut errors) else {
        return error_page(&jinguo_services::ServiceError::NotFound, c);
    };
    if !errors.is_empty() {
        return render(
            &s,
            c,
            &caller,
            &code,
            Some(&asked),
            f,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
        )
        .await;
    }
    let done = if send {
        s.services.send_stat_tables(&caller, &code, period).await
    } else {
        s.services.sign_stat_tables(&caller, &code, period).await
    };
    answer(&s, c, &caller, &code, &period.key(), f, done).await
}

pub(super) async fn sign(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    step(s, lang, uri, code, caller, form.fields, false).await
}

pub(super) async fn send(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    step(s, lang, uri, code, caller, form.fields, true).await
}

struct ReceivedShown {
    name: String,
    heads: Vec<&'static str>,
    rows: Vec<(String, String, Vec<String>)>,
    sum: Vec<String>,
}

#[derive(Template)]
#[template(path = "tables_received.html")]
struct ReceivedPage {
    c: Ctx,
    title: String,
    code: String,
    place: String,
    period: String,
    period_label: String,
    tables: Vec<ReceivedShown>,
    threshold: i64,
    small: i64,
    errors: Vec<FieldError>,
}

/// What the counties below a city or province sent for a period, with their sum.
pub(super) async fn received_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(q): Query<PeriodAsked>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let mut errors = Vec::new();
    let Some(period) = period_of(q.period.as_deref(), lang, &mut errors) else {
        return error_page(&jinguo_services::ServiceError::NotFound, c);
    };
    let r = match s.services.received_tables(&caller, &code, period).await {
        Ok(r) => r,
        Err(e) => return error_page(&e, c),
    };
    let t = r.threshold;
    let p = ReceivedPage {
        title: format!("{} · {}", r.place.name, c.tr("tables.received")),
        code: r.place.code.clone(),
        place: r.place.name.clone(),
        period: r.period.key(),
        period_label: r.period.label(lang),
        tables: r
            .tables
            .iter()
            .map(|x| ReceivedShown {
                name: x.name.clone(),
                heads: x.columns.iter().map(|f| f.label(lang)).collect(),
                rows: x
                    .counties
                    .iter()
                    .zip(&x.shown.cells)
                    .map(|(k, cells)| {
                        (
                            k.name.clone(),
                            format!("{} {}", k.signed_by, ms_local(k.signed_ms)),
                            cells.iter().map(|n| n.text(t)).collect(),
                        )
                    })
                    .collect(),
                sum: x.shown.column_totals.iter().map(|n| n.text(t)).collect(),
            })
            .collect(),
        threshold: t,
        small: t - 1,
        errors,
        c,
    };
    page(p.render(), StatusCode::OK)
}
