//! The import page: a household, members or services sheet is sent, checked, and shown back with every problem by row
//! and column; a sheet without problems waits here (in memory, for this account, half an hour)
//! until the user confirms, and is then written in one go.

use super::{Ctx, FieldError, Figure, error_page, page, thousands};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{Multipart, OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jinguo_domain::Lang;
use jinguo_services::ServiceError;
use jinguo_services::care_import::ServicesReport;
use jinguo_services::import::{ImportReport, Issue, MembersReport, SheetSource};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a checked sheet waits for confirmation.
const KEEP: Duration = Duration::from_secs(30 * 60);

/// What a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Households,
    Members,
    /// Care services, for the user's home place.
    Services,
}

impl Kind {
    fn parse(s: &[u8]) -> Kind {
        match s {
            b"members" => Kind::Members,
            b"services" => Kind::Services,
            _ => Kind::Households,
        }
    }
}

/// A checked sheet: whose, the file, when it was checked, and what it holds.
type Waiting = (Uuid, Vec<u8>, Instant, Kind);

/// Checked sheets by token.
#[derive(Clone, Default)]
pub struct Pending(Arc<Mutex<HashMap<String, Waiting>>>);

impl Pending {
    fn put(&self, account: Uuid, bytes: Vec<u8>, kind: Kind) -> String {
        let token = Uuid::now_v7().simple().to_string();
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // One sheet per account; old ones go.
        m.retain(|_, (a, _, at, _)| *a != account && at.elapsed() < KEEP);
        m.insert(token.clone(), (account, bytes, Instant::now(), kind));
        token
    }
    fn take(&self, account: Uuid, token: &str) -> Option<(Vec<u8>, Kind)> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match m.get(token) {
            Some((a, _, at, _)) if *a == account && at.elapsed() < KEEP => {
                m.remove(token).map(|v| (v.1, v.3))
            }
            _ => None,
        }
    }
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    c: Ctx,
    title: String,
    /// Figures of the last check or import.
    figures: Vec<Figure>,
    issues: Vec<IssueLine>,
    more: u64,
    /// A checked sheet waiting for confirmation.
    token: Option<String>,
    committed: bool,
    checked: bool,
    errors: Vec<FieldError>,
    /// The kind of sheet chosen.
    kind: &'static str,
}

/// A problem of a sheet: where, and why.
struct IssueLine {
    /// Empty for the sheet as a whole.
    row: String,
    column: String,
    message: String,
}

/// What a check or an import found, as the page shows it.
#[derive(Default)]
struct Outcome {
    figures: Vec<Figure>,
    issues: Vec<IssueLine>,
    more: u64,
    committed: bool,
    /// Something new to write, nothing wrong.
    ready: bool,
}

