//! The expected work of a run, estimated before it starts.
//!
//! Downlines are recursive, so a scenario with generous recruiting and several levels can ask
//! for astronomically many simulated people. This module computes, in well under a millisecond,
//! how many person-months a run is expected to simulate, so that `mlm-sim run` can refuse a
//! runaway scenario up front instead of running for days (see `--max-work` and
//! docs/model.md, "Limits and work estimate").
//!
//! The estimate is a deterministic mean-field recursion: one distributor with every parameter
//! at its mean, motivation held at its initial value, and only the *fixed* hazards (neglect,
//! life events) and the deterministic inactivity rule ending careers. The motivation-driven
//! quits (rejection burnout, disillusionment) and financial-loss quits are ignored, and so is
//! the fading of follow-through, so the estimate errs high: a scenario it accepts will not do
//! much more work than estimated, on average. Drawn parameters are averaged over sampled
//! people, clamped as the model clamps them, with a margin for the sampling error (see
//! `drawn_upper_bound`), so a distribution cannot hide work behind its mean.

use super::Derived;
use crate::scenario::Scenario;

/// Default for `--max-work`: person-months a run may be expected to simulate.
///
/// 10^11 estimated person-months is at most a few hours on one core: the engine simulates
/// about 6 million person-months per second per core (shipped numbers-game scenario, one
/// thread, release build), and the estimate runs high. The shipped scenarios at their default
/// 100,000 careers are estimated at about 4 x 10^7 to 6 x 10^7 (they simulate about 3 x 10^6).
pub const DEFAULT_MAX_WORK: f64 = 1e11;

/// What a run is expected to cost, from the mean-field recursion.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkEstimate {
    /// Expected direct recruits of one distributor who joins in month 0 and works to the
    /// horizon or a fixed-hazard quit: the branching factor R.
    pub recruits_per_person: f64,
    /// Expected people simulated for one followed career, per level (level 0 = the followed
    /// distributor, so `people_per_level[0] == 1`). Bounded by `R^level`; smaller because
    /// recruits who join late have less time to recruit.
    pub people_per_level: Vec<f64>,
    /// Expected person-months simulated for one followed career, downline included.
    pub person_months_per_career: f64,
    /// Expected person-months for the whole run: careers x `person_months_per_career`.
    pub person_months: f64,
}

impl WorkEstimate {
    /// Expected people simulated for one followed career (the followed distributor included).
    pub fn people_per_career(&self) -> f64 {
        self.people_per_level.iter().sum()
    }
}

/// Estimate the work of running `scenario` (see the module documentation for the method).
///
/// Per person, month `tau` after joining: consistency `c = floor + (1 - floor)(1 - decay)^tau`,
/// effort `e = c x m0`, contacts `e x contacts x follow_through + referral_rate x customers`,
/// joins `contacts x p_join`, and survival `S(tau) = ((1 - neglect)(1 - life))^tau` (zero once
/// effort has stayed below `inactive_below` for `inactive_months`). Then with `j(tau) = S(tau)
/// x joins(tau)`, the expected number of level-`l` people joining in month `t` is
/// `N[l+1](t) = sum over s <= t of N[l](s) x j(t - s)`, with `N[0]` one person in month 0, and
/// the work is `sum over l, s of N[l](s) x sum over tau < months - s of S(tau)`.
pub fn expected_work(scenario: &Scenario) -> WorkEstimate {
    let months = scenario.months as usize;
    let (survival, kernel) = if scenario.varying().is_empty() {
        let d = Derived::from_traits(&scenario.base_traits(), time_budget(scenario));
        let (survival, joins) = mean_field_person(&d, months, scenario.inactive_months);
        // kernel[tau]: expected recruits in month tau after joining (alive and recruiting).
        let kernel: Vec<f64> = survival.iter().zip(&joins).map(|(s, j)| s * j).collect();
        (survival, kernel)
    } else {
        drawn_upper_bound(scenario, months)
    };
    // worked[h]: expected person-months of someone with h months left before the horizon.
    let mut worked = vec![0.0; months + 1];
    for h in 1..=months {
        worked[h] = worked[h - 1] + survival[h - 1];
    }
    let recruits_per_person = kernel.iter().sum();

    let mut level = vec![0.0; months];
    level[0] = 1.0;
    let mut people_per_level = vec![1.0];
    let mut person_months_per_career = worked[months];
    // The levels actually simulated (at least one more than the paid levels, issue 12).
    for _ in 0..super::simulated_depth(scenario) {
        let mut next = vec![0.0; months];
        for (s, &n) in level.iter().enumerate() {
            if n == 0.0 {
                continue;
            }
            // Recruits signed in month t start working in month t + 1 (issue 12).
            for t in s..months.saturating_sub(1) {
                next[t + 1] += n * kernel[t - s];
            }
        }
        people_per_level.push(next.iter().sum());
        person_months_per_career += next
            .iter()
            .enumerate()
            .map(|(s, n)| n * worked[months - s])
            .sum::<f64>();
        level = next;
    }
    let person_months = scenario.careers as f64 * person_months_per_career;
    WorkEstimate {
        recruits_per_person,
        people_per_level,
        person_months_per_career,
        person_months: if person_months.is_nan() {
            f64::INFINITY
        } else {
            person_months
        },
    }
}

