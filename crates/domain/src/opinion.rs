//! Public opinion (舆论应对): what an item about women and children is, how it is recognised
//! again (exact duplicates by source and id, near-duplicates by a 64-bit SimHash, events by the
//! overlap of their words), judged (a county's keyword scheme and its gazetteer of places),
//! graded, timed and answered. Pure rules: the segmenter and the automata are given their words.

use crate::{FieldError, Lang, ValidationErrors};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

catalog!(
    /// Where an item came from.
    SourceKind {
        Feed = "feed", "订阅源", "feed";
        Manual = "manual", "人工报送", "reported by hand";
        Hotline = "hotline", "12338热线", "12338 hotline";
        Webhook = "webhook", "监测服务推送", "monitoring service";
    }
);

catalog!(
    /// How serious an item is: I is the most serious.
    Grade {
        I = "1", "一级", "grade I";
        II = "2", "二级", "grade II";
        III = "3", "三级", "grade III";
        IV = "4", "四级", "grade IV";
    }
);

impl Grade {
    /// Grades I and II: the county's chair is told, and a person confirms the grade.
    pub fn is_major(self) -> bool {
        matches!(self, Grade::I | Grade::II)
    }
}

catalog!(
    /// Where a topic (one event and its items) stands.
    Stage {
        Found = "found", "发现", "found";
        Judged = "judged", "研判", "judged";
        Handled = "handled", "处置", "handled";
        Answered = "answered", "回应", "answered";
        Closed = "closed", "办结", "closed";
    }
);

catalog!(
    /// A step taken on a topic, with who and when.
    StepKind {
        Found = "found", "发现", "found";
        Judge = "judge", "研判", "judged";
        Handle = "handle", "处置", "handled";
        Draft = "draft", "拟写回应", "response drafted";
        Approve = "approve", "审核发布回应", "response approved and published";
        Close = "close", "办结", "closed";
        Reopen = "reopen", "再次发酵，重新打开", "reopened: new items";
        Merge = "merge", "确认同一事件", "confirmed as the same event";
    }
);

catalog!(
    /// How an item belongs to its topic.
    TopicLink {
        Confirmed = "confirmed", "同一事件", "same event";
        Suggested = "suggested", "可能同一事件", "possibly the same event";
    }
);

catalog!(
    /// What the last poll of a source found.
    SourceState {
        Never = "never", "尚未抓取", "not polled yet";
        Ok = "ok", "正常", "working";
        NotFeed = "not_feed", "内容不是订阅源格式", "not a feed";
        TooLarge = "too_large", "内容超过大小上限", "larger than allowed";
        Timeout = "timeout", "访问超时", "timed out";
        HttpError = "http_error", "访问失败", "the server refused or failed";
        Silent = "silent", "长时间无新内容", "silent for too long";
        Refused = "refused", "地址指向本机或内网，已拒绝", "refused: leads to this machine or an internal network";
    }
);

/// The categories a county starts with (configurable): key, Chinese, English.
pub const DEFAULT_CATEGORIES: [(&str, &str, &str); 8] = [
    ("domestic_violence", "家庭暴力", "domestic violence"),
    ("sexual_assault", "性侵害", "sexual assault"),
    ("trafficking", "拐卖妇女儿童", "trafficking"),
    ("missing_child", "儿童失踪", "missing child"),
    ("suicide", "自杀", "suicide"),
    ("marriage_family", "婚姻家庭", "marriage and family"),
    ("employment", "就业", "employment"),
    ("other", "其他", "other"),
];

/// The time limits of a topic by grade, in hours (configuration; PRODUCT.md's defaults): first
/// authoritative information for grades I–II, a press response for a major incident, an answer
/// for the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub first_information_hours: i64,
    pub press_hours: i64,
    pub answer_hours: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            first_information_hours: 4,
            press_hours: 24,
            answer_hours: 48,
        }
    }
}

