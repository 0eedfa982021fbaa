//! Care pages: a place's registries with their entries (and those due for review), proposing a
//! household's person after a survey, one entry with its life-cycle steps and services, and a
//! whole day of a service for the people of a registry at once.

use super::{Choice, Ctx, FieldError, FreeForm, error_page, field, page};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::Lang;
use jinguo_domain::care::{
    EntryInput, EntryStep, RegistryInput, ServiceInput, ServiceKind, WishStatus,
};
use jinguo_services::care::{EntryDetail, EntryView};
use jinguo_services::{Caller, ServiceError};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Entries and wishes listed on the page of all registries (a registry's page lists all of its).
const PAGE_ROWS: i64 = 100;

#[derive(Debug, Default, Deserialize)]
pub(super) struct CareQuery {
    registry: Option<String>,
    due: Option<String>,
    household: Option<String>,
    /// The period of the figures shown: both days, or this year.
    from: Option<String>,
    to: Option<String>,
}

struct EntryLine {
    id: Uuid,
    person: Uuid,
    registry: String,
    name: String,
    status: &'static str,
    next_review_on: String,
    review_due: bool,
    /// Services may be recorded for her (verified or active).
    serving: bool,
}

fn line(e: &EntryView, names: &HashMap<String, String>, lang: Lang) -> EntryLine {
    EntryLine {
        id: e.id,
        person: e.person_id,
        registry: names.get(&e.registry).cloned().unwrap_or_default(),
        name: e.name.clone(),
        status: e.status.label(lang),
        next_review_on: e.next_review_on.to_string(),
        review_due: e.review_due,
        serving: matches!(
            e.status,
            jinguo_domain::care::EntryStatus::Verified | jinguo_domain::care::EntryStatus::Active
        ),
    }
}

#[derive(Template)]
#[template(path = "care.html")]
struct CarePage {
    c: Ctx,
    title: String,
    code: String,
    registry: String,
    due: bool,
    registries: Vec<Choice<String, String>>,
    registry_rules: Vec<RegistryRule>,
    /// The caller may add a registry to the county.
    adds_registries: bool,
    lines: Vec<EntryLine>,
    /// The household's persons offered for a new entry (names masked).
    people: Vec<Choice<Uuid, String>>,
    household: String,
    kinds: Vec<Choice>,
    wishes: Vec<WishLine>,
    /// This year's events (staff managing the place).
    events: Vec<EventLine>,
    event_kinds: Vec<Choice>,
    /// More entries than are listed: a registry or the reviews due narrow the list.
    more_entries: bool,
    /// More wishes to take forward than are listed.
    more_wishes: bool,
    /// The figures over the period asked for (staff managing the place).
    figures: Option<FiguresView>,
    /// A period other than this year was asked for: the workbook is asked for it too.
    period_asked: bool,
    form: HashMap<String, String>,
    errors: Vec<FieldError>,
}

struct FiguresView {
    from: String,
    to: String,
    people_served: i64,
    /// Services by kind.
    by_kind: Vec<LabelCount>,
    /// Wishes by where they stand.
    wishes: Vec<LabelCount>,
    wishes_fulfilled: i64,
    events: i64,
    participants: i64,
    children: i64,
}

struct LabelCount {
    label: &'static str,
    count: i64,
}

struct WishLine {
    id: Uuid,
    wish: String,
    /// Masked.
    child: String,
    status: &'static str,
    version: i64,
    /// The steps open.
    steps: Vec<Choice>,
}

struct RegistryRule {
    name: String,
    /// Months between reviews.
    review_months: i64,
}

struct EventLine {
    held_on: String,
    kind: &'static str,
    name: String,
    place: String,
    participants: i64,
    children: i64,
}

impl CarePage {
    fn v(&self, name: &str) -> String {
        field(&self.form, name)
    }
    /// Whether the checkbox `prefix.id` was ticked in the form sent.
    fn ticked(&self, prefix: &str, id: &Uuid) -> bool {
        self.form.contains_key(&format!("{prefix}.{id}"))
    }
}

/// The ids ticked in a form: the checkboxes named `prefix.<id>`.
fn ticked_ids(form: &HashMap<String, String>, prefix: &str) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = form
        .keys()
        .filter_map(|k| k.strip_prefix(prefix)?.strip_prefix('.'))
        .filter_map(|id| Uuid::parse_str(id).ok())
        .collect();
    ids.sort();
    ids
}

