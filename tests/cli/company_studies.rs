//! Studies, calibration and validation on the company world (issue 13), through the real
//! binary: sweep, compare and sensitivity report every figure with intervals across replicate
//! companies and paired changes; validate prints the side-by-side table of published figures;
//! calibrate fits a company scenario; bad input exits 2 with nothing written.
//!
//! Direction checks use the paired interval the binary itself reports (a lever that must move a
//! figure moves it with a 95% interval that excludes 0), never numbers from an earlier run.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A small company: cheap enough to simulate dozens of variants in a test.
const SMALL: &str = "name = \"tiny company\"\nkind = \"company\"\nseed = 3\n[company]\nfounders = 5\nyears = 2\nreplicates = 8\n[market]\nsize = 4000\n[prospecting]\ncontacts_per_month = 10\njoin_probability = 0.05\ncustomer_probability = 0.05\n[economics]\nmonthly_purchase = 50\ncommission_rates = [0.1, 0.05]\n[attrition]\nlife_events_per_month = 0.05\n";

fn mlm() -> Command {
    Command::cargo_bin("mlm-sim").unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// Rows of a CSV file as maps from column name to text.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
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
fn a_company_sweep_reports_every_figure_with_intervals_and_paired_changes() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "c.toml", SMALL);
    let out = dir.path().join("out");
    let a = mlm()
        .args(["sweep", file.to_str().unwrap()])
        .args(["--param", "prospecting.join_probability=0.02,0.08"])
        .args(["--metric", "top_1pct_commission_share", "--format", "svg"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(
        text.contains("2 variant(s) x 8 replicate companies"),
        "{text}"
    );
    assert!(text.contains("mean (95% CI across companies)"), "{text}");
    let folder = out.join("sweep-tiny-company-prospecting-join-probability");
    assert!(folder.join("company-sweep.svg").is_file());
    let rows = csv_rows(&folder.join("sweep.csv"));
    // Both points, every headline figure, the chosen metric first.
    assert_eq!(rows[0]["metric"], "top_1pct_commission_share");
    let pen: Vec<_> = rows
        .iter()
        .filter(|r| r["metric"] == "penetration")
        .collect();
    assert_eq!(pen.len(), 2);
    for r in &rows {
        if r["mean"] != "NaN" {
            assert!(num(r, "ci_low") <= num(r, "mean") && num(r, "mean") <= num(r, "ci_high"));
        }
    }
    // Direction: four times the join probability reaches more of the market, company by company.
    assert!(pen[1]["change_vs_first"].parse::<f64>().unwrap() > 0.0);
    assert!(num(pen[1], "change_ci_low") > 0.0, "{:?}", pen[1]);
    assert_eq!(pen[0]["change_vs_first"], "");
}

#[test]
fn company_sensitivity_ranks_levers_by_any_metric_with_paired_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "c.toml", SMALL);
    let out = dir.path().join("out");
    let a = mlm()
        .args(["sensitivity", file.to_str().unwrap()])
        .args([
            "--metric",
            "penetration",
            "--delta",
            "0.5",
            "--format",
            "svg",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(text.contains("on penetration"), "{text}");
    let folder = out.join("sensitivity-tiny-company");
    assert!(folder.join("tornado.svg").is_file());
    let rows = csv_rows(&folder.join("sensitivity.csv"));
    // Ranked by swing, switched-off levers last.
    let swings: Vec<(bool, f64)> = rows
        .iter()
        .map(|r| (r["switched_off"] == "true", num(r, "swing")))
        .collect();
    for w in swings.windows(2) {
        assert!(
            w[0].0 <= w[1].0 && (w[0].0 != w[1].0 || w[0].1 >= w[1].1),
            "{swings:?}"
        );
    }
    // Direction: a higher join probability raises penetration (interval above 0), a lower
    // one lowers it.
    let join = rows
        .iter()
        .find(|r| r["key"] == "prospecting.join_probability")
        .unwrap();
    assert!(num(join, "change_high_ci_low") > 0.0, "{join:?}");
    assert!(num(join, "change_low_ci_high") < 0.0, "{join:?}");
}

#[test]
fn company_scenarios_compare_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.toml", SMALL);
    let b = write(
        dir.path(),
        "b.toml",
        &SMALL
            .replace("tiny company", "tiny company, pricier")
            .replace("monthly_purchase = 50", "monthly_purchase = 150"),
    );
    let out = dir.path().join("out");
    mlm()
        .arg("compare")
        .args([&a, &b])
        .args(["--no-charts", "--quiet"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let folder = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let rows = csv_rows(&folder.join("compare.csv"));
    let lost: Vec<_> = rows
        .iter()
        .filter(|r| r["metric"] == "lost_money")
        .collect();
    // Tripling the monthly purchase makes more participants lose money.
    assert!(num(lost[1], "change_ci_low") > 0.0, "{:?}", lost[1]);
}

#[test]
fn company_studies_refuse_bad_input_with_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "c.toml", SMALL);
    let careers = write(dir.path(), "k.toml", "name = \"careers\"\nmonths = 12\n");
    let out = dir.path().join("out");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "sensitivity".into(),
                careers.display().to_string(),
                "--metric".into(),
                "top_1pct_commission_share".into(),
            ],
            "company scenario",
        ),
        (
            vec![
                "sensitivity".into(),
                file.display().to_string(),
                "--metric".into(),
                "survival_month_12".into(),
            ],
            "turnover_per_year",
        ),
        (
            vec![
                "sweep".into(),
                file.display().to_string(),
                "--param".into(),
                "rejection.sting=0,0.01".into(),
                "--max-work".into(),
                "1000".into(),
            ],
            "--max-work",
        ),
        (
            vec![
                "compare".into(),
                file.display().to_string(),
                careers.display().to_string(),
            ],
            "one kind",
        ),
    ];
    for (args, expect) in cases {
        let a = mlm().args(&args).arg("--out").arg(&out).assert().code(2);
        let e = stderr(&a);
        assert!(e.contains(expect), "{args:?}: {e}");
        assert!(!out.exists(), "{args:?} wrote {out:?}");
    }
}

