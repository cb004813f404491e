//! Streaming, mergeable statistics over careers.
//!
//! A [`Tally`] holds only integers: counts, fixed-bin histograms and money sums in whole
//! cents. Merging is therefore exact and order-free, which is what makes a run's results
//! identical at any thread count and lets shards of one study merge bit-for-bit into the
//! result of a single run. Memory does not grow with the number of careers.

pub mod ci;
pub mod consistency;
pub mod disclosure;
pub mod paired;
pub mod sketch;

use serde::{Deserialize, Serialize};

use crate::outcome::{CareerOutcome, EndReason};
pub use ci::{wilson, ShareEstimate, Z95};
pub use disclosure::Disclosure;
pub use sketch::{to_cents, MoneySketch};

/// Sums of one money flow over careers, in cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentsSum {
    /// Sum of the per-career amounts, in cents.
    pub sum: i128,
}

/// Outcomes of the followed careers of one kind of participant (issue 12, H2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindTally {
    /// Followed careers of this kind.
    pub careers: u64,
    /// Of them, failed (quit, or net <= 0 at the horizon).
    pub failures: u64,
    /// Of them, cumulative cash net < 0.
    pub lost: u64,
    /// Sum of cash net, cents.
    pub net_cents: i128,
    /// Sum of the value of what they bought (product value x purchases), cents.
    pub purchases_value_cents: i128,
}

impl KindTally {
    fn merge(&mut self, o: &KindTally) {
        self.careers += o.careers;
        self.failures += o.failures;
        self.lost += o.lost;
        self.net_cents += o.net_cents;
        self.purchases_value_cents += o.purchases_value_cents;
    }
}

/// Kinds a tally keeps apart (`scenario::Kind::COUNT`; `stats` does not import `scenario`).
pub const KINDS: usize = 3;

/// Everything a run needs to report, accumulated career by career.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Followed careers counted.
    pub careers: u64,
    /// Careers per [`EndReason`], in [`EndReason::ALL`] order.
    pub ends: [u64; EndReason::COUNT],
    /// `worked[w]`: careers that were still active at the end of exactly `w` months
    /// (`w = 0 ..= months`); survival is its tail sum, see [`Tally::active`].
    pub worked: Vec<u64>,
    /// Sum of months active.
    pub months_active: u64,
    /// Cumulative net income per career, in cents: sum.
    pub net_cents: i128,
    /// Sum of squared net income in cents² (for the standard error of the mean).
    pub net_sq_cents: i128,
    /// Commissions (company payments), cents.
    pub commissions_cents: i128,
    /// Retail profit, cents.
    pub retail_cents: i128,
    /// Required purchases (starter kit + autoship), cents.
    pub purchases_cents: i128,
    /// Other expenses, cents.
    pub expenses_cents: i128,
    /// Distribution of net income.
    pub net: MoneySketch,
    /// Careers with net > 0.
    pub profitable: u64,
    /// Sum of direct recruits.
    pub recruits: u64,
    /// Sum of squared direct recruits.
    pub recruits_sq: u128,
    /// Sum of customers won.
    pub customers: u64,
    /// Sum of downline sizes (people simulated below the followed distributor).
    pub downline_size: u64,
    /// Downline members whose outcomes are comparable (the next three count among them).
    #[serde(default)]
    pub downline_comparable: u64,
    /// Downline members who quit.
    pub downline_quit: u64,
    /// Downline members with net < 0.
    pub downline_lost: u64,
    /// Downline members with net > 0.
    pub downline_profited: u64,
    /// Careers whose downline hit the size cap.
    pub capped: u64,
    /// Person-months simulated, downline included.
    pub person_months: u64,
    /// `cohort_failures[f]`: complete cohorts in which exactly `f` careers failed.
    pub cohort_failures: Vec<u64>,
    /// Income-disclosure bands and survey outcome bands.
    pub disclosure: Disclosure,
    /// Value to the buyers of what they bought (product value x purchases), cents: net
    /// including it is `net_cents` + this (issue 12, H2; 0 at the neutral product value).
    #[serde(default)]
    pub purchases_value_cents: i128,
    /// Careers whose net including the value of what they bought is > 0.
    #[serde(default)]
    pub profitable_with_value: u64,
    /// Careers by kind of participant (all in kind 0 when the scenario has no kinds).
    #[serde(default)]
    pub by_kind: [KindTally; KINDS],
    // ---- Value-inclusive outcome bands (issue 13, calibration to AARP 2018) ----
    /// Careers whose net including the value of what they bought is below minus the
    /// break-even band (the survey band `lost_money`, with product value).
    #[serde(default)]
    pub lost_money_with_value: u64,
    /// Careers whose net including that value is within ±the break-even band.
    #[serde(default)]
    pub broke_even_with_value: u64,
    /// Careers whose net including that value is above the break-even band.
    #[serde(default)]
    pub profited_with_value: u64,
    // ---- end of issue 13's value-inclusive bands ----
}

