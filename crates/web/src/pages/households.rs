//! A household's page with its persons, adding a person, recording a consent, revealing the
//! unmasked values, and finding a household by a resident's ID number.

use super::{Choice, Crumb, Ctx, FieldError, crumbs, error_page, page};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::i18n::t;
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::account::Role;
use jinguo_domain::person::{PersonInput, Relationship};
use jinguo_services::{Caller, ServiceError};
use serde::Deserialize;
use uuid::Uuid;

struct PersonRow {
    id: Uuid,
    name: String,
    relationship: &'static str,
    sex: &'static str,
    age: i32,
    id_number: String,
    phone: String,
}

#[derive(Default, Deserialize)]
pub(super) struct PersonForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    expected_version: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(PersonForm);

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    c: Ctx,
    title: String,
    id: Uuid,
    address: String,
    version: i64,
    crumbs: Vec<Crumb>,
    persons: Vec<PersonRow>,
    added: bool,
    consented: bool,
    revealed: bool,
    form: PersonForm,
    errors: Vec<FieldError>,
    relationships: Vec<Choice>,
    screening: super::screening::ScreeningBlock,
    /// Where federation staff register a dispute of this household (its group).
    dispute_place: Option<String>,
    /// Where its persons are proposed for a care registry (its group).
    care_place: String,
}

#[derive(Deserialize)]
pub(super) struct AddedQuery {
    added: Option<String>,
    consented: Option<String>,
    visited: Option<String>,
}

