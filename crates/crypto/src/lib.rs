//! Cryptography for Jinguo: encrypted fields, blind indexes, password hashing,
//! TOTP second factor and opaque tokens.
//!
//! Everything secret lives in a [`Keyring`]; nothing in this crate logs, and no
//! error message contains a plaintext or a key.
//!
//! # Field envelope
//!
//! [`Keyring::encrypt`] turns one value into printable ASCII that can be stored in
//! an ordinary text column:
//!
//! ```text
//! v1.xc20.<kid>.<base64url-nopad(nonce || ciphertext || tag)>
//! ```
//!
//! * `v1` — envelope version; `xc20` — XChaCha20-Poly1305.
//! * `<kid>` — the id of the data key that encrypted the value (`k1`, `k2`, …),
//!   so any key still in the ring can decrypt it and [`kid_of`] can find values
//!   that still need re-encrypting after a [`Keyring::rotate`].
//! * a fresh random 24-byte nonce per value, then the ciphertext and its 16-byte tag.
//! * The associated data authenticated with the value is the envelope header
//!   `v1.xc20.<kid>.` followed by the caller's `aad`, which names where the value
//!   lives (e.g. `person/id_number/<uuid>`): a ciphertext copied into another row
//!   or column does not decrypt.
//!
//! [`Keyring::blind_index`] gives the hex HMAC-SHA256 (under a separate index
//! key) of `purpose || 0x00 || normalized_value`, stored beside the envelope for
//! exact-match search.
//!
//! # Key file
//!
//! [`Keyring::load_or_create`] reads (or creates, mode `0600`) a TOML file; the
//! same text can be given in the `JINGUO_KEYS` environment variable
//! ([`Keyring::from_env_value`]):
//!
//! ```toml
//! active = "k2"                  # kid used for new encryptions
//! index_key = "<base64, 32 bytes>" # HMAC key of the blind indexes; never rotated
//!
//! [keys]                          # every data key still needed to decrypt
//! k1 = "<base64, 32 bytes>"
//! k2 = "<base64, 32 bytes>"
//! ```
//!
//! Base64 is the standard alphabet with padding. Key ids are 1–32 characters of
//! `A-Z a-z 0-9 - _`. Unknown fields, a missing active key and keys that are not
//! 32 bytes are refused.
//!
//! # Example
//!
//! ```
//! # fn main() -> Result<(), jinguo_crypto::CryptoError> {
//! use jinguo_crypto::Keyring;
//!
//! let ring = Keyring::generate()?;
//! let stored = ring.encrypt("110101199003074477", "person/id_number/42")?;
//! assert!(stored.starts_with("v1.xc20.k1."));
//! assert_eq!(ring.decrypt(&stored, "person/id_number/42")?, "110101199003074477");
//! assert!(ring.decrypt(&stored, "person/id_number/43").is_err());
//! # Ok(())
//! # }
//! ```

mod error;
pub mod field;
pub mod keys;
pub mod password;
pub mod stream;
pub mod token;
pub mod totp;
mod util;

pub use error::CryptoError;
pub use field::{FieldCipher, kid_of};
pub use keys::Keyring;
pub use password::PolicyError;
