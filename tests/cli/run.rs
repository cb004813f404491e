//! The `run` and `check` commands through the real binary.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn mlm() -> Command {
    Command::cargo_bin("mlm-sim").unwrap()
}

fn scenario_path(name: &str) -> String {
    format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"))
}

fn run_json(args: &[&str]) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = mlm()
        .arg("run")
        .args(args)
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = std::fs::read_to_string(dir.path().join("numbers-game/summary.json")).unwrap();
    (
        serde_json::from_str(&text).unwrap(),
        String::from_utf8(out).unwrap() + "\n" + &text,
    )
}

#[test]
fn run_prints_a_summary_and_writes_summary_json_with_every_headline_field() {
    let (json, combined) = run_json(&[&scenario_path("numbers-game"), "--careers", "2000"]);
    for key in [
        "scenario",
        "careers",
        "months",
        "seed",
        "failure_rate",
        "failure_rate_ci",
        "quit_reasons",
        "survival",
        "net_income",
        "profitable_share",
        "recruits_mean",
        "cohort_failure_rates",
    ] {
        assert!(json.get(key).is_some(), "summary.json lacks {key}");
    }
    for p in ["p5", "p25", "p50", "p75", "p95", "mean"] {
        assert!(json["net_income"].get(p).is_some());
    }
    assert_eq!(json["careers"], 2000);
    assert_eq!(json["survival"].as_array().unwrap().len(), 24);
    assert!(combined.contains("Failure rate"));
    assert!(combined.contains("month 12"));
    assert!(combined.contains("rejection burnout"));
}

#[test]
fn same_seed_gives_identical_summary_at_one_and_two_threads() {
    let args = [
        scenario_path("numbers-game"),
        "--careers".into(),
        "1500".into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (a, _) = run_json(&[&args[..], &["--threads", "1"]].concat());
    let (b, _) = run_json(&[&args[..], &["--threads", "2"]].concat());
    let (c, _) = run_json(&[&args[..], &["--threads", "2"]].concat());
    assert_eq!(a, b);
    assert_eq!(b, c);
    let (d, _) = run_json(&[&args[..], &["--seed", "99"]].concat());
    assert_ne!(a["failure_rate"], Value::Null);
    assert_ne!(
        a["net_income"], d["net_income"],
        "a different seed should change results"
    );
}

#[test]
fn set_overrides_a_key_and_is_recorded() {
    let (json, _) = run_json(&[
        &scenario_path("numbers-game"),
        "--careers",
        "500",
        "--months",
        "12",
        "--set",
        "economics.monthly_expenses=500",
        "--set",
        "rejection.sting={ beta = [2, 50] }",
    ]);
    assert_eq!(json["months"], 12);
    let overrides = json["overrides"].as_array().unwrap();
    assert!(overrides
        .iter()
        .any(|o| o == "economics.monthly_expenses=500"));
    // $500 a month of expenses ruins almost everyone quickly.
    assert!(json["quit_reasons"]["financial_loss"].as_f64().unwrap() > 0.5);
}

#[test]
fn quiet_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    mlm()
        .args([
            "run",
            &scenario_path("relationship"),
            "--careers",
            "200",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    assert!(dir
        .path()
        .join("relationship-recruiting/summary.json")
        .exists());
}

/// The value `check` prints for `key`: the text between `=` and the `#` of the comment on the
/// line that starts with the key, or `None` when no line does.
fn resolved_value(check_output: &str, key: &str) -> Option<String> {
    check_output.lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix(key)?;
        let value = rest.trim_start().strip_prefix('=')?;
        Some(value.split('#').next()?.trim().to_string())
    })
}

fn check_stdout(args: &[&str]) -> String {
    let out = mlm()
        .arg("check")
        .arg(scenario_path("numbers-game"))
        .args(args)
        .assert()
        .success()
        .stdout(predicate::str::contains("OK"))
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn check_prints_every_resolved_parameter() {
    let plain = check_stdout(&[]);
    let set = check_stdout(&["--set", "rejection.sting=0.03"]);
    // The override must show on the key's own line, and the file's value must differ from it,
    // or the test would pass without the override doing anything.
    assert_eq!(
        resolved_value(&set, "rejection.sting").as_deref(),
        Some("0.03"),
        "{set}"
    );
    let from_file = resolved_value(&plain, "rejection.sting").expect("rejection.sting line");
    assert_ne!(
        from_file, "0.03",
        "pick an override the scenario does not already use"
    );
    assert_eq!(
        resolved_value(&set, "prospecting.join_probability").as_deref(),
        Some("{ beta = [2, 73] }"),
        "{set}"
    );
}

#[test]
fn fails_with_line_and_suggestion_on_a_misspelt_key_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "name = \"bad\"\n[prospecting]\ncontacts_per_mnth = 5\n",
    )
    .unwrap();
    mlm()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml"))
        .stderr(predicate::str::contains("line 3"))
        .stderr(predicate::str::contains(
            "did you mean `prospecting.contacts_per_month`",
        ))
        .stderr(predicate::str::contains("panicked").not());
    assert!(!dir.path().join("out").exists());
}

#[test]
fn fails_on_a_bad_set_value_naming_the_override() {
    mlm()
        .args([
            "check",
            &scenario_path("numbers-game"),
            "--set",
            "prospecting.join_probability=1.7",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("prospecting.join_probability=1.7"))
        .stderr(predicate::str::contains("0 to 1"));
}
