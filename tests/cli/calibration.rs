//! `sensitivity --metric`, `sensitivity --method morris` and `validate --scenario`: ranking by
//! any figure, Morris effects with known answers on the real model, and refusals.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::str::contains;

fn mlm() -> Command {
    Command::cargo_bin("mlm-sim").unwrap()
}

fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
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

fn num(row: &HashMap<String, String>, col: &str) -> f64 {
    row[col].parse().unwrap()
}

/// Survival depends on the life-event hazard only (no money, motivation or inactivity quits),
/// and the starter kit enters net income once, the same for everyone: so the kit has no
/// effect on survival and an exactly additive one on the mean net.
const KIT_SCENARIO: &str = "name='kit'\nmonths=12\nseed=3\n\
    [prospecting]\ncontacts_per_month=20\njoin_probability=0.02\n\
    [economics]\nstarter_kit=100\nmonthly_purchase=50\n\
    [attrition]\nlife_events_per_month=0.05\n";

fn morris(dir: &Path, scenario: &Path, metric: &str) -> Vec<HashMap<String, String>> {
    let out = dir.join(metric);
    mlm()
        .arg("sensitivity")
        .arg(scenario)
        .args([
            "--method",
            "morris",
            "--trajectories",
            "3",
            "--metric",
            metric,
        ])
        .args(["--careers", "400", "--quiet", "--format", "svg", "--out"])
        .arg(&out)
        .assert()
        .success();
    let folder = out.join("morris-kit");
    assert!(folder.join("morris.svg").is_file());
    read_csv(&folder.join("morris.csv"))
}

#[test]
fn morris_gives_a_lever_without_effect_mu_star_zero_and_an_additive_lever_sigma_zero() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("kit.toml");
    fs::write(&scenario, KIT_SCENARIO).unwrap();
    let by_key = |rows: &[HashMap<String, String>], key: &str| {
        rows.iter()
            .find(|r| r["key"] == key)
            .unwrap_or_else(|| panic!("no row for {key}"))
            .clone()
    };
    let survival = morris(dir.path(), &scenario, "survival_month_12");
    // Same careers at every point (common random numbers): the kit moves no one's survival.
    let kit = by_key(&survival, "economics.starter_kit");
    assert_eq!(num(&kit, "mu_star"), 0.0);
    assert_eq!(num(&kit, "sigma"), 0.0);
    assert!(
        num(
            &by_key(&survival, "attrition.life_events_per_month"),
            "mu_star"
        ) > 0.0
    );
    // Ranked by mu*, largest first.
    let mu: Vec<f64> = survival.iter().map(|r| num(r, "mu_star")).collect();
    assert!(mu.windows(2).all(|w| w[0] >= w[1]), "{mu:?}");

    let net = morris(dir.path(), &scenario, "net_mean");
    // Moving the kit over x0.8..x1.2 (a $40 span) lowers every net by the same amount: the
    // effect is -$40 at every point (sigma 0 up to rounding to cents).
    let kit = by_key(&net, "economics.starter_kit");
    assert!((num(&kit, "mu") + 40.0).abs() < 0.05, "{kit:?}");
    assert!((num(&kit, "mu_star") - 40.0).abs() < 0.05, "{kit:?}");
    assert!(num(&kit, "sigma") < 0.05, "{kit:?}");
    // The monthly purchase interacts with the hazard (months paid for): its effect varies.
    assert!(num(&by_key(&net, "economics.monthly_purchase"), "sigma") > 0.05);
}

#[test]
fn morris_refuses_more_variants_than_run_side_by_side() {
    mlm()
        .args([
            "sensitivity",
            "scenarios/typical.toml",
            "--method",
            "morris",
        ])
        .args(["--trajectories", "50", "--quiet"])
        .assert()
        .code(2)
        .stderr(contains("at most 100 run side by side"))
        .stderr(contains("--trajectories"));
    mlm()
        .args([
            "sensitivity",
            "scenarios/typical.toml",
            "--trajectories",
            "3",
        ])
        .assert()
        .code(2)
        .stderr(contains("--trajectories applies to --method morris only"));
}

