//! What a reader keeps of what it reads: which registry subtrees of a hive, which events of a
//! log. The readers read formats; which keys and channels matter is the diagnosis's decision
//! (`mde_diagnose::wanted`), passed in as a [`Wanted`].

use serde::Deserialize;

#[cfg(feature = "evtx")]
use crate::events::{EventHeader, Keep};

/// A registry subtree, below a hive's mount point (`HKLM\SOFTWARE` or `HKLM\SYSTEM`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Subtree {
    /// `SOFTWARE` or `SYSTEM`.
    pub hive: String,
    /// Below the hive's mount point: `Microsoft\SenseCM`.
    pub path: String,
    /// Whether the subkeys are read too.
    pub recursive: bool,
}

/// Which keys of a hive to read. A real SOFTWARE hive holds hundreds of thousands of keys;
/// reading only the subtrees a diagnosis uses keeps it fast and small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection<'a> {
    /// These subtrees (those of the hive being read; the others are ignored).
    Subtrees(&'a [Subtree]),
    /// Every key (`inspect --all`).
    All,
}

/// What to keep from a bundle: registry subtrees of its hives, events of its logs.
#[cfg(feature = "evtx")]
#[derive(Clone, Copy)]
pub struct Wanted<'a> {
    pub registry: Selection<'a>,
    pub events: Keep<'a>,
}

#[cfg(feature = "evtx")]
impl Wanted<'static> {
    /// Everything: every key of every hive, every event.
    pub const ALL: Wanted<'static> = Wanted {
        registry: Selection::All,
        events: &keep_every_event,
    };
}

#[cfg(feature = "evtx")]
fn keep_every_event(_: &EventHeader<'_>) -> bool {
    true
}

#[cfg(feature = "evtx")]
impl std::fmt::Debug for Wanted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wanted")
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}
