//! Authenticated encryption of single field values, and blind indexes for
//! exact-match search over them.
//!
//! Envelope: `v1.xc20.<kid>.<base64url-nopad(nonce || ciphertext || tag)>` with
//! XChaCha20-Poly1305 and a random 24-byte nonce per value; the associated data
//! is `v1.xc20.<kid>.` followed by the caller's `aad` (see the
//! [crate documentation](crate)).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadInOut, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroize;

use crate::CryptoError;
use crate::keys::{Keyring, is_valid_kid};
use crate::util::{hex, hmac_sha256, random_array};

/// Envelope version written by this crate.
pub const VERSION: &str = "v1";

/// Algorithm tag of XChaCha20-Poly1305 envelopes.
pub const ALG_XCHACHA20_POLY1305: &str = "xc20";

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Encryption of field values bound to their location, plus blind indexes.
///
/// [`Keyring`] implements it with XChaCha20-Poly1305 (`xc20` envelopes) and
/// HMAC-SHA256 blind indexes. The algorithm is pluggable: code that stores
/// sensitive fields should depend on this trait (e.g. as
/// `Arc<dyn FieldCipher>`), so that a deployment bound to the Chinese
/// commercial-cryptography standards (GB/T 39786) can supply an SM4-GCM / SM3
/// implementation writing its own algorithm tag (e.g. `v1.sm4g.<kid>.…`)
/// without changing callers. No SM4 implementation exists yet.
pub trait FieldCipher: Send + Sync {
    /// Encrypts `plaintext` under the active key, bound to `aad` (where the value
    /// lives, e.g. `person/id_number/<uuid>`), returning an ASCII envelope.
    ///
    /// # Errors
    /// If the system RNG or the cipher fails.
    fn encrypt(&self, plaintext: &str, aad: &str) -> Result<String, CryptoError>;

    /// Decrypts an envelope produced by [`FieldCipher::encrypt`] with the same
    /// `aad`, under whichever key it names.
    ///
    /// # Errors
    /// Malformed envelope, unknown version or algorithm, unknown key id, or
    /// authentication failure (wrong `aad`, wrong key, tampering).
    fn decrypt(&self, envelope: &str, aad: &str) -> Result<String, CryptoError>;

    /// Deterministic keyed digest of `normalized_value` for exact-match search,
    /// separated by `purpose` (e.g. `"id_number"`).
    fn blind_index(&self, purpose: &str, normalized_value: &str) -> String;
}

/// The key id named by an envelope, if it is a well-formed `v1.xc20` envelope.
///
/// Used during key rotation to find values not yet under the active key:
/// `kid_of(v) != Some(ring.active_kid())`.
pub fn kid_of(envelope: &str) -> Option<&str> {
    parse(envelope).ok().map(|e| e.kid)
}

/// The parts of an envelope.
struct Envelope<'a> {
    kid: &'a str,
    payload: &'a str,
}

fn parse(envelope: &str) -> Result<Envelope<'_>, CryptoError> {
    let mut parts = envelope.splitn(4, '.');
    let (Some(version), Some(alg), Some(kid), Some(payload)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(CryptoError::MalformedEnvelope(
            "expected version.algorithm.kid.payload",
        ));
    };
    if version != VERSION {
        return Err(CryptoError::UnsupportedVersion);
    }
    if alg != ALG_XCHACHA20_POLY1305 {
        return Err(CryptoError::UnsupportedAlgorithm);
    }
    if !is_valid_kid(kid) {
        return Err(CryptoError::MalformedEnvelope("invalid key id"));
    }
    Ok(Envelope { kid, payload })
}

/// The envelope header, which is also the start of the associated data.
fn header(kid: &str) -> String {
    format!("{VERSION}.{ALG_XCHACHA20_POLY1305}.{kid}.")
}

fn full_aad(header: &str, aad: &str) -> Vec<u8> {
    [header.as_bytes(), aad.as_bytes()].concat()
}

impl Keyring {
    /// Encrypts `plaintext` under the active key, bound to `aad` (where the value
    /// lives, e.g. `person/id_number/<uuid>`).
    ///
    /// Returns `v1.xc20.<active kid>.<base64url-nopad(nonce || ciphertext || tag)>`;
    /// encrypting the same value twice gives different envelopes.
    ///
    /// # Errors
    /// [`CryptoError::Random`] if the system RNG fails, or
    /// [`CryptoError::EncryptionFailed`] for input beyond the cipher's limits.
    pub fn encrypt(&self, plaintext: &str, aad: &str) -> Result<String, CryptoError> {
        self.encrypt_bytes(plaintext.as_bytes(), aad)
    }

