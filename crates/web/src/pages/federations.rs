//! The page of a place's federation: its members with post, term and contact (masked), and the
//! forms to record the federation and to add a member.

use super::{Choice, Crumb, Ctx, FieldError, crumbs, error_page, page};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::account::Role;
use jinguo_domain::member::{MemberInput, MemberRole};
use jinguo_services::{Caller, Services};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "federation.html")]
struct FederationPage {
    c: Ctx,
    title: String,
    code: String,
    crumbs: Vec<Crumb>,
    name: Option<String>,
    established_on: String,
    members: Vec<MemberLine>,
    may_edit: bool,
    may_found: bool,
    roles: Vec<Choice>,
    form: MemberForm,
    errors: Vec<FieldError>,
    saved: bool,
}

/// A member of the federation.
struct MemberLine {
    name: String,
    post: &'static str,
    phone: String,
    term: String,
    serving: bool,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct MemberForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    started_on: String,
    #[serde(default)]
    term_ends_on: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(MemberForm);

#[derive(Debug, Default, Deserialize)]
pub(super) struct FoundForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    established_on: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(FoundForm);

#[derive(Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
}

async fn render(
    s: &Services,
    c: Ctx,
    caller: &Caller,
    code: &str,
    form: MemberForm,
    errors: Vec<FieldError>,
    saved: bool,
) -> Response {
    let v = match s.federation_view(caller, code).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let lang = c.lang;
    let level = v.place.level();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let p = FederationPage {
        title: v.place.name.clone(),
        code: v.place.code.clone(),
        crumbs: crumbs(&v.lineage, caller),
        name: v.federation.as_ref().map(|f| f.name.clone()),
        established_on: v
            .federation
            .as_ref()
            .and_then(|f| f.established_on)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        members: v
            .members
            .iter()
            .map(|m| {
                let term = match (m.ended_on, m.term_ends_on) {
                    (Some(e), _) => format!("{} – {e}", m.started_on),
                    (None, Some(t)) => format!("{} – ({t})", m.started_on),
                    (None, None) => format!("{} –", m.started_on),
                };
                MemberLine {
                    name: m.name.clone(),
                    post: m.role.label(lang),
                    phone: m.phone.clone().unwrap_or_default(),
                    term,
                    serving: m.ended_on.is_none(),
                }
            })
            .collect(),
        may_edit: caller.has_role(Role::Staff)
            && caller.household_write_scope().covers_all(&v.place.path),
        may_found: v.federation.is_none()
            && (jinguo_domain::place::PlaceLevel::County
                ..=jinguo_domain::place::PlaceLevel::Village)
                .contains(&level),
        roles: MemberRole::ALL
            .iter()
            .filter(|r| r.serves_at(level))
            .map(|r| Choice::new(r.key(), r.label(lang)))
            .collect(),
        form,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn federation_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render(
        &s.services,
        c,
        &caller,
        &code,
        MemberForm::default(),
        Vec::new(),
        q.saved.is_some(),
    )
    .await
}

pub(super) async fn add_member(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<MemberForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let input = MemberInput {
        name: f.name.clone(),
        role: f.role.clone(),
        phone: f.phone.clone(),
        started_on: f.started_on.clone(),
        term_ends_on: f.term_ends_on.clone(),
    };
    match s.services.add_member(&caller, &code, &input).await {
        Ok(_) => saved(&code),
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => render(&s.services, c, &caller, &code, f, errors, false).await,
            None => error_page(&e, c),
        },
    }
}

pub(super) async fn found(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<FoundForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    match s
        .services
        .create_federation(&caller, &code, &f.name, &f.established_on)
        .await
    {
        Ok(_) => saved(&code),
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => {
                render(
                    &s.services,
                    c,
                    &caller,
                    &code,
                    MemberForm::default(),
                    errors,
                    false,
                )
                .await
            }
            None => error_page(&e, c),
        },
    }
}

fn saved(code: &str) -> Response {
    let code = jinguo_domain::place::PlaceCode::parse(code)
        .map(|p| p.to_string())
        .unwrap_or_default();
    Redirect::to(&format!("/places/{code}/federation?saved=1")).into_response()
}
