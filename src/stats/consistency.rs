//! Checking a [`Tally`] that comes from outside the process (a shard's `tally.json`), and
//! merging such tallies with checked arithmetic.
//!
//! A tally the engine builds is consistent by construction. One read from disk may have been
//! damaged, edited or written by something else; left unchecked, a share above 1 reaches a
//! `clamp` with min > max (a panic), counters near 2^64 wrap when added, and money components
//! that no longer add up to the net give a report that contradicts itself. So every relation
//! between the fields that holds for any real run is checked here, and [`Tally::try_merge`]
//! adds with overflow checks. Errors name the field (as in `tally.json`) and what is wrong.

use super::{EndReason, MoneySketch, Tally};

/// One way a tally contradicts itself or cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {detail}")]
pub struct Inconsistent {
    /// The field of `tally.json` at fault.
    pub field: &'static str,
    /// What is wrong with it.
    pub detail: String,
}

fn bad(field: &'static str, detail: String) -> Inconsistent {
    Inconsistent { field, detail }
}

/// Rounding each money flow to whole cents separately can make the components' sum differ
/// from the rounded net by up to 2.5 cents per career (five roundings of at most half a cent).
const ROUNDING_CENTS_PER_CAREER: i128 = 3;

/// Money at or beyond this many cents may have saturated (see [`super::to_cents`]); the
/// components' relation to the net is not checked for such tallies.
const SATURATED_CENTS: i128 = 1_000_000_000_000_000;

/// The sum of `values`, or an overflow error naming `field`.
fn checked_sum<'a>(
    field: &'static str,
    values: impl IntoIterator<Item = &'a u64>,
) -> Result<u64, Inconsistent> {
    values
        .into_iter()
        .try_fold(0u64, |acc, v| acc.checked_add(*v))
        .ok_or_else(|| bad(field, "its entries add up to more than 2^64".into()))
}

/// Whether `n * sum_sq >= sum^2` (Cauchy-Schwarz: a variance is never negative), compared
/// exactly when the products fit and in floating point when they do not.
fn variance_not_negative(n: u64, sum: i128, sum_sq: i128) -> bool {
    match (i128::from(n).checked_mul(sum_sq), sum.checked_mul(sum)) {
        (Some(a), Some(b)) => a >= b,
        _ => n as f64 * sum_sq as f64 >= (sum as f64) * (sum as f64) * (1.0 - 1e-12),
    }
}

impl Tally {
    /// Check every relation between the fields that holds for a tally the engine built.
    pub fn check_consistency(&self) -> Result<(), Inconsistent> {
        let n = self.careers;
        let months = self.disclosure.horizon_months as usize;
        if self.worked.len() != months + 1 {
            return Err(bad(
                "worked",
                format!(
                    "{} entries for a horizon of {months} months (expected {})",
                    self.worked.len(),
                    months + 1
                ),
            ));
        }
        let ends = checked_sum("ends", &self.ends)?;
        if ends != n {
            return Err(bad("ends", format!("add up to {ends} careers, not {n}")));
        }
        let worked = checked_sum("worked", &self.worked)?;
        if worked != n {
            return Err(bad(
                "worked",
                format!("add up to {worked} careers, not {n}"),
            ));
        }
        // A career that quit was active for one month more than it "worked" to the end of.
        let quits = self.quits_checked()?;
        let expected_active = self
            .worked
            .iter()
            .enumerate()
            .try_fold(0u64, |acc, (w, c)| {
                (w as u64).checked_mul(*c).and_then(|x| acc.checked_add(x))
            })
            .and_then(|x| x.checked_add(quits))
            .ok_or_else(|| bad("worked", "overflows when weighted by months".into()))?;
        if self.months_active != expected_active {
            return Err(bad(
                "months_active",
                format!(
                    "is {} but `worked` and `ends` imply {expected_active}",
                    self.months_active
                ),
            ));
        }
        let still_active = self.ends[EndReason::ActiveLosing as usize]
            .saturating_add(self.ends[EndReason::ActiveProfitable as usize]);
        if self.worked[months] != still_active {
            return Err(bad(
                "worked",
                format!(
                    "{} careers active at the horizon, but `ends` says {still_active}",
                    self.worked[months]
                ),
            ));
        }
        for (field, v) in [("profitable", self.profitable), ("capped", self.capped)] {
            if v > n {
                return Err(bad(field, format!("{v} is more than the {n} careers")));
            }
        }
        if self.person_months < self.months_active {
            return Err(bad(
                "person_months",
                format!(
                    "{} is less than the followed careers' own {} months",
                    self.person_months, self.months_active
                ),
            ));
        }
        if self.downline_comparable > self.downline_size
            || self.downline_quit > self.downline_comparable
            || self
                .downline_lost
                .checked_add(self.downline_profited)
                .is_none_or(|x| x > self.downline_comparable)
        {
            return Err(bad(
                "downline_size",
                format!(
                    "{} people ({} comparable), fewer than those who quit ({}) or lost ({}) plus profited ({})",
                    self.downline_size,
                    self.downline_comparable,
                    self.downline_quit,
                    self.downline_lost,
                    self.downline_profited
                ),
            ));
        }
        self.check_money()?;
        self.check_cohorts()?;
        self.check_disclosure()
    }

