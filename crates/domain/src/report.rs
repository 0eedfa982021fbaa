//! The figures of the annual report and of the statistical tables sent to the level above: each
//! counted from records over a period (`period::Period`), named once here.

use crate::Lang;

catalog!(
    /// A figure of a place over a period.
    Figure {
        Households = "households", "户数", "households";
        Screened = "screened", "排查户数", "households screened";
        MediumRisks = "medium_risks", "中风险户次", "medium-risk visits";
        HighRisks = "high_risks", "高风险户次", "high-risk visits";
        Disputes = "disputes", "受理纠纷", "disputes registered";
        Agreed = "agreed", "调解成功", "mediated to an agreement";
        NotAgreed = "not_agreed", "调解未成功", "mediated without agreement";
        PeopleServed = "people_served", "关爱服务人数", "people served by care";
        HealthChecks = "health_checks", "健康体检", "health checks";
        GreenChannels = "green_channels", "就医绿色通道", "medical green channels";
        Wishes = "wishes", "实现微心愿", "children's wishes fulfilled";
        Events = "events", "关爱活动场次", "care events";
        Children = "children", "活动覆盖儿童", "children reached by events";
        Cases = "cases", "家暴案件", "domestic-violence cases";
        Referrals = "referrals", "部门转介", "referrals to departments";
        Calls = "calls", "12338热线来电", "12338 hotline calls";
        OpinionItems = "opinion_items", "舆情信息", "public-opinion items";
        Supervision = "supervision", "督办任务", "supervision tasks";
    }
);

impl Figure {
    /// Whether it counts people or households (never shown below the threshold in public), rather
    /// than events or documents.
    pub fn counts_people(self) -> bool {
        matches!(
            self,
            Figure::Households
                | Figure::Screened
                | Figure::MediumRisks
                | Figure::HighRisks
                | Figure::Disputes
                | Figure::Agreed
                | Figure::NotAgreed
                | Figure::PeopleServed
                | Figure::HealthChecks
                | Figure::GreenChannels
                | Figure::Wishes
                | Figure::Children
                | Figure::Cases
                | Figure::Referrals
                | Figure::Calls
        )
    }

    /// Whether a small count of it could point at a victim (cases, risks, disputes): such a
    /// figure is suppressed wherever it leaves the county, even at the county's level.
    pub fn sensitive(self) -> bool {
        matches!(
            self,
            Figure::MediumRisks
                | Figure::HighRisks
                | Figure::Disputes
                | Figure::Agreed
                | Figure::NotAgreed
                | Figure::Cases
                | Figure::Referrals
                | Figure::Calls
        )
    }

    /// A list of figure keys (comma or space separated), every one known; the first unknown
    /// one is refused, naming `field`.
    pub fn parse_list(s: &str, field: &str) -> Result<Vec<Figure>, crate::ValidationErrors> {
        let mut out = Vec::new();
        for k in s
            .split([',', ' ', '，'])
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            match Figure::parse(k) {
                Some(f) if !out.contains(&f) => out.push(f),
                Some(_) => {}
                None => {
                    return Err(crate::ValidationErrors::from(crate::FieldError::new(
                        field,
                        "report.unknown_figure",
                    )));
                }
            }
        }
        if out.is_empty() {
            return Err(crate::ValidationErrors::from(crate::FieldError::new(
                field, "required",
            )));
        }
        Ok(out)
    }
}

/// The label of a figure in both languages, Chinese first: "户数 households".
pub fn both(f: Figure) -> String {
    format!("{} {}", f.label(Lang::Zh), f.label(Lang::En))
}

/// A statistical table the county sends to the level above, as entered: its name and its
/// columns, figures of [`Figure`] by key (comma or space separated). Its rows are the places
/// one level below the county, and their sum.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct TableInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub columns: String,
}

/// A table definition that can only exist valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDef {
    pub name: String,
    pub columns: Vec<Figure>,
}

/// The longest name of a table, in characters.
pub const TABLE_NAME_MAX: usize = 40;

impl TableInput {
    /// The name (1 to 40 characters) and the columns (known figures, at least one); each
    /// refusal names its field.
    pub fn validate(&self) -> Result<TableDef, crate::ValidationErrors> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push(crate::FieldError::new("name", "required"));
        } else if name.chars().count() > TABLE_NAME_MAX {
            errors.push(crate::FieldError::new("name", "too_long"));
        }
        let columns = match Figure::parse_list(&self.columns, "columns") {
            Ok(c) => c,
            Err(e) => {
                errors.extend(e.0);
                Vec::new()
            }
        };
        if !errors.is_empty() {
            return Err(crate::ValidationErrors(errors));
        }
        Ok(TableDef {
            name: name.to_string(),
            columns,
        })
    }
}

/// The columns of a table as stored: their keys joined by commas.
pub fn columns_key(columns: &[Figure]) -> String {
    columns
        .iter()
        .map(|f| f.key())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_definitions_name_known_figures_only() {
        assert_eq!(
            Figure::parse_list("screened, disputes，排查户数", "rows").unwrap(),
            vec![Figure::Screened, Figure::Disputes]
        );
        let e = Figure::parse_list("screened, divorces", "columns").unwrap_err();
        assert_eq!(
            (e.0[0].field.as_str(), e.0[0].code),
            ("columns", "report.unknown_figure")
        );
        assert!(Figure::parse_list(" ", "rows").is_err());
    }

    #[test]
    fn a_table_has_a_name_and_known_columns() {
        let t = TableInput {
            name: " 排查与调解 ".into(),
            columns: "screened,agreed".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(t.name, "排查与调解");
        assert_eq!(columns_key(&t.columns), "screened,agreed");
        let e = TableInput {
            name: String::new(),
            columns: "screened,divorces".into(),
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "columns"]);
    }
}
