//! Case conference pages (联席会议 / 个案会商): a county's conferences with the high-risk cases
//! waiting to be heard and the form planning the next one; one conference with its agenda (the
//! cases waiting, the open actions of earlier conferences), the departments invited and present,
//! the cases heard and their safety plans' actions, the minutes; a department's own actions.

use super::{Choice, Ctx, FieldError, FreeForm, error_page, field, page};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::Lang;
use jinguo_domain::account::Role;
use jinguo_domain::conference::{ActionInput, ActionStatus, ConferenceInput, ConferenceStatus};
use jinguo_services::clock;
use jinguo_services::conference::{ActionView, AwaitingCase};
use jinguo_services::{Caller, ServiceError};
use std::collections::HashMap;
use uuid::Uuid;

use super::linkage::ticked;

/// A high-risk case waiting to be heard, as the pages list it.
struct WaitingLine {
    id: Uuid,
    place: String,
    due: String,
    left: String,
    overdue: bool,
}

fn waiting_line(a: &AwaitingCase, lang: Lang) -> WaitingLine {
    WaitingLine {
        id: a.id,
        place: a.place_name.clone(),
        due: clock::local(a.due_at),
        left: super::linkage::left(a.due_at, lang),
        overdue: a.overdue,
    }
}

/// An action of a safety plan, as the pages list it.
struct ActionLine {
    id: Uuid,
    conference_id: Uuid,
    department: String,
    action: String,
    due_on: String,
    status: &'static str,
    open: bool,
    overdue: bool,
    done_at: String,
}

fn action_line(a: &ActionView, lang: Lang) -> ActionLine {
    ActionLine {
        id: a.id,
        conference_id: a.conference_id,
        department: a.department_name.clone(),
        action: a.action.clone(),
        due_on: a.due_on.to_string(),
        status: a.status.label(lang),
        open: a.status == ActionStatus::Open,
        overdue: a.overdue,
        done_at: a.done_at.map(clock::local).unwrap_or_default(),
    }
}

struct ConferenceLine {
    id: Uuid,
    on: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "conferences.html")]
struct ConferencesPage {
    c: Ctx,
    title: String,
    code: String,
    lines: Vec<ConferenceLine>,
    waiting: Vec<WaitingLine>,
    departments: Vec<Choice<String, String>>,
    form: HashMap<String, String>,
    /// The departments ticked in the form (those of the linkage when it is new).
    invited: Vec<String>,
    /// The county's figures: (catalog key of its name, value).
    figures: Vec<super::Figure>,
    /// The figures' period form: where it goes, what it keeps, the period asked and in words.
    period_action: String,
    period_keep: Vec<(String, String)>,
    period: String,
    period_label: String,
    errors: Vec<FieldError>,
}