    fn quits_checked(&self) -> Result<u64, Inconsistent> {
        checked_sum(
            "ends",
            EndReason::ALL
                .iter()
                .filter(|r| r.is_quit())
                .map(|r| &self.ends[*r as usize]),
        )
    }

    fn check_money(&self) -> Result<(), Inconsistent> {
        let n = self.careers;
        let parts = [
            self.commissions_cents,
            self.retail_cents,
            -self.purchases_cents,
            -self.expenses_cents,
        ];
        let saturated = parts
            .iter()
            .chain([&self.net_cents])
            .any(|c| c.unsigned_abs() >= SATURATED_CENTS.unsigned_abs());
        if !saturated {
            let sum: i128 = parts.iter().sum();
            let slack = ROUNDING_CENTS_PER_CAREER * i128::from(n);
            if (sum - self.net_cents).abs() > slack {
                return Err(bad(
                    "net_cents",
                    format!(
                        "{} cents, but commissions + retail - purchases - expenses = {sum} cents",
                        self.net_cents
                    ),
                ));
            }
        }
        if self.net_sq_cents < 0 || !variance_not_negative(n, self.net_cents, self.net_sq_cents) {
            return Err(bad(
                "net_sq_cents",
                "is smaller than the square of `net_cents` over the careers allows (a negative variance)".into(),
            ));
        }
        for (field, sketch) in [
            ("net", &self.net),
            ("disclosure.gross_annual", &self.disclosure.gross_annual),
        ] {
            if !sketch.is_well_formed() {
                return Err(bad(
                    field,
                    "its bins do not have the shape mlm-sim writes".into(),
                ));
            }
        }
        let sketch_count = self
            .net
            .count_checked()
            .ok_or_else(|| bad("net", "counts overflow".into()))?;
        if sketch_count != n {
            return Err(bad("net", format!("holds {sketch_count} careers, not {n}")));
        }
        let sketch_sum = self.net.sum_cents();
        if sketch_sum != Some(self.net_cents) {
            return Err(bad(
                "net",
                format!(
                    "its bins add up to {sketch_sum:?} cents, not `net_cents` = {}",
                    self.net_cents
                ),
            ));
        }
        // A zero variance means every career had the same net, so one bin of the sketch.
        let spread = i128::from(n)
            .checked_mul(self.net_sq_cents)
            .zip(self.net_cents.checked_mul(self.net_cents))
            .map(|(a, b)| a - b);
        if spread == Some(0) && self.net.non_empty_bins() > 1 {
            return Err(bad(
                "net_sq_cents",
                "makes the spread of net income zero, but the careers' nets differ (see `net`)"
                    .into(),
            ));
        }
        let r = self.recruits;
        match (
            u128::from(n).checked_mul(self.recruits_sq),
            u128::from(r).checked_mul(u128::from(r)),
        ) {
            (Some(a), Some(b)) if a < b => {
                return Err(bad(
                    "recruits_sq",
                    "is smaller than `recruits` squared over the careers allows".into(),
                ))
            }
            _ => {}
        }
        Ok(())
    }

    fn check_cohorts(&self) -> Result<(), Inconsistent> {
        let cohort_size = (self.cohort_failures.len() as u64).saturating_sub(1);
        if cohort_size == 0 {
            return Err(bad(
                "cohort_failures",
                "is empty (it has one entry per possible failure count)".into(),
            ));
        }
        let cohorts = checked_sum("cohort_failures", &self.cohort_failures)?;
        if cohorts > self.careers / cohort_size {
            return Err(bad(
                "cohort_failures",
                format!(
                    "counts {cohorts} complete cohorts of {cohort_size}, more than {} careers hold",
                    self.careers
                ),
            ));
        }
        let failures = self
            .quits_checked()?
            .saturating_add(self.ends[EndReason::ActiveLosing as usize]);
        let counted = self
            .cohort_failures
            .iter()
            .enumerate()
            .try_fold(0u64, |acc, (f, c)| {
                (f as u64).checked_mul(*c).and_then(|x| acc.checked_add(x))
            });
        if counted.is_none_or(|c| c > failures) {
            return Err(bad(
                "cohort_failures",
                format!("counts more failed careers than the {failures} that `ends` records"),
            ));
        }
        Ok(())
    }

