//! Supervision pages: the board (`/supervision`: lights, tasks, figures per unit) for the issuer
//! and for the unit, the form to issue a task, one task with its steps and the forms of the
//! steps the caller may take.

use super::{Choice, Ctx, FieldError, FreeForm, error_page, field, page, refusal};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::Lang;
use jinguo_domain::account::Role;
use jinguo_domain::supervision::{Cadence, Rating, Source, Step, TaskInput};
use jinguo_services::clock;
use jinguo_services::supervision::{StepInput, TaskLine, TaskView};
use jinguo_services::{Caller, ServiceError};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// A task in a list, as shown.
pub(crate) struct Line {
    pub id: Uuid,
    pub title: String,
    pub source: &'static str,
    pub unit: String,
    pub status: &'static str,
    pub light: &'static str,
    pub light_label: &'static str,
    pub issued_on: String,
    pub due_on: String,
    pub returns: i64,
    pub report_due_on: String,
}

pub(crate) fn line(l: &TaskLine, lang: Lang) -> Line {
    Line {
        id: l.id,
        title: l.title.clone(),
        source: l.source.label(lang),
        unit: l.unit_name.clone(),
        status: l.status.label(lang),
        light: l.light.key(),
        light_label: l.light.label(lang),
        issued_on: l.issued_on.to_string(),
        due_on: l.due_on.to_string(),
        returns: l.returns,
        report_due_on: l.report_due_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

struct UnitLine {
    name: String,
    total: i64,
    open: i64,
    red: i64,
    on_time: i64,
    late: i64,
    returned: i64,
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct BoardPage {
    c: Ctx,
    title: String,
    green: i64,
    yellow: i64,
    red: i64,
    lines: Vec<Line>,
    units: Vec<UnitLine>,
    may_issue: bool,
    light: String,
    period_action: String,
    /// What the period's form sends again (the other choices of the page).
    period_keep: Vec<(String, String)>,
    /// The period asked for, as the caller would write it again, and in words.
    period: String,
    period_label: String,
}

#[derive(Deserialize)]
pub(super) struct BoardQuery {
    light: Option<String>,
    place: Option<String>,
}

pub(super) async fn board_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<BoardQuery>,
    Query(pq): Query<crate::api::PeriodQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let period = match pq.optional() {
        Ok(p) => p,
        Err(e) => return error_page(&e, c),
    };
    let b = match s
        .services
        .supervision_board_in(&caller, q.place.as_deref(), q.light.as_deref(), period)
        .await
    {
        Ok(b) => b,
        Err(e) => return error_page(&e, c),
    };
    let p = BoardPage {
        title: c.tr("supervision.title").to_string(),
        green: b.green,
        yellow: b.yellow,
        red: b.red,
        lines: b.lines.iter().map(|l| line(l, lang)).collect(),
        units: b
            .units
            .iter()
            .map(|u| UnitLine {
                name: u.unit_name.clone(),
                total: u.total,
                open: u.open,
                red: u.red,
                on_time: u.on_time,
                late: u.late,
                returned: u.returned,
            })
            .collect(),
        may_issue: caller.has_role(Role::Staff),
        light: q.light.unwrap_or_default(),
        period_action: "/supervision".into(),
        period_keep: q
            .place
            .iter()
            .map(|p| ("place".to_string(), p.clone()))
            .collect(),
        period: period.map(|p| p.key()).unwrap_or_default(),
        period_label: period.map(|p| p.label(lang)).unwrap_or_default(),
        c,
    };
    page(p.render(), StatusCode::OK)
}

/// The form to issue a task, as typed.
#[derive(Default)]
struct IssueFields {
    place: String,
    title: String,
    matter: String,
    source: String,
    source_id: String,
    lead_department: String,
    lead_place: String,
    co: Vec<String>,
    owner_name: String,
    cadence: String,
    issued_on: String,
    deadline: String,
}

impl IssueFields {
    /// Whether a co-unit's box was ticked (`d` a department, `p` a place).
    fn co_checked(&self, kind: &str, key: &str) -> bool {
        self.co.iter().any(|c| c == &format!("co.{kind}.{key}"))
    }
}

#[derive(Template)]
#[template(path = "supervision_new.html")]
struct IssuePage {
    c: Ctx,
    title: String,
    f: IssueFields,
    places: Vec<Choice<String, String>>,
    sources: Vec<Choice>,
    cadences: Vec<Choice>,
    departments: Vec<Choice<String, String>>,
    below: Vec<Choice<String, String>>,
    errors: Vec<FieldError>,
}

async fn render_issue(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    mut f: IssueFields,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let lang = c.lang;
    let codes = super::staff_places(caller);
    if f.place.is_empty() {
        f.place = codes.first().cloned().unwrap_or_default();
    }
    let units = match s.services.supervision_units(caller, &f.place).await {
        Ok(u) => u,
        Err(e) => return error_page(&e, c),
    };
    let mut places = Vec::new();
    for code in codes {
        let label = match s.services.cached().place(&code).await {
            Ok(Some(p)) => format!("{} {}", p.code, p.name),
            _ => code.clone(),
        };
        places.push(Choice::new(code, label));
    }
    let p = IssuePage {
        title: c.tr("supervision.issue").to_string(),
        sources: Source::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(lang)))
            .collect(),
        cadences: Cadence::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(lang)))
            .collect(),
        departments: units
            .departments
            .into_iter()
            .map(|u| Choice::new(u.key, u.name))
            .collect(),
        below: units
            .places
            .into_iter()
            .map(|u| Choice::new(u.key, u.name))
            .collect(),
        places,
        f,
        errors,
        c,
    };
    page(p.render(), status)
}

