//! `mlm-sim serve` with company-world scenarios, through the real binary and real HTTP: the
//! page's numbers and files are `run`'s for the same settings and seed, bad company values are
//! refused with the validation message, A/B pairs replicate companies, and a company run stops
//! within a month of being replaced or of its page going away.
//!
//! The companies are tiny (a few thousand people, two years) so each test takes seconds.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::{json, Value};

use super::serve_support::Server;

/// company-typical.toml shrunk to a market of 4,000 people, 5 founders, 2 years and 3
/// replicate companies, written to `dir/tiny-company.toml`.
pub(super) fn tiny_company(dir: &std::path::Path) -> std::path::PathBuf {
    let path = format!(
        "{}/scenarios/company-typical.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let key = line.split('=').next().unwrap_or("").trim();
        let replaced = match key {
            "name" => "name = \"Tiny company\"",
            "founders" => "founders = 5",
            "years" => "years = 2",
            "replicates" => "replicates = 3",
            "size" => "size = 4000",
            _ => line,
        };
        out.push_str(replaced);
        out.push('\n');
    }
    for want in ["founders = 5", "years = 2", "replicates = 3", "size = 4000"] {
        assert!(
            out.contains(want),
            "company-typical.toml changed: no `{want}`"
        );
    }
    let file = dir.join("tiny-company.toml");
    std::fs::write(&file, out).unwrap();
    file
}

