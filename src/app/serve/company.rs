//! Company-world scenarios (`kind = "company"`) on the workshop page: the run (replicate
//! companies, refined one step at a time), the headline in plain words, the A/B difference
//! paired by replicate, and the files `run` writes. The world's levers are in
//! [`super::company_levers`].
//!
//! Why replicates are the unit of refinement: replicate company `r` depends only on the seed
//! and `r` (see `world`), so the first `k` replicates of a page run are exactly the first `k`
//! of `mlm-sim run --set company.replicates=N`; a first picture of one company is refined by
//! simulating only the companies after it, and the result equals `run` with that many
//! replicates. The same fact gives A/B its common random numbers: replicate `r` of A and of B
//! use the same random streams, so the difference is taken company by company.
//!
//! Everything the page shows is computed by the code `run` uses ([`world::output`],
//! [`world::charts`], [`world::report`]) from the same per-replicate summaries, so the page
//! and the files never disagree.
//!
//! Why about 670 lines (100 of them tests): the run, the sketch, the headline and the A/B
//! table share the per-replicate figures defined once here; the levers already live apart.

use std::sync::atomic::AtomicBool;

use serde::Serialize;

use mlm_sim::charts::ChartFormat;
use mlm_sim::engine::Interrupted;
use mlm_sim::export::charts::ChartSet;
use mlm_sim::fmt::{percent as pct, thousands as group};
use mlm_sim::scenario::Scenario;
use mlm_sim::world::charts as world_charts;
use mlm_sim::world::output as world_output;
use mlm_sim::world::report::{across, Across, ReplicateSummary};

pub use super::company_levers::{world_groups, world_values};
use super::simulate::{chart_size, PageChart, RunError};

/// The replicates `s` asks for.
pub fn replicates(s: &Scenario) -> u64 {
    s.company.as_ref().map_or(0, |c| c.replicates)
}

/// Refuse a company the server should not start: over `run`'s memory limit, or more
/// person-months than `max_work` even at its bound (every participant it may hold, working
/// every month of every replicate).
pub fn check_limits(s: &Scenario, max_work: f64) -> Result<(), String> {
    let Some(c) = &s.company else {
        return Ok(());
    };
    world_output::check_memory(s).map_err(|e| format!("{e:#}"))?;
    let bound =
        c.replicates as f64 * c.market_size.min(c.max_participants) as f64 * f64::from(s.months);
    if bound > max_work {
        return Err(format!(
            "these settings may simulate up to {bound:.1e} person-months ({} companies of up to \
             {} participants over {} months), above this server's limit of {max_work:.1e} \
             (serve --max-work); lower company.replicates, market.size, \
             company.max_participants or company.years",
            c.replicates,
            group(c.market_size.min(c.max_participants) as f64, 0),
            s.months
        ));
    }
    Ok(())
}

/// Simulate replicates `range` of `s` on the current rayon pool, stopping within a month of
/// `cancel` being set.
pub fn simulate(
    s: &Scenario,
    range: std::ops::Range<u64>,
    cancel: &AtomicBool,
) -> Result<Vec<ReplicateSummary>, RunError> {
    world_output::simulate(s, range, cancel).map_err(|e| {
        if e.downcast_ref::<Interrupted>().is_some() {
            RunError::Cancelled
        } else {
            RunError::Internal(format!("{e:#}"))
        }
    })
}

/// A figure with its 95% interval across replicate companies.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Figure {
    /// Mean over replicates.
    pub mean: f64,
    /// 95% interval (Student t over replicates; shares clipped to 0-1).
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

fn share(a: Across) -> Figure {
    Figure {
        mean: a.mean,
        low: a.low.max(0.0),
        high: a.high.min(1.0),
    }
}

/// "41.2% (95% interval 39.0% to 43.4%)"; no interval for one company.
fn share_words(f: Figure, replicates: usize) -> String {
    if replicates < 2 {
        pct(f.mean)
    } else {
        format!(
            "{} (95% interval {} to {})",
            pct(f.mean),
            pct(f.low),
            pct(f.high)
        )
    }
}

