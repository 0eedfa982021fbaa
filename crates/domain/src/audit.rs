//! The audit log's entries and the hash chain that makes any edit or deletion evident.

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry: who did or saw what, when, from where and why. Never a secret, never a revealed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub place_path: String,
    pub reason: String,
    pub detail: String,
    pub ip: String,
}

impl AuditEntry {
    /// Times are kept to the microsecond, which both databases store exactly.
    pub fn normalize_time(at: DateTime<Utc>) -> DateTime<Utc> {
        at.trunc_subsecs(6)
    }

    /// The bytes the chain covers: the previous link and every field (the reason as stored, so
    /// sealed when it is sealed), each followed by the unit separator.
    pub fn chain_message(&self, prev_hash: &str) -> Vec<u8> {
        let actor_id = self.actor_id.map(|u| u.to_string()).unwrap_or_default();
        let at = Self::normalize_time(self.at)
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string();
        let mut out = Vec::with_capacity(256);
        for part in [
            prev_hash,
            &self.seq.to_string(),
            &at,
            &actor_id,
            &self.actor,
            &self.action,
            &self.target,
            &self.place_path,
            &self.reason,
            &self.detail,
            &self.ip,
        ] {
            out.extend_from_slice(part.as_bytes());
            out.push(0x1f);
        }
        out
    }

    /// What a keyed link's MAC covers: the key id, then [`AuditEntry::chain_message`].
    pub fn mac_message(&self, kid: &str, prev_hash: &str) -> Vec<u8> {
        let mut out = format!("jinguo-audit-mac\x1f{kid}\x1f").into_bytes();
        out.extend(self.chain_message(prev_hash));
        out
    }

    /// SHA-256 of [`AuditEntry::chain_message`]: the unkeyed link of entries written before the
    /// chain was keyed (kept so that they still verify).
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        Sha256::digest(self.chain_message(prev_hash))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_change_changes_the_hash() {
        let e = AuditEntry {
            seq: 1,
            at: Utc::now(),
            actor_id: None,
            actor: "admin".into(),
            action: "login".into(),
            target: String::new(),
            place_path: String::new(),
            reason: String::new(),
            detail: String::new(),
            ip: "127.0.0.1".into(),
        };
        let h = e.chain_hash(GENESIS);
        assert_eq!(h.len(), 64);
        let mut f = e.clone();
        f.action = "logout".into();
        assert_ne!(f.chain_hash(GENESIS), h);
        assert_ne!(e.chain_hash(&h), h);
        // Sub-microsecond differences do not matter: the databases keep microseconds.
        let mut g = e.clone();
        g.at = e.at.trunc_subsecs(6);
        assert_eq!(g.chain_hash(GENESIS), e.chain_hash(GENESIS));
    }
}

