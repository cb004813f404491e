//! Neutral values, closed forms and directions of the time budget and the warm and cold
//! markets. Direction tests are paired (common random numbers: career `k` has the same streams
//! in both scenarios) and their tolerances come from the standard error of the paired
//! differences, never from a previous run's numbers.

use super::*;
use crate::model::rng::career_key;
use crate::model::Model;
use crate::outcome::{CareerOutcome, EndReason};
use crate::scenario::parse;

fn model(text: &str) -> Model {
    Model::new(&parse(text, "t.toml", &[]).unwrap_or_else(|e| panic!("{e}")))
}

fn careers(m: &Model, n: u64) -> Vec<CareerOutcome> {
    let mut ws = m.workspace();
    (0..n).map(|i| m.career(i, &mut ws)).collect()
}

/// Mean and standard error of the paired differences `f(a) - f(b)`.
fn paired(
    a: &[CareerOutcome],
    b: &[CareerOutcome],
    f: impl Fn(&CareerOutcome) -> f64,
) -> (f64, f64) {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| f(x) - f(y)).collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Asserts that `f` is larger in `a` than in `b` by more than 4 standard errors.
fn assert_larger(
    a: &[CareerOutcome],
    b: &[CareerOutcome],
    what: &str,
    f: impl Fn(&CareerOutcome) -> f64,
) {
    let (mean, se) = paired(a, b, f);
    assert!(
        mean > 4.0 * se && mean > 0.0,
        "{what}: paired difference {mean} +- {se}"
    );
}

/// One person's months driven directly (no downline, quitting ignored), `hours_elsewhere`
/// taken each month; the customers base starts at `customers`.
fn months_of(m: &Model, months: u32, customers: u32, hours_elsewhere: f64) -> Vec<MonthDraws> {
    let key = career_key(3, 0);
    let d = m.derived_for(key, 0, None);
    let mut s = Streams::new(key, &d, m.rejections_matter);
    let mut st = PersonState::for_recruit(&d, 0.0);
    st.customers = customers;
    (0..months)
        .map(|tau| {
            let draws = st.prospect::<false, true, _>(&d, &mut s, 1.0, hours_elsewhere);
            st.serve_customers::<false, _>(&d, &mut s, draws.new_customers);
            st.settle::<false, true, true, true, _>(&d, &mut s, &draws, tau, 0.0, 3);
            draws
        })
        .collect()
}

// typical.toml and company-typical.toml are not among them since issue 13 (they have a warm
// market).
const SHIPPED: [&str; 2] = [
    include_str!("../../../scenarios/bench-reduced.toml"),
    "name='x'\nmonths=36\n[prospecting]\ncontacts_per_month=30\njoin_probability=0.05\ncustomer_probability=0.1\nfollow_through_fade=0.01\n[relationships]\nrapport=0.5\nreferrals_per_customer=0.3\n[rejection]\nsting=0.02\n[motivation]\nquit_below=0.3\nrecovery=0.2\n[downline]\ndepth=2\n[economics]\nmonthly_purchase=50\ncustomer_order=40\nretail_margin=0.2\ncustomer_churn=0.1\ncommission_rates=[0.05,0.03]\n",
];

/// With every key of this module at its neutral value, the markets path of the monthly step
/// (forced on) gives exactly the careers the old step gives: the old arithmetic is the
/// reference, career for career.
#[test]
fn neutral_values_reproduce_the_old_step_career_for_career() {
    for text in SHIPPED {
        let old = model(text);
        assert!(!old.markets, "no key of issue 12 is set: the old path runs");
        let forced = Model {
            markets: true,
            lean: false,
            ..old.clone()
        };
        let (mut a, mut b) = (old.workspace(), forced.workspace());
        for i in 0..300 {
            assert_eq!(
                old.career(i, &mut a),
                forced.career(i, &mut b),
                "career {i}"
            );
        }
    }
}

