//! The outcome figures of the company world (issue 13): what a targets file, `validate`,
//! `calibrate`, `sweep` and `sensitivity --metric` measure on a `kind = "company"` scenario.
//!
//! Why per replicate, then across replicates: a company scenario simulates `replicates = R`
//! independent companies, and the variation between companies (who the founders happened to
//! recruit) is the honest uncertainty of a company-level figure. Every metric is first
//! computed on each company ([`CompanyMeasures`]), then averaged; its standard error is the
//! standard deviation across companies over `sqrt(R)`, and the 95% interval uses Student's t
//! with `R - 1` degrees of freedom ([`crate::world::report::across`]). With one company there is
//! no standard error and reports say so.
//!
//! Two studies of the same scenario with the same seed simulate the same companies (replicate
//! `r`'s streams derive from the seed and `r` alone): common random numbers, so a change
//! between variants is estimated from per-company differences ([`paired_change`]).
//!
//! Definitions, all per company (docs/calibration.md, "Company-world metrics"):
//! * whole-career figures (`failure_rate`, `lost_money`, `net_median`, ...) are over every
//!   participant ever, founders to last-month joiners, as in the followed-career summary;
//! * income-disclosure figures (`company_payments_*`, `top_1pct_commission_share`, ...) are over
//!   everyone who worked in the disclosure year (`company.disclosure_year`), quitters included,
//!   from that year's payments, as companies compute their statements;
//! * company-level figures: `penetration` (share of the market ever a member, at the horizon),
//!   `company_growth` (members active in the last month of the disclosure year over those a
//!   year before; founders for year 1), `turnover_per_year` (quits in the disclosure year over
//!   the year's average active members), `recruits_per_active_year` (recruits over member-years
//!   active, whole careers);
//! * `cohort_Y.FIGURE` (Y = 0 for founders, 1.. for the year first worked): the join cohort's
//!   `failure_rate`, `lost_money` (net below zero, as in the cohort table of `run`),
//!   `no_payments` (no commission over the career) or `net_median`.

use super::metric::{Measured, Metric};
use crate::outcome::EndReason;
use crate::scenario::Scenario;
use crate::stats::disclosure::SMALL_PROFIT;
use crate::world::report::{across, t95, ReplicateSummary};
use crate::world::Company;

/// A figure of one join cohort (`cohort_Y.FIGURE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortFigure {
    /// Quit, or still in but not profitable.
    FailureRate,
    /// Whole-career net below zero.
    LostMoney,
    /// No commission at all over the career.
    NoPayments,
    /// Median whole-career net.
    NetMedian,
}

impl CohortFigure {
    /// Every cohort figure, for parsing and messages.
    pub const ALL: [CohortFigure; 4] = [
        CohortFigure::FailureRate,
        CohortFigure::LostMoney,
        CohortFigure::NoPayments,
        CohortFigure::NetMedian,
    ];

    /// As written after `cohort_Y.`.
    pub fn as_str(self) -> &'static str {
        match self {
            CohortFigure::FailureRate => "failure_rate",
            CohortFigure::LostMoney => "lost_money",
            CohortFigure::NoPayments => "no_payments",
            CohortFigure::NetMedian => "net_median",
        }
    }
}

/// Everything a metric needs from one simulated company: its [`ReplicateSummary`] (the
/// cohort table and the disclosure statement `run` reports) plus whole-career counts with the
/// scenario's break-even band, quit reasons and the company-level figures.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanyMeasures {
    /// What `run` reports about this company.
    pub summary: ReplicateSummary,
    /// Participants ever.
    pub participants: u64,
    /// Quit, or still in but not profitable.
    pub failed: u64,
    /// Quit before the horizon.
    pub quit: u64,
    /// Whole-career net above zero.
    pub profitable: u64,
    /// Net below minus the break-even band.
    pub lost_money: u64,
    /// Net within the band.
    pub broke_even: u64,
    /// Net above the band.
    pub profited: u64,
    /// Of `profited`, net below $5,000.
    pub profited_small: u64,
    /// Mean whole-career net.
    pub net_mean: f64,
    /// Median whole-career net.
    pub net_median: f64,
    /// Quitters by reason, [`EndReason::ALL`] order.
    pub reasons: [u64; EndReason::COUNT],
    /// Recruits signed up by everyone, whole careers.
    pub recruits: u64,
    /// Months worked by everyone.
    pub months_active: u64,
    /// Participants ever over the market's size, at the horizon.
    pub penetration: f64,
    /// Active at the end of the disclosure year over active a year earlier (founders for year 1).
    pub growth: Option<f64>,
    /// Quits in the disclosure year over the year's average active members.
    pub turnover: Option<f64>,
}

