//! Income disclosure, calibration and validation, through the library and the binary.

use std::sync::atomic::AtomicBool;

use assert_cmd::Command;
use mlm_sim::engine::{self, Hooks};
use mlm_sim::model::Model;
use mlm_sim::outcome::CareerOutcome;
use mlm_sim::scenario::{parse, Override};
use mlm_sim::stats::disclosure::{gross_band, net_band, GROSS_BAND_DEFS, NET_BAND_DEFS};
use mlm_sim::stats::to_cents;
use mlm_sim::summary::Summary;

fn typical_with_records(careers: u64) -> (Summary, Vec<CareerOutcome>) {
    let s = parse(
        include_str!("../../scenarios/typical.toml"),
        "typical.toml",
        &[Override::parse(&format!("careers={careers}")).unwrap()],
    )
    .unwrap();
    let m = Model::new(&s);
    let cancel = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &|_| {},
        cancel: &cancel,
    };
    let mut records = Vec::new();
    let tally = engine::run_with_records(&s, &m, 0..careers, &hooks, &mut |rs| {
        records.extend_from_slice(rs);
        Ok(())
    })
    .unwrap()
    .unwrap();
    (Summary::new(&s, &tally), records)
}

#[test]
fn income_disclosure_shares_sum_to_one_and_match_a_recount_of_every_career() {
    let (summary, records) = typical_with_records(1500);
    let d = &summary.income_disclosure;
    let years = d.years;
    let mut gross = vec![0u64; d.company_payments.rows.len()];
    let mut net = vec![0u64; d.net.rows.len()];
    let (mut lost, mut even, mut profited) = (0, 0, 0);
    for c in &records {
        let m = &c.person.money;
        gross[gross_band(to_cents(m.commissions / years))] += 1;
        net[net_band(to_cents(m.net() / years))] += 1;
        let n = to_cents(m.net());
        let band = mlm_sim::stats::to_cents(summary.outcome_bands.break_even_band);
        if n < -band {
            lost += 1;
        } else if n <= band {
            even += 1;
        } else {
            profited += 1;
        }
    }
    for (table, recount) in [(&d.company_payments, &gross), (&d.net, &net)] {
        let counts: Vec<u64> = table.rows.iter().map(|r| r.careers).collect();
        assert_eq!(&counts, recount);
        let total: f64 = table.rows.iter().map(|r| r.share).sum();
        assert!((total - 1.0).abs() < 1e-12, "shares sum to {total}");
    }
    let n = records.len() as f64;
    let o = &summary.outcome_bands;
    assert_eq!(o.lost_money, lost as f64 / n);
    assert_eq!(o.broke_even, even as f64 / n);
    assert_eq!(o.profited, profited as f64 / n);
    assert!((o.lost_money + o.broke_even + o.profited - 1.0).abs() < 1e-12);
}

#[test]
fn gross_retail_costs_and_net_reconcile_for_every_career_and_in_the_means() {
    let (summary, records) = typical_with_records(1500);
    let mut sums = [0i128; 5];
    for c in &records {
        let m = &c.person.money;
        assert_eq!(
            m.commissions + m.retail - m.purchases - m.expenses,
            m.net(),
            "career {}",
            c.index
        );
        for (s, v) in
            sums.iter_mut()
                .zip([m.commissions, m.retail, m.purchases, m.expenses, m.net()])
        {
            *s += i128::from(to_cents(v));
        }
    }
    // Each per-career amount is rounded to cents separately, so the means reconcile to within
    // one cent per career of rounding (at most 2 cents: four flows vs their net).
    let n = records.len() as f64;
    let mm = &summary.money;
    let means = [
        mm.commissions,
        mm.retail_profit,
        mm.purchases,
        mm.expenses,
        mm.net,
    ];
    for (s, mean) in sums.iter().zip(means) {
        assert!((*s as f64 / n / 100.0 - mean).abs() < 1e-9);
    }
    assert!(
        (mm.commissions + mm.retail_profit - mm.purchases - mm.expenses - mm.net).abs() <= 0.02
    );
    let annual = &summary.income_disclosure;
    assert!((annual.company_payments.mean - mm.commissions / annual.years).abs() < 1e-9);
}

