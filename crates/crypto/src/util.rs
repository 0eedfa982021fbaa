//! Small shared helpers: randomness, hex, HMAC, constant-time comparison.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::CryptoError;

/// `N` bytes from the operating system's CSPRNG.
pub(crate) fn random_array<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf)?;
    Ok(buf)
}

/// A random key of `N` bytes that is wiped when dropped.
pub(crate) fn random_key<const N: usize>() -> Result<Zeroizing<[u8; N]>, CryptoError> {
    let mut key = Zeroizing::new([0u8; N]);
    getrandom::fill(key.as_mut_slice())?;
    Ok(key)
}

/// Lowercase hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Block size of SHA-1 and SHA-256, which is also their HMAC key size.
const HMAC_BLOCK: usize = 64;

/// Normalizes an HMAC key to one block exactly as RFC 2104 §2 does: a key longer
/// than the block is replaced by its hash, and the result is zero-padded.
///
/// Doing this here lets us use the infallible `KeyInit::new` instead of
/// `new_from_slice`, whose error branch cannot happen for HMAC but would still
/// have to be handled.
fn hmac_block_key<D: Digest>(key: &[u8]) -> Zeroizing<[u8; HMAC_BLOCK]> {
    let mut block = Zeroizing::new([0u8; HMAC_BLOCK]);
    if key.len() > HMAC_BLOCK {
        let hashed = D::digest(key);
        block[..hashed.len()].copy_from_slice(&hashed);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    block
}

/// HMAC-SHA256 of the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    HmacSha256::new(key).mac(parts)
}

/// HMAC-SHA256 under one key, keyed once: the key's inner and outer blocks are hashed when it
/// is made, so each message then costs only its own blocks (half the work for a short value).
/// The state is as secret as the key, and wiped when dropped as the hash states are.
#[derive(Clone)]
pub(crate) struct HmacSha256(Hmac<Sha256>);

impl HmacSha256 {
    pub(crate) fn new(key: &[u8]) -> HmacSha256 {
        let block = hmac_block_key::<Sha256>(key);
        HmacSha256(<Hmac<Sha256> as KeyInit>::new((&*block).into()))
    }

    /// The MAC of the concatenation of `parts`.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// HMAC-SHA1 of `msg` (for TOTP).
pub(crate) fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    let block = hmac_block_key::<Sha1>(key);
    let mut mac = <Hmac<Sha1> as KeyInit>::new((&*block).into());
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// Compares two byte strings in time independent of their contents (their
/// lengths are treated as public).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_encodes() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn block_key_matches_hmac_crate_for_all_key_lengths() {
        for len in [0usize, 1, 20, 32, 63, 64, 65, 100, 200] {
            let key: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let mut reference = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
            reference.update(b"message");
            let expected: [u8; 32] = reference.finalize().into_bytes().into();
            assert_eq!(hmac_sha256(&key, &[b"mess", b"age"]), expected, "len {len}");

            let mut reference = <Hmac<Sha1> as KeyInit>::new_from_slice(&key).unwrap();
            reference.update(b"message");
            let expected: [u8; 20] = reference.finalize().into_bytes().into();
            assert_eq!(hmac_sha1(&key, b"message"), expected, "len {len}");
        }
    }

    #[test]
    fn hmac_sha256_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn ct_eq_compares() {
        assert!(ct_eq(b"123456", b"123456"));
        assert!(!ct_eq(b"123456", b"123457"));
        assert!(!ct_eq(b"12345", b"123456"));
    }
}
