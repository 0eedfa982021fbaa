//! The [`Keyring`]: data-encryption keys by key id, the active one, and the
//! blind-index key; loading, creating, rotating and saving it.
//!
//! See the [crate documentation](crate) for the file format.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

use crate::CryptoError;
use crate::util::{HmacSha256, hex, random_array, random_key};

/// Length in bytes of every key in the ring.
pub const KEY_LEN: usize = 32;

/// Key id given to the first key of a new keyring.
pub const FIRST_KID: &str = "k1";

/// Longest accepted key id.
pub const MAX_KID_LEN: usize = 32;

type SecretKey = Zeroizing<[u8; KEY_LEN]>;

/// Data-encryption keys by key id, which one is active, and a separate
/// blind-index key.
///
/// Keys are wiped from memory when the keyring is dropped and never appear in
/// `Debug` output, which shows only the key ids. Field encryption lives in
/// [`crate::field`] ([`Keyring::encrypt`], [`Keyring::decrypt`],
/// [`Keyring::blind_index`]).
pub struct Keyring {
    keys: BTreeMap<String, SecretKey>,
    active: String,
    index_key: SecretKey,
    /// The blind indexes' HMAC, keyed once with `index_key`.
    index_mac: HmacSha256,
}

/// The key file as written on disk; strings are wiped on drop.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    active: String,
    index_key: String,
    keys: BTreeMap<String, String>,
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        self.index_key.zeroize();
        for value in self.keys.values_mut() {
            value.zeroize();
        }
    }
}