#[test]
fn sensitivity_ranks_by_the_metric_asked_for_and_refuses_one_it_cannot_compute() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("kit.toml");
    fs::write(&scenario, KIT_SCENARIO).unwrap();
    mlm()
        .arg("sensitivity")
        .arg(&scenario)
        .args([
            "--metric",
            "survival_month_12",
            "--careers",
            "400",
            "--quiet",
        ])
        .args(["--format", "svg", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let folder = dir.path().join("sensitivity-kit");
    assert!(folder.join("tornado.svg").is_file());
    let rows = read_csv(&folder.join("sensitivity.csv"));
    assert!(rows.iter().all(|r| r["metric"] == "survival_month_12"));
    assert_eq!(rows[0]["key"], "attrition.life_events_per_month");
    let swings: Vec<f64> = rows
        .iter()
        .filter(|r| r["switched_off"] == "false")
        .map(|r| num(r, "swing"))
        .collect();
    assert!(swings.windows(2).all(|w| w[0] >= w[1]), "{swings:?}");
    // Survival at month 12 does not move with the kit, on the same careers.
    let kit = rows
        .iter()
        .find(|r| r["key"] == "economics.starter_kit")
        .unwrap();
    assert_eq!(num(kit, "swing"), 0.0);

    for (metric, message) in [
        ("top_1pct_commission_share", "company scenario"),
        ("happiness", "unknown metric `happiness`; allowed:"),
    ] {
        mlm()
            .arg("sensitivity")
            .arg(&scenario)
            .args(["--metric", metric, "--out"])
            .arg(dir.path().join("never"))
            .assert()
            .code(2)
            .stderr(contains(message));
        assert!(!dir.path().join("never").exists());
    }
}

#[test]
fn validate_checks_any_scenario_against_its_targets_and_exits_1_on_a_fitted_miss() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("kit.toml");
    fs::write(&scenario, KIT_SCENARIO).unwrap();
    let targets = dir.path().join("t.toml");
    // S(12) = 0.95^12 = 0.540: fitted and right; the held-out figure is wrong on purpose.
    fs::write(
        &targets,
        "[[target]]\nmetric='survival_month_12'\nvalue=0.540\nstandard_error=0.01\nsource='closed form'\n\
         [[target]]\nmetric='net_mean'\nvalue=5000\ntolerance=100\nsource='wishful'\nrole='validation'\n",
    )
    .unwrap();
    mlm()
        .args(["validate", "--careers", "4000", "--scenario"])
        .arg(&scenario)
        .arg("--targets")
        .arg(&targets)
        .assert()
        .success()
        .stdout(contains("kit.toml against"))
        .stdout(contains("net_mean (held for validation)"));
    let wrong = targets.with_file_name("wrong.toml");
    fs::write(
        &wrong,
        "[[target]]\nmetric='survival_month_12'\nvalue=0.9\nstandard_error=0.01\n",
    )
    .unwrap();
    mlm()
        .args(["validate", "--careers", "4000", "--scenario"])
        .arg(&scenario)
        .arg("--targets")
        .arg(&wrong)
        .assert()
        .code(1)
        .stdout(contains("survival_month_12 (FITTED target)"));
    mlm()
        .args(["validate", "--scenario"])
        .arg(&scenario)
        .assert()
        .code(2)
        .stderr(contains("--scenario needs --targets"));
}