impl Outcome {
    /// What a report found: its figures (catalog key, count; the problems' count is added), its
    /// problems, whether it was written and whether it has something new to write.
    fn of(
        figures: &[(&'static str, u64)],
        list: &[Issue],
        count: u64,
        committed: bool,
        new: bool,
        lang: Lang,
    ) -> Outcome {
        let mut figures: Vec<Figure> = figures
            .iter()
            .map(|(k, n)| Figure::new(k, thousands(*n as i64)))
            .collect();
        figures.push(Figure::new("import.issues", thousands(count as i64)));
        Outcome {
            figures,
            issues: list
                .iter()
                .map(|i| IssueLine {
                    row: i.row().map(|n| n.to_string()).unwrap_or_default(),
                    column: i.column().to_string(),
                    message: i.message(lang),
                })
                .collect(),
            more: count.saturating_sub(list.len() as u64),
            committed,
            ready: count == 0 && new,
        }
    }
}

fn households_outcome(r: &ImportReport, lang: Lang) -> Outcome {
    let figures = [
        ("import.rows", r.rows),
        ("import.households", r.households),
        ("import.new_persons", r.new_persons),
        ("import.unchanged", r.unchanged_persons),
    ];
    let new = r.new_persons > 0;
    Outcome::of(&figures, &r.issues, r.issue_count, r.committed, new, lang)
}

fn members_outcome(r: &MembersReport, lang: Lang) -> Outcome {
    let figures = [
        ("import.rows", r.rows),
        ("import.new_members", r.new_members),
        ("import.unchanged", r.unchanged_members),
        ("import.new_assignments", r.new_assignments),
    ];
    let new = r.new_members > 0 || r.new_assignments > 0;
    Outcome::of(&figures, &r.issues, r.issue_count, r.committed, new, lang)
}

fn services_outcome(r: &ServicesReport, lang: Lang) -> Outcome {
    let figures = [
        ("import.rows", r.rows),
        ("import.new_services", r.new_services),
        ("import.people", r.people),
        ("import.unchanged", r.unchanged),
    ];
    let new = r.new_services > 0;
    Outcome::of(&figures, &r.issues, r.issue_count, r.committed, new, lang)
}

fn render(
    c: Ctx,
    kind: Kind,
    outcome: Option<Outcome>,
    token: Option<String>,
    errors: Vec<FieldError>,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let checked = outcome.is_some();
    let o = outcome.unwrap_or_default();
    let p = ImportPage {
        title: c.tr("import.title").to_string(),
        checked,
        figures: o.figures,
        issues: o.issues,
        more: o.more,
        token,
        committed: o.committed,
        errors,
        kind: match kind {
            Kind::Households => "households",
            Kind::Members => "members",
            Kind::Services => "services",
        },
        c,
    };
    page(p.render(), status)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct KindQuery {
    #[serde(default)]
    kind: String,
}

pub(super) async fn import_page(
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<KindQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    if !caller.has_role(jinguo_domain::account::Role::Staff) {
        return error_page(&ServiceError::Forbidden, c);
    }
    render(c, Kind::parse(q.kind.as_bytes()), None, None, Vec::new())
}

/// Checks a sheet, or imports it (`commit`), of either kind.
async fn run(
    s: &AppState,
    caller: &jinguo_services::Caller,
    bytes: Vec<u8>,
    kind: Kind,
    commit: bool,
    lang: Lang,
) -> Result<Outcome, ServiceError> {
    match kind {
        Kind::Members => {
            let r = s.services.import_members(caller, &bytes, commit).await?;
            Ok(members_outcome(&r, lang))
        }
        Kind::Households => {
            let source = SheetSource::from_bytes(bytes);
            let r = s
                .services
                .import_households(caller, &source, commit)
                .await?;
            Ok(households_outcome(&r, lang))
        }
        Kind::Services => {
            let home = s
                .services
                .home_place(caller)
                .ok_or(ServiceError::Forbidden)?;
            let r = s
                .services
                .import_services(caller, &home, &bytes, commit)
                .await?;
            Ok(services_outcome(&r, lang))
        }
    }
}

/// A sheet sent from the page (multipart: `csrf`, `kind` and `file`): checked, never written here.
pub(super) async fn import_check(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    mut form: Multipart,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let mut csrf = String::new();
    let mut file = Vec::new();
    let mut kind = Kind::Households;
    // The form's fields together may be no larger than an import (the configured size).
    let limit = s.services.imports.max_bytes;
    let mut received: u64 = 0;
    loop {
        match form.next_field().await {
            Ok(Some(mut field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let mut value = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            received += chunk.len() as u64;
                            if received > limit {
                                let e = jinguo_services::import::ReadError::TooLarge { limit };
                                let errors = vec![FieldError::new("file", e.message(lang))];
                                return render(c, kind, None, None, errors);
                            }
                            value.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(_) => return render(c, kind, None, None, file_error(lang)),
                    }
                }
                match name.as_str() {
                    "csrf" => csrf = String::from_utf8_lossy(&value).into_owned(),
                    "file" => file = value,
                    "kind" => kind = Kind::parse(&value),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return render(c, kind, None, None, file_error(lang)),
        }
    }
    if caller.csrf.is_empty() || csrf != caller.csrf {
        return error_page(&ServiceError::Forbidden, c);
    }
    if file.is_empty() {
        return render(c, kind, None, None, file_error(lang));
    }
    match run(&s, &caller, file.clone(), kind, false, lang).await {
        Ok(o) => {
            let token = o
                .ready
                .then(|| {
                    caller
                        .account_id
                        .map(|a| s.pending_imports.put(a, file, kind))
                })
                .flatten();
            render(c, kind, Some(o), token, Vec::new())
        }
        Err(e) => error_page(&e, c),
    }
}

fn file_error(lang: Lang) -> Vec<FieldError> {
    let mut e = jinguo_domain::ValidationErrors::new();
    e.push("file", "required");
    e.0.iter()
        .map(|f| FieldError::new(f.field.clone(), f.message(lang)))
        .collect()
}

#[derive(Debug, Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(ConfirmForm);

/// The user confirms a checked sheet: it is checked again and written.
pub(super) async fn import_confirm(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, f): CheckedForm<ConfirmForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Some((bytes, kind)) = caller
        .account_id
        .and_then(|a| s.pending_imports.take(a, &f.token))
    else {
        let mut e = jinguo_domain::ValidationErrors::new();
        e.push("file", "import.expired");
        let errors =
            e.0.iter()
                .map(|x| FieldError::new(x.field.clone(), x.message(lang)))
                .collect();
        return render(c, Kind::Households, None, None, errors);
    };
    match run(&s, &caller, bytes, kind, true, lang).await {
        Ok(o) => render(c, kind, Some(o), None, Vec::new()),
        Err(e) => error_page(&e, c),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ExportForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: String,
}

csrf_form!(ExportForm);

/// An export in clear from the page (a form posted with the anti-forgery token and a reason):
/// the household or members sheet of a place as a download, or the page again with the refusal.
pub(super) async fn export_clear(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    crate::auth::CheckedForm(caller, f): crate::auth::CheckedForm<ExportForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let place = f.place.trim().to_string();
    let members = f.kind == "members";
    let result = if members {
        s.services.export_members(&caller, &place, &f.reason).await
    } else {
        s.services
            .export_households(&caller, &place, &f.reason)
            .await
    };
    match result {
        Ok(csv) => {
            let name = if members {
                format!("members-{place}.csv")
            } else {
                format!("households-{place}.csv")
            };
            crate::api::download(csv, "text/csv; charset=utf-8", &name)
        }
        Err(ServiceError::NotFound) => {
            let mut v = jinguo_domain::ValidationErrors::new();
            v.push("place", "not_found");
            let e = ServiceError::from(v);
            let errors = super::screening::field_errors(&e, lang).unwrap_or_default();
            render(c, Kind::Households, None, None, errors)
        }
        Err(ServiceError::RateLimited) => {
            let mut v = jinguo_domain::ValidationErrors::new();
            v.push("export", "export.limit");
            let e = ServiceError::from(v);
            let errors = super::screening::field_errors(&e, lang).unwrap_or_default();
            render(c, Kind::Households, None, None, errors)
        }
        Err(e) => match super::screening::field_errors(&e, lang) {
            Some(errors) => render(c, Kind::Households, None, None, errors),
            None => error_page(&e, c),
        },
    }
}
