//! The CSV record reader: the `csv` crate's grammar as this importer configures it (comma, `"`
//! quotes with `""` escapes, `\r`, `\n` or `\r\n` ends a record, blank lines skipped, records of
//! any length), with its line count, over text that is already UTF-8.
//!
//! Why not the `csv` crate itself: its byte-at-a-time state machine and its copies were a quarter
//! of reading a Tall file. This reader finds each field's end with one scan for the few bytes
//! that matter there (`,` `\r` `\n` outside quotes, `"` inside them) and copies a field in one go.
//! The `csv` crate stays the reference: a test compares both on generated text, record by record
//! and line by line.
//!
//! The grammar, as `csv_core` has it (its NFA states in brackets):
//! - before a record [StartRecord], `\r` and `\n` are skipped (blank lines);
//! - a field [StartField] starting with `"` is quoted; in it [InQuotedField] everything but `"` is
//!   text, and after a `"` [InDoubleEscapedQuote] comes either `"` (a literal quote, still inside
//!   the quotes), or a `,` or line end that ends the field, or anything else, which continues the
//!   field unquoted [InField];
//! - an unquoted field runs to the next `,` (next field) or `\r`/`\n` (end of record); a `"` in it is
//!   text;
//! - a record ended by `\r` is returned before a `\n` that follows it is consumed (so it counts in
//!   the next record's lines), and the end of the text ends the last record, whatever its state
//!   (`a,` ends with an empty field; an unclosed quote keeps what it holds).

use std::io::{self, Read};

use crate::{IngestError, swar};

const CHUNK: usize = 1 << 16;

/// One record: the text its fields are read from, and where each field is in it.
#[derive(Debug, Default)]
pub(crate) struct CsvRecord {
    /// The record as written (quotes and commas included), then the text of any quoted field that
    /// is not one run of the written text (one with `""` in it, say).
    text: String,
    fields: Vec<(usize, usize)>,
    /// `\n` inside quoted fields.
    newlines: u64,
}

impl CsvRecord {
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Field `index` as written (untrimmed, quotes removed); `None` past the last field.
    pub fn get(&self, index: usize) -> Option<&str> {
        let (start, end) = *self.fields.get(index)?;
        // Fields are cut at ASCII bytes of UTF-8 text, so these are character boundaries.
        self.text.get(start..end)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|index| self.get(index).unwrap_or_default())
    }

    /// How many `\n` the fields hold (newlines inside quoted cells).
    pub fn newlines(&self) -> u64 {
        self.newlines
    }
}

/// Reads records from UTF-8 text.
pub(crate) struct CsvReader<R> {
    inner: R,
    buffer: Vec<u8>,
    /// The unread text is `buffer[position..filled]`.
    position: usize,
    filled: usize,
    eof: bool,
    /// 1 + the `\n` bytes consumed so far: `csv::Reader::position().line()`.
    line: u64,
    /// Scratch space kept between records for its capacity: the fields of the record being read,
    /// the quoted fields that had to be rewritten, and the bytes of the next record's text.
    spans: Vec<Span>,
    rewritten: Vec<u8>,
    bytes: Vec<u8>,
}

/// What parsing the buffered text gave.
enum Parsed {
    /// A record: its length in the buffer (its line end included), the `\n` in that length and
    /// those of them inside quoted fields.
    Record {
        length: usize,
        newlines: u64,
        inside: u64,
    },
    /// The record runs past the buffered text: read more and parse it again.
    NeedMore,
}

/// Where a field's text is while its record is parsed.
#[derive(Debug, Clone, Copy)]
enum Span {
    /// In the record as written.
    Written(usize, usize),
    /// In the reader's `rewritten` buffer.
    Rewritten(usize, usize),
}