impl Tally {
    /// An empty tally for a horizon of `months`, cohorts of `cohort_size` and a break-even band
    /// of ±`break_even_band` currency units (see [`Disclosure::new`]). `Tally::for_scenario`
    /// (in `engine`, so that `stats` never imports `scenario`) reads all three from a scenario.
    pub fn new(months: u32, cohort_size: u64, break_even_band: f64) -> Tally {
        Tally {
            careers: 0,
            ends: [0; EndReason::COUNT],
            worked: vec![0; months as usize + 1],
            months_active: 0,
            net_cents: 0,
            net_sq_cents: 0,
            commissions_cents: 0,
            retail_cents: 0,
            purchases_cents: 0,
            expenses_cents: 0,
            net: MoneySketch::new(),
            profitable: 0,
            recruits: 0,
            recruits_sq: 0,
            customers: 0,
            downline_size: 0,
            downline_comparable: 0,
            downline_quit: 0,
            downline_lost: 0,
            downline_profited: 0,
            capped: 0,
            person_months: 0,
            cohort_failures: vec![0; cohort_size as usize + 1],
            disclosure: Disclosure::new(months, break_even_band),
            purchases_value_cents: 0,
            profitable_with_value: 0,
            by_kind: [KindTally::default(); KINDS],
            lost_money_with_value: 0,
            broke_even_with_value: 0,
            profited_with_value: 0,
        }
    }

    /// Count one followed career. Returns whether it failed (quit before the horizon, or
    /// cumulative net <= 0 at the horizon).
    pub fn add(&mut self, c: &CareerOutcome) -> bool {
        let p = &c.person;
        self.careers += 1;
        self.ends[p.end as usize] += 1;
        let months = p.months_active as usize;
        // Active at the end of month t for t < quit month (the quit month itself ends it).
        let worked = match p.quit_month {
            Some(_) => months - 1,
            None => months,
        };
        // One increment per career; `active` is a running total when read (see `Tally::active`).
        self.worked[worked] += 1;
        self.months_active += u64::from(p.months_active);
        let net = p.money.net();
        let net_c = to_cents(net);
        self.net_cents += i128::from(net_c);
        self.net_sq_cents += i128::from(net_c) * i128::from(net_c);
        self.commissions_cents += i128::from(to_cents(p.money.commissions));
        self.retail_cents += i128::from(to_cents(p.money.retail));
        self.purchases_cents += i128::from(to_cents(p.money.purchases));
        self.expenses_cents += i128::from(to_cents(p.money.expenses));
        self.net.add(net);
        self.disclosure.add(&p.money);
        if net > 0.0 {
            self.profitable += 1;
        }
        self.recruits += p.recruits;
        self.recruits_sq += u128::from(p.recruits) * u128::from(p.recruits);
        self.customers += p.customers;
        self.downline_size += c.downline_size;
        self.downline_comparable += c.downline_comparable;
        self.downline_quit += c.downline_quit;
        self.downline_lost += c.downline_lost;
        self.downline_profited += c.downline_profited;
        self.capped += u64::from(c.capped);
        self.person_months += c.person_months;
        let failed = p.end.is_quit() || net <= 0.0;
        // Kinds and product value (issue 12, H2).
        let value_c = i128::from(to_cents(c.purchases_value));
        self.purchases_value_cents += value_c;
        self.profitable_with_value += u64::from(net + c.purchases_value > 0.0);
        // The survey bands on the value-inclusive net, in whole cents like the cash bands
        // (`Disclosure::add`), so the two agree exactly when nothing is valued.
        let band = self.disclosure.break_even_cents;
        match i128::from(net_c) + value_c {
            v if v < -i128::from(band) => self.lost_money_with_value += 1,
            v if v <= i128::from(band) => self.broke_even_with_value += 1,
            _ => self.profited_with_value += 1,
        }
        if let Some(k) = self.by_kind.get_mut(usize::from(c.kind)) {
            k.careers += 1;
            k.failures += u64::from(failed);
            k.lost += u64::from(net < 0.0);
            k.net_cents += i128::from(net_c);
            k.purchases_value_cents += value_c;
        }
        failed
    }