    fn check_disclosure(&self) -> Result<(), Inconsistent> {
        let n = self.careers;
        let d = &self.disclosure;
        for (field, total) in [
            (
                "disclosure.gross_bands",
                checked_sum("disclosure.gross_bands", &d.gross_bands)?,
            ),
            (
                "disclosure.net_bands",
                checked_sum("disclosure.net_bands", &d.net_bands)?,
            ),
            (
                "disclosure",
                checked_sum("disclosure", [&d.lost_money, &d.broke_even, &d.profited])?,
            ),
            (
                "disclosure.gross_annual",
                d.gross_annual
                    .count_checked()
                    .ok_or_else(|| bad("disclosure.gross_annual", "counts overflow".into()))?,
            ),
        ] {
            if total != n {
                return Err(bad(field, format!("counts {total} careers, not {n}")));
            }
        }
        // Value-inclusive bands (issue 13): every career once, or none at all in a tally
        // written before they existed (the fields then read as 0).
        let valued = checked_sum(
            "lost_money_with_value",
            [
                &self.lost_money_with_value,
                &self.broke_even_with_value,
                &self.profited_with_value,
            ],
        )?;
        if valued != n && valued != 0 {
            return Err(bad(
                "lost_money_with_value",
                format!("the value-inclusive bands count {valued} careers, not {n}"),
            ));
        }
        if d.profited_small > d.profited {
            return Err(bad(
                "disclosure.profited_small",
                format!(
                    "{} is more than the {} who profited",
                    d.profited_small, d.profited
                ),
            ));
        }
        Ok(())
    }

    /// Add `o` into this tally like [`Tally::merge`], but fail instead of wrapping when a
    /// counter or sum would overflow; this tally is unchanged on failure.
    pub fn try_merge(&mut self, o: &Tally) -> Result<(), Inconsistent> {
        let mut t = self.clone();
        let over = |field: &'static str| bad(field, "the merged total overflows".into());
        macro_rules! add {
            ($($f:ident),*) => {$(
                t.$f = t.$f.checked_add(o.$f).ok_or_else(|| over(stringify!($f)))?;
            )*};
        }
        add!(
            careers,
            months_active,
            net_cents,
            net_sq_cents,
            commissions_cents,
            retail_cents,
            purchases_cents,
            expenses_cents,
            profitable,
            recruits,
            recruits_sq,
            customers,
            downline_size,
            downline_comparable,
            downline_quit,
            downline_lost,
            downline_profited,
            capped,
            person_months,
            purchases_value_cents,
            profitable_with_value,
            lost_money_with_value,
            broke_even_with_value,
            profited_with_value
        );
        // Kinds of participant (issue 12, H2).
        for (mine, theirs) in t.by_kind.iter_mut().zip(&o.by_kind) {
            macro_rules! add_kind {
                ($($f:ident),*) => {$(
                    mine.$f = mine.$f.checked_add(theirs.$f).ok_or_else(|| over("by_kind"))?;
                )*};
            }
            add_kind!(careers, failures, lost, net_cents, purchases_value_cents);
        }
        for (field, mine, theirs) in [
            ("ends", &mut t.ends[..], &o.ends[..]),
            ("worked", &mut t.worked[..], &o.worked[..]),
            (
                "cohort_failures",
                &mut t.cohort_failures[..],
                &o.cohort_failures[..],
            ),
            (
                "disclosure.gross_bands",
                &mut t.disclosure.gross_bands[..],
                &o.disclosure.gross_bands[..],
            ),
            (
                "disclosure.net_bands",
                &mut t.disclosure.net_bands[..],
                &o.disclosure.net_bands[..],
            ),
        ] {
            if mine.len() != theirs.len() {
                return Err(bad(
                    field,
                    format!("{} entries, expected {}", theirs.len(), mine.len()),
                ));
            }
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a = a.checked_add(*b).ok_or_else(|| over(field))?;
            }
        }
        let d = &mut t.disclosure;
        for (field, a, b) in [
            (
                "disclosure.lost_money",
                &mut d.lost_money,
                o.disclosure.lost_money,
            ),
            (
                "disclosure.broke_even",
                &mut d.broke_even,
                o.disclosure.broke_even,
            ),
            (
                "disclosure.profited",
                &mut d.profited,
                o.disclosure.profited,
            ),
            (
                "disclosure.profited_small",
                &mut d.profited_small,
                o.disclosure.profited_small,
            ),
        ] {
            *a = a.checked_add(b).ok_or_else(|| over(field))?;
        }
        t.net.try_merge(&o.net).map_err(|_| over("net"))?;
        t.disclosure
            .gross_annual
            .try_merge(&o.disclosure.gross_annual)
            .map_err(|_| over("disclosure.gross_annual"))?;
        *self = t;
        Ok(())
    }
}

