//! The company report's kinds of participant and product value (issue 12, H2): outcomes by
//! kind (`company_kinds.csv` and lines of the summary), and every participant's net including
//! the value to them of what they bought, beside the cash net.
//!
//! Written only where they mean something (kinds on; some kind values the product), so a
//! company without them reports exactly what it did. Figures are per replicate first, then a
//! mean and 95% interval across replicates, like every other company figure.

use std::fmt::Write as _;

use super::report::{across, Across, GroupFigures, ReplicateSummary};
use crate::scenario::Kind;

/// Name of the by-kind table.
pub const KINDS_FILE: &str = "company_kinds.csv";

fn fmt(x: f64) -> String {
    format!("{x:.6}")
}

/// Net including the value of purchases, per participant of a group.
fn net_with_value(f: &GroupFigures) -> f64 {
    (f.net_sum + f.purchases_value) / f.participants as f64
}

/// `company_kinds.csv`, when the scenario has kinds: one row per kind present in some
/// replicate, with means and 95% intervals across replicates.
pub fn kinds_csv(reps: &[ReplicateSummary]) -> Option<(&'static str, String)> {
    if reps.first().is_none_or(|r| r.kinds.is_empty()) {
        return None;
    }
    let mut out = String::from(
        "kind,participants_mean,failure_rate_mean,failure_rate_low,failure_rate_high,lost_share_mean,lost_share_low,lost_share_high,mean_net_mean,mean_net_low,mean_net_high,mean_net_with_product_value_mean,mean_net_with_product_value_low,mean_net_with_product_value_high,replicates_with_kind\n",
    );
    for k in Kind::ALL {
        let present: Vec<&GroupFigures> = reps
            .iter()
            .filter_map(|r| r.kinds.get(k as usize))
            .filter(|f| f.participants > 0)
            .collect();
        if present.is_empty() {
            continue;
        }
        let col = |f: &dyn Fn(&GroupFigures) -> f64| -> Across {
            across(&present.iter().map(|x| f(x)).collect::<Vec<_>>())
        };
        let mut line = format!(
            "{},{}",
            k.as_str(),
            fmt(col(&|f| f.participants as f64).mean)
        );
        for a in [
            col(&|f| f.failed as f64 / f.participants as f64),
            col(&|f| f.lost as f64 / f.participants as f64),
            col(&|f| f.net_sum / f.participants as f64),
            col(&net_with_value),
        ] {
            let _ = write!(line, ",{},{},{}", fmt(a.mean), fmt(a.low), fmt(a.high));
        }
        let _ = writeln!(line, ",{}", present.len());
        out.push_str(&line);
    }
    Some((KINDS_FILE, out))
}

