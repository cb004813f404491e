//! `mlm-sim serve` through the real binary and real HTTP: the page's numbers are `run`'s,
//! bad values are refused with the validation message, a replaced run really stops, the
//! downloads reproduce, and nothing from a request reaches the file system.

use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::{json, Value};

use super::serve_support::{run_request, Server};

fn scenario_path(name: &str) -> String {
    format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"))
}

/// `mlm-sim run <args> --no-charts` into a temporary folder; the `summary.json` of `slug`.
fn run_summary(args: &[&str], slug: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .arg("run")
        .args(args)
        .args(["--no-charts", "--quiet", "--threads", "1", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join(slug).join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Two summaries equal in every number. `overrides` records how the settings were typed
/// (`--careers 2000` on the command line, `careers=2000` from the page), so it is left out.
fn assert_same_numbers(page: &Value, run: &Value) {
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("overrides");
        v
    };
    assert_eq!(strip(page), strip(run));
}

#[test]
fn serve_numbers_equal_run_for_the_same_settings_and_seed() {
    let server = Server::start(&[]);
    // As the page refines: a first picture of 600 careers, then 2000, which continues from
    // the first 600 (a cohort boundary) instead of starting again; the numbers must still be
    // exactly those of a plain run of 2000.
    let mut body = Value::Null;
    for careers in [600, 2000] {
        let (status, b) = server.post(
            "/api/run",
            &run_request(
                "t1",
                "typical",
                &[("prospecting.join_probability", "0.05")],
                Some(careers),
            ),
        );
        assert_eq!(status, 200, "{b}");
        body = b;
    }
    assert_eq!(body["continued_from"], 600, "the refinement started again");
    assert_eq!(body["careers"], 2000);
    assert_eq!(body["full_careers"], 100_000);
    let run = run_summary(
        &[
            &scenario_path("typical"),
            "--careers",
            "2000",
            "--set",
            "prospecting.join_probability=0.05",
        ],
        "typical",
    );
    assert_same_numbers(&body["summary"], &run);
    // The headline is read from that same summary.
    assert_eq!(body["headline"]["failure_rate"], run["failure_rate"]);
    assert_eq!(body["charts"].as_array().unwrap().len(), 5);
    for c in body["charts"].as_array().unwrap() {
        assert!(
            c["svg"].as_str().unwrap().starts_with("<svg"),
            "{}",
            c["stem"]
        );
    }
}

#[test]
fn downloaded_scenario_toml_reproduces_the_page_numbers_with_run() {
    let server = Server::start(&[]);
    let settings = json!({
        "scenario": "typical",
        "settings": {
            "rejection.sting": "0.03",
            "economics.loss_tolerance": "{ normal = [800, 200] }",
        },
        "means": { "rejection.resilience": 0.7 },
    });
    let (status, page) = server.post(
        "/api/run",
        &json!({ "session": "t2", "current": settings, "careers": 1500 }),
    );
    assert_eq!(status, 200, "{page}");
    let (status, toml) = server.post_bytes(
        "/api/download",
        &json!({ "session": "t2", "current": settings, "careers": 1500, "file": "scenario.toml" }),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&toml));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("workshop.toml");
    std::fs::write(&file, &toml).unwrap();
    let run = run_summary(&[file.to_str().unwrap()], "typical");
    assert_same_numbers(&page["summary"], &run);
    assert!(run["overrides"].as_array().unwrap().is_empty());
}

#[test]
fn chart_and_table_downloads_are_the_files_run_writes() {
    // A scenario given on the command line, with few careers in the file itself, so that the
    // download (no overrides) and `run` (no overrides) draw identical footnotes.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario_path("numbers-game"))
        .unwrap()
        .replace("careers = 100000", "careers = 1200");
    assert!(text.contains("careers = 1200"), "numbers-game.toml changed");
    let file = dir.path().join("small.toml");
    std::fs::write(&file, &text).unwrap();
    let server = Server::start(&[file.to_str().unwrap()]);
    let (_, catalog) = server.get("/api/catalog");
    let catalog: Value = serde_json::from_str(&catalog).unwrap();
    let first = &catalog["scenarios"][0];
    assert_eq!(first["careers"], 1200, "command-line scenarios come first");
    let id = first["id"].as_str().unwrap().to_string();
    let out = tempfile::tempdir().unwrap();
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .args(["run", "--quiet", "--format", "svg", "--out"])
        .arg(out.path())
        .arg(&file)
        .assert()
        .success();
    let folder = out.path().join(&id);
    for name in ["survival.svg", "summary.csv", "income-disclosure.csv"] {
        let (status, bytes) = server.post_bytes(
            "/api/download",
            &json!({ "session": "t3", "current": { "scenario": id }, "file": name }),
        );
        assert_eq!(status, 200, "{name}: {}", String::from_utf8_lossy(&bytes));
        let want = std::fs::read(folder.join(name)).unwrap();
        assert!(bytes == want, "{name} differs from the file run writes");
    }
    let (status, png) = server.post_bytes(
        "/api/download",
        &json!({ "session": "t3", "current": { "scenario": id }, "file": "net-income.png" }),
    );
    assert_eq!(status, 200);
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

/// Settings (key, TOML text), careers, and words the refusal must contain.
type BadCase<'a> = (&'a [(&'a str, &'a str)], Option<u64>, &'a [&'a str]);

