//! Text encodings of imported files: UTF-8 (with or without a byte order mark) or GB18030, the
//! encoding Excel and WPS use for "CSV" on a Chinese Windows.
//!
//! The choice is made once per file from its beginning: a UTF-8 byte order mark means UTF-8;
//! otherwise the first [`SNIFF_LEN`] bytes are UTF-8 if they are valid UTF-8 and GB18030 if not.
//! (Chinese text in GB18030 is practically never valid UTF-8; ASCII is the same in both.)

use crate::ReadError;
use encoding_rs::{Decoder, DecoderResult, GB18030};
use std::borrow::Cow;
use std::io::{self, Read};

/// How many bytes of a stream are looked at to choose its encoding.
pub const SNIFF_LEN: usize = 64 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";
const CHUNK: usize = 32 * 1024;

/// The encoding a text file was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEncoding {
    /// UTF-8 without a byte order mark.
    Utf8,
    /// UTF-8 starting with a byte order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// GB18030 (a superset of GBK and GB2312).
    Gb18030,
}

impl SourceEncoding {
    /// The encoding's usual name.
    pub fn name(self) -> &'static str {
        match self {
            SourceEncoding::Utf8 => "UTF-8",
            SourceEncoding::Utf8Bom => "UTF-8 (BOM)",
            SourceEncoding::Gb18030 => "GB18030",
        }
    }
}

/// Chooses the encoding from the first bytes of a file; `complete` tells whether `head` is the
/// whole file (a multi-byte sequence cut at its end is then not UTF-8).
fn sniff(head: &[u8], complete: bool) -> Result<SourceEncoding, ReadError> {
    if head.starts_with(BOM) {
        return Ok(SourceEncoding::Utf8Bom);
    }
    // UTF-16 (Excel's "Unicode text") is not a CSV we read.
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(ReadError::Encoding { row: None });
    }
    match std::str::from_utf8(head) {
        Ok(_) => Ok(SourceEncoding::Utf8),
        // Only a sequence cut by the end of the sample: still UTF-8.
        Err(e) if e.error_len().is_none() && !complete => Ok(SourceEncoding::Utf8),
        Err(_) => Ok(SourceEncoding::Gb18030),
    }
}

/// Decodes a whole file held in memory: UTF-8 (a byte order mark is dropped) when the bytes
/// are valid UTF-8, else GB18030. Bytes that are neither are refused (`file.encoding`).
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, SourceEncoding), ReadError> {
    let encoding = sniff(bytes, true)?;
    let text = match encoding {
        SourceEncoding::Utf8Bom => Cow::Borrowed(
            std::str::from_utf8(&bytes[BOM.len()..])
                .map_err(|_| ReadError::Encoding { row: None })?,
        ),
        SourceEncoding::Utf8 => Cow::Borrowed(
            std::str::from_utf8(bytes).map_err(|_| ReadError::Encoding { row: None })?,
        ),
        SourceEncoding::Gb18030 => GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or(ReadError::Encoding { row: None })?,
    };
    Ok((text, encoding))
}

/// A reader giving UTF-8 whatever the encoding of the reader it wraps: UTF-8 passes through
/// (less its byte order mark), GB18030 is decoded chunk by chunk. Memory stays constant.
/// Bytes that are not GB18030 give an [`io::ErrorKind::InvalidData`] error.
pub(crate) struct Utf8Reader<R> {
    inner: R,
    encoding: SourceEncoding,
    /// GB18030 only.
    decoder: Option<Decoder>,
    /// Bytes read from `inner` and not yet passed on (UTF-8) or decoded (GB18030).
    raw: Vec<u8>,
    raw_pos: usize,
    /// Decoded bytes not yet passed on.
    out: Vec<u8>,
    out_pos: usize,
    /// `inner` has no more bytes.
    eof: bool,
    /// The decoder has seen the end of the input.
    finished: bool,
}

impl<R: Read> Utf8Reader<R> {
    /// Reads the beginning of `inner` to choose the encoding.
    pub(crate) fn new(mut inner: R) -> Result<Self, ReadError> {
        let mut head = Vec::with_capacity(SNIFF_LEN);
        (&mut inner)
            .take(SNIFF_LEN as u64)
            .read_to_end(&mut head)
            .map_err(ReadError::Io)?;
        let eof = head.len() < SNIFF_LEN;
        let encoding = sniff(&head, eof)?;
        let raw_pos = if encoding == SourceEncoding::Utf8Bom {
            BOM.len()
        } else {
            0
        };
        let decoder = (encoding == SourceEncoding::Gb18030)
            .then(|| GB18030.new_decoder_without_bom_handling());
        Ok(Self {
            inner,
            encoding,
            decoder,
            raw: head,
            raw_pos,
            out: Vec::new(),
            out_pos: 0,
            eof,
            finished: false,
        })
    }

    /// The encoding found.
    pub(crate) fn encoding(&self) -> SourceEncoding {
        self.encoding
    }

    fn fill_raw(&mut self) -> io::Result<()> {
        if self.raw_pos == self.raw.len() && !self.eof {
            self.raw.clear();
            self.raw.resize(CHUNK, 0);
            let n = loop {
                match self.inner.read(&mut self.raw) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            self.raw.truncate(n);
            self.raw_pos = 0;
            self.eof = n == 0;
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.out_pos < self.out.len() {
                let n = buf.len().min(self.out.len() - self.out_pos);
                buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
                self.out_pos += n;
                return Ok(n);
            }
            if self.decoder.is_none() {
                // UTF-8: the sniffed head first, then straight from the source.
                if self.raw_pos < self.raw.len() {
                    let n = buf.len().min(self.raw.len() - self.raw_pos);
                    buf[..n].copy_from_slice(&self.raw[self.raw_pos..self.raw_pos + n]);
                    self.raw_pos += n;
                    return Ok(n);
                }
                return self.inner.read(buf);
            }
            if self.finished {
                return Ok(0);
            }
            self.fill_raw()?;
            let last = self.eof;
            let Some(decoder) = self.decoder.as_mut() else {
                return Ok(0);
            };
            self.out.clear();
            self.out.resize(CHUNK * 2 + 16, 0);
            self.out_pos = 0;
            let (result, read, written) = decoder.decode_to_utf8_without_replacement(
                &self.raw[self.raw_pos..],
                &mut self.out,
                last,
            );
            self.raw_pos += read;
            self.out.truncate(written);
            match result {
                DecoderResult::Malformed(..) => return Err(invalid_gb18030()),
                DecoderResult::InputEmpty => self.finished = last,
                DecoderResult::OutputFull => {}
            }
        }
    }
}

fn invalid_gb18030() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the file is neither UTF-8 nor GB18030",
    )
}
