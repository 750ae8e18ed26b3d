//! The Microsoft Entra Connect (Azure AD Connect) sync-rule expression language: lexer,
//! parser with error positions, evaluator and function catalogue, as specified in
//! `shared/research/syncrule.md`, with its open questions decided and written down where
//! they are decided (`eval`, `functions::convert`, `functions::cert`).
//!
//! ```
//! use std::collections::BTreeMap;
//! let expr = mde_syncrule::parse("Left(\"John Doe\", 3)").unwrap();
//! let object = mde_syncrule::Object::default();
//! let params = BTreeMap::new();
//! let mut ctx = mde_syncrule::Ctx::new(&object, &params, 0);
//! assert_eq!(ctx.eval(&expr).unwrap(), mde_syncrule::Value::Str("Joh".into()));
//! ```

mod ast;
pub mod check;
mod error;
mod eval;
mod functions;
pub mod input;
mod lexer;
mod object;
mod parser;
pub mod presets;
pub mod rules;
pub mod simulate;
pub mod span;
mod value;

pub use ast::Expr;
pub use error::{EvalError, Pos, SyntaxError};
pub use eval::{Ctx, MAX_VALUE_BYTES, Step};
pub use functions::{Func, NAMES as FUNCTIONS};
pub use object::{Object, binary_attributes};
pub use parser::{MAX_DEPTH, parse};
pub use value::{UNIX_EPOCH_TICKS, Value};

/// `Now()` for a run: the current time as FILETIME ticks.
pub fn now_ticks() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    d.as_secs() as i64 * 10_000_000 + i64::from(d.subsec_nanos() / 100) + UNIX_EPOCH_TICKS
}
