//! Encrypted field envelopes: any text given to `decrypt` and `kid_of` is refused without a
//! panic, consistently (what `kid_of` cannot read `decrypt` refuses as malformed; an unknown key
//! id is named); only a seed's authenticated bytes decrypt, to a known plaintext. Any text
//! encrypts and decrypts back to itself, and to nothing under another associated data.

#![no_main]

use jinguo_crypto::{CryptoError, kid_of};
use jinguo_fuzz::{AAD, KNOWN_PLAINTEXTS, keyring};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ring = keyring();
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    let kid = kid_of(text);
    match ring.decrypt(text, AAD) {
        Ok(plain) => {
            assert!(KNOWN_PLAINTEXTS.contains(&plain.as_str()), "forged envelope decrypted");
            let kid = kid.expect("an envelope that decrypts has a key id");
            assert!(ring.kids().contains(&kid));
            assert!(matches!(
                ring.decrypt(text, "person/id_number/another"),
                Err(CryptoError::AuthenticationFailed)
            ));
        }
        Err(e) => {
            match kid {
                None => assert!(
                    matches!(
                        e,
                        CryptoError::MalformedEnvelope(_)
                            | CryptoError::UnsupportedVersion
                            | CryptoError::UnsupportedAlgorithm
                    ),
                    "kid_of finds no key id, decrypt says {e:?}"
                ),
                Some(kid) => {
                    assert!(text.starts_with(&format!("v1.xc20.{kid}.")));
                    if let CryptoError::UnknownKid { kid: named } = &e {
                        assert_eq!(named, kid);
                        assert!(!ring.kids().contains(&kid));
                    }
                }
            }
            let _ = e.to_string();
        }
    }

    // Round trip of any text, under the fixed associated data and under the text itself.
    for aad in [AAD, text] {
        let sealed = ring.encrypt(text, aad).expect("encrypting");
        assert!(sealed.is_ascii());
        assert_eq!(kid_of(&sealed), Some(ring.active_kid()));
        assert_eq!(ring.decrypt(&sealed, aad).expect("decrypting"), text);
        let other = format!("{aad}/other");
        assert!(matches!(
            ring.decrypt(&sealed, &other),
            Err(CryptoError::AuthenticationFailed)
        ));
    }
    let index = ring.blind_index("id_number", text);
    assert_eq!(index.len(), 64);
    assert_eq!(index, ring.blind_index("id_number", text));
});
