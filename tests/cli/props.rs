//! Property tests: hostile scenario text never panics, every accepted scenario runs cleanly,
//! and the summary's invariants hold over random valid scenarios.
//!
//! Case counts are modest (64-256) so the suite runs in seconds; the fuzz target in fuzz/
//! explores the same ground for as long as one cares to run it.

use std::sync::atomic::AtomicBool;

use mlm_sim::engine::{self, Hooks};
use mlm_sim::model::Model;
use mlm_sim::scenario::{self, Override, Scenario, PARAMS};
use mlm_sim::stats::Tally;
use mlm_sim::summary::Summary;
use proptest::prelude::*;

/// Run `s` on the current rayon pool and summarise it.
fn run(s: &Scenario) -> (Tally, Summary) {
    let model = Model::new(s);
    let cancel = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &|_| {},
        cancel: &cancel,
    };
    let tally = engine::run(s, &model, 0..s.careers, &hooks).expect("not cancelled");
    let summary = Summary::new(s, &tally);
    (tally, summary)
}

/// Paths of every number in `v` that is not finite (serde_json writes NaN and infinity as
/// null, so a null where a number belongs is one). The one documented null is an open end of
/// an income-disclosure band (`low`/`high` of "below -$5,000" or "$50,000+").
fn non_finite(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    let open_band_edge =
        path.contains(".income_disclosure.") && (path.ends_with(".low") || path.ends_with(".high"));
    match v {
        serde_json::Value::Null if open_band_edge => {}
        serde_json::Value::Null => out.push(path.to_string()),
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

/// Shrink an accepted scenario to a few careers with a small downline cap, so that even the
/// largest accepted values run in milliseconds. Everything else stays as written.
fn few_careers(mut s: Scenario) -> Scenario {
    s.careers = s.careers.min(4);
    s.cohort_size = s.cohort_size.min(2);
    s.max_downline = s.max_downline.min(200);
    s
}

fn assert_runs_cleanly(s: Scenario) -> Result<(), TestCaseError> {
    let s = few_careers(s);
    let (_, summary) = run(&s);
    let json = serde_json::to_value(&summary).unwrap();
    let mut bad = Vec::new();
    non_finite(&json, "summary", &mut bad);
    prop_assert!(bad.is_empty(), "non-finite values at {bad:?}");
    Ok(())
}

/// Keys a scenario may hold, plus near misses and junk.
fn any_key() -> impl Strategy<Value = String> {
    let mut keys: Vec<String> = scenario::known_keys()
        .into_iter()
        .map(str::to_string)
        .collect();
    keys.extend(
        [
            "prospecting",
            "sources",
            "downline",
            "x",
            "months.x",
            "sources.months",
            "",
        ]
        .map(str::to_string),
    );
    prop_oneof![
        8 => proptest::sample::select(keys),
        1 => "[a-z_.]{1,20}",
    ]
}

/// TOML values: every type, with the extremes numbers can take.
fn any_value() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        (-2i64..700).prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        (0.0f64..1.0).prop_map(|f| format!("{f}")),
        proptest::sample::select(vec![
            "nan", "inf", "-inf", "-0.0", "1e308", "5e-324", "0", "1", "10000", "1e7"
        ])
        .prop_map(str::to_string),
    ];
    let dist = (
        proptest::sample::select(vec![
            "beta",
            "uniform",
            "normal",
            "lognormal",
            "triangular",
            "gamma",
        ]),
        proptest::collection::vec(number.clone(), 0..4),
    )
        .prop_map(|(name, args)| format!("{{ {name} = [{}] }}", args.join(", ")));
    prop_oneof![
        6 => number.clone(),
        3 => dist,
        1 => "\"[ -~]{0,12}\"".prop_map(|s| s.replace('\\', "/")),
        1 => proptest::collection::vec(number, 0..12).prop_map(|v| format!("[{}]", v.join(", "))),
        1 => Just("true".to_string()),
        1 => Just("{}".to_string()),
        1 => Just("1979-05-27T07:32:00Z".to_string()),
    ]
}

