//! The two languages of Jinguo and the domain's messages in each.
//! Simplified Chinese is the default; English is the second language.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parses a language tag (`zh`, `zh-CN`, `en`, `en-US` …); unknown tags are `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the first supported language of an `Accept-Language` header, else Chinese.
    pub fn from_accept_language(header: &str) -> Lang {
        header
            .split(',')
            .filter_map(|part| Lang::from_tag(part.split(';').next().unwrap_or("")))
            .next()
            .unwrap_or_default()
    }

    /// Picks the text of this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// The label of an input field, as forms show it.
pub fn field_label(field: &str, lang: Lang) -> &str {
    let (zh, en) = match field {
        "name" => ("姓名", "Name"),
        "surname" => ("姓", "Surname"),
        "given_name" => ("名", "Given name"),
        "sex" => ("性别", "Sex"),
        "birth_date" => ("出生日期", "Birth date"),
        "id_number" => ("公民身份号码", "Resident ID number"),
        "phone" => ("手机号码", "Mobile number"),
        "relationship" => ("与户主关系", "Relationship to head"),
        "household" => ("户", "Household"),
        "group" => ("村（居）民小组", "Resident group"),
        "place" => ("区划", "Place"),
        "code" => ("区划代码", "Division code"),
        "totp_code" => ("验证码", "Verification code"),
        "action_name" => ("操作", "Action"),
        "venue" => ("地点", "Venue"),
        "address" => ("住址", "Address"),
        "page" => ("页码", "Page"),
        "q" => ("搜索", "Search"),
        "sort" => ("排序", "Sort order"),
        "lang" => ("语言", "Language"),
        "body" => ("请求内容", "Request body"),
        "username" => ("用户名", "Username"),
        "display_name" => ("显示名称", "Display name"),
        "password" => ("密码", "Password"),
        "old_password" => ("原密码", "Current password"),
        "reason" => ("理由", "Reason"),
        "id" => ("编号", "Id"),
        "decision" => ("审批结果", "Decision"),
        "export" => ("导出", "Export"),
        "role" => ("角色", "Role"),
        "audit_retention_days" => ("审计日志保留天数", "Audit log retention (days)"),
        "minutes" => ("时长（分钟）", "Duration (minutes)"),
        "days" => ("有效天数", "Days valid"),
        "purpose" => ("用途", "Purpose"),
        "basis" => ("依据", "Legal basis"),
        "guardian_name" => ("监护人姓名", "Guardian's name"),
        "guardian_relationship" => ("监护人与本人关系", "Guardian's relationship"),
        "expected_version" => ("版本号", "Version"),
        "starts_on" => ("开始日期", "Start date"),
        "ends_on" => ("结束日期", "End date"),
        "checklist" => ("排查事项", "Checklist"),
        "visited_on" => ("走访日期", "Date of visit"),
        "findings" => ("发现的问题", "Findings"),
        "risk" => ("风险等级", "Risk level"),
        "note" => ("情况说明", "Note"),
        "request_key" => ("提交编号", "Submission key"),
        "campaign" => ("排查", "Screening campaign"),
        "member" => ("成员", "Member"),
        "account" => ("账号", "Account"),
        "file" => ("文件", "File"),
        "units" => ("包保单位", "Units answered for"),
        "term_ends_on" => ("任期结束", "End of term"),
        "established_on" => ("成立日期", "Founded on"),
        "successor" => ("接替人", "Successor"),
        "kind" => ("类型", "Kind"),
        "campaign_name" => ("排查名称", "Name of the campaign"),
        "abuser_relationship" => ("施暴人与受害人关系", "Relationship to the victim"),
        "source" => ("来源", "Source"),
        "received_on" => ("受理日期", "Received on"),
        "parties" => ("当事人", "Parties"),
        "narrative" => ("事情经过", "What happened"),
        "consent" => ("当事人同意", "Parties' consent"),
        "held_on" => ("调解日期", "Date of the session"),
        "attendees" => ("参加人员", "Present"),
        "record" => ("调解记录", "Record of the session"),
        "agreed_on" => ("协议日期", "Date of the agreement"),
        "facts" => ("纠纷事实与争议事项", "Facts and issues"),
        "signed" => ("当事人签名", "Parties' signatures"),
        "terms" => ("协议条款", "Terms"),
        "text" => ("条款内容", "Term"),
        "manner" => ("履行方式", "Manner of performance"),
        "due_on" => ("履行期限", "Performance deadline"),
        "performed_on" => ("履行日期", "Performed on"),
        "confirmation" => ("司法确认", "Judicial confirmation"),
        "step" => ("办理环节", "Step"),
        "mediator_id" => ("调解员", "Mediator"),
        "taken_on" => ("办理日期", "Date"),
        "victim_name" => ("受害人姓名", "Victim's name"),
        "victim_phone" => ("受害人联系电话", "Victim's phone"),
        "abuser_name" => ("施暴人姓名", "Name of the person who used violence"),
        "violence" => ("暴力类型", "Kinds of violence"),
        "severity" => ("伤害程度", "Severity"),
        "risk_factors" => ("危险评估", "Risk assessment"),
        "children" => ("家中未成年子女数", "Children in the household"),
        "consent_to_share" => ("同意向成员单位共享", "Consent to sharing"),
        "department" => ("成员单位", "Department"),
        "requests" => ("请求事项", "Requests"),
        "shared" => ("共享内容", "Shared with the department"),
        "basis_note" => ("依据说明", "Legal article or reason"),
        "due_at" => ("办理时限", "Deadline"),
        "action" => ("处置情况", "Action taken"),
        "instrument" => ("法律文书", "Legal instrument"),
        "started_at" => ("开始时间", "Started at"),
        "party" => ("申请人或报告人", "Applicant or reporter"),
        "reporter" => ("报告人（保密）", "Reporter (confidential)"),
        "reference" => ("文书编号或地点", "Number or place"),
        "event" => ("办理事项", "What happened"),
        "on" => ("日期", "Date"),
        "valid_until" => ("有效期至", "Valid until"),
        "victim_party" => ("受害当事人", "Party who suffered the violence"),
        "victim_address" => ("受害人住址", "Victim's address"),
        "action_days" => ("处置反馈时限（天）", "Action limit (days)"),
        "ack_hours" => ("签收时限（小时）", "Acknowledgement limit (hours)"),
        "urgent_ack_hours" => (
            "紧急签收时限（小时）",
            "Urgent acknowledgement limit (hours)",
        ),
        "duty_phone" => ("值班电话", "Duty phone"),
        "webhook_url" => ("群机器人地址", "Group robot address"),
        "position" => ("职务", "Position"),
        "case" => ("个案", "Case"),
        "person_id" => ("人员", "Person"),
        "wish" => ("心愿", "Wish"),
        "organiser" => ("主办", "Organiser"),
        "anonymous" => ("参加人数（不记名）", "Participants counted"),
        "anonymous_children" => ("其中儿童", "of whom children"),
        "guardian_consent" => ("监护人同意", "Guardian's consent"),
        "donor" => (
            "认领人（个人或单位）",
            "Donor (a person or an organisation)",
        ),
        "credit_code" => ("统一社会信用代码", "Unified social credit code"),
        "registry" => ("台账", "Registry"),
        "name_zh" => ("中文名称", "Chinese name"),
        "from" => ("开始日期", "From"),
        "to" => ("结束日期", "To"),
        "year" => ("年度", "Year"),
        "quarter" => ("季度", "Quarter"),
        "period" => ("统计期间", "Period"),
        "rows" => ("表的行", "Rows of the table"),
        "columns" => ("表的列", "Columns of the table"),
        "name_en" => ("英文名称", "English name"),
        "review_months" => ("复核间隔（月）", "Months between reviews"),
        "criteria" => ("符合条件", "Criteria met"),
        "evidence" => ("证明材料", "Evidence"),
        "surveyed_by" => ("走访调查人", "Surveyed by"),
        "next_review_on" => ("下次复核日期", "Next review"),
        "hospital" => ("医院", "Hospital"),
        "goods" => ("慰问物品", "Goods"),
        "amount" => ("慰问金（元）", "Cash (yuan)"),
        "visited_by" => ("慰问人", "Visited by"),
        "result" => ("体检结果", "Result"),
        "persons" => ("服务对象", "People served"),
        "status" => ("办理状态", "Status"),
        "title" => ("标题", "Title"),
        "link" => ("链接", "Link"),
        "published_at" => ("发布时间", "Published at"),
        "grade" => ("等级", "Grade"),
        "category" => ("类别", "Category"),
        "response" => ("回应内容", "Public response"),
        "subject_words" => ("主体词", "Subject words"),
        "event_words" => ("事件词", "Event words"),
        "region_words" => ("地域词", "Region words"),
        "exclude_words" => ("屏蔽词", "Exclusion words"),
        "min_grade" => ("最低等级", "Minimum grade"),
        "topic" => ("事件", "Topic"),
        "url" => ("地址", "Address"),
        "poll_minutes" => ("抓取间隔（分钟）", "Minutes between polls"),
        "silent_hours" => ("无新内容告警（小时）", "Alarm after hours without items"),
        "signature" => ("签名", "Signature"),
        "answers" => ("评估回答", "Answers"),
        "conference_on" => ("会议日期", "Conference date"),
        "invited" => ("邀请单位", "Departments invited"),
        "present" => ("出席单位", "Departments present"),
        "incidents" => ("近12个月暴力事件次数", "Incidents in the last 12 months"),
        "judgement" => ("专业判断", "Professional judgement"),
        "questions" => ("评估问题", "Questions"),
        "weight" => ("权重", "Weight"),
        "zh" => ("中文", "Chinese"),
        "en" => ("英文", "English"),
        "met_on" => ("研判日期", "Date of the meeting"),
        "conclusions" => ("研判结论", "Conclusions"),
        "topics" => ("研判事件", "Topics reviewed"),
        "tasks" => ("后续任务", "Follow-up tasks"),
        "task" => ("任务", "Task"),
        "owner" => ("责任人", "Responsible"),
        "due_by" => ("完成期限", "Due by"),
        "matter" => ("督办事项", "Matter"),
        "source_id" => ("来源记录", "Record raised from"),
        "case_text" => ("案例正文", "Case text"),
        "family_name" => ("家庭名称", "Family"),
        "nominated_by" => ("推荐方式", "Nominated by"),
        "nominator" => ("推荐人（单位）", "Nominator"),
        "deeds" => ("主要事迹", "What the family did"),
        "notice_from" => ("公示开始日期", "Notice from"),
        "notice_until" => ("公示截止日期", "Notice until"),
        "participants" => ("参加人数", "Participants"),
        "publish_consent" => ("本人同意发布", "Her consent to publication"),
        "lead_unit" => ("牵头单位", "Lead unit"),
        "lead_department" => ("牵头成员单位", "Lead department"),
        "lead_place" => ("牵头下级妇联", "Lead federation below"),
        "co_units" => ("协办单位", "Co-units"),
        "owner_name" => ("责任人", "Person responsible"),
        "cadence" => ("进展报送频次", "Progress reports"),
        "issued_on" => ("交办日期", "Issued on"),
        "deadline" => ("办结期限", "Deadline"),
        "called_at" => ("来电时间", "Time of the call"),
        "caller_name" => ("来电人", "Caller"),
        "caller_phone" => ("来电号码", "Caller's number"),
        "summary" => ("来电内容", "What the caller said"),
        "handling" => ("处理方式", "What was done"),
        "linked_id" => ("转办记录编号", "Record referred to"),
        "callback_on" => ("约定回访日期", "Call-back promised for"),
        "month" => ("月份", "Month"),
        "light" => ("督办灯", "Light"),
        "new_due_on" => ("延期至", "Extended to"),
        "rating" => ("评价", "Rating"),
        "chain_name" => ("链条名称", "Chain's name"),
        "steps" => ("环节", "Steps"),
        "step_role" => ("环节类型", "Kind of step"),
        "step_name" => ("环节名称", "Step's name"),
        "step_unit" => ("办理单位", "Unit taking the step"),
        "limit_days" => ("办理时限（天）", "Time limit (days)"),
        "subject_kind" => ("所涉记录类型", "Kind of record"),
        "subject" => ("所涉记录", "Record"),
        "seq" => ("环节序号", "Step number"),
        // A field of one item of a list (`terms[0].due_on`): the field's own label.
        f if f.contains("].") => match f.rsplit_once('.') {
            Some((_, last)) => return field_label(last, lang),
            None => return field_fallback(field),
        },
        _ => return field_fallback(field),
    };
    lang.pick(zh, en)
}

