//! Kinds of participant in the model (issue 12): each kind's prepared parameters, and how a
//! person's kind is drawn.
//!
//! A kind is an index into [`Model`]'s per-kind tables (`u8`, so the company world stores it
//! in a byte of padding of its member record). Without kinds there is one table, the
//! scenario's, index 0, and [`Model::kind_of`] draws nothing: the random streams and the
//! arithmetic are exactly those of a model without kinds.
//!
//! The draw (docs/model.md, "Kinds of participant"): a person with no sponsor (the followed
//! person, a company's founder) gets the scenario's fixed followed kind or one drawn from the
//! shares; a recruit copies the sponsor's kind with chance `duplication`, else draws from the
//! shares. Both use the person's own stream for the purpose, so a kind does not depend on the
//! order people are simulated in.

use rand::RngExt;

use super::rng::{stream, Purpose};
use super::{Derived, Model};
use crate::outcome::Money;
use crate::scenario::{Dist, Param, ParamId, Scenario, Traits, N_PARAMS};

/// One kind's parameters, prepared once per scenario.
#[derive(Debug, Clone)]
pub(crate) struct KindModel {
    /// Fixed values (distributions at their mean).
    pub(crate) base: Traits,
    /// Parameters drawn per person of this kind, with their valid ranges for clamping.
    pub(crate) varying: Vec<(ParamId, Dist, f64, f64)>,
    /// Fixed-trait derived values, reused when nothing varies.
    pub(crate) base_derived: Derived,
    /// Value to this kind of a dollar of their own purchases (reporting only).
    pub(crate) product_value: f64,
}

/// How kinds are drawn, when the scenario has them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KindDraw {
    /// Running sums of the shares, in kind order (the last is 1).
    cumulative: [f64; 3],
    /// Chance a recruit copies the sponsor's kind.
    duplication: f64,
    /// The followed person's kind, when fixed.
    followed: Option<u8>,
}

impl KindModel {
    fn new(params: &[Param]) -> KindModel {
        let mut base = Traits([0.0; N_PARAMS]);
        let mut varying = Vec::new();
        for (id, p) in ParamId::ALL.iter().zip(params) {
            base.set(*id, p.mean());
            if let Param::Drawn(d) = p {
                varying.push((*id, *d, id.spec().min, id.spec().max));
            }
        }
        KindModel {
            base,
            varying,
            base_derived: Derived::from_traits(&base),
            product_value: base.get(ParamId::ProductValue),
        }
    }
}

/// The per-kind tables, the parameters stored per person (drawn for any kind, registry
/// order) and the kind draw of scenario `s`.
pub(crate) fn prepare(s: &Scenario) -> (Vec<KindModel>, Vec<ParamId>, Option<KindDraw>) {
    let Some(k) = &s.kinds else {
        let one = KindModel::new(&s.params);
        let ids = one.varying.iter().map(|v| v.0).collect();
        return (vec![one], ids, None);
    };
    let kinds: Vec<KindModel> = k.params.iter().map(|p| KindModel::new(p)).collect();
    let ids = ParamId::ALL
        .iter()
        .copied()
        .filter(|id| kinds.iter().any(|m| m.varying.iter().any(|v| v.0 == *id)))
        .collect();
    let mut cumulative = [0.0; 3];
    let mut sum = 0.0;
    for (c, share) in cumulative.iter_mut().zip(k.shares) {
        sum += share;
        *c = sum;
    }
    // The shares sum to 1 within 1e-9 (checked); close the last interval exactly.
    cumulative[2] = 1.0;
    let draw = KindDraw {
        cumulative,
        duplication: k.duplication,
        followed: k.followed.map(|f| f as u8),
    };
    (kinds, ids, Some(draw))
}

impl Model {
    /// The kind of the person with `key`: `sponsor` is the sponsor's kind, `None` for the
    /// followed person or a founder. Always 0, with nothing drawn, when kinds are off.
    #[inline]
    pub(crate) fn kind_of(&self, key: u64, sponsor: Option<u8>) -> u8 {
        let Some(draw) = &self.kind_draw else {
            return 0;
        };
        if sponsor.is_none() {
            if let Some(k) = draw.followed {
                return k;
            }
        }
        let mut rng = stream(key, Purpose::Kind);
        let copy: f64 = rng.random();
        if let Some(k) = sponsor.filter(|_| copy < draw.duplication) {
            return k;
        }
        let u: f64 = rng.random();
        // A kind with share 0 has an empty interval and is never drawn.
        draw.cumulative.iter().position(|c| u < *c).unwrap_or(2) as u8
    }

    /// Whether the scenario has kinds of participant.
    pub fn has_kinds(&self) -> bool {
        self.kind_draw.is_some()
    }

    /// The value to the buyer of what a person of `kind` bought: product value x purchases
    /// (0 when the product is worth nothing to them, the neutral value).
    pub fn purchases_value(&self, kind: u8, money: &Money) -> f64 {
        self.kinds[usize::from(kind)].product_value * money.purchases
    }

    /// Value to each kind of a dollar of their own purchases, in kind order.
    pub fn product_values(&self) -> Vec<f64> {
        self.kinds.iter().map(|k| k.product_value).collect()
    }
}