impl CompanyMeasures {
    /// Measure one simulated company of scenario `s`.
    pub fn new(replicate: u64, company: &Company, s: &Scenario) -> CompanyMeasures {
        let settings = s.company.as_ref().expect("a company scenario");
        let summary = ReplicateSummary::new(replicate, company, settings);
        let band = s.break_even_band;
        let mut m = CompanyMeasures {
            summary,
            participants: company.members.len() as u64,
            failed: 0,
            quit: 0,
            profitable: 0,
            lost_money: 0,
            broke_even: 0,
            profited: 0,
            profited_small: 0,
            net_mean: 0.0,
            net_median: 0.0,
            reasons: [0; EndReason::COUNT],
            recruits: 0,
            months_active: 0,
            penetration: company.members.len() as f64 / settings.market_size as f64,
            growth: None,
            turnover: None,
        };
        let mut nets = Vec::with_capacity(company.members.len());
        for p in &company.members {
            let net = p.state.money.net();
            let end = p.end();
            m.failed += u64::from(end.is_quit() || net <= 0.0);
            if end.is_quit() {
                m.quit += 1;
                if let Some(i) = EndReason::ALL.iter().position(|r| *r == end) {
                    m.reasons[i] += 1;
                }
            }
            m.profitable += u64::from(net > 0.0);
            if net < -band {
                m.lost_money += 1;
            } else if net <= band {
                m.broke_even += 1;
            } else {
                m.profited += 1;
                m.profited_small += u64::from(net < SMALL_PROFIT);
            }
            m.recruits += p.state.recruits;
            m.months_active += u64::from(p.state.months_active);
            nets.push(net);
        }
        if !nets.is_empty() {
            m.net_mean = nets.iter().sum::<f64>() / nets.len() as f64;
            nets.sort_unstable_by(f64::total_cmp);
            let n = nets.len();
            m.net_median = if n % 2 == 1 {
                nets[n / 2]
            } else {
                (nets[n / 2 - 1] + nets[n / 2]) / 2.0
            };
        }
        let year = settings.disclosure_year as usize;
        let months = &company.months;
        let active_at = |month: usize| months.get(month).map(|c| c.active as f64);
        let end_now = 12 * year - 1;
        let before = if year == 1 {
            Some(settings.founders as f64)
        } else {
            active_at(12 * (year - 1) - 1)
        };
        m.growth = match (active_at(end_now), before) {
            (Some(now), Some(b)) if b > 0.0 => Some(now / b),
            _ => None,
        };
        let in_year = months.get(12 * (year - 1)..(12 * year).min(months.len()));
        m.turnover = in_year.and_then(|ms| {
            let quits: u64 = ms.iter().map(|c| c.quits).sum();
            let mean_active = ms.iter().map(|c| c.active as f64).sum::<f64>() / ms.len() as f64;
            (mean_active > 0.0).then(|| quits as f64 / mean_active)
        });
        m
    }

    fn share(count: u64, of: u64) -> Option<f64> {
        (of > 0).then(|| count as f64 / of as f64)
    }

    /// The value of `metric` for this company, `None` when the company has nobody it applies to
    /// (a cohort that never formed, no quitters). Followed-career-only metrics give `None`;
    /// [`company_support`] refuses them up front.
    pub fn value(&self, metric: Metric) -> Option<f64> {
        let n = self.participants;
        let st = &self.summary.statement;
        let share = Self::share;
        match metric {
            Metric::FailureRate => share(self.failed, n),
            Metric::QuitShare => share(self.quit, n),
            Metric::ProfitableShare => share(self.profitable, n),
            Metric::LostMoney => share(self.lost_money, n),
            Metric::BrokeEven => share(self.broke_even, n),
            Metric::Profited => share(self.profited, n),
            Metric::ProfitedUnder5000 => share(self.profited_small, self.profited),
            Metric::NetMean => (n > 0).then_some(self.net_mean),
            Metric::NetMedian => (n > 0).then_some(self.net_median),
            Metric::QuitReason(r) => {
                let i = EndReason::ALL.iter().position(|x| *x == r)?;
                share(self.reasons[i], self.quit)
            }
            Metric::RecruitsPerActiveYear => (self.months_active > 0)
                .then(|| self.recruits as f64 / (self.months_active as f64 / 12.0)),
            Metric::CompanyPaymentsZero => (st.participants > 0).then_some(st.zero_share),
            Metric::CompanyPaymentsAtMost1000 => {
                // Bands 0..5: $0, $0.01-50, $50-250, $250-500, $500-1,000.
                share(st.gross_bands.iter().take(5).sum(), st.participants)
            }
            Metric::CompanyPaymentsMean => (st.participants > 0).then_some(st.gross_mean),
            Metric::CompanyPaymentsMedian => (st.participants > 0).then_some(st.gross_median),
            Metric::CompanyPaymentsMedianOverMean => {
                (st.gross_mean > 0.0).then(|| st.gross_median / st.gross_mean)
            }
            Metric::Top1PctCommissionShare => (st.participants > 0).then_some(st.top_shares[1]),
            Metric::Top10PctCommissionShare => (st.participants > 0).then_some(st.top_shares[2]),
            Metric::Penetration => Some(self.penetration),
            Metric::CompanyGrowth => self.growth,
            Metric::TurnoverPerYear => self.turnover,
            Metric::Cohort(y, f) => {
                let c = self.summary.cohorts.get(y as usize)?;
                match f {
                    CohortFigure::FailureRate => share(c.failed, c.participants),
                    CohortFigure::LostMoney => share(c.lost, c.participants),
                    CohortFigure::NoPayments => share(c.no_payments, c.participants),
                    CohortFigure::NetMedian => (c.participants > 0).then_some(c.median_net),
                }
            }
            Metric::SurvivalMonth(_) => None,
            // Value-inclusive bands: followed careers only in this branch (issue 13, cal-typical;
            // the company world's version comes with cal-company).
            Metric::LostMoneyWithValue | Metric::BrokeEvenWithValue | Metric::ProfitedWithValue => {
                None
            }
        }
    }
}

