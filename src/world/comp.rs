//! Compensation over the real tree: unilevel with compression, a personal-volume
//! qualification, and an optional rank table paying differential overrides.
//!
//! The rules and their equations are in `docs/model.md` ("The company world: compensation").
//! Everything here works on the month's member list (`live`, in id order, so a sponsor always
//! sits before their recruits) and runs sequentially in a fixed order, so every float sum is
//! taken in the same order on any machine.

use crate::scenario::Rank;

/// "No upline": a founder, or everyone above has quit.
pub const NONE: u32 = u32::MAX;

/// The upline entry of a slot whose member has quit (no slot is this large). It lets the
/// month's activity test read the upline array, which the payment passes read anyway, instead
/// of a 136-byte member record per slot.
pub const QUIT: u32 = u32::MAX - 1;

/// The tree links of the month's member list, by slot: the slot of each member's nearest
/// *active* ancestor (compression: people who quit are skipped, their recruits roll up to the
/// next active person above), [`NONE`] when there is none, or [`QUIT`] for a slot whose own
/// member has quit.
///
/// Kept from month to month and updated as people join, quit and the list is compacted,
/// instead of recomputed every month from the member records and per-id links: every update
/// is a pass over this one array of 4 bytes a slot (the month's recomputation read a 136-byte
/// record per member and two arrays by id, a tenth of the company's own overhead).
///
/// Invariant between months: every entry that is a slot points to an active member at a
/// lower slot (a sponsor joined before their recruits, and the list keeps joining order).
#[derive(Debug, Clone)]
pub struct Uplines {
    up: Vec<u32>,
}

impl Uplines {
    /// The founders' list: `founders` slots with no upline.
    pub fn new(founders: usize) -> Uplines {
        Uplines {
            up: vec![NONE; founders],
        }
    }

    /// The links by slot, for [`pay_with`] (`up[slot] != QUIT` says whether a slot's member
    /// is active).
    pub fn slots(&self) -> &[u32] {
        &self.up
    }

    /// A recruit joins at the next slot, sponsored by the member at `sponsor_slot` (active
    /// when the join was granted; if they quit at the end of the same month, [`Uplines::leave`]
    /// moves the recruit up past them).
    pub fn join(&mut self, sponsor_slot: u32) {
        debug_assert!((sponsor_slot as usize) < self.up.len());
        self.up.push(sponsor_slot);
    }

    /// The month's quitters leave: `quit[slot]` for the first `quit.len()` slots (those that
    /// worked this month; recruits who joined since come after them). Everyone whose link
    /// points at a quitter now points at the quitter's own nearest active ancestor, and the
    /// quitters are marked [`QUIT`].
    ///
    /// One pass up the slots is enough: a link points to a lower slot, so by the time slot
    /// `s` is reached, the quitter it points at has had its own link moved past any quitter
    /// above it.
    pub fn leave(&mut self, quit: &[bool]) {
        let Some(first) = quit.iter().position(|q| *q) else {
            return;
        };
        let n = quit.len();
        let up = &mut self.up[..];
        // Slots up to the first quitter cannot point at one (links point lower). Without a
        // branch on whether the upline quit, which looks random from slot to slot (with the
        // branch the pass took twice as long): the flag and the upline's own link are read
        // whatever the link is, at an index clamped into range. Only [`NONE`] and [`QUIT`]
        // are clamped (every other link is a slot below `n`), and they keep their value.
        for s in first + 1..up.len() {
            let p = up[s];
            let at = (p as usize).min(n - 1);
            let parent_quit = quit[at] & ((p as usize) < n);
            let lifted = up[at];
            up[s] = if parent_quit { lifted } else { p };
        }
        for (u, q) in up[first..n].iter_mut().zip(&quit[first..]) {
            *u = if *q { QUIT } else { *u };
        }
    }

