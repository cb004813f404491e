//! The career model: one distributor's months, and the downline they build.
//!
//! Every person — the followed distributor and each recruit below them — runs the same monthly
//! step with the scenario's parameters ("duplication"). `docs/model.md` gives the equations;
//! the comments here point at the step numbers used there.
//!
//! Downlines are simulated depth-first: when a person recruits in month `t`, the recruit's
//! whole career (and their own recruits, down to `downline.depth` levels) is simulated at once,
//! from `t` to the horizon, before the sponsor's month `t` economics. Recruits' careers do not
//! depend on the sponsor's later choices, so this order is exact, and it needs only one
//! commission buffer per level (`depth + 1` rows of `months` values) instead of a tree.

pub mod estimate;
pub mod rng;
pub mod sampling;

use crate::outcome::{CareerOutcome, EndReason, Money, PersonOutcome};
use crate::scenario::{Dist, ParamId, Scenario, Traits};
use rand::RngExt;
use rng::{child_key, stream, Purpose, Stream};
use sampling::{binomial, poisson};

/// Most active retail customers one distributor can serve at once (market saturation).
///
/// Referrals from customers can make a customer base grow geometrically (each customer brings
/// `referrals_per_customer x rapport x customer_probability` new ones a month); without a
/// bound the counts overflow within a few years of simulated time. No one person serves a
/// million customers, so results of realistic scenarios never touch it.
pub const MAX_CUSTOMERS: u64 = 1_000_000;

/// Per-person quantities derived once from the traits (docs/model.md, "derived quantities").
#[derive(Debug, Clone, Copy)]
struct Derived {
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
}

impl Derived {
    fn from_traits(t: &Traits) -> Derived {
        use ParamId::*;
        let pd = t.get(PersonalDevelopment);
        let q = t.get(TrainingQuality);
        let rapport = t.get(Rapport);
        let skill = 1.0 + t.get(SkillGain) * q;
        let mut p_join = t.get(JoinProbability) * skill;
        let mut p_customer = t.get(CustomerProbability) * skill;
        let total = p_join + p_customer;
        if total > 1.0 {
            p_join /= total;
            p_customer /= total;
        }
        Derived {
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
        }
    }
}

/// A scenario prepared for simulation: everything that does not change between careers is
/// computed once here (fixed traits, distribution samplers, switches for unused mechanisms).
#[derive(Debug, Clone)]
pub struct Model {
    months: u32,
    seed: u64,
    depth: u32,
    max_people: u64,
    inactive_months: u32,
    rates: Vec<f64>,
    base: Traits,
    /// Parameters drawn per person, with their valid ranges for clamping.
    varying: Vec<(ParamId, Dist, f64, f64)>,
    /// Fixed-trait derived values, reused when nothing varies.
    base_derived: Derived,
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
}

/// Scratch space reused across careers by one worker (no allocation per career).
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Commission income per (level, month): row `l` is the income of the person currently
    /// simulated at level `l`, filled in by their downline.
    income: Vec<f64>,
    people: u64,
    capped: bool,
    person_months: u64,
    downline_quit: u64,
    downline_lost: u64,
    downline_profited: u64,
}

impl Model {
    /// Prepare a validated scenario for simulation.
    pub fn new(s: &Scenario) -> Model {
        let base = s.base_traits();
        let varying: Vec<(ParamId, Dist, f64, f64)> = s
            .varying()
            .into_iter()
            .map(|(id, d)| (id, d, id.spec().min, id.spec().max))
            .collect();
        let may_be_positive =
            |id: ParamId| -> bool { varying.iter().any(|v| v.0 == id) || base.get(id) > 0.0 };
        let rejections_matter =
            may_be_positive(ParamId::Sting) || may_be_positive(ParamId::FollowThroughFade);
        let depth = s.depth;
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
        let lean = !rejections_matter
            && !may_be_positive(CustomerProbability)
            && !may_be_positive(NeglectDropout);
        Model {
            months: s.months,
            seed: s.seed,
            depth,
            max_people: s.max_downline,
            inactive_months: s.inactive_months,
            rates: s.commission_rates.clone(),
            base,
            base_derived: Derived::from_traits(&base),
            varying,
            rejections_matter,
            economics,
            motivation_moves,
            lean,
        }
    }

