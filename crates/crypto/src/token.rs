//! Opaque random tokens (session ids, API tokens) and the hashes under which
//! they are stored, so a leaked database does not yield usable tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::CryptoError;
use crate::util::{hex, random_array};

/// A new token: 32 random bytes, base64url without padding (43 characters).
///
/// Give it to the client; store only [`token_hash`] of it.
///
/// # Errors
/// [`CryptoError::Random`] if the system RNG fails.
pub fn random_token() -> Result<String, CryptoError> {
    Ok(URL_SAFE_NO_PAD.encode(random_array::<32>()?))
}

/// Lowercase hex SHA-256 of `token` (64 characters), for storing and looking up
/// tokens. A plain hash suffices because tokens have 256 bits of entropy.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_url_safe() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
    }

    #[test]
    fn token_hash_is_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let t = random_token().unwrap();
        assert_eq!(token_hash(&t), token_hash(&t));
        assert_ne!(token_hash(&t), token_hash(&random_token().unwrap()));
    }
}

/// The signature of a webhook's body under its shared secret: `sha256=` and the hex
/// HMAC-SHA256 of the body.
pub fn body_signature(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        crate::util::hex(&crate::util::hmac_sha256(secret.as_bytes(), &[body]))
    )
}

/// Whether a webhook's signature header is the one its body makes under the secret, compared in
/// constant time.
pub fn signature_matches(secret: &str, body: &[u8], given: &str) -> bool {
    let want = body_signature(secret, body);
    crate::util::ct_eq(want.as_bytes(), given.trim().as_bytes())
}
