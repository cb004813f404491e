//! The career model: one distributor's months, and the downline they build.
//!
//! Every person — the followed distributor and each recruit below them — runs the same monthly
//! step with the scenario's parameters ("duplication"). `docs/model.md` gives the equations;
//! the comments here point at the step numbers used there.
//!
//! A followed career is simulated month by month with its whole downline together
//! ([`followed`]; issue 12): sponsors see who is still working when they share their support,
//! and recruits start working the month after they join, as in the company world.

pub mod estimate;
pub mod followed;
pub mod kinds;
pub mod markets;
pub mod rng;
pub mod sampling;
pub mod step;

pub use followed::Workspace;

use crate::outcome::{EndReason, Money};
use crate::scenario::{ParamId, Scenario, SupportPolicy, Traits};
use rng::{stream, Purpose, Stream};

/// Most active retail customers one distributor can serve at once (market saturation).
///
/// Referrals from customers can make a customer base grow geometrically (each customer brings
/// `referrals_per_customer x rapport x customer_probability` new ones a month); without a
/// bound the counts overflow within a few years of simulated time. No one person serves a
/// million customers, so results of realistic scenarios never touch it.
pub const MAX_CUSTOMERS: u64 = 1_000_000;

/// Per-person quantities derived once from the traits (docs/model.md, "derived quantities").
#[derive(Debug, Clone, Copy)]
pub(crate) struct Derived {
    decay: f64,
    floor: f64,
    base_contacts: f64,
    fade: f64,
    p_join: f64,
    p_customer: f64,
    p_reject: f64,
    sting: f64,
    recovery: f64,
    boost: f64,
    quit_below: f64,
    inactive_below: f64,
    expected_income: f64,
    patience: f64,
    disillusionment: f64,
    initial_motivation: f64,
    starter_kit: f64,
    monthly_purchase: f64,
    monthly_expenses: f64,
    retail_per_customer: f64,
    customer_order: f64,
    churn: f64,
    referral_rate: f64,
    loss_tolerance: f64,
    neglect: f64,
    life: f64,
    /// Time budget, prospecting style, warm and cold markets (issue 12, `markets.rs`).
    markets: markets::MarketTraits,
    /// Support hours a month at full effort, given as a sponsor (issue 12, H3).
    support_hours: f64,
    /// How much each hour of support received lowers the neglect hazard (issue 12, H3).
    support_effect: f64,
}

impl Derived {
    /// `time_budget`: whether the scenario counts hours (`time.hours_per_month` may be
    /// positive); then the conversion chances and rapport follow the time given per contact.
    fn from_traits(t: &Traits, time_budget: bool) -> Derived {
        use ParamId::*;
        let pd = t.get(PersonalDevelopment);
        let q = t.get(TrainingQuality);
        // The share of the best chance of a yes reached at this time per contact (1 when
        // time is not counted, so the arithmetic below is exactly the old one).
        let time_factor = markets::time_factor(t, time_budget);
        let mut rapport = t.get(Rapport);
        let skill = 1.0 + t.get(SkillGain) * q;
        let mut p_join = t.get(JoinProbability) * skill;
        let mut p_customer = t.get(CustomerProbability) * skill;
        if time_budget {
            rapport *= time_factor;
            p_join *= time_factor;
            p_customer *= time_factor;
        }
        let (p_join_cold, p_customer_cold) = (p_join, p_customer);
        let total = p_join + p_customer;
        if total > 1.0 {
            p_join /= total;
            p_customer /= total;
        }
        Derived {
            markets: markets::MarketTraits::new(t, time_budget, p_join_cold, p_customer_cold),
            decay: t.get(DecayPerMonth) * (1.0 - 0.5 * pd),
            floor: t.get(ConsistencyFloor),
            base_contacts: t.get(ContactsPerMonth) * t.get(FollowThrough),
            fade: t.get(FollowThroughFade),
            p_join,
            p_customer,
            p_reject: (1.0 - p_join - p_customer).max(0.0),
            sting: t.get(Sting) * (1.0 - t.get(Resilience)) * (1.0 - 0.5 * pd),
            recovery: (t.get(Recovery) * (1.0 + pd)).min(1.0),
            boost: t.get(SuccessBoost),
            quit_below: t.get(QuitBelow),
            inactive_below: t.get(InactiveBelow),
            expected_income: t.get(ExpectedMonthlyIncome),
            patience: t.get(PatienceMonths),
            disillusionment: t.get(Disillusionment),
            initial_motivation: t.get(InitialMotivation),
            starter_kit: t.get(StarterKit),
            monthly_purchase: t.get(MonthlyPurchase),
            monthly_expenses: t.get(MonthlyExpenses),
            retail_per_customer: t.get(RetailMargin) * t.get(CustomerOrder),
            customer_order: t.get(CustomerOrder),
            churn: t.get(CustomerChurn) * (1.0 - 0.5 * rapport) * (1.0 - 0.5 * q),
            referral_rate: t.get(ReferralsPerCustomer) * rapport,
            loss_tolerance: t.get(LossTolerance),
            neglect: t.get(NeglectDropout) * (1.0 - rapport) * (1.0 - q),
            life: t.get(LifeEvents),
            support_hours: t.get(SupportHours),
            support_effect: t.get(SupportEffect),
        }
    }
}

