//! One person's month: the single implementation of the monthly step, shared by the
//! followed-career mode ([`super::Model`]) and the company world (the `world` module).
//!
//! Why it is split in two halves: between drawing the month's contacts and settling the month's
//! money, each mode has something of its own to do. The followed-career mode simulates each new
//! recruit's whole career right there (depth-first), which fills in this month's commission
//! income; the company world first lets every member prospect, then resolves the shared market
//! (who actually joins when the fresh part of the market runs out) and pays commissions over the
//! real tree. So [`PersonState::prospect`] does steps 1 to 3 of `docs/model.md` and
//! [`PersonState::settle`] does steps 4 (customers) to 7, and each mode calls both in order.
//!
//! The state is compact (about 110 bytes) because the company world keeps one per participant
//! ever joined; the random streams live outside it ([`Streams`]), persistent per person in the
//! followed mode and re-derived per (person, month) in the company world.
//!
//! The const parameters compile out steps a scenario cannot use (see [`super::Model`]): a
//! scenario without customers or rejections does not pay for them in every simulated month.

use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::SplitMix64;

use super::rng::{mix, stream, Purpose, Stream};
use super::sampling::{binomial, poisson};
use super::{Derived, EndReason, Money, MAX_CUSTOMERS};

/// The random streams one person draws from, one per purpose.
///
/// Streams a person can never use (no customers, rejections that cannot matter, no life events,
/// no neglect) are not created at all.
#[derive(Debug, Clone)]
pub struct Streams<R = Stream> {
    pub(super) recruiting: R,
    pub(super) customers: Option<R>,
    pub(super) rejections: Option<R>,
    life: Option<R>,
    neglect: Option<R>,
}

/// The generator of the company world's per-(person, month, phase, purpose) streams.
///
/// Why not the followed mode's Xoshiro256++: such a stream is seeded for a handful of draws
/// (one Poisson or Bernoulli draw each, mostly) and thrown away, so seeding is the cost that
/// matters. Seeding Xoshiro256++ from a key runs SplitMix64 four times, and five streams a
/// person-month made seeding a sixth of a company run. SplitMix64 itself (a named, portable
/// generator that passes BigCrush) is seeded by its key as it stands, and each key is already
/// a full-avalanche hash of (seed, replicate, person, month, phase, purpose).
pub type MonthStream = SplitMix64;

impl Streams {
    /// The streams of the person with `key`, derived from `key` alone. `rejections_matter` is
    /// false when no one can feel or count a rejection (then none are drawn).
    #[inline]
    pub(crate) fn new(key: u64, d: &Derived, rejections_matter: bool) -> Streams {
        Streams {
            recruiting: stream(key, Purpose::Recruiting),
            customers: (d.p_customer > 0.0).then(|| stream(key, Purpose::Customers)),
            rejections: rejections_matter.then(|| stream(key, Purpose::Rejections)),
            life: (d.life > 0.0).then(|| stream(key, Purpose::LifeEvents)),
            neglect: (d.neglect > 0.0).then(|| stream(key, Purpose::Neglect)),
        }
    }
}

/// Spacing of the purposes' month streams: stream `p` of a (person, month, phase) starts at
/// `key + p x PURPOSE_STEP`. SplitMix64 walks its state by its odd increment `PHI`, so two
/// purposes' streams could only share numbers if `PURPOSE_STEP x (p - q)` were a small multiple
/// of `PHI`; a test checks it is not for any two purposes (no overlap within 2^32 draws).
const PURPOSE_STEP: u64 = 0xbf58_476d_1ce4_e5b9;
/// Salt of the month streams' keys ("month-st").
const MONTH_SALT: u64 = 0x6d6f_6e74_682d_7374;