impl<R: Read> CsvReader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            buffer: vec![0; CHUNK],
            position: 0,
            filled: 0,
            eof: false,
            line: 1,
            spans: Vec::new(),
            rewritten: Vec::new(),
            bytes: Vec::new(),
        }
    }

    /// The line the reader is on, counting every `\n` consumed (as the `csv` crate does).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Reads the next record into `record`; false at the end of the text.
    pub fn read_record(&mut self, record: &mut CsvRecord) -> Result<bool, IngestError> {
        if !self.skip_blank_lines()? {
            return Ok(false);
        }
        let (length, newlines, inside) = loop {
            self.spans.clear();
            self.rewritten.clear();
            let input = &self.buffer[self.position..self.filled];
            match parse(input, self.eof, &mut self.spans, &mut self.rewritten) {
                Parsed::Record {
                    length,
                    newlines,
                    inside,
                } => break (length, newlines, inside),
                Parsed::NeedMore => self.fill()?,
            }
        };
        // The record's text: as written, then the quoted fields that were rewritten.
        let mut bytes = std::mem::take(&mut self.bytes);
        bytes.clear();
        bytes.extend_from_slice(&self.buffer[self.position..self.position + length]);
        bytes.extend_from_slice(&self.rewritten);
        self.position += length;
        self.line += newlines;
        record.fields.clear();
        record
            .fields
            .extend(self.spans.iter().map(|span| match *span {
                Span::Written(start, end) => (start, end),
                Span::Rewritten(start, end) => (length + start, length + end),
            }));
        record.newlines = inside;
        // The previous record's allocation holds the next record's bytes.
        self.bytes = std::mem::take(&mut record.text).into_bytes();
        match String::from_utf8(bytes) {
            Ok(text) => {
                record.text = text;
                Ok(true)
            }
            Err(error) => Err(IngestError::NotAPriceFile(format!(
                "unreadable CSV: invalid UTF-8 in the record ending on line {}: {}",
                self.line,
                error.utf8_error()
            ))),
        }
    }

    /// Consumes the `\r` and `\n` before a record; false when the text ends first.
    fn skip_blank_lines(&mut self) -> Result<bool, IngestError> {
        loop {
            let pending = &self.buffer[self.position..self.filled];
            let skipped = pending
                .iter()
                .position(|byte| !matches!(byte, b'\r' | b'\n'))
                .unwrap_or(pending.len());
            self.line += count_newlines(&pending[..skipped]);
            self.position += skipped;
            if self.position < self.filled {
                return Ok(true);
            }
            if self.eof {
                return Ok(false);
            }
            self.fill()?;
        }
    }

    /// Reads more text after what is buffered, keeping the unread part (moved to the front, or
    /// in a larger buffer when one record fills the whole buffer).
    fn fill(&mut self) -> Result<(), IngestError> {
        if self.position > 0 {
            self.buffer.copy_within(self.position..self.filled, 0);
            self.filled -= self.position;
            self.position = 0;
        }
        if self.filled == self.buffer.len() {
            self.buffer.resize(self.buffer.len() * 2, 0);
        }
        loop {
            match self.inner.read(&mut self.buffer[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(read) => {
                    self.filled += read;
                    return Ok(());
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error.into()),
            }
        }
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|byte| **byte == b'\n').count() as u64
}

/// The bytes that end an unquoted field.
const STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    stops[b',' as usize] = true;
    stops[b'\r' as usize] = true;
    stops[b'\n' as usize] = true;
    stops
};

/// Where the unquoted field starting at `from` stops: its `,` or line end, or the end of `input`.
/// Eight bytes at a time (most fields are short, but a scan per byte was a tenth of a Tall row).
fn unquoted_end(input: &[u8], from: usize) -> usize {
    swar::find(
        input,
        from,
        |word| swar::equal(word, b',') | swar::equal(word, b'\r') | swar::equal(word, b'\n'),
        |byte| STOPS[usize::from(byte)],
    )
}

fn next_quote(input: &[u8], from: usize) -> Option<usize> {
    input[from..]
        .iter()
        .position(|byte| *byte == b'"')
        .map(|quote| from + quote)
}

/// Parses one record from `input` (which starts with a byte other than `\r` and `\n`) into
/// `spans`. At the end of `input` the record ends if `eof`, otherwise more text is needed.
fn parse(input: &[u8], eof: bool, spans: &mut Vec<Span>, rewritten: &mut Vec<u8>) -> Parsed {
    let mut inside = 0;
    let mut at = 0;
    loop {
        // At the start of a field; `end` is where it stops (a `,`, a line end or the text's end).
        let (span, end) = if input.get(at) == Some(&b'"') {
            quoted(input, at + 1, rewritten, &mut inside)
        } else {
            let end = unquoted_end(input, at);
            (Span::Written(at, end), end)
        };
        spans.push(span);
        match input.get(end) {
            Some(b',') => at = end + 1,
            // The line end is consumed; a `\n` after a `\r` is left for the next record.
            Some(line_end) => {
                return Parsed::Record {
                    length: end + 1,
                    newlines: inside + u64::from(*line_end == b'\n'),
                    inside,
                };
            }
            None if eof => {
                return Parsed::Record {
                    length: input.len(),
                    newlines: inside,
                    inside,
                };
            }
            None => return Parsed::NeedMore,
        }
    }
}

