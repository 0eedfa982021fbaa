//! Family mediation pages: the disputes of a place with the intake form, a mediator's own list,
//! and one dispute with the forms of its steps, sessions, agreement and judicial confirmation,
//! and its agreement as a printable page.

use super::{Choice, Ctx, FieldError, Figure, error_page, page};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::Lang;
use jinguo_domain::account::Role;
use jinguo_domain::mediation::{
    AgreementInput, DisputeKind, IntakeInput, PartyInput, SessionInput, Source, Step, TermInput,
    TermKind,
};
use jinguo_services::mediation::{DisputeRecords, DisputeView, StepInput};
use jinguo_services::{Caller, ServiceError};
use serde::Deserialize;
use uuid::Uuid;

fn step_label(s: &str, lang: Lang) -> &'static str {
    let (zh, en) = match s {
        "register" => ("登记", "registered"),
        "accept" => ("受理", "accept"),
        "refuse" => (
            "不予受理（当事人不同意调解）",
            "refuse (a party refuses mediation)",
        ),
        "assign" => ("指派调解员", "assign a mediator"),
        "session" => ("调解", "session"),
        "agree" => ("达成协议", "agreement"),
        "not_agree" => ("未达成协议", "no agreement"),
        "follow_up" => ("回访", "follow-up visit"),
        "close" => ("结案", "close"),
        "escalate" => ("移交公安", "report to the police"),
        "confirmation" => ("申请司法确认", "judicial confirmation applied for"),
        _ => ("", ""),
    };
    lang.pick(zh, en)
}

/// One line of a list.
struct Line {
    id: Uuid,
    kind: &'static str,
    source: &'static str,
    risk: &'static str,
    /// The catalog key of the risk's name.
    risk_key: &'static str,
    status: &'static str,
    opened_on: String,
    due_on: String,
    overdue: bool,
    parties: String,
}

fn line(d: &DisputeView, lang: Lang) -> Line {
    Line {
        id: d.id,
        kind: d.kind.label(lang),
        source: d.source.label(lang),
        risk: d.risk.key(),
        risk_key: match d.risk {
            jinguo_domain::screening::Risk::High => "risk.high",
            jinguo_domain::screening::Risk::Medium => "risk.medium",
            _ => "risk.low",
        },
        status: d.status.label(lang),
        opened_on: d.opened_on.to_string(),
        due_on: d.due_on.to_string(),
        overdue: d.overdue,
        parties: d
            .parties
            .iter()
            .map(|p| format!("{}（{}）", p.name, p.relationship))
            .collect::<Vec<_>>()
            .join("、"),
    }
}

#[derive(Template)]
#[template(path = "disputes.html")]
struct DisputesPage {
    c: Ctx,
    title: String,
    /// The mediators below the place and the three full coverages (staff managing it).
    coverage: Option<CoverageBlock>,
    /// The figures of the place's disputes.
    figures: Vec<Figure>,
    /// The units one level down.
    units: Vec<UnitLine>,
    mediator_kinds: Vec<Choice>,
    /// The place (none: a mediator's own list).
    code: Option<String>,
    period_action: String,
    period_keep: Vec<(String, String)>,
    /// The period the figures count the disputes registered in (all time without one), as the
    /// caller would write it again, and in words.
    period: String,
    period_label: String,
    lines: Vec<Line>,
    kinds: Vec<Choice>,
    sources: Vec<Choice>,
    form: IntakeForm,
    errors: Vec<FieldError>,
    /// The household's persons offered as parties (masked name and relationship).
    people: Vec<Choice<String, String>>,
    /// Open disputes a party is already in (after a refused registration).
    duplicates: Vec<DuplicateLink>,
}

/// The disputes of a unit one level down.
struct UnitLine {
    code: String,
    name: String,
    total: i64,
    open: i64,
    agreed: i64,
    success_rate: String,
}

/// An open dispute a party is already in.
struct DuplicateLink {
    href: String,
    label: String,
}

