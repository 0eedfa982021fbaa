//! The annual report of a place (年度工作报告): every mechanism's figures of a year counted from
//! the records, beside those of the year before, by subdistrict (or whatever lies one level
//! below) and month by month. Staff managing the place read it; the figures by unit are
//! suppressed (`jinguo_domain::suppress`) since the report is handed upward and published.

use crate::{Caller, ServiceError, Services, clock};
use jinguo_domain::care::ServiceKind;
use jinguo_domain::period::Period;
use jinguo_domain::report::Figure;
use jinguo_domain::suppress::{self, Shown, Suppressed};
use jinguo_storage::place::Place;
use jinguo_storage::report as store;
use std::collections::BTreeMap;

/// The figures of one place over one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub values: BTreeMap<Figure, i64>,
    /// Agreements over disputes concluded by mediation.
    pub success_rate: Option<f64>,
}

impl Figures {
    pub fn get(&self, f: Figure) -> i64 {
        self.values.get(&f).copied().unwrap_or(0)
    }
}

/// A unit one level below and its figures.
#[derive(Debug, Clone)]
pub struct UnitFigures {
    pub code: String,
    pub name: String,
    pub figures: Figures,
}

/// One month: screening visits and disputes registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthLine {
    pub month: String,
    pub visits: i64,
    pub disputes: i64,
}

/// The annual report of a place.
#[derive(Debug, Clone)]
pub struct AnnualReport {
    pub place: Place,
    pub year: i32,
    /// The year itself (up to today when it is this year) and the one before.
    pub period: Period,
    pub this: Figures,
    pub previous: Figures,
    /// Departments of the anti-domestic-violence mechanism and of the 24-hour linkage (today).
    pub departments: (i64, i64),
    pub units: Vec<UnitFigures>,
    /// The figures of `UNIT_FIGURES` by unit, suppressed, with their totals.
    pub units_shown: Suppressed,
    pub months: Vec<MonthLine>,
    pub threshold: i64,
}

/// The figures of the table by unit: counts that add up across units.
pub const UNIT_FIGURES: [Figure; 8] = [
    Figure::Households,
    Figure::Screened,
    Figure::MediumRisks,
    Figure::Disputes,
    Figure::Agreed,
    Figure::PeopleServed,
    Figure::Cases,
    Figure::Calls,
];

/// The figures of the report, in its order.
pub const REPORT_FIGURES: [Figure; 18] = [
    Figure::Households,
    Figure::Screened,
    Figure::MediumRisks,
    Figure::HighRisks,
    Figure::Disputes,
    Figure::Agreed,
    Figure::NotAgreed,
    Figure::PeopleServed,
    Figure::HealthChecks,
    Figure::GreenChannels,
    Figure::Wishes,
    Figure::Events,
    Figure::Children,
    Figure::Cases,
    Figure::Referrals,
    Figure::Calls,
    Figure::OpinionItems,
    Figure::Supervision,
];

