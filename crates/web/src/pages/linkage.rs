//! Anti-domestic-violence linkage pages: the cases of a place with the intake form, one case
//! with its referrals, instruments and clocks and their forms, a department officer's referrals
//! and one referral, the inbox, the board, and the departments' settings.

use super::{Choice, Ctx, FieldError, FreeForm, error_page, field, page};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use jinguo_domain::Lang;
use jinguo_domain::account::Role;
use jinguo_domain::linkage::{
    Basis, CaseInput, CaseSource, EventInput, EventKind, InstrumentInput, InstrumentKind, Party,
    ReferralInput, Request, RiskFactor, Severity, SharedField, ViolenceKind,
};
use jinguo_domain::screening::Risk;
use jinguo_services::clock;
use jinguo_services::linkage::{CaseView, ReferralView};
use jinguo_services::{Caller, ServiceError};
use std::collections::HashMap;
use uuid::Uuid;

type Options = Vec<Choice>;

fn options<T: Copy>(
    all: &[T],
    key: fn(T) -> &'static str,
    label: fn(T, Lang) -> &'static str,
    lang: Lang,
) -> Options {
    all.iter()
        .map(|k| Choice::new(key(*k), label(*k, lang)))
        .collect()
}

fn risk_key(r: jinguo_domain::screening::Risk) -> &'static str {
    match r {
        jinguo_domain::screening::Risk::High => "risk.high",
        jinguo_domain::screening::Risk::Medium => "risk.medium",
        _ => "risk.low",
    }
}

/// The keys ticked in a form whose checkboxes are named `prefix.key`.
pub(super) fn ticked(form: &HashMap<String, String>, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = form
        .keys()
        .filter_map(|k| k.strip_prefix(prefix).map(str::to_string))
        .collect();
    v.sort();
    v
}

struct CaseLine {
    id: Uuid,
    victim: String,
    violence: String,
    risk: &'static str,
    risk_key: &'static str,
    source: &'static str,
    received_on: String,
    open: bool,
}

fn case_line(c: &CaseView, lang: Lang) -> CaseLine {
    CaseLine {
        id: c.id,
        victim: c.victim_name.clone(),
        violence: c
            .violence
            .iter()
            .map(|k| k.label(lang))
            .collect::<Vec<_>>()
            .join("、"),
        risk: c.risk.key(),
        risk_key: risk_key(c.risk),
        source: c.source.label(lang),
        received_on: c.received_on.to_string(),
        open: c.open,
    }
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    c: Ctx,
    title: String,
    code: String,
    lines: Vec<CaseLine>,
    violence: Options,
    severities: Options,
    factors: Options,
    sources: Options,
    form: HashMap<String, String>,
    errors: Vec<FieldError>,
}

impl CasesPage {
    fn v(&self, name: &str) -> String {
        field(&self.form, name)
    }
    fn on(&self, name: &str) -> bool {
        self.form.contains_key(name)
    }
}

async fn render_cases(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    code: &str,
    form: HashMap<String, String>,
    errors: Vec<FieldError>,
) -> Response {
    let list = match s.services.cases(caller, code, false).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let lang = c.lang;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let p = CasesPage {
        title: c.tr("cases.title").to_string(),
        code: code.to_string(),
        lines: list.iter().map(|x| case_line(x, lang)).collect(),
        violence: options(
            ViolenceKind::ALL,
            ViolenceKind::key,
            ViolenceKind::label,
            lang,
        ),
        severities: options(Severity::ALL, Severity::key, Severity::label, lang),
        factors: options(RiskFactor::ALL, RiskFactor::key, RiskFactor::label, lang),
        sources: options(CaseSource::ALL, CaseSource::key, CaseSource::label, lang),
        form,
        errors,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn cases_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render_cases(&s, c, &caller, &code, HashMap::new(), Vec::new()).await
}

/// Staff go to their place's cases; a department's officer to her referrals.
pub(super) async fn my_cases(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    if caller.has_role(Role::Staff)
        && let Some(home) = s.services.home_place(&caller)
    {
        return Redirect::to(&format!("/places/{home}/cases")).into_response();
    }
    if caller.has_role(Role::Liaison) {
        return Redirect::to("/referrals").into_response();
    }
    error_page(&ServiceError::Forbidden, Ctx::with(lang, &uri, &caller))
}

pub(super) async fn register_case(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let input = CaseInput {
        victim_person_id: None,
        victim_name: g("victim_name"),
        victim_phone: g("victim_phone"),
        abuser_name: g("abuser_name"),
        relationship: g("relationship"),
        violence: ticked(&f.fields, "violence."),
        severity: g("severity"),
        risk_factors: ticked(&f.fields, "factor."),
        children: g("children")
            .trim()
            .parse()
            .unwrap_or(if g("children").trim().is_empty() {
                0
            } else {
                -1
            }),
        source: g("source"),
        received_on: g("received_on"),
        narrative: g("narrative"),
        consent_to_share: f.fields.contains_key("consent_to_share"),
        victim_address: g("victim_address"),
        address_confidential: f.fields.contains_key("address_confidential"),
    };
    match s.services.register_case(&caller, &code, &input).await {
        Ok(id) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => render_cases(&s, c, &caller, &code, f.fields, errors).await,
            None => error_page(&e, c),
        },
    }
}

