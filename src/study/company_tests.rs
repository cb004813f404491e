//! Tests of the company-world work estimate ([`super::company::expected_work`]).

use super::company::*;
use crate::calibrate::company::simulate;
use crate::scenario::Scenario;
use std::sync::atomic::AtomicBool;

fn company(text: &str) -> Scenario {
    crate::scenario::parse(text, "c.toml", &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// Without recruiting the company is its founders: the estimate is founders x one expected
/// career, E[person-months] = N sum over t < 12 of (1 - h)^t, within rounding.
#[test]
fn work_of_a_company_without_recruits_is_its_founders_careers() {
    let (n, h): (f64, f64) = (100.0, 0.05);
    let s = company(&format!(
        "name='c'\nkind='company'\n[company]\nfounders=100\nyears=1\nreplicates=3\n[market]\nsize=100000\n[prospecting]\ncontacts_per_month=0\n[attrition]\nlife_events_per_month={h}\n"
    ));
    let expected: f64 = 3.0 * n * (0..12).map(|t| (1.0 - h).powi(t)).sum::<f64>();
    let w = expected_work(&s);
    assert!((w - expected).abs() < 1e-6 * expected, "{w} vs {expected}");
}

/// With recruiting in a small market the estimate errs high, never low: above the
/// person-months the companies actually took.
#[test]
fn work_of_a_recruiting_company_is_not_underestimated() {
    let s = company(
        "name='c'\nkind='company'\nseed=2\n[company]\nfounders=5\nyears=3\nreplicates=4\n[market]\nsize=3000\n[prospecting]\ncontacts_per_month=10\njoin_probability=0.05\n[attrition]\nlife_events_per_month=0.03\n",
    );
    let figs = simulate(&s, &AtomicBool::new(false), &|_| {}).unwrap();
    let done = figs.person_months() as f64;
    assert!(done > 0.0);
    assert!(expected_work(&s) >= done, "{} < {done}", expected_work(&s));
}

/// A company capped at `max_participants` is estimated within its cap: at most that many
/// people, each working the whole horizon (the shipped company grown to 10 million, README).
#[test]
fn work_of_a_capped_company_is_bounded_by_its_cap() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/company-typical.toml"
    ))
    .unwrap();
    let s = crate::scenario::parse(
        &text,
        "company-typical.toml",
        &[
            crate::scenario::Override::parse("market.size=125000000").unwrap(),
            crate::scenario::Override::parse("company.replicates=1").unwrap(),
            crate::scenario::Override::parse("company.max_participants=10000000").unwrap(),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let w = expected_work(&s);
    assert!(w <= 1e7 * f64::from(s.months), "{w:e}");
}
