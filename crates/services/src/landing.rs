//! What a caller finds first when she has no place tree to drill into: the family mediator her
//! own disputes by due date, a department's liaison the referrals waiting for her department
//! with the time left, the public-opinion officer her notifications, the three administrators
//! what waits for them. Each part is read through the service that owns it, so the same reach
//! and audit apply as on the part's own page.

use crate::Services;
use crate::access::Caller;
use crate::error::ServiceError;
use crate::linkage::ReferralView;
use crate::mediation::DisputeView;
use jinguo_domain::account::Role;
use jinguo_domain::linkage::ReferralStatus;

/// Lines shown at most in each part of a landing page; the part's own page lists the rest.
pub const LANDING_LINES: usize = 20;

/// The work of a caller without a place tree, one part per role she holds.
#[derive(Debug, Clone, Default)]
pub struct Landing {
    /// Family mediator: the disputes assigned to her that are not closed, those still to be
    /// concluded first, each group by due date; and how many there are in all.
    pub disputes: Option<(Vec<DisputeView>, usize)>,
    /// Liaison: her departments' referrals not done, by deadline; and how many in all.
    pub referrals: Option<(Vec<ReferralView>, usize)>,
    /// Public-opinion officer: her part is her notifications.
    pub opinion: bool,
    pub system: Option<SystemWork>,
    pub security: Option<SecurityWork>,
    pub audit: Option<AuditWork>,
    /// Her unread notifications.
    pub unread: i64,
    /// She holds no role in force: someone must grant her one.
    pub no_role: bool,
}

/// What waits for the system administrator among the accounts she looks after.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemWork {
    pub accounts: usize,
    pub locked: usize,
    /// Accounts with no role yet (the security administrator grants them one).
    pub without_role: usize,
    /// Outside messages of the newest not delivered (failed, or still being tried).
    pub undelivered: usize,
}

/// What waits for the security administrator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityWork {
    /// Accounts of her scope with no role yet.
    pub without_role: usize,
    /// Emergency access waiting for a decision she may take.
    pub to_decide: usize,
    /// Urgent emergency access granted and waiting for her review.
    pub to_review: usize,
    /// Accounts refused again and again in the last 24 hours.
    pub refused: usize,
}

/// What the audit administrator looks at first: the newest entries of her places.
#[derive(Debug, Clone, Default)]
pub struct AuditWork {
    pub newest: Vec<crate::audit::AuditRow>,
}

impl Services {
    /// The landing page's parts for the caller's roles (see [`Landing`]).
    pub async fn landing(&self, caller: &Caller) -> Result<Landing, ServiceError> {
        let mut out = Landing {
            unread: self.unread(caller).await?,
            no_role: !Role::ALL.iter().any(|r| caller.has_role(*r)),
            opinion: caller.has_role(Role::OpinionOfficer),
            ..Default::default()
        };
        if caller.has_role(Role::Mediator) {
            let mut list: Vec<DisputeView> = self
                .disputes(caller, None, false)
                .await?
                .into_iter()
                .filter(|d| d.status != jinguo_domain::mediation::Status::Closed)
                .collect();
            list.sort_by_key(|d| (!d.status.is_open(), d.due_on));
            let n = list.len();
            list.truncate(LANDING_LINES);
            out.disputes = Some((list, n));
        }
        if caller.has_role(Role::Liaison) {
            let mut list: Vec<ReferralView> = self
                .my_referrals(caller)
                .await?
                .into_iter()
                .filter(|r| r.status != ReferralStatus::Done)
                .collect();
            list.sort_by_key(|r| (r.status != ReferralStatus::Sent, r.due_at));
            let n = list.len();
            list.truncate(LANDING_LINES);
            out.referrals = Some((list, n));
        }
        if caller.has_role(Role::SystemAdmin) {
            let accounts = self.list_accounts(caller).await?;
            out.system = Some(SystemWork {
                accounts: accounts.len(),
                locked: accounts.iter().filter(|a| a.locked).count(),
                without_role: accounts.iter().filter(|a| a.grants.is_empty()).count(),
                undelivered: self
                    .outbox(caller)
                    .await?
                    .iter()
                    .filter(|m| m.status != "delivered")
                    .count(),
            });
        }
        if caller.has_role(Role::SecurityAdmin) {
            let accounts = self.list_accounts(caller).await?;
            let emergencies = self.emergencies(caller).await?;
            out.security = Some(SecurityWork {
                without_role: accounts.iter().filter(|a| a.grants.is_empty()).count(),
                to_decide: emergencies.iter().filter(|e| e.may_decide).count(),
                to_review: emergencies.iter().filter(|e| e.may_review).count(),
                refused: self.repeated_refusals(caller).await?.len(),
            });
        }
        if caller.has_role(Role::AuditAdmin) {
            let q = crate::audit::AuditQuery {
                limit: 10,
                ..Default::default()
            };
            out.audit = Some(AuditWork {
                newest: self.search_audit(caller, &q).await?,
            });
        }
        Ok(out)
    }
}
