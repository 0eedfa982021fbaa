//! The Anning demo: Anning's real division codes and a deterministic population shaped like the
//! reference figures (9 subdistricts, 102 village/community committees, 517 resident groups,
//! 150,551 households of 2–4 persons, 33 + 289 + 1,618 executives, 3,214 women's representatives).
//! The same seed gives the same data, ids included.

use crate::places::new_place;
use crate::sealed::aad;
use crate::{ServiceError, Services};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use jinguo_crypto::Keyring;
use jinguo_domain::account::Role;
use jinguo_domain::person::{Relationship, Sex};
use jinguo_domain::phone::Mobile;
use jinguo_domain::place::{PlaceCode, PlaceLevel};
use jinguo_domain::resident_id::ResidentId;
use jinguo_domain::screening::{Item, Risk};
use jinguo_storage::assignment::{self as astore, NewAssignment};
use jinguo_storage::household::{self as hstore, NewHousehold, NewPerson};
use jinguo_storage::member::{self as mstore, NewMember};
use jinguo_storage::place::{self as pstore};
use jinguo_storage::{DbConn, db_tx};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

mod current;
pub mod opinion;
pub use current::{campaign_name, term_end};

/// Anning's places: province, prefecture, county, 9 subdistricts, 102 villages/communities.
pub const ANNING_PLACES: &str = include_str!("../facts/anning-places.csv");
pub const ANNING: &str = "530181";

/// The password of every demo account (the demo listens on this machine only).
pub const DEMO_PASSWORD: &str = "Anning-2021-demo";

/// One of the demo's accounts, as the command line lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    /// The place code of its grant.
    pub place: String,
    /// The place's name, a resident group's with its village's (`文化路社区居委会第1居民小组`).
    pub place_name: String,
}

impl DemoAccount {
    /// The line the command line prints for it: name, role, place code and name.
    pub fn line(&self) -> String {
        format!(
            "  {:<10} {} @ {} {}",
            self.username,
            self.role.label(jinguo_domain::Lang::Zh),
            self.place,
            self.place_name
        )
    }
}

/// The resident group of the demo's women's representative `daibiao`.
pub const REPRESENTATIVE_GROUP: &str = "530181001001001";

/// The demo's accounts: (username, display name, role, place code).
pub const DEMO_ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    ("anning", "安宁市妇联", Role::Staff, "530181"),
    ("lianran", "连然街道妇联", Role::Staff, "530181001"),
    ("wenhua", "文化路社区妇联", Role::Staff, "530181001001"),
    (
        "daibiao",
        "文化路社区第1组妇女代表",
        Role::Representative,
        REPRESENTATIVE_GROUP,
    ),
    (
        "tiaojie",
        "文化路社区家事调解员",
        Role::Mediator,
        "530181001001",
    ),
    ("jingcha", "市公安局反家暴联络员", Role::Liaison, "530181"),
    (
        "yuqing",
        "安宁市妇联舆情值班员",
        Role::OpinionOfficer,
        "530181",
    ),
    ("sysadmin", "系统管理员", Role::SystemAdmin, "530181"),
    ("secadmin", "安全管理员", Role::SecurityAdmin, "530181"),
    ("auditor", "审计管理员", Role::AuditAdmin, "530181"),
];

/// The shape of the demo data set (the reference figures of 2021).
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub groups: u32,
    pub households: u32,
    pub city_executives: u32,
    pub subdistrict_executives: u32,
    pub village_executives: u32,
    pub representatives: u32,
    /// Households visited by the year's screening campaign …
    pub screened: u32,
    /// … and, among them, those graded medium risk (each opens a dispute).
    pub medium_risks: u32,
    /// Family mediators jointly appointed with the court: one at every village federation, and
    /// at every subdistrict a team of a woman lawyer and a federation executive (the "three full
    /// coverages").
    pub mediation_teams: bool,
    /// The care records of 2021: 1,203 women's health checks, 3,052 green channels, 612
    /// children's wishes fulfilled, 120 "bring love home" events reaching 3,632 children.
    pub care: bool,
    /// Besides 2021, the current year up to today (`current` module): a campaign open all year
    /// with its visits, disputes at every stage, care services, wishes open for donors, events;
    /// and members' terms running on to the end of the term they serve today.
    pub current: bool,
}

/// The demo's screening campaign of 2021.
pub const CAMPAIGN_2021: &str = "2021年婚姻家庭矛盾纠纷排查";

pub const ANNING_2021: Shape = Shape {
    groups: 517,
    households: 150_551,
    city_executives: 33,
    subdistrict_executives: 289,
    village_executives: 1_618,
    representatives: 3_214,
    screened: 59_692,
    medium_risks: 23,
    mediation_teams: true,
    care: true,
    current: true,
};

/// A small data set of the same shape (20 groups, 600 households), for trying things out and for
/// tests that need a running server with a little of everything.
pub const SMALL: Shape = Shape {
    groups: 20,
    households: 600,
    city_executives: 3,
    subdistrict_executives: 18,
    village_executives: 40,
    representatives: 60,
    screened: 240,
    medium_risks: 3,
    mediation_teams: false,
    care: false,
    current: false,
};

/// The small data set with the current year, as `jinguo demo --small` makes it.
pub const SMALL_CURRENT: Shape = Shape {
    current: true,
    ..SMALL
};

#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    pub created: bool,
    pub places: u64,
    pub households: u64,
    pub persons: u64,
    pub members: u64,
    /// Screening visits of 2021 …
    pub visits: u64,
    /// … and of the current year.
    pub visits_this_year: u64,
}

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    fn uuid(&mut self, ms: u64) -> Uuid {
        let bytes = self.next().to_le_bytes();
        let more = self.next().to_le_bytes();
        let mut r = [0u8; 10];
        r[..8].copy_from_slice(&bytes);
        r[8..].copy_from_slice(&more[..2]);
        uuid::Builder::from_unix_timestamp_millis(ms, &r).into_uuid()
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "程", "曹", "袁",
    "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶",
    "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭", "廖",
    "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "段", "普", "李", "杨", "字", "者", "毕", "尹",
];
const FEMALE: &[&str] = &[
    "芳", "丽", "娟", "敏", "静", "秀", "霞", "燕", "艳", "玲", "红", "梅", "琼", "兰", "萍", "慧",
    "婷", "雪", "颖", "琳", "丹", "倩", "佳", "莉", "凤", "英", "华", "云", "春", "桂", "蓉", "洁",
    "璐", "欣", "怡", "彤",
];
const MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "波",
    "斌", "宇", "浩", "凯", "健", "俊", "帆", "林", "峰", "建", "国", "文", "成", "志", "海", "亮",
    "东", "荣", "江", "龙",
];
/// Birth places of ID numbers: mostly Anning, some from elsewhere in Yunnan and beyond.
const ADDRESS_CODES: &[u32] = &[
    530181, 530181, 530181, 530181, 530181, 530181, 530102, 530111, 530124, 532301, 532501, 510106,
];

struct Generator {
    rng: Rng,
    ref_date: NaiveDate,
    ms: u64,
    used_seq: HashMap<(u32, NaiveDate, bool), u16>,
}