/// A mediator below the place.
struct MediatorLine {
    id: Uuid,
    name: String,
    place_code: String,
    kind: &'static str,
    woman: &'static str,
    court_appointed: &'static str,
}

struct CoverageBlock {
    villages: i64,
    villages_covered: i64,
    teams: i64,
    /// Each gap as a sentence.
    gaps: Vec<String>,
    mediators: Vec<MediatorLine>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct IntakeForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    risk: String,
    #[serde(default)]
    received_on: String,
    /// The household the dispute was opened from: its persons are offered as parties.
    #[serde(default)]
    household: String,
    /// A registered person (id) as the first party, or empty for a name.
    #[serde(default)]
    party1_person: String,
    #[serde(default)]
    party2_person: String,
    #[serde(default)]
    party1_name: String,
    #[serde(default)]
    party1_relationship: String,
    #[serde(default)]
    party2_name: String,
    #[serde(default)]
    party2_relationship: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    consent: Option<String>,
    #[serde(default)]
    simplified: Option<String>,
    #[serde(default)]
    confirmed: Option<String>,
    #[serde(default)]
    csrf: String,
}
csrf_form!(IntakeForm);

async fn render_list(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    (code, period): (Option<&str>, Option<jinguo_domain::period::Period>),
    form: IntakeForm,
    errors: Vec<FieldError>,
    duplicates: &[Uuid],
) -> Response {
    let list = match s.services.disputes(caller, code, false).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let lang = c.lang;
    let status = if !duplicates.is_empty() {
        StatusCode::CONFLICT
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let coverage = match code {
        Some(code) => s.services.mediation_coverage(caller, code).await.ok(),
        None => None,
    }
    .map(|cov| {
        use jinguo_domain::mediation::CoverageGap;
        let yes_no = |b: Option<bool>| match b {
            Some(true) => c.tr("yes"),
            Some(false) => c.tr("no"),
            None => "—",
        };
        CoverageBlock {
            villages: cov.villages,
            villages_covered: cov.villages_covered,
            teams: cov.teams,
            gaps: cov
                .gaps
                .iter()
                .map(|g| match g {
                    CoverageGap::VillageWithoutMediator(p) => {
                        format!("{p} {}", c.tr("mediators.gap_village"))
                    }
                    CoverageGap::TeamWithoutWomanLawyer(p) => {
                        format!("{p} {}", c.tr("mediators.gap_lawyer"))
                    }
                    CoverageGap::TeamWithoutExecutive(p) => {
                        format!("{p} {}", c.tr("mediators.gap_executive"))
                    }
                })
                .collect(),
            mediators: cov
                .mediators
                .iter()
                .map(|m| MediatorLine {
                    id: m.id,
                    name: m.name.clone(),
                    place_code: m.place_code.clone(),
                    kind: m.kind.map(|k| k.label(lang)).unwrap_or("—"),
                    woman: yes_no(m.woman),
                    court_appointed: yes_no(Some(m.court_appointed)),
                })
                .collect(),
        }
    });
    let figures = match code {
        Some(code) => s
            .services
            .dispute_figures_in(caller, code, period)
            .await
            .ok(),
        None => None,
    }
    .map(|f| {
        vec![
            Figure::new("figures.total", f.total.to_string()),
            Figure::new("disputes.open", f.open.to_string()),
            Figure::new("disputes.overdue", f.overdue.to_string()),
            Figure::new("figures.agreed", f.agreed.to_string()),
            Figure::new("figures.not_agreed", f.not_agreed.to_string()),
            Figure::new("figures.refused", f.refused.to_string()),
            Figure::new("figures.success_rate", percent(f.success_rate)),
            Figure::new(
                "figures.average_days",
                f.average_days_to_conclude
                    .map(|d| format!("{d:.1}"))
                    .unwrap_or_else(|| "—".into()),
            ),
        ]
    })
    .unwrap_or_default();
    let units = match code {
        Some(code) => s
            .services
            .dispute_units(caller, code, period)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    }
    .into_iter()
    .map(|u| UnitLine {
        code: u.code,
        name: u.name,
        total: u.total,
        open: u.open,
        agreed: u.agreed,
        success_rate: percent(u.success_rate),
    })
    .collect();
    // The household's persons, masked, when the dispute is opened from its page.
    let people = match Uuid::parse_str(&form.household) {
        Ok(h) => match s.services.household_view(caller, h).await {
            Ok(v) => v
                .persons
                .iter()
                .map(|p| {
                    Choice::new(
                        p.id.to_string(),
                        format!("{}（{}）", p.name, p.relationship.label(lang)),
                    )
                })
                .collect(),
            Err(e) => return error_page(&e, c),
        },
        Err(_) => Vec::new(),
    };
    let duplicates = duplicates
        .iter()
        .map(|id| {
            let label = list
                .iter()
                .find(|d| d.id == *id)
                .map(|d| {
                    let l = line(d, lang);
                    format!("{} · {} · {}", l.kind, l.opened_on, l.status)
                })
                .unwrap_or_else(|| id.to_string());
            DuplicateLink {
                href: format!("/disputes/{id}"),
                label,
            }
        })
        .collect();
    let p = DisputesPage {
        units,
        people,
        duplicates,
        title: c.tr("disputes.title").to_string(),
        coverage,
        figures,
        mediator_kinds: jinguo_domain::mediation::MediatorKind::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(lang)))
            .collect(),
        code: code.map(str::to_string),
        period_action: code
            .map(|c| format!("/places/{c}/disputes"))
            .unwrap_or_default(),
        period_keep: Vec::new(),
        period: period.map(|p| p.key()).unwrap_or_default(),
        period_label: period.map(|p| p.label(lang)).unwrap_or_default(),
        lines: list.iter().map(|d| line(d, lang)).collect(),
        kinds: DisputeKind::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(lang)))
            .collect(),
        sources: Source::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(lang)))
            .collect(),
        form,
        errors,
        c,
    };
    page(p.render(), status)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    /// Open the intake form with this household's persons as possible parties.
    household: Option<String>,
}

