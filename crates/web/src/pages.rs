//! Server-rendered pages: mobile first, Chinese by default, no build step. Each handler calls one
//! service and fills a template; the figures and tables are prepared here so templates stay plain.

use crate::AppState;
use crate::error::status_of;
use crate::i18n::t;
use crate::lang::UiLang;
use askama::Template;
use axum::Router;
use axum::extract::OriginalUri;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use jinguo_domain::Lang;
use jinguo_domain::account::Role;
use jinguo_services::places::Place;
use jinguo_services::{Caller, ServiceError};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(places::home))
        .route("/places/{code}", get(places::place))
        .route(
            "/households/search",
            axum::routing::post(households::find_household),
        )
        .route(
            "/persons/search",
            get(households::name_search_form).post(households::find_persons),
        )
        .route("/households/{id}", get(households::household))
        .route(
            "/households/{id}/persons",
            axum::routing::post(households::add_person),
        )
        .route(
            "/households/{id}/reveal",
            axum::routing::post(households::reveal),
        )
        .route(
            "/households/{id}/consents",
            axum::routing::post(households::consent),
        )
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", axum::routing::post(session::logout))
        .route(
            "/account/password",
            get(session::password_form).post(session::password_change),
        )
        .route(
            "/login/totp",
            get(session::totp_form).post(session::totp_check),
        )
        .route("/audit", get(audit::audit_page))
        .route("/audit/export", get(audit::audit_export))
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
        .route("/places/{code}/coverage", get(network::coverage_page))
        .route("/places/{code}/report", get(report::report_page))
        .route("/places/{code}/report.docx", get(report::report_docx))
        .route("/places/{code}/report.pdf", get(report::report_pdf))
        .route(
            "/places/{code}/tables",
            get(tables::tables_page).post(tables::save),
        )
        .route(
            "/places/{code}/tables/sign",
            axum::routing::post(tables::sign),
        )
        .route(
            "/places/{code}/tables/send",
            axum::routing::post(tables::send),
        )
        .route("/places/{code}/tables/received", get(tables::received_page))
        .route(
            "/members/{id}/leave",
            axum::routing::post(network::member_leave),
        )
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
            // The sheet is read up to the configured size of an import (`import_check`).
            get(import::import_page)
                .post(import::import_check)
                .layer(axum::extract::DefaultBodyLimit::disable()),
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
            "/cases/{id}/address-confidential",
            axum::routing::post(linkage::address_confidential),
        )
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
            "/cases/{id}/assessments",
            axum::routing::post(linkage::assess_case),
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
        .route(
            "/places/{code}/risk-questions",
            get(assessment::checklist_page).post(assessment::save_checklist),
        )
        .route("/conferences", get(conference::my_conferences))
        .route(
            "/places/{code}/conferences",
            get(conference::conferences_page).post(conference::plan_conference),
        )
        .route("/conferences/{id}", get(conference::conference_page))
        .route("/conferences/{id}/minutes.docx", get(conference::minutes))
        .route(
            "/conferences/{id}/minutes.pdf",
            get(conference::minutes_pdf),
        )
        .route(
            "/conferences/{id}/{step}",
            axum::routing::post(conference::conference_step),
        )
        .route("/actions", get(conference::actions_page))
        .route(
            "/actions/{id}/done",
            axum::routing::post(conference::action_done),
        )
        .route("/referrals", get(linkage::referrals_page))
        .route("/referrals/{id}", get(linkage::referral_page))
        .route(
            "/referrals/{id}/{step}",
            axum::routing::post(linkage::referral_step),
        )
        .route("/care", get(care::care_home))
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
        .route("/opinion", get(opinion::desk_page))
        .route(
            "/opinion/report",
            get(opinion::report_page).post(opinion::report),
        )
        .route("/opinion/topics/{id}", get(opinion::topic_page))
        .route(
            "/opinion/topics/{id}/steps",
            axum::routing::post(opinion::topic_step),
        )
        .route(
            "/opinion/meetings",
            get(opinion::meetings_page).post(opinion::add_meeting),
        )
        .route("/opinion/meetings/{id}", get(opinion::meeting_page))
        .route("/opinion/figures", get(opinion::figures_page))
        .route(
            "/places/{code}/opinion-categories",
            get(opinion_categories::categories_page).post(opinion_categories::add_category),
        )
        .route(
            "/places/{code}/opinion-categories/{key}",
            axum::routing::post(opinion_categories::rename_category),
        )
        .route(
            "/places/{code}/opinion-categories/{key}/retire",
            axum::routing::post(opinion_categories::retire_category),
        )
        .route(
            "/opinion/meetings/{id}/tasks/{task}/done",
            axum::routing::post(opinion::finish_task),
        )
        .route(
            "/supervision",
            get(supervision::board_page).post(supervision::issue),
        )
        .route("/supervision/new", get(supervision::issue_page))
        .route("/supervision/{id}", get(supervision::task_page))
        .route(
            "/supervision/{id}/steps",
            axum::routing::post(supervision::task_step),
        )
        .route(
            "/typical-cases",
            get(typical::library_page).post(typical::propose),
        )
        .route("/typical-cases/{id}", get(typical::case_page))
        .route(
            "/typical-cases/{id}/steps",
            axum::routing::post(typical::case_step),
        )
        .route("/typical", get(typical::public_page))
        .route("/typical/{id}", get(typical::public_case_page))
        .route(
            "/family-awards",
            get(family::list_page).post(family::nominate),
        )
        .route(
            "/family-awards/voting",
            axum::routing::post(family::set_voting),
        )
        .route("/family-awards/{id}", get(family::award_page))
        .route(
            "/family-awards/{id}/steps",
            axum::routing::post(family::award_step),
        )
        .route(
            "/family-events",
            get(family::events_page).post(family::record_event),
        )
        .route("/families", get(family::public_page))
        .route("/figures", get(public_figures::index))
        .route("/figures/{code}", get(public_figures::county))
        .route("/families/{id}", get(family::public_one))
        .route(
            "/families/{id}/objections",
            axum::routing::post(family::object),
        )
        .route("/families/{id}/vote", axum::routing::post(family::vote))
        .route(
            "/volunteers",
            get(volunteer::volunteers_page).post(volunteer::add_volunteer),
        )
        .route("/volunteers/{id}", get(volunteer::volunteer_page))
        .route(
            "/volunteers/{id}/services",
            axum::routing::post(volunteer::record_service),
        )
        .route(
            "/trainings",
            get(volunteer::trainings_page).post(volunteer::record_training),
        )
        .route("/trainings/{id}", get(volunteer::training_page))
        .route(
            "/trainings/{id}/materials",
            axum::routing::post(volunteer::add_material).layer(
                axum::extract::DefaultBodyLimit::max(
                    2 * jinguo_domain::linkage::EVIDENCE_MAX_BYTES,
                ),
            ),
        )
        .route(
            "/trainings/{id}/materials/{material}",
            get(volunteer::material),
        )
        .route("/members/{id}/trainings", get(volunteer::member_record))
        .route("/chains", get(chain::chains_page).post(chain::define))
        .route("/chains/{id}", get(chain::chain_page))
        .route("/chains/{id}/runs", axum::routing::post(chain::attach))
        .route("/chain-runs/{id}", get(chain::run_page))
        .route("/chain-runs/{id}/steps", axum::routing::post(chain::take))
        .route("/hotline", get(hotline::hotline_page).post(hotline::record))
        .route(
            "/hotline/{id}/callback",
            axum::routing::post(hotline::call_back),
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
            "/disputes/{id}/crime-report",
            axum::routing::post(mediation::crime_report),
        )
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
            "/disputes/{id}/agreement/draft",
            axum::routing::post(mediation::agreement_draft),
        )
        .route(
            "/disputes/{id}/agreement.docx",
            get(mediation::agreement_docx),
        )
        .route(
            "/disputes/{id}/agreement.pdf",
            get(mediation::agreement_pdf),
        )
        .route(
            "/disputes/{id}/terms/{seq}/performed",
            axum::routing::post(mediation::term_performed),
        )
        .route(
            "/disputes/{id}/confirmation",
            axum::routing::post(mediation::request_confirmation),
        )
        .route("/lang", get(session::switch_lang))
        .route("/static/app.css", get(assets::css))
        .route("/static/app.js", get(assets::js))
        // Offline visits: the queue's script, the service worker (from the root, so that its
        // scope is every page) and the web app manifest.
        .route("/static/offline.js", get(assets::offline_js))
        .route("/sw.js", get(assets::service_worker))
        .route("/offline/household", get(offline::household))
        .route("/static/icon.svg", get(assets::icon))
        .route("/manifest.webmanifest", get(assets::manifest))
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
    /// The pages her roles open, for the navigation.
    pub links: Vec<NavLink>,
    /// Whether the page offers offline visits (a women's representative): the status bar, the
    /// script that keeps the queue, the service worker and the manifest.
    pub offline: bool,
}