/// Every action the audit log records, with its name in Chinese and in English: the audit
/// search offers and matches these names, not only the codes.
pub const ACTIONS: &[(&str, &str, &str)] = &[
    ("access.refused", "访问被拒绝", "access refused"),
    ("account.create", "创建账号", "account created"),
    ("account.lock", "锁定账号", "account locked"),
    ("account.reset", "重置密码", "password reset"),
    ("account.unlock", "解锁账号", "account unlocked"),
    (
        "assessment.checklist",
        "设定风险评估问卷",
        "risk checklist set",
    ),
    (
        "assignment.balance",
        "均衡分配包保户",
        "households balanced",
    ),
    ("assignment.create", "设定包保", "assignment made"),
    ("audit.export", "导出审计日志", "audit log exported"),
    ("audit.keyed", "审计日志启用密钥链", "audit chain keyed"),
    ("audit.prune", "清理过期审计日志", "audit log pruned"),
    ("audit.search", "查询审计日志", "audit log searched"),
    ("backup.create", "备份数据库", "backup made"),
    ("campaign.create", "创建排查", "campaign created"),
    ("care.event", "登记关爱活动", "care event recorded"),
    ("care.service", "登记关爱服务", "care service recorded"),
    ("case.assess", "家暴案件风险评估", "case's risk assessed"),
    ("case.assessments", "查看风险评估", "risk assessments read"),
    ("case.close", "家暴案件结案", "case closed"),
    ("case.read", "查看家暴案件", "case read"),
    (
        "case.read_masked",
        "查看家暴案件（脱敏）",
        "case read, masked",
    ),
    (
        "case.read_shared",
        "查看转介共享内容",
        "shared part of a case read",
    ),
    (
        "case.address_confidential",
        "设置受害人住址保密",
        "victim's address made confidential or not",
    ),
    ("case.register", "登记家暴案件", "case registered"),
    (
        "conference.action",
        "会商确定安全措施",
        "safety plan action set",
    ),
    (
        "conference.action_done",
        "安全措施完成",
        "safety plan action done",
    ),
    (
        "conference.actions_read",
        "查看本单位安全措施",
        "department's actions read",
    ),
    ("conference.held", "会商会议召开", "conference held"),
    (
        "conference.hearing_backfill",
        "补设高危个案会商时限",
        "hearing clock started for an earlier high-risk case",
    ),
    (
        "conference.hear",
        "个案列入会商",
        "case heard at a conference",
    ),
    (
        "conference.minutes",
        "导出会商纪要",
        "conference minutes exported",
    ),
    ("conference.plan", "安排会商会议", "conference planned"),
    ("conference.read", "查看会商会议", "conference read"),
    ("consent.record", "登记知情同意", "consent recorded"),
    ("consent.share", "登记共享同意", "consent to share recorded"),
    (
        "consent.share_withdraw",
        "撤回共享同意",
        "consent to share withdrawn",
    ),
    ("consent.withdraw", "撤回知情同意", "consent withdrawn"),
    ("deadline.escalate", "超时督促升级", "deadline escalated"),
    ("demo.create", "生成演示数据", "demo data created"),
    ("department.create", "新增成员单位", "department added"),
    ("department.liaison", "设定成员单位联络人", "liaison set"),
    ("department.update", "修改成员单位", "department changed"),
    ("dispute.agreement", "记录调解协议", "agreement recorded"),
    (
        "dispute.agreement_document",
        "下载调解协议书",
        "agreement document downloaded",
    ),
    (
        "dispute.agreement_draft",
        "下载待签协议书",
        "agreement to sign downloaded",
    ),
    (
        "dispute.confirmation",
        "申请司法确认",
        "judicial confirmation applied for",
    ),
    (
        "dispute.crime_report",
        "调解员向公安报告涉嫌违法犯罪",
        "suspected crime reported to the police by the mediator",
    ),
    (
        "dispute.escalate",
        "纠纷移交公安",
        "dispute escalated to the police",
    ),
    ("dispute.read", "查看纠纷", "dispute read"),
    (
        "dispute.read_masked",
        "查看纠纷（脱敏）",
        "dispute read, masked",
    ),
    ("dispute.register", "登记纠纷", "dispute registered"),
    ("dispute.session", "记录调解", "mediation session recorded"),
    ("opinion.item", "登记舆情信息", "opinion item recorded"),
    (
        "opinion.read",
        "查看舆情信息原文",
        "opinion item read in full",
    ),
    ("opinion.step", "办理舆情事件", "opinion topic step taken"),
    (
        "opinion.rule",
        "设置舆情关键词规则",
        "opinion keyword rule set",
    ),
    ("opinion.source", "设置舆情来源", "opinion source set"),
    (
        "opinion.category",
        "设置舆情类别",
        "opinion category added, renamed or retired",
    ),
    ("opinion.poll", "抓取舆情订阅源", "opinion feed polled"),
    (
        "chain.define",
        "新建“1+N+1+1”联动链条",
        "\"1+N+1+1\" chain defined",
    ),
    ("chain.read", "查看联动链条", "chain read"),
    (
        "chain.attach",
        "记录纳入联动链条",
        "record attached to a chain",
    ),
    ("chain.step", "办结联动链条环节", "chain step done"),
    (
        "opinion.meeting",
        "记录舆情研判会",
        "opinion review meeting recorded",
    ),
    (
        "opinion.task",
        "完成研判会后续任务",
        "review meeting task done",
    ),
    (
        "supervision.issue",
        "交办督办事项",
        "supervision task issued",
    ),
    ("supervision.read", "查看督办事项", "supervision task read"),
    ("hotline.record", "登记12338来电", "hotline call recorded"),
    ("typical.propose", "提出典型案例", "typical case proposed"),
    ("typical.review", "审核典型案例", "typical case reviewed"),
    (
        "typical.publish",
        "批准发布典型案例",
        "typical case published",
    ),
    ("typical.withdraw", "撤回典型案例", "typical case withdrawn"),
    ("typical.read", "查看典型案例", "typical case read"),
    (
        "family.nominate",
        "推荐最美家庭",
        "most-beautiful family nominated",
    ),
    (
        "family.step",
        "办理最美家庭评选环节",
        "most-beautiful family step taken",
    ),
    (
        "family.objection",
        "收到最美家庭公示异议",
        "objection to a family on notice received",
    ),
    ("family.answer", "答复公示异议", "objection answered"),
    (
        "family.read",
        "查看最美家庭推荐",
        "most-beautiful family read",
    ),
    ("family.vote", "最美家庭网络投票", "vote for a family"),
    ("family.voting", "设置最美家庭网络投票", "online voting set"),
    ("family.event", "记录家庭活动", "family event recorded"),
    ("volunteer.add", "登记巾帼志愿者", "volunteer registered"),
    ("volunteer.read", "查看巾帼志愿者", "volunteers read"),
    (
        "volunteer.service",
        "记录志愿服务时长",
        "volunteer service recorded",
    ),
    (
        "training.record",
        "记录培训普法活动",
        "training session recorded",
    ),
    (
        "training.material",
        "上传培训资料",
        "training material kept",
    ),
    (
        "training.read",
        "查看成员培训记录",
        "member's training record read",
    ),
    ("hotline.read", "查看12338来电记录", "hotline log read"),
    (
        "hotline.callback",
        "记录来电回访",
        "hotline call-back recorded",
    ),
    (
        "supervision.step",
        "办理督办事项",
        "supervision task step taken",
    ),
    ("stat_table.save", "设定统计报表", "statistical table set"),
    (
        "stat_table.delete",
        "删除统计报表",
        "statistical table removed",
    ),
    (
        "stat_return.sign",
        "审核签发统计报表",
        "statistical tables signed off",
    ),
    (
        "stat_return.send",
        "报送统计报表",
        "statistical tables sent",
    ),
    (
        "stat_return.read",
        "查看下级报送的统计报表",
        "statistical tables received read",
    ),
    ("dispute.step", "纠纷办理环节", "dispute step taken"),
    (
        "dispute.term_performed",
        "记录协议履行",
        "agreement term performed",
    ),
    (
        "emergency.approve",
        "批准紧急查看",
        "emergency access approved",
    ),
    ("emergency.end", "结束紧急查看", "emergency access ended"),
    (
        "emergency.grant_urgent",
        "紧急查看（先行授予）",
        "urgent emergency access granted",
    ),
    (
        "emergency.read",
        "紧急查看中的读取",
        "read under emergency access",
    ),
    (
        "emergency.refuse",
        "驳回紧急查看",
        "emergency access refused",
    ),
    (
        "emergency.request",
        "申请紧急查看",
        "emergency access requested",
    ),
    (
        "emergency.reveal",
        "紧急查看中的明文查看",
        "value revealed under emergency access",
    ),
    (
        "emergency.review",
        "事后审查紧急查看",
        "emergency access reviewed",
    ),
    ("entry.propose", "提名入库", "registry entry proposed"),
    ("entry.read", "查看台账人员", "registry entry read"),
    ("entry.step", "台账办理环节", "registry entry step taken"),
    ("evidence.add", "上传证据", "evidence added"),
    ("evidence.read", "查看证据", "evidence read"),
    ("federation.create", "成立妇联组织", "federation founded"),
    ("grant.add", "授予角色", "role granted"),
    ("grant.revoke", "收回角色", "role revoked"),
    ("household.export", "导出户信息", "households exported"),
    ("household.read", "查看户", "household read"),
    ("household.reveal", "查看未脱敏信息", "values revealed"),
    (
        "household.search",
        "按身份证号查户",
        "household searched by ID number",
    ),
    ("import.households", "导入户信息", "households imported"),
    ("import.members", "导入成员", "members imported"),
    ("import.preview", "导入前检查", "import checked"),
    ("import.refused", "导入被拒", "import refused"),
    (
        "instrument.add",
        "登记法律文书",
        "legal instrument recorded",
    ),
    (
        "instrument.event",
        "登记文书进展",
        "instrument event recorded",
    ),
    ("keys.rotate", "轮换密钥", "keys rotated"),
    ("keys.seal", "加密存量数据", "stored values sealed"),
    ("login", "登录", "logged in"),
    ("login.failed", "登录失败", "login failed"),
    ("login.refused", "登录被拒", "login refused"),
    ("logout", "退出登录", "logged out"),
    ("mediator.profile", "设定调解员", "mediator profile set"),
    ("member.create", "新增成员", "member added"),
    ("member.export", "导出成员", "members exported"),
    (
        "member.handover",
        "离任并移交",
        "left her post and handed over",
    ),
    ("member.leave", "离任", "left her post"),
    (
        "member.link",
        "关联成员与账号",
        "member linked to an account",
    ),
    ("password.change", "修改密码", "password changed"),
    ("person.create", "新增人员", "person added"),
    ("person.search", "按姓名查人", "persons searched by name"),
    ("places.import", "导入区划", "places imported"),
    (
        "referral.progress",
        "转介办理进展",
        "referral progress recorded",
    ),
    ("referral.send", "转介成员单位", "referral sent"),
    ("registry.create", "新增台账", "registry created"),
    ("token.create", "创建令牌", "token created"),
    ("token.revoke", "作废令牌", "token revoked"),
    ("totp.failed", "验证码错误", "wrong verification code"),
    ("totp.ok", "双因素验证通过", "second factor accepted"),
    ("totp.refused", "双因素验证被拒", "second factor refused"),
    (
        "totp.replay",
        "验证码重复使用",
        "verification code used again",
    ),
    ("visit.create", "记录走访", "visit recorded"),
    ("visit.read", "查看走访", "visit read"),
    ("wish.claim", "认领微心愿", "wish claimed"),
    ("wish.propose", "提交微心愿", "wish proposed"),
    ("wish.step", "微心愿办理环节", "wish step taken"),
    ("worklist.read", "查看工作清单", "worklist read"),
];

