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
    }
}
