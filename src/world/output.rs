//! Running a company scenario from the command line and writing its files: the CSV tables of
//! `docs/output.md` ("Company world") and the terminal summary.
//!
//! Why here and not in `cli.rs`: the command line is being moved into a binary-private tree
//! (issue 10); the CLI calls [`run_scenario`] from one small block, and everything else about
//! the company world stays in the library.

use std::fmt::Write as _;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use std::io::Write as _;

use anyhow::{bail, Context, Result};

use super::report::{across, Across, GroupFigures, ReplicateSummary, LORENZ_POINTS};
use super::{World, BYTES_PER_PARTICIPANT};
use crate::export::charts::ChartSet;
use crate::export::OutputDir;
use crate::scenario::Scenario;
use crate::stats::disclosure::{GROSS_BAND_DEFS, NET_BAND_DEFS};

/// Largest up-front memory estimate accepted for one company, in bytes (8 GiB): a company
/// whose market and participant cap allow more participants than that is refused before any
/// work (lower `market.size` or `company.max_participants`).
pub const MAX_COMPANY_BYTES: u64 = 8 << 30;

/// Refuse a company scenario whose up-front memory estimate is over [`MAX_COMPANY_BYTES`]:
/// at most `min(market.size, company.max_participants)` participants, each
/// [`BYTES_PER_PARTICIPANT`] bytes.
pub fn check_memory(s: &Scenario) -> Result<()> {
    let Some(c) = &s.company else {
        return Ok(());
    };
    let most = c.market_size.min(c.max_participants);
    // Plus the drawn traits kept per participant (8 bytes per varying key).
    let per_participant = BYTES_PER_PARTICIPANT + 8 * s.varying().len() as u64;
    let bytes = most.saturating_mul(per_participant);
    if bytes > MAX_COMPANY_BYTES {
        bail!(
            "invalid scenario {}, key `company.max_participants`: a company of up to {most} \
             participants (the smaller of market.size = {} and company.max_participants = {}) \
             may need about {:.1} GB of memory, above the limit of {:.0} GB ({} bytes per \
             participant); lower company.max_participants (joins beyond it are refused and \
             reported) or market.size",
            s.file,
            c.market_size,
            c.max_participants,
            bytes as f64 / 1e9,
            MAX_COMPANY_BYTES as f64 / 1e9,
            per_participant
        );
    }
    Ok(())
}

/// What `mlm-sim check` says about the size of a company scenario (`None` for followed
/// careers).
pub fn check_line(s: &Scenario) -> Option<String> {
    let c = s.company.as_ref()?;
    let most = c.market_size.min(c.max_participants);
    let per = BYTES_PER_PARTICIPANT + 8 * s.varying().len() as u64;
    Some(format!(
        "company world: {} replicate companies of at most {most} participants each \
         (memory bound about {:.2} GB per company, {per} bytes per participant), {} months",
        c.replicates,
        (most * per) as f64 / 1e9,
        s.months
    ))
}

/// How many companies of scenario `s` may be alive at once on `threads` threads: one per
/// thread, as long as their up-front memory estimates together stay within
/// [`MAX_COMPANY_BYTES`] (the bound [`check_memory`] holds a single company to).
pub fn companies_at_once(s: &Scenario, threads: usize) -> usize {
    let Some(c) = &s.company else {
        return 1;
    };
    let most = c.market_size.min(c.max_participants);
    let per_participant = BYTES_PER_PARTICIPANT + 8 * s.varying().len() as u64;
    let one = most.saturating_mul(per_participant).max(1);
    let fit = (MAX_COMPANY_BYTES / one).max(1);
    (threads as u64).min(fit).min(c.replicates.max(1)).max(1) as usize
}

/// Simulate replicates `range` of a company scenario on the current rayon pool, up to one
/// company per thread at once ([`companies_at_once`], [`super::replicates`]). Stops when
/// `cancel` is set.
pub fn simulate(
    s: &Scenario,
    range: std::ops::Range<u64>,
    cancel: &AtomicBool,
) -> Result<Vec<ReplicateSummary>> {
    simulate_with(s, range, cancel, &mut |_, _| Ok(()))
}

