//! Byte searches eight bytes at a time ("SIMD within a register"), for the readers' hot scans:
//! the end of a CSV field, the end of a plain run of a JSON string. The tests compare them with
//! byte-by-byte searches.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` equal to `byte` (possibly also of bytes above one that
/// is: the lowest flag is always exact, so `trailing_zeros() / 8` is the first match).
#[inline]
pub(crate) fn equal(word: u64, byte: u8) -> u64 {
    let zeroed = word ^ (ONES * u64::from(byte));
    zeroed.wrapping_sub(ONES) & !zeroed & HIGHS
}

/// The high bit of each byte of `word` below `bound` (at most 0x80), with the same exactness.
#[inline]
pub(crate) fn below(word: u64, bound: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(bound)) & !word & HIGHS
}

/// The first index in `bytes` from `from` whose byte `stop` accepts (`bytes.len()` if none),
/// testing eight bytes at a time with `flags` (which must flag exactly the bytes `stop` accepts,
/// lowest flag exact) and the last few one by one.
#[inline]
pub(crate) fn find(
    bytes: &[u8],
    from: usize,
    flags: impl Fn(u64) -> u64,
    stop: impl Fn(u8) -> bool,
) -> usize {
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let found = flags(word);
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|byte| stop(*byte))
        .map_or(bytes.len(), |stop| at + stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_a_byte_by_byte_search_finds() {
        let text =
            "ab,cd\x01\x7f é\r01234567\n89abcdef,\u{2c}\u{10c}x\"\\\u{20ac}yyyyyyyyyyyyyy\r\n\x1f";
        let bytes = text.as_bytes();
        let csv_stop = |byte: u8| matches!(byte, b',' | b'\r' | b'\n');
        let json_stop = |byte: u8| matches!(byte, b'"' | b'\\' | 0..0x20);
        for from in 0..=bytes.len() {
            let naive = |stop: &dyn Fn(u8) -> bool| {
                bytes[from..]
                    .iter()
                    .position(|byte| stop(*byte))
                    .map_or(bytes.len(), |at| from + at)
            };
            let csv = find(
                bytes,
                from,
                |word| equal(word, b',') | equal(word, b'\r') | equal(word, b'\n'),
                csv_stop,
            );
            assert_eq!(csv, naive(&csv_stop), "csv from {from}");
            let json = find(
                bytes,
                from,
                |word| equal(word, b'"') | equal(word, b'\\') | below(word, 0x20),
                json_stop,
            );
            assert_eq!(json, naive(&json_stop), "json from {from}");
        }
        // Every byte value, alone and after each other one.
        for first in 0..=255u8 {
            for second in [0u8, 0x1f, 0x20, b'"', b'\\', b',', 0x7f, 0x80, 0xff] {
                let bytes = [b'a', first, second, b'b', b'c', b'd', b'e', b'f', b'g'];
                let expected = bytes
                    .iter()
                    .position(|b| json_stop(*b))
                    .unwrap_or(bytes.len());
                let found = find(
                    &bytes,
                    0,
                    |word| equal(word, b'"') | equal(word, b'\\') | below(word, 0x20),
                    json_stop,
                );
                assert_eq!(found, expected, "{bytes:?}");
            }
        }
    }
}
