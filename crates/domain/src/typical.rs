//! Typical cases (典型案例): a case, a dispute or a public-opinion topic written up for training
//! and legal education, without identifying anyone. The text is de-identified here — names to
//! their 某 forms, resident ID and mobile numbers removed, addresses cut to the county, dates
//! to the month — then reviewed and edited by a person; what is published must carry no ID or
//! mobile number. Pure rules, no I/O.

use crate::opinion::personal_numbers;
use crate::person::{COMPOUND_SURNAMES, split_name};
use crate::{Lang, ValidationErrors, screening};
use chrono::{Datelike, NaiveDate};

catalog!(
    /// What a typical case is about (the library is searched by it).
    TypicalKind {
        Violence = "violence", "家庭暴力", "domestic violence";
        Marriage = "marriage", "婚姻家庭", "marriage and family";
        Property = "property", "财产权益", "property rights";
        Children = "children", "未成年人保护", "protection of minors";
        Other = "other", "其他", "other";
    }
);

catalog!(
    /// The record a typical case is proposed from.
    TypicalSource {
        Case = "case", "家暴个案", "domestic-violence case";
        Dispute = "dispute", "矛盾纠纷", "dispute";
        Topic = "topic", "舆情", "public-opinion topic";
    }
);

catalog!(
    /// Where a typical case stands.
    TypicalStatus {
        Proposed = "proposed", "待审核", "proposed";
        Reviewed = "reviewed", "已审核", "reviewed";
        Published = "published", "已发布", "published";
        Withdrawn = "withdrawn", "已撤回", "withdrawn";
    }
);

/// What takes the place of a removed ID or mobile number.
pub const REMOVED: &str = "×××";

/// At most this many characters in a typical case's text.
pub const TEXT_MAX: usize = 20_000;

/// What the de-identification knows of the record beyond its text: the names of the people in
/// it and the places below the county it happened in, and the county's own name.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub names: Vec<String>,
    /// Names of subdistricts, townships, villages or communities (`连然街道`, `金方社区`).
    pub places: Vec<String>,
    /// The county's name (`安宁市`), put where an address stood without one.
    pub county: String,
}

/// A name's 某 form: 张小芳 → 张某, 欧阳小芳 → 欧阳某; a name without a surname → 某某.
pub fn mou(name: &str) -> String {
    match split_name(name) {
        ("", _) => "某某".into(),
        (surname, _) => format!("{surname}某"),
    }
}

/// Common surnames, for names the record does not list but the text introduces with a word such
/// as 丈夫 or 申请人.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝";

/// Words after which a name usually follows.
const NAME_CUES: &[&str] = &[
    "当事人",
    "申请人",
    "被申请人",
    "受害人",
    "施暴人",
    "加害人",
    "丈夫",
    "妻子",
    "前夫",
    "前妻",
    "男友",
    "女友",
    "女儿",
    "儿子",
    "母亲",
    "父亲",
    "婆婆",
    "公公",
    "邻居",
    "村民",
    "居民",
    "女士",
    "妇女",
    "原告",
    "被告",
];

/// Characters that do not belong to a name (verbs and particles that follow one).
const NOT_NAME: &str = "的了是在和与及对因于把被将向又也都就经多常曾已带用以让给要不到去来从等后前时并还却便才再即称说打骂称因为某、，。；：！？“”（）() \n\t";

/// Words after which an address usually follows.
const ADDRESS_CUES: &[&str] = &[
    "家住", "住在", "住址", "地址", "住于", "居住", "位于", "现住", "暂住", "户籍", "租住", "搬到",
    "搬至",
];

/// What ends a part of an address below the county, longest first where one is a prefix of
/// another.
const ADDRESS_MARKS: &[&str] = &[
    "街道", "社区", "小区", "单元", "号楼", "镇", "乡", "村", "路", "街", "巷", "组", "号", "栋",
    "幢", "室", "楼", "苑",
];

/// What ends a county-level name.
const COUNTY_MARKS: &[char] = &['县', '区', '市', '旗'];

/// Characters that never stand inside an address part.
const NOT_ADDRESS: &str = "的了是在和与及对因于把被将向又也都就她他我你们该此这那其到去来从等后前时并还却便才再即称说打骂县区市旗省，。；：！？、“”（）() \n\t";