async fn render(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    code: &str,
    q: CareQuery,
    form: HashMap<String, String>,
    errors: Vec<FieldError>,
) -> Response {
    let lang = c.lang;
    let registries = match s.services.registries(caller, code).await {
        Ok(r) => r,
        Err(e) => return error_page(&e, c),
    };
    let names: HashMap<String, String> = registries
        .iter()
        .map(|r| (r.key.clone(), lang.pick(&r.name_zh, &r.name_en).to_string()))
        .collect();
    let registry = q.registry.unwrap_or_default();
    let due = q.due.is_some();
    // A registry's page lists all its people (a day of services ticks them); the page of all
    // registries lists the first ones, light enough for a phone.
    let limit = if registry.is_empty() {
        PAGE_ROWS + 1
    } else {
        jinguo_services::care::LIST_LIMIT
    };
    let mut list = match s
        .services
        .entries(
            caller,
            code,
            (!registry.is_empty()).then_some(registry.as_str()),
            due,
            limit,
        )
        .await
    {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let more_entries = registry.is_empty() && list.len() as i64 > PAGE_ROWS;
    if more_entries {
        list.truncate(PAGE_ROWS as usize);
    }
    let household = q.household.unwrap_or_default();
    let people = match Uuid::parse_str(&household) {
        Ok(h) => match s.services.household_view(caller, h).await {
            Ok(v) => v
                .persons
                .iter()
                .map(|p| Choice::new(p.id, p.name.clone()))
                .collect(),
            Err(e) => return error_page(&e, c),
        },
        Err(_) => Vec::new(),
    };
    let open_wishes = match s.services.wishes(caller, code, true, PAGE_ROWS + 1).await {
        Ok(w) => w,
        Err(e) => return error_page(&e, c),
    };
    let more_wishes = open_wishes.len() as i64 > PAGE_ROWS;
    let wishes = open_wishes
        .iter()
        .take(PAGE_ROWS as usize)
        .map(|w| WishLine {
            id: w.id,
            wish: w.wish.clone(),
            child: w.child.clone(),
            status: w.status.label(lang),
            version: w.version,
            steps: jinguo_domain::care::WishStep::ALL
                .iter()
                .filter(|st| jinguo_domain::care::wish_after(w.status, **st).is_some())
                .map(|st| Choice::new(st.key(), st.label(lang)))
                .collect(),
        })
        .collect();
    let year =
        jinguo_domain::care::Period::year(chrono::Datelike::year(&jinguo_services::clock::today()));
    // Events are kept by the federation managing the place; others see none.
    let events = match year {
        Ok(year) => s
            .services
            .events(caller, code, year)
            .await
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
    .into_iter()
    .map(|e| EventLine {
        held_on: e.held_on.to_string(),
        kind: e.kind.label(lang),
        name: e.name,
        place: e.place,
        participants: e.participants,
        children: e.children,
    })
    .collect();
    let mut errors = errors;
    let (figures, period_asked) = figures(s, caller, code, &q.from, &q.to, lang, &mut errors).await;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let p = CarePage {
        more_entries,
        more_wishes,
        figures,
        period_asked,
        wishes,
        events,
        event_kinds: jinguo_domain::care::EventKind::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(lang)))
            .collect(),
        title: c.tr("care.title").to_string(),
        code: code.to_string(),
        lines: list.iter().map(|e| line(e, &names, lang)).collect(),
        registries: registries
            .iter()
            .map(|r| Choice::new(r.key.clone(), lang.pick(&r.name_zh, &r.name_en).to_string()))
            .collect(),
        registry_rules: registries
            .iter()
            .map(|r| RegistryRule {
                name: lang.pick(&r.name_zh, &r.name_en).to_string(),
                review_months: r.review_months,
            })
            .collect(),
        adds_registries: s.services.may_add_registry(caller, code).await,
        registry,
        due,
        people,
        household,
        kinds: ServiceKind::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(lang)))
            .collect(),
        form,
        errors,
        c,
    };
    page(p.render(), status)
}

