//! Who is asking, and what she may see and do. Every service takes a [`Caller`]; scopes are
//! computed here and handed to storage, which adds them to every query (fail closed).

use chrono::{DateTime, Utc};
use jinguo_domain::account::Role;
use jinguo_storage::linkage::DepartmentPost;
use jinguo_storage::{Reader, Scope};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    /// The materialized path of the place the grant covers (its subtree).
    pub scope_path: String,
    /// Set on emergency ("break the glass") grants.
    pub expires_at: Option<DateTime<Utc>>,
}

/// What emergency access opens: one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmergencyTarget {
    Household(Uuid),
    /// One person, read on her household's page (no one else of it).
    Person {
        person: Uuid,
        household: Uuid,
    },
    /// A domestic-violence case.
    Case(Uuid),
}

/// Emergency access in force: one record, read-only, until a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyHold {
    pub id: Uuid,
    pub target: EmergencyTarget,
    pub expires_at: DateTime<Utc>,
}

/// An authenticated caller (or the machine's operator at the command line).
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: Option<Uuid>,
    pub username: String,
    pub display_name: String,
    pub grants: Vec<Grant>,
    /// Where the request came from, for the audit log.
    pub ip: String,
    /// The members (women's representatives) this account is: a representative's scope is the
    /// households they answer for.
    pub members: Vec<Uuid>,
    /// The linkage departments this account acts for.
    pub departments: Vec<DepartmentPost>,
    /// Emergency access in force (approved, or urgent): single households she may read.
    pub emergency: Vec<EmergencyHold>,
    /// The session's anti-forgery token, for forms.
    pub csrf: String,
    /// The hash of the session behind the request (kept when she changes her password).
    pub session_hash: Option<String>,
    /// Acting through an API token (no session, no anti-forgery token needed).
    pub by_token: bool,
    /// A second factor is still owed: nothing is visible until it is given.
    pub second_factor_pending: bool,
    /// The password must be changed before anything else.
    pub must_change_password: bool,
    operator: bool,
}

impl Caller {
    pub fn new(
        account_id: Uuid,
        username: String,
        display_name: String,
        grants: Vec<Grant>,
    ) -> Caller {
        Caller {
            account_id: Some(account_id),
            username,
            display_name,
            grants,
            members: Vec::new(),
            departments: Vec::new(),
            emergency: Vec::new(),
            ip: String::new(),
            csrf: String::new(),
            session_hash: None,
            by_token: false,
            second_factor_pending: false,
            must_change_password: false,
            operator: false,
        }
    }

    /// The person at the machine's command line (`jinguo user add`, `jinguo demo`): all powers.
    pub fn operator() -> Caller {
        Caller {
            account_id: None,
            username: "operator".into(),
            display_name: "operator".into(),
            grants: Vec::new(),
            members: Vec::new(),
            departments: Vec::new(),
            emergency: Vec::new(),
            ip: "local".into(),
            csrf: String::new(),
            session_hash: None,
            by_token: false,
            second_factor_pending: false,
            must_change_password: false,
            operator: true,
        }
    }

    pub fn is_operator(&self) -> bool {
        self.operator
    }

    fn active(&self) -> bool {
        self.operator || (!self.second_factor_pending && !self.must_change_password)
    }

    fn scope_where(&self, pred: impl Fn(Role) -> bool) -> Scope {
        if self.operator {
            return Scope::operator();
        }
        if !self.active() {
            return Scope::none();
        }
        let mut scope = Scope::of_paths(
            self.grants
                .iter()
                .filter(|g| pred(g.role) && g.role != Role::Representative)
                .map(|g| g.scope_path.as_str()),
        );
        // A women's representative sees the households she answers for, within her grant; without
        // a member record linked to her account she sees none.
        for g in self
            .grants
            .iter()
            .filter(|g| pred(g.role) && g.role == Role::Representative)
        {
            for m in &self.members {
                scope = scope.with_assigned(&g.scope_path, *m);
            }
        }
        scope
    }

    /// Households and persons she may read: her roles' scope, and the single households of
    /// emergency access in force (read-only: never in the write scope, never listed).
    pub fn household_read_scope(&self) -> Scope {
        let mut scope = self.scope_where(Role::reads_households);
        if self.active() && !self.operator {
            let now = crate::clock::now();
            for e in self.emergency.iter().filter(|e| e.expires_at > now) {
                match e.target {
                    EmergencyTarget::Household(h)
                    | EmergencyTarget::Person { household: h, .. } => {
                        scope = scope.with_household(h);
                    }
                    EmergencyTarget::Case(_) => {}
                }
            }
        }
        scope
    }

    /// Households and persons her roles let her read, without any emergency access.
    pub fn own_household_scope(&self) -> Scope {
        self.scope_where(Role::reads_households)
    }

