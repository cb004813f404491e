//! Tests of the company-world figures: closed forms in a reduced company (no recruiting, only
//! the life-event hazard), and a synthetic calibration that recovers a known hazard from the
//! company's own turnover. Tolerances come from standard errors across replicate companies.

use std::fmt::Write as _;
use std::sync::atomic::AtomicBool;

use super::company::{paired_change, simulate, CompanyFigures};
use super::*;

/// `founders` founders, nobody recruited, only a monthly life-event hazard `h`: the reduced
/// company whose membership is a pure death process.
fn reduced(seed: u64, founders: u64, h: f64, replicates: u64) -> String {
    format!(
        "name='reduced company'\nkind='company'\nseed={seed}\n[company]\nfounders={founders}\n\
         years=1\nreplicates={replicates}\n[market]\nsize=1000000\n\
         [prospecting]\ncontacts_per_month=0\n[attrition]\nlife_events_per_month={h}\n"
    )
}

fn figures(text: &str) -> CompanyFigures {
    let s = scenario::parse(text, "reduced.toml", &[]).unwrap_or_else(|e| panic!("{e}"));
    simulate(&s, &AtomicBool::new(false), &|_| {}).unwrap()
}

/// Active members in month t are N (1-h)^t in expectation; a year's quits are
/// N (1 - (1-h)^12) and its average active N (1 - (1-h)^12) / (12 h), so turnover per year is
/// 12 h (a ratio of expectations: the ratio estimator's bias, O(1/N), is far below the SE).
/// Growth over year 1 is E[active in month 11] / N = (1-h)^11. Penetration is N / M exactly.
#[test]
fn turnover_growth_and_penetration_match_the_death_process() {
    let (n, h) = (2000u64, 0.05);
    let f = figures(&reduced(3, n, h, 20));
    let turnover = f.measure(Metric::TurnoverPerYear);
    let se = turnover.std_error.unwrap();
    assert!(
        (turnover.value - 12.0 * h).abs() <= 4.0 * se,
        "turnover {} +- {se}, closed form {}",
        turnover.value,
        12.0 * h
    );
    let growth = f.measure(Metric::CompanyGrowth);
    let expected = (1.0 - h).powi(11);
    let se = growth.std_error.unwrap();
    assert!(
        (growth.value - expected).abs() <= 4.0 * se,
        "growth {} +- {se}, closed form {expected}",
        growth.value
    );
    assert!((f.measure(Metric::Penetration).value - n as f64 / 1e6).abs() < 1e-12);
    // Nobody earns or spends: everyone broke even, nobody received a payment.
    assert_eq!(f.measure(Metric::BrokeEven).value, 1.0);
    assert_eq!(f.measure(Metric::CompanyPaymentsZero).value, 1.0);
    assert_eq!(f.measure(Metric::Top1PctCommissionShare).value, 0.0);
}

/// Direction: a higher hazard raises turnover, company by company (common random numbers),
/// and the paired interval excludes 0.
#[test]
fn a_higher_hazard_raises_turnover_in_the_paired_comparison() {
    let low = figures(&reduced(4, 500, 0.03, 8));
    let high = figures(&reduced(4, 500, 0.06, 8));
    let (d, lo, _) = paired_change(Metric::TurnoverPerYear, &low, &high).unwrap();
    assert!(d > 0.0 && lo > 0.0, "change {d}, interval from {lo}");
    // Same seed, same hazard: identical companies, a change of exactly 0.
    let again = figures(&reduced(4, 500, 0.03, 8));
    assert_eq!(
        paired_change(Metric::TurnoverPerYear, &low, &again),
        Some((0.0, 0.0, 0.0))
    );
}

