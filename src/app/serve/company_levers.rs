//! The company world's own levers on the workshop page (founders, horizon, replicates,
//! market, compensation plan), in the shape of the person levers of the registry.
//!
//! Why a table here and not the registry: these keys are settings of the world, validated in
//! `scenario::company` with its constants, not per-person parameters; the table reuses those
//! constants for its ranges, and a test in [`super::company`] checks that every key of
//! `COMPANY_KEYS` has a lever, so a new company key cannot be left off the page silently.

use std::collections::BTreeMap;

use mlm_sim::scenario::company::{
    MAX_FOUNDERS, MAX_MARKET, MAX_PARTICIPANTS_CAP, MAX_REPLICATES, MAX_YEARS,
};
use mlm_sim::scenario::Scenario;

use super::catalog::{Lever, LeverGroup, LeverValue};

/// A key of the company world as the page draws it.
struct WorldKey {
    key: &'static str,
    doc: &'static str,
    min: f64,
    max: f64,
    slider_max: f64,
    step: f64,
    unit: &'static str,
    /// The value that switches the mechanism off, where there is one.
    neutral: Option<f64>,
    /// What the neutral or default value means.
    note: &'static str,
    list: bool,
}

/// The world's own keys in page order, by heading: every key of `COMPANY_KEYS` but `kind`
/// (a test checks none is left out), and the plan's unilevel rates, which the person
/// registry does not list. Ranges are the validator's constants.
const WORLD_GROUPS: &[(&str, &str, &[WorldKey])] = &[
    (
        "The company",
        "Who starts it, how long it runs, and how many companies are simulated for the intervals.",
        &[
            WorldKey {
                key: "company.founders",
                doc: "people who start the company in month 0",
                min: 1.0,
                max: MAX_FOUNDERS as f64,
                slider_max: 200.0,
                step: 1.0,
                unit: "people",
                neutral: None,
                note: "default 10",
                list: false,
            },
            WorldKey {
                key: "company.years",
                doc: "horizon: how long the company is simulated",
                min: 1.0,
                max: MAX_YEARS as f64,
                slider_max: 20.0,
                step: 1.0,
                unit: "years",
                neutral: None,
                note: "default 10",
                list: false,
            },
            WorldKey {
                key: "company.replicates",
                doc: "independent companies; every interval is across them",
                min: 1.0,
                max: MAX_REPLICATES as f64,
                slider_max: 50.0,
                step: 1.0,
                unit: "companies",
                neutral: None,
                note: "default 10",
                list: false,
            },
            WorldKey {
                key: "company.disclosure_year",
                doc: "calendar year of the income-disclosure statement",
                min: 0.0,
                max: MAX_YEARS as f64,
                slider_max: 20.0,
                step: 1.0,
                unit: "year",
                neutral: None,
                note: "0 = the last year (default)",
                list: false,
            },
            WorldKey {
                key: "company.max_participants",
                doc: "joins beyond this many participants are refused and the company reported as capped",
                min: 1.0,
                max: MAX_PARTICIPANTS_CAP as f64,
                slider_max: 20_000_000.0,
                step: 1000.0,
                unit: "people",
                neutral: None,
                note: "default 20,000,000",
                list: false,
            },
        ],
    ),
    (
        "The market",
        "A finite market: only people never approached can join or buy, so growth slows and stops.",
        &[
            WorldKey {
                key: "market.size",
                doc: "people in the market, the founders among them",
                min: 1.0,
                max: MAX_MARKET as f64,
                slider_max: 10_000_000.0,
                step: 1000.0,
                unit: "people",
                neutral: Some(MAX_MARKET as f64),
                note: "a market far larger than the company never saturates",
                list: false,
            },
            WorldKey {
                key: "market.recontact_after_months",
                doc: "months after which someone who said no can be approached afresh",
                min: 0.0,
                max: 600.0,
                slider_max: 60.0,
                step: 1.0,
                unit: "months",
                neutral: None,
                note: "0 = never approached again",
                list: false,
            },
        ],
    ),
    (
        "The compensation plan",
        "How commissions flow up the real tree: rates by level, a purchase minimum, rank overrides.",
        &[
            WorldKey {
                key: "economics.commission_rates",
                doc: "unilevel rate by level, level 1 first, share of each member's volume",
                min: 0.0,
                max: 1.0,
                slider_max: 1.0,
                step: 0.0,
                unit: "shares 0-1, one per level",
                neutral: None,
                note: "[] = no commissions",
                list: true,
            },
            WorldKey {
                key: "plan.min_personal_volume",
                doc: "own monthly volume below which a member earns no commission that month",
                min: 0.0,
                max: mlm_sim::scenario::params::MONEY_MAX,
                slider_max: 500.0,
                step: 1.0,
                unit: "money",
                neutral: Some(0.0),
                note: "off at 0",
                list: false,
            },
            WorldKey {
                key: "plan.rank_group_volume",
                doc: "monthly group volume needed for each rank, lowest first, strictly increasing",
                min: 0.0,
                max: mlm_sim::scenario::params::MONEY_MAX,
                slider_max: 0.0,
                step: 0.0,
                unit: "money, one per rank",
                neutral: None,
                note: "[] = no ranks (with plan.rank_override = [])",
                list: true,
            },
            WorldKey {
                key: "plan.rank_override",
                doc: "override rate of each rank, paid as a difference to lower ranks below",
                min: 0.0,
                max: 1.0,
                slider_max: 0.0,
                step: 0.0,
                unit: "shares 0-1, one per rank",
                neutral: None,
                note: "[] = no ranks (with plan.rank_group_volume = [])",
                list: true,
            },
        ],
    ),
];

/// The company world's levers, grouped, in the shape of the person levers.
pub fn world_groups() -> Vec<LeverGroup> {
    WORLD_GROUPS
        .iter()
        .map(|(title, plain, keys)| LeverGroup {
            title,
            plain,
            levers: keys
                .iter()
                .map(|k| Lever {
                    key: k.key.to_string(),
                    label: k.key.rsplit('.').next().unwrap_or(k.key).replace('_', " "),
                    doc: k.doc.to_string(),
                    min: k.min,
                    max: k.max,
                    slider_max: k.slider_max,
                    step: k.step,
                    neutral: k.neutral,
                    unit: k.unit,
                    list: k.list,
                    note: Some(k.note),
                })
                .collect(),
        })
        .collect()
}

/// The world keys' values in `s` (empty for followed careers), as `check` lists them.
pub fn world_values(s: &Scenario) -> BTreeMap<&'static str, LeverValue> {
    let Some(c) = &s.company else {
        return BTreeMap::new();
    };
    let rates: Vec<String> = s
        .commission_rates
        .iter()
        .map(|r| mlm_sim::fmt::compact(*r))
        .collect();
    let mut listing = c.listing();
    listing.push((
        "economics.commission_rates".into(),
        format!("[{}]", rates.join(", ")),
    ));
    let mut out = BTreeMap::new();
    for (_, _, keys) in WORLD_GROUPS {
        for k in *keys {
            if let Some((_, text)) = listing.iter().find(|(key, _)| key == k.key) {
                out.insert(
                    k.key,
                    LeverValue {
                        mean: text.parse::<f64>().ok(),
                        text: text.clone(),
                        drawn: false,
                    },
                );
            }
        }
    }
    out
}
