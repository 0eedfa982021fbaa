//! Masking of personal data for anyone without need to know: 张*芳, 5301**********123X, 138****5678.

/// 张三 → 张*, 张小芳 → 张*芳, 欧阳小芳 → 欧**芳.
pub fn name(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => {
            let mut out = String::new();
            out.push(chars[0]);
            out.extend(std::iter::repeat_n('*', n - 2));
            out.push(chars[n - 1]);
            out
        }
    }
}

/// Keeps the first 4 and last 4 characters of an ID number.
pub fn id_number(s: &str) -> String {
    keep_ends(s, 4, 4)
}

/// Keeps the first 3 and last 4 digits of a phone number.
pub fn phone(s: &str) -> String {
    keep_ends(s, 3, 4)
}

/// Keeps the first 6 characters of an address (the district), masks the rest.
pub fn address(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..6].iter().collect();
    out.push_str("****");
    out
}

/// Keeps an address down to its building (栋, 幢, 座, 号楼; else the street number 号) and
/// masks what follows (unit, floor, room), so a representative can plan a walk without the list
/// telling which door. An address with no such mark is masked as [`address`] does.
pub fn building(s: &str) -> String {
    let s = s.trim();
    let end = ["栋", "幢", "座", "号楼"]
        .iter()
        .filter_map(|m| s.find(m).map(|i| i + m.len()))
        .min()
        .or_else(|| s.find('号').map(|i| i + '号'.len_utf8()));
    match end {
        Some(end) if end < s.len() => format!("{}****", &s[..end]),
        Some(_) => s.to_string(),
        None => address(s),
    }
}

fn keep_ends(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_as_the_product_says() {
        assert_eq!(name("张小芳"), "张*芳");
        assert_eq!(name("张三"), "张*");
        assert_eq!(name("欧阳小芳"), "欧**芳");
        assert_eq!(id_number("53018119850601123X"), "5301**********123X");
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(phone("123"), "***");
        assert_eq!(
            address("云南省安宁市连然街道金色大道1号"),
            "云南省安宁市****"
        );
        assert_eq!(
            building("云南省安宁市连然街道金色大道1号3栋2单元501室"),
            "云南省安宁市连然街道金色大道1号3栋****"
        );
        assert_eq!(
            building("安宁市文化路12号2号楼301"),
            "安宁市文化路12号2号楼****"
        );
        assert_eq!(building("安宁市文化路社区12号"), "安宁市文化路社区12号");
        assert_eq!(
            building("安宁市文化路社区12号附3"),
            "安宁市文化路社区12号****"
        );
        assert_eq!(building("安宁市文化路社区三组"), "安宁市文化路****");
    }
}
