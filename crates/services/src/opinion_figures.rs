//! A level's monthly figures of public opinion (page, API and workbook): the items found in the
//! month by source, category, grade and place (the place's children), the topics' clocks
//! against their limits (kept, late, overdue, running) and the time to a published answer —
//! computed from the records each time, within the reader's scope.

use crate::linkage::ms;
use crate::{Caller, ServiceError, Services, clock};
use chrono::{Datelike, NaiveDate};
use jinguo_domain::Lang;
use jinguo_domain::linkage::DeadlineKind;
use jinguo_domain::opinion::{self as rules, Grade, SourceKind};
use jinguo_interchange::{Cell, Sheet, xlsx};
use jinguo_storage::opinion as store;
use std::collections::BTreeMap;

/// One line of a breakdown: a key, its label, how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub n: i64,
}

/// A kind of clock in the month: its limit and how its clocks went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockFigures {
    pub kind: DeadlineKind,
    pub limit_hours: i64,
    pub total: i64,
    /// Stopped (answered or closed) within the limit.
    pub kept: i64,
    /// Stopped after the limit.
    pub late: i64,
    /// Still open and past the limit.
    pub overdue: i64,
    /// Still open, within the limit.
    pub running: i64,
}

/// A level's figures for one month.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthFigures {
    pub place_code: String,
    pub place_name: String,
    /// The period counted: `YYYY-MM` for a month (see `Period::key` for the others).
    pub month: String,
    pub items: i64,
    pub topics: i64,
    pub answered: i64,
    /// Mean hours from finding a topic to its published answer.
    pub mean_answer_hours: Option<f64>,
    pub by_source: Vec<Count>,
    pub by_category: Vec<Count>,
    pub by_grade: Vec<Count>,
    pub by_place: Vec<Count>,
    pub clocks: Vec<ClockFigures>,
}

impl MonthFigures {
    /// Clocks past their limit still open.
    pub fn overdue(&self) -> i64 {
        self.clocks.iter().map(|c| c.overdue).sum()
    }
}

/// The first day of a month `YYYY-MM` (this month in China when empty) and of the next.
fn month_of(s: &str) -> Result<(NaiveDate, NaiveDate), ServiceError> {
    let s = s.trim();
    let first = if s.is_empty() {
        let t = clock::today();
        NaiveDate::from_ymd_opt(t.year(), t.month(), 1)
    } else {
        NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok()
    }
    .filter(|d| (2000..=2100).contains(&d.year()))
    .ok_or_else(|| crate::error::invalid("month", "month.format"))?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| crate::error::invalid("month", "month.format"))?;
    Ok((first, next))
}

fn sorted(map: BTreeMap<String, (String, i64)>) -> Vec<Count> {
    let mut v: Vec<Count> = map
        .into_iter()
        .map(|(key, (label, n))| Count { key, label, n })
        .collect();
    v.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.key.cmp(&b.key)));
    v
}

impl Services {
    /// The monthly figures of a place in the caller's opinion scope (chair or officer).
    pub async fn opinion_month(
        &self,
        caller: &Caller,
        code: &str,
        month: &str,
        lang: Lang,
    ) -> Result<MonthFigures, ServiceError> {
        let (first, next) = month_of(month)?;
        let period = jinguo_domain::period::Period {
            from: first,
            to: next.pred_opt().unwrap_or(first),
        };
        self.opinion_figures(caller, code, period, lang).await
    }

    /// The figures of a place in the caller's opinion scope over `period` when one is given, else
    /// over `month` (this month without one).
    pub async fn opinion_figures_of(
        &self,
        caller: &Caller,
        code: &str,
        month: Option<&str>,
        period: Option<jinguo_domain::period::Period>,
        lang: Lang,
    ) -> Result<MonthFigures, ServiceError> {
        match period {
            Some(p) => self.opinion_figures(caller, code, p, lang).await,
            None => {
                self.opinion_month(caller, code, month.unwrap_or_default(), lang)
                    .await
            }
        }
    }

