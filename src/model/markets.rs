//! Time budget, prospecting style as time per contact, and warm and cold markets (issue 12).
//!
//! Why a separate path of the monthly step rather than more branches in the old one: with every
//! key of this module at its neutral value the monthly step must be exactly today's, and cost
//! what it cost. So the drivers compile this path in only when a scenario can use it (the
//! `MARKETS` const parameter of [`PersonState::prospect`], chosen once per scenario by
//! [`uses_markets`]), and the old path stays untouched.
//!
//! The model (`docs/model.md`, "Time, prospecting style, warm and cold markets"):
//!
//! * **Time budget.** Business hours this month = `hours_per_month x follow_through x effort`
//!   (follow-through and its fade as for contacts). Customer care takes
//!   `hours_per_customer x C` first, then the hours spent elsewhere (supporting recruits);
//!   what is left is prospecting: `contacts = prospecting hours / hours_per_contact`.
//! * **Chance of a yes and time per contact** (Hill curve): with `h = hours_per_contact`,
//!   `a = half_chance_hours`, `n = time_curve_steepness`, the chances of joining and of buying
//!   are `join_probability x g(h)` and `customer_probability x g(h)` with
//!   `g(h) = h^n / (h^n + a^n)`; rapport is `rapport x g(h)` too (customers kept, referrals).
//!   Yeses per hour `g(h) / h` are largest at `h* = a (n - 1)^(1/n)` when `n > 1`
//!   ([`best_hours_per_contact`]); for `n <= 1` they fall with `h` (the numbers game wins on
//!   yeses per hour, and only the costs of the "no"s can make more time per contact pay).
//! * **Warm and cold markets.** A person knows `W` people; planned contacts go to them first,
//!   at `conversion_multiplier` times the cold chances, and each warm "no" takes a share
//!   `awkwardness` of motivation (drained separately: the quit reason
//!   `awkward_with_friends_and_family`). Contacts planned beyond the warm list reach strangers,
//!   thinned by `cold_market` (0: no cold market, so no one makes more than `W` planned
//!   contacts). A recruit's warm list loses the share of it the sponsor already approached:
//!   `W_recruit x (1 - overlap_with_sponsor x used share of the sponsor's list)`.
//!
//! **Draws.** Planned contacts are a Poisson count. While they fit in what is left of the warm
//! list, their joins, customers and "no"s are three independent Poisson counts at the warm
//! chances (exact by Poisson splitting, and cheap); in the month the list runs out, their sum
//! (still the Poisson count of contacts) is split exactly: the first ones warm, up to what is
//! left, the rest thinned by the cold market, each group's answers multinomial. Once the list
//! is used up (or there is none) the month is drawn as in the old step (three independent
//! Poisson counts from the same streams), exact for a Poisson number of contacts.

use rand::Rng;

use super::sampling::{binomial, poisson};
use super::step::{MonthDraws, PersonState, Streams};
use super::Derived;
use crate::scenario::{ParamId, Traits};

/// The per-person values of this module, derived once from the traits (in [`Derived`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MarketTraits {
    /// Whether contacts come from hours (`time.hours_per_month` may be positive).
    time_budget: bool,
    /// `hours_per_month x follow_through`: hours at full effort.
    hours: f64,
    hours_per_customer: f64,
    hours_per_contact: f64,
    /// People known (the warm market), rounded to whole people.
    warm_known: u32,
    p_join_warm: f64,
    p_customer_warm: f64,
    p_reject_warm: f64,
    awkwardness: f64,
    cold_market: f64,
    overlap: f64,
}

/// `x.round() as u32` for `x` in [0, 100000] (people known, validated), without the
/// library call `round` is on the baseline x86-64 target (no SSE4.1): the company world
/// rebuilds each member's derived values every month, and the call was a measurable share
/// of it. Truncation is exact for such `x`, so is `x - t`, and rounding half away from zero
/// adds one exactly when the remainder is at least a half.
#[inline(always)]
fn whole_people(x: f64) -> u32 {
    let t = x as u32;
    if x - f64::from(t) >= 0.5 {
        t + 1
    } else {
        t
    }
}

