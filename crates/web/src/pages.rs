//! Server-rendered pages: mobile first, Chinese by default, no build step. Each handler calls one
//! service and fills a template; the figures and tables are prepared here so templates stay plain.

use crate::AppState;
use crate::auth::{CheckedForm, PageCaller, PendingCaller};
use crate::error::status_of;
use crate::i18n::t;
use crate::lang::UiLang;
use askama::Template;
use axum::Router;
use axum::extract::{Form, FromRequest, OriginalUri, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use jinguo_domain::Lang;
use jinguo_domain::account::Role;
use jinguo_domain::person::{PersonInput, Relationship};
use jinguo_domain::place::PlaceLevel;
use jinguo_services::places::{Figures, Place};
use jinguo_services::{Caller, ServiceError};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/places/{code}", get(place))
        .route("/households/search", axum::routing::post(find_household))
        .route("/households/{id}", get(household))
        .route("/households/{id}/persons", axum::routing::post(add_person))
        .route("/households/{id}/reveal", axum::routing::post(reveal))
        .route("/households/{id}/consents", axum::routing::post(consent))
        .route("/login", get(login_form).post(login))
        .route("/logout", axum::routing::post(logout))
        .route(
            "/account/password",
            get(password_form).post(password_change),
        )
        .route("/login/totp", get(totp_form).post(totp_check))
        .route("/audit", get(audit_page))
        .route("/admin", get(access::admin_page))
        .route("/admin/accounts", axum::routing::post(access::admin_create))
        .route("/admin/grants", axum::routing::post(access::admin_grant))
        .route(
            "/admin/grants/revoke",
            axum::routing::post(access::admin_revoke),
        )
        .route("/admin/members", axum::routing::post(access::admin_link))
        .route("/exports", axum::routing::post(import::export_clear))
        .route("/tokens", get(access::tokens_page))
        .route("/tokens/revoke", axum::routing::post(access::token_revoke))
        .route(
            "/emergency",
            get(access::emergency_page).post(access::emergency_request),
        )
        .route(
            "/emergency/{id}/decision",
            axum::routing::post(access::emergency_decide),
        )
        .route(
            "/emergency/{id}/review",
            axum::routing::post(access::emergency_review),
        )
        .route(
            "/emergency/{id}/end",
            axum::routing::post(access::emergency_end),
        )
        .route("/places/{code}/coverage", get(coverage_page))
        .route("/members/{id}/leave", axum::routing::post(member_leave))
        .route(
            "/campaigns",
            get(screening::campaigns_page).post(screening::campaign_create),
        )
        .route("/campaigns/{id}", get(screening::campaign_page))
        .route(
            "/campaigns/{id}/households",
            get(screening::campaign_households_page),
        )
        .route(
            "/households/{id}/visits",
            axum::routing::post(screening::record_visit),
        )
        .route(
            "/imports",
            get(import::import_page).post(import::import_check).layer(
                axum::extract::DefaultBodyLimit::max(crate::api::import::MAX_SHEET_BYTES),
            ),
        )
        .route(
            "/imports/confirm",
            axum::routing::post(import::import_confirm),
        )
        .route(
            "/places/{code}/federation",
            get(federations::federation_page).post(federations::found),
        )
        .route(
            "/places/{code}/members",
            axum::routing::post(federations::add_member),
        )
        .route(
            "/members/{id}/handover",
            axum::routing::post(network::hand_over),
        )
        .route(
            "/places/{code}/assign",
            axum::routing::post(network::assign),
        )
        .route(
            "/places/{code}/balance",
            axum::routing::post(network::balance),
        )
        .route(
            "/places/{code}/disputes",
            get(mediation::place_disputes).post(mediation::register),
        )
        .route(
            "/places/{code}/mediators",
            axum::routing::post(mediation::set_profile),
        )
        .route("/disputes", get(mediation::my_disputes))
        .route("/cases", get(linkage::my_cases))
        .route(
            "/places/{code}/cases",
            get(linkage::cases_page).post(linkage::register_case),
        )
        .route("/cases/{id}", get(linkage::case_page))
        .route("/cases/{id}/referrals", axum::routing::post(linkage::refer))
        .route(
            "/cases/{id}/consents",
            axum::routing::post(linkage::record_consent),
        )
        .route(
            "/cases/{id}/consents/{consent}/withdraw",
            axum::routing::post(linkage::withdraw_consent),
        )
        .route(
            "/cases/{id}/instruments",
            axum::routing::post(linkage::add_instrument),
        )
        .route(
            "/cases/{id}/instruments/{instrument}/events",
            axum::routing::post(linkage::add_event),
        )
        .route(
            "/cases/{id}/close",
            axum::routing::post(linkage::close_case),
        )
        .route(
            "/cases/{id}/evidence",
            axum::routing::post(linkage::add_evidence).layer(axum::extract::DefaultBodyLimit::max(
                2 * jinguo_domain::linkage::EVIDENCE_MAX_BYTES,
            )),
        )
        .route(
            "/cases/{id}/evidence/{evidence}",
            get(linkage::evidence_file),
        )
        .route("/referrals", get(linkage::referrals_page))
        .route("/referrals/{id}", get(linkage::referral_page))
        .route(
            "/referrals/{id}/{step}",
            axum::routing::post(linkage::referral_step),
        )
        .route("/care", get(care_home))
        .route("/wishes", get(care::public_wishes))
        .route(
            "/places/{code}/care/events",
            axum::routing::post(care::record_event),
        )
        .route(
            "/places/{code}/care/wishes",
            axum::routing::post(care::propose_wish),
        )
        .route(
            "/places/{code}/care/wishes/{id}/steps",
            axum::routing::post(care::wish_step),
        )
        .route("/wishes/{id}/claim", axum::routing::post(care::claim_wish))
        .route("/places/{code}/care", get(care::care_page))
        .route(
            "/places/{code}/care/registries",
            axum::routing::post(care::create_registry),
        )
        .route(
            "/places/{code}/care/entries",
            axum::routing::post(care::propose),
        )
        .route(
            "/places/{code}/care/services",
            axum::routing::post(care::record_services),
        )
        .route("/registry-entries/{id}", get(care::entry_page))
        .route(
            "/registry-entries/{id}/steps",
            axum::routing::post(care::entry_step),
        )
        .route("/inbox", get(linkage::inbox_page))
        .route("/outbox", get(linkage::outbox_page))
        .route("/inbox/{id}/open", axum::routing::post(linkage::inbox_open))
        .route("/places/{code}/linkage", get(linkage::board_page))
        .route("/places/{code}/departments", get(linkage::departments_page))
        .route(
            "/places/{code}/departments/{key}",
            axum::routing::post(linkage::department_change),
        )
        .route("/disputes/{id}", get(mediation::dispute_page))
        .route(
            "/disputes/{id}/steps",
            axum::routing::post(mediation::take_step),
        )
        .route(
            "/disputes/{id}/sessions",
            axum::routing::post(mediation::record_session),
        )
        .route(
            "/disputes/{id}/agreement",
            axum::routing::post(mediation::record_agreement),
        )
        .route(
            "/disputes/{id}/agreement.docx",
            get(mediation::agreement_docx),
        )
        .route(
            "/disputes/{id}/terms/{seq}/performed",
            axum::routing::post(mediation::term_performed),
        )
        .route(
            "/disputes/{id}/confirmation",
            axum::routing::post(mediation::request_confirmation),
        )
        .route("/lang", get(switch_lang))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
}

