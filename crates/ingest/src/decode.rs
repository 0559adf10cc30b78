//! Text decoding: a reader that turns a document's bytes into UTF-8 without its byte-order mark.
//! The encoding is chosen per file by the sniff pass: UTF-8 when every byte sequence is valid,
//! otherwise Windows-1252 (a superset of Latin-1's printable characters, the usual culprit).

use std::io::{self, Read};

use encoding_rs::{Decoder, UTF_8, WINDOWS_1252};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextEncoding {
    Utf8,
    Windows1252,
}

const CHUNK: usize = 1 << 16;

pub(crate) struct Decoded<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    output: Vec<u8>,
    position: usize,
    finished: bool,
}

impl<R: Read> Decoded<R> {
    pub(crate) fn new(inner: R, encoding: TextEncoding) -> Self {
        let encoding = match encoding {
            TextEncoding::Utf8 => UTF_8,
            TextEncoding::Windows1252 => WINDOWS_1252,
        };
        Self {
            inner,
            // Also removes a UTF-8 BOM in a Windows-1252 file, where it would read as "ï»¿".
            decoder: encoding.new_decoder_with_bom_removal(),
            input: vec![0; CHUNK],
            output: Vec::new(),
            position: 0,
            finished: false,
        }
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.position < self.output.len() {
                let available = &self.output[self.position..];
                let count = available.len().min(buffer.len());
                buffer[..count].copy_from_slice(&available[..count]);
                self.position += count;
                return Ok(count);
            }
            if self.finished {
                return Ok(0);
            }
            let read = self.inner.read(&mut self.input)?;
            let last = read == 0;
            let room = self
                .decoder
                .max_utf8_buffer_length(read)
                .ok_or_else(|| io::Error::other("decoder buffer size overflow"))?;
            self.output.resize(room, 0);
            // The output has room for the worst case, so the decoder consumes the whole input.
            let (_, _, written, _) =
                self.decoder
                    .decode_to_utf8(&self.input[..read], &mut self.output, last);
            self.output.truncate(written);
            self.position = 0;
            self.finished = last;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], encoding: TextEncoding) -> String {
        let mut text = String::new();
        Decoded::new(bytes, encoding)
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn strips_the_bom_and_maps_windows_1252() {
        assert_eq!(decode(b"\xEF\xBB\xBFa,b", TextEncoding::Utf8), "a,b");
        assert_eq!(
            decode(b"caf\xE9 \x96 \xA0x", TextEncoding::Windows1252),
            "café – \u{a0}x"
        );
    }
}