/// The text de-identified: known names and names introduced by a cue to their 某 forms, resident
/// ID and mobile numbers removed, known places below the county to 某 with their kind kept,
/// addresses after a county's name cut at it (elsewhere replaced by the county's name), dates to
/// the month.
pub fn deidentify(text: &str, known: &Known) -> String {
    let mut out = text.to_string();
    for n in personal_numbers(&out) {
        out = out.replace(&n, REMOVED);
    }
    let mut names: Vec<&str> = real_names(known).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for n in names {
        out = out.replace(n, &mou(n));
    }
    let mut places: Vec<&str> = known
        .places
        .iter()
        .map(|p| p.trim())
        .filter(|p| p.chars().count() >= 2)
        .collect();
    places.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in places {
        let kind = ADDRESS_MARKS
            .iter()
            .find(|m| p.ends_with(**m) && p.len() > m.len())
            .copied()
            .unwrap_or("地");
        out = out.replace(p, &format!("某{kind}"));
    }
    let out = cued_names(&out);
    let out = addresses(&out, known.county.trim());
    dates(&out)
}

/// Names after a cue word (丈夫李强 → 丈夫李某).
fn cued_names(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let cue = NAME_CUES
            .iter()
            .filter(|c| starts_at(&chars, i, c))
            .map(|c| c.chars().count())
            .max();
        let Some(len) = cue else {
            out.push(chars[i]);
            i += 1;
            continue;
        };
        out.extend(&chars[i..i + len]);
        i += len;
        let compound = COMPOUND_SURNAMES
            .iter()
            .find(|s| starts_at(&chars, i, s))
            .map(|s| s.chars().count());
        let surname = match compound {
            Some(n) => n,
            None if chars.get(i).is_some_and(|c| SURNAMES.contains(*c)) => 1,
            None => continue,
        };
        let mut given = 0;
        while given < 2 {
            match chars.get(i + surname + given) {
                Some(c) if is_han(*c) && !NOT_NAME.contains(*c) => given += 1,
                _ => break,
            }
        }
        if given == 0 {
            continue;
        }
        out.extend(&chars[i..i + surname]);
        out.push('某');
        i += surname + given;
    }
    out
}

/// Addresses below the county: cut after a county's name, after an address cue replaced by the
/// county's name, and elsewhere removed when two or more parts follow each other.
fn addresses(text: &str, county: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut after_county = false;
    let mut after_cue = false;
    while i < chars.len() {
        let (end, parts) = address_parts(&chars, i);
        if parts > 0 && (after_county || after_cue || parts >= 2) {
            if !after_county {
                out.push_str(if county.is_empty() { "某地" } else { county });
            }
            i = end;
            after_county = false;
            after_cue = false;
            continue;
        }
        let c = chars[i];
        out.push(c);
        i += 1;
        after_county = COUNTY_MARKS.contains(&c) && i >= 2 && is_han(chars[i - 2]);
        after_cue = ADDRESS_CUES.iter().any(|cue| ends_at(&chars, i, cue));
    }
    out
}

/// The end of the run of address parts starting at `i` and how many there are. A part is one to
/// eight characters (Chinese or digits) ending with one of [`ADDRESS_MARKS`].
fn address_parts(chars: &[char], mut i: usize) -> (usize, usize) {
    let mut parts = 0;
    'next: loop {
        for body in 1..=8 {
            let Some(&c) = chars.get(i + body - 1) else {
                break 'next;
            };
            if !(is_han(c) || c.is_ascii_digit() || c == '-' || c == '#') || NOT_ADDRESS.contains(c)
            {
                break 'next;
            }
            if let Some(m) = ADDRESS_MARKS.iter().find(|m| starts_at(chars, i + body, m)) {
                i += body + m.chars().count();
                parts += 1;
                continue 'next;
            }
        }
        break;
    }
    (i, parts)
}