    /// The figures of a place in the caller's opinion scope over any period: items found in it,
    /// topics, answers and clocks (the monthly figures, for a year or a quarter as well).
    pub async fn opinion_figures(
        &self,
        caller: &Caller,
        code: &str,
        period: jinguo_domain::period::Period,
        lang: Lang,
    ) -> Result<MonthFigures, ServiceError> {
        let place = self.opinion_place(caller, code).await?;
        let first = period.from;
        let next = period.to.succ_opt().unwrap_or(period.to);
        let county = place.code.get(..6).unwrap_or_default().to_string();
        if county.len() != 6 {
            return Err(ServiceError::NotFound);
        }
        let reader = caller.reader();
        let within = place.subtree();
        let (from_ms, to_ms) = (ms(clock::day_start(first)), ms(clock::day_start(next)));
        let db = self.figures_db();
        let judge = self.opinion_judge(&county).await?;
        let unjudged = lang.pick("未研判", "not judged").to_string();
        // The place's children by the length of their codes: county → township → village.
        let child_len = match place.code.len() {
            6 => 9,
            9 => 12,
            _ => place.code.len(),
        };
        let (mut by_source, mut by_category, mut by_grade, mut by_place) = (
            BTreeMap::new(),
            BTreeMap::new(),
            BTreeMap::new(),
            BTreeMap::new(),
        );
        let mut items = 0;
        for (kind, category, grade, place_code, n) in
            store::month_items(db, &reader, &county, &within, from_ms, to_ms).await?
        {
            items += n;
            let kind_label = SourceKind::parse(&kind)
                .map(|k| k.label(lang).to_string())
                .unwrap_or_else(|| kind.clone());
            by_source.entry(kind).or_insert((kind_label, 0)).1 += n;
            let cat_label = judge
                .categories
                .iter()
                .find(|c| c.key == category)
                .map(|c| rules::category_label(&c.key, &c.name_zh, &c.name_en, lang).to_string())
                .unwrap_or_else(|| unjudged.clone());
            by_category.entry(category).or_insert((cat_label, 0)).1 += n;
            let grade_label = Grade::parse(&grade)
                .map(|g| g.label(lang).to_string())
                .unwrap_or_else(|| unjudged.clone());
            by_grade.entry(grade).or_insert((grade_label, 0)).1 += n;
            let child = place_code
                .get(..child_len)
                .unwrap_or(&place.code)
                .to_string();
            by_place.entry(child).or_insert((String::new(), 0)).1 += n;
        }
        for (code, (label, _)) in by_place.iter_mut() {
            *label = self
                .cached()
                .place(code)
                .await?
                .map(|p| p.name)
                .unwrap_or_else(|| code.clone());
        }
        let topics = store::month_topics(db, &reader, &county, &within, from_ms, to_ms).await?;
        let answer_ms: Vec<i64> = topics
            .iter()
            .filter_map(|(_, found, answered)| answered.map(|a| a - found))
            .collect();
        let mean_answer_hours = (!answer_ms.is_empty())
            .then(|| answer_ms.iter().sum::<i64>() as f64 / answer_ms.len() as f64 / 3_600_000.0);
        let limits = self.opinion.limits;
        let mut clocks: Vec<ClockFigures> = [
            (DeadlineKind::OpinionFirst, limits.first_information_hours),
            (DeadlineKind::OpinionPress, limits.press_hours),
            (DeadlineKind::OpinionAnswer, limits.answer_hours),
        ]
        .into_iter()
        .map(|(kind, limit_hours)| ClockFigures {
            kind,
            limit_hours,
            total: 0,
            kept: 0,
            late: 0,
            overdue: 0,
            running: 0,
        })
        .collect();
        let now_ms = ms(clock::now());
        for (kind, due, done) in
            store::month_clocks(db, &reader, &county, &within, from_ms, to_ms).await?
        {
            let Some(c) = clocks.iter_mut().find(|c| c.kind.key() == kind) else {
                continue;
            };
            c.total += 1;
            match done {
                Some(d) if d <= due => c.kept += 1,
                Some(_) => c.late += 1,
                None if due < now_ms => c.overdue += 1,
                None => c.running += 1,
            }
        }
        Ok(MonthFigures {
            place_code: place.code.clone(),
            place_name: place.name.clone(),
            month: period.key(),
            items,
            topics: topics.len() as i64,
            answered: answer_ms.len() as i64,
            mean_answer_hours,
            by_source: sorted(by_source),
            by_category: sorted(by_category),
            by_grade: sorted(by_grade),
            by_place: sorted(by_place),
            clocks,
        })
    }