/// `g(h) = h^n / (h^n + a^n)`: the share of the best chance of a yes reached by giving a
/// contact `h` hours, with `a` the hours that reach half of it and `n` the steepness.
/// `a = 0` gives 1 for every `h > 0` (time given does not matter).
pub fn hill(h: f64, half: f64, n: f64) -> f64 {
    if half <= 0.0 {
        return 1.0;
    }
    // Written as 1 / (1 + (a/h)^n): no overflow for large h, and exactly 0 at h = 0.
    if h <= 0.0 {
        return 0.0;
    }
    1.0 / (1.0 + (half / h).powf(n))
}

/// The time per contact that gives the most yeses per hour, `argmax_h g(h) / h`:
/// `a (n - 1)^(1/n)` for `n > 1`; `None` when `n <= 1` or `a = 0` (then yeses per hour only
/// fall as `h` grows, so the fewest hours per contact win).
pub fn best_hours_per_contact(half: f64, n: f64) -> Option<f64> {
    (n > 1.0 && half > 0.0).then(|| half * (n - 1.0).powf(1.0 / n))
}

/// The factor `g(hours_per_contact)` of one person's traits (1 when time is not counted).
pub(crate) fn time_factor(t: &Traits, time_budget: bool) -> f64 {
    if !time_budget {
        return 1.0;
    }
    hill(
        t.get(ParamId::HoursPerContact),
        t.get(ParamId::HalfChanceHours),
        t.get(ParamId::TimeCurveSteepness),
    )
}

/// Whether a scenario counts hours: `may_be_positive` says whether a key is positive for
/// anyone (fixed above 0, or drawn).
pub(crate) fn uses_time_budget(may_be_positive: &dyn Fn(ParamId) -> bool) -> bool {
    may_be_positive(ParamId::HoursPerMonth)
}

/// Whether the monthly step needs this module's path: hours counted, a warm market, or a
/// limited cold market. `differs` says whether a key may differ from its neutral value.
pub(crate) fn uses_markets(
    may_be_positive: &dyn Fn(ParamId) -> bool,
    differs: &dyn Fn(ParamId) -> bool,
) -> bool {
    uses_time_budget(may_be_positive)
        || may_be_positive(ParamId::PeopleKnown)
        || differs(ParamId::ColdMarket)
}

impl MarketTraits {
    /// `p_join`, `p_customer`: the cold chances after training and time per contact, before
    /// they are scaled to sum to at most 1.
    pub(crate) fn new(t: &Traits, time_budget: bool, p_join: f64, p_customer: f64) -> Self {
        use ParamId::*;
        let boost = t.get(WarmConversion);
        let (mut pj, mut pc) = (p_join * boost, p_customer * boost);
        let total = pj + pc;
        if total > 1.0 {
            pj /= total;
            pc /= total;
        }
        MarketTraits {
            time_budget,
            hours: t.get(HoursPerMonth) * t.get(FollowThrough),
            hours_per_customer: t.get(HoursPerCustomer),
            hours_per_contact: t.get(HoursPerContact),
            // In range [0, 100000] by validation: the conversion is exact after rounding.
            warm_known: whole_people(t.get(PeopleKnown)),
            p_join_warm: pj,
            p_customer_warm: pc,
            p_reject_warm: (1.0 - pj - pc).max(0.0),
            awkwardness: t.get(Awkwardness),
            cold_market: t.get(ColdMarket),
            overlap: t.get(WarmOverlap),
        }
    }

    /// Share of motivation each warm "no" takes.
    #[inline(always)]
    pub(crate) fn awkwardness(&self) -> f64 {
        self.awkwardness
    }

