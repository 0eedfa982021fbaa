//! Mainland mobile numbers: `^1[3-9]\d{9}$`, optionally written with +86.

use crate::error::FieldError;
use serde::{Serialize, Serializer};

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Mobile(String);

impl std::fmt::Debug for Mobile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mobile({})", crate::mask::phone(&self.0))
    }
}

impl Serialize for Mobile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl Mobile {
    /// Accepts `13800138000`, `+86 138 0013 8000`, `+86-13800138000`, `008613800138000`.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        const F: &str = "phone";
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if compact.is_empty() {
            return Err(FieldError::new(F, "required"));
        }
        let national = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .unwrap_or(&compact);
        let b = national.as_bytes();
        let ok = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Self(national.to_string()))
        } else {
            Err(FieldError::new(F, "phone.format"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Builds a number from 10 digits after the leading 1 (demo generator); `second` is 3–9.
    pub fn compose(second: u8, rest: u64) -> Self {
        Self(format!(
            "1{}{:09}",
            second.clamp(3, 9),
            rest % 1_000_000_000
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_writings() {
        for ok in [
            "13800138000",
            "+86 138 0013 8000",
            "+86-13800138000",
            "008619912345678",
            "17012345678",
        ] {
            assert!(Mobile::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Mobile::parse("+86 138 0013 8000")
                .map(|m| m.0)
                .unwrap_or_default(),
            "13800138000"
        );
    }

    #[test]
    fn refuses_what_is_not_a_mobile() {
        for bad in [
            "12800138000",
            "1380013800",
            "138001380001",
            "23800138000",
            "1380013800a",
            "0871-6512345",
            "+1 13800138000",
        ] {
            assert_eq!(
                Mobile::parse(bad).map_err(|e| e.code),
                Err("phone.format"),
                "{bad}"
            );
        }
        assert_eq!(Mobile::parse("  ").map_err(|e| e.code), Err("required"));
    }
}
