//! Integration tests: the real `mde-doctor` binary, driven through [`util::Test`].
//! One module per topic.

mod analyze;
mod batch;
mod codes;
mod collect;
mod completions;
mod console;
mod events;
mod evidence;
mod exit_status;
mod explain;
mod fault_servers;
mod fleet;
mod hostile;
mod inspect;
mod probe;
mod readme;
mod schema;
mod syncrule;
mod util;
mod wine;
