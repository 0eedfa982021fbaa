//! Who may see what, as pages: accounts (system administrator), roles (security administrator),
//! one's own API tokens, and emergency access (asking, approving, reviewing, ending).

use super::screening::field_errors;
use super::{Choice, Ctx, FieldError, error_page, page};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use jinguo_domain::Lang;
use jinguo_domain::account::Role;
use jinguo_services::emergency::{EmergencyLine, EmergencyRequest};
use jinguo_services::{Caller, ServiceError, clock};
use serde::Deserialize;
use uuid::Uuid;

fn tr(lang: Lang, key: &str) -> &'static str {
    crate::i18n::t(lang, key)
}

// ------------------------------------------------------------------ accounts

/// An account as the administrators' page lists it.
struct AccountRow {
    username: String,
    display_name: String,
    home: String,
    state: &'static str,
    grants: Vec<GrantCell>,
}

struct GrantCell {
    id: Uuid,
    label: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    c: Ctx,
    title: String,
    notice: Option<String>,
    errors: Vec<FieldError>,
    accounts: Vec<AccountRow>,
    /// The system administrator: creates, locks and links accounts.
    may_create: bool,
    /// The security administrator: grants and revokes roles.
    may_grant: bool,
    roles: Vec<Choice>,
    /// Accounts refused again and again lately (security administrator).
    refusals: Vec<RefusalRow>,
}

struct RefusalRow {
    username: String,
    refusals: i64,
    last: String,
}

async fn render_admin(
    s: &AppState,
    caller: &Caller,
    c: Ctx,
    notice: Option<String>,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let lang = c.lang;
    let list = match s.services.list_accounts(caller).await {
        Ok(list) => list,
        Err(e) => return error_page(&e, c),
    };
    let accounts = list
        .into_iter()
        .map(|a| AccountRow {
            username: a.username,
            display_name: a.display_name,
            home: a.home_path.unwrap_or_default(),
            state: tr(
                lang,
                if a.locked {
                    "admin.locked"
                } else {
                    "admin.active"
                },
            ),
            grants: a
                .grants
                .into_iter()
                .map(|g| GrantCell {
                    id: g.id,
                    label: format!("{}@{}", g.role.label(lang), g.place_path),
                })
                .collect(),
        })
        .collect();
    let refusals = if caller.has_role(Role::SecurityAdmin) {
        match s.services.repeated_refusals(caller).await {
            Ok(list) => list
                .into_iter()
                .map(|r| RefusalRow {
                    username: r.username,
                    refusals: r.refusals,
                    last: clock::local(r.last_at),
                })
                .collect(),
            Err(e) => return error_page(&e, c),
        }
    } else {
        Vec::new()
    };
    let p = AdminPage {
        refusals,
        title: c.tr("admin.title").into(),
        notice,
        errors,
        accounts,
        may_create: caller.has_role(Role::SystemAdmin),
        may_grant: caller.has_role(Role::SecurityAdmin),
        // Administrator roles are given on the machine (`jinguo user add`), not here.
        roles: Role::ALL
            .iter()
            .filter(|r| !r.is_admin())
            .map(|r| Choice::new(r.key(), r.label(lang)))
            .collect(),
        c,
    };
    page(p.render(), status)
}

pub(super) async fn admin_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render_admin(&s, &caller, c, None, Vec::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub(super) struct AccountForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    csrf: String,
}

csrf_form!(AccountForm);

/// The system administrator creates an account, without a role.
pub(super) async fn admin_create(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, f): CheckedForm<AccountForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let a = jinguo_services::accounts::NewAccount {
        username: f.username,
        display_name: f.display_name,
        password: f.password,
        role: None,
        place: f.place,
    };
    let result = s.services.create_account(&caller, &a).await.map(|_| ());
    admin_outcome(&s, &caller, c, result, "admin.created").await
}

/// The account page again, with a notice when the change was made or the refused fields.
async fn admin_outcome(
    s: &AppState,
    caller: &Caller,
    c: Ctx,
    result: Result<(), ServiceError>,
    done: &'static str,
) -> Response {
    match result {
        Ok(()) => {
            let notice = Some(c.tr(done).to_string());
            render_admin(s, caller, c, notice, Vec::new(), StatusCode::OK).await
        }
        Err(e) => match field_errors(&e, c.lang) {
            Some(errors) => {
                render_admin(s, caller, c, None, errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => error_page(&e, c),
        },
    }
}

#[derive(Deserialize)]
pub(super) struct GrantForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    csrf: String,
}

csrf_form!(GrantForm);

fn one_field(field: &str, code: &'static str) -> ServiceError {
    let mut v = jinguo_domain::ValidationErrors::new();
    v.push(field, code);
    v.into()
}

pub(super) async fn admin_grant(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, f): CheckedForm<GrantForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let result = match Role::parse(&f.role) {
        Some(role) => {
            s.services
                .grant_role(&caller, &f.username, role, &f.place)
                .await
        }
        None => Err(one_field("role", "required")),
    };
    admin_outcome(&s, &caller, c, result, "admin.granted").await
}

