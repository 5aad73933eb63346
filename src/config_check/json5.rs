//! A position-keeping parser for the two syntaxes OpenClaw reads its config files with.
//!
//! `openclaw.json` goes through the `json5` npm package (comments, trailing commas,
//! unquoted keys, single quotes, hex numbers, `Infinity`/`NaN`), `exec-approvals.json`
//! through `JSON.parse` (strict JSON). This module owns turning text into a [`Node`]
//! tree in which every key and value keeps the line and column where it starts, and
//! reporting the first syntax error with its position and a reason a user can act on.
//!
//! It does not validate what the values mean (that is `exec_approvals` and
//! `openclaw_json`), and it does not merge duplicate keys: objects keep every member in
//! file order, so the checkers can see both the duplicate and the value OpenClaw keeps
//! (the last one, as `JSON.parse` and `json5.parse` do).
//!
//! Positions: lines are counted at `\n` only (as the `json5` package does, so CRLF files
//! number lines as editors do); columns are 1-based and count Unicode scalar values,
//! so a tab or an `é` is one column.

use std::fmt;

use crate::text::is_terminal_unsafe;

/// How deep arrays and objects may nest before the parser gives up.
///
/// Real configs nest fewer than 15 levels; the cap keeps hostile input from exhausting
/// the stack. `JSON.parse` has a far higher limit, so a file this deep is reported as
/// one clawscan cannot check, not as one OpenClaw rejects.
pub const MAX_DEPTH: usize = 200;

/// Which parser OpenClaw uses for a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// The `json5` npm package (`openclaw.json`).
    Json5,
    /// `JSON.parse` (`exec-approvals.json`).
    Json,
}

impl Dialect {
    /// The name used in messages and in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Json5 => "json5",
            Dialect::Json => "json",
        }
    }
}

/// Where a token starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in Unicode scalar values.
    pub column: u32,
    /// Byte offset into the text.
    pub offset: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A parsed number: its source text (so findings can quote it exactly) and its value
/// as JavaScript sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    /// The literal as written, sign included.
    pub raw: String,
    /// The IEEE double JavaScript would produce.
    pub value: f64,
}

/// A JSON / JSON5 value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// Any number literal.
    Number(Number),
    /// A string, escapes decoded.
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object, members in file order, duplicates kept.
    Object(Vec<Member>),
}

/// A value and where it starts (for strings: the opening quote).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Position of the value's first character.
    pub pos: Pos,
    /// The value.
    pub value: Value,
}

/// One `key: value` pair of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The decoded key.
    pub key: String,
    /// Position of the key's first character (its quote, if quoted).
    pub key_pos: Pos,
    /// The value.
    pub value: Node,
}

impl Node {
    /// The members of an object, or `None` for any other value.
    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.value {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The elements of an array, or `None`.
    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The string, or `None`.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The member OpenClaw would see for `key`: the last one, as in JavaScript.
    pub fn get(&self, key: &str) -> Option<&Member> {
        self.as_object()?.iter().rev().find(|m| m.key == key)
    }

    /// A short name for the value's type, as used in messages.
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// The first syntax error in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the offending character (or the end of input) is.
    pub pos: Pos,
    /// What is wrong, in words.
    pub reason: String,
    /// True when the text may well be valid and only clawscan's own limit
    /// ([`MAX_DEPTH`]) stopped it.
    pub limit: bool,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.reason, self.pos)
    }
}

/// Parses `text` as `dialect`; the whole text must be one value.
pub fn parse(text: &str, dialect: Dialect) -> Result<Node, SyntaxError> {
    let mut p = Parser {
        src: text,
        off: 0,
        line: 1,
        col: 1,
        dialect,
        depth: 0,
        open: Vec::new(),
        last_close: None,
    };
    p.skip_ws()?;
    if p.peek().is_none() {
        return Err(p.err_here("empty document: expected a value such as { … }".to_string()));
    }
    let node = p.value()?;
    p.skip_ws()?;
    if let Some(c) = p.peek() {
        let mut reason = match p.last_close {
            Some(end) => format!(
                "unexpected {} after the end of the top-level value (which closes at {end})",
                describe(c)
            ),
            None => format!(
                "unexpected {} after the end of the top-level value",
                describe(c)
            ),
        };
        if matches!(c, ',' | '"' | '\'' | ':') || is_id_start(c) {
            reason.push_str("; was a snippet pasted outside the outer { … }?");
        }
        return Err(p.err_here(reason));
    }
    Ok(node)
}