/// A page of the navigation.
pub struct NavLink {
    pub href: &'static str,
    /// The catalog key of its name.
    pub key: &'static str,
}

/// A figure of a page: the catalog key of its name (and its `data-key`), and its value as shown.
pub(crate) struct Figure {
    pub key: &'static str,
    pub value: String,
}

impl Figure {
    fn new(key: &'static str, value: String) -> Self {
        Self { key, value }
    }
}

/// A place of the breadcrumbs.
pub(crate) struct Crumb {
    pub code: String,
    pub name: String,
    /// Whether the caller may go there.
    pub linked: bool,
}

/// A choice of a form (an option of a select, a checkbox): the value sent and the label shown.
pub(crate) struct Choice<V = &'static str, L = &'static str> {
    pub value: V,
    pub label: L,
}

impl<V, L> Choice<V, L> {
    fn new(value: V, label: L) -> Self {
        Self { value, label }
    }
}

/// A field of a form refused, and why.
#[derive(Clone)]
pub(crate) struct FieldError {
    /// The field's name (its input's id is `f-` and the name).
    pub field: String,
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
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
            offline: false,
        }
    }
    fn with(lang: Lang, uri: &axum::http::Uri, caller: &Caller) -> Self {
        let mut c = Self::new(lang, uri);
        c.user = Some(caller.display_name.clone());
        c.csrf = caller.csrf.clone();
        // Home: her place, or her landing page when she has none.
        c.link("/", "nav.home");
        c.offline = caller.has_role(Role::Representative) && !caller.second_factor_pending;
        if !caller.household_read_scope().is_empty() {
            c.link("/campaigns", "nav.campaigns");
            if caller.has_role(Role::Staff) {
                c.link("/imports", "nav.imports");
            }
        }
        if caller.has_role(Role::Staff) || caller.has_role(Role::SecurityAdmin) {
            c.link("/emergency", "nav.emergency");
        }
        if caller.has_role(Role::Staff) || caller.has_role(Role::Mediator) {
            c.link("/disputes", "nav.disputes");
        }
        if caller.has_role(Role::Staff) {
            c.link("/cases", "nav.cases");
        }
        if !caller.household_read_scope().is_empty() {
            c.link("/care", "nav.care");
        }
        if caller.has_role(Role::Staff) || caller.has_role(Role::Liaison) {
            c.link("/conferences", "nav.conferences");
        }
        if caller.has_role(Role::Liaison) {
            c.link("/referrals", "nav.referrals");
        }
        if !caller.opinion_scope().is_empty() {
            c.link("/opinion", "nav.opinion");
        }
        if caller.has_role(Role::Staff) || caller.has_role(Role::Liaison) {
            c.link("/supervision", "nav.supervision");
            c.link("/chains", "nav.chains");
        }
        if caller.has_role(Role::Staff) {
            c.link("/hotline", "nav.hotline");
            c.link("/typical-cases", "nav.typical");
            c.link("/family-awards", "nav.family");
            c.link("/volunteers", "nav.volunteers");
            c.link("/trainings", "nav.trainings");
        }
        if caller.account_id.is_some() && !caller.second_factor_pending {
            c.link("/inbox", "nav.inbox");
        }
        if caller.has_role(Role::SystemAdmin) || caller.has_role(Role::SecurityAdmin) {
            c.link("/admin", "nav.admin");
        }
        if caller.has_role(Role::SystemAdmin) {
            c.link("/outbox", "nav.outbox");
        }
        if caller.has_role(Role::AuditAdmin) {
            c.link("/audit", "nav.audit");
        }
        c
    }
    fn link(&mut self, href: &'static str, key: &'static str) {
        self.links.push(NavLink { href, key });
    }
    pub fn tr(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }
    /// A new submission key, for the hidden field of a create form (see [`crate::submission`]):
    /// the same form sent twice records once.
    pub fn submission_key(&self) -> String {
        uuid::Uuid::now_v7().simple().to_string()
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

/// Breadcrumbs: the places above, linked only where the caller may go.
fn crumbs(lineage: &[Place], caller: &Caller) -> Vec<Crumb> {
    let scope = caller.household_read_scope();
    lineage
        .iter()
        .map(|p| Crumb {
            code: p.code.clone(),
            name: p.name.clone(),
            linked: scope.covers(&p.path),
        })
        .collect()
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

/// A form of free fields (checkboxes named `prefix.key`, one per value ticked), with its
/// anti-forgery token.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct FreeForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

/// Her staff places as choices of a form, each labelled with its code and name.
pub(crate) async fn staff_place_choices(
    s: &crate::AppState,
    caller: &Caller,
) -> Vec<Choice<String, String>> {
    let mut choices = Vec::new();
    for code in staff_places(caller) {
        let label = match s.services.cached().place(&code).await {
            Ok(Some(p)) => format!("{} {}", p.code, p.name),
            _ => code.clone(),
        };
        choices.push(Choice::new(code, label));
    }
    choices
}

/// The division codes of the places her staff grants are for (where she issues supervision
/// tasks and records hotline calls), in the order of her grants.
pub(crate) fn staff_places(caller: &Caller) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in caller.grants.iter().filter(|g| g.role == Role::Staff) {
        let code = g
            .scope_path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        if code.len() >= 6 && !out.contains(&code) {
            out.push(code);
        }
    }
    out
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
) -> Option<(Vec<FieldError>, StatusCode)> {
    match e {
        ServiceError::Conflict => Some((
            vec![FieldError::new("version", c.tr(conflict_key))],
            StatusCode::CONFLICT,
        )),
        e => screening::field_errors(e, c.lang).map(|v| (v, StatusCode::UNPROCESSABLE_ENTITY)),
    }
}

/// An error as a page in the reader's language.
/// The period asked for; when it is refused, its field is named among `errors` and this year is
/// counted instead (`None` only if even that cannot be).
pub(crate) fn period_or_this_year(
    input: &jinguo_domain::period::PeriodInput,
    lang: Lang,
    errors: &mut Vec<FieldError>,
) -> Option<jinguo_domain::period::Period> {
    use jinguo_domain::period::{Period, PeriodInput};
    let today = jinguo_services::clock::today();
    match Period::parse(input, today) {
        Ok(p) => Some(p),
        Err(e) => {
            if let Some(found) = screening::field_errors(&ServiceError::from(e), lang) {
                errors.extend(found);
            }
            Period::parse(&PeriodInput::default(), today).ok()
        }
    }
}

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
        ServiceError::RateLimited => (
            t(c.lang, "error.rate_limited"),
            t(c.lang, "error.rate_limited.detail").to_string(),
        ),
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

/// Forms posted through [`CheckedForm`](crate::auth::CheckedForm) carry the session's token in their `csrf` field.
macro_rules! csrf_form {
    ($t:ty) => {
        impl crate::auth::CsrfField for $t {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    };
}
csrf_form!(FreeForm);

/// Forms carry the session's token; a form from anywhere else is refused.
fn csrf_ok(caller: &Caller, sent: &str) -> bool {
    !caller.csrf.is_empty() && sent == caller.csrf
}

/// The file of a page's upload form (multipart: `csrf` and `file`), its name and bytes, once the
/// form's token is the session's (`None`: a form from anywhere else). The body's size is bounded
/// by the server's limit on bodies; what the file may be is the services' to check.
async fn uploaded_file(
    caller: &Caller,
    form: &mut axum::extract::Multipart,
) -> Option<(String, Vec<u8>)> {
    let (mut csrf, mut name, mut bytes) = (String::new(), String::new(), Vec::new());
    while let Ok(Some(field)) = form.next_field().await {
        let field_name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().unwrap_or_default().to_string();
        match field.bytes().await {
            Ok(b) if field_name == "csrf" => csrf = String::from_utf8_lossy(&b).into_owned(),
            Ok(b) if field_name == "file" => {
                name = file_name;
                bytes = b.to_vec();
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    csrf_ok(caller, &csrf).then_some((name, bytes))
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

mod access;
mod assessment;
mod assets;
mod audit;
mod care;
mod chain;
mod conference;
pub(crate) mod confirm;
mod family;
mod federations;
mod hotline;
mod households;
pub(crate) mod import;
mod landing;
mod linkage;
pub(crate) mod mediation;
mod network;
mod offline;
pub(crate) mod opinion;
pub(crate) mod opinion_categories;
mod places;
mod public_figures;
mod report;
mod screening;
mod session;
mod supervision;
mod tables;
mod typical;
mod volunteer;
mod worklist;