    /// The monthly figures as a workbook (XLSX, in the caller's language), one sheet per
    /// breakdown.
    pub async fn opinion_month_workbook(
        &self,
        caller: &Caller,
        code: &str,
        month: Option<&str>,
        period: Option<jinguo_domain::period::Period>,
        lang: Lang,
    ) -> Result<Vec<u8>, ServiceError> {
        let f = self
            .opinion_figures_of(caller, code, month, period, lang)
            .await?;
        let text = |s: &str| Cell::Text(s.to_string());
        let head = |w: &[(&str, &str)]| -> Vec<String> {
            w.iter()
                .map(|(zh, en)| lang.pick(zh, en).to_string())
                .collect()
        };
        let mut summary = vec![
            vec![
                text(lang.pick("区划", "Place")),
                text(&format!("{} {}", f.place_code, f.place_name)),
            ],
            vec![text(lang.pick("统计期间", "Period")), text(&f.month)],
            vec![text(lang.pick("舆情信息", "Items")), Cell::Int(f.items)],
            vec![text(lang.pick("舆情事件", "Topics")), Cell::Int(f.topics)],
            vec![
                text(lang.pick("已公开回应", "Answered")),
                Cell::Int(f.answered),
            ],
            vec![
                text(lang.pick("超时未办", "Overdue")),
                Cell::Int(f.overdue()),
            ],
        ];
        if let Some(h) = f.mean_answer_hours {
            summary.push(vec![
                text(lang.pick("平均回应用时（小时）", "Mean hours to the answer")),
                Cell::Float((h * 10.0).round() / 10.0),
            ]);
        }
        let breakdown = |name: (&str, &str), rows: &[Count]| Sheet {
            name: lang.pick(name.0, name.1).into(),
            headers: head(&[name, ("条数", "Items")]),
            rows: rows
                .iter()
                .map(|c| vec![text(&c.label), Cell::Int(c.n)])
                .collect(),
        };
        let sheets = vec![
            Sheet {
                name: lang.pick("概况", "Summary").into(),
                headers: head(&[("项目", "Figure"), ("数值", "Value")]),
                rows: summary,
            },
            breakdown(("来源", "Source"), &f.by_source),
            breakdown(("类别", "Category"), &f.by_category),
            breakdown(("等级", "Grade"), &f.by_grade),
            breakdown(("区划", "Place"), &f.by_place),
            Sheet {
                name: lang.pick("办理时限", "Time limits").into(),
                headers: head(&[
                    ("时限", "Clock"),
                    ("时限（小时）", "Limit (hours)"),
                    ("总数", "Total"),
                    ("按时", "Kept"),
                    ("超时办结", "Late"),
                    ("超时未办", "Overdue"),
                    ("计时中", "Running"),
                ]),
                rows: f
                    .clocks
                    .iter()
                    .map(|c| {
                        vec![
                            text(c.kind.label(lang)),
                            Cell::Int(c.limit_hours),
                            Cell::Int(c.total),
                            Cell::Int(c.kept),
                            Cell::Int(c.late),
                            Cell::Int(c.overdue),
                            Cell::Int(c.running),
                        ]
                    })
                    .collect(),
            },
        ];
        xlsx(&sheets).map_err(|e| ServiceError::Internal(format!("workbook: {e}")))
    }
}
