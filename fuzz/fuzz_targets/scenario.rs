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
    let json = serde_json::to_value(&summary).expect("summary serialises");
    let mut bad = Vec::new();
    non_finite(&json, "summary", &mut bad);
    assert!(bad.is_empty(), "non-finite values at {bad:?}");
});

/// Paths of every number that is not finite. serde_json writes NaN and infinity as null; the
/// one documented null is an open end of an income-disclosure band (`low`/`high`).
fn non_finite(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Null => {
            let open_band_edge = path.contains(".income_disclosure.")
                && (path.ends_with(".low") || path.ends_with(".high"));
            if !open_band_edge {
                out.push(path.to_string());
            }
        }
        serde_json::Value::Number(n) if !n.as_f64().is_some_and(f64::is_finite) => {
            out.push(path.to_string())
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                non_finite(x, &format!("{path}[{i}]"), out);
            }
        }
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                non_finite(x, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}