impl MoneySketch {
    /// Number of values, or `None` when the bins' counts overflow.
    pub fn count_checked(&self) -> Option<u64> {
        self.bins_ascending()
            .try_fold(0u64, |acc, b| acc.checked_add(b.count))
    }

    /// Sum of every value in cents, or `None` on overflow.
    pub fn sum_cents(&self) -> Option<i128> {
        self.bins_ascending()
            .try_fold(0i128, |acc, b| acc.checked_add(b.sum_cents))
    }

    /// Bins holding at least one value.
    pub fn non_empty_bins(&self) -> usize {
        self.bins_ascending().filter(|b| b.count > 0).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{CareerOutcome, Money, PersonOutcome, BREAK_EVEN_BAND};

    fn career(end: EndReason, months: u32, net: f64, recruits: u64) -> CareerOutcome {
        CareerOutcome {
            index: 0,
            person: PersonOutcome {
                end,
                months_active: months,
                quit_month: end.is_quit().then_some(months - 1),
                money: Money {
                    commissions: net.max(0.0) + 0.004,
                    retail: 1.006,
                    purchases: (-net).max(0.0) + 1.0,
                    expenses: 0.01,
                },
                recruits,
                customers: 1,
            },
            downline_size: 3,
            downline_comparable: 2,
            downline_quit: 1,
            downline_lost: 1,
            downline_profited: 1,
            capped: false,
            person_months: u64::from(months) + 5,
            drawn: vec![],
            kind: 0,
            purchases_value: 0.0,
        }
    }

    fn sample() -> Tally {
        let mut t = Tally::new(4, 2, BREAK_EVEN_BAND);
        let mut failed = 0;
        for (i, c) in [
            career(EndReason::LifeEvent, 2, -10.0, 0),
            career(EndReason::ActiveProfitable, 4, 5.0, 3),
            career(EndReason::FinancialLoss, 1, -300.0, 1),
            career(EndReason::ActiveLosing, 4, -0.25, 2),
        ]
        .iter()
        .enumerate()
        {
            failed += u64::from(t.add(c));
            if i % 2 == 1 {
                t.add_cohort(failed);
                failed = 0;
            }
        }
        t
    }

    #[test]
    fn a_tally_built_by_adding_careers_is_consistent() {
        let t = sample();
        assert_eq!(t.check_consistency(), Ok(()));
        let mut twice = t.clone();
        twice.try_merge(&t).unwrap();
        assert_eq!(twice.check_consistency(), Ok(()));
        let mut plain = t.clone();
        plain.merge(&t);
        assert_eq!(twice, plain);
    }

    #[test]
    fn each_tampering_is_caught_naming_its_field() {
        type Tamper = Box<dyn Fn(&mut Tally)>;
        let cases: Vec<(&str, Tamper)> = vec![
            ("ends", Box::new(|t| t.ends[0] += 1)),
            ("profitable", Box::new(|t| t.profitable = t.careers + 1)),
            ("months_active", Box::new(|t| t.months_active += 1)),
            ("net_cents", Box::new(|t| t.commissions_cents += 10_000)),
            (
                "net_sq_cents",
                Box::new(|t| t.net_sq_cents = t.net_cents * t.net_cents / 4),
            ),
            ("net_sq_cents", Box::new(|t| t.net_sq_cents = -1)),
            ("cohort_failures", Box::new(|t| t.cohort_failures[2] += 5)),
            (
                "disclosure.net_bands",
                Box::new(|t| t.disclosure.net_bands[0] += 1),
            ),
            (
                "downline_size",
                Box::new(|t| t.downline_quit = t.downline_size + 1),
            ),
            ("ends", Box::new(|t| t.ends = [u64::MAX; EndReason::COUNT])),
        ];
        for (field, tamper) in cases {
            let mut t = sample();
            tamper(&mut t);
            let err = t.check_consistency().unwrap_err();
            assert_eq!(err.field, field, "{err}");
        }
    }

    #[test]
    fn merging_counters_near_the_top_fails_instead_of_wrapping() {
        let mut a = sample();
        let mut b = sample();
        b.downline_size = u64::MAX - 1;
        let before = a.clone();
        let err = a.try_merge(&b).unwrap_err();
        assert_eq!(err.field, "downline_size");
        assert_eq!(a, before, "unchanged on failure");
    }
}
