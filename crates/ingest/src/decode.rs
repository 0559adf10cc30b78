//! Text decoding: a reader that turns a document's bytes into UTF-8 without its byte-order mark.
//! The encoding is chosen per file by the sniff pass: UTF-8 when every byte sequence is valid,
//! otherwise Windows-1252 (a superset of Latin-1's printable characters, the usual culprit).

use std::io::{self, Read};

use encoding_rs::{Decoder, WINDOWS_1252};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextEncoding {
    Utf8,
    Windows1252,
}

const CHUNK: usize = 1 << 16;
const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

pub(crate) struct Decoded<R> {
    inner: R,
    /// `None` for UTF-8: the sniff pass found every byte sequence valid, so the bytes pass through
    /// without a second validating copy; only a leading byte-order mark is removed (see `passthrough`).
    decoder: Option<Decoder>,
    /// UTF-8 only: whether the start of the text (where a byte-order mark may be) was looked at.
    started: bool,
    /// Drop NUL characters (the sniff pass found some; most files have none and skip the scan).
    strip_nul: bool,
    input: Vec<u8>,
    output: Vec<u8>,
    position: usize,
    finished: bool,
}

impl<R: Read> Decoded<R> {
    pub(crate) fn new(inner: R, encoding: TextEncoding, strip_nul: bool) -> Self {
        let decoder: Option<Decoder> = match encoding {
            TextEncoding::Utf8 => None,
            // Also removes a UTF-8 BOM in a Windows-1252 file, where it would read as "ï»¿".
            TextEncoding::Windows1252 => Some(WINDOWS_1252.new_decoder_with_bom_removal()),
        };
        Self {
            inner,
            decoder,
            started: false,
            strip_nul,
            input: if encoding == TextEncoding::Utf8 {
                Vec::new()
            } else {
                vec![0; CHUNK]
            },
            output: Vec::new(),
            position: 0,
            finished: false,
        }
    }
}

impl<R: Read> Decoded<R> {
    /// UTF-8 text as it is, less a leading byte-order mark: what `UTF_8.new_decoder_with_bom_removal`
    /// gives for valid UTF-8, without copying every byte through the decoder. Should the bytes not
    /// be valid after all (an import that assumed UTF-8 before its scan ended, or a file changed
    /// since the sniff pass), the readers still check UTF-8 where they make text
    /// (`csv::StringRecord`, the JSON lexer's strings) and refuse the file.
    fn passthrough(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.started {
            return self.inner.read(buffer);
        }
        self.started = true;
        // Gather the first three bytes (a read may deliver fewer) to see whether they are a BOM.
        let mut head = [0u8; 3];
        let mut filled = 0;
        while filled < head.len() {
            match self.inner.read(&mut head[filled..])? {
                0 => break,
                read => filled += read,
            }
        }
        if filled == 3 && head == *BOM {
            return self.inner.read(buffer);
        }
        // Not a BOM: hand the bytes over as the decoder would have, through the output buffer.
        self.output.clear();
        self.output.extend_from_slice(&head[..filled]);
        self.position = 0;
        let count = self.output.len().min(buffer.len());
        buffer[..count].copy_from_slice(&self.output[..count]);
        self.position = count;
        Ok(count)
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            let read = self.read_text(buffer)?;
            if !self.strip_nul || read == 0 {
                return Ok(read);
            }
            // A NUL is one byte in UTF-8 (no other character contains a zero byte).
            let mut kept = 0;
            for index in 0..read {
                if buffer[index] != 0 {
                    buffer[kept] = buffer[index];
                    kept += 1;
                }
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

impl<R: Read> Decoded<R> {
    fn read_text(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            // Decoded (or, passing through, held-back) text first.
            if self.position < self.output.len() {
                let available = &self.output[self.position..];
                let count = available.len().min(buffer.len());
                buffer[..count].copy_from_slice(&available[..count]);
                self.position += count;
                return Ok(count);
            }
            let Some(decoder) = self.decoder.as_mut() else {
                return self.passthrough(buffer);
            };
            if self.finished {
                return Ok(0);
            }
            let read = self.inner.read(&mut self.input)?;
            let last = read == 0;
            let room = decoder
                .max_utf8_buffer_length(read)
                .ok_or_else(|| io::Error::other("decoder buffer size overflow"))?;
            self.output.resize(room, 0);
            // The output has room for the worst case, so the decoder consumes the whole input.
            let (_, _, written, _) =
                decoder.decode_to_utf8(&self.input[..read], &mut self.output, last);
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
        Decoded::new(bytes, encoding, true)
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
        assert_eq!(decode(b"a\0,\0b\0", TextEncoding::Utf8), "a,b");
        assert_eq!(decode(b"\0\xE9\0", TextEncoding::Windows1252), "é");
    }

    /// A reader that delivers one byte per call, the worst case for finding the BOM.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buffer.first_mut()) {
                (Some((byte, rest)), Some(slot)) => {
                    *slot = *byte;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn utf8_passes_through_less_its_bom_whatever_the_read_sizes() {
        for (bytes, text) in [
            (&b"\xEF\xBB\xBFa,b\n"[..], "a,b\n"),
            (b"ab", "ab"),
            (b"\xEF\xBB", "\u{FFFD}"),
            (b"", ""),
            ("é,\u{FEFF}".as_bytes(), "é,\u{FEFF}"),
        ] {
            let mut out = Vec::new();
            Decoded::new(Trickle(bytes), TextEncoding::Utf8, false)
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out), text, "{bytes:?}");
        }
    }
}