impl Streams<MonthStream> {
    /// The streams of participant `id` of the company with key `company` for one phase of one
    /// `month` only: the company world derives fresh streams per (person, month, phase,
    /// purpose), so nothing random has to be stored per participant between months and no
    /// draw depends on the order people are processed in. Each phase of a month gets its own,
    /// so a stream used in two phases (customers won, then customers lost) never reuses a
    /// number.
    ///
    /// One hash per (person, month, phase): `mix` is a bijection in its second argument, and
    /// (id, month, phase) are packed into distinct bits of it, so no two triples share a key;
    /// the purposes are spaced by [`PURPOSE_STEP`]. Only the streams the phase uses are
    /// seeded (`uses`).
    #[inline]
    pub(crate) fn for_month(
        company: u64,
        id: u32,
        month: u32,
        phase: u64,
        d: &Derived,
        rejections_matter: bool,
        uses: StreamUse,
    ) -> Streams<MonthStream> {
        debug_assert!(month < 1 << 16 && phase < 1 << 4);
        let packed = u64::from(id) << 20 | u64::from(month) << 4 | phase;
        let k = mix(company ^ MONTH_SALT, packed);
        let month_stream = |purpose: Purpose| {
            MonthStream::seed_from_u64(k.wrapping_add((purpose as u64).wrapping_mul(PURPOSE_STEP)))
        };
        Streams {
            recruiting: if uses.recruiting {
                month_stream(Purpose::Recruiting)
            } else {
                // Never drawn from in this phase; any fixed state will do.
                MonthStream::seed_from_u64(0)
            },
            customers: (uses.customers && d.p_customer > 0.0)
                .then(|| month_stream(Purpose::Customers)),
            rejections: (uses.rejections && rejections_matter)
                .then(|| month_stream(Purpose::Rejections)),
            life: (uses.quitting && d.life > 0.0).then(|| month_stream(Purpose::LifeEvents)),
            neglect: (uses.quitting && d.neglect > 0.0).then(|| month_stream(Purpose::Neglect)),
        }
    }
}

/// Which streams a phase of the company world's month draws from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamUse {
    /// Recruits joining (prospecting).
    pub recruiting: bool,
    /// Customers won or lost.
    pub customers: bool,
    /// Rejections heard.
    pub rejections: bool,
    /// Life events and neglect (quitting).
    pub quitting: bool,
}

impl StreamUse {
    /// Prospecting: joins, customers won, rejections.
    pub const PROSPECT: StreamUse = StreamUse {
        recruiting: true,
        customers: true,
        rejections: true,
        quitting: false,
    };
    /// Settling: quitting hazards.
    pub const SETTLE: StreamUse = StreamUse {
        recruiting: false,
        customers: false,
        rejections: false,
        quitting: true,
    };
}

/// What one person drew in the prospecting half of a month (steps 1 to 3).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MonthDraws {
    /// Effort this month (consistency x motivation), for the inactivity check.
    pub effort: f64,
    /// Contacts made this month (planned contacts plus customers' referrals).
    pub contacts: f64,
    /// People who said yes to joining. The company world may grant fewer (market exhausted).
    pub joins: u64,
    /// People who said yes to buying. The company world may grant fewer.
    pub new_customers: u64,
    /// People who said no (counted only when rejections can matter); with a warm market,
    /// the strangers who said no.
    pub rejections: u64,
    /// Friends and relatives who said no (warm market; 0 without one).
    pub warm_rejections: u64,
    /// Expected number of fresh people who said no: the company world takes them out of the
    /// fresh pool (`contacts x p_reject x fresh` in the old step).
    pub fresh_refusals: f64,
}

/// What the settling half of a month (steps 4 to 7) gave.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Settled {
    /// Sales volume of the month that commissions are paid on: own purchase plus customers'
    /// orders (0 when the economics step is compiled out).
    pub volume: f64,
    /// The quit reason, when the person quit at the end of this month.
    pub quit: Option<EndReason>,
}