impl Generator {
    fn name(&mut self, surname: Option<&str>, sex: Sex) -> String {
        let s = surname
            .map(str::to_string)
            .unwrap_or_else(|| self.rng.pick(SURNAMES).to_string());
        let pool = if sex == Sex::Female { FEMALE } else { MALE };
        let first = *self.rng.pick(pool);
        if self.rng.below(3) == 0 {
            format!("{s}{first}")
        } else {
            format!("{s}{}{first}", self.rng.pick(pool))
        }
    }

    fn birth(&mut self, min_age: i64, max_age: i64) -> NaiveDate {
        let days = min_age * 365 + self.rng.below(((max_age - min_age).max(1) * 365) as u64) as i64;
        self.ref_date - Duration::days(days)
    }

    /// A resident ID unique within the data set: the sequence is counted per birth place, birth
    /// date and sex (odd for men, even for women).
    fn id_number(&mut self, birth: NaiveDate, sex: Sex) -> ResidentId {
        let mut address = *self.rng.pick(ADDRESS_CODES);
        loop {
            let k = self
                .used_seq
                .entry((address, birth, sex == Sex::Male))
                .or_insert(0);
            if *k < 499 {
                *k += 1;
                let seq = *k * 2 - u16::from(sex == Sex::Male);
                return ResidentId::compose(address, birth, seq);
            }
            address += 1;
        }
    }

    fn phone(&mut self) -> String {
        let second = [3u8, 5, 7, 8, 8, 9][self.rng.below(6) as usize];
        Mobile::compose(second, self.rng.next())
            .as_str()
            .to_string()
    }

    fn uuid(&mut self) -> Uuid {
        self.ms += 1;
        self.rng.uuid(self.ms)
    }
}

/// Splits `total` over `n` parts as evenly as possible, the larger parts first.
pub fn spread(total: u32, n: usize) -> Vec<u32> {
    if n == 0 {
        return Vec::new();
    }
    let base = total / n as u32;
    let extra = (total % n as u32) as usize;
    (0..n).map(|i| base + u32::from(i < extra)).collect()
}

impl Services {
    /// Creates the Anning demo unless it is already there. One transaction: a crash half-way
    /// leaves nothing behind, and the next run starts again.
    pub async fn ensure_demo(&self, seed: u64) -> Result<DemoReport, ServiceError> {
        self.ensure_demo_shaped(seed, ANNING_2021).await
    }

    /// The same, in another shape (smaller data sets for tests, larger ones for benchmarks).
    pub async fn ensure_demo_shaped(
        &self,
        seed: u64,
        shape: Shape,
    ) -> Result<DemoReport, ServiceError> {
        if !pstore::counties_with_households(&self.db, 1)
            .await?
            .is_empty()
        {
            return Ok(DemoReport::default());
        }
        let operator = crate::Caller::operator();
        let keys = self.keys.get();
        // One transaction writes every person: her blind indexes are built after the rows (a
        // sort, not random inserts into indexes larger than the page cache).
        let report = db_tx!(&self.db, tx => {
            jinguo_storage::household::drop_person_blind_indexes(tx).await?;
            let r = generate(tx, seed, shape, &keys).await?;
            jinguo_storage::household::create_person_blind_indexes(tx).await?;
            crate::audit::record(tx, &self.keys, &operator, crate::audit::Record::new("demo.create")
                .detail(format!("seed={seed} households={}", r.households))).await?;
            Ok::<DemoReport, ServiceError>(r)
        })?;
        Ok(report)
    }

    /// A screening campaign open today over the whole county (this month and the next), unless
    /// one is open already, so that the demo's representative has households to visit.
    pub async fn ensure_demo_campaign(&self) -> Result<(), ServiceError> {
        let today = crate::clock::today();
        let open = jinguo_storage::screening::campaigns(&self.db)
            .await?
            .iter()
            .any(|c| c.starts_on <= today && today <= c.ends_on && c.place_code == ANNING);
        if open {
            return Ok(());
        }
        let first = today.with_day(1).unwrap_or(today);
        let after_next = first
            .checked_add_months(chrono::Months::new(2))
            .unwrap_or(today);
        let input = jinguo_domain::screening::CampaignInput {
            name: format!("{}年{}月婚姻家庭矛盾纠纷排查", today.year(), today.month()),
            place: ANNING.into(),
            starts_on: first.to_string(),
            ends_on: (after_next - Duration::days(1)).to_string(),
            checklist: Item::ALL.iter().map(|i| i.key().to_string()).collect(),
        };
        self.create_campaign(&crate::Caller::operator(), &input)
            .await?;
        Ok(())
    }

    /// For trying out and measuring a representative at her most (`jinguo demo
    /// --representative-households N`, `jinguo bench worklist`): the representative `member` of
    /// the resident group `group` answers for its first `n` households (by code), taken over from
    /// her colleagues, and what she answered for before goes to a colleague. A group holding
    /// fewer than `n` households, or with no other representative, is refused and nothing
    /// changes.
    pub async fn demo_hand_households(
        &self,
        group: &str,
        member: Uuid,
        n: i64,
    ) -> Result<u64, ServiceError> {
        let colleague = mstore::at_place(&self.db, group, "representative")
            .await?
            .into_iter()
            .find(|m| *m != member);
        let Some(colleague) = colleague else {
            return Err(crate::error::invalid("member", "invalid"));
        };
        let ids = astore::first_households(&self.db, group, n).await?;
        if (ids.len() as i64) < n {
            return Err(crate::error::invalid("households", "out_of_range"));
        }
        let county = group.get(..6).unwrap_or(group);
        db_tx!(&self.db, tx => astore::hand_over(tx, county, member, colleague, &ids).await)?;
        Ok(ids.len() as u64)
    }

    /// The demo's accounts, one per kind of user, created once.
    pub async fn ensure_demo_accounts(&self) -> Result<Vec<DemoAccount>, ServiceError> {
        let operator = crate::Caller::operator();
        let mut out = Vec::new();
        for (username, name, role, place) in DEMO_ACCOUNTS {
            let mut place_name = String::new();
            let mut code = Some(PlaceCode::parse(place).map_err(|_| ServiceError::NotFound)?);
            while let Some(c) =
                code.filter(|c| c.level() >= PlaceLevel::Village || place_name.is_empty())
            {
                if let Some(p) = pstore::get(&self.db, c.as_str()).await? {
                    place_name.insert_str(0, &p.name);
                }
                code = c.parent();
            }
            out.push(DemoAccount {
                username: username.to_string(),
                role: *role,
                place: place.to_string(),
                place_name,
            });
            if jinguo_storage::account::by_username(&self.db, username)
                .await?
                .is_some()
            {
                continue;
            }
            let a = crate::accounts::NewAccount {
                username: username.to_string(),
                display_name: name.to_string(),
                password: DEMO_PASSWORD.to_string(),
                role: Some(*role),
                place: place.to_string(),
            };
            self.create_account(&operator, &a).await?;
            // The city federation may take its registers out in clear (a right of its own).
            if *username == "anning" {
                self.grant_role(&operator, username, Role::ClearExport, place)
                    .await?;
            }
            if *role == Role::Mediator {
                self.ensure_demo_mediation(username).await?;
            }
            if *role == Role::Liaison {
                self.ensure_demo_linkage(username).await?;
            }
            if *role == Role::OpinionOfficer {
                self.ensure_demo_opinion().await?;
            }
            // The representative's account is the first representative of her group.
            if *role == Role::Representative
                && let Some(m) = mstore::at_place(&self.db, place, "representative")
                    .await?
                    .first()
            {
                self.link_member(&operator, username, *m).await?;
            }
        }
        Ok(out)
    }
}

