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