impl Limits {
    /// The clocks of a judged topic: (kind key, hours after it was found).
    pub fn clocks(&self, grade: Grade) -> Vec<(&'static str, i64)> {
        match grade {
            Grade::I => vec![
                ("opinion_first", self.first_information_hours),
                ("opinion_press", self.press_hours),
            ],
            Grade::II => vec![("opinion_first", self.first_information_hours)],
            Grade::III | Grade::IV => vec![("opinion_answer", self.answer_hours)],
        }
    }
}

/// Thresholds of the grouping into topics: word-set overlap (Jaccard) at or above `high` joins
/// the topic, between `low` and `high` proposes it ("可能同一事件"); texts of fewer than
/// `min_words` words are never joined automatically. A SimHash within `near_bits` of an earlier
/// item makes a near-duplicate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grouping {
    pub high: f64,
    pub low: f64,
    pub min_words: usize,
    pub near_bits: u32,
    /// Topics whose last item is older than this are not matched (days).
    pub window_days: i64,
}

impl Default for Grouping {
    fn default() -> Self {
        Grouping {
            high: 0.5,
            low: 0.25,
            min_words: 8,
            near_bits: 3,
            window_days: 7,
        }
    }
}

// ---------------------------------------------------------------- text

/// Text as compared: tags removed, full-width forms made half-width, letters lower-case,
/// runs of white space made one space.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    let mut space = false;
    for c in s.chars() {
        if c == '<' {
            in_tag = true;
            continue;
        }
        if in_tag {
            if c == '>' {
                in_tag = false;
            }
            continue;
        }
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        };
        if c.is_whitespace() {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
            continue;
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out.trim_end().to_string()
}

/// A link as compared: scheme and host lower-case, no fragment, no tracking parameters
/// (`utm_*`, `spm`, `from`), no trailing slash.
pub fn normalise_link(link: &str) -> String {
    let link = link.trim();
    let link = link.split('#').next().unwrap_or_default();
    let (base, query) = match link.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (link, None),
    };
    let base = match base.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = match rest.split_once('/') {
                Some((h, p)) => (h, format!("/{p}")),
                None => (rest, String::new()),
            };
            format!(
                "{}://{}{}",
                scheme.to_lowercase(),
                host.to_lowercase(),
                path.trim_end_matches('/')
            )
        }
        None => base.trim_end_matches('/').to_string(),
    };
    let mut params: Vec<&str> = query
        .unwrap_or_default()
        .split('&')
        .filter(|p| {
            !p.is_empty()
                && !p.starts_with("utm_")
                && !p.starts_with("spm=")
                && !p.starts_with("from=")
        })
        .collect();
    params.sort_unstable();
    if params.is_empty() {
        base
    } else {
        format!("{base}?{}", params.join("&"))
    }
}

/// FNV-1a over the bytes, then the SplitMix64 finaliser: a 64-bit hash that is the same on
/// every machine and every version (the standard library's is not promised to be).
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The id of an item within its source: its own id (guid) when it has one, else a hash of its
/// normalised link and title. Never random, so a second fetch finds the first.
pub fn external_id(guid: Option<&str>, link: &str, title: &str) -> String {
    match guid.map(str::trim).filter(|g| !g.is_empty()) {
        Some(g) => g.chars().take(200).collect(),
        None => format!(
            "h:{:016x}",
            hash64(format!("{}\n{}", normalise_link(link), normalise(title)).as_bytes())
        ),
    }
}

/// The words of a text that count: what the segmenter gives, less white space, punctuation,
/// single characters and the commonest function words.
pub fn content_words<'a>(tokens: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    const STOP: [&str; 16] = [
        "一个", "我们", "他们", "她们", "这个", "那个", "没有", "什么", "因为", "所以", "但是",
        "就是", "还是", "已经", "可以", "这样",
    ];
    tokens
        .into_iter()
        .filter(|t| {
            t.chars().count() >= 2 && t.chars().any(char::is_alphanumeric) && !STOP.contains(t)
        })
        .collect()
}

