//! Tests of the month-by-month followed driver, sponsors who support, and the truncation fix
//! (issue 12, H3). Tolerances come from standard errors; seeds are fixed.

use crate::model::{outcome_window, simulated_depth, Model};
use crate::outcome::CareerOutcome;
use crate::scenario::{parse, Override, Scenario};

fn scenario(text: &str, overrides: &[&str]) -> Scenario {
    let o: Vec<Override> = overrides
        .iter()
        .map(|s| Override::parse(s).unwrap())
        .collect();
    parse(text, "t.toml", &o).unwrap()
}

fn careers(s: &Scenario, n: u64) -> Vec<CareerOutcome> {
    let m = Model::new(s);
    let mut ws = m.workspace();
    (0..n).map(|i| m.career(i, &mut ws)).collect()
}

/// (share, its binomial standard error) of `hits` out of `n`.
fn share(hits: u64, n: u64) -> (f64, f64) {
    let p = hits as f64 / n as f64;
    (p, (p * (1.0 - p) / n as f64).sqrt())
}

/// Mean and standard error of paired differences.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// A sponsor who recruits, recruits who drift away unsupported at `neglect` a month.
const SUPPORTED: &str = "name='support'\nmonths=24\n\
    [prospecting]\ncontacts_per_month=10\njoin_probability=0.05\n\
    [downline]\ndepth=1\nneglect_dropout=0.2\n";

/// Followed person's survival with no recruiting equals the hazard formula
/// `((1 - h_n)(1 - life))^t` (the reduced case keeps its closed form under the new driver).
#[test]
fn without_recruiting_survival_is_the_hazard_formula() {
    let (h, life, months, n) = (0.1f64, 0.05f64, 12u32, 20_000u64);
    let s = scenario(
        &format!("name='x'\nmonths={months}\n[prospecting]\njoin_probability=0\n[downline]\nneglect_dropout={h}\n[attrition]\nlife_events_per_month={life}\n"),
        &[],
    );
    let cs = careers(&s, n);
    let survived = cs.iter().filter(|c| c.person.quit_month.is_none()).count() as u64;
    let (p, se) = share(survived, n);
    let expected = ((1.0 - h) * (1.0 - life)).powi(months as i32);
    assert!(
        (p - expected).abs() < 4.0 * se,
        "{p} vs {expected} (se {se})"
    );
}

/// With support off, a recruit's chance to quit within the window is `1 - ((1 - h_n)(1 -
/// life))^W` whatever happens to their sponsor: orphaning changes nothing, and the statistic is
/// not censored by the horizon (a censored one would read lower).
#[test]
fn without_support_orphaning_changes_nothing_and_the_recruit_statistic_is_uncensored() {
    let (h, life, n) = (0.2f64, 0.1f64, 6_000u64);
    let text = format!("{SUPPORTED}[attrition]\nlife_events_per_month={life}\n");
    let s = scenario(&text, &["months=24"]);
    let w = outcome_window(s.months) as i32;
    let cs = careers(&s, n);
    let comparable: u64 = cs.iter().map(|c| c.downline_comparable).sum();
    let quit: u64 = cs.iter().map(|c| c.downline_quit).sum();
    assert!(comparable > 500, "{comparable}");
    let (p, se) = share(quit, comparable);
    let expected = 1.0 - ((1.0 - h) * (1.0 - life)).powi(w);
    assert!(
        (p - expected).abs() < 4.0 * se,
        "{p} vs {expected} (se {se})"
    );
}

/// A neutral support effect, or no hours, gives exactly the careers of policy "none".
#[test]
fn neutral_support_values_change_nothing() {
    let none = careers(&scenario(SUPPORTED, &[]), 300);
    for set in [
        [
            "support.policy=\"even\"",
            "support.hours_per_month=5",
            "support.effect=0",
        ],
        [
            "support.policy=\"active\"",
            "support.hours_per_month=0",
            "support.effect=1",
        ],
        [
            "support.policy=\"none\"",
            "support.hours_per_month=5",
            "support.effect=1",
        ],
    ] {
        assert_eq!(careers(&scenario(SUPPORTED, &set), 300), none, "{set:?}");
    }
}