    /// Drop the slots of people who quit, keeping the others in order (as the member list is
    /// compacted), and renumber the links.
    pub fn compact(&mut self) {
        let mut new_slot = vec![NONE; self.up.len()];
        let mut kept = 0;
        for s in 0..self.up.len() {
            let p = self.up[s];
            if p == QUIT {
                continue;
            }
            new_slot[s] = kept as u32;
            // An active upline sits at a lower slot and was given its new slot already.
            self.up[kept] = if p == NONE {
                NONE
            } else {
                new_slot[p as usize]
            };
            kept += 1;
        }
        self.up.truncate(kept);
        self.up.shrink_to_fit();
    }
}

/// Working arrays of [`pay`] kept between months (a fresh multi-megabyte array every month
/// was paid for in page faults).
///
/// The rank pass needs, per member, the downline volume by the highest override already paid
/// on it (a row of `ranks + 1` numbers). For a member with no ranked person below them that
/// row is `[group volume so far, 0, 0, ...]`, and its first entry is the very same sum, taken
/// in the same order, as the group volume. Ranks are rare, so rows are stored only for the few
/// members with a ranked person in their downline (or a rank of their own): the month no
/// longer clears and sweeps `ranks + 1` numbers per member, and the results are unchanged to
/// the last bit.
#[derive(Debug, Default)]
pub struct PayScratch {
    /// Per slot, the group volume of the active members below it, gathered as the pass goes
    /// up the list (a member's own volume is added when it is handed to the upline).
    group: Vec<f64>,
    /// Per slot, the index of its stored row in `rows`, or [`NONE`] while the row is implied
    /// by `group`.
    row_of: Vec<u32>,
    /// The stored rows, `ranks + 1` entries each, in the order they were needed.
    rows: Vec<f64>,
}

/// The month's commissions: `income[slot]` receives every payment to that member.
///
/// * **Unilevel with compression**: a member's `volume` pays `rates[k]` to the `(k+1)`-th
///   active member above them (the `up` chain already skips quitters).
/// * **Qualification**: a member whose own volume is below `min_personal_volume` is paid
///   nothing this month, but still counts as a level (the payment is kept by the company).
/// * **Ranks**: a qualified member whose group volume (own plus every active member below)
///   reaches `ranks[r-1].group_volume` holds rank `r` and earns the differential override
///   `(o_r - o_k)` on downline volume already paid at rank `k < r` further down.
///   `rank_out[slot]` receives the rank held (0 = none).
///
/// `active(slot)` says whether the slot holds someone who worked this month.
#[allow(clippy::too_many_arguments)]
pub fn pay(
    up: &[u32],
    volume: &[f64],
    active: &dyn Fn(usize) -> bool,
    rates: &[f64],
    min_personal_volume: f64,
    ranks: &[Rank],
    income: &mut [f64],
    rank_out: &mut [u8],
) {
    let mut scratch = PayScratch::default();
    pay_with(
        &mut scratch,
        up,
        volume,
        active,
        rates,
        min_personal_volume,
        ranks,
        income,
        rank_out,
    );
}