/// One person's state between months: everything the monthly step remembers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PersonState {
    /// Money over the career so far.
    pub money: Money,
    pub(super) motivation: f64,
    /// (1 - decay)^tau, carried instead of recomputing a power every month.
    pub(super) decay_pow: f64,
    /// Motivation drained so far by rejection and by unmet goals: only compared with each other
    /// (and the awkwardness drain) to name the quit reason, so single precision is enough, and
    /// it keeps a company member at 136 bytes (docs/company.md, memory).
    rejection_drain: f32,
    goal_drain: f32,
    pub(super) rejections_so_far: u64,
    /// Retail customers won so far.
    pub customers_won: u64,
    /// Direct recruits so far.
    pub recruits: u64,
    /// Active retail customers (at most [`MAX_CUSTOMERS`], so 32 bits are enough).
    pub(super) customers: u32,
    /// Months (at most `MAX_MONTHS` = 600) fit in 16 bits; with the single-precision drains below the state stays at 104 bytes.
    low_effort_streak: u16,
    /// Months worked so far.
    pub months_active: u16,
    // Issue 12 (H1, `markets.rs`): the warm market. 32 bits: at most 100,000 people known.
    /// People known (the warm market).
    pub(super) warm_known: u32,
    /// People known not yet approached.
    pub(super) warm_left: u32,
    /// Motivation drained so far by warm "no"s; only compared with the other drains to name
    /// the quit reason, so single precision is enough (and keeps the state at 104 bytes).
    awkward_drain: f32,
    /// Support hours received from the sponsor this month (issue 12, "Sponsors who support"):
    /// set by the driver before [`PersonState::settle`], 0 when unsupported or orphaned. An
    /// `f32` to keep the state compact (the company world keeps one per participant).
    support_received: f32,
}

impl Derived {
    /// (own monthly purchase, one customer's order): a month's volume is
    /// `purchase + order x customers`, as [`PersonState::volume`] computes it.
    #[inline(always)]
    pub(crate) fn volume_parts(&self) -> (f64, f64) {
        (self.monthly_purchase, self.customer_order)
    }
}

/// The customer base once `new_customers` join a base of `customers`
/// ([`PersonState::add_customers`]). Referrals can make a base grow geometrically; a person
/// cannot serve more than [`MAX_CUSTOMERS`], which also keeps every count finite.
#[inline(always)]
pub(crate) fn customers_after(customers: u64, new_customers: u64) -> u64 {
    customers.saturating_add(new_customers).min(MAX_CUSTOMERS)
}

impl PersonState {
    /// A recruit at the start of their first month, whose sponsor has approached a share
    /// `sponsor_warm_used` of their own warm list ([`PersonState::warm_used_share`]): the
    /// part of the recruit's warm list the two share is used up already.
    #[inline]
    pub(crate) fn for_recruit(d: &Derived, sponsor_warm_used: f64) -> PersonState {
        PersonState {
            warm_known: d.markets.warm_known(),
            warm_left: d.markets.warm_left_for_recruit(sponsor_warm_used),
            awkward_drain: 0.0,
            money: Money::default(),
            motivation: d.initial_motivation,
            decay_pow: 1.0,
            rejection_drain: 0.0,
            goal_drain: 0.0,
            rejections_so_far: 0,
            customers_won: 0,
            recruits: 0,
            customers: 0,
            low_effort_streak: 0,
            months_active: 0,
            support_received: 0.0,
        }
    }

    /// This month's effort (consistency x motivation) before [`PersonState::prospect`] runs:
    /// a sponsor's support hours scale with it and must be known before the prospecting hours
    /// are (docs/model.md, "Sponsors who support").
    #[inline(always)]
    pub(crate) fn effort_now(&self, d: &Derived) -> f64 {
        (d.floor + (1.0 - d.floor) * self.decay_pow) * self.motivation
    }

    /// Whether the person acted last month (effort at or above `consistency.inactive_below`);
    /// someone who has not worked a month yet counts as acting. Policy "active" supports only
    /// these.
    #[inline(always)]
    pub(crate) fn acted_last_month(&self) -> bool {
        self.months_active == 0 || self.low_effort_streak == 0
    }