#[test]
fn bad_values_get_a_4xx_with_the_validation_message_and_nothing_runs() {
    let server = Server::start(&["--max-careers", "50000"]);
    let cases: &[BadCase] = &[
        (&[("rejection.sting", "2")], None, &["rejection.sting", "1"]),
        (
            &[("rejection.stign", "0.1")],
            None,
            &["rejection.stign", "rejection.sting"],
        ),
        (
            &[("prospecting.join_probability", "lots")],
            None,
            &["prospecting.join_probability"],
        ),
        (&[], Some(60_000), &["--max-careers", "50,000"]),
    ];
    for (settings, careers, words) in cases {
        let (status, body) = server.post(
            "/api/run",
            &run_request("t4", "typical", settings, *careers),
        );
        assert_eq!(status, 422, "{settings:?}: {body}");
        let msg = body["error"].as_str().unwrap();
        for w in *words {
            assert!(msg.contains(w), "{settings:?}: `{msg}` lacks `{w}`");
        }
    }
    // The page's own value checks are the scenario file's: the same words as `run --set`.
    let run_err = Command::cargo_bin("mlm-sim")
        .unwrap()
        .args([
            "check",
            &scenario_path("typical"),
            "--set",
            "rejection.sting=2",
        ])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let (_, body) = server.post(
        "/api/run",
        &run_request("t4", "typical", &[("rejection.sting", "2")], None),
    );
    let page_msg = body["error"].as_str().unwrap();
    let tail = page_msg.split(": ").last().unwrap();
    assert!(
        String::from_utf8_lossy(&run_err).contains(tail),
        "page `{page_msg}` vs run `{}`",
        String::from_utf8_lossy(&run_err)
    );
    let (status, body) = server.post_raw("/api/run", b"{not json");
    assert!((400..500).contains(&status), "{status} {body}");
    let big = vec![b' '; 100 * 1024];
    let (status, _) = server.post_raw("/api/run", &big);
    assert_eq!(status, 413);
    let status = server.status();
    assert_eq!(status["runs_finished"], 0, "nothing may have run: {status}");
    assert_eq!(status["runs_cancelled"], 0, "{status}");
}

#[test]
fn no_path_from_a_request_reaches_the_file_system() {
    let server = Server::start(&[]);
    for path in [
        "/../Cargo.toml",
        "/scenarios/typical.toml",
        "/src/main.rs",
        "/%2e%2e/Cargo.toml",
    ] {
        let (status, _) = server.get(path);
        assert_eq!(status, 404, "{path}");
    }
    for scenario in ["../Cargo.toml", "scenarios/typical.toml", "/etc/passwd"] {
        let (status, body) = server.post("/api/run", &run_request("t5", scenario, &[], Some(100)));
        assert_eq!(status, 422, "{scenario}");
        assert!(body["error"].as_str().unwrap().contains("unknown scenario"));
    }
    let (status, body) = server.post(
        "/api/download",
        &json!({ "session": "t5", "current": { "scenario": "typical" }, "file": "../../Cargo.toml" }),
    );
    assert_eq!(status, 400, "{body}");
}