#[test]
fn validate_prints_the_company_figures_side_by_side_and_fails_on_fitted_misses() {
    let root = env!("CARGO_MANIFEST_DIR");
    let a = mlm()
        .arg("validate")
        .arg(format!("{root}/scenarios/company-typical.toml"))
        .arg("--targets")
        .arg(format!("{root}/scenarios/targets/company-published.toml"))
        .args([
            "--set",
            "market.size=50000",
            "--set",
            "company.replicates=3",
        ])
        .args(["--set", "company.years=4"])
        .assert();
    let out = a.get_output();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("3 replicate companies"), "{text}");
    for figure in [
        "top_1pct_commission_share",
        "turnover_per_year",
        "company_payments_zero",
    ] {
        assert!(text.contains(figure), "{figure}: {text}");
    }
    assert!(text.contains("Pyramid Scheme Alert"), "{text}");
    // The shipped company scenario is calibrated to these figures at its own size (issue 13;
    // `validate` without --set passes every fitted figure, docs/calibration.md). Shrunk to a
    // 50,000-person market and four years it is another company, whose fitted figures may
    // miss: a fitted miss must make validate exit 1 and say so, none must exit 0.
    if text.contains("FITTED target") {
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains("has not been calibrated"), "{text}");
    } else {
        assert_eq!(out.status.code(), Some(0), "{text}");
    }
}

#[test]
fn calibrate_fits_a_company_scenario_and_refuses_careers() {
    let dir = tempfile::tempdir().unwrap();
    let scen = write(
        dir.path(),
        "c.toml",
        "name='reduced'\nkind='company'\nseed=7\n[company]\nfounders=300\nyears=1\nreplicates=6\n[market]\nsize=100000\n[prospecting]\ncontacts_per_month=0\n[attrition]\nlife_events_per_month=0.1\n",
    );
    // 12 h = 0.6 for h = 0.05 (closed form of the reduced company, src/calibrate/company_tests.rs).
    let targets = write(
        dir.path(),
        "t.toml",
        "[[target]]\nmetric='turnover_per_year'\nvalue=0.6\nstandard_error=0.02\nsource='closed form'\n[[free]]\nkey='attrition.life_events_per_month'\nmin=0.005\nmax=0.2\n",
    );
    let fitted = dir.path().join("fitted.toml");
    let a = mlm()
        .arg("calibrate")
        .arg(&scen)
        .arg("--targets")
        .arg(&targets)
        .arg("--out")
        .arg(&fitted)
        .args(["--restarts", "1", "--max-evaluations", "30"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(text.contains("6 replicate companies"), "{text}");
    assert!(fitted.is_file());
    // The fitted hazard lies within 3 of its reported standard errors of 0.05.
    let id = csv_rows(&dir.path().join("fitted.identification.csv"));
    let (h, se) = (num(&id[0], "fitted"), num(&id[0], "se_all_free"));
    assert!((h - 0.05).abs() <= 3.0 * se, "fitted {h}, SE {se}");
    let a = mlm()
        .arg("calibrate")
        .arg(&scen)
        .arg("--targets")
        .arg(&targets)
        .arg("--out")
        .arg(dir.path().join("other.toml"))
        .args(["--careers", "100"])
        .assert()
        .code(2);
    assert!(stderr(&a).contains("company.replicates"), "{}", stderr(&a));
    assert!(!dir.path().join("other.toml").exists());
}

#[test]
fn morris_screening_works_on_a_company_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "c.toml", SMALL);
    let out = dir.path().join("out");
    let a = mlm()
        .args(["sensitivity", file.to_str().unwrap()])
        .args(["--method", "morris", "--trajectories", "2"])
        .args(["--metric", "penetration", "--no-charts"])
        .args(["--set", "company.replicates=3"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(text.contains("3 replicate companies per point"), "{text}");
    let folder = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let rows = csv_rows(&folder.join("morris.csv"));
    // Direction: every elementary effect of the join probability on penetration is
    // positive (the same companies at every point), so mu = mu* > 0.
    let join = rows
        .iter()
        .find(|r| r["key"] == "prospecting.join_probability")
        .unwrap();
    assert!(num(join, "mu") > 0.0, "{join:?}");
    assert!(
        (num(join, "mu") - num(join, "mu_star")).abs() < 1e-9,
        "{join:?}"
    );
}

#[test]
fn a_company_sweep_is_identical_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "c.toml", SMALL);
    let csv = |threads: &str| {
        let out = dir.path().join(format!("out-{threads}"));
        mlm()
            .args(["sweep", file.to_str().unwrap()])
            .args([
                "--param",
                "rejection.sting=0,0.02",
                "--no-charts",
                "--quiet",
            ])
            .args(["--threads", threads])
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        std::fs::read(
            out.join("sweep-tiny-company-rejection-sting")
                .join("sweep.csv"),
        )
        .unwrap()
    };
    assert_eq!(csv("1"), csv("2"));
}