/// [`pay`] with its working arrays kept in `scratch` between months.
///
/// Generic over `active` so that the world's test is inlined rather than called through a
/// pointer for every member, twice a month. With `up` from [`Uplines::slots`],
/// `|slot| up[slot] != QUIT` is that test and reads only what the passes read anyway.
#[allow(clippy::too_many_arguments)]
pub fn pay_with<F: Fn(usize) -> bool + ?Sized>(
    scratch: &mut PayScratch,
    up: &[u32],
    volume: &[f64],
    active: &F,
    rates: &[f64],
    min_personal_volume: f64,
    ranks: &[Rank],
    income: &mut [f64],
    rank_out: &mut [u8],
) {
    let n = up.len();
    // One length for every per-slot slice, so an index checked against one is in range
    // for all of them.
    let volume = &volume[..n];
    let income = &mut income[..n];
    let rank_out = &mut rank_out[..n];
    let qualified = |v: f64| v >= min_personal_volume && v > 0.0;
    if !rates.is_empty() {
        for s in 0..n {
            let v = volume[s];
            if v <= 0.0 || !active(s) {
                continue;
            }
            let mut a = up[s];
            for rate in rates {
                // `NONE` is past the end of every slice: the same test ends the chain and
                // checks the index.
                let Some(&upline_volume) = volume.get(a as usize) else {
                    debug_assert_eq!(a, NONE, "an upline outside the member list");
                    break;
                };
                // Paid only to a qualified upline. Whether one is looks random from member
                // to member, so a branch on it is mispredicted often (in a microbenchmark on
                // realistic data it tripled this loop's time). Multiplying by 0 or 1 instead
                // gives the same sums: `rate x v` is finite and non-negative, so times 1 it
                // is unchanged, and times 0 it adds +0.0, which leaves any income as it is
                // (an income is never -0.0).
                let paid = f64::from(u8::from(qualified(upline_volume)));
                income[a as usize] += (rate * v) * paid;
                a = up[a as usize];
            }
        }
    }
    if ranks.is_empty() {
        return;
    }
    // Bottom-up (recruits have higher slots than their uplines): group volume, and the
    // downline volume by the highest override already paid on it (index 0 = none), stored
    // only where it is not implied by the group volume (see `PayScratch`).
    let width = ranks.len() + 1;
    let PayScratch {
        group,
        row_of,
        rows,
    } = scratch;
    group.clear();
    group.resize(n, 0.0);
    row_of.clear();
    row_of.resize(n, NONE);
    rows.clear();
    let group = &mut group[..n];
    let row_of = &mut row_of[..n];
    rank_out.fill(0);
    let first_rank_at = ranks[0].group_volume;
    for s in (0..n).rev() {
        if !active(s) {
            continue;
        }
        let v = volume[s];
        // Everyone below has handed their group volume up already; nothing reads a
        // member's entry after this, so the member's total is not written back.
        let below = group[s];
        let g = below + v;
        let a = up[s];
        let rank_possible = qualified(v) && g >= first_rank_at;
        if rank_possible || row_of[s] != NONE {
            let member = RankedMember {
                slot: s,
                volume: v,
                below,
                rank_possible,
                upline: a,
            };
            pay_ranked(member, ranks, group, row_of, rows, income, rank_out);
            continue;
        }
        // Most members: no rank, no ranked person below (rank 0 is written already).
        if a == NONE {
            continue;
        }
        let a = a as usize;
        if row_of[a] != NONE {
            // An implied row adds its first entry, the group volume. Its zeros would change
            // nothing: every stored entry is a sum started from +0.0, so never -0.0, and
            // adding zero leaves it as it is.
            rows[row_of[a] as usize * width] += g;
        }
        group[a] += g;
    }
}

/// A member the rank pass cannot treat as most: one who may hold a rank, or has a ranked
/// person below them (a stored row).
struct RankedMember {
    slot: usize,
    volume: f64,
    /// The group volume of everyone below.
    below: f64,
    /// Qualified, and the group volume reaches the first rank.
    rank_possible: bool,
    upline: u32,
}

