//! A small streaming JSON parser over any `Read`. It builds one value at a time (a root field or one
//! array element), keeps numbers as their exact text (no `f64` between a file and an amount), and
//! can skip a value without building it. Nesting is limited so a hostile file cannot overflow the
//! stack.

use std::borrow::Cow;
use std::io::Read;

use crate::{IngestError, swar};

const MAX_DEPTH: usize = 128;

/// An object's property name. The template's own names (nearly every key of a file) borrow a
/// static string instead of allocating one per property.
pub(crate) type Key = Cow<'static, str>;

/// The property names of the CMS templates (v2.0–v3.0), the keys `Key` does not allocate for.
const KNOWN_KEYS: [&str; 49] = [
    "payer_name",
    "plan_name",
    "methodology",
    "standard_charge_dollar",
    "standard_charge_percentage",
    "standard_charge_algorithm",
    "additional_payer_notes",
    "estimated_amount",
    "median_amount",
    "10th_percentile",
    "90th_percentile",
    "count",
    "code",
    "type",
    "setting",
    "payers_information",
    "minimum",
    "maximum",
    "gross_charge",
    "discounted_cash",
    "billing_class",
    "additional_generic_notes",
    "modifier_code",
    "description",
    "code_information",
    "standard_charges",
    "drug_information",
    "unit",
    "modifier_payer_information",
    "hospital_name",
    "last_updated_on",
    "version",
    "hospital_location",
    "location_name",
    "hospital_address",
    "license_information",
    "license_number",
    "state",
    "type_2_npi",
    "affirmation",
    "confirm_affirmation",
    "attestation",
    "confirm_attestation",
    "attester_name",
    "financial_aid_policy",
    "general_contract_provisions",
    "standard_charge_information",
    "modifier_information",
    "modifier_code_information",
];

/// The template's name for these bytes, if they are one (then they need no UTF-8 check).
fn known_key(bytes: &[u8]) -> Option<&'static str> {
    KNOWN_KEYS
        .iter()
        .copied()
        .find(|known| known.as_bytes() == bytes)
}

/// `Hash` finds repeated elements: equal values hash equally (object members in file order).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(Key, Value)>),
}

