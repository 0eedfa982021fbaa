//! Most-beautiful families: the staff's list with the nomination form and the county's voting
//! setting (`/family-awards`), a nomination with the forms of the steps the caller may take and
//! the objections to answer (`/family-awards/{id}`), family events (`/family-events`), and the
//! public page of the families on notice and those named, with the objection form and, when the
//! county counts them, votes (`/families`, no login).

use super::{Choice, Ctx, FieldError, FreeForm, error_page, field, page, refusal};
use crate::AppState;
use crate::auth::{CheckedForm, ClientIp, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::family::{
    AwardLevel, ConsentInput, EventInput, EventKind, FamilyStatus, NominationInput, Nominator,
    ObjectionInput,
};
use jinguo_services::family::{FamilyEventView, FamilyQuery, FamilyView, PublicFamily, StepInput};
use jinguo_services::{Caller, ServiceError, clock};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

fn choices<K: Copy>(
    all: &[K],
    key: fn(K) -> &'static str,
    label: impl Fn(K) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|k| Choice::new(key(*k), label(*k)))
        .collect()
}

fn this_year() -> String {
    chrono::Datelike::year(&clock::today()).to_string()
}

struct Line {
    id: Uuid,
    year: i64,
    name: String,
    place: String,
    status: &'static str,
    status_key: &'static str,
    level: &'static str,
}

fn line(v: &FamilyView, c: &Ctx) -> Line {
    Line {
        id: v.id,
        year: v.year,
        name: v.family_name.clone(),
        place: v.place_name.clone(),
        status: v.status.label(c.lang),
        status_key: v.status.key(),
        level: v.level.map(|l| l.label(c.lang)).unwrap_or(""),
    }
}

#[derive(Template)]
#[template(path = "family_awards.html")]
struct ListPage {
    c: Ctx,
    title: String,
    lines: Vec<Line>,
    statuses: Vec<Choice>,
    nominators: Vec<Choice>,
    villages: Vec<Choice<String, String>>,
    year: String,
    status: String,
    /// The counties she may set online voting for: (code, name, on, weight).
    counties: Vec<(String, String, bool, i64)>,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
}

impl ListPage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    year: Option<String>,
    status: Option<String>,
    saved: Option<String>,
}

async fn render_list(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    q: &ListQuery,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let query = FamilyQuery {
        year: q.year.clone(),
        status: q.status.clone(),
    };
    let list = match s.services.family_awards(caller, &query).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let villages = match s.services.family_villages(caller).await {
        Ok(v) => v
            .into_iter()
            .map(|(code, name)| Choice::new(code.clone(), format!("{code} {name}")))
            .collect(),
        Err(e) => return error_page(&e, c),
    };
    let mut counties = Vec::new();
    for code in super::staff_places(caller)
        .into_iter()
        .filter(|p| p.len() == 6)
    {
        if let Ok((on, weight)) = s.services.family_voting(caller, &code).await {
            let name = match s.services.cached().place(&code).await {
                Ok(Some(p)) => p.name.clone(),
                _ => code.clone(),
            };
            counties.push((code, name, on, weight));
        }
    }
    let p = ListPage {
        title: c.tr("family.title").to_string(),
        lines: list.iter().map(|v| line(v, &c)).collect(),
        statuses: choices(FamilyStatus::ALL, FamilyStatus::key, |k| k.label(c.lang)),
        nominators: choices(Nominator::ALL, Nominator::key, |k| k.label(c.lang)),
        villages,
        year: q.year.clone().unwrap_or_default(),
        status: q.status.clone().unwrap_or_default(),
        counties,
        f,
        errors,
        saved: q.saved.is_some(),
        c,
    };
    page(p.render(), status)
}

pub(super) async fn list_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<ListQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = HashMap::from([("year".to_string(), this_year())]);
    render_list(&s, c, &caller, &q, f, Vec::new(), StatusCode::OK).await
}

pub(super) async fn nominate(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = form.fields;
    let input = NominationInput {
        place: field(&f, "place"),
        family_name: field(&f, "family_name"),
        nominated_by: field(&f, "nominated_by"),
        nominator: field(&f, "nominator"),
        deeds: field(&f, "deeds"),
        year: field(&f, "year"),
    };
    match s.services.nominate_family(&caller, &input).await {
        Ok(id) => Redirect::to(&format!("/family-awards/{id}?saved=1")).into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => {
                render_list(&s, c, &caller, &ListQuery::default(), f, errors, status).await
            }
            None => error_page(&e, c),
        },
    }
}