/// The 64-bit SimHash of a text's words (Charikar; Manku et al. 2007): each word's hash votes
/// on every bit, weighted by how often the word occurs.
pub fn simhash(words: &[&str]) -> u64 {
    let mut v = [0i64; 64];
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for w in words {
        *counts.entry(w).or_default() += 1;
    }
    for (w, n) in counts {
        let h = hash64(w.as_bytes());
        for (bit, slot) in v.iter_mut().enumerate() {
            if h >> bit & 1 == 1 {
                *slot += n;
            } else {
                *slot -= n;
            }
        }
    }
    v.iter().enumerate().fold(
        0u64,
        |acc, (bit, s)| if *s > 0 { acc | 1 << bit } else { acc },
    )
}

/// The four 16-bit bands of a SimHash. Two fingerprints within Hamming distance 3 agree on at
/// least one band (pigeonhole), so an index on each band finds every near-duplicate.
pub fn bands(h: u64) -> [i64; 4] {
    [
        (h & 0xffff) as i64,
        (h >> 16 & 0xffff) as i64,
        (h >> 32 & 0xffff) as i64,
        (h >> 48 & 0xffff) as i64,
    ]
}

/// A SimHash as the database stores it (a signed 64-bit integer, the same bits).
pub fn to_stored(h: u64) -> i64 {
    h as i64
}

pub fn from_stored(h: i64) -> u64 {
    h as u64
}

pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// A text's words as a set of 32-bit hashes, sorted: what topics compare, and what a topic keeps
/// of its items (hashes, never the words, which may name someone).
pub fn word_set(words: &[&str]) -> Vec<u32> {
    let mut s: Vec<u32> = words.iter().map(|w| hash64(w.as_bytes()) as u32).collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// Jaccard similarity of two sorted sets.
pub fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / (a.len() + b.len() - both) as f64
}