/// One join cohort's line of "the later you join, the worse your odds".
#[derive(Debug, Serialize)]
pub struct CohortLine {
    /// 0 = founders, y = first worked in year y.
    pub cohort: u32,
    /// "founders", "year 3".
    pub label: String,
    /// Mean participants per company.
    pub participants: f64,
    /// Share that lost money over their time in the company.
    pub lost_money: Figure,
    /// Share never paid a commission.
    pub no_payments: Figure,
}

/// The headline of a company run.
#[derive(Debug, Serialize)]
pub struct CompanyHeadline {
    /// Replicate companies the figures are across.
    pub replicates: usize,
    /// Year of the income-disclosure statement.
    pub disclosure_year: u32,
    /// Share of everyone who ever joined whose whole-time net was below zero.
    pub lost_money: Figure,
    /// Share of the disclosure year's participants with no company payment that year.
    pub no_payments: Figure,
    /// Share of the disclosure year's commissions paid to its top 1% of participants.
    pub top1_share: Figure,
    /// Share of the market that ever joined, at the horizon.
    pub penetration: Figure,
    /// By join cohort (cohorts nobody joined in are left out).
    pub cohorts: Vec<CohortLine>,
    /// The same in sentences.
    pub words: CompanyWords,
}

/// The headline as the page prints it.
#[derive(Debug, Serialize)]
pub struct CompanyWords {
    /// "78.4% (95% interval ...) of everyone who joined lost money".
    pub lost_money: String,
    /// "... got no company payment in year 10".
    pub no_payments: String,
    /// "the top 1% got ... of year 10's commissions".
    pub top1_share: String,
    /// "... of the market ever joined".
    pub penetration: String,
    /// "Founders: 12% lost money; year-1 joiners: ...; year-9 joiners: 96%".
    pub later_you_join: String,
    /// "10 of 10 companies" or "preview: 1 of 10 companies".
    pub precision: String,
}

/// Share of everyone ever in replicate `r` who lost money over their time in the company.
fn lost_share(r: &ReplicateSummary) -> f64 {
    let (lost, all) = r
        .cohorts
        .iter()
        .fold((0u64, 0u64), |(l, a), g| (l + g.lost, a + g.participants));
    lost as f64 / all.max(1) as f64
}

fn penetration(r: &ReplicateSummary, market: f64) -> f64 {
    r.months.last().map_or(0.0, |m| m.participants as f64) / market
}

