//! Every pitfall lever moves outcomes the way the model says. Each test compares a baseline
//! with one lever moved, using the same seed (common random numbers), and asks for a
//! difference of at least three (conservative, unpaired) standard errors.

use super::support::{reason_share, se_diff, shipped, summary};

const N: &str = "careers=4000";

fn assert_drop(label: &str, high: f64, low: f64, n: u64) {
    let se = se_diff(high, low, n);
    assert!(
        high - low > 3.0 * se,
        "{label}: expected {high} > {low} by 3 SE ({se})"
    );
}

#[test]
fn better_training_lowers_failure() {
    let base = summary(&shipped("relationship", &[N, "training.quality=0.1"]));
    let trained = summary(&shipped("relationship", &[N, "training.quality=0.9"]));
    assert_drop(
        "failure rate",
        base.failure_rate,
        trained.failure_rate,
        4000,
    );
}

#[test]
fn more_rapport_lowers_failure() {
    let low = summary(&shipped("relationship", &[N, "relationships.rapport=0.1"]));
    let high = summary(&shipped("relationship", &[N, "relationships.rapport=0.9"]));
    assert_drop("failure rate", low.failure_rate, high.failure_rate, 4000);
}

#[test]
fn a_larger_sting_causes_more_rejection_burnout() {
    // The sting is what a stranger's "no" costs (a friend's is awkwardness, issue 12): with no
    // warm market every contact is a stranger.
    let cold = [N, "warm.people_known=0"];
    let soft = summary(&shipped(
        "relationship",
        &[&cold[..], &["rejection.sting=0.01"]].concat(),
    ));
    let hard = summary(&shipped(
        "relationship",
        &[&cold[..], &["rejection.sting=0.08"]].concat(),
    ));
    let (a, b) = (
        reason_share(&hard, "rejection_burnout"),
        reason_share(&soft, "rejection_burnout"),
    );
    assert_drop("rejection burnout", a, b, 4000);
}

#[test]
fn faster_decay_causes_more_inactivity() {
    let sets = [N, "consistency.floor=0", "consistency.inactive_below=0.2"];
    let slow = summary(&shipped(
        "relationship",
        &[&sets[..], &["consistency.decay_per_month=0.02"]].concat(),
    ));
    let fast = summary(&shipped(
        "relationship",
        &[&sets[..], &["consistency.decay_per_month=0.3"]].concat(),
    ));
    let (a, b) = (
        reason_share(&fast, "inactive"),
        reason_share(&slow, "inactive"),
    );
    assert_drop("inactive", a, b, 4000);
}

#[test]
fn higher_expectations_cause_more_disillusionment() {
    let modest = summary(&shipped(
        "relationship",
        &[N, "goals.expected_monthly_income=100"],
    ));
    let dreamy = summary(&shipped(
        "relationship",
        &[N, "goals.expected_monthly_income=5000"],
    ));
    let (a, b) = (
        reason_share(&dreamy, "disillusioned"),
        reason_share(&modest, "disillusioned"),
    );
    assert_drop("disillusioned", a, b, 4000);
}

#[test]
fn higher_costs_cause_more_financial_loss() {
    let cheap = summary(&shipped(
        "relationship",
        &[N, "economics.monthly_expenses=10"],
    ));
    let costly = summary(&shipped(
        "relationship",
        &[N, "economics.monthly_expenses=250"],
    ));
    let (a, b) = (
        reason_share(&costly, "financial_loss"),
        reason_share(&cheap, "financial_loss"),
    );
    assert_drop("financial loss", a, b, 4000);
}

#[test]
fn more_contacts_bring_more_recruits() {
    let few = summary(&shipped(
        "relationship",
        // The direct parametrisation: no time budget, so the contact count is the lever.
        &[
            N,
            "time.hours_per_month=0",
            "prospecting.contacts_per_month=5",
        ],
    ));
    let many = summary(&shipped(
        "relationship",
        &[
            N,
            "time.hours_per_month=0",
            "prospecting.contacts_per_month=40",
        ],
    ));
    assert!(
        many.recruits_mean > few.recruits_mean * 1.5,
        "{} vs {}",
        many.recruits_mean,
        few.recruits_mean
    );
}

#[test]
fn poor_follow_through_costs_recruits() {
    let full = summary(&shipped(
        "relationship",
        &[
            N,
            "prospecting.follow_through=1",
            "prospecting.follow_through_fade=0",
        ],
    ));
    let weak = summary(&shipped(
        "relationship",
        &[
            N,
            "prospecting.follow_through=0.35",
            "prospecting.follow_through_fade=0.05",
        ],
    ));
    assert!(
        weak.recruits_mean < 0.7 * full.recruits_mean,
        "{} vs {}",
        weak.recruits_mean,
        full.recruits_mean
    );
}

#[test]
fn personal_development_lowers_failure() {
    let none = summary(&shipped(
        "numbers-game",
        &[N, "personal_development.level=0", "rejection.sting=0.01"],
    ));
    let lots = summary(&shipped(
        "numbers-game",
        &[N, "personal_development.level=1", "rejection.sting=0.01"],
    ));
    assert!(
        reason_share(&lots, "rejection_burnout") < reason_share(&none, "rejection_burnout"),
        "personal development should soften the sting"
    );
}

#[test]
fn neglecting_recruits_loses_them() {
    let supported = summary(&shipped("relationship", &[N, "downline.neglect_dropout=0"]));
    let neglected = summary(&shipped(
        "relationship",
        &[N, "downline.neglect_dropout=0.3"],
    ));
    assert_drop(
        "downline quit share",
        neglected.downline.quit_share,
        supported.downline.quit_share,
        4000,
    );
    assert_eq!(reason_share(&supported, "unsupported"), 0.0);
}