/// The county's online voting, from the list page.
pub(super) async fn set_voting(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = form.fields;
    let on = matches!(field(&f, "voting").as_str(), "1" | "on" | "true");
    match s
        .services
        .set_family_voting(&caller, &field(&f, "county"), on, &field(&f, "vote_weight"))
        .await
    {
        Ok(()) => Redirect::to("/family-awards?saved=1").into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => {
                render_list(&s, c, &caller, &ListQuery::default(), f, errors, status).await
            }
            None => error_page(&e, c),
        },
    }
}

#[derive(Template)]
#[template(path = "family_award.html")]
struct AwardPage {
    c: Ctx,
    title: String,
    v: FamilyView,
    status: &'static str,
    nominated_by: &'static str,
    level: &'static str,
    levels: Vec<Choice>,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
    today: String,
}

impl AwardPage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
    fn step_label(&self, step: &jinguo_domain::family::FamilyStep) -> &'static str {
        step.label(self.c.lang)
    }
    fn score(&self) -> String {
        self.v.score.map(|s| format!("{s:.1}")).unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_award(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let v = match s.services.family_award(caller, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let p = AwardPage {
        title: v.family_name.clone(),
        status: v.status.label(c.lang),
        nominated_by: v.nominated_by.label(c.lang),
        level: v.level.map(|l| l.label(c.lang)).unwrap_or(""),
        levels: choices(AwardLevel::ALL, AwardLevel::key, |k| k.label(c.lang)),
        v,
        f,
        errors,
        saved,
        today: clock::today().to_string(),
        c,
    };
    page(p.render(), status)
}

pub(super) async fn award_page(
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
    render_award(
        &s,
        c,
        &caller,
        id,
        HashMap::new(),
        Vec::new(),
        StatusCode::OK,
        q.saved.is_some(),
    )
    .await
}

/// A step on a nomination (the naming, a refusal and the story's publication confirmed first).
pub(super) async fn award_step(
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
    let input = StepInput {
        step: field(&f, "step"),
        notice_from: field(&f, "notice_from"),
        notice_until: field(&f, "notice_until"),
        level: field(&f, "level"),
        score: field(&f, "score"),
        note: field(&f, "note"),
        consent: ConsentInput {
            consent_on: field(&f, "consent_on"),
            given_by: field(&f, "given_by"),
            names: on("consent_names"),
            story: on("consent_story"),
        },
        story: field(&f, "story"),
        objection: Uuid::parse_str(field(&f, "objection").trim()).ok(),
        answer: field(&f, "answer"),
    };
    match s.services.family_step(&caller, id, version, &input).await {
        Ok(()) => Redirect::to(&format!("/family-awards/{id}?saved=1")).into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => {
                render_award(&s, c, &caller, id, f, errors, status, false).await
            }
            None => error_page(&e, c),
        },
    }
}

struct EventLine {
    held_on: String,
    place: String,
    kind: &'static str,
    title: String,
    participants: i64,
    families: i64,
}

fn event_line(e: &FamilyEventView, c: &Ctx) -> EventLine {
    EventLine {
        held_on: e.held_on.clone(),
        place: e.place_name.clone(),
        kind: e.kind.label(c.lang),
        title: e.title.clone(),
        participants: e.participants,
        families: e.families,
    }
}

#[derive(Template)]
#[template(path = "family_events.html")]
struct EventsPage {
    c: Ctx,
    title: String,
    year: i64,
    lines: Vec<EventLine>,
    total: i64,
    kinds: Vec<Choice>,
    places: Vec<Choice<String, String>>,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
}

impl EventsPage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct EventsQuery {
    year: Option<String>,
    saved: Option<String>,
}

async fn render_events(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    q: &EventsQuery,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let (year, list) = match s.services.family_events(caller, q.year.as_deref()).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let places = super::staff_place_choices(s, caller).await;
    let p = EventsPage {
        title: c.tr("family.events").to_string(),
        year,
        total: list.iter().map(|e| e.participants).sum(),
        lines: list.iter().map(|e| event_line(e, &c)).collect(),
        kinds: choices(EventKind::ALL, EventKind::key, |k| k.label(c.lang)),
        places,
        f,
        errors,
        saved: q.saved.is_some(),
        c,
    };
    page(p.render(), status)
}

pub(super) async fn events_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<EventsQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = HashMap::from([("held_on".to_string(), clock::today().to_string())]);
    render_events(&s, c, &caller, &q, f, Vec::new(), StatusCode::OK).await
}