    /// Record the support hours received from the sponsor this month (0 = none).
    #[inline(always)]
    pub(crate) fn receive_support(&mut self, hours: f64) {
        self.support_received = hours as f32;
    }

    /// This month's neglect hazard: `h_n x exp(-effect x hours received)`, exactly `h_n`
    /// without support (docs/model.md, "Sponsors who support").
    #[inline(always)]
    fn neglect_hazard(&self, d: &Derived) -> f64 {
        if self.support_received > 0.0 {
            d.neglect * (-d.support_effect * f64::from(self.support_received)).exp()
        } else {
            d.neglect
        }
    }

    /// Active retail customers now.
    pub fn customers(&self) -> u64 {
        u64::from(self.customers)
    }

    /// Steps 1 to 3: effort, contacts and what the contacts said.
    ///
    /// `fresh` is the share of contacts that reach someone who can still say yes: 1 in the
    /// followed-career mode's untouched market, the fresh share of the finite market in the
    /// company world. A contact that reaches anyone else is a rejection (`docs/model.md`,
    /// "The company world"). With `fresh == 1` the arithmetic is exactly the followed mode's.
    ///
    /// `MARKETS` compiles in the time budget and warm and cold markets (`markets.rs`);
    /// `hours_elsewhere` are hours already spent this month on other business work
    /// (supporting recruits), taken from the time budget before prospecting.
    #[inline(always)]
    pub(crate) fn prospect<const LEAN: bool, const MARKETS: bool, R: Rng>(
        &mut self,
        d: &Derived,
        s: &mut Streams<R>,
        fresh: f64,
        hours_elsewhere: f64,
    ) -> MonthDraws {
        if MARKETS {
            return self.prospect_in_markets(d, s, fresh, hours_elsewhere);
        }
        // 1. Consistency decay and effort.
        let consistency = d.floor + (1.0 - d.floor) * self.decay_pow;
        self.decay_pow *= 1.0 - d.decay;
        let effort = consistency * self.motivation;

        // 2. Lead generation: planned contacts fade with rejections; referrals come warm.
        let follow = if !LEAN && d.fade > 0.0 {
            1.0 / (1.0 + d.fade * self.rejections_so_far as f64)
        } else {
            1.0
        };
        let mut contacts = d.base_contacts * effort * follow;
        if !LEAN && self.customers > 0 {
            contacts += d.referral_rate * self.customers as f64;
        }

        // 3. Conversion: a Poisson number of contacts split three ways gives three
        //    independent Poisson counts (joins, customers, rejections).
        let joins = poisson(&mut s.recruiting, contacts * d.p_join * fresh);
        let (mut new_customers, mut rejections) = (0, 0);
        if !LEAN {
            if let Some(r) = s.customers.as_mut() {
                new_customers = poisson(r, contacts * d.p_customer * fresh);
            }
            if let Some(r) = s.rejections.as_mut() {
                // Those who would have said no anyway, plus everyone reached who is no longer
                // fresh; the second term is exactly 0 when fresh == 1.
                let p_no = d.p_reject + (1.0 - fresh) * (d.p_join + d.p_customer);
                rejections = poisson(r, contacts * p_no);
            }
            self.rejections_so_far += rejections;
        }
        MonthDraws {
            effort,
            contacts,
            joins,
            new_customers,
            rejections,
            warm_rejections: 0,
            fresh_refusals: contacts * d.p_reject * fresh,
        }
    }

    /// Step 4: last month's customers churn, then this month's `new_customers` (as granted)
    /// are added. Returns true when the base hit [`MAX_CUSTOMERS`].
    #[inline(always)]
    pub(crate) fn serve_customers<const LEAN: bool, R: Rng>(
        &mut self,
        d: &Derived,
        s: &mut Streams<R>,
        new_customers: u64,
    ) -> bool {
        if s.customers.is_none() || LEAN {
            return false;
        }
        self.churn_customers::<LEAN, _>(d, s);
        self.add_customers(new_customers)
    }