struct Parser<'a> {
    src: &'a str,
    off: usize,
    line: u32,
    col: u32,
    dialect: Dialect,
    depth: usize,
    /// Open brackets, innermost last, for "unclosed '{' opened at …" messages.
    open: Vec<(char, Pos)>,
    /// The most recent closing bracket, to say where the top-level value ended.
    last_close: Option<Pos>,
}

fn describe(c: char) -> String {
    match c {
        '\n' => "line break".to_string(),
        '\r' => "carriage return".to_string(),
        '\t' => "tab".to_string(),
        '\u{feff}' => "byte order mark (U+FEFF)".to_string(),
        c if is_terminal_unsafe(c) => format!("character U+{:04X}", c as u32),
        '\'' => "\"'\"".to_string(),
        c => format!("'{c}'"),
    }
}

/// JSON5 white space: ECMAScript WhiteSpace and LineTerminator.
fn is_json5_ws(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

fn is_json_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_id_start(c: char) -> bool {
    c == '$' || c == '_' || c.is_alphabetic()
}

fn is_id_part(c: char) -> bool {
    is_id_start(c) || c.is_alphanumeric() || c == '\u{200c}' || c == '\u{200d}'
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.off..).and_then(|s| s.chars().next())
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src.get(self.off..)?.chars();
        it.next();
        it.next()
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.col,
            offset: self.off,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.off += c.len_utf8();
        if c == '\n' {
            self.line = self.line.saturating_add(1);
            self.col = 1;
        } else {
            self.col = self.col.saturating_add(1);
        }
        Some(c)
    }

    fn err_here(&self, reason: String) -> SyntaxError {
        SyntaxError {
            pos: self.pos(),
            reason,
            limit: false,
        }
    }

    fn err_at(pos: Pos, reason: String) -> SyntaxError {
        SyntaxError {
            pos,
            reason,
            limit: false,
        }
    }

    /// The error for running out of input: names the innermost unclosed bracket,
    /// which is what a user who lost a brace while pasting needs to know.
    fn eof_err(&self, what: &str) -> SyntaxError {
        let reason = match self.open.last() {
            Some((b, p)) => {
                format!("unexpected end of input {what}; '{b}' opened at {p} is never closed")
            }
            None => format!("unexpected end of input {what}"),
        };
        self.err_here(reason)
    }

    fn unexpected(&self, c: char, expected: &str) -> SyntaxError {
        self.err_here(format!("unexpected {}: expected {expected}", describe(c)))
    }

    fn skip_ws(&mut self) -> Result<(), SyntaxError> {
        loop {
            let Some(c) = self.peek() else { return Ok(()) };
            match self.dialect {
                Dialect::Json5 if is_json5_ws(c) => {
                    self.bump();
                }
                Dialect::Json if is_json_ws(c) => {
                    self.bump();
                }
                Dialect::Json if c == '\u{feff}' => {
                    return Err(self.err_here(
                        "byte order mark (U+FEFF): JSON.parse rejects it; save the file as UTF-8 without BOM"
                            .to_string(),
                    ));
                }
                Dialect::Json if is_json5_ws(c) => {
                    return Err(self.err_here(format!(
                        "white space U+{:04X} is not allowed in JSON (only space, tab and line breaks)",
                        c as u32
                    )));
                }
                _ if c == '/' => match self.peek2() {
                    Some('/') | Some('*') if self.dialect == Dialect::Json => {
                        return Err(self.err_here(
                            "comments are not allowed in JSON (this file is read with JSON.parse, not JSON5)"
                                .to_string(),
                        ));
                    }
                    Some('/') => {
                        while let Some(c) = self.peek() {
                            if is_line_terminator(c) {
                                break;
                            }
                            self.bump();
                        }
                    }
                    Some('*') => {
                        let start = self.pos();
                        self.bump();
                        self.bump();
                        loop {
                            match self.bump() {
                                None => {
                                    return Err(self.err_here(format!(
                                        "unexpected end of input: the comment opened at {start} is never closed with */"
                                    )));
                                }
                                Some('*') if self.peek() == Some('/') => {
                                    self.bump();
                                    break;
                                }
                                Some(_) => {}
                            }
                        }
                    }
                    _ => return Err(self.unexpected(c, "a value, or // or /* to start a comment")),
                },
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        let Some(c) = self.peek() else {
            return Err(self.eof_err("where a value was expected"));
        };
        let value = match c {
            '{' => self.object()?,
            '[' => self.array()?,
            '"' => Value::String(self.string()?),
            '\'' if self.dialect == Dialect::Json5 => Value::String(self.string()?),
            '\'' => {
                return Err(self.err_here(
                    "single-quoted strings are not allowed in JSON; use double quotes".to_string(),
                ));
            }
            '-' | '+' | '.' | '0'..='9' => Value::Number(self.number()?),
            c if is_id_start(c) => self.literal()?,
            '}' | ']' => return Err(self.unexpected(c, "a value")),
            ',' => {
                return Err(self.unexpected(
                    c,
                    "a value (two commas in a row, or a comma before the first item?)",
                ));
            }
            c => return Err(self.unexpected(c, "a value")),
        };
        Ok(Node { pos, value })
    }

    fn literal(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos();
        let mut word = String::new();
        while let Some(c) = self.peek() {
            if !is_id_part(c) {
                break;
            }
            word.push(c);
            self.bump();
        }
        match word.as_str() {
            "null" => Ok(Value::Null),
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            "Infinity" | "NaN" if self.dialect == Dialect::Json5 => Ok(Value::Number(Number {
                value: if word == "NaN" {
                    f64::NAN
                } else {
                    f64::INFINITY
                },
                raw: word,
            })),
            "Infinity" | "NaN" => Err(Self::err_at(
                start,
                format!("{word} is not allowed in JSON"),
            )),
            // The word itself is not echoed: an unquoted value may be a token.
            _ => Err(Self::err_at(
                start,
                "unquoted word where a value was expected (strings need quotes; true, false and null do not)"
                    .to_string(),
            )),
        }
    }

    fn object(&mut self) -> Result<Value, SyntaxError> {
        let open = self.pos();
        self.enter('{', open)?;
        self.bump();
        let mut members = Vec::new();
        loop {
            self.skip_ws()?;
            match self.peek() {
                None => return Err(self.eof_err("inside an object")),
                Some('}') => {
                    if !members.is_empty() && self.dialect == Dialect::Json {
                        return Err(self.err_here(
                            "trailing comma before '}' is not allowed in JSON".to_string(),
                        ));
                    }
                    self.close();
                    return Ok(Value::Object(members));
                }
                Some(_) => {}
            }
            let key_pos = self.pos();
            let key = self.key()?;
            self.skip_ws()?;
            match self.peek() {
                Some(':') => {
                    self.bump();
                }
                Some(c) => return Err(self.unexpected(c, "':' after the key")),
                None => return Err(self.eof_err("after a key")),
            }
            self.skip_ws()?;
            let value = self.value()?;
            members.push(Member {
                key,
                key_pos,
                value,
            });
            self.skip_ws()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') => {
                    self.close();
                    return Ok(Value::Object(members));
                }
                Some(c) => {
                    let hint = if c == '"' || c == '\'' || is_id_start(c) {
                        "',' or '}' (is a comma missing after the previous member?)"
                    } else {
                        "',' or '}' after the member"
                    };
                    return Err(self.unexpected(c, hint));
                }
                None => return Err(self.eof_err("inside an object")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, SyntaxError> {
        let open = self.pos();
        self.enter('[', open)?;
        self.bump();
        let mut items = Vec::new();
        loop {
            self.skip_ws()?;
            match self.peek() {
                None => return Err(self.eof_err("inside an array")),
                Some(']') => {
                    if !items.is_empty() && self.dialect == Dialect::Json {
                        return Err(self.err_here(
                            "trailing comma before ']' is not allowed in JSON".to_string(),
                        ));
                    }
                    self.close();
                    return Ok(Value::Array(items));
                }
                Some(_) => {}
            }
            items.push(self.value()?);
            self.skip_ws()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(']') => {
                    self.close();
                    return Ok(Value::Array(items));
                }
                Some(c) => {
                    let hint = if c == ':' {
                        "',' or ']' (an object member inside [ … ]? objects use { … })"
                    } else {
                        "',' or ']' (is a comma missing after the previous item?)"
                    };
                    return Err(self.unexpected(c, hint));
                }
                None => return Err(self.eof_err("inside an array")),
            }
        }
    }

    fn enter(&mut self, bracket: char, pos: Pos) -> Result<(), SyntaxError> {
        if self.depth >= MAX_DEPTH {
            let mut e = self.err_here(format!(
                "nested more than {MAX_DEPTH} levels deep; clawscan does not check files like this"
            ));
            e.limit = true;
            return Err(e);
        }
        self.depth += 1;
        self.open.push((bracket, pos));
        Ok(())
    }

    /// Consumes the closing bracket at the cursor.
    fn close(&mut self) {
        self.last_close = Some(self.pos());
        self.bump();
        self.depth = self.depth.saturating_sub(1);
        self.open.pop();
    }

    fn key(&mut self) -> Result<String, SyntaxError> {
        match self.peek() {
            Some('"') => self.string(),
            Some('\'') if self.dialect == Dialect::Json5 => self.string(),
            Some('\'') => Err(self.err_here(
                "single-quoted property names are not allowed in JSON; use double quotes"
                    .to_string(),
            )),
            Some(c) if self.dialect == Dialect::Json && (is_id_start(c) || c == '\\') => Err(self
                .err_here(
                    "property names must be double-quoted in JSON (unquoted keys are JSON5 only)"
                        .to_string(),
                )),
            Some(c) if is_id_start(c) || c == '\\' => self.identifier(),
            Some(',') => Err(self.unexpected(',', "a key (two commas in a row?)")),
            Some(c) => Err(self.unexpected(c, "a key in double quotes")),
            None => Err(self.eof_err("inside an object")),
        }
    }

    fn identifier(&mut self) -> Result<String, SyntaxError> {
        let mut out = String::new();
        let mut first = true;
        while let Some(c) = self.peek() {
            let (ch, at) = if c == '\\' {
                let at = self.pos();
                self.bump();
                if self.peek() != Some('u') {
                    return Err(self.err_here(
                        "invalid escape in an unquoted key: only \\uXXXX is allowed".to_string(),
                    ));
                }
                self.bump();
                let code = self.hex_digits(4)?;
                (char::from_u32(code).unwrap_or('\u{fffd}'), at)
            } else {
                (c, self.pos())
            };
            let ok = if first {
                is_id_start(ch)
            } else {
                is_id_part(ch)
            };
            if !ok {
                if c == '\\' {
                    return Err(Self::err_at(
                        at,
                        "escaped character is not allowed in an unquoted key".to_string(),
                    ));
                }
                break;
            }
            if c != '\\' {
                self.bump();
            }
            out.push(ch);
            first = false;
        }
        Ok(out)
    }

    fn hex_digits(&mut self, n: usize) -> Result<u32, SyntaxError> {
        let mut v: u32 = 0;
        for _ in 0..n {
            match self.peek() {
                Some(c) if c.is_ascii_hexdigit() => {
                    v = v * 16 + c.to_digit(16).unwrap_or(0);
                    self.bump();
                }
                Some(c) => return Err(self.unexpected(c, "a hexadecimal digit")),
                None => return Err(self.eof_err("in an escape sequence")),
            }
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos();
        let Some(quote) = self.bump() else {
            return Err(self.eof_err("where a string was expected"));
        };
        let mut out = String::new();
        // A high surrogate from `\uD83D` waiting for its low half.
        let mut pending_high: Option<u32> = None;
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err_here(format!(
                    "unexpected end of input: the string opened at {start} is never closed"
                )));
            };
            if c == quote {
                self.bump();
                break;
            }
            if c == '\\' {
                let esc_pos = self.pos();
                self.bump();
                let Some(e) = self.peek() else {
                    return Err(self.eof_err("in an escape sequence"));
                };
                if e == 'u' {
                    self.bump();
                    let code = self.hex_digits(4)?;
                    push_utf16(&mut out, &mut pending_high, code);
                    continue;
                }
                flush_high(&mut out, &mut pending_high);
                let decoded = match (self.dialect, e) {
                    (_, '"') => Some('"'),
                    (_, '\\') => Some('\\'),
                    (_, '/') => Some('/'),
                    (_, 'b') => Some('\u{8}'),
                    (_, 'f') => Some('\u{c}'),
                    (_, 'n') => Some('\n'),
                    (_, 'r') => Some('\r'),
                    (_, 't') => Some('\t'),
                    (Dialect::Json5, '\'') => Some('\''),
                    (Dialect::Json5, 'v') => Some('\u{b}'),
                    (Dialect::Json5, '0') => {
                        self.bump();
                        if matches!(self.peek(), Some('0'..='9')) {
                            return Err(self.unexpected(
                                self.peek().unwrap_or('0'),
                                "no digit after \\0 (octal escapes are not allowed)",
                            ));
                        }
                        out.push('\0');
                        continue;
                    }
                    (Dialect::Json5, 'x') => {
                        self.bump();
                        let code = self.hex_digits(2)?;
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        continue;
                    }
                    (Dialect::Json5, '1'..='9') => {
                        return Err(Self::err_at(
                            esc_pos,
                            format!("invalid escape '\\{e}' (digits cannot be escaped)"),
                        ));
                    }
                    (Dialect::Json5, '\r') => {
                        // A line continuation: `\` CR LF counts as one break.
                        self.bump();
                        if self.peek() == Some('\n') {
                            self.bump();
                        }
                        continue;
                    }
                    (Dialect::Json5, '\n' | '\u{2028}' | '\u{2029}') => {
                        self.bump();
                        continue;
                    }
                    (Dialect::Json5, other) => Some(other),
                    (Dialect::Json, other) => {
                        return Err(Self::err_at(
                            esc_pos,
                            format!(
                                "invalid escape {} in a JSON string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                                match other {
                                    c if c.is_control() => format!("'\\' + U+{:04X}", c as u32),
                                    c => format!("'\\{c}'"),
                                }
                            ),
                        ));
                    }
                };
                self.bump();
                if let Some(d) = decoded {
                    out.push(d);
                }
                continue;
            }
            flush_high(&mut out, &mut pending_high);
            if c == '\n' || c == '\r' {
                return Err(self.err_here(format!(
                    "line break inside the string opened at {start} (is its closing quote missing?)"
                )));
            }
            if self.dialect == Dialect::Json && (c as u32) < 0x20 {
                return Err(self.err_here(format!(
                    "control character U+{:04X} inside a string must be escaped in JSON",
                    c as u32
                )));
            }
            out.push(c);
            self.bump();
        }
        flush_high(&mut out, &mut pending_high);
        Ok(out)
    }

    fn digits(&mut self, raw: &mut String) -> usize {
        let mut n = 0;
        while let Some(c) = self.peek() {
            if !c.is_ascii_digit() {
                break;
            }
            raw.push(c);
            self.bump();
            n += 1;
        }
        n
    }

    fn number(&mut self) -> Result<Number, SyntaxError> {
        let json = self.dialect == Dialect::Json;
        let mut raw = String::new();
        let mut negative = false;
        if let Some(sign @ ('+' | '-')) = self.peek() {
            if sign == '+' && json {
                return Err(
                    self.err_here("a leading '+' is not allowed in JSON numbers".to_string())
                );
            }
            negative = sign == '-';
            raw.push(sign);
            self.bump();
        }
        match self.peek() {
            Some('I') | Some('N') if !json => {
                let lit = self.literal()?;
                let Value::Number(mut n) = lit else {
                    return Err(
                        self.err_here("expected Infinity or NaN after the sign".to_string())
                    );
                };
                n.raw = format!("{raw}{}", n.raw);
                if negative {
                    n.value = -n.value;
                }
                return Ok(n);
            }
            Some('0') if matches!(self.peek2(), Some('x' | 'X')) => {
                if json {
                    return Err(
                        self.err_here("hexadecimal numbers are not allowed in JSON".to_string())
                    );
                }
                raw.push('0');
                self.bump();
                if let Some(x) = self.bump() {
                    raw.push(x);
                }
                let mut v: f64 = 0.0;
                let mut n = 0;
                while let Some(c) = self.peek() {
                    let Some(d) = c.to_digit(16) else { break };
                    v = v * 16.0 + f64::from(d);
                    raw.push(c);
                    self.bump();
                    n += 1;
                }
                if n == 0 {
                    return match self.peek() {
                        Some(c) => Err(self.unexpected(c, "a hexadecimal digit after 0x")),
                        None => Err(self.eof_err("in a number")),
                    };
                }
                return Ok(Number {
                    raw,
                    value: if negative { -v } else { v },
                });
            }
            _ => {}
        }
        let int_digits = if self.peek() == Some('0') {
            raw.push('0');
            self.bump();
            if matches!(self.peek(), Some('0'..='9')) {
                return Err(self.err_here("leading zeros are not allowed in numbers".to_string()));
            }
            1
        } else {
            self.digits(&mut raw)
        };
        if int_digits == 0 && (json || self.peek() != Some('.')) {
            return match self.peek() {
                Some(c) => Err(self.unexpected(c, "a digit")),
                None => Err(self.eof_err("in a number")),
            };
        }
        if self.peek() == Some('.') {
            if json && int_digits == 0 {
                return Err(self.err_here("a number cannot start with '.' in JSON".to_string()));
            }
            raw.push('.');
            self.bump();
            let frac = self.digits(&mut raw);
            if frac == 0 {
                if json {
                    return match self.peek() {
                        Some(c) => Err(self.unexpected(c, "a digit after the decimal point")),
                        None => Err(self.eof_err("in a number")),
                    };
                }
                if int_digits == 0 {
                    return match self.peek() {
                        Some(c) => Err(self.unexpected(c, "a digit")),
                        None => Err(self.eof_err("in a number")),
                    };
                }
            }
        }
        if let Some(e @ ('e' | 'E')) = self.peek() {
            raw.push(e);
            self.bump();
            if let Some(s @ ('+' | '-')) = self.peek() {
                raw.push(s);
                self.bump();
            }
            if self.digits(&mut raw) == 0 {
                return match self.peek() {
                    Some(c) => Err(self.unexpected(c, "a digit in the exponent")),
                    None => Err(self.eof_err("in a number")),
                };
            }
        }
        // Rust's float parser accepts every form left here once a lone '.' edge
        // ("5." / ".5") is padded; the sign is part of `raw`.
        let mut text = raw.trim_start_matches('+').to_string();
        if text.ends_with('.') || text.contains(".e") || text.contains(".E") {
            text = text.replacen('.', ".0", 1);
        }
        let value = text.parse::<f64>().unwrap_or(f64::NAN);
        Ok(Number { raw, value })
    }
}