/// The name of an action in a language; an action not in [`ACTIONS`] shows its code.
pub fn action_label(code: &str, lang: crate::Lang) -> &str {
    ACTIONS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| lang.pick(zh, en))
        .unwrap_or(code)
}

/// The actions whose code or name in either language contains `text` (letters compared
/// without case): what a search for "离任", "left her post" or "member.leave" means.
pub fn actions_matching(text: &str) -> Vec<&'static str> {
    let t = text.trim().to_lowercase();
    if t.is_empty() {
        return Vec::new();
    }
    ACTIONS
        .iter()
        .filter(|(c, zh, en)| {
            c.to_lowercase().contains(&t)
                || zh.contains(t.as_str())
                || en.to_lowercase().contains(&t)
        })
        .map(|(c, _, _)| *c)
        .collect()
}

#[cfg(test)]
mod action_tests {
    use super::*;

    #[test]
    fn actions_are_found_by_either_language() {
        assert_eq!(
            actions_matching("离任"),
            vec!["member.handover", "member.leave"]
        );
        assert!(actions_matching("Left her post").contains(&"member.leave"));
        assert_eq!(actions_matching("member.leave"), vec!["member.leave"]);
        assert!(actions_matching("  ").is_empty());
        assert_eq!(action_label("login", crate::Lang::Zh), "登录");
        assert_eq!(
            action_label("unknown.code", crate::Lang::En),
            "unknown.code"
        );
        let mut codes: Vec<_> = ACTIONS.iter().map(|a| a.0).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ACTIONS.len(), "an action twice");
    }
}
