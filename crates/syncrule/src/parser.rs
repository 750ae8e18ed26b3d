//! Recursive-descent parser for the grammar of syncrule.md §1.3, lowest binding first:
//! `||`, `&&`, one comparison, `&`, then `+ - * /` on one left-to-right level (as the
//! documentation says operators of arithmetic have one priority), unary minus, primaries.
//! Comparisons bind tighter than `&&`/`||` because shipped rules depend on it.

use crate::ast::Expr;
use crate::error::{Pos, SyntaxError};
use crate::lexer::{Tok, Token, lex};

const CONSTANTS: [&str; 4] = ["NULL", "CRLF", "IgnoreThisFlow", "AuthoritativeNull"];

pub fn parse(src: &str) -> Result<Expr, SyntaxError> {
    let tokens = lex(src)?;
    let mut p = Parser { tokens, at: 0 };
    let e = p.or()?;
    match &p.peek().tok {
        Tok::Eof => Ok(e),
        other => Err(p.unexpected("an operator or the end of the expression", other.clone())),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(n) => format!("number {n}"),
        Tok::Str(s) => format!("string {s:?}"),
        Tok::Attr(a) => format!("[{a}]"),
        Tok::Param(p) => format!("%{p}%"),
        Tok::Var(v) => format!("${v}"),
        Tok::Ident(i) => format!("`{i}`"),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Op(o) => format!("`{o}`"),
        Tok::Eof => "end of expression".into(),
    }
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.at]
    }

    fn next(&mut self) -> Token {
        let t = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        t
    }

    fn unexpected(&self, expected: &str, found: Tok) -> SyntaxError {
        SyntaxError {
            pos: self.peek().pos,
            expected: expected.into(),
            found: describe(&found),
        }
    }

    fn is_op(&self, ops: &[&str]) -> Option<&'static str> {
        match &self.peek().tok {
            Tok::Op(o) if ops.contains(o) => Some(o),
            _ => None,
        }
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.and()?;
        while let Some(op) = self.is_op(&["||"]) {
            let pos = self.next().pos;
            let right = self.and()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right), pos);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.cmp()?;
        while let Some(op) = self.is_op(&["&&"]) {
            let pos = self.next().pos;
            let right = self.cmp()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right), pos);
        }
        Ok(left)
    }

    fn cmp(&mut self) -> Result<Expr, SyntaxError> {
        let left = self.concat()?;
        if let Some(op) = self.is_op(&["=", "<>", "<", "<=", ">", ">="]) {
            let pos = self.next().pos;
            let right = self.concat()?;
            return Ok(Expr::Binary(op, Box::new(left), Box::new(right), pos));
        }
        Ok(left)
    }

    fn concat(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.arith()?;
        while let Some(op) = self.is_op(&["&"]) {
            let pos = self.next().pos;
            let right = self.arith()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right), pos);
        }
        Ok(left)
    }

    fn arith(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.unary()?;
        while let Some(op) = self.is_op(&["+", "-", "*", "/"]) {
            let pos = self.next().pos;
            let right = self.unary()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right), pos);
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if self.is_op(&["-"]).is_some() {
            let pos = self.next().pos;
            let inner = self.unary()?;
            if let Expr::Num(n, _) = inner {
                return Ok(Expr::Num(n.wrapping_neg(), pos));
            }
            return Ok(Expr::Unary("-", Box::new(inner), pos));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let t = self.next();
        let pos: Pos = t.pos;
        Ok(match t.tok {
            Tok::Num(n) => Expr::Num(n, pos),
            Tok::Str(s) => Expr::Str(s, pos),
            Tok::Attr(a) => Expr::Attr(a, pos),
            Tok::Param(p) => Expr::Param(p, pos),
            Tok::Var(v) => Expr::Var(v, pos),
            Tok::LParen => {
                let e = self.or()?;
                match self.next().tok {
                    Tok::RParen => e,
                    other => {
                        self.at = self.at.saturating_sub(1);
                        return Err(self.unexpected("`)`", other));
                    }
                }
            }
            Tok::Ident(name) => {
                if matches!(self.peek().tok, Tok::LParen) {
                    self.next();
                    let mut args = Vec::new();
                    if !matches!(self.peek().tok, Tok::RParen) {
                        loop {
                            args.push(self.or()?);
                            match self.peek().tok.clone() {
                                Tok::Comma => {
                                    self.next();
                                }
                                Tok::RParen => break,
                                other => return Err(self.unexpected("`,` or `)`", other)),
                            }
                        }
                    }
                    self.next();
                    Expr::Call(name, args, pos)
                } else if name == "True" || name == "False" {
                    Expr::Bool(name == "True", pos)
                } else if CONSTANTS.contains(&name.as_str()) {
                    Expr::Constant(name, pos)
                } else {
                    Expr::Enum(name, pos)
                }
            }
            other => {
                self.at = self.at.saturating_sub(1);
                return Err(
                    self.unexpected("a value, an attribute `[…]` or a function call", other)
                );
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_tokens() {
        let e = parse("IsCert($c) && CertNotAfter($c) > Now() || 2*5+3 = 13").unwrap();
        assert_eq!(
            e.render(),
            "((IsCert($c) && (CertNotAfter($c) > Now())) || (((2 * 5) + 3) = 13))"
        );
        assert!(
            matches!(parse("BitAnd(&HF, &hf7)").unwrap(), Expr::Call(_, ref a, _) if a[0] == Expr::Num(15, a[0].pos()))
        );
        assert!(
            matches!(parse("BitAnd([groupType],-2147483648)").unwrap(), Expr::Call(_, ref a, _) if matches!(a[1], Expr::Num(-2147483648, _)))
        );
        assert_eq!(
            parse(r#""\\0ACNF:""#).unwrap(),
            Expr::Str(r"\0ACNF:".into(), crate::error::Pos { line: 1, column: 1 })
        );
    }

    #[test]
    fn errors_have_positions() {
        let err = parse("IIF(IsPresent([a]), 1,\n  2))").unwrap_err();
        assert_eq!((err.pos.line, err.pos.column), (2, 5));
        assert!(err.expected.contains("end of the expression"), "{err}");
        let err = parse("Left([a], 2").unwrap_err();
        assert!(err.expected.contains("`,` or `)`"), "{err}");
        let err = parse("\"open").unwrap_err();
        assert!(err.expected.contains("closing the string"));
        assert!(parse("[a] | [b]").is_err());
    }
}
