//! Reduced cases of the model that have closed forms, checked within a few standard errors.

use super::support::{scenario, summary};

/// With only life events on, survival is geometric: S(t) = (1-h)^(t+1) at the end of month t.
#[test]
fn survival_is_geometric_when_only_life_events_are_on() {
    let h: f64 = 0.05;
    let s = scenario(
        "name='geometric'\nmonths=24\ncareers=20000\nseed=11\n[attrition]\nlife_events_per_month=0.05\n",
        &[],
    );
    let sum = summary(&s);
    let n = s.careers as f64;
    for (t, obs) in sum.survival.iter().enumerate() {
        let expect = (1.0 - h).powi(t as i32 + 1);
        let se = (expect * (1.0 - expect) / n).sqrt();
        assert!(
            (obs - expect).abs() < 4.5 * se,
            "month {t}: observed {obs}, expected {expect} (SE {se})"
        );
    }
    // Nobody quits for any other reason.
    assert_eq!(sum.quit_reasons["life_event"], sum.quit_share);
}

/// With motivation, money quits and the downline off, direct recruits are a Poisson mixture:
/// mean sum_t (1-h)^t lambda_t, variance mean + Var(Lambda_T).
#[test]
fn direct_recruits_match_the_poisson_mixture_mean_and_variance() {
    let (contacts, follow, join, decay, floor, pd, q, skill_gain, h, months) =
        (20.0, 0.8, 0.03, 0.07, 0.2, 0.4, 0.5, 1.0, 0.05f64, 36usize);
    let text = format!(
        "name='poisson'\nmonths={months}\ncareers=20000\nseed=5\n\
         [prospecting]\ncontacts_per_month={contacts}\nfollow_through={follow}\njoin_probability={join}\n\
         [consistency]\ndecay_per_month={decay}\nfloor={floor}\n\
         [personal_development]\nlevel={pd}\n[training]\nquality={q}\nskill_gain={skill_gain}\n\
         [attrition]\nlife_events_per_month={h}\n"
    );
    let s = scenario(&text, &[]);
    let sum = summary(&s);

    let d = decay * (1.0 - 0.5 * pd);
    let p = join * (1.0 + skill_gain * q);
    let lambda: Vec<f64> = (0..months)
        .map(|t| contacts * follow * (floor + (1.0 - floor) * (1.0f64 - d).powi(t as i32)) * p)
        .collect();
    // T = months worked: P(T = k) = (1-h)^(k-1) h for k < months, (1-h)^(months-1) for k = months.
    let (mut e_l, mut e_l2) = (0.0, 0.0);
    let mut cum = 0.0;
    for k in 1..=months {
        cum += lambda[k - 1];
        let pk = if k < months {
            (1.0 - h).powi(k as i32 - 1) * h
        } else {
            (1.0 - h).powi(months as i32 - 1)
        };
        e_l += pk * cum;
        e_l2 += pk * cum * cum;
    }
    let mean = e_l;
    let var = mean + (e_l2 - e_l * e_l);
    let n = s.careers as f64;
    let se_mean = (var / n).sqrt();
    assert!(
        (sum.recruits_mean - mean).abs() < 4.0 * se_mean,
        "mean recruits {} vs expected {mean} (SE {se_mean})",
        sum.recruits_mean
    );
    // The sample variance's standard error is about var * sqrt(2/n) for near-normal data; the
    // mixture's tails are a little heavier, so allow 5 of those.
    let se_var = var * (2.0 / n).sqrt();
    assert!(
        (sum.recruits_variance - var).abs() < 5.0 * se_var,
        "variance {} vs expected {var} (SE {se_var})",
        sum.recruits_variance
    );
}

/// With identical people whose only failure is a life event, a cohort's failure count is
/// Binomial(n, p): cohort failure rates have mean p and sd sqrt(p(1-p)/n).
#[test]
fn cohort_failure_rates_have_binomial_spread_for_identical_people() {
    let (h, months, cohort) = (0.03f64, 12, 50u64);
    // Huge certain retail income: everyone still in is profitable, so failure = quitting.
    let s = scenario(
        &format!(
            "name='binomial'\nmonths={months}\ncareers=20000\ncohort_size={cohort}\nseed=3\n\
             [prospecting]\ncontacts_per_month=1000\njoin_probability=0\ncustomer_probability=1\n\
             [economics]\nretail_margin=0.5\ncustomer_order=10\n\
             [attrition]\nlife_events_per_month={h}\n"
        ),
        &[],
    );
    let sum = summary(&s);
    let p = 1.0 - (1.0 - h).powi(months);
    let c = &sum.cohort_failure_rates;
    assert_eq!(c.cohorts, 400);
    let expected_sd = (p * (1.0 - p) / cohort as f64).sqrt();
    let se_mean = expected_sd / (c.cohorts as f64).sqrt();
    assert!((c.mean - p).abs() < 4.0 * se_mean, "mean {} vs {p}", c.mean);
    // The sample sd of k near-normal values has SE about sd / sqrt(2(k-1)).
    let se_sd = expected_sd / (2.0 * (c.cohorts as f64 - 1.0)).sqrt();
    assert!(
        (c.sd - expected_sd).abs() < 4.0 * se_sd,
        "sd {} vs {expected_sd}",
        c.sd
    );
    assert!((c.binomial_sd - expected_sd).abs() < 0.1 * expected_sd);
    assert_eq!(sum.failure_rate, sum.quit_share);
}

/// Failure is exactly quitting plus staying in without a profit.
#[test]
fn failure_rate_is_quits_plus_active_losing() {
    let s = super::support::shipped("relationship", &["careers=3000"]);
    let sum = summary(&s);
    assert!((sum.failure_rate - (sum.quit_share + sum.active_losing_share)).abs() < 1e-12);
    let total: f64 = sum.quit_reasons.values().sum();
    assert!((total - 1.0).abs() < 1e-12);
    assert!(
        sum.failure_rate_ci[0] <= sum.failure_rate && sum.failure_rate <= sum.failure_rate_ci[1]
    );
}
