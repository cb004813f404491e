//! The workshop page in a real browser: headless Chromium, driven over the DevTools protocol
//! by the `headless_chrome` crate. It loads the page, moves a lever the way a trainer does
//! (types a value into the lever's field and presses Enter), and checks that the headline
//! figure and a chart change; then it switches to presentation mode and writes a screenshot
//! to `target/serve-artifacts/`.
//!
//! Without a browser (plain `cargo test` on a fresh machine) the test says loudly that it was
//! skipped and why, and passes. When `CI` is set it fails instead: `.ci/run` installs Chromium
//! first, so in CI a browser that cannot start is a real failure.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::Emulation;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};

use super::serve_support::Server;

/// Say why the browser test cannot run: fail under CI, skip loudly elsewhere.
fn cannot_run(why: String) -> Option<Browser> {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set but the browser test cannot run: {why}");
    }
    // Written straight to stderr, not with `eprintln!`, which the test harness would swallow
    // for a passing test: a skip must be seen.
    let banner = format!(
        "\n==================== BROWSER TEST SKIPPED ====================\n\
         {why}\n\
         Install Chromium (Debian: apt-get install chromium) or set CHROME to a Chrome or \
         Chromium binary to run it; .ci/run installs it, and with CI set this test fails \
         instead of skipping.\n\
         ==============================================================\n"
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), banner.as_bytes());
    None
}

fn start_browser() -> Option<Browser> {
    let exe = match headless_chrome::browser::default_executable() {
        Ok(p) => p,
        Err(e) => return cannot_run(format!("no Chrome or Chromium found: {e}")),
    };
    let options = match LaunchOptions::default_builder()
        .path(Some(exe.clone()))
        .headless(true)
        // Root in containers and CI cannot use Chromium's sandbox.
        .sandbox(false)
        .window_size(Some((1920, 1080)))
        .idle_browser_timeout(Duration::from_secs(180))
        .build()
    {
        Ok(o) => o,
        Err(e) => return cannot_run(format!("bad browser options: {e}")),
    };
    match Browser::new(options) {
        Ok(b) => Some(b),
        Err(e) => cannot_run(format!("{} does not start: {e:#}", exe.display())),
    }
}

/// Evaluate `js` in the page.
/// The browser tests run one at a time: two Chromium instances and two servers at once on a
/// 2-core machine (while the rest of the suite simulates) made the DevTools connection drop
/// now and then, a failure of the machine's load and not of the page.
fn one_browser_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static BROWSER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    // A failed browser test poisons the lock; the next one may still run.
    BROWSER.lock().unwrap_or_else(|e| e.into_inner())
}

fn eval(tab: &Tab, js: &str) -> serde_json::Value {
    tab.evaluate(js, false)
        .unwrap_or_else(|e| panic!("{js}: {e:#}"))
        .value
        .unwrap_or(serde_json::Value::Null)
}