impl Services {
    /// The demo's public opinion: Anning's keyword scheme (two rules), a monitoring service's
    /// webhook, and items of today — a report by 文化路社区's representative, one from the
    /// hotline, two reposts of one post — grouped into topics, one judged with its clock running.
    async fn ensure_demo_opinion(&self) -> Result<(), ServiceError> {
        use crate::opinion::{Incoming, Ingested, RuleInput, SourceInput, StepInput};
        let operator = crate::Caller::operator();
        for (name, subject, event, category, grade) in [
            (
                "家庭暴力",
                "女子 妇女 妻子 儿媳",
                "殴打 家暴 打伤 虐待",
                "domestic_violence",
                "2",
            ),
            (
                "儿童失踪",
                "女童 男童 孩子 儿童",
                "走失 失踪 拐走",
                "missing_child",
                "1",
            ),
        ] {
            let rule = RuleInput {
                name: name.into(),
                subject_words: subject.into(),
                event_words: event.into(),
                exclude_words: "电视剧 小说".into(),
                category: category.into(),
                min_grade: grade.into(),
                ..RuleInput::default()
            };
            self.add_rule(&operator, ANNING, &rule).await?;
        }
        self.add_source(
            &operator,
            ANNING,
            &SourceInput {
                kind: "webhook".into(),
                name: "舆情监测服务".into(),
                ..SourceInput::default()
            },
        )
        .await?;
        let report = |title: &str, body: &str, place: &str| Incoming {
            title: title.into(),
            body: body.into(),
            place: Some(place.into()),
            ..Incoming::default()
        };
        let post = "网友发帖称，连然街道文化路社区一名女子长期遭丈夫殴打，邻居多次听到呼救，\
            希望妇联和社区关注。帖子下有多人留言表示曾见到该女子身上有伤。";
        let first = self
            .report_item(
                &operator,
                false,
                &report("网帖：文化路社区女子疑遭家暴", post, "530181001001"),
            )
            .await?;
        self.report_item(
            &operator,
            false,
            &report("转发：文化路社区女子疑遭家暴", post, "530181001001"),
        )
        .await?;
        self.report_item(
            &operator,
            true,
            &report(
                "12338来电：咨询离婚后子女抚养",
                "来电人咨询离婚后子女抚养费的约定和变更，已解答并告知可申请家事调解。",
                "530181001",
            ),
        )
        .await?;
        self.report_item(
            &operator,
            false,
            &report(
                "群众反映：公园有孩子走失",
                "傍晚有群众在公园反映一名女童与家人走散，经民警和志愿者寻找已找到，女童平安。",
                "530181",
            ),
        )
        .await?;
        if let Ingested::New { topic, .. } = first {
            let v = self
                .topic(&operator, topic, jinguo_domain::Lang::Zh)
                .await?;
            self.topic_step(
                &operator,
                topic,
                &StepInput {
                    step: "judge".into(),
                    expected_version: v.version,
                    category: "domestic_violence".into(),
                    grade: "2".into(),
                    note: "社区妇联已上门核实，需与公安联动处置".into(),
                    ..StepInput::default()
                },
            )
            .await?;
        }
        Ok(())
    }

    /// The demo's linkage: Anning's 19 departments (8 in the 24-hour linkage), the police's
    /// liaison account, and two cases of 连然街道 registered by its federation: one referred to
    /// the police and waiting for acknowledgement, one with a protection order in force and a
    /// warning letter whose follow-up visit is due.
    async fn ensure_demo_linkage(&self, username: &str) -> Result<(), ServiceError> {
        use jinguo_domain::linkage::{CaseInput, EventInput, InstrumentInput, ReferralInput};
        let operator = crate::Caller::operator();
        self.ensure_departments(&operator, ANNING).await?;
        self.set_liaison(&operator, ANNING, "police", username, "liaison")
            .await?;
        let today = crate::clock::today();
        let now = crate::clock::now();
        let federation = self.caller_of_username("lianran").await?;
        let case = |victim: &str, narrative: &str, factors: &[&str]| CaseInput {
            victim_name: victim.into(),
            abuser_name: "（未提供）".into(),
            relationship: "丈夫".into(),
            violence: vec!["physical".into(), "psychological".into()],
            severity: "serious".into(),
            risk_factors: factors.iter().map(|f| f.to_string()).collect(),
            children: 1,
            source: "hotline".into(),
            received_on: today.to_string(),
            narrative: narrative.into(),
            consent_to_share: true,
            ..Default::default()
        };
        // Her phone goes to the police with her consent: the liaison calls her back on it.
        let first = self
            .register_case(
                &federation,
                "530181001001",
                &CaseInput {
                    victim_phone: "13987120338".into(),
                    ..case(
                        "王某",
                        "来电称丈夫酒后殴打，已离家暂住娘家。",
                        &["escalating", "substance"],
                    )
                },
            )
            .await?;
        let referral = ReferralInput {
            department: "police".into(),
            requests: vec!["protection".into(), "investigation".into()],
            shared: vec!["victim".into(), "contact".into()],
            basis: "consent".into(),
            note: "请核查并视情出具告诫书。".into(),
            ..Default::default()
        };
        self.refer(&federation, first, &referral).await?;
        let second = self
            .register_case(
                &federation,
                "530181001002",
                &case(
                    "李某",
                    "长期遭受殴打，曾被掐脖子，已申请保护令。",
                    &["strangling"],
                ),
            )
            .await?;
        let order = self
            .add_instrument(
                &federation,
                second,
                &InstrumentInput {
                    instrument: "protection_order".into(),
                    started_at: Some(now - chrono::Duration::days(3)),
                    urgent: true,
                    party: "federation".into(),
                    ..Default::default()
                },
            )
            .await?;
        let granted = EventInput {
            event: "granted".into(),
            on: (today - chrono::Duration::days(2)).to_string(),
            valid_until: (today + chrono::Duration::days(150)).to_string(),
            note: "法院裁定禁止被申请人接近申请人。".into(),
        };
        self.add_event(&federation, order, 1, &granted).await?;
        self.add_instrument(
            &federation,
            second,
            &InstrumentInput {
                instrument: "warning_letter".into(),
                started_at: Some(now - chrono::Duration::days(80)),
                reference: "安公（家）告字〔2026〕第017号".into(),
                ..Default::default()
            },
        )
        .await?;
        // A case of another subdistrict, received on a school's mandatory report twelve days
        // ago, referred today to the civil affairs bureau for shelter and, urgently, to the
        // education bureau for the child's schooling: two acknowledgements waiting.
        let third = self
            .register_case(
                &operator,
                "530181002",
                &CaseInput {
                    received_on: (today - chrono::Duration::days(12)).to_string(),
                    source: "mandatory_report".into(),
                    ..case(
                        "赵某",
                        "学校报告学生母亲长期遭受殴打，母子需临时安置。",
                        &["escalating"],
                    )
                },
            )
            .await?;
        for (department, request, urgent) in [
            ("civil_affairs", "shelter", false),
            ("education", "schooling", true),
        ] {
            let referral = ReferralInput {
                department: department.into(),
                requests: vec![request.into()],
                shared: vec!["victim".into()],
                basis: "consent".into(),
                urgent,
                ..Default::default()
            };
            self.refer(&operator, third, &referral).await?;
        }
        Ok(())
    }

