//! A workbook is a ZIP archive, and a small archive can expand to gigabytes (a "zip bomb").
//! Before a workbook is read, its parts are counted from the archive's end record, then each is
//! expanded into nothing and measured: what it really expands to, never what its header says.
//! A part of more than a megabyte expanding more than [`MAX_RATIO`] times is a bomb
//! (`file.zip_bomb`); a sheet larger than [`MAX_SHEET_BYTES`], another part (shared strings,
//! styles: held whole in memory by the workbook library) larger than [`MAX_PART_BYTES`], or all
//! parts together larger than [`MAX_EXPANDED_BYTES`] are more than an import takes
//! (`file.zip_large`: such a register is imported as CSV, which is streamed). Either refuses the
//! workbook before the workbook library reads anything of it. Memory stays that of the reading
//! buffers; the time is bounded by [`MAX_EXPANDED_BYTES`].

use crate::ReadError;
use std::io::{Cursor, Read};

/// The most parts a workbook may have (a sheet of ours has about ten).
pub const MAX_PARTS: usize = 1_000;
/// The most a sheet (`xl/worksheets/…`, read as a stream) may expand to: a million rows.
pub const MAX_SHEET_BYTES: u64 = 1 << 30;
/// The most any other part (the shared strings above all, held in memory) may expand to.
pub const MAX_PART_BYTES: u64 = 64 << 20;
/// The most all parts together may expand to.
pub const MAX_EXPANDED_BYTES: u64 = 1 << 30;
/// The most a part may expand, as a multiple of its compressed size (that of Apache POI's
/// `ZipSecureFile`); sheets of real registers compress ten to thirty times.
pub const MAX_RATIO: u64 = 100;
/// Parts expanding to less than this are not held to the ratio (small parts compress well).
const RATIO_FROM: u64 = 1 << 20;

/// The number of parts the archive's end record announces, read before the archive's directory
/// is (which would otherwise cost memory for every part announced).
fn announced_parts(bytes: &[u8]) -> Option<usize> {
    // The end record is 22 bytes and may be followed by a comment of at most 65,535.
    let from = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[from..];
    let at = tail
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .filter(|at| at + 22 <= tail.len())?;
    Some(usize::from(u16::from_le_bytes([
        tail[at + 10],
        tail[at + 11],
    ])))
}

/// Refuses a workbook whose parts are too many or expand too much; see the module.
pub(crate) fn check(bytes: &[u8]) -> Result<(), ReadError> {
    let announced = announced_parts(bytes).ok_or(ReadError::Format)?;
    // 0xFFFF announces a ZIP64 directory: more parts than any workbook of ours.
    if announced > MAX_PARTS {
        return Err(ReadError::Archive("file.zip_parts"));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ReadError::Format)?;
    if zip.len() > MAX_PARTS {
        return Err(ReadError::Archive("file.zip_parts"));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| ReadError::Format)?;
        let sheet = part
            .name()
            .is_ok_and(|n| n.trim_start_matches('/').starts_with("xl/worksheets/"));
        let by_ratio = RATIO_FROM.max(part.compressed_size().saturating_mul(MAX_RATIO));
        let by_size = if sheet {
            MAX_SHEET_BYTES
        } else {
            MAX_PART_BYTES
        }
        .min(MAX_EXPANDED_BYTES - total);
        let refused = |n: u64| {
            if n > by_ratio {
                Err(ReadError::Archive("file.zip_bomb"))
            } else if n > by_size {
                Err(ReadError::Archive("file.zip_large"))
            } else {
                Ok(())
            }
        };
        refused(part.size())?;
        let allowed = by_ratio.min(by_size);
        let expanded = std::io::copy(&mut (&mut part).take(allowed + 1), &mut std::io::sink())
            .map_err(|_| ReadError::Format)?;
        refused(expanded)?;
        total += expanded;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn archive(parts: &[(&str, &[u8], usize)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, chunk, times) in parts {
            w.start_file(*name, SimpleFileOptions::default()).unwrap();
            for _ in 0..*times {
                w.write_all(chunk).unwrap();
            }
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn bombs_and_crowds_are_refused_before_reading() {
        assert!(check(&archive(&[("a.xml", b"<a/>", 1), ("b.xml", b"x", 1000)])).is_ok());
        // 64 MB of one byte: a few kilobytes compressed, a ratio of about a thousand.
        let bomb = archive(&[("xl/sharedStrings.xml", &[b'a'; 1 << 16], 1 << 10)]);
        assert!(bomb.len() < 1 << 20, "{}", bomb.len());
        assert_eq!(check(&bomb).err().map(|e| e.code()), Some("file.zip_bomb"));
        let names: Vec<String> = (0..=MAX_PARTS).map(|i| format!("p{i}")).collect();
        let many: Vec<(&str, &[u8], usize)> =
            names.iter().map(|n| (n.as_str(), &b"x"[..], 1)).collect();
        assert_eq!(
            check(&archive(&many)).err().map(|e| e.code()),
            Some("file.zip_parts")
        );
        assert!(matches!(
            check(b"PK\x03\x04 not really"),
            Err(ReadError::Format)
        ));
    }
}