#[test]
fn run_writes_the_income_disclosure_csv() {
    let tmp = tempfile::tempdir().unwrap();
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .args([
            "run",
            "scenarios/typical.toml",
            "--careers",
            "300",
            "-q",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let csv = std::fs::read_to_string(tmp.path().join("typical/income-disclosure.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "table,row,low,high,careers,share,share_ci_low,share_ci_high,amount"
    );
    // One row per band of each table, labelled and ordered as the library defines the bands,
    // then the table's mean and median.
    let mut rows: Vec<(String, String)> = Vec::new();
    for record in csv::Reader::from_reader(csv.as_bytes()).records() {
        let record = record.unwrap();
        rows.push((record[0].to_string(), record[1].to_string()));
    }
    for (table, bands) in [
        ("company_payments", &GROSS_BAND_DEFS[..]),
        ("net", &NET_BAND_DEFS[..]),
    ] {
        let labels: Vec<&str> = rows
            .iter()
            .filter(|(t, _)| t == table)
            .map(|(_, row)| row.as_str())
            .collect();
        let expected: Vec<&str> = bands
            .iter()
            .map(|b| b.label)
            .chain(["mean", "median"])
            .collect();
        assert_eq!(labels, expected, "{table} rows");
    }
    let json = std::fs::read_to_string(tmp.path().join("typical/summary.json")).unwrap();
    assert!(json.contains("\"outcome_bands\""));
    assert!(json.contains("\"economics.starter_kit\""));
}

#[test]
fn validate_passes_on_the_shipped_build() {
    let out = Command::cargo_bin("mlm-sim")
        .unwrap()
        .arg("validate")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    let results: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|word| matches!(*word, "PASS" | "FAIL"))
        .collect();
    assert!(!results.is_empty(), "no check rows in\n{stdout}");
    assert!(results.iter().all(|r| *r == "PASS"), "{stdout}");
    // Every shipped calibration target is checked, besides the closed-form checks.
    let targets =
        mlm_sim::calibrate::Targets::parse(mlm_sim::validate::TYPICAL_TARGETS, "aarp-2018.toml")
            .unwrap();
    let calibration_rows = stdout
        .lines()
        .filter(|l| l.starts_with("calibration"))
        .count();
    assert_eq!(calibration_rows, targets.targets.len(), "{stdout}");
    assert!(
        results.len() > calibration_rows,
        "no closed-form checks in\n{stdout}"
    );
    let n = results.len();
    assert!(
        stdout.contains(&format!("{n} of {n} checks passed")),
        "{stdout}"
    );
}

#[test]
fn validate_fails_with_exit_1_when_a_target_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let wrong = tmp.path().join("wrong.toml");
    std::fs::write(
        &wrong,
        "[[target]]\nmetric='lost_money'\nvalue=0.05\ntolerance=0.02\n[[free]]\nkey='rejection.sting'\nmin=0\nmax=0.1\n",
    )
    .unwrap();
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .args(["validate", "--targets"])
        .arg(&wrong)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("FAIL"))
        .stderr(predicates::str::contains(
            "validation failed: 1 check(s) failed",
        ));
}

#[test]
fn calibrate_writes_a_fitted_scenario_that_keeps_the_comments() {
    let tmp = tempfile::tempdir().unwrap();
    let scen = tmp.path().join("s.toml");
    std::fs::write(
        &scen,
        "# my scenario\nname = 'x'\nmonths = 12\n[attrition]\nlife_events_per_month = 0.01   # guess\n",
    )
    .unwrap();
    let targets = tmp.path().join("t.toml");
    // (1 - 0.05)^12 = 0.5404: the fit should land near h = 0.05.
    std::fs::write(
        &targets,
        "[[target]]\nmetric='survival_month_12'\nvalue=0.5404\ntolerance=0.02\n[[free]]\nkey='attrition.life_events_per_month'\nmin=0\nmax=0.2\n",
    )
    .unwrap();
    let out = tmp.path().join("fitted.toml");
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .arg("calibrate")
        .arg(&scen)
        .arg("--targets")
        .arg(&targets)
        .args(["--careers", "2000", "--max-evaluations", "40", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("survival_month_12"));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("# my scenario"));
    assert!(text.contains("# guess"));
    let s = parse(&text, "fitted.toml", &[]).unwrap();
    let h = s.param(mlm_sim::scenario::ParamId::LifeEvents).mean();
    // SE of S(12) with 2,000 careers is 0.011; dS/dh = -12 (0.95)^11 = -6.8: h within 0.01.
    assert!((h - 0.05).abs() < 0.01, "fitted h = {h}");
}

#[test]
fn calibrate_rejects_an_unknown_metric_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let targets = tmp.path().join("t.toml");
    std::fs::write(
        &targets,
        "[[target]]\nmetric='happiness'\nvalue=0.5\ntolerance=0.1\n[[free]]\nkey='rejection.sting'\nmin=0\nmax=0.1\n",
    )
    .unwrap();
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .args(["calibrate", "scenarios/typical.toml", "--targets"])
        .arg(&targets)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown metric `happiness`"))
        .stderr(predicates::str::contains("t.toml"));
}