    /// The demo's mediator account: a family mediator (a volunteer) at 文化路社区 linked to the
    /// account, and one dispute from the 12338 hotline, accepted and assigned to her.
    async fn ensure_demo_mediation(&self, username: &str) -> Result<(), ServiceError> {
        use jinguo_domain::member::MemberInput;
        let operator = crate::Caller::operator();
        let member = |name: &str| MemberInput {
            name: name.into(),
            role: "mediator".into(),
            started_on: "2021-01-01".into(),
            ..Default::default()
        };
        let village = self
            .add_member(&operator, "530181001001", &member("李敏"))
            .await?;
        self.link_member(&operator, username, village).await?;
        let profile = crate::mediation::MediatorProfileInput {
            kind: "volunteer".into(),
            woman: true,
            court_appointed: true,
        };
        self.set_mediator_profile(&operator, village, &profile)
            .await?;
        let intake = jinguo_domain::mediation::IntakeInput {
            kind: "elder_support".into(),
            source: "hotline".into(),
            risk: "medium".into(),
            received_on: crate::clock::today().to_string(),
            parties: vec![
                jinguo_domain::mediation::PartyInput::named("王秀英", "母亲"),
                jinguo_domain::mediation::PartyInput::named("张建国", "儿子"),
            ],
            narrative: "来电反映儿子近三个月未支付赡养费，双方多次争吵，希望妇联调解。".into(),
            consent: true,
            simplified: false,
        };
        let d = self
            .register_dispute(&operator, "530181001001", &intake, true)
            .await?;
        for (step, version) in [("accept", 1), ("assign", 2)] {
            let input = crate::mediation::StepInput {
                step: step.into(),
                expected_version: version,
                mediator_id: Some(village),
                ..Default::default()
            };
            self.dispute_step(&operator, d.id, &input).await?;
        }
        Ok(())
    }
}

/// A person of the demo in clear, until [`seal_persons`] seals her.
struct PlainPerson {
    id: Uuid,
    household_id: Uuid,
    path: String,
    name: String,
    sex: Sex,
    birth_date: NaiveDate,
    id_number: ResidentId,
    phone: Option<String>,
    relationship: Relationship,
}

/// A group's persons being sealed.
type SealedPersons = tokio::task::JoinHandle<Result<Vec<NewPerson>, ServiceError>>;

/// Seals persons as the services do (each value bound to its row and column under the active
/// key; the blind indexes of the ID number and the name) on a thread of its own.
fn seal_persons(keys: &Arc<Keyring>, plain: Vec<PlainPerson>) -> SealedPersons {
    let keys = Arc::clone(keys);
    tokio::task::spawn_blocking(move || {
        plain
            .into_iter()
            .map(|p| {
                let id_number_index = keys.blind_index("id_number", p.id_number.as_str());
                crate::sealed::new_person(
                    &keys,
                    crate::sealed::PersonFields {
                        id: p.id,
                        county_code: ANNING.into(),
                        household_id: p.household_id,
                        path: p.path,
                        name: &p.name,
                        sex: p.sex,
                        birth_date: p.birth_date,
                        id_number: p.id_number.as_str(),
                        id_number_index,
                        phone: p.phone.as_deref(),
                        relationship: p.relationship,
                    },
                )
            })
            .collect()
    })
}

/// Writes persons once they are sealed.
async fn write_persons(
    tx: &mut DbConn<'_>,
    sealing: Option<SealedPersons>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let Some(sealing) = sealing else {
        return Ok(());
    };
    let persons = sealing
        .await
        .map_err(|e| ServiceError::Internal(format!("the demo's sealing stopped: {e}")))??;
    hstore::insert_persons(tx, &persons, now).await?;
    Ok(())
}

