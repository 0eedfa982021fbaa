//! The messages of file import in zh-CN and en: the reasons and field labels this crate adds,
//! falling back to the domain's table ([`jinguo_domain::i18n`]) for every other code.

use jinguo_domain::Lang;
use jinguo_domain::i18n;

/// The reason for a refusal, by code: the codes of this crate first, then the domain's.
pub fn message(code: &str, lang: Lang) -> &'static str {
    let (zh, en) = match code {
        "file.encoding" => (
            "不是 UTF-8 或 GB18030 编码的文本，请在 Excel 中另存为“CSV UTF-8”或 XLSX",
            "is not text in UTF-8 or GB18030; save it from Excel as \"CSV UTF-8\" or as XLSX",
        ),
        "file.empty" => ("文件为空，没有表头行", "is empty: there is no header row"),
        "file.format" => (
            "无法读取，文件已损坏或不是所选的格式",
            "cannot be read: the file is damaged or not of the chosen format",
        ),
        "file.zip_bomb" => (
            "解压后远大于文件本身（疑似“压缩炸弹”），已拒绝，未读取任何内容",
            "expands to far more than the file holds (a compression bomb?) and is refused unread",
        ),
        "file.zip_large" => (
            "解压后超过导入上限（工作表1 GB，其余部件64 MB），请另存为 CSV 后导入",
            "expands to more than an import takes (1 GB for a sheet, 64 MB for other parts); save it as CSV and import that",
        ),
        "file.zip_parts" => (
            "包含的部件过多，不是可导入的工作簿，已拒绝",
            "holds too many parts to be a workbook that can be imported, and is refused",
        ),
        "file.too_large" => (
            "超过导入的大小上限，请分成几个文件导入",
            "is larger than an import takes; split it into several files",
        ),
        "file.too_many_rows" => (
            "超过导入的行数上限，请分成几个文件导入",
            "has more rows than an import takes; split it into several files",
        ),
        "cell.too_large" => (
            "单元格内容超过32 KB，不是名册数据，该行已拒绝",
            "holds more than 32 KB, which is no register data; the row is refused",
        ),
        "column.missing" => ("缺少必需的列", "is a required column that is missing"),
        "column.duplicate" => ("同一列出现了两次", "appears twice"),
        "cell.as_number" => (
            "存成了数字，超过15位的数字会丢失；请把该列设置为“文本”格式后重新输入",
            "was stored as a number, which loses digits beyond 15; format the column as text and type it again",
        ),
        "id_number.as_number" => (
            "存成了数字，后几位已丢失；请把该列设置为“文本”格式后重新输入身份证号",
            "was stored as a number, which loses its last digits; format the column as text and type the ID numbers again",
        ),
        "id_number.duplicate_in_file" => ("在本文件中出现了两次", "appears twice in this file"),
        "group_code.format" => (
            "应为15位村（居）民小组代码：12位村级代码加3位组号",
            "must be a 15-digit resident group code: the 12-digit village code and 3 digits",
        ),
        "household.conflict" => (
            "与同一户前面的行不一致",
            "differs from the earlier rows of the same household",
        ),
        "household.two_heads" => ("同一户只能有一名户主", "a household has only one head"),
        "household.no_head" => (
            "该户没有户主（与户主关系须有一人填“户主”）",
            "this household has no head (one person's relationship must be \"head\")",
        ),
        "household.split" => (
            "同一户的各行须连续排列，此户编号在前面已出现过",
            "the rows of a household must follow each other; this household code appeared earlier",
        ),
        "household.too_large" => (
            "一户超过1000人，无法导入",
            "a household of more than 1000 persons cannot be imported",
        ),
        _ => return i18n::reason(code, lang),
    };
    lang.pick(zh, en)
}

/// The label of a field: this crate's fields first, then the domain's.
pub fn field_label(field: &str, lang: Lang) -> &str {
    let (zh, en) = match field {
        "household_code" => ("户编号", "Household code"),
        "group_code" => ("小组编码", "Resident group code"),
        "file" => ("文件", "File"),
        _ => return i18n::field_label(field, lang),
    };
    lang.pick(zh, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_codes_and_fallback() {
        assert!(message("household.no_head", Lang::Zh).contains("户主"));
        assert!(message("household.no_head", Lang::En).contains("head"));
        // A domain code comes from the domain's table.
        assert_eq!(
            message("id_number.checksum", Lang::En),
            i18n::reason("id_number.checksum", Lang::En)
        );
        assert_eq!(field_label("group_code", Lang::Zh), "小组编码");
        assert_eq!(field_label("id_number", Lang::Zh), "公民身份号码");
    }
}
