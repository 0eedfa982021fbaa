//! The words of the user interface, in Simplified Chinese (default) and English.
//! Every key a template or handler uses must be here; a test reads the templates to check it.

use jinguo_domain::Lang;

/// The text of `key` in `lang`; an unknown key shows itself (and fails the catalog test).
pub fn t(lang: Lang, key: &str) -> &'static str {
    match entry(key) {
        Some((zh, en)) => lang.pick(zh, en),
        None => "??",
    }
}

pub fn entry(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "app.name" => ("巾帼", "Jinguo"),
        "app.tagline" => ("妇女儿童权益保护工作平台", "Protecting women and children"),
        "nav.home" => ("首页", "Home"),
        "nav.skip" => ("跳到正文", "Skip to content"),
        "lang.switch" => ("English", "中文"),
        "punct.colon" => ("：", ": "),
        "lang.other" => ("en", "zh-CN"),
        "dashboard.title" => ("工作总览", "Overview"),
        "dashboard.empty" => (
            "还没有区划数据。请运行 jinguo demo 或 jinguo import places。",
            "No places are loaded yet. Run jinguo demo or jinguo import places.",
        ),
        "fig.townships" => ("街道（乡镇）", "Subdistricts"),
        "fig.villages" => ("村（社区）", "Villages / communities"),
        "fig.groups" => ("村（居）民小组", "Resident groups"),
        "fig.households" => ("户数", "Households"),
        "fig.executives" => ("执委", "Executive members"),
        "fig.representatives" => ("妇女代表", "Women's representatives"),
        "col.name" => ("名称", "Name"),
        "yes" => ("是", "yes"),
        "no" => ("否", "no"),
        "federation.title" => ("妇联组织", "Federation"),
        "federation.link" => ("妇联组织与成员", "Federation and members"),
        "federation.none" => (
            "尚未登记本级妇联组织。",
            "No federation is recorded for this place.",
        ),
        "federation.members" => ("在本级任职的成员", "Members serving here"),
        "federation.no_members" => ("没有成员。", "No members."),
        "federation.post" => ("职务", "Post"),
        "federation.term" => ("任期", "Term"),
        "federation.found" => ("登记妇联组织", "Record the federation"),
        "federation.name" => ("名称", "Name"),
        "federation.established_on" => ("成立日期", "Founded on"),
        "federation.add_member" => ("新增成员", "Add a member"),
        "federation.started_on" => ("任期开始", "Term starts"),
        "federation.term_ends_on" => ("任期结束", "Term ends"),
        "error.unavailable" => ("暂时无法保存", "Cannot save for now"),
        "error.unavailable.detail" => (
            "数据库暂时只读或存储空间已满，本次没有写入任何内容。查看不受影响；请稍后再试，或联系系统管理员。",
            "The database is read-only or out of space for now; nothing was written. Reading still works; try again later or tell the system administrator.",
        ),
        "export.xlsx" => ("导出 Excel（XLSX）", "Download as Excel (XLSX)"),
        "nav.imports" => ("导入", "Import"),
        "import.title" => ("导入户籍名册", "Import a household sheet"),
        "import.intro" => (
            "每行一人，同一户的行相邻：户编号、小组编码、家庭住址、姓名、身份证号、与户主关系（必填），性别、出生日期、联系电话（选填）。CSV（UTF-8 或 GB18030）或 XLSX。先检查，确认后才写入；同一文件再次导入不会重复。",
            "One row per person, the rows of a household together: household code, group code, address, name, ID number, relationship to the head (required); sex, birth date, phone (optional). CSV (UTF-8 or GB18030) or XLSX. It is checked first and written only when you confirm; importing the same file again adds nothing.",
        ),
        "import.check" => ("检查文件", "Check a file"),
        "import.kind" => ("文件内容", "The file holds"),
        "import.kind_households" => ("户籍名册（每行一人）", "households (one row per person)"),
        "import.kind_members" => (
            "成员与包保（每行一名成员）",
            "members and what they answer for (one row per member)",
        ),
        "import.intro_members" => (
            "成员与包保：姓名、职务（执委、妇女代表、家事调解员、巾帼志愿者）、区划代码、任期开始（必填），联系电话、任期结束、包保单位（下一级区划代码或户编号，用顿号分隔）（选填）。同一区划同名同职务的在任成员视为同一人。",
            "Members: name, post (executive, representative, mediator, volunteer), place code, start of term (required); phone, end of term, units answered for (codes one level down or household codes, separated by 、) (optional). A serving member of the same place, name and post is the same member.",
        ),
        "import.new_members" => ("新增成员", "New members"),
        "import.new_assignments" => ("新增包保", "New assignments"),
        "import.file" => ("文件", "File"),
        "import.check_submit" => ("检查", "Check"),
        "import.confirm" => ("确认导入", "Import now"),
        "import.done" => ("已导入。", "Imported."),
        "import.valid" => (
            "检查通过，尚未写入。请确认导入。",
            "No problem found; nothing is written yet. Confirm to import.",
        ),
        "import.refused" => (
            "发现问题，未写入任何数据。请修改文件后重新检查。",
            "Problems found; nothing was written. Correct the file and check it again.",
        ),
        "import.rows" => ("行数", "Rows"),
        "import.households" => ("户数", "Households"),
        "import.new_persons" => ("新增人员", "New persons"),
        "import.unchanged" => ("已登记（不变）", "Already registered"),
        "import.issues" => ("问题", "Problems"),
        "import.row" => ("行", "Row"),
        "import.column" => ("列", "Column"),
        "import.reason" => ("问题", "Problem"),
        "import.more" => ("未列出的问题：", "Problems not listed:"),
        "nav.campaigns" => ("排查走访", "Screening"),
        "campaigns.title" => ("矛盾纠纷排查", "Screening campaigns"),
        "campaigns.none" => ("还没有排查。", "No screening campaign yet."),
        "campaign.name" => ("排查名称", "Campaign"),
        "campaign.place" => ("范围", "Area"),
        "campaign.place_code" => ("范围（区划代码）", "Area (division code)"),
        "campaign.period" => ("时间", "Period"),
        "campaign.state" => ("状态", "State"),
        "campaign.open" => ("进行中", "open"),
        "campaign.closed" => ("已结束或未开始", "not open"),
        "campaign.new" => ("发起排查", "Open a campaign"),
        "campaign.starts_on" => ("开始日期", "Start date"),
        "campaign.ends_on" => ("结束日期", "End date"),
        "campaign.checklist" => ("排查事项", "Checklist"),
        "campaign.create" => ("发起", "Open campaign"),
        "campaign.progress" => ("排查进度", "Progress"),
        "progress.screened" => ("已排查户数", "Households screened"),
        "progress.overdue" => ("逾期未走访", "Overdue"),
        "progress.disputes" => ("纠纷（中/高）", "Disputes (medium/high)"),
        "progress.to_visit" => ("待走访的户", "Households to visit"),
        "progress.all_households" => ("全部户", "All households"),
        "risk.low" => ("低风险（蓝）", "Low (blue)"),
        "risk.medium" => ("中风险（黄）", "Medium (yellow)"),
        "risk.high" => ("高风险（红）", "High (red)"),
        "visit.heading" => ("排查走访", "Screening visits"),
        "visit.todo" => ("待走访", "to visit"),
        "visit.none" => ("还没有走访记录。", "No visit recorded yet."),
        "visit.none_left" => ("没有待走访的户。", "No household left to visit."),
        "visit.recorded" => ("走访已记录。", "The visit is recorded."),
        "visit.record" => ("记录走访", "Record a visit"),
        "visit.date" => ("走访日期", "Date of visit"),
        "visit.risk" => ("风险等级", "Risk level"),
        "visit.findings" => ("发现的问题", "Findings"),
        "visit.followup" => ("需跟进", "Follow-up"),
        "visit.followup_needed" => ("需要跟进", "Follow-up needed"),
        "visit.note" => ("情况说明", "Note"),
        "visit.submit" => ("提交走访记录", "Save the visit"),
        "visit.draft_note" => (
            "填写内容会保存在本机，网络中断后重新提交不会重复记录。",
            "What you enter is kept on this phone; submitting again after a lost connection does not record the visit twice.",
        ),
        "col.code" => ("代码", "Code"),
        "children.heading" => ("下级区划", "Places below"),
        "households.heading" => ("户列表", "Households"),
        "household.title" => ("户档案", "Household record"),
        "household.code" => ("户编号", "Household code"),
        "household.address" => ("住址", "Address"),
        "household.head" => ("户主", "Head of household"),
        "household.persons" => ("人数", "Persons"),
        "household.open" => ("查看", "Open"),
        "persons.heading" => ("家庭成员", "Members of the household"),
        "person.name" => ("姓名", "Name"),
        "person.sex" => ("性别", "Sex"),
        "person.age" => ("年龄", "Age"),
        "person.birth_date" => ("出生日期", "Birth date"),
        "person.id_number" => ("公民身份号码", "Resident ID number"),
        "person.phone" => ("手机号码", "Mobile number"),
        "person.relationship" => ("与户主关系", "Relationship to head"),
        "person.add" => ("登记家庭成员", "Add a member of the household"),
        "person.added" => ("已登记。", "Saved."),
        "form.save" => ("保存", "Save"),
        "form.choose" => ("请选择", "Choose"),
        "form.errors" => ("请修改以下内容：", "Please correct the following:"),
        "form.optional" => ("选填", "optional"),
        "mask.note" => ("个人信息已脱敏显示。", "Personal data is shown masked."),
        "page.of" => ("页，共", "of"),
        "page.page" => ("第", "Page"),
        "page.prev" => ("上一页", "Previous"),
        "page.next" => ("下一页", "Next"),
        "sex.male" => ("男", "male"),
        "sex.female" => ("女", "female"),
        "error.validation" => ("输入有误", "Some input is not valid"),
        "error.not_found" => ("未找到", "Not found"),
        "error.method_not_allowed" => ("不支持该请求方法", "Method not allowed"),
        "find.label" => ("按身份证号查找户", "Find a household by ID number"),
        "find.submit" => ("查找", "Find"),
        "error.not_found.detail" => (
            "您要找的内容不存在，或不在您的权限范围内。",
            "What you are looking for does not exist, or is outside what you may see.",
        ),
        "error.conflict" => ("记录已被他人修改", "The record was changed by someone else"),
        "error.conflict.detail" => (
            "这条记录在您编辑期间已被他人修改，您的内容未保存。请刷新后重新提交。",
            "Someone else changed this record while you were editing; nothing was saved. Reload and submit again.",
        ),
        "error.forbidden" => ("拒绝请求", "Request refused"),
        "error.forbidden.detail" => ("您的角色不能进行此操作。", "Your role does not allow this."),
        "error.unauthenticated" => ("请先登录", "Please log in"),
        "error.rate_limited" => (
            "操作过于频繁，请稍后再试",
            "Too many requests; please wait a while",
        ),
        "login.title" => ("登录", "Log in"),
        "login.username" => ("用户名", "Username"),
        "login.password" => ("密码", "Password"),
        "login.submit" => ("登录", "Log in"),
        "login.failed" => (
            "用户名或密码不正确，或账号已被锁定。连续5次错误将锁定30分钟。",
            "Wrong username or password, or the account is locked. Five failures in a row lock it for 30 minutes.",
        ),
        "login.idle" => (
            "为保护信息安全，闲置15分钟后会自动退出。",
            "For safety you are logged out after 15 minutes without activity.",
        ),
        "logout" => ("退出", "Log out"),
        "password.title" => ("修改密码", "Change your password"),
        "password.must" => (
            "首次登录或密码重置后须先修改密码。",
            "Please set a new password before you go on.",
        ),
        "password.old" => ("原密码", "Current password"),
        "password.new" => ("新密码", "New password"),
        "password.rule" => (
            "至少10个字符，包含大写字母、小写字母、数字、其他字符中的至少三类。",
            "At least 10 characters, mixing at least three of: upper-case, lower-case, digits, other characters.",
        ),
        "totp.title" => ("双因素验证", "Second factor"),
        "totp.enrol" => (
            "管理员账号须使用动态验证码。请在手机验证器应用中添加以下密钥，然后输入显示的6位验证码。",
            "Administrator accounts need a one-time code. Add this key to an authenticator app on your phone, then enter the 6-digit code it shows.",
        ),
        "totp.enter" => (
            "请输入验证器应用显示的6位验证码。",
            "Enter the 6-digit code your authenticator app shows.",
        ),
        "totp.code" => ("验证码", "Code"),
        "totp.key" => ("密钥", "Key"),
        "reveal.title" => ("查看完整信息", "Show full details"),
        "reveal.reason" => (
            "查看原因（将记入审计日志）",
            "Reason (recorded in the audit log)",
        ),
        "reveal.submit" => ("查看", "Show"),
        "reveal.shown" => (
            "以下为完整信息，本次查看已记入审计日志。",
            "Full details are shown; this view is recorded in the audit log.",
        ),
        "audit.title" => ("审计日志", "Audit log"),
        "audit.at" => ("时间", "Time"),
        "audit.actor" => ("操作人", "Who"),
        "audit.action" => ("操作", "Action"),
        "audit.target" => ("对象", "Target"),
        "audit.reason" => ("理由", "Reason"),
        "audit.ip" => ("来源", "From"),
        "audit.search" => ("查询", "Search"),
        "audit.chain" => ("日志链校验", "Chain check"),
        "audit.intact" => ("完整，未被篡改", "intact, nothing changed"),
        "audit.broken" => ("发现篡改或删除，位置", "changed or deleted entry at"),
        "admin.title" => ("账号与授权", "Accounts and roles"),
        "admin.accounts" => ("账号", "Accounts"),
        "admin.display_name" => ("显示名称", "Display name"),
        "admin.roles" => ("角色@范围", "Roles @ scope"),
        "admin.state" => ("状态", "State"),
        "admin.locked" => ("已锁定", "locked"),
        "admin.active" => ("正常", "active"),
        "admin.create" => ("新建账号", "Create an account"),
        "admin.created" => (
            "账号已创建，首次登录须修改密码。",
            "Account created; the password must be changed at first login.",
        ),
        "admin.temporary_password" => ("临时密码", "Temporary password"),
        "admin.grant" => ("授予角色", "Grant a role"),
        "admin.granted" => ("已授予。", "Granted."),
        "admin.link" => (
            "关联成员（妇女代表）",
            "Link to a member (women's representative)",
        ),
        "admin.member_id" => ("成员编号", "Member id"),
        "admin.link_note" => (
            "成员编号见包保覆盖情况导出的 Excel。妇女代表账号关联后只能看到她包保的户。",
            "Member ids are in the coverage workbook. A linked representative's account sees the households she answers for.",
        ),
        "admin.link_submit" => ("关联", "Link"),
        "admin.linked" => ("已关联。", "Linked."),
        "admin.emergencies" => ("紧急授权记录", "Emergency access"),
        "admin.place" => ("范围", "Scope"),
        "admin.place_code" => ("区划代码", "Division code"),
        "admin.until" => ("截止", "Until"),
        "role.label" => ("角色", "Role"),
        "nav.admin" => ("账号管理", "Accounts"),
        "nav.audit" => ("审计日志", "Audit log"),
        "nav.emergency" => ("紧急授权", "Emergency access"),
        "emergency.title" => ("紧急授权（破窗访问）", "Emergency access (break the glass)"),
        "emergency.explain" => (
            "仅在紧急情况下查看职责范围以外的信息。须说明理由，限时有效，全程记入审计日志并报安全管理员。",
            "Only in an emergency: see a place outside your scope. A reason is required, access ends by itself, and everything is recorded and shown to the security administrator.",
        ),
        "emergency.minutes" => ("时长（分钟，最多240）", "Duration (minutes, at most 240)"),
        "emergency.submit" => ("申请紧急授权", "Open emergency access"),
        "emergency.granted" => ("紧急授权已生效，截止", "Emergency access open until"),
        "consent.title" => ("登记知情同意", "Record a consent"),
        "consent.purpose" => ("用途", "Purpose"),
        "consent.sensitive_data" => ("处理敏感个人信息", "Processing sensitive personal data"),
        "consent.share_departments" => ("与成员单位共享", "Sharing with member departments"),
        "consent.publish" => (
            "公开发布（如典型案例、家庭故事）",
            "Publication (typical case, family story)",
        ),
        "consent.basis" => ("依据", "Legal basis"),
        "consent.consent" => (
            "本人（或监护人）单独同意",
            "Separate consent of the person (or guardian)",
        ),
        "consent.legal_obligation" => ("履行法定职责", "Legal duty"),
        "consent.vital_interest" => (
            "紧急情况下保护生命健康",
            "Protecting life and health in an emergency",
        ),
        "consent.guardian" => ("监护人姓名", "Guardian's name"),
        "consent.guardian_note" => ("未满14周岁时必填", "required under 14"),
        "consent.recorded" => ("已登记知情同意。", "Consent recorded."),
        "coverage.title" => ("包保覆盖", "Coverage"),
        "coverage.link" => ("查看包保覆盖情况", "See who answers for what (coverage)"),
        "coverage.complete" => (
            "组不漏户、户不漏人：每个单位、每户都有人包保。",
            "Every unit and every household has someone answering for it.",
        ),
        "coverage.gaps" => ("存在包保空白，见下表。", "There are gaps; see below."),
        "coverage.units" => ("无人包保的单位", "Units nobody answers for"),
        "coverage.households" => (
            "无妇女代表包保的户",
            "Households without a women's representative",
        ),
        "coverage.members" => ("本级及以下成员", "Members here and below"),
        "coverage.units_held" => ("包保数", "Answers for"),
        "coverage.leave" => ("离任", "Leaves"),
        "coverage.by_unit" => ("下一级各单位", "By unit one level down"),
        "coverage.successor" => ("接替人", "Successor"),
        "coverage.handover" => ("离任并移交", "Leave and hand over"),
        "coverage.balance" => (
            "在本组妇女代表间均衡分配户",
            "Balance households across the group's representatives",
        ),
        "coverage.assign" => ("批量包保", "Assign in bulk"),
        "coverage.member" => ("成员", "Member"),
        "coverage.units_codes" => (
            "单位代码（执委：下一级区划代码；妇女代表：户编号），每行一个",
            "Unit codes (executive: division codes one level down; representative: household codes), one per line",
        ),
        "coverage.assign_submit" => ("包保", "Assign"),
        "coverage.done" => ("已保存。", "Saved."),
        "coverage.left" => (
            "已离任，其包保的单位和户已列为空白。",
            "Done: what she answered for now shows as a gap.",
        ),
        "cov.members" => ("成员", "Members"),
        "cov.units" => ("无人包保单位", "Units without anyone"),
        "cov.households" => ("无代表包保的户", "Households without a representative"),
        "cov.idle" => ("无包保任务的成员", "Members answering for nothing"),
        "cov.overloaded" => ("包保过多的成员", "Members answering for too much"),
        "nav.signed_in" => ("当前用户", "Signed in as"),
        "error.internal" => (
            "系统暂时出错，请稍后再试",
            "Something went wrong; please try again later",
        ),
        "error.back" => ("返回首页", "Back to the overview"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_in_the_templates_is_in_the_catalog() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for part in text.split("tr(\"").skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                seen += 1;
                if super::entry(key).is_none() {
                    missing.push(format!("{}: {key}", entry.path().display()));
                }
            }
        }
        assert!(seen > 20, "templates not found or not using tr(): {seen}");
        assert!(missing.is_empty(), "missing UI strings: {missing:?}");
    }

    #[test]
    fn both_languages_differ_and_are_non_empty() {
        for key in ["app.name", "fig.households", "error.conflict.detail"] {
            let (zh, en) = entry(key).unwrap_or_default();
            assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{key}");
        }
    }
}