fn ms(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

impl Services {
    /// A place the caller manages, for a report: outside her places the request is refused
    /// naming `place` (the same whether the place exists or not).
    pub(crate) async fn report_place(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<Place, ServiceError> {
        match self.managed_place(caller, code).await {
            Err(ServiceError::NotFound) => Err(crate::error::invalid("place", "report.outside")),
            other => other,
        }
    }

    /// The figures of a place the caller manages over a period, counted from the records.
    pub async fn place_figures(
        &self,
        caller: &Caller,
        code: &str,
        period: Period,
    ) -> Result<Figures, ServiceError> {
        let place = self.report_place(caller, code).await?;
        self.figures_of(caller, &place, period).await
    }

    pub(crate) async fn figures_of(
        &self,
        caller: &Caller,
        place: &Place,
        period: Period,
    ) -> Result<Figures, ServiceError> {
        let db = self.figures_db();
        let within = place.subtree();
        let (from, to) = (period.from, period.to);
        let start = clock::day_start(from);
        let end = clock::day_start(to.succ_opt().unwrap_or(to));
        let mut v = BTreeMap::new();
        let households = self
            .place_view(caller, &place.code)
            .await
            .map(|v| v.figures.households)
            .unwrap_or(0);
        v.insert(Figure::Households, households);
        let s = store::screened(db, &within, from, to).await?;
        v.insert(Figure::Screened, s.households);
        v.insert(Figure::MediumRisks, s.medium);
        v.insert(Figure::HighRisks, s.high);
        let d = self
            .dispute_figures_in(caller, &place.code, Some(period))
            .await?;
        v.insert(Figure::Disputes, d.total);
        v.insert(Figure::Agreed, d.agreed);
        v.insert(Figure::NotAgreed, d.not_agreed);
        let c = self.care_figures(caller, &place.code, period).await?;
        let kind = |k: ServiceKind| {
            c.by_kind
                .iter()
                .find(|(x, _)| *x == k)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        v.insert(Figure::PeopleServed, c.people_served);
        v.insert(Figure::HealthChecks, kind(ServiceKind::HealthCheck));
        v.insert(Figure::GreenChannels, kind(ServiceKind::GreenChannel));
        v.insert(Figure::Wishes, c.wishes_fulfilled);
        v.insert(Figure::Events, c.events.events);
        v.insert(Figure::Children, c.events.children);
        v.insert(Figure::Cases, store::cases(db, &within, from, to).await?);
        v.insert(
            Figure::Referrals,
            store::referrals(db, &within, start, end).await?.0,
        );
        v.insert(
            Figure::Calls,
            store::calls(db, &within, ms(start), ms(end)).await?,
        );
        v.insert(
            Figure::OpinionItems,
            store::opinion_items(db, &within, ms(start), ms(end)).await?,
        );
        v.insert(
            Figure::Supervision,
            store::supervision(db, &within, from, to).await?.0,
        );
        Ok(Figures {
            values: v,
            success_rate: d.success_rate,
        })
    }

    /// For staff managing a place (the overview): this year's figures so far and the last
    /// complete year's, kept a moment in the caches; `None` for anyone else.
    pub async fn years_beside(
        &self,
        caller: &Caller,
        place: &Place,
    ) -> Result<Option<(i32, Figures, Figures)>, ServiceError> {
        if !caller.manages(&place.path) || !caller.has_role(jinguo_domain::account::Role::Staff) {
            return Ok(None);
        }
        let year = chrono::Datelike::year(&clock::today());
        // Whether she may see them is decided above; the figures themselves are counted as the
        // machine itself, as the public figures are, so that the value kept under the place and
        // the year is the same whoever asked first (her own scope never narrows or widens it).
        let system = Caller::operator();
        let mut out = Vec::with_capacity(2);
        for y in [year, year - 1] {
            let period = Period::year(y)?;
            let key = format!("{}|{y}", place.code);
            let f = self
                .caches
                .year_figures
                .get(&key, || self.figures_of(&system, place, period))
                .await?;
            out.push(f.as_ref().clone());
        }
        let last = out.pop().unwrap_or_default();
        let this = out.pop().unwrap_or_default();
        Ok(Some((year, this, last)))
    }

    /// The annual report of a place the caller manages: the year's figures beside the year
    /// before's, by unit one level below (suppressed), month by month. A year after this one
    /// is refused naming `year`.
    pub async fn annual_report(
        &self,
        caller: &Caller,
        code: &str,
        year: i32,
    ) -> Result<AnnualReport, ServiceError> {
        let period = Period::parse(
            &jinguo_domain::period::PeriodInput {
                year: Some(year),
                ..Default::default()
            },
            clock::today(),
        )?;
        let place = self.report_place(caller, code).await?;
        let this = self.figures_of(caller, &place, period).await?;
        let previous = self.figures_of(caller, &place, period.previous()).await?;
        let mut units = Vec::new();
        for child in self.cached().children(&place.code).await?.iter() {
            units.push(UnitFigures {
                code: child.code.clone(),
                name: child.name.clone(),
                figures: self.figures_of(caller, child, period).await?,
            });
        }
        let cells: Vec<Vec<i64>> = units
            .iter()
            .map(|u| UNIT_FIGURES.iter().map(|f| u.figures.get(*f)).collect())
            .collect();
        let threshold = self.suppression_threshold;
        let units_shown = suppress::table_with(
            &cells,
            threshold,
            suppress::Margins {
                rows: false,
                columns: true,
            },
        );
        let months_found =
            store::by_month(self.figures_db(), &place.subtree(), period.from, period.to).await?;
        let months = period
            .months()
            .into_iter()
            .map(|m| {
                let found = months_found.iter().find(|(k, _, _)| *k == m);
                MonthLine {
                    visits: found.map(|f| f.1).unwrap_or(0),
                    disputes: found.map(|f| f.2).unwrap_or(0),
                    month: m,
                }
            })
            .collect();
        let county = place.code.get(..6).unwrap_or_default().to_string();
        let depts = jinguo_storage::linkage::departments(&self.db, &county).await?;
        let departments = (
            depts.len() as i64,
            depts.iter().filter(|d| d.in_linkage).count() as i64,
        );
        Ok(AnnualReport {
            place,
            year,
            period,
            this,
            previous,
            departments,
            units,
            units_shown,
            months,
            threshold,
        })
    }
}

impl AnnualReport {
    /// A figure of the place itself, shown as published: a sensitive count from 1 to the
    /// threshold − 1 as "<5".
    pub fn shown(&self, f: Figure, previous: bool) -> Shown {
        let n = if previous {
            self.previous.get(f)
        } else {
            self.this.get(f)
        };
        if f.sensitive() {
            Shown::one(n, self.threshold)
        } else {
            Shown::Count(n)
        }
    }
}

/// One line of the report: a figure in both languages, this year's and last year's as shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReportLine {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub this: String,
    pub previous: String,
}

impl AnnualReport {
    /// The lines of the report, in its order, each figure shown as published.
    pub fn lines(&self) -> Vec<ReportLine> {
        let t = self.threshold;
        let mut out: Vec<ReportLine> = REPORT_FIGURES
            .iter()
            .map(|f| ReportLine {
                key: f.key(),
                zh: f.label(jinguo_domain::Lang::Zh),
                en: f.label(jinguo_domain::Lang::En),
                this: self.shown(*f, false).text(t),
                previous: self.shown(*f, true).text(t),
            })
            .collect();
        let rate = |r: Option<f64>| {
            r.map(|x| format!("{:.1}%", 100.0 * x))
                .unwrap_or_else(|| "—".into())
        };
        out.push(ReportLine {
            key: "success_rate",
            zh: "调解成功率",
            en: "mediation success rate",
            this: rate(self.this.success_rate),
            previous: rate(self.previous.success_rate),
        });
        out
    }

    /// The month-by-month chart and the place-by-place chart (screened households), as SVG.
    pub fn charts(&self, lang: jinguo_domain::Lang) -> (String, String) {
        use jinguo_domain::chart::{Bar, bars};
        let months: Vec<Bar> = self
            .months
            .iter()
            .map(|m| Bar {
                label: m.month.get(5..).unwrap_or(&m.month).to_string(),
                value: Some(m.visits),
            })
            .collect();
        let col = UNIT_FIGURES
            .iter()
            .position(|f| *f == Figure::Screened)
            .unwrap_or(0);
        let places: Vec<Bar> = self
            .units
            .iter()
            .zip(&self.units_shown.cells)
            .map(|(u, shown)| Bar {
                label: u.name.chars().take(4).collect(),
                value: shown.get(col).and_then(|s| s.count()),
            })
            .collect();
        (
            bars(
                lang.pick("各月排查走访户次", "Screening visits by month"),
                &months,
            ),
            bars(
                lang.pick("各单位排查户数", "Households screened by unit"),
                &places,
            ),
        )
    }

    /// The title: "安宁市妇联2021年度工作报告".
    pub fn title(&self, lang: jinguo_domain::Lang) -> String {
        match lang {
            jinguo_domain::Lang::Zh => format!("{}妇联{}年度工作报告", self.place.name, self.year),
            jinguo_domain::Lang::En => format!(
                "Women's federation of {}: annual report {}",
                self.place.name, self.year
            ),
        }
    }

    /// The report as a Word document: Chinese first, English as the second language.
    pub fn docx(&self) -> Result<Vec<u8>, ServiceError> {
        use jinguo_domain::Lang::{En, Zh};
        use jinguo_interchange::docx::{Paragraph, write};
        let mut p = vec![
            Paragraph::title(self.title(Zh)),
            Paragraph::new(self.title(En)),
            Paragraph::new(format!(
                "统计期间 Period：{} – {}",
                self.period.from, self.period.to
            )),
            Paragraph::heading(format!(
                "一、主要数据 Figures（{}年 / {}年）",
                self.year,
                self.year - 1
            )),
        ];
        for l in self.lines() {
            p.push(Paragraph::new(format!(
                "{} {}：{} / {}",
                l.zh, l.en, l.this, l.previous
            )));
        }
        p.push(Paragraph::new(format!(
            "反家暴联动成员单位 departments of the mechanism：{}；24小时联动 in the 24-hour linkage：{}",
            self.departments.0, self.departments.1
        )));
        p.push(Paragraph::heading("二、各单位数据 Figures by unit"));
        for (u, shown) in self.units.iter().zip(&self.units_shown.cells) {
            let cells: Vec<String> = UNIT_FIGURES
                .iter()
                .zip(shown)
                .map(|(f, s)| format!("{} {}", f.label(Zh), s.text(self.threshold)))
                .collect();
            p.push(Paragraph::new(format!("{}：{}", u.name, cells.join("，"))));
        }
        let totals: Vec<String> = UNIT_FIGURES
            .iter()
            .zip(&self.units_shown.column_totals)
            .map(|(f, s)| format!("{} {}", f.label(Zh), s.text(self.threshold)))
            .collect();
        p.push(Paragraph::new(format!("合计 Total：{}", totals.join("，"))));
        p.push(Paragraph::heading("三、各月数据 Figures by month"));
        for m in &self.months {
            p.push(Paragraph::new(format!(
                "{}：排查走访 visits {}，受理纠纷 disputes {}",
                m.month,
                m.visits,
                Shown::one(m.disputes, self.threshold).text(self.threshold)
            )));
        }
        p.push(Paragraph::new(format!(
            "注 Note：“<{t}”为1至{}的数，“×”为防止推算而隐藏的数。 \"<{t}\" is a count from 1 to {}; \"×\" is hidden so that it cannot be worked out from the totals.",
            self.threshold - 1,
            self.threshold - 1,
            t = self.threshold
        )));
        write(&p).map_err(|e| ServiceError::Internal(format!("report document: {e}")))
    }
}

impl Services {
    /// The annual report as PDF: the same figures as the page and the Word document, with the
    /// charts.
    pub async fn annual_report_pdf(
        &self,
        caller: &Caller,
        code: &str,
        year: i32,
    ) -> Result<(AnnualReport, Vec<u8>), ServiceError> {
        use jinguo_domain::Lang::{En, Zh};
        use jinguo_interchange::pdf::Block;
        let r = self.annual_report(caller, code, year).await?;
        let t = r.threshold;
        let (months, units) = r.charts(Zh);
        let mut blocks = vec![
            Block::Title { text: r.title(Zh) },
            Block::Text {
                text: r.title(En),
                centered: true,
            },
            Block::Text {
                text: format!("统计期间 Period：{} – {}", r.period.from, r.period.to),
                centered: true,
            },
            Block::Heading {
                text: "一、主要数据 Figures".into(),
            },
            Block::Table {
                head: vec![
                    "项目 Figure".into(),
                    format!("{}年", r.year),
                    format!("{}年", r.year - 1),
                ],
                rows: r
                    .lines()
                    .into_iter()
                    .map(|l| vec![format!("{} {}", l.zh, l.en), l.this, l.previous])
                    .chain(std::iter::once(vec![
                        "反家暴联动成员单位 / 24小时联动".into(),
                        format!("{} / {}", r.departments.0, r.departments.1),
                        String::new(),
                    ]))
                    .collect(),
            },
            Block::Heading {
                text: "二、各月数据 Month by month".into(),
            },
            Block::Chart {
                file: "months.svg".into(),
            },
            Block::Table {
                head: vec![
                    "月份 Month".into(),
                    "排查走访 Visits".into(),
                    "受理纠纷 Disputes".into(),
                ],
                rows: r
                    .months
                    .iter()
                    .map(|m| {
                        vec![
                            m.month.clone(),
                            m.visits.to_string(),
                            Shown::one(m.disputes, t).text(t),
                        ]
                    })
                    .collect(),
            },
            Block::Heading {
                text: "三、各单位数据 By unit".into(),
            },
            Block::Chart {
                file: "units.svg".into(),
            },
        ];
        let mut head = vec!["单位 Unit".to_string()];
        head.extend(UNIT_FIGURES.iter().map(|f| f.label(Zh).to_string()));
        let mut rows: Vec<Vec<String>> = r
            .units
            .iter()
            .zip(&r.units_shown.cells)
            .map(|(u, cells)| {
                std::iter::once(u.name.clone())
                    .chain(cells.iter().map(|c| c.text(t)))
                    .collect()
            })
            .collect();
        rows.push(
            std::iter::once("合计 Total".to_string())
                .chain(r.units_shown.column_totals.iter().map(|c| c.text(t)))
                .collect(),
        );
        blocks.push(Block::Table { head, rows });
        blocks.push(Block::Text {
            text: format!(
                "注 Note：“<{t}”为1至{}的数，“×”为防止推算而隐藏的数。",
                t - 1
            ),
            centered: false,
        });
        let pdf = self.pdf(
            &r.title(Zh),
            &blocks,
            &[("months.svg".into(), months), ("units.svg".into(), units)],
        )?;
        Ok((r, pdf))
    }
}
