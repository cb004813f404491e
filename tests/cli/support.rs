//! Helpers shared by the integration tests.

use std::sync::atomic::AtomicBool;

use mlm_sim::engine::{self, Hooks};
use mlm_sim::model::Model;
use mlm_sim::scenario::{parse, Override, Scenario};
use mlm_sim::stats::Tally;
use mlm_sim::summary::Summary;

/// Parse scenario text with `key=value` overrides; panics with the error on bad input.
pub fn scenario(text: &str, sets: &[&str]) -> Scenario {
    let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    parse(text, "test.toml", &overrides).unwrap_or_else(|e| panic!("{e}"))
}

/// A shipped scenario with overrides.
pub fn shipped(name: &str, sets: &[&str]) -> Scenario {
    let path = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    scenario(&text, sets)
}

/// Run every career of `s` on the global pool.
pub fn tally(s: &Scenario) -> Tally {
    let cancel = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &|_| {},
        cancel: &cancel,
    };
    engine::run(s, &Model::new(s), 0..s.careers, &hooks).unwrap()
}

/// Run and summarise.
pub fn summary(s: &Scenario) -> Summary {
    Summary::new(s, &tally(s))
}

/// Share of careers that ended for `reason` (snake_case name).
pub fn reason_share(s: &Summary, reason: &str) -> f64 {
    s.quit_reasons[reason]
}

/// Standard error of a difference of two independent shares estimated from `n` careers each.
/// Common random numbers make the true error of the difference smaller, so this is
/// conservative.
pub fn se_diff(p1: f64, p2: f64, n: u64) -> f64 {
    ((p1 * (1.0 - p1) + p2 * (1.0 - p2)) / n as f64).sqrt()
}