/// What every page knows: the reader's language and where she is.
pub struct Ctx {
    pub lang: Lang,
    /// The current path and query, URL-encoded, to come back to after switching language.
    pub back: String,
    /// The logged-in user's display name, if any.
    pub user: Option<String>,
    /// The session's anti-forgery token, put into every form.
    pub csrf: String,
    /// The pages her roles open, for the navigation: (address, catalog key).
    pub links: Vec<(&'static str, &'static str)>,
}

impl Ctx {
    fn new(lang: Lang, uri: &axum::http::Uri) -> Self {
        let here = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        Self {
            lang,
            back: encode(here),
            user: None,
            csrf: String::new(),
            links: Vec::new(),
        }
    }
    fn with(lang: Lang, uri: &axum::http::Uri, caller: &Caller) -> Self {
        let mut c = Self::new(lang, uri);
        c.user = Some(caller.display_name.clone());
        c.csrf = caller.csrf.clone();
        if !caller.household_read_scope().is_empty() {
            c.links.push(("/", "nav.home"));
            c.links.push(("/campaigns", "nav.campaigns"));
            if caller.has_role(Role::Staff) {
                c.links.push(("/imports", "nav.imports"));
            }
        }
        if caller.has_role(Role::Staff) || caller.has_role(Role::SecurityAdmin) {
            c.links.push(("/emergency", "nav.emergency"));
        }
        if caller.has_role(Role::Staff) || caller.has_role(Role::Mediator) {
            c.links.push(("/disputes", "nav.disputes"));
        }
        if caller.has_role(Role::Staff) {
            c.links.push(("/cases", "nav.cases"));
        }
        if !caller.household_read_scope().is_empty() {
            c.links.push(("/care", "nav.care"));
        }
        if caller.has_role(Role::Liaison) {
            c.links.push(("/referrals", "nav.referrals"));
        }
        if caller.account_id.is_some() && !caller.second_factor_pending {
            c.links.push(("/inbox", "nav.inbox"));
        }
        if caller.has_role(Role::SystemAdmin) || caller.has_role(Role::SecurityAdmin) {
            c.links.push(("/admin", "nav.admin"));
        }
        if caller.has_role(Role::SystemAdmin) {
            c.links.push(("/outbox", "nav.outbox"));
        }
        if caller.has_role(Role::AuditAdmin) {
            c.links.push(("/audit", "nav.audit"));
        }
        c
    }
    pub fn tr(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }
}

pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// 150551 → 150,551.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn page(html: Result<String, askama::Error>, status: StatusCode) -> Response {
    match html {
        Ok(body) => {
            let mut r = (status, Html(body)).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    c: Ctx,
    title: String,
    detail: String,
}

/// The care registries of the caller's home place.
async fn care_home(
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

/// A form of free fields (checkboxes named `prefix.key`, one per value ticked), with its
/// anti-forgery token.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct FreeForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

/// A field of a free form, empty when absent.
pub(crate) fn field(form: &std::collections::HashMap<String, String>, name: &str) -> String {
    form.get(name).cloned().unwrap_or_default()
}

/// A refused write as the page shows it again: the lines of its refusal and the status, for a
/// record someone changed meanwhile (`conflict_key` says so) or refused fields; none for any
/// other error (an error page).
pub(crate) fn refusal(
    e: &ServiceError,
    c: &Ctx,
    conflict_key: &str,
) -> Option<(Vec<(String, String)>, StatusCode)> {
    match e {
        ServiceError::Conflict => Some((
            vec![("version".into(), c.tr(conflict_key).to_string())],
            StatusCode::CONFLICT,
        )),
        e => screening::field_errors(e, c.lang).map(|v| (v, StatusCode::UNPROCESSABLE_ENTITY)),
    }
}

/// An error as a page in the reader's language.
pub fn error_response(e: &ServiceError, lang: Lang, uri: &axum::http::Uri) -> Response {
    error_page(e, Ctx::new(lang, uri))
}

fn error_page(e: &ServiceError, c: Ctx) -> Response {
    let status = status_of(e);
    let (title, detail) = match e {
        ServiceError::NotFound => (
            t(c.lang, "error.not_found"),
            t(c.lang, "error.not_found.detail").to_string(),
        ),
        ServiceError::Conflict => (
            t(c.lang, "error.conflict"),
            t(c.lang, "error.conflict.detail").to_string(),
        ),
        ServiceError::PossibleDuplicate(_) => (
            t(c.lang, "error.possible_duplicate"),
            t(c.lang, "error.possible_duplicate.detail").to_string(),
        ),
        ServiceError::Unauthenticated => (t(c.lang, "error.unauthenticated"), String::new()),
        ServiceError::Forbidden => (
            t(c.lang, "error.forbidden"),
            t(c.lang, "error.forbidden.detail").to_string(),
        ),
        ServiceError::RateLimited => (t(c.lang, "error.rate_limited"), String::new()),
        ServiceError::Invalid(v) => (
            t(c.lang, "error.validation"),
            v.0.iter()
                .map(|f| f.message(c.lang))
                .collect::<Vec<_>>()
                .join(c.lang.pick("；", "; ")),
        ),
        ServiceError::Storage(err) if err.is_unwritable() => {
            tracing::warn!(error = %err, "the database refuses writes");
            (
                t(c.lang, "error.unavailable"),
                t(c.lang, "error.unavailable.detail").to_string(),
            )
        }
        ServiceError::Storage(err) => {
            tracing::error!(error = %err, "page failed");
            (t(c.lang, "error.internal"), String::new())
        }
        ServiceError::Io(err) => {
            tracing::error!(error = %err, "page failed");
            (t(c.lang, "error.internal"), String::new())
        }
        ServiceError::Internal(err) => {
            tracing::error!(error = %err, "page failed");
            (t(c.lang, "error.internal"), String::new())
        }
    };
    page(
        MessagePage {
            c,
            title: title.to_string(),
            detail,
        }
        .render(),
        status,
    )
}

/// Unknown addresses: problem+json under `/api/`, a page elsewhere.
pub async fn not_found(UiLang(lang): UiLang, OriginalUri(uri): OriginalUri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::problem_response(crate::error::problem(
            &ServiceError::NotFound,
            lang,
        ));
    }
    error_page(&ServiceError::NotFound, Ctx::new(lang, &uri))
}

/// A known path asked with a method it does not take: 405, as problem+json under `/api/`.
pub async fn method_not_allowed(UiLang(lang): UiLang, OriginalUri(uri): OriginalUri) -> Response {
    let title = t(lang, "error.method_not_allowed");
    if uri.path().starts_with("/api/") {
        return crate::error::problem_response(crate::error::Problem {
            kind: "/problems/method_not_allowed".into(),
            title: title.into(),
            status: StatusCode::METHOD_NOT_ALLOWED.as_u16(),
            code: "method_not_allowed".into(),
            detail: None,
            errors: Vec::new(),
            related: Vec::new(),
        });
    }
    (StatusCode::METHOD_NOT_ALLOWED, title).into_response()
}

async fn home(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    match s.services.home_place(&caller) {
        Some(code) => Redirect::to(&format!("/places/{code}")).into_response(),
        None if caller.has_role(Role::AuditAdmin) => Redirect::to("/audit").into_response(),
        None if caller.has_role(Role::SystemAdmin) || caller.has_role(Role::SecurityAdmin) => {
            Redirect::to("/admin").into_response()
        }
        None => {
            let c = Ctx::with(lang, &uri, &caller);
            let p = MessagePage {
                title: c.tr("dashboard.title").into(),
                detail: c.tr("dashboard.empty").into(),
                c,
            };
            page(p.render(), StatusCode::OK)
        }
    }
}

struct Row {
    href: String,
    name: String,
    code: String,
    cells: Vec<(&'static str, String)>,
}

struct HouseholdRow {
    id: Uuid,
    code: String,
    head: String,
    address: String,
    persons: i64,
}

struct HouseholdsBlock {
    page: i64,
    pages: i64,
    total: String,
    lines: Vec<HouseholdRow>,
}

#[derive(Template)]
#[template(path = "place.html")]
struct PlacePage {
    c: Ctx,
    title: String,
    level: &'static str,
    code: String,
    crumbs: Vec<(String, String, bool)>,
    figures: Vec<(&'static str, String)>,
    columns: Vec<&'static str>,
    rows: Vec<Row>,
    households: Option<HouseholdsBlock>,
    /// The newest campaigns here: (id, name, "screened / households (pct)", low, medium, high).
    screening: Vec<(Uuid, String, String, String, String, String)>,
    /// For staff managing the place: open disputes below it, those overdue, and the terms of
    /// agreements past their deadline and not performed.
    disputes: Option<(i64, i64, i64)>,
    /// The linkage's open clocks below the place and the overdue ones (staff managing it).
    clocks: Option<(i64, i64)>,
    /// Care: people served this year and entries due for review (staff managing it).
    care: Option<(i64, i64)>,
}

/// The figures worth showing below a place of `level`.
fn figure_keys(level: PlaceLevel) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if level < PlaceLevel::Township {
        keys.push("fig.townships");
    }
    if level < PlaceLevel::Village {
        keys.push("fig.villages");
    }
    if level < PlaceLevel::Group {
        keys.push("fig.groups");
    }
    keys.push("fig.households");
    if level < PlaceLevel::Group {
        // Executives serve federations down to villages; resident groups have representatives.
        keys.push("fig.executives");
    }
    keys.push("fig.representatives");
    keys
}

fn figure(f: &Figures, key: &str) -> i64 {
    match key {
        "fig.townships" => f.townships,
        "fig.villages" => f.villages,
        "fig.groups" => f.groups,
        "fig.households" => f.households,
        "fig.executives" => f.executives,
        "fig.representatives" => f.representatives,
        _ => 0,
    }
}

/// Breadcrumbs: the places above, linked only where the caller may go.
fn crumbs(lineage: &[Place], caller: &Caller) -> Vec<(String, String, bool)> {
    let scope = caller.household_read_scope();
    lineage
        .iter()
        .map(|p| (p.code.clone(), p.name.clone(), scope.covers(&p.path)))
        .collect()
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

async fn place(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let view = match s.services.place_view(&caller, &code).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let level = view.place.level();
    let screening = match s.services.campaigns_at(&caller, &view.place, 3).await {
        Ok(list) => list
            .into_iter()
            .map(|(camp, risks)| {
                let screened: i64 = risks.iter().sum();
                let pct = if view.figures.households > 0 {
                    100.0 * screened as f64 / view.figures.households as f64
                } else {
                    0.0
                };
                (
                    camp.id,
                    camp.name,
                    format!(
                        "{} / {} ({pct:.1}%)",
                        thousands(screened),
                        thousands(view.figures.households)
                    ),
                    thousands(risks[1]),
                    thousands(risks[2]),
                    thousands(risks[3]),
                )
            })
            .collect(),
        Err(e) => return error_page(&e, c),
    };
    let disputes = match s.services.dispute_counts(&caller, &view.place).await {
        Ok(d) => d,
        Err(e) => return error_page(&e, c),
    };
    let clocks = match s.services.clock_counts(&caller, &view.place).await {
        Ok(d) => d,
        Err(e) => return error_page(&e, c),
    };
    let care = match s.services.care_counts(&caller, &view.place).await {
        Ok(d) => d,
        Err(e) => return error_page(&e, c),
    };
    let keys = figure_keys(level);
    let figures = keys
        .iter()
        .map(|k| (*k, thousands(figure(&view.figures, k))))
        .collect();
    let columns: Vec<&'static str> = level.child().map(figure_keys).unwrap_or_default();
    let rows = view
        .children
        .iter()
        .map(|ch| Row {
            href: format!("/places/{}", ch.place.code),
            name: ch.place.name.clone(),
            code: ch.place.code.clone(),
            cells: columns
                .iter()
                .map(|k| (*k, thousands(figure(&ch.figures, k))))
                .collect(),
        })
        .collect();
    let households = if level == PlaceLevel::Group {
        let n = match q.page.as_deref().map(str::parse::<i64>) {
            None => 1,
            Some(Ok(n)) => n,
            Some(Err(_)) => 0,
        };
        match s
            .services
            .group_households(&caller, &view.place.code, n)
            .await
        {
            Ok(hp) => Some(HouseholdsBlock {
                page: hp.page,
                pages: hp.pages,
                total: thousands(hp.total),
                lines: hp
                    .lines
                    .into_iter()
                    .map(|l| HouseholdRow {
                        id: l.id,
                        code: l.code,
                        head: l.head_name.unwrap_or_default(),
                        address: l.address,
                        persons: l.persons,
                    })
                    .collect(),
            }),
            Err(e) => return error_page(&e, c),
        }
    } else {
        None
    };
    let p = PlacePage {
        clocks,
        care,
        title: view.place.name.clone(),
        level: level.label(lang),
        code: view.place.code.clone(),
        crumbs: crumbs(
            &view.lineage[..view.lineage.len().saturating_sub(1)],
            &caller,
        ),
        figures,
        columns,
        rows,
        households,
        screening,
        disputes,
        c,
    };
    page(p.render(), StatusCode::OK)
}

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
struct PersonForm {
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

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    c: Ctx,
    title: String,
    id: Uuid,
    address: String,
    version: i64,
    crumbs: Vec<(String, String, bool)>,
    persons: Vec<PersonRow>,
    added: bool,
    consented: bool,
    revealed: bool,
    form: PersonForm,
    errors: Vec<(String, String)>,
    relationships: Vec<(&'static str, &'static str)>,
    screening: screening::ScreeningBlock,
    /// Where federation staff register a dispute of this household (its group).
    dispute_place: Option<String>,
    /// Where its persons are proposed for a care registry (its group).
    care_place: String,
}

#[derive(Deserialize)]
struct AddedQuery {
    added: Option<String>,
    consented: Option<String>,
    visited: Option<String>,
}

async fn household(
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
    retry: Option<(&'a screening::VisitForm, Vec<(String, String)>)>,
}

async fn render_household(
    s: &AppState,
    c: Ctx,
    req: HouseholdRequest<'_>,
    added: bool,
    form: PersonForm,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let Ok(id) = Uuid::parse_str(req.id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let result = match req.reveal {
        Some(reason) => s.services.household_reveal(req.caller, id, reason).await,
        None => s.services.household_view(req.caller, id).await,
    };
    let (v, errors, status) = match result {
        Ok(v) => (v, errors, status),
        Err(ServiceError::Invalid(e)) if req.reveal.is_some() => {
            let errs =
                e.0.iter()
                    .map(|f| (f.field.clone(), f.message(c.lang)))
                    .collect();
            match s.services.household_view(req.caller, id).await {
                Ok(v) => (v, errs, StatusCode::UNPROCESSABLE_ENTITY),
                Err(e) => return error_page(&e, c),
            }
        }
        Err(e) => return error_page(&e, c),
    };
    let lang = c.lang;
    let screening =
        match screening::screening_block(&s.services, req.caller, id, lang, req.visited, req.retry)
            .await
        {
            Ok(b) => b,
            Err(e) => return error_page(&e, c),
        };
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
            .map(|r| (r.key(), r.label(lang)))
            .collect(),
        c,
    };
    page(p.render(), status)
}

async fn add_person(
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
                    .map(|e| (e.field.clone(), e.message(lang)))
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
            let errors = vec![(
                "name".to_string(),
                t(lang, "error.conflict.detail").to_string(),
            )];
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
struct ConsentForm {
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

async fn consent(
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
        Err(e) => match screening::field_errors(&e, lang) {
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

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    c: Ctx,
    title: String,
    code: String,
    notice: Option<String>,
    crumbs: Vec<(String, String, bool)>,
    complete: bool,
    figures: Vec<(&'static str, String)>,
    /// (code, name, level)
    units: Vec<(String, String, &'static str)>,
    /// (group code, name, households)
    households: Vec<(String, String, String)>,
    /// (id, masked name, role, units, role key, place path), listed down to villages.
    members: Vec<(Uuid, String, &'static str, i64, String, String)>,
    /// A resident group: its households can be balanced across its representatives.
    is_group: bool,
    /// (code, name, units, households, idle, overloaded) of each unit one level down.
    children: Vec<(String, String, i64, i64, i64, i64)>,
}

#[derive(Deserialize)]
struct NoticeQuery {
    left: Option<String>,
    done: Option<String>,
}

async fn coverage_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let cov = match s.services.coverage(&caller, &code).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let role_label = |r: &str| match r {
        "representative" => Role::Representative.label(lang),
        _ => lang.pick("执委", "executive member"),
    };
    let members = if cov.place.level() >= jinguo_domain::place::PlaceLevel::Village {
        match s.services.coverage_members(&caller, &cov.place.code).await {
            Ok(list) => list
                .into_iter()
                .map(|m| {
                    let label = role_label(&m.role);
                    (m.id, m.name, label, m.units, m.role, m.place_path)
                })
                .collect(),
            Err(e) => return error_page(&e, c),
        }
    } else {
        Vec::new()
    };
    let p = CoveragePage {
        title: cov.place.name.clone(),
        code: cov.place.code.clone(),
        notice: q
            .left
            .map(|_| c.tr("coverage.left").to_string())
            .or_else(|| q.done.map(|_| c.tr("coverage.done").to_string())),
        is_group: cov.place.level() == jinguo_domain::place::PlaceLevel::Group,
        children: cov
            .children
            .iter()
            .map(|ch| {
                (
                    ch.place.code.clone(),
                    ch.place.name.clone(),
                    ch.uncovered_units,
                    ch.uncovered_households,
                    ch.idle,
                    ch.overloaded,
                )
            })
            .collect(),
        crumbs: crumbs(&cov.lineage, &caller),
        complete: cov.complete(),
        figures: vec![
            ("cov.members", thousands(cov.members)),
            ("cov.units", thousands(cov.uncovered_units.len() as i64)),
            (
                "cov.households",
                thousands(cov.households_without_representative()),
            ),
            ("cov.idle", thousands(cov.idle.len() as i64)),
            ("cov.overloaded", thousands(cov.overloaded.len() as i64)),
        ],
        units: cov
            .uncovered_units
            .iter()
            .map(|g| (g.code.clone(), g.name.clone(), g.level.label(lang)))
            .collect(),
        households: cov
            .uncovered_households
            .iter()
            .map(|h| (h.0.clone(), h.1.clone(), thousands(h.2)))
            .collect(),
        members,
        c,
    };
    page(p.render(), StatusCode::OK)
}

#[derive(Deserialize)]
struct LeaveForm {
    #[serde(default)]
    back: String,
    #[serde(default)]
    csrf: String,
}

async fn member_leave(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, f): CheckedForm<LeaveForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    match s.services.member_leave(&caller, id).await {
        Ok(_) => {
            let back = jinguo_domain::place::PlaceCode::parse(&f.back)
                .map(|p| p.to_string())
                .unwrap_or_default();
            Redirect::to(&format!("/places/{back}/coverage?left=1")).into_response()
        }
        Err(e) => error_page(&e, c),
    }
}

/// Forms posted through [`CheckedForm`] carry the session's token in their `csrf` field.
macro_rules! csrf_form {
    ($t:ty) => {
        impl crate::auth::CsrfField for $t {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    };
}
csrf_form!(PersonForm);
csrf_form!(FreeForm);
csrf_form!(ConsentForm);
csrf_form!(LeaveForm);
csrf_form!(RevealForm);
csrf_form!(FindForm);

/// Forms carry the session's token; a form from anywhere else is refused.
fn csrf_ok(caller: &Caller, sent: &str) -> bool {
    !caller.csrf.is_empty() && sent == caller.csrf
}

#[derive(Deserialize)]
struct FindForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    csrf: String,
}

/// The search form of the place page: to the household found, or a page saying why not.
async fn find_household(
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
struct RevealForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: String,
}

async fn reveal(
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

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Ctx,
    title: String,
    next: String,
    username: String,
    failed: bool,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

/// Only a local path is a place to go to after logging in or switching language.
fn local_path(p: Option<String>) -> String {
    p.filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".into())
}

async fn login_form(
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<NextQuery>,
) -> Response {
    let c = Ctx::new(lang, &uri);
    let p = LoginPage {
        title: c.tr("login.title").into(),
        next: local_path(q.next),
        username: String::new(),
        failed: false,
        c,
    };
    page(p.render(), StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

async fn login(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let secure = crate::auth::is_secure(&parts);
    let ip = crate::auth::client_ip(&parts);
    let f =
        match Form::<LoginForm>::from_request(axum::extract::Request::from_parts(parts, body), &s)
            .await
        {
            Ok(Form(f)) => f,
            Err(_) => return error_page(&ServiceError::Forbidden, Ctx::new(lang, &uri)),
        };
    match s.services.login(&f.username, &f.password, &ip).await {
        Ok(session) => {
            let mut r = Redirect::to(&local_path(f.next)).into_response();
            r.headers_mut().insert(
                header::SET_COOKIE,
                crate::auth::session_cookie(secure, &session.token),
            );
            r
        }
        Err(ServiceError::Unauthenticated) => {
            let c = Ctx::new(lang, &uri);
            let p = LoginPage {
                title: c.tr("login.title").into(),
                next: local_path(f.next),
                username: f.username,
                failed: true,
                c,
            };
            page(p.render(), StatusCode::UNAUTHORIZED)
        }
        Err(e) => error_page(&e, Ctx::new(lang, &uri)),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PendingCaller(caller, token): PendingCaller,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if !csrf_ok(&caller, &f.csrf) {
        return error_page(&ServiceError::Forbidden, Ctx::with(lang, &uri, &caller));
    }
    if let Err(e) = s.services.logout(&caller, &token).await {
        return error_page(&e, Ctx::new(lang, &uri));
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, crate::auth::clear_cookie());
    r
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Ctx,
    title: String,
    must: bool,
    errors: Vec<(String, String)>,
}

async fn password_form(
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PendingCaller(caller, _): PendingCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let p = PasswordPage {
        title: c.tr("password.title").into(),
        must: caller.must_change_password,
        errors: Vec::new(),
        c,
    };
    page(p.render(), StatusCode::OK)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn password_change(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PendingCaller(caller, _): PendingCaller,
    Form(f): Form<PasswordForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    if !csrf_ok(&caller, &f.csrf) {
        return error_page(&ServiceError::Forbidden, c);
    }
    match s
        .services
        .change_password(&caller, &f.old_password, &f.password)
        .await
    {
        Ok(()) => Redirect::to("/").into_response(),
        Err(ServiceError::Invalid(v)) => {
            let p = PasswordPage {
                title: c.tr("password.title").into(),
                must: caller.must_change_password,
                errors: v
                    .0
                    .iter()
                    .map(|e| (e.field.clone(), e.message(lang)))
                    .collect(),
                c,
            };
            page(p.render(), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => error_page(&e, c),
    }
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    c: Ctx,
    title: String,
    key: String,
    uri: String,
    errors: Vec<(String, String)>,
}

async fn totp_form(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PendingCaller(caller, _): PendingCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let (otp_uri, key) = match s.services.totp_enrolled(&caller).await {
        Ok(true) => (String::new(), String::new()),
        Ok(false) => match s.services.totp_begin(&caller).await {
            Ok(x) => x,
            Err(e) => return error_page(&e, c),
        },
        Err(e) => return error_page(&e, c),
    };
    let p = TotpPage {
        title: c.tr("totp.title").into(),
        key,
        uri: otp_uri,
        errors: Vec::new(),
        c,
    };
    page(p.render(), StatusCode::OK)
}

#[derive(Deserialize)]
struct TotpForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

async fn totp_check(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PendingCaller(caller, token): PendingCaller,
    Form(f): Form<TotpForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    if !csrf_ok(&caller, &f.csrf) {
        return error_page(&ServiceError::Forbidden, c);
    }
    match s.services.totp_verify(&caller, &token, &f.code).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(ServiceError::Invalid(v)) => {
            let p = TotpPage {
                title: c.tr("totp.title").into(),
                key: String::new(),
                uri: String::new(),
                errors: v
                    .0
                    .iter()
                    .map(|e| (e.field.clone(), e.message(lang)))
                    .collect(),
                c,
            };
            page(p.render(), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => error_page(&e, c),
    }
}

struct AuditLine {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    reason: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Ctx,
    title: String,
    chain: String,
    q_actor: String,
    q_action: String,
    lines: Vec<AuditLine>,
}

#[derive(Deserialize, Default)]
struct AuditSearch {
    actor: Option<String>,
    action: Option<String>,
}

async fn audit_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<AuditSearch>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let nonempty = |v: Option<String>| v.map(|x| x.trim().to_string()).filter(|x| !x.is_empty());
    let query = jinguo_services::audit::AuditQuery {
        actor: nonempty(q.actor.clone()),
        action: nonempty(q.action.clone()),
        limit: 200,
        ..Default::default()
    };
    let rows = match s.services.search_audit(&caller, &query).await {
        Ok(r) => r,
        Err(e) => return error_page(&e, c),
    };
    let chain = match s.services.verify_audit().await {
        Ok(jinguo_services::audit::Verification::Intact { entries }) => {
            format!("{} ({entries})", c.tr("audit.intact"))
        }
        Ok(jinguo_services::audit::Verification::Broken { seq, why }) => {
            format!("{} {seq}: {why}", c.tr("audit.broken"))
        }
        Err(e) => return error_page(&e, c),
    };
    let p = AuditPage {
        title: c.tr("audit.title").into(),
        chain,
        q_actor: q.actor.unwrap_or_default(),
        q_action: q.action.unwrap_or_default(),
        lines: rows
            .into_iter()
            .map(|r| AuditLine {
                seq: r.seq,
                at: jinguo_services::clock::local(r.at),
                actor: r.actor,
                action: r.action,
                target: r.target,
                reason: r.reason,
                ip: r.ip,
            })
            .collect(),
        c,
    };
    page(p.render(), StatusCode::OK)
}

#[derive(Deserialize)]
struct SwitchQuery {
    to: Option<String>,
    back: Option<String>,
}

/// Remembers the chosen language in a cookie and goes back where the reader was.
async fn switch_lang(Query(q): Query<SwitchQuery>) -> Response {
    let lang = q.to.as_deref().and_then(Lang::from_tag).unwrap_or_default();
    let back = local_path(q.back);
    let mut r = Redirect::to(&back).into_response();
    let cookie = format!(
        "lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        lang.code()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(150_551), "150,551");
        assert_eq!(thousands(517), "517");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(-1234), "-1,234");
    }

    #[test]
    fn encoding_keeps_paths_readable() {
        assert_eq!(encode("/places/530181?page=2"), "/places/530181%3Fpage%3D2");
    }
}

/// A household's page showing a refused visit form again, with what was entered.
async fn household_with_visit(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: &str,
    retry: (&screening::VisitForm, Vec<(String, String)>),
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

mod access;
mod care;
mod federations;
pub(crate) mod import;
mod linkage;
pub(crate) mod mediation;
mod network;
mod screening;
