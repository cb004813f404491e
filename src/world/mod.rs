//! The company world: a whole company in a finite market, where everyone is someone's recruit.
//!
//! `N` founders start in month 0; every participant runs the same monthly person step as a
//! followed career ([`crate::model::step`]), with their sponsor known. Each month is
//! synchronous, in phases:
//!
//! 1. **Prospect** (parallel): every active member draws contacts and what they said, with the
//!    chance of a yes scaled by the fresh share of the market at the start of the month.
//!    Last month's customers churn in this phase too (the first half of step 4).
//! 2. **Market** (sequential, member order): joins and new customers are granted from the
//!    fresh pool in member order (oldest first) until it runs out; the granted customers give
//!    the month's volume (they join each member's base at the start of step 4's sweep).
//!    Fresh people who said no are counted in one Poisson draw of the market's own stream and
//!    leave the fresh pool until `market.recontact_after_months` have passed.
//! 3. **Compensation** ([`comp`], sequential over the real tree, whose links by slot
//!    ([`comp::Uplines`]) are kept up to date as people join, quit and the list is compacted).
//! 4. **Settle** (parallel): money, motivation, quitting.
//! 5. New members are added; they start working next month.
//!
//! When no sponsor supports, step 1 of next month is done in step 4's sweep, right after
//! each member settles (and for the new members right after they are added): nothing in it
//! depends on anyone else's settling, so a member-month costs one sweep and one rebuild of
//! the member's derived quantities instead of two. With support, next month's support hours
//! depend on every recruit's settled state, and each month starts with its own step 1.
//!
//! **Determinism.** Every draw comes from a stream keyed by (seed, replicate, participant id,
//! month, phase, purpose) ([`Streams::for_month`]: cheap SplitMix64 streams, since each is
//! seeded for a few draws) or (seed, replicate, month) for the market; participant ids are
//! given in a fixed order (the order joins are granted). Parallel phases work on fixed-size
//! chunks of the member list and only touch their own members; the sequential phases run in
//! member order; every cross-member float sum is taken in that order. So results do not
//! depend on thread count, and replicates (independent companies) do not depend on which
//! shard ran them.
//!
//! **Memory.** A participant costs one [`Member`] (136 bytes: issue 12 added the warm list,
//! support and kind and kept it there with 16-bit month counts and single-precision drains)
//! and 4 bytes for their slot by id; a member still in the list costs about 240 bytes more
//! (the month's draws, volume, grants, income and compensation arrays, the tree link
//! ([`comp::Uplines`]), and 8 bytes per drawn trait).
//! Quitters move out of the member list in batches (when an eighth of it has quit), so the
//! parallel phases sweep active members, not everyone ever joined. 10 million participants of
//! `company-typical.toml` (4 million active at the peak) peaked at 1.84 GB.

pub mod charts;
pub mod comp;
pub mod end_reasons;
pub mod html;
pub mod kinds;
pub mod output;
pub mod replicates;
pub mod report;
pub mod shard;

use rayon::prelude::*;

use crate::model::rng::{mix, stream, Purpose, Stream};
use crate::model::sampling::poisson;
use crate::model::step::{customers_after, MonthDraws, PersonState, StreamUse, Streams};
use crate::model::{Derived, Model, TraitsScratch};
use crate::outcome::EndReason;
use crate::scenario::{CompanySettings, Scenario};

/// Members per parallel work unit. Fixed (not derived from the thread count) so that the
/// order of every reduction is the same on any machine.
const CHUNK: usize = 2048;

/// The member list is compacted once more than one in this many of its slots hold people
/// who quit: a company's largest arrays scale with the list, so the dead weight they carry
/// is at most this fraction (an eighth: a sweep that moves the members costs far less than a
/// month of their steps, and it runs every few months).
const QUITTERS_BEFORE_COMPACTION: usize = 8;

/// Sponsor of a founder.
pub const NO_SPONSOR: u32 = u32::MAX;
/// `Member::quit_month` of someone still active.
const STILL_ACTIVE: u16 = u16::MAX;
/// `slot_of` entry of someone no longer active, until they are moved out of the member list;
/// then `GONE - 1 - b` for batch `b` of [`Company`]'s quitters (see [`merge_in_id_order`]).
const GONE: u32 = u32::MAX;
/// `slot_of` entries from here up are people no longer active (no member list is this long,
/// and no company has this many batches of quitters).
const GONE_FROM: u32 = u32::MAX - (1 << 24);