/// Writing the neutral values explicitly switches nothing on.
#[test]
fn explicit_neutral_values_leave_the_old_path() {
    let m = model(
        "name='x'\n[time]\nhours_per_month=0\nhours_per_customer=0\n[prospecting]\nhours_per_contact=3\nhalf_chance_hours=0\ntime_curve_steepness=2\n[warm]\npeople_known=0\nconversion_multiplier=1\nawkwardness=0\ncold_market=1\noverlap_with_sponsor=0\n",
    );
    assert!(!m.markets && !m.time_budget);
    assert!(model("name='x'\n[warm]\ncold_market=0.5\n").markets);
    assert!(model("name='x'\n[warm]\npeople_known=10\n").markets);
    assert!(model("name='x'\n[time]\nhours_per_month={ uniform = [0, 10] }\n").time_budget);
}

/// `argmax_h g(h)/h = a (n-1)^(1/n)` for `n > 1`, checked against a fine grid; for `n <= 1`
/// yeses per hour only fall with `h`.
#[test]
fn best_time_per_contact_maximises_yeses_per_hour() {
    for (a, n) in [(1.0, 2.0), (2.5, 3.0), (0.5, 1.5), (4.0, 6.0)] {
        let best = best_hours_per_contact(a, n).unwrap();
        let per_hour = |h: f64| hill(h, a, n) / h;
        let grid_best = (1..20_000)
            .map(|i| i as f64 * 0.001 * a)
            .max_by(|x, y| per_hour(*x).total_cmp(&per_hour(*y)))
            .unwrap();
        assert!(
            (grid_best - best).abs() <= 0.001 * a,
            "a={a} n={n}: {best} vs grid {grid_best}"
        );
        assert!(
            (hill(a, a, n) - 0.5).abs() < 1e-15,
            "half the ceiling at h = a"
        );
    }
    for n in [0.5, 1.0] {
        assert_eq!(best_hours_per_contact(1.0, n), None);
        let per_hour: Vec<f64> = (1..100)
            .map(|i| hill(i as f64 * 0.1, 1.0, n) / (i as f64 * 0.1))
            .collect();
        assert!(per_hour.windows(2).all(|w| w[1] < w[0]));
    }
    assert_eq!(hill(0.3, 0.0, 2.0), 1.0);
    assert_eq!(hill(0.0, 1.0, 2.0), 0.0);
}

/// Contacts are prospecting hours / hours per contact: with no decay and full motivation the
/// month's contact mean is `hours_per_month x follow_through / hours_per_contact` exactly.
#[test]
fn contacts_are_hours_over_time_per_contact() {
    let m = model(
        "name='x'\n[time]\nhours_per_month=40\n[prospecting]\nfollow_through=0.5\nhours_per_contact=2\njoin_probability=0.1\n",
    );
    let draws = months_of(&m, 3, 0, 0.0);
    assert!(draws.iter().all(|d| d.contacts == 40.0 * 0.5 / 2.0));
    // Hours spent elsewhere (supporting recruits) come out of prospecting.
    let draws = months_of(&m, 3, 0, 6.0);
    assert!(draws.iter().all(|d| d.contacts == (40.0 * 0.5 - 6.0) / 2.0));
}

/// Customer care comes first: when it takes every hour, no contacts are made.
#[test]
fn hours_all_spent_on_customer_care_leave_no_contacts() {
    let m = model(
        "name='x'\n[time]\nhours_per_month=40\nhours_per_customer=5\n[prospecting]\nhours_per_contact=1\njoin_probability=0.5\ncustomer_probability=0.5\n",
    );
    // 8 customers x 5 hours = 40 hours: nothing left; churn is 0, so the base stays.
    let draws = months_of(&m, 12, 8, 0.0);
    assert!(draws
        .iter()
        .all(|d| d.contacts == 0.0 && d.joins == 0 && d.new_customers == 0));
    // With 6 customers, 10 hours are left: 10 contacts a month.
    let draws = months_of(&m, 1, 6, 0.0);
    assert_eq!(draws[0].contacts, 10.0);
    // Supporting recruits can take the rest.
    let draws = months_of(&m, 1, 6, 10.0);
    assert_eq!(draws[0].contacts, 0.0);
}