impl Keyring {
    /// A new keyring with one random data key `k1`, active, and a random
    /// blind-index key.
    ///
    /// # Errors
    /// [`CryptoError::Random`] if the system RNG fails.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut keys = BTreeMap::new();
        keys.insert(FIRST_KID.to_owned(), random_key()?);
        let index_key = random_key()?;
        Ok(Self {
            keys,
            active: FIRST_KID.to_owned(),
            index_mac: HmacSha256::new(&*index_key),
            index_key,
        })
    }

    /// Loads the key file at `path`; if there is none, generates a keyring and
    /// writes it there (mode `0600` on Unix, parent directories created with
    /// mode `0700`).
    ///
    /// Creation never overwrites: if another process creates the file first, its
    /// keyring is loaded instead.
    ///
    /// # Errors
    /// [`CryptoError::Io`] if the file cannot be read or written,
    /// [`CryptoError::InvalidKeyring`] if its content is refused (see
    /// [`Keyring::from_toml_str`]).
    pub fn load_or_create(path: &Path) -> Result<Self, CryptoError> {
        match Self::load(path) {
            Err(CryptoError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                let ring = Self::generate()?;
                match ring.write_file(path, WriteMode::CreateNew) {
                    Ok(()) => Ok(ring),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Self::load(path),
                    Err(e) => Err(io_error(path, e)),
                }
            }
            other => other,
        }
    }

    /// Loads the key file at `path`.
    ///
    /// # Errors
    /// As [`Keyring::load_or_create`], and [`CryptoError::Io`] with
    /// [`io::ErrorKind::NotFound`] if the file does not exist.
    pub fn load(path: &Path) -> Result<Self, CryptoError> {
        let text = Zeroizing::new(fs::read_to_string(path).map_err(|e| io_error(path, e))?);
        Self::from_toml_str(&text)
    }

    /// Parses the key-file TOML text (see the [crate documentation](crate)).
    ///
    /// # Errors
    /// [`CryptoError::InvalidKeyring`] for a TOML syntax error, an unknown field,
    /// no keys, an active key id that is not in `[keys]`, an invalid key id, a
    /// value that is not base64, or a key that is not 32 bytes. The message names
    /// the problem but never contains key material.
    pub fn from_toml_str(text: &str) -> Result<Self, CryptoError> {
        let file: KeyFile = toml::from_str(text).map_err(|e| {
            // Only the message and position: the error's Display would quote the
            // offending line, which may hold a key.
            let at = e
                .span()
                .map(|span| {
                    let line = text
                        .get(..span.start)
                        .map_or(0, |s| s.matches('\n').count())
                        + 1;
                    format!(" (line {line})")
                })
                .unwrap_or_default();
            CryptoError::InvalidKeyring(format!("{}{at}", e.message().trim_end()))
        })?;

        if file.keys.is_empty() {
            return Err(invalid("no data keys in [keys]".to_owned()));
        }
        let mut keys = BTreeMap::new();
        for (kid, value) in &file.keys {
            if !is_valid_kid(kid) {
                return Err(invalid(format!(
                    "key id {kid:?} is invalid: use 1 to {MAX_KID_LEN} characters from A-Z, a-z, 0-9, '-', '_'"
                )));
            }
            keys.insert(kid.clone(), decode_key(value, &format!("key {kid:?}"))?);
        }
        if !keys.contains_key(&file.active) {
            return Err(invalid(format!(
                "active key {:?} is not in [keys]",
                file.active
            )));
        }
        let index_key = decode_key(&file.index_key, "index_key")?;
        Ok(Self {
            keys,
            active: file.active.clone(),
            index_mac: HmacSha256::new(&*index_key),
            index_key,
        })
    }

    /// Parses the value of the `JINGUO_KEYS` environment variable, which holds
    /// the same TOML text as the key file.
    ///
    /// # Errors
    /// As [`Keyring::from_toml_str`].
    pub fn from_env_value(value: &str) -> Result<Self, CryptoError> {
        Self::from_toml_str(value)
    }

    /// The key-file TOML text of this keyring (it contains every key: handle it
    /// as a secret; the returned string is wiped when dropped).
    pub fn to_toml_string(&self) -> Zeroizing<String> {
        // Written by hand: key ids are validated bare TOML keys and base64 needs
        // no escaping, so this cannot fail and leaves no unwiped copies behind.
        let mut out = Zeroizing::new(String::with_capacity(128 + 64 * self.keys.len()));
        out.push_str("# Jinguo keyring. Secret: keep mode 0600, back it up, never commit it.\n");
        out.push_str(&format!("active = \"{}\"\n", self.active));
        push_key_line(&mut out, "index_key", &self.index_key);
        out.push_str("\n[keys]\n");
        for (kid, key) in &self.keys {
            push_key_line(&mut out, kid, key);
        }
        out
    }

    /// Writes the key file atomically: a temporary file in the same directory
    /// (mode `0600` on Unix) is written, flushed to disk and renamed over `path`,
    /// then the directory is synced. Missing parent directories are created.
    ///
    /// # Errors
    /// [`CryptoError::Io`] if any step fails (the temporary file is removed).
    pub fn save(&self, path: &Path) -> Result<(), CryptoError> {
        self.write_file(path, WriteMode::Replace)
            .map_err(|e| io_error(path, e))
    }

    /// Adds a new random data key with the next free id (`k2`, `k3`, …), makes it
    /// the active key and returns its id. Older keys stay for decryption.
    ///
    /// Remember to [`save`](Keyring::save) the keyring before encrypting with it.
    ///
    /// # Errors
    /// [`CryptoError::Random`] if the system RNG fails (the ring is unchanged).
    pub fn rotate(&mut self) -> Result<String, CryptoError> {
        let highest = self
            .keys
            .keys()
            .filter_map(|kid| kid.strip_prefix('k')?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        let mut n = highest.saturating_add(1);
        let mut kid = format!("k{n}");
        while self.keys.contains_key(&kid) {
            n = n.wrapping_add(1);
            kid = format!("k{n}");
        }
        let key = random_key()?;
        self.keys.insert(kid.clone(), key);
        self.active.clone_from(&kid);
        Ok(kid)
    }

    /// Id of the key used for new encryptions.
    pub fn active_kid(&self) -> &str {
        &self.active
    }

    /// Ids of all data keys in the ring, in lexicographic order.
    pub fn kids(&self) -> Vec<&str> {
        self.keys.keys().map(String::as_str).collect()
    }

    /// The data key with id `kid`.
    pub(crate) fn data_key(&self, kid: &str) -> Option<&[u8; KEY_LEN]> {
        self.keys.get(kid).map(|k| &**k)
    }

    /// The blind-index key.
    #[cfg(test)]
    pub(crate) fn index_key(&self) -> &[u8; KEY_LEN] {
        &self.index_key
    }

    /// The blind indexes' HMAC, keyed with the blind-index key.
    pub(crate) fn index_mac(&self) -> &HmacSha256 {
        &self.index_mac
    }

    fn write_file(&self, path: &Path, mode: WriteMode) -> io::Result<()> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        create_private_dir_all(dir)?;
        let file_name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
        let suffix = hex(&random_array::<8>().map_err(io::Error::other)?);
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(file_name);
        tmp_name.push(format!(".{suffix}.tmp"));
        let tmp = dir.join(tmp_name);

        let result = self.write_tmp_and_publish(&tmp, path, dir, mode);
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    fn write_tmp_and_publish(
        &self,
        tmp: &Path,
        path: &Path,
        dir: &Path,
        mode: WriteMode,
    ) -> io::Result<()> {
        let mut file = open_private_new(tmp)?;
        file.write_all(self.to_toml_string().as_bytes())?;
        file.sync_all()?;
        drop(file);
        match mode {
            WriteMode::Replace => fs::rename(tmp, path)?,
            WriteMode::CreateNew => {
                // A hard link fails if `path` exists, so a concurrent creator's
                // keyring is never overwritten, and readers never see a partial file.
                fs::hard_link(tmp, path)?;
                fs::remove_file(tmp)?;
            }
        }
        sync_dir(dir)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("active", &self.active)
            .field("kids", &self.kids())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy)]