#[test]
fn calibrate_refuses_more_free_keys_than_independent_targets_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    // The shape of the targets file before issue 13's refit: the three AARP bands (two
    // independent figures) and survival against five free keys.
    let targets = dir.path().join("five-keys.toml");
    let mut text = String::new();
    for (metric, value) in [
        ("lost_money", 0.47),
        ("broke_even", 0.26),
        ("profited", 0.27),
        ("survival_month_12", 0.535),
    ] {
        text += &format!(
            "[[target]]\nmetric = \"{metric}\"\nvalue = {value}\ntolerance = 0.04\nsource = \"x\"\n"
        );
    }
    for key in [
        "prospecting.join_probability",
        "prospecting.customer_probability",
        "rejection.sting",
        "attrition.life_events_per_month",
        "prospecting.contacts_per_month",
    ] {
        text += &format!("[[free]]\nkey = \"{key}\"\nmin = 0.001\nmax = 0.05\n");
    }
    fs::write(&targets, text).unwrap();
    let fitted = dir.path().join("typical.fitted.toml");
    mlm()
        .args(["calibrate", "scenarios/typical.toml", "--targets"])
        .arg(&targets)
        .arg("--out")
        .arg(&fitted)
        .assert()
        .code(2)
        .stderr(contains(
            "5 free keys but only 3 independent fitted target(s)",
        ))
        .stderr(contains("--force"));
    assert!(!fitted.exists());
}

#[test]
fn calibrate_prints_and_writes_the_identification_table() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("kit.toml");
    fs::write(&scenario, KIT_SCENARIO).unwrap();
    let targets = dir.path().join("t.toml");
    // The join probability moves no survival at all (only life events end careers here):
    // forced, the table says it is not identified.
    fs::write(
        &targets,
        "[[target]]\nmetric='survival_month_12'\nvalue=0.54\nstandard_error=0.01\n\
         [[free]]\nkey='attrition.life_events_per_month'\nmin=0.01\nmax=0.2\n\
         [[free]]\nkey='prospecting.join_probability'\nmin=0.005\nmax=0.1\n",
    )
    .unwrap();
    let fitted = dir.path().join("kit.fitted.toml");
    let out = mlm()
        .arg("calibrate")
        .arg(&scenario)
        .arg("--targets")
        .arg(&targets)
        .args([
            "--force",
            "--careers",
            "1000",
            "--max-evaluations",
            "30",
            "--out",
        ])
        .arg(&fitted)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    assert!(stdout.contains("Identification"), "{stdout}");
    assert!(
        stdout.contains("`prospecting.join_probability` moves none of the fitted targets"),
        "{stdout}"
    );
    let rows = read_csv(&dir.path().join("kit.fitted.identification.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["key"], "attrition.life_events_per_month");
    assert_eq!(rows[0]["identified"], "true");
    assert_eq!(rows[1]["identified"], "false");
    assert!(fitted.is_file());
}

#[test]
fn calibrate_gives_the_same_fit_and_table_on_1_and_2_threads() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("kit.toml");
    fs::write(&scenario, KIT_SCENARIO).unwrap();
    let targets = dir.path().join("t.toml");
    fs::write(
        &targets,
        "[[target]]\nmetric='survival_month_6'\nvalue=0.70\nstandard_error=0.01\n\
         [[target]]\nmetric='net_mean'\nvalue=-500\nstandard_error=10\n\
         [[free]]\nkey='attrition.life_events_per_month'\nmin=0.01\nmax=0.2\n\
         [[free]]\nkey='economics.monthly_purchase'\nmin=5\nmax=100\n",
    )
    .unwrap();
    let fit = |threads: &str| {
        let out = dir.path().join(format!("fit-{threads}.toml"));
        mlm()
            .arg("calibrate")
            .arg(&scenario)
            .arg("--targets")
            .arg(&targets)
            .args(["--careers", "500", "--max-evaluations", "25", "--quiet"])
            .args(["--threads", threads, "--out"])
            .arg(&out)
            .assert()
            .success();
        let table = dir.path().join(format!("fit-{threads}.identification.csv"));
        (
            fs::read_to_string(&out).unwrap(),
            fs::read_to_string(table).unwrap(),
        )
    };
    assert_eq!(fit("1"), fit("2"));
}