/// The figures of care over the period asked for, for staff managing the place (none for
/// anyone else), and whether a period other than this year was asked for. A period refused names
/// its field among `errors`, and this year is shown.
async fn figures(
    s: &AppState,
    caller: &Caller,
    code: &str,
    from: &Option<String>,
    to: &Option<String>,
    lang: Lang,
    errors: &mut Vec<FieldError>,
) -> (Option<FiguresView>, bool) {
    let asked = from.is_some() || to.is_some();
    let input = jinguo_domain::period::PeriodInput {
        from: from.clone(),
        to: to.clone(),
        ..Default::default()
    };
    let Some(period) = super::period_or_this_year(&input, lang, errors) else {
        return (None, false);
    };
    let Ok(f) = s.services.care_figures(caller, code, period).await else {
        return (None, false);
    };
    let view = FiguresView {
        from: f.period.from.to_string(),
        to: f.period.to.to_string(),
        people_served: f.people_served,
        by_kind: f
            .by_kind
            .iter()
            .map(|(k, n)| LabelCount {
                label: k.label(lang),
                count: *n,
            })
            .collect(),
        wishes: f
            .wishes
            .iter()
            .filter_map(|(k, n)| {
                Some(LabelCount {
                    label: WishStatus::parse(k)?.label(lang),
                    count: *n,
                })
            })
            .collect(),
        wishes_fulfilled: f.wishes_fulfilled,
        events: f.events.events,
        participants: f.events.participants,
        children: f.events.children,
    };
    (Some(view), asked && errors.is_empty())
}

/// The care registries of the caller's home place.
pub(super) async fn care_home(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    match s.services.home_place(&caller) {
        Some(home) => Redirect::to(&format!("/places/{home}/care")).into_response(),
        None => error_page(&ServiceError::Forbidden, Ctx::with(lang, &uri, &caller)),
    }
}

pub(super) async fn care_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(q): Query<CareQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render(&s, c, &caller, &code, q, HashMap::new(), Vec::new()).await
}

/// Proposes a person of a household for a registry.
pub(super) async fn propose(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let input = EntryInput {
        person_id: Uuid::parse_str(g("person_id").trim()).ok(),
        registry: g("registry"),
        criteria: g("criteria"),
        evidence: g("evidence"),
        surveyed_by: g("surveyed_by"),
        next_review_on: g("next_review_on"),
    };
    match s.services.propose_entry(&caller, &code, &input).await {
        Ok(id) => Redirect::to(&format!("/registry-entries/{id}")).into_response(),
        Err(e) => for_household_again(&s, c, &caller, &code, &e, f.fields).await,
    }
}

/// A form of a household's person refused: the care page again, opened for the household, with
/// what was typed and why it was refused.
async fn for_household_again(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    code: &str,
    e: &ServiceError,
    form: HashMap<String, String>,
) -> Response {
    let q = CareQuery {
        household: Some(field(&form, "household")),
        ..Default::default()
    };
    again(s, c, caller, code, q, e, form).await
}

/// A form refused: the care page again, as `q` opens it, with what was typed and the fields named;
/// a refusal that names no field, its error page.
async fn again(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    code: &str,
    q: CareQuery,
    e: &ServiceError,
    form: HashMap<String, String>,
) -> Response {
    match super::screening::field_errors(e, c.lang) {
        Some(errors) => render(s, c, caller, code, q, form, errors).await,
        None => error_page(e, c),
    }
}

/// Adds a registry to the county.
pub(super) async fn create_registry(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let input = RegistryInput {
        name_zh: g("name_zh"),
        name_en: g("name_en"),
        // Not a number: out of range, named on the field.
        review_months: g("review_months").trim().parse().unwrap_or(0),
    };
    match s.services.create_registry(&caller, &code, &input).await {
        Ok(_) => Redirect::to(&format!("/places/{code}/care#registries")).into_response(),
        Err(e) => again(&s, c, &caller, &code, CareQuery::default(), &e, f.fields).await,
    }
}