/// A word set as stored (hex, space-separated), and back; an unreadable part is skipped.
pub fn word_set_text(s: &[u32]) -> String {
    s.iter()
        .map(|h| format!("{h:08x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn word_set_parse(s: &str) -> Vec<u32> {
    let mut v: Vec<u32> = s
        .split_ascii_whitespace()
        .filter_map(|h| u32::from_str_radix(h, 16).ok())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Whether an item joins a topic, is proposed for it, or stays apart, by the overlap of their
/// word sets. A short text is at most proposed.
pub fn topic_match(g: &Grouping, item: &[u32], topic: &[u32]) -> Option<TopicLink> {
    let sim = jaccard(item, topic);
    if sim >= g.high && item.len() >= g.min_words {
        Some(TopicLink::Confirmed)
    } else if sim >= g.low {
        Some(TopicLink::Suggested)
    } else {
        None
    }
}

// ---------------------------------------------------------------- keyword schemes

/// One rule of a county's keyword scheme (stonedt's layout): it matches a text holding one of
/// its subject words (if any), one of its event words (if any), one of its region words (if
/// any) and none of its exclusion words; then it sets a category and a minimum grade.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rule {
    pub name: String,
    pub subject: Vec<String>,
    pub event: Vec<String>,
    pub region: Vec<String>,
    pub exclude: Vec<String>,
    pub category: String,
    pub min_grade: Option<Grade>,
}

/// A rule as entered: words separated by spaces, commas or new lines (、，, ; ；).
pub fn words_of(s: &str) -> Vec<String> {
    let mut out: Vec<String> = s
        .split(|c: char| c.is_whitespace() || ",，、;；".contains(c))
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(normalise)
        .collect();
    out.dedup();
    out
}

/// Checks a rule as entered; `categories` are the county's category keys.
pub fn validate_rule(r: &Rule, categories: &[String]) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    let name = r.name.trim();
    if name.is_empty() {
        e.push("name", "required");
    } else if name.chars().count() > 50 {
        e.push("name", "too_long");
    }
    if r.subject.is_empty() && r.event.is_empty() {
        e.push("event_words", "opinion.rule_words");
    }
    for (field, words) in [
        ("subject_words", &r.subject),
        ("event_words", &r.event),
        ("region_words", &r.region),
        ("exclude_words", &r.exclude),
    ] {
        if words.len() > 200 || words.iter().any(|w| w.chars().count() > 20) {
            e.push(field, "too_long");
        }
    }
    if !categories.contains(&r.category) {
        e.push("category", "invalid");
    }
    e.into_result()
}

/// A category's names as a county gives them, trimmed: both required, at most 40 characters,
/// neither the name of another of its categories (`others`: the Chinese and English names of
/// the rest, the retired ones too, so that no two lines of the figures read alike; English
/// compared without case).
pub fn validate_category(
    name_zh: &str,
    name_en: &str,
    others: &[(&str, &str)],
) -> Result<(String, String), ValidationErrors> {
    let mut e = ValidationErrors::new();
    let (zh, en) = (name_zh.trim(), name_en.trim());
    for (field, v) in [("name_zh", zh), ("name_en", en)] {
        if v.is_empty() {
            e.push(field, "required");
        } else if v.chars().count() > 40 {
            e.push(field, "too_long");
        }
    }
    if !zh.is_empty() && others.iter().any(|(z, _)| z.trim() == zh) {
        e.push("name_zh", "opinion.category_duplicate");
    }
    if !en.is_empty()
        && others
            .iter()
            .any(|(_, n)| n.trim().eq_ignore_ascii_case(en))
    {
        e.push("name_en", "opinion.category_duplicate");
    }
    e.into_result()?;
    Ok((zh.to_string(), en.to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Subject,
    Event,
    Region,
    Exclude,
}

/// A county's scheme compiled into one automaton over all the words of all its rules.
#[derive(Debug, Clone)]
pub struct Scheme {
    rules: Vec<Rule>,
    automaton: Option<AhoCorasick>,
    /// For each pattern: the rules and the slot it fills.
    uses: Vec<Vec<(usize, Slot)>>,
    words: Vec<String>,
}

/// What the scheme says of a text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    /// The category of the matching rule of highest grade.
    pub category: Option<String>,
    /// The highest minimum grade of the matching rules: proposed only, a person confirms it.
    pub grade: Option<Grade>,
    /// The rules that matched, by name.
    pub rules: Vec<String>,
    /// The words found (of matching rules), in the order of the text, once each.
    pub words: Vec<String>,
}

impl Scheme {
    pub fn compile(rules: Vec<Rule>) -> Scheme {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut words: Vec<String> = Vec::new();
        let mut uses: Vec<Vec<(usize, Slot)>> = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for (slot, list) in [
                (Slot::Subject, &r.subject),
                (Slot::Event, &r.event),
                (Slot::Region, &r.region),
                (Slot::Exclude, &r.exclude),
            ] {
                for w in list {
                    let p = *index.entry(w.clone()).or_insert_with(|| {
                        words.push(w.clone());
                        uses.push(Vec::new());
                        words.len() - 1
                    });
                    uses[p].push((i, slot));
                }
            }
        }
        let automaton = if words.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&words)
                .ok()
        };
        Scheme {
            rules,
            automaton,
            uses,
            words,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Judges a normalised text.
    pub fn judge(&self, text: &str) -> Verdict {
        let Some(ac) = &self.automaton else {
            return Verdict::default();
        };
        // Per rule: which slots were filled, and the words that filled them.
        let mut filled: Vec<[bool; 4]> = vec![[false; 4]; self.rules.len()];
        let mut found: Vec<(usize, usize)> = Vec::new();
        for m in ac.find_overlapping_iter(text) {
            let p = m.pattern().as_usize();
            found.push((m.start(), p));
            for (rule, slot) in &self.uses[p] {
                filled[*rule][*slot as usize] = true;
            }
        }
        let mut v = Verdict::default();
        let mut matched: Vec<usize> = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            let f = filled[i];
            let ok = (r.subject.is_empty() || f[Slot::Subject as usize])
                && (r.event.is_empty() || f[Slot::Event as usize])
                && (r.region.is_empty() || f[Slot::Region as usize])
                && !f[Slot::Exclude as usize];
            if ok {
                matched.push(i);
            }
        }
        // The most serious rule sets the category; the first one among equals.
        let rank = |g: Option<Grade>| g.map(|g| g as u8).unwrap_or(u8::MAX);
        if let Some(best) = matched
            .iter()
            .min_by_key(|i| (rank(self.rules[**i].min_grade), **i))
        {
            v.category = Some(self.rules[*best].category.clone());
            v.grade = self.rules[*best].min_grade;
        }
        v.rules = matched
            .iter()
            .map(|i| self.rules[*i].name.clone())
            .collect();
        found.sort_unstable();
        for (_, p) in found {
            let used = self.uses[p]
                .iter()
                .any(|(r, s)| *s != Slot::Exclude && matched.contains(r));
            if used && !v.words.contains(&self.words[p]) {
                v.words.push(self.words[p].clone());
            }
        }
        v
    }
}

