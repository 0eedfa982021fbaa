//! Public-opinion pages: the desk (`/opinion`: topics to judge, clocks running and overdue,
//! open topics), one topic with its items, proposals, clocks, steps and their forms, and the
//! form to report an item by hand from a phone.

use super::{Choice, Ctx, FieldError, error_page, page};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::Lang;
use jinguo_domain::opinion::Grade;
use jinguo_services::clock;
use jinguo_services::opinion::{Incoming, Ingested, ItemView, StepInput, TopicLine, TopicView};
use jinguo_services::{Caller, ServiceError};
use serde::Deserialize;
use uuid::Uuid;

/// A topic in a list, as shown.
pub(crate) struct Line {
    pub id: Uuid,
    pub title: String,
    pub place: String,
    pub stage: &'static str,
    pub category: String,
    pub grade: String,
    pub items: i64,
    pub found_at: String,
    pub due_at: String,
    pub overdue: bool,
}

/// A page shown again with refused fields is 422, else 200.
fn status_for(errors: &[FieldError]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

fn grade_label(g: Option<Grade>, proposed: Option<Grade>, lang: Lang) -> String {
    match (g, proposed) {
        (Some(g), _) => g.label(lang).to_string(),
        (None, Some(p)) => format!("{}{}", lang.pick("建议", "proposed "), p.label(lang)),
        (None, None) => String::new(),
    }
}

pub(crate) fn line(l: &TopicLine, lang: Lang) -> Line {
    Line {
        id: l.id,
        title: l.title.clone(),
        place: l.place_name.clone(),
        stage: l.stage.label(lang),
        category: l.category_label.clone(),
        grade: grade_label(l.grade, l.proposed_grade, lang),
        items: l.items,
        found_at: clock::local(l.found_at),
        due_at: l.due_at.map(clock::local).unwrap_or_default(),
        overdue: l.overdue,
    }
}

#[derive(Template)]
#[template(path = "opinion.html")]
struct DeskPage {
    c: Ctx,
    title: String,
    to_judge: Vec<Line>,
    open: Vec<Line>,
    recent: Vec<Line>,
    running: i64,
    overdue: i64,
    /// The counties whose categories she keeps (federation staff of a county).
    counties: Vec<String>,
}

pub(super) async fn desk_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let d = match s.services.opinion_desk(&caller, lang).await {
        Ok(d) => d,
        Err(e) => return error_page(&e, c),
    };
    let recent = match s.services.topics(&caller, None, None, lang).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let p = DeskPage {
        title: c.tr("opinion.title").to_string(),
        to_judge: d.to_judge.iter().map(|l| line(l, lang)).collect(),
        open: d.open.iter().map(|l| line(l, lang)).collect(),
        recent: recent.iter().take(50).map(|l| line(l, lang)).collect(),
        running: d.running,
        overdue: d.overdue,
        counties: grant_places(&caller, &[jinguo_domain::account::Role::Staff])
            .into_iter()
            .map(|p| p.value)
            .filter(|code| code.len() == 6)
            .collect(),
        c,
    };
    page(p.render(), StatusCode::OK)
}

/// An item of a topic, as shown.
struct ItemLine {
    id: Uuid,
    title: String,
    body: String,
    link: String,
    source: String,
    found_at: String,
    keywords: String,
    place_words: String,
    near_duplicate: bool,
}

fn item_line(i: &ItemView) -> ItemLine {
    ItemLine {
        id: i.id,
        title: i.title.clone(),
        body: i.body.clone(),
        // Only web links are made clickable.
        link: if i.link.starts_with("http://") || i.link.starts_with("https://") {
            i.link.clone()
        } else {
            String::new()
        },
        source: i.source.clone(),
        found_at: clock::local(i.found_at),
        keywords: i.keywords.join("、"),
        place_words: i.place_words.join("、"),
        near_duplicate: i.near_duplicate_of.is_some(),
    }
}

struct ClockLine {
    kind: String,
    due_at: String,
    done: bool,
    overdue: bool,
    level: i64,
}

struct StepLine {
    kind: &'static str,
    at: String,
    by: String,
    note: String,
}

#[derive(Template)]
#[template(path = "opinion_topic.html")]
struct TopicPage {
    c: Ctx,
    title: String,
    id: Uuid,
    line: Line,
    version: i64,
    items: Vec<ItemLine>,
    suggestions: Vec<ItemLine>,
    clocks: Vec<ClockLine>,
    steps: Vec<StepLine>,
    response: String,
    v: TopicView,
    categories: Vec<Choice<String, String>>,
    grades: Vec<Choice>,
    errors: Vec<FieldError>,
    saved: bool,
}