impl CompanyHeadline {
    /// The headline of `reps`, replicates of `s` (at least one).
    pub fn new(s: &Scenario, reps: &[ReplicateSummary], full: u64) -> CompanyHeadline {
        let c = s.company.as_ref().expect("a company scenario");
        let market = c.market_size as f64;
        let col = |f: &dyn Fn(&ReplicateSummary) -> f64| {
            share(across(&reps.iter().map(f).collect::<Vec<_>>()))
        };
        let n = reps.len();
        let lost_money = col(&lost_share);
        let no_payments = col(&|r| r.statement.zero_share);
        let top1_share = col(&|r| r.statement.top_shares[1]);
        let pen = col(&|r| penetration(r, market));
        let groups = reps.first().map_or(0, |r| r.cohorts.len());
        let cohorts: Vec<CohortLine> = (0..groups)
            .filter_map(|g| {
                let present: Vec<_> = reps
                    .iter()
                    .map(|r| &r.cohorts[g])
                    .filter(|f| f.participants > 0)
                    .collect();
                if present.is_empty() {
                    return None;
                }
                let of = |k: fn(&mlm_sim::world::report::GroupFigures) -> u64| {
                    share(across(
                        &present
                            .iter()
                            .map(|f| k(f) as f64 / f.participants as f64)
                            .collect::<Vec<_>>(),
                    ))
                };
                Some(CohortLine {
                    cohort: g as u32,
                    label: if g == 0 {
                        "founders".into()
                    } else {
                        format!("year {g}")
                    },
                    participants: reps
                        .iter()
                        .map(|r| r.cohorts[g].participants as f64)
                        .sum::<f64>()
                        / n as f64,
                    lost_money: of(|f| f.lost),
                    no_payments: of(|f| f.no_payments),
                })
            })
            .collect();
        let later = cohorts
            .iter()
            .map(|l| format!("{} {}", l.label, pct(l.lost_money.mean)))
            .collect::<Vec<_>>()
            .join(" · ");
        let y = c.disclosure_year;
        CompanyHeadline {
            replicates: n,
            disclosure_year: y,
            words: CompanyWords {
                lost_money: format!(
                    "{} of everyone who joined lost money",
                    share_words(lost_money, n)
                ),
                no_payments: format!(
                    "{} got no company payment in year {y}",
                    share_words(no_payments, n)
                ),
                top1_share: format!(
                    "the top 1% got {} of year {y}'s commissions",
                    share_words(top1_share, n)
                ),
                penetration: format!("{} of the market ever joined", share_words(pen, n)),
                later_you_join: format!("Lost money, by year joined: {later}"),
                precision: if (n as u64) < full {
                    format!("preview: {n} of {full} companies (refining; no interval until two)")
                } else {
                    format!("{n} companies, 95% intervals across them")
                },
            },
            lost_money,
            no_payments,
            top1_share,
            penetration: pen,
            cohorts,
        }
    }
}

/// One figure of the A/B table: A, B, and B − A paired by replicate.
#[derive(Debug, Serialize)]
pub struct CompanyAbRow {
    /// Figure key.
    pub key: &'static str,
    /// Words.
    pub label: &'static str,
    /// A's value.
    pub a: String,
    /// B's value.
    pub b: String,
    /// B − A with its 95% interval across paired companies.
    pub diff: String,
    /// B − A: mean, low, high.
    pub diff_values: [f64; 3],
}

/// The A/B part of a company result.
#[derive(Debug, Serialize)]
pub struct CompanyAb {
    /// A's headline.
    pub a: CompanyHeadline,
    /// The table.
    pub rows: Vec<CompanyAbRow>,
    /// One line on the share who lost money, B against A.
    pub verdict: String,
}

/// (key, label, figure of one replicate) of the A/B table; `None` market means a share.
type AbFigure = (
    &'static str,
    &'static str,
    fn(&ReplicateSummary, f64) -> f64,
);

const AB_FIGURES: &[AbFigure] = &[
    ("lost_money", "Lost money (everyone who joined)", |r, _| {
        lost_share(r)
    }),
    (
        "no_payments",
        "No company payment in the disclosure year",
        |r, _| r.statement.zero_share,
    ),
    ("top1_share", "Top 1%'s share of commissions", |r, _| {
        r.statement.top_shares[1]
    }),
    ("penetration", "Market ever joined", penetration),
    (
        "net_loss_year",
        "Net loss in the disclosure year",
        |r, _| r.statement.lost_share,
    ),
];

fn points(d: f64) -> String {
    format!("{:+.1} points", 100.0 * d)
}

