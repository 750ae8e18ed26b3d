//! Recursive-descent parser for the grammar of syncrule.md §1.3, lowest binding first:
//! `||`, `&&`, one comparison, `&`, then `+ - * /` on one left-to-right level (as the
//! documentation says operators of arithmetic have one priority), unary minus, primaries.
//! Comparisons bind tighter than `&&`/`||` because shipped rules depend on it.

use crate::ast::Expr;
use crate::error::{Pos, SyntaxError};
use crate::functions::Func;
use crate::lexer::{Tok, Token, lex};

const CONSTANTS: [&str; 4] = ["NULL", "CRLF", "IgnoreThisFlow", "AuthoritativeNull"];

pub fn parse(src: &str) -> Result<Expr, SyntaxError> {
    let tokens = lex(src)?;
    let mut p = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let (e, _) = p.or()?;
    match &p.peek().tok {
        Tok::Eof => Ok(e),
        other => Err(p.unexpected("an operator or the end of the expression", other.clone())),
    }
}

/// How deeply an expression may nest — parentheses, calls, unary minus and each operator of
/// a chain all count — before it is refused. The Contoso export's 391 expressions fit; the
/// limit keeps the parser, the evaluator, `render` and the tree's drop, all recursive, far
/// from the end of the stack (a test thread's 2 MiB included).
pub const MAX_DEPTH: usize = 100;

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Current recursion depth of `unary` (the only place the parser recurses through).
    depth: usize,
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

    /// Refuses a tree taller than [`MAX_DEPTH`] at the token that would make it so.
    fn check_height(&self, height: usize, pos: Pos) -> Result<usize, SyntaxError> {
        if height > MAX_DEPTH {
            return Err(SyntaxError {
                pos,
                expected: format!("an expression nested at most {MAX_DEPTH} levels deep"),
                found: "deeper nesting (parentheses, calls or an operator chain)".into(),
            });
        }
        Ok(height)
    }

    /// One left-associative level: `next (op next)*`, the tree growing one level per
    /// operator.
    fn chain(
        &mut self,
        ops: &[&str],
        next: fn(&mut Parser) -> Result<(Expr, usize), SyntaxError>,
    ) -> Result<(Expr, usize), SyntaxError> {
        let (mut left, mut height) = next(self)?;
        while let Some(op) = self.is_op(ops) {
            let pos = self.next().pos;
            let (right, h) = next(self)?;
            height = self.check_height(height.max(h) + 1, pos)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right), pos);
        }
        Ok((left, height))
    }

    fn or(&mut self) -> Result<(Expr, usize), SyntaxError> {
        self.chain(&["||"], Parser::and)
    }

    fn and(&mut self) -> Result<(Expr, usize), SyntaxError> {
        self.chain(&["&&"], Parser::cmp)
    }

    fn cmp(&mut self) -> Result<(Expr, usize), SyntaxError> {
        let (left, height) = self.concat()?;
        if let Some(op) = self.is_op(&["=", "<>", "<", "<=", ">", ">="]) {
            let pos = self.next().pos;
            let (right, h) = self.concat()?;
            let height = self.check_height(height.max(h) + 1, pos)?;
            return Ok((
                Expr::Binary(op, Box::new(left), Box::new(right), pos),
                height,
            ));
        }
        Ok((left, height))
    }

    fn concat(&mut self) -> Result<(Expr, usize), SyntaxError> {
        self.chain(&["&"], Parser::arith)
    }

    fn arith(&mut self) -> Result<(Expr, usize), SyntaxError> {
        self.chain(&["+", "-", "*", "/"], Parser::unary)
    }

    /// Recursion happens only below here (unary minus, parentheses, arguments), so the
    /// depth counted here bounds the parser's stack as well as the tree's height.
    fn unary(&mut self) -> Result<(Expr, usize), SyntaxError> {
        self.depth += 1;
        let pos = self.peek().pos;
        let result = self
            .check_height(self.depth, pos)
            .and_then(|_| self.unary_inner());
        self.depth -= 1;
        result
    }

    fn unary_inner(&mut self) -> Result<(Expr, usize), SyntaxError> {
        if self.is_op(&["-"]).is_some() {
            let pos = self.next().pos;
            let (inner, height) = self.unary()?;
            if let Expr::Num(n, _) = inner {
                return Ok((Expr::Num(n.wrapping_neg(), pos), height));
            }
            let height = self.check_height(height + 1, pos)?;
            return Ok((Expr::Unary("-", Box::new(inner), pos), height));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<(Expr, usize), SyntaxError> {
        let t = self.next();
        let pos: Pos = t.pos;
        Ok(match t.tok {
            Tok::Num(n) => (Expr::Num(n, pos), 1),
            Tok::Str(s) => (Expr::Str(s, pos), 1),
            Tok::Attr(a) => (Expr::Attr(a, pos), 1),
            Tok::Param(p) => (Expr::Param(p, pos), 1),
            Tok::Var(v) => (Expr::Var(v, pos), 1),
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
                    let func = Func::from_name(&name).ok_or_else(|| SyntaxError {
                        pos,
                        expected: match Func::case_variant(&name) {
                            Some(right) => {
                                format!("`{right}` (function names are case-sensitive)")
                            }
                            None => "the name of a function the engine knows".into(),
                        },
                        found: format!("`{name}`"),
                    })?;
                    self.next();
                    let mut args = Vec::new();
                    let mut height = 0;
                    if !matches!(self.peek().tok, Tok::RParen) {
                        loop {
                            let (arg, h) = self.or()?;
                            args.push(arg);
                            height = height.max(h);
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
                    let height = self.check_height(height + 1, pos)?;
                    (Expr::Call(func, args, pos), height)
                } else if name == "True" || name == "False" {
                    (Expr::Bool(name == "True", pos), 1)
                } else if CONSTANTS.contains(&name.as_str()) {
                    (Expr::Constant(name, pos), 1)
                } else {
                    (Expr::Enum(name, pos), 1)
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

    #[test]
    fn nesting_is_limited_at_every_kind_of_depth() {
        let n = 5_000;
        let parens = format!("{}1{}", "(".repeat(n), ")".repeat(n));
        let calls = format!("{}1{}", "UCase(".repeat(n), ")".repeat(n));
        let chain = format!("1{}", "+1".repeat(n));
        let minus = format!("{}[a]", "-".repeat(n));
        let nested_chains = format!("{}1{}", "(1+".repeat(n), ")".repeat(n));
        for src in [parens, calls, chain, minus, nested_chains] {
            let err = parse(&src).unwrap_err();
            assert!(err.expected.contains("nested at most"), "{err}");
        }
        // At the limit it still parses, evaluates and renders (on a 2 MiB test thread).
        let ok = format!("1{}", "+1".repeat(MAX_DEPTH - 1));
        let e = parse(&ok).unwrap();
        assert_eq!(e.render().matches('+').count(), MAX_DEPTH - 1);
        let ok = format!(
            "{}1{}",
            "UCase(".repeat(MAX_DEPTH - 1),
            ")".repeat(MAX_DEPTH - 1)
        );
        let o = crate::object::Object::default();
        let params = std::collections::BTreeMap::new();
        let v = crate::eval::Ctx::new(&o, &params, 0).eval(&parse(&ok).unwrap());
        assert_eq!(v.unwrap(), crate::value::Value::Str("1".into()));
    }
}