    /// [`Keyring::encrypt`] of bytes (a file kept with a record).
    ///
    /// # Errors
    /// As [`Keyring::encrypt`].
    pub fn encrypt_bytes(&self, plaintext: &[u8], aad: &str) -> Result<String, CryptoError> {
        let kid = self.active_kid();
        let key = self.data_key(kid).ok_or_else(|| CryptoError::UnknownKid {
            kid: kid.to_owned(),
        })?;
        let cipher = XChaCha20Poly1305::new(key.into());
        let nonce = XNonce::from(random_array::<NONCE_LEN>()?);
        // One buffer for the header and the associated data, one for nonce || ciphertext || tag
        // (encrypted in place), and the envelope: three allocations per value.
        let mut envelope = header(kid);
        let aad = full_aad(&envelope, aad);
        let mut blob = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(plaintext);
        let tag = cipher
            .encrypt_inout_detached(&nonce, &aad, (&mut blob[NONCE_LEN..]).into())
            .map_err(|_| CryptoError::EncryptionFailed)?;
        blob.extend_from_slice(&tag);
        envelope.reserve(base64::encoded_len(blob.len(), false).unwrap_or(0));
        URL_SAFE_NO_PAD.encode_string(&blob, &mut envelope);
        Ok(envelope)
    }

    /// Decrypts an envelope made by [`Keyring::encrypt`] with the same `aad`,
    /// using whichever key of the ring it names.
    ///
    /// # Errors
    /// [`CryptoError::MalformedEnvelope`], [`CryptoError::UnsupportedVersion`],
    /// [`CryptoError::UnsupportedAlgorithm`], [`CryptoError::UnknownKid`], or
    /// [`CryptoError::AuthenticationFailed`] for a wrong `aad`, wrong key or
    /// tampered envelope.
    pub fn decrypt(&self, envelope: &str, aad: &str) -> Result<String, CryptoError> {
        String::from_utf8(self.decrypt_bytes(envelope, aad)?).map_err(|e| {
            e.into_bytes().zeroize();
            CryptoError::MalformedEnvelope("decrypted value is not UTF-8")
        })
    }

    /// [`Keyring::decrypt`] to bytes.
    ///
    /// # Errors
    /// As [`Keyring::decrypt`], but for UTF-8.
    pub fn decrypt_bytes(&self, envelope: &str, aad: &str) -> Result<Vec<u8>, CryptoError> {
        let parsed = parse(envelope)?;
        let blob = URL_SAFE_NO_PAD
            .decode(parsed.payload)
            .map_err(|_| CryptoError::MalformedEnvelope("payload is not base64url"))?;
        if blob.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::MalformedEnvelope("payload too short"));
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let nonce = <&XNonce>::try_from(nonce)
            .map_err(|_| CryptoError::MalformedEnvelope("payload too short"))?;
        let key = self
            .data_key(parsed.kid)
            .ok_or_else(|| CryptoError::UnknownKid {
                kid: parsed.kid.to_owned(),
            })?;
        let cipher = XChaCha20Poly1305::new(key.into());
        let aad = full_aad(&header(parsed.kid), aad);
        cipher
            .decrypt(
                nonce,
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::AuthenticationFailed)
    }

    /// Blind index of `normalized_value` for exact-match search: lowercase hex
    /// of HMAC-SHA256 under the index key over `purpose || 0x00 ||
    /// normalized_value`.
    ///
    /// Deterministic for one keyring, and different for different purposes, so
    /// indexes of different columns cannot be correlated. Normalize the value
    /// first (trim, case, full-width digits…) the same way when storing and
    /// searching. `purpose` should be a fixed name such as `"id_number"` without
    /// NUL characters.
    pub fn blind_index(&self, purpose: &str, normalized_value: &str) -> String {
        let mac = self
            .index_mac()
            .mac(&[purpose.as_bytes(), &[0], normalized_value.as_bytes()]);
        hex(&mac)
    }
}

/// Purpose label of the audit chain's MAC key, derived from each data key.
const AUDIT_CHAIN_LABEL: &[u8] = b"jinguo audit chain v1";

impl Keyring {
    /// The audit chain's MAC of `message` under the audit key derived from data key `kid`
    /// (HMAC-SHA256 keyed by HMAC-SHA256(data key, purpose label)), as lowercase hex. The
    /// derived key is never stored anywhere: it exists only while the key file is at hand.
    ///
    /// # Errors
    /// [`CryptoError::UnknownKid`] when the ring has no key `kid`.
    pub fn audit_mac(&self, kid: &str, message: &[u8]) -> Result<String, CryptoError> {
        let key = self.data_key(kid).ok_or_else(|| CryptoError::UnknownKid {
            kid: kid.to_owned(),
        })?;
        let mut derived = hmac_sha256(key, &[AUDIT_CHAIN_LABEL]);
        let mac = hmac_sha256(&derived, &[message]);
        derived.zeroize();
        Ok(hex(&mac))
    }
}