/// The A/B table of `a` and `b`, the same replicates of two settings.
pub fn ab(
    sa: &Scenario,
    a: &[ReplicateSummary],
    sb: &Scenario,
    b: &[ReplicateSummary],
    full: u64,
) -> CompanyAb {
    let market_a = sa.company.as_ref().map_or(1, |c| c.market_size) as f64;
    let market_b = sb.company.as_ref().map_or(1, |c| c.market_size) as f64;
    let n = a.len().min(b.len());
    let rows: Vec<CompanyAbRow> = AB_FIGURES
        .iter()
        .map(|(key, label, f)| {
            let xa: Vec<f64> = a.iter().map(|r| f(r, market_a)).collect();
            let xb: Vec<f64> = b.iter().map(|r| f(r, market_b)).collect();
            let diffs: Vec<f64> = xa.iter().zip(&xb).map(|(x, y)| y - x).collect();
            let d = across(&diffs);
            let ma = across(&xa).mean;
            let mb = across(&xb).mean;
            CompanyAbRow {
                key,
                label,
                a: pct(ma),
                b: pct(mb),
                diff: if n < 2 {
                    format!("{} (one company: no interval yet)", points(d.mean))
                } else {
                    format!(
                        "{} ({} to {})",
                        points(d.mean),
                        points(d.low),
                        points(d.high)
                    )
                },
                diff_values: [d.mean, d.low, d.high],
            }
        })
        .collect();
    let lost = &rows[0].diff_values;
    let verdict = if n < 2 {
        format!(
            "B {} who lost money than A in the first company; refining.",
            words_of(lost[0])
        )
    } else if lost[1] > 0.0 || lost[2] < 0.0 {
        format!(
            "B: {:.1} points {} who lost money than A (95% interval {:.1} to {:.1}, paired over {n} companies).",
            100.0 * lost[0].abs(),
            if lost[0] > 0.0 { "more" } else { "fewer" },
            100.0 * lost[1],
            100.0 * lost[2]
        )
    } else {
        format!(
            "No clear difference in who lost money between B and A (95% interval {:.1} to {:.1} points, paired over {n} companies).",
            100.0 * lost[1],
            100.0 * lost[2]
        )
    };
    CompanyAb {
        a: CompanyHeadline::new(sa, a, full),
        rows,
        verdict,
    }
}

fn words_of(d: f64) -> String {
    format!(
        "{} {}",
        points(d.abs()).trim_start_matches('+'),
        if d >= 0.0 { "more" } else { "fewer" }
    )
}

/// The company charts as the page shows them: `run`'s chart code, SVG.
pub fn page_charts(s: &Scenario, reps: &[ReplicateSummary]) -> Result<Vec<PageChart>, RunError> {
    let set = ChartSet {
        formats: vec![ChartFormat::Svg],
        size: chart_size(),
    };
    Ok(world_charts::render(s, reps, &set)?
        .into_iter()
        .map(|(name, bytes)| PageChart {
            stem: name.trim_end_matches(".svg").to_string(),
            svg: super::simulate::inline(&bytes),
        })
        .collect())
}

/// The sketch shrinks the market, the founders and the participant cap by this factor.
pub const SKETCH_SCALE: u64 = 10;

/// The settings of the page's first sketch: `side` with the market, the founders and the
/// participant cap of `full` (its resolved company) divided by [`SKETCH_SCALE`]. A full-size
/// company takes about a second even on an idle machine, over the 300 ms a room waits; a
/// company a tenth the size has the same people and plan in a smaller country, so its shares
/// (who lost money, saturation over time) are a fair first look. It is labelled as a sketch
/// and is itself exactly `run` with those three `--set`s and one replicate.
pub fn sketch_side(side: &super::simulate::Settings, full: &Scenario) -> super::simulate::Settings {
    let mut out = side.clone();
    if let Some(c) = &full.company {
        let founders = (c.founders / SKETCH_SCALE).max(1);
        let market = (c.market_size / SKETCH_SCALE).max(founders);
        let cap = (c.max_participants / SKETCH_SCALE).max(founders);
        for (key, value) in [
            ("company.founders", founders),
            ("market.size", market),
            ("company.max_participants", cap),
        ] {
            out.means.remove(key);
            out.settings.insert(key.to_string(), value.to_string());
        }
    }
    out
}

/// How the page labels a sketch of `s` (the scaled company).
pub fn sketch_words(s: &Scenario) -> String {
    let c = s
        .company
        .as_ref()
        .map_or((0, 0), |c| (c.market_size, c.founders));
    format!(
        "sketch: one company at 1/{SKETCH_SCALE} scale (market {}, {} founders), not the \
         scenario's figures; refining",
        group(c.0 as f64, 0),
        c.1
    )
}

