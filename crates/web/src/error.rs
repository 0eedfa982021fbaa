//! One error type for the HTTP interfaces, mapped to responses in one place: `application/problem+json`
//! on the API, a page in the user's language on the web. The user's message is localized and names
//! the field; the log line carries the technical cause and never personal data.

use crate::i18n::t;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jinguo_domain::Lang;
use jinguo_services::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, localized summary.
    pub title: String,
    pub status: u16,
    /// Machine-readable code: `validation`, `not_found`, `conflict`, `forbidden`, `internal`.
    pub code: String,
    /// A localized explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The refused fields, when `code` is `validation`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// The records the problem is about (for `possible_duplicate`, the open disputes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// An API error in the caller's language.
#[derive(Debug)]
pub struct ApiError {
    pub error: ServiceError,
    pub lang: Lang,
}

impl ApiError {
    pub fn new(error: ServiceError, lang: Lang) -> Self {
        Self { error, lang }
    }
}

pub fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::NotFound => StatusCode::NOT_FOUND,
        ServiceError::Conflict | ServiceError::PossibleDuplicate(_) => StatusCode::CONFLICT,
        ServiceError::Unauthenticated => StatusCode::UNAUTHORIZED,
        ServiceError::Forbidden => StatusCode::FORBIDDEN,
        ServiceError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Storage(e) if e.is_unwritable() => StatusCode::SERVICE_UNAVAILABLE,
        ServiceError::Storage(_) | ServiceError::Io(_) | ServiceError::Internal(_) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

pub fn problem(e: &ServiceError, lang: Lang) -> Problem {
    let status = status_of(e);
    let (code, title_key) = match e {
        ServiceError::Invalid(_) => ("validation", "error.validation"),
        ServiceError::NotFound => ("not_found", "error.not_found"),
        ServiceError::Conflict => ("conflict", "error.conflict"),
        ServiceError::PossibleDuplicate(_) => ("possible_duplicate", "error.possible_duplicate"),
        ServiceError::Unauthenticated => ("unauthenticated", "error.unauthenticated"),
        ServiceError::Forbidden => ("forbidden", "error.forbidden"),
        ServiceError::RateLimited => ("rate_limited", "error.rate_limited"),
        ServiceError::Storage(e) if e.is_unwritable() => ("unavailable", "error.unavailable"),
        ServiceError::Storage(_) | ServiceError::Io(_) | ServiceError::Internal(_) => {
            ("internal", "error.internal")
        }
    };
    if status.is_server_error() {
        tracing::error!(error = %e, "request failed");
    }
    let errors = match e {
        ServiceError::Invalid(v) => {
            v.0.iter()
                .map(|f| ProblemField {
                    field: f.field.clone(),
                    code: f.code.to_string(),
                    message: f.message(lang),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let detail = match e {
        ServiceError::Invalid(v) => Some(
            v.0.iter()
                .map(|f| f.message(lang))
                .collect::<Vec<_>>()
                .join(lang.pick("；", "; ")),
        ),
        ServiceError::Conflict => Some(t(lang, "error.conflict.detail").to_string()),
        ServiceError::PossibleDuplicate(_) => {
            Some(t(lang, "error.possible_duplicate.detail").to_string())
        }
        ServiceError::Storage(s) if s.is_unwritable() => {
            Some(t(lang, "error.unavailable.detail").to_string())
        }
        _ => None,
    };
    Problem {
        kind: format!("/problems/{code}"),
        title: t(lang, title_key).to_string(),
        status: status.as_u16(),
        code: code.to_string(),
        detail,
        errors,
        related: match e {
            ServiceError::PossibleDuplicate(ids) => ids
                .iter()
                .map(|id| format!("/api/v1/disputes/{id}"))
                .collect(),
            _ => Vec::new(),
        },
    }
}

pub fn problem_response(p: Problem) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = (status, Json(p)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    r
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem_response(problem(&self.error, self.lang))
    }
}

/// The field an extractor's refusal names (`missing field `x``, `x: invalid type …`, `Cannot
/// parse `x` …`), if any: only a plain identifier path, never the value sent.
fn refused_field(text: &str) -> Option<String> {
    let backticked = |marker: &str| {
        let rest = &text[text.find(marker)? + marker.len()..];
        Some(rest[..rest.find('`')?].to_string())
    };
    // "Cannot parse `key` with value `…`" names a key; "Cannot parse `…` to a …" only the value.
    let at_key = text
        .find("Cannot parse `")
        .is_some_and(|i| text[i..].contains("` with value `"));
    let field = backticked("missing field `")
        .or_else(|| backticked("unknown field `"))
        .or_else(|| at_key.then(|| backticked("Cannot parse `")).flatten())
        .or_else(|| {
            // "Failed to deserialize …: path.to[0].field: reason"
            let (_, rest) = text.split_once(": ")?;
            let (path, _) = rest.split_once(": ")?;
            Some(path.to_string())
        })?;
    let plain = !field.is_empty()
        && field.len() <= 64
        && field
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c));
    plain.then_some(field)
}

/// Every error answered under `/api/` leaves as `application/problem+json` in the caller's
/// language: the refusals of the extractors (a body that is not JSON or lacks a field, a query
/// string or path parameter of the wrong form, a wrong content type, a body too large), an
/// unknown route, a method not allowed, a timeout. Answers already problem documents pass.
pub async fn api_problems(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let lang = crate::lang::from_parts(&parts);
    let res = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return res;
    }
    let text = axum::body::to_bytes(res.into_body(), 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let (code, title, detail) = match status {
        StatusCode::NOT_FOUND => ("not_found", "error.not_found", "error.not_found.detail"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "error.too_large", "error.too_large.detail"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("media_type", "error.media_type", "error.media_type.detail")
        }
        StatusCode::REQUEST_TIMEOUT => ("timeout", "error.timeout", "error.timeout.detail"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "error.method_not_allowed", ""),
        s if s.is_server_error() => ("internal", "error.internal", ""),
        StatusCode::UNPROCESSABLE_ENTITY => {
            ("validation", "error.validation", "error.bad_request.detail")
        }
        _ => (
            "bad_request",
            "error.bad_request",
            "error.bad_request.detail",
        ),
    };
    let errors: Vec<ProblemField> = refused_field(&text)
        .filter(|_| status.is_client_error())
        .map(|field| ProblemField {
            message: format!("{field} {}", t(lang, "error.bad_field")),
            field,
            code: "invalid".into(),
        })
        .into_iter()
        .collect();
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), "request failed");
    }
    problem_response(Problem {
        kind: format!("/problems/{code}"),
        title: t(lang, title).to_string(),
        status: status.as_u16(),
        code: code.to_string(),
        detail: (!detail.is_empty()).then(|| t(lang, detail).to_string()),
        errors,
        related: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::refused_field;

    #[test]
    fn the_refused_field_is_named_never_the_value() {
        let cases = [
            (
                "Failed to deserialize the JSON body into the target type: missing field `name` at line 1 column 2",
                Some("name"),
            ),
            (
                "Failed to deserialize query string: page: invalid digit found in string",
                Some("page"),
            ),
            (
                "Invalid URL: Cannot parse `id` with value `abc` to a `u128`",
                Some("id"),
            ),
            (
                "Failed to parse the request body as JSON: expected value at line 1 column 1",
                None,
            ),
            ("Invalid URL: Cannot parse `secret-value` to a `Uuid`", None),
        ];
        for (text, field) in cases {
            assert_eq!(refused_field(text).as_deref(), field, "{text}");
        }
    }
}