/// Summary lines: everyone's net with and without the value of purchases (when some kind
/// values the product), and failure and losses by kind (when there are kinds).
pub fn kinds_text(reps: &[ReplicateSummary]) -> String {
    let mut o = String::new();
    let money = |a: Across| {
        let g = |x: f64| crate::fmt::thousands(x, 0);
        format!("${} (${} to ${})", g(a.mean), g(a.low), g(a.high))
    };
    let pct = |a: Across| {
        format!(
            "{:.1}% ({:.1}-{:.1}%)",
            100.0 * a.mean,
            100.0 * a.low.max(0.0),
            100.0 * a.high.min(1.0)
        )
    };
    let valued = reps.iter().any(|r| r.product_valued);
    if valued {
        // Everyone ever: the cohorts partition the participants.
        let total = |r: &ReplicateSummary, f: fn(&GroupFigures) -> f64| -> f64 {
            let n: u64 = r.cohorts.iter().map(|c| c.participants).sum();
            r.cohorts.iter().map(f).sum::<f64>() / n.max(1) as f64
        };
        let cash: Vec<f64> = reps.iter().map(|r| total(r, |c| c.net_sum)).collect();
        let with: Vec<f64> = reps
            .iter()
            .map(|r| total(r, |c| c.net_sum + c.purchases_value))
            .collect();
        let _ = writeln!(
            o,
            "  Net per participant {} cash; {} including the value to them of what they bought",
            money(across(&cash)),
            money(across(&with))
        );
    }
    if reps.first().is_some_and(|r| !r.kinds.is_empty()) {
        let _ = writeln!(
            o,
            "  By kind (failure rate; share that lost money; mean net):"
        );
        for k in Kind::ALL {
            let present: Vec<&GroupFigures> = reps
                .iter()
                .filter_map(|r| r.kinds.get(k as usize))
                .filter(|f| f.participants > 0)
                .collect();
            if present.is_empty() {
                continue;
            }
            let col = |f: &dyn Fn(&GroupFigures) -> f64| -> Across {
                across(&present.iter().map(|x| f(x)).collect::<Vec<_>>())
            };
            let with = if valued {
                format!(", {} with product value", money(col(&net_with_value)))
            } else {
                String::new()
            };
            let _ = writeln!(
                o,
                "    {:<10} {}; {}; {}{with}",
                k.as_str(),
                pct(col(&|f| f.failed as f64 / f.participants as f64)),
                pct(col(&|f| f.lost as f64 / f.participants as f64)),
                money(col(&|f| f.net_sum / f.participants as f64)),
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse;
    use crate::world::{Member, World, NO_SPONSOR};

    const COMPANY: &str = "name='k'\nkind='company'\n[company]\nfounders=400\nyears=2\nreplicates=1\n[market]\nsize=100000\n[prospecting]\ncontacts_per_month=5\njoin_probability=0.05\n[economics]\nmonthly_purchase=50\n[attrition]\nlife_events_per_month=0.05\n";

    fn world_text(text: &str) -> World {
        World::new(&parse(text, "t.toml", &[]).unwrap_or_else(|e| panic!("{e}"))).unwrap()
    }

    fn world(extra: &str) -> World {
        world_text(&format!("{COMPANY}{extra}"))
    }

    #[test]
    fn the_member_record_keeps_its_size_with_a_kind() {
        assert_eq!(std::mem::size_of::<Member>(), 136);
    }

    /// Duplication 1: every recruit is the sponsor's kind; founders draw from the shares
    /// (within 4 binomial standard errors). Buyers recruit no one.
    #[test]
    fn full_duplication_copies_the_sponsors_kind_down_the_tree() {
        let c = world(
            "[kinds]\nshares = { buyer = 0.2, dabbler = 0.3, builder = 0.5 }\nduplication = 1\n",
        )
        .simulate(0);
        let founders: Vec<&Member> = c
            .members
            .iter()
            .filter(|m| m.sponsor == NO_SPONSOR)
            .collect();
        let n = founders.len() as f64;
        for (k, p) in [0.2, 0.3, 0.5].iter().enumerate() {
            let got = founders.iter().filter(|m| usize::from(m.kind) == k).count() as f64 / n;
            assert!(
                (got - p).abs() < 4.0 * (p * (1.0 - p) / n).sqrt(),
                "{k}: {got}"
            );
        }
        let recruits: Vec<&Member> = c
            .members
            .iter()
            .filter(|m| m.sponsor != NO_SPONSOR)
            .collect();
        assert!(recruits.len() > 100);
        for m in recruits {
            let sponsor = &c.members[m.sponsor as usize];
            assert_eq!(m.kind, sponsor.kind);
            assert_ne!(sponsor.kind, Kind::Buyer as u8, "a buyer recruited");
        }
        let r = ReplicateSummary::new(0, &c, world("").settings());
        assert_eq!(r.kinds.len(), 3);
        assert!(kinds_csv(&[r]).is_some());
    }

    /// Without kinds everyone is kind 0 and the report has nothing by kind; the value of
    /// purchases is exactly product_value x purchases, summed.
    #[test]
    fn no_kinds_reports_nothing_by_kind_and_product_value_is_exact() {
        let w = world("");
        let c = w.simulate(0);
        assert!(!c.kinds && c.members.iter().all(|m| m.kind == 0));
        let r = ReplicateSummary::new(0, &c, w.settings());
        assert!(r.kinds.is_empty() && !r.product_valued);
        assert!(kinds_csv(std::slice::from_ref(&r)).is_none());
        assert_eq!(kinds_text(&[r]), "");

        let valued = world_text(&COMPANY.replace(
            "monthly_purchase=50\n",
            "monthly_purchase=50\nproduct_value=0.5\n",
        ));
        let cv = valued.simulate(0);
        let rv = ReplicateSummary::new(0, &cv, valued.settings());
        assert!(rv.product_valued);
        let plain = ReplicateSummary::new(0, &c, w.settings());
        for (a, b) in plain.cohorts.iter().zip(&rv.cohorts) {
            // Careers are identical: the value is reporting only.
            assert_eq!(a.net_sum, b.net_sum);
            assert_eq!(b.purchases_value, 0.5 * b.purchases);
        }
        assert!(kinds_text(&[rv]).contains("including the value"));
    }
}