fn push_utf16(out: &mut String, pending_high: &mut Option<u32>, code: u32) {
    if (0xd800..0xdc00).contains(&code) {
        flush_high(out, pending_high);
        *pending_high = Some(code);
        return;
    }
    if (0xdc00..0xe000).contains(&code) {
        match pending_high.take() {
            Some(high) => {
                let c = 0x10000 + ((high - 0xd800) << 10) + (code - 0xdc00);
                out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
            }
            // A lone low surrogate cannot live in a Rust string; JavaScript keeps it.
            None => out.push('\u{fffd}'),
        }
        return;
    }
    flush_high(out, pending_high);
    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
}

fn flush_high(out: &mut String, pending_high: &mut Option<u32>) {
    if pending_high.take().is_some() {
        out.push('\u{fffd}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str, d: Dialect) -> (u32, u32, String) {
        match parse(text, d) {
            Ok(n) => panic!("expected an error for {text:?}, got {n:?}"),
            Err(e) => (e.pos.line, e.pos.column, e.reason),
        }
    }

    fn ok(text: &str, d: Dialect) -> Node {
        match parse(text, d) {
            Ok(n) => n,
            Err(e) => panic!("{text:?}: {e}"),
        }
    }

    #[test]
    fn positions_of_keys_and_values() {
        let n = ok(
            "{\n  \"a\": [1, {\"b\": \"x\"}],\n\t'c': null }",
            Dialect::Json5,
        );
        let a = n.get("a").expect("a");
        assert_eq!((a.key_pos.line, a.key_pos.column), (2, 3));
        assert_eq!((a.value.pos.line, a.value.pos.column), (2, 8));
        let inner = a.value.as_array().and_then(|v| v.get(1)).expect("inner");
        let b = inner.get("b").expect("b");
        assert_eq!((b.value.pos.line, b.value.pos.column), (2, 18));
        let c = n.get("c").expect("c");
        assert_eq!((c.key_pos.line, c.key_pos.column), (3, 2));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let n = ok("{\"é\": \"ü\", \"k\": 1}", Dialect::Json);
        let k = n.get("k").expect("k");
        assert_eq!(k.key_pos.column, 12);
        assert_eq!(k.key_pos.offset, 13);
    }

    #[test]
    fn crlf_counts_one_line() {
        let n = ok("{\r\n\"a\": 1,\r\n\"b\": 2\r\n}", Dialect::Json);
        let b = n.get("b").expect("b");
        assert_eq!((b.key_pos.line, b.key_pos.column), (3, 1));
    }

    #[test]
    fn json5_forms_openclaw_accepts() {
        let src = "// OpenClaw config\n{\n  /* block */ gateway: { bind: 'loopback', port: 0x4965, },\n  $x_1: +1.5e3,\n  n: [.5, 5., -Infinity, NaN,],\n  s: 'it\\'s \\x41\\u0042 \\\n  continued',\n  \"q\": \"\\v\\0\",\n}\n";
        let n = ok(src, Dialect::Json5);
        let gw = n.get("gateway").expect("gateway");
        let port = gw.value.get("port").expect("port");
        assert!(
            matches!(&port.value.value, Value::Number(x) if x.value == 18789.0 && x.raw == "0x4965")
        );
        assert!(
            matches!(&n.get("$x_1").expect("x").value.value, Value::Number(x) if x.value == 1500.0)
        );
        assert_eq!(
            n.get("s").and_then(|m| m.value.as_str()),
            Some("it's AB   continued")
        );
        assert_eq!(n.get("q").and_then(|m| m.value.as_str()), Some("\u{b}\0"));
        let arr = n
            .get("n")
            .and_then(|m| m.value.as_array().map(<[Node]>::len));
        assert_eq!(arr, Some(4));
        // A BOM and Unicode white space are white space in JSON5.
        ok("\u{feff}{\u{a0}a:\u{2028}1}", Dialect::Json5);
        // Unicode escapes in unquoted keys, surrogate pairs in strings.
        let n = ok("{\\u0061b: '\\uD83D\\uDE00'}", Dialect::Json5);
        assert_eq!(n.get("ab").and_then(|m| m.value.as_str()), Some("😀"));
    }

    #[test]
    fn duplicates_are_kept_and_last_wins() {
        let n = ok("{\"a\": 1, \"a\": 2}", Dialect::Json);
        assert_eq!(n.as_object().map(<[Member]>::len), Some(2));
        assert!(matches!(&n.get("a").expect("a").value.value, Value::Number(x) if x.value == 2.0));
    }

    #[test]
    fn strict_json_rejects_json5_forms() {
        let j = Dialect::Json;
        assert_eq!(err("{\"a\": 1,}", j).0..=err("{\"a\": 1,}", j).1, 1..=9);
        assert!(err("{\"a\": 1,}", j).2.contains("trailing comma"));
        assert!(err("[1,]", j).2.contains("trailing comma"));
        assert_eq!(err("// c\n{}", j).1, 1);
        assert!(err("// c\n{}", j).2.contains("comments are not allowed"));
        assert!(err("{a: 1}", j).2.contains("double-quoted"));
        assert!(err("{'a': 1}", j).2.contains("single-quoted"));
        assert!(err("{\"a\": 'x'}", j).2.contains("single-quoted"));
        assert!(err("{\"a\": 0x1}", j).2.contains("hexadecimal"));
        assert!(err("{\"a\": +1}", j).2.contains("'+'"));
        assert!(err("{\"a\": .5}", j).2.contains("'.'"));
        assert!(err("{\"a\": 5.}", j).2.contains("decimal point"));
        assert!(err("{\"a\": Infinity}", j).2.contains("Infinity"));
        assert!(err("\u{feff}{}", j).2.contains("byte order mark"));
        assert!(err("{\"a\": \"\\x41\"}", j).2.contains("invalid escape"));
        assert!(
            err("{\"a\": \"tab\there\"}", j)
                .2
                .contains("control character")
        );
        assert!(err("{\"a\":\u{a0}1}", j).2.contains("U+00A0"));
    }

    #[test]
    fn malformed_input_at_several_positions() {
        for d in [Dialect::Json, Dialect::Json5] {
            // Missing comma between members, as after pasting a snippet.
            let (l, c, r) = err("{\n  \"a\": 1\n  \"b\": 2\n}", d);
            assert_eq!((l, c), (3, 3));
            assert!(r.contains("comma missing"), "{r}");
            // Unclosed object: end of input names the open brace.
            let (l, c, r) = err("{\n  \"gateway\": {\n    \"bind\": \"lan\"\n", d);
            assert_eq!((l, c), (4, 1));
            assert!(r.contains("'{' opened at 2:14 is never closed"), "{r}");
            // Unclosed string.
            let (l, c, r) = err("{\"a\": \"abc\n}", d);
            assert_eq!((l, c), (1, 11));
            assert!(
                r.contains("line break inside the string opened at 1:7"),
                "{r}"
            );
            // Snippet pasted after the closing brace.
            let (l, c, r) = err("{\"a\": 1}\n\"gateway\": {}", d);
            assert_eq!((l, c), (2, 1));
            assert!(r.contains("pasted outside"), "{r}");
            // Snippet without any outer braces.
            let (l, c, _) = err("\"gateway\": {}", d);
            assert_eq!((l, c), (1, 10));
            // Missing colon, double comma, stray closer, bare word.
            assert_eq!(err("{\"a\" 1}", d).1, 6);
            assert_eq!(err("[1,,2]", d).1, 4);
            assert_eq!(err("[1}", d).1, 3);
            assert_eq!(err("{\"a\": allow}", d).1, 7);
            assert!(err("{\"a\": allow}", d).2.contains("strings need quotes"));
            assert_eq!(err("{\"a\": 01}", d).1, 8);
            assert_eq!(err("{\"a\": 1e}", d).1, 9);
            assert_eq!(err("{\"a\": -}", d).1, 8);
            // Empty and blank documents.
            assert_eq!(err("", d).0..=err("", d).1, 1..=1);
            assert!(err("", d).2.contains("empty document"));
            assert_eq!(err("\n\n", d).0, 3);
        }
        assert!(
            err("{a: 1 /* open", Dialect::Json5)
                .2
                .contains("comment opened at 1:7")
        );
        assert!(
            err("{a: '\\1'}", Dialect::Json5)
                .2
                .contains("digits cannot be escaped")
        );
        assert!(err("{a: '\\01'}", Dialect::Json5).2.contains("octal"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(MAX_DEPTH + 5);
        let (_, c, r) = err(&deep, Dialect::Json);
        assert_eq!(c as usize, MAX_DEPTH + 1);
        assert!(r.contains("nested more than"));
        let fine = format!("{}{}", "[".repeat(50), "]".repeat(50));
        ok(&fine, Dialect::Json);
    }
}