/// `mlm-sim run file <args> --format svg` into a fresh folder; the company's folder.
fn run_company(file: &std::path::Path, args: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let out = tempfile::tempdir().unwrap();
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .arg("run")
        .arg(file)
        .args(args)
        .args(["--quiet", "--threads", "1", "--format", "svg", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let folder = out.path().join("tiny-company");
    (out, folder)
}

/// The mean of `figure` in `company_concentration.csv` text.
fn concentration_mean(csv: &str, figure: &str) -> f64 {
    csv.lines()
        .find_map(|l| l.strip_prefix(&format!("{figure},")))
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_else(|| panic!("no {figure} in {csv}"))
        .parse()
        .unwrap()
}

fn download(server: &Server, current: &Value, file: &str) -> Vec<u8> {
    let (status, bytes) = server.post_bytes(
        "/api/download",
        &json!({ "session": "dl", "current": current, "file": file }),
    );
    assert_eq!(status, 200, "{file}: {}", String::from_utf8_lossy(&bytes));
    bytes
}

#[test]
fn a_company_scenarios_page_numbers_and_files_equal_run_for_the_same_settings_and_seed() {
    let dir = tempfile::tempdir().unwrap();
    let file = tiny_company(dir.path());
    let server = Server::start(&[file.to_str().unwrap()]);
    let (_, catalog) = server.get("/api/catalog");
    let catalog: Value = serde_json::from_str(&catalog).unwrap();
    let first = &catalog["scenarios"][0];
    assert_eq!(first["kind"], "company");
    assert_eq!(first["replicates"], 3);
    assert_eq!(first["values"]["market.size"]["mean"], 4000.0);
    let id = first["id"].as_str().unwrap().to_string();
    // The shipped company scenario is offered too, and the world's levers are listed.
    assert!(catalog["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == "company-typical"));
    let world_keys: Vec<&str> = catalog["company_groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["levers"].as_array().unwrap())
        .map(|l| l["key"].as_str().unwrap())
        .collect();
    for k in ["market.size", "company.founders", "plan.rank_override"] {
        assert!(world_keys.contains(&k), "no lever for {k}");
    }

    let current = json!({ "scenario": id, "settings": { "economics.monthly_expenses": "70" } });
    // As the page refines: one company first, then the other two continue from it.
    let mut res = Value::Null;
    for n in [1, 3] {
        let (status, body) = server.post(
            "/api/run",
            &json!({ "session": "c1", "current": current, "replicates": n }),
        );
        assert_eq!(status, 200, "{body}");
        res = body;
    }
    assert_eq!(res["kind"], "company");
    assert_eq!(res["continued_from"], 1, "the refinement started again");
    assert_eq!(res["replicates"], 3);
    assert_eq!(res["charts"].as_array().unwrap().len(), 4);

    let (_out, folder) = run_company(&file, &["--set", "economics.monthly_expenses=70"]);
    let h = &res["headline"];
    let csv = std::fs::read_to_string(folder.join("company_concentration.csv")).unwrap();
    for (page, figure) in [
        ("no_payments", "share_with_no_payment"),
        ("top1_share", "top_1%_share_of_commissions"),
    ] {
        let page = h[page]["mean"].as_f64().unwrap();
        let run = concentration_mean(&csv, figure);
        // The CSV writes six decimals.
        assert!(
            (page - run).abs() <= 5e-7,
            "{figure}: page {page}, run {run}"
        );
    }
    // Every file on offer is the very file `run` writes, charts included.
    for name in [
        "company_concentration.csv",
        "company_cohorts.csv",
        "company_over_time.csv",
        "summary.txt",
        "company-cohorts.svg",
        "company-lorenz.svg",
        "company_end_reasons.csv",
        "company-quit-reasons.svg",
    ] {
        let bytes = download(&server, &current, name);
        let want = std::fs::read(folder.join(name)).unwrap();
        assert!(bytes == want, "{name} differs from the file run writes");
    }
    let png = download(&server, &current, "company-over-time.png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    // The settings file reproduces the same company with a plain `run`.
    let toml = download(&server, &current, "scenario.toml");
    let again = dir.path().join("again");
    std::fs::create_dir(&again).unwrap();
    let again_file = again.join("tiny-company.toml");
    std::fs::write(&again_file, &toml).unwrap();
    let (_out2, folder2) = run_company(&again_file, &[]);
    for name in ["company_concentration.csv", "company_cohorts.csv"] {
        assert_eq!(
            std::fs::read(folder2.join(name)).unwrap(),
            std::fs::read(folder.join(name)).unwrap(),
            "{name}: the downloaded scenario.toml does not reproduce the page"
        );
    }
}

#[test]
fn the_first_sketch_is_a_labelled_tenth_size_company_that_run_reproduces() {
    let dir = tempfile::tempdir().unwrap();
    let file = tiny_company(dir.path());
    let server = Server::start(&[file.to_str().unwrap()]);
    let (status, res) = server.post(
        "/api/run",
        &json!({ "session": "s1", "current": { "scenario": "tiny-company" }, "replicates": 1, "sketch": true }),
    );
    assert_eq!(status, 200, "{res}");
    let words = res["sketch"].as_str().unwrap();
    assert!(
        words.contains("1/10 scale") && words.contains("market 400"),
        "{words}"
    );
    assert_eq!(res["headline"]["words"]["precision"], words);
    // 5 founders / 10 rounds down to 0: at least one founder.
    let (_out, folder) = run_company(
        &file,
        &[
            "--set",
            "company.founders=1",
            "--set",
            "market.size=400",
            "--set",
            "company.max_participants=2000000",
            "--set",
            "company.replicates=1",
        ],
    );
    let csv = std::fs::read_to_string(folder.join("company_concentration.csv")).unwrap();
    let page = res["headline"]["no_payments"]["mean"].as_f64().unwrap();
    let run = concentration_mean(&csv, "share_with_no_payment");
    assert!((page - run).abs() <= 5e-7, "page {page}, run {run}");
}

#[test]
fn bad_company_values_get_a_4xx_with_the_validation_message_and_nothing_runs() {
    let server = Server::start(&[]);
    let cases: &[(&str, &str, &[&str])] = &[
        ("market.size", "10", &["market.size", "founders"]),
        ("company.years", "0", &["company.years"]),
        (
            "plan.rank_override",
            "[0.05, 0.02]",
            &["plan.rank_override", "strictly higher"],
        ),
        ("company.founders", "many", &["company.founders"]),
        (
            "company.max_participants",
            "1000000000",
            &["company.max_participants", "memory"],
        ),
        ("company.replicates", "1000", &["--max-work"]),
    ];
    for (key, value, words) in cases {
        // A market as big as the cap, so the cap is what binds.
        let mut settings = json!({ *key: *value });
        if *key == "company.max_participants" {
            settings["market.size"] = json!("1000000000");
        }
        let (status, body) = server.post(
            "/api/run",
            &json!({
                "session": "bad",
                "current": { "scenario": "company-typical", "settings": settings },
            }),
        );
        let shown: String = body.to_string().chars().take(300).collect();
        assert_eq!(status, 422, "{key}={value}: {shown}");
        let msg = body["error"].as_str().unwrap();
        for w in *words {
            assert!(msg.contains(w), "{key}={value}: `{msg}` lacks `{w}`");
        }
    }
    // A company counts replicates, not careers.
    let (status, body) = server.post(
        "/api/run",
        &json!({ "session": "bad", "current": { "scenario": "company-typical" }, "careers": 10 }),
    );
    assert_eq!(status, 400, "{body}");
    let (status, body) = server.post(
        "/api/download",
        &json!({ "session": "bad", "current": { "scenario": "company-typical" }, "file": "survival.svg" }),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("company-lorenz"));
    let status = server.status();
    assert_eq!(status["runs_finished"], 0, "nothing may have run: {status}");
}

#[test]
fn ab_mode_pairs_replicate_companies_and_higher_expenses_lose_more_people_money() {
    let dir = tempfile::tempdir().unwrap();
    let file = tiny_company(dir.path());
    let server = Server::start(&[file.to_str().unwrap()]);
    let body = json!({
        "session": "ab",
        "pinned": { "scenario": "tiny-company" },
        "current": { "scenario": "tiny-company", "settings": { "economics.monthly_expenses": "150" } },
        "replicates": 3,
    });
    let (status, res) = server.post("/api/run", &body);
    assert_eq!(status, 200, "{res}");
    let ab = &res["ab"];
    let row = ab["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "lost_money")
        .unwrap();
    let [d, lo, hi] = [0, 1, 2].map(|i| row["diff_values"][i].as_f64().unwrap());
    assert!(lo <= d && d <= hi, "{row}");
    // The paired mean difference is the difference of the means.
    let b = res["headline"]["lost_money"]["mean"].as_f64().unwrap();
    let a = ab["a"]["lost_money"]["mean"].as_f64().unwrap();
    assert!((b - a - d).abs() < 1e-12, "{b} - {a} vs {d}");
    // Three times the monthly expenses cannot leave fewer people losing money.
    assert!(d > 0.0, "{ab}");
}

/// Start a company of the shipped size (ten companies of ten years in a 2-million market:
/// tens of seconds at the least) from `session`, on a plain socket; the socket is returned
/// once the server shows the run computing.
fn start_big_company(server: &Server, session: &str, close: bool) -> std::net::TcpStream {
    let addr = server.url.trim_start_matches("http://").to_string();
    let mut sock = std::net::TcpStream::connect(&addr).unwrap();
    let body =
        json!({ "session": session, "current": { "scenario": "company-typical" } }).to_string();
    write!(
        sock,
        "POST /api/run HTTP/1.1\r\nHost: {addr}\r\n{}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        if close { "Connection: close\r\n" } else { "" },
        body.len()
    )
    .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while server.status()["runs_in_flight"] != 1 {
        assert!(Instant::now() < until, "the big company never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    sock
}

fn wait_idle(server: &Server, secs: u64) -> Duration {
    let started = Instant::now();
    while server.status()["runs_in_flight"] != 0 {
        assert!(
            started.elapsed() < Duration::from_secs(secs),
            "a company nobody waits for is still computing: {}",
            server.status()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    started.elapsed()
}

#[test]
fn a_company_run_stops_within_a_month_when_replaced_or_when_its_page_goes_away() {
    let server = Server::start(&[]);
    // Replaced by a newer request from the same page.
    let mut sock = start_big_company(&server, "big", true);
    let (status, body) = server.post(
        "/api/run",
        &json!({
            "session": "big",
            "current": { "scenario": "company-typical", "settings": { "market.size": "2000", "company.years": "1" } },
            "replicates": 1,
        }),
    );
    assert_eq!(status, 200, "{body}");
    let mut answer = String::new();
    sock.set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let _ = sock.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");
    wait_idle(&server, 5);

    // The page closed: the (keep-alive, as a browser's) connection goes away, and nobody
    // will read the answer.
    let sock = start_big_company(&server, "gone", false);
    drop(sock);
    let took = wait_idle(&server, 5);
    eprintln!("a closed connection's company stopped after {took:?}");
    let s = server.status();
    assert_eq!(s["runs_cancelled"], 2, "{s}");
    assert_eq!(s["runs_finished"], 1, "{s}");
}
