//! The first pass over a document: its SHA-256, its text encoding, and whether it is CSV, JSON or
//! something to refuse (empty, an HTML page, binary). Reading every byte once before any record is
//! produced is what lets the encoding be decided per file and a refused file produce nothing.

use priceline_domain::Sha256;
use serde::{Deserialize, Serialize};
use sha2::Digest;

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Syntax {
    Csv,
    Json,
}

const HEAD: usize = 4096;
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

pub fn sniff(document: &Document) -> Result<Sniffed, IngestError> {
    document.with_reader(|reader| {
        let mut hasher = sha2::Sha256::new();
        let mut head = Vec::with_capacity(HEAD);
        let mut utf8 = Utf8Check::default();
        let mut bytes = 0u64;
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let read = reader.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            let chunk = &buffer[..read];
            hasher.update(chunk);
            utf8.feed(chunk);
            let wanted = (HEAD - head.len()).min(read);
            head.extend_from_slice(&chunk[..wanted]);
            bytes += read as u64;
        }
        let digest: [u8; 32] = hasher.finalize().into();
        let encoding = if utf8.valid() {
            TextEncoding::Utf8
        } else {
            TextEncoding::Windows1252
        };
        Ok(Sniffed {
            sha256: Sha256(digest),
            bytes,
            encoding,
            syntax: syntax(&head)?,
        })
    })
}

fn syntax(head: &[u8]) -> Result<Syntax, IngestError> {
    let text = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    let start = text.iter().position(|byte| !byte.is_ascii_whitespace());
    let Some(start) = start else {
        return Err(IngestError::Empty);
    };
    let text = &text[start..];
    if text.contains(&0) || text.starts_with(b"PK\x03\x04") || text.starts_with(b"%PDF") {
        return Err(IngestError::NotAPriceFile(
            "binary content (not CSV or JSON text)".into(),
        ));
    }
    match text[0] {
        b'{' | b'[' => Ok(Syntax::Json),
        b'<' => {
            let lower = String::from_utf8_lossy(&text[..text.len().min(64)]).to_ascii_lowercase();
            let first_line: String = lower
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
        assert!(matches!(
            sniff_bytes(b"<foo/>"),
            Err(IngestError::NotAPriceFile(_))
        ));
        assert!(matches!(
            sniff_bytes(b"a\0b"),
            Err(IngestError::NotAPriceFile(_))
        ));
    }
}