/// Chart stems of a company run, in page order.
pub const CHART_STEMS: [&str; 4] = [
    "company-over-time",
    "company-cohorts",
    "company-lorenz",
    "company-quit-reasons",
];

/// The tables a company run writes (`world::output::render`), in its order; a test checks
/// the list against it.
pub const TABLES: [&str; 8] = [
    "company_over_time.csv",
    "company_cohorts.csv",
    "company_ranks.csv",
    "company_disclosure.csv",
    "company_concentration.csv",
    "company_replicates.csv",
    "summary.txt",
    "company_end_reasons.csv",
];

/// What one company run gives the page.
#[derive(Debug, Serialize)]
pub struct CompanyResult {
    /// Always "company": the page draws a company headline.
    pub kind: &'static str,
    /// Replicate companies simulated (per side).
    pub replicates: u64,
    /// The scenario's full number of replicates (what refinement goes up to).
    pub full_replicates: u64,
    /// The current settings' headline (B in A/B mode).
    pub headline: CompanyHeadline,
    /// The current settings' charts (B's in A/B mode).
    pub charts: Vec<PageChart>,
    /// Present in A/B mode.
    pub ab: Option<CompanyAb>,
    /// Set when this is the first sketch (a company at reduced scale), in words.
    pub sketch: Option<String>,
    /// Replicates taken over from the previous refinement step (0: simulated from the first).
    pub continued_from: u64,
    /// Person-months simulated in this request.
    pub person_months: u64,
    /// Milliseconds spent simulating and drawing.
    pub elapsed_ms: u64,
}

/// Companies a page has already simulated for one set of settings.
pub struct CompanyDone {
    /// Replicates of A (A/B mode).
    pub a: Option<Vec<ReplicateSummary>>,
    /// Replicates of B (the current settings).
    pub b: Vec<ReplicateSummary>,
}

/// Identifies `b` (and `a`) apart from the number of replicates.
pub fn settings_key(b: &Scenario, a: Option<&Scenario>) -> String {
    let id = |s: &Scenario| {
        let mut s = s.clone();
        if let Some(c) = &mut s.company {
            c.replicates = 0;
        }
        s.fingerprint()
    };
    match a {
        None => format!("company:{}", id(b)),
        Some(a) => format!("company:{}+{}", id(a), id(b)),
    }
}