/// A service for the people ticked (a whole day at once).
pub(super) async fn record_services(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let persons = ticked_ids(&f.fields, "person");
    let input = ServiceInput {
        kind: g("kind"),
        registry: g("registry"),
        on: g("on"),
        hospital: g("hospital"),
        valid_until: g("valid_until"),
        goods: g("goods"),
        amount: g("amount"),
        visited_by: g("visited_by"),
        result: g("result"),
        note: g("note"),
    };
    match s
        .services
        .record_services(&caller, &code, &input, &persons)
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "/places/{code}/care?registry={}&recorded=1",
            super::encode(&input.registry)
        ))
        .into_response(),
        Err(e) => {
            let q = CareQuery {
                registry: Some(g("registry")),
                ..Default::default()
            };
            again(&s, c, &caller, &code, q, &e, f.fields).await
        }
    }
}

#[derive(Template)]
#[template(path = "registry_entry.html")]
struct EntryPage {
    c: Ctx,
    title: String,
    e: EntryView,
    status: &'static str,
    evidence: String,
    services: Vec<ServiceLine>,
    steps: Vec<Choice>,
    errors: Vec<FieldError>,
}

/// A service delivered.
struct ServiceLine {
    kind: &'static str,
    on: String,
    /// Where, what, by whom, the result, the note, the amount, the date it is valid until.
    details: String,
}