/// A scenario prepared for simulation: everything that does not change between careers is
/// computed once here (fixed traits, distribution samplers, switches for unused mechanisms).
#[derive(Debug, Clone)]
pub struct Model {
    months: u32,
    seed: u64,
    /// Levels simulated below the followed person: `downline.depth`, raised to one more than
    /// the paid levels so that no paid level is cut off ([`simulated_depth`]).
    depth: u32,
    /// Commission levels that can pay anything (0 without economics).
    paid_levels: u32,
    /// Months of tenure over which the recruits' outcomes are measured ([`outcome_window`]).
    outcome_window: u32,
    /// How sponsors share their support hours.
    support_policy: SupportPolicy,
    max_people: u64,
    inactive_months: u32,
    rates: Vec<f64>,
    /// One entry per kind of participant (index = kind); one entry, the scenario's, when the
    /// scenario has no kinds (see [`kinds`]).
    kinds: Vec<kinds::KindModel>,
    /// Parameters stored per person in a `drawn` list: those drawn for any kind, in registry
    /// order (the scenario's varying ones when there are no kinds).
    drawn_ids: Vec<ParamId>,
    /// How kinds are drawn; `None` without kinds (then nothing is drawn: kind 0 for all).
    kind_draw: Option<kinds::KindDraw>,
    /// Rejections matter only if they sting or fade follow-through; otherwise they are not drawn.
    rejections_matter: bool,
    /// Whether any money can flow (costs, retail, commissions). When not, the economics step
    /// is compiled out of the monthly loop (see [`Model::person`]).
    economics: bool,
    /// Whether motivation can change (recovery, successes, sting, unmet goals).
    motivation_moves: bool,
    /// True when nobody can win customers, feel or count rejections, or drift away
    /// unsupported: those steps are compiled out of the monthly loop.
    lean: bool,
    /// Whether contacts come from hours (`time.hours_per_month` may be positive).
    time_budget: bool,
    /// Whether the time budget or the warm and cold markets are on (`markets.rs`); when not,
    /// their path of the monthly step is compiled out.
    markets: bool,
}

impl Model {
    /// Prepare a validated scenario for simulation.
    pub fn new(s: &Scenario) -> Model {
        let (kinds, drawn_ids, kind_draw) = kinds::prepare(s);
        // A mechanism is compiled in when any kind can use it.
        let may_be_positive = |id: ParamId| -> bool {
            kinds
                .iter()
                .any(|k| k.varying.iter().any(|v| v.0 == id) || k.base.get(id) > 0.0)
        };
        let rejections_matter =
            may_be_positive(ParamId::Sting) || may_be_positive(ParamId::FollowThroughFade);
        let paid_levels = paid_levels(s);
        let depth = simulated_depth(s);
        use ParamId::*;
        let economics = [StarterKit, MonthlyPurchase, MonthlyExpenses]
            .iter()
            .any(|id| may_be_positive(*id))
            || (may_be_positive(RetailMargin) && may_be_positive(CustomerOrder))
            || (depth > 0 && s.commission_rates.iter().any(|r| *r > 0.0));
        let motivation_moves = [Recovery, SuccessBoost, Sting]
            .iter()
            .any(|id| may_be_positive(*id))
            || (may_be_positive(Disillusionment) && may_be_positive(ExpectedMonthlyIncome));
        // Issue 12 (H1): the time budget and the warm and cold markets.
        let differs = |id: ParamId| -> bool {
            kinds
                .iter()
                .any(|k| k.varying.iter().any(|v| v.0 == id) || k.base.get(id) != id.spec().default)
        };
        let time_budget = markets::uses_time_budget(&may_be_positive);
        let markets = markets::uses_markets(&may_be_positive, &differs);
        let motivation_moves = motivation_moves || (markets && may_be_positive(Awkwardness));
        let lean = !rejections_matter
            && !may_be_positive(CustomerProbability)
            && !may_be_positive(NeglectDropout)
            && !markets;
        // The kinds' fixed derived values were computed before it was known whether hours
        // are counted; redo them now that it is.
        let mut kinds = kinds;
        for k in &mut kinds {
            k.base_derived = Derived::from_traits(&k.base, time_budget);
        }
        Model {
            months: s.months,
            seed: s.seed,
            depth,
            paid_levels,
            outcome_window: outcome_window(s.months),
            support_policy: s.support_policy,
            max_people: s.max_downline,
            inactive_months: s.inactive_months,
            rates: s.commission_rates.clone(),
            kinds,
            drawn_ids,
            kind_draw,
            rejections_matter,
            economics,
            motivation_moves,
            lean,
            time_budget,
            markets,
        }
    }

