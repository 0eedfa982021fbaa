//! Resident identity numbers (公民身份号码), GB 11643-1999.
//!
//! 18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence (odd = male),
//! and a MOD 11-2 check character (`0`–`9` or `X`). The old 15-digit form (6 + YYMMDD + 3, born
//! 19YY) is accepted and converted. Address codes are checked only for a plausible province:
//! codes that no longer exist in today's division list remain valid numbers.

use crate::error::FieldError;
use crate::person::Sex;
use chrono::NaiveDate;
use serde::{Serialize, Serializer};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";
/// Province-level codes of GB/T 2260 (and 83 used for residents of Taiwan, 81/82 HK/Macau).
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// A valid resident ID number, always in its 18-character form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId(String);

impl std::fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResidentId({})", crate::mask::id_number(&self.0))
    }
}

impl Serialize for ResidentId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] as char
}

impl ResidentId {
    /// Parses and checks a number as a person would type it (spaces ignored, `x` accepted).
    /// `today` bounds the birth date.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, FieldError> {
        const F: &str = "id_number";
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if s.is_empty() {
            return Err(FieldError::new(F, "required"));
        }
        let b = s.as_bytes();
        let full: Vec<u8> = match b.len() {
            18 => {
                if !b[..17].iter().all(u8::is_ascii_digit)
                    || !(b[17].is_ascii_digit() || b[17] == b'X')
                {
                    return Err(FieldError::new(F, "id_number.characters"));
                }
                b.to_vec()
            }
            15 => {
                if !b.iter().all(u8::is_ascii_digit) {
                    return Err(FieldError::new(F, "id_number.characters"));
                }
                let mut v = Vec::with_capacity(18);
                v.extend_from_slice(&b[..6]);
                v.extend_from_slice(b"19");
                v.extend_from_slice(&b[6..15]);
                let c = check_char(&v);
                v.push(c as u8);
                v
            }
            _ => return Err(FieldError::new(F, "id_number.length")),
        };
        let province = (full[0] - b'0') * 10 + (full[1] - b'0');
        if !PROVINCES.contains(&province) {
            return Err(FieldError::new(F, "id_number.address"));
        }
        let digits = std::str::from_utf8(&full[6..14])
            .map_err(|_| FieldError::new(F, "id_number.characters"))?;
        let birth = NaiveDate::parse_from_str(digits, "%Y%m%d")
            .map_err(|_| FieldError::new(F, "id_number.birth_date"))?;
        if birth > today || birth < NaiveDate::from_ymd_opt(1850, 1, 1).unwrap_or(NaiveDate::MIN) {
            return Err(FieldError::new(F, "id_number.birth_date"));
        }
        if b.len() == 18 && check_char(&full[..17]) as u8 != full[17] {
            return Err(FieldError::new(F, "id_number.checksum"));
        }
        Ok(Self(String::from_utf8_lossy(&full).into_owned()))
    }

    /// Builds a valid number from its parts (used by the demo generator); `seq` is 0–999.
    pub fn compose(address: u32, birth: NaiveDate, seq: u16) -> Self {
        let mut v = format!(
            "{:06}{}{:03}",
            address % 1_000_000,
            birth.format("%Y%m%d"),
            seq % 1000
        );
        let c = check_char(v.as_bytes());
        v.push(c);
        Self(v)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or(NaiveDate::MIN)
    }

    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default()
    }

    fn code(r: Result<ResidentId, FieldError>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(e) => e.code,
        }
    }

    #[test]
    fn accepts_the_standard_example() {
        // The example of GB 11643-1999 itself.
        let id = ResidentId::parse("11010519491231002X", today())
            .unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap_or_default()
        );
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(code(ResidentId::parse("440524188001010014", today())), "ok");
    }

    #[test]
    fn lowercase_x_and_spaces_are_normalised() {
        let id = ResidentId::parse(" 110105 19491231 002x ", today())
            .unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn wrong_check_character_is_refused() {
        assert_eq!(
            code(ResidentId::parse("110105194912310021", today())),
            "id_number.checksum"
        );
        assert_eq!(
            code(ResidentId::parse("440524188001010015", today())),
            "id_number.checksum"
        );
    }

    #[test]
    fn x_only_in_last_place() {
        assert_eq!(
            code(ResidentId::parse("1101051949123100X2", today())),
            "id_number.characters"
        );
        assert_eq!(
            code(ResidentId::parse("11010519491231002Y", today())),
            "id_number.characters"
        );
    }

    #[test]
    fn wrong_dates_are_refused() {
        // 30 February, month 13, and a birth in the future — each with a correct check character.
        for bad in [
            "53018119900230012",
            "53018119901301012",
            "53018120300101012",
        ] {
            let mut v = bad.to_string();
            let c = check_char(v.as_bytes());
            v.push(c);
            assert_eq!(
                code(ResidentId::parse(&v, today())),
                "id_number.birth_date",
                "{v}"
            );
        }
        // 29 February in a leap year is fine.
        let mut v = "53018120000229001".to_string();
        v.push(check_char(v.as_bytes()));
        assert_eq!(code(ResidentId::parse(&v, today())), "ok");
    }

    #[test]
    fn sex_comes_from_the_17th_digit() {
        let m = ResidentId::compose(
            530181,
            NaiveDate::from_ymd_opt(1985, 6, 1).unwrap_or_default(),
            13,
        );
        let f = ResidentId::compose(
            530181,
            NaiveDate::from_ymd_opt(1985, 6, 1).unwrap_or_default(),
            14,
        );
        assert_eq!(m.sex(), Sex::Male);
        assert_eq!(f.sex(), Sex::Female);
        assert_eq!(code(ResidentId::parse(m.as_str(), today())), "ok");
    }

    #[test]
    fn fifteen_digit_form_is_converted() {
        // 15-digit form of 11010519491231002X is 110105491231002.
        let id =
            ResidentId::parse("110105491231002", today()).unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(
            code(ResidentId::parse("11010549123100", today())),
            "id_number.length"
        );
        assert_eq!(
            code(ResidentId::parse("110105491331002", today())),
            "id_number.birth_date"
        );
    }

    #[test]
    fn address_codes_missing_from_todays_list_are_accepted_but_not_impossible_provinces() {
        // 530199 is not a county today; still a valid number.
        let old = ResidentId::compose(
            530199,
            NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default(),
            2,
        );
        assert_eq!(code(ResidentId::parse(old.as_str(), today())), "ok");
        let bogus = ResidentId::compose(
            990101,
            NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default(),
            2,
        );
        assert_eq!(
            code(ResidentId::parse(bogus.as_str(), today())),
            "id_number.address"
        );
    }

    #[test]
    fn lengths_and_empty() {
        assert_eq!(code(ResidentId::parse("", today())), "required");
        assert_eq!(
            code(ResidentId::parse("12345", today())),
            "id_number.length"
        );
        assert_eq!(
            code(ResidentId::parse("1101051949123100211", today())),
            "id_number.length"
        );
    }

    #[test]
    fn debug_does_not_leak_the_number() {
        let id = ResidentId::parse("11010519491231002X", today())
            .unwrap_or_else(|e| unreachable!("{e:?}"));
        assert!(!format!("{id:?}").contains("19491231"));
    }
}
