//! Women volunteers and training: the volunteers of the caller's places with the form to register
//! one (`/volunteers`), a volunteer with her services and the form to record one
//! (`/volunteers/{id}`), the sessions of training and legal education with the form to record one
//! (`/trainings`), a session with its attendees, cases and materials and the upload of a
//! material (`/trainings/{id}`), and a member's training record (`/members/{id}/trainings`).

use super::{Choice, Ctx, FieldError, FreeForm, error_page, field, page, refusal};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::training::{Mode, TrainingInput, TrainingKind};
use jinguo_domain::volunteer::{ServiceFor, ServiceInput, Skill, VolunteerInput, show_hours};
use jinguo_services::training::{TrainingDetail, TrainingRecord, TrainingView};
use jinguo_services::volunteer::{ServiceView, VolunteerView};
use jinguo_services::{Caller, ServiceError, clock};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

fn ids(s: &str) -> Result<Vec<Uuid>, ()> {
    let mut out = Vec::new();
    for part in s.split([',', '，', ' ', '\n', '\r']) {
        let part = part.trim();
        if !part.is_empty() {
            out.push(Uuid::parse_str(part).map_err(|_| ())?);
        }
    }
    Ok(out)
}

fn one_refusal(field_name: &str, lang: jinguo_domain::Lang) -> Vec<FieldError> {
    let e = jinguo_domain::FieldError::new(field_name, "invalid");
    vec![FieldError::new(field_name, e.message(lang))]
}

#[derive(Template)]
#[template(path = "volunteers.html")]
struct VolunteersPage {
    c: Ctx,
    title: String,
    lines: Vec<VolunteerView>,
    skills: Vec<Choice>,
    places: Vec<Choice<String, String>>,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
}

impl VolunteersPage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
    fn skill_names(&self, v: &VolunteerView) -> String {
        v.skills
            .iter()
            .map(|s| s.label(self.c.lang))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn hours(&self, tenths: &i64) -> String {
        show_hours(*tenths)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
    year: Option<String>,
}

async fn render_volunteers(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let lines = match s.services.volunteers(caller).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let p = VolunteersPage {
        title: c.tr("volunteer.title").to_string(),
        lines,
        skills: Skill::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(c.lang)))
            .collect(),
        places: super::staff_place_choices(s, caller).await,
        f,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn volunteers_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<SavedQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render_volunteers(
        &s,
        c,
        &caller,
        HashMap::new(),
        Vec::new(),
        StatusCode::OK,
        q.saved.is_some(),
    )
    .await
}

/// Registers a volunteer; her skills are the ticked boxes `skill_<key>`.
pub(super) async fn add_volunteer(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = form.fields;
    let skills = Skill::ALL
        .iter()
        .filter(|k| f.contains_key(&format!("skill_{}", k.key())))
        .map(|k| k.key().to_string())
        .collect();
    let input = VolunteerInput {
        place: field(&f, "place"),
        name: field(&f, "name"),
        phone: field(&f, "phone"),
        skills,
    };
    match s.services.add_volunteer(&caller, &input).await {
        Ok(id) => Redirect::to(&format!("/volunteers/{id}?saved=1")).into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => {
                render_volunteers(&s, c, &caller, f, errors, status, false).await
            }
            None => error_page(&e, c),
        },
    }
}

#[derive(Template)]
#[template(path = "volunteer.html")]
struct VolunteerPage {
    c: Ctx,
    title: String,
    v: VolunteerView,
    services: Vec<ServiceView>,
    skills: String,
    fors: Vec<Choice>,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
}

impl VolunteerPage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
    fn hours(&self, tenths: &i64) -> String {
        show_hours(*tenths)
    }
    fn for_label(&self, s: &ServiceFor) -> &'static str {
        s.label(self.c.lang)
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_volunteer(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let (v, services) = match s.services.volunteer(caller, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let p = VolunteerPage {
        title: v.name.clone(),
        skills: v
            .skills
            .iter()
            .map(|k| k.label(c.lang))
            .collect::<Vec<_>>()
            .join("、"),
        v,
        services,
        fors: ServiceFor::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(c.lang)))
            .collect(),
        f,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn volunteer_page(
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
    let f = HashMap::from([("served_on".to_string(), clock::today().to_string())]);
    render_volunteer(
        &s,
        c,
        &caller,
        id,
        f,
        Vec::new(),
        StatusCode::OK,
        q.saved.is_some(),
    )
    .await
}

pub(super) async fn record_service(
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
    let subject = match field(&f, "subject_id").trim() {
        "" => None,
        v => match Uuid::parse_str(v) {
            Ok(u) => Some(u),
            Err(_) => {
                let errors = one_refusal("subject_id", lang);
                return render_volunteer(
                    &s,
                    c,
                    &caller,
                    id,
                    f,
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    false,
                )
                .await;
            }
        },
    };
    let input = ServiceInput {
        service_for: field(&f, "service_for"),
        subject,
        served_on: field(&f, "served_on"),
        hours: field(&f, "hours"),
    };
    match s
        .services
        .record_volunteer_service(&caller, id, &input)
        .await
    {
        Ok(_) => Redirect::to(&format!("/volunteers/{id}?saved=1")).into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => {
                render_volunteer(&s, c, &caller, id, f, errors, status, false).await
            }
            None => error_page(&e, c),
        },
    }
}