pub(super) async fn place_disputes(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
    Query(pq): Query<crate::api::PeriodQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let period = match pq.optional() {
        Ok(p) => p,
        Err(e) => return error_page(&e, c),
    };
    let form = IntakeForm {
        household: q.household.unwrap_or_default(),
        ..Default::default()
    };
    render_list(&s, c, &caller, (Some(&code), period), form, Vec::new(), &[]).await
}

/// A mediator's own disputes; federation staff go to their place's.
pub(super) async fn my_disputes(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    if caller.has_role(Role::Staff)
        && let Some(home) = s.services.home_place(&caller)
    {
        return Redirect::to(&format!("/places/{home}/disputes")).into_response();
    }
    let c = Ctx::with(lang, &uri, &caller);
    render_list(
        &s,
        c,
        &caller,
        (None, None),
        IntakeForm::default(),
        Vec::new(),
        &[],
    )
    .await
}

pub(super) async fn register(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<IntakeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let input = IntakeInput {
        kind: f.kind.clone(),
        source: f.source.clone(),
        risk: f.risk.clone(),
        received_on: f.received_on.clone(),
        parties: vec![
            party(&f.party1_person, &f.party1_name, &f.party1_relationship),
            party(&f.party2_person, &f.party2_name, &f.party2_relationship),
        ],
        narrative: f.narrative.clone(),
        consent: f.consent.is_some(),
        simplified: f.simplified.is_some(),
    };
    match s
        .services
        .register_dispute(&caller, &code, &input, f.confirmed.is_some())
        .await
    {
        Ok(r) => Redirect::to(&format!("/disputes/{}", r.id)).into_response(),
        Err(ServiceError::PossibleDuplicate(ids)) => {
            let errors = vec![FieldError::new(
                "parties",
                c.tr("error.possible_duplicate.detail"),
            )];
            render_list(&s, c, &caller, (Some(&code), None), f, errors, &ids).await
        }
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => render_list(&s, c, &caller, (Some(&code), None), f, errors, &[]).await,
            None => error_page(&e, c),
        },
    }
}

