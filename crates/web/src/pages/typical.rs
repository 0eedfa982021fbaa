//! Typical cases: the staff library (`/typical-cases`, searched by kind and year, with the form
//! to propose one), a case with its review, publication and withdrawal forms
//! (`/typical-cases/{id}`), and the public page of those published for everyone (`/typical`,
//! no login).

use super::{Choice, Ctx, FieldError, FreeForm, error_page, field, page, refusal};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::typical::{ProposalInput, ReviewInput, TypicalKind, TypicalSource};
use jinguo_services::typical::{TypicalQuery, TypicalView};
use jinguo_services::{Caller, ServiceError, clock};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

struct Line {
    id: Uuid,
    year: i64,
    kind: &'static str,
    title: String,
    status: &'static str,
    status_key: &'static str,
    public: bool,
}

fn line(v: &TypicalView, c: &Ctx) -> Line {
    Line {
        id: v.id,
        year: v.year,
        kind: v.kind.label(c.lang),
        title: v.title.clone(),
        status: v.status.label(c.lang),
        status_key: v.status.key(),
        public: v.is_public,
    }
}

#[derive(Template)]
#[template(path = "typical.html")]
struct LibraryPage {
    c: Ctx,
    title: String,
    lines: Vec<Line>,
    kinds: Vec<Choice>,
    sources: Vec<Choice>,
    places: Vec<Choice<String, String>>,
    kind: String,
    year: String,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
}

impl LibraryPage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SearchQuery {
    kind: Option<String>,
    year: Option<String>,
    saved: Option<String>,
}

fn kinds(c: &Ctx) -> Vec<Choice> {
    TypicalKind::ALL
        .iter()
        .map(|k| Choice::new(k.key(), k.label(c.lang)))
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn render_library(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    q: &SearchQuery,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let query = TypicalQuery {
        kind: q.kind.clone(),
        year: q.year.clone(),
    };
    let list = match s.services.typical_library(caller, &query).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let places = super::staff_place_choices(s, caller).await;
    let p = LibraryPage {
        title: c.tr("typical.title").to_string(),
        lines: list.iter().map(|v| line(v, &c)).collect(),
        kinds: kinds(&c),
        sources: TypicalSource::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(c.lang)))
            .collect(),
        places,
        kind: q.kind.clone().unwrap_or_default(),
        year: q.year.clone().unwrap_or_default(),
        f,
        errors,
        saved: q.saved.is_some(),
        c,
    };
    page(p.render(), status)
}

pub(super) async fn library_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<SearchQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let mut f = HashMap::new();
    f.insert(
        "year".to_string(),
        chrono::Datelike::year(&clock::today()).to_string(),
    );
    render_library(&s, c, &caller, &q, f, Vec::new(), StatusCode::OK).await
}

pub(super) async fn propose(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = form.fields;
    let source_id = match field(&f, "source_id").trim() {
        "" => None,
        v => match Uuid::parse_str(v) {
            Ok(id) => Some(id),
            Err(_) => {
                let e = jinguo_domain::FieldError::new("source_id", "invalid");
                let errors = vec![FieldError::new("source_id", e.message(lang))];
                let q = SearchQuery::default();
                return render_library(
                    &s,
                    c,
                    &caller,
                    &q,
                    f,
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    };
    let input = ProposalInput {
        kind: field(&f, "kind"),
        year: field(&f, "year"),
        title: field(&f, "title"),
        source: field(&f, "source"),
        source_id,
        text: field(&f, "case_text"),
    };
    match s
        .services
        .propose_typical(&caller, &field(&f, "place"), &input)
        .await
    {
        Ok(id) => Redirect::to(&format!("/typical-cases/{id}?saved=1")).into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => {
                let q = SearchQuery::default();
                render_library(&s, c, &caller, &q, f, errors, status).await
            }
            None => error_page(&e, c),
        },
    }
}

#[derive(Template)]
#[template(path = "typical_case.html")]
struct CasePage {
    c: Ctx,
    title: String,
    v: TypicalView,
    kind: &'static str,
    source: &'static str,
    status: &'static str,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
}

impl CasePage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_case(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    f: Option<HashMap<String, String>>,
    errors: Vec<FieldError>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let v = match s.services.typical_case(caller, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let f = f.unwrap_or_else(|| {
        HashMap::from([
            ("title".to_string(), v.title.clone()),
            ("case_text".to_string(), v.text.clone()),
        ])
    });
    let p = CasePage {
        title: v.title.clone(),
        kind: v.kind.label(c.lang),
        source: v.source.label(c.lang),
        status: v.status.label(c.lang),
        v,
        f,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn case_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    render_case(
        &s,
        c,
        &caller,
        id,
        None,
        Vec::new(),
        StatusCode::OK,
        q.saved.is_some(),
    )
    .await
}

/// A step on a case: `review`, `publish` or `withdraw` (the last two confirmed first).
pub(super) async fn case_step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let f = form.fields;
    let version: i64 = field(&f, "expected_version").parse().unwrap_or(0);
    let on = |name: &str| matches!(field(&f, name).as_str(), "1" | "on" | "true");
    let r = match field(&f, "step").as_str() {
        "review" => {
            let input = ReviewInput {
                title: field(&f, "title"),
                text: field(&f, "case_text"),
                recognisable: on("recognisable"),
            };
            s.services
                .review_typical(&caller, id, version, &input)
                .await
        }
        "publish" => {
            s.services
                .publish_typical(&caller, id, version, on("public"))
                .await
        }
        "withdraw" => s.services.withdraw_typical(&caller, id, version).await,
        _ => {
            let mut e = jinguo_domain::ValidationErrors::new();
            e.push("step", "invalid");
            Err(ServiceError::Invalid(e))
        }
    };
    match r {
        Ok(()) => Redirect::to(&format!("/typical-cases/{id}?saved=1")).into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => {
                render_case(&s, c, &caller, id, Some(f), errors, status, false).await
            }
            None => error_page(&e, c),
        },
    }
}

#[derive(Template)]
#[template(path = "typical_public.html")]
struct PublicPage {
    c: Ctx,
    title: String,
    lines: Vec<Line>,
    one: Option<TypicalView>,
    one_kind: &'static str,
    kinds: Vec<Choice>,
    kind: String,
    year: String,
}

/// The published typical cases marked public, or one of them. No login.
pub(super) async fn public_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<SearchQuery>,
) -> Response {
    let c = Ctx::new(lang, &uri);
    let query = TypicalQuery {
        kind: q.kind.clone(),
        year: q.year.clone(),
    };
    let list = match s.services.public_typical_cases(&query, false).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let p = PublicPage {
        title: c.tr("typical.public_title").to_string(),
        lines: list.iter().map(|v| line(v, &c)).collect(),
        one: None,
        one_kind: "",
        kinds: kinds(&c),
        kind: q.kind.clone().unwrap_or_default(),
        year: q.year.clone().unwrap_or_default(),
        c,
    };
    page(p.render(), StatusCode::OK)
}

/// One published typical case marked public. No login.
pub(super) async fn public_case_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
) -> Response {
    let c = Ctx::new(lang, &uri);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let v = match s.services.public_typical_case(id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let p = PublicPage {
        title: v.title.clone(),
        lines: Vec::new(),
        one_kind: v.kind.label(c.lang),
        one: Some(v),
        kinds: kinds(&c),
        kind: String::new(),
        year: String::new(),
        c,
    };
    page(p.render(), StatusCode::OK)
}
