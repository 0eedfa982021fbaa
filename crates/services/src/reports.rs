//! Workbooks of what the pages show: coverage of the network and the progress of a campaign,
//! as XLSX in the reader's language. Built from the same service results as the pages, so a
//! workbook and a page never disagree.

use crate::{Caller, ServiceError, Services};
use jinguo_domain::Lang;
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
                .map(|h| vec![text(&h.0), text(&h.1), Cell::Int(h.2)])
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

    /// A campaign's progress at a place as a workbook: one row per unit below, and the total.
    pub async fn progress_workbook(
        &self,
        caller: &Caller,
        id: Uuid,
        code: Option<&str>,
        lang: Lang,
    ) -> Result<Vec<u8>, ServiceError> {
        let p = self.campaign_progress(caller, id, code).await?;
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