/// Dates cut to the month: 2021年3月15日, 2021-03-15, 2021.3.15 → 2021年3月; 3月15日 → 3月.
fn dates(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_digit()) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let (year, j) = digits(&chars, i, 4);
        if j - i == 4 {
            // 2021年3月15日
            if chars.get(j) == Some(&'年') {
                let (month, k) = digits(&chars, j + 1, 2);
                if k > j + 1 && chars.get(k) == Some(&'月') {
                    let (_, d) = digits(&chars, k + 1, 2);
                    let end = if d > k + 1 && matches!(chars.get(d), Some('日' | '号')) {
                        d + 1
                    } else {
                        k + 1
                    };
                    out.push_str(&format!("{year}年{month}月"));
                    i = end;
                    continue;
                }
            }
            // 2021-03-15, 2021.3.15, 2021/3/15
            if let Some(&sep) = chars.get(j).filter(|c| matches!(c, '-' | '.' | '/')) {
                let (month, k) = digits(&chars, j + 1, 2);
                if k > j + 1 && chars.get(k) == Some(&sep) {
                    let (_, d) = digits(&chars, k + 1, 2);
                    if d > k + 1 && !chars.get(d).is_some_and(|c| c.is_ascii_digit()) {
                        out.push_str(&format!("{year}年{month}月"));
                        i = d;
                        continue;
                    }
                }
            }
        }
        // 3月15日
        let (month, k) = digits(&chars, i, 2);
        if k > i && chars.get(k) == Some(&'月') {
            let (_, d) = digits(&chars, k + 1, 2);
            if d > k + 1 && matches!(chars.get(d), Some('日' | '号')) {
                out.push_str(&format!("{month}月"));
                i = d + 1;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Up to `max` ASCII digits from `i`, as a number without leading zeros, and where they end.
fn digits(chars: &[char], i: usize, max: usize) -> (u32, usize) {
    let mut j = i;
    let mut n = 0u32;
    while j < chars.len() && j - i < max && chars[j].is_ascii_digit() {
        n = n * 10 + chars[j].to_digit(10).unwrap_or(0);
        j += 1;
    }
    (n, j)
}

fn starts_at(chars: &[char], i: usize, word: &str) -> bool {
    (i..)
        .zip(word.chars())
        .all(|(k, w)| chars.get(k) == Some(&w))
}

fn ends_at(chars: &[char], end: usize, word: &str) -> bool {
    let n = word.chars().count();
    end >= n && starts_at(chars, end - n, word)
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Whether a person could still be recognised from the text: a known name is still in it.
pub fn names_left(text: &str, known: &Known) -> bool {
    real_names(known).any(|n| text.contains(n))
}

/// The known names that name someone: two characters or more, not already a 某 form (a record
/// may hold 某女 where the victim's name was not given).
fn real_names(known: &Known) -> impl Iterator<Item = &str> {
    known
        .names
        .iter()
        .map(|n| n.trim())
        .filter(|n| n.chars().count() >= 2 && !n.contains('某'))
}

/// A typical case as proposed.
#[derive(Debug, Clone, Default)]
pub struct ProposalInput {
    pub kind: String,
    /// The year it happened.
    pub year: String,
    pub title: String,
    pub source: String,
    pub source_id: Option<uuid::Uuid>,
    /// The account of what happened (de-identified when it is stored).
    pub text: String,
}

/// A proposal checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProposal {
    pub kind: TypicalKind,
    pub year: i32,
    pub title: String,
    pub source: TypicalSource,
    pub source_id: uuid::Uuid,
    pub text: String,
}

impl ProposalInput {
    /// Checks every field and names each refused one: a kind, a year not after this one, a
    /// title of at most 100 characters, the record it comes from, a text.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidProposal, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = TypicalKind::parse(&self.kind);
        if kind.is_none() {
            e.push("kind", required_or_invalid(&self.kind));
        }
        let year = year(&mut e, "year", &self.year, today);
        let title = title(&mut e, &self.title);
        let source = TypicalSource::parse(&self.source);
        if source.is_none() {
            e.push("source", required_or_invalid(&self.source));
        }
        if self.source_id.is_none() {
            e.push("source_id", "required");
        }
        let text = self.text.trim().to_string();
        if text.is_empty() {
            e.push("case_text", "required");
        } else if text.chars().count() > TEXT_MAX {
            e.push("case_text", "too_long");
        }
        e.into_result()?;
        match (kind, year, source, self.source_id) {
            (Some(kind), Some(year), Some(source), Some(source_id)) => Ok(ValidProposal {
                kind,
                year,
                title,
                source,
                source_id,
                text,
            }),
            _ => {
                let mut e = ValidationErrors::new();
                e.push("body", "invalid");
                Err(e)
            }
        }
    }
}

/// A review as entered: the text edited by the reviewer, and whether a person could still be
/// recognised from it.
#[derive(Debug, Clone, Default)]
pub struct ReviewInput {
    pub title: String,
    pub text: String,
    pub recognisable: bool,
}

impl ReviewInput {
    /// The title and the text, each required and free of resident ID and mobile numbers.
    pub fn validate(&self) -> Result<(String, String), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let title = title(&mut e, &self.title);
        let text = self.text.trim().to_string();
        if text.is_empty() {
            e.push("case_text", "required");
        } else if text.chars().count() > TEXT_MAX {
            e.push("case_text", "too_long");
        } else if !personal_numbers(&text).is_empty() {
            e.push("case_text", "typical.personal_numbers");
        }
        e.into_result()?;
        Ok((title, text))
    }
}