    /// The first half of step 4: last month's customers churn. The company world calls it
    /// right after [`PersonState::prospect`] (the same stream, in the same order as the
    /// followed mode), before the market decides how many new customers are granted.
    #[inline(always)]
    pub(crate) fn churn_customers<const LEAN: bool, R: Rng>(
        &mut self,
        d: &Derived,
        s: &mut Streams<R>,
    ) {
        if let Some(r) = s.customers.as_mut().filter(|_| !LEAN) {
            let lost = binomial(r, u64::from(self.customers), d.churn);
            // lost <= customers < 2^32.
            self.customers -= lost as u32;
        }
    }

    /// The second half of step 4: this month's granted `new_customers` join the base.
    /// Returns true when the base hit [`MAX_CUSTOMERS`]. With no new customers it changes
    /// nothing, so it may be called for people who can never win any.
    #[inline(always)]
    pub(crate) fn add_customers(&mut self, new_customers: u64) -> bool {
        let wanted = u64::from(self.customers).saturating_add(new_customers);
        // Counted like a downline cap: this career's numbers are understated.
        let capped = wanted > MAX_CUSTOMERS;
        // MAX_CUSTOMERS < 2^32, so the conversion is exact.
        self.customers = customers_after(u64::from(self.customers), new_customers) as u32;
        self.customers_won = self.customers_won.saturating_add(new_customers);
        capped
    }

    /// This month's sales volume, the base of commissions: own purchase plus the customers'
    /// orders (after [`PersonState::serve_customers`]).
    #[inline(always)]
    pub(crate) fn volume(&self, d: &Derived) -> f64 {
        d.monthly_purchase + d.customer_order * self.customers as f64
    }

