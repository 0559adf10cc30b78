//! Where a chunked request body ends, found as actix-http 3 finds it (the states of its
//! `h1/chunked.rs`, strict CRLF included), so the request head after it on the same connection is
//! checked too. Only framing: the bytes go to actix-http's own decoder unchanged. A body it would
//! refuse is left to it ([`Malformed`]): from there the connection is not followed.

/// A chunked body that does not follow RFC 9112 §7.1 as actix-http reads it.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    SizeFirst,
    SizeRest,
    SizeSpace,
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    Trailer,
    TrailerLf,
    EndCr,
    EndLf,
}

#[derive(Debug)]
pub struct Chunked {
    step: Step,
    /// The current chunk's size, then what is left of its data.
    size: u64,
}

impl Default for Chunked {
    fn default() -> Self {
        Self {
            step: Step::SizeFirst,
            size: 0,
        }
    }
}

fn hex(byte: u8) -> Option<u64> {
    (byte as char).to_digit(16).map(u64::from)
}

impl Chunked {
    /// Reads the body's next `bytes`: how many of them belong to the body, and whether it ended
    /// with the last of those.
    pub fn advance(&mut self, bytes: &[u8]) -> Result<(usize, bool), Malformed> {
        use Step::*;
        let mut at = 0;
        while at < bytes.len() {
            if self.step == Data {
                let part = self.size.min((bytes.len() - at) as u64);
                at += part as usize;
                self.size -= part;
                if self.size == 0 {
                    self.step = DataCr;
                }
                continue;
            }
            let byte = bytes[at];
            at += 1;
            self.step = match (self.step, byte) {
                (SizeFirst, _) => {
                    self.size = hex(byte).ok_or(Malformed)?;
                    SizeRest
                }
                (SizeRest, _) if hex(byte).is_some() => {
                    let digit = hex(byte).unwrap_or_default();
                    self.size = self
                        .size
                        .checked_mul(16)
                        .and_then(|size| size.checked_add(digit))
                        .ok_or(Malformed)?;
                    SizeRest
                }
                (SizeRest | SizeSpace, b' ' | b'\t') => SizeSpace,
                (SizeRest | SizeSpace, b';') => Extension,
                (SizeRest | SizeSpace | Extension, b'\r') => SizeLf,
                (Extension, 0x00..=0x08 | 0x0a..=0x1f | 0x7f) => return Err(Malformed),
                (Extension, _) => Extension,
                (SizeLf, b'\n') if self.size > 0 => Data,
                (SizeLf, b'\n') => EndCr,
                (DataCr, b'\r') => DataLf,
                (DataLf, b'\n') => SizeFirst,
                (Trailer, b'\r') => TrailerLf,
                (Trailer, _) => Trailer,
                (TrailerLf, b'\n') => EndCr,
                (EndCr, b'\r') => EndLf,
                (EndCr, _) => Trailer,
                (EndLf, b'\n') => return Ok((at, true)),
                _ => return Err(Malformed),
            };
        }
        Ok((at, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `body` in pieces of `piece` bytes: where the body ended.
    fn end(body: &[u8], piece: usize) -> Result<Option<usize>, Malformed> {
        let mut chunked = Chunked::default();
        let mut offset = 0;
        for part in body.chunks(piece) {
            let (used, ended) = chunked.advance(part)?;
            if ended {
                return Ok(Some(offset + used));
            }
            assert_eq!(used, part.len());
            offset += used;
        }
        Ok(None)
    }

    #[test]
    fn the_end_of_a_chunked_body_is_found_however_it_arrives() {
        let body = b"5\r\nhello\r\nA;name=value\r\n0123456789\r\n0\r\n\r\nGET / HTTP/1.1";
        let length = body.len() - b"GET / HTTP/1.1".len();
        for piece in [1, 2, 3, 7, body.len()] {
            assert_eq!(end(body, piece), Ok(Some(length)), "pieces of {piece}");
        }
        let trailers = b"3 \r\nabc\r\n0\r\nExpires: never\r\nX-Y: z\r\n\r\nnext";
        assert_eq!(end(trailers, 4), Ok(Some(trailers.len() - 4)));
        assert_eq!(end(b"5\r\nhel", 2), Ok(None));
    }

    #[test]
    fn what_actix_would_refuse_is_malformed() {
        for body in [
            &b"x\r\n"[..],
            b"5\nhello\r\n",
            b"5\r\nhelloX\r\n",
            b"5;a\x01\r\n",
            b"ffffffffffffffffff\r\n",
            b"0\r\n\r\r",
        ] {
            assert_eq!(end(body, 1), Err(Malformed), "{body:?}");
        }
    }
}