/// Whether a `slot_of` entry is someone no longer active.
fn is_gone(entry: u32) -> bool {
    entry >= GONE_FROM
}

/// Companies of at most this many bytes of member records are put in id order by a merge,
/// which holds the batches of quitters until the end (twice the records at once); bigger ones
/// by a sort in place (see [`merge_in_id_order`]).
const MERGE_BYTES: usize = 64 << 20;

/// Salt of the replicate keys ("company1").
const REPLICATE_SALT: u64 = 0x636f_6d70_616e_7931;
/// Phases with their own random streams (see [`Streams::for_month`]).
const PHASE_PROSPECT: u64 = 1;
const PHASE_SETTLE: u64 = 3;
/// The market's own stream (fresh people who said no).
const MARKET_STREAM: u64 = 0x6d61_726b_6574;

/// Bytes one participant costs (member record plus their slot by id), for the up-front
/// estimate.
pub const BYTES_PER_PARTICIPANT: u64 = std::mem::size_of::<Member>() as u64 + 4;

/// A member's volume this month before the market grants customers: own purchase, one
/// customer's order, and the customer base after last month's customers churned (so the market
/// pass need not read the member's record).
#[derive(Debug, Clone, Copy, Default)]
struct VolumeParts {
    own: f64,
    per_customer: f64,
    customers: u64,
}

/// One participant of a company.
#[derive(Debug, Clone, Copy)]
pub struct Member {
    /// The monthly step's state (money, motivation, customers, ...).
    pub state: PersonState,
    /// Commission income in the disclosure year.
    pub year_commissions: f64,
    /// Net income (payments and retail profit minus purchases and expenses) in the
    /// disclosure year.
    pub year_net: f64,
    /// Participant id (0-based, in joining order; founders first).
    pub id: u32,
    /// Sponsor's id, or [`NO_SPONSOR`] for a founder.
    pub sponsor: u32,
    /// First month worked (the month after joining; 0 for founders).
    pub start_month: u16,
    /// Month at whose end the member quit, or still active.
    quit_month: u16,
    /// Why the member quit (meaningful once `quit_month` is set).
    quit_reason: EndReason,
    /// Highest rank reached in any month (0 = none; ranks are 1-based).
    pub best_rank: u8,
    /// Kind of participant (index in `Kind::ALL`; 0 without kinds). It fills a byte of what
    /// was padding, so the record stays 136 bytes.
    pub kind: u8,
}

impl Member {
    /// Month the member quit in, if they did.
    pub fn quit_month(&self) -> Option<u32> {
        (self.quit_month != STILL_ACTIVE).then_some(u32::from(self.quit_month))
    }

    /// How the career ended (the quit reason, or the state at the horizon).
    pub fn end(&self) -> EndReason {
        if self.quit_month().is_some() {
            self.quit_reason
        } else {
            self.state.end_at_horizon()
        }
    }

    /// Join cohort: 0 for founders, else the (1-based) year of the first month worked.
    pub fn cohort(&self) -> u32 {
        if self.sponsor == NO_SPONSOR {
            0
        } else {
            u32::from(self.start_month) / 12 + 1
        }
    }
}

/// Counts for one month of one company.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MonthCounts {
    /// Members who worked this month.
    pub active: u64,
    /// People who signed up this month (they start next month).
    pub joins: u64,
    /// Members who quit at the end of this month.
    pub quits: u64,
    /// Participants ever (founders and everyone who signed up so far).
    pub participants: u64,
    /// People in the market never approached at the end of the month.
    pub fresh: u64,
    /// Retail customers won from the fresh market this month.
    pub new_customers: u64,
}

/// One simulated company: every participant, and the company month by month.
#[derive(Debug, Clone)]
pub struct Company {
    /// Every participant ever, in id order.
    pub members: Vec<Member>,
    /// Month by month counts.
    pub months: Vec<MonthCounts>,
    /// True when joins were refused because the company reached `company.max_participants`.
    pub capped: bool,
    /// Person-months simulated.
    pub person_months: u64,
    /// Whether the scenario has kinds of participant (then [`Member::kind`] says which).
    pub kinds: bool,
    /// Value to each kind of a dollar of their own purchases (`economics.product_value`), by
    /// kind index; one entry without kinds.
    pub product_values: Vec<f64>,
}

