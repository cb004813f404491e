//! `compare`, `sweep`, `sensitivity` and `--precision`: paired differences, monotone sweeps,
//! lever ranking, bad input, and files that agree with the terminal.

use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use assert_cmd::Command;
use predicates::str::contains;

use super::support::shipped;
use mlm_sim::engine::{run_paired, Hooks};
use mlm_sim::model::Model;
use mlm_sim::stats::paired::{unpaired_share_difference, Binary};

fn mlm() -> Command {
    Command::cargo_bin("mlm-sim").unwrap()
}

fn scenario_path(name: &str) -> String {
    format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"))
}

/// Half-widths (paired, unpaired) of the failure-rate difference between two scenarios run on
/// the same careers.
fn half_widths(a: &mlm_sim::scenario::Scenario, b: &mlm_sim::scenario::Scenario) -> (f64, f64) {
    let s = vec![a.clone(), b.clone()];
    let models: Vec<Model> = s.iter().map(Model::new).collect();
    let cancel = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &|_| {},
        cancel: &cancel,
    };
    let p = run_paired(&s, &models, 0..a.careers, &hooks).unwrap();
    let n = a.careers;
    let pa = p.tallies[0].failures() as f64 / n as f64;
    let pb = p.tallies[1].failures() as f64 / n as f64;
    let paired = p.pair(0, 1).share_difference(Binary::Failed);
    let unpaired = unpaired_share_difference(pa, pb, n);
    assert!((paired.diff - unpaired.diff).abs() < 1e-12);
    (paired.half_width(), unpaired.half_width())
}

#[test]
fn paired_interval_is_narrower_than_two_independent_runs_would_give() {
    // The shipped pair differs in the whole recruiting style; common luck still helps.
    let sets = ["careers=2000"];
    let (paired, unpaired) = half_widths(
        &shipped("numbers-game", &sets),
        &shipped("relationship", &sets),
    );
    assert!(
        paired < unpaired,
        "paired ±{paired} vs unpaired ±{unpaired}"
    );
    // A pair differing in one lever: most careers end the same way under both, so the
    // paired interval is far tighter (here less than half as wide).
    let (paired, unpaired) = half_widths(
        &shipped("relationship", &sets),
        &shipped("relationship", &["careers=2000", "training.quality=0.35"]),
    );
    assert!(
        paired < 0.5 * unpaired,
        "paired ±{paired} vs unpaired ±{unpaired}"
    );
}

fn read_csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn num(row: &std::collections::HashMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = {:?}", row[col]))
}

#[test]
fn compare_writes_every_file_and_the_csv_agrees_with_the_terminal_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = mlm()
        .args([
            "compare",
            &scenario_path("numbers-game"),
            &scenario_path("relationship"),
        ])
        .args(["--careers", "1000", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    let folder = dir
        .path()
        .join("compare-numbers-game-vs-relationship-recruiting");
    for f in [
        "comparison.csv",
        "report.html",
        "survival.svg",
        "quit-reasons.svg",
        "net-income.svg",
        "failure-rate-numbers-game.svg",
        "failure-rate-relationship-recruiting.svg",
    ] {
        assert!(folder.join(f).is_file(), "{f} missing");
    }
    let rows = read_csv(&folder.join("comparison.csv"));
    let row = |scenario: &str, metric: &str| {
        rows.iter()
            .find(|r| r["scenario"] == scenario && r["metric"] == metric)
            .unwrap_or_else(|| panic!("no row {scenario}/{metric}"))
            .clone()
    };
    let a = row("Numbers game", "failure_rate");
    let b = row("Relationship recruiting", "failure_rate");
    assert_eq!(a["diff_vs_first"], "");
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("Failure rate"))
        .expect("a failure-rate line");
    let pct = |v: f64| format!("{:.1}%", 100.0 * v);
    assert!(line.contains(&pct(num(&a, "value"))), "{line}");
    assert!(line.contains(&pct(num(&b, "value"))), "{line}");
    let (d, lo, hi) = (
        num(&b, "diff_vs_first"),
        num(&b, "diff_ci_low"),
        num(&b, "diff_ci_high"),
    );
    assert!((d - (num(&b, "value") - num(&a, "value"))).abs() < 1e-12);
    assert!(lo < d && d < hi);
    assert!(
        line.contains(&format!("{:.1} to {:.1}", 100.0 * lo, 100.0 * hi)),
        "{line}"
    );
    // The verdict names the second scenario and says which way, with the interval.
    let word = if hi < 0.0 { "fewer" } else { "more" };
    assert!(
        stdout.contains(&format!(
            "Relationship recruiting: {:.1} points {word} failures",
            (100.0 * d).abs()
        )),
        "{stdout}"
    );
    let html = fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(html.contains("<svg") && !html.contains("<script"));
    // The page inlines the chart files' very bytes, never a second drawing.
    let svg_files: Vec<_> = fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
        .collect();
    assert_eq!(html.matches("<svg").count(), svg_files.len());
    for svg in &svg_files {
        let bytes = fs::read_to_string(svg).unwrap();
        assert!(
            html.contains(&bytes),
            "report.html does not embed {}",
            svg.display()
        );
    }
    assert!(html.contains("Relationship recruiting"));
}

