//! The county's risk checklist (风险评估问题清单): its questions in both languages and their
//! weights, edited by staff over the whole county; a refused row is named by its fields.

use super::{Ctx, FieldError, FreeForm, error_page, field, page};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::assessment::{EditedQuestion, Question};
use jinguo_services::Caller;
use std::collections::HashMap;

/// Blank rows offered for new questions.
const NEW_ROWS: usize = 3;

/// A row of the form.
struct Row {
    i: usize,
    existing: bool,
    key: String,
    zh: String,
    en: String,
    weight: String,
    remove: bool,
}

#[derive(Template)]
#[template(path = "checklist.html")]
struct ChecklistPage {
    c: Ctx,
    title: String,
    code: String,
    rows: Vec<Row>,
    saved: bool,
    errors: Vec<FieldError>,
}

fn rows_of(list: &[Question]) -> Vec<Row> {
    let mut rows: Vec<Row> = list
        .iter()
        .enumerate()
        .map(|(i, q)| Row {
            i,
            existing: true,
            key: q.key.clone(),
            zh: q.zh.clone(),
            en: q.en.clone(),
            weight: q.weight.to_string(),
            remove: false,
        })
        .collect();
    for i in list.len()..list.len() + NEW_ROWS {
        rows.push(Row {
            i,
            existing: false,
            key: String::new(),
            zh: String::new(),
            en: String::new(),
            weight: "1".into(),
            remove: false,
        });
    }
    rows
}

/// The rows a form sent, in order.
fn rows_sent(form: &HashMap<String, String>) -> Vec<Row> {
    let mut n: Vec<usize> = form
        .keys()
        .filter_map(|k| k.strip_prefix("key.")?.parse().ok())
        .filter(|i| *i < 1000)
        .collect();
    n.sort_unstable();
    n.dedup();
    n.into_iter()
        .map(|i| Row {
            i,
            existing: form.contains_key(&format!("existing.{i}")),
            key: field(form, &format!("key.{i}")),
            zh: field(form, &format!("zh.{i}")),
            en: field(form, &format!("en.{i}")),
            weight: field(form, &format!("weight.{i}")),
            remove: form.contains_key(&format!("remove.{i}")),
        })
        .collect()
}

fn render(
    c: Ctx,
    code: &str,
    rows: Vec<Row>,
    saved: bool,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let p = ChecklistPage {
        title: c.tr("checklist.title").to_string(),
        code: code.to_string(),
        rows,
        saved,
        errors,
        c,
    };
    page(p.render(), status)
}

#[derive(serde::Deserialize)]
pub(super) struct Saved {
    #[serde(default)]
    saved: Option<String>,
}

pub(super) async fn checklist_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(q): Query<Saved>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    match checklist(&s, &caller, &code).await {
        Ok(list) => render(
            c,
            &code,
            rows_of(&list),
            q.saved.is_some(),
            Vec::new(),
            StatusCode::OK,
        ),
        Err(e) => error_page(&e, c),
    }
}

/// The checklist, for staff over the whole county only (the others read it on a case's page).
async fn checklist(
    s: &AppState,
    caller: &Caller,
    code: &str,
) -> Result<Vec<Question>, jinguo_services::ServiceError> {
    if code.len() != 6 {
        return Err(jinguo_services::ServiceError::Forbidden);
    }
    s.services.risk_checklist(caller, code).await
}

pub(super) async fn save_checklist(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let rows = rows_sent(&f.fields);
    let edited: Vec<EditedQuestion> = rows
        .iter()
        .map(|r| EditedQuestion {
            existing: r.existing,
            question: Question {
                key: r.key.clone(),
                zh: r.zh.clone(),
                en: r.en.clone(),
                // A weight that is not a number is refused as one out of range.
                weight: r.weight.trim().parse().unwrap_or(0),
            },
            remove: r.remove,
        })
        .collect();
    match s
        .services
        .edit_risk_checklist(&caller, &code, &edited)
        .await
    {
        Ok(_) => Redirect::to(&format!("/places/{code}/risk-questions?saved=1")).into_response(),
        Err(e) => match super::refusal(&e, &c, "error.conflict.detail") {
            Some((errors, status)) => render(c, &code, rows, false, errors, status),
            None => error_page(&e, c),
        },
    }
}
