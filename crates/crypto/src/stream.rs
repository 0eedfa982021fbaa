//! Encryption of whole files (backups) in chunks, with the keyring's active key.
//!
//! Format: `JGBK1`, the key id (one length byte, then the id), a random 16-byte file id, then
//! chunks of at most [`CHUNK`] bytes of plaintext, each written as a flag byte (1 for the last
//! chunk), the ciphertext's length (u32, big-endian), a random 24-byte nonce and the
//! XChaCha20-Poly1305 ciphertext. The associated data of a chunk binds the format, the key id, the
//! file id, the chunk's number and its flag, so that chunks cannot be reordered, dropped, moved to
//! another file, or cut short after a chunk that is not the last.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::io::{Read, Write};

use crate::CryptoError;
use crate::keys::Keyring;
use crate::util::random_array;

const MAGIC: &[u8] = b"JGBK1";
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 1 << 20;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

fn io(e: std::io::Error) -> CryptoError {
    CryptoError::Io {
        path: "backup".into(),
        source: e,
    }
}

fn aad(kid: &str, file_id: &[u8; 16], n: u64, last: bool) -> Vec<u8> {
    let mut a = b"jinguo-backup/v1/".to_vec();
    a.extend_from_slice(kid.as_bytes());
    a.push(b'/');
    a.extend_from_slice(file_id);
    a.extend_from_slice(&n.to_be_bytes());
    a.push(u8::from(last));
    a
}

/// Reads as many bytes as there are, up to `buf.len()`.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> Result<usize, CryptoError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    Ok(got)
}

impl Keyring {
    /// Encrypts everything `r` gives into `w` under the active key. Returns the plaintext's
    /// length.
    ///
    /// # Errors
    /// Reading or writing fails, or the system RNG fails.
    pub fn seal_stream(&self, mut r: impl Read, mut w: impl Write) -> Result<u64, CryptoError> {
        let kid = self.active_kid().to_owned();
        let key = self
            .data_key(&kid)
            .ok_or_else(|| CryptoError::UnknownKid { kid: kid.clone() })?;
        let cipher = XChaCha20Poly1305::new(key.into());
        let file_id = random_array::<16>()?;
        let kid_len = u8::try_from(kid.len()).map_err(|_| CryptoError::EncryptionFailed)?;
        w.write_all(MAGIC).map_err(io)?;
        w.write_all(&[kid_len]).map_err(io)?;
        w.write_all(kid.as_bytes()).map_err(io)?;
        w.write_all(&file_id).map_err(io)?;
        let mut buf = vec![0u8; CHUNK];
        let mut next = vec![0u8; CHUNK];
        let mut len = fill(&mut r, &mut buf)?;
        let mut total = 0u64;
        let mut n = 0u64;
        loop {
            // A chunk is the last when nothing follows it.
            let next_len = if len == CHUNK {
                fill(&mut r, &mut next)?
            } else {
                0
            };
            let last = next_len == 0;
            let nonce = XNonce::from(random_array::<NONCE_LEN>()?);
            let ct = cipher
                .encrypt(
                    &nonce,
                    Payload {
                        msg: &buf[..len],
                        aad: &aad(&kid, &file_id, n, last),
                    },
                )
                .map_err(|_| CryptoError::EncryptionFailed)?;
            let ct_len = u32::try_from(ct.len()).map_err(|_| CryptoError::EncryptionFailed)?;
            w.write_all(&[u8::from(last)]).map_err(io)?;
            w.write_all(&ct_len.to_be_bytes()).map_err(io)?;
            w.write_all(&nonce).map_err(io)?;
            w.write_all(&ct).map_err(io)?;
            total += len as u64;
            if last {
                break;
            }
            std::mem::swap(&mut buf, &mut next);
            len = next_len;
            n += 1;
        }
        w.flush().map_err(io)?;
        Ok(total)
    }