fn percent(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1}%", 100.0 * r))
        .unwrap_or_else(|| "—".into())
}

/// A party of the form: the chosen registered person, or the name typed.
fn party(person: &str, name: &str, relationship: &str) -> PartyInput {
    match Uuid::parse_str(person.trim()) {
        Ok(id) => PartyInput {
            person_id: Some(id),
            name: String::new(),
            relationship: relationship.into(),
        },
        Err(_) => PartyInput::named(name, relationship),
    }
}

struct StepLine {
    label: &'static str,
    taken_on: String,
    note: String,
    taken_by: String,
}

struct AgreementLines {
    agreed_on: String,
    parties: String,
    facts: String,
    terms: Vec<TermLine>,
    confirmation_on: Option<String>,
    confirmation_ends_on: String,
}

struct TermLine {
    seq: i64,
    performed_on: Option<String>,
    kind: &'static str,
    text: String,
    manner: String,
    due_on: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "dispute.html")]
struct DisputePage {
    c: Ctx,
    title: String,
    id: Uuid,
    version: i64,
    intake_consent: bool,
    l: Line,
    narrative: String,
    assigned: bool,
    steps: Vec<StepLine>,
    sessions: Vec<SessionLine>,
    agreement: Option<AgreementLines>,
    /// Steps the caller may take now.
    actions: Vec<Choice>,
    /// Serving mediators she may assign, by member id.
    mediators: Vec<Choice<Uuid, String>>,
    /// Assigning is a step she may take now.
    may_assign: bool,
    may_session: bool,
    may_agree: bool,
    may_confirm: bool,
    term_kinds: Vec<Choice>,
    errors: Vec<FieldError>,
    /// What was typed in the form refused, shown again.
    form: std::collections::HashMap<String, String>,
    /// The step chosen in the refused form (none by default: no step is preselected).
    chosen_step: String,
    /// Its mediator may report violence that may become a crime to the police (not yet done).
    may_report: bool,
    /// When and by whom it was reported, if it was.
    reported: String,
    /// The parties, by number, and the kinds of violence, for the report's form.
    report_parties: Vec<Choice<i64, String>>,
    violence: Vec<Choice>,
    /// A dispute of domestic violence: the question of a crime is asked first.
    domestic_violence: bool,
}

impl DisputePage {
    fn v(&self, name: &str) -> String {
        super::field(&self.form, name)
    }
}

/// The fields of a refused form as typed (never its anti-forgery token or submission key).
fn typed<T: serde::Serialize>(form: &T) -> std::collections::HashMap<String, String> {
    let Ok(serde_json::Value::Object(m)) = serde_json::to_value(form) else {
        return Default::default();
    };
    m.into_iter()
        .filter(|(k, _)| k != "csrf" && k != "request_key")
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k, s)),
            serde_json::Value::Null => None,
            other => Some((k, other.to_string())),
        })
        .collect()
}

/// A mediation session held.
struct SessionLine {
    held_on: String,
    place: String,
    attendees: String,
    record: String,
}

