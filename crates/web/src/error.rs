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
