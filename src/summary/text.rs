//! The terminal rendering of a [`Summary`]: the same numbers as `summary.json`, as text.

use std::fmt::Write as _;

use super::{Summary, SURVIVAL_MILESTONES};
use crate::fmt::{money, percent as pct, thousands as group};
use crate::outcome::EndReason;

impl Summary {
    /// The readable terminal summary.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} — {} careers x {} months, seed {}",
            self.scenario,
            group(self.careers as f64, 0),
            self.months,
            self.seed
        );
        let _ = writeln!(
            s,
            "  Failure rate      {}  (95% CI {} to {})  = quit {} + still in but not profitable {}",
            pct(self.failure_rate),
            pct(self.failure_rate_ci[0]),
            pct(self.failure_rate_ci[1]),
            pct(self.quit_share),
            pct(self.active_losing_share)
        );
        let _ = writeln!(s, "  How careers ended");
        // One column wide enough for the longest label of any reason (not only those shown), so
        // the bars line up and the layout does not change between runs.
        let width = EndReason::ALL
            .iter()
            .map(|r| r.label().chars().count())
            .max()
            .unwrap_or(0)
            .max(20)
            + 2;
        for rc in &self.quit_reason_counts {
            let reason = EndReason::ALL
                .iter()
                .find(|r| r.as_str() == rc.reason)
                .map(|r| r.label())
                .unwrap_or("?");
            let bar = "#".repeat((rc.share * 40.0).round() as usize);
            let _ = writeln!(s, "    {reason:<width$}{:>7}  {bar}", pct(rc.share));
        }
        let milestones: Vec<String> = SURVIVAL_MILESTONES
            .iter()
            .filter_map(|m| {
                self.survival_at(*m)
                    .map(|v| format!("month {m}: {}", pct(v)))
            })
            .collect();
        let _ = writeln!(s, "  Still in business {}", milestones.join("   "));
        let n = &self.net_income;
        let _ = writeln!(
            s,
            "  Net income        mean {} (±{})   P5 {}  P25 {}  median {}  P75 {}  P95 {}",
            money(n.mean),
            money(1.96 * n.std_error),
            money(n.p5),
            money(n.p25),
            money(n.p50),
            money(n.p75),
            money(n.p95)
        );
        let m = &self.money;
        let _ = writeln!(
            s,
            "    per career      commissions {} + retail profit {} - purchases {} - expenses {}",
            money(m.commissions),
            money(m.retail_profit),
            money(m.purchases),
            money(m.expenses)
        );
        let _ = writeln!(
            s,
            "  Made a profit     {}  (95% CI {} to {})",
            pct(self.profitable_share),
            pct(self.profitable_share_ci[0]),
            pct(self.profitable_share_ci[1])
        );
        // Issue 12, H2: the value of what they bought, and outcomes by kind.
        self.kinds_text(&mut s);
        let o = &self.outcome_bands;
        let _ = writeln!(
            s,
            "  As surveys ask    lost money {}  broke even (within ±{}) {}  profited {} ({} of them under {})",
            pct(o.lost_money),
            money(o.break_even_band),
            pct(o.broke_even),
            pct(o.profited),
            pct(o.profited_small_share),
            money(o.small_profit_below)
        );
        let g = &self.income_disclosure.company_payments;
        let zero = g.rows.first().map_or(0.0, |r| r.share);
        let at_most_1000: f64 = g.rows.iter().take(5).map(|r| r.share).sum();
        let _ = writeln!(
            s,
            "  Per year          company payments: {} got $0, {} got $1,000 or less; mean {}, median {}; net mean {}",
            pct(zero),
            pct(at_most_1000),
            money(g.mean),
            money(g.median),
            money(self.income_disclosure.net.mean)
        );
        let _ = writeln!(
            s,
            "  Recruiting        {:.2} direct recruits, {:.2} people in the downline, {:.2} customers (means)",
            self.recruits_mean, self.downline_size_mean, self.customers_mean
        );
        if self.downline.comparable > 0 {
            let d = &self.downline;
            let _ = writeln!(
                s,
                "  Their recruits    {} people over their first {} months (joined in time, all paid levels simulated): {} quit, {} lost money, {} profited",
                group(d.comparable as f64, 0),
                d.window_months,
                pct(d.quit_share),
                pct(d.lost_money_share),
                pct(d.profited_share)
            );
        }
        let c = &self.cohort_failure_rates;
        if c.cohorts > 0 {
            let _ = writeln!(
                s,
                "  Across cohorts    of {}: failure rate {} to {} (10th-90th percentile of {} cohorts)",
                c.cohort_size,
                pct(c.p10),
                pct(c.p90),
                group(c.cohorts as f64, 0)
            );
        }
        if self.money_at_limit > 0 {
            let _ = writeln!(
                s,
                "  Warning           {} careers have money amounts of $10^10 or more, near the limit of $10^13 where amounts are clamped; money totals and means may be understated",
                self.money_at_limit
            );
        }
        if self.capped_careers > 0 {
            let _ = writeln!(
                s,
                "  Note              {} careers hit a size cap (downline.max_size, or 1,000,000 customers); their income is understated",
                self.capped_careers
            );
        }
        s
    }
}
