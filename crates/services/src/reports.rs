//! Workbooks of what the pages show: coverage of the network and the progress of a campaign,
//! as XLSX in the reader's language. Built from the same service results as the pages, so a
//! workbook and a page never disagree.

use crate::{Caller, ServiceError, Services};
use jinguo_domain::Lang;
use jinguo_domain::period::Period;
use jinguo_interchange::{Cell, Sheet, xlsx};
use uuid::Uuid;

fn book(sheets: &[Sheet]) -> Result<Vec<u8>, ServiceError> {
    xlsx(sheets).map_err(|e| ServiceError::Internal(format!("workbook: {e}")))
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn heads(lang: Lang, words: &[(&str, &str)]) -> Vec<String> {
    words
        .iter()
        .map(|(zh, en)| lang.pick(zh, en).to_string())
        .collect()
}

impl Services {
    /// Coverage below a place as a workbook: the figures, the units nobody answers for, the
    /// households without a representative by group, and every member's load (names masked).
    pub async fn coverage_workbook(
        &self,
        caller: &Caller,
        code: &str,
        lang: Lang,
    ) -> Result<Vec<u8>, ServiceError> {
        let c = self.coverage(caller, code).await?;
        let members = self.coverage_members(caller, code).await?;
        let summary = Sheet {
            name: lang.pick("概况", "Summary").into(),
            headers: heads(lang, &[("项目", "Figure"), ("数值", "Value")]),
            rows: vec![
                vec![
                    text(lang.pick("区划", "Place")),
                    text(&format!("{} {}", c.place.code, c.place.name)),
                ],
                vec![text(lang.pick("成员", "Members")), Cell::Int(c.members)],
                vec![
                    text(lang.pick("无人包保单位", "Units without anyone")),
                    Cell::Int(c.uncovered_units.len() as i64),
                ],
                vec![
                    text(lang.pick("无代表包保的户", "Households without a representative")),
                    Cell::Int(c.households_without_representative()),
                ],
                vec![
                    text(lang.pick("无包保任务的成员", "Members answering for nothing")),
                    Cell::Int(c.idle.len() as i64),
                ],
                vec![
                    text(lang.pick("包保过多的成员", "Members answering for too much")),
                    Cell::Int(c.overloaded.len() as i64),
                ],
            ],
        };
        let units = Sheet {
            name: lang.pick("无人包保单位", "Units without anyone").into(),
            headers: heads(
                lang,
                &[("区划代码", "Code"), ("名称", "Name"), ("层级", "Level")],
            ),
            rows: c
                .uncovered_units
                .iter()
                .map(|g| vec![text(&g.code), text(&g.name), text(g.level.label(lang))])
                .collect(),
        };
        let households = Sheet {
            name: lang.pick("无代表的户", "Households uncovered").into(),
            headers: heads(
                lang,
                &[
                    ("小组编码", "Group code"),
                    ("小组", "Group"),
                    ("户数", "Households"),
                ],
            ),
            rows: c
                .uncovered_households
                .iter()
                .map(|h| vec![text(&h.code), text(&h.name), Cell::Int(h.households)])
                .collect(),
        };
        let loads = Sheet {
            name: lang.pick("成员包保", "Members").into(),
            headers: heads(
                lang,
                &[
                    ("成员编号", "Member id"),
                    ("姓名", "Name"),
                    ("职务", "Post"),
                    ("所在区划", "Place"),
                    ("包保数", "Answers for"),
                ],
            ),
            rows: members
                .iter()
                .map(|m| {
                    let place = m
                        .place_path
                        .trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .unwrap_or_default();
                    let post = if m.role == "representative" {
                        lang.pick("妇女代表", "women's representative")
                    } else {
                        lang.pick("执委", "executive member")
                    };
                    vec![
                        text(&m.id.to_string()),
                        text(&m.name),
                        text(post),
                        text(place),
                        Cell::Int(m.units),
                    ]
                })
                .collect(),
        };
        book(&[summary, units, households, loads])
    }

    /// A campaign's progress at a place as a workbook: one row per unit below, and the total;
    /// with a period, the visits made in it.
    pub async fn progress_workbook(
        &self,
        caller: &Caller,
        id: Uuid,
        code: Option<&str>,
        period: Option<Period>,
        lang: Lang,
    ) -> Result<Vec<u8>, ServiceError> {
        let p = self.campaign_progress_in(caller, id, code, period).await?;
        let row = |code: &str, name: &str, t: &crate::screening::Tally| {
            vec![
                text(code),
                text(name),
                Cell::Int(t.households),
                Cell::Int(t.screened),
                Cell::Float((t.percent() * 10.0).round() / 10.0),
                Cell::Int(t.risks[1]),
                Cell::Int(t.risks[2]),
                Cell::Int(t.risks[3]),
                Cell::Int(t.overdue),
            ]
        };
        let mut rows: Vec<Vec<Cell>> = p
            .units
            .iter()
            .map(|u| row(&u.place.code, &u.place.name, &u.tally))
            .collect();
        rows.push(row(
            &p.place.code,
            &format!("{}{}", p.place.name, lang.pick("（合计）", " (total)")),
            &p.tally,
        ));
        let sheet = Sheet {
            name: lang.pick("排查进度", "Progress").into(),
            headers: heads(
                lang,
                &[
                    ("区划代码", "Code"),
                    ("名称", "Name"),
                    ("户数", "Households"),
                    ("已排查", "Screened"),
                    ("排查率%", "Screened %"),
                    ("低风险（蓝）", "Low (blue)"),
                    ("中风险（黄）", "Medium (yellow)"),
                    ("高风险（红）", "High (red)"),
                    ("逾期未走访", "Overdue"),
                ],
            ),
            rows,
        };
        let about = Sheet {
            name: lang.pick("说明", "About").into(),
            headers: heads(lang, &[("项目", "Item"), ("内容", "Value")]),
            rows: vec![
                vec![text(lang.pick("排查", "Campaign")), text(&p.campaign.name)],
                vec![
                    text(lang.pick("时间", "Period")),
                    text(&format!(
                        "{} – {}",
                        p.campaign.starts_on, p.campaign.ends_on
                    )),
                ],
                vec![
                    text(lang.pick("中风险纠纷", "Medium-risk disputes")),
                    Cell::Int(p.disputes[0]),
                ],
                vec![
                    text(lang.pick("高风险纠纷", "High-risk disputes")),
                    Cell::Int(p.disputes[1]),
                ],
            ],
        };
        book(&[sheet, about])
    }
}

impl Services {
    /// The disputes below a place the caller manages as a workbook: the figures, counts by kind,
    /// source and risk, by unit one level down, and one line a dispute (no names, no narrative).
    pub async fn dispute_workbook(
        &self,
        caller: &Caller,
        code: &str,
        period: Option<Period>,
        lang: Lang,
    ) -> Result<Vec<u8>, ServiceError> {
        use jinguo_domain::mediation::Status;
        let f = self.dispute_figures_in(caller, code, period).await?;
        let place = self.managed_place(caller, code).await?;
        let list: Vec<_> = self
            .disputes(caller, Some(code), false)
            .await?
            .into_iter()
            .filter(|d| period.is_none_or(|p| p.contains(d.opened_on)))
            .collect();
        let pct = |r: Option<f64>| {
            r.map(|x| Cell::Text(format!("{:.1}%", 100.0 * x)))
                .unwrap_or(Cell::Text("—".into()))
        };
        let summary = Sheet {
            name: lang.pick("概况", "Summary").into(),
            headers: heads(lang, &[("项目", "Figure"), ("数值", "Value")]),
            rows: vec![
                vec![
                    text(lang.pick("区划", "Place")),
                    text(&format!("{} {}", place.code, place.name)),
                ],
                vec![
                    text(lang.pick("统计期间", "Period")),
                    text(
                        &period
                            .map(|p| p.label(lang))
                            .unwrap_or_else(|| lang.pick("全部", "all time").to_string()),
                    ),
                ],
                vec![text(lang.pick("纠纷总数", "Disputes")), Cell::Int(f.total)],
                vec![text(lang.pick("未结", "Open")), Cell::Int(f.open)],
                vec![text(lang.pick("超期", "Overdue")), Cell::Int(f.overdue)],
                vec![
                    text(lang.pick("达成协议", "Agreement reached")),
                    Cell::Int(f.agreed),
                ],
                vec![
                    text(lang.pick("未达成协议", "No agreement")),
                    Cell::Int(f.not_agreed),
                ],
                vec![text(lang.pick("不予受理", "Refused")), Cell::Int(f.refused)],
                vec![
                    text(lang.pick("调解成功率", "Success rate")),
                    pct(f.success_rate),
                ],
                vec![
                    text(lang.pick("平均办结天数", "Average days to conclude")),
                    f.average_days_to_conclude
                        .map(|d| Cell::Text(format!("{d:.1}")))
                        .unwrap_or(Cell::Text("—".into())),
                ],
            ],
        };
        let counts = |name: (&str, &str), rows: Vec<(String, i64)>| Sheet {
            name: lang.pick(name.0, name.1).into(),
            headers: heads(lang, &[("分类", "Category"), ("件数", "Disputes")]),
            rows: rows
                .into_iter()
                .map(|(k, n)| vec![text(&k), Cell::Int(n)])
                .collect(),
        };
        fn labelled<T: Copy>(
            v: &[(T, i64)],
            label: impl Fn(T) -> &'static str,
        ) -> Vec<(String, i64)> {
            v.iter().map(|(k, n)| (label(*k).to_string(), *n)).collect()
        }
        let by_kind = counts(
            ("按类型", "By kind"),
            labelled(&f.by_kind, |k| k.label(lang)),
        );
        let by_source = counts(
            ("按来源", "By source"),
            labelled(&f.by_source, |k| k.label(lang)),
        );
        let by_risk = counts(
            ("按风险等级", "By risk"),
            labelled(&f.by_risk, |k| k.label(lang)),
        );
        let per_unit = self.dispute_units(caller, code, period).await?;
        let by_unit = Sheet {
            name: lang.pick("按区划", "By place").into(),
            headers: heads(
                lang,
                &[
                    ("区划代码", "Code"),
                    ("名称", "Name"),
                    ("纠纷", "Disputes"),
                    ("未结", "Open"),
                    ("达成协议", "Agreement reached"),
                    ("调解成功率", "Success rate"),
                ],
            ),
            rows: per_unit
                .into_iter()
                .map(|u| {
                    vec![
                        text(&u.code),
                        text(&u.name),
                        Cell::Int(u.total),
                        Cell::Int(u.open),
                        Cell::Int(u.agreed),
                        pct(u.success_rate),
                    ]
                })
                .collect(),
        };
        let lines = Sheet {
            name: lang.pick("纠纷清单", "Disputes").into(),
            headers: heads(
                lang,
                &[
                    ("登记日期", "Registered on"),
                    ("类型", "Kind"),
                    ("来源", "Source"),
                    ("风险等级", "Risk"),
                    ("办理环节", "Stage"),
                    ("办结期限", "Due by"),
                    ("超期", "Overdue"),
                ],
            ),
            rows: list
                .iter()
                .map(|d| {
                    vec![
                        Cell::Date(d.opened_on),
                        text(d.kind.label(lang)),
                        text(d.source.label(lang)),
                        text(d.risk.label(lang)),
                        text(d.status.label(lang)),
                        Cell::Date(d.due_on),
                        text(if d.overdue && d.status != Status::Closed {
                            lang.pick("是", "yes")
                        } else {
                            ""
                        }),
                    ]
                })
                .collect(),
        };
        book(&[summary, by_kind, by_source, by_risk, by_unit, lines])
    }
}

impl Services {
    /// The linkage board of a place as a workbook: per department its open and overdue referrals,
    /// the referrals waiting with the time left, and the average time to acknowledge per month.
    /// No names: a referral is named by its number.
    pub async fn linkage_workbook(
        &self,
        caller: &Caller,
        code: &str,
        period: Option<Period>,
        lang: Lang,
    ) -> Result<Vec<u8>, ServiceError> {
        let board = self.linkage_board(caller, code, period).await?;
        let yes_no =
            |b: bool| text(lang.pick(if b { "是" } else { "否" }, if b { "yes" } else { "no" }));
        let summary = Sheet {
            name: lang.pick("成员单位", "Departments").into(),
            headers: heads(
                lang,
                &[
                    ("成员单位", "Department"),
                    ("24小时联动", "24-hour linkage"),
                    ("期间转介", "Referred in the period"),
                    ("未办结转介", "Open referrals"),
                    ("超时未签收", "Overdue"),
                ],
            ),
            rows: board
                .iter()
                .map(|b| {
                    vec![
                        text(&b.name),
                        yes_no(b.in_linkage),
                        Cell::Int(b.sent),
                        Cell::Int(b.open),
                        Cell::Int(b.overdue),
                    ]
                })
                .collect(),
        };
        let waiting = Sheet {
            name: lang.pick("待签收", "Waiting").into(),
            headers: heads(
                lang,
                &[
                    ("成员单位", "Department"),
                    ("转介编号", "Referral"),
                    ("签收时限", "Acknowledge by"),
                    ("剩余分钟（负数为超时）", "Minutes left (negative: overdue)"),
                ],
            ),
            rows: board
                .iter()
                .flat_map(|b| {
                    b.waiting.iter().map(|w| {
                        vec![
                            text(&b.name),
                            text(&w.referral.to_string()),
                            text(&crate::clock::local(w.due_at)),
                            Cell::Int(w.minutes_left),
                        ]
                    })
                })
                .collect(),
        };
        let months = Sheet {
            name: lang.pick("签收用时", "Time to acknowledge").into(),
            headers: heads(
                lang,
                &[
                    ("成员单位", "Department"),
                    ("月份", "Month"),
                    ("签收件数", "Acknowledged"),
                    ("平均用时（分钟）", "Average minutes"),
                ],
            ),
            rows: board
                .iter()
                .flat_map(|b| {
                    b.months.iter().map(|m| {
                        vec![
                            text(&b.name),
                            text(&m.month),
                            Cell::Int(m.acknowledged),
                            Cell::Text(format!("{:.0}", m.average_minutes)),
                        ]
                    })
                })
                .collect(),
        };
        book(&[summary, waiting, months])
    }
}

impl Services {
    /// The figures of care below a place the caller manages, over a period, as a workbook:
    /// people served (each once), services by kind, entries by registry and status, wishes by
    /// status, events. No names.
    pub async fn care_workbook(
        &self,
        caller: &Caller,
        code: &str,
        period: Period,
        lang: Lang,
    ) -> Result<Vec<u8>, ServiceError> {
        let f = self.care_figures(caller, code, period).await?;
        let registries = self.registries(caller, code).await?;
        let registry_name = |k: &str| {
            registries
                .iter()
                .find(|r| r.key == k)
                .map(|r| lang.pick(&r.name_zh, &r.name_en).to_string())
                .unwrap_or_else(|| k.to_string())
        };
        let mut rows = vec![
            match period.whole_year() {
                Some(year) => vec![text(lang.pick("年度", "Year")), Cell::Int(i64::from(year))],
                None => vec![
                    text(lang.pick("统计期间", "Period")),
                    text(&format!("{} – {}", period.from, period.to)),
                ],
            },
            vec![
                text(lang.pick("服务人数（每人计一次）", "People served (each once)")),
                Cell::Int(f.people_served),
            ],
        ];
        for (k, n) in &f.by_kind {
            rows.push(vec![text(k.label(lang)), Cell::Int(*n)]);
        }
        rows.push(vec![
            text(lang.pick("期间实现的微心愿", "Wishes fulfilled in the period")),
            Cell::Int(f.wishes_fulfilled),
        ]);
        rows.push(vec![
            text(lang.pick("活动场次", "Events")),
            Cell::Int(f.events.events),
        ]);
        rows.push(vec![
            text(lang.pick("活动参加人次", "Event participants")),
            Cell::Int(f.events.participants),
        ]);
        rows.push(vec![
            text(lang.pick("活动覆盖儿童", "Children reached by events")),
            Cell::Int(f.events.children),
        ]);
        for (k, n) in &f.wishes {
            let label = jinguo_domain::care::WishStatus::parse(k)
                .map(|s| s.label(lang))
                .unwrap_or(k.as_str());
            rows.push(vec![
                text(&format!("{}：{label}", lang.pick("微心愿", "Wishes"))),
                Cell::Int(*n),
            ]);
        }
        let summary = Sheet {
            name: lang.pick("概况", "Summary").into(),
            headers: heads(lang, &[("项目", "Figure"), ("数值", "Value")]),
            rows,
        };
        let entries = Sheet {
            name: lang.pick("台账", "Registries").into(),
            headers: heads(
                lang,
                &[("台账", "Registry"), ("状态", "Status"), ("人数", "People")],
            ),
            rows: f
                .entries
                .iter()
                .map(|e| {
                    vec![
                        text(&registry_name(&e.registry)),
                        text(e.status.label(lang)),
                        Cell::Int(e.entries),
                    ]
                })
                .collect(),
        };
        book(&[summary, entries])
    }
}