impl FieldCipher for Keyring {
    fn encrypt(&self, plaintext: &str, aad: &str) -> Result<String, CryptoError> {
        Keyring::encrypt(self, plaintext, aad)
    }

    fn decrypt(&self, envelope: &str, aad: &str) -> Result<String, CryptoError> {
        Keyring::decrypt(self, envelope, aad)
    }

    fn blind_index(&self, purpose: &str, normalized_value: &str) -> String {
        Keyring::blind_index(self, purpose, normalized_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AAD: &str = "person/id_number/0190a1b2-0000-7000-8000-000000000001";
    const ID: &str = "11010119900307447X";

    #[test]
    fn round_trip() {
        let ring = Keyring::generate().unwrap();
        for plaintext in [ID, "", "张三 · 安宁市妇联", "a.b.c.d"] {
            let envelope = ring.encrypt(plaintext, AAD).unwrap();
            assert!(envelope.starts_with("v1.xc20.k1."), "{envelope}");
            assert!(envelope.is_ascii());
            assert!(!envelope.contains(plaintext) || plaintext.is_empty());
            assert_eq!(ring.decrypt(&envelope, AAD).unwrap(), plaintext);
        }
        let a = ring.encrypt(ID, AAD).unwrap();
        let b = ring.encrypt(ID, AAD).unwrap();
        assert_ne!(a, b, "nonces must be random");
    }

    #[test]
    fn audit_mac_is_keyed_per_kid() {
        let mut ring = Keyring::generate().unwrap();
        let a = ring.audit_mac("k1", b"entry").unwrap();
        assert_eq!(a.len(), 64);
        assert_eq!(ring.audit_mac("k1", b"entry").unwrap(), a);
        assert_ne!(ring.audit_mac("k1", b"entry2").unwrap(), a);
        ring.rotate().unwrap();
        assert_eq!(ring.audit_mac("k1", b"entry").unwrap(), a);
        assert_ne!(ring.audit_mac("k2", b"entry").unwrap(), a);
        assert!(ring.audit_mac("k9", b"entry").is_err());
        let other = Keyring::generate().unwrap();
        assert_ne!(other.audit_mac("k1", b"entry").unwrap(), a);
    }

    #[test]
    fn works_through_the_trait_object() {
        let ring: Box<dyn FieldCipher> = Box::new(Keyring::generate().unwrap());
        let envelope = ring.encrypt(ID, AAD).unwrap();
        assert_eq!(ring.decrypt(&envelope, AAD).unwrap(), ID);
        assert_eq!(ring.blind_index("id_number", ID).len(), 64);
    }

    #[test]
    fn wrong_aad_fails() {
        let ring = Keyring::generate().unwrap();
        let envelope = ring.encrypt(ID, AAD).unwrap();
        let err = ring
            .decrypt(&envelope, "person/id_number/someone-else")
            .unwrap_err();
        assert!(matches!(err, CryptoError::AuthenticationFailed), "{err}");
        assert!(matches!(
            ring.decrypt(&envelope, ""),
            Err(CryptoError::AuthenticationFailed)
        ));
    }

    #[test]
    fn tampered_ciphertext_fails() {
        let ring = Keyring::generate().unwrap();
        let envelope = ring.encrypt(ID, AAD).unwrap();
        let (header, payload) = envelope.rsplit_once('.').unwrap();
        let mut blob = URL_SAFE_NO_PAD.decode(payload).unwrap();
        for i in [0, NONCE_LEN, blob.len() - 1] {
            blob[i] ^= 0x01;
            let tampered = format!("{header}.{}", URL_SAFE_NO_PAD.encode(&blob));
            let err = ring.decrypt(&tampered, AAD).unwrap_err();
            assert!(
                matches!(err, CryptoError::AuthenticationFailed),
                "byte {i}: {err}"
            );
            blob[i] ^= 0x01;
        }
        // Truncated to header-only length.
        let short = format!(
            "{header}.{}",
            URL_SAFE_NO_PAD.encode(&blob[..NONCE_LEN + TAG_LEN - 1])
        );
        assert!(matches!(
            ring.decrypt(&short, AAD),
            Err(CryptoError::MalformedEnvelope(_))
        ));
    }

    #[test]
    fn relabeled_kid_fails() {
        let mut ring = Keyring::generate().unwrap();
        let envelope = ring.encrypt(ID, AAD).unwrap();
        ring.rotate().unwrap();
        let relabeled = envelope.replacen(".k1.", ".k2.", 1);
        assert!(matches!(
            ring.decrypt(&relabeled, AAD),
            Err(CryptoError::AuthenticationFailed)
        ));
    }

    #[test]
    fn unknown_kid_fails() {
        let ring = Keyring::generate().unwrap();
        let envelope = ring.encrypt(ID, AAD).unwrap().replacen(".k1.", ".k7.", 1);
        let err = ring.decrypt(&envelope, AAD).unwrap_err();
        assert!(
            matches!(&err, CryptoError::UnknownKid { kid } if kid == "k7"),
            "{err}"
        );
        assert!(err.to_string().contains("k7"));
    }

    #[test]
    fn other_keyring_fails() {
        let envelope = Keyring::generate().unwrap().encrypt(ID, AAD).unwrap();
        let other = Keyring::generate().unwrap();
        assert!(matches!(
            other.decrypt(&envelope, AAD),
            Err(CryptoError::AuthenticationFailed)
        ));
    }

    #[test]
    fn malformed_and_unsupported_envelopes() {
        let ring = Keyring::generate().unwrap();
        let valid = ring.encrypt(ID, AAD).unwrap();
        let payload = valid.rsplit_once('.').unwrap().1;
        let variant = |e: &CryptoError| match e {
            CryptoError::MalformedEnvelope(_) => "malformed",
            CryptoError::UnsupportedVersion => "version",
            CryptoError::UnsupportedAlgorithm => "algorithm",
            _ => "other",
        };
        let cases = [
            (ID.to_owned(), "malformed"),
            ("v1.xc20.k1".to_owned(), "malformed"),
            (format!("v2.xc20.k1.{payload}"), "version"),
            (format!("v1.sm4g.k1.{payload}"), "algorithm"),
            (format!("v1.xc20..{payload}"), "malformed"),
            ("v1.xc20.k1.not*base64".to_owned(), "malformed"),
            (format!("{valid}.extra"), "malformed"),
        ];
        for (envelope, expected) in cases {
            let err = ring.decrypt(&envelope, AAD).unwrap_err();
            assert_eq!(variant(&err), expected, "{envelope}: {err}");
            assert!(!err.to_string().contains(ID));
        }
        // A plaintext with dots (e.g. an e-mail address) must not leak into errors.
        let err = ring.decrypt("zhang.san@example.cn", AAD).unwrap_err();
        assert!(!err.to_string().contains("zhang"), "{err}");
    }

    #[test]
    fn kid_of_reads_envelope() {
        let ring = Keyring::generate().unwrap();
        let envelope = ring.encrypt(ID, AAD).unwrap();
        assert_eq!(kid_of(&envelope), Some("k1"));
        assert_eq!(kid_of(ID), None);
        assert_eq!(kid_of("v9.xc20.k1.AAAA"), None);
    }

    #[test]
    fn rotation_keeps_old_values_readable() {
        let mut ring = Keyring::generate().unwrap();
        let old = ring.encrypt(ID, AAD).unwrap();
        assert_eq!(ring.rotate().unwrap(), "k2");
        let new = ring.encrypt(ID, AAD).unwrap();
        assert_eq!(kid_of(&old), Some("k1"));
        assert_eq!(kid_of(&new), Some("k2"));
        assert!(new.starts_with("v1.xc20.k2."));
        assert_eq!(ring.decrypt(&old, AAD).unwrap(), ID);
        assert_eq!(ring.decrypt(&new, AAD).unwrap(), ID);
        // Rotation survives a save/load through TOML.
        let reloaded = Keyring::from_toml_str(&ring.to_toml_string()).unwrap();
        assert_eq!(reloaded.active_kid(), "k2");
        assert_eq!(reloaded.decrypt(&old, AAD).unwrap(), ID);
        assert_eq!(reloaded.decrypt(&new, AAD).unwrap(), ID);
    }

    #[test]
    fn blind_index_deterministic_and_purpose_separated() {
        let mut ring = Keyring::generate().unwrap();
        let a = ring.blind_index("id_number", ID);
        assert_eq!(a, ring.blind_index("id_number", ID));
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, ring.blind_index("phone", ID));
        assert_ne!(a, ring.blind_index("id_number", "110101199003074478"));
        // Purpose and value are separated, not merely concatenated.
        assert_ne!(ring.blind_index("ab", "c"), ring.blind_index("a", "bc"));
        // Rotating data keys does not change blind indexes.
        ring.rotate().unwrap();
        assert_eq!(a, ring.blind_index("id_number", ID));
        // Another keyring gives another index.
        assert_ne!(a, Keyring::generate().unwrap().blind_index("id_number", ID));
    }

    #[test]
    fn blind_index_known_answer() {
        let text = "active = \"k1\"\nindex_key = \"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\"\n[keys]\nk1 = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"\n";
        let ring = Keyring::from_toml_str(text).unwrap();
        let key: Vec<u8> = (32u8..64).collect();
        let expected = hex(&hmac_sha256(&key, &[b"id_number\x00110101199003074477"]));
        assert_eq!(
            ring.blind_index("id_number", "110101199003074477"),
            expected
        );
    }
}