/// A scenario prepared for company simulation.
#[derive(Debug, Clone)]
pub struct World {
    model: Model,
    settings: CompanySettings,
    seed: u64,
    months: u32,
    rates: Vec<f64>,
    /// Whether members prospect for next month in the sweep that settles this one when no
    /// sponsor supports (see `fused` in [`World::run`]); the tests turn it off to check that
    /// both orders give the same company.
    fuse_prospecting: bool,
}

impl World {
    /// Prepare `scenario`, which must be a company scenario (`kind = "company"`).
    pub fn new(scenario: &Scenario) -> Option<World> {
        let settings = scenario.company.clone()?;
        Some(World {
            model: Model::new(scenario),
            settings,
            seed: scenario.seed,
            months: scenario.months,
            rates: scenario.commission_rates.clone(),
            fuse_prospecting: true,
        })
    }

    /// The company settings.
    pub fn settings(&self) -> &CompanySettings {
        &self.settings
    }

    /// Horizon in months.
    pub fn months(&self) -> u32 {
        self.months
    }

    /// Simulate replicate company `replicate` (its randomness derives from the seed and
    /// `replicate` alone). Run it inside a rayon pool to choose the thread count.
    pub fn simulate(&self, replicate: u64) -> Company {
        let never = std::sync::atomic::AtomicBool::new(false);
        match self.simulate_cancellable(replicate, &never) {
            Ok(company) => company,
            // The flag is local and never set.
            Err(crate::engine::Interrupted) => unreachable!("an unset flag stopped a company"),
        }
    }