/// Simulate `b`'s replicates (and `a`'s, the same replicate indices, in A/B mode), continuing
/// after `prior`'s when it holds fewer replicates of the same settings.
pub fn run(
    b: &Scenario,
    a: Option<&Scenario>,
    full: u64,
    cancel: &AtomicBool,
    prior: Option<CompanyDone>,
) -> Result<(CompanyResult, CompanyDone), RunError> {
    let started = std::time::Instant::now();
    let wanted = replicates(b);
    let prior = prior.filter(|p| {
        (p.b.len() as u64) < wanted && p.a.as_ref().map(Vec::len) == a.map(|_| p.b.len())
    });
    let (mut rb, mut ra) = match prior {
        Some(p) => (p.b, p.a),
        None => (Vec::new(), a.map(|_| Vec::new())),
    };
    let from = rb.len() as u64;
    let pm_before: u64 = rb
        .iter()
        .chain(ra.iter().flatten())
        .map(|r| r.person_months)
        .sum();
    // Replicate by replicate, A before B, so a cancel lands within a month either way.
    for r in from..wanted {
        if let (Some(sa), Some(ra)) = (a, ra.as_mut()) {
            ra.extend(simulate(sa, r..r + 1, cancel)?);
        }
        rb.extend(simulate(b, r..r + 1, cancel)?);
    }
    let pm_after: u64 = rb
        .iter()
        .chain(ra.iter().flatten())
        .map(|r| r.person_months)
        .sum();
    let charts = page_charts(b, &rb)?;
    let ab = match (a, &ra) {
        (Some(sa), Some(ra)) => Some(ab(sa, ra, b, &rb, full)),
        _ => None,
    };
    let result = CompanyResult {
        kind: "company",
        replicates: wanted,
        full_replicates: full,
        headline: CompanyHeadline::new(b, &rb, full),
        charts,
        ab,
        sketch: None,
        continued_from: from,
        person_months: pm_after - pm_before,
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    Ok((result, CompanyDone { a: ra, b: rb }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlm_sim::scenario;
    use mlm_sim::scenario::company::COMPANY_KEYS;
    use mlm_sim::world::World;

    fn world_of(s: &Scenario) -> World {
        World::new(s).expect("a company scenario")
    }

    fn tiny(extra: &[&str]) -> Scenario {
        let text = include_str!("../../../scenarios/company-typical.toml");
        let base = [
            "market.size=3000",
            "company.years=2",
            "company.replicates=3",
            "company.founders=5",
        ];
        let moved = |t: &&str| {
            extra
                .iter()
                .any(|e| e.split('=').next() == t.split('=').next())
        };
        let o: Vec<scenario::Override> = base
            .iter()
            .filter(|t| !moved(t))
            .chain(extra)
            .map(|t| scenario::Override::parse(t).unwrap())
            .collect();
        scenario::parse(text, "company-typical.toml", &o).unwrap()
    }

    #[test]
    fn the_table_list_is_what_run_writes() {
        let s = tiny(&[]);
        let reps = simulate(&s, 0..1, &AtomicBool::new(false)).ok().unwrap();
        let names: Vec<&str> = world_output::render(&s, &reps)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        // The shipped company has kinds of participant since its calibration (issue 13), so
        // run also writes the by-kind table, which the page does not offer (yet).
        let kinds = mlm_sim::world::kinds::KINDS_FILE;
        assert!(names.contains(&kinds), "{names:?}");
        let offered: Vec<&str> = names.into_iter().filter(|n| *n != kinds).collect();
        assert_eq!(offered, TABLES);
    }

    #[test]
    fn every_company_key_has_a_lever() {
        let keys: Vec<String> = world_groups()
            .iter()
            .flat_map(|g| g.levers.iter().map(|l| l.key.clone()))
            .collect();
        for k in COMPANY_KEYS.iter().skip(1) {
            assert!(keys.iter().any(|x| x == k), "no lever for {k}");
        }
        let s = tiny(&[]);
        let values = world_values(&s);
        for k in &keys {
            assert!(values.contains_key(k.as_str()), "no value for {k}");
        }
        assert_eq!(values["market.size"].mean, Some(3000.0));
    }

    #[test]
    fn refinement_continues_and_equals_a_fresh_run_of_all_replicates() {
        let s = tiny(&[]);
        let never = AtomicBool::new(false);
        let one = tiny(&["company.replicates=1"]);
        let (_, done) = run(&one, None, 3, &never, None).ok().unwrap();
        let (res, done) = run(&s, None, 3, &never, Some(done)).ok().unwrap();
        assert_eq!(res.continued_from, 1);
        let fresh = simulate(&s, 0..3, &never).ok().unwrap();
        assert_eq!(done.b, fresh);
        // The engine's company is the one `World` gives for that replicate.
        let c = world_of(&s).simulate(2);
        assert_eq!(c.months, fresh[2].months);
    }

    #[test]
    fn a_set_cancel_flag_stops_a_company_before_its_first_month() {
        let s = tiny(&[]);
        let stop = AtomicBool::new(true);
        assert!(matches!(
            simulate(&s, 0..1, &stop),
            Err(RunError::Cancelled)
        ));
        assert!(world_of(&s).simulate_cancellable(0, &stop).is_err());
    }

    #[test]
    fn ab_on_the_same_settings_differs_by_exactly_zero() {
        let s = tiny(&[]);
        let never = AtomicBool::new(false);
        let (res, _) = run(&s, Some(&s), 3, &never, None).ok().unwrap();
        for row in &res.ab.unwrap().rows {
            assert_eq!(row.diff_values, [0.0; 3], "{}", row.key);
        }
    }
}