#[derive(Deserialize)]
pub(super) struct NewQuery {
    place: Option<String>,
    source: Option<String>,
    source_id: Option<String>,
}

pub(super) async fn issue_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<NewQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    if !caller.has_role(Role::Staff) {
        return error_page(&ServiceError::Forbidden, c);
    }
    let f = IssueFields {
        place: q.place.unwrap_or_default(),
        source: q.source.unwrap_or_default(),
        source_id: q.source_id.unwrap_or_default(),
        cadence: Cadence::Monthly.key().into(),
        issued_on: clock::today().to_string(),
        ..IssueFields::default()
    };
    render_issue(&s, c, &caller, f, Vec::new(), StatusCode::OK).await
}

fn issue_fields(form: &HashMap<String, String>) -> IssueFields {
    let mut co: Vec<String> = form
        .keys()
        .filter(|k| k.starts_with("co."))
        .cloned()
        .collect();
    co.sort();
    IssueFields {
        place: field(form, "place"),
        title: field(form, "title"),
        matter: field(form, "matter"),
        source: field(form, "source"),
        source_id: field(form, "source_id"),
        lead_department: field(form, "lead_department"),
        lead_place: field(form, "lead_place"),
        co,
        owner_name: field(form, "owner_name"),
        cadence: field(form, "cadence"),
        issued_on: field(form, "issued_on"),
        deadline: field(form, "deadline"),
    }
}

pub(super) async fn issue(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = issue_fields(&form.fields);
    let mut errors = Vec::new();
    let source_id = match f.source_id.trim() {
        "" => None,
        id => match Uuid::parse_str(id) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError::new(
                    "source_id",
                    jinguo_domain::FieldError::new("source_id", "invalid").message(lang),
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return render_issue(&s, c, &caller, f, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let input = TaskInput {
        title: f.title.clone(),
        matter: f.matter.clone(),
        source: f.source.clone(),
        source_id,
        lead_department: f.lead_department.clone(),
        lead_place: f.lead_place.clone(),
        co_departments: f
            .co
            .iter()
            .filter_map(|k| k.strip_prefix("co.d."))
            .map(str::to_string)
            .collect(),
        co_places: f
            .co
            .iter()
            .filter_map(|k| k.strip_prefix("co.p."))
            .map(str::to_string)
            .collect(),
        owner_name: f.owner_name.clone(),
        cadence: f.cadence.clone(),
        issued_on: f.issued_on.clone(),
        deadline: f.deadline.clone(),
    };
    match s.services.issue_task(&caller, &f.place, &input).await {
        Ok(id) => Redirect::to(&format!("/supervision/{id}?saved=1")).into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => render_issue(&s, c, &caller, f, errors, status).await,
            None => error_page(&e, c),
        },
    }
}

struct StepLine {
    kind: &'static str,
    at: String,
    by: String,
    note: String,
    new_due_on: String,
}

#[derive(Template)]
#[template(path = "supervision_task.html")]
struct TaskPage {
    c: Ctx,
    title: String,
    id: Uuid,
    line: Line,
    v: TaskView,
    source: String,
    cadence: &'static str,
    rating: &'static str,
    steps: Vec<StepLine>,
    /// The forms offered: (step key, its label, whether it takes a note, a new date, a rating).
    forms: Vec<StepForm>,
    ratings: Vec<Choice>,
    errors: Vec<FieldError>,
    saved: bool,
}

struct StepForm {
    step: &'static str,
    label: &'static str,
    note: bool,
    note_required: bool,
    new_due_on: bool,
    rating: bool,
}

async fn render_task(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    errors: Vec<FieldError>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let lang = c.lang;
    let v = match s.services.supervision_task(caller, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let forms = v
        .may
        .iter()
        .map(|st| StepForm {
            step: st.key(),
            label: st.label(lang),
            note: !matches!(st, Step::Sign | Step::ExtendApprove | Step::Close),
            note_required: matches!(
                st,
                Step::Progress | Step::ExtendRequest | Step::Submit | Step::Return
            ),
            new_due_on: *st == Step::ExtendRequest,
            rating: *st == Step::Revisit,
        })
        .collect();
    let p = TaskPage {
        title: v.line.title.clone(),
        id: v.line.id,
        line: line(&v.line, lang),
        source: match v.source_id {
            Some(sid) => format!("{} · {sid}", v.line.source.label(lang)),
            None => v.line.source.label(lang).to_string(),
        },
        cadence: v.cadence.label(lang),
        rating: v.rating.map(|r| r.label(lang)).unwrap_or_default(),
        steps: v
            .steps
            .iter()
            .map(|st| StepLine {
                kind: st.kind.label(lang),
                at: clock::local(st.at),
                by: st.by.clone(),
                note: st.note.clone(),
                new_due_on: st.new_due_on.clone().unwrap_or_default(),
            })
            .collect(),
        ratings: Rating::ALL
            .iter()
            .map(|r| Choice::new(r.key(), r.label(lang)))
            .collect(),
        forms,
        v,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

#[derive(Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
}

pub(super) async fn task_page(
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
    render_task(
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

pub(super) async fn task_step(
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
    let f = &form.fields;
    let input = StepInput {
        step: field(f, "step"),
        expected_version: field(f, "expected_version").parse().unwrap_or(0),
        note: field(f, "note"),
        new_due_on: field(f, "new_due_on"),
        rating: field(f, "rating"),
    };
    match s.services.supervision_step(&caller, id, &input).await {
        Ok(()) => Redirect::to(&format!("/supervision/{id}?saved=1")).into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => render_task(&s, c, &caller, id, errors, status, false).await,
            None => error_page(&e, c),
        },
    }
}