/// The rank pass's step for a [`RankedMember`]: the rank held, the differential overrides
/// earned, and the rows handed up. Out of line and marked cold on purpose: inlined, its
/// state crowded the common step's registers, and the whole pass ran three times slower
/// (measured on a month of a company's real tree).
#[cold]
#[inline(never)]
fn pay_ranked(
    m: RankedMember,
    ranks: &[Rank],
    group: &mut [f64],
    row_of: &mut [u32],
    rows: &mut Vec<f64>,
    income: &mut [f64],
    rank_out: &mut [u8],
) {
    let width = ranks.len() + 1;
    // A stored row for a member whose row was implied so far: `[below, 0, 0, ...]`, where
    // `below` is the group volume gathered from their recruits until now.
    let store = |rows: &mut Vec<f64>, below: f64| -> u32 {
        let at = (rows.len() / width) as u32;
        rows.push(below);
        rows.resize(rows.len() + width - 1, 0.0);
        at
    };
    let rate_of = |k: usize| {
        if k == 0 {
            0.0
        } else {
            ranks[k - 1].override_rate
        }
    };
    let (s, v) = (m.slot, m.volume);
    let g = m.below + v;
    let rank = if m.rank_possible {
        ranks.iter().take_while(|r| g >= r.group_volume).count()
    } else {
        0
    };
    rank_out[s] = rank as u8;
    let mut r = row_of[s];
    if rank > 0 && r == NONE {
        r = store(rows, m.below);
    }
    if r != NONE {
        let row = &mut rows[r as usize * width..(r as usize + 1) * width];
        if rank > 0 {
            let own_rate = rate_of(rank);
            let mut moved = 0.0;
            for (k, vol) in row.iter_mut().enumerate().take(rank) {
                income[s] += *vol * (own_rate - rate_of(k));
                moved += *vol;
                *vol = 0.0;
            }
            row[rank] += moved;
        }
        row[0] += v;
    }
    if m.upline == NONE {
        return;
    }
    let a = m.upline as usize;
    if r != NONE {
        let mut ra = row_of[a];
        if ra == NONE {
            ra = store(rows, group[a]);
            row_of[a] = ra;
        }
        let (from, to) = (r as usize * width, ra as usize * width);
        for k in 0..width {
            let moved = rows[from + k];
            rows[to + k] += moved;
        }
    } else if row_of[a] != NONE {
        rows[row_of[a] as usize * width] += g;
    }
    group[a] += g;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{GONE, NO_SPONSOR};
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// The payment as first written, with a dense row per member cleared every month: the
    /// fast path must give the same floats, bit for bit.
    #[allow(clippy::too_many_arguments)]
    fn pay_simple(
        up: &[u32],
        volume: &[f64],
        active: &dyn Fn(usize) -> bool,
        rates: &[f64],
        min_personal_volume: f64,
        ranks: &[Rank],
        income: &mut [f64],
        rank_out: &mut [u8],
    ) {
        let n = up.len();
        let qualified = |slot: usize| volume[slot] >= min_personal_volume && volume[slot] > 0.0;
        for s in 0..n {
            let v = volume[s];
            if v <= 0.0 || !active(s) {
                continue;
            }
            let mut a = up[s];
            for rate in rates {
                if a == NONE {
                    break;
                }
                if qualified(a as usize) {
                    income[a as usize] += rate * v;
                }
                a = up[a as usize];
            }
        }
        if ranks.is_empty() {
            return;
        }
        let width = ranks.len() + 1;
        let mut group = vec![0.0; n];
        let mut paid_at = vec![0.0; n * width];
        let rate_of = |k: usize| {
            if k == 0 {
                0.0
            } else {
                ranks[k - 1].override_rate
            }
        };
        for s in (0..n).rev() {
            if !active(s) {
                continue;
            }
            group[s] += volume[s];
            let rank = if qualified(s) {
                ranks
                    .iter()
                    .take_while(|r| group[s] >= r.group_volume)
                    .count()
            } else {
                0
            };
            rank_out[s] = rank as u8;
            let row = &mut paid_at[s * width..(s + 1) * width];
            if rank > 0 {
                let own_rate = rate_of(rank);
                let mut moved = 0.0;
                for (k, vol) in row.iter_mut().enumerate().take(rank) {
                    income[s] += *vol * (own_rate - rate_of(k));
                    moved += *vol;
                    *vol = 0.0;
                }
                row[rank] += moved;
            }
            row[0] += volume[s];
            if up[s] != NONE {
                let a = up[s] as usize;
                group[a] += group[s];
                for k in 0..width {
                    let v = paid_at[s * width + k];
                    paid_at[a * width + k] += v;
                }
            }
        }
    }

    /// Random months on random trees (some members inactive, some unqualified, ranks common
    /// enough that stored and implied rows meet in every way), paid twice through one scratch
    /// of each size to catch anything left over from an earlier month.
    #[test]
    fn fast_path_equals_the_simple_payment_bit_for_bit() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut scratch = PayScratch::default();
        for case in 0..400 {
            let n = rng.random_range(1..200usize);
            let active: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.8).collect();
            // Uplines: a lower slot (active or not, as the API allows) or none.
            let up: Vec<u32> = (0..n)
                .map(|s| {
                    if s == 0 || rng.random::<f64>() < 0.05 {
                        NONE
                    } else {
                        rng.random_range(0..s) as u32
                    }
                })
                .collect();
            let volume: Vec<f64> = (0..n)
                .map(|s| match rng.random_range(0..5u32) {
                    0 => 0.0,
                    // An inactive member's volume must not count even when it is not zero.
                    1 if !active[s] => 75.0,
                    _ => rng.random::<f64>() * 400.0,
                })
                .collect();
            let rates: Vec<f64> = (0..rng.random_range(0..4usize))
                .map(|_| rng.random::<f64>() * 0.1)
                .collect();
            let ranks: Vec<Rank> = (0..rng.random_range(0..4usize))
                .map(|r| Rank {
                    group_volume: 300.0 * 4f64.powi(r as i32) * (0.5 + rng.random::<f64>()),
                    override_rate: 0.02 * (r + 1) as f64,
                })
                .collect();
            let min_pv = if case % 3 == 0 { 0.0 } else { 150.0 };
            let is_active = |s: usize| active[s];
            let (mut want, mut want_ranks) = (vec![0.0; n], vec![0u8; n]);
            pay_simple(
                &up,
                &volume,
                &is_active,
                &rates,
                min_pv,
                &ranks,
                &mut want,
                &mut want_ranks,
            );
            for _ in 0..2 {
                let (mut got, mut got_ranks) = (vec![0.0; n], vec![0u8; n]);
                pay_with(
                    &mut scratch,
                    &up,
                    &volume,
                    &is_active,
                    &rates,
                    min_pv,
                    &ranks,
                    &mut got,
                    &mut got_ranks,
                );
                let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "case {case}");
                assert_eq!(got_ranks, want_ranks, "case {case}");
            }
        }
    }

    /// Uplines kept through random months of joins, quits (some by people who recruited
    /// that very month) and compactions, against a walk up the sponsors by id with no
    /// compression.
    #[test]
    fn kept_uplines_match_a_plain_walk() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(12);
        for _ in 0..60 {
            let founders = rng.random_range(1..4usize);
            // By id: sponsor, and whether gone.
            let mut sponsor: Vec<u32> = vec![NO_SPONSOR; founders];
            let mut gone: Vec<bool> = vec![false; founders];
            // Ids by slot: the month's list, quitters included until a compaction.
            let mut list: Vec<u32> = (0..founders as u32).collect();
            let mut uplines = Uplines::new(founders);
            for _month in 0..40 {
                let n = list.len();
                let active = |slot: usize, gone: &[bool]| !gone[list[slot] as usize];
                let mut joins = Vec::new();
                for slot in 0..n {
                    if active(slot, &gone) && rng.random_bool(0.25) {
                        joins.extend(std::iter::repeat_n(slot, rng.random_range(1..3)));
                    }
                }
                let quit: Vec<bool> = (0..n)
                    .map(|slot| active(slot, &gone) && rng.random_bool(0.15))
                    .collect();
                for &slot in &joins {
                    uplines.join(slot as u32);
                }
                uplines.leave(&quit);
                for slot in 0..n {
                    if quit[slot] {
                        gone[list[slot] as usize] = true;
                    }
                }
                for &slot in &joins {
                    list.push(sponsor.len() as u32);
                    sponsor.push(list[slot]);
                    gone.push(false);
                }
                if rng.random_bool(0.3) {
                    uplines.compact();
                    list.retain(|id| !gone[*id as usize]);
                }
                let mut slot_of = vec![GONE; sponsor.len()];
                for (slot, id) in list.iter().enumerate() {
                    slot_of[*id as usize] = slot as u32;
                }
                let want: Vec<u32> = list
                    .iter()
                    .map(|id| {
                        if gone[*id as usize] {
                            return QUIT;
                        }
                        let mut p = sponsor[*id as usize];
                        while p != NO_SPONSOR && gone[p as usize] {
                            p = sponsor[p as usize];
                        }
                        if p == NO_SPONSOR {
                            NONE
                        } else {
                            slot_of[p as usize]
                        }
                    })
                    .collect();
                assert_eq!(uplines.slots(), &want[..]);
            }
        }
    }

    fn always(_: usize) -> bool {
        true
    }

    /// A chain 0 <- 1 <- 2 <- 3: with rates [0.1, 0.05] the volume of 3 pays 10% to 2 and
    /// 5% to 1, nothing to 0.
    #[test]
    fn unilevel_pays_the_levels_above_in_order() {
        let up = [NONE, 0, 1, 2];
        let volume = [0.0 + 100.0, 100.0, 100.0, 200.0];
        let mut income = [0.0; 4];
        let mut ranks = [0u8; 4];
        pay(
            &up,
            &volume,
            &always,
            &[0.1, 0.05],
            0.0,
            &[],
            &mut income,
            &mut ranks,
        );
        assert_eq!(income, [10.0 + 5.0, 10.0 + 10.0, 20.0, 0.0]);
    }

    /// Compression: when 1 has quit, 2's upline is 0 and 0 is paid as level 1.
    #[test]
    fn compression_skips_quitters() {
        let up = [NONE, 0, 0];
        let volume = [100.0, 0.0, 100.0];
        let mut income = [0.0; 3];
        let mut ranks = [0u8; 3];
        let active = |s: usize| s != 1;
        pay(
            &up,
            &volume,
            &active,
            &[0.1, 0.05],
            0.0,
            &[],
            &mut income,
            &mut ranks,
        );
        assert_eq!(income[0], 10.0);
    }

    #[test]
    fn unqualified_member_is_not_paid_but_counts_as_a_level() {
        let up = [NONE, 0, 1];
        let volume = [100.0, 10.0, 100.0];
        let mut income = [0.0; 3];
        let mut ranks = [0u8; 3];
        pay(
            &up,
            &volume,
            &always,
            &[0.1, 0.05],
            50.0,
            &[],
            &mut income,
            &mut ranks,
        );
        assert_eq!(income, [1.0 + 5.0, 0.0, 0.0]);
    }

    /// Differential overrides never pay more than the top rate on any unit of volume.
    #[test]
    fn rank_overrides_are_differential() {
        let ranks_table = [
            Rank {
                group_volume: 150.0,
                override_rate: 0.02,
            },
            Rank {
                group_volume: 250.0,
                override_rate: 0.05,
            },
        ];
        // 0 <- 1 <- 2: group volumes 300, 200, 100: ranks 2, 1, 0.
        let up = [NONE, 0, 1];
        let volume = [100.0, 100.0, 100.0];
        let mut income = [0.0; 3];
        let mut ranks = [0u8; 3];
        pay(
            &up,
            &volume,
            &always,
            &[],
            0.0,
            &ranks_table,
            &mut income,
            &mut ranks,
        );
        assert_eq!(ranks, [2, 1, 0]);
        // 1 earns 2% of 2's 100; 0 earns 5% of 1's 100 and 3% more on 2's 100.
        assert!((income[1] - 2.0).abs() < 1e-12);
        assert!((income[0] - (5.0 + 3.0)).abs() < 1e-12);
        let total: f64 = income.iter().sum();
        assert!(total <= 0.05 * 200.0 + 1e-12);
    }
}