pub(super) async fn household(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<AddedQuery>,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let req = HouseholdRequest {
        caller: &caller,
        id: &id,
        reveal: None,
        consented: q.consented.is_some(),
        visited: q.visited.is_some(),
        retry: None,
    };
    render_household(
        &s,
        c,
        req,
        q.added.is_some(),
        PersonForm::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

struct HouseholdRequest<'a> {
    caller: &'a Caller,
    id: &'a str,
    reveal: Option<&'a str>,
    /// A consent was just recorded.
    consented: bool,
    /// A visit was just recorded.
    visited: bool,
    /// A visit form refused: what was entered, and why.
    retry: Option<(&'a super::screening::VisitForm, Vec<FieldError>)>,
}

async fn render_household(
    s: &AppState,
    c: Ctx,
    req: HouseholdRequest<'_>,
    added: bool,
    form: PersonForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let Ok(id) = Uuid::parse_str(req.id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    // The household and its screening, their reads recorded together.
    let result = s.services.household_page(req.caller, id, req.reveal).await;
    let ((v, screening), errors, status) = match result {
        Ok(v) => (v, errors, status),
        Err(ServiceError::Invalid(e)) if req.reveal.is_some() => {
            let errs =
                e.0.iter()
                    .map(|f| FieldError::new(f.field.clone(), f.message(c.lang)))
                    .collect();
            match s.services.household_page(req.caller, id, None).await {
                Ok(v) => (v, errs, StatusCode::UNPROCESSABLE_ENTITY),
                Err(e) => return error_page(&e, c),
            }
        }
        Err(e) => return error_page(&e, c),
    };
    let lang = c.lang;
    let screening = super::screening::screening_block(screening, lang, req.visited, req.retry);
    let status = if screening.errors.is_empty() {
        status
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let p = HouseholdPage {
        screening,
        care_place: v.household.group_code.clone(),
        dispute_place: req
            .caller
            .has_role(Role::Staff)
            .then(|| v.household.group_code.clone()),
        title: v.household.code.clone(),
        id,
        address: v.household.address.clone(),
        version: v.household.version,
        crumbs: crumbs(&v.lineage, req.caller),
        revealed: v.revealed,
        persons: v
            .persons
            .iter()
            .map(|p| PersonRow {
                id: p.id,
                name: p.name.clone(),
                relationship: p.relationship.label(lang),
                sex: p.sex.label(lang),
                age: p.age,
                id_number: p.id_number.clone(),
                phone: p.phone.clone().unwrap_or_default(),
            })
            .collect(),
        added,
        consented: req.consented,
        form,
        errors,
        relationships: Relationship::ALL
            .iter()
            .map(|r| Choice::new(r.key(), r.label(lang)))
            .collect(),
        c,
    };
    page(p.render(), status)
}

pub(super) async fn add_person(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, f): CheckedForm<PersonForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(hid) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let input = PersonInput {
        name: f.name.clone(),
        sex: f.sex.clone(),
        birth_date: f.birth_date.clone(),
        id_number: f.id_number.clone(),
        phone: f.phone.clone(),
        relationship: f.relationship.clone(),
    };
    let version = f.expected_version.trim().parse::<i64>().unwrap_or(-1);
    match s.services.add_person(&caller, hid, version, &input).await {
        Ok(_) => Redirect::to(&format!("/households/{hid}?added=1#add")).into_response(),
        Err(ServiceError::Invalid(v)) => {
            let errors =
                v.0.iter()
                    .map(|e| FieldError::new(e.field.clone(), e.message(lang)))
                    .collect();
            let req = HouseholdRequest {
                caller: &caller,
                id: &id,
                reveal: None,
                consented: false,
                visited: false,
                retry: None,
            };
            render_household(
                &s,
                c,
                req,
                false,
                f,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ServiceError::Conflict) => {
            let errors = vec![FieldError::new("name", t(lang, "error.conflict.detail"))];
            let req = HouseholdRequest {
                caller: &caller,
                id: &id,
                reveal: None,
                consented: false,
                visited: false,
                retry: None,
            };
            render_household(&s, c, req, false, f, errors, StatusCode::CONFLICT).await
        }
        Err(e) => error_page(&e, c),
    }
}

#[derive(Deserialize)]
pub(super) struct ConsentForm {
    #[serde(default)]
    person: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    guardian_name: String,
    #[serde(default)]
    guardian_relationship: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(ConsentForm);

pub(super) async fn consent(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, f): CheckedForm<ConsentForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(person) = Uuid::parse_str(&f.person) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let nc = jinguo_services::consent::NewConsent {
        purpose: f.purpose,
        basis: f.basis,
        guardian_name: Some(f.guardian_name),
        guardian_relationship: Some(f.guardian_relationship),
    };
    match s.services.record_consent(&caller, person, &nc).await {
        Ok(_) => Redirect::to(&format!("/households/{id}?consented=1#consent")).into_response(),
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => {
                let req = HouseholdRequest {
                    caller: &caller,
                    id: &id,
                    reveal: None,
                    consented: false,
                    visited: false,
                    retry: None,
                };
                render_household(
                    &s,
                    c,
                    req,
                    false,
                    PersonForm::default(),
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => error_page(&e, c),
        },
    }
}

#[derive(Deserialize)]
pub(super) struct FindForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(FindForm);

/// The search form of the place page: to the household found, or a page saying why not.
pub(super) async fn find_household(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, f): CheckedForm<FindForm>,
) -> Response {
    match s.services.find_household(&caller, f.id_number.trim()).await {
        Ok(h) => Redirect::to(&format!("/households/{}", h.id)).into_response(),
        Err(e) => error_page(&e, Ctx::with(lang, &uri, &caller)),
    }
}

#[derive(Deserialize)]
pub(super) struct RevealForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(RevealForm);

pub(super) async fn reveal(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, f): CheckedForm<RevealForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let req = HouseholdRequest {
        caller: &caller,
        id: &id,
        reveal: Some(&f.reason),
        consented: false,
        visited: false,
        retry: None,
    };
    render_household(
        &s,
        c,
        req,
        false,
        PersonForm::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// A household's page showing a refused visit form again, with what was entered.
pub(super) async fn household_with_visit(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: &str,
    retry: (&super::screening::VisitForm, Vec<FieldError>),
) -> Response {
    let req = HouseholdRequest {
        caller,
        id,
        reveal: None,
        consented: false,
        visited: false,
        retry: Some(retry),
    };
    render_household(
        s,
        c,
        req,
        false,
        PersonForm::default(),
        Vec::new(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// What the name search form was given (kept when the page shows it again).
#[derive(Deserialize, Default)]
pub(super) struct NameSearchForm {
    #[serde(default)]
    surname: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(NameSearchForm);

struct HitRow {
    name: String,
    sex: &'static str,
    age: i32,
    household_id: Uuid,
    household_code: String,
}

#[derive(Template)]
#[template(path = "persons_found.html")]
struct PersonsFoundPage {
    c: Ctx,
    title: String,
    query: NameSearchForm,
    errors: Vec<FieldError>,
    searched: bool,
    hits: Vec<HitRow>,
    max: usize,
}

/// The name search form on its own (linked from the place page).
pub(super) async fn name_search_form(
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    if caller.household_read_scope().is_empty() {
        return error_page(&ServiceError::Forbidden, Ctx::with(lang, &uri, &caller));
    }
    let p = PersonsFoundPage {
        title: t(lang, "name_search.title").into(),
        c: Ctx::with(lang, &uri, &caller),
        query: NameSearchForm::default(),
        errors: Vec::new(),
        searched: false,
        hits: Vec::new(),
        max: jinguo_services::households::NAME_HITS_MAX as usize,
    };
    page(p.render(), StatusCode::OK)
}

/// Persons by surname (and given name) within the caller's area, masked, each with a link to
/// her household; a refusal names the field of this form.
pub(super) async fn find_persons(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, f): CheckedForm<NameSearchForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let query = jinguo_services::households::NameQuery {
        name: String::new(),
        surname: f.surname.clone(),
        given_name: f.given_name.clone(),
    };
    let max = jinguo_services::households::NAME_HITS_MAX as usize;
    match s.services.find_persons(&caller, &query).await {
        Ok(hits) => {
            let hits = hits
                .into_iter()
                .map(|h| HitRow {
                    name: h.name,
                    sex: h.sex.label(lang),
                    age: h.age,
                    household_id: h.household_id,
                    household_code: h.household_code,
                })
                .collect();
            let p = PersonsFoundPage {
                title: t(lang, "name_search.title").into(),
                c,
                query: f,
                errors: Vec::new(),
                searched: true,
                hits,
                max,
            };
            page(p.render(), StatusCode::OK)
        }
        Err(ServiceError::Invalid(v)) => {
            // The service names `name` when nothing was given; this form's first field is the
            // surname.
            let errors =
                v.0.iter()
                    .map(|e| {
                        let mut e = e.clone();
                        if e.field == "name" {
                            e.field = "surname".into();
                        }
                        FieldError::new(e.field.clone(), e.message(lang))
                    })
                    .collect();
            let p = PersonsFoundPage {
                title: t(lang, "name_search.title").into(),
                c,
                query: f,
                errors,
                searched: false,
                hits: Vec::new(),
                max,
            };
            page(p.render(), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => error_page(&e, c),
    }
}