    /// Horizon in months.
    pub fn months(&self) -> u32 {
        self.months
    }

    /// The parameters drawn per person, in the order of [`CareerOutcome::drawn`].
    pub fn varying_ids(&self) -> Vec<ParamId> {
        self.varying.iter().map(|v| v.0).collect()
    }

    /// A fresh workspace for one worker.
    pub fn workspace(&self) -> Workspace {
        Workspace {
            income: vec![0.0; (self.depth as usize + 1) * self.months as usize],
            people: 0,
            capped: false,
            person_months: 0,
            downline_quit: 0,
            downline_lost: 0,
            downline_profited: 0,
        }
    }

    /// Simulate followed career `index` (its random streams derive from the run's seed and
    /// `index` alone).
    pub fn career(&self, index: u64, ws: &mut Workspace) -> CareerOutcome {
        ws.people = 1;
        ws.capped = false;
        ws.person_months = 0;
        ws.downline_quit = 0;
        ws.downline_lost = 0;
        ws.downline_profited = 0;
        let key = rng::career_key(self.seed, index);
        let mut drawn = Vec::new();
        let person = self.person(key, 0, 0, ws, Some(&mut drawn));
        CareerOutcome {
            index,
            person,
            downline_size: ws.people - 1,
            downline_quit: ws.downline_quit,
            downline_lost: ws.downline_lost,
            downline_profited: ws.downline_profited,
            capped: ws.capped,
            person_months: ws.person_months,
            drawn,
        }
    }

    /// Draw a person's traits; fixed scenarios skip the traits stream entirely.
    fn derived_for(&self, key: u64, drawn: Option<&mut Vec<f64>>) -> Derived {
        if self.varying.is_empty() {
            return self.base_derived;
        }
        let mut traits = self.base;
        let mut rng = stream(key, Purpose::Traits);
        for (id, dist, lo, hi) in &self.varying {
            let v = dist.sample(&mut rng);
            // NaN cannot arise from validated distributions; clamp keeps draws in range.
            traits.set(*id, if v.is_nan() { *lo } else { v.clamp(*lo, *hi) });
        }
        if let Some(out) = drawn {
            out.extend(self.varying.iter().map(|(id, ..)| traits.get(*id)));
        }
        Derived::from_traits(&traits)
    }

    /// Simulate one person who joins in month `start` at downline `level` (0 = followed).
    ///
    /// The monthly loop is compiled in variants without the economics step and without
    /// motivation dynamics, chosen once per scenario: a scenario that switches a mechanism
    /// off does not pay for it in every simulated month.
    fn person(
        &self,
        key: u64,
        level: u32,
        start: u32,
        ws: &mut Workspace,
        drawn: Option<&mut Vec<f64>>,
    ) -> PersonOutcome {
        match (self.lean, self.economics, self.motivation_moves) {
            (false, true, true) => {
                self.person_months::<false, true, true>(key, level, start, ws, drawn)
            }
            (false, true, false) => {
                self.person_months::<false, true, false>(key, level, start, ws, drawn)
            }
            (false, false, true) => {
                self.person_months::<false, false, true>(key, level, start, ws, drawn)
            }
            (false, false, false) => {
                self.person_months::<false, false, false>(key, level, start, ws, drawn)
            }
            (true, true, true) => {
                self.person_months::<true, true, true>(key, level, start, ws, drawn)
            }
            (true, true, false) => {
                self.person_months::<true, true, false>(key, level, start, ws, drawn)
            }
            (true, false, true) => {
                self.person_months::<true, false, true>(key, level, start, ws, drawn)
            }
            (true, false, false) => {
                self.person_months::<true, false, false>(key, level, start, ws, drawn)
            }
        }
    }