/// With a warm market of `W` people and no cold market (and no referrals), no one makes more
/// than `W` contacts; someone with hours to spare makes exactly `W`.
#[test]
fn with_no_cold_market_no_one_makes_more_than_w_contacts() {
    for (w, hours) in [(50u64, 400.0), (200, 20.0), (7, 1.0)] {
        let m = model(&format!(
            "name='x'\n[time]\nhours_per_month={hours}\n[prospecting]\nhours_per_contact=1\njoin_probability=0.05\ncustomer_probability=0.05\n[warm]\npeople_known={w}\ncold_market=0\nconversion_multiplier=2\n"
        ));
        for person in 0..50u64 {
            let key = career_key(11, person);
            let d = m.derived_for(key, 0, None);
            let mut s = Streams::new(key, &d, m.rejections_matter);
            let mut st = PersonState::for_recruit(&d, 0.0);
            let mut made = 0.0;
            for tau in 0..120 {
                let o = st.prospect::<false, true, _>(&d, &mut s, 1.0, 0.0);
                // Every contact gave exactly one answer.
                assert_eq!(
                    o.contacts,
                    (o.joins + o.new_customers + o.rejections + o.warm_rejections) as f64
                );
                st.serve_customers::<false, _>(&d, &mut s, o.new_customers);
                st.settle::<false, false, false, true, _>(&d, &mut s, &o, tau, 0.0, 3);
                made += o.contacts;
            }
            assert!(made <= w as f64, "{made} contacts with W = {w}");
            assert_eq!(made, (w - st.warm_left()) as f64);
            if hours * 120.0 > 4.0 * w as f64 {
                assert_eq!(made, w as f64, "hours to spare use the whole list");
            }
        }
    }
}

/// A recruit's list loses the share the sponsor also knows and has already approached.
#[test]
fn a_recruits_warm_list_overlaps_the_sponsors() {
    let m = model("name='x'\n[warm]\npeople_known=100\noverlap_with_sponsor=0.4\n");
    let d = m.derived_for(0, 0, None);
    assert_eq!(PersonState::for_recruit(&d, 0.0).warm_left(), 100);
    assert_eq!(PersonState::for_recruit(&d, 1.0).warm_left(), 60);
    assert_eq!(PersonState::for_recruit(&d, 0.5).warm_left(), 80);
    let none = model("name='x'\n[warm]\npeople_known=100\n");
    assert_eq!(
        PersonState::for_recruit(&none.derived_for(0, 0, None), 1.0).warm_left(),
        100
    );
}

const PERSON: &str = "name='p'\nmonths=24\n[time]\nhours_per_month=HOURS\n[prospecting]\nhours_per_contact=HPC\nhalf_chance_hours=1\ntime_curve_steepness=2\njoin_probability=0.3\ncustomer_probability=0.2\n[warm]\npeople_known=WARM\nawkwardness=AWK\n[rejection]\nsting=0.01\n[motivation]\nquit_below=0.3\nrecovery=0.1\n[consistency]\ndecay_per_month=0.05\nfloor=0.4\n[attrition]\nlife_events_per_month=0.01\n";

fn person(hours: f64, hpc: f64, warm: u32, awk: f64) -> Model {
    model(
        &PERSON
            .replace("HOURS", &hours.to_string())
            .replace("HPC", &hpc.to_string())
            .replace("WARM", &warm.to_string())
            .replace("AWK", &awk.to_string()),
    )
}

#[test]
fn more_hours_bring_more_recruits() {
    let (more, fewer) = (
        careers(&person(30.0, 1.0, 0, 0.0), 3000),
        careers(&person(10.0, 1.0, 0, 0.0), 3000),
    );
    assert_larger(&more, &fewer, "recruits", |c| c.person.recruits as f64);
}

#[test]
fn customer_care_takes_time_from_prospecting() {
    let base = PERSON
        .replace("HOURS", "20")
        .replace("HPC", "1")
        .replace("WARM", "0")
        .replace("AWK", "0");
    let free = careers(&model(&base), 3000);
    let costly = careers(
        &model(&base.replace("[time]\n", "[time]\nhours_per_customer=2\n")),
        3000,
    );
    assert_larger(&free, &costly, "recruits", |c| c.person.recruits as f64);
}