// ---------------------------------------------------------------- places

/// A place of the county's gazetteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GazetteerPlace {
    pub code: String,
    pub name: String,
    pub path: String,
    /// The place's parent code (a village's township).
    pub parent: Option<String>,
}

/// The suffixes a short alias drops (禄脿街道 → 禄脿, 文化路社区居委会 → 文化路社区 → 文化路).
const SUFFIXES: [&str; 12] = [
    "社区居民委员会",
    "村民委员会",
    "居民委员会",
    "社区居委会",
    "村委会",
    "居委会",
    "街道办事处",
    "街道",
    "社区",
    "镇",
    "乡",
    "村",
];

/// The short names of a place: its name less a suffix, again and again, while at least two
/// characters remain.
pub fn aliases(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut todo = vec![name.to_string()];
    while let Some(cur) = todo.pop() {
        for s in SUFFIXES.iter().filter(|s| cur.ends_with(**s)) {
            let shorter = cur[..cur.len() - s.len()].to_string();
            if shorter.chars().count() >= 2 && !out.contains(&shorter) {
                out.push(shorter.clone());
                todo.push(shorter);
            }
        }
    }
    out
}

/// The county's places (townships and villages) as one automaton over their names and their
/// unambiguous short names; the longest name wins (禄脿街道 over 禄脿).
#[derive(Debug, Clone)]
pub struct Gazetteer {
    places: Vec<GazetteerPlace>,
    automaton: Option<AhoCorasick>,
    /// Pattern → place.
    targets: Vec<usize>,
    names: Vec<String>,
}

/// A place recognised in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceMatch {
    pub code: String,
    pub path: String,
    /// The words that named it, as found.
    pub words: Vec<String>,
}