async fn render_conferences(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    code: &str,
    form: HashMap<String, String>,
    errors: Vec<FieldError>,
    period: Option<jinguo_domain::period::Period>,
) -> Response {
    let lang = c.lang;
    let (list, waiting) = match (
        s.services.conferences(caller, code).await,
        s.services.awaiting_hearings(caller, code).await,
    ) {
        (Ok(l), Ok(w)) => (l, w),
        (Err(e), _) | (_, Err(e)) => return error_page(&e, c),
    };
    let (deps, f) = match (
        s.services.departments(caller, code).await,
        s.services.conference_figures_in(caller, code, period).await,
    ) {
        (Ok(d), Ok(f)) => (d, f),
        (Err(e), _) | (_, Err(e)) => return error_page(&e, c),
    };
    let mut figures: Vec<super::Figure> = f
        .cases_by_risk
        .iter()
        .map(|(r, n)| {
            let key = match r {
                jinguo_domain::screening::Risk::High => "figures.cases_high",
                jinguo_domain::screening::Risk::Medium => "figures.cases_medium",
                _ => "figures.cases_low",
            };
            super::Figure::new(key, n.to_string())
        })
        .collect();
    for (key, n) in [
        ("figures.conferences_held", f.conferences_held),
        ("figures.actions_on_time", f.actions_on_time),
        ("figures.actions_late", f.actions_late),
        ("figures.actions_open", f.actions_open),
        ("figures.actions_overdue", f.actions_overdue),
    ] {
        figures.push(super::Figure::new(key, n.to_string()));
    }
    let invited = if form.is_empty() {
        deps.iter()
            .filter(|d| d.in_linkage)
            .map(|d| d.key.clone())
            .collect()
    } else {
        ticked(&form, "invited.")
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let p = ConferencesPage {
        title: c.tr("conference.list_title").to_string(),
        code: code.to_string(),
        lines: list
            .iter()
            .map(|l| ConferenceLine {
                id: l.id,
                on: l.conference_on.to_string(),
                status: l.status.label(lang),
            })
            .collect(),
        waiting: waiting.iter().map(|a| waiting_line(a, lang)).collect(),
        departments: deps
            .into_iter()
            .map(|d| Choice::new(d.key, d.name))
            .collect(),
        invited,
        figures,
        period_action: format!("/places/{code}/conferences"),
        period_keep: Vec::new(),
        period: period.map(|p| p.key()).unwrap_or_default(),
        period_label: period.map(|p| p.label(lang)).unwrap_or_default(),
        form,
        errors,
        c,
    };
    page(p.render(), status)
}

impl ConferencesPage {
    fn v(&self, name: &str) -> String {
        field(&self.form, name)
    }
    fn is_invited(&self, key: &str) -> bool {
        self.invited.iter().any(|k| k == key)
    }
}

/// Staff go to their county's conferences; a department's officer to her actions.
pub(super) async fn my_conferences(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    if caller.has_role(Role::Staff)
        && let Some(home) = s.services.home_place(&caller)
        && let Some(county) = home.get(..6)
    {
        return Redirect::to(&format!("/places/{county}/conferences")).into_response();
    }
    if caller.has_role(Role::Liaison) {
        return Redirect::to("/actions").into_response();
    }
    error_page(&ServiceError::Forbidden, Ctx::with(lang, &uri, &caller))
}

pub(super) async fn conferences_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(pq): Query<crate::api::PeriodQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let period = match pq.optional() {
        Ok(p) => p,
        Err(e) => return error_page(&e, c),
    };
    render_conferences(&s, c, &caller, &code, HashMap::new(), Vec::new(), period).await
}

pub(super) async fn plan_conference(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let input = ConferenceInput {
        conference_on: field(&f.fields, "conference_on"),
        invited: ticked(&f.fields, "invited."),
    };
    match s.services.plan_conference(&caller, &code, &input).await {
        Ok(id) => Redirect::to(&format!("/conferences/{id}")).into_response(),
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => {
                let mut form = f.fields;
                // An empty form would tick the linkage's departments again.
                form.insert("sent".into(), "1".into());
                render_conferences(&s, c, &caller, &code, form, errors, None).await
            }
            None => error_page(&e, c),
        },
    }
}

/// A case heard, with its actions.
struct HeardLine {
    id: Uuid,
    place: String,
    victim: String,
    risk: &'static str,
    risk_label: &'static str,
    actions: Vec<ActionLine>,
}

#[derive(Template)]
#[template(path = "conference.html")]
struct ConferencePage {
    c: Ctx,
    title: String,
    id: Uuid,
    on: String,
    planned: bool,
    /// New cases may be put on its agenda (it is not dated in the past).
    may_hear: bool,
    status: &'static str,
    version: i64,
    invited: Vec<Choice<String, String>>,
    present: String,
    heard: Vec<HeardLine>,
    open_before: Vec<ActionLine>,
    waiting: Vec<WaitingLine>,
    departments: Vec<Choice<String, String>>,
    form: HashMap<String, String>,
    errors: Vec<FieldError>,
    /// Its actions' forms come back here.
    from_conference: bool,
}

impl ConferencePage {
    fn v(&self, name: &str) -> String {
        field(&self.form, name)
    }
}

fn risk_label(r: jinguo_domain::screening::Risk) -> &'static str {
    use jinguo_domain::screening::Risk;
    match r {
        Risk::High => "risk.high",
        Risk::Medium => "risk.medium",
        _ => "risk.low",
    }
}