    /// [`World::simulate`], stopping at the start of a month once `cancel` is set: one month
    /// of a big company takes a fraction of a second, so a run nobody waits for any more
    /// (the workshop page moved on) ends at once instead of finishing its ten years.
    pub fn simulate_cancellable(
        &self,
        replicate: u64,
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<Company, crate::engine::Interrupted> {
        let (lean, econ, motiv, _) = self.model.switches();
        if self.model.markets() {
            // The time budget and markets need the full step (never lean).
            return match (econ, motiv) {
                (true, true) => self.run::<false, true, true, true>(replicate, cancel),
                (true, false) => self.run::<false, true, false, true>(replicate, cancel),
                (false, true) => self.run::<false, false, true, true>(replicate, cancel),
                (false, false) => self.run::<false, false, false, true>(replicate, cancel),
            };
        }
        match (lean, econ, motiv) {
            (false, true, true) => self.run::<false, true, true, false>(replicate, cancel),
            (false, true, false) => self.run::<false, true, false, false>(replicate, cancel),
            (false, false, true) => self.run::<false, false, true, false>(replicate, cancel),
            (false, false, false) => self.run::<false, false, false, false>(replicate, cancel),
            (true, true, true) => self.run::<true, true, true, false>(replicate, cancel),
            (true, true, false) => self.run::<true, true, false, false>(replicate, cancel),
            (true, false, true) => self.run::<true, false, true, false>(replicate, cancel),
            (true, false, false) => self.run::<true, false, false, false>(replicate, cancel),
        }
    }

    fn run<const LEAN: bool, const ECON: bool, const MOTIV: bool, const MARKETS: bool>(
        &self,
        replicate: u64,
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<Company, crate::engine::Interrupted> {
        let s = &self.settings;
        let rkey = mix(mix(self.seed, REPLICATE_SALT), replicate);
        let (_, _, _, rejections_matter) = self.model.switches();
        let inactive_months = self.model.inactive_months();
        // The drawn traits of every member in `live`, `k` values each by slot (drawn once at
        // joining, moved with the member, dropped when they leave the list: someone who quit
        // needs them no more).
        let k = self.model.varying_count();
        // Per-participant arrays are reserved at the company's bound up front: reserved but
        // untouched memory costs nothing, and growing by doubling would copy (and briefly
        // hold twice) the largest arrays of a big company.
        let bound = s.market_size.min(s.max_participants) as usize;
        let mut traits: Vec<f64> = Vec::new();
        let draw_traits = |id: u32, kind: u8, traits: &mut Vec<f64>| -> Derived {
            self.model
                .derived_for(mix(rkey, u64::from(id)), kind, Some(traits))
        };
        let derived_of = |scratch: &mut TraitsScratch, traits: &[f64], slot: usize, kind: u8| {
            let i = slot * k;
            self.model
                .derived_from_drawn_in(scratch, kind, &traits[i..i + k])
        };
        let key_of = |id: u32| mix(rkey, u64::from(id));
        let disclosure = (s.disclosure_year - 1) * 12..s.disclosure_year * 12;

        let mut live: Vec<Member> = (0..s.founders as u32)
            .map(|id| {
                let kind = self.model.kind_of(key_of(id), None); // H2: founders draw from the shares
                new_member(
                    id,
                    NO_SPONSOR,
                    0,
                    kind,
                    &draw_traits(id, kind, &mut traits),
                    0.0,
                )
            })
            .collect();
        // Members who quit, in the batches they were moved out of `live` in.
        let mut done: Vec<Vec<Member>> = Vec::new();
        let mut participants = s.founders;
        // The slot of an active member in `live` by id (GONE for someone gone), for sponsors'
        // support, and the tree links by slot for compensation.
        let mut slot_of: Vec<u32> = Vec::with_capacity(bound);
        slot_of.extend(0..s.founders as u32);
        let mut uplines = comp::Uplines::new(s.founders as usize);
        let mut fresh = s.market_size - s.founders;
        // Fresh people who said no, by month, until they can be approached afresh.
        let mut said_no: std::collections::VecDeque<u64> = std::collections::VecDeque::new();
        let mut months = Vec::with_capacity(self.months as usize);
        let mut capped = false;
        let mut person_months = 0u64;
        let mut draws: Vec<MonthDraws> = Vec::new();
        let mut volume: Vec<f64> = Vec::new();
        // (own purchase, one customer's order) per member, for the month's volume.
        let mut parts: Vec<VolumeParts> = Vec::new();
        let mut income: Vec<f64> = Vec::new();
        let mut quit_flags: Vec<bool> = Vec::new();
        let mut ranks: Vec<u8> = Vec::new();
        let mut gone_in_live = 0usize;
        // The month's recruiters in member order: (sponsor id, sponsor's slot, how many,
        // sponsor's kind, share of the sponsor's warm list used), and the market pass's
        // (slot, how many) behind it.
        let mut recruits: Vec<(u32, u32, u32, u8, f64)> = Vec::new();
        let mut grants: Vec<(u32, u32)> = Vec::new();
        let mut pay_scratch = comp::PayScratch::default();
        // Sponsors who support (issue 12, H3): per slot, the recruits supported this month
        // and the hours given (docs/model.md, "Sponsors who support").
        let support = self.model.support_on() && !LEAN;
        let mut supported: Vec<u32> = Vec::new();
        let mut support_given: Vec<f64> = Vec::new();

        // Step 1 for one member: contacts, what they said, last month's customers churning,
        // and the parts of the month's volume.
        let prospect_one = |m: &mut Member,
                            o: &mut MonthDraws,
                            p: &mut VolumeParts,
                            d: &Derived,
                            month: u32,
                            fresh_share: f64,
                            support_hours: f64| {
            let mut st = Streams::for_month(
                rkey,
                m.id,
                month,
                PHASE_PROSPECT,
                d,
                rejections_matter,
                StreamUse::PROSPECT,
            );
            *o = m
                .state
                .prospect::<LEAN, MARKETS, _>(d, &mut st, fresh_share, support_hours);
            // Step 4's first half: last month's customers churn.
            m.state.churn_customers::<LEAN, _>(d, &mut st);
            let (own, per_customer) = d.volume_parts();
            *p = VolumeParts {
                own,
                per_customer,
                customers: m.state.customers(),
            };
        };
        // Step 1 for the active members of a stretch of the list starting at slot `first`
        // (parallel; `support_given` is indexed by slot, empty when no one supports).
        let prospect_pass = |traits: &[f64],
                             members: &mut [Member],
                             draws: &mut [MonthDraws],
                             parts: &mut [VolumeParts],
                             first: usize,
                             month: u32,
                             fresh_share: f64,
                             support_given: &[f64]| {
            members
                .par_chunks_mut(CHUNK)
                .zip(draws.par_chunks_mut(CHUNK))
                .zip(parts.par_chunks_mut(CHUNK))
                .enumerate()
                .for_each(|(c, ((members, out), ps))| {
                    let mut scratch = self.model.traits_scratch();
                    for (j, ((m, o), p)) in members
                        .iter_mut()
                        .zip(out.iter_mut())
                        .zip(ps.iter_mut())
                        .enumerate()
                    {
                        if m.quit_month != STILL_ACTIVE {
                            continue;
                        }
                        // Support given comes out of the time budget before prospecting.
                        let slot = first + c * CHUNK + j;
                        let support_hours = support_given.get(slot).copied().unwrap_or(0.0);
                        let d = derived_of(&mut scratch, traits, slot, m.kind);
                        prospect_one(m, o, p, &d, month, fresh_share, support_hours);
                    }
                });
        };
        // Without sponsors' support a month's prospecting needs nothing from anyone else's
        // settling, so each member prospects for next month right after settling this one:
        // one sweep and one rebuild of the derived quantities a member-month instead of two
        // (the same draws either way: every stream is keyed by person and month, and the
        // fresh share next month is known once this month's market has run). With support,
        // next month's hours depend on every recruit's settled state first.
        let fused = !support && self.fuse_prospecting;
        // The month's draws and volume parts, by slot, kept the length of `live`.
        draws.resize(live.len(), MonthDraws::default());
        parts.resize(live.len(), VolumeParts::default());

        for t in 0..self.months {
            // Cancellation (workshop page, Ctrl-C): checked once a month.
            if cancel.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(crate::engine::Interrupted);
            }
            let fresh_share = fresh as f64 / s.market_size as f64;
            let n = live.len();

            // 0. Who each sponsor supports this month (sequential, member order: integer
            //    counts, so the order does not matter anyway).
            supported.clear();
            supported.resize(if support { n } else { 0 }, 0);
            support_given.clear();
            support_given.resize(if support { n } else { 0 }, 0.0);
            if support {
                for m in &live {
                    if m.quit_month != STILL_ACTIVE || m.sponsor == NO_SPONSOR {
                        continue;
                    }
                    let s = slot_of[m.sponsor as usize];
                    if !is_gone(s) && self.model.supports(&m.state) {
                        supported[s as usize] += 1;
                    }
                }
                // The hours each sponsor gives, from this month's effort before prospecting.
                let mut scratch = self.model.traits_scratch();
                for (slot, ((m, count), given)) in live
                    .iter()
                    .zip(&supported)
                    .zip(&mut support_given)
                    .enumerate()
                {
                    if *count > 0 {
                        let d = derived_of(&mut scratch, &traits, slot, m.kind);
                        let support_hours = d.support_hours() * m.state.effort_now(&d);
                        *given = support_hours;
                    }
                }
            }

            // 1. Prospect (parallel), unless the members did at the end of last month.
            if t == 0 || !fused {
                prospect_pass(
                    &traits,
                    &mut live,
                    &mut draws,
                    &mut parts,
                    0,
                    t,
                    fresh_share,
                    &support_given,
                );
            }

            // 2. Market: grant joins and customers in member order while fresh people last.
            let mut joins = 0u64;
            let mut new_customers = 0u64;
            recruits.clear();
            // Someone who signed up in the last month would start after the horizon: the
            // horizon closes before they sign.
            let last_month = t + 1 == self.months;
            volume.clear();
            volume.resize(n, 0.0);
            // The fresh refusals' expected number, summed in member order.
            let mut refusal_mean = 0.0;
            // It reads no member record (136 bytes each) but a recruiter's: whether a slot
            // is active is in its upline link, and the customer base after churning was
            // kept with the volume parts.
            let up = uplines.slots();
            // The slots granted recruits and how many, written at every slot and kept only
            // where a join was granted: no branch on a draw that looks random from member to
            // member (the branches took most of this pass's time).
            grants.clear();
            grants.resize(n, (0, 0));
            let mut granted_at = 0;
            // Whether every join and customer asked for can be granted: then no one's grant
            // depends on those before them, and the pass runs without the chain of
            // `min(asked, fresh left)` from member to member. An upper bound on what is asked
            // (quitters' draws from their last month included) is enough to know.
            let (asked_joins, asked_total) = draws.iter().fold((0u128, 0u128), |(j, t), o| {
                (
                    j + u128::from(o.joins),
                    t + u128::from(o.joins) + u128::from(o.new_customers),
                )
            });
            let abundant = asked_total <= u128::from(fresh)
                && asked_joins <= u128::from(s.max_participants - participants);
            for (slot, ((o, p), v)) in draws
                .iter_mut()
                .zip(&parts)
                .zip(volume.iter_mut())
                .enumerate()
            {
                // A slot whose member quit takes part with nothing (its draws are left from
                // its last month, and nothing reads them again).
                let active = up[slot] != comp::QUIT;
                // Adding +0.0 leaves the sum as it is (it starts at +0.0 and never goes below).
                refusal_mean += if active { o.fresh_refusals } else { 0.0 };
                let asked = if last_month || !active { 0 } else { o.joins };
                let asked_customers = if active { o.new_customers } else { 0 };
                let (granted, customers) = if abundant {
                    (asked, asked_customers)
                } else {
                    let room = s.max_participants - participants - joins;
                    let granted = asked.min(fresh).min(room);
                    capped |= granted < asked.min(fresh);
                    (granted, asked_customers.min(fresh - granted))
                };
                grants[granted_at] = (slot as u32, granted as u32);
                granted_at += usize::from(granted > 0);
                fresh -= granted;
                o.joins = granted;
                joins += granted;
                fresh -= customers;
                o.new_customers = customers;
                new_customers += customers;
                // The month's volume (as PersonState::volume), with the granted customers,
                // who join the base at the start of the settle sweep (step 4's second half).
                if ECON {
                    let volume =
                        p.own + p.per_customer * customers_after(p.customers, customers) as f64;
                    *v = if active { volume } else { 0.0 };
                }
            }
            recruits.extend(grants[..granted_at].iter().map(|&(slot, granted)| {
                let m = &live[slot as usize];
                (m.id, slot, granted, m.kind, m.state.warm_used_share())
            }));
            let mut market_rng: Stream = stream(
                mix(mix(rkey, MARKET_STREAM), u64::from(t)),
                Purpose::Rejections,
            );
            let refused = poisson(&mut market_rng, refusal_mean).min(fresh);
            fresh -= refused;
            if s.recontact_after_months > 0 {
                said_no.push_back(refused);
                if said_no.len() > s.recontact_after_months as usize {
                    // Said no long enough ago to be a fresh prospect again.
                    fresh += said_no.pop_front().unwrap_or(0);
                }
            }

            // 4. Compensation over the real tree.
            income.clear();
            income.resize(n, 0.0);
            // Rank held this month by slot (0 = none, also when no plan pays ranks); the
            // settle phase folds it into `best_rank`.
            ranks.clear();
            ranks.resize(n, 0);
            if ECON && (!self.rates.is_empty() || !s.ranks.is_empty()) {
                // Quitters are marked in the uplines: the activity test reads them, not the
                // 136-byte member records.
                let up = uplines.slots();
                let is_active = |slot: usize| up[slot] != comp::QUIT;
                comp::pay_with(
                    &mut pay_scratch,
                    up,
                    &volume,
                    &is_active,
                    &self.rates,
                    s.min_personal_volume,
                    &s.ranks,
                    &mut income,
                    &mut ranks,
                );
            }

            // 5. Settle (parallel).
            quit_flags.clear();
            quit_flags.resize(n, false);
            let in_disclosure = disclosure.contains(&t);
            // Next month's prospecting, fused into this sweep (see `fused`).
            let prospect_next = fused && t + 1 < self.months;
            let next_fresh_share = fresh as f64 / s.market_size as f64;
            // Each chunk counts its members who worked this month (an integer sum: exact in
            // any order), so the bookkeeping below need not sweep the members again.
            let active: u64 = live
                .par_chunks_mut(CHUNK)
                .zip(draws.par_chunks_mut(CHUNK))
                .zip(parts.par_chunks_mut(CHUNK))
                .zip(income.par_chunks(CHUNK))
                .zip(quit_flags.par_chunks_mut(CHUNK))
                .zip(ranks.par_chunks(CHUNK))
                .enumerate()
                .map(|(chunk, (((((members, ds), ps), inc), qs), rs))| {
                    let mut active = 0u64;
                    let mut scratch = self.model.traits_scratch();
                    for (j, (((((m, o), p), c), q), r)) in members
                        .iter_mut()
                        .zip(ds.iter_mut())
                        .zip(ps.iter_mut())
                        .zip(inc)
                        .zip(qs.iter_mut())
                        .zip(rs)
                        .enumerate()
                    {
                        if m.quit_month != STILL_ACTIVE {
                            continue;
                        }
                        active += 1;
                        // Step 4's second half: the customers granted in the market pass.
                        m.state.add_customers(o.new_customers);
                        m.best_rank = m.best_rank.max(*r);
                        let d = derived_of(&mut scratch, &traits, chunk * CHUNK + j, m.kind);
                        let mut st = Streams::for_month(
                            rkey,
                            m.id,
                            t,
                            PHASE_SETTLE,
                            &d,
                            rejections_matter,
                            StreamUse::SETTLE,
                        );
                        if support {
                            // Orphans (sponsor gone) and those the policy skips get none.
                            let s = if m.sponsor == NO_SPONSOR {
                                GONE
                            } else {
                                slot_of[m.sponsor as usize]
                            };
                            let hours = if !is_gone(s) && self.model.supports(&m.state) {
                                support_given[s as usize] / f64::from(supported[s as usize])
                            } else {
                                0.0
                            };
                            m.state.receive_support(hours);
                        }
                        let net_before = m.state.money.net();
                        let tau = t - u32::from(m.start_month);
                        let settled = m.state.settle::<LEAN, ECON, MOTIV, MARKETS, _>(
                            &d,
                            &mut st,
                            o,
                            tau,
                            *c,
                            inactive_months,
                        );
                        m.state.recruits += o.joins;
                        if in_disclosure {
                            m.year_commissions += *c;
                            m.year_net += m.state.money.net() - net_before;
                        }
                        if let Some(reason) = settled.quit {
                            m.quit_month = t as u16;
                            m.quit_reason = reason;
                            *q = true;
                        } else if prospect_next {
                            prospect_one(m, o, p, &d, t + 1, next_fresh_share, 0.0);
                        }
                    }
                    active
                })
                .sum();

            // 6. Bookkeeping: who quit, who joins, the month's counts. Only the quitters'
            // records are read (the flags are a byte per member, the records 136).
            let mut quits = 0u64;
            for (slot, _) in quit_flags.iter().enumerate().filter(|(_, q)| **q) {
                quits += 1;
                slot_of[live[slot].id as usize] = GONE;
                gone_in_live += 1;
            }
            // The recruits take the next slots (after the compaction below, the same order),
            // and the links move past the month's quitters.
            for &(_, sponsor_slot, count, ..) in &recruits {
                for _ in 0..count {
                    uplines.join(sponsor_slot);
                }
            }
            uplines.leave(&quit_flags);
            person_months += active;
            if gone_in_live * QUITTERS_BEFORE_COMPACTION > live.len() {
                // The tree links drop the same slots as the lists below. The compensation
                // buffers and the market pass's grants are given back first: compaction is
                // when memory peaks, and they are rebuilt next month at the new, smaller size.
                uplines.compact();
                pay_scratch = comp::PayScratch::default();
                grants = Vec::new();
                // In place: a partition into two new lists held a second copy of the active
                // members at the moment memory is highest. The draws and volume parts move
                // with their members (next month's, when prospecting is fused).
                let mut gone = Vec::with_capacity(gone_in_live);
                let mut kept = 0;
                for slot in 0..live.len() {
                    if live[slot].quit_month == STILL_ACTIVE {
                        live[kept] = live[slot];
                        draws[kept] = draws[slot];
                        parts[kept] = parts[slot];
                        traits.copy_within(slot * k..(slot + 1) * k, kept * k);
                        kept += 1;
                    } else {
                        slot_of[live[slot].id as usize] = GONE - 1 - done.len() as u32;
                        gone.push(live[slot]);
                    }
                }
                live.truncate(kept);
                draws.truncate(kept);
                parts.truncate(kept);
                traits.truncate(kept * k);
                done.push(gone);
                // Give back the quitters' room (for a big list the allocator shrinks it in place).
                live.shrink_to_fit();
                draws.shrink_to_fit();
                parts.shrink_to_fit();
                traits.shrink_to_fit();
                for (slot, m) in live.iter().enumerate() {
                    slot_of[m.id as usize] = slot as u32;
                }
                gone_in_live = 0;
            }
            let first_recruit = live.len();
            for &(sponsor, _, count, sponsor_kind, warm_used) in &recruits {
                for _ in 0..count {
                    let id = participants as u32;
                    participants += 1;
                    let kind = self.model.kind_of(key_of(id), Some(sponsor_kind)); // H2: duplication
                    let d = draw_traits(id, kind, &mut traits);
                    let m = new_member(id, sponsor, t + 1, kind, &d, warm_used);
                    slot_of.push(live.len() as u32);
                    live.push(m);
                }
            }
            draws.resize(live.len(), MonthDraws::default());
            parts.resize(live.len(), VolumeParts::default());
            if prospect_next && live.len() > first_recruit {
                // The new recruits' first month, prospected like everyone else's next.
                prospect_pass(
                    &traits,
                    &mut live[first_recruit..],
                    &mut draws[first_recruit..],
                    &mut parts[first_recruit..],
                    first_recruit,
                    t + 1,
                    next_fresh_share,
                    &[],
                );
            }
            months.push(MonthCounts {
                active,
                joins,
                quits,
                participants,
                fresh,
                new_customers,
            });
        }
        // Free the working arrays before gathering everyone, the moment memory peaks.
        drop((traits, uplines, draws, volume, income, parts));
        drop((pay_scratch, quit_flags, ranks, supported, support_given));
        drop((recruits, grants));
        let participants = participants as usize;
        let members = if participants * std::mem::size_of::<Member>() <= MERGE_BYTES {
            merge_in_id_order(done, live, &slot_of)
        } else {
            drop(slot_of);
            sort_in_id_order(done, live, participants)
        };
        Ok(Company {
            members,
            months,
            capped,
            person_months,
            kinds: self.model.has_kinds(),
            product_values: self.model.product_values(),
        })
    }
}

#[cfg(test)]
mod tests;

/// Everyone in id order, from the batches of quitters (`done`, each in id order, batch `b`'s
/// members marked `GONE - 1 - b` in `slot_of`) and the members still in the list (`live`, in
/// id order: the active ones and those who quit since the last compaction, marked `GONE`): a
/// merge that copies each record once, straight to its place, where appending and sorting in
/// place moves it three times, once at random. It holds every batch until the end,
/// so the records are briefly twice in memory: [`MERGE_BYTES`] bounds its use.
fn merge_in_id_order(done: Vec<Vec<Member>>, live: Vec<Member>, slot_of: &[u32]) -> Vec<Member> {
    let mut members = Vec::with_capacity(slot_of.len());
    let still_active = done.len();
    let mut batches: Vec<std::vec::IntoIter<Member>> = done
        .into_iter()
        .chain(std::iter::once(live))
        .map(Vec::into_iter)
        .collect();
    for (id, entry) in slot_of.iter().enumerate() {
        // Active, or quit since the last compaction (`GONE`): still in `live`.
        let b = if is_gone(*entry) && *entry != GONE {
            (GONE - 1 - entry) as usize
        } else {
            still_active
        };
        let m = batches[b]
            .next()
            .expect("every participant is in one batch");
        assert_eq!(m.id as usize, id, "batches are in id order");
        members.push(m);
    }
    members
}

/// Everyone in id order as [`merge_in_id_order`], for big companies: one exact allocation the
/// batches are appended to (each freed as soon as it is moved), then sorted in place.
fn sort_in_id_order(done: Vec<Vec<Member>>, live: Vec<Member>, participants: usize) -> Vec<Member> {
    let mut members = Vec::with_capacity(participants);
    for batch in done {
        members.extend(batch);
    }
    members.extend(live);
    put_in_id_order(&mut members);
    members
}

/// Sort `members` by id, given that their ids are exactly `0..members.len()`: a cycle sort,
/// where every swap puts one member in its final place. Linear and in place, where sorting
/// 136-byte records by comparison was a large share of a big run's time (and a stable merge
/// of the sorted batches would need a buffer of half the company).
fn put_in_id_order(members: &mut [Member]) {
    for i in 0..members.len() {
        loop {
            let target = members[i].id as usize;
            if target == i {
                break;
            }
            members.swap(i, target);
        }
    }
}

/// `sponsor_warm_used`: the share of the sponsor's warm list approached when this member
/// signed up (0 for a founder).
fn new_member(
    id: u32,
    sponsor: u32,
    start: u32,
    kind: u8,
    d: &Derived,
    sponsor_warm_used: f64,
) -> Member {
    Member {
        state: PersonState::for_recruit(d, sponsor_warm_used),
        year_commissions: 0.0,
        year_net: 0.0,
        id,
        sponsor,
        start_month: start as u16,
        quit_month: STILL_ACTIVE,
        quit_reason: EndReason::LifeEvent,
        best_rank: 0,
        kind,
    }
}