pub(super) struct ReferralLine {
    pub(super) id: Uuid,
    pub(super) department: String,
    pub(super) requests: String,
    pub(super) shared: String,
    pub(super) status: &'static str,
    pub(super) status_key: &'static str,
    pub(super) sent_at: String,
    pub(super) due_at: String,
    pub(super) left: String,
    pub(super) overdue: bool,
    pub(super) action: String,
    pub(super) version: i64,
}

pub(super) fn left(due: DateTime<Utc>, lang: Lang) -> String {
    let m = (due - clock::now()).num_minutes();
    let (h, mm) = (m.abs() / 60, m.abs() % 60);
    match (lang, m < 0) {
        (Lang::Zh, false) => format!("剩余 {h} 小时 {mm} 分"),
        (Lang::Zh, true) => format!("超时 {h} 小时 {mm} 分"),
        (Lang::En, false) => format!("{h} h {mm} min left"),
        (Lang::En, true) => format!("{h} h {mm} min overdue"),
    }
}

pub(super) fn referral_line(r: &ReferralView, lang: Lang) -> ReferralLine {
    ReferralLine {
        id: r.id,
        department: r.department_name.clone(),
        requests: r
            .requests
            .iter()
            .map(|k| k.label(lang))
            .collect::<Vec<_>>()
            .join("、"),
        shared: r
            .shared
            .iter()
            .map(|k| k.label(lang))
            .collect::<Vec<_>>()
            .join("、"),
        status: r.status.label(lang),
        status_key: r.status.key(),
        sent_at: clock::local(r.sent_at),
        due_at: clock::local(r.due_at),
        left: if r.status == jinguo_domain::linkage::ReferralStatus::Sent {
            left(r.due_at, lang)
        } else {
            String::new()
        },
        overdue: r.overdue,
        action: r.action.clone(),
        version: r.version,
    }
}

struct InstrumentLine {
    id: Uuid,
    kind: &'static str,
    started_at: String,
    party: &'static str,
    reporter: String,
    reference: String,
    status: String,
    valid_until: String,
    events: Vec<String>,
    version: i64,
    /// The events this kind takes.
    choices: Options,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    c: Ctx,
    title: String,
    /// The victim's consents to share, for staff.
    consents: Vec<ConsentLine>,
    case: CaseView,
    l: CaseLine,
    staff: bool,
    owner: bool,
    steps: Vec<StepLine>,
    referrals: Vec<ReferralLine>,
    instruments: Vec<InstrumentLine>,
    clocks: Vec<ClockLine>,
    evidence: Vec<EvidenceLine>,
    /// The county's departments, by key.
    departments: Vec<Choice<String, String>>,
    requests: Options,
    shared: Options,
    bases: Options,
    kinds: Options,
    parties: Options,
    /// Staff: the risk assessments, newest first, and the form's questions.
    assessments: Vec<AssessmentLine>,
    questions: Vec<QuestionLine>,
    judgements: Options,
    errors: Vec<FieldError>,
}

/// A risk assessment of a case, as its page lists it.
struct AssessmentLine {
    at: String,
    by: String,
    score: i64,
    result: &'static str,
    result_label: &'static str,
    basis: &'static str,
    with_victim: bool,
    incidents: String,
    /// Its owner only.
    reason: String,
}