impl Gazetteer {
    pub fn new(places: Vec<GazetteerPlace>) -> Gazetteer {
        // How many places each name or short name could mean.
        let mut count: HashMap<String, usize> = HashMap::new();
        for p in &places {
            let mut names = vec![p.name.clone()];
            names.extend(aliases(&p.name));
            names.dedup();
            for n in names {
                *count.entry(n).or_default() += 1;
            }
        }
        let mut names = Vec::new();
        let mut targets = Vec::new();
        for (i, p) in places.iter().enumerate() {
            let mut own = vec![p.name.clone()];
            own.extend(aliases(&p.name));
            own.dedup();
            for n in own {
                if count.get(&n) == Some(&1) {
                    names.push(n);
                    targets.push(i);
                }
            }
        }
        let automaton = if names.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&names)
                .ok()
        };
        Gazetteer {
            places,
            automaton,
            targets,
            names,
        }
    }

    /// Every name the gazetteer accepts (for the segmenter's dictionary).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The most precise place a text names: a village over its township; among villages, one
    /// whose township is named too; else the first named.
    pub fn find(&self, text: &str) -> Option<PlaceMatch> {
        let ac = self.automaton.as_ref()?;
        let mut hits: Vec<(usize, String)> = Vec::new();
        for m in ac.find_iter(text) {
            let place = self.targets[m.pattern().as_usize()];
            hits.push((place, self.names[m.pattern().as_usize()].clone()));
        }
        if hits.is_empty() {
            return None;
        }
        let depth = |i: usize| self.places[i].path.len();
        let named: Vec<&String> = hits.iter().map(|(i, _)| &self.places[*i].code).collect();
        let best = hits.iter().map(|(i, _)| *i).max_by_key(|i| {
            let parent_named = self.places[*i]
                .parent
                .as_ref()
                .is_some_and(|p| named.contains(&p));
            (depth(*i), parent_named, std::cmp::Reverse(*i))
        })?;
        let p = &self.places[best];
        let mut words: Vec<String> = Vec::new();
        for (i, w) in &hits {
            let related = *i == best || p.path.starts_with(&self.places[*i].path);
            if related && !words.contains(w) {
                words.push(w.clone());
            }
        }
        Some(PlaceMatch {
            code: p.code.clone(),
            path: p.path.clone(),
            words,
        })
    }
}

// ---------------------------------------------------------------- personal data in text

/// Runs of ASCII digits (with a final X) that look like a resident ID number (15 or 18
/// characters) or a mobile number (11 digits starting 13–19): what a public response must not
/// carry. Returns the spans found.
pub fn personal_numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '-' || chars[i] == ' ') {
            i += 1;
        }
        if i < chars.len() && matches!(chars[i], 'x' | 'X') {
            i += 1;
        }
        let run: String = chars[start..i]
            .iter()
            .filter(|c| !matches!(c, '-' | ' '))
            .collect();
        let digits = run.trim_end_matches(['x', 'X']).len();
        let id = (run.len() == 18 && digits >= 17) || (run.len() == 15 && digits == 15);
        let mobile =
            run.len() == 11 && digits == 11 && run.starts_with('1') && run.as_bytes()[1] >= b'3';
        if id || mobile {
            out.push(run);
        }
    }
    out
}

/// The text with resident ID and mobile numbers masked.
pub fn mask_numbers(text: &str) -> String {
    let mut out = text.to_string();
    for n in personal_numbers(text) {
        let masked = if n.len() == 11 {
            crate::mask::phone(&n)
        } else {
            crate::mask::id_number(&n)
        };
        out = out.replace(&n, &masked);
    }
    out
}

/// A public response as entered: required, at most 2,000 characters, and free of resident ID
/// and mobile numbers.
pub fn validate_response(text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(FieldError::new("response", "required"));
    }
    if t.chars().count() > 2000 {
        return Err(FieldError::new("response", "too_long"));
    }
    if !personal_numbers(t).is_empty() {
        return Err(FieldError::new("response", "opinion.personal_numbers"));
    }
    Ok(t.to_string())
}

/// The name of a category in a language, from the county's table, else the key.
pub fn category_label<'a>(key: &'a str, zh: &'a str, en: &'a str, lang: Lang) -> &'a str {
    match lang.pick(zh, en) {
        "" => key,
        s => s,
    }
}

