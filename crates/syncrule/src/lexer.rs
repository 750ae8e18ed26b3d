//! Tokens of the expression language (syncrule.md §1.2).
//!
//! Traps handled here: `&&` is logical AND, `&H` + hex digits is a number, any other `&` is
//! concatenation; `<>`, `<=`, `>=` before `<`/`>`; the text inside `[…]`, `%…%` and `"…"` is
//! opaque (attribute names contain `-`, parameter names `.`). In strings `\\` means `\` and
//! `\"` means `"`; other backslash pairs are kept as written (syncrule.md §1.2 [INF]: shipped
//! rules write `"\\0ACNF:"` for the text `\0ACNF:`).

use crate::error::{Pos, SyntaxError};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Num(i64),
    Str(String),
    Attr(String),
    Param(String),
    Var(String),
    Ident(String),
    LParen,
    RParen,
    Comma,
    Op(&'static str),
    Eof,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) pos: Pos,
}

pub(crate) fn lex(src: &str) -> Result<Vec<Token>, SyntaxError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1usize, 1usize);
    let advance = |i: &mut usize, line: &mut usize, col: &mut usize, c: char| {
        *i += 1;
        if c == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let pos = Pos { line, column: col };
        if c.is_whitespace() {
            advance(&mut i, &mut line, &mut col, c);
            continue;
        }
        let err = |expected: &str| SyntaxError {
            pos,
            expected: expected.to_string(),
            found: c.to_string(),
        };
        let take_until = |close: char,
                          what: &str,
                          i: &mut usize,
                          line: &mut usize,
                          col: &mut usize|
         -> Result<String, SyntaxError> {
            {
                let ch = chars[*i];
                advance(i, line, col, ch);
            }
            let mut s = String::new();
            while *i < chars.len() && chars[*i] != close {
                s.push(chars[*i]);
                {
                    let ch = chars[*i];
                    advance(i, line, col, ch);
                }
            }
            if *i >= chars.len() {
                return Err(SyntaxError {
                    pos,
                    expected: format!("`{close}` closing the {what}"),
                    found: "end of expression".into(),
                });
            }
            advance(i, line, col, close);
            Ok(s)
        };
        let tok = match c {
            '[' => Tok::Attr(take_until(
                ']',
                "attribute name",
                &mut i,
                &mut line,
                &mut col,
            )?),
            '%' => Tok::Param(take_until(
                '%',
                "parameter name",
                &mut i,
                &mut line,
                &mut col,
            )?),
            '"' => {
                advance(&mut i, &mut line, &mut col, c);
                let mut s = String::new();
                loop {
                    if i >= chars.len() {
                        return Err(SyntaxError {
                            pos,
                            expected: "`\"` closing the string".into(),
                            found: "end of expression".into(),
                        });
                    }
                    let ch = chars[i];
                    if ch == '"' {
                        advance(&mut i, &mut line, &mut col, ch);
                        break;
                    }
                    if ch == '\\'
                        && i + 1 < chars.len()
                        && (chars[i + 1] == '\\' || chars[i + 1] == '"')
                    {
                        s.push(chars[i + 1]);
                        advance(&mut i, &mut line, &mut col, ch);
                        {
                            let ch = chars[i];
                            advance(&mut i, &mut line, &mut col, ch);
                        }
                        continue;
                    }
                    s.push(ch);
                    advance(&mut i, &mut line, &mut col, ch);
                }
                Tok::Str(s)
            }
            '(' => {
                advance(&mut i, &mut line, &mut col, c);
                Tok::LParen
            }
            ')' => {
                advance(&mut i, &mut line, &mut col, c);
                Tok::RParen
            }
            ',' => {
                advance(&mut i, &mut line, &mut col, c);
                Tok::Comma
            }
            '&' => {
                let next = chars.get(i + 1).copied();
                if next == Some('&') {
                    advance(&mut i, &mut line, &mut col, c);
                    advance(&mut i, &mut line, &mut col, '&');
                    Tok::Op("&&")
                } else if matches!(next, Some('H' | 'h'))
                    && chars.get(i + 2).is_some_and(|d| d.is_ascii_hexdigit())
                {
                    advance(&mut i, &mut line, &mut col, c);
                    advance(&mut i, &mut line, &mut col, 'H');
                    let mut digits = String::new();
                    while i < chars.len() && chars[i].is_ascii_hexdigit() {
                        digits.push(chars[i]);
                        {
                            let ch = chars[i];
                            advance(&mut i, &mut line, &mut col, ch);
                        }
                    }
                    let v = u64::from_str_radix(&digits, 16).map_err(|_| SyntaxError {
                        pos,
                        expected: "a hexadecimal number of at most 16 digits".into(),
                        found: format!("&H{digits}"),
                    })?;
                    Tok::Num(v as i64)
                } else {
                    advance(&mut i, &mut line, &mut col, c);
                    Tok::Op("&")
                }
            }
            '|' => {
                if chars.get(i + 1) == Some(&'|') {
                    advance(&mut i, &mut line, &mut col, c);
                    advance(&mut i, &mut line, &mut col, '|');
                    Tok::Op("||")
                } else {
                    return Err(SyntaxError {
                        pos,
                        expected: "`||`".into(),
                        found: "|".into(),
                    });
                }
            }
            '<' | '>' => {
                let next = chars.get(i + 1).copied();
                advance(&mut i, &mut line, &mut col, c);
                match (c, next) {
                    ('<', Some('>')) => {
                        advance(&mut i, &mut line, &mut col, '>');
                        Tok::Op("<>")
                    }
                    ('<', Some('=')) => {
                        advance(&mut i, &mut line, &mut col, '=');
                        Tok::Op("<=")
                    }
                    ('>', Some('=')) => {
                        advance(&mut i, &mut line, &mut col, '=');
                        Tok::Op(">=")
                    }
                    ('<', _) => Tok::Op("<"),
                    _ => Tok::Op(">"),
                }
            }
            '=' => {
                advance(&mut i, &mut line, &mut col, c);
                Tok::Op("=")
            }
            '+' => {
                advance(&mut i, &mut line, &mut col, c);
                Tok::Op("+")
            }
            '-' => {
                advance(&mut i, &mut line, &mut col, c);
                Tok::Op("-")
            }
            '*' => {
                advance(&mut i, &mut line, &mut col, c);
                Tok::Op("*")
            }
            '/' => {
                advance(&mut i, &mut line, &mut col, c);
                Tok::Op("/")
            }
            '$' => {
                advance(&mut i, &mut line, &mut col, c);
                let mut name = String::new();
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    name.push(chars[i]);
                    {
                        let ch = chars[i];
                        advance(&mut i, &mut line, &mut col, ch);
                    }
                }
                if name.is_empty() {
                    return Err(err("a variable name after `$`"));
                }
                Tok::Var(name)
            }
            d if d.is_ascii_digit() => {
                let mut digits = String::new();
                while i < chars.len() && chars[i].is_ascii_digit() {
                    digits.push(chars[i]);
                    {
                        let ch = chars[i];
                        advance(&mut i, &mut line, &mut col, ch);
                    }
                }
                Tok::Num(digits.parse().map_err(|_| SyntaxError {
                    pos,
                    expected: "a number that fits 64 bits".into(),
                    found: digits.clone(),
                })?)
            }
            a if a.is_alphabetic() || a == '_' => {
                let mut name = String::new();
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    name.push(chars[i]);
                    {
                        let ch = chars[i];
                        advance(&mut i, &mut line, &mut col, ch);
                    }
                }
                Tok::Ident(name)
            }
            _ => {
                return Err(err(
                    "a value, an attribute `[…]`, a function call or an operator",
                ));
            }
        };
        out.push(Token { tok, pos });
    }
    out.push(Token {
        tok: Tok::Eof,
        pos: Pos { line, column: col },
    });
    Ok(out)
}
