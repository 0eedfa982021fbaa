//! Roles and what each may do. One account may hold several grants, each a role bound to a scope
//! (a place subtree). The three administrator duties are separate (三员分立).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Federation staff or executive at city, subdistrict or village level: her place's subtree.
    Staff,
    /// Women's representative: the households she visits (her resident group until assignments exist).
    Representative,
    /// Family mediator: the disputes assigned to her.
    Mediator,
    /// Liaison officer of a partner department: what was referred to the department.
    Liaison,
    /// Public-opinion duty officer: items of her level.
    OpinionOfficer,
    /// May take household and member sheets out in clear (with a reason, within a daily limit),
    /// over the places of the grant that she also manages as staff: a right of its own.
    ClearExport,
    /// Manages configuration and accounts; reads no case data.
    SystemAdmin,
    /// Grants roles; sees emergency access.
    SecurityAdmin,
    /// Reads the audit log and nothing else.
    AuditAdmin,
}

kind!(Role);

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Staff,
        Role::Representative,
        Role::Mediator,
        Role::Liaison,
        Role::OpinionOfficer,
        Role::ClearExport,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Representative => "representative",
            Role::Mediator => "mediator",
            Role::Liaison => "liaison",
            Role::OpinionOfficer => "opinion_officer",
            Role::ClearExport => "clear_export",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.key() == s.trim())
    }

    /// The three administrator duties: a second factor is required, and one account holds at most
    /// one of them and no other role.
    pub fn is_admin(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }

    /// Roles that read household and person records within their scope.
    pub fn reads_households(self) -> bool {
        matches!(self, Role::Staff | Role::Representative)
    }

    /// Roles that may add or change household records within their scope.
    pub fn writes_households(self) -> bool {
        matches!(self, Role::Staff | Role::Representative)
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            Role::Staff => ("妇联工作人员/执委", "federation staff / executive"),
            Role::Representative => ("妇女代表", "women's representative"),
            Role::Mediator => ("家事调解员", "family mediator"),
            Role::Liaison => ("成员单位联络员", "department liaison officer"),
            Role::OpinionOfficer => ("舆情值班员", "public-opinion officer"),
            Role::ClearExport => ("明文导出权限", "export in clear"),
            Role::SystemAdmin => ("系统管理员", "system administrator"),
            Role::SecurityAdmin => ("安全管理员", "security administrator"),
            Role::AuditAdmin => ("审计管理员", "audit administrator"),
        };
        lang.pick(zh, en)
    }
}

/// Usernames: 3–32 characters of letters, digits, `.`, `_`, `-`.
pub fn valid_username(s: &str) -> bool {
    (3..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}
