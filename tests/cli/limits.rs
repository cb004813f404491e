//! Every documented limit (docs/model.md, "Limits and work estimate"): accepted at the limit, refused at limit + 1 with
//! exit status 2 and a message naming the key and the limit. And the up-front work estimate:
//! runaway downlines are refused before anything runs, reasonable scenarios are not.

use assert_cmd::Command;

/// `mlm-sim check` on a scenario made of `lines` plus `extra` arguments.
fn check(lines: &str, extra: &[String]) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("limits.toml");
    std::fs::write(&file, format!("name = \"limits\"\n{lines}\n")).unwrap();
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .arg("check")
        .arg(&file)
        .args(extra)
        .assert()
}

fn refused_with(lines: &str, extra: &[String], needles: &[&str]) {
    let assert = check(lines, extra).code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "expected `{n}` in: {stderr}");
    }
}

#[test]
fn months_limit_is_600() {
    check("months = 600", &[]).success();
    refused_with("months = 601", &[], &["`months`", "601", "1 to 600"]);
}

#[test]
fn careers_limit_is_one_billion() {
    check("careers = 1000000000", &[]).success();
    refused_with(
        "careers = 1000000001",
        &[],
        &["`careers`", "1000000001", "1 to 1000000000", "shards"],
    );
}

#[test]
fn downline_depth_limit_is_6() {
    check("[downline]\ndepth = 6", &[]).success();
    refused_with(
        "[downline]\ndepth = 7",
        &[],
        &["`downline.depth`", "0 to 6", "recruits^depth"],
    );
}

#[test]
fn commission_levels_limit_is_10() {
    let rates = |n: usize| vec!["0.01"; n].join(", ");
    check(
        &format!("[economics]\ncommission_rates = [{}]", rates(10)),
        &[],
    )
    .success();
    refused_with(
        &format!("[economics]\ncommission_rates = [{}]", rates(11)),
        &[],
        &["`economics.commission_rates`", "11 levels", "at most 10"],
    );
}

#[test]
fn cohort_size_limit_is_one_million() {
    check("cohort_size = 1000000", &[]).success();
    refused_with(
        "cohort_size = 1000001",
        &[],
        &["`cohort_size`", "1 to 1000000"],
    );
}

#[test]
fn downline_cap_limit_is_ten_million() {
    check("[downline]\nmax_size = 10000000", &[]).success();
    refused_with(
        "[downline]\nmax_size = 10000001",
        &[],
        &["`downline.max_size`", "1 to 10000000"],
    );
}

#[test]
fn set_override_count_limit_is_256() {
    let sets = |n: usize| -> Vec<String> {
        (0..n)
            .flat_map(|i| ["--set".to_string(), format!("seed={i}")])
            .collect()
    };
    check("", &sets(256)).success();
    refused_with("", &sets(257), &["257 --set overrides", "at most 256"]);
}

/// `mlm-sim run` of a shipped scenario with extra arguments, into a fresh folder.
fn run_shipped(extra: &[&str]) -> (tempfile::TempDir, assert_cmd::assert::Assert) {
    let dir = tempfile::tempdir().unwrap();
    let assert = Command::cargo_bin("mlm-sim")
        .unwrap()
        .args(["run", "--quiet", "scenarios/numbers-game.toml", "--out"])
        .arg(dir.path().join("out"))
        .args(extra)
        .assert();
    (dir, assert)
}

#[test]
fn runaway_downline_is_refused_before_anything_runs() {
    let (dir, assert) = run_shipped(&[
        // The direct parametrisation (no time budget), so the contact count drives the work.
        "--set",
        "time.hours_per_month=0",
        "--set",
        "prospecting.contacts_per_month=200",
        "--set",
        "prospecting.join_probability=0.2",
        "--set",
        "downline.depth=4",
        "--months",
        "36",
    ]);
    let assert = assert.code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr);
    for n in [
        "numbers-game.toml",
        "person-months",
        "--max-work",
        "`careers`",
        "`months`",
        "`downline.depth`",
        "`prospecting.contacts_per_month`",
        "`prospecting.join_probability`",
        "docs/model.md",
    ] {
        assert!(stderr.contains(n), "expected `{n}` in: {stderr}");
    }
    assert!(!dir.path().join("out").exists());
}

#[test]
fn max_work_flag_lowers_and_raises_the_limit() {
    let (_d, assert) = run_shipped(&["--careers", "200", "--max-work", "1000"]);
    let stderr = String::from_utf8_lossy(&assert.code(2).get_output().stderr).into_owned();
    assert!(stderr.contains("above the limit of 1,000"), "{stderr}");
    let (dir, assert) = run_shipped(&["--careers", "200", "--max-work", "1e12"]);
    assert.success();
    assert!(dir.path().join("out/numbers-game/summary.json").exists());
    let (_d, assert) = run_shipped(&["--careers", "200", "--max-work=-3"]);
    let stderr = String::from_utf8_lossy(&assert.code(2).get_output().stderr).into_owned();
    assert!(stderr.contains("--max-work"), "{stderr}");
}

#[test]
fn reasonable_shipped_scenario_is_not_refused() {
    // The default-size shipped scenarios are checked against the default limit in the unit
    // tests (model::estimate); here a short run through the binary with the default limit.
    let (dir, assert) = run_shipped(&["--careers", "300"]);
    assert.success();
    assert!(dir.path().join("out/numbers-game/summary.json").exists());
}

#[test]
fn check_prints_the_expected_work() {
    let assert = Command::cargo_bin("mlm-sim")
        .unwrap()
        .args(["check", "scenarios/relationship.toml"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout);
    assert!(stdout.contains("expected work: about"), "{stdout}");
}
