//! The start of a document as written, kept with a rejected submission so a person sees the header
//! that made it unusable (an unreplaced `[payer_name]`, a misspelled column) without the file.

use std::io::Read;

use crate::decode::Decoded;
use crate::sniff::{SniffedText, Syntax};
use crate::{Document, IngestError};

/// At most this much decoded text is kept: the header rows of a Wide file with hundreds of payer
/// columns fit, a file without line breaks does not fill the database.
const LIMIT: usize = 64 * 1024;
/// The CSV header rows: general data elements (1), their values (2), the column names (3).
const CSV_ROWS: usize = 3;
/// A JSON document's root fields come first in practice; its start shows them.
const JSON_BYTES: usize = 4096;

/// The document's header as written: a CSV's first three lines, or the first 4 KiB of a JSON
/// document, decoded as the readers decode it; cut at [`LIMIT`] characters' worth of bytes.
pub fn raw_header(document: &Document, text: &SniffedText) -> Result<String, IngestError> {
    let wanted = match text.syntax {
        Syntax::Csv => LIMIT,
        Syntax::Json => JSON_BYTES,
        // A workbook has no header as text (its cells are zipped XML): none is kept.
        Syntax::Xlsx => return Ok(String::new()),
    };
    let mut bytes = Vec::with_capacity(wanted.min(16 * 1024));
    document.with_reader(|reader| {
        Decoded::new(reader, text.encoding, text.nul_bytes > 0)
            .take(wanted as u64)
            .read_to_end(&mut bytes)?;
        Ok(())
    })?;
    if text.syntax == Syntax::Csv {
        let end = bytes
            .iter()
            .enumerate()
            .filter(|(_, byte)| **byte == b'\n')
            .nth(CSV_ROWS - 1)
            .map_or(bytes.len(), |(at, _)| at);
        bytes.truncate(end);
    }
    // A cut may fall inside a character; what is kept is for reading, so it is decoded lossily.
    let text = String::from_utf8_lossy(&bytes);
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{from_bytes, sniff_start};

    #[test]
    fn keeps_the_three_csv_header_rows_only() {
        let csv = "hospital_name,version\r\nA,3.0.0\r\ndescription,modifers\r\nx,1\r\ny,2\r\n";
        let documents = from_bytes("f.csv", csv.as_bytes().to_vec()).unwrap();
        let text = sniff_start(&documents[0]).unwrap();
        assert_eq!(
            raw_header(&documents[0], &text).unwrap(),
            "hospital_name,version\r\nA,3.0.0\r\ndescription,modifers"
        );
    }
}
