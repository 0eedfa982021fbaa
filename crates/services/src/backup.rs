//! Backups: a consistent copy taken while the server runs (SQLite: a copy of the file; PostgreSQL:
//! a dump of every table from one snapshot), encrypted with the key ring's active key, and its
//! restore into an empty place, proven equal by a checksum of the content.

use crate::audit::{Record, record};
use crate::{Caller, ServiceError, Services};
use jinguo_crypto::Keyring;
use jinguo_storage::{Db, db_tx, maintenance};
use std::path::{Path, PathBuf};

/// What a backup or a restore did.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// Bytes of the database file.
    pub bytes: u64,
    /// SHA-256 of the content (see [`jinguo_storage::maintenance::content_checksum`]).
    pub checksum: String,
}

fn io(e: std::io::Error) -> ServiceError {
    ServiceError::Io(e)
}

/// A file beside `path` for the plain copy, removed when dropped (with any journal, write-ahead
/// log or index SQLite left beside it: they hold data in the clear too).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut side = self.0.clone().into_os_string();
            side.push(suffix);
            let _ = std::fs::remove_file(side);
        }
    }
}

/// A new file only its owner may read (it holds data in the clear for a moment).
fn private_file(path: &Path) -> Result<std::fs::File, ServiceError> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io)
}

fn scratch(path: &Path, what: &str) -> Scratch {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{what}.{}", uuid::Uuid::now_v7().simple()));
    Scratch(path.with_file_name(name))
}

impl Services {
    /// Writes an encrypted backup of the database to `out` (which must not exist), while
    /// the server keeps running. The machine's operator only.
    pub async fn backup(&self, caller: &Caller, out: &Path) -> Result<BackupReport, ServiceError> {
        if !caller.is_operator() {
            return Err(ServiceError::Forbidden);
        }
        if out.exists() {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists already", out.display()),
            )));
        }
        let plain = scratch(out, "copy");
        let plain_path = plain.0.to_string_lossy().to_string();
        let checksum = match &self.db {
            Db::Sqlite(_) => {
                maintenance::sqlite_copy(&self.db, &plain_path).await?;
                maintenance::into_single_file(&plain_path).await?;
                let copy = Db::connect(&format!("sqlite://{plain_path}")).await?;
                let checksum = maintenance::content_checksum(&copy).await;
                copy.close().await;
                // The copy's own write-ahead log and index go with it.
                maintenance::into_single_file(&plain_path).await?;
                checksum?
            }
            Db::Postgres(_) => {
                let file = private_file(&plain.0)?;
                let mut w = std::io::BufWriter::new(file);
                maintenance::pg_dump(&self.db, &mut w).await?
            }
        };
        let keys = self.keys.get();
        let sealed = scratch(out, "sealed");
        let bytes = {
            let from = std::fs::File::open(&plain.0).map_err(io)?;
            let to = std::fs::File::create(&sealed.0).map_err(io)?;
            let n = keys
                .seal_stream(std::io::BufReader::new(from), std::io::BufWriter::new(to))
                .map_err(|e| ServiceError::Internal(format!("backup encryption: {e}")))?;
            std::fs::File::open(&sealed.0)
                .and_then(|f| f.sync_all())
                .map_err(io)?;
            n
        };
        std::fs::rename(&sealed.0, out).map_err(io)?;
        db_tx!(&self.db, tx => record(tx, &self.keys, caller, Record::new("backup.create")
            .detail(format!("bytes={bytes} checksum={checksum}"))).await)?;
        Ok(BackupReport { bytes, checksum })
    }
}

/// Restores a backup made by [`Services::backup`] into a new SQLite file `into` (which must not
/// exist): decrypted with `keys`, checked, then brought to this version's schema. Returns the
/// checksum of the content as restored (before any newer migration), to compare with the one the
/// backup printed.
pub async fn restore(
    keys: &Keyring,
    from: &Path,
    into: &Path,
) -> Result<BackupReport, ServiceError> {
    if into.exists() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} exists already: restore into an empty place",
                into.display()
            ),
        )));
    }
    let plain = scratch(into, "restoring");
    let bytes = {
        let f = std::fs::File::open(from).map_err(io)?;
        let to = std::fs::File::create(&plain.0).map_err(io)?;
        keys.open_stream(std::io::BufReader::new(f), std::io::BufWriter::new(to))
            .map_err(|e| ServiceError::Internal(format!("the backup cannot be read: {e}")))?
    };
    let url = format!("sqlite://{}", plain.0.to_string_lossy());
    let db = Db::connect(&url).await?;
    let checked = async {
        let checksum = maintenance::content_checksum(&db).await?;
        db.migrate().await?;
        Ok::<_, ServiceError>(checksum)
    }
    .await;
    db.close().await;
    let plain_path = plain.0.to_string_lossy().to_string();
    // One file, without the `-wal` and `-shm` of its scratch name beside the restored one.
    maintenance::into_single_file(&plain_path).await?;
    let checksum = checked?;
    std::fs::rename(&plain.0, into).map_err(io)?;
    Ok(BackupReport { bytes, checksum })
}

/// Restores a backup of a PostgreSQL database made by [`Services::backup`] into the empty
/// PostgreSQL database `into`: decrypted with `keys`, loaded in one transaction, checked against
/// the backup's checksum, then brought to this version's schema. Returns the checksum.
pub async fn restore_postgres(
    keys: &Keyring,
    from: &Path,
    into: &Db,
) -> Result<BackupReport, ServiceError> {
    let plain = scratch(from, "restoring");
    let bytes = {
        let f = std::fs::File::open(from).map_err(io)?;
        let to = private_file(&plain.0)?;
        keys.open_stream(std::io::BufReader::new(f), std::io::BufWriter::new(to))
            .map_err(|e| ServiceError::Internal(format!("the backup cannot be read: {e}")))?
    };
    let f = std::fs::File::open(&plain.0).map_err(io)?;
    let checksum =
        maintenance::pg_restore(into, &mut std::io::BufReader::with_capacity(1 << 20, f)).await?;
    Ok(BackupReport { bytes, checksum })
}
