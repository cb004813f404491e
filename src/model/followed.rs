//! The followed-career driver: one distributor and their downline, month by month together.
//!
//! Why month by month (issue 12): a sponsor's support depends on who in their downline is
//! still working this month and who acted last month, and a recruit is orphaned the month after
//! their sponsor quits. Simulating each recruit's whole career at the moment they join
//! (depth-first, the model before issue 12) cannot see either. So every month, as in the
//! company world (the `world` module), everyone in the career's tree runs the one monthly step
//! of [`super::step`] in phases:
//!
//! 1. **Who can be supported**: each sponsor counts the recruits still working whom their policy
//!    supports (all of them for "even", those who acted last month for "active").
//! 2. **Prospect**: everyone draws contacts and what they said (an untouched market, so no
//!    market pass), wins and loses customers, and sets aside this month's support hours.
//! 3. **Commissions**: each month's volume pays unilevel rates up the sponsor line.
//! 4. **Support received**: the sponsor's hours shared over those their policy supports.
//! 5. **Settle**: support received lowers the neglect hazard; money, motivation, quitting.
//! 6. **New recruits** sign up; they start working next month (the company world's rule).
//!
//! Phases 2-4 run in one pass, and 5-6 in another (sponsors always come before their
//! recruits, so each phase still sees what it needs): a person's record is touched twice a
//! month, not six times.
//!
//! Everyone in one career keeps persistent random streams ([`Streams::new`]) keyed by the
//! person's position in the tree alone (seed, career index, ordinal of each recruit down the
//! line), so a career does not depend on thread count or shard split, and a career draws the
//! same numbers whatever happens to its relatives. People are processed in the order they
//! joined, so every float sum is taken in a fixed order.

use super::rng::{self, child_key};
use super::step::{MonthDraws, PersonState, Streams};
use super::{Derived, Model};
use crate::outcome::{CareerOutcome, PersonOutcome};
use crate::scenario::SupportPolicy;

impl Derived {
    /// Support hours a month this person gives as a sponsor at full effort.
    #[inline(always)]
    pub(crate) fn support_hours(&self) -> f64 {
        self.support_hours
    }
}

/// `Node::sponsor` of the followed distributor.
const ROOT: u32 = u32::MAX;

/// One person of a followed career's tree.
#[derive(Debug, Clone)]
struct Node {
    d: Derived,
    /// Kind of participant (0 when the scenario has no kinds).
    kind: u8,
    streams: Streams,
    state: PersonState,
    key: u64,
    /// Index of the sponsor in the career's node list ([`ROOT`] for the followed person).
    sponsor: u32,
    /// Level below the followed person (0 = followed).
    level: u32,
    /// First month worked.
    start: u32,
    /// Still working (has not quit).
    active: bool,
    /// Whether the recruits' outcome statistic has counted this person.
    counted: bool,
    /// This month's draws (prospecting half).
    draws: MonthDraws,
    /// Commission income earned this month.
    income: f64,
    /// Support hours this person gives this month, shared over `supported` recruits.
    support_hours: f64,
    /// Recruits this person supports this month.
    supported: u32,
}

/// Scratch space reused across careers by one worker (no allocation per career once warm).
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    nodes: Vec<Node>,
    /// Indices of the people still working, in joining order.
    working: Vec<u32>,
}

/// The followed person of one career, as drawn before the monthly loop.
struct Career {
    index: u64,
    key: u64,
    kind: u8,
    d: Derived,
    drawn: Vec<f64>,
}

/// What the recruits' outcome statistic counts for one career (see [`Model::comparable`]).
#[derive(Debug, Clone, Copy, Default)]
struct RecruitTally {
    comparable: u64,
    quit: u64,
    lost: u64,
    profited: u64,
}

impl Model {
    /// Simulate followed career `index` (its random streams derive from the run's seed and
    /// `index` alone).
    pub fn career(&self, index: u64, ws: &mut Workspace) -> CareerOutcome {
        self.dispatch(index, ws, self.depth > 0)
    }