async fn render_dispute(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    errors: Vec<FieldError>,
    status: StatusCode,
    form: std::collections::HashMap<String, String>,
) -> Response {
    let (v, r): (DisputeView, DisputeRecords) = match s.services.dispute(caller, id).await {
        Ok(x) => x,
        Err(e) => return error_page(&e, c),
    };
    let lang = c.lang;
    let assigned = v.access.assigned;
    // What she may do now is the service's to say; sessions and the agreement have forms of
    // their own.
    let open = v.open_steps();
    let actions = open
        .iter()
        .filter(|st| !matches!(st, Step::Session | Step::Agree))
        .map(|st| Choice::new(st.key(), step_label(st.key(), lang)))
        .collect();
    let mediators = if open.contains(&Step::Assign) {
        match s.services.dispute_mediators(caller, v.id).await {
            Ok(list) => list
                .into_iter()
                .map(|(id, name)| Choice::new(id, name))
                .collect(),
            Err(e) => return error_page(&e, c),
        }
    } else {
        Vec::new()
    };
    let agreement = r.agreement.as_ref().map(|a| AgreementLines {
        agreed_on: a.agreed_on.to_string(),
        parties: a
            .parties
            .iter()
            .map(|p| format!("{}（{}）", p.name, p.relationship))
            .collect::<Vec<_>>()
            .join("、"),
        facts: a.facts.clone(),
        terms: a
            .terms
            .iter()
            .map(|t| TermLine {
                seq: t.seq,
                performed_on: t.performed_on.map(|d| d.to_string()),
                kind: t.kind.label(lang),
                text: t.text.clone(),
                manner: t.manner.clone(),
                due_on: t.due_on.to_string(),
                overdue: t.overdue,
            })
            .collect(),
        confirmation_on: a.confirmation_on.map(|d| d.to_string()),
        confirmation_ends_on: a.confirmation_ends_on.to_string(),
    });
    let reported = match s.services.dispute_report(caller, v.id).await {
        Ok(r) => r,
        Err(e) => return error_page(&e, c),
    };
    // Whoever sees the dispute may record the application and the terms performed.
    let may_confirm = r
        .agreement
        .as_ref()
        .is_some_and(|a| a.confirmation_on.is_none());
    let p = DisputePage {
        title: c.tr("dispute.title").to_string(),
        id: v.id,
        version: v.version,
        intake_consent: v.intake_consent,
        l: line(&v, lang),
        narrative: v.narrative.clone(),
        assigned,
        steps: r
            .steps
            .iter()
            .map(|st| StepLine {
                label: step_label(&st.step, lang),
                taken_on: st.taken_on.to_string(),
                note: st.note.clone(),
                taken_by: st.taken_by.clone(),
            })
            .collect(),
        sessions: r
            .sessions
            .iter()
            .map(|x| SessionLine {
                held_on: x.held_on.to_string(),
                place: x.place.clone(),
                attendees: x.attendees.clone(),
                record: x.record.clone(),
            })
            .collect(),
        agreement,
        actions,
        mediators,
        may_assign: open.contains(&Step::Assign),
        may_session: open.contains(&Step::Session),
        may_agree: open.contains(&Step::Agree),
        may_confirm,
        term_kinds: TermKind::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(lang)))
            .collect(),
        errors,
        chosen_step: super::field(&form, "step"),
        may_report: assigned && reported.is_none() && !open.is_empty(),
        reported: reported
            .map(|(at, by)| format!("{} · {by}", jinguo_services::clock::local(at)))
            .unwrap_or_default(),
        report_parties: v
            .parties
            .iter()
            .enumerate()
            .map(|(i, p)| Choice::new(i as i64 + 1, format!("{}（{}）", p.name, p.relationship)))
            .collect(),
        violence: jinguo_domain::linkage::ViolenceKind::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(lang)))
            .collect(),
        domestic_violence: v.kind == jinguo_domain::mediation::DisputeKind::DomesticViolence,
        form,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn dispute_page(
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
    render_dispute(
        &s,
        c,
        &caller,
        id,
        Vec::new(),
        StatusCode::OK,
        Default::default(),
    )
    .await
}

/// After a write: the dispute again, or the same page with the refused fields.
async fn answer(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    result: Result<(), ServiceError>,
) -> Response {
    answer_with(s, c, caller, id, result, Default::default()).await
}