/// Simulate the reduced company at a known hazard (seed 99, so the "published" figure carries
/// its own sampling error, as a survey's does), then fit the hazard from another seed and
/// start: the fitted key lies within 3 of its reported standard errors of the truth.
#[test]
fn a_synthetic_company_calibration_recovers_the_hazard() {
    let truth = 0.05;
    let measured = figures(&reduced(99, 400, truth, 12));
    let m = measured.measure(Metric::TurnoverPerYear);
    let mut file = String::new();
    let _ = writeln!(
        file,
        "[[target]]\nmetric='turnover_per_year'\nvalue={}\nstandard_error={}\nsource='synthetic'\n\
         [[free]]\nkey='attrition.life_events_per_month'\nmin=0.005\nmax=0.2\n",
        m.value,
        m.std_error.unwrap()
    );
    let problem = Problem {
        text: reduced(7, 400, 0.1, 12),
        file: "start.toml".into(),
        base: vec![],
        targets: Targets::parse(&file, "synthetic.toml").unwrap(),
        cancel: None,
    };
    let fit = fit(&problem, 40, 1).unwrap();
    let key = &fit.identification.keys[0];
    assert!(key.se_joint.is_finite() && key.se_joint > 0.0);
    assert!(
        (key.value - truth).abs() <= 3.0 * key.se_joint,
        "fitted {} vs truth {truth}, SE {}\n{}",
        key.value,
        key.se_joint,
        fit.identification.to_text()
    );
    assert!(matches!(fit.figures, Figures::Company(_)));
}

// ---- Value-inclusive outcome bands (issue 13, cal-company) ----

/// Founders who are all buyers, nobody recruited, nobody quits, a year of $100 autoship and no
/// other money: every cash net is exactly -$1,200, and the net including the value of what
/// they bought is -1,200 + v x 1,200. With a $500 band: v = 0.5 gives -600 (lost money), v = 1
/// gives 0 (broke even), v = 1.5 gives +600 (profited); the cash bands say "lost" every time.
fn buyers_only(value: f64) -> String {
    format!(
        "name='buyers'\nkind='company'\nseed=5\n[company]\nfounders=30\nyears=1\nreplicates=2\n\
         [market]\nsize=100000\n[economics]\nmonthly_purchase=100\nbreak_even_band=500\n\
         [kinds]\nshares={{ buyer = 1 }}\n[kinds.buyer.economics]\nproduct_value={value}\n"
    )
}

#[test]
fn value_inclusive_bands_count_the_value_of_what_buyers_bought() {
    let bands = [
        Metric::LostMoneyWithValue,
        Metric::BrokeEvenWithValue,
        Metric::ProfitedWithValue,
    ];
    for (value, expected) in [
        (0.5, [1.0, 0.0, 0.0]),
        (1.0, [0.0, 1.0, 0.0]),
        (1.5, [0.0, 0.0, 1.0]),
    ] {
        let f = figures(&buyers_only(value));
        for c in &f.companies {
            assert_eq!(c.participants, 30, "nobody recruited");
            assert_eq!(c.quit, 0, "nobody quits");
        }
        assert_eq!(f.measure(Metric::LostMoney).value, 1.0, "cash: all lost");
        for (m, e) in bands.iter().zip(expected) {
            assert_eq!(
                f.measure(*m).value,
                e,
                "{} at product value {value}",
                m.name()
            );
        }
    }
}

/// The value-inclusive bands parse, are measured in both worlds (followed careers count them in
/// their tallies), and a complete set counts as two independent targets.
#[test]
fn value_inclusive_bands_parse_and_a_complete_set_counts_one_less() {
    for n in [
        "lost_money_with_value",
        "broke_even_with_value",
        "profited_with_value",
    ] {
        let m = Metric::parse(n).unwrap();
        assert_eq!(m.name(), n);
        let careers = scenario::parse("name='x'\n", "x.toml", &[]).unwrap();
        assert!(m.support(&careers).is_ok(), "{n} on followed careers");
    }
    let mut text = String::new();
    for m in [
        "lost_money_with_value",
        "broke_even_with_value",
        "profited_with_value",
        "turnover_per_year",
    ] {
        let _ = writeln!(text, "[[target]]\nmetric='{m}'\nvalue=0.3\ntolerance=0.05");
    }
    let (n, why) = Targets::parse(&text, "t.toml")
        .unwrap()
        .independent_fitted();
    assert_eq!(n, 3, "{why:?}");
}