    /// People known, whole.
    #[inline(always)]
    pub(crate) fn warm_known(&self) -> u32 {
        self.warm_known
    }

    /// The warm list a recruit starts with when the sponsor has approached a share
    /// `sponsor_used` of their own list: `W (1 - overlap x sponsor_used)`, rounded.
    #[inline]
    pub(crate) fn warm_left_for_recruit(&self, sponsor_used: f64) -> u32 {
        if sponsor_used <= 0.0 || self.overlap <= 0.0 {
            return self.warm_known;
        }
        let left = f64::from(self.warm_known) * (1.0 - self.overlap * sponsor_used.min(1.0));
        // Between 0 and warm_known.
        left.round().max(0.0) as u32
    }

    /// Planned contacts this month (before the warm/cold split), from hours when time is
    /// counted, else as the old step: `contacts_per_month x follow_through x effort x follow`.
    #[inline(always)]
    fn planned_contacts(
        &self,
        d: &Derived,
        effort: f64,
        follow: f64,
        customers: u32,
        hours_elsewhere: f64,
    ) -> f64 {
        if self.time_budget {
            let hours = self.hours * effort * follow;
            let care = self.hours_per_customer * f64::from(customers);
            let prospecting = (hours - care - hours_elsewhere).max(0.0);
            prospecting / self.hours_per_contact
        } else {
            d.base_contacts * effort * follow
        }
    }

    /// Expected planned contacts at full motivation for the work estimate (care and support
    /// hours left out, so it errs high), and the larger of the warm and cold join chances.
    pub(crate) fn estimate_contacts_and_join(&self, d: &Derived, effort: f64) -> (f64, f64) {
        let contacts = if self.time_budget {
            self.hours * effort / self.hours_per_contact
        } else {
            d.base_contacts * effort
        };
        let p_join = if self.warm_known > 0 {
            d.p_join.max(self.p_join_warm)
        } else {
            d.p_join
        };
        (contacts, p_join)
    }
}

/// Joins, customers and "no"s among `n` contacts, each joining with `pj`, buying with `pc`,
/// else saying no (a multinomial drawn as two conditional binomials).
#[inline]
fn split<R: rand::Rng>(rng: &mut R, n: u64, pj: f64, pc: f64) -> (u64, u64, u64) {
    let joins = binomial(rng, n, pj);
    let rest = n - joins;
    let customers = if pc > 0.0 && pj < 1.0 {
        binomial(rng, rest, (pc / (1.0 - pj)).min(1.0))
    } else {
        0
    };
    (joins, customers, rest - customers)
}

