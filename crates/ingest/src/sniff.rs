//! The first pass over a document: its text encoding, whether it is CSV, JSON or something to
//! refuse (empty, an HTML page, binary), and its SHA-256. Reading every byte once before any record
//! is produced is what lets the encoding be decided per file. An import need not wait for it: it
//! starts on the first 4 KiB ([`sniff_start`]) and checks its assumption with [`scan`], the text
//! checks and the hash in one pass beside it.
//!
//! The hash is the costly part (a CPU without SHA extensions hashes at a few hundred MB/s, against
//! GB/s for the rest), so it is a pass of its own that callers run beside other work: a read is
//! then given `Sha256::PENDING` and the real hash is filled in afterwards
//! (`ReadReport::with_sha256`, or the import's writer).

use std::io::Read;
use std::thread;

use priceline_domain::Sha256;
use serde::{Deserialize, Serialize};

use crate::decode::TextEncoding;
use crate::{Document, IngestError};

/// What the sniff pass learnt about a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sniffed {
    /// SHA-256 of the document's bytes as published (after gzip/ZIP decompression, before decoding),
    /// so the same content dedupes whether or not it was compressed.
    pub sha256: Sha256,
    pub bytes: u64,
    pub encoding: TextEncoding,
    pub syntax: Syntax,
    /// NUL bytes past the first 4 KiB (a NUL before is binary content, refused): the readers drop
    /// them.
    #[serde(default)]
    pub nul_bytes: u64,
}

/// The sniff pass less the hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SniffedText {
    pub bytes: u64,
    pub encoding: TextEncoding,
    pub syntax: Syntax,
    pub nul_bytes: u64,
}