/// Like [`simulate`], handing each simulated company to `each` (replicate index, company) in
/// replicate order before it is dropped, e.g. to stream `participants.csv`.
pub fn simulate_with(
    s: &Scenario,
    range: std::ops::Range<u64>,
    cancel: &AtomicBool,
    each: &mut super::replicates::Each<'_>,
) -> Result<Vec<ReplicateSummary>> {
    let Some(world) = World::new(s) else {
        bail!("scenario {} is not a company scenario", s.file);
    };
    let at_once = companies_at_once(s, rayon::current_num_threads());
    super::replicates::simulate_replicates(
        &world,
        range,
        at_once,
        cancel,
        &|r, company| ReplicateSummary::new(r, company, world.settings()),
        each,
    )
}

/// Header of `participants.csv`.
pub const PARTICIPANTS_HEADER: &str = "replicate,id,sponsor,cohort,start_month,quit_month,end_reason,months_active,recruits,customers_won,best_rank,commissions,retail,purchases,expenses,net,year_commissions,year_net\n";

/// Write one row per participant of `company` (replicate `r`) to `w`.
pub fn write_participants(
    w: &mut dyn std::io::Write,
    r: u64,
    company: &super::Company,
) -> std::io::Result<()> {
    for m in &company.members {
        let money = &m.state.money;
        let sponsor = if m.sponsor == super::NO_SPONSOR {
            String::new()
        } else {
            m.sponsor.to_string()
        };
        let quit = m.quit_month().map(|q| q.to_string()).unwrap_or_default();
        writeln!(
            w,
            "{r},{},{sponsor},{},{},{quit},{},{},{},{},{},{},{},{},{},{},{},{}",
            m.id,
            m.cohort(),
            m.start_month,
            m.end().as_str(),
            m.state.months_active,
            m.state.recruits,
            m.state.customers_won,
            m.best_rank,
            money.commissions,
            money.retail,
            money.purchases,
            money.expenses,
            money.net(),
            m.year_commissions,
            m.year_net
        )?;
    }
    Ok(())
}

/// `mlm-sim run` on a company scenario: simulate every replicate on `pool`, write the files
/// into `out` and commit it, print the summary unless `quiet`.
pub fn run_scenario(
    s: &Scenario,
    pool: &rayon::ThreadPool,
    out: OutputDir,
    quiet: bool,
    cancel: &AtomicBool,
    charts: Option<&ChartSet>,
    participants_csv: bool,
) -> Result<std::path::PathBuf> {
    let c = s.company.as_ref().expect("company scenario");
    let started = Instant::now();
    let reps = if participants_csv {
        // One row per participant, streamed company by company in replicate order (memory:
        // the companies alive at once, `companies_at_once`).
        let name = "participants.csv";
        let shown = out.final_path().join(name);
        let cannot = || {
            format!(
                "cannot write {} (disk full or no permission?)",
                shown.display()
            )
        };
        let file = std::fs::File::create(out.staging_path().join(name)).with_context(cannot)?;
        let mut w = std::io::BufWriter::new(file);
        w.write_all(PARTICIPANTS_HEADER.as_bytes())
            .with_context(cannot)?;
        let reps = pool.install(|| {
            simulate_with(s, 0..c.replicates, cancel, &mut |r, company| {
                write_participants(&mut w, r, company).with_context(cannot)
            })
        })?;
        w.flush().with_context(cannot)?;
        reps
    } else {
        pool.install(|| simulate(s, 0..c.replicates, cancel))?
    };
    let elapsed = started.elapsed().as_secs_f64();
    let dir = write_files(s, &reps, out, charts)?;
    if !quiet {
        print!("{}", text_summary(s, &reps));
        let pm: u64 = reps.iter().map(|r| r.person_months).sum();
        println!(
            "  Took              {elapsed:.1} s ({} person-months/s)",
            crate::fmt::thousands(pm as f64 / elapsed.max(1e-9), 0)
        );
        println!("  Results in        {}\n", dir.display());
    }
    Ok(dir)
}