async fn render_conference(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    form: HashMap<String, String>,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let lang = c.lang;
    let v = match s.services.conference(caller, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let county = v.path.split('/').nth(2).unwrap_or_default().to_string();
    let departments = s
        .services
        .departments(caller, &county)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|d| Choice::new(d.key, d.name))
        .collect();
    let heard = v
        .cases
        .iter()
        .map(|k| HeardLine {
            id: k.id,
            place: k.place_name.clone(),
            victim: k.victim.clone(),
            risk: k.risk.key(),
            risk_label: c.tr(risk_label(k.risk)),
            actions: v
                .actions
                .iter()
                .filter(|a| a.case_id == k.id)
                .map(|a| action_line(a, lang))
                .collect(),
        })
        .collect();
    let names = |l: &[(String, String)]| {
        l.iter()
            .map(|(k, n)| if n.is_empty() { k.clone() } else { n.clone() })
            .collect::<Vec<_>>()
            .join("、")
    };
    let p = ConferencePage {
        title: c.tr("conference.title").to_string(),
        id: v.id,
        on: v.conference_on.to_string(),
        planned: v.status == ConferenceStatus::Planned,
        may_hear: v.conference_on >= clock::today(),
        status: v.status.label(lang),
        version: v.version,
        invited: v
            .invited
            .iter()
            .map(|(k, n)| Choice::new(k.clone(), n.clone()))
            .collect(),
        present: names(&v.present),
        heard,
        open_before: v.open_before.iter().map(|a| action_line(a, lang)).collect(),
        waiting: v.awaiting.iter().map(|a| waiting_line(a, lang)).collect(),
        departments,
        form,
        errors,
        from_conference: true,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn conference_page(
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
    render_conference(
        &s,
        c,
        &caller,
        id,
        HashMap::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// A write on a conference from its page: held, a case heard, an action added.
pub(super) async fn conference_step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path((id, step)): Path<(Uuid, String)>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let r = match step.as_str() {
        "held" => {
            s.services
                .conference_held(
                    &caller,
                    id,
                    &ticked(&f.fields, "present."),
                    g("version").parse().unwrap_or(0),
                )
                .await
        }
        "cases" => match Uuid::parse_str(g("case").trim()) {
            Ok(case) => s.services.hear_case(&caller, id, case).await,
            Err(_) => Err(ServiceError::NotFound),
        },
        "actions" => {
            let input = ActionInput {
                case: Uuid::parse_str(g("case").trim()).ok(),
                department: g("department"),
                action: g("action"),
                due_on: g("due_on"),
            };
            s.services.add_action(&caller, id, &input).await.map(|_| ())
        }
        _ => Err(ServiceError::NotFound),
    };
    match r {
        Ok(()) => Redirect::to(&format!("/conferences/{id}")).into_response(),
        Err(e) => match super::refusal(&e, &c, "error.conflict.detail") {
            Some((errors, status)) => {
                render_conference(&s, c, &caller, id, f.fields, errors, status).await
            }
            None => error_page(&e, c),
        },
    }
}

/// The minutes of a conference, as a Word file.
pub(super) async fn minutes(
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
    match s.services.conference_minutes(&caller, id).await {
        Ok((name, bytes)) => super::mediation::docx_response(&name, bytes),
        Err(e) => error_page(&e, c),
    }
}

/// The minutes as PDF.
pub(super) async fn minutes_pdf(
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
    match s
        .services
        .conference_minutes_as(&caller, id, jinguo_services::DocFormat::Pdf)
        .await
    {
        Ok((name, bytes)) => super::mediation::pdf_response(&name, bytes),
        Err(e) => error_page(&e, c),
    }
}

#[derive(Template)]
#[template(path = "actions.html")]
struct ActionsPage {
    c: Ctx,
    title: String,
    lines: Vec<ActionLine>,
    from_conference: bool,
}

/// The actions given to the officer's departments: the action, its deadline and status, never
/// anything of the victim.
pub(super) async fn actions_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let list = match s.services.my_actions(&caller).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let p = ActionsPage {
        title: c.tr("actions.title").to_string(),
        lines: list.iter().map(|a| action_line(a, lang)).collect(),
        from_conference: false,
        c,
    };
    page(p.render(), StatusCode::OK)
}

/// Marks an action done (confirmed first): back to its conference for staff who came from
/// there, to the department's actions otherwise.
pub(super) async fn action_done(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let back = Uuid::parse_str(field(&f.fields, "conference").trim()).ok();
    match s.services.complete_action(&caller, id).await {
        Ok(()) => match back {
            Some(conf) => Redirect::to(&format!("/conferences/{conf}")).into_response(),
            None => Redirect::to("/actions").into_response(),
        },
        Err(e) => match (back, super::refusal(&e, &c, "error.conflict.detail")) {
            (Some(conf), Some((errors, status))) => {
                render_conference(&s, c, &caller, conf, HashMap::new(), errors, status).await
            }
            _ => error_page(&e, c),
        },
    }
}