impl PersonState {
    /// Steps 1 to 3 with the time budget and the warm and cold markets (see the module
    /// documentation). `fresh` as in [`PersonState::prospect`]; `hours_elsewhere`: hours
    /// already spent this month on other business work (supporting recruits).
    #[inline(always)]
    pub(crate) fn prospect_in_markets<R: Rng>(
        &mut self,
        d: &Derived,
        s: &mut Streams<R>,
        fresh: f64,
        hours_elsewhere: f64,
    ) -> MonthDraws {
        let mk = &d.markets;
        // 1. Consistency decay and effort (as the old step).
        let consistency = d.floor + (1.0 - d.floor) * self.decay_pow;
        self.decay_pow *= 1.0 - d.decay;
        let effort = consistency * self.motivation;

        // 2. Lead generation: planned contacts from hours or from the direct rate.
        let follow = if d.fade > 0.0 {
            1.0 / (1.0 + d.fade * self.rejections_so_far as f64)
        } else {
            1.0
        };
        let planned = mk.planned_contacts(d, effort, follow, self.customers, hours_elsewhere);
        let referrals = if self.customers > 0 {
            d.referral_rate * f64::from(self.customers)
        } else {
            0.0
        };

        // 3. Conversion.
        if self.warm_left == 0 {
            // Cold market only: the old step's three independent Poisson counts.
            let contacts = planned * mk.cold_market + referrals;
            let joins = poisson(&mut s.recruiting, contacts * d.p_join * fresh);
            let (mut new_customers, mut rejections) = (0, 0);
            if let Some(r) = s.customers.as_mut() {
                new_customers = poisson(r, contacts * d.p_customer * fresh);
            }
            if let Some(r) = s.rejections.as_mut() {
                let p_no = d.p_reject + (1.0 - fresh) * (d.p_join + d.p_customer);
                rejections = poisson(r, contacts * p_no);
            }
            self.rejections_so_far += rejections;
            return MonthDraws {
                effort,
                contacts,
                joins,
                new_customers,
                rejections,
                warm_rejections: 0,
                fresh_refusals: contacts * d.p_reject * fresh,
            };
        }
        // The warm list lasts into this month. Planned contacts are Poisson(planned); while
        // they all fit in the list, their joins, customers and "no"s are three independent
        // Poisson counts at the warm chances (Poisson splitting), which is cheap. Only in the
        // month the list runs out is their sum (still Poisson(planned)) split exactly: the
        // first `warm_left` warm, the rest strangers (thinned by the cold market).
        let rng = &mut s.recruiting;
        let (pjw, pcw) = (mk.p_join_warm * fresh, mk.p_customer_warm * fresh);
        let (pj, pc) = (d.p_join * fresh, d.p_customer * fresh);
        let mut jw = poisson(rng, planned * pjw);
        let mut cw = poisson(rng, planned * pcw);
        let mut nw = poisson(rng, planned * (1.0 - pjw - pcw).max(0.0));
        let (mut jc, mut cc, mut nc) = (0, 0, 0);
        let total = jw + cw + nw;
        let left = u64::from(self.warm_left);
        let (warm, mut cold) = if total <= left {
            (total, 0)
        } else {
            (jw, cw, nw) = split(rng, left, pjw, pcw);
            let cold = binomial(rng, total - left, mk.cold_market);
            (jc, cc, nc) = split(rng, cold, pj, pc);
            (left, cold)
        };
        // warm <= warm_left < 2^32.
        self.warm_left -= warm as u32;
        let mut fresh_refusals =
            (warm as f64 * mk.p_reject_warm + cold as f64 * d.p_reject) * fresh;
        if referrals > 0.0 {
            // Referrals: strangers, outside the warm list and the hours, as in the old step.
            let (jr, cr) = (poisson(rng, referrals * pj), poisson(rng, referrals * pc));
            let nr = poisson(rng, referrals * (1.0 - pj - pc).max(0.0));
            (jc, cc, nc) = (jc + jr, cc + cr, nc + nr);
            cold += jr + cr + nr;
            fresh_refusals += referrals * d.p_reject * fresh;
        }
        self.rejections_so_far += nw + nc;
        MonthDraws {
            effort,
            contacts: (warm + cold) as f64,
            joins: jw + jc,
            new_customers: cw + cc,
            rejections: nc,
            warm_rejections: nw,
            fresh_refusals,
        }
    }

    /// Share of the warm list approached so far (0 with no warm market): what a recruit's
    /// overlapping list has lost ([`PersonState::for_recruit`]).
    #[inline]
    pub fn warm_used_share(&self) -> f64 {
        if self.warm_known == 0 {
            0.0
        } else {
            1.0 - f64::from(self.warm_left) / f64::from(self.warm_known)
        }
    }

    /// People known not yet approached.
    pub fn warm_left(&self) -> u64 {
        u64::from(self.warm_left)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
impl super::Model {
    /// The same model with the time-and-markets path of the monthly step forced on (for the
    /// tests that the path reproduces the old step at neutral values, in both modes).
    pub(crate) fn with_markets_path(&self) -> super::Model {
        super::Model {
            markets: true,
            lean: false,
            ..self.clone()
        }
    }
}
