//! How careers ended in the company world: in money, as surveys ask (lost money, broke even,
//! profited over the whole career), and in reasons: every participant's end reason (the pitfall
//! that made them quit, or whether they were still in, profitable or not, at the horizon), as
//! `company_end_reasons.csv`, lines of the terminal summary and a bar chart.
//!
//! Why it matters here as much as in followed careers: the coaches' pitfalls (rejection,
//! awkwardness with friends and family, disillusionment, no support) and the researchers'
//! (losses) compete for the same quitters, and in a finite market their mix shifts as the
//! market saturates. Shares are per replicate company first, then a mean with its 95%
//! interval across companies, like every other company figure.

use std::fmt::Write as _;

use super::report::{across, end_reason_shares, Across, ReplicateSummary};

/// Name of the table.
pub const END_REASONS_FILE: &str = "company_end_reasons.csv";

fn fmt(x: f64) -> String {
    format!("{x:.6}")
}

fn push(line: &mut String, a: Option<Across>) {
    match a {
        Some(a) => {
            let _ = write!(line, ",{},{},{}", fmt(a.mean), fmt(a.low), fmt(a.high));
        }
        None => line.push_str(",,,"),
    }
}

/// `company_end_reasons.csv`: one row per end reason, its share of everyone who ever joined and
/// (for quit reasons; empty for the two still-active outcomes) its share of those who quit,
/// each a mean and 95% interval across replicates. `None` for summaries without the counts
/// (shard files written before they existed).
pub fn end_reasons_csv(reps: &[ReplicateSummary]) -> Option<(&'static str, String)> {
    let rows = end_reason_shares(reps);
    if rows.is_empty() {
        return None;
    }
    let mut out = String::from(
        "reason,share_of_participants_mean,share_of_participants_low,share_of_participants_high,share_of_quitters_mean,share_of_quitters_low,share_of_quitters_high\n",
    );
    for (reason, of_all, of_quits) in rows {
        let mut line = reason.as_str().to_string();
        push(&mut line, Some(of_all));
        push(&mut line, of_quits);
        out.push_str(&line);
        out.push('\n');
    }
    Some((END_REASONS_FILE, out))
}

/// The summary's line of whole-career outcomes in the surveys' bands (empty without counts).
pub fn outcome_bands_text(reps: &[ReplicateSummary], band: f64) -> String {
    if reps.is_empty() || reps.iter().any(|r| r.outcome_bands.len() != 3) {
        return String::new();
    }
    let share = |i: usize| {
        let xs: Vec<f64> = reps
            .iter()
            .filter_map(|r| {
                let n: u64 = r.outcome_bands.iter().sum();
                (n > 0).then(|| r.outcome_bands[i] as f64 / n as f64)
            })
            .collect();
        let a = across(&xs);
        format!(
            "{:.1}% ({:.1}-{:.1}%)",
            100.0 * a.mean,
            100.0 * a.low.max(0.0),
            100.0 * a.high.min(1.0)
        )
    };
    format!(
        "  As surveys ask    whole careers of everyone who ever joined: lost money {}, broke even (within ±{}) {}, profited {}\n",
        share(0),
        crate::fmt::money(band),
        share(1),
        share(2)
    )
}

/// The summary's "How careers ended" lines (empty without counts): share of everyone who ever
/// joined, with its interval, and a bar of 40 characters for 100%.
pub fn end_reasons_text(reps: &[ReplicateSummary]) -> String {
    let rows = end_reason_shares(reps);
    let mut o = String::new();
    if rows.is_empty() {
        return o;
    }
    let width = rows
        .iter()
        .map(|(r, _, _)| r.label().chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    let _ = writeln!(
        o,
        "  How careers ended (everyone who ever joined; 95% intervals across companies):"
    );
    for (reason, a, _) in rows {
        let bar = "#".repeat((a.mean.clamp(0.0, 1.0) * 40.0).round() as usize);
        let _ = writeln!(
            o,
            "    {:<width$}{:>6.1}%  ({:>5.1}-{:>5.1}%)  {bar}",
            reason.label(),
            100.0 * a.mean,
            100.0 * a.low.max(0.0),
            100.0 * a.high.min(1.0)
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::EndReason;

    fn rep(counts: [u64; EndReason::COUNT]) -> ReplicateSummary {
        ReplicateSummary {
            replicate: 0,
            months: Vec::new(),
            cohorts: Vec::new(),
            ranks: Vec::new(),
            statement: Default::default(),
            capped: false,
            person_months: 0,
            kinds: Vec::new(),
            product_valued: false,
            end_reasons: counts.to_vec(),
            outcome_bands: vec![2, 1, 1],
        }
    }

    fn index(r: EndReason) -> usize {
        EndReason::ALL.iter().position(|x| *x == r).unwrap()
    }

    #[test]
    fn shares_of_participants_and_of_quitters_are_exact_means_across_companies() {
        let mut a = [0; EndReason::COUNT];
        a[index(EndReason::FinancialLoss)] = 30;
        a[index(EndReason::AwkwardWithFriends)] = 10;
        a[index(EndReason::ActiveLosing)] = 60;
        let mut b = [0; EndReason::COUNT];
        b[index(EndReason::FinancialLoss)] = 10;
        b[index(EndReason::AwkwardWithFriends)] = 30;
        b[index(EndReason::ActiveLosing)] = 60;
        let rows = end_reason_shares(&[rep(a), rep(b)]);
        let loss = rows[index(EndReason::FinancialLoss)];
        // Of everyone: 0.3 and 0.1, mean 0.2. Of quitters: 0.75 and 0.25, mean 0.5.
        assert!((loss.1.mean - 0.2).abs() < 1e-12);
        assert!((loss.2.unwrap().mean - 0.5).abs() < 1e-12);
        // Still-active outcomes have no share of quitters.
        assert!(rows[index(EndReason::ActiveLosing)].2.is_none());
        let (_, csv) = end_reasons_csv(&[rep(a), rep(b)]).unwrap();
        assert_eq!(csv.lines().count(), 1 + EndReason::COUNT);
        assert!(csv.contains("\nawkward_with_friends_and_family,0.200000,"));
        assert!(csv.contains("\nactive_losing,0.600000,0.600000,0.600000,,,\n"));
        let text = end_reasons_text(&[rep(a), rep(b)]);
        assert!(text.contains("awkward with friends and family"));
        // Bands [2, 1, 1] in both companies: 50%, 25%, 25% exactly.
        let bands = outcome_bands_text(&[rep(a), rep(b)], 500.0);
        assert!(bands.contains("lost money 50.0% (50.0-50.0%)"), "{bands}");
        assert!(bands.contains("profited 25.0%"), "{bands}");
    }

    #[test]
    fn summaries_without_counts_write_nothing() {
        let mut r = rep([0; EndReason::COUNT]);
        r.end_reasons.clear();
        assert!(end_reasons_csv(&[r.clone()]).is_none());
        assert!(end_reasons_text(&[r]).is_empty());
    }
}