    /// The emergency access to one person of this household in force, if any: (grant, person).
    pub fn emergency_person_in(&self, household: Uuid) -> Option<(Uuid, Uuid)> {
        let now = crate::clock::now();
        if !self.active() {
            return None;
        }
        self.emergency.iter().find_map(|e| match e.target {
            EmergencyTarget::Person {
                person,
                household: h,
            } if h == household && e.expires_at > now => Some((e.id, person)),
            _ => None,
        })
    }

    /// The emergency access in force under which she reads this record, if any.
    pub fn emergency_for(&self, target: EmergencyTarget) -> Option<&EmergencyHold> {
        let now = crate::clock::now();
        if !self.active() {
            return None;
        }
        self.emergency
            .iter()
            .find(|e| e.target == target && e.expires_at > now)
    }

    /// Whether she holds emergency access in force (exports in clear are refused meanwhile).
    pub fn in_emergency(&self) -> bool {
        let now = crate::clock::now();
        self.emergency.iter().any(|e| e.expires_at > now)
    }

    /// The households she answers for as a women's representative (her worklist): her
    /// representative's grants only, never a subtree she reads as staff nor emergency access.
    pub fn worklist_scope(&self) -> Scope {
        if self.operator {
            return Scope::none();
        }
        self.scope_where(|r| r == Role::Representative)
    }

    /// Households and persons she may change.
    pub fn household_write_scope(&self) -> Scope {
        self.scope_where(Role::writes_households)
    }

    /// Where she manages as federation staff: every dispute, case, referral, registry entry and
    /// wish there.
    pub fn manage_scope(&self) -> Scope {
        self.scope_where(|r| r == Role::Staff)
    }

    /// Where she handles public opinion: as a chair (federation staff) or an opinion officer.
    pub fn opinion_scope(&self) -> Scope {
        self.scope_where(|r| matches!(r, Role::Staff | Role::OpinionOfficer))
    }

    /// Where she may report a public-opinion item by hand: the place of a grant as staff,
    /// opinion officer or women's representative (a representative reports about her group).
    pub fn report_scope(&self) -> Scope {
        if self.operator {
            return Scope::operator();
        }
        if !self.active() {
            return Scope::none();
        }
        Scope::of_paths(
            self.grants
                .iter()
                .filter(|g| {
                    matches!(
                        g.role,
                        Role::Staff | Role::OpinionOfficer | Role::Representative
                    )
                })
                .map(|g| g.scope_path.as_str()),
        )
    }

    /// Whom her reads are for, in storage's terms: every reader of a table that holds people or
    /// cases takes it and returns only what it reaches.
    pub fn reader(&self) -> Reader {
        if self.operator {
            return Reader::system();
        }
        let now = crate::clock::now();
        let cases = self
            .emergency
            .iter()
            .filter(|e| self.active() && e.expires_at > now)
            .filter_map(|e| match e.target {
                EmergencyTarget::Case(c) => Some(c),
                _ => None,
            });
        let mut reader = Reader::new(self.manage_scope(), self.household_read_scope())
            .with_cases(cases)
            .with_opinion(self.opinion_scope());
        if self.has_role(Role::Mediator) {
            reader = reader.with_mediators(self.members.iter().copied());
        }
        if self.has_role(Role::Liaison) {
            reader = reader.with_departments(self.departments.iter().map(|p| p.department_id));
        }
        reader
    }

    /// Where she may create and manage accounts (system administrator).
    pub fn account_scope(&self) -> Scope {
        self.scope_where(|r| r == Role::SystemAdmin)
    }

    /// Whose audit entries she may read (audit administrator).
    pub fn audit_scope(&self) -> Scope {
        self.scope_where(|r| r == Role::AuditAdmin)
    }

    /// Where she may grant roles (security administrator).
    pub fn grant_scope(&self) -> Scope {
        self.scope_where(|r| r == Role::SecurityAdmin)
    }

    /// Whether she holds the right to take records out in clear over the whole subtree at `path`
    /// (a role of its own, beside managing the place as staff).
    pub fn exports_clear(&self, path: &str) -> bool {
        self.operator
            || (self.has_role(Role::ClearExport)
                && self
                    .scope_where(|r| r == Role::ClearExport)
                    .covers_all(path))
    }

    /// Federation staff whose scope covers the whole subtree at `path` (she manages it).
    pub fn manages(&self, path: &str) -> bool {
        self.has_role(Role::Staff) && self.household_write_scope().covers_all(path)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.operator || (self.active() && self.grants.iter().any(|g| g.role == role))
    }

    pub fn needs_second_factor(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_admin())
    }

    /// The place her overview opens on: the first place she may read.
    pub fn home_path(&self) -> Option<&str> {
        self.grants
            .iter()
            .find(|g| g.role.reads_households())
            .map(|g| g.scope_path.as_str())
    }
}