#[test]
fn a_newer_request_from_the_same_page_stops_the_run_in_progress() {
    // 20 million careers of typical.toml take minutes on two cores; the replaced run must
    // stop within a second or two, and the server must show nothing left computing.
    let server = Server::start(&["--max-careers", "20000000", "--max-work", "1e14"]);
    let url = server.url.clone();
    let slow = std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let started = Instant::now();
        let mut r = agent
            .post(format!("{url}/api/run"))
            .send_json(run_request("same-page", "typical", &[], Some(20_000_000)))
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.body_mut().read_json().unwrap();
        (status, body, started.elapsed())
    });
    let until = Instant::now() + Duration::from_secs(20);
    while server.status()["runs_in_flight"] != 1 {
        assert!(Instant::now() < until, "the slow run never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let (status, body) = server.post(
        "/api/run",
        &run_request(
            "same-page",
            "typical",
            &[("rejection.sting", "0.02")],
            Some(500),
        ),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body, took) = slow.join().unwrap();
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["cancelled"], true);
    assert!(
        took < Duration::from_secs(15),
        "the replaced run took {took:?}"
    );
    let s = server.status();
    assert_eq!(
        s["runs_in_flight"], 0,
        "a cancelled run is still computing: {s}"
    );
    assert_eq!(s["runs_cancelled"], 1, "{s}");
    assert_eq!(s["runs_finished"], 1, "{s}");
}

#[test]
fn ab_mode_pairs_the_careers_and_reports_the_difference_as_compare_does() {
    let server = Server::start(&[]);
    let mut res = Value::Null;
    // Refined as the page does: 700 careers, then 2000 continuing from them.
    for careers in [700, 2000] {
        let body = json!({
            "session": "t6",
            "pinned": { "scenario": "typical" },
            "current": { "scenario": "typical", "settings": { "attrition.life_events_per_month": "0.05" } },
            "careers": careers,
        });
        let (status, r) = server.post("/api/run", &body);
        assert_eq!(status, 200, "{r}");
        res = r;
    }
    assert_eq!(res["continued_from"], 700, "the refinement started again");
    let ab = &res["ab"];
    let [d, lo, hi] = [0, 1, 2].map(|i| ab["failure_diff"][i].as_f64().unwrap());
    assert!(lo <= d && d <= hi);
    // More quits for life events cannot lower failures on the same careers (a quitter has
    // failed). (Was a harsher sting; since issue 13's refit typical's quits come from
    // awkwardness and losses, and the sting moves failures too little for a clear verdict.)
    assert!(d > 0.0, "{ab}");
    // A is exactly the unmodified scenario, B exactly the moved one.
    let a = run_summary(&[&scenario_path("typical"), "--careers", "2000"], "typical");
    assert_eq!(ab["a"]["failure_rate"], a["failure_rate"]);
    let diff =
        res["summary"]["failure_rate"].as_f64().unwrap() - a["failure_rate"].as_f64().unwrap();
    assert!((diff - d).abs() < 1e-12, "{diff} vs {d}");
    assert!(
        ab["verdict"].as_str().unwrap().contains("more failures"),
        "{ab}"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_cleanly_and_other_hosts_get_a_warning() {
    let mut server = Server::start(&[]);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    let (status, page) = server.get("/");
    assert_eq!(status, 200);
    assert!(page.contains("<script src=\"/app.js\""));
    std::process::Command::new("kill")
        .args(["-INT", &server.pid().to_string()])
        .status()
        .unwrap();
    let exit = server.wait_exit(10).expect("the server stops on Ctrl-C");
    assert!(exit.success(), "{exit:?}");

    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("mlm-sim"))
        .args(["serve", "--host", "0.0.0.0", "--port", "99999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a bad port is bad input");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mlm-sim"))
        .args(["serve", "--host", "0.0.0.0", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stderr.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("warning: listening on 0.0.0.0"), "{line}");
}