    /// Record a complete cohort with `failures` failed careers.
    pub fn add_cohort(&mut self, failures: u64) {
        if let Some(slot) = self.cohort_failures.get_mut(failures as usize) {
            *slot += 1;
        }
    }

    /// Add another tally (same months and cohort size) into this one.
    pub fn merge(&mut self, o: &Tally) {
        self.careers += o.careers;
        for (a, b) in self.ends.iter_mut().zip(&o.ends) {
            *a += b;
        }
        for (a, b) in self.worked.iter_mut().zip(&o.worked) {
            *a += b;
        }
        self.months_active += o.months_active;
        self.net_cents += o.net_cents;
        self.net_sq_cents += o.net_sq_cents;
        self.commissions_cents += o.commissions_cents;
        self.retail_cents += o.retail_cents;
        self.purchases_cents += o.purchases_cents;
        self.expenses_cents += o.expenses_cents;
        self.net.merge(&o.net);
        self.profitable += o.profitable;
        self.recruits += o.recruits;
        self.recruits_sq += o.recruits_sq;
        self.customers += o.customers;
        self.downline_size += o.downline_size;
        self.downline_comparable += o.downline_comparable;
        self.downline_quit += o.downline_quit;
        self.downline_lost += o.downline_lost;
        self.downline_profited += o.downline_profited;
        self.capped += o.capped;
        self.person_months += o.person_months;
        for (a, b) in self.cohort_failures.iter_mut().zip(&o.cohort_failures) {
            *a += b;
        }
        self.disclosure.merge(&o.disclosure);
        self.purchases_value_cents += o.purchases_value_cents;
        self.profitable_with_value += o.profitable_with_value;
        for (a, b) in self.by_kind.iter_mut().zip(&o.by_kind) {
            a.merge(b);
        }
        self.lost_money_with_value += o.lost_money_with_value;
        self.broke_even_with_value += o.broke_even_with_value;
        self.profited_with_value += o.profited_with_value;
    }

    /// `active()[t]`: careers still active at the end of month `t` (t = 0 .. months-1).
    pub fn active(&self) -> Vec<u64> {
        let mut out = vec![0; self.worked.len().saturating_sub(1)];
        let mut still = 0;
        for t in (0..out.len()).rev() {
            still += self.worked[t + 1];
            out[t] = still;
        }
        out
    }

    /// Careers that ended for `reason`.
    pub fn count(&self, reason: EndReason) -> u64 {
        self.ends[reason as usize]
    }

    /// Careers that quit before the horizon.
    pub fn quits(&self) -> u64 {
        EndReason::ALL
            .iter()
            .filter(|r| r.is_quit())
            .map(|r| self.count(*r))
            .sum()
    }