/// A question of the assessment form, with the answer it starts from.
struct QuestionLine {
    key: String,
    text: String,
    answer: String,
}

/// A step of a case, as its page lists it.
struct StepLine {
    at: String,
    /// What was done, in words.
    kind: String,
    department: String,
    by: String,
}

/// A clock of a case, as its page lists it.
struct ClockLine {
    /// What is due, in words.
    kind: &'static str,
    due: String,
    /// How many times it was escalated.
    level: i64,
    done: bool,
    overdue: bool,
}

/// A file kept with a case, as its page lists it.
struct EvidenceLine {
    id: Uuid,
    name: String,
    media_type: String,
    /// In KB.
    size: String,
    added_at: String,
}

/// A consent to share, as the case page lists it.
struct ConsentLine {
    id: Uuid,
    department: String,
    given_by: String,
    at: String,
    withdrawn: Option<String>,
}

async fn render_case(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let (v, r) = match s.services.case(caller, id).await {
        Ok(x) => x,
        Err(e) => return error_page(&e, c),
    };
    let lang = c.lang;
    let county = v
        .place_path
        .split('/')
        .nth(2)
        .unwrap_or_default()
        .to_string();
    let departments = if v.access.staff && !v.access.emergency {
        s.services
            .departments(caller, &county)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|d| Choice::new(d.key, d.name))
            .collect()
    } else {
        Vec::new()
    };
    let step_label = |k: &str| -> String {
        let key = format!("case.step.{}", k.split('.').next().unwrap_or_default());
        let base = c.tr(&key);
        match k.split_once('.') {
            Some((_, rest)) => {
                let detail = InstrumentKind::parse(rest)
                    .map(|i| i.label(lang))
                    .or_else(|| EventKind::parse(rest).map(|e| e.label(lang)))
                    .unwrap_or(rest);
                format!("{base}：{detail}")
            }
            None => base.to_string(),
        }
    };
    let consents = if v.access.staff && !v.access.emergency {
        s.services
            .share_consents(caller, id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|k| ConsentLine {
                id: k.id,
                department: k
                    .department
                    .unwrap_or_else(|| c.tr("consent.all_departments").to_string()),
                given_by: match (k.guardian_name, k.guardian_relationship) {
                    (Some(n), Some(r)) => format!("{}：{n}（{r}）", c.tr("consent.by_guardian")),
                    _ => c.tr("consent.self").to_string(),
                },
                at: format!("{} · {}", clock::local(k.recorded_at), k.recorded_by),
                withdrawn: k.withdrawn_at.map(clock::local),
            })
            .collect()
    } else {
        Vec::new()
    };
    let (assessments, questions) = if v.access.staff && !v.access.emergency {
        match s.services.case_assessments(caller, id).await {
            Ok(a) => {
                let start = jinguo_services::assessment::starting_answers(&a, &v.risk_factors);
                let lines = a
                    .assessments
                    .iter()
                    .map(|x| AssessmentLine {
                        at: clock::local(x.assessed_at),
                        by: x.assessed_by.clone(),
                        score: x.score,
                        result: x.result.key(),
                        result_label: c.tr(risk_key(x.result)),
                        basis: x.basis.label(lang),
                        with_victim: x.with_victim,
                        incidents: x.incidents.map(|n| n.to_string()).unwrap_or_default(),
                        reason: x.reason.clone(),
                    })
                    .collect();
                let questions = a
                    .questions
                    .iter()
                    .map(|q| QuestionLine {
                        key: q.key.clone(),
                        text: q.text(lang).to_string(),
                        answer: start
                            .iter()
                            .find(|(k, _)| *k == q.key)
                            .map(|(_, a)| a.clone())
                            .unwrap_or_default(),
                    })
                    .collect();
                (lines, questions)
            }
            Err(e) => return error_page(&e, c),
        }
    } else {
        (Vec::new(), Vec::new())
    };
    let p = CasePage {
        assessments,
        questions,
        judgements: [Risk::Low, Risk::Medium, Risk::High]
            .iter()
            .map(|r| Choice::new(r.key(), c.tr(risk_key(*r))))
            .collect(),
        consents,
        title: c.tr("case.title").to_string(),
        l: case_line(&v, lang),
        staff: v.access.staff && !v.access.emergency,
        owner: v.access.owner && !v.access.emergency,
        steps: r
            .steps
            .iter()
            .map(|st| StepLine {
                at: clock::local(st.at),
                kind: step_label(&st.kind),
                department: st.department.clone(),
                by: st.by.clone(),
            })
            .collect(),
        referrals: r.referrals.iter().map(|x| referral_line(x, lang)).collect(),
        instruments: r
            .instruments
            .iter()
            .map(|i| InstrumentLine {
                id: i.id,
                kind: i.kind.label(lang),
                started_at: clock::local(i.started_at),
                party: i.party.map(|p| p.label(lang)).unwrap_or(""),
                reporter: i.reporter.clone(),
                reference: i.reference.clone(),
                status: i.status.clone(),
                valid_until: i.valid_until.map(|d| d.to_string()).unwrap_or_default(),
                events: i
                    .events
                    .iter()
                    .map(|e| {
                        let mut s = format!("{} {}", e.on, e.event.label(lang));
                        if let Some(u) = e.valid_until {
                            s.push_str(&format!("（{} {u}）", t(lang, "case.valid_until")));
                        }
                        if !e.note.is_empty() {
                            s.push_str(&format!("：{}", e.note));
                        }
                        s
                    })
                    .collect(),
                version: i.version,
                choices: EventKind::ALL
                    .iter()
                    .filter(|e| jinguo_domain::linkage::event_fits(i.kind, **e))
                    .map(|e| Choice::new(e.key(), e.label(lang)))
                    .collect(),
            })
            .collect(),
        clocks: r
            .clocks
            .iter()
            .map(|k| ClockLine {
                kind: k.kind.label(lang),
                due: clock::local(k.due_at),
                level: k.level,
                done: k.done,
                overdue: k.overdue,
            })
            .collect(),
        evidence: r
            .evidence
            .iter()
            .map(|e| EvidenceLine {
                id: e.id,
                name: e.name.clone(),
                media_type: e.media_type.clone(),
                size: format!("{:.0} KB", (e.size as f64 / 1024.0).ceil()),
                added_at: clock::local(e.created_at),
            })
            .collect(),
        departments,
        requests: options(Request::ALL, Request::key, Request::label, lang),
        shared: options(SharedField::ALL, SharedField::key, SharedField::label, lang),
        bases: options(Basis::ALL, Basis::key, Basis::label, lang),
        kinds: options(
            InstrumentKind::ALL,
            InstrumentKind::key,
            InstrumentKind::label,
            lang,
        ),
        parties: options(Party::ALL, Party::key, Party::label, lang),
        case: v,
        errors,
        c,
    };
    page(p.render(), status)
}