    /// Horizon in months.
    pub fn months(&self) -> u32 {
        self.months
    }

    /// Which steps the monthly loop compiles in, as (lean, economics, motivation moves), and
    /// whether rejections are drawn: the company world picks the same specialisation.
    pub(crate) fn switches(&self) -> (bool, bool, bool, bool) {
        (
            self.lean,
            self.economics,
            self.motivation_moves,
            self.rejections_matter,
        )
    }

    /// Whether the time budget or the warm and cold markets are compiled in (`markets.rs`).
    pub(crate) fn markets(&self) -> bool {
        self.markets
    }

    /// Consecutive low-effort months that end a career.
    pub(crate) fn inactive_months(&self) -> u32 {
        self.inactive_months
    }

    /// Number of parameters stored per person in a `drawn` list.
    pub(crate) fn varying_count(&self) -> usize {
        self.drawn_ids.len()
    }

    /// A worker's scratch for [`Model::derived_from_drawn_in`].
    pub(crate) fn traits_scratch(&self) -> TraitsScratch {
        TraitsScratch(self.kinds.iter().map(|k| k.base).collect())
    }

    /// Derived quantities from values drawn earlier (by [`Model::derived_for`] into its
    /// `drawn` list, in the order of [`Model::varying_ids`]): the company world stores the few
    /// drawn values per participant and rebuilds the rest every month, instead of sampling
    /// the distributions again or storing 300 bytes per participant.
    ///
    /// The stored values are written into `scratch`'s copy of the kind's fixed traits (every
    /// stored parameter is overwritten on every call, and a kind's row holds its fixed values
    /// for those it does not draw): the same traits as a fresh copy, without copying the whole
    /// table per person-month, which was a measurable share of a company run. (Writing the
    /// few fields each drawn value feeds over the kind's fixed derived values, instead of
    /// rebuilding, was tried and measured no faster.)
    #[inline]
    pub(crate) fn derived_from_drawn_in(
        &self,
        scratch: &mut TraitsScratch,
        kind: u8,
        drawn: &[f64],
    ) -> Derived {
        let k = &self.kinds[usize::from(kind)];
        if k.varying.is_empty() {
            return k.base_derived;
        }
        let traits = &mut scratch.0[usize::from(kind)];
        for (id, v) in self.drawn_ids.iter().zip(drawn) {
            traits.set(*id, *v);
        }
        Derived::from_traits(traits, self.time_budget)
    }

    /// The parameters drawn per person, in the order of [`CareerOutcome::drawn`].
    pub fn varying_ids(&self) -> Vec<ParamId> {
        self.drawn_ids.clone()
    }

    /// A fresh workspace for one worker.
    pub fn workspace(&self) -> Workspace {
        Workspace::default()
    }

    /// Draw a person's traits; fixed scenarios skip the traits stream entirely.
    pub(crate) fn derived_for(&self, key: u64, kind: u8, drawn: Option<&mut Vec<f64>>) -> Derived {
        let k = &self.kinds[usize::from(kind)];
        if k.varying.is_empty() {
            if let Some(out) = drawn {
                // Other kinds vary: this person's row holds its kind's fixed values.
                out.extend(self.drawn_ids.iter().map(|id| k.base.get(*id)));
            }
            return k.base_derived;
        }
        let mut traits = k.base;
        let mut rng = stream(key, Purpose::Traits);
        for (id, dist, lo, hi) in &k.varying {
            let v = dist.sample(&mut rng);
            // NaN cannot arise from validated distributions; clamp keeps draws in range.
            traits.set(*id, if v.is_nan() { *lo } else { v.clamp(*lo, *hi) });
        }
        if let Some(out) = drawn {
            out.extend(self.drawn_ids.iter().map(|id| traits.get(*id)));
        }
        Derived::from_traits(&traits, self.time_budget)
    }
}

/// Each kind's fixed traits, for one worker to write a person's drawn values into
/// ([`Model::derived_from_drawn_in`]).
pub(crate) struct TraitsScratch(Vec<Traits>);

/// Commission levels that can pay anything: up to the last positive rate, and none when no
/// money can flow through them.
pub fn paid_levels(s: &Scenario) -> u32 {
    s.commission_rates
        .iter()
        .rposition(|r| *r > 0.0)
        .map_or(0, |i| i as u32 + 1)
}

