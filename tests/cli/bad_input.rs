//! Every class of bad input, through the real binary: exit status 2, an error that names the
//! file, the key and the line (or the flag), no output folder, and never a panic.

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

/// A scenario file in a fresh temporary folder.
fn scenario_file(text: &str) -> (TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// Run `mlm-sim run <file> --out <dir>/out <extra>` and check the common promises of a
/// rejected input; returns stderr for the specific checks.
fn rejected(dir: &Path, file: &Path, extra: &[&str]) -> String {
    let out = dir.join("out");
    let assert = Command::cargo_bin("mlm-sim")
        .unwrap()
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .args(extra)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("error:"), "{stderr}");
    assert!(!out.exists(), "an output folder was written for bad input");
    stderr
}

fn assert_names(stderr: &str, parts: &[&str]) {
    for p in parts {
        assert!(stderr.contains(p), "expected `{p}` in: {stderr}");
    }
}

#[test]
fn unknown_key_is_rejected_with_line_and_a_suggestion() {
    let (dir, file) = scenario_file("name = \"x\"\n[prospecting]\ncontacts_per_mnth = 3\n");
    let err = rejected(dir.path(), &file, &[]);
    assert_names(
        &err,
        &[
            "bad.toml",
            "line 3",
            "prospecting.contacts_per_mnth",
            "did you mean `prospecting.contacts_per_month`",
        ],
    );
}

#[test]
fn unknown_top_level_key_suggests_the_setting() {
    let (dir, file) = scenario_file("name = \"x\"\nseeed = 3\n");
    let err = rejected(dir.path(), &file, &[]);
    assert_names(
        &err,
        &["bad.toml", "line 2", "seeed", "did you mean `seed`"],
    );
}

#[test]
fn wrong_type_names_what_was_expected_and_found() {
    let (dir, file) = scenario_file("name = \"x\"\n[economics]\nstarter_kit = \"cheap\"\n");
    let err = rejected(dir.path(), &file, &[]);
    assert_names(
        &err,
        &[
            "bad.toml",
            "line 3",
            "economics.starter_kit",
            "expected a number",
            "cheap",
        ],
    );
}

#[test]
fn probability_above_one_is_rejected_with_the_allowed_range() {
    let (dir, file) = scenario_file("name = \"x\"\n\n[prospecting]\njoin_probability = 1.5\n");
    let err = rejected(dir.path(), &file, &[]);
    assert_names(
        &err,
        &[
            "bad.toml",
            "line 4",
            "prospecting.join_probability",
            "1.5",
            "0 to 1",
        ],
    );
}

#[test]
fn negative_probability_is_rejected() {
    let (dir, file) = scenario_file("name = \"x\"\n[attrition]\nlife_events_per_month = -0.1\n");
    let err = rejected(dir.path(), &file, &[]);
    assert_names(
        &err,
        &["line 3", "attrition.life_events_per_month", "0 to 1"],
    );
}

#[test]
fn nan_and_infinity_are_rejected_as_not_finite() {
    for value in ["nan", "inf", "-inf"] {
        let (dir, file) = scenario_file(&format!("name = \"x\"\n[rejection]\nsting = {value}\n"));
        let err = rejected(dir.path(), &file, &[]);
        assert_names(&err, &["bad.toml", "line 3", "rejection.sting", "finite"]);
    }
}

#[test]
fn nan_inside_a_distribution_is_rejected() {
    let (dir, file) =
        scenario_file("name = \"x\"\n[prospecting]\njoin_probability = { beta = [nan, 2] }\n");
    let err = rejected(dir.path(), &file, &[]);
    assert_names(&err, &["line 3", "prospecting.join_probability", "finite"]);
}

#[test]
fn negative_money_is_rejected_as_negative() {
    let (dir, file) = scenario_file("name = \"x\"\n[economics]\nmonthly_purchase = -100\n");
    let err = rejected(dir.path(), &file, &[]);
    assert_names(
        &err,
        &["line 3", "economics.monthly_purchase", "cannot be negative"],
    );
}

#[test]
fn zero_careers_is_rejected_from_the_file_and_from_the_flag() {
    let (dir, file) = scenario_file("name = \"x\"\ncareers = 0\n");
    let err = rejected(dir.path(), &file, &[]);
    assert_names(&err, &["bad.toml", "line 2", "careers", "1 to 1000000000"]);
    let (dir, file) = scenario_file("name = \"x\"\n");
    let err = rejected(dir.path(), &file, &["--careers", "0"]);
    assert_names(&err, &["--careers 0", "careers", "1 to 1000000000"]);
}

#[test]
fn absurd_sizes_are_rejected_with_the_limit() {
    for (line, key, limit) in [
        ("months = 100000", "months", "600"),
        ("careers = 99999999999999", "careers", "1000000000"),
        ("cohort_size = 123456789012", "cohort_size", "1000000"),
        (
            "prospecting.contacts_per_month = 1e30",
            "prospecting.contacts_per_month",
            "10000",
        ),
        (
            "economics.starter_kit = 1e300",
            "economics.starter_kit",
            "10000000",
        ),
    ] {
        let (dir, file) = scenario_file(&format!("name = \"x\"\n{line}\n"));
        let err = rejected(dir.path(), &file, &[]);
        assert_names(&err, &["bad.toml", "line 2", key, limit]);
    }
}

#[test]
fn missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("does-not-exist.toml");
    let err = rejected(dir.path(), &file, &[]);
    assert_names(&err, &["does-not-exist.toml", "cannot read the file"]);
}

#[test]
fn invalid_toml_is_rejected_with_its_line() {
    let (dir, file) =
        scenario_file("name = \"x\"\nmonths = 24\n[prospecting\ncontacts_per_month = 3\n");
    let err = rejected(dir.path(), &file, &[]);
    assert_names(&err, &["bad.toml", "line 3", "not valid TOML"]);
}

#[test]
fn binary_garbage_is_rejected_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, [0xff, 0xfe, 0x00, 0x9f, 0x92, 0x96]).unwrap();
    let err = rejected(dir.path(), &file, &[]);
    assert_names(&err, &["bad.toml"]);
}

#[test]
fn bad_override_names_the_flag() {
    let (dir, file) = scenario_file("name = \"x\"\n");
    let err = rejected(dir.path(), &file, &["--set", "rejection.sting=2"]);
    assert_names(
        &err,
        &[
            "bad.toml",
            "from the command line: rejection.sting=2",
            "rejection.sting",
            "0 to 1",
        ],
    );
    let err = rejected(dir.path(), &file, &["--set", "rejection.stong=0.1"]);
    assert_names(&err, &["did you mean `rejection.sting`"]);
    let err = rejected(dir.path(), &file, &["--set", "no-equals-sign"]);
    assert_names(&err, &["--set", "key.path=value"]);
}

#[test]
fn a_bad_second_scenario_stops_the_run_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "name = \"good\"\ncareers = 10\n").unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"bad\"\nmonths = 0\n").unwrap();
    let out = dir.path().join("out");
    let assert = Command::cargo_bin("mlm-sim")
        .unwrap()
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(&good)
        .arg(&bad)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr);
    assert!(
        stderr.contains("bad.toml") && stderr.contains("months"),
        "{stderr}"
    );
    assert!(!out.exists());
}