fn t(lang: Lang, key: &str) -> &'static str {
    crate::i18n::t(lang, key)
}

pub(super) async fn case_page(
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
    render_case(&s, c, &caller, id, Vec::new(), StatusCode::OK).await
}

/// After a write on a case: the case again, or the same page with the refused fields.
async fn answer(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    result: Result<(), ServiceError>,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => match super::refusal(&e, &c, "error.conflict.detail") {
            Some((errors, status)) => render_case(s, c, caller, id, errors, status).await,
            None => error_page(&e, c),
        },
    }
}

/// A local date and time from a form (`2026-11-29T14:30`), as UTC; none when empty or wrong.
fn local_time(s: &str) -> Option<DateTime<Utc>> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|t| t.and_local_timezone(clock::CHINA).single())
        .map(|t| t.with_timezone(&Utc))
}

pub(super) async fn refer(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let input = ReferralInput {
        department: g("department"),
        requests: ticked(&f.fields, "request."),
        urgent: f.fields.contains_key("urgent"),
        shared: ticked(&f.fields, "shared."),
        basis: g("basis"),
        basis_note: g("basis_note"),
        due_at: local_time(&g("due_at")),
        note: g("note"),
    };
    let r = s.services.refer(&caller, id, &input).await.map(|_| ());
    answer(&s, c, &caller, id, r).await
}

pub(super) async fn add_instrument(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let input = InstrumentInput {
        instrument: g("instrument"),
        started_at: local_time(&g("started_at")),
        urgent: f.fields.contains_key("urgent"),
        party: g("party"),
        reporter: g("reporter"),
        reference: g("reference"),
        note: g("note"),
    };
    let r = s
        .services
        .add_instrument(&caller, id, &input)
        .await
        .map(|_| ());
    answer(&s, c, &caller, id, r).await
}

