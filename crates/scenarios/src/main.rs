//! `mde-scenarios [DIR]`: writes every example bundle into DIR (default `examples/bundles`)
//! and `DIR/scenarios.toml` with their expected diagnoses.

use std::path::PathBuf;

fn main() -> std::process::ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("examples/bundles"));
    let list = mde_scenarios::scenarios();
    for s in &list {
        let target = dir.join(s.name);
        // Start clean so a file a scenario no longer has does not linger.
        let _ = std::fs::remove_dir_all(&target);
        if let Err(e) = mde_scenarios::write_bundle(s, &target) {
            eprintln!("error: {}: {e}", target.display());
            return std::process::ExitCode::from(2);
        }
        println!("wrote {}", target.display());
    }
    if let Err(e) = std::fs::write(
        dir.join("scenarios.toml"),
        mde_scenarios::scenarios_toml(&list),
    ) {
        eprintln!("error: {}: {e}", dir.join("scenarios.toml").display());
        return std::process::ExitCode::from(2);
    }
    std::process::ExitCode::SUCCESS
}
