//! A county's categories of public opinion (`/places/{code}/opinion-categories`): its
//! federation staff add one, rename one in Chinese and English, retire one (confirmed first);
//! a retired category stays listed, as it stays on the items, topics and figures that have it.

use super::{Ctx, FieldError, error_page, page};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_services::Caller;
use jinguo_services::opinion_categories::CategoryInput;
use std::collections::HashMap;

/// A category as listed.
struct CategoryLine {
    key: String,
    /// The name in the page's language.
    label: String,
    name_zh: String,
    name_en: String,
    retired: bool,
}

#[derive(Template)]
#[template(path = "opinion_categories.html")]
struct CategoriesPage {
    c: Ctx,
    title: String,
    code: String,
    lines: Vec<CategoryLine>,
    saved: bool,
    name_zh: String,
    name_en: String,
    errors: Vec<FieldError>,
}

async fn render(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    code: &str,
    form: &HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
) -> Response {
    let all = match s.services.opinion_categories(caller, code).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let place = match s.services.cached().place(code).await {
        Ok(Some(p)) => p.name,
        _ => code.to_string(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let p = CategoriesPage {
        title: format!("{place} · {}", c.tr("opinion.categories")),
        code: code.to_string(),
        lines: all
            .into_iter()
            .map(|k| CategoryLine {
                label: c.lang.pick(&k.name_zh, &k.name_en).to_string(),
                retired: k.retired_ms.is_some(),
                key: k.key,
                name_zh: k.name_zh,
                name_en: k.name_en,
            })
            .collect(),
        saved,
        name_zh: super::field(form, "name_zh"),
        name_en: super::field(form, "name_en"),
        errors,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn categories_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    axum::extract::Query(q): axum::extract::Query<super::opinion::SavedQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render(
        &s,
        c,
        &caller,
        &code,
        &HashMap::new(),
        Vec::new(),
        q.saved.is_some(),
    )
    .await
}

/// After a write: back to the list, or the list again with the refused fields.
async fn answer(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    code: &str,
    form: &HashMap<String, String>,
    out: Result<(), jinguo_services::ServiceError>,
) -> Response {
    match out {
        Ok(()) => {
            Redirect::to(&format!("/places/{code}/opinion-categories?saved=1")).into_response()
        }
        Err(e) => match super::screening::field_errors(&e, c.lang) {
            Some(errors) => render(s, c, caller, code, form, errors, false).await,
            None => error_page(&e, c),
        },
    }
}

fn input(form: &HashMap<String, String>) -> CategoryInput {
    CategoryInput {
        name_zh: super::field(form, "name_zh"),
        name_en: super::field(form, "name_en"),
    }
}

pub(super) async fn add_category(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<super::FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let out = s
        .services
        .add_opinion_category(&caller, &code, &input(&f.fields))
        .await
        .map(|_| ());
    answer(&s, c, &caller, &code, &f.fields, out).await
}

pub(super) async fn rename_category(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path((code, key)): Path<(String, String)>,
    CheckedForm(caller, f): CheckedForm<super::FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let out = s
        .services
        .rename_opinion_category(&caller, &code, &key, &input(&f.fields))
        .await;
    // The add form is not shown again with a rename's names.
    answer(&s, c, &caller, &code, &HashMap::new(), out).await
}

pub(super) async fn retire_category(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path((code, key)): Path<(String, String)>,
    CheckedForm(caller, _f): CheckedForm<super::FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let out = s
        .services
        .retire_opinion_category(&caller, &code, &key)
        .await;
    answer(&s, c, &caller, &code, &HashMap::new(), out).await
}