async fn render_entry(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let EntryDetail {
        entry: e,
        evidence,
        services,
    } = match s.services.entry(caller, id).await {
        Ok(x) => x,
        Err(err) => return error_page(&err, c),
    };
    let lang = c.lang;
    let steps = EntryStep::ALL
        .iter()
        .filter(|st| jinguo_domain::care::after(e.status, **st).is_some())
        .map(|st| Choice::new(st.key(), st.label(lang)))
        .collect();
    let p = EntryPage {
        title: c.tr("entry.title").to_string(),
        status: e.status.label(lang),
        evidence,
        services: services
            .iter()
            .map(|v| {
                let mut d = Vec::new();
                for x in [&v.hospital, &v.goods, &v.visited_by, &v.result, &v.note] {
                    if !x.is_empty() {
                        d.push(x.clone());
                    }
                }
                if let Some(a) = v.amount_cents {
                    d.push(format!("{}.{:02} 元", a / 100, a % 100));
                }
                if let Some(u) = v.valid_until {
                    d.push(format!("→ {u}"));
                }
                ServiceLine {
                    kind: v.kind.label(lang),
                    on: v.on.to_string(),
                    details: d.join("；"),
                }
            })
            .collect(),
        steps,
        e,
        errors,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn entry_page(
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
    render_entry(&s, c, &caller, id, Vec::new(), StatusCode::OK).await
}

pub(super) async fn entry_step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let version = field(&f.fields, "version").parse().unwrap_or(0);
    let r = s
        .services
        .entry_step(
            &caller,
            id,
            &field(&f.fields, "step"),
            version,
            &field(&f.fields, "reason"),
        )
        .await;
    match r {
        Ok(_) => Redirect::to(&format!("/registry-entries/{id}")).into_response(),
        Err(e) => match super::refusal(&e, &c, "error.conflict.detail") {
            Some((errors, status)) => render_entry(&s, c, &caller, id, errors, status).await,
            None => error_page(&e, c),
        },
    }
}

#[derive(Template)]
#[template(path = "wishes_public.html")]
struct PublicWishesPage {
    c: Ctx,
    title: String,
    lines: Vec<PublicWishLine>,
    /// The wish just claimed, and until when it must be fulfilled.
    claimed: Option<String>,
    /// The wish whose claim was refused, with the refusal.
    refused: Option<Uuid>,
    form: HashMap<String, String>,
    errors: Vec<FieldError>,
}

/// A wish as the public page shows it.
struct PublicWishLine {
    id: Uuid,
    wish: String,
    /// The child's age.
    age: i64,
    /// Her subdistrict's name.
    place: String,
}

impl PublicWishesPage {
    fn v(&self, name: &str) -> String {
        field(&self.form, name)
    }
}

async fn render_public(
    s: &AppState,
    c: Ctx,
    claimed: Option<String>,
    refused: Option<Uuid>,
    form: HashMap<String, String>,
    errors: Vec<FieldError>,
) -> Response {
    let list = match s.services.public_wishes().await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let p = PublicWishesPage {
        title: c.tr("wishes.title").to_string(),
        lines: list
            .into_iter()
            .map(|w| PublicWishLine {
                id: w.id,
                wish: w.wish,
                age: w.age,
                place: w.place,
            })
            .collect(),
        claimed,
        refused,
        form,
        errors,
        c,
    };
    page(p.render(), status)
}

/// The public page of micro-wishes: anyone may read it and claim a wish, without an account.
pub(super) async fn public_wishes(
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    State(s): State<AppState>,
) -> Response {
    render_public(
        &s,
        Ctx::new(lang, &uri),
        None,
        None,
        HashMap::new(),
        Vec::new(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ClaimForm {
    #[serde(default)]
    donor: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    credit_code: String,
}

/// A donor claims a wish from the public page.
pub(super) async fn claim_wish(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    axum::extract::Form(f): axum::extract::Form<ClaimForm>,
) -> Response {
    let c = Ctx::new(lang, &uri);
    let input = jinguo_domain::care::ClaimInput {
        donor: f.donor.clone(),
        phone: f.phone.clone(),
        credit_code: f.credit_code.clone(),
    };
    let mut form = HashMap::new();
    form.insert("donor".to_string(), f.donor);
    form.insert("phone".to_string(), f.phone);
    form.insert("credit_code".to_string(), f.credit_code);
    match s.services.claim_wish(id, &input, &ip).await {
        Ok(until) => {
            let until = jinguo_services::clock::local(until);
            render_public(&s, c, Some(until), None, HashMap::new(), Vec::new()).await
        }
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => render_public(&s, c, None, Some(id), form, errors).await,
            None => error_page(&e, c),
        },
    }
}

/// Proposes a child's wish, from the care page opened for her household.
pub(super) async fn propose_wish(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let input = jinguo_domain::care::WishInput {
        person_id: Uuid::parse_str(g("wish_person").trim()).ok(),
        wish: g("wish"),
        guardian_consent: f.fields.contains_key("guardian_consent"),
        guardian_name: g("guardian_name"),
        guardian_relationship: g("guardian_relationship"),
    };
    match s.services.propose_wish(&caller, &code, &input).await {
        Ok(_) => Redirect::to(&format!("/places/{code}/care#wishes")).into_response(),
        Err(e) => for_household_again(&s, c, &caller, &code, &e, f.fields).await,
    }
}

/// A step of a wish from the care page.
pub(super) async fn wish_step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path((code, id)): Path<(String, Uuid)>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let version = g("version").parse().unwrap_or(0);
    match s
        .services
        .wish_step(&caller, id, &g("step"), version, &g("note"))
        .await
    {
        Ok(()) => Redirect::to(&format!("/places/{code}/care#wishes")).into_response(),
        Err(e) => match super::refusal(&e, &c, "error.conflict.detail") {
            Some((errors, _)) => {
                render(
                    &s,
                    c,
                    &caller,
                    &code,
                    CareQuery::default(),
                    f.fields,
                    errors,
                )
                .await
            }
            None => error_page(&e, c),
        },
    }
}

/// Records an event from the care page (participants counted).
pub(super) async fn record_event(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let g = |n: &str| field(&f.fields, n);
    let count = |n: &str| {
        let v = g(n);
        if v.trim().is_empty() {
            0
        } else {
            v.trim().parse().unwrap_or(-1)
        }
    };
    let input = jinguo_domain::care::EventInput {
        kind: g("event_kind"),
        name: g("event_name"),
        on: g("event_on"),
        place: g("venue"),
        organiser: g("organiser"),
        anonymous: count("anonymous"),
        anonymous_children: count("anonymous_children"),
        persons: ticked_ids(&f.fields, "participant"),
    };
    let registry = g("registry");
    match s.services.record_event(&caller, &code, &input).await {
        Ok(_) if registry.is_empty() => {
            Redirect::to(&format!("/places/{code}/care#events")).into_response()
        }
        Ok(_) => Redirect::to(&format!(
            "/places/{code}/care?registry={}#events",
            super::encode(&registry)
        ))
        .into_response(),
        Err(e) => {
            let q = CareQuery {
                registry: (!registry.is_empty()).then_some(registry),
                ..Default::default()
            };
            again(&s, c, &caller, &code, q, &e, f.fields).await
        }
    }
}