#[derive(Template)]
#[template(path = "trainings.html")]
struct TrainingsPage {
    c: Ctx,
    title: String,
    year: i64,
    lines: Vec<TrainingView>,
    kinds: Vec<Choice>,
    modes: Vec<Choice>,
    places: Vec<Choice<String, String>>,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
}

impl TrainingsPage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
    fn hours(&self, tenths: &i64) -> String {
        show_hours(*tenths)
    }
    fn kind(&self, t: &TrainingView) -> String {
        format!(
            "{} · {}",
            t.kind.label(self.c.lang),
            t.mode.label(self.c.lang)
        )
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_trainings(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    year: Option<&str>,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let (year, lines) = match s.services.trainings(caller, year).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let p = TrainingsPage {
        title: c.tr("training.title").to_string(),
        year,
        lines,
        kinds: TrainingKind::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(c.lang)))
            .collect(),
        modes: Mode::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(c.lang)))
            .collect(),
        places: super::staff_place_choices(s, caller).await,
        f,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn trainings_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<SavedQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = HashMap::from([("held_on".to_string(), clock::today().to_string())]);
    render_trainings(
        &s,
        c,
        &caller,
        q.year.as_deref(),
        f,
        Vec::new(),
        StatusCode::OK,
        q.saved.is_some(),
    )
    .await
}

pub(super) async fn record_training(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = form.fields;
    let (Ok(members), Ok(cases)) = (ids(&field(&f, "members")), ids(&field(&f, "cases"))) else {
        let name = if ids(&field(&f, "members")).is_err() {
            "members"
        } else {
            "cases"
        };
        let errors = one_refusal(name, lang);
        return render_trainings(
            &s,
            c,
            &caller,
            None,
            f,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
        )
        .await;
    };
    let input = TrainingInput {
        place: field(&f, "place"),
        kind: field(&f, "kind"),
        mode: field(&f, "mode"),
        held_on: field(&f, "held_on"),
        venue: field(&f, "venue"),
        topic: field(&f, "topic"),
        trainer: field(&f, "trainer"),
        hours: field(&f, "hours"),
        members,
        counted: field(&f, "counted"),
        cases,
    };
    match s.services.record_training(&caller, &input).await {
        Ok(id) => Redirect::to(&format!("/trainings/{id}?saved=1")).into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => {
                render_trainings(&s, c, &caller, None, f, errors, status, false).await
            }
            None => error_page(&e, c),
        },
    }
}

#[derive(Template)]
#[template(path = "training.html")]
struct TrainingPage {
    c: Ctx,
    title: String,
    d: TrainingDetail,
    kind: String,
    hours: String,
    errors: Vec<FieldError>,
    saved: bool,
}

async fn render_training(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    errors: Vec<FieldError>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let d = match s.services.training(caller, id).await {
        Ok(d) => d,
        Err(e) => return error_page(&e, c),
    };
    let p = TrainingPage {
        title: d.view.topic.clone(),
        kind: format!(
            "{} · {}",
            d.view.kind.label(c.lang),
            d.view.mode.label(c.lang)
        ),
        hours: show_hours(d.view.hours_tenths),
        d,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn training_page(
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
    render_training(
        &s,
        c,
        &caller,
        id,
        Vec::new(),
        StatusCode::OK,
        q.saved.is_some(),
    )
    .await
}

/// Keeps a material with a session, from its page (a multipart form with its token).
pub(super) async fn add_material(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(id): Path<Uuid>,
    mut form: axum::extract::Multipart,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Some((name, bytes)) = super::uploaded_file(&caller, &mut form).await else {
        return error_page(&ServiceError::Forbidden, c);
    };
    match s
        .services
        .add_training_material(&caller, id, &name, &bytes)
        .await
    {
        Ok(_) => Redirect::to(&format!("/trainings/{id}?saved=1")).into_response(),
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => {
                render_training(
                    &s,
                    c,
                    &caller,
                    id,
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

/// A session's material, for staff of its place.
pub(super) async fn material(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path((id, material)): Path<(Uuid, Uuid)>,
) -> Response {
    match s.services.training_material(&caller, id, material).await {
        Ok((_, media, content)) => {
            let (t, ext) = crate::api::linkage::media_type(&media);
            crate::api::download(content, t, &format!("material-{material}.{ext}"))
        }
        Err(e) => error_page(&e, Ctx::with(lang, &uri, &caller)),
    }
}

#[derive(Template)]
#[template(path = "member_trainings.html")]
struct RecordPage {
    c: Ctx,
    title: String,
    r: TrainingRecord,
    hours: String,
}

impl RecordPage {
    fn hours_of(&self, tenths: &i64) -> String {
        show_hours(*tenths)
    }
}

/// A member's training record.
pub(super) async fn member_record(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(id): Path<String>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let r = match s.services.member_trainings(&caller, id).await {
        Ok(r) => r,
        Err(e) => return error_page(&e, c),
    };
    let p = RecordPage {
        title: format!("{} · {}", c.tr("training.record"), r.name),
        hours: show_hours(r.hours_tenths),
        r,
        c,
    };
    page(p.render(), StatusCode::OK)
}
