//! `serve --demo`: the synthetic fleet is built from real diagnoses of the example scenarios,
//! one device per id, with history, and shows shared causes.

use mde_console::{Db, Ingestor, Location};

#[test]
fn demo_fleet_has_every_device_once_with_history_and_causes() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = Db::open(&Location::DataDir(dir.path().to_path_buf()))
            .await
            .unwrap();
        let ingestor = Ingestor::start(db.clone());
        let reports = mde_console::populate_demo(&ingestor, 300).await.unwrap();
        assert!(
            reports > 300,
            "history: more reports ({reports}) than devices"
        );
        let (overview, trend) = db.overview().await.unwrap();
        assert_eq!(overview.total, 300);
        let count = |key: &str| {
            overview
                .buckets
                .iter()
                .find(|b| b.key == key)
                .unwrap()
                .count
        };
        assert!(
            count("succeeded") > 100 && count("failed") > 50,
            "{overview:?}"
        );
        assert!(overview.by_domain.len() >= 4, "several domains");
        assert!(trend.len() > 3, "reports spread over days");
        let clusters = db.clusters(20, 30, 5).await.unwrap();
        assert!(
            clusters
                .iter()
                .any(|c| c.dimension == "dns-server" && c.value == "192.168.1.1"),
            "{clusters:?}"
        );
        // Run again: the same reports are duplicates, nothing changes.
        mde_console::populate_demo(&ingestor, 300).await.unwrap();
        assert_eq!(db.overview().await.unwrap().0, overview);
    });
}