impl Value {
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Compact JSON text; numbers and strings keep their exact content.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Value::Number(text) => out.push_str(text),
            Value::String(text) => {
                out.push_str(&serde_json::Value::String(text.clone()).to_string())
            }
            Value::Array(values) => {
                out.push('[');
                for (index, value) in values.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    value.write(out);
                }
                out.push(']');
            }
            Value::Object(fields) => {
                out.push('{');
                for (index, (key, value)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(key.to_string()).to_string());
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

pub(crate) struct Lexer<R> {
    reader: R,
    buffer: Vec<u8>,
    position: usize,
    filled: usize,
    offset: u64,
    /// Reused for the text of each property name and number before it is kept (or not).
    scratch: Vec<u8>,
}

impl<R: Read> Lexer<R> {
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            buffer: vec![0; 1 << 16],
            position: 0,
            filled: 0,
            offset: 0,
            scratch: Vec::new(),
        }
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn error(&self, message: &str) -> IngestError {
        IngestError::BrokenJson(format!("{message} at byte {}", self.offset))
    }

    fn truncated(&self) -> IngestError {
        IngestError::BrokenJson(format!(
            "truncated: the text ends at byte {} inside the document",
            self.offset
        ))
    }

    pub fn peek(&mut self) -> Result<Option<u8>, IngestError> {
        if self.position == self.filled {
            self.filled = self.reader.read(&mut self.buffer)?;
            self.position = 0;
            if self.filled == 0 {
                return Ok(None);
            }
        }
        Ok(Some(self.buffer[self.position]))
    }

    fn bump(&mut self) {
        self.position += 1;
        self.offset += 1;
    }

    fn next_byte(&mut self) -> Result<u8, IngestError> {
        let byte = self.peek()?.ok_or_else(|| self.truncated())?;
        self.bump();
        Ok(byte)
    }

    /// The next non-whitespace byte, not consumed; `None` at the end of the text.
    pub fn peek_token(&mut self) -> Result<Option<u8>, IngestError> {
        while let Some(byte) = self.peek()? {
            if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                return Ok(Some(byte));
            }
            self.bump();
        }
        Ok(None)
    }

    pub fn expect(&mut self, wanted: u8) -> Result<(), IngestError> {
        match self.peek_token()? {
            Some(byte) if byte == wanted => {
                self.bump();
                Ok(())
            }
            Some(_) => Err(self.error(&format!("expected '{}'", char::from(wanted)))),
            None => Err(self.truncated()),
        }
    }

    /// Before each element of an array whose `[` was consumed: true when an element follows.
    pub fn next_element(&mut self, first: &mut bool) -> Result<bool, IngestError> {
        self.next_member(first, b']')
    }

    /// Before each field of an object whose `{` was consumed: the key, with its `:` consumed.
    pub fn next_key(&mut self, first: &mut bool) -> Result<Option<Key>, IngestError> {
        if !self.read_key(first)? {
            return Ok(None);
        }
        Ok(Some(match known_key(&self.scratch) {
            Some(known) => Cow::Borrowed(known),
            None => Cow::Owned(self.scratch_text()?.to_owned()),
        }))
    }

    /// `next_key`, the key borrowed (from the template's names or the lexer's scratch buffer).
    fn next_key_text(&mut self, first: &mut bool) -> Result<Option<&str>, IngestError> {
        if !self.read_key(first)? {
            return Ok(None);
        }
        match known_key(&self.scratch) {
            Some(known) => Ok(Some(known)),
            None => self.scratch_text().map(Some),
        }
    }

    /// Reads the next key of an object into the scratch buffer, and its `:`; false at the `}`.
    fn read_key(&mut self, first: &mut bool) -> Result<bool, IngestError> {
        if !self.next_member(first, b'}')? {
            return Ok(false);
        }
        if self.peek_token()? != Some(b'"') {
            return Err(self.error("expected a property name"));
        }
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        let read = self.string_into(Some(&mut text));
        self.scratch = text;
        read?;
        self.expect(b':')?;
        Ok(true)
    }

    fn scratch_text(&self) -> Result<&str, IngestError> {
        std::str::from_utf8(&self.scratch).map_err(|_| self.error("invalid UTF-8 in a string"))
    }

    /// Reads one value without building it, checking its syntax as `value` does and calling
    /// `on_key` with every property name in it, at any depth (the version-detection pass needs
    /// only those).
    pub fn skim(&mut self, on_key: &mut dyn FnMut(&str)) -> Result<(), IngestError> {
        self.skim_at(0, on_key)
    }

    fn skim_at(&mut self, depth: usize, on_key: &mut dyn FnMut(&str)) -> Result<(), IngestError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let Some(byte) = self.peek_token()? else {
            return Err(self.truncated());
        };
        match byte {
            b'{' => {
                self.bump();
                let mut first = true;
                while let Some(key) = self.next_key_text(&mut first)? {
                    on_key(key);
                    self.skim_at(depth + 1, on_key)?;
                }
            }
            b'[' => {
                self.bump();
                let mut first = true;
                while self.next_element(&mut first)? {
                    self.skim_at(depth + 1, on_key)?;
                }
            }
            b'"' => self.string_into(None)?,
            b't' => drop(self.literal("true", Value::Bool(true))?),
            b'f' => drop(self.literal("false", Value::Bool(false))?),
            b'n' => drop(self.literal("null", Value::Null)?),
            b'-' | b'0'..=b'9' => self.number_text()?,
            _ => return Err(self.error("unexpected character")),
        }
        Ok(())
    }

    fn next_member(&mut self, first: &mut bool, close: u8) -> Result<bool, IngestError> {
        match self.peek_token()? {
            Some(byte) if byte == close => {
                self.bump();
                Ok(false)
            }
            Some(b',') if !*first => {
                self.bump();
                Ok(true)
            }
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            Some(_) => Err(self.error(&format!("expected ',' or '{}'", char::from(close)))),
            None => Err(self.truncated()),
        }
    }

    pub fn value(&mut self) -> Result<Value, IngestError> {
        self.parse(0, true)
            .map(|value| value.unwrap_or(Value::Null))
    }

    pub fn skip(&mut self) -> Result<(), IngestError> {
        self.parse(0, false).map(drop)
    }

    fn parse(&mut self, depth: usize, build: bool) -> Result<Option<Value>, IngestError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let Some(byte) = self.peek_token()? else {
            return Err(self.truncated());
        };
        let value = match byte {
            b'{' => {
                self.bump();
                // Room for a payer's fields at once, rather than growing 4 → 8 → 16.
                let mut fields = Vec::with_capacity(if build { 10 } else { 0 });
                let mut first = true;
                while let Some(key) = self.next_key(&mut first)? {
                    let value = self.parse(depth + 1, build)?;
                    if let Some(value) = value {
                        fields.push((key, value));
                    }
                }
                Value::Object(fields)
            }
            b'[' => {
                self.bump();
                let mut values = Vec::new();
                let mut first = true;
                while self.next_element(&mut first)? {
                    values.extend(self.parse(depth + 1, build)?);
                }
                Value::Array(values)
            }
            b'"' => Value::String(self.string(build)?),
            b't' => self.literal("true", Value::Bool(true))?,
            b'f' => self.literal("false", Value::Bool(false))?,
            b'n' => self.literal("null", Value::Null)?,
            b'-' | b'0'..=b'9' => Value::Number(self.number()?),
            _ => return Err(self.error("unexpected character")),
        };
        Ok(build.then_some(value))
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, IngestError> {
        for expected in word.bytes() {
            if self.next_byte()? != expected {
                return Err(self.error("invalid literal"));
            }
        }
        Ok(value)
    }

    fn number(&mut self) -> Result<String, IngestError> {
        self.number_text()?;
        // Only number bytes (ASCII) were gathered.
        Ok(String::from_utf8_lossy(&self.scratch).into_owned())
    }

    /// Reads a number into the scratch buffer and checks its grammar.
    fn number_text(&mut self) -> Result<(), IngestError> {
        self.scratch.clear();
        // The number's bytes in runs, a buffer at a time.
        while self.peek()?.is_some() {
            let available = &self.buffer[self.position..self.filled];
            let run = available
                .iter()
                .position(|byte| !matches!(byte, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                .unwrap_or(available.len());
            self.scratch.extend_from_slice(&available[..run]);
            self.position += run;
            self.offset += run as u64;
            if self.position < self.filled {
                break;
            }
        }
        let text = std::str::from_utf8(&self.scratch).unwrap_or_default();
        if valid_number(text) {
            Ok(())
        } else {
            Err(self.error(&format!("invalid number {text:?}")))
        }
    }

    fn string(&mut self, build: bool) -> Result<String, IngestError> {
        let mut bytes = Vec::new();
        self.string_into(build.then_some(&mut bytes))?;
        // The decoder produced UTF-8, and escapes are encoded as UTF-8 below.
        String::from_utf8(bytes).map_err(|_| self.error("invalid UTF-8 in a string"))
    }

    /// Reads a string (its opening quote next), appending its text to `out` when given.
    fn string_into(&mut self, mut out: Option<&mut Vec<u8>>) -> Result<(), IngestError> {
        self.bump(); // the opening quote
        loop {
            // The plain run up to the next quote, backslash or control character, in one go.
            if self.position == self.filled && self.peek()?.is_none() {
                return Err(self.truncated());
            }
            let available = &self.buffer[self.position..self.filled];
            let run = swar::find(
                available,
                0,
                |word| swar::equal(word, b'"') | swar::equal(word, b'\\') | swar::below(word, 0x20),
                |byte| matches!(byte, b'"' | b'\\' | 0..0x20),
            );
            if let Some(out) = out.as_deref_mut() {
                out.extend_from_slice(&available[..run]);
            }
            self.position += run;
            self.offset += run as u64;
            if self.position == self.filled {
                continue;
            }
            match self.next_byte()? {
                b'"' => break,
                b'\\' => {
                    let escaped = match self.next_byte()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(self.error("invalid escape")),
                    };
                    if let Some(out) = out.as_deref_mut() {
                        let mut utf8 = [0; 4];
                        out.extend_from_slice(escaped.encode_utf8(&mut utf8).as_bytes());
                    }
                }
                _ => return Err(self.error("control character in a string")),
            }
        }
        Ok(())
    }

    fn unicode_escape(&mut self) -> Result<char, IngestError> {
        let high = self.hex4()?;
        if !(0xD800..0xDC00).contains(&high) {
            return Ok(char::from_u32(high).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
        if self.next_byte()? != b'\\' || self.next_byte()? != b'u' {
            return Ok(char::REPLACEMENT_CHARACTER);
        }
        let low = self.hex4()?;
        let code = 0x10000 + ((high - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
        Ok(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    fn hex4(&mut self) -> Result<u32, IngestError> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = char::from(self.next_byte()?)
                .to_digit(16)
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            code = code * 16 + digit;
        }
        Ok(code)
    }
}

/// JSON's number grammar: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`.
fn valid_number(text: &str) -> bool {
    let rest = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    let exponent_ok = exponent
        .is_none_or(|exponent| digits(exponent.strip_prefix(['+', '-']).unwrap_or(exponent)));
    digits(whole)
        && (whole == "0" || !whole.starts_with('0'))
        && fraction.is_none_or(digits)
        && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Value, IngestError> {
        Lexer::new(text.as_bytes()).value()
    }

    #[test]
    fn keeps_numbers_and_strings_exact() {
        let value =
            parse(r#"{"a": [1.50, -2e3, "x\"\u00e9\ud83d\ude00"], "b": null, "c": true}"#).unwrap();
        let Value::Object(fields) = &value else {
            panic!("an object")
        };
        assert_eq!(
            fields.first().map(|(_, value)| value),
            Some(&Value::Array(vec![
                Value::Number("1.50".into()),
                Value::Number("-2e3".into()),
                Value::String("x\"é😀".into()),
            ]))
        );
        assert_eq!(
            value.to_json(),
            r#"{"a":[1.50,-2e3,"x\"é😀"],"b":null,"c":true}"#
        );
    }

    #[test]
    fn reports_truncation_and_syntax_errors() {
        for text in [
            r#"{"a": [1, 2"#,
            r#"{"a" 1}"#,
            r#"{"a": 01}"#,
            r#"{"a": tru}"#,
            "[1,]",
        ] {
            assert!(
                matches!(parse(text), Err(IngestError::BrokenJson(_))),
                "{text}"
            );
        }
        assert!(
            parse(r#"{"a": [1, 2"#)
                .unwrap_err()
                .to_string()
                .contains("truncated")
        );
    }
}