/// Whether a feed may be fetched from this address: only a public one, so that a feed cannot
/// turn the server against itself or its network. Loopback only when the configuration allows
/// it; never a private, shared (100.64/10, where some clouds answer their metadata), link-local
/// (169.254.169.254), unspecified, broadcast, multicast, documentation, benchmarking or reserved
/// address, nor an IPv6 unique-local, site-local or link-local one. An IPv4 address inside an
/// IPv6 one (mapped, NAT64, 6to4) is judged as the IPv4 address; Teredo and the old
/// IPv4-compatible form are refused.
pub fn feed_address_allowed(ip: IpAddr, loopback: bool) -> bool {
    let a = match ip {
        IpAddr::V4(a) => return v4_allowed(a, loopback),
        IpAddr::V6(a) => a,
    };
    if let Some(v4) = a.to_ipv4_mapped() {
        return v4_allowed(v4, loopback);
    }
    if a.is_loopback() {
        return loopback;
    }
    let s = a.segments();
    let low_v4 = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return v4_allowed(low_v4(), loopback);
    }
    if s[0] == 0x2002 {
        let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
        return v4_allowed(v4, loopback);
    }
    !(s[0..6] == [0; 6]
        || a.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xffc0) == 0xfec0
        || (s[0] == 0x2001 && (s[1] == 0 || s[1] == 0x0db8))
        || (s[0] == 0x0100 && s[1..4] == [0; 3]))
}