async fn render_topic(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    errors: Vec<FieldError>,
    saved: bool,
) -> Response {
    let lang = c.lang;
    let v = match s.services.topic(caller, id, lang).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let status = status_for(&errors);
    let p = TopicPage {
        title: v.line.title.clone(),
        id: v.line.id,
        line: line(&v.line, lang),
        version: v.version,
        items: v.items.iter().map(item_line).collect(),
        suggestions: v.suggestions.iter().map(item_line).collect(),
        clocks: v
            .clocks
            .iter()
            .map(|k| ClockLine {
                kind: jinguo_domain::linkage::DeadlineKind::parse(&k.kind)
                    .map(|d| d.label(lang).to_string())
                    .unwrap_or_else(|| k.kind.clone()),
                due_at: clock::local(k.due_at),
                done: k.done,
                overdue: k.overdue,
                level: k.level,
            })
            .collect(),
        steps: v
            .steps
            .iter()
            .map(|st| StepLine {
                kind: st.kind.label(lang),
                at: clock::local(st.at),
                by: st.by.clone(),
                note: st.note.clone(),
            })
            .collect(),
        response: v.response.clone(),
        categories: v
            .categories
            .iter()
            .map(|(k, l)| Choice::new(k.clone(), l.clone()))
            .collect(),
        grades: Grade::ALL
            .iter()
            .map(|g| Choice::new(g.key(), g.label(lang)))
            .collect(),
        v,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

#[derive(Deserialize)]
pub(super) struct SavedQuery {
    pub(super) saved: Option<String>,
}

pub(super) async fn topic_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    render_topic(&s, c, &caller, id, Vec::new(), q.saved.is_some()).await
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct StepForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    expected_version: i64,
    #[serde(default)]
    category: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    response: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(StepForm);

pub(super) async fn topic_step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, f): CheckedForm<StepForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let input = StepInput {
        step: f.step,
        expected_version: f.expected_version,
        category: f.category,
        grade: f.grade,
        note: f.note,
        response: f.response,
        item: Uuid::parse_str(&f.item).ok(),
    };
    match s.services.topic_step(&caller, id, &input).await {
        Ok(()) => Redirect::to(&format!("/opinion/topics/{id}?saved=1")).into_response(),
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => render_topic(&s, c, &caller, id, errors, false).await,
            None => error_page(&e, c),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ReportForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    hotline: Option<String>,
    #[serde(default)]
    csrf: String,
}
csrf_form!(ReportForm);

#[derive(Template)]
#[template(path = "opinion_report.html")]
struct ReportPage {
    c: Ctx,
    title: String,
    form: ReportForm,
    places: Vec<Choice<String, String>>,
    errors: Vec<FieldError>,
    saved: bool,
}

/// The places she may report about: those of her grants (a representative's resident group,
/// an officer's or staff's place).
fn report_places(caller: &Caller) -> Vec<Choice<String, String>> {
    use jinguo_domain::account::Role;
    grant_places(
        caller,
        &[Role::Staff, Role::OpinionOfficer, Role::Representative],
    )
}

/// The places of her grants of these roles.
fn grant_places(
    caller: &Caller,
    roles: &[jinguo_domain::account::Role],
) -> Vec<Choice<String, String>> {
    let mut out: Vec<Choice<String, String>> = Vec::new();
    for g in &caller.grants {
        if !roles.contains(&g.role) {
            continue;
        }
        let code = g
            .scope_path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        if !code.is_empty() && !out.iter().any(|c| c.value == code) {
            out.push(Choice::new(code.clone(), code));
        }
    }
    out
}

async fn render_report(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    form: ReportForm,
    errors: Vec<FieldError>,
    saved: bool,
) -> Response {
    let mut places = report_places(caller);
    for p in &mut places {
        if let Ok(Some(place)) = s.services.cached().place(&p.value).await {
            p.label = format!("{} {}", place.code, place.name);
        }
    }
    let status = status_for(&errors);
    let p = ReportPage {
        title: c.tr("opinion.report").to_string(),
        form,
        places,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn report_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    if caller.report_scope().is_empty() {
        return error_page(&ServiceError::Forbidden, c);
    }
    render_report(
        &s,
        c,
        &caller,
        ReportForm::default(),
        Vec::new(),
        q.saved.is_some(),
    )
    .await
}

pub(super) async fn report(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, f): CheckedForm<ReportForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let input = Incoming {
        title: f.title.clone(),
        body: f.body.clone(),
        link: f.link.clone(),
        place: Some(f.place.clone()),
        ..Incoming::default()
    };
    match s
        .services
        .report_item(&caller, f.hotline.is_some(), &input)
        .await
    {
        Ok(Ingested::New { .. }) | Ok(Ingested::Duplicate) => {
            Redirect::to("/opinion/report?saved=1").into_response()
        }
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => render_report(&s, c, &caller, f, errors, false).await,
            None => error_page(&e, c),
        },
    }
}