#[derive(Deserialize)]
pub(super) struct RevokeForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    grant: String,
    #[serde(default)]
    csrf: String,
}

csrf_form!(RevokeForm);

/// The security administrator revokes a role; the account's sessions and tokens end.
pub(super) async fn admin_revoke(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, f): CheckedForm<RevokeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let result = match Uuid::parse_str(f.grant.trim()) {
        Ok(id) => s.services.revoke_role(&caller, &f.username, id).await,
        Err(_) => Err(ServiceError::NotFound),
    };
    admin_outcome(&s, &caller, c, result, "admin.revoked").await
}

#[derive(Deserialize)]
pub(super) struct LinkForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    member: String,
    #[serde(default)]
    csrf: String,
}

csrf_form!(LinkForm);

pub(super) async fn admin_link(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, f): CheckedForm<LinkForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let result = match Uuid::parse_str(f.member.trim()) {
        Ok(member) => s.services.link_member(&caller, &f.username, member).await,
        Err(_) => Err(one_field("member", "invalid")),
    };
    admin_outcome(&s, &caller, c, result, "admin.linked").await
}

// ------------------------------------------------------------------ tokens

struct TokenRow {
    id: String,
    name: String,
    place: String,
    created: String,
    expires: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    c: Ctx,
    title: String,
    notice: Option<String>,
    tokens: Vec<TokenRow>,
}

pub(super) async fn tokens_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render_tokens(&s, &caller, c, None).await
}

async fn render_tokens(s: &AppState, caller: &Caller, c: Ctx, notice: Option<String>) -> Response {
    let list = match s.services.tokens(caller).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let p = TokensPage {
        title: c.tr("tokens.title").into(),
        notice,
        tokens: list
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name,
                place: t.place_path,
                created: clock::local(t.created_at),
                expires: clock::local(t.expires_at),
                revoked: t.revoked,
            })
            .collect(),
        c,
    };
    page(p.render(), StatusCode::OK)
}

#[derive(Deserialize)]
pub(super) struct TokenRevokeForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    csrf: String,
}

csrf_form!(TokenRevokeForm);

pub(super) async fn token_revoke(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, f): CheckedForm<TokenRevokeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    match s.services.revoke_token(&caller, f.id.trim()).await {
        Ok(()) => {
            let notice = Some(c.tr("tokens.revoked").to_string());
            render_tokens(&s, &caller, c, notice).await
        }
        Err(e) => error_page(&e, c),
    }
}

// ------------------------------------------------------------------ emergency access

/// A request or grant as the page shows it.
struct EmergencyRow {
    line: EmergencyLine,
    status: &'static str,
    requested: String,
    until: String,
    /// Hers and running: the household opens.
    open: bool,
    /// Hers and not over: she may end it.
    may_end: bool,
}

#[derive(Default, Deserialize)]
pub(super) struct EmergencyForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    urgent: Option<String>,
    #[serde(default)]
    csrf: String,
}

csrf_form!(EmergencyForm);

#[derive(Template)]
#[template(path = "emergency.html")]
struct EmergencyPage {
    c: Ctx,
    title: String,
    notice: Option<String>,
    errors: Vec<FieldError>,
    may_request: bool,
    max_minutes: i64,
    form: EmergencyForm,
    rows: Vec<EmergencyRow>,
}

