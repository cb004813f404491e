//! Closed forms, determinism and directions of the company world (derivations in
//! `docs/model.md`, "The company world: closed forms"). Tolerances come from the standard
//! errors across replicate companies, never from a previous run's numbers.

use super::report::ReplicateSummary;
use super::World;
use crate::scenario::parse;

fn world(text: &str) -> World {
    World::new(&parse(text, "t.toml", &[]).unwrap_or_else(|e| panic!("{e}"))).unwrap()
}

/// Mean and standard error of the mean of `xs`.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

/// Infinite market (fresh share 1 to within 1e-5), constant recruiting hazard
/// lambda = contacts x p_join and quitting hazard q: E[active in month t] = N (1 + lambda - q)^t.
#[test]
fn infinite_market_membership_follows_the_branching_process() {
    let (n, lambda, q) = (100.0, 0.1, 0.05);
    let w = world(
        "name='bp'\nkind='company'\n[company]\nfounders=100\nyears=2\nreplicates=1\n[market]\nsize=1000000000\n[prospecting]\ncontacts_per_month=1\njoin_probability=0.1\n[attrition]\nlife_events_per_month=0.05\n",
    );
    let replicates = 300;
    let active: Vec<Vec<f64>> = (0..replicates)
        .map(|r| {
            w.simulate(r)
                .months
                .iter()
                .map(|m| m.active as f64)
                .collect()
        })
        .collect();
    for t in [0usize, 6, 12, 23] {
        let xs: Vec<f64> = active.iter().map(|a| a[t]).collect();
        let (mean, se) = mean_se(&xs);
        let expected = n * f64::powi(1.0 + lambda - q, t as i32);
        assert!(
            (mean - expected).abs() <= 4.0 * se + 1e-9,
            "month {t}: mean {mean:.2} +- {se:.2}, branching process {expected:.2}"
        );
    }
}

/// Finite market, no quitting, every contact with a fresh person joins (rate r per member per
/// month): E[P_t] follows P_t = P_{t-1} + r P_{t-1} (M - P_{t-1}) / M to first order; the
/// second-order (mean-field) error is below r Var(P) / M, added to the tolerance.
#[test]
fn finite_market_cumulative_membership_follows_the_discrete_logistic() {
    let (n, m, r) = (200.0, 20_000.0, 0.4);
    let w = world(
        "name='logistic'\nkind='company'\n[company]\nfounders=200\nyears=2\nreplicates=1\n[market]\nsize=20000\n[prospecting]\ncontacts_per_month=0.4\njoin_probability=1\n",
    );
    let replicates = 40;
    let runs: Vec<Vec<f64>> = (0..replicates)
        .map(|i| {
            w.simulate(i)
                .months
                .iter()
                .map(|x| x.participants as f64)
                .collect()
        })
        .collect();
    let mut expected = n;
    // The last month grants no joins (they would start after the horizon).
    for t in 0..23 {
        expected += r * expected * (m - expected) / m;
        let xs: Vec<f64> = runs.iter().map(|a| a[t]).collect();
        let (mean, se) = mean_se(&xs);
        let var = se * se * replicates as f64;
        let tolerance = 4.0 * se + r * var / m + 1e-9;
        assert!(
            (mean - expected).abs() <= tolerance,
            "month {t}: mean {mean:.1} +- {se:.1}, logistic {expected:.1}"
        );
    }
    // And it saturates: the company grows past half the market and never past all of it.
    assert!(expected > 0.5 * m);
    assert!(runs.iter().all(|a| a[23] <= m));
}

const GROWING: &str = "name='grow'\nkind='company'\nseed=7\n[company]\nfounders=300\nyears=3\nreplicates=2\n[market]\nsize=400000\n[prospecting]\ncontacts_per_month=20\njoin_probability=0.05\ncustomer_probability=0.05\n[rejection]\nsting=0.003\n[economics]\nmonthly_purchase=100\ncustomer_order=50\nretail_margin=0.2\ncustomer_churn=0.1\ncommission_rates=[0.05,0.03]\nloss_tolerance=5000\n[plan]\nmin_personal_volume=120\nrank_group_volume=[2000, 10000]\nrank_override=[0.02, 0.05]\n[attrition]\nlife_events_per_month=0.03\n[goals]\nexpected_monthly_income={ lognormal = [5, 0.5] }\ndisillusionment=0.05\n";

