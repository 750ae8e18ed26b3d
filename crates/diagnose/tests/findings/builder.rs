//! A small bundle builder: a scenario of `mde-scenarios` (files as a device leaves them),
//! optionally edited the way a real device differs, read back through the real readers and
//! diagnosed.

use mde_artifacts::Limits;
use mde_diagnose::wanted::read_bundle;
use mde_diagnose::{Diagnosis, Options, Severity};
use mde_scenarios::Scenario;

/// A device: a scenario and the edits made to its files after they are written.
pub(crate) struct Device {
    scenario: Scenario,
    edits: Vec<Edit>,
    options: Options,
}

enum Edit {
    Remove(&'static str),
    Replace(&'static str, &'static str, String),
    Write(&'static str, Vec<u8>),
}

impl Device {
    pub(crate) fn new(scenario: Scenario) -> Device {
        Device {
            scenario,
            edits: Vec::new(),
            options: Options::default(),
        }
    }

    /// One of the example scenarios, by name.
    pub(crate) fn example(name: &str) -> Device {
        let s = mde_scenarios::scenarios()
            .into_iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no scenario {name}"));
        Device::new(s)
    }

    /// Leaves a file out of the bundle.
    pub(crate) fn without(mut self, path: &'static str) -> Device {
        self.edits.push(Edit::Remove(path));
        self
    }

    /// Replaces text in a (UTF-8) file of the bundle; the text must be there.
    pub(crate) fn replace(mut self, path: &'static str, from: &'static str, to: &str) -> Device {
        self.edits.push(Edit::Replace(path, from, to.to_string()));
        self
    }

    /// Adds or overwrites a file.
    pub(crate) fn file(mut self, path: &'static str, bytes: impl Into<Vec<u8>>) -> Device {
        self.edits.push(Edit::Write(path, bytes.into()));
        self
    }

    /// Adds a `.reg` export (regedit 5, UTF-8) of one key and its values (`"name"=data`).
    pub(crate) fn reg(self, path: &'static str, key: &str, values: &[&str]) -> Device {
        let mut text = format!("Windows Registry Editor Version 5.00\r\n\r\n[{key}]\r\n");
        for v in values {
            text.push_str(v);
            text.push_str("\r\n");
        }
        text.push_str("\r\n");
        self.file(path, text)
    }

    pub(crate) fn options(mut self, options: Options) -> Device {
        self.options = options;
        self
    }

    pub(crate) fn diagnose(self) -> Diagnosis {
        let dir = tempfile::tempdir().expect("a temporary directory");
        mde_scenarios::write_bundle(&self.scenario, dir.path()).expect("the bundle is written");
        for edit in self.edits {
            match edit {
                Edit::Remove(p) => {
                    std::fs::remove_file(dir.path().join(p)).expect("a file to remove")
                }
                Edit::Replace(p, from, to) => {
                    let path = dir.path().join(p);
                    let text = std::fs::read_to_string(&path).expect("a UTF-8 file");
                    assert!(text.contains(from), "{p} lacks {from:?}");
                    std::fs::write(path, text.replace(from, &to)).expect("write");
                }
                Edit::Write(p, bytes) => {
                    let path = dir.path().join(p);
                    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
                    std::fs::write(path, bytes).expect("write");
                }
            }
        }
        let snapshot = read_bundle(dir.path(), Limits::default()).expect("the bundle reads");
        mde_diagnose::diagnose_with(&snapshot, &self.options)
    }
}

/// Whether the diagnosis has a finding of this id (at any severity).
pub(crate) fn has(d: &Diagnosis, id: &str) -> bool {
    d.findings.iter().any(|f| f.id == id)
}

/// Whether it has one of this id that is not information.
pub(crate) fn raises(d: &Diagnosis, id: &str) -> bool {
    d.findings
        .iter()
        .any(|f| f.id == id && f.severity != Severity::Info)
}

#[track_caller]
pub(crate) fn finding<'a>(d: &'a Diagnosis, id: &str) -> &'a mde_diagnose::Finding {
    d.findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no {id} in {:#?}", ids(d)))
}

pub(crate) fn ids(d: &Diagnosis) -> Vec<(String, Severity)> {
    d.findings
        .iter()
        .map(|f| (f.id.clone(), f.severity))
        .collect()
}
