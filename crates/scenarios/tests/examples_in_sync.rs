//! The committed example bundles are exactly what the generator writes.

use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p))
        } else {
            out.push(p)
        }
    }
    out.sort();
    out
}

#[test]
fn examples_match_the_generator() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundles");
    let fresh = tempfile::tempdir().unwrap();
    let list = mde_scenarios::scenarios();
    for s in &list {
        mde_scenarios::write_bundle(s, &fresh.path().join(s.name)).unwrap();
    }
    std::fs::write(
        fresh.path().join("scenarios.toml"),
        mde_scenarios::scenarios_toml(&list),
    )
    .unwrap();
    let rel = |base: &Path, ps: Vec<PathBuf>| -> Vec<PathBuf> {
        ps.into_iter()
            .map(|p| p.strip_prefix(base).unwrap().to_path_buf())
            .collect()
    };
    let want = rel(fresh.path(), files(fresh.path()));
    let have = rel(&committed, files(&committed));
    assert_eq!(
        want, have,
        "run `cargo run -p mde-scenarios -- examples/bundles`"
    );
    for f in want {
        assert!(
            std::fs::read(fresh.path().join(&f)).unwrap()
                == std::fs::read(committed.join(&f)).unwrap(),
            "{} differs: run `cargo run -p mde-scenarios -- examples/bundles`",
            f.display()
        );
    }
}