/// A quoted field whose text starts at `start` (after its opening quote): its span and where it
/// stops. Usually its text is one run of the input; with `""` in it, or text after its closing
/// quote (read unquoted, as `csv` does), it is rewritten into `rewritten`.
fn quoted(input: &[u8], start: usize, rewritten: &mut Vec<u8>, inside: &mut u64) -> (Span, usize) {
    let Some(close) = next_quote(input, start) else {
        // No closing quote: the field runs to the end of the text.
        *inside += count_newlines(&input[start..]);
        return (Span::Written(start, input.len()), input.len());
    };
    *inside += count_newlines(&input[start..close]);
    if matches!(input.get(close + 1), None | Some(b',' | b'\r' | b'\n')) {
        return (Span::Written(start, close), close + 1);
    }
    let begin = rewritten.len();
    rewritten.extend_from_slice(&input[start..close]);
    // Just after a closing quote.
    let mut at = close + 1;
    loop {
        match input.get(at) {
            Some(b'"') => {
                // `""`: a quote, and the field is quoted again.
                rewritten.push(b'"');
                let start = at + 1;
                let Some(close) = next_quote(input, start) else {
                    *inside += count_newlines(&input[start..]);
                    rewritten.extend_from_slice(&input[start..]);
                    return (Span::Rewritten(begin, rewritten.len()), input.len());
                };
                *inside += count_newlines(&input[start..close]);
                rewritten.extend_from_slice(&input[start..close]);
                at = close + 1;
            }
            None | Some(b',' | b'\r' | b'\n') => {
                return (Span::Rewritten(begin, rewritten.len()), at);
            }
            Some(_) => {
                // Text after the closing quote: the rest of the field is read unquoted.
                let end = unquoted_end(input, at);
                rewritten.extend_from_slice(&input[at..end]);
                return (Span::Rewritten(begin, rewritten.len()), end);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ::csv::{ReaderBuilder, StringRecord};

    use super::*;

    /// Records and the line after each, as the `csv` crate reads them with the importer's settings.
    fn reference(text: &str) -> Vec<(Vec<String>, u64)> {
        let mut csv = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut record = StringRecord::new();
        let mut out = Vec::new();
        while csv.read_record(&mut record).unwrap() {
            let fields = record.iter().map(str::to_owned).collect();
            out.push((fields, csv.position().line()));
        }
        out
    }

    /// The same from this reader, fed `step` bytes per read (small steps cross every boundary).
    fn ours(text: &str, step: usize) -> Vec<(Vec<String>, u64)> {
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
                let count = self.0.len().min(self.1).min(buffer.len());
                buffer[..count].copy_from_slice(&self.0[..count]);
                self.0 = &self.0[count..];
                Ok(count)
            }
        }
        let mut reader = CsvReader::new(Chunks(text.as_bytes(), step));
        let mut record = CsvRecord::default();
        let mut out = Vec::new();
        while reader.read_record(&mut record).unwrap() {
            let fields = record.iter().map(str::to_owned).collect();
            out.push((fields, reader.line()));
        }
        out
    }

    #[test]
    fn reads_what_the_csv_crate_reads() {
        for text in [
            "",
            "\n\r\n",
            "a,b\n\"x\ny\",1\n\n,\nc\r\n\r\nd\n",
            "a,\"b\"\"c\",\"d\"e,f\"g\r\rh",
            "\"unclosed,\n",
            "a,",
            "\"\"",
            "x\r\n",
            "é,\"ü\"\"\",ß\n",
        ] {
            for step in [1, 2, 3, 7, 1 << 20] {
                assert_eq!(ours(text, step), reference(text), "{text:?} by {step}");
            }
        }
    }

    #[test]
    fn reads_what_the_csv_crate_reads_on_generated_text() {
        // Every text over the bytes that matter, short enough to cover them all in combination,
        // then longer pseudo-random ones.
        let alphabet = [b'a', b',', b'"', b'\r', b'\n', b' '];
        let mut texts: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..6 {
            let longer: Vec<Vec<u8>> = texts
                .iter()
                .filter(|text| text.len() == texts.last().map_or(0, Vec::len))
                .flat_map(|text| {
                    alphabet.iter().map(move |byte| {
                        let mut text = text.clone();
                        text.push(*byte);
                        text
                    })
                })
                .collect();
            texts.extend(longer);
        }
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            let length = (seed % 40) as usize;
            let mut text = Vec::with_capacity(length);
            for _ in 0..length {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            texts.push(text);
        }
        for text in texts {
            let text = String::from_utf8(text).unwrap();
            let expected = reference(&text);
            for step in [1, 5, 1 << 20] {
                assert_eq!(ours(&text, step), expected, "{text:?} by {step}");
            }
        }
    }

    #[test]
    fn finds_field_ends_eight_bytes_at_a_time_as_one_at_a_time() {
        let text = "ab,cd\x01\x7f é\r01234567\n89abcdef,\u{2c}\u{10c}x\u{20ac}yyyyyyyyyyyyyy\r\n";
        let input = text.as_bytes();
        for from in 0..input.len() {
            let naive = input[from..]
                .iter()
                .position(|byte| matches!(byte, b',' | b'\r' | b'\n'))
                .map_or(input.len(), |stop| from + stop);
            assert_eq!(unquoted_end(input, from), naive, "from {from}");
        }
    }

    #[test]
    fn a_record_longer_than_the_buffer_grows_it() {
        let long = "x".repeat(3 * CHUNK + 5);
        let text = format!("a,{long}\nb\n");
        assert_eq!(ours(&text, 1 << 20), reference(&text));
    }
}