async fn generate(
    tx: &mut DbConn<'_>,
    seed: u64,
    shape: Shape,
    keys: &Arc<Keyring>,
) -> Result<DemoReport, ServiceError> {
    let seal = |table: &str, column: &str, id: &Uuid, plain: &str| {
        keys.encrypt(plain, &aad(table, column, id))
            .map_err(|e| ServiceError::Internal(format!("field encryption: {e}")))
    };
    let now: DateTime<Utc> = crate::clock::now();
    let ref_date = NaiveDate::from_ymd_opt(2021, 12, 31).unwrap_or_default();
    let mut g = Generator {
        rng: Rng(seed),
        ref_date,
        ms: 1_640_966_400_000, // 2022-01-01T00:00:00+08:00
        used_seq: HashMap::new(),
    };
    let mut report = DemoReport {
        created: true,
        ..Default::default()
    };
    let today = crate::clock::today();
    let mut year = shape
        .current
        .then(|| current::Year::new(seed, today, shape.households, shape.medium_risks));

    // Places: the real codes, then resident groups (village code + 3 digits).
    let mut places = Vec::new();
    let mut villages: Vec<(PlaceCode, String)> = Vec::new();
    let mut townships: Vec<PlaceCode> = Vec::new();
    for line in ANNING_PLACES.lines().skip(1) {
        let Some((code, name)) = line.split_once(',') else {
            continue;
        };
        let Ok(code) = PlaceCode::parse(code) else {
            continue;
        };
        match code.level() {
            PlaceLevel::Village => villages.push((code.clone(), name.to_string())),
            PlaceLevel::Township => townships.push(code.clone()),
            _ => {}
        }
        places.push(new_place(&code, name));
    }
    let mut groups: Vec<(PlaceCode, String)> = Vec::new();
    for ((village, vname), n) in villages.iter().zip(spread(shape.groups, villages.len())) {
        let short = vname
            .trim_end_matches("居委会")
            .trim_end_matches("委会")
            .trim_end_matches("村民")
            .to_string();
        for k in 1..=n {
            let Some(code) = PlaceCode::group(village, k as u16) else {
                continue;
            };
            let is_community = vname.contains("社区");
            let name = if is_community {
                format!("第{k}居民小组")
            } else {
                format!("第{k}村民小组")
            };
            places.push(new_place(&code, &name));
            groups.push((code, format!("{short}{k}组")));
        }
    }
    report.places = pstore::upsert(tx, &places).await?;

    // Members: city executives → the county federation; subdistrict executives → townships;
    // village executives → villages; women's representatives → resident groups.
    let county = PlaceCode::parse(ANNING).map_err(|_| ServiceError::NotFound)?;
    let mut members = Vec::new();
    let mut add_members = |g: &mut Generator,
                           at: &PlaceCode,
                           n: u32,
                           role: &'static str|
     -> Result<(), ServiceError> {
        for _ in 0..n {
            let name = g.name(None, Sex::Female);
            let phone = g.phone();
            let started_on = NaiveDate::from_ymd_opt(
                2019 + g.rng.below(3) as i32,
                1 + g.rng.below(12) as u32,
                1,
            )
            .unwrap_or(ref_date);
            let id = g.uuid();
            members.push(NewMember {
                id,
                county_code: ANNING.into(),
                place_code: at.as_str().into(),
                path: at.path(),
                role,
                name: seal("member", "name", &id, &name)?,
                phone: Some(seal("member", "phone", &id, &phone)?),
                started_on,
                term_ends_on: if shape.current {
                    term_end(started_on, today)
                } else {
                    started_on.checked_add_months(chrono::Months::new(60))
                },
            });
        }
        Ok(())
    };
    add_members(&mut g, &county, shape.city_executives, "executive")?;
    for (t, n) in townships
        .iter()
        .zip(spread(shape.subdistrict_executives, townships.len()))
    {
        add_members(&mut g, t, n, "executive")?;
    }
    for ((v, _), n) in villages
        .iter()
        .zip(spread(shape.village_executives, villages.len()))
    {
        add_members(&mut g, v, n, "executive")?;
    }
    for ((gr, _), n) in groups
        .iter()
        .zip(spread(shape.representatives, groups.len()))
    {
        add_members(&mut g, gr, n, "representative")?;
    }
    // The family mediators (they answer for no unit of the responsibility network).
    let mut profiles: Vec<&'static str> = Vec::new();
    if shape.mediation_teams {
        for (v, _) in &villages {
            add_members(&mut g, v, 1, "mediator")?;
            profiles.push("executive");
        }
        for t in &townships {
            add_members(&mut g, t, 2, "mediator")?;
            profiles.extend(["lawyer", "executive"]);
        }
    }
    report.members = members.len() as u64;
    mstore::insert(tx, &members, now).await?;
    // The village's family mediator (the first one), to whom this year's disputes go.
    let mut mediators: HashMap<String, Uuid> = HashMap::new();
    for m in members.iter().filter(|m| m.role == "mediator") {
        mediators.entry(m.place_code.clone()).or_insert(m.id);
    }
    for (m, kind) in members
        .iter()
        .filter(|m| m.role == "mediator")
        .zip(profiles)
    {
        jinguo_storage::mediation::set_profile(tx, ANNING, m.id, kind, true, true, now).await?;
    }
    members.retain(|m| m.role != "mediator");

    // A federation at the county, at each subdistrict and at each village or community.
    let mut federations = Vec::new();
    for p in places.iter().filter(|p| (3..=5).contains(&p.level)) {
        let short = p
            .name
            .trim_end_matches("居委会")
            .trim_end_matches("委会")
            .trim_end_matches("村民")
            .trim_end_matches("居民");
        federations.push(mstore::Federation {
            county_code: ANNING.into(),
            id: g.uuid(),
            place_code: p.code.clone(),
            path: p.path.clone(),
            name: format!("{short}妇联"),
            established_on: NaiveDate::from_ymd_opt(2019, 3, 8),
        });
    }
    mstore::insert_federations(tx, &federations, now).await?;

    // Responsibility (包保): each member answers for units one level down, spread evenly, so that
    // the demo is fully covered: city executives → subdistricts, subdistrict executives → their
    // villages, village executives → their resident groups, representatives → households.
    let mut by_place: std::collections::BTreeMap<String, Vec<Uuid>> = Default::default();
    for m in &members {
        by_place.entry(m.place_code.clone()).or_default().push(m.id);
    }
    let since = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or(ref_date);
    let mut below: HashMap<String, Vec<PlaceCode>> = HashMap::new();
    for code in townships
        .iter()
        .chain(villages.iter().map(|(c, _)| c))
        .chain(groups.iter().map(|(c, _)| c))
    {
        if let Some(parent) = code.parent() {
            below
                .entry(parent.as_str().to_string())
                .or_default()
                .push(code.clone());
        }
    }
    let mut assignments = Vec::new();
    for (place, ids) in &by_place {
        let Some(units) = below.get(place) else {
            continue;
        };
        // Every member gets a unit and every unit a member: the longer list wraps round the shorter.
        for k in 0..ids.len().max(units.len()) {
            let (member, unit) = (ids[k % ids.len()], &units[k % units.len()]);
            assignments.push(NewAssignment {
                id: g.uuid(),
                county_code: ANNING.into(),
                member_id: member,
                unit_code: Some(unit.as_str().to_string()),
                household_id: None,
                path: unit.path(),
                started_on: since,
            });
        }
    }
    assignments.sort_by(|a, b| a.path.cmp(&b.path));
    astore::insert(tx, &assignments, now).await?;

    // The screening campaign of 2021: a share of every group's households visited by the
    // representative who answers for them; a few graded low (blue), `medium_risks` graded medium
    // (yellow), each of those opening a dispute.
    let campaign = jinguo_storage::screening::Campaign {
        county_code: ANNING.into(),
        id: g.uuid(),
        name: CAMPAIGN_2021.into(),
        place_code: ANNING.into(),
        path: county.path(),
        starts_on: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap_or(ref_date),
        ends_on: NaiveDate::from_ymd_opt(2021, 11, 30).unwrap_or(ref_date),
        checklist: jinguo_domain::screening::Item::join(&jinguo_domain::screening::Item::ALL),
        created_by: "anning".into(),
    };
    jinguo_storage::screening::insert_campaign(tx, &campaign, now).await?;
    if let Some(y) = &year {
        jinguo_storage::screening::insert_campaign(tx, &y.campaign, now).await?;
    }
    let screened_per_group = spread(shape.screened, groups.len());
    let medium_every = (shape.screened / shape.medium_risks.max(1)).max(1) as u64;
    let mut visit_no: u64 = 0;
    let campaign_days = (campaign.ends_on - campaign.starts_on).num_days().max(1) as u64;

    let mut sealed_persons: Option<SealedPersons> = None;
    let mut care_women: Vec<(Uuid, Uuid, String)> = Vec::new();
    let mut care_children: Vec<(Uuid, Uuid, String, i64, String)> = Vec::new();
    // Households of 2–4 persons: a head, often a spouse, children, sometimes a parent.
    for (((group, short), n), screened) in groups
        .iter()
        .zip(spread(shape.households, groups.len()))
        .zip(screened_per_group)
    {
        let mut households = Vec::with_capacity(n as usize);
        let mut persons = Vec::with_capacity(n as usize * 3);
        let path = group.path();
        for k in 1..=n {
            let hid = g.uuid();
            households.push(NewHousehold {
                id: hid,
                county_code: ANNING.into(),
                code: format!("{}{:04}", group.as_str(), k),
                group_code: group.as_str().into(),
                path: path.clone(),
                address: seal(
                    "household",
                    "address",
                    &hid,
                    &format!("云南省安宁市{short}{}号", k + g.rng.below(3) as u32),
                )?,
            });
            let size = 2 + g.rng.below(3);
            let head_sex = if g.rng.below(10) < 6 {
                Sex::Male
            } else {
                Sex::Female
            };
            let head_birth = g.birth(25, 80);
            let surname = SURNAMES[g.rng.below(SURNAMES.len() as u64) as usize];
            let mut members: Vec<(Sex, NaiveDate, Relationship, Option<&str>)> =
                vec![(head_sex, head_birth, Relationship::Head, Some(surname))];
            let head_age = (ref_date.year() - head_birth.year()) as i64;
            for i in 1..size {
                let married = g.rng.below(10) < 8;
                if i == 1 && married {
                    let sex = if head_sex == Sex::Male {
                        Sex::Female
                    } else {
                        Sex::Male
                    };
                    let birth = g.birth((head_age - 5).max(20), head_age + 5);
                    members.push((sex, birth, Relationship::Spouse, None));
                } else if head_age > 50 && g.rng.below(4) == 0 {
                    let sex = if g.rng.below(2) == 0 {
                        Sex::Male
                    } else {
                        Sex::Female
                    };
                    let birth = g.birth(head_age - 35, head_age - 20);
                    members.push((sex, birth, Relationship::Child, Some(surname)));
                } else if head_age < 45 && g.rng.below(5) == 0 {
                    let sex = if g.rng.below(2) == 0 {
                        Sex::Male
                    } else {
                        Sex::Female
                    };
                    let birth = g.birth(head_age + 20, head_age + 35);
                    members.push((sex, birth, Relationship::Parent, None));
                } else {
                    let sex = if g.rng.below(2) == 0 {
                        Sex::Male
                    } else {
                        Sex::Female
                    };
                    let birth = g.birth(0, (head_age - 18).clamp(1, 30));
                    members.push((sex, birth, Relationship::Child, Some(surname)));
                }
            }
            for (sex, birth, rel, surname) in members {
                let adult = (ref_date.year() - birth.year()) >= 16;
                let age = ref_date.year() - birth.year();
                let id_number = g.id_number(birth, sex);
                let name = g.name(surname, sex);
                let phone = adult.then(|| g.phone());
                let id = g.uuid();
                if let Some(y) = year.as_mut() {
                    y.person(id, hid, &path, (sex, birth, rel), &group.as_str()[..9]);
                }
                // Every so many women and children, for the care records of 2021.
                if shape.care {
                    if sex == Sex::Female && (25..=70).contains(&age) && g.rng.below(20) == 0 {
                        care_women.push((id, hid, path.clone()));
                    } else if (6..14).contains(&age) && g.rng.below(40) == 0 {
                        care_children.push((
                            id,
                            hid,
                            path.clone(),
                            i64::from(age),
                            group.as_str()[..9].to_string(),
                        ));
                    }
                }
                persons.push(PlainPerson {
                    id,
                    household_id: hid,
                    path: path.clone(),
                    name,
                    sex,
                    birth_date: birth,
                    id_number,
                    phone,
                    relationship: rel,
                });
            }
        }
        // This group's persons are sealed on a thread of their own while the previous group's
        // are written and the next group is made.
        let persons_made = persons.len() as u64;
        let sealing = seal_persons(keys, persons);
        hstore::insert_households(tx, &households, now).await?;
        write_persons(tx, sealed_persons.replace(sealing), now).await?;
        if let Some(reps) = by_place.get(group.as_str()).filter(|r| !r.is_empty()) {
            let rows: Vec<NewAssignment> = households
                .iter()
                .enumerate()
                .map(|(k, h)| NewAssignment {
                    id: g.uuid(),
                    county_code: ANNING.into(),
                    member_id: reps[k % reps.len()],
                    unit_code: None,
                    household_id: Some(h.id),
                    path: h.path.clone(),
                    started_on: since,
                })
                .collect();
            astore::insert(tx, &rows, now).await?;
            let mut visits = Vec::new();
            let mut disputes = Vec::new();
            for (k, h) in households.iter().enumerate().take(screened as usize) {
                let medium = visit_no % medium_every == medium_every / 2
                    && (visit_no / medium_every) < u64::from(shape.medium_risks);
                let risk = if medium {
                    Risk::Medium
                } else if visit_no % 401 == 7 {
                    Risk::Low
                } else {
                    Risk::None
                };
                visit_no += 1;
                let id = g.uuid();
                let visited_on =
                    campaign.starts_on + Duration::days(g.rng.below(campaign_days) as i64);
                let findings = match risk {
                    Risk::Medium => vec![Item::MaritalConflict, Item::Property],
                    Risk::Low => vec![Item::Neighbours],
                    _ => Vec::new(),
                };
                visits.push(jinguo_storage::screening::Visit {
                    county_code: ANNING.into(),
                    id,
                    campaign_id: campaign.id,
                    household_id: h.id,
                    path: h.path.clone(),
                    member_id: Some(reps[k % reps.len()]),
                    visited_on,
                    risk: risk.key().into(),
                    findings: seal("visit", "findings", &id, &Item::join(&findings))?,
                    note: None,
                    followup: risk.opens_dispute(),
                    request_key: format!("demo-{}", id.simple()),
                    recorded_by: "demo".into(),
                });
                if risk.opens_dispute() {
                    disputes.push(jinguo_storage::screening::NewDispute {
                        county_code: ANNING.into(),
                        id: g.uuid(),
                        household_id: h.id,
                        path: h.path.clone(),
                        visit_id: id,
                        risk: risk.key().into(),
                        opened_on: visited_on,
                        due_on: screening_due_on(visited_on),
                    });
                }
            }
            jinguo_storage::screening::insert_visits(tx, &visits, now).await?;
            jinguo_storage::screening::insert_disputes(tx, &disputes, now).await?;
            // Each was mediated: one session, an agreement, closed (2021: 23 medium-risk
            // disputes, all mediated successfully).
            for d in &disputes {
                mediate_demo_dispute(tx, d, &mut g, &seal, now).await?;
            }
            report.visits += visits.len() as u64;
            if let Some(y) = year.as_mut() {
                y.visit_group(tx, &households, reps, &seal, now).await?;
            }
        }
        report.households += households.len() as u64;
        report.persons += persons_made;
    }
    write_persons(tx, sealed_persons.take(), now).await?;
    let names: HashMap<String, String> = places
        .iter()
        .map(|p| (p.code.clone(), p.name.clone()))
        .collect();
    let mut entries = Vec::new();
    if shape.care {
        entries = demo_care(tx, &mut g, keys, &care_women, &care_children, &names, now).await?;
    }
    if let Some(y) = year {
        let ctx = current::Finish {
            entries: &entries,
            care_2021: shape.care,
            mediators: &mediators,
            place_names: &names,
        };
        report.visits_this_year = y.finish(tx, ctx, keys, &seal, now).await?;
    }
    Ok(report)
}