/// Same scenario and seed give identical companies on 1 and 2 threads (several chunks of
/// members, ranks, drawn traits and every mechanism on).
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let w = world(GROWING);
    let s = w.settings().clone();
    let run = |threads: usize| -> Vec<ReplicateSummary> {
        pool(threads).install(|| {
            (0..2)
                .map(|r| ReplicateSummary::new(r, &w.simulate(r), &s))
                .collect()
        })
    };
    let one = run(1);
    let two = run(2);
    assert!(
        one[0]
            .months
            .iter()
            .any(|m| m.active > 3 * super::CHUNK as u64),
        "the test company must span several chunks: {:?}",
        one[0].months.iter().map(|m| m.active).max()
    );
    assert_eq!(one, two);
    // Replicates are independent of each other: replicate 1 alone equals replicate 1 in a run.
    let alone = ReplicateSummary::new(1, &w.simulate(1), &s);
    assert_eq!(alone, one[1]);
    assert_ne!(one[0], one[1]);
}

/// Money reconciles: commissions paid never exceed what the plan can pay on the volume, and
/// every member's net equals its parts.
#[test]
fn commissions_never_exceed_the_plan_on_the_volume() {
    let w = world(GROWING);
    let c = w.simulate(0);
    let paid: f64 = c.members.iter().map(|m| m.state.money.commissions).sum();
    let bought: f64 = c.members.iter().map(|m| m.state.money.purchases).sum();
    assert!(paid > 0.0);
    // Volume = purchases (less starter kits, here 0) plus customers' orders; retail profit is
    // 20% of orders, so orders = retail / 0.2.
    let orders: f64 = c.members.iter().map(|m| m.state.money.retail).sum::<f64>() / 0.2;
    assert!(paid <= (0.05 + 0.03 + 0.05) * (bought + orders) + 1e-6);
    assert_eq!(
        c.members.len() as u64,
        c.months.last().unwrap().participants
    );
    for (i, m) in c.members.iter().enumerate() {
        assert_eq!(m.id as usize, i);
        assert!(m.sponsor == super::NO_SPONSOR || m.sponsor < m.id);
    }
}

/// Direction: a bigger market lets the company grow more (replicate means, 4 standard errors).
#[test]
fn a_bigger_market_means_more_participants() {
    let text = "name='m'\nkind='company'\n[company]\nfounders=20\nyears=2\nreplicates=1\n[market]\nsize=MARKET\n[prospecting]\ncontacts_per_month=5\njoin_probability=0.1\n[attrition]\nlife_events_per_month=0.05\n";
    let participants = |market: &str| -> Vec<f64> {
        let w = world(&text.replace("MARKET", market));
        (0..40)
            .map(|r| w.simulate(r).months.last().unwrap().participants as f64)
            .collect()
    };
    let (small, se_s) = mean_se(&participants("3000"));
    let (big, se_b) = mean_se(&participants("300000"));
    assert!(
        big - small > 4.0 * (se_s * se_s + se_b * se_b).sqrt(),
        "{small} vs {big}"
    );
    assert!(small <= 3000.0);
}

/// A company can never have more participants than its market, nor than its cap.
#[test]
fn the_market_and_the_cap_bound_the_company() {
    let w = world(
        "name='cap'\nkind='company'\n[company]\nfounders=10\nyears=2\nmax_participants=700\n[market]\nsize=1000000\n[prospecting]\ncontacts_per_month=10\njoin_probability=0.2\n",
    );
    let c = w.simulate(0);
    assert!(c.capped);
    assert_eq!(c.members.len(), 700);
    let w = world(
        "name='small'\nkind='company'\n[company]\nfounders=10\nyears=2\n[market]\nsize=500\n[prospecting]\ncontacts_per_month=10\njoin_probability=0.2\n",
    );
    let c = w.simulate(0);
    // Contacts with fresh people who say no use the market up too.
    assert!(!c.capped);
    assert!(c.members.len() <= 500);
    assert_eq!(c.months.last().unwrap().fresh, 0);
}