enum WriteMode {
    Replace,
    CreateNew,
}

/// Whether `kid` is an acceptable key id: 1 to [`MAX_KID_LEN`] characters from
/// `A-Z a-z 0-9 - _` (so it never contains the envelope separator `.`).
pub fn is_valid_kid(kid: &str) -> bool {
    !kid.is_empty()
        && kid.len() <= MAX_KID_LEN
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn invalid(message: String) -> CryptoError {
    CryptoError::InvalidKeyring(message)
}

fn io_error(path: &Path, source: io::Error) -> CryptoError {
    CryptoError::Io {
        path: PathBuf::from(path),
        source,
    }
}

fn decode_key(value: &str, what: &str) -> Result<SecretKey, CryptoError> {
    let bytes = Zeroizing::new(
        STANDARD
            .decode(value.trim())
            .map_err(|_| invalid(format!("{what} is not valid base64")))?,
    );
    if bytes.len() != KEY_LEN {
        return Err(invalid(format!(
            "{what} must be {KEY_LEN} bytes, got {}",
            bytes.len()
        )));
    }
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    key.copy_from_slice(&bytes);
    Ok(key)
}

fn push_key_line(out: &mut String, name: &str, key: &[u8; KEY_LEN]) {
    let encoded = Zeroizing::new(STANDARD.encode(key));
    out.push_str(name);
    out.push_str(" = \"");
    out.push_str(&encoded);
    out.push_str("\"\n");
}

#[cfg(unix)]
fn open_private_new(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private_new(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="; // bytes 0..32
    const I: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="; // bytes 32..64

    fn toml(active: &str, index: &str, keys: &str) -> String {
        format!("active = \"{active}\"\nindex_key = \"{index}\"\n[keys]\n{keys}\n")
    }

    fn err_message(text: &str) -> String {
        match Keyring::from_toml_str(text) {
            Ok(_) => panic!("keyring accepted: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn parses_valid_file() {
        let ring =
            Keyring::from_toml_str(&toml("k2", I, &format!("k1 = \"{K}\"\nk2 = \"{I}\""))).unwrap();
        assert_eq!(ring.active_kid(), "k2");
        assert_eq!(ring.kids(), ["k1", "k2"]);
        assert_eq!(ring.data_key("k1").unwrap()[31], 31);
        assert_eq!(ring.index_key()[0], 32);
        let env = Keyring::from_env_value(&ring.to_toml_string()).unwrap();
        assert_eq!(env.to_toml_string(), ring.to_toml_string());
    }

    #[test]
    fn generate_and_round_trip_through_toml() {
        let ring = Keyring::generate().unwrap();
        assert_eq!(ring.active_kid(), "k1");
        assert_eq!(ring.kids(), ["k1"]);
        assert_ne!(ring.data_key("k1").unwrap(), ring.index_key());
        let again = Keyring::from_toml_str(&ring.to_toml_string()).unwrap();
        assert_eq!(again.to_toml_string(), ring.to_toml_string());
        assert_eq!(again.data_key("k1"), ring.data_key("k1"));
        assert_eq!(again.index_key(), ring.index_key());
    }

    #[test]
    fn refuses_unknown_field() {
        let text = toml("k1", I, &format!("k1 = \"{K}\"")).replace("[keys]", "bogus = 1\n[keys]");
        let msg = err_message(&text);
        assert!(msg.contains("unknown field `bogus`"), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
        assert!(!msg.contains(K) && !msg.contains(I), "{msg}");
    }

    #[test]
    fn refuses_missing_active_key() {
        let msg = err_message(&toml("k9", I, &format!("k1 = \"{K}\"")));
        assert!(msg.contains("active key \"k9\" is not in [keys]"), "{msg}");
        let msg = err_message(&format!("index_key = \"{I}\"\n[keys]\nk1 = \"{K}\"\n"));
        assert!(msg.contains("missing field `active`"), "{msg}");
    }

    #[test]
    fn refuses_wrong_lengths_and_bad_base64() {
        let short = STANDARD.encode([7u8; 16]);
        let msg = err_message(&toml("k1", I, &format!("k1 = \"{short}\"")));
        assert!(msg.contains("key \"k1\" must be 32 bytes, got 16"), "{msg}");
        let msg = err_message(&toml("k1", &short, &format!("k1 = \"{K}\"")));
        assert!(msg.contains("index_key must be 32 bytes, got 16"), "{msg}");
        let msg = err_message(&toml("k1", I, "k1 = \"not base64!\""));
        assert!(msg.contains("key \"k1\" is not valid base64"), "{msg}");
        let msg = err_message(&toml("k1", I, ""));
        assert!(msg.contains("no data keys"), "{msg}");
        let msg = err_message(&toml("k.1", I, &format!("\"k.1\" = \"{K}\"")));
        assert!(msg.contains("key id \"k.1\" is invalid"), "{msg}");
    }

    #[test]
    fn rotate_adds_next_kid() {
        let mut ring = Keyring::generate().unwrap();
        assert_eq!(ring.rotate().unwrap(), "k2");
        assert_eq!(ring.rotate().unwrap(), "k3");
        assert_eq!(ring.active_kid(), "k3");
        assert_eq!(ring.kids(), ["k1", "k2", "k3"]);
        let mut odd =
            Keyring::from_toml_str(&toml("main", I, &format!("main = \"{K}\"\nk9 = \"{K}\"")))
                .unwrap();
        assert_eq!(odd.rotate().unwrap(), "k10");
    }

    #[test]
    fn debug_shows_only_kids() {
        let mut ring = Keyring::generate().unwrap();
        ring.rotate().unwrap();
        let debug = format!("{ring:?}");
        assert_eq!(debug, r#"Keyring { active: "k2", kids: ["k1", "k2"], .. }"#);
        let text = ring.to_toml_string();
        for line in text
            .lines()
            .filter(|l| l.contains(" = \"") && !l.starts_with("active"))
        {
            let b64 = line.split('"').nth(1).unwrap();
            assert!(!debug.contains(b64));
        }
        for key in [
            ring.data_key("k1").unwrap(),
            ring.data_key("k2").unwrap(),
            ring.index_key(),
        ] {
            assert!(!debug.contains(&hex(key)));
            assert!(!debug.contains(&format!("{key:?}")));
        }
    }

    #[cfg(unix)]
    #[test]
    fn load_or_create_writes_0600_and_reloads_equal() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets/sub/keys.toml");
        let created = Keyring::load_or_create(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o077, 0);
        let loaded = Keyring::load_or_create(&path).unwrap();
        assert_eq!(loaded.to_toml_string(), created.to_toml_string());
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn save_replaces_atomically_with_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let mut ring = Keyring::generate().unwrap();
        ring.rotate().unwrap();
        ring.save(&path).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let loaded = Keyring::load(&path).unwrap();
        assert_eq!(loaded.active_kid(), "k2");
        assert_eq!(loaded.to_toml_string(), ring.to_toml_string());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn load_or_create_refuses_file_with_unknown_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        let text =
            toml("k1", I, &format!("k1 = \"{K}\"")).replace("[keys]", "pepper = \"x\"\n[keys]");
        fs::write(&path, text).unwrap();
        let err = Keyring::load_or_create(&path).unwrap_err();
        assert!(matches!(err, CryptoError::InvalidKeyring(_)), "{err}");
        assert!(err.to_string().contains("unknown field `pepper`"), "{err}");
        // The refused file is left untouched.
        assert!(fs::read_to_string(&path).unwrap().contains("pepper"));
    }

    #[test]
    fn io_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.toml");
        let err = Keyring::load(&path).unwrap_err();
        assert!(err.to_string().contains("missing.toml"), "{err}");
    }
}