/// Wait until `js` is true in the page, at most `secs` seconds.
fn wait_until(tab: &Tab, js: &str, secs: u64) {
    let until = Instant::now() + Duration::from_secs(secs);
    while eval(tab, js) != serde_json::Value::Bool(true) {
        assert!(
            Instant::now() < until,
            "waited {secs} s for `{js}`; page status: {}; error box: {}",
            eval(tab, "document.getElementById('status').textContent"),
            eval(tab, "document.getElementById('error').textContent"),
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn artefact_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/serve-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const REFINED: &str = "document.getElementById('status').dataset.done === '1'";
const FAILURE: &str = "document.getElementById('headline-failure').textContent";
const SURVIVAL_SVG: &str = "document.querySelector('#chart-survival svg').outerHTML";

#[test]
fn a_lever_moved_in_a_real_browser_changes_the_headline_and_a_chart() {
    let _one_at_a_time = one_browser_at_a_time();
    let Some(browser) = start_browser() else {
        return;
    };
    let server = Server::start(&[]);
    let tab = browser.new_tab().unwrap();
    // The projector's resolution, as the page's own viewport (the window is larger).
    tab.call_method(Emulation::SetDeviceMetricsOverride {
        width: 1920,
        height: 1080,
        device_scale_factor: 1.0,
        mobile: false,
        scale: None,
        screen_width: None,
        screen_height: None,
        position_x: None,
        position_y: None,
        dont_set_visible_size: None,
        screen_orientation: None,
        viewport: None,
        display_feature: None,
        device_posture: None,
    })
    .unwrap();
    tab.navigate_to(&format!("{}/?scenario=typical", server.url))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    wait_until(&tab, REFINED, 90);
    let before = eval(&tab, FAILURE);
    let chart_before = eval(&tab, SURVIVAL_SVG);
    assert!(before.as_str().unwrap().ends_with('%'), "{before}");
    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    std::fs::write(artefact_dir().join("normal-mode.png"), png).unwrap();

    // A trainer types a harsher rejection sting into the lever's field and presses Enter.
    let field = tab
        .wait_for_element(r#"input.field[data-key="rejection.sting"]"#)
        .unwrap();
    field
        .call_js_fn("function() { this.value = ''; }", vec![], false)
        .unwrap();
    field.type_into("0.06").unwrap();
    tab.press_key("Enter").unwrap();
    let changed = format!("{FAILURE} !== {before}");
    wait_until(&tab, &changed, 30);
    wait_until(&tab, REFINED, 90);
    let after = eval(&tab, FAILURE);
    let parse = |v: &serde_json::Value| -> f64 {
        v.as_str().unwrap().trim_end_matches('%').parse().unwrap()
    };
    // Each "no" taking four times the motivation can only make more careers fail.
    assert!(parse(&after) > parse(&before), "{before} -> {after}");
    assert_ne!(
        eval(&tab, SURVIVAL_SVG),
        chart_before,
        "the survival chart did not change"
    );
    assert_eq!(
        eval(&tab, "document.querySelector('[data-lever=\"rejection.sting\"]').classList.contains('moved')"),
        serde_json::Value::Bool(true)
    );

    // A/B: pin these settings as A, move the lever further for B.
    tab.wait_for_element("#pin").unwrap().click().unwrap();
    wait_until(&tab, "!document.getElementById('ab').hidden", 30);
    wait_until(&tab, REFINED, 90);
    let field = tab
        .wait_for_element(r#"input.field[data-key="rejection.sting"]"#)
        .unwrap();
    field
        .call_js_fn("function() { this.value = ''; }", vec![], false)
        .unwrap();
    field.type_into("0.12").unwrap();
    tab.press_key("Enter").unwrap();
    wait_until(
        &tab,
        "document.getElementById('verdict').textContent.includes('more failures')",
        60,
    );
    wait_until(&tab, REFINED, 90);
    let rows = eval(
        &tab,
        "document.querySelectorAll('#ab-table tbody tr').length",
    );
    assert!(rows.as_u64().unwrap() >= 4, "{rows}");
    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    std::fs::write(artefact_dir().join("ab-mode.png"), png).unwrap();

    // Presentation mode, as the room sees it.
    tab.wait_for_element("#present").unwrap().click().unwrap();
    wait_until(&tab, "document.body.classList.contains('present')", 5);
    wait_until(
        &tab,
        "getComputedStyle(document.getElementById('chart-tabs')).display === 'flex'",
        5,
    );
    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
    let path = artefact_dir().join("presentation-mode.png");
    std::fs::write(&path, png).unwrap();
    eprintln!(
        "browser test: screenshots in {}",
        path.parent().unwrap().display()
    );
}

#[test]
fn a_company_scenario_picked_in_a_real_browser_redraws_when_a_lever_moves() {
    let _one_at_a_time = one_browser_at_a_time();
    let Some(browser) = start_browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = super::serve_company::tiny_company(dir.path());
    let server = Server::start(&[file.to_str().unwrap()]);
    let tab = browser.new_tab().unwrap();
    tab.navigate_to(&format!("{}/?scenario=typical", server.url))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    wait_until(
        &tab,
        "document.querySelectorAll('#scenario option').length > 1",
        30,
    );
    // The trainer picks the company in the scenario picker (the followed careers' run in
    // progress is replaced).
    eval(
        &tab,
        "(() => { const s = document.getElementById('scenario'); s.value = 'tiny-company'; \
         s.dispatchEvent(new Event('change')); return true; })()",
    );
    wait_until(
        &tab,
        "document.getElementById('words-failure').textContent === 'lost money'",
        30,
    );
    wait_until(&tab, REFINED, 90);
    let cohorts_svg = "document.querySelector('#chart-company-cohorts svg').outerHTML";
    let before = eval(&tab, FAILURE);
    let chart_before = eval(&tab, cohorts_svg);
    assert!(
        eval(&tab, "document.getElementById('later').textContent")
            .as_str()
            .unwrap()
            .contains("founders"),
        "no 'the later you join' line"
    );
    // The world's own levers are on the page, above the person's.
    tab.wait_for_element(r#"input.field[data-key="market.size"]"#)
        .unwrap();
    let field = tab
        .wait_for_element(r#"input.field[data-key="economics.monthly_expenses"]"#)
        .unwrap();
    field
        .call_js_fn("function() { this.value = ''; }", vec![], false)
        .unwrap();
    field.type_into("300").unwrap();
    tab.press_key("Enter").unwrap();
    wait_until(&tab, &format!("{FAILURE} !== {before}"), 60);
    wait_until(&tab, REFINED, 90);
    let after = eval(&tab, FAILURE);
    let parse = |v: &serde_json::Value| -> f64 {
        v.as_str().unwrap().trim_end_matches('%').parse().unwrap()
    };
    // Six times the monthly expenses can only leave more people losing money.
    assert!(parse(&after) > parse(&before), "{before} -> {after}");
    assert_ne!(
        eval(&tab, cohorts_svg),
        chart_before,
        "the cohort chart did not change"
    );
    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    std::fs::write(artefact_dir().join("company-mode.png"), png).unwrap();
}
