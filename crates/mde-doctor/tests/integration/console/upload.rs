//! `token create` and `analyze --upload`: an upload appears at once.

use super::server::{Serve, create_token, open_db};
use crate::util::Test;

#[test]
fn analyze_upload_appears_in_the_console_at_once() {
    let data = tempfile::tempdir().unwrap();
    let token = create_token(data.path(), "laptops");
    assert!(token.starts_with("mdt_"), "{token}");
    let serve = Serve::start(data.path(), &[]);
    Test::new()
        .args([
            "analyze",
            "../../examples/bundles/scp-missing",
            "--format",
            "json",
            "--upload",
            &serve.base,
            "--token",
            &token,
        ])
        .run()
        // The verdict is the analysis's (1: errors found); the upload is reported on stderr.
        .status(1)
        .stderr_contains("\"result\":\"stored\"");

    // The device is there: read through the storage the console uses.
    let (rt, db) = open_db(data.path());
    let (overview, _) = rt.block_on(db.overview()).unwrap();
    assert_eq!(overview.total, 1);
    assert_eq!(
        overview
            .buckets
            .iter()
            .find(|b| b.key == "failed")
            .unwrap()
            .count,
        1
    );

    // A wrong token: the analysis still prints, the upload fails with exit status 2.
    Test::new()
        .args([
            "analyze",
            "../../examples/bundles/healthy",
            "--upload",
            &serve.base,
            "--token",
            "mdt_0000000000000000_x",
        ])
        .run()
        .status(2)
        .stderr_contains("HTTP 401");
}