pub(super) async fn add_event(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path((id, instrument)): Path<(Uuid, Uuid)>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let input = EventInput {
        event: g("event"),
        on: g("on"),
        valid_until: g("valid_until"),
        note: g("note"),
    };
    let version = g("version").parse().unwrap_or(0);
    let r = s
        .services
        .add_event(&caller, instrument, version, &input)
        .await;
    answer(&s, c, &caller, id, r).await
}

pub(super) async fn assess_case(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let answers = f
        .fields
        .iter()
        .filter_map(|(k, v)| {
            let key = k.strip_prefix("answer.")?;
            (!v.trim().is_empty()).then(|| (key.to_string(), v.trim().to_string()))
        })
        .collect();
    let incidents = match g("incidents").trim() {
        "" => None,
        // A number that is not one is refused on its field, as one out of range.
        n => Some(n.parse().unwrap_or(-1)),
    };
    let input = jinguo_domain::assessment::AssessmentInput {
        answers,
        incidents,
        with_victim: f.fields.contains_key("with_victim"),
        judgement: g("judgement"),
        reason: g("reason"),
    };
    let r = s
        .services
        .assess_case(&caller, id, &input)
        .await
        .map(|_| ());
    answer(&s, c, &caller, id, r).await
}

/// Marks the victim's address confidential, or no longer, from the case page (its owner).
pub(super) async fn address_confidential(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let on = field(&f.fields, "confidential") == "1";
    let r = s.services.set_address_confidential(&caller, id, on).await;
    answer(&s, c, &caller, id, r).await
}

pub(super) async fn close_case(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let version = field(&f.fields, "version").parse().unwrap_or(0);
    let r = s.services.close_case(&caller, id, version).await;
    answer(&s, c, &caller, id, r).await
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct ReferralsPage {
    c: Ctx,
    title: String,
    lines: Vec<ReferralLine>,
}

pub(super) async fn referrals_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let list = match s.services.my_referrals(&caller).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let p = ReferralsPage {
        title: c.tr("referrals.title").to_string(),
        lines: list.iter().map(|r| referral_line(r, lang)).collect(),
        c,
    };
    page(p.render(), StatusCode::OK)
}

#[derive(Template)]
#[template(path = "referral.html")]
struct ReferralPage {
    c: Ctx,
    title: String,
    r: ReferralLine,
    basis: &'static str,
    basis_note: String,
    note: String,
    /// Made on the victim's consent, since withdrawn.
    consent_withdrawn: bool,
    /// Contact is shared with her department but the case holds no phone.
    contact_missing: bool,
    case: CaseView,
    l: CaseLine,
    officer: bool,
    may_ack: bool,
    may_act: bool,
    /// Acknowledged, nothing recorded yet: when what was done is due, and whether that passed.
    action_due: String,
    action_overdue: bool,
    errors: Vec<FieldError>,
}

