//! A generated archive of news feeds about a county, for measuring the intake of public opinion
//! and its judgement against a known truth: items about a number of events (each with its
//! place, category and words, a few events running at any moment), and reposts of earlier items
//! with their punctuation, spacing or a 转载 mark changed — the near-duplicates. The same seed
//! gives the same archive everywhere. The texts name no one.

use super::Rng;

/// The words of each category's events: category key, then words a report of it uses.
pub const CATEGORY_WORDS: [(&str, [&str; 6]); 8] = [
    (
        "domestic_violence",
        ["家暴", "殴打", "施暴", "打骂", "虐待", "暴力"],
    ),
    (
        "sexual_assault",
        ["猥亵", "性侵", "侵害", "骚扰", "强奸", "侮辱"],
    ),
    (
        "trafficking",
        ["拐卖", "拐骗", "贩卖", "人贩子", "收买", "解救"],
    ),
    (
        "missing_child",
        ["走失", "失踪", "寻找", "下落", "搜寻", "寻人"],
    ),
    ("suicide", ["轻生", "自杀", "跳楼", "服毒", "抢救", "遗书"]),
    (
        "marriage_family",
        ["离婚", "彩礼", "抚养", "赡养", "婚姻", "财产"],
    ),
    (
        "employment",
        ["欠薪", "辞退", "招聘", "歧视", "工资", "产假"],
    ),
    ("other", ["纠纷", "投诉", "求助", "争吵", "冲突", "围观"]),
];

/// Words an event's reports share (each event takes sixteen).
const EVENT_WORDS: [&str; 160] = [
    "朋友",
    "邻居",
    "丈夫",
    "妻子",
    "母亲",
    "父亲",
    "女儿",
    "儿子",
    "老人",
    "孩子",
    "学生",
    "老师",
    "医生",
    "护士",
    "民警",
    "律师",
    "法官",
    "记者",
    "网友",
    "村民",
    "居民",
    "干部",
    "志愿者",
    "司机",
    "商贩",
    "店主",
    "工人",
    "农民",
    "保姆",
    "房东",
    "租客",
    "医院",
    "学校",
    "公园",
    "车站",
    "市场",
    "超市",
    "工厂",
    "工地",
    "宾馆",
    "饭店",
    "网吧",
    "小区",
    "楼道",
    "广场",
    "河边",
    "山林",
    "道路",
    "农田",
    "派出所",
    "法院",
    "晚上",
    "凌晨",
    "中午",
    "傍晚",
    "周末",
    "假期",
    "春节",
    "昨天",
    "上午",
    "下午",
    "视频",
    "照片",
    "微博",
    "短信",
    "电话",
    "报警",
    "录音",
    "监控",
    "新闻",
    "帖子",
    "受伤",
    "流血",
    "住院",
    "骨折",
    "淤青",
    "哭泣",
    "呼救",
    "惊吓",
    "昏迷",
    "发烧",
    "调查",
    "核实",
    "处理",
    "调解",
    "安置",
    "救助",
    "走访",
    "慰问",
    "赔偿",
    "道歉",
    "拘留",
    "立案",
    "判决",
    "起诉",
    "取证",
    "笔录",
    "鉴定",
    "审理",
    "上诉",
    "执行",
    "房子",
    "汽车",
    "手机",
    "钱包",
    "存款",
    "债务",
    "贷款",
    "工资卡",
    "户口",
    "合同",
    "协议",
    "证件",
    "饮酒",
    "赌博",
    "吸毒",
    "失业",
    "生病",
    "怀孕",
    "残疾",
    "抑郁",
    "焦虑",
    "愤怒",
    "争执",
    "矛盾",
    "误会",
    "谣言",
    "澄清",
    "声明",
    "通报",
    "回应",
    "关注",
    "转发",
    "评论",
    "热议",
    "质疑",
    "呼吁",
    "谴责",
    "支持",
    "同情",
    "担心",
    "害怕",
    "保护",
    "安全",
    "权益",
    "法律",
    "政策",
    "制度",
    "部门",
    "机构",
    "社区",
    "街道",
    "政府",
    "妇联",
    "公安",
    "民政",
    "教育",
    "卫生",
    "司法",
    "检察",
];

/// Words any report may carry.
const FILLER: [&str; 40] = [
    "据悉",
    "目前",
    "记者",
    "了解",
    "情况",
    "表示",
    "相关",
    "进一步",
    "事件",
    "发生",
    "当地",
    "有关",
    "工作",
    "问题",
    "消息",
    "今天",
    "现场",
    "发现",
    "介绍",
    "称",
    "进行",
    "采取",
    "措施",
    "及时",
    "积极",
    "依法",
    "认真",
    "继续",
    "持续",
    "关心",
    "广大",
    "群众",
    "社会",
    "各界",
    "媒体",
    "报道",
    "后续",
    "跟进",
    "通知",
    "反映",
];

/// What the generator knows of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truth {
    /// The event it is about.
    pub event: u32,
    /// The item it reposts, when it is a near-duplicate.
    pub original: Option<u32>,
}

/// One event: its place, category and words.
struct Event {
    place: usize,
    category: usize,
    words: Vec<&'static str>,
}

/// The archive, made feed by feed.
pub struct Archive {
    rng: Rng,
    places: Vec<String>,
    events: Vec<Event>,
    total: u32,
    originals: u32,
    originals_made: u32,
    /// The truth of the items made so far.
    pub truth: Vec<Truth>,
    /// The latest originals (their number, title and body), what reposts copy.
    recent: std::collections::VecDeque<(u32, String, String)>,
}

/// The guid of the `n`th item.
pub fn guid(n: u32) -> String {
    format!("archive-{n}")
}

