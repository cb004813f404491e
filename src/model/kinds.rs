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
            // Redone by `Model::new` once it knows whether hours are counted.
            base_derived: Derived::from_traits(&base, false),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::CareerOutcome;
    use crate::scenario::{parse, Kind, Override};

    /// `typical.toml` without its own `[kinds]` and `[warm]` tables (issue 13 gave it both):
    /// these tests describe the scenario's person as a builder and add the kinds they test.
    /// The warm market goes too: with its awkwardness a builder, who pitches twenty friends a
    /// month, quits more often than a dabbler pitching three, which is the warm market's
    /// effect, not the kinds' (the direction test below compares kinds on the same person).
    struct Typical;
    impl std::fmt::Display for Typical {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let mut doc: toml_edit::DocumentMut = include_str!("../../scenarios/typical.toml")
                .parse()
                .map_err(|_| std::fmt::Error)?;
            doc.remove("kinds");
            doc.remove("warm");
            f.write_str(&doc.to_string())
        }
    }
    const TYPICAL: Typical = Typical;

    fn model(text: &str, sets: &[&str]) -> Model {
        let o: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
        Model::new(&parse(text, "t.toml", &o).unwrap())
    }

    fn careers(m: &Model, n: u64) -> Vec<CareerOutcome> {
        let mut ws = m.workspace();
        (0..n).map(|i| m.career(i, &mut ws)).collect()
    }

    /// With kinds on but everyone a builder (whose defaults change nothing), the kind draw
    /// uses its own stream only: every career is the career of the same scenario without
    /// kinds, to the cent. So the kinds machinery adds nothing to a neutral scenario.
    #[test]
    fn one_neutral_kind_gives_exactly_the_careers_without_kinds() {
        let text = format!("{TYPICAL}\n[kinds]\nshares = {{ builder = 1 }}\nduplication = 0.4\n");
        let plain = model(&TYPICAL.to_string(), &["downline.depth=2"]);
        let kinds = model(&text, &["downline.depth=2"]);
        assert!(!plain.has_kinds() && kinds.has_kinds());
        for (a, b) in careers(&plain, 400).iter().zip(careers(&kinds, 400)) {
            assert_eq!(b.kind, Kind::Builder as u8);
            assert_eq!(a.kind, 0);
            assert_eq!(a.person, b.person, "career {}", a.index);
            assert_eq!(
                (a.downline_size, a.downline_lost, a.person_months, &a.drawn),
                (b.downline_size, b.downline_lost, b.person_months, &b.drawn)
            );
        }
    }

    fn with_kinds(duplication: f64) -> Model {
        model(
            &format!("{TYPICAL}\n[kinds]\nshares = {{ buyer = 0.2, dabbler = 0.5, builder = 0.3 }}\nduplication = {duplication}\n"),
            &[],
        )
    }

    #[test]
    fn duplication_one_makes_every_recruit_the_sponsors_kind() {
        let m = with_kinds(1.0);
        for key in 0..3000u64 {
            for sponsor in 0..3u8 {
                assert_eq!(
                    m.kind_of(crate::model::rng::mix(key, 9), Some(sponsor)),
                    sponsor
                );
            }
        }
    }

    /// Chance a recruit is kind `k` given the sponsor's kind `s`:
    /// `duplication x [k == s] + (1 - duplication) x share_k` (docs/model.md). Checked for
    /// every (sponsor, kind) over 20,000 recruits, within 4 binomial standard errors.
    #[test]
    fn recruit_kinds_follow_the_closed_form() {
        let shares = [0.2, 0.5, 0.3];
        for duplication in [0.0, 0.6] {
            let m = with_kinds(duplication);
            let n = 20_000u64;
            for sponsor in 0..3u8 {
                let mut count = [0u64; 3];
                for key in 0..n {
                    let k = m.kind_of(crate::model::rng::mix(key, 17), Some(sponsor));
                    count[usize::from(k)] += 1;
                }
                for k in 0..3 {
                    let p = duplication * f64::from(u8::from(k == usize::from(sponsor)))
                        + (1.0 - duplication) * shares[k];
                    let se = (p * (1.0 - p) / n as f64).sqrt();
                    let got = count[k] as f64 / n as f64;
                    assert!(
                        (got - p).abs() < 4.0 * se,
                        "duplication {duplication}, sponsor {sponsor}, kind {k}: {got} vs {p}"
                    );
                }
            }
        }
    }

    #[test]
    fn followed_people_draw_from_the_shares_or_the_fixed_kind() {
        let m = with_kinds(0.0);
        let cs = careers(&m, 6000);
        let n = cs.len() as f64;
        for (k, p) in [0.2, 0.5, 0.3].iter().enumerate() {
            let got = cs.iter().filter(|c| usize::from(c.kind) == k).count() as f64 / n;
            assert!(
                (got - p).abs() < 4.0 * (p * (1.0 - p) / n).sqrt(),
                "{k}: {got}"
            );
        }
        let fixed = model(
            &format!("{TYPICAL}\n[kinds]\nshares = {{ buyer = 1 }}\nfollowed = \"dabbler\"\n"),
            &[],
        );
        assert!(careers(&fixed, 50)
            .iter()
            .all(|c| c.kind == Kind::Dabbler as u8));
    }

    /// Buyers make no contacts: no recruits, no customers, no downline, whatever their
    /// conversion rates; they still buy (and lose cash).
    #[test]
    fn buyers_make_no_contacts() {
        let m = model(
            &format!("{TYPICAL}\n[kinds]\nshares = {{ buyer = 1 }}\n"),
            &["downline.depth=2"],
        );
        for c in careers(&m, 500) {
            assert_eq!(c.kind, Kind::Buyer as u8);
            assert_eq!(
                (c.person.recruits, c.person.customers, c.downline_size),
                (0, 0, 0)
            );
            assert!(c.person.money.net() < 0.0);
            // A buyer values the product at what they paid (their default product value 1).
            assert_eq!(c.purchases_value, c.person.money.purchases);
        }
    }

    /// Dabblers (3 contacts a month, fast-fading enthusiasm) recruit less and fail more often
    /// than builders (the scenario's person), career by career on the same random numbers;
    /// the differences exceed 3 standard errors of the paired mean difference.
    #[test]
    fn dabblers_recruit_less_and_fail_more_than_builders() {
        let kinds = |who: &str| {
            model(
                &format!("{TYPICAL}\n[kinds]\nshares = {{ builder = 1 }}\nfollowed = \"{who}\"\n"),
                &[],
            )
        };
        let (b, d) = (
            careers(&kinds("builder"), 3000),
            careers(&kinds("dabbler"), 3000),
        );
        let paired = |f: &dyn Fn(&CareerOutcome) -> f64| {
            let diffs: Vec<f64> = b.iter().zip(&d).map(|(x, y)| f(x) - f(y)).collect();
            let n = diffs.len() as f64;
            let mean = diffs.iter().sum::<f64>() / n;
            let var = diffs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, (var / n).sqrt())
        };
        let (more_recruits, se) = paired(&|c| c.person.recruits as f64);
        assert!(more_recruits > 3.0 * se, "{more_recruits} ± {se}");
        let failed = |c: &CareerOutcome| {
            f64::from(u8::from(
                c.person.end.is_quit() || c.person.money.net() <= 0.0,
            ))
        };
        // Mean of (dabbler failed - builder failed): positive, dabblers fail more.
        let (more_failure, se) = paired(&|c| -failed(c));
        assert!(more_failure > 3.0 * se, "{more_failure} ± {se}");
    }

    /// Product value is reporting only: careers are the same to the cent, and the value of
    /// purchases is exactly product_value x purchases.
    #[test]
    fn product_value_adds_exactly_its_share_of_purchases_and_changes_nothing_else() {
        let base = careers(&model(&TYPICAL.to_string(), &[]), 300);
        let valued = careers(
            &model(&TYPICAL.to_string(), &["economics.product_value=0.37"]),
            300,
        );
        for (a, b) in base.iter().zip(&valued) {
            assert_eq!(a.person, b.person);
            assert_eq!(a.purchases_value, 0.0);
            assert_eq!(b.purchases_value, 0.37 * b.person.money.purchases);
        }
    }
}
