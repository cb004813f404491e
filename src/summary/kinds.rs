//! The summary's kinds of participant and product value (issue 12, H2): outcomes by kind, and
//! the net including the value to the buyer of what they bought, beside the cash net.
//!
//! Both are written only where they mean something: by kind when the scenario has kinds, the
//! value-inclusive net when some kind values the product (`economics.product_value > 0`).
//! At the neutral values `summary.json` is exactly what it was.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::scenario::{Kind, ParamId, Scenario};
use crate::stats::{wilson, Tally, Z95};

/// Net income including the value to the buyer of what they bought (currency units per
/// followed career, whole career). The cash figures elsewhere are unchanged; every quit rule
/// is cash-based.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ValueIncluded {
    /// Mean value of what a followed distributor bought: `economics.product_value` x
    /// purchases (currency units).
    pub purchases_value_mean: f64,
    /// Mean net including that value: cash net + value of purchases (currency units).
    pub net_mean: f64,
    /// Share whose net including that value is > 0.
    pub profitable_share: f64,
    /// Share whose net including that value is below minus the break-even band (the survey
    /// band "lost money" judged with the value of what was bought; issue 13).
    #[serde(default)]
    pub lost_money: f64,
    /// Share whose net including that value is within ±the break-even band.
    #[serde(default)]
    pub broke_even: f64,
    /// Share whose net including that value is above the break-even band.
    #[serde(default)]
    pub profited: f64,
}

/// Outcomes of the followed careers of one kind of participant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KindOutcome {
    /// Kind: `buyer`, `dabbler` or `builder`.
    pub kind: String,
    /// Followed careers of this kind.
    pub careers: u64,
    /// Share of all followed careers.
    pub share: f64,
    /// Share of this kind's careers that failed (quit, or net <= 0 at the horizon).
    pub failure_rate: f64,
    /// 95% Wilson interval of `failure_rate`.
    pub failure_rate_ci: [f64; 2],
    /// Share of this kind's careers whose cumulative cash net is below zero.
    pub lost_money_share: f64,
    /// Mean cash net (currency units).
    pub net_mean: f64,
    /// Mean net including the value of what they bought (currency units); equals
    /// `net_mean` when this kind's product value is 0.
    pub net_with_value_mean: f64,
}

fn share(count: u64, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        count as f64 / n as f64
    }
}

fn per(cents: i128, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        cents as f64 / n as f64 / 100.0
    }
}

/// The value-inclusive net, when any kind of the scenario values the product.
pub(super) fn value_included(s: &Scenario, t: &Tally) -> Option<ValueIncluded> {
    let pv = ParamId::ProductValue as usize;
    let valued = s.params[pv].mean() > 0.0
        || s.kinds
            .as_ref()
            .is_some_and(|k| k.params.iter().any(|p| p[pv].mean() > 0.0));
    valued.then(|| ValueIncluded {
        purchases_value_mean: per(t.purchases_value_cents, t.careers),
        net_mean: per(t.net_cents + t.purchases_value_cents, t.careers),
        profitable_share: if t.careers == 0 {
            0.0
        } else {
            t.profitable_with_value as f64 / t.careers as f64
        },
        lost_money: share(t.lost_money_with_value, t.careers),
        broke_even: share(t.broke_even_with_value, t.careers),
        profited: share(t.profited_with_value, t.careers),
    })
}

/// Outcomes by kind, when the scenario has kinds (empty otherwise).
pub(super) fn by_kind(s: &Scenario, t: &Tally) -> Vec<KindOutcome> {
    if s.kinds.is_none() {
        return Vec::new();
    }
    Kind::ALL
        .iter()
        .zip(&t.by_kind)
        .map(|(k, kt)| {
            let f = wilson(kt.failures, kt.careers, Z95);
            KindOutcome {
                kind: k.as_str().to_string(),
                careers: kt.careers,
                share: if t.careers == 0 {
                    0.0
                } else {
                    kt.careers as f64 / t.careers as f64
                },
                failure_rate: f.share,
                failure_rate_ci: [f.ci_low, f.ci_high],
                lost_money_share: if kt.careers == 0 {
                    0.0
                } else {
                    kt.lost as f64 / kt.careers as f64
                },
                net_mean: per(kt.net_cents, kt.careers),
                net_with_value_mean: per(kt.net_cents + kt.purchases_value_cents, kt.careers),
            }
        })
        .collect()
}

impl super::Summary {
    /// The terminal lines for the value-inclusive net and for outcomes by kind (none at the
    /// neutral values).
    pub(super) fn kinds_text(&self, s: &mut String) {
        use crate::fmt::{money, percent as pct};
        use std::fmt::Write as _;
        if let Some(v) = &self.with_product_value {
            let _ = writeln!(
                s,
                "  With product value net mean {} including {} of value in what they bought (cash net {}); net > 0 for {}",
                money(v.net_mean),
                money(v.purchases_value_mean),
                money(self.money.net),
                pct(v.profitable_share)
            );
        }
        for k in &self.by_kind {
            let _ = writeln!(
                s,
                "  Kind {:<12} {:>6} of careers: failure rate {} (95% CI {} to {}), lost money {}, net mean {}{}",
                k.kind,
                pct(k.share),
                pct(k.failure_rate),
                pct(k.failure_rate_ci[0]),
                pct(k.failure_rate_ci[1]),
                pct(k.lost_money_share),
                money(k.net_mean),
                if self.with_product_value.is_some() {
                    format!(" ({} with product value)", money(k.net_with_value_mean))
                } else {
                    String::new()
                }
            );
        }
    }
}