fn v4_allowed(a: Ipv4Addr, loopback: bool) -> bool {
    if a.is_loopback() {
        return loopback;
    }
    let o = a.octets();
    !(a.is_private()
        || a.is_link_local()
        || a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || a.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || o[0] >= 240)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_names_are_required_short_and_unlike_the_others() {
        let others = [("家庭暴力", "domestic violence"), ("其他", "other")];
        assert_eq!(
            validate_category(" 网络暴力 ", "online abuse", &others).unwrap(),
            ("网络暴力".to_string(), "online abuse".to_string())
        );
        let fields = |r: Result<(String, String), ValidationErrors>| -> Vec<(String, String)> {
            r.unwrap_err()
                .0
                .into_iter()
                .map(|f| (f.field, f.code.to_string()))
                .collect()
        };
        assert_eq!(
            fields(validate_category(" ", "", &others)),
            [
                ("name_zh".to_string(), "required".to_string()),
                ("name_en".to_string(), "required".to_string())
            ]
        );
        assert_eq!(
            fields(validate_category("家庭暴力", "Other ", &others)),
            [
                (
                    "name_zh".to_string(),
                    "opinion.category_duplicate".to_string()
                ),
                (
                    "name_en".to_string(),
                    "opinion.category_duplicate".to_string()
                )
            ]
        );
        assert_eq!(
            fields(validate_category(&"长".repeat(41), "x", &others)),
            [("name_zh".to_string(), "too_long".to_string())]
        );
    }

    #[test]
    fn external_ids_are_stable_and_ignore_tracking() {
        let a = external_id(
            None,
            "HTTPS://News.Example.cn/a/1/?utm_source=x#top",
            "标题 ",
        );
        let b = external_id(None, "https://news.example.cn/a/1", "标题");
        assert_eq!(a, b);
        assert_ne!(a, external_id(None, "https://news.example.cn/a/2", "标题"));
        assert_eq!(external_id(Some(" g-1 "), "x", "y"), "g-1");
    }

    #[test]
    fn simhash_bands_find_every_near_duplicate() {
        for d in 0..=3u32 {
            let a: u64 = 0x0123_4567_89ab_cdef;
            let mut b = a;
            for k in 0..d {
                b ^= 1 << (k * 17);
            }
            assert_eq!(hamming(a, b), d);
            let (x, y) = (bands(a), bands(b));
            assert!(x.iter().zip(y.iter()).any(|(p, q)| p == q));
        }
        assert_eq!(from_stored(to_stored(u64::MAX)), u64::MAX);
    }

    #[test]
    fn schemes_need_every_slot_and_no_exclusion() {
        let s = Scheme::compile(vec![
            Rule {
                name: "家暴".into(),
                subject: words_of("妇女 女子 妻子"),
                event: words_of("家暴，殴打"),
                exclude: words_of("电视剧"),
                category: "domestic_violence".into(),
                min_grade: Some(Grade::II),
                ..Rule::default()
            },
            Rule {
                name: "失踪".into(),
                event: words_of("走失 失踪"),
                category: "missing_child".into(),
                min_grade: Some(Grade::I),
                ..Rule::default()
            },
        ]);
        let v = s.judge("一女子在家中遭丈夫殴打");
        assert_eq!(v.category.as_deref(), Some("domestic_violence"));
        assert_eq!(v.grade, Some(Grade::II));
        assert_eq!(v.words, vec!["女子", "殴打"]);
        assert_eq!(s.judge("电视剧里妻子被殴打").category, None);
        let v = s.judge("女子被殴打后孩子失踪");
        assert_eq!(v.category.as_deref(), Some("missing_child"));
        assert_eq!(v.grade, Some(Grade::I));
    }

    #[test]
    fn places_prefer_villages_and_unambiguous_aliases() {
        let g = Gazetteer::new(vec![
            GazetteerPlace {
                code: "530181001".into(),
                name: "连然街道".into(),
                path: "53/5301/530181/530181001/".into(),
                parent: None,
            },
            GazetteerPlace {
                code: "530181001001".into(),
                name: "文化路社区居委会".into(),
                path: "53/5301/530181/530181001/530181001001/".into(),
                parent: Some("530181001".into()),
            },
            GazetteerPlace {
                code: "530181002001".into(),
                name: "新村村委会".into(),
                path: "53/5301/530181/530181002/530181002001/".into(),
                parent: Some("530181002".into()),
            },
            GazetteerPlace {
                code: "530181003001".into(),
                name: "新村社区居委会".into(),
                path: "53/5301/530181/530181003/530181003001/".into(),
                parent: Some("530181003".into()),
            },
        ]);
        let m = g.find("连然街道文化路社区发生一起纠纷").unwrap();
        assert_eq!(m.code, "530181001001");
        assert_eq!(m.words, vec!["连然街道", "文化路社区"]);
        assert_eq!(g.find("连然一带").unwrap().code, "530181001");
        // 新村 could be two places: not taken alone.
        assert_eq!(g.find("新村有人说"), None);
        assert_eq!(g.find("新村村委会门口").unwrap().code, "530181002001");
    }

    #[test]
    fn responses_carrying_numbers_are_refused() {
        assert!(validate_response("已核实，联系电话 138 0013 8000").is_err());
        assert!(validate_response("当事人身份证号 53018119900101123X").is_err());
        assert!(validate_response("2024年5月1日已妥善处置，共3人").is_ok());
        assert_eq!(mask_numbers("电话13800138000"), "电话138****8000");
    }

    #[test]
    fn short_texts_are_only_proposed() {
        let g = Grouping::default();
        let a = word_set(&["家暴", "安宁"]);
        assert_eq!(topic_match(&g, &a, &a), Some(TopicLink::Suggested));
        let long: Vec<String> = (0..10).map(|i| format!("词{i}")).collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        let b = word_set(&long);
        assert_eq!(topic_match(&g, &b, &b), Some(TopicLink::Confirmed));
        assert_eq!(word_set_parse(&word_set_text(&b)), b);
    }

    #[test]
    fn feeds_reach_only_public_addresses() {
        let ok = |s: &str, lo: bool| feed_address_allowed(s.parse().unwrap(), lo);
        for public in [
            "8.8.8.8",
            "223.5.5.5",
            "2400:3200::1",
            "64:ff9b::808:808",
            "::ffff:8.8.8.8",
        ] {
            assert!(ok(public, false), "{public}");
        }
        for inside in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.0.192",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2002:a9fe:a9fe::1",
            "2001::1",
            "::10.0.0.1",
            "2001:db8::1",
            "100::1",
        ] {
            assert!(!ok(inside, false), "{inside}");
        }
        // Loopback only when the configuration allows it; the others never.
        assert!(ok("127.0.0.1", true) && ok("::1", true) && ok("::ffff:127.0.0.1", true));
        assert!(!ok("169.254.169.254", true) && !ok("10.0.0.1", true));
    }
}