    /// [`Model::career`] through the tree driver even without a downline (tests check the
    /// single-person path against it).
    #[cfg(test)]
    pub(crate) fn career_as_tree(&self, index: u64, ws: &mut Workspace) -> CareerOutcome {
        self.dispatch(index, ws, true)
    }

    fn dispatch(&self, index: u64, ws: &mut Workspace, tree: bool) -> CareerOutcome {
        let key = rng::career_key(self.seed, index);
        let mut drawn = Vec::new();
        let kind = self.kind_of(key, None);
        let d = self.derived_for(key, kind, Some(&mut drawn));
        let c = Career {
            index,
            key,
            kind,
            d,
            drawn,
        };
        if self.markets {
            // The time budget and markets need the full step (never lean).
            return match (self.economics, self.motivation_moves) {
                (true, true) => self.run::<false, true, true, true>(c, ws, tree),
                (true, false) => self.run::<false, true, false, true>(c, ws, tree),
                (false, true) => self.run::<false, false, true, true>(c, ws, tree),
                (false, false) => self.run::<false, false, false, true>(c, ws, tree),
            };
        }
        match (self.lean, self.economics, self.motivation_moves) {
            (false, true, true) => self.run::<false, true, true, false>(c, ws, tree),
            (false, true, false) => self.run::<false, true, false, false>(c, ws, tree),
            (false, false, true) => self.run::<false, false, true, false>(c, ws, tree),
            (false, false, false) => self.run::<false, false, false, false>(c, ws, tree),
            (true, true, true) => self.run::<true, true, true, false>(c, ws, tree),
            (true, true, false) => self.run::<true, true, false, false>(c, ws, tree),
            (true, false, true) => self.run::<true, false, true, false>(c, ws, tree),
            (true, false, false) => self.run::<true, false, false, false>(c, ws, tree),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn new_node(
        &self,
        key: u64,
        d: Derived,
        kind: u8,
        sponsor: u32,
        level: u32,
        start: u32,
        sponsor_warm_used: f64,
    ) -> Node {
        Node {
            streams: Streams::new(key, &d, self.rejections_matter),
            state: PersonState::for_recruit(&d, sponsor_warm_used),
            d,
            kind,
            key,
            sponsor,
            level,
            start,
            active: true,
            counted: false,
            draws: MonthDraws::default(),
            income: 0.0,
            support_hours: 0.0,
            supported: 0,
        }
    }

    /// Whether sponsors support anyone (a policy other than "none").
    pub(crate) fn support_on(&self) -> bool {
        self.support_policy != SupportPolicy::None
    }

    /// Whether a recruit at `level` who starts in month `start` counts in the recruits'
    /// outcomes: every level they are paid on is simulated, and they can work the whole
    /// outcome window before the horizon (docs/model.md, "Truncation").
    #[inline]
    fn comparable(&self, level: u32, start: u32) -> bool {
        level >= 1
            && level + self.paid_levels <= self.depth
            && start + self.outcome_window <= self.months
    }

    /// The monthly loop with the economics step (`ECON`), the motivation step (`MOTIV`) and
    /// customers, rejections and neglect (`!LEAN`) compiled in or out, as in [`super::step`].
    fn run<const LEAN: bool, const ECON: bool, const MOTIV: bool, const MARKETS: bool>(
        &self,
        c: Career,
        ws: &mut Workspace,
        tree: bool,
    ) -> CareerOutcome {
        if !tree {
            return self.alone::<LEAN, ECON, MOTIV, MARKETS>(c);
        }
        let Career {
            index,
            key,
            kind,
            d,
            drawn,
        } = c;
        ws.nodes.clear();
        ws.working.clear();
        ws.nodes.push(self.new_node(key, d, kind, ROOT, 0, 0, 0.0));
        ws.working.push(0);
        let mut capped = false;
        let mut recruits = RecruitTally::default();
        let support = self.support_policy != SupportPolicy::None && !LEAN;
        let pay_levels = self.rates.len().min(self.depth as usize);
        let mut root_end = None;

        for t in 0..self.months {
            // 1. Who each sponsor supports this month (known before anyone prospects, so the
            //    hours can come out of the sponsor's time budget).
            if support {
                for &i in &ws.working {
                    ws.nodes[i as usize].supported = 0;
                }
                for &i in &ws.working {
                    let n = &ws.nodes[i as usize];
                    if n.sponsor == ROOT || !self.supports(&n.state) {
                        continue;
                    }
                    let s = n.sponsor as usize;
                    if ws.nodes[s].active {
                        ws.nodes[s].supported += 1;
                    }
                }
            }

            // 2-4. Prospect, commissions and support received, in one pass. Sponsors come
            //    before their recruits in `working` (joining order), so by the time a person
            //    pays their upline, the upline's income has been reset for this month, and the
            //    sponsor's support hours are known; `active` still says who started the month.
            for &i in &ws.working {
                let i = i as usize;
                let (sponsor, level) = (ws.nodes[i].sponsor, ws.nodes[i].level);
                if support {
                    let received = if sponsor != ROOT {
                        let s = &ws.nodes[sponsor as usize];
                        if s.active && self.supports(&ws.nodes[i].state) {
                            s.support_hours / f64::from(s.supported)
                        } else {
                            // Skipped by the policy, or orphaned: the unsupported hazard.
                            0.0
                        }
                    } else {
                        0.0
                    };
                    ws.nodes[i].state.receive_support(received);
                }
                let n = &mut ws.nodes[i];
                let support_hours = if n.supported > 0 {
                    n.d.support_hours * n.state.effort_now(&n.d)
                } else {
                    0.0
                };
                n.support_hours = support_hours;
                // Steps 1-3 and step 4 (customers); the market is untouched. Support hours
                // come out of the time budget before prospecting (when hours are counted).
                n.draws =
                    n.state
                        .prospect::<LEAN, MARKETS, _>(&n.d, &mut n.streams, 1.0, support_hours);
                let new_customers = n.draws.new_customers;
                capped |= n
                    .state
                    .serve_customers::<LEAN, _>(&n.d, &mut n.streams, new_customers);
                n.income = 0.0;
                // Commissions: this month's volume pays the upline, level by level.
                let levels = (level as usize).min(pay_levels);
                if ECON && levels > 0 {
                    let volume = n.state.volume(&n.d);
                    let mut up = sponsor;
                    for rate in &self.rates[..levels] {
                        let u = &mut ws.nodes[up as usize];
                        // No compression (as before issue 12): an upline who quit is not paid.
                        u.income += rate * volume;
                        up = u.sponsor;
                    }
                }
            }

            // 5-6. Settle (steps 5-7), then new recruits sign up: they start working next
            //    month; someone who would start after the horizon is counted as a recruit but
            //    never simulated.
            let before = ws.nodes.len();
            let mut any_quit = false;
            let can_sign = t + 1 < self.months;
            for w in 0..ws.working.len() {
                let i = ws.working[w] as usize;
                let n = &mut ws.nodes[i];
                let tau = t - n.start;
                let commissions = if ECON { n.income } else { 0.0 };
                let month = n.state.settle::<LEAN, ECON, MOTIV, MARKETS, _>(
                    &n.d,
                    &mut n.streams,
                    &n.draws,
                    tau,
                    commissions,
                    self.inactive_months,
                );
                if month.quit.is_some() && n.sponsor == ROOT {
                    root_end = month.quit.map(|r| (r, t));
                }
                // The recruits' outcome window closes at its end or when they quit, whichever
                // comes first.
                if !n.counted
                    && n.level > 0
                    && (month.quit.is_some() || tau + 1 == self.outcome_window)
                    && self.comparable(n.level, n.start)
                {
                    n.counted = true;
                    recruits.comparable += 1;
                    recruits.quit += u64::from(month.quit.is_some());
                    let net = n.state.money.net();
                    recruits.lost += u64::from(net < 0.0);
                    recruits.profited += u64::from(net > 0.0);
                }
                if month.quit.is_some() {
                    n.active = false;
                    any_quit = true;
                }
                let joins = n.draws.joins;
                if joins == 0 {
                    continue;
                }
                let (level, parent_key, so_far) = (n.level, n.key, n.state.recruits);
                let (parent_kind, warm_used) = (n.kind, n.state.warm_used_share());
                n.state.recruits += joins;
                if level >= self.depth || !can_sign {
                    continue;
                }
                for j in 0..joins {
                    if ws.nodes.len() as u64 >= self.max_people {
                        capped = true;
                        break;
                    }
                    let child = child_key(parent_key, so_far + j);
                    let child_kind = self.kind_of(child, Some(parent_kind));
                    let d = self.derived_for(child, child_kind, None);
                    let node =
                        self.new_node(child, d, child_kind, i as u32, level + 1, t + 1, warm_used);
                    ws.nodes.push(node);
                }
            }
            if any_quit {
                let nodes = &ws.nodes;
                ws.working.retain(|&i| nodes[i as usize].active);
            }
            ws.working.extend(before as u32..ws.nodes.len() as u32);
            if ws.working.is_empty() {
                break;
            }
        }

        let person_months = ws
            .nodes
            .iter()
            .map(|n| u64::from(n.state.months_active))
            .sum();
        let root = &ws.nodes[0];
        let (end, quit_month) = match root_end {
            Some((r, t)) => (r, Some(t)),
            None => (root.state.end_at_horizon(), None),
        };
        CareerOutcome {
            index,
            person: PersonOutcome {
                end,
                months_active: root.state.months_active.into(),
                quit_month,
                money: root.state.money,
                recruits: root.state.recruits,
                customers: root.state.customers_won,
            },
            downline_size: ws.nodes.len() as u64 - 1,
            downline_comparable: recruits.comparable,
            downline_quit: recruits.quit,
            downline_lost: recruits.lost,
            downline_profited: recruits.profited,
            capped,
            person_months,
            drawn,
            kind,
            purchases_value: self.purchases_value(kind, &root.state.money),
        }
    }

    /// A career without a simulated downline (`depth = 0` and no commissions): the same steps
    /// in the same order as [`Model::run`] with one person, without the tree's bookkeeping, so
    /// the common reduced case keeps the speed of a plain loop (README, "Performance").
    fn alone<const LEAN: bool, const ECON: bool, const MOTIV: bool, const MARKETS: bool>(
        &self,
        c: Career,
    ) -> CareerOutcome {
        let Career {
            index,
            key,
            kind,
            d,
            drawn,
        } = c;
        let mut streams = Streams::new(key, &d, self.rejections_matter);
        let mut state = PersonState::for_recruit(&d, 0.0);
        let mut capped = false;
        let mut end = None;
        for t in 0..self.months {
            let draws = state.prospect::<LEAN, MARKETS, _>(&d, &mut streams, 1.0, 0.0);
            capped |= state.serve_customers::<LEAN, _>(&d, &mut streams, draws.new_customers);
            let month = state.settle::<LEAN, ECON, MOTIV, MARKETS, _>(
                &d,
                &mut streams,
                &draws,
                t,
                0.0,
                self.inactive_months,
            );
            state.recruits += draws.joins;
            if let Some(reason) = month.quit {
                end = Some((reason, t));
                break;
            }
        }
        let (end, quit_month) = match end {
            Some((r, t)) => (r, Some(t)),
            None => (state.end_at_horizon(), None),
        };
        CareerOutcome {
            index,
            person: PersonOutcome {
                end,
                months_active: state.months_active.into(),
                quit_month,
                money: state.money,
                recruits: state.recruits,
                customers: state.customers_won,
            },
            downline_size: 0,
            downline_comparable: 0,
            downline_quit: 0,
            downline_lost: 0,
            downline_profited: 0,
            capped,
            person_months: u64::from(state.months_active),
            drawn,
            kind,
            purchases_value: self.purchases_value(kind, &state.money),
        }
    }

    /// Whether the sponsor's policy supports a recruit in this state this month.
    #[inline(always)]
    pub(crate) fn supports(&self, s: &PersonState) -> bool {
        match self.support_policy {
            SupportPolicy::None => false,
            SupportPolicy::Even => true,
            SupportPolicy::Active => s.acted_last_month(),
        }
    }
}

#[cfg(test)]
#[path = "followed_tests.rs"]
mod tests;