/// [`answer`], keeping what was typed in the refused form.
async fn answer_with(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    result: Result<(), ServiceError>,
    form: std::collections::HashMap<String, String>,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/disputes/{id}")).into_response(),
        Err(e) => match super::refusal(&e, &c, "dispute.conflict") {
            Some((errors, status)) => render_dispute(s, c, caller, id, errors, status, form).await,
            None => error_page(&e, c),
        },
    }
}

/// The mediator's report to the police, from the dispute's page (confirmed first).
pub(super) async fn crime_report(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<super::FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| super::field(&f.fields, n);
    let input = jinguo_domain::linkage::CrimeReportInput {
        victim_party: g("victim_party").trim().parse().ok(),
        violence: super::linkage::ticked(&f.fields, "violence."),
        note: g("note"),
    };
    let r = s
        .services
        .report_crime(&caller, id, &input)
        .await
        .map(|_| ());
    let mut typed = f.fields.clone();
    typed.remove("csrf");
    answer_with(&s, c, &caller, id, r, typed).await
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub(super) struct StepForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    mediator_id: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(StepForm);

pub(super) async fn take_step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<StepForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let form = typed(&f);
    let input = StepInput {
        step: f.step,
        expected_version: f.version,
        mediator_id: Uuid::parse_str(f.mediator_id.trim()).ok(),
        note: f.note,
        taken_on: String::new(),
    };
    let r = s
        .services
        .dispute_step(&caller, id, &input)
        .await
        .map(|_| ());
    answer_with(&s, c, &caller, id, r, form).await
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub(super) struct SessionForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    held_on: String,
    #[serde(default, alias = "place")]
    venue: String,
    #[serde(default)]
    attendees: String,
    #[serde(default)]
    record: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(SessionForm);

pub(super) async fn record_session(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<SessionForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let form = typed(&f);
    let input = SessionInput {
        held_on: f.held_on,
        place: f.venue,
        attendees: f.attendees,
        record: f.record,
    };
    let r = s
        .services
        .record_session(&caller, id, f.version, &input)
        .await;
    answer_with(&s, c, &caller, id, r, form).await
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub(super) struct AgreementForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    agreed_on: String,
    #[serde(default)]
    party1_name: String,
    #[serde(default)]
    party1_relationship: String,
    #[serde(default)]
    party2_name: String,
    #[serde(default)]
    party2_relationship: String,
    #[serde(default)]
    facts: String,
    #[serde(default)]
    term1_kind: String,
    #[serde(default)]
    term1_text: String,
    #[serde(default)]
    term1_manner: String,
    #[serde(default)]
    term1_due_on: String,
    #[serde(default)]
    term2_kind: String,
    #[serde(default)]
    term2_text: String,
    #[serde(default)]
    term2_manner: String,
    #[serde(default)]
    term2_due_on: String,
    #[serde(default)]
    signed: Option<String>,
    #[serde(default)]
    csrf: String,
}
csrf_form!(AgreementForm);

/// The agreement as the form gives it.
fn agreement_input(f: &AgreementForm) -> AgreementInput {
    let term = |kind: &str, text: &str, manner: &str, due_on: &str| TermInput {
        kind: kind.to_string(),
        text: text.to_string(),
        manner: manner.to_string(),
        due_on: due_on.to_string(),
    };
    AgreementInput {
        agreed_on: f.agreed_on.clone(),
        parties: vec![
            PartyInput::named(&f.party1_name, &f.party1_relationship),
            PartyInput::named(&f.party2_name, &f.party2_relationship),
        ],
        facts: f.facts.clone(),
        terms: vec![
            term(
                &f.term1_kind,
                &f.term1_text,
                &f.term1_manner,
                &f.term1_due_on,
            ),
            term(
                &f.term2_kind,
                &f.term2_text,
                &f.term2_manner,
                &f.term2_due_on,
            ),
        ],
        signed: f.signed.is_some(),
    }
}

pub(super) async fn record_agreement(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<AgreementForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let form = typed(&f);
    let input = agreement_input(&f);
    let r = s
        .services
        .record_agreement(&caller, id, f.version, &input)
        .await;
    answer_with(&s, c, &caller, id, r, form).await
}

/// The document to sign, from the agreement as typed, before it is saved (and signed).
pub(super) async fn agreement_draft(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<AgreementForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let form = typed(&f);
    let input = agreement_input(&f);
    match s
        .services
        .agreement_draft_document(&caller, id, &input)
        .await
    {
        Ok((name, bytes)) => docx_response(&name, bytes),
        Err(e) => answer_with(&s, c, &caller, id, Err::<(), _>(e), form).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    csrf: String,
}
csrf_form!(ConfirmForm);

pub(super) async fn request_confirmation(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, _f): CheckedForm<ConfirmForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let r = s
        .services
        .request_confirmation(&caller, id)
        .await
        .map(|_| ());
    answer(&s, c, &caller, id, r).await
}

/// A Word document as a download, its name given in UTF-8 (RFC 6266).
pub(crate) fn docx_response(name: &str, bytes: Vec<u8>) -> Response {
    use axum::http::{HeaderValue, header};
    let mut r = crate::api::download(
        bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "agreement.docx",
    );
    let h = r.headers_mut();
    let disposition = format!(
        "attachment; filename=\"agreement.docx\"; filename*=UTF-8''{}",
        super::encode(name)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub(super) async fn agreement_docx(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    PageCaller(caller, _): PageCaller,
) -> Response {
    match s.services.agreement_document(&caller, id).await {
        Ok((name, bytes)) => docx_response(&name, bytes),
        Err(e) => error_page(&e, Ctx::with(lang, &uri, &caller)),
    }
}

/// The agreement as PDF, to print and sign.
pub(super) async fn agreement_pdf(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    PageCaller(caller, _): PageCaller,
) -> Response {
    match s
        .services
        .agreement_document_as(&caller, id, jinguo_services::DocFormat::Pdf)
        .await
    {
        Ok((name, bytes)) => pdf_response(&name, bytes),
        Err(e) => error_page(&e, Ctx::with(lang, &uri, &caller)),
    }
}

/// A PDF to download, named in Chinese (RFC 5987) with an ASCII fallback.
pub(crate) fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    use axum::http::{HeaderValue, header};
    let mut r = crate::api::download(bytes, "application/pdf", "document.pdf");
    let disposition = format!(
        "attachment; filename=\"document.pdf\"; filename*=UTF-8''{}",
        super::encode(name)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct PerformedForm {
    #[serde(default)]
    performed_on: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(PerformedForm);

pub(super) async fn term_performed(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path((id, seq)): Path<(Uuid, i64)>,
    CheckedForm(caller, f): CheckedForm<PerformedForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let r = s
        .services
        .term_performed(&caller, id, seq, &f.performed_on)
        .await;
    answer(&s, c, &caller, id, r).await
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ProfileForm {
    #[serde(default)]
    member: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    woman: Option<String>,
    #[serde(default)]
    court_appointed: Option<String>,
    #[serde(default)]
    csrf: String,
}
csrf_form!(ProfileForm);

pub(super) async fn set_profile(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<ProfileForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let input = jinguo_services::mediation::MediatorProfileInput {
        kind: f.kind.clone(),
        woman: f.woman.is_some(),
        court_appointed: f.court_appointed.is_some(),
    };
    let result = match Uuid::parse_str(f.member.trim()) {
        Ok(member) => {
            s.services
                .set_mediator_profile(&caller, member, &input)
                .await
        }
        Err(_) => Err(jinguo_services::ServiceError::Invalid(
            jinguo_domain::FieldError::new("member", "required").into(),
        )),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/places/{code}/disputes#mediators")).into_response(),
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => {
                render_list(
                    &s,
                    c,
                    &caller,
                    (Some(&code), None),
                    IntakeForm::default(),
                    errors,
                    &[],
                )
                .await
            }
            None => error_page(&e, c),
        },
    }
}