/// People drawn to average over when parameters are drawn per person.
const DRAWN_PEOPLE: u64 = 512;

/// Standard errors added to each averaged month, so that the sampling error of the average
/// cannot turn the estimate into an under-estimate.
const DRAWN_MARGIN_SE: f64 = 4.0;

/// Survival and recruiting kernel per month after joining, averaged over people whose drawn
/// parameters are sampled and clamped exactly as the model does, plus a margin of
/// [`DRAWN_MARGIN_SE`] standard errors.
///
/// Why not the parameters' means: a distribution is clamped to its key's range after drawing,
/// so `join_probability = { normal = [0, 1e9] }` has a mean of 0 but draws 1 half the time
/// (the old estimate was 21,700 times too low), and the work is convex in the recruiting
/// parameters, so even an unclamped mean under-estimates it (Jensen). Every person draws
/// independently, so the expected level sizes follow from the *average* kernel: that is what
/// the recursion needs, and averaging is exact for it.
fn drawn_upper_bound(scenario: &Scenario, months: usize) -> (Vec<f64>, Vec<f64>) {
    use super::rng::{stream, Purpose};
    let base = scenario.base_traits();
    let varying = scenario.varying();
    let mut sum_s = vec![0.0; months];
    let mut sum_s2 = vec![0.0; months];
    let mut sum_k = vec![0.0; months];
    let mut sum_k2 = vec![0.0; months];
    for person in 0..DRAWN_PEOPLE {
        let mut traits = base;
        // A stream of its own: the estimate never shares draws with a simulated career.
        let mut rng = stream(0x6573_7469_6d61_7465 ^ person, Purpose::Traits);
        for (id, dist) in &varying {
            let (lo, hi) = (id.spec().min, id.spec().max);
            let v = dist.sample(&mut rng);
            traits.set(*id, if v.is_nan() { lo } else { v.clamp(lo, hi) });
        }
        let d = Derived::from_traits(&traits, time_budget(scenario));
        let (survival, joins) = mean_field_person(&d, months, scenario.inactive_months);
        for tau in 0..months {
            let k = survival[tau] * joins[tau];
            sum_s[tau] += survival[tau];
            sum_s2[tau] += survival[tau] * survival[tau];
            sum_k[tau] += k;
            sum_k2[tau] += k * k;
        }
    }
    let n = DRAWN_PEOPLE as f64;
    let upper = |sum: f64, sum2: f64| {
        let mean = sum / n;
        let var = ((sum2 / n - mean * mean) * n / (n - 1.0)).max(0.0);
        mean + DRAWN_MARGIN_SE * (var / n).sqrt()
    };
    let survival = (0..months)
        .map(|t| upper(sum_s[t], sum_s2[t]).min(1.0))
        .collect();
    let kernel = (0..months).map(|t| upper(sum_k[t], sum_k2[t])).collect();
    (survival, kernel)
}

/// Whether `scenario` counts hours (`time.hours_per_month` may be positive for someone).
fn time_budget(scenario: &Scenario) -> bool {
    let base = scenario.base_traits();
    let varying = scenario.varying();
    super::markets::uses_time_budget(&|id| varying.iter().any(|v| v.0 == id) || base.get(id) > 0.0)
}

