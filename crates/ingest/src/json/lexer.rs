//! A small streaming JSON parser over any `Read`. It builds one value at a time (a root field or one
//! array element), keeps numbers as their exact text (no `f64` between a file and an amount), and
//! can skip a value without building it. Nesting is limited so a hostile file cannot overflow the
//! stack.

use std::io::Read;

use crate::IngestError;

const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(fields) => fields
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value),
            _ => None,
        }
    }

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
                    out.push_str(&serde_json::Value::String(key.clone()).to_string());
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
}

impl<R: Read> Lexer<R> {
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            buffer: vec![0; 1 << 16],
            position: 0,
            filled: 0,
            offset: 0,
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
    pub fn next_key(&mut self, first: &mut bool) -> Result<Option<String>, IngestError> {
        if !self.next_member(first, b'}')? {
            return Ok(None);
        }
        if self.peek_token()? != Some(b'"') {
            return Err(self.error("expected a property name"));
        }
        let key = self.string(true)?;
        self.expect(b':')?;
        Ok(Some(key))
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
                let mut fields = Vec::new();
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
        let mut text = String::new();
        while let Some(byte) = self.peek()? {
            if !matches!(byte, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                break;
            }
            text.push(char::from(byte));
            self.bump();
        }
        if valid_number(&text) {
            Ok(text)
        } else {
            Err(self.error(&format!("invalid number {text:?}")))
        }
    }

    fn string(&mut self, build: bool) -> Result<String, IngestError> {
        self.bump(); // the opening quote
        let mut bytes = Vec::new();
        loop {
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
                    if build {
                        let mut utf8 = [0; 4];
                        bytes.extend_from_slice(escaped.encode_utf8(&mut utf8).as_bytes());
                    }
                }
                byte if byte < 0x20 => return Err(self.error("control character in a string")),
                byte => {
                    if build {
                        bytes.push(byte);
                    }
                }
            }
        }
        // The decoder produced UTF-8, and escapes are encoded as UTF-8 above.
        String::from_utf8(bytes).map_err(|_| self.error("invalid UTF-8 in a string"))
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
        assert_eq!(
            value.get("a"),
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