/// Whether `metric` can be measured on a company scenario `s`, or why not.
pub fn company_support(metric: Metric, s: &Scenario) -> Result<(), String> {
    let Some(c) = &s.company else {
        return Ok(());
    };
    match metric {
        Metric::SurvivalMonth(_) => Err(format!(
            "`{}` is a followed-career figure (survival of a cohort followed from month 1); in a \
             company world use `turnover_per_year` or `cohort_Y.failure_rate`",
            metric.name()
        )),
        // Issue 13, cal-typical: refused until the company world tallies them (cal-company).
        Metric::LostMoneyWithValue | Metric::BrokeEvenWithValue | Metric::ProfitedWithValue => {
            Err(format!(
                "`{}` is measured on followed careers only for now",
                metric.name()
            ))
        }
        Metric::Cohort(y, _) if u32::from(y) > c.years => Err(format!(
            "`{}` names join year {y}, past the horizon of {} years (cohorts 0 = founders to {})",
            metric.name(),
            c.years,
            c.years
        )),
        _ => Ok(()),
    }
}

/// A company scenario's figures: every replicate company, measured.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanyFigures {
    /// Seed of the scenario.
    pub seed: u64,
    /// One entry per replicate company, in replicate order.
    pub companies: Vec<CompanyMeasures>,
}

impl CompanyFigures {
    /// Values of `metric` per company (companies where it does not apply left out).
    pub fn values(&self, metric: Metric) -> Vec<f64> {
        self.companies
            .iter()
            .filter_map(|c| c.value(metric))
            .collect()
    }

    /// `metric` averaged over companies, with the standard error across companies and a 95%
    /// Student-t interval (no standard error with a single company).
    pub fn measure(&self, metric: Metric) -> Measured {
        let v = self.values(metric);
        let a = across(&v);
        if v.len() < 2 {
            return Measured {
                value: if v.is_empty() { f64::NAN } else { a.mean },
                ci: [a.mean, a.mean],
                std_error: None,
            };
        }
        let r = v.len() as f64;
        let sd = (v.iter().map(|x| (x - a.mean).powi(2)).sum::<f64>() / (r - 1.0)).sqrt();
        Measured {
            value: a.mean,
            ci: [a.low, a.high],
            std_error: Some(sd / r.sqrt()),
        }
    }

    /// Total person-months simulated.
    pub fn person_months(&self) -> u64 {
        self.companies.iter().map(|c| c.summary.person_months).sum()
    }
}

/// The change of `metric` from `base` to `variant`, with its 95% interval, from per-company
/// differences (common random numbers: company `r` of both meets the same luck). Companies
/// where the metric does not apply in either are left out; `None` when fewer than one pair.
pub fn paired_change(
    metric: Metric,
    base: &CompanyFigures,
    variant: &CompanyFigures,
) -> Option<(f64, f64, f64)> {
    let d: Vec<f64> = base
        .companies
        .iter()
        .zip(&variant.companies)
        .filter_map(|(a, b)| Some(b.value(metric)? - a.value(metric)?))
        .collect();
    if d.is_empty() {
        return None;
    }
    let r = d.len();
    let mean = d.iter().sum::<f64>() / r as f64;
    if r == 1 {
        return Some((mean, mean, mean));
    }
    let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r - 1) as f64).sqrt();
    let half = t95(r - 1) * sd / (r as f64).sqrt();
    Some((mean, mean - half, mean + half))
}

/// Simulate every replicate company of scenario `s` on the current rayon pool and measure
/// them; stops between companies when `cancel` is set ([`crate::engine::Interrupted`]).
pub fn simulate(
    s: &Scenario,
    cancel: &std::sync::atomic::AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<CompanyFigures> {
    let Some(world) = crate::world::World::new(s) else {
        anyhow::bail!("{}: not a company scenario", s.file);
    };
    let replicates = world.settings().replicates;
    let mut companies = Vec::with_capacity(replicates as usize);
    for r in 0..replicates {
        if cancel.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(crate::engine::Interrupted.into());
        }
        let company = world.simulate(r);
        companies.push(CompanyMeasures::new(r, &company, s));
        progress(1);
    }
    Ok(CompanyFigures {
        seed: s.seed,
        companies,
    })
}