impl Archive {
    /// An archive of `items` items (`duplicates_pct` of them reposts) about `events` events at
    /// `places` (the county's division names).
    pub fn new(
        seed: u64,
        items: u32,
        events: u32,
        duplicates_pct: u32,
        places: Vec<String>,
    ) -> Archive {
        let mut rng = Rng(seed);
        let places = if places.is_empty() {
            vec!["本县".to_string()]
        } else {
            places
        };
        let events = (0..events.max(1))
            .map(|_| {
                let mut words: Vec<&'static str> = Vec::new();
                while words.len() < 16 {
                    let w = *rng.pick(&EVENT_WORDS);
                    if !words.contains(&w) {
                        words.push(w);
                    }
                }
                Event {
                    place: rng.below(places.len() as u64) as usize,
                    category: rng.below(CATEGORY_WORDS.len() as u64) as usize,
                    words,
                }
            })
            .collect();
        let originals = items - items * duplicates_pct.min(100) / 100;
        Archive {
            rng,
            places,
            events,
            total: items,
            originals,
            originals_made: 0,
            truth: Vec::with_capacity(items as usize),
            recent: std::collections::VecDeque::new(),
        }
    }

    /// The next feed (RSS 2.0) of at most `size` items; `None` once every item is made.
    pub fn next_feed(&mut self, size: u32) -> Option<Vec<u8>> {
        let made = self.truth.len() as u32;
        if made >= self.total {
            return None;
        }
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
             <title>县域新闻</title><link>https://news.example.cn/</link>\
             <description>generated</description>\n",
        );
        for n in made..(made + size).min(self.total) {
            let (title, body) = self.item(n);
            xml.push_str(&format!(
                "<item><guid isPermaLink=\"false\">{}</guid><title>{title}</title>\
                 <link>https://news.example.cn/a/{n}</link><description>{body}</description>\
                 </item>\n",
                guid(n)
            ));
        }
        xml.push_str("</channel></rss>\n");
        Some(xml.into_bytes())
    }

    /// The `n`th item's title and body, its truth recorded.
    fn item(&mut self, n: u32) -> (String, String) {
        let originals_made = self.originals_made;
        let left = self.total - n;
        let originals_left = self.originals.saturating_sub(originals_made);
        // A repost as often as the share of reposts still to make asks.
        let repost = !self.recent.is_empty()
            && (originals_left == 0
                || self.rng.below(u64::from(left)) >= u64::from(originals_left));
        if repost {
            let k = self.rng.below(self.recent.len() as u64) as usize;
            let (orig, title, body) = self.recent[k].clone();
            let event = self.truth[orig as usize].event;
            self.truth.push(Truth {
                event,
                original: Some(orig),
            });
            return match self.rng.below(3) {
                0 => (
                    format!("{title}！"),
                    body.replace('，', "、").replace('。', "！"),
                ),
                1 => (format!("【{title}】"), body.replace('，', " ， ")),
                _ => (format!("转载：{title}"), body),
            };
        }
        // A few events run at once: the ones around this original's place in the archive.
        let per_event = (self.originals / self.events.len() as u32).max(1);
        let at = originals_made / per_event;
        let back = self.rng.below(8) as u32;
        let event = at.saturating_sub(back).min(self.events.len() as u32 - 1);
        let e = &self.events[event as usize];
        let place = self.places[e.place].clone();
        let (_, cats) = CATEGORY_WORDS[e.category];
        let mut words: Vec<&str> = e.words.clone();
        // Each report leaves out two of the event's words and adds three of its own.
        for _ in 0..2 {
            let i = self.rng.below(words.len() as u64) as usize;
            words.remove(i);
        }
        for _ in 0..3 {
            words.push(*self.rng.pick(&FILLER));
        }
        for i in (1..words.len()).rev() {
            let j = self.rng.below(i as u64 + 1) as usize;
            words.swap(i, j);
        }
        let c1 = cats[event as usize % cats.len()];
        let c2 = cats[(event as usize + 1) % cats.len()];
        let title = format!("{place}发生一起{c1}事件");
        let mut body = format!("{place}，{c1}，{c2}");
        for chunk in words.chunks(3) {
            body.push('，');
            body.push_str(&chunk.join("，"));
        }
        body.push('。');
        self.truth.push(Truth {
            event,
            original: None,
        });
        self.originals_made += 1;
        self.recent.push_back((n, title.clone(), body.clone()));
        if self.recent.len() > 500 {
            self.recent.pop_front();
        }
        (title, body)
    }

    /// The number of events.
    pub fn events(&self) -> usize {
        self.events.len()
    }
}

/// Pairwise precision and recall of a grouping against the truth (`predicted[i]` and
/// `actual[i]` the groups of item `i`): of the pairs put together, how many belong together,
/// and of the pairs that belong together, how many were put together.
pub fn pair_scores(predicted: &[u64], actual: &[u64]) -> (f64, f64) {
    use std::collections::HashMap;
    fn pairs(n: u64) -> u64 {
        n * n.saturating_sub(1) / 2
    }
    let mut p: HashMap<u64, u64> = HashMap::new();
    let mut a: HashMap<u64, u64> = HashMap::new();
    let mut both: HashMap<(u64, u64), u64> = HashMap::new();
    for (x, y) in predicted.iter().zip(actual) {
        *p.entry(*x).or_default() += 1;
        *a.entry(*y).or_default() += 1;
        *both.entry((*x, *y)).or_default() += 1;
    }
    let tp: u64 = both.values().map(|n| pairs(*n)).sum();
    let pp: u64 = p.values().map(|n| pairs(*n)).sum();
    let ap: u64 = a.values().map(|n| pairs(*n)).sum();
    let ratio = |x: u64, y: u64| if y == 0 { 1.0 } else { x as f64 / y as f64 };
    (ratio(tp, pp), ratio(tp, ap))
}