/// Probability that a recruit survives `w` months when the sponsor gives them `hours` a month
/// while the sponsor stays (the sponsor quits at `h` a month, also in the month the recruit
/// signed), and the recruit's hazard is `h x exp(-effect x hours)` while supported, `h` once
/// orphaned.
fn survival_with_support(h: f64, effect: f64, hours: f64, w: u32) -> f64 {
    let supported = h * (-effect * hours).exp();
    // (P(recruit in, sponsor in), P(recruit in, sponsor gone)) at the start of the month.
    let (mut both, mut orphan) = (1.0 - h, h);
    for _ in 0..w {
        let both_next = both * (1.0 - supported) * (1.0 - h);
        orphan = both * (1.0 - supported) * h + orphan * (1.0 - h);
        both = both_next;
    }
    both + orphan
}

/// Support lowers the neglect hazard as documented, `h x exp(-effect x hours)`, and it returns
/// to `h` once the sponsor quits: one recruit per career (`max_size = 2`), a sponsor at full
/// effort giving them all their support hours, against the two-state closed form.
#[test]
fn support_lowers_the_neglect_hazard_by_the_documented_form_until_orphaned() {
    let (h, effect, hours, n) = (0.2, 0.5, 2.0, 8_000u64);
    let set = [
        "downline.max_size=2",
        "support.policy=\"even\"",
        "support.hours_per_month=2",
        "support.effect=0.5",
    ];
    let s = scenario(SUPPORTED, &set);
    let w = outcome_window(s.months);
    let cs = careers(&s, n);
    let comparable: u64 = cs.iter().map(|c| c.downline_comparable).sum();
    let quit: u64 = cs.iter().map(|c| c.downline_quit).sum();
    assert!(comparable > 1_000, "{comparable}");
    let (p, se) = share(quit, comparable);
    let expected = 1.0 - survival_with_support(h, effect, hours, w);
    assert!(
        (p - expected).abs() < 4.0 * se,
        "{p} vs {expected} (se {se})"
    );
    // And the direction, paired (same careers, same streams): fewer recruits quit.
    let off = careers(&scenario(SUPPORTED, &set[..1]), n);
    let diffs: Vec<f64> = cs
        .iter()
        .zip(&off)
        .map(|(a, b)| a.downline_quit as f64 - b.downline_quit as f64)
        .collect();
    let (d, se) = mean_se(&diffs);
    assert!(d < -4.0 * se, "support should lower quits: {d} (se {se})");
}

/// "Invest in those who act": with recruits who either work or barely do, and volume only
/// from the customers the workers win, policy "active" keeps the workers longer than "even"
/// and pays the sponsor more commissions (paired over the same careers).
#[test]
fn supporting_those_who_act_pays_more_than_spreading_evenly() {
    let text = "name='act'\nmonths=24\n\
        [prospecting]\ncontacts_per_month=20\njoin_probability=0.05\ncustomer_probability=0.05\n\
        [consistency]\ninactive_below=0.5\ninactive_months=100\n\
        [motivation]\ninitial={ beta = [0.2, 0.2] }\n\
        [economics]\ncustomer_order=100\ncommission_rates=[0.1]\n\
        [downline]\ndepth=1\nneglect_dropout=0.2\n\
        [support]\nhours_per_month=1\neffect=1\n";
    let n = 6_000;
    let active = careers(&scenario(text, &["support.policy=\"active\""]), n);
    let even = careers(&scenario(text, &["support.policy=\"even\""]), n);
    let diffs: Vec<f64> = active
        .iter()
        .zip(&even)
        .map(|(a, b)| a.person.money.commissions - b.person.money.commissions)
        .collect();
    let (d, se) = mean_se(&diffs);
    assert!(d > 3.0 * se, "active - even commissions: {d} (se {se})");
}

