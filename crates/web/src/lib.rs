//! Interfaces over HTTP: the JSON API under `/api/v1` (described by `/api/openapi.json`) and the
//! server-rendered pages. Handlers only translate between HTTP and the services.

pub mod api;
pub mod auth;
pub mod error;
pub mod i18n;
pub mod lang;
pub mod observe;
pub mod pages;
pub mod submission;
pub mod throttle;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use jinguo_services::Services;
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;

/// How a request reached the server, set by the server on each request: `secure` when it came
/// over HTTPS (served by this server, or by a trusted reverse proxy that says so). Cookies are
/// then `Secure`. Absent: plain HTTP.
#[derive(Debug, Clone, Copy, Default)]
pub struct Transport {
    pub secure: bool,
}

/// What every handler shares. Held behind one `Arc`: each middleware and extractor of a request
/// takes its own handle, which must cost a reference count, not a copy of the services' settings
/// (their strings and lists were allocated and freed again several times a request).
#[derive(Clone)]
pub struct AppState(std::sync::Arc<Shared>);

pub struct Shared {
    pub services: Services,
    /// Household sheets checked on the import page and waiting for the user's confirmation.
    pub pending_imports: pages::import::Pending,
    /// Requests of the public figures by client (`throttle`).
    pub public_throttle: throttle::Throttle,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The whole application: API, OpenAPI document, pages, assets, health and metrics.
pub fn app(services: Services) -> Router {
    let state = AppState(std::sync::Arc::new(Shared {
        public_throttle: throttle::Throttle::public(&services.public_rate),
        services,
        pending_imports: Default::default(),
    }));
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi_json = std::sync::Arc::new(openapi.to_pretty_json().unwrap_or_default());
    Router::new()
        .merge(api_router)
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = openapi_json.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], doc.as_str().to_owned()) }
            }),
        )
        .merge(pages::router())
        .merge(observe::router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            submission::once,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::confirm::gate,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::note_refusals,
        ))
        .route_layer(axum::middleware::from_fn(observe::track))
        .fallback(pages::not_found)
        .method_not_allowed_fallback(pages::method_not_allowed)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn(observe::same_origin_writes))
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024))
        .layer(axum::middleware::from_fn_with_state(state, time_limit))
        .layer(axum::middleware::from_fn(error::api_problems))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
}

/// The time any request but an import's may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The time a request may take: the uploads of imports (API and page), which read, check and
/// write a whole sheet, have the configured `import_timeout_seconds`; every other request
/// [`REQUEST_TIMEOUT`].
pub fn request_timeout(
    method: &axum::http::Method,
    path: &str,
    imports: &jinguo_services::import::ImportLimits,
) -> Duration {
    let import = matches!(
        path,
        "/api/v1/imports/households" | "/api/v1/imports/members" | "/imports" | "/imports/confirm"
    );
    if import && method == axum::http::Method::POST {
        imports.timeout
    } else {
        REQUEST_TIMEOUT
    }
}

/// Answers 408 when a request takes longer than [`request_timeout`] allows it.
async fn time_limit(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let limit = request_timeout(
        request.method(),
        request.uri().path(),
        &state.services.imports,
    );
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => axum::http::StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method;

    #[test]
    fn imports_have_their_own_time_limit() {
        let imports = jinguo_services::import::ImportLimits {
            timeout: Duration::from_secs(900),
            ..Default::default()
        };
        for path in [
            "/api/v1/imports/households",
            "/api/v1/imports/members",
            "/imports",
            "/imports/confirm",
        ] {
            assert_eq!(
                request_timeout(&Method::POST, path, &imports),
                Duration::from_secs(900),
                "{path}"
            );
        }
        for (method, path) in [
            (Method::GET, "/imports"),
            (Method::POST, "/api/v1/households"),
            (Method::POST, "/api/v1/imports/households/x"),
            (Method::GET, "/"),
        ] {
            assert_eq!(
                request_timeout(&method, path, &imports),
                REQUEST_TIMEOUT,
                "{method} {path}"
            );
        }
    }
}