/// Direction: a personal-volume minimum that most members miss leaves more people without
/// any company payment in the disclosure year (replicate means, 4 standard errors).
#[test]
fn a_higher_volume_minimum_leaves_more_people_unpaid() {
    let zero_share = |minimum: &str| -> Vec<f64> {
        let w = world(&GROWING.replace(
            "min_personal_volume=120",
            &format!("min_personal_volume={minimum}"),
        ));
        let s = w.settings().clone();
        (0..4)
            .map(|r| {
                ReplicateSummary::new(r, &w.simulate(r), &s)
                    .statement
                    .zero_share
            })
            .collect()
    };
    let (low, se_l) = mean_se(&zero_share("0"));
    let (high, se_h) = mean_se(&zero_share("400"));
    assert!(
        high - low > 4.0 * (se_l * se_l + se_h * se_h).sqrt(),
        "{low} vs {high}"
    );
}

// ---- Issue 12 (H1): time budget and warm and cold markets in the company world.

fn same_company(a: &super::Company, b: &super::Company) -> bool {
    a.months == b.months
        && a.members.len() == b.members.len()
        && a.members.iter().zip(&b.members).all(|(x, y)| {
            x.state == y.state
                && x.sponsor == y.sponsor
                && x.quit_month() == y.quit_month()
                && x.end() == y.end()
                && x.year_net == y.year_net
        })
}

/// With every key of issue 12 neutral, the markets path of the step (forced on) gives the
/// same companies as the old step, member for member.
#[test]
fn neutral_markets_path_reproduces_the_old_company() {
    let w = world(GROWING);
    let forced = World {
        model: w.model.with_markets_path(),
        ..w.clone()
    };
    for r in 0..2 {
        assert!(
            same_company(&w.simulate(r), &forced.simulate(r)),
            "replicate {r}"
        );
    }
}

const WARM_COMPANY: &str = "name='warm'\nkind='company'\nseed=5\n[company]\nfounders=200\nyears=2\nreplicates=1\n[market]\nsize=200000\n[time]\nhours_per_month={ lognormal = [3, 0.4] }\nhours_per_customer=0.5\n[prospecting]\nhours_per_contact=1\nhalf_chance_hours=1\njoin_probability=0.1\ncustomer_probability=0.1\n[warm]\npeople_known={ lognormal = [4, 0.5] }\nconversion_multiplier=2\nawkwardness=0.02\noverlap_with_sponsor=0.5\n[motivation]\nquit_below=0.3\nrecovery=0.2\n[attrition]\nlife_events_per_month=0.02\n";

/// The warm market's company is the same at any thread count, and some careers end awkward.
#[test]
fn warm_market_company_is_deterministic_and_records_awkward_quits() {
    let w = world(WARM_COMPANY);
    let one = pool(1).install(|| w.simulate(0));
    let two = pool(2).install(|| w.simulate(0));
    assert!(same_company(&one, &two));
    assert!(one
        .members
        .iter()
        .any(|m| m.end() == crate::outcome::EndReason::AwkwardWithFriends));
}