    /// Decrypts a file made by [`Keyring::seal_stream`] into `w`, under whichever key of the ring
    /// it names. Returns the plaintext's length. Nothing is trusted before it is authenticated;
    /// a file cut short, reordered or altered is refused.
    ///
    /// # Errors
    /// [`CryptoError::MalformedEnvelope`] for something that is not such a file or ends early,
    /// [`CryptoError::UnknownKid`], [`CryptoError::AuthenticationFailed`], or I/O.
    pub fn open_stream(&self, mut r: impl Read, mut w: impl Write) -> Result<u64, CryptoError> {
        let mut magic = [0u8; 5];
        if fill(&mut r, &mut magic)? != 5 || magic != MAGIC {
            return Err(CryptoError::MalformedEnvelope("not a Jinguo backup"));
        }
        let mut kid_len = [0u8; 1];
        fill(&mut r, &mut kid_len)?;
        let mut kid = vec![0u8; usize::from(kid_len[0])];
        if fill(&mut r, &mut kid)? != kid.len() {
            return Err(CryptoError::MalformedEnvelope("backup header cut short"));
        }
        let kid =
            String::from_utf8(kid).map_err(|_| CryptoError::MalformedEnvelope("backup key id"))?;
        let key = self
            .data_key(&kid)
            .ok_or_else(|| CryptoError::UnknownKid { kid: kid.clone() })?;
        let cipher = XChaCha20Poly1305::new(key.into());
        let mut file_id = [0u8; 16];
        if fill(&mut r, &mut file_id)? != 16 {
            return Err(CryptoError::MalformedEnvelope("backup header cut short"));
        }
        let mut total = 0u64;
        let mut n = 0u64;
        loop {
            let mut head = [0u8; 1 + 4 + NONCE_LEN];
            if fill(&mut r, &mut head)? != head.len() {
                return Err(CryptoError::MalformedEnvelope("backup cut short"));
            }
            let last = match head[0] {
                0 => false,
                1 => true,
                _ => return Err(CryptoError::MalformedEnvelope("backup chunk flag")),
            };
            let ct_len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
            if !(TAG_LEN..=CHUNK + TAG_LEN).contains(&ct_len) {
                return Err(CryptoError::MalformedEnvelope("backup chunk length"));
            }
            let nonce = <&XNonce>::try_from(&head[5..])
                .map_err(|_| CryptoError::MalformedEnvelope("backup nonce"))?;
            let mut ct = vec![0u8; ct_len];
            if fill(&mut r, &mut ct)? != ct_len {
                return Err(CryptoError::MalformedEnvelope("backup cut short"));
            }
            let pt = cipher
                .decrypt(
                    nonce,
                    Payload {
                        msg: &ct,
                        aad: &aad(&kid, &file_id, n, last),
                    },
                )
                .map_err(|_| CryptoError::AuthenticationFailed)?;
            w.write_all(&pt).map_err(io)?;
            total += pt.len() as u64;
            if last {
                let mut extra = [0u8; 1];
                if fill(&mut r, &mut extra)? != 0 {
                    return Err(CryptoError::MalformedEnvelope("bytes after the last chunk"));
                }
                break;
            }
            n += 1;
        }
        w.flush().map_err(io)?;
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tampering() {
        let ring = Keyring::generate().unwrap();
        for size in [0usize, 10, CHUNK, CHUNK + 1, 2 * CHUNK + 7] {
            let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let mut sealed = Vec::new();
            assert_eq!(
                ring.seal_stream(&data[..], &mut sealed).unwrap(),
                size as u64
            );
            let mut out = Vec::new();
            ring.open_stream(&sealed[..], &mut out).unwrap();
            assert_eq!(out, data, "size {size}");
            if size > CHUNK {
                // Cut after the first chunk: refused, not a shorter file.
                let first = 5 + 1 + ring.active_kid().len() + 16 + 1 + 4 + 24 + CHUNK + 16;
                assert!(ring.open_stream(&sealed[..first], &mut Vec::new()).is_err());
            }
            let mut bad = sealed.clone();
            let at = bad.len() - 1;
            bad[at] ^= 1;
            assert!(matches!(
                ring.open_stream(&bad[..], &mut Vec::new()),
                Err(CryptoError::AuthenticationFailed)
            ));
        }
        let other = Keyring::generate().unwrap();
        let mut sealed = Vec::new();
        ring.seal_stream(&b"abc"[..], &mut sealed).unwrap();
        assert!(other.open_stream(&sealed[..], &mut Vec::new()).is_err());
    }
}