pub(super) async fn record_event(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = form.fields;
    let mut families = Vec::new();
    for part in field(&f, "families").split([',', '，', ' ', '\n']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        match Uuid::parse_str(part) {
            Ok(id) => families.push(id),
            Err(_) => {
                let e = jinguo_domain::FieldError::new("families", "invalid");
                let errors = vec![FieldError::new("families", e.message(lang))];
                return render_events(
                    &s,
                    c,
                    &caller,
                    &EventsQuery::default(),
                    f,
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        }
    }
    let input = EventInput {
        place: field(&f, "place"),
        held_on: field(&f, "held_on"),
        kind: field(&f, "kind"),
        title: field(&f, "title"),
        participants: field(&f, "participants"),
        families,
    };
    match s.services.record_family_event(&caller, &input).await {
        Ok(_) => Redirect::to("/family-events?saved=1").into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => {
                render_events(&s, c, &caller, &EventsQuery::default(), f, errors, status).await
            }
            None => error_page(&e, c),
        },
    }
}

struct PublicLine {
    id: Uuid,
    name: String,
    place: String,
    year: i64,
    level: &'static str,
    notice_until: String,
}

fn public_line(p: &PublicFamily, c: &Ctx) -> PublicLine {
    PublicLine {
        id: p.id,
        name: p.name.clone(),
        place: p.place_name.clone(),
        year: p.year,
        level: p.level.map(|l| l.label(c.lang)).unwrap_or(""),
        notice_until: p.notice_until.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "families_public.html")]
struct PublicPage {
    c: Ctx,
    title: String,
    notice: Vec<PublicLine>,
    named: Vec<PublicLine>,
    year: String,
    one: Option<PublicFamily>,
    one_level: &'static str,
    on_notice: bool,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    sent: bool,
}

impl PublicPage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct PublicQuery {
    year: Option<String>,
    sent: Option<String>,
}

/// The families on public notice today and those named. No login.
pub(super) async fn public_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PublicQuery>,
) -> Response {
    let c = Ctx::new(lang, &uri);
    let (year, list) = match s.services.public_families(q.year.as_deref()).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let (notice, named): (Vec<_>, Vec<_>) =
        list.iter().partition(|p| p.status == FamilyStatus::Notice);
    let p = PublicPage {
        title: c.tr("family.public_title").to_string(),
        notice: notice.iter().map(|p| public_line(p, &c)).collect(),
        named: named.iter().map(|p| public_line(p, &c)).collect(),
        year: year.map(|y| y.to_string()).unwrap_or_default(),
        one: None,
        one_level: "",
        on_notice: false,
        f: HashMap::new(),
        errors: Vec::new(),
        sent: false,
        c,
    };
    page(p.render(), StatusCode::OK)
}

async fn render_public_one(
    s: &AppState,
    c: Ctx,
    id: &str,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    status: StatusCode,
    sent: bool,
) -> Response {
    let Ok(id) = Uuid::parse_str(id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let v = match s.services.public_family(id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let p = PublicPage {
        title: v.name.clone(),
        notice: Vec::new(),
        named: Vec::new(),
        year: String::new(),
        one_level: v.level.map(|l| l.label(c.lang)).unwrap_or(""),
        on_notice: v.status == FamilyStatus::Notice,
        one: Some(v),
        f,
        errors,
        sent,
        c,
    };
    page(p.render(), status)
}

/// One family on public notice or named. No login.
pub(super) async fn public_one(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<PublicQuery>,
    who: Result<PageCaller, Response>,
) -> Response {
    // Logged in, she may vote (the form carries her session's token); else the page is the same.
    let c = match &who {
        Ok(PageCaller(caller, _)) => Ctx::with(lang, &uri, caller),
        Err(_) => Ctx::new(lang, &uri),
    };
    render_public_one(
        &s,
        c,
        &id,
        HashMap::new(),
        Vec::new(),
        StatusCode::OK,
        q.sent.is_some(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ObjectionForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    contact: String,
}

/// An objection from the public page. No login.
pub(super) async fn object(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    ClientIp(ip): ClientIp,
    axum::extract::Form(form): axum::extract::Form<ObjectionForm>,
) -> Response {
    let c = Ctx::new(lang, &uri);
    let Ok(uid) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let input = ObjectionInput {
        text: form.text.clone(),
        contact: form.contact.clone(),
    };
    match s.services.object_to_family(uid, &input, &ip).await {
        Ok(()) => Redirect::to(&format!("/families/{uid}?sent=1")).into_response(),
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => {
                let f = HashMap::from([
                    ("text".to_string(), form.text),
                    ("contact".to_string(), form.contact),
                ]);
                render_public_one(
                    &s,
                    c,
                    &id,
                    f,
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    false,
                )
                .await
            }
            None => error_page(&e, c),
        },
    }
}

/// A logged-in person's vote from the public page.
pub(super) async fn vote(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, _form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(uid) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    match s.services.vote_family(&caller, uid).await {
        Ok(()) => Redirect::to(&format!("/families/{uid}?sent=1")).into_response(),
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => {
                render_public_one(
                    &s,
                    c,
                    &id,
                    HashMap::new(),
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    false,
                )
                .await
            }
            None => error_page(&e, c),
        },
    }
}
