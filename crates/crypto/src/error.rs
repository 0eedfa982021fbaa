//! The error type of the crate.

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
///
/// Messages name the problem (a file, a key id, a malformed part) but never
/// contain a plaintext, a key or a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// Reading or writing the keyring file failed.
    #[error("keyring file {}: {source}", path.display())]
    Io {
        /// The file (or its directory) being accessed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The keyring text is not acceptable (syntax, unknown field, missing active
    /// key, bad key id, bad base64, wrong key length…).
    #[error("invalid keyring: {0}")]
    InvalidKeyring(String),

    /// The value is not an envelope of the form `v1.xc20.<kid>.<payload>`.
    #[error("malformed envelope: {0}")]
    MalformedEnvelope(&'static str),

    /// The envelope has a version other than `v1`.
    #[error("unsupported envelope version (only v1 is known)")]
    UnsupportedVersion,

    /// The envelope names an algorithm other than `xc20`.
    #[error("unsupported envelope algorithm (only xc20 is known)")]
    UnsupportedAlgorithm,

    /// The envelope was encrypted under a key that is not in the keyring.
    #[error("unknown key id {kid:?}: the key is not in the keyring")]
    UnknownKid {
        /// The key id named by the envelope.
        kid: String,
    },

    /// Authentication failed: wrong key, wrong AAD, or tampered ciphertext.
    #[error("decryption failed: wrong key, wrong AAD, or tampered ciphertext")]
    AuthenticationFailed,

    /// The AEAD refused to encrypt (only possible for absurdly long input).
    #[error("encryption failed")]
    EncryptionFailed,

    /// The operating system's random number generator failed.
    #[error("system random number generator failed: {0}")]
    Random(String),

    /// Argon2 failed to hash a password (parameters or memory).
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
}

impl From<getrandom::Error> for CryptoError {
    fn from(e: getrandom::Error) -> Self {
        CryptoError::Random(e.to_string())
    }
}
