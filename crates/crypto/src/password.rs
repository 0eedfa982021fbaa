//! Password hashing with Argon2id, timing-equalizing dummy verification, and a
//! password policy check.

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::CryptoError;

/// Argon2id memory cost in KiB (OWASP recommendation: 19 MiB).
pub const M_COST_KIB: u32 = 19_456;
/// Argon2id iterations (OWASP recommendation).
pub const T_COST: u32 = 2;
/// Argon2id parallelism (OWASP recommendation).
pub const P_COST: u32 = 1;

fn hasher() -> Result<Argon2<'static>, CryptoError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None)
        .map_err(|e| CryptoError::PasswordHash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `pw` with Argon2id (m = 19456 KiB, t = 2, p = 1) and a random salt,
/// returning a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
///
/// # Errors
/// [`CryptoError::PasswordHash`] if the RNG or Argon2 fails.
pub fn hash_password(pw: &str) -> Result<String, CryptoError> {
    let hash = hasher()?
        .hash_password(pw.as_bytes())
        .map_err(|e| CryptoError::PasswordHash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `pw` matches the PHC string `phc` (as made by [`hash_password`]; its
/// own parameters are used). A malformed `phc` never matches.
pub fn verify_password(pw: &str, phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(pw.as_bytes(), &hash)
        .is_ok()
}

/// Spends as long as a real [`verify_password`] against a hash of the current
/// parameters, and returns nothing. Call it when the user name is unknown so
/// that response time does not reveal which accounts exist.
///
/// The fixed dummy hash is computed once per process on first use (costing one
/// extra hash then); call `dummy_verify("")` at startup to pay that early.
pub fn dummy_verify(pw: &str) {
    static DUMMY_HASH: OnceLock<Option<String>> = OnceLock::new();
    let dummy = DUMMY_HASH.get_or_init(|| {
        let hash = hasher()
            .ok()?
            .hash_password_with_salt(b"jinguo dummy password", b"jinguo-dummy-salt")
            .ok()?;
        Some(hash.to_string())
    });
    if let Some(phc) = dummy {
        std::hint::black_box(verify_password(std::hint::black_box(pw), phc));
    }
}

/// Why a password was refused by [`check_policy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Fewer characters than required.
    #[error("password must have at least {min} characters")]
    TooShort {
        /// Required number of characters.
        min: usize,
    },
    /// Too few character classes.
    #[error(
        "password must mix at least {min} of: lowercase letters, uppercase letters, digits, other characters"
    )]
    TooFewClasses {
        /// Required number of classes.
        min: usize,
    },
}

/// Checks `pw` against a length and character-class policy.
///
/// Length is counted in characters (`安宁` is 2). The classes are ASCII
/// lowercase, ASCII uppercase, ASCII digits, and other — any character that is
/// not an ASCII letter or digit, including Chinese characters and punctuation.
///
/// # Errors
/// [`PolicyError::TooShort`] if `pw` has fewer than `min_len` characters, else
/// [`PolicyError::TooFewClasses`] if it uses fewer than `min_classes` classes.
pub fn check_policy(pw: &str, min_len: usize, min_classes: usize) -> Result<(), PolicyError> {
    if pw.chars().count() < min_len {
        return Err(PolicyError::TooShort { min: min_len });
    }
    let (mut lower, mut upper, mut digit, mut other) = (false, false, false, false);
    for c in pw.chars() {
        match c {
            'a'..='z' => lower = true,
            'A'..='Z' => upper = true,
            '0'..='9' => digit = true,
            _ => other = true,
        }
    }
    let classes = [lower, upper, digit, other]
        .into_iter()
        .filter(|&b| b)
        .count();
    if classes < min_classes {
        return Err(PolicyError::TooFewClasses { min: min_classes });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verify_round_trip_and_wrong_password() {
        let phc = hash_password("安宁市妇联2021ab").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password("安宁市妇联2021ab", &phc));
        assert!(!verify_password("安宁市妇联2021aB", &phc));
        assert!(!verify_password("", &phc));
        assert!(!verify_password("安宁市妇联2021ab", "not a phc string"));
        assert!(!verify_password("安宁市妇联2021ab", ""));
    }

    #[test]
    fn salts_differ() {
        // The second (and last) hash in the tests: same password, new salt.
        let a = hash_password("Abcdefgh12").unwrap();
        let b = hasher()
            .unwrap()
            .hash_password_with_salt(b"Abcdefgh12", b"fixed-salt-for-test")
            .unwrap()
            .to_string();
        assert_ne!(a, b);
        assert!(verify_password("Abcdefgh12", &b));
    }

    #[test]
    fn dummy_verify_runs() {
        dummy_verify("whatever");
        dummy_verify("");
    }

    #[test]
    fn policy_cases() {
        assert_eq!(
            check_policy("short", 8, 3),
            Err(PolicyError::TooShort { min: 8 })
        );
        assert_eq!(
            check_policy("alllowercaseletters", 8, 3),
            Err(PolicyError::TooFewClasses { min: 3 })
        );
        assert_eq!(check_policy("Abcdefgh12", 8, 3), Ok(()));
        assert_eq!(check_policy("安宁市妇联2021ab", 8, 3), Ok(()));
        // Length is in characters, not bytes: 5 Chinese characters are 15 bytes.
        assert_eq!(
            check_policy("安宁市妇联", 8, 1),
            Err(PolicyError::TooShort { min: 8 })
        );
        // Chinese characters and punctuation count as "other".
        assert_eq!(check_policy("安宁市妇联abcd", 8, 2), Ok(()));
        assert_eq!(check_policy("abcdefg!", 8, 2), Ok(()));
        assert_eq!(
            check_policy("ABCDEFGH", 8, 2),
            Err(PolicyError::TooFewClasses { min: 2 })
        );
        // Full-width digits are not ASCII digits: they count as "other".
        assert_eq!(check_policy("abcdefg１", 8, 2), Ok(()));
        assert_eq!(check_policy("", 0, 0), Ok(()));
        assert_eq!(
            PolicyError::TooShort { min: 12 }.to_string(),
            "password must have at least 12 characters"
        );
    }
}