/// Sponsors who support (issue 12, H3): support lowers the share of recruits who drift away
/// unsupported (paired by replicate); a neutral effect changes nothing.
#[test]
fn sponsors_support_keeps_recruits_and_a_neutral_effect_changes_nothing() {
    let base = "name='s'\nkind='company'\n[company]\nfounders=50\nyears=2\nreplicates=1\n\
        [market]\nsize=1000000000\n[prospecting]\ncontacts_per_month=1\njoin_probability=0.1\n\
        [downline]\nneglect_dropout=0.2\n";
    let unsupported_share = |w: &World, r: u64| {
        let c = w.simulate(r);
        let recruits: Vec<_> = c
            .members
            .iter()
            .filter(|m| m.sponsor != super::NO_SPONSOR)
            .collect();
        let gone = recruits
            .iter()
            .filter(|m| m.end() == crate::outcome::EndReason::Unsupported)
            .count();
        gone as f64 / recruits.len() as f64
    };
    let off = world(base);
    let on = world(&format!(
        "{base}[support]\npolicy='even'\nhours_per_month=4\neffect=1\n"
    ));
    let diffs: Vec<f64> = (0..30)
        .map(|r| unsupported_share(&on, r) - unsupported_share(&off, r))
        .collect();
    let (d, se) = mean_se(&diffs);
    assert!(
        d < -4.0 * se,
        "support should lower unsupported quits: {d} (se {se})"
    );
    let neutral = world(&format!(
        "{base}[support]\npolicy='active'\nhours_per_month=4\neffect=0\n"
    ));
    let (a, b) = (off.simulate(3), neutral.simulate(3));
    assert_eq!(a.months, b.months);
    assert_eq!(a.person_months, b.person_months);
}

/// Prospecting for next month in the sweep that settles this one (no sponsor supports) gives
/// the company that prospecting at the start of each month gives: every draw is keyed by
/// (participant, month, phase) and the fresh share is known once the market has run. With a
/// warm market, kinds, customers, rejections, a rank table and compaction of quitters.
#[test]
fn fused_prospecting_gives_the_same_company() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/company-typical.toml");
    let overrides: Vec<crate::scenario::Override> = ["market.size=100000", "company.years=4"]
        .iter()
        .map(|o| crate::scenario::Override::parse(o).unwrap())
        .collect();
    let s = crate::scenario::load(&path, &overrides).unwrap();
    let fused = World::new(&s).unwrap();
    let mut unfused = fused.clone();
    unfused.fuse_prospecting = false;
    for replicate in 0..2 {
        for threads in [1, 2] {
            let a = pool(threads).install(|| fused.simulate(replicate));
            let b = pool(threads).install(|| unfused.simulate(replicate));
            assert!(
                a.members.len() > 1000,
                "a company big enough to compact quitters"
            );
            assert_eq!(a.months, b.months);
            assert_eq!(format!("{:?}", a.members), format!("{:?}", b.members));
        }
    }
}

/// The merge small companies use and the in-place sort of big ones give everyone in id order
/// from batches of quitters and a member list as the month loop leaves them (with people who
/// quit since the last compaction still in the list).
#[test]
fn merge_and_sort_give_the_same_id_order() {
    use rand::{RngExt, SeedableRng};
    let model = crate::model::Model::new(&parse("name = \"t\"", "t.toml", &[]).unwrap());
    let d = model.derived_for(0, 0, None);
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
    for _ in 0..20 {
        let n = rng.random_range(1..400u32);
        let batches = rng.random_range(0..6usize);
        let mut done: Vec<Vec<super::Member>> = vec![Vec::new(); batches];
        let mut live = Vec::new();
        let mut slot_of = Vec::new();
        for id in 0..n {
            let m = super::new_member(id, super::NO_SPONSOR, id % 7, 0, &d, 0.0);
            let b = rng.random_range(0..batches + 1);
            if b < batches {
                done[b].push(m);
                slot_of.push(super::GONE - 1 - b as u32);
            } else {
                slot_of.push(if rng.random_bool(0.2) {
                    super::GONE
                } else {
                    live.len() as u32
                });
                live.push(m);
            }
        }
        let merged = super::merge_in_id_order(done.clone(), live.clone(), &slot_of);
        let sorted = super::sort_in_id_order(done, live, n as usize);
        assert!(merged.iter().enumerate().all(|(i, m)| m.id as usize == i));
        assert_eq!(format!("{merged:?}"), format!("{sorted:?}"));
    }
}