/// Write every file of a company run into `out` and commit it. `run` and `merge` both end
/// here, so a merged study's files equal a single run's.
pub fn write_files(
    s: &Scenario,
    reps: &[ReplicateSummary],
    out: OutputDir,
    charts: Option<&ChartSet>,
) -> Result<std::path::PathBuf> {
    let files = render(s, reps);
    for (name, bytes) in &files {
        out.write(name, bytes.as_bytes())?;
    }
    let page = super::html::render(s, reps, &files, charts)?;
    out.write("report.html", page.as_bytes())?;
    if let Some(set) = charts {
        for (name, bytes) in super::charts::render(s, reps, set)? {
            out.write(&name, &bytes)?;
        }
    }
    out.commit()
}

/// Every company file, by name.
pub fn render(s: &Scenario, reps: &[ReplicateSummary]) -> Vec<(&'static str, String)> {
    let mut files = vec![
        ("company_over_time.csv", over_time_csv(s, reps)),
        (
            "company_cohorts.csv",
            groups_csv(reps, "cohort", |r| &r.cohorts),
        ),
        ("company_ranks.csv", groups_csv(reps, "rank", |r| &r.ranks)),
        ("company_disclosure.csv", disclosure_csv(reps)),
        ("company_concentration.csv", concentration_csv(reps)),
        ("company_replicates.csv", replicates_csv(reps)),
        ("summary.txt", text_summary(s, reps)),
    ];
    files.extend(super::kinds::kinds_csv(reps)); // H2: by kind, when the scenario has kinds
    files.extend(super::end_reasons::end_reasons_csv(reps));
    files
}

fn fmt(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.6}")
    }
}

fn push_across(line: &mut String, a: Across) {
    let _ = write!(line, ",{},{},{}", fmt(a.mean), fmt(a.low), fmt(a.high));
}

