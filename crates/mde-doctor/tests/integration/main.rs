//! Integration tests: the real `mde-doctor` binary, driven through [`util::Test`].
//! One module per topic.

mod analyze;
mod codes;
mod completions;
mod console;
mod events;
mod explain;
mod fleet;
mod inspect;
mod syncrule;
mod util;
