//! Fuzz the scenario parser and, for accepted scenarios, a short run.
//!
//! Run with `cargo +nightly fuzz run scenario` from the repository root (see fuzz/README.md).
//! Any panic, overflow (debug assertions are on) or non-finite summary value is a bug.

#![no_main]

use std::sync::atomic::AtomicBool;

use libfuzzer_sys::fuzz_target;
use mlm_sim::engine::{self, Hooks};
use mlm_sim::model::Model;
use mlm_sim::summary::Summary;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut s) = mlm_sim::scenario::parse(text, "fuzz.toml", &[]) else {
        return;
    };
    // A few careers with a small downline cap: enough to exercise every mechanism the
    // scenario switches on, fast enough for thousands of inputs a second.
    s.careers = s.careers.min(3);
    s.cohort_size = s.cohort_size.min(3);
    s.max_downline = s.max_downline.min(100);
    let model = Model::new(&s);
    let cancel = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &|_| {},
        cancel: &cancel,
    };
    let tally = engine::run(&s, &model, 0..s.careers, &hooks).expect("never cancelled");
    let summary = Summary::new(&s, &tally);
    let json = serde_json::to_string(&summary).expect("summary serialises");
    // serde_json writes NaN and infinity as null.
    assert!(!json.contains("null"), "non-finite value in {json}");
});