/// Survival (share still working at the start of each month after joining) and expected joins
/// per month for a distributor who stays in, over `months` months.
fn mean_field_person(d: &Derived, months: usize, inactive_months: u32) -> (Vec<f64>, Vec<f64>) {
    let stay = (1.0 - d.neglect) * (1.0 - d.life);
    let mut survival = Vec::with_capacity(months);
    let mut joins = Vec::with_capacity(months);
    let mut alive = 1.0;
    let mut decay_pow = 1.0;
    let mut customers = 0.0;
    let mut low_streak = 0u32;
    for _ in 0..months {
        let consistency = d.floor + (1.0 - d.floor) * decay_pow;
        decay_pow *= 1.0 - d.decay;
        let effort = consistency * d.initial_motivation;
        // Issue 12: contacts from hours when time is counted, and the better of the warm and
        // cold join chances (so the estimate errs high).
        let (planned, p_join) = d.markets.estimate_contacts_and_join(d, effort);
        let contacts = planned + d.referral_rate * customers;
        survival.push(alive);
        joins.push(contacts * p_join);
        customers = (customers * (1.0 - d.churn) + contacts * d.p_customer)
            .min(super::MAX_CUSTOMERS as f64);
        // Month-end quits: inactivity is certain in the mean field; the hazards are shares.
        if effort < d.inactive_below {
            low_streak += 1;
        } else {
            low_streak = 0;
        }
        alive = if low_streak >= inactive_months {
            0.0
        } else {
            alive * stay
        };
    }
    (survival, joins)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, Hooks};
    use crate::model::Model;
    use crate::scenario::{parse, Override};
    use proptest::prelude::*;
    use std::sync::atomic::AtomicBool;

    fn scenario(text: &str) -> Scenario {
        parse(text, "t.toml", &[]).unwrap()
    }

    #[test]
    fn no_downline_and_no_hazards_is_careers_times_months() {
        let s = scenario("name='x'\nmonths=36\ncareers=1000\n");
        let w = expected_work(&s);
        assert_eq!(w.person_months, 36_000.0);
        assert_eq!(w.people_per_level, vec![1.0]);
    }

    #[test]
    fn constant_recruiting_gives_closed_form_levels() {
        // 10 contacts x 0.1 = 1 recruit a month, no decay, no quits, M = 12 months. Recruits
        // start the month after they sign, and no one signed in the last month starts, so a
        // person starting in month s brings in (M - 1 - s) people: level 1 has 11 people
        // (starting in months 1..=11), level 2 has sum_{s=1}^{11} (11 - s) = 55, with u - 1 of
        // them starting in month u, each working M - u months.
        let s = scenario(
            "name='x'\nmonths=12\ncareers=1\n[prospecting]\ncontacts_per_month=10\njoin_probability=0.1\n[downline]\ndepth=2\n",
        );
        let w = expected_work(&s);
        assert!((w.recruits_per_person - 12.0).abs() < 1e-9);
        assert!((w.people_per_level[1] - 11.0).abs() < 1e-9);
        assert!((w.people_per_level[2] - 55.0).abs() < 1e-9);
        assert!(w.people_per_level[2] <= w.recruits_per_person.powi(2));
        // Work: 12 + sum_{s=1}^{11} (12 - s) + sum_{u=2}^{11} (u - 1)(12 - u) = 12 + 66 + 220.
        assert!((w.person_months_per_career - 298.0).abs() < 1e-9);
    }

    #[test]
    fn estimate_matches_simulation_when_only_fixed_hazards_end_careers() {
        // Poisson recruiting at a constant rate with a life-event hazard: the mean field is
        // exact in expectation here, so the simulated mean person-months per career must lie
        // within a few standard errors of the estimate. Downline sizes are strongly skewed,
        // so the check uses the sample standard deviation from the run itself (via the
        // per-career outcomes).
        let s = scenario(
            "name='x'\nmonths=24\ncareers=4000\n[prospecting]\ncontacts_per_month=10\njoin_probability=0.03\n[downline]\ndepth=2\n[attrition]\nlife_events_per_month=0.05\n",
        );
        let w = expected_work(&s);
        let m = Model::new(&s);
        let mut ws = m.workspace();
        let samples: Vec<f64> = (0..s.careers)
            .map(|i| m.career(i, &mut ws).person_months as f64)
            .collect();
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let se = (var / n).sqrt();
        assert!(
            (mean - w.person_months_per_career).abs() < 4.0 * se,
            "simulated {mean} ± {se}, estimated {}",
            w.person_months_per_career
        );
        // And the engine's own total agrees with the per-career sum.
        let cancel = AtomicBool::new(false);
        let h = Hooks {
            progress: &|_| {},
            cancel: &cancel,
        };
        let t = engine::run(&s, &m, 0..s.careers, &h).unwrap();
        assert_eq!(t.person_months as f64, samples.iter().sum::<f64>());
    }

    /// Simulated mean person-months per career of `s` and its standard error.
    fn simulated_per_career(s: &Scenario) -> (f64, f64) {
        let m = Model::new(s);
        let mut ws = m.workspace();
        let samples: Vec<f64> = (0..s.careers)
            .map(|i| m.career(i, &mut ws).person_months as f64)
            .collect();
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    }

    #[test]
    fn a_distribution_clamped_to_its_range_cannot_hide_work_behind_its_mean() {
        // Issue 15: a normal with mean 0 and a huge spread is clamped to [0, 1]: half the
        // people join with certainty. The old estimate used the mean (0) and was thousands of
        // times too low.
        let o = |t: &str| Override::parse(t).unwrap();
        let s = parse(
            "name='x'\nmonths=12\ncareers=40\n",
            "t.toml",
            &[
                o("prospecting.join_probability={ normal = [0, 1e9] }"),
                o("prospecting.contacts_per_month=2"),
                o("downline.depth=2"),
            ],
        )
        .unwrap();
        let w = expected_work(&s);
        let (mean, se) = simulated_per_career(&s);
        assert!(
            w.person_months_per_career >= mean - 4.0 * se,
            "estimated {} < simulated {mean} ± {se}",
            w.person_months_per_career
        );
        // The mean-based estimate said 12 (nobody joins at a join probability of 0).
        assert!(w.person_months_per_career > 10.0 * 12.0, "{w:?}");
    }

    /// One adversarial distribution for a recruiting key: spreads far beyond the key's range,
    /// means outside it, heavy tails.
    fn adversarial_dist() -> impl Strategy<Value = String> {
        prop_oneof![
            (0.0f64..1.0, 0.0f64..9.0)
                .prop_map(|(m, e)| format!("{{ normal = [{m}, {}] }}", 10f64.powf(e))),
            (-3.0f64..1.0, 0.1f64..3.0)
                .prop_map(|(mu, s)| format!("{{ lognormal = [{mu}, {s}] }}")),
            (0.0f64..1.0, 0.0f64..1.0).prop_map(|(a, b)| format!(
                "{{ uniform = [{}, {}] }}",
                a.min(b),
                a.max(b)
            )),
            (0.05f64..5.0, 0.05f64..5.0).prop_map(|(a, b)| format!("{{ beta = [{a}, {b}] }}")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// With drawn parameters the estimate stays an over-estimate of what is simulated
        /// (within 4 standard errors of the simulated mean), whatever the distributions.
        #[test]
        fn the_estimate_bounds_the_simulated_work_for_adversarial_distributions(
            join in adversarial_dist(),
            follow in adversarial_dist(),
            contacts in (0.5f64..30.0, 0.0f64..6.0),
            life in adversarial_dist(),
            depth in 0u32..=3,
            months in 6u32..=24,
        ) {
            let o = |t: String| Override::parse(&t).unwrap();
            let s = parse(
                &format!("name='x'\nmonths={months}\ncareers=150\n"),
                "t.toml",
                &[
                    o(format!("prospecting.join_probability={join}")),
                    o(format!("prospecting.follow_through={follow}")),
                    o(format!(
                        "prospecting.contacts_per_month={{ normal = [{}, {}] }}",
                        contacts.0,
                        10f64.powf(contacts.1)
                    )),
                    o(format!("attrition.life_events_per_month={life}")),
                    o(format!("downline.depth={depth}")),
                ],
            )
            .unwrap();
            let w = expected_work(&s);
            // Only cheap cases can be simulated; a high estimate is refused anyway.
            prop_assume!(w.person_months < 1.5e6);
            let (mean, se) = simulated_per_career(&s);
            prop_assert!(
                w.person_months_per_career >= mean - 4.0 * se,
                "estimated {} < simulated {} ± {}",
                w.person_months_per_career,
                mean,
                se
            );
        }
    }

    #[test]
    fn shipped_scenarios_are_far_below_the_default_limit() {
        for (text, file) in [
            (
                include_str!("../../scenarios/numbers-game.toml"),
                "numbers-game.toml",
            ),
            (
                include_str!("../../scenarios/relationship.toml"),
                "relationship.toml",
            ),
        ] {
            let s = parse(text, file, &[]).unwrap();
            let w = expected_work(&s);
            assert!(w.person_months.is_finite());
            assert!(w.person_months < DEFAULT_MAX_WORK / 100.0, "{file}: {w:?}");
        }
    }

    #[test]
    fn runaway_recruiting_is_estimated_astronomically_large() {
        let o = |t: &str| Override::parse(t).unwrap();
        let s = parse(
            "name='x'\n",
            "t.toml",
            &[
                o("prospecting.contacts_per_month=200"),
                o("prospecting.join_probability=0.2"),
                o("downline.depth=4"),
                o("months=36"),
            ],
        )
        .unwrap();
        let w = expected_work(&s);
        assert!(w.person_months > DEFAULT_MAX_WORK, "{w:?}");
        // Exponential customer growth through referrals must not turn into NaN.
        let s = parse(
            "name='x'\nmonths=600\n",
            "t.toml",
            &[
                o("prospecting.customer_probability=0.9"),
                o("prospecting.join_probability=0.1"),
                o("relationships.rapport=1"),
                o("relationships.referrals_per_customer=10"),
                o("downline.depth=6"),
            ],
        )
        .unwrap();
        let w = expected_work(&s);
        assert!(!w.person_months.is_nan() && w.person_months > DEFAULT_MAX_WORK);
    }
}
