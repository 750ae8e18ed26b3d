//! Integration tests: the real `mde-doctor` binary, driven through [`util::Test`].
//! One module per topic.

mod analyze;
mod codes;
mod collect;
mod completions;
mod events;
mod explain;
mod fault_servers;
mod inspect;
mod probe;
mod syncrule;
mod util;
mod wine;
