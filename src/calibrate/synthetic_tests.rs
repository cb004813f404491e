//! Tests of the fitting machinery on synthetic data: targets measured on the model itself at
//! known keys (with another seed, so the "published" figures carry their own sampling error,
//! as a survey's do), then fitted.

use super::*;

/// Careers followed 12 months with only the life-event hazard and monthly purchases on, so
/// survival pins the hazard and the mean net pins the purchase (given the months active).
fn synthetic_scenario(seed: u64, h: f64, purchase: f64) -> String {
    format!(
        "name='synthetic'\nmonths=12\nseed={seed}\n[prospecting]\ncontacts_per_month=0\n\
         [economics]\nstarter_kit=100\nmonthly_purchase={purchase}\n\
         [attrition]\nlife_events_per_month={h}\n"
    )
}

fn measured_targets(text: &str, careers: u64, metrics: &[&str], free: &str) -> Targets {
    let s = scenario::parse(
        text,
        "truth.toml",
        &[Override::parse(&format!("careers={careers}")).unwrap()],
    )
    .unwrap();
    let model = Model::new(&s);
    let never = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &|_| {},
        cancel: &never,
    };
    let sum = Summary::new(&s, &engine::run(&s, &model, 0..s.careers, &hooks).unwrap());
    let mut file = String::new();
    for name in metrics {
        let m = Metric::parse(name).unwrap().measure(&sum);
        let _ = writeln!(
            file,
            "[[target]]\nmetric='{name}'\nvalue={}\nstandard_error={}\nsource='synthetic'\n",
            m.value,
            m.std_error.unwrap()
        );
    }
    file.push_str(free);
    Targets::parse(&file, "synthetic.toml").unwrap()
}

#[test]
fn a_synthetic_calibration_recovers_the_keys_within_their_reported_uncertainty() {
    let (h, purchase) = (0.05, 40.0);
    let targets = measured_targets(
        &synthetic_scenario(99, h, purchase),
        4000,
        &["survival_month_6", "survival_month_12", "net_mean"],
        "[[free]]\nkey='attrition.life_events_per_month'\nmin=0.005\nmax=0.2\n\
         [[free]]\nkey='economics.monthly_purchase'\nmin=5\nmax=150\n",
    );
    let problem = Problem {
        text: synthetic_scenario(7, 0.1, 100.0),
        file: "start.toml".into(),
        base: vec![Override::parse("careers=3000").unwrap()],
        targets,
        cancel: None,
    };
    let fit = fit(&problem, 80, 2).unwrap();
    let id = &fit.identification;
    assert_eq!(id.rank, 2, "{}", id.to_text());
    assert!(id.warnings.is_empty(), "{}", id.to_text());
    for (row, truth) in id.keys.iter().zip([h, purchase]) {
        // Three reported standard errors: the fit's error comes from both samples' noise,
        // which the reported SE includes (published SE and model SE in quadrature).
        assert!(row.se_joint.is_finite() && row.se_joint > 0.0);
        assert!(
            (row.value - truth).abs() <= 3.0 * row.se_joint,
            "{} fitted {} vs truth {truth}, SE {}\n{}",
            row.key,
            row.value,
            row.se_joint,
            id.to_text()
        );
    }
    // Two starts, each reported.
    assert_eq!(fit.starts.len(), 2);
    assert!(fit.objective < 3.0 * 3.0, "{}", fit.objective);
}

#[test]
fn keys_acting_only_through_their_product_are_flagged() {
    // Recruits per active year depend on contacts x join probability only: one target, two
    // keys, one direction pinned.
    let text = "name='pair'\nmonths=12\nseed=5\n[prospecting]\ncontacts_per_month=20\n\
                join_probability=0.02\n[attrition]\nlife_events_per_month=0.05\n";
    let targets = Targets::parse(
        "[[target]]\nmetric='recruits_per_active_year'\nvalue=6\nstandard_error=0.3\n\
         [[free]]\nkey='prospecting.contacts_per_month'\nmin=5\nmax=60\n\
         [[free]]\nkey='prospecting.join_probability'\nmin=0.005\nmax=0.08\n",
        "pair.toml",
    )
    .unwrap();
    assert_eq!(targets.independent_fitted().0, 1);
    let problem = Problem {
        text: text.into(),
        file: "pair.toml".into(),
        base: vec![Override::parse("careers=1000").unwrap()],
        targets,
        cancel: None,
    };
    let fit = fit(&problem, 30, 1).unwrap();
    let id = &fit.identification;
    assert_eq!(id.rank, 1, "{}", id.to_text());
    assert!(id.correlations[0][1] < -TRADE_OFF_CHECK, "{}", id.to_text());
    let text = id.to_text();
    assert!(text.contains("trade off"), "{text}");
    assert!(text.contains("pin down 1 of 2"), "{text}");
}

const TRADE_OFF_CHECK: f64 = identify::TRADE_OFF;

#[test]
fn more_free_keys_than_independent_targets_is_refused_unless_forced() {
    let tmp = std::env::temp_dir().join(format!("mlm-sim-calib-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let scen = tmp.join("s.toml");
    std::fs::write(&scen, "name='x'\nmonths=12\n").unwrap();
    let targets = tmp.join("t.toml");
    let mut text = String::new();
    for m in ["lost_money", "broke_even", "profited"] {
        let _ = writeln!(
            text,
            "[[target]]\nmetric='{m}'\nvalue=0.3\ntolerance=0.05\n"
        );
    }
    text.push_str("[[free]]\nkey='rejection.sting'\nmin=0\nmax=0.1\n[[free]]\nkey='attrition.life_events_per_month'\nmin=0\nmax=0.1\n[[free]]\nkey='prospecting.join_probability'\nmin=0\nmax=0.1\n");
    std::fs::write(&targets, text).unwrap();
    let mut req = Request {
        scenario: scen,
        targets,
        careers: Some(100),
        max_evaluations: 10,
        out: Some(tmp.join("out.toml")),
        overrides: vec![],
        restarts: 1,
        force: false,
    };
    let e = Calibration::prepare(&req).unwrap_err().to_string();
    assert!(
        e.contains("3 free keys but only 2 independent fitted target(s)"),
        "{e}"
    );
    assert!(e.contains("always sum to 1"), "{e}");
    assert!(e.contains("--force"), "{e}");
    req.force = true;
    assert!(Calibration::prepare(&req).is_ok());
    let _ = std::fs::remove_dir_all(&tmp);
}
