//! Steps that end something — a member leaving her post, a dispute refused, ended without
//! agreement or closed, a case closed, a consent withdrawn, an emergency access ended or refused,
//! a woman leaving a registry, a wish withdrawn, a referral or a safety plan's action marked done, a dispute reported to the police, a category of public opinion retired, a role or a
//! token revoked — are taken only once confirmed. A form asking for such a step without `confirmed=1`
//! gets a second page instead: what the step ends, the reason where the rules want one (the
//! services refuse the step without it), the form's other fields kept as they were typed, and a
//! button that sends them again confirmed. Plain HTML: it works without JavaScript.

use super::{Ctx, page};
use crate::AppState;
use crate::auth::{client_ip, session_token};
use crate::lang::from_parts;
use askama::Template;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A terminal step: its route, when it is one (a field and the values that make it terminal;
/// `None`: always), the field holding its reason if the rules want one, and the catalog key of
/// what it ends.
struct Terminal {
    route: &'static str,
    when: Option<(&'static str, &'static [&'static str])>,
    reason: Option<&'static str>,
    what: &'static str,
}

const TERMINAL: &[Terminal] = &[
    Terminal {
        route: "/places/{code}/tables/send",
        when: None,
        reason: None,
        what: "confirm.tables_send",
    },
    Terminal {
        route: "/places/{code}/opinion-categories/{key}/retire",
        when: None,
        reason: None,
        what: "confirm.opinion_category_retire",
    },
    Terminal {
        route: "/chain-runs/{id}/steps",
        when: None,
        reason: None,
        what: "confirm.chain_step",
    },
    Terminal {
        route: "/members/{id}/leave",
        when: None,
        reason: Some("reason"),
        what: "confirm.member_leave",
    },
    Terminal {
        route: "/members/{id}/handover",
        when: None,
        reason: None,
        what: "confirm.member_leave",
    },
    Terminal {
        route: "/disputes/{id}/steps",
        when: Some(("step", &["refuse"])),
        reason: Some("note"),
        what: "confirm.dispute_refuse",
    },
    Terminal {
        route: "/disputes/{id}/steps",
        when: Some(("step", &["not_agree"])),
        reason: Some("note"),
        what: "confirm.dispute_not_agree",
    },
    Terminal {
        route: "/disputes/{id}/steps",
        when: Some(("step", &["close"])),
        reason: None,
        what: "confirm.dispute_close",
    },
    Terminal {
        route: "/cases/{id}/close",
        when: None,
        reason: None,
        what: "confirm.case_close",
    },
    Terminal {
        route: "/cases/{id}/consents/{consent}/withdraw",
        when: None,
        reason: None,
        what: "confirm.consent_withdraw",
    },
    Terminal {
        route: "/emergency/{id}/end",
        when: None,
        reason: None,
        what: "confirm.emergency_end",
    },
    Terminal {
        route: "/emergency/{id}/decision",
        when: Some(("decision", &["refuse"])),
        reason: None,
        what: "confirm.emergency_refuse",
    },
    Terminal {
        route: "/registry-entries/{id}/steps",
        when: Some(("step", &["leave"])),
        reason: Some("reason"),
        what: "confirm.entry_leave",
    },
    Terminal {
        route: "/places/{code}/care/wishes/{id}/steps",
        when: Some(("step", &["withdraw"])),
        reason: Some("note"),
        what: "confirm.wish_withdraw",
    },
    Terminal {
        route: "/referrals/{id}/{step}",
        when: Some(("done", &["1", "on", "true"])),
        reason: None,
        what: "confirm.referral_done",
    },
    Terminal {
        route: "/disputes/{id}/crime-report",
        when: None,
        reason: None,
        what: "confirm.crime_report",
    },
    Terminal {
        route: "/actions/{id}/done",
        when: None,
        reason: None,
        what: "confirm.action_done",
    },
    Terminal {
        route: "/typical-cases/{id}/steps",
        when: Some(("step", &["publish"])),
        reason: None,
        what: "confirm.typical_publish",
    },
    Terminal {
        route: "/typical-cases/{id}/steps",
        when: Some(("step", &["withdraw"])),
        reason: None,
        what: "confirm.typical_withdraw",
    },
    Terminal {
        route: "/family-awards/{id}/steps",
        when: Some(("step", &["award"])),
        reason: None,
        what: "confirm.family_award",
    },
    Terminal {
        route: "/family-awards/{id}/steps",
        when: Some(("step", &["reject"])),
        reason: Some("note"),
        what: "confirm.family_reject",
    },
    Terminal {
        route: "/family-awards/{id}/steps",
        when: Some(("step", &["publish"])),
        reason: None,
        what: "confirm.family_publish",
    },
    Terminal {
        route: "/admin/grants/revoke",
        when: None,
        reason: None,
        what: "confirm.grant_revoke",
    },
    Terminal {
        route: "/tokens/revoke",
        when: None,
        reason: None,
        what: "confirm.token_revoke",
    },
];

/// The terminal step a form asks for, if any.
fn terminal(route: &str, fields: &[(String, String)]) -> Option<&'static Terminal> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    };
    TERMINAL.iter().find(|t| {
        t.route == route
            && t.when
                .is_none_or(|(field, values)| value(field).is_some_and(|v| values.contains(&v)))
    })
}

/// Whether a route has a terminal step (for the tests that walk every form).
pub fn is_terminal_route(route: &str) -> bool {
    TERMINAL.iter().any(|t| t.route == route)
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    c: Ctx,
    title: String,
    what: &'static str,
    action: String,
    fields: Vec<(String, String)>,
    reason: String,
    reason_value: String,
    back: String,
}

/// The layer: a terminal step not yet confirmed gets the confirmation page.
pub async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(route) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        return next.run(req).await;
    };
    if route.starts_with("/api/") || !is_terminal_route(&route) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let bytes = match axum::body::to_bytes(body, 256 * 1024).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let confirmed = fields.iter().any(|(k, v)| k == "confirmed" && v == "1");
    let Some(t) = terminal(&route, &fields).filter(|_| !confirmed) else {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    };
    // Only for the caller whose form it is; anyone else is refused by the handler.
    let ip = client_ip(&parts);
    let caller = match session_token(&parts) {
        Some(token) => state.services.caller_from_session(&token, &ip).await.ok(),
        None => None,
    };
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    let Some(caller) = caller.filter(|c| !c.csrf.is_empty() && csrf == Some(c.csrf.as_str()))
    else {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    };
    let lang = from_parts(&parts);
    let back = parts
        .headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            let path = r.find("://").map_or(r, |i| {
                let rest = &r[i + 3..];
                rest.find('/').map_or("/", |j| &rest[j..])
            });
            (path.starts_with('/') && !path.starts_with("//")).then(|| path.to_string())
        })
        .unwrap_or_else(|| "/".into());
    let reason = t.reason.unwrap_or_default().to_string();
    let reason_value = fields
        .iter()
        .find(|(k, _)| !reason.is_empty() && *k == reason)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let c = Ctx::with(lang, &parts.uri, &caller);
    let p = ConfirmPage {
        title: c.tr("confirm.title").into(),
        what: c.tr(t.what),
        action: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        fields: fields
            .into_iter()
            .filter(|(k, _)| k != "confirmed" && (reason.is_empty() || *k != reason))
            .collect(),
        reason,
        reason_value,
        back,
        c,
    };
    page(p.render(), StatusCode::OK)
}