/// The places where she may hold a review meeting: those of her chair's and officer's grants.
fn meeting_places(caller: &Caller) -> Vec<Choice<String, String>> {
    use jinguo_domain::account::Role;
    grant_places(caller, &[Role::Staff, Role::OpinionOfficer])
}

/// The follow-up task rows of the meeting form.
const TASK_ROWS: [usize; 3] = [1, 2, 3];

#[derive(Template)]
#[template(path = "opinion_meetings.html")]
struct MeetingsPage {
    c: Ctx,
    title: String,
    lines: Vec<jinguo_services::meetings::MeetingLine>,
    places: Vec<Choice<String, String>>,
    topics: Vec<Choice<String, String>>,
    rows: [usize; 3],
    form_place: String,
    met_on: String,
    attendees: String,
    conclusions: String,
    errors: Vec<FieldError>,
}

async fn render_meetings(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    form: &std::collections::HashMap<String, String>,
    errors: Vec<FieldError>,
) -> Response {
    let lang = c.lang;
    let lines = match s.services.meetings(caller, None).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let mut places = meeting_places(caller);
    for p in &mut places {
        if let Ok(Some(place)) = s.services.cached().place(&p.value).await {
            p.label = format!("{} {}", place.code, place.name);
        }
    }
    let topics = match s.services.topics(caller, None, None, lang).await {
        Ok(l) => l
            .iter()
            .filter(|t| t.stage != jinguo_domain::opinion::Stage::Closed)
            .take(30)
            .map(|t| Choice::new(t.id.to_string(), format!("{} · {}", t.title, t.place_name)))
            .collect(),
        Err(e) => return error_page(&e, c),
    };
    let status = status_for(&errors);
    let g = |n: &str| super::field(form, n);
    let p = MeetingsPage {
        title: c.tr("opinion.meetings").to_string(),
        lines,
        places,
        topics,
        rows: TASK_ROWS,
        form_place: g("place"),
        met_on: if form.is_empty() {
            clock::today().format("%Y-%m-%d").to_string()
        } else {
            g("met_on")
        },
        attendees: g("attendees"),
        conclusions: g("conclusions"),
        errors,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn meetings_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render_meetings(&s, c, &caller, &Default::default(), Vec::new()).await
}

pub(super) async fn add_meeting(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, f): CheckedForm<super::FreeForm>,
) -> Response {
    use jinguo_services::meetings::{MeetingInput, TaskInput};
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| super::field(&f.fields, n);
    let mut topics: Vec<Uuid> = f
        .fields
        .keys()
        .filter_map(|k| k.strip_prefix("topic."))
        .filter_map(|id| Uuid::parse_str(id).ok())
        .collect();
    topics.sort();
    let tasks = TASK_ROWS
        .iter()
        .map(|n| TaskInput {
            task: g(&format!("task_{n}")),
            owner: g(&format!("owner_{n}")),
            due_by: g(&format!("due_by_{n}")),
        })
        .filter(|t| {
            !(t.task.trim().is_empty() && t.owner.trim().is_empty() && t.due_by.trim().is_empty())
        })
        .collect();
    let input = MeetingInput {
        met_on: g("met_on"),
        attendees: g("attendees"),
        conclusions: g("conclusions"),
        topics,
        tasks,
    };
    let place = g("place");
    let out = if place.trim().is_empty() {
        let mut v = jinguo_domain::ValidationErrors::new();
        v.push("place", "required");
        Err(ServiceError::from(v))
    } else {
        s.services.add_meeting(&caller, &place, &input).await
    };
    match out {
        Ok(id) => Redirect::to(&format!("/opinion/meetings/{id}?saved=1")).into_response(),
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => render_meetings(&s, c, &caller, &f.fields, errors).await,
            None => error_page(&e, c),
        },
    }
}

struct TaskLine {
    id: Uuid,
    task: String,
    owner: String,
    due_at: String,
    done: bool,
    done_at: String,
    done_by: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "opinion_meeting.html")]
struct MeetingPage {
    c: Ctx,
    title: String,
    v: jinguo_services::meetings::MeetingView,
    topics: Vec<Line>,
    tasks: Vec<TaskLine>,
    errors: Vec<FieldError>,
    saved: bool,
}