impl Sniffed {
    pub fn new(text: SniffedText, sha256: Sha256) -> Self {
        Self {
            sha256,
            bytes: text.bytes,
            encoding: text.encoding,
            syntax: text.syntax,
            nul_bytes: text.nul_bytes,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Syntax {
    Csv,
    Json,
    /// An Excel workbook (`.xlsx`): read only as a legacy chargemaster.
    Xlsx,
}

const HEAD: usize = 4096;
const CHUNK: usize = 1 << 16;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const HTML_STARTS: [&str; 8] = [
    "<!doctype",
    "<html",
    "<head",
    "<body",
    "<meta",
    "<script",
    "<title",
    "<?xml",
];

/// The whole pass, the hash on a second thread beside the text checks.
pub fn sniff(document: &Document) -> Result<Sniffed, IngestError> {
    let (text, sha256) = beside_sha256(document, || sniff_text(document));
    Ok(Sniffed::new(text?, sha256?))
}

/// Runs `work` while a second thread computes the document's SHA-256, and gives both.
pub fn beside_sha256<T: Send>(
    document: &Document,
    work: impl FnOnce() -> T,
) -> (T, Result<Sha256, IngestError>) {
    thread::scope(|scope| {
        let hash = scope.spawn(|| sha256(document));
        let done = work();
        let sha256 = hash
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the hash thread panicked").into()));
        (done, sha256)
    })
}

/// The text checks: byte count, encoding (UTF-8 when every sequence is valid) and syntax.
pub fn sniff_text(document: &Document) -> Result<SniffedText, IngestError> {
    let mut head = Vec::with_capacity(HEAD);
    let mut tally = TextTally::default();
    for_each_chunk(document, |chunk| {
        tally.feed(chunk);
        let wanted = (HEAD - head.len()).min(chunk.len());
        head.extend_from_slice(&chunk[..wanted]);
    })?;
    Ok(SniffedText {
        bytes: tally.bytes,
        encoding: tally.encoding(),
        syntax: syntax(&head)?,
        nul_bytes: tally.nul_bytes,
    })
}

/// The syntax from the document's first 4 KiB alone, its text assumed to be what most files' is:
/// valid UTF-8 without NULs. `bytes` is the document's size where known without reading it (0 for
/// gzip). An import reads on this at once instead of after a whole pass, and [`scan`], run beside
/// it, tells whether the assumption held ([`SniffedText::agrees_with`]).
pub fn sniff_start(document: &Document) -> Result<SniffedText, IngestError> {
    let head = document.with_reader(|reader| {
        let mut head = Vec::with_capacity(HEAD);
        reader.take(HEAD as u64).read_to_end(&mut head)?;
        Ok(head)
    })?;
    Ok(SniffedText {
        bytes: document.size_hint().unwrap_or(0),
        encoding: TextEncoding::Utf8,
        syntax: syntax(&head)?,
        nul_bytes: 0,
    })
}

/// What the text checks find over a whole document, and its SHA-256, in one pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    pub sha256: Sha256,
    pub bytes: u64,
    pub encoding: TextEncoding,
    pub nul_bytes: u64,
}

/// The document's [`Scan`].
pub fn scan(document: &Document) -> Result<Scan, IngestError> {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    let mut tally = TextTally::default();
    for_each_chunk(document, |chunk| {
        context.update(chunk);
        tally.feed(chunk);
    })?;
    Ok(Scan {
        sha256: digest(context),
        bytes: tally.bytes,
        encoding: tally.encoding(),
        nul_bytes: tally.nul_bytes,
    })
}

impl SniffedText {
    /// Whether a read made on `self` read the text as `scan` found it: the same decoding and the
    /// same NULs removed (and reported).
    pub fn agrees_with(&self, scan: &Scan) -> bool {
        // A workbook's bytes are not text: its encoding and NULs mean nothing.
        self.syntax == Syntax::Xlsx
            || (self.encoding == scan.encoding && self.nul_bytes == scan.nul_bytes)
    }

    /// `self` with the text facts `scan` found.
    pub fn scanned(self, scan: &Scan) -> Self {
        Self {
            bytes: scan.bytes,
            encoding: scan.encoding,
            nul_bytes: scan.nul_bytes,
            ..self
        }
    }
}

/// Byte count, UTF-8 validity and NULs, chunk by chunk.
#[derive(Default)]
struct TextTally {
    utf8: Utf8Check,
    bytes: u64,
    nul_bytes: u64,
}

impl TextTally {
    fn feed(&mut self, chunk: &[u8]) {
        self.utf8.feed(chunk);
        // `contains` is a vectorised search; counting byte by byte is several times slower and
        // only needed in the rare file that has a NUL at all.
        if chunk.contains(&0) {
            self.nul_bytes += chunk.iter().filter(|&&byte| byte == 0).count() as u64;
        }
        self.bytes += chunk.len() as u64;
    }

    fn encoding(&self) -> TextEncoding {
        if self.utf8.valid() {
            TextEncoding::Utf8
        } else {
            TextEncoding::Windows1252
        }
    }
}

/// SHA-256 of the document's bytes.
pub fn sha256(document: &Document) -> Result<Sha256, IngestError> {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for_each_chunk(document, |chunk| context.update(chunk))?;
    Ok(digest(context))
}

/// Hands `feed` the document's (decompressed) bytes in order, a chunk at a time.
fn for_each_chunk(document: &Document, mut feed: impl FnMut(&[u8])) -> Result<(), IngestError> {
    document.with_reader(|reader| {
        let mut buffer = vec![0u8; CHUNK];
        loop {
            let read = reader.read(&mut buffer)?;
            if read == 0 {
                return Ok(());
            }
            feed(&buffer[..read]);
        }
    })
}

fn digest(context: ring::digest::Context) -> Sha256 {
    let mut digest = [0u8; 32];
    digest.copy_from_slice(context.finish().as_ref());
    Sha256(digest)
}

fn syntax(head: &[u8]) -> Result<Syntax, IngestError> {
    let text = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    let start = text.iter().position(|byte| !byte.is_ascii_whitespace());
    let Some(start) = start else {
        return Err(IngestError::Empty);
    };
    let text = &text[start..];
    // A ZIP archive reaches here only as a workbook: `source` opens any other into its members.
    if head.starts_with(b"PK\x03\x04") {
        return Ok(Syntax::Xlsx);
    }
    if text.contains(&0) || text.starts_with(b"%PDF") {
        return Err(IngestError::NotAPriceFile(
            "binary content (not CSV or JSON text)".into(),
        ));
    }
    match text[0] {
        b'{' | b'[' => Ok(Syntax::Json),
        b'<' => {
            // The message quotes the file as written; only the comparison ignores case.
            let head = String::from_utf8_lossy(&text[..text.len().min(64)]);
            let lower = head.to_ascii_lowercase();
            let first_line: String = head
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(40)
                .collect();
            if HTML_STARTS.iter().any(|start| lower.starts_with(start)) {
                Err(IngestError::Html(format!("starts with {first_line:?}")))
            } else {
                Err(IngestError::NotAPriceFile(format!(
                    "markup, starts with {first_line:?}"
                )))
            }
        }
        _ => Ok(Syntax::Csv),
    }
}

/// Incremental UTF-8 validation across chunk boundaries.
#[derive(Default)]
struct Utf8Check {
    carry: Vec<u8>,
    invalid: bool,
}

impl Utf8Check {
    fn feed(&mut self, chunk: &[u8]) {
        if self.invalid {
            return;
        }
        let mut joined;
        let bytes = if self.carry.is_empty() {
            chunk
        } else {
            joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(chunk);
            &joined[..]
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => self.carry.clear(),
            // An incomplete sequence at the end may complete in the next chunk.
            Err(error) if error.error_len().is_none() => {
                self.carry = bytes[error.valid_up_to()..].to_vec();
            }
            Err(_) => self.invalid = true,
        }
    }

    fn valid(&self) -> bool {
        !self.invalid && self.carry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::from_bytes;

    fn sniff_bytes(bytes: &[u8]) -> Result<Sniffed, IngestError> {
        sniff(&from_bytes("x", bytes.to_vec()).unwrap()[0])
    }

    #[test]
    fn tells_csv_from_json_and_hashes_the_bytes() {
        let sniffed = sniff_bytes(b"\xEF\xBB\xBF  {\"a\":1}").unwrap();
        assert_eq!(sniffed.syntax, Syntax::Json);
        assert_eq!(sniffed.encoding, TextEncoding::Utf8);
        assert_eq!(
            sniff_bytes(b"hospital_name,x\n").unwrap().syntax,
            Syntax::Csv
        );
        assert_eq!(
            sniff_bytes(b"abc").unwrap().sha256.to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn falls_back_to_windows_1252_per_file() {
        assert_eq!(
            sniff_bytes(b"a,caf\xE9\n").unwrap().encoding,
            TextEncoding::Windows1252
        );
        assert_eq!(
            sniff_bytes("a,café\n".as_bytes()).unwrap().encoding,
            TextEncoding::Utf8
        );
        // A sequence cut at the end of the file is not valid UTF-8.
        assert_eq!(
            sniff_bytes(b"a,\xC3").unwrap().encoding,
            TextEncoding::Windows1252
        );
    }

    #[test]
    fn refuses_empty_html_and_binary() {
        assert!(matches!(sniff_bytes(b""), Err(IngestError::Empty)));
        assert!(matches!(
            sniff_bytes(b"\xEF\xBB\xBF \r\n"),
            Err(IngestError::Empty)
        ));
        assert!(matches!(
            sniff_bytes(b"\n <!DOCTYPE html><html>"),
            Err(IngestError::Html(_))
        ));
        assert!(matches!(
            sniff_bytes(b"<HTML><body>"),
            Err(IngestError::Html(_))
        ));
        // The refusal quotes the text as the file has it, case and all.
        match sniff_bytes(b"<!DOCTYPE HTML><Title>Price List</Title>") {
            Err(IngestError::Html(reason)) => assert_eq!(
                reason,
                r#"starts with "<!DOCTYPE HTML><Title>Price List</Title>""#
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            sniff_bytes(b"<foo/>"),
            Err(IngestError::NotAPriceFile(_))
        ));
        assert!(matches!(
            sniff_bytes(b"a\0b"),
            Err(IngestError::NotAPriceFile(_))
        ));
    }

    #[test]
    fn the_scan_finds_what_the_whole_sniff_does_and_the_start_assumes_clean_utf8() {
        let mut long = b"a,b\n".repeat(3_000);
        let cases: [&[u8]; 4] = [
            b"a,caf\xC3\xA9\n",
            b"a,caf\xE9\n",
            b"\xEF\xBB\xBFa,b\n",
            &long,
        ];
        for bytes in cases {
            let document = &from_bytes("x", bytes.to_vec()).unwrap()[0];
            let whole = sniff(document).unwrap();
            let scan = scan(document).unwrap();
            assert_eq!(
                (scan.sha256, scan.bytes, scan.encoding, scan.nul_bytes),
                (whole.sha256, whole.bytes, whole.encoding, whole.nul_bytes)
            );
            let start = sniff_start(document).unwrap();
            assert_eq!((start.syntax, start.bytes), (whole.syntax, whole.bytes));
            assert_eq!(
                start.agrees_with(&scan),
                whole.encoding == TextEncoding::Utf8
            );
            assert!(start.scanned(&scan).agrees_with(&scan));
        }
        // A NUL past the first 4 KiB: not in the start, found by the scan.
        long.extend_from_slice(b"a\0b\n");
        let document = &from_bytes("x", long).unwrap()[0];
        let scan = scan(document).unwrap();
        assert_eq!(scan.nul_bytes, 1);
        assert!(!sniff_start(document).unwrap().agrees_with(&scan));
    }
}