    /// Steps 5 to 7: money moves, motivation moves, and the person may quit at month end.
    ///
    /// `draws` holds the joins and customers actually granted (the company world may have
    /// granted fewer than were drawn), `tau` is months since joining and `commissions` the
    /// commission income earned this month. The caller adds `draws.joins` to
    /// [`PersonState::recruits`] (the followed mode needs the count before that, to key the
    /// recruits' streams) and calls [`PersonState::serve_customers`] first.
    #[inline(always)]
    pub(crate) fn settle<
        const LEAN: bool,
        const ECON: bool,
        const MOTIV: bool,
        const MARKETS: bool,
        R: Rng,
    >(
        &mut self,
        d: &Derived,
        s: &mut Streams<R>,
        draws: &MonthDraws,
        tau: u32,
        commissions: f64,
        inactive_months: u32,
    ) -> Settled {
        let mut out = Settled::default();
        // 5. Economics.
        let mut gross = 0.0;
        if ECON {
            let purchases = d.monthly_purchase + if tau == 0 { d.starter_kit } else { 0.0 };
            let retail = d.retail_per_customer * self.customers as f64;
            self.money.purchases += purchases;
            self.money.expenses += d.monthly_expenses;
            self.money.retail += retail;
            self.money.commissions += commissions;
            out.volume = self.volume(d);
            gross = commissions + retail;
        }

        // 6. Motivation: recovery, successes, the sting of rejection, unmet goals.
        if MOTIV {
            let mut motivation = self.motivation;
            motivation += d.recovery * (1.0 - motivation);
            let successes = draws.joins + draws.new_customers;
            if successes > 0 && d.boost > 0.0 {
                motivation = 1.0 - (1.0 - motivation) * (1.0 - d.boost).powi(successes as i32);
            }
            if draws.rejections > 0 && d.sting > 0.0 {
                let before = motivation;
                motivation *= (1.0 - d.sting).powi(exponent(draws.rejections));
                self.rejection_drain += (before - motivation) as f32;
            }
            // Issue 12 (H1): each "no" from a friend or relative is awkward.
            if MARKETS && draws.warm_rejections > 0 && d.markets.awkwardness() > 0.0 {
                let before = motivation;
                motivation *= (1.0 - d.markets.awkwardness()).powi(exponent(draws.warm_rejections));
                self.awkward_drain += (before - motivation) as f32;
            }
            if d.expected_income > 0.0 && d.disillusionment > 0.0 && tau as f64 >= d.patience {
                let shortfall = (1.0 - gross / d.expected_income).max(0.0);
                let before = motivation;
                motivation *= 1.0 - d.disillusionment * shortfall;
                self.goal_drain += (before - motivation) as f32;
            }
            self.motivation = motivation;
        }

        // 7. Quitting at month end; hazards are drawn every month so streams stay aligned.
        let neglect_hit = !LEAN
            && s.neglect
                .as_mut()
                .is_some_and(|r| r.random::<f64>() < self.neglect_hazard(d));
        let life_hit = s.life.as_mut().is_some_and(|r| r.random::<f64>() < d.life);
        self.low_effort_streak = if draws.effort < d.inactive_below {
            self.low_effort_streak + 1
        } else {
            0
        };
        self.months_active += 1;
        let money_quit = ECON && self.money.net() < -d.loss_tolerance;
        let motivation_quit = self.motivation < d.quit_below;
        let inactive_quit = u32::from(self.low_effort_streak) >= inactive_months;
        // One well-predicted branch in the common month where nothing ends the career;
        // the order below is the documented precedence of quit reasons.
        if money_quit | motivation_quit | inactive_quit | neglect_hit | life_hit {
            out.quit = Some(if money_quit {
                EndReason::FinancialLoss
            } else if motivation_quit {
                let awkward = self.awkward_drain;
                if MARKETS && awkward > self.rejection_drain && awkward > self.goal_drain {
                    EndReason::AwkwardWithFriends
                } else if self.rejection_drain > self.goal_drain {
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
            });
        }
        out
    }

    /// How a career that is still going at the horizon is classed.
    #[inline]
    pub fn end_at_horizon(&self) -> EndReason {
        if self.money.net() > 0.0 {
            EndReason::ActiveProfitable
        } else {
            EndReason::ActiveLosing
        }
    }
}

/// A month's count of "no"s as the integer exponent of the sting: `powi` (repeated
/// squaring) is several times cheaper than `powf` and the company world computes it for most
/// members every month. Counts past `i32::MAX` cannot arise (contacts are at most 10,000 a
/// month); they would only saturate a factor that is 0 already.
#[inline(always)]
fn exponent(count: u64) -> i32 {
    count.min(i32::MAX as u64) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No two purposes' month streams of one (person, month, phase) share numbers: stream
    /// `q` would reach stream `p`'s start after `j` steps of `PHI` only if
    /// `j = (p - q) x PURPOSE_STEP / PHI (mod 2^64)`, and every such `j` is astronomically
    /// far (beyond 2^32 draws either way).
    #[test]
    fn month_streams_of_different_purposes_never_overlap() {
        const PHI: u64 = 0x9e37_79b9_7f4a_7c15; // SplitMix64's increment
                                                // Inverse of an odd number mod 2^64 by Newton's iteration (each step doubles the
                                                // correct low bits).
        let mut inv: u64 = PHI;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(PHI.wrapping_mul(inv)));
        }
        assert_eq!(PHI.wrapping_mul(inv), 1);
        for d in 1..8u64 {
            let j = d.wrapping_mul(PURPOSE_STEP).wrapping_mul(inv);
            let distance = j.min(j.wrapping_neg());
            assert!(
                distance > 1 << 32,
                "purposes {d} apart overlap after {distance} draws"
            );
        }
    }

    #[test]
    fn state_is_compact_enough_for_a_company_of_millions() {
        // docs/company.md promises about 100 bytes per participant ever joined; issue 12's
        // warm market (people known, left, the awkwardness drain) and the support received fit
        // in the same 104 bytes: 16-bit month counts and single-precision drains made room.
        assert!(std::mem::size_of::<PersonState>() <= 104);
    }
}