/// The followed person's income does not depend on how deep the downline is simulated once
/// every paid level is: `downline.depth` 1 (raised to paid levels + 1) and 6 give the same
/// money, career for career.
#[test]
fn every_paid_level_is_simulated() {
    let text = "name='t'\nmonths=18\n\
        [prospecting]\ncontacts_per_month=20\njoin_probability=0.03\n\
        [economics]\nmonthly_purchase=100\ncommission_rates=[0.05, 0.04, 0.03]\n\
        [attrition]\nlife_events_per_month=0.15\n";
    let shallow = scenario(text, &["downline.depth=1"]);
    assert_eq!(simulated_depth(&shallow), 4);
    let a = careers(&shallow, 300);
    let b = careers(&scenario(text, &["downline.depth=6"]), 300);
    let mut paid = 0;
    for (x, y) in a.iter().zip(&b) {
        assert!(!x.capped && !y.capped);
        assert_eq!(x.person, y.person);
        paid += u64::from(x.person.money.commissions > 0.0);
    }
    assert!(paid > 30, "{paid}");
}

/// The driver gives the same careers at any thread count and any split or order of the
/// careers, with support and everything else on: a career depends on (seed, index) alone, not
/// on which worker or workspace ran it or what ran before. (The engine's own tests check that
/// tallies merge the same at any thread count and split; the model does not import it.)
#[test]
fn same_careers_at_any_thread_count_and_split() {
    use rayon::prelude::*;
    let s = parse(
        include_str!("../../scenarios/typical.toml"),
        "typical.toml",
        &[
            Override::parse("support.policy=\"active\"").unwrap(),
            Override::parse("support.hours_per_month=3").unwrap(),
            Override::parse("support.effect=0.5").unwrap(),
        ],
    )
    .unwrap();
    let m = Model::new(&s);
    let n = 600u64;
    let sequential = careers(&s, n);
    let pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    };
    for threads in [1, 3] {
        let parallel: Vec<CareerOutcome> = pool(threads).install(|| {
            (0..n)
                .into_par_iter()
                .map_init(|| m.workspace(), |ws, i| m.career(i, ws))
                .collect()
        });
        assert_eq!(parallel, sequential, "{threads} threads");
    }
    // Two shards, the second run first and backwards through one reused workspace.
    let mut ws = m.workspace();
    let mut split: Vec<CareerOutcome> = (350..n).rev().map(|i| m.career(i, &mut ws)).collect();
    split.reverse();
    let mut first: Vec<CareerOutcome> = (0..350).map(|i| m.career(i, &mut ws)).collect();
    first.extend(split);
    assert_eq!(first, sequential);
}

/// Recruits start working the month after they join: a career of one month has no downline.
#[test]
fn recruits_start_the_month_after_they_join() {
    let s = scenario(
        "name='x'\nmonths=1\n[prospecting]\ncontacts_per_month=100\njoin_probability=0.5\n[downline]\ndepth=2\n",
        &[],
    );
    for c in careers(&s, 20) {
        assert!(c.person.recruits > 0);
        assert_eq!(c.downline_size, 0);
        assert_eq!(c.person_months, 1);
    }
}

/// The single-person path (no downline) gives exactly the careers of the tree driver with
/// one person: forcing the tree driver on a depth-0 scenario changes nothing.
#[test]
fn the_single_person_path_matches_the_tree_driver() {
    for text in [
        include_str!("../../scenarios/bench-reduced.toml"),
        "name='x'\nmonths=24\n[prospecting]\ncustomer_probability=0.05\n[economics]\nmonthly_purchase=50\ncustomer_order=80\nretail_margin=0.3\nloss_tolerance=500\n[rejection]\nsting=0.01\n[downline]\nneglect_dropout=0.05\n",
    ] {
        let s = scenario(text, &[]);
        assert_eq!(simulated_depth(&s), 0);
        let alone = careers(&s, 300);
        let m = Model::new(&s);
        let mut ws = m.workspace();
        for (i, c) in alone.iter().enumerate() {
            assert_eq!(&m.career_as_tree(i as u64, &mut ws), c, "career {i}");
        }
    }
}
