//! The parsed expression.

use crate::error::Pos;
use crate::functions::Func;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(i64, Pos),
    Str(String, Pos),
    Bool(bool, Pos),
    /// `NULL`, `CRLF`, `IgnoreThisFlow`, `AuthoritativeNull`.
    Constant(String, Pos),
    Attr(String, Pos),
    Param(String, Pos),
    Var(String, Pos),
    /// A bare identifier used as an enum argument (`UTF8`, `vbTextCompare`, `IgnoreCase`).
    Enum(String, Pos),
    /// A function, resolved when parsed.
    Call(Func, Vec<Expr>, Pos),
    Unary(&'static str, Box<Expr>, Pos),
    Binary(&'static str, Box<Expr>, Box<Expr>, Pos),
}

impl Expr {
    pub fn pos(&self) -> Pos {
        match self {
            Expr::Num(_, p)
            | Expr::Str(_, p)
            | Expr::Bool(_, p)
            | Expr::Constant(_, p)
            | Expr::Attr(_, p)
            | Expr::Param(_, p)
            | Expr::Var(_, p)
            | Expr::Enum(_, p)
            | Expr::Call(_, _, p)
            | Expr::Unary(_, _, p)
            | Expr::Binary(_, _, _, p) => *p,
        }
    }

    /// The expression as text (normalised spacing), for `--explain`.
    pub fn render(&self) -> String {
        match self {
            Expr::Num(n, _) => n.to_string(),
            Expr::Str(s, _) => format!("{s:?}"),
            Expr::Bool(b, _) => if *b { "True" } else { "False" }.into(),
            Expr::Constant(c, _) | Expr::Enum(c, _) => c.clone(),
            Expr::Attr(a, _) => format!("[{a}]"),
            Expr::Param(p, _) => format!("%{p}%"),
            Expr::Var(v, _) => format!("${v}"),
            Expr::Call(name, args, _) => format!(
                "{name}({})",
                args.iter().map(Expr::render).collect::<Vec<_>>().join(", ")
            ),
            Expr::Unary(op, e, _) => format!("{op}{}", e.render()),
            Expr::Binary(op, a, b, _) => format!("({} {op} {})", a.render(), b.render()),
        }
    }

    /// Whether the expression calls `func` anywhere.
    pub fn calls(&self, func: Func) -> bool {
        match self {
            Expr::Call(f, args, _) => *f == func || args.iter().any(|a| a.calls(func)),
            Expr::Unary(_, e, _) => e.calls(func),
            Expr::Binary(_, a, b, _) => a.calls(func) || b.calls(func),
            _ => false,
        }
    }

    /// Attribute names the expression reads.
    pub fn attributes(&self, out: &mut Vec<String>) {
        match self {
            Expr::Attr(a, _) if !out.contains(a) => out.push(a.clone()),
            Expr::Call(_, args, _) => args.iter().for_each(|a| a.attributes(out)),
            Expr::Unary(_, e, _) => e.attributes(out),
            Expr::Binary(_, a, b, _) => {
                a.attributes(out);
                b.attributes(out);
            }
            _ => {}
        }
    }
}