    /// The monthly loop of [`Model::person`], with the economics step (`ECON`), the
    /// motivation step (`MOTIV`) and customers, rejections and neglect (`!LEAN`) compiled in
    /// or out.
    fn person_months<const LEAN: bool, const ECON: bool, const MOTIV: bool>(
        &self,
        key: u64,
        level: u32,
        start: u32,
        ws: &mut Workspace,
        drawn: Option<&mut Vec<f64>>,
    ) -> PersonOutcome {
        let d = self.derived_for(key, drawn);
        let months = self.months as usize;
        let row = level as usize * months;
        if self.depth > 0 {
            // Only a downline writes commission income; without one the row stays zero.
            ws.income[row + start as usize..row + months].fill(0.0);
        }

        let mut recruit_rng = stream(key, Purpose::Recruiting);
        let mut customer_rng = (d.p_customer > 0.0).then(|| stream(key, Purpose::Customers));
        let mut reject_rng = self
            .rejections_matter
            .then(|| stream(key, Purpose::Rejections));
        let mut life_rng = (d.life > 0.0).then(|| stream(key, Purpose::LifeEvents));
        let mut neglect_rng = (d.neglect > 0.0).then(|| stream(key, Purpose::Neglect));

        let simulate_recruits = level < self.depth;
        let pay_levels = (level as usize).min(self.rates.len());

        let mut motivation = d.initial_motivation;
        let mut decay_pow = 1.0; // (1 - decay)^tau
        let mut rejections_so_far = 0u64;
        let mut rejection_drain = 0.0;
        let mut goal_drain = 0.0;
        let mut low_effort_streak = 0u32;
        let mut customers = 0u64;
        let mut customers_won = 0u64;
        let mut recruits = 0u64;
        let mut money = Money::default();
        let mut end = None;
        let mut months_active = 0u32;

        for t in start..self.months {
            let tau = t - start;
            // 1. Consistency decay and effort.
            let consistency = d.floor + (1.0 - d.floor) * decay_pow;
            decay_pow *= 1.0 - d.decay;
            let effort = consistency * motivation;

            // 2. Lead generation: planned contacts fade with rejections; referrals come warm.
            let follow = if !LEAN && d.fade > 0.0 {
                1.0 / (1.0 + d.fade * rejections_so_far as f64)
            } else {
                1.0
            };
            let mut contacts = d.base_contacts * effort * follow;
            if !LEAN && customers > 0 {
                contacts += d.referral_rate * customers as f64;
            }

            // 3. Conversion: a Poisson number of contacts split three ways gives three
            //    independent Poisson counts (joins, customers, rejections).
            let joins = poisson(&mut recruit_rng, contacts * d.p_join);
            let (mut new_customers, mut rejections) = (0, 0);
            if !LEAN {
                if let Some(r) = customer_rng.as_mut() {
                    new_customers = poisson(r, contacts * d.p_customer);
                }
                if let Some(r) = reject_rng.as_mut() {
                    rejections = poisson(r, contacts * d.p_reject);
                }
                rejections_so_far += rejections;
            }

            // 4. Downline: each recruit's whole career, right now.
            if simulate_recruits {
                for j in 0..joins {
                    if ws.people >= self.max_people {
                        ws.capped = true;
                        break;
                    }
                    ws.people += 1;
                    let child = self.person(child_key(key, recruits + j), level + 1, t, ws, None);
                    if child.end.is_quit() {
                        ws.downline_quit += 1;
                    }
                    let net = child.money.net();
                    if net < 0.0 {
                        ws.downline_lost += 1;
                    } else if net > 0.0 {
                        ws.downline_profited += 1;
                    }
                }
            }
            recruits += joins;

            // Customers: last month's churn, then this month's new ones.
            if let Some(r) = customer_rng.as_mut().filter(|_| !LEAN) {
                let lost = binomial(r, customers, d.churn);
                // Referrals can make the customer base grow geometrically; a person cannot
                // serve more than MAX_CUSTOMERS, which also keeps every count finite.
                let wanted = (customers - lost).saturating_add(new_customers);
                if wanted > MAX_CUSTOMERS {
                    // Counted like a downline cap: this career's numbers are understated.
                    ws.capped = true;
                }
                customers = wanted.min(MAX_CUSTOMERS);
                customers_won = customers_won.saturating_add(new_customers);
            }

            // 5. Economics.
            let mut gross = 0.0;
            if ECON {
                let purchases = d.monthly_purchase + if tau == 0 { d.starter_kit } else { 0.0 };
                let retail = d.retail_per_customer * customers as f64;
                let commissions = ws.income[row + t as usize];
                money.purchases += purchases;
                money.expenses += d.monthly_expenses;
                money.retail += retail;
                money.commissions += commissions;
                if pay_levels > 0 {
                    let volume = d.monthly_purchase + d.customer_order * customers as f64;
                    for (k, rate) in self.rates[..pay_levels].iter().enumerate() {
                        let upline = (level as usize - 1 - k) * months;
                        ws.income[upline + t as usize] += rate * volume;
                    }
                }
                gross = commissions + retail;
            }

            // 6. Motivation: recovery, successes, the sting of rejection, unmet goals.
            if MOTIV {
                motivation += d.recovery * (1.0 - motivation);
                let successes = joins + new_customers;
                if successes > 0 && d.boost > 0.0 {
                    motivation = 1.0 - (1.0 - motivation) * (1.0 - d.boost).powi(successes as i32);
                }
                if rejections > 0 && d.sting > 0.0 {
                    let before = motivation;
                    motivation *= (1.0 - d.sting).powf(rejections as f64);
                    rejection_drain += before - motivation;
                }
                if d.expected_income > 0.0 && d.disillusionment > 0.0 && tau as f64 >= d.patience {
                    let shortfall = (1.0 - gross / d.expected_income).max(0.0);
                    let before = motivation;
                    motivation *= 1.0 - d.disillusionment * shortfall;
                    goal_drain += before - motivation;
                }
            }

            // 7. Quitting at month end; hazards are drawn every month so streams stay aligned.
            let neglect_hit = !LEAN
                && neglect_rng
                    .as_mut()
                    .is_some_and(|r| r.random::<f64>() < d.neglect);
            let life_hit = life_rng
                .as_mut()
                .is_some_and(|r| r.random::<f64>() < d.life);
            low_effort_streak = if effort < d.inactive_below {
                low_effort_streak + 1
            } else {
                0
            };
            months_active += 1;
            let money_quit = ECON && money.net() < -d.loss_tolerance;
            let motivation_quit = motivation < d.quit_below;
            let inactive_quit = low_effort_streak >= self.inactive_months;
            // One well-predicted branch in the common month where nothing ends the career;
            // the order below is the documented precedence of quit reasons.
            if money_quit | motivation_quit | inactive_quit | neglect_hit | life_hit {
                let reason = if money_quit {
                    EndReason::FinancialLoss
                } else if motivation_quit {
                    if rejection_drain > goal_drain {
                        EndReason::RejectionBurnout
                    } else {
                        EndReason::Disillusioned
                    }
                } else if inactive_quit {
                    EndReason::Inactive
                } else if neglect_hit {
                    EndReason::Unsupported
                } else {
                    EndReason::LifeEvent
                };
                end = Some((reason, t));
                break;
            }
        }
        ws.person_months += u64::from(months_active);

        let (end, quit_month) = match end {
            Some((r, t)) => (r, Some(t)),
            None if money.net() > 0.0 => (EndReason::ActiveProfitable, None),
            None => (EndReason::ActiveLosing, None),
        };
        PersonOutcome {
            end,
            months_active,
            quit_month,
            money,
            recruits,
            customers: customers_won,
        }
    }
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
