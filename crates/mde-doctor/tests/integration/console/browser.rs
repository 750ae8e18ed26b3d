//! The console in headless Chromium (WebDriver through chromedriver, driven with fantoccini):
//! set up the administrator, log in, upload, filter, open the side panel, export CSV, and see
//! a form without its CSRF token refused. Each page is saved under `target/screenshots/`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use super::server::{Serve, require};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const PASSWORD: &str = "browser test password";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `screenshots/` in the build's target directory, wherever that is: CI builds a fresh clone
/// with `CARGO_TARGET_DIR` pointing at the checkout's own `target/`, and the clone is deleted
/// afterwards, so a path relative to the sources would lose the screenshots.
fn screenshots() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(&tmp).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

/// The page's text; retried while a navigation replaces the document under us.
async fn text(c: &Client) -> String {
    for _ in 0..50 {
        if let Ok(body) = c.find(Locator::Css("body")).await
            && let Ok(t) = body.text().await
        {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never settled");
}

#[test]
fn console_in_headless_chromium() {
    if !require(CHROMEDRIVER, "browser test") || !require(CHROMIUM, "browser test") {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let serve = Serve::start(data.path(), &["--demo", "--demo-devices", "600"]);
    let port = free_port();
    let _driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let profile = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    "--window-size=1440,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session");
        let result = walk(&c, &serve).await;
        let _ = c.close().await;
        result
    });
}

/// Waits until the browser is on `path` (a click or a submit returns before the next page).
async fn wait_path(c: &Client, path: &str) {
    for _ in 0..100 {
        if c.current_url().await.is_ok_and(|u| u.path() == path) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the browser never reached {path}: {:?}",
        c.current_url().await
    );
}

/// Waits until the page shows `needle`; returns the page's text.
async fn wait_text(c: &Client, needle: &str) -> String {
    let mut body = String::new();
    for _ in 0..100 {
        body = text(c).await;
        if body.contains(needle) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {needle:?}:\n{body}");
}

/// Clicks the element `css` selects.
async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn submit_form(c: &Client, form_css: &str, fields: &[(&str, &str)]) {
    let form = c.form(Locator::Css(form_css)).await.unwrap();
    for (name, value) in fields {
        form.set_by_name(name, value).await.unwrap();
    }
    form.submit().await.unwrap();
}

async fn walk(c: &Client, serve: &Serve) {
    let base = &serve.base;
    // First run: the one-time setup link creates the administrator.
    c.goto(serve.setup_url.as_deref().expect("setup URL"))
        .await
        .unwrap();
    shot(c, "setup").await;
    submit_form(
        c,
        "form[action='/setup']",
        &[("name", "admin"), ("password", PASSWORD)],
    )
    .await;
    wait_path(c, "/login").await;
    shot(c, "login").await;
    c.find(Locator::Css("input[name=name]"))
        .await
        .unwrap()
        .send_keys("admin")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    click(c, "form[action='/login'] button").await;
    wait_path(c, "/").await;
    let body = wait_text(c, "Onboarded via MDE security management").await;
    assert!(
        body.lines().any(|l| l == "600 devices"),
        "the demo's 600 devices, each once\n{body}"
    );
    shot(c, "overview").await;

    // Upload a report through the page.
    c.goto(&format!("{base}/upload")).await.unwrap();
    let report = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    let json = crate::util::Test::new()
        .args([
            "analyze",
            "../../examples/bundles/clock-skew",
            "--format",
            "json",
        ])
        .run()
        .stdout()
        .replace("\"PC-0040\"", "\"BROWSER-UPLOAD\"");
    std::fs::write(report.path(), json).unwrap();
    let file = c.find(Locator::Css("input[name=file]")).await.unwrap();
    file.send_keys(&report.path().display().to_string())
        .await
        .unwrap();
    click(c, "form[action='/upload'] button").await;
    wait_text(c, "stored").await;
    shot(c, "upload").await;

    // Filter: failing devices of one category.
    c.goto(&format!("{base}/devices")).await.unwrap();
    c.find(Locator::Css("select[name=status]"))
        .await
        .unwrap()
        .select_by_value("failed")
        .await
        .unwrap();
    c.find(Locator::Css("select[name=category]"))
        .await
        .unwrap()
        .select_by_value("dns")
        .await
        .unwrap();
    click(c, "form.filters button").await;
    for _ in 0..100 {
        if c.current_url()
            .await
            .unwrap()
            .query()
            .unwrap_or("")
            .contains("status=failed")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = c.current_url().await.unwrap();
    assert!(url.query().unwrap_or("").contains("status=failed"), "{url}");
    let pills = c.find_all(Locator::Css("table .pill")).await.unwrap();
    assert!(!pills.is_empty());
    for p in &pills {
        assert_eq!(p.text().await.unwrap(), "failed");
    }
    shot(c, "devices").await;

    // The side panel of the first device.
    click(c, "table tbody td a").await;
    let panel = c
        .find(Locator::Css("aside.panel"))
        .await
        .expect("the side panel opens");
    let ptext = panel.text().await.unwrap();
    assert!(
        ptext.contains("What the code means") && ptext.contains("History"),
        "{ptext}"
    );
    shot(c, "side-panel").await;

    // CSV export of the current filter, with the browser's session.
    let href = c
        .find(Locator::LinkText("Export CSV"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(
        href.contains("status=failed") && href.contains("category=dns"),
        "{href}"
    );
    let cookie = c.get_named_cookie("mdd_session").await.unwrap();
    let matched: usize = text(c)
        .await
        .split(" devices match")
        .next()
        .and_then(|s| s.rsplit(|ch: char| !ch.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .expect("the count of matching devices");
    let csv = ureq::get(format!("{base}{href}"))
        .header("Cookie", format!("mdd_session={}", cookie.value()))
        .call()
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    assert_eq!(
        csv.lines().count(),
        matched + 1,
        "header and one row per matching device"
    );
    assert!(csv.lines().skip(1).all(|l| l.contains(",failed,")));

    // Fleet root causes.
    c.goto(&format!("{base}/causes")).await.unwrap();
    wait_text(c, "Same DNS server").await;
    shot(c, "causes").await;

    // The device page.
    c.goto(&format!("{base}/devices?q=browser-upload"))
        .await
        .unwrap();
    click(c, "table tbody td a[title='Open as a page']").await;
    wait_text(c, "BROWSER-UPLOAD").await;
    shot(c, "device").await;

    // A form whose CSRF token was tampered with is refused.
    c.goto(&format!("{base}/")).await.unwrap();
    c.execute(
        "document.querySelector(\"form[action='/logout'] input[name=csrf]\").value = 'forged';",
        vec![],
    )
    .await
    .unwrap();
    click(c, "form[action='/logout'] button").await;
    wait_text(c, "CSRF token is missing or wrong").await;
    shot(c, "csrf-refused").await;
    // Still logged in: the forged logout did nothing.
    c.goto(&format!("{base}/")).await.unwrap();
    wait_path(c, "/").await;
}