async fn render_meeting(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    errors: Vec<FieldError>,
    saved: bool,
) -> Response {
    let lang = c.lang;
    let v = match s.services.meeting(caller, id, lang).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let status = status_for(&errors);
    let p = MeetingPage {
        title: format!("{} {}", c.tr("opinion.meeting"), v.line.met_on),
        topics: v.topics.iter().map(|l| line(l, lang)).collect(),
        tasks: v
            .tasks
            .iter()
            .map(|t| TaskLine {
                id: t.id,
                task: t.task.clone(),
                owner: t.owner.clone(),
                due_at: clock::local(t.due_at),
                done: t.done_at.is_some(),
                done_at: t.done_at.map(clock::local).unwrap_or_default(),
                done_by: t.done_by.clone(),
                overdue: t.overdue,
            })
            .collect(),
        v,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn meeting_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    render_meeting(&s, c, &caller, id, Vec::new(), q.saved.is_some()).await
}

pub(super) async fn finish_task(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path((id, task)): Path<(String, String)>,
    CheckedForm(caller, _f): CheckedForm<super::FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let (Ok(id), Ok(task)) = (Uuid::parse_str(&id), Uuid::parse_str(&task)) else {
        return error_page(&ServiceError::NotFound, c);
    };
    match s.services.finish_task(&caller, id, task).await {
        Ok(()) => Redirect::to(&format!("/opinion/meetings/{id}?saved=1")).into_response(),
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => render_meeting(&s, c, &caller, id, errors, false).await,
            None => error_page(&e, c),
        },
    }
}

#[derive(Deserialize)]
pub(super) struct FiguresQuery {
    place: Option<String>,
    month: Option<String>,
}

#[derive(Template)]
#[template(path = "opinion_figures.html")]
struct FiguresPage {
    c: Ctx,
    title: String,
    f: jinguo_services::opinion_figures::MonthFigures,
    places: Vec<Choice<String, String>>,
    mean_hours: String,
    breakdowns: Vec<(&'static str, Vec<jinguo_services::opinion_figures::Count>)>,
    clocks: Vec<(&'static str, jinguo_services::opinion_figures::ClockFigures)>,
    period_action: String,
    /// What the period's form sends again (the place).
    period_keep: Vec<(String, String)>,
    /// The period asked for instead of a month, as the caller would write it again, and in
    /// words.
    period: String,
    period_label: String,
}

/// A level's monthly figures: her first place unless she chose one.
pub(super) async fn figures_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    axum::extract::Query(q): axum::extract::Query<FiguresQuery>,
    axum::extract::Query(pq): axum::extract::Query<crate::api::FiguresPeriodQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let period = match pq.optional() {
        Ok(p) => p,
        Err(e) => return error_page(&e, c),
    };
    let mut places = meeting_places(&caller);
    let place = q
        .place
        .filter(|p| !p.trim().is_empty())
        .or_else(|| places.first().map(|p| p.value.clone()));
    let Some(place) = place else {
        return error_page(&ServiceError::Forbidden, c);
    };
    let f = match s
        .services
        .opinion_figures_of(&caller, &place, q.month.as_deref(), period, lang)
        .await
    {
        Ok(f) => f,
        Err(e) => return error_page(&e, c),
    };
    for p in &mut places {
        if let Ok(Some(pl)) = s.services.cached().place(&p.value).await {
            p.label = format!("{} {}", pl.code, pl.name);
        }
    }
    if !places.iter().any(|p| p.value == f.place_code) {
        places.push(Choice::new(
            f.place_code.clone(),
            format!("{} {}", f.place_code, f.place_name),
        ));
    }
    let p = FiguresPage {
        title: format!("{} · {} {}", c.tr("opinion.figures"), f.place_name, f.month),
        mean_hours: f
            .mean_answer_hours
            .map(|h| format!("{h:.1}"))
            .unwrap_or_default(),
        breakdowns: vec![
            (c.tr("opinion.by_source"), f.by_source.clone()),
            (c.tr("opinion.by_category"), f.by_category.clone()),
            (c.tr("opinion.by_grade"), f.by_grade.clone()),
            (c.tr("opinion.by_place"), f.by_place.clone()),
        ],
        clocks: f
            .clocks
            .iter()
            .map(|k| (k.kind.label(lang), k.clone()))
            .collect(),
        places,
        period_action: "/opinion/figures".into(),
        period_keep: vec![("place".to_string(), f.place_code.clone())],
        period: period.map(|p| p.key()).unwrap_or_default(),
        period_label: period.map(|p| p.label(lang)).unwrap_or_default(),
        f,
        c,
    };
    page(p.render(), StatusCode::OK)
}
