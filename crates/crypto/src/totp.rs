//! Time-based one-time passwords (RFC 6238): HMAC-SHA1, 30-second steps,
//! 6 digits — the defaults every authenticator app understands.

use std::fmt::Write as _;

use crate::CryptoError;
use crate::util::{ct_eq, hmac_sha1, random_array};

/// Seconds per time step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// Length in bytes of secrets made by [`new_secret`] (160 bits, as RFC 4226 recommends).
pub const SECRET_LEN: usize = 20;

/// A new random 20-byte TOTP secret.
///
/// # Errors
/// [`CryptoError::Random`] if the system RNG fails.
pub fn new_secret() -> Result<Vec<u8>, CryptoError> {
    Ok(random_array::<SECRET_LEN>()?.to_vec())
}

/// RFC 4648 base32 (alphabet `A–Z 2–7`) without padding, as used in
/// `otpauth://` URIs and for manual entry.
pub fn base32(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity((data.len() * 8).div_ceil(5));
    let mut buffer: u16 = 0;
    let mut bits: u32 = 0;
    for &byte in data {
        buffer = (buffer << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[usize::from((buffer >> bits) & 0x1f)]));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(
            ALPHABET[usize::from((buffer << (5 - bits)) & 0x1f)],
        ));
    }
    out
}

/// Decodes RFC 4648 base32 (upper or lower case, spaces and padding ignored); `None` on any
/// other character.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = match c.to_ascii_uppercase() {
            u @ 'A'..='Z' => u as u32 - 'A' as u32,
            d @ '2'..='7' => d as u32 - '2' as u32 + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
        buffer &= (1 << bits) - 1;
    }
    Some(out)
}

/// The `otpauth://` URI to show as a QR code:
/// `otpauth://totp/{issuer}:{account}?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`,
/// with `issuer` and `account` percent-encoded (UTF-8, so Chinese names work).
pub fn provisioning_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = percent_encode(account),
        secret = base32(secret),
    )
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The time-step counter of `unix_seconds`.
pub fn counter_at(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// HOTP value (RFC 4226 dynamic truncation) of `counter`, as a number below 10⁶.
fn hotp(secret: &[u8], counter: u64) -> u32 {
    let mac = hmac_sha1(secret, &counter.to_be_bytes());
    // offset <= 15, so offset + 3 < 20: the indexing below cannot fail.
    let offset = usize::from(mac[19] & 0x0f);
    let binary = u32::from_be_bytes([
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]) & 0x7fff_ffff;
    binary % 1_000_000
}

fn format_code(value: u32) -> String {
    format!("{value:06}")
}

/// The 6-digit code (zero-padded) for `unix_seconds`.
pub fn code_at(secret: &[u8], unix_seconds: u64) -> String {
    format_code(hotp(secret, counter_at(unix_seconds)))
}

/// Checks `code` (exactly 6 ASCII digits) against the time steps before, at and
/// after `unix_seconds`, comparing in constant time.
///
/// Returns the matched time-step counter. Callers must store it per user and
/// refuse any later code whose counter is not greater than the stored one, so a
/// code cannot be replayed.
pub fn verify(secret: &[u8], code: &str, unix_seconds: u64) -> Option<u64> {
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = counter_at(unix_seconds);
    let mut matched = None;
    // Every window is computed and compared, so timing does not reveal which matched.
    for counter in [now.checked_sub(1), Some(now), now.checked_add(1)]
        .into_iter()
        .flatten()
    {
        let expected = format_code(hotp(secret, counter));
        if ct_eq(expected.as_bytes(), code.as_bytes()) {
            matched = Some(counter);
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 Appendix B, SHA-1; 8-digit values, of which we use the last 6.
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, eight) in vectors {
            let six = &eight[2..];
            assert_eq!(code_at(RFC_SECRET, time), six, "time {time}");
            assert_eq!(
                verify(RFC_SECRET, six, time),
                Some(time / 30),
                "time {time}"
            );
        }
        assert_eq!(code_at(RFC_SECRET, 59), "287082");
        assert_eq!(code_at(RFC_SECRET, 1_111_111_109), "081804");
        assert_eq!(code_at(RFC_SECRET, 1_234_567_890), "005924");
        assert_eq!(code_at(RFC_SECRET, 2_000_000_000), "279037");
    }

    #[test]
    fn rfc4226_hotp_vectors() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, value) in expected.into_iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, counter as u64), value);
        }
    }

    #[test]
    fn verify_accepts_one_step_of_drift() {
        let t = 1_234_567_890; // counter 41152263
        let code = code_at(RFC_SECRET, t);
        assert_eq!(verify(RFC_SECRET, &code, t), Some(41_152_263));
        assert_eq!(verify(RFC_SECRET, &code, t - 30), Some(41_152_263));
        assert_eq!(verify(RFC_SECRET, &code, t + 30), Some(41_152_263));
        assert_eq!(verify(RFC_SECRET, &code, t + 60), None);
        assert_eq!(verify(RFC_SECRET, &code, t - 60), None);
        let next = code_at(RFC_SECRET, t + 30);
        assert_eq!(verify(RFC_SECRET, &next, t), Some(41_152_264));
    }

    #[test]
    fn verify_rejects_bad_input() {
        let t = 1_234_567_890;
        assert_eq!(verify(RFC_SECRET, "005925", t), None);
        assert_eq!(verify(RFC_SECRET, "5924", t), None);
        assert_eq!(verify(RFC_SECRET, "89005924", t), None);
        assert_eq!(verify(RFC_SECRET, "00592a", t), None);
        assert_eq!(verify(RFC_SECRET, " 005924", t), None);
        assert_eq!(verify(RFC_SECRET, "", t), None);
        assert_eq!(verify(b"another secret......", "005924", t), None);
        // Time zero has no previous step.
        let code = code_at(RFC_SECRET, 0);
        assert_eq!(verify(RFC_SECRET, &code, 0), Some(0));
    }

    #[test]
    fn base32_decodes_what_it_encodes() {
        for data in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            b"12345678901234567890",
        ] {
            assert_eq!(from_base32(&base32(data)).as_deref(), Some(data));
        }
        assert_eq!(from_base32("mzxw6==="), Some(b"foo".to_vec()));
        assert_eq!(from_base32("MZ1W6"), None);
    }

    #[test]
    fn base32_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ];
        for (input, output) in cases {
            assert_eq!(base32(input.as_bytes()), output);
        }
        assert_eq!(base32(RFC_SECRET), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32(&[0xff; 5]), "77777777");
    }

    #[test]
    fn new_secret_is_random() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        assert_eq!(base32(&a).len(), 32);
    }

    #[test]
    fn provisioning_uri_encodes() {
        let uri = provisioning_uri(RFC_SECRET, "安宁妇联", "li.na@example.cn");
        assert_eq!(
            uri,
            "otpauth://totp/%E5%AE%89%E5%AE%81%E5%A6%87%E8%81%94:li.na%40example.cn\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=%E5%AE%89%E5%AE%81%E5%A6%87%E8%81%94\
             &algorithm=SHA1&digits=6&period=30"
        );
        let uri = provisioning_uri(RFC_SECRET, "Jinguo Test", "a:b&c");
        assert!(
            uri.starts_with("otpauth://totp/Jinguo%20Test:a%3Ab%26c?"),
            "{uri}"
        );
    }
}