/// Levels simulated below a followed person (issue 12, "Truncation"): `downline.depth`, but
/// at least one more than the paid levels, so that the followed person's income is exact
/// (every level they are paid on is simulated) and so are their direct recruits' (whose
/// outcomes are reported). Without commissions, `downline.depth` as written.
pub fn simulated_depth(s: &Scenario) -> u32 {
    let paid = paid_levels(s);
    if paid == 0 {
        s.depth
    } else {
        s.depth.max(paid + 1)
    }
}

/// Months of tenure over which recruits' outcomes are measured: half the horizon (at least
/// one), so that recruits who joined in the first half are compared over the same tenure and
/// no one is cut off by the horizon (docs/model.md, "Truncation").
pub fn outcome_window(months: u32) -> u32 {
    (months / 2).max(1)
}

/// Convenience for [`Stream`]-typed helpers in tests and benches.
pub fn career_stream(seed: u64, index: u64, purpose: Purpose) -> Stream {
    stream(rng::career_key(seed, index), purpose)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse, Override};

    fn model(text: &str) -> Model {
        Model::new(&parse(text, "t.toml", &[]).unwrap())
    }

    #[test]
    fn same_index_same_career_different_index_different_career() {
        let m = model(
            "name='x'\nmonths=24\n[prospecting]\ncontacts_per_month=30\njoin_probability=0.05\n[downline]\ndepth=2\n[attrition]\nlife_events_per_month=0.05\n",
        );
        let mut ws = m.workspace();
        let a = m.career(5, &mut ws);
        let b = m.career(5, &mut m.workspace());
        assert_eq!(a, b);
        let differ = (0..20).any(|i| m.career(i, &mut ws) != a);
        assert!(differ);
    }

    #[test]
    fn money_reconciles_for_every_person() {
        let s = parse(
            include_str!("../../scenarios/numbers-game.toml"),
            "numbers-game.toml",
            &[Override::parse("careers=200").unwrap()],
        )
        .unwrap();
        let m = Model::new(&s);
        let mut ws = m.workspace();
        for i in 0..200 {
            let c = m.career(i, &mut ws);
            let p = &c.person;
            let net = p.money.commissions + p.money.retail - p.money.purchases - p.money.expenses;
            assert_eq!(net, p.money.net());
            assert_eq!(
                c.person.end == EndReason::ActiveProfitable,
                p.quit_month.is_none() && net > 0.0
            );
            assert!(c.downline_quit <= c.downline_size);
            assert!(c.downline_lost + c.downline_profited <= c.downline_size);
        }
    }

    /// The compiled-out variants of the monthly loop must give exactly the careers the full
    /// loop gives: they only drop steps that cannot change anything for the scenario.
    #[test]
    fn specialised_loops_match_the_general_loop_career_for_career() {
        let scenarios = [
            include_str!("../../scenarios/bench-reduced.toml"),
            include_str!("../../scenarios/typical.toml"),
            "name='life only'\n[attrition]\nlife_events_per_month=0.05\n",
            "name='costs, no motivation'\n[economics]\nmonthly_purchase=50\nloss_tolerance=300\n[attrition]\nlife_events_per_month=0.02\n",
        ];
        for text in scenarios {
            let special = model(text);
            assert!(
                special.lean
                    || !special.economics
                    || !special.motivation_moves
                    || text.contains("Typical")
            );
            let general = Model {
                lean: false,
                economics: true,
                motivation_moves: true,
                ..special.clone()
            };
            let (mut a, mut b) = (special.workspace(), general.workspace());
            for i in 0..300 {
                assert_eq!(
                    special.career(i, &mut a),
                    general.career(i, &mut b),
                    "career {i}"
                );
            }
        }
    }

    #[test]
    fn customer_cap_is_reported_as_a_capped_career() {
        let m = model(
            "name='x'\nmonths=120\n[prospecting]\ncontacts_per_month=10000\njoin_probability=0\ncustomer_probability=1\n",
        );
        let c = m.career(0, &mut m.workspace());
        assert!(c.capped);
        assert!(c.person.customers > MAX_CUSTOMERS);
        let small = model("name='x'\nmonths=12\n[prospecting]\ncustomer_probability=0.5\n");
        assert!(!small.career(0, &mut small.workspace()).capped);
    }

    #[test]
    fn downline_cap_is_respected_and_reported() {
        let m = model(
            "name='x'\nmonths=36\n[prospecting]\ncontacts_per_month=100\njoin_probability=0.2\n[downline]\ndepth=3\nmax_size=500\n",
        );
        let c = m.career(0, &mut m.workspace());
        assert!(c.capped);
        assert_eq!(c.downline_size, 499);
    }
}