    /// Failed careers: quit, or still active but not profitable.
    pub fn failures(&self) -> u64 {
        self.quits() + self.count(EndReason::ActiveLosing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Money, PersonOutcome, BREAK_EVEN_BAND};

    fn career(end: EndReason, months: u32, net: f64) -> CareerOutcome {
        CareerOutcome {
            index: 0,
            person: PersonOutcome {
                end,
                months_active: months,
                quit_month: end.is_quit().then_some(months - 1),
                money: Money {
                    commissions: net.max(0.0),
                    retail: 0.0,
                    purchases: (-net).max(0.0),
                    expenses: 0.0,
                },
                recruits: 2,
                customers: 1,
            },
            downline_size: 0,
            downline_comparable: 0,
            downline_quit: 0,
            downline_lost: 0,
            downline_profited: 0,
            capped: false,
            person_months: u64::from(months),
            drawn: vec![],
            kind: 0,
            purchases_value: 0.0,
        }
    }

    #[test]
    fn survival_counts_follow_quit_months() {
        let mut t = Tally::new(4, 2, BREAK_EVEN_BAND);
        assert!(t.add(&career(EndReason::LifeEvent, 2, -10.0))); // quit in month 1
        assert!(!t.add(&career(EndReason::ActiveProfitable, 4, 5.0)));
        assert!(t.add(&career(EndReason::ActiveLosing, 4, 0.0)));
        assert_eq!(t.active(), vec![3, 2, 2, 2]);
        assert_eq!(t.failures(), 2);
        assert_eq!(t.quits(), 1);
    }

    // ---- Value-inclusive outcome bands (issue 13) ----

    /// Closed form on hand-made careers: the band of `net + value` against ±$500, edges
    /// included in "broke even" as for the cash bands; with no value the two agree.
    #[test]
    fn value_inclusive_bands_count_net_plus_value_against_the_band() {
        let mut t = Tally::new(4, 2, 500.0);
        let cases = [
            // (cash net, value of purchases): the value-inclusive band
            (-1000.0, 1000.0), // 0: broke even (cash: lost)
            (-1000.0, 400.0),  // -600: lost
            (-200.0, 800.0),   // +600: profited (cash: broke even)
            (-500.0, 0.0),     // -500 exactly: broke even
            (-500.0, 1000.0),  // +500 exactly: broke even
            (-500.01, 0.0),    // lost
            (600.0, 0.0),      // profited
        ];
        for (net, value) in cases {
            let mut c = career(EndReason::ActiveLosing, 4, net);
            c.purchases_value = value;
            t.add(&c);
        }
        assert_eq!(
            (
                t.lost_money_with_value,
                t.broke_even_with_value,
                t.profited_with_value
            ),
            (2, 3, 2)
        );
        assert_eq!(
            (
                t.disclosure.lost_money,
                t.disclosure.broke_even,
                t.disclosure.profited
            ),
            (3, 3, 1)
        );
        let mut cash = Tally::new(4, 2, 500.0);
        for (net, _) in cases {
            cash.add(&career(EndReason::ActiveLosing, 4, net));
        }
        let d = &cash.disclosure;
        assert_eq!(
            (
                cash.lost_money_with_value,
                cash.broke_even_with_value,
                cash.profited_with_value
            ),
            (d.lost_money, d.broke_even, d.profited)
        );
    }

    #[test]
    fn merge_equals_sequential() {
        let mut cs = [
            career(EndReason::LifeEvent, 2, -10.0),
            career(EndReason::ActiveProfitable, 4, 5.0),
            career(EndReason::FinancialLoss, 1, -300.0),
            career(EndReason::ActiveLosing, 4, -0.25),
        ];
        // Give every counter something to add, so that a field merge forgets shows up.
        cs[1].downline_size = 6;
        cs[1].downline_comparable = 4;
        cs[1].downline_quit = 3;
        cs[1].downline_lost = 2;
        cs[1].downline_profited = 1;
        cs[1].capped = true;
        cs[2].person.recruits = 5;
        cs[2].person.customers = 7;
        cs[3].person.money.expenses = 40.0;
        cs[2].kind = 2;
        cs[1].kind = 1;
        cs[1].purchases_value = 12.5;
        let mut all = Tally::new(4, 2, BREAK_EVEN_BAND);
        for c in &cs {
            all.add(c);
        }
        all.add_cohort(1);
        all.add_cohort(2);
        let mut a = Tally::new(4, 2, BREAK_EVEN_BAND);
        let mut b = Tally::new(4, 2, BREAK_EVEN_BAND);
        a.add(&cs[0]);
        a.add(&cs[1]);
        a.add_cohort(1);
        b.add(&cs[2]);
        b.add(&cs[3]);
        b.add_cohort(2);
        b.merge(&a);
        assert_eq!(b, all);
    }
}
