//! Integration tests: the real `mde-doctor` binary, driven through [`util::Test`].
//! One module per topic.

mod analyze;
mod codes;
mod completions;
mod events;
mod explain;
mod hostile;
mod inspect;
mod syncrule;
mod util;