fn field_fallback(field: &str) -> &str {
    field
}

/// The reason for a refusal, by code.
pub fn reason(code: &str, lang: Lang) -> &'static str {
    let (zh, en) = match code {
        "required" => ("必填", "is required"),
        "too_long" => ("过长", "is too long"),
        "not_found" => ("不存在", "does not exist"),
        "invalid" => ("格式不正确", "is not valid"),
        "id_number.length" => (
            "应为18位（或旧式15位）",
            "must have 18 characters (or the old 15 digits)",
        ),
        "id_number.characters" => (
            "前17位须为数字，最后一位为数字或X",
            "must be 17 digits followed by a digit or X",
        ),
        "id_number.checksum" => (
            "校验码不正确，请核对",
            "has a wrong check character; please check it",
        ),
        "id_number.birth_date" => (
            "其中的出生日期不存在或在将来",
            "contains a birth date that does not exist or is in the future",
        ),
        "id_number.address" => (
            "前6位不是有效的地址码",
            "does not start with a valid 6-digit address code",
        ),
        "id_number.sex_mismatch" => (
            "与所填性别不一致（第17位奇数为男，偶数为女）",
            "does not match the sex given (17th digit odd = male, even = female)",
        ),
        "id_number.birth_mismatch" => (
            "与所填出生日期不一致",
            "does not match the birth date given",
        ),
        "id_number.duplicate" => (
            "已登记在其他人员名下",
            "is already registered for another person",
        ),
        "phone.format" => (
            "应为11位手机号码，以1开头、第二位为3至9，可带+86",
            "must be an 11-digit mobile number starting 13–19, optionally with +86",
        ),
        "birth_date.format" => ("应为 YYYY-MM-DD 格式", "must be a date as YYYY-MM-DD"),
        "birth_date.future" => ("不能晚于今天", "cannot be in the future"),
        "sex.unknown" => ("应为 男 或 女", "must be male or female"),
        "relationship.unknown" => ("不是可选的关系", "is not one of the listed relationships"),
        "code.format" => (
            "应为2、4、6、9或12位数字的统计用区划代码",
            "must be a statistical division code of 2, 4, 6, 9 or 12 digits",
        ),
        "code.parent" => ("上级区划不存在", "has no known parent place"),
        "password.too_short" => ("至少10个字符", "must have at least 10 characters"),
        "password.classes" => (
            "须包含大写字母、小写字母、数字、其他字符中的至少三类",
            "must mix at least three of: upper-case letters, lower-case letters, digits, other characters",
        ),
        "password.wrong" => ("不正确", "is not correct"),
        "password.same" => ("不能与原密码相同", "must differ from the current one"),
        "username.format" => (
            "应为3至32位字母、数字或 . _ -",
            "must be 3 to 32 letters, digits or . _ -",
        ),
        "username.taken" => ("已被使用", "is already taken"),
        "reason.required" => (
            "请说明查看原因（至少4个字）",
            "please state why (at least 4 characters)",
        ),
        "totp.wrong" => ("验证码不正确或已使用", "is wrong or was already used"),
        "role.separation" => (
            "系统、安全、审计管理员三种职责须由不同账号担任，且不兼任其他角色",
            "the system, security and audit administrator duties belong to separate accounts holding no other role",
        ),
        "minutes.range" => (
            "超出允许的时长（紧急查看默认最多60分钟）",
            "is outside the allowed duration (emergency access: at most 60 minutes by default)",
        ),
        "emergency.reason" => (
            "请写明具体原因（至少10个字）",
            "please say exactly why (at least 10 characters)",
        ),
        "emergency.not_needed" => (
            "该户在您的职责范围内，无需紧急授权",
            "this household is already within your scope: no emergency access needed",
        ),
        "emergency.already" => (
            "您对该户已有生效的紧急授权",
            "you already hold emergency access to this household",
        ),
        "emergency.decided" => (
            "该申请已处理或已结束",
            "this request was already decided or has ended",
        ),
        "emergency.reviewed" => (
            "该授权无需或已完成事后审查",
            "this grant needs no review or was already reviewed",
        ),
        "role.admin_on_machine" => (
            "管理员职责只能在服务器上用 jinguo user 命令授予或收回",
            "administrator duties are given and taken back on the machine (jinguo user)",
        ),
        "role.by_security_admin" => (
            "系统管理员创建的账号不带角色，角色由安全管理员授予",
            "accounts are created without a role; the security administrator grants roles",
        ),
        "export.limit" => (
            "今日明文导出次数已用完",
            "today's exports in clear are used up",
        ),
        "export.emergency" => (
            "紧急授权期间不能明文导出",
            "no export in clear while emergency access is in force",
        ),
        "days.range" => ("应为1至365天", "must be 1 to 365 days"),
        "consent.guardian_required" => (
            "未满14周岁，须由监护人同意并填写监护人姓名",
            "under 14: the guardian consents; give the guardian's name",
        ),
        "consent.publish_needs_consent" => (
            "公开发布须取得本人或监护人同意",
            "publication needs consent",
        ),
        "retention.too_short" => ("不得少于180天", "must be at least 180 days"),
        "page.range" => ("超出范围", "is out of range"),
        "date.format" => ("应为 YYYY-MM-DD 格式", "must be a date as YYYY-MM-DD"),
        "date.future" => ("不能晚于今天", "cannot be in the future"),
        "date.range" => (
            "应在 1900-01-01 至允许的最晚日期之间",
            "must be between 1900-01-01 and the latest date allowed",
        ),
        "ends_on.before_start" => ("不能早于开始日期", "cannot be before the start date"),
        "checklist.unknown" => (
            "含有不在排查清单中的事项",
            "contains an item that is not on the checklist",
        ),
        "risk.unknown" => (
            "应为 无、低（蓝）、中（黄）或 高（红）",
            "must be none, low (blue), medium (yellow) or high (red)",
        ),
        "visited_on.outside_campaign" => (
            "不在本次排查的时间范围内",
            "is outside the campaign's period",
        ),
        "visit.not_assigned" => (
            "该户不在您包保的范围内",
            "this household is not among those you answer for",
        ),
        "visit.already_screened" => (
            "该户在本次排查中已有走访记录",
            "this household already has a visit in this campaign",
        ),
        "household.outside_campaign" => (
            "该户不在本次排查的范围内",
            "this household is outside the campaign's area",
        ),
        "member.not_representative" => (
            "只有妇女代表可以关联妇女代表账号",
            "only a women's representative can be linked to a representative's account",
        ),
        "member.outside_grant" => (
            "成员不在该账号授权的区划内",
            "the member is outside the place the account's role covers",
        ),
        "member.linked" => ("已关联其他账号", "is already linked to another account"),
        "assignment.unknown_unit" => (
            "含有不存在的区划代码或户编号",
            "contains a division code or household code that does not exist",
        ),
        "assignment.outside_federation" => (
            "含有不在该成员所在组织范围内的单位",
            "contains a unit outside the member's own federation",
        ),
        "assignment.skips_level" => (
            "只能包保下一级单位（市→街道、街道→村社区、村社区→小组、妇女代表→户），不能跨级",
            "must be exactly one level down (city → subdistrict → village → group; representative → household); no level may be skipped",
        ),
        "assignment.taken" => (
            "含有已由另一名妇女代表包保的户（请用离任移交或均衡分配）",
            "contains a household another representative answers for (use hand-over or balancing)",
        ),
        "place.unknown" => ("没有这个区划代码", "is not a known division code"),
        "member.duplicate_in_file" => (
            "同一区划、同一职务、同名的成员在本文件中出现了两次",
            "the same member (place, post, name) appears twice in the file",
        ),
        "member.ambiguous" => (
            "该区划有多名同名同职务的在任成员，无法确定是哪一位",
            "several serving members of the place share this name and post",
        ),
        "column.missing" => ("缺少此列", "this column is missing"),
        "member_role.unknown" => (
            "应为 执委、妇女代表、家事调解员 或 巾帼志愿者",
            "must be executive, representative, mediator or volunteer",
        ),
        "member.wrong_level" => (
            "妇女代表在村（居）民小组任职，其他成员在市、街道或村（社区）妇联任职",
            "a representative serves a resident group; other members serve the federation of a city, subdistrict or village",
        ),
        "federation.exists" => ("该区划已有妇联组织", "this place already has a federation"),
        "federation.wrong_level" => (
            "妇联组织设在市（县）、街道（乡镇）或村（社区）",
            "federations exist at city or county, subdistrict and village level",
        ),
        "handover.same_post" => (
            "须为同一组织、同一职务的另一名在任成员",
            "must be another serving member of the same federation and post",
        ),
        "balance.group_only" => (
            "只能在村（居）民小组内均衡分配",
            "balancing is done within one resident group",
        ),
        "balance.no_representative" => (
            "该小组没有在任的妇女代表",
            "the group has no serving women's representative",
        ),
        "import.expired" => (
            "检查结果已过期，请重新选择文件检查",
            "the checked file has expired; choose it and check it again",
        ),
        "group_code.unknown" => ("没有这个村（居）民小组", "is not a known resident group"),
        "group_code.outside_scope" => ("不在您管理的范围内", "is outside the place you manage"),
        "household.other_group" => (
            "该户编号已登记在另一个小组",
            "this household code is registered in another group",
        ),
        "lang.unknown" => ("只支持 zh-CN 或 en", "must be zh-CN or en"),
        "dispute.risk" => (
            "应为 低（蓝）、中（黄）或 高（红）",
            "must be low (blue), medium (yellow) or high (red)",
        ),
        "dispute.parties" => (
            "至少填写两方当事人及其关系",
            "name at least two parties and their relationship",
        ),
        "dispute.consent" => (
            "须经当事人同意方可登记调解",
            "the parties must agree before the dispute is registered",
        ),
        "dispute.close_without_outcome" => (
            "尚无调解结果（达成或未达成协议），不能结案",
            "cannot be closed before it has an outcome (agreement reached or not)",
        ),
        "dispute.closed" => ("该纠纷已结案", "the dispute is closed"),
        "dispute.step_not_allowed" => (
            "当前环节不能进行此项操作",
            "this step cannot be taken at the dispute's present stage",
        ),
        "date.before_registration" => (
            "不能早于纠纷登记日期",
            "cannot be before the dispute was registered",
        ),
        "agreement.parties" => (
            "协议须写明至少两方当事人",
            "an agreement names at least two parties",
        ),
        "agreement.terms" => ("协议须至少有一项条款", "an agreement has at least one term"),
        "agreement.unsigned" => (
            "当事人签名后方可登记协议",
            "the parties sign before the agreement is recorded",
        ),
        "term.due_before_agreement" => {
            ("不能早于协议日期", "cannot be before the agreement's date")
        }
        "confirmation.window_passed" => (
            "已超过协议生效后30日的申请期限",
            "the 30 days after the agreement for applying have passed",
        ),
        "dispute.not_a_mediator" => (
            "应为本辖区在任的家事调解员",
            "must be a serving family mediator of this place",
        ),
        "dispute.reported" => (
            "该纠纷已向公安机关报告",
            "the dispute was already reported to the police",
        ),
        "dispute.recusal" => (
            "该调解员是本纠纷的当事人，应当回避",
            "this mediator is a party to the dispute and must withdraw",
        ),
        "dispute.no_agreement" => ("尚无调解协议", "there is no agreement yet"),
        "confirmation.already" => ("已申请司法确认", "confirmation was already applied for"),
        "confirmation.personal_status" => (
            "涉及婚姻、收养或其他身份关系的条款不能申请司法确认",
            "terms on marriage, adoption or personal status cannot be confirmed by a court",
        ),
        "credit_code.length" => ("应为18位", "must have 18 characters"),
        "credit_code.characters" => (
            "只能包含数字和除 I、O、Z、S、V 以外的大写字母",
            "may hold only digits and capital letters other than I, O, Z, S, V",
        ),
        "credit_code.checksum" => (
            "校验码不正确，请核对",
            "has a wrong check character; please check it",
        ),
        "event.nobody" => (
            "请填写参加人员或人数",
            "give the participants or their number",
        ),
        "wish.digits" => (
            "公开展示的心愿不能含数字（以免泄露门牌、电话等）",
            "a public wish may hold no digits (house numbers, phones …)",
        ),
        "wish.consent" => ("须经监护人同意", "the guardian must agree"),
        "wish.not_a_child" => ("应为未满18周岁的儿童", "must be a child under 18"),
        "wish.taken" => (
            "这个心愿刚刚被其他爱心人士认领了",
            "this wish was just claimed by another donor",
        ),
        "wish.step" => (
            "当前状态下不能办理此项",
            "cannot be done where the wish stands",
        ),
        "entry.review_before_entry" => ("不能早于登记日期", "cannot be before the entry"),
        "entry.duplicate" => (
            "此人已在该台账中",
            "this person is already in this registry",
        ),
        "entry.step" => (
            "当前状态下不能办理此项",
            "cannot be done where the entry stands",
        ),
        "amount.negative" => ("不能为负数", "cannot be below zero"),
        "service.until_before" => ("不能早于开通日期", "cannot be before the day it was opened"),
        "service.relief_empty" => ("请填写慰问物品或慰问金", "give the goods or the cash"),
        "service.not_in_registry" => (
            "服务对象不在该台账中（或尚未核实、已退出）",
            "is not in this registry (or not verified yet, or has left it)",
        ),
        "service.duplicate_in_file" => (
            "同一人同一天的同类服务在本文件中出现了两次",
            "the same service to the same person on the same day appears twice in this file",
        ),
        "person.unknown" => (
            "本县（市、区）没有登记这个身份证号",
            "is not registered in this county",
        ),
        "person.name_mismatch" => (
            "与该身份证号登记的姓名不一致，请核对",
            "does not match the name registered with this ID number",
        ),
        "period.reversed" => ("不能早于开始日期", "cannot be before the start"),
        "period.future" => ("不能晚于今天", "cannot start after today"),
        "period.quarter" => ("季度应为1至4", "must be a quarter from 1 to 4"),
        "period.month" => ("应为“年-月”，如2021-03", "must be a month such as 2021-03"),
        "report.outside" => ("不在您管理的区划内", "is not a place you manage"),
        "report.unknown_figure" => ("含有未知的统计项目", "names a figure that does not exist"),
        "report.year_open" => ("该年度尚未结束", "is not over yet"),
        "report.not_county" => ("不是县级区划", "is not a county"),
        "report.not_above" => (
            "不是县级以上区划（市、省）",
            "is not a city or province above counties",
        ),
        "report.no_tables" => ("尚未设定统计报表", "has no table yet"),
        "report.not_signed" => ("尚未审核签发", "are not signed off yet"),
        "report.sign_again" => (
            "签发后报表已修改，须重新审核签发",
            "were changed after the sign-off: sign them off again",
        ),
        "report.already_sent" => ("该期报表已报送", "is already sent"),
        "period.too_long" => (
            "统计期间不能超过十年",
            "makes a period longer than ten years",
        ),
        "registry.duplicate" => (
            "本县已有同名台账",
            "is already the name of a registry of this county",
        ),
        "registry.unknown" => ("没有这个台账", "is not a registry of this county"),
        "sheet.too_many_rows" => (
            "行数过多，请分成几个文件",
            "has too many rows: split it into several files",
        ),
        "out_of_range" => ("超出允许范围", "is out of range"),
        "referral.no_consent" => (
            "受害人未同意共享，请选择法定职责并注明条款，或经授权特批并说明理由",
            "the victim did not agree to sharing: choose a legal duty and name the article, or an authorized override with the reason",
        ),
        "referral.override_forbidden" => (
            "特批共享须由市级妇联工作人员办理",
            "an override may only be recorded by staff of the county federation",
        ),
        "case.closed" => ("个案已结案", "the case is closed"),
        "liaison.no_role" => (
            "该账号没有成员单位联络员角色，请先由安全管理员授予",
            "this account has no liaison role: a security administrator grants it first",
        ),
        "referral.due_past" => ("不能早于现在", "cannot be in the past"),
        "referral.unknown_department" => (
            "不是本机制的成员单位",
            "is not a department of this mechanism",
        ),
        "referral.not_referred" => (
            "本单位未收到该转介",
            "this department was not referred the case",
        ),
        "referral.already" => ("已办理", "was already done"),
        "referral.not_acknowledged" => ("尚未签收", "has not been acknowledged"),
        "instrument.may_not_apply" => {
            ("不能代为申请保护令", "may not apply for a protection order")
        }
        "instrument.may_not_report" => (
            "不属于强制报告义务主体",
            "is not bound to make mandatory reports",
        ),
        "instrument.event_unfit" => (
            "不适用于该类文书",
            "does not apply to this kind of instrument",
        ),
        "instrument.before_start" => ("不能早于文书日期", "cannot be before the instrument"),
        "instrument.until_before" => ("应晚于裁定日期", "must be after the decision"),
        "conference.past" => (
            "新列入会商的个案，会议日期不能早于今天",
            "a conference hearing a new case cannot be dated in the past",
        ),
        "case.address_confidential" => (
            "受害人住址已设为保密，转介不得共享住址",
            "the victim's address is confidential: no referral may share it",
        ),
        "conference.held" => ("会议已召开", "the conference was already held"),
        "conference.not_high" => ("该个案不是高危个案", "the case is not high-risk"),
        "conference.not_heard" => (
            "该个案未在本次会议上会商",
            "the case is not heard at this conference",
        ),
        "assessment.unknown_question" => (
            "不是本县风险评估问卷中的问题",
            "is not a question of the county's risk checklist",
        ),
        "assessment.lower_needs_reason" => (
            "专业判断低于评估结果时须说明理由",
            "a judgement lowering the result needs a reason",
        ),
        "assessment.lowers_case_needs_reason" => (
            "结果低于案件当前的风险等级，须说明理由",
            "the result is lower than the case's present risk: a reason is needed",
        ),
        "assessment.duplicate_question" => ("问题编号重复", "is used by another question"),
        "assessment.too_many" => (
            "问题过多（不超过60个）",
            "has too many questions (60 at most)",
        ),
        "instrument.six_months" => (
            "保护令有效期不超过六个月",
            "a protection order runs six months at most",
        ),
        "evidence.too_large" => ("文件过大（不超过5MB）", "is too large (5 MB at most)"),
        "evidence.type" => (
            "只接受 JPG、PNG 图片或 PDF 文件",
            "only JPG or PNG pictures and PDF files are accepted",
        ),
        "evidence.disguised" => (
            "文件内容与扩展名不符",
            "does not contain what its name says",
        ),
        "department.key" => (
            "应为2至32位小写字母、数字或下划线",
            "must be 2 to 32 lower-case letters, digits or underscores",
        ),
        "department.url" => (
            "应为 http:// 或 https:// 开头的地址",
            "must be an address starting with http:// or https://",
        ),
        "opinion.rule_words" => (
            "主体词和事件词至少填写一项",
            "needs subject words or event words",
        ),
        "opinion.personal_numbers" => (
            "含有身份证号或手机号，发布前请删除",
            "contains a resident ID or mobile number: remove it before publication",
        ),
        "opinion.category_duplicate" => (
            "与本县已有的类别同名",
            "is the name of another category of the county",
        ),
        "opinion.category_retired" => ("该类别已停用", "is retired"),
        "opinion.category_last" => (
            "本县至少保留一个在用的类别",
            "is the county's last category in use",
        ),
        "opinion.stage" => (
            "当前环节不能办理此步骤",
            "cannot be taken at the topic's present stage",
        ),
        "opinion.not_approver" => (
            "须由该级妇联主席审核",
            "must be approved by the chair of the topic's level",
        ),
        "department.private_address" => (
            "地址指向本机或内部网络，不能作为群机器人地址",
            "leads to this machine or an internal network: not accepted as a robot's address",
        ),
        "opinion.private_address" => (
            "地址指向本机或内部网络，不能作为订阅源",
            "leads to this machine or an internal network: not accepted as a feed",
        ),
        "opinion.due_before_meeting" => ("不能早于研判日期", "cannot be before the meeting"),
        "opinion.task_done" => ("该任务已完成", "this task is already done"),
        "met_on.future" => ("不能晚于今天", "cannot be in the future"),
        "opinion.no_source" => ("来源不存在", "is not a source of this county"),
        "opinion.signature" => ("签名不正确", "does not match the body"),
        "hotline.callback_before_call" => (
            "回访日期不能早于来电日期",
            "cannot be before the day of the call",
        ),
        "hotline.no_callback" => ("该来电没有待回访", "has no call-back waiting"),
        "typical.personal_numbers" => (
            "仍含有身份证号或手机号，请删除后再提交",
            "still contains a resident ID or mobile number: remove it first",
        ),
        "typical.consent_required" => (
            "案例仍可能识别出当事人，发布须有其本人记录在案的同意",
            "a person could still be recognised: publication needs her recorded consent",
        ),
        "typical.own_review" => (
            "不能由案例的提出人本人审核或批准",
            "cannot be taken by whoever proposed the case",
        ),
        "typical.status" => (
            "案例当前状态不能办理此步骤",
            "cannot be taken at the case's present status",
        ),
        "family.notice_short" => (
            "公示期不足规定天数（至少3天）",
            "is shorter than the minimum notice (at least 3 days)",
        ),
        "family.notice_order" => (
            "公示截止日期不能早于开始日期",
            "cannot be before the first day of the notice",
        ),
        "family.own_review" => (
            "不能由录入推荐的人本人审核",
            "cannot be taken by whoever entered the nomination",
        ),
        "family.status" => (
            "当前推荐状态不能办理此步骤",
            "cannot be taken at the nomination's present status",
        ),
        "family.level" => (
            "须由相应层级的妇联办理",
            "belongs to the federation of another level",
        ),
        "family.notice_running" => ("公示期尚未结束", "the public notice has not ended yet"),
        "family.objections_open" => (
            "公示期间收到的异议尚未全部答复",
            "objections received during the notice are not all answered",
        ),
        "family.consent_required" => (
            "发布家庭事迹须有该家庭记录在案的同意",
            "publishing the family's story needs its recorded consent",
        ),
        "family.not_on_notice" => ("该家庭当前不在公示期内", "is not on public notice now"),
        "family.voting_off" => (
            "本县（市、区）未开启网络投票",
            "online voting is not open in this county",
        ),
        "family.voted_today" => ("今天已经投过票", "already voted today"),
        "family.vote_weight" => (
            "网络投票权重不能超过30%",
            "online votes may weigh at most 30%",
        ),
        "family.village" => ("须在村（社区）推荐", "must be a village or community"),
        "family.answered" => ("该异议已答复", "this objection is already answered"),
        "typical.not_county" => (
            "发布须经县级妇联批准",
            "needs the approval of the county federation",
        ),
        "supervision.one_lead" => (
            "只能有一个牵头单位（成员单位或下级妇联）",
            "must be one unit: a department or a federation below",
        ),
        "supervision.due_before_issue" => (
            "办结期限须晚于交办日期",
            "must be after the day the task was issued",
        ),
        "supervision.lead_is_co" => ("牵头单位不能同时为协办单位", "cannot include the lead unit"),
        "supervision.step" => (
            "当前状态不能办理此步骤",
            "cannot be taken at the task's present status",
        ),
        "supervision.own_review" => (
            "不能由督办责任人本人或报送人审核",
            "cannot be taken by the task's owner or by whoever reported it done",
        ),
        "chain.days" => ("应为1至365天", "must be from 1 to 365 days"),
        "chain.not_current" => (
            "不是当前待办环节",
            "is not the step to take now (the steps follow one another)",
        ),
        "chain.not_unit" => (
            "须由该环节的办理单位办理",
            "is the unit's of that step to take",
        ),
        "chain.attached" => ("已纳入该链条", "is already attached to this chain"),
        "supervision.not_unit" => ("须由承办单位办理", "is the unit's to take"),
        "supervision.not_issuer" => ("须由交办方办理", "is the issuer's to take"),
        "supervision.after_deadline" => (
            "延期须在办结期限届满前申请",
            "must be asked for before the deadline",
        ),
        "supervision.not_later" => (
            "须晚于原办结期限",
            "must be later than the present deadline",
        ),
        _ => ("不正确", "is not valid"),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_first_supported() {
        assert_eq!(
            Lang::from_accept_language("fr-FR,en-US;q=0.8,zh;q=0.5"),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("de"), Lang::Zh);
        assert_eq!(Lang::from_accept_language(""), Lang::Zh);
    }
}
