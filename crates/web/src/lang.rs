//! The language of a request: `?lang=`, else the `lang` cookie, else `Accept-Language`, else Chinese.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
pub use jinguo_domain::Lang;

/// The language the caller reads.
#[derive(Debug, Clone, Copy)]
pub struct UiLang(pub Lang);

pub fn from_parts(parts: &Parts) -> Lang {
    if let Some(q) = parts.uri.query() {
        for pair in q.split('&') {
            if let Some(v) = pair.strip_prefix("lang=")
                && let Some(l) = Lang::from_tag(v)
            {
                return l;
            }
        }
    }
    for cookies in parts.headers.get_all(header::COOKIE) {
        if let Ok(s) = cookies.to_str() {
            for c in s.split(';') {
                if let Some(v) = c.trim().strip_prefix("lang=")
                    && let Some(l) = Lang::from_tag(v)
                {
                    return l;
                }
            }
        }
    }
    parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for UiLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(UiLang(from_parts(parts)))
    }
}
