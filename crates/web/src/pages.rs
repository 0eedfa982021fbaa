//! Server-rendered pages: mobile first, Chinese by default, no build step. Each handler calls one
//! service and fills a template; the figures and tables are prepared here so templates stay plain.

use crate::AppState;
use crate::error::status_of;
use crate::i18n::t;
use crate::lang::UiLang;
use askama::Template;
use axum::Router;
use axum::extract::{Form, OriginalUri, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use jinguo_domain::Lang;
use jinguo_domain::person::{PersonInput, Relationship};
use jinguo_domain::place::PlaceLevel;
use jinguo_services::ServiceError;
use jinguo_services::places::{Figures, Place};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/places/{code}", get(place))
        .route("/households/{id}", get(household))
        .route("/households/{id}/persons", axum::routing::post(add_person))
        .route("/lang", get(switch_lang))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
}

/// What every page knows: the reader's language and where she is.
pub struct Ctx {
    pub lang: Lang,
    /// The current path and query, URL-encoded, to come back to after switching language.
    pub back: String,
}

impl Ctx {
    fn new(lang: Lang, uri: &axum::http::Uri) -> Self {
        let here = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        Self {
            lang,
            back: encode(here),
        }
    }
    pub fn tr(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }
}

fn encode(s: &str) -> String {
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
        ServiceError::Invalid(v) => (
            t(c.lang, "error.validation"),
            v.0.iter()
                .map(|f| f.message(c.lang))
                .collect::<Vec<_>>()
                .join(c.lang.pick("；", "; ")),
        ),
        ServiceError::Storage(err) => {
            tracing::error!(error = %err, "page failed");
            (t(c.lang, "error.internal"), String::new())
        }
        ServiceError::Io(err) => {
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

async fn home(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
) -> Response {
    match s.services.home_place().await {
        Ok(Some(code)) => Redirect::to(&format!("/places/{code}")).into_response(),
        Ok(None) => {
            let c = Ctx::new(lang, &uri);
            let p = MessagePage {
                title: c.tr("dashboard.title").into(),
                detail: c.tr("dashboard.empty").into(),
                c,
            };
            page(p.render(), StatusCode::OK)
        }
        Err(e) => error_page(&e, Ctx::new(lang, &uri)),
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
    crumbs: Vec<(String, String)>,
    figures: Vec<(&'static str, String)>,
    columns: Vec<&'static str>,
    rows: Vec<Row>,
    households: Option<HouseholdsBlock>,
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

fn crumbs(lineage: &[Place]) -> Vec<(String, String)> {
    lineage
        .iter()
        .map(|p| (p.code.clone(), p.name.clone()))
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
) -> Response {
    let c = Ctx::new(lang, &uri);
    let view = match s.services.place_view(&code).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let level = view.place.level();
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
        match s.services.group_households(&view.place.code, n).await {
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
        title: view.place.name.clone(),
        level: level.label(lang),
        code: view.place.code.clone(),
        crumbs: crumbs(&view.lineage[..view.lineage.len().saturating_sub(1)]),
        figures,
        columns,
        rows,
        households,
        c,
    };
    page(p.render(), StatusCode::OK)
}

struct PersonRow {
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
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    c: Ctx,
    title: String,
    id: Uuid,
    address: String,
    version: i64,
    crumbs: Vec<(String, String)>,
    persons: Vec<PersonRow>,
    added: bool,
    form: PersonForm,
    errors: Vec<(String, String)>,
    relationships: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize)]
struct AddedQuery {
    added: Option<String>,
}

async fn household(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<AddedQuery>,
) -> Response {
    let c = Ctx::new(lang, &uri);
    render_household(
        &s,
        c,
        &id,
        q.added.is_some(),
        PersonForm::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn render_household(
    s: &AppState,
    c: Ctx,
    id: &str,
    added: bool,
    form: PersonForm,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let Ok(id) = Uuid::parse_str(id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let v = match s.services.household_view(id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let lang = c.lang;
    let p = HouseholdPage {
        title: v.household.code.clone(),
        id,
        address: v.household.address.clone(),
        version: v.household.version,
        crumbs: crumbs(&v.lineage),
        persons: v
            .persons
            .iter()
            .map(|p| PersonRow {
                name: p.name.clone(),
                relationship: p.relationship.label(lang),
                sex: p.sex.label(lang),
                age: p.age,
                id_number: p.id_number.clone(),
                phone: p.phone.clone().unwrap_or_default(),
            })
            .collect(),
        added,
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
    Form(f): Form<PersonForm>,
) -> Response {
    let c = Ctx::new(lang, &uri);
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
    match s.services.add_person(hid, version, &input).await {
        Ok(_) => Redirect::to(&format!("/households/{hid}?added=1#add")).into_response(),
        Err(ServiceError::Invalid(v)) => {
            let errors =
                v.0.iter()
                    .map(|e| (e.field.clone(), e.message(lang)))
                    .collect();
            render_household(
                &s,
                c,
                &id,
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
            render_household(&s, c, &id, false, f, errors, StatusCode::CONFLICT).await
        }
        Err(e) => error_page(&e, c),
    }
}

#[derive(Deserialize)]
struct SwitchQuery {
    to: Option<String>,
    back: Option<String>,
}

/// Remembers the chosen language in a cookie and goes back where the reader was.
async fn switch_lang(Query(q): Query<SwitchQuery>) -> Response {
    let lang = q.to.as_deref().and_then(Lang::from_tag).unwrap_or_default();
    // Only a local path is a place to go back to.
    let back = q
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".into());
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