async fn render_referral(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let (r, case) = match s.services.referral(caller, id).await {
        Ok(x) => x,
        Err(e) => return error_page(&e, c),
    };
    let lang = c.lang;
    let officer = !case.access.departments.is_empty();
    use jinguo_domain::linkage::ReferralStatus as St;
    let p = ReferralPage {
        title: c.tr("referral.title").to_string(),
        basis: r.basis.label(lang),
        basis_note: r.basis_note.clone(),
        note: r.note.clone(),
        consent_withdrawn: r.consent_withdrawn,
        contact_missing: officer
            && !r.consent_withdrawn
            && r.shared
                .contains(&jinguo_domain::linkage::SharedField::Contact)
            && case.victim_phone.is_empty(),
        may_ack: officer && r.status == St::Sent,
        may_act: officer && r.status == St::Acknowledged,
        action_due: r
            .action_due_at
            .map(|d| format!("{} {}", clock::local(d), left(d, lang)))
            .unwrap_or_default(),
        action_overdue: r.action_due_at.is_some_and(|d| d < clock::now()),
        r: referral_line(&r, lang),
        l: case_line(&case, lang),
        case,
        officer,
        errors,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn referral_page(
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
    render_referral(&s, c, &caller, id, Vec::new(), StatusCode::OK).await
}

pub(super) async fn referral_step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path((id, step)): Path<(Uuid, String)>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let version = field(&f.fields, "version").parse().unwrap_or(0);
    let r = match step.as_str() {
        "acknowledge" => s.services.acknowledge(&caller, id, version).await,
        "actions" => {
            s.services
                .record_action(
                    &caller,
                    id,
                    version,
                    &field(&f.fields, "action"),
                    f.fields.contains_key("done"),
                )
                .await
        }
        _ => Err(ServiceError::NotFound),
    };
    match r {
        Ok(_) => Redirect::to(&format!("/referrals/{id}")).into_response(),
        Err(e) => match super::refusal(&e, &c, "error.conflict.detail") {
            Some((errors, status)) => render_referral(&s, c, &caller, id, errors, status).await,
            None => error_page(&e, c),
        },
    }
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    c: Ctx,
    title: String,
    unread: i64,
    lines: Vec<NotificationLine>,
}

struct NotificationLine {
    id: Uuid,
    text: String,
    at: String,
    read: bool,
    /// Its escalation level.
    level: i64,
}

pub(super) async fn inbox_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let (list, unread) = match s.services.inbox(&caller, lang).await {
        Ok(x) => x,
        Err(e) => return error_page(&e, c),
    };
    let p = InboxPage {
        title: c.tr("inbox.title").to_string(),
        unread,
        lines: list
            .into_iter()
            .map(|n| NotificationLine {
                id: n.id,
                text: n.text,
                at: clock::local(n.created_at),
                read: n.read,
                level: n.level,
            })
            .collect(),
        c,
    };
    page(p.render(), StatusCode::OK)
}

/// Opens a notification: marks it read and goes where it points (the link it was stored with,
/// never one the form sends).
pub(super) async fn inbox_open(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, _): CheckedForm<FreeForm>,
) -> Response {
    match s.services.mark_read(&caller, id).await {
        Ok(link) if link.starts_with('/') && !link.starts_with("//") => {
            Redirect::to(&link).into_response()
        }
        Ok(_) => Redirect::to("/inbox").into_response(),
        Err(e) => error_page(&e, Ctx::with(lang, &uri, &caller)),
    }
}

#[derive(Template)]
#[template(path = "linkage_board.html")]
struct BoardPage {
    c: Ctx,
    title: String,
    code: String,
    /// (department, in linkage, open, overdue, waiting: (referral, due, left, overdue), months)
    lines: Vec<BoardRow>,
}

struct BoardRow {
    name: String,
    in_linkage: bool,
    open: i64,
    overdue: i64,
    waiting: Vec<WaitingLine>,
    months: String,
}

/// An open referral on the board.
struct WaitingLine {
    referral: Uuid,
    /// The deadline, local time.
    due: String,
    /// The time left (or past it), in words.
    left: String,
    overdue: bool,
}