/// Yeses per hour peak at `h* = a (n-1)^(1/n)` (here a = 1, n = 2: h* = 1): with equal hours,
/// one hour per contact brings more recruits than a third or three times as much.
#[test]
fn the_best_time_per_contact_brings_the_most_recruits() {
    let at_best = careers(&person(20.0, 1.0, 0, 0.0), 3000);
    for other in [1.0 / 3.0, 3.0] {
        let off = careers(&person(20.0, other, 0, 0.0), 3000);
        assert_larger(
            &at_best,
            &off,
            &format!("recruits against {other} h"),
            |c| c.person.recruits as f64,
        );
    }
}

/// Warm "no"s are awkward: awkwardness ends careers with its own quit reason, and earlier.
#[test]
fn awkwardness_ends_careers_as_awkward_with_friends() {
    let calm = careers(&person(20.0, 1.0, 150, 0.0), 3000);
    let awkward = careers(&person(20.0, 1.0, 150, 0.03), 3000);
    let awkward_quits = |cs: &[CareerOutcome]| {
        cs.iter()
            .filter(|c| c.person.end == EndReason::AwkwardWithFriends)
            .count()
    };
    assert_eq!(awkward_quits(&calm), 0);
    assert_larger(&awkward, &calm, "awkward quits", |c| {
        f64::from(u8::from(c.person.end == EndReason::AwkwardWithFriends))
    });
    assert_larger(&calm, &awkward, "months active", |c| {
        f64::from(c.person.months_active)
    });
}

/// Warm contacts convert better: a warm market with a conversion multiplier brings more recruits.
#[test]
fn a_warm_market_brings_more_recruits() {
    let base = PERSON
        .replace("HOURS", "20")
        .replace("HPC", "1")
        .replace("AWK", "0");
    let cold = careers(&model(&base.replace("WARM", "0")), 3000);
    let warm = careers(
        &model(
            &base
                .replace("WARM", "100")
                .replace("[warm]\n", "[warm]\nconversion_multiplier=2\n"),
        ),
        3000,
    );
    assert_larger(&warm, &cold, "recruits", |c| c.person.recruits as f64);
}

/// Recruits whose lists overlap a sponsor who has used theirs find fewer people to talk to, so
/// the downline is smaller.
#[test]
fn overlap_with_the_sponsor_shrinks_the_downline() {
    let base = PERSON
        .replace("HOURS", "20")
        .replace("HPC", "1")
        .replace("AWK", "0")
        .replace("WARM", "60")
        + "[downline]\ndepth=2\n";
    let separate = careers(
        &model(
            &(base.clone().replace(
                "[warm]\n",
                "[warm]\ncold_market=0.2\nconversion_multiplier=3\n",
            )),
        ),
        2000,
    );
    let shared = careers(
        &model(&base.replace(
            "[warm]\n",
            "[warm]\ncold_market=0.2\nconversion_multiplier=3\noverlap_with_sponsor=0.9\n",
        )),
        2000,
    );
    assert_larger(&separate, &shared, "downline size", |c| {
        c.downline_size as f64
    });
}

/// The inline rounding of people known is `f64::round` exactly, halves and the values next
/// to them included, over the whole valid range.
#[test]
fn whole_people_rounds_as_the_library_does() {
    let mut xs: Vec<f64> = Vec::new();
    for n in 0..=100_000u32 {
        let x = f64::from(n);
        for y in [x, x + 0.5, x + 0.25, x + 0.75] {
            xs.extend([
                y,
                f64::from_bits(y.to_bits().saturating_sub(1)),
                f64::from_bits(y.to_bits() + 1),
            ]);
        }
    }
    xs.push(0.499_999_999_999_999_94);
    for x in xs.into_iter().filter(|x| (0.0..=100_000.0).contains(x)) {
        assert_eq!(super::whole_people(x), x.round() as u32, "x = {x:e}");
    }
}