fn over_time_csv(s: &Scenario, reps: &[ReplicateSummary]) -> String {
    let market = s.company.as_ref().map_or(1, |c| c.market_size) as f64;
    let mut out = String::from(
        "month,active_mean,active_low,active_high,joins_mean,joins_low,joins_high,quits_mean,quits_low,quits_high,participants_mean,participants_low,participants_high,penetration_mean,penetration_low,penetration_high,fresh_share_mean,fresh_share_low,fresh_share_high\n",
    );
    let months = reps.first().map_or(0, |r| r.months.len());
    for t in 0..months {
        let mut line = format!("{t}");
        let col = |f: &dyn Fn(&super::MonthCounts) -> f64| -> Across {
            across(&reps.iter().map(|r| f(&r.months[t])).collect::<Vec<_>>())
        };
        push_across(&mut line, col(&|m| m.active as f64));
        push_across(&mut line, col(&|m| m.joins as f64));
        push_across(&mut line, col(&|m| m.quits as f64));
        push_across(&mut line, col(&|m| m.participants as f64));
        push_across(&mut line, col(&|m| m.participants as f64 / market));
        push_across(&mut line, col(&|m| m.fresh as f64 / market));
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Per-group figures across replicates (groups with no one in any replicate are left out).
fn groups_csv(
    reps: &[ReplicateSummary],
    what: &str,
    groups: impl Fn(&ReplicateSummary) -> &Vec<GroupFigures>,
) -> String {
    let mut out = format!(
        "{what},participants_mean,failure_rate_mean,failure_rate_low,failure_rate_high,lost_share_mean,lost_share_low,lost_share_high,no_payment_share_mean,no_payment_share_low,no_payment_share_high,median_net_mean,median_net_low,median_net_high,mean_net_mean,mean_net_low,mean_net_high,paid_in_mean,expenses_mean,commissions_mean,retail_mean,replicates_with_group\n"
    );
    let n = reps.first().map_or(0, |r| groups(r).len());
    for g in 0..n {
        let present: Vec<&GroupFigures> = reps
            .iter()
            .map(|r| &groups(r)[g])
            .filter(|f| f.participants > 0)
            .collect();
        if present.is_empty() {
            continue;
        }
        let col = |f: &dyn Fn(&GroupFigures) -> f64| -> Across {
            across(&present.iter().map(|x| f(x)).collect::<Vec<_>>())
        };
        let share = |k: fn(&GroupFigures) -> u64| {
            move |f: &GroupFigures| k(f) as f64 / f.participants as f64
        };
        let mut line = format!("{g}");
        let _ = write!(line, ",{}", fmt(col(&|f| f.participants as f64).mean));
        push_across(&mut line, col(&share(|f| f.failed)));
        push_across(&mut line, col(&share(|f| f.lost)));
        push_across(&mut line, col(&share(|f| f.no_payments)));
        push_across(&mut line, col(&|f| f.median_net));
        push_across(&mut line, col(&|f| f.net_sum / f.participants as f64));
        for f in [
            |f: &GroupFigures| f.purchases,
            |f: &GroupFigures| f.expenses,
            |f: &GroupFigures| f.commissions,
            |f: &GroupFigures| f.retail,
        ] {
            let _ = write!(line, ",{}", fmt(col(&f).mean));
        }
        let _ = write!(line, ",{}", present.len());
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn disclosure_csv(reps: &[ReplicateSummary]) -> String {
    let mut out = String::from("table,band,share_mean,share_low,share_high\n");
    let share_col = |band: usize, gross: bool| -> Across {
        across(
            &reps
                .iter()
                .map(|r| {
                    let st = &r.statement;
                    let c = if gross {
                        st.gross_bands[band]
                    } else {
                        st.net_bands[band]
                    };
                    c as f64 / st.participants.max(1) as f64
                })
                .collect::<Vec<_>>(),
        )
    };
    for (i, b) in GROSS_BAND_DEFS.iter().enumerate() {
        let mut line = format!("company_payments,\"{}\"", b.label);
        push_across(&mut line, share_col(i, true));
        out.push_str(&line);
        out.push('\n');
    }
    for (i, b) in NET_BAND_DEFS.iter().enumerate() {
        let mut line = format!("net_income,\"{}\"", b.label);
        push_across(&mut line, share_col(i, false));
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// One figure of a replicate's statement.
type Figure = fn(&ReplicateSummary) -> f64;

fn concentration_csv(reps: &[ReplicateSummary]) -> String {
    let mut out = String::from("figure,mean,low,high\n");
    let rows: [(&str, Figure); 12] = [
        ("participants", |r| r.statement.participants as f64),
        ("company_payments_mean", |r| r.statement.gross_mean),
        ("company_payments_median", |r| r.statement.gross_median),
        ("share_with_no_payment", |r| r.statement.zero_share),
        ("net_income_mean", |r| r.statement.net_mean),
        ("net_income_median", |r| r.statement.net_median),
        ("share_with_net_loss", |r| r.statement.lost_share),
        ("top_0.1%_share_of_commissions", |r| {
            r.statement.top_shares[0]
        }),
        ("top_1%_share_of_commissions", |r| r.statement.top_shares[1]),
        ("top_10%_share_of_commissions", |r| {
            r.statement.top_shares[2]
        }),
        ("gini_of_commissions", |r| r.statement.gini),
        ("replicates_capped", |r| f64::from(u8::from(r.capped))),
    ];
    for (name, f) in rows {
        let mut line = name.to_string();
        push_across(&mut line, across(&reps.iter().map(f).collect::<Vec<_>>()));
        out.push_str(&line);
        out.push('\n');
    }
    let top: Vec<f64> = reps
        .iter()
        .filter_map(|r| r.statement.top_0_01_mean)
        .collect();
    if top.len() == reps.len() && !top.is_empty() {
        let mut line = "top_0.01%_mean_payment".to_string();
        push_across(&mut line, across(&top));
        out.push_str(&line);
        out.push('\n');
    }
    for i in 0..LORENZ_POINTS {
        let mut line = format!("lorenz_{}%", i * 100 / (LORENZ_POINTS - 1));
        push_across(
            &mut line,
            across(
                &reps
                    .iter()
                    .map(|r| r.statement.lorenz[i])
                    .collect::<Vec<_>>(),
            ),
        );
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn replicates_csv(reps: &[ReplicateSummary]) -> String {
    let mut out = String::from(
        "replicate,participants,peak_active,active_at_horizon,final_penetration_participants,share_with_no_payment,top_1%_share,gini,capped,person_months\n",
    );
    for r in reps {
        let last = r.months.last().copied().unwrap_or_default();
        let peak = r.months.iter().map(|m| m.active).max().unwrap_or(0);
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            r.replicate,
            last.participants,
            peak,
            r.months.last().map_or(0, |m| m.active - m.quits),
            last.participants,
            fmt(r.statement.zero_share),
            fmt(r.statement.top_shares[1]),
            fmt(r.statement.gini),
            r.capped,
            r.person_months
        );
    }
    out
}

/// The terminal summary (also written as `summary.txt`).
pub fn text_summary(s: &Scenario, reps: &[ReplicateSummary]) -> String {
    let c = s.company.as_ref().expect("company scenario");
    let g = |x: f64| crate::fmt::thousands(x, 0);
    // Shares cannot leave [0, 1]; the t interval can, with few replicates.
    let pct = |a: Across| {
        format!(
            "{:.1}% ({:.1}-{:.1}%)",
            100.0 * a.mean,
            100.0 * a.low.max(0.0),
            100.0 * a.high.min(1.0)
        )
    };
    // Used for counts and payments only, which cannot be negative either.
    let money = |a: Across| format!("${} (${} to ${})", g(a.mean), g(a.low.max(0.0)), g(a.high));
    let col =
        |f: &dyn Fn(&ReplicateSummary) -> f64| across(&reps.iter().map(f).collect::<Vec<_>>());
    let mut o = String::new();
    let _ = writeln!(o, "{} — company world", s.name);
    let _ = writeln!(
        o,
        "  {} founders, market of {} people, {} years, {} replicate companies (95% intervals across them)",
        c.founders,
        g(c.market_size as f64),
        c.years,
        reps.len()
    );
    let last = |r: &ReplicateSummary| r.months.last().copied().unwrap_or_default();
    let _ = writeln!(
        o,
        "  Participants ever {}",
        money(col(&|r| last(r).participants as f64)).replace('$', "")
    );
    let _ = writeln!(
        o,
        "  Peak active       {}",
        money(col(
            &|r| r.months.iter().map(|m| m.active).max().unwrap_or(0) as f64
        ))
        .replace('$', "")
    );
    let _ = writeln!(
        o,
        "  Penetration       {} of the market ever joined",
        pct(col(&|r| last(r).participants as f64 / c.market_size as f64))
    );
    o.push_str(&super::end_reasons::outcome_bands_text(
        reps,
        c.break_even_band,
    ));
    let y = c.disclosure_year;
    let _ = writeln!(
        o,
        "  Year {y} income-disclosure statement (everyone who worked that year):"
    );
    let _ = writeln!(
        o,
        "    no company payment   {}",
        pct(col(&|r| r.statement.zero_share))
    );
    let _ = writeln!(
        o,
        "    payments mean/median {} / {}",
        money(col(&|r| r.statement.gross_mean)),
        money(col(&|r| r.statement.gross_median))
    );
    let _ = writeln!(
        o,
        "    net loss in the year {}",
        pct(col(&|r| r.statement.lost_share))
    );
    let _ = writeln!(
        o,
        "    top 1% share of commissions {}, Gini {:.2}",
        pct(col(&|r| r.statement.top_shares[1])),
        col(&|r| r.statement.gini).mean
    );
    let _ = writeln!(
        o,
        "  By join cohort (share that lost money over their career):"
    );
    let cohorts = reps.first().map_or(0, |r| r.cohorts.len());
    for k in 0..cohorts {
        let present: Vec<f64> = reps
            .iter()
            .filter(|r| r.cohorts[k].participants > 0)
            .map(|r| r.cohorts[k].lost as f64 / r.cohorts[k].participants as f64)
            .collect();
        if present.is_empty() {
            continue;
        }
        let label = if k == 0 {
            "founders".to_string()
        } else {
            format!("year {k}")
        };
        let _ = writeln!(o, "    {label:<10} {}", pct(across(&present)));
    }
    o.push_str(&super::end_reasons::end_reasons_text(reps));
    o.push_str(&super::kinds::kinds_text(reps)); // H2: product value and kinds
    if reps.iter().any(|r| r.capped) {
        let _ = writeln!(
            o,
            "  CAPPED: {} of {} companies reached company.max_participants; their figures are understated",
            reps.iter().filter(|r| r.capped).count(),
            reps.len()
        );
    }
    o
}