/// The care records of the demo's 2021: registries, entries, services, wishes and events, so that
/// the year's figures come out as PRODUCT.md gives them. Returns the entries: (entry, person,
/// path).
async fn demo_care(
    tx: &mut DbConn<'_>,
    g: &mut Generator,
    keys: &Keyring,
    women: &[(Uuid, Uuid, String)],
    children: &[(Uuid, Uuid, String, i64, String)],
    place_names: &HashMap<String, String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(Uuid, Uuid, String)>, ServiceError> {
    use jinguo_storage::care as cstore;
    let mut entries = Vec::new();
    let seal = |table: &str, column: &str, id: &Uuid, plain: &str| {
        keys.encrypt(plain, &aad(table, column, id))
            .map_err(|e| ServiceError::Internal(format!("field encryption: {e}")))
    };
    let day = |k: usize| {
        NaiveDate::from_ymd_opt(2021, 1, 4).unwrap_or_default() + Duration::days((k % 350) as i64)
    };
    for (key, zh, en, months) in jinguo_domain::care::REGISTRIES {
        let row = cstore::RegistryRow {
            county_code: ANNING.into(),
            key: key.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            review_months: months,
        };
        cstore::insert_registry(tx, &row, now).await?;
    }
    // (registry, women, health checks among them, green channels among them)
    let plan: [(&str, usize, bool, bool); 5] = [
        ("mothers_in_difficulty", 700, true, true),
        ("sanitation_workers", 503, true, false),
        ("bereaved_mothers", 400, false, true),
        ("left_behind_women", 1_000, false, true),
        ("migrant_women", 952, false, true),
    ];
    // Reviewed every year since: the next reviews spread over the coming year, one entry in a
    // hundred due today, so that the representatives' lists of reviews due are not empty.
    let today = crate::clock::today();
    let review = |k: usize| today + Duration::days(((k * 7) % 365) as i64);
    let mut next = 0;
    for (registry, n, check, green) in plan {
        for (k, (pid, hid, path)) in women.iter().skip(next).take(n).enumerate() {
            let id = g.uuid();
            let entry = cstore::EntryRow {
                county_code: ANNING.into(),
                id,
                registry_key: registry.into(),
                person: seal("registry_entry", "person", &id, &pid.to_string())?,
                person_ref: crate::sealed::person_ref(keys, "registry_entry", pid),
                household: seal("registry_entry", "household", &id, &hid.to_string())?,
                household_ref: crate::sealed::household_ref(keys, "registry_entry", hid),
                path: path.clone(),
                status: "active".into(),
                criteria: "入户调查核实".into(),
                evidence: String::new(),
                surveyed_by: "妇女代表".into(),
                verified_by: Some("anning".into()),
                entered_on: NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default(),
                next_review_on: if k % 100 == 0 { today } else { review(k) },
                left_on: None,
                left_reason: String::new(),
                version: 1,
            };
            cstore::insert_entry(tx, &entry, "demo", now).await?;
            entries.push((id, *pid, path.clone()));
            for (wanted, kind) in [(check, "health_check"), (green, "green_channel")] {
                if !wanted {
                    continue;
                }
                let on = day(k);
                cstore::insert_service(
                    tx,
                    &cstore::ServiceRow {
                        county_code: ANNING.into(),
                        id: g.uuid(),
                        entry_id: id,
                        person_ref: crate::sealed::person_ref(keys, "care_service", pid),
                        path: path.clone(),
                        kind: kind.into(),
                        on_date: on,
                        hospital: if kind == "green_channel" {
                            "安宁市第一人民医院".into()
                        } else {
                            String::new()
                        },
                        valid_until: (kind == "green_channel").then(|| on + Duration::days(365)),
                        goods: String::new(),
                        amount_cents: None,
                        visited_by: String::new(),
                        result: String::new(),
                        note: String::new(),
                        batch_id: None,
                        created_by: "demo".into(),
                    },
                    now,
                )
                .await?;
            }
        }
        next += n;
    }
    // 612 children's wishes, fulfilled and confirmed during 2021.
    let wishes = [
        "一套课外书",
        "一个新书包",
        "一双运动鞋",
        "一套画笔",
        "一个篮球",
        "一件羽绒服",
    ];
    for (k, (pid, hid, path, age, township)) in children.iter().take(612).enumerate() {
        let id = g.uuid();
        let claimed = day(k).and_hms_opt(10, 0, 0).map(|t| t.and_utc());
        let row = cstore::WishRow {
            county_code: ANNING.into(),
            id,
            person: seal("wish", "person", &id, &pid.to_string())?,
            household: seal("wish", "household", &id, &hid.to_string())?,
            household_ref: crate::sealed::household_ref(keys, "wish", hid),
            path: path.clone(),
            public_place: place_names.get(township).cloned().unwrap_or_default(),
            age: *age,
            wish: wishes[k % wishes.len()].into(),
            status: "confirmed".into(),
            guardian_consent: true,
            proposed_by: "daibiao".into(),
            approved_by: Some("anning".into()),
            donor: Some(seal("wish", "donor", &id, "爱心人士")?),
            donor_phone: Some(seal("wish", "donor_phone", &id, "13800138000")?),
            credit_code: None,
            claimed_at: claimed,
            claim_expires_at: claimed.map(|t| t + Duration::days(30)),
            fulfilled_on: Some(day(k) + Duration::days(7)),
            confirm_note: seal("wish", "confirm_note", &id, "心愿已送达")?,
            version: 1,
        };
        cstore::insert_wish(tx, &row, now).await?;
    }
    // 120 "bring love home" events reaching 3,632 children.
    for (k, n) in spread(3_632, 120).into_iter().enumerate() {
        let row = cstore::EventRow {
            county_code: ANNING.into(),
            id: g.uuid(),
            path: "53/5301/530181/".into(),
            kind: "bring_love_home".into(),
            name: "把爱带回家".into(),
            held_on: day(k * 3),
            place_text: "社区儿童之家".into(),
            organiser: "安宁市妇联".into(),
            anonymous: i64::from(n),
            anonymous_children: i64::from(n),
            created_by: "demo".into(),
        };
        cstore::insert_event(tx, &row, &[], now).await?;
    }
    demo_families(tx, g, keys, place_names, now).await?;
    Ok(entries)
}

/// The most-beautiful families of the demo's 2021: 165 named by the county (one in fifteen at
/// the city's level), nominated at the villages in turn, each on notice for a week in May; one in
/// three consented to be named and to its story, which is published. And 1,210 family events
/// held at the villages through the year, the first ones with a named family taking part.
async fn demo_families(
    tx: &mut DbConn<'_>,
    g: &mut Generator,
    keys: &Keyring,
    place_names: &HashMap<String, String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ServiceError> {
    use jinguo_storage::family::{self as fstore, EventRow, FamilyRow};
    let seal = |column: &str, id: &Uuid, plain: &str| {
        keys.encrypt(plain, &aad("family_award", column, id))
            .map_err(|e| ServiceError::Internal(format!("field encryption: {e}")))
    };
    let mut villages: Vec<&String> = place_names.keys().filter(|c| c.len() == 12).collect();
    villages.sort();
    if villages.is_empty() {
        return Ok(());
    }
    let deeds = [
        "孝老爱亲，悉心照料卧病在床的老人多年",
        "夫妻和睦，教子有方，子女品学兼优",
        "热心公益，常年帮扶村里的困难家庭",
        "勤俭持家，带头移风易俗，婚事新办",
        "邻里互助，主动调解邻里矛盾",
    ];
    let day = |k: usize| {
        NaiveDate::from_ymd_opt(2021, 1, 4).unwrap_or_default() + Duration::days((k % 350) as i64)
    };
    let mut named = Vec::new();
    for k in 0..165 {
        let village = villages[k % villages.len()];
        let path = PlaceCode::parse(village)
            .map(|c| c.path())
            .map_err(|_| ServiceError::Internal("demo village".into()))?;
        let id = g.uuid();
        let public = k % 3 == 0;
        let surname = SURNAMES[k % SURNAMES.len()];
        let name = format!("{}家庭", g.name(Some(surname), Sex::Male));
        let text = deeds[k % deeds.len()];
        let row = FamilyRow {
            county_code: ANNING.into(),
            id,
            path,
            place_code: village.clone(),
            year: 2021,
            family_name: seal("family_name", &id, &name)?,
            nominated_by: ["family", "others", "organisation"][k % 3].into(),
            nominator: if k % 3 == 0 {
                String::new()
            } else {
                seal("nominator", &id, "村（社区）妇联")?
            },
            deeds: seal("deeds", &id, text)?,
            status: "awarded".into(),
            notice_from: Some("2021-05-10".into()),
            notice_until: Some("2021-05-16".into()),
            level: Some(if k % 15 == 0 { "city" } else { "county" }.into()),
            review_score: None,
            consent_on: public.then(|| "2021-05-08".to_string()),
            consent_by: if public {
                seal("consent_by", &id, &name)?
            } else {
                String::new()
            },
            consent_names: public,
            consent_story: public,
            story: if public {
                seal("story", &id, text)?
            } else {
                String::new()
            },
            story_ms: public.then(|| now.timestamp_millis()),
            reject_note: String::new(),
            created_by: "wenhua".into(),
            created_ms: now.timestamp_millis(),
            village_by: Some("wenhua".into()),
            subdistrict_by: Some("lianran".into()),
            awarded_by: Some("anning".into()),
            awarded_ms: Some(now.timestamp_millis()),
            decided_by: None,
            version: 1,
        };
        fstore::insert(tx, &row).await?;
        named.push(id);
    }
    let kinds = ["lecture", "activity", "showcase", "visit", "other"];
    let titles = [
        "家庭教育讲座",
        "亲子阅读活动",
        "最美家庭事迹分享会",
        "走访慰问最美家庭",
        "家风家训展示",
    ];
    for k in 0..1_210 {
        let village = villages[k % villages.len()];
        let path = PlaceCode::parse(village)
            .map(|c| c.path())
            .map_err(|_| ServiceError::Internal("demo village".into()))?;
        let families: Vec<Uuid> = named.get(k).copied().into_iter().collect();
        let row = EventRow {
            county_code: ANNING.into(),
            id: g.uuid(),
            path,
            place_code: village.clone(),
            held_on: day(k * 7 / 24).to_string(),
            kind: kinds[k % kinds.len()].into(),
            title: titles[k % titles.len()].into(),
            participants: 20 + (k % 41) as i64,
            created_by: "demo".into(),
            created_ms: now.timestamp_millis(),
        };
        fstore::insert_event(tx, &row, &families).await?;
    }
    Ok(())
}

/// A mediation session of the demo, held at the village's mediation room with both parties.
fn demo_session(
    g: &mut Generator,
    seal: &impl Fn(&str, &str, &Uuid, &str) -> Result<String, ServiceError>,
    held_on: NaiveDate,
    record: &str,
) -> Result<jinguo_storage::mediation::SessionRow, ServiceError> {
    let sid = g.uuid();
    Ok(jinguo_storage::mediation::SessionRow {
        id: sid,
        held_on,
        place: "村（社区）妇联调解室".into(),
        attendees: seal(
            "mediation_session",
            "attendees",
            &sid,
            "双方当事人、家事调解员",
        )?,
        record: seal("mediation_session", "record", &sid, record)?,
        recorded_by: "demo".into(),
    })
}

/// When a dispute the demo's screening opened on `opened_on` is due: the law's month.
fn screening_due_on(opened_on: chrono::NaiveDate) -> chrono::NaiveDate {
    use jinguo_domain::mediation::{Source, due_on};
    due_on(
        Source::Screening,
        false,
        opened_on,
        None,
        &jinguo_domain::limits::LegalLimits::LAW,
    )
}

/// A screening dispute of the demo, mediated to an agreement and closed: the records a mediator
/// would have made (a session, the agreement with one term, the steps).
async fn mediate_demo_dispute(
    tx: &mut jinguo_storage::DbConn<'_>,
    d: &jinguo_storage::screening::NewDispute,
    g: &mut Generator,
    seal: &impl Fn(&str, &str, &Uuid, &str) -> Result<String, ServiceError>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ServiceError> {
    use jinguo_domain::mediation::{DisputeKind, Outcome, Source, Status};
    use jinguo_storage::mediation::{self as med, AgreementRow, DisputeRow, StepRow, TermRow};
    let session_on = d.opened_on + Duration::days(3);
    let agreed_on = d.opened_on + Duration::days(7);
    let row = DisputeRow {
        county_code: d.county_code.clone(),
        id: d.id,
        household_id: Some(d.household_id),
        path: d.path.clone(),
        source: Source::Screening.key().into(),
        visit_id: Some(d.visit_id),
        kind: DisputeKind::Marriage.key().into(),
        risk: d.risk.clone(),
        status: Status::Closed.key().into(),
        outcome: Some(Outcome::Agreed.key().into()),
        opened_on: d.opened_on,
        accepted_on: Some(d.opened_on),
        concluded_on: Some(agreed_on),
        due_on: d.due_on,
        simplified: false,
        narrative: String::new(),
        mediator_id: None,
        created_by: "demo".into(),
        version: 1,
        intake_consent: true,
    };
    if !med::update(tx, &row, 1, now).await? {
        return Err(ServiceError::Internal("demo dispute changed".into()));
    }
    let session = demo_session(g, seal, session_on, "双方陈述各自意见，经调解同意协商解决")?;
    med::insert_session(tx, &d.county_code, d.id, &session, now).await?;
    let aid = g.uuid();
    let agreement = AgreementRow {
        id: aid,
        agreed_on,
        parties: seal("agreement", "parties", &aid, "[]")?,
        facts: seal(
            "agreement",
            "facts",
            &aid,
            "夫妻因家庭财产和家务分担发生矛盾",
        )?,
        confirmation_on: None,
        recorded_by: "demo".into(),
    };
    let term = TermRow {
        seq: 1,
        kind: "conduct".into(),
        text: seal(
            "agreement",
            "term",
            &aid,
            "双方互相尊重，共同承担家务，重大开支协商决定",
        )?,
        manner: "长期遵守".into(),
        due_on: agreed_on,
        performed_on: Some(agreed_on),
    };
    med::insert_agreement(tx, &d.county_code, d.id, &agreement, &[term], now).await?;
    for (step, on) in [
        ("register", d.opened_on),
        ("accept", d.opened_on),
        ("session", session_on),
        ("agree", agreed_on),
        ("close", agreed_on),
    ] {
        med::add_step(
            tx,
            &d.county_code,
            d.id,
            &StepRow::new(step, on, "demo"),
            now,
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_exact() {
        let s = spread(150_551, 517);
        assert_eq!(s.iter().sum::<u32>(), 150_551);
        assert!(s.iter().max().unwrap_or(&0) - s.iter().min().unwrap_or(&0) <= 1);
        assert_eq!(spread(5, 0), Vec::<u32>::new());
    }

    #[test]
    fn anning_facts_have_the_official_shape() {
        let codes: Vec<PlaceCode> = ANNING_PLACES
            .lines()
            .skip(1)
            .filter_map(|l| PlaceCode::parse(l.split(',').next().unwrap_or("")).ok())
            .collect();
        let count = |lvl| codes.iter().filter(|c| c.level() == lvl).count();
        assert_eq!(count(PlaceLevel::Township), 9);
        assert_eq!(count(PlaceLevel::Village), 102);
        assert!(
            codes
                .iter()
                .all(|c| c.level() <= PlaceLevel::Prefecture || c.as_str().starts_with(ANNING))
        );
    }
}