#[test]
fn compare_refuses_scenarios_with_different_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other-seed.toml");
    let text = fs::read_to_string(scenario_path("relationship"))
        .unwrap()
        .replace("seed = 1 ", "seed = 2 ");
    assert!(text.contains("seed = 2 "));
    fs::write(&other, text).unwrap();
    mlm()
        .args(["compare", &scenario_path("numbers-game")])
        .arg(&other)
        .args(["--careers", "100", "--out"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("same seed"))
        .stderr(contains("--seed 1"));
    // --seed makes them comparable.
    mlm()
        .args(["compare", &scenario_path("numbers-game")])
        .arg(&other)
        .args(["--careers", "100", "--seed", "3", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
}

#[test]
fn sweep_failure_rate_falls_as_training_quality_rises() {
    let dir = tempfile::tempdir().unwrap();
    mlm()
        .args(["sweep", &scenario_path("relationship")])
        .args(["--param", "training.quality", "--range", "0:0.6:3"])
        .args(["--careers", "1000", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let folder = dir
        .path()
        .join("sweep-relationship-recruiting-training-quality");
    assert!(folder.join("failure-rate.svg").is_file());
    assert!(folder.join("quit-reasons.svg").is_file());
    let rows = read_csv(&folder.join("sweep.csv"));
    let values: Vec<f64> = rows.iter().map(|r| num(r, "value")).collect();
    assert_eq!(values, vec![0.0, 0.3, 0.6]);
    for w in rows.windows(2) {
        // Better training converts more prospects and keeps more customers: fewer failures.
        // The 95% intervals must not even overlap.
        assert!(
            num(&w[1], "ci_high") < num(&w[0], "ci_low"),
            "{:?} then {:?}",
            w[0],
            w[1]
        );
    }
    for r in &rows[1..] {
        assert!(num(r, "diff_ci_high") < 0.0, "{r:?}");
    }
    for r in &rows {
        let shares: f64 = r
            .iter()
            .filter(|(k, _)| k.starts_with("share_"))
            .map(|(_, v)| v.parse::<f64>().unwrap())
            .sum();
        assert!((shares - 1.0).abs() < 1e-9);
    }
}

#[test]
fn sweep_with_two_params_writes_a_heatmap_grid() {
    let dir = tempfile::tempdir().unwrap();
    mlm()
        .args(["sweep", &scenario_path("relationship")])
        .args(["--param", "training.quality=0:0.6:3"])
        .args(["--param", "rejection.sting", "--values", "0,0.02"])
        .args(["--careers", "200", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let folder = dir
        .path()
        .join("sweep-relationship-recruiting-training-quality-by-rejection-sting");
    assert!(folder.join("failure-rate-heatmap.svg").is_file());
    assert_eq!(read_csv(&folder.join("sweep.csv")).len(), 6);
}

#[test]
fn sweep_rejects_bad_param_names_and_ranges_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--param", "training.qualty", "--values", "0,1"],
            "did you mean `training.quality`",
        ),
        (
            &["--param", "training.quality", "--range", "1:0:3"],
            "lo (1) must be below hi (0)",
        ),
        (
            &["--param", "training.quality", "--range", "0:1:1"],
            "steps must be at least 2",
        ),
        (
            &["--param", "training.quality", "--range", "zero:1:3"],
            "`zero` is not a number",
        ),
        (
            &["--param", "training.quality", "--values", "0.5,1.5"],
            "value 1.5 is outside its valid range 0 to 1",
        ),
        (&["--param", "seed", "--values", "1,2"], "cannot be swept"),
        (
            &["--param", "training.quality"],
            "each --param needs its values",
        ),
        // Settings go through the scenario validation, like --set.
        (
            &["--param", "months", "--values", "12,700"],
            "key `months`: 700 is outside the allowed range",
        ),
    ];
    for (args, message) in cases {
        mlm()
            .args(["sweep", &scenario_path("relationship")])
            .args(*args)
            .args(["--careers", "50", "--out"])
            .arg(dir.path())
            .assert()
            .code(2)
            .stderr(contains(*message));
    }
    // Nothing was written.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn sensitivity_ranks_a_switched_off_lever_last() {
    let dir = tempfile::tempdir().unwrap();
    mlm()
        .args(["sensitivity", &scenario_path("numbers-game")])
        .args(["--set", "attrition.life_events_per_month=0"])
        .args(["--careers", "300", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let folder = dir.path().join("sensitivity-numbers-game");
    assert!(folder.join("tornado.svg").is_file());
    let rows = read_csv(&folder.join("sensitivity.csv"));
    let last = rows.last().unwrap();
    assert_eq!(last["key"], "attrition.life_events_per_month");
    assert_eq!(last["switched_off"], "true");
    assert_eq!(num(last, "value_low"), 0.0);
    assert_eq!(num(last, "value_high"), 0.0);
    assert_eq!(num(last, "swing_points"), 0.0);
    // The ranking is by swing, largest first, among levers that are on.
    let swings: Vec<f64> = rows[..rows.len() - 1]
        .iter()
        .map(|r| num(r, "swing_points"))
        .collect();
    assert!(swings.windows(2).all(|w| w[0] >= w[1]), "{swings:?}");
    assert!(swings[0] > 0.0);
    // Values move by ±20% (clamped to the key's range).
    let contacts = rows
        .iter()
        .find(|r| r["key"] == "prospecting.contacts_per_month")
        .unwrap();
    assert!((num(contacts, "value_low") - 0.8 * num(contacts, "value_base")).abs() < 1e-9);
    assert!((num(contacts, "value_high") - 1.2 * num(contacts, "value_base")).abs() < 1e-9);
}

fn summary_without_overrides(dir: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("overrides");
    v
}

#[test]
fn run_with_precision_stops_early_and_equals_a_plain_run_with_that_many_careers() {
    let a = tempfile::tempdir().unwrap();
    let out = mlm()
        .args(["run", &scenario_path("relationship")])
        .args(["--precision", "0.02", "--careers", "40000", "--out"])
        .arg(a.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    assert!(stdout.contains("known to ±"), "{stdout}");
    let precise = summary_without_overrides(&a.path().join("relationship-recruiting"));
    let careers = precise["careers"].as_u64().unwrap();
    assert!(careers < 40_000 && careers.is_multiple_of(100), "{careers}");
    let half = (precise["failure_rate_ci"][1].as_f64().unwrap()
        - precise["failure_rate_ci"][0].as_f64().unwrap())
        / 2.0;
    assert!(half < 0.02);
    let b = tempfile::tempdir().unwrap();
    mlm()
        .args(["run", &scenario_path("relationship")])
        .args(["--careers", &careers.to_string(), "--quiet", "--out"])
        .arg(b.path())
        .assert()
        .success();
    let plain = summary_without_overrides(&b.path().join("relationship-recruiting"));
    assert_eq!(precise, plain);
}

#[test]
fn compare_with_precision_reports_the_careers_it_took() {
    let dir = tempfile::tempdir().unwrap();
    mlm()
        .args([
            "compare",
            &scenario_path("relationship"),
            &scenario_path("relationship"),
        ])
        .args(["--set", "name=Relationship copy"])
        .args(["--precision", "0.05", "--careers", "20000", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        // Identical scenarios: every career agrees, the difference is exactly 0 at once.
        .stdout(contains("after 5,000 careers"))
        .stdout(contains("no clear difference"));
}

#[test]
fn study_commands_honour_format_chart_size_and_no_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("png");
    mlm()
        .args([
            "sweep",
            &scenario_path("relationship"),
            "--param",
            "training.quality",
        ])
        .args(["--values", "0.2,0.8", "--careers", "300", "--quiet"])
        .args(["--format", "png", "--chart-size", "640x360", "--out"])
        .arg(&out)
        .assert()
        .success();
    let folder = fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
    let png = fs::read(folder.join("failure-rate.png")).unwrap();
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!((img.width(), img.height()), (640, 360));
    assert!(!folder.join("failure-rate.svg").exists());

    let out = dir.path().join("none");
    mlm()
        .args([
            "compare",
            &scenario_path("numbers-game"),
            &scenario_path("relationship"),
        ])
        .args(["--careers", "300", "--quiet", "--no-charts", "--out"])
        .arg(&out)
        .assert()
        .success();
    let folder = fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
    let mut files: Vec<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["comparison.csv", "report.html"]);
}