fn title(e: &mut ValidationErrors, s: &str) -> String {
    let t = s.trim().to_string();
    if t.is_empty() {
        e.push("title", "required");
    } else if t.chars().count() > 100 {
        e.push("title", "too_long");
    } else if !personal_numbers(&t).is_empty() {
        e.push("title", "typical.personal_numbers");
    }
    t
}

/// A year from 1949 to this one.
pub fn year(e: &mut ValidationErrors, field: &str, s: &str, today: NaiveDate) -> Option<i32> {
    let s = s.trim();
    if s.is_empty() {
        e.push(field, "required");
        return None;
    }
    match s.parse::<i32>() {
        Ok(y) if y > today.year() => {
            e.push(field, "date.future");
            None
        }
        Ok(y) => NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| screening::in_range(e, field, d))
            .map(|_| y),
        Err(_) => {
            e.push(field, "invalid");
            None
        }
    }
}

/// `required` for an empty value, else `invalid`.
pub(crate) fn required_or_invalid(s: &str) -> &'static str {
    if s.trim().is_empty() {
        "required"
    } else {
        "invalid"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        Known {
            names: vec!["张小芳".into(), "王强".into()],
            places: vec!["金方社区".into()],
            county: "安宁市".into(),
        }
    }

    #[test]
    fn names_numbers_addresses_and_dates_are_taken_out() {
        let text = "2021年3月15日，张小芳（身份证号53018119850601123X，电话13812345678）\
                    来到妇联，称丈夫王强多次殴打她。她家住云南省昆明市安宁市连然街道金方社区3组12号。\
                    2021-04-02调解时，邻居李红梅到场，申请人欧阳小芳也在。金方社区妇联主任陪同。";
        let out = deidentify(text, &known());
        assert_eq!(
            out,
            "2021年3月，张某（身份证号×××，电话×××）\
             来到妇联，称丈夫王某多次殴打她。她家住云南省昆明市安宁市。\
             2021年4月调解时，邻居李某到场，申请人欧阳某也在。某社区妇联主任陪同。"
        );
        assert!(personal_numbers(&out).is_empty());
        assert!(!names_left(&out, &known()));
        let placeholder = Known {
            names: vec!["某女".into()],
            ..Known::default()
        };
        assert_eq!(deidentify("某女遭推搡", &placeholder), "某女遭推搡");
        assert!(!names_left("某女遭推搡", &placeholder));
    }

    #[test]
    fn an_address_without_a_county_takes_the_county_name() {
        let out = deidentify("她住在光明路18号3栋2单元，5月20号搬走。", &known());
        assert_eq!(out, "她住在安宁市，5月搬走。");
        let out = deidentify("她住在光明路18号。", &Known::default());
        assert_eq!(out, "她住在某地。");
    }

    #[test]
    fn ordinary_words_stay() {
        let text = "该村妇联多次上门，讲解反家庭暴力法，组织村民学习。";
        assert_eq!(deidentify(text, &Known::default()), text);
    }

    #[test]
    fn a_reviewed_text_with_a_number_is_refused_naming_the_field() {
        let r = ReviewInput {
            title: "一起家暴案例".into(),
            text: "当事人电话 138 1234 5678".into(),
            recognisable: false,
        };
        let e = r.validate().err().unwrap_or_default();
        assert_eq!(e.0[0].field, "case_text");
        assert_eq!(e.0[0].code, "typical.personal_numbers");
    }

    #[test]
    fn a_proposal_names_each_bad_field() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        let p = ProposalInput {
            kind: "nope".into(),
            year: "2027".into(),
            title: String::new(),
            source: "case".into(),
            source_id: None,
            text: "x".into(),
        };
        let e = p.validate(today).err().unwrap_or_default();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["kind", "year", "title", "source_id"]);
    }
}