/// A scenario made of random `key = value` lines (TOML dotted keys create the tables).
fn key_value_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec((any_key(), any_value()), 0..12).prop_map(|lines| {
        let mut text = String::from("name = \"soup\"\n");
        for (k, v) in lines {
            text.push_str(&format!("{k} = {v}\n"));
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let _ = scenario::parse(&text, "fuzz.toml", &[]);
    }

    #[test]
    fn toml_like_text_never_panics(text in "[a-z_.=\\[\\]{}\"',0-9 \\n#-]{0,300}") {
        if let Ok(s) = scenario::parse(&text, "fuzz.toml", &[]) {
            assert_runs_cleanly(s)?;
        }
    }

    #[test]
    fn any_values_in_any_keys_never_panic_and_accepted_ones_run(text in key_value_soup()) {
        if let Ok(s) = scenario::parse(&text, "fuzz.toml", &[]) {
            assert_runs_cleanly(s)?;
        }
    }

    #[test]
    fn any_override_never_panics(
        key in any_key(),
        value in any_value(),
        raw in "\\PC{0,40}",
    ) {
        for text in [format!("{key}={value}"), raw] {
            if let Ok(o) = Override::parse(&text) {
                if let Ok(s) = scenario::parse("name = \"o\"\n", "fuzz.toml", &[o]) {
                    assert_runs_cleanly(s)?;
                }
            }
        }
    }
}

/// A random valid scenario: every parameter either absent or a value inside its range, plus
/// random settings, kept small enough to run a few hundred careers quickly.
fn valid_scenario() -> impl Strategy<Value = Scenario> {
    let params =
        proptest::collection::vec((any::<bool>(), 0.0f64..=1.0, any::<bool>()), PARAMS.len());
    (
        params,
        1u32..=36,
        50u64..=300,
        1u64..=40,
        0u32..=3,
        proptest::collection::vec(0.0f64..0.1, 0..4),
        any::<u64>(),
    )
        .prop_map(|(values, months, careers, cohort, depth, rates, seed)| {
            let mut text = format!(
                "name = \"random\"\nmonths = {months}\ncareers = {careers}\ncohort_size = {cohort}\nseed = {}\n",
                seed >> 1
            );
            text.push_str(&format!(
                "downline.depth = {depth}\ndownline.max_size = 300\neconomics.commission_rates = [{}]\n",
                rates.iter().map(|r| format!("{r:.4}")).collect::<Vec<_>>().join(", ")
            ));
            let mut join = 0.02; // the documented default
            for (spec, (present, u, small)) in PARAMS.iter().zip(values) {
                if !present {
                    continue;
                }
                // Ranges up to 10^7: mostly small values, where the behaviour is interesting.
                let hi = if small { spec.max.min(spec.min + 50.0) } else { spec.max };
                let mut v = spec.min + u * (hi - spec.min);
                match spec.path {
                    "prospecting.join_probability" => join = v,
                    // The one cross-key rule: a contact joins, buys or says no.
                    "prospecting.customer_probability" => v = v.min(1.0 - join),
                    _ => {}
                }
                text.push_str(&format!("{} = {v:?}\n", spec.path));
            }
            scenario::parse(&text, "random.toml", &[])
                .unwrap_or_else(|e| panic!("generated an invalid scenario ({e}):\n{text}"))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn summaries_of_valid_scenarios_are_consistent(s in valid_scenario()) {
        let model = Model::new(&s);
        let mut ws = model.workspace();
        // Per-career flows are summed in whole cents, saturating at 10^15 cents ($10^13) per
        // career (stats::to_cents). Valid but absurd combinations (a million customers each
        // ordering millions a month) can pass that; reconciliation of the means is only
        // promised below it.
        let mut saturated = false;
        for i in 0..s.careers {
            let c = model.career(i, &mut ws);
            let m = c.person.money;
            saturated |= [m.commissions, m.retail, m.purchases, m.expenses, m.net()]
                .iter()
                .any(|x| x.abs() >= 1e13);
            for x in [m.commissions, m.retail, m.purchases, m.expenses] {
                prop_assert!(x.is_finite() && x >= 0.0, "career {i}: {m:?}");
            }
            let scale = 1.0 + m.commissions + m.retail + m.purchases + m.expenses;
            prop_assert!(
                (m.commissions + m.retail - m.purchases - m.expenses - m.net()).abs() <= 1e-9 * scale
            );
            prop_assert!(c.downline_size < s.max_downline);
        }

        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let (t1, summary) = one.install(|| run(&s));
        let (t2, _) = two.install(|| run(&s));
        prop_assert_eq!(&t1, &t2, "results differ between 1 and 2 threads");

        let shares: f64 = summary.quit_reasons.values().sum();
        prop_assert!((shares - 1.0).abs() < 1e-9, "quit-reason shares sum to {shares}");
        prop_assert_eq!(
            summary.quit_reason_counts.iter().map(|r| r.count).sum::<u64>(),
            s.careers
        );
        for w in summary.survival.windows(2) {
            prop_assert!(w[1] <= w[0], "survival rose: {:?}", summary.survival);
        }
        prop_assert!(summary.survival.iter().all(|v| (0.0..=1.0).contains(v)));
        // Each flow is rounded to whole cents per career before summing, so the means of the
        // parts and of the net can differ by at most 5 half-cents.
        let m = summary.money;
        let parts = m.commissions + m.retail_profit - m.purchases - m.expenses;
        prop_assert!(
            saturated || (parts - m.net).abs() <= 0.025 + 1e-12 * parts.abs().max(1.0),
            "money does not reconcile: {m:?}"
        );
        let [lo, hi] = summary.failure_rate_ci;
        prop_assert!(lo <= summary.failure_rate && summary.failure_rate <= hi);
        prop_assert!((0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi));
        let mut bad = Vec::new();
        non_finite(&serde_json::to_value(&summary).unwrap(), "summary", &mut bad);
        prop_assert!(bad.is_empty(), "non-finite values at {bad:?}");
    }
}

/// `text` with its one line `line` (newline included) replaced by `replacement`; panics,
/// showing the text, when the line is missing or appears more than once, so a change in how
/// the scenario is written cannot turn an edit into a silent no-op.
fn replace_line(text: &str, line: &str, replacement: &str) -> String {
    let starts = text
        .match_indices(line)
        .filter(|(i, _)| *i == 0 || text[..*i].ends_with('\n'))
        .count();
    assert_eq!(starts, 1, "expected the line {line:?} once in\n{text}");
    let at = if text.starts_with(line) {
        0
    } else {
        text.find(&format!("\n{line}")).unwrap() + 1
    };
    format!("{}{replacement}{}", &text[..at], &text[at + line.len()..])
}

/// Corners of the valid space: every parameter at its largest (or smallest) allowed value,
/// the longest horizon and the deepest downline. Exponential customer growth through
/// referrals, huge Poisson means and million-dollar flows must not overflow or turn into NaN.
#[test]
fn extreme_valid_scenarios_run_cleanly() {
    let corner = |pick_max: bool, customers: bool| -> String {
        let mut text = String::from(
            "name = \"corner\"\nmonths = 600\ncareers = 3\ncohort_size = 1\ndownline.depth = 6\n\
             economics.commission_rates = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]\n",
        );
        for spec in PARAMS {
            let v = match spec.path {
                "prospecting.join_probability" => {
                    if customers {
                        0.1
                    } else {
                        1.0
                    }
                }
                "prospecting.customer_probability" => {
                    if customers {
                        0.9
                    } else {
                        0.0
                    }
                }
                "economics.customer_churn" if customers => 0.0,
                _ if pick_max => spec.max,
                _ => spec.min,
            };
            text.push_str(&format!("{} = {v:?}\n", spec.path));
        }
        text
    };
    for (pick_max, customers) in [(true, true), (true, false), (false, true), (false, false)] {
        let text = corner(pick_max, customers);
        let s =
            scenario::parse(&text, "corner.toml", &[]).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_runs_cleanly(s).unwrap();
    }
    // Same with the loss and goal mechanisms off, so careers run the full 600 months. Each
    // edit must find its line, or the scenario would silently keep the mechanism on.
    for customers in [true, false] {
        let mut text = corner(true, customers);
        for (line, replacement) in [
            ("economics.loss_tolerance = 10000000.0\n", ""),
            (
                "goals.disillusionment = 1.0\n",
                "goals.disillusionment = 0.0\n",
            ),
            (
                "motivation.quit_below = 1.0\n",
                "motivation.quit_below = 0.0\n",
            ),
            (
                "consistency.inactive_below = 1.0\n",
                "consistency.inactive_below = 0.0\n",
            ),
            (
                "downline.neglect_dropout = 1.0\n",
                "downline.neglect_dropout = 0.0\n",
            ),
            (
                "attrition.life_events_per_month = 1.0\n",
                "attrition.life_events_per_month = 0.0\n",
            ),
            (
                "economics.monthly_purchase = 10000000.0\n",
                "economics.monthly_purchase = 0.0\n",
            ),
            (
                "economics.monthly_expenses = 10000000.0\n",
                "economics.monthly_expenses = 0.0\n",
            ),
            (
                "economics.starter_kit = 10000000.0\n",
                "economics.starter_kit = 0.0\n",
            ),
        ] {
            text = replace_line(&text, line, replacement);
        }
        let s =
            scenario::parse(&text, "corner.toml", &[]).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_runs_cleanly(s).unwrap();
    }
}