pub(super) async fn board_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(q): Query<crate::api::PeriodQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let period = match q.optional() {
        Ok(p) => p,
        Err(e) => return error_page(&e, c),
    };
    let board = match s.services.linkage_board(&caller, &code, period).await {
        Ok(b) => b,
        Err(e) => return error_page(&e, c),
    };
    let p = BoardPage {
        title: c.tr("board.title").to_string(),
        code,
        lines: board
            .iter()
            .map(|b| BoardRow {
                name: b.name.clone(),
                in_linkage: b.in_linkage,
                open: b.open,
                overdue: b.overdue,
                waiting: b
                    .waiting
                    .iter()
                    .map(|w| WaitingLine {
                        referral: w.referral,
                        due: clock::local(w.due_at),
                        left: left(w.due_at, lang),
                        overdue: w.minutes_left < 0,
                    })
                    .collect(),
                months: b
                    .months
                    .iter()
                    .map(|m| {
                        format!(
                            "{}: {} / {:.0} min",
                            m.month, m.acknowledged, m.average_minutes
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("；"),
            })
            .collect(),
        c,
    };
    page(p.render(), StatusCode::OK)
}

#[derive(Template)]
#[template(path = "departments.html")]
struct DepartmentsPage {
    c: Ctx,
    title: String,
    code: String,
    lines: Vec<jinguo_services::linkage::DepartmentView>,
    errors: Vec<FieldError>,
}

async fn render_departments(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    code: &str,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let county = code.get(..6).unwrap_or(code);
    let lines = match s.services.departments(caller, county).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let p = DepartmentsPage {
        title: c.tr("departments.title").to_string(),
        code: county.to_string(),
        lines,
        errors,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn departments_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render_departments(&s, c, &caller, &code, Vec::new(), StatusCode::OK).await
}

pub(super) async fn department_change(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path((code, key)): Path<(String, String)>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let r = if f.fields.contains_key("username") {
        s.services
            .set_liaison(&caller, &code, &key, &g("username"), &g("position"))
            .await
    } else {
        let input = jinguo_services::linkage::DepartmentInput {
            name: g("name"),
            in_linkage: f.fields.contains_key("in_linkage"),
            ack_hours: g("ack_hours").trim().parse().unwrap_or(0),
            urgent_ack_hours: g("urgent_ack_hours").trim().parse().unwrap_or(0),
            action_days: Some(g("action_days").trim().parse().unwrap_or(0)),
            duty_phone: g("duty_phone"),
            webhook_url: g("webhook_url"),
            expected_version: g("version").parse().unwrap_or(0),
        };
        s.services
            .update_department(&caller, &code, &key, &input)
            .await
            .map(|_| ())
    };
    match r {
        Ok(()) => Redirect::to(&format!("/places/{code}/departments#{key}")).into_response(),
        Err(e) => match super::refusal(&e, &c, "error.conflict.detail") {
            Some((errors, status)) => {
                render_departments(&s, c, &caller, &code, errors, status).await
            }
            None => error_page(&e, c),
        },
    }
}

/// Keeps a file with a case, from the case's page (a multipart form with its token).
pub(super) async fn add_evidence(
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
    let r = s
        .services
        .add_evidence(&caller, id, &name, &bytes)
        .await
        .map(|_| ());
    answer(&s, c, &caller, id, r).await
}

/// A file kept with a case, for its owner.
pub(super) async fn evidence_file(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path((id, evidence)): Path<(Uuid, Uuid)>,
) -> Response {
    match s.services.evidence_file(&caller, id, evidence).await {
        Ok(file) => {
            let (t, ext) = crate::api::linkage::media_type(&file.media_type);
            crate::api::download(file.content, t, &format!("evidence-{evidence}.{ext}"))
        }
        Err(e) => error_page(&e, Ctx::with(lang, &uri, &caller)),
    }
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    c: Ctx,
    title: String,
    lines: Vec<OutboxLine>,
}

/// A message to an outside channel and its delivery.
struct OutboxLine {
    channel: String,
    target: String,
    status: String,
    attempts: i64,
    last_error: String,
    written_at: String,
    delivered_at: String,
}

/// The messages to outside channels and their delivery (system administrators, staff).
pub(super) async fn outbox_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    use jinguo_services::linkage::from_ms;
    let c = Ctx::with(lang, &uri, &caller);
    let rows = match s.services.outbox(&caller).await {
        Ok(r) => r,
        Err(e) => return error_page(&e, c),
    };
    let p = OutboxPage {
        title: c.tr("outbox.title").to_string(),
        lines: rows
            .into_iter()
            .map(|o| OutboxLine {
                channel: o.channel,
                target: o.target,
                status: o.status,
                attempts: o.attempts,
                last_error: o.last_error,
                written_at: clock::local(from_ms(o.created_ms)),
                delivered_at: o
                    .delivered_ms
                    .map(|m| clock::local(from_ms(m)))
                    .unwrap_or_default(),
            })
            .collect(),
        c,
    };
    page(p.render(), StatusCode::OK)
}

/// Records the victim's consent to share, from the case page.
pub(super) async fn record_consent(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let input = jinguo_services::consent::ShareConsentInput {
        department: g("department"),
        guardian_name: g("guardian_name"),
        guardian_relationship: g("guardian_relationship"),
    };
    let r = s
        .services
        .record_share_consent(&caller, id, &input)
        .await
        .map(|_| ());
    answer(&s, c, &caller, id, r).await
}

/// Withdraws a consent to share, from the case page.
pub(super) async fn withdraw_consent(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path((id, consent)): Path<(Uuid, Uuid)>,
    CheckedForm(caller, _): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let r = s
        .services
        .withdraw_share_consent(&caller, id, consent)
        .await;
    answer(&s, c, &caller, id, r).await
}
