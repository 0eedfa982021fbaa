//! The landing page of a caller with no place tree to drill into (`/`): the family mediator's
//! own disputes with their due dates, a liaison's waiting referrals with the time left to their
//! deadlines, the public-opinion officer's notifications, and what waits for each of the three
//! administrators. Each part links to the page that holds all of it.

use super::{Ctx, page};
use crate::AppState;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use jinguo_domain::Lang;
use jinguo_services::Caller;
use jinguo_services::clock;
use jinguo_services::landing::{AuditWork, Landing, SecurityWork, SystemWork};
use uuid::Uuid;

/// A dispute of the mediator.
struct DisputeLine {
    id: Uuid,
    kind: &'static str,
    status: &'static str,
    parties: String,
    due_on: String,
    /// Days left before the due date (negative: past it), for a dispute still to be concluded.
    days: String,
    overdue: bool,
}

/// A referral waiting for the liaison's department.
struct ReferralLine {
    id: Uuid,
    department: String,
    requests: String,
    status: &'static str,
    waiting: bool,
    due_at: String,
    left: String,
    overdue: bool,
}

/// An entry of the audit log.
struct AuditLine {
    at: String,
    actor: String,
    action: String,
}

#[derive(Template)]
#[template(path = "landing.html")]
struct LandingPage {
    c: Ctx,
    title: String,
    disputes: Option<Vec<DisputeLine>>,
    disputes_total: usize,
    referrals: Option<Vec<ReferralLine>>,
    referrals_total: usize,
    opinion: bool,
    /// The opinion officer's desk: topics to judge, open topics by deadline, clocks.
    to_judge: Vec<super::opinion::Line>,
    open_topics: Vec<super::opinion::Line>,
    clocks_running: i64,
    clocks_overdue: i64,
    unread: i64,
    no_role: bool,
    system: Option<SystemWork>,
    security: Option<SecurityWork>,
    audit: Option<Vec<AuditLine>>,
}

fn days_left(due: chrono::NaiveDate, lang: Lang) -> String {
    let n = (due - clock::today()).num_days();
    match (lang, n < 0) {
        (Lang::Zh, false) => format!("剩余 {n} 天"),
        (Lang::Zh, true) => format!("超期 {} 天", -n),
        (Lang::En, false) => format!("{n} days left"),
        (Lang::En, true) => format!("{} days overdue", -n),
    }
}

/// The landing page of `caller` (who has no place of her own to open).
pub(super) async fn landing(s: &AppState, c: Ctx, caller: &Caller) -> Response {
    let lang = c.lang;
    let l: Landing = match s.services.landing(caller).await {
        Ok(l) => l,
        Err(e) => return super::error_page(&e, c),
    };
    let (disputes, disputes_total) = match l.disputes {
        Some((list, n)) => (
            Some(
                list.iter()
                    .map(|d| DisputeLine {
                        id: d.id,
                        kind: d.kind.label(lang),
                        status: d.status.label(lang),
                        parties: d
                            .parties
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join("、"),
                        due_on: d.due_on.to_string(),
                        days: if d.status.is_open() {
                            days_left(d.due_on, lang)
                        } else {
                            String::new()
                        },
                        overdue: d.overdue,
                    })
                    .collect(),
            ),
            n,
        ),
        None => (None, 0),
    };
    let (referrals, referrals_total) = match l.referrals {
        Some((list, n)) => (
            Some(
                list.iter()
                    .map(|r| {
                        // The referrals page's line; the time left while it waits.
                        let l = super::linkage::referral_line(r, lang);
                        ReferralLine {
                            id: l.id,
                            department: l.department,
                            requests: l.requests,
                            status: l.status,
                            waiting: !l.left.is_empty(),
                            due_at: l.due_at,
                            left: l.left,
                            overdue: l.overdue,
                        }
                    })
                    .collect(),
            ),
            n,
        ),
        None => (None, 0),
    };
    let audit = l.audit.map(|AuditWork { newest }| {
        newest
            .into_iter()
            .map(|r| AuditLine {
                at: clock::local(r.at),
                actor: r.actor,
                action: r.action,
            })
            .collect()
    });
    let desk = if l.opinion {
        match s.services.opinion_desk(caller, lang).await {
            Ok(d) => d,
            Err(e) => return super::error_page(&e, c),
        }
    } else {
        jinguo_services::opinion::Desk::default()
    };
    let p = LandingPage {
        title: c.tr("landing.title").to_string(),
        to_judge: desk
            .to_judge
            .iter()
            .map(|l| super::opinion::line(l, lang))
            .collect(),
        open_topics: desk
            .open
            .iter()
            .map(|l| super::opinion::line(l, lang))
            .collect(),
        clocks_running: desk.running,
        clocks_overdue: desk.overdue,
        disputes,
        disputes_total,
        referrals,
        referrals_total,
        opinion: l.opinion,
        unread: l.unread,
        no_role: l.no_role,
        system: l.system,
        security: l.security,
        audit,
        c,
    };
    page(p.render(), StatusCode::OK)
}