async fn render_emergency(
    s: &AppState,
    caller: &Caller,
    c: Ctx,
    notice: Option<String>,
    errors: Vec<FieldError>,
    form: EmergencyForm,
    status: StatusCode,
) -> Response {
    let lines = match s.services.emergencies(caller).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let may_request = s.services.may_request_emergency(caller);
    // Nothing to ask for, to decide or to watch: not a page for her.
    let watches = caller.has_role(Role::SecurityAdmin) || caller.has_role(Role::Staff);
    if !may_request && lines.is_empty() && !watches {
        return error_page(&ServiceError::Forbidden, c);
    }
    let rows = lines
        .into_iter()
        .map(|l| EmergencyRow {
            status: tr(c.lang, &format!("emergency.status.{}", l.status)),
            requested: clock::local(l.requested_at),
            until: l.expires_at.map(clock::local).unwrap_or_default(),
            open: l.mine && l.status == "granted",
            may_end: l.mine && (l.status == "granted" || l.status == "requested"),
            line: l,
        })
        .collect();
    let form = EmergencyForm {
        minutes: if form.minutes.is_empty() {
            "30".into()
        } else {
            form.minutes
        },
        ..form
    };
    let p = EmergencyPage {
        title: c.tr("emergency.title").into(),
        notice,
        errors,
        may_request,
        max_minutes: s.services.emergency_max_minutes(),
        form,
        rows,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn emergency_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render_emergency(
        &s,
        &caller,
        c,
        None,
        Vec::new(),
        EmergencyForm::default(),
        StatusCode::OK,
    )
    .await
}

pub(super) async fn emergency_request(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, f): CheckedForm<EmergencyForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let minutes = f.minutes.trim().parse::<i64>().unwrap_or(0);
    let r = EmergencyRequest {
        kind: f.kind.clone(),
        target: f.target.clone(),
        reason: f.reason.clone(),
        minutes,
        urgent: f.urgent.is_some(),
    };
    match s.services.request_emergency(&caller, &r).await {
        Ok(line) => {
            let key = if line.status == "granted" {
                "emergency.granted"
            } else {
                "emergency.requested"
            };
            let notice = Some(c.tr(key).to_string());
            // Her caller changed (a grant in force): read it again for the list.
            render_emergency(
                &s,
                &caller,
                c,
                notice,
                Vec::new(),
                EmergencyForm::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => match field_errors(&e, lang) {
            Some(errors) => {
                render_emergency(
                    &s,
                    &caller,
                    c,
                    None,
                    errors,
                    f,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => error_page(&e, c),
        },
    }
}

#[derive(Deserialize)]
pub(super) struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    csrf: String,
}

csrf_form!(DecisionForm);

async fn emergency_outcome(
    s: &AppState,
    caller: &Caller,
    c: Ctx,
    result: Result<(), ServiceError>,
    done: &'static str,
) -> Response {
    match result {
        Ok(()) => {
            let notice = Some(c.tr(done).to_string());
            render_emergency(
                s,
                caller,
                c,
                notice,
                Vec::new(),
                EmergencyForm::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => match field_errors(&e, c.lang) {
            Some(errors) => {
                render_emergency(
                    s,
                    caller,
                    c,
                    None,
                    errors,
                    EmergencyForm::default(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => error_page(&e, c),
        },
    }
}

fn path_id(id: &str) -> Result<Uuid, ServiceError> {
    Uuid::parse_str(id).map_err(|_| ServiceError::NotFound)
}

/// The record and the button pressed (`yes` or `no`): a decision is said, never assumed, so no
/// button's value is no decision.
fn said(id: &str, decision: &str, yes: &str, no: &str) -> Result<(Uuid, bool), ServiceError> {
    let id = path_id(id)?;
    match decision {
        d if d == yes => Ok((id, true)),
        d if d == no => Ok((id, false)),
        _ => Err(one_field("decision", "required")),
    }
}

pub(super) async fn emergency_decide(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, f): CheckedForm<DecisionForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let (result, done) = match said(&id, &f.decision, "approve", "refuse") {
        Ok((id, approve)) => (
            s.services
                .decide_emergency(&caller, id, approve, &f.note)
                .await,
            if approve {
                "emergency.approved"
            } else {
                "emergency.refused"
            },
        ),
        Err(e) => (Err(e), ""),
    };
    emergency_outcome(&s, &caller, c, result, done).await
}

pub(super) async fn emergency_review(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, f): CheckedForm<DecisionForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let result = match said(&id, &f.decision, "justified", "unjustified") {
        Ok((id, justified)) => {
            s.services
                .review_emergency(&caller, id, justified, &f.note)
                .await
        }
        Err(e) => Err(e),
    };
    emergency_outcome(&s, &caller, c, result, "emergency.reviewed").await
}

#[derive(Deserialize)]
pub(super) struct EndForm {
    #[serde(default)]
    csrf: String,
}

csrf_form!(EndForm);

pub(super) async fn emergency_end(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, _): CheckedForm<EndForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let result = match path_id(&id) {
        Ok(id) => s.services.end_emergency(&caller, id).await,
        Err(e) => Err(e),
    };
    emergency_outcome(&s, &caller, c, result, "emergency.ended").await
}
