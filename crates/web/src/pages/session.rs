//! Logging in and out, changing the password, the second factor, and the language switch.

use super::{Ctx, FieldError, csrf_ok, error_page, page};
use crate::AppState;
use crate::auth::PendingCaller;
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{Form, FromRequest, OriginalUri, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::Lang;
use jinguo_services::ServiceError;
use serde::Deserialize;

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
pub(super) struct NextQuery {
    next: Option<String>,
}

/// Only a local path is a place to go to after logging in or switching language.
fn local_path(p: Option<String>) -> String {
    p.filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".into())
}

pub(super) async fn login_form(
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
pub(super) struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub(super) async fn login(
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
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub(super) async fn logout(
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
    errors: Vec<FieldError>,
}

pub(super) async fn password_form(
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
pub(super) struct PasswordForm {
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub(super) async fn password_change(
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
                    .map(|e| FieldError::new(e.field.clone(), e.message(lang)))
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
    /// The provisioning URI as a QR code (SVG, made here), empty once enrolled.
    qr: String,
    errors: Vec<FieldError>,
}

/// The provisioning URI as an SVG QR code, made on the server (no script, no outside service).
pub(crate) fn qr_svg(uri: &str) -> String {
    if uri.is_empty() {
        return String::new();
    }
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .build();
            // Inline in the page: the XML declaration goes.
            match svg.find("<svg") {
                Some(i) => svg[i..].to_string(),
                None => svg,
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "no QR code for the TOTP set-up");
            String::new()
        }
    }
}

/// The set-up still owed (secret and URI; kept until a first code is accepted), or nothing
/// once enrolled.
async fn enrolment(
    s: &AppState,
    caller: &jinguo_services::Caller,
) -> Result<(String, String), ServiceError> {
    if s.services.totp_enrolled(caller).await? {
        Ok((String::new(), String::new()))
    } else {
        s.services.totp_begin(caller).await
    }
}

pub(super) async fn totp_form(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PendingCaller(caller, _): PendingCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let (otp_uri, key) = match enrolment(&s, &caller).await {
        Ok(x) => x,
        Err(e) => return error_page(&e, c),
    };
    let p = TotpPage {
        title: c.tr("totp.title").into(),
        key,
        qr: qr_svg(&otp_uri),
        uri: otp_uri,
        errors: Vec::new(),
        c,
    };
    page(p.render(), StatusCode::OK)
}

#[derive(Deserialize)]
pub(super) struct TotpForm {
    #[serde(default, alias = "code")]
    totp_code: String,
    #[serde(default)]
    csrf: String,
}

pub(super) async fn totp_check(
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
    match s.services.totp_verify(&caller, &token, &f.totp_code).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(ServiceError::Invalid(v)) => {
            // The secret stays until enrolment succeeds: shown again with its QR code.
            let (otp_uri, key) = match enrolment(&s, &caller).await {
                Ok(x) => x,
                Err(e) => return error_page(&e, c),
            };
            let p = TotpPage {
                title: c.tr("totp.title").into(),
                key,
                qr: qr_svg(&otp_uri),
                uri: otp_uri,
                errors: v
                    .0
                    .iter()
                    .map(|e| FieldError::new(e.field.clone(), e.message(lang)))
                    .collect(),
                c,
            };
            page(p.render(), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => error_page(&e, c),
    }
}

#[derive(Deserialize)]
pub(super) struct SwitchQuery {
    to: Option<String>,
    back: Option<String>,
}

/// Remembers the chosen language in a cookie and goes back where the reader was.
pub(super) async fn switch_lang(Query(q): Query<SwitchQuery>) -> Response {
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
