//! Encrypted backups: any bytes given to `open_stream` are refused without a panic, and nothing
//! is written for them unless a seed's authenticated chunk is reused (then only its known
//! plaintext, and only the "bytes after the last chunk" refusal may follow it). Any bytes seal
//! and open back to themselves; a sealed stream with one byte changed or cut short is refused
//! with nothing written.

#![no_main]

use jinguo_crypto::CryptoError;
use jinguo_fuzz::{KNOWN_PLAINTEXTS, keyring};
use libfuzzer_sys::fuzz_target;

fn known(out: &[u8]) -> bool {
    KNOWN_PLAINTEXTS.iter().any(|p| p.as_bytes() == out)
}

fuzz_target!(|data: &[u8]| {
    let ring = keyring();

    let mut out = Vec::new();
    match ring.open_stream(data, &mut out) {
        Ok(n) => {
            assert_eq!(n, out.len() as u64);
            assert!(known(&out), "forged stream opened");
        }
        Err(e) => {
            if !out.is_empty() {
                assert!(known(&out), "forged stream wrote plaintext");
                assert!(
                    matches!(e, CryptoError::MalformedEnvelope("bytes after the last chunk")),
                    "plaintext written, then {e:?}"
                );
            }
            let _ = e.to_string();
        }
    }

    // Round trip of the bytes themselves (one chunk: inputs are far below its size).
    let mut sealed = Vec::new();
    let n = ring.seal_stream(data, &mut sealed).expect("sealing");
    assert_eq!(n, data.len() as u64);
    let mut opened = Vec::new();
    assert_eq!(ring.open_stream(sealed.as_slice(), &mut opened).expect("opening"), n);
    assert_eq!(opened, data);

    let at = data.iter().fold(data.len(), |h, &b| h.wrapping_mul(31).wrapping_add(usize::from(b)))
        % sealed.len();
    let mut changed = sealed.clone();
    changed[at] ^= 1 + data.first().copied().unwrap_or(0) % 255;
    let mut out = Vec::new();
    assert!(ring.open_stream(changed.as_slice(), &mut out).is_err(), "byte {at} changed");
    assert!(out.is_empty(), "byte {at} changed: plaintext written");
    let cut = &sealed[..sealed.len() - 1 - at % 8];
    assert!(ring.open_stream(cut, &mut out).is_err(), "cut short");
    assert!(out.is_empty(), "cut short: plaintext written");
});
