//! The outcome figures a targets file, `validate` and `sensitivity --metric` can name, and how
//! each is measured on a followed-career [`Summary`], with its Monte Carlo standard error.
//!
//! Why a standard error with every value: the fit weighs each target's miss by the published
//! figure's uncertainty *and* the model's own sampling noise (added in quadrature), and the
//! validation report draws the model's interval from it. Where the summary holds no variance
//! for a figure (a median, a ratio of medians) the standard error is `None` and reports say
//! "n/a" rather than pretending the figure is exact.
//!
//! Company-world figures (concentration of commissions, penetration, growth, turnover, join
//! cohorts) are measured on a company scenario ([`super::company`]); on followed careers they
//! are refused with the reason ([`Metric::support`]), never measured as 0.

pub use super::company::CohortFigure;
use crate::outcome::EndReason;
use crate::scenario::Scenario;
use crate::stats::{wilson, Z95};
use crate::summary::Summary;

/// An outcome figure. Shares are of all followed careers unless said otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// `failure_rate`: quit before the horizon, or net <= 0 at it.
    FailureRate,
    /// `quit_share`: quit before the horizon.
    QuitShare,
    /// `profitable_share`: whole-career net > 0.
    ProfitableShare,
    /// `lost_money`: whole-career net below minus the break-even band.
    LostMoney,
    /// `broke_even`: whole-career net within the break-even band.
    BrokeEven,
    /// `profited`: whole-career net above the break-even band.
    Profited,
    /// `profited_under_5000`: share of the `profited` whose net is under $5,000.
    ProfitedUnder5000,
    /// `survival_month_N`: still active at the end of month N (1-based).
    SurvivalMonth(u32),
    /// `company_payments_zero`: no payments from the company at all, a year (the income
    /// disclosure table's first row: payments are annualised over the career).
    CompanyPaymentsZero,
    /// `company_payments_at_most_1000`: company payments of $1,000 a year or less.
    CompanyPaymentsAtMost1000,
    /// `quit_reason.REASON`: share of the quitters who quit for REASON (e.g.
    /// `quit_reason.rejection_burnout`). Among quitters, as surveys of former members ask.
    QuitReason(EndReason),
    /// `net_mean`: mean whole-career net income, dollars.
    NetMean,
    /// `net_median`: median whole-career net income, dollars.
    NetMedian,
    /// `company_payments_mean`: mean company payments a year, dollars.
    CompanyPaymentsMean,
    /// `company_payments_median`: median company payments a year, dollars.
    CompanyPaymentsMedian,
    /// `company_payments_median_over_mean`: median / mean of yearly company payments (a heavy
    /// right tail makes it small: Herbalife's $637 median against a $7,354 mean is 0.087).
    CompanyPaymentsMedianOverMean,
    /// `recruits_per_active_year`: direct recruits per member-year spent active.
    RecruitsPerActiveYear,
    // ---- Company world only (issue 13; measured in [`super::company`]) ----
    /// `top_1pct_commission_share`: share of the disclosure year's commissions paid to the
    /// best-paid 1% of that year's participants.
    Top1PctCommissionShare,
    /// `top_10pct_commission_share`: the same for the best-paid 10%.
    Top10PctCommissionShare,
    /// `penetration`: share of the market ever a member, at the horizon.
    Penetration,
    /// `company_growth`: members active at the end of the disclosure year over those a year
    /// earlier (1 = no growth).
    CompanyGrowth,
    /// `turnover_per_year`: quits in the disclosure year over its average active members.
    TurnoverPerYear,
    /// `cohort_Y.FIGURE`: a figure of the join cohort Y (0 = founders, y = first worked in
    /// year y).
    Cohort(u8, CohortFigure),
    // ---- Value-inclusive outcome bands (issue 13; followed careers here, the company world
    // in [`super::company`]) ----
    /// `lost_money_with_value`: whole-career net *including the value to the buyer of what they
    /// bought* (`economics.product_value` x purchases) below minus the break-even band. Why:
    /// survey respondents judge for themselves, and someone who bought products they use did
    /// not lose that money the way a distributor with unsold stock did.
    LostMoneyWithValue,
    /// `broke_even_with_value`: the same net within the break-even band.
    BrokeEvenWithValue,
    /// `profited_with_value`: the same net above the break-even band.
    ProfitedWithValue,
}

/// What kind of number a metric is, which decides the values a target may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A share in [0, 1].
    Share,
    /// Dollars, any sign.
    Dollars,
    /// A ratio or a rate, >= 0.
    Ratio,
}

/// The metric names a targets file may use, for error messages.
pub const METRIC_NAMES: &str = "failure_rate, quit_share, profitable_share, lost_money, broke_even, profited, profited_under_5000, survival_month_N (N = 1..months), company_payments_zero, company_payments_at_most_1000, quit_reason.REASON (REASON = financial_loss, rejection_burnout, awkward_with_friends_and_family, disillusioned, inactive, unsupported, life_event), net_mean, net_median, company_payments_mean, company_payments_median, company_payments_median_over_mean, recruits_per_active_year, lost_money_with_value, broke_even_with_value, profited_with_value; company world only: top_1pct_commission_share, top_10pct_commission_share, penetration, company_growth, turnover_per_year, cohort_Y.FIGURE (Y = 0 for founders, 1.. for the year joined; FIGURE = failure_rate, lost_money, no_payments, net_median)";

/// A measured value with its 95% interval and standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// Point value.
    pub value: f64,
    /// 95% interval, [low, high]; equal to `[value, value]` when `std_error` is `None`.
    pub ci: [f64; 2],
    /// Monte Carlo standard error, when the summary holds what it takes.
    pub std_error: Option<f64>,
}

impl Measured {
    /// The standard error, 0 when unknown (for weighting, where unknown means "no extra noise").
    pub fn se_or_zero(&self) -> f64 {
        self.std_error.unwrap_or(0.0)
    }
}

fn share_of(count: u64, n: u64) -> Measured {
    let e = wilson(count, n, Z95);
    Measured {
        value: e.share,
        ci: [e.ci_low, e.ci_high],
        std_error: Some(e.std_error),
    }
}

fn share_with_ci(value: f64, ci: [f64; 2], n: u64) -> Measured {
    let se = if n == 0 {
        0.0
    } else {
        (value * (1.0 - value) / n as f64).sqrt()
    };
    Measured {
        value,
        ci,
        std_error: Some(se),
    }
}

fn with_se(value: f64, se: f64) -> Measured {
    Measured {
        value,
        ci: [value - Z95 * se, value + Z95 * se],
        std_error: Some(se),
    }
}

fn point(value: f64) -> Measured {
    Measured {
        value,
        ci: [value, value],
        std_error: None,
    }
}

/// Quit reasons a `quit_reason.REASON` metric may name.
fn quit_reason(name: &str) -> Option<EndReason> {
    EndReason::ALL
        .into_iter()
        .find(|r| r.is_quit() && r.as_str() == name)
}

impl Metric {
    /// Parse a metric name as written in a targets file or after `--metric`.
    pub fn parse(name: &str) -> Option<Metric> {
        Some(match name {
            "failure_rate" => Metric::FailureRate,
            "quit_share" => Metric::QuitShare,
            "profitable_share" => Metric::ProfitableShare,
            "lost_money" => Metric::LostMoney,
            "broke_even" => Metric::BrokeEven,
            "profited" => Metric::Profited,
            "profited_under_5000" => Metric::ProfitedUnder5000,
            "company_payments_zero" => Metric::CompanyPaymentsZero,
            "company_payments_at_most_1000" => Metric::CompanyPaymentsAtMost1000,
            "net_mean" => Metric::NetMean,
            "net_median" => Metric::NetMedian,
            "company_payments_mean" => Metric::CompanyPaymentsMean,
            "company_payments_median" => Metric::CompanyPaymentsMedian,
            "company_payments_median_over_mean" => Metric::CompanyPaymentsMedianOverMean,
            "recruits_per_active_year" => Metric::RecruitsPerActiveYear,
            "top_1pct_commission_share" | "top_1_percent_commission_share" => {
                Metric::Top1PctCommissionShare
            }
            "top_10pct_commission_share" => Metric::Top10PctCommissionShare,
            "penetration" => Metric::Penetration,
            "company_growth" => Metric::CompanyGrowth,
            "turnover_per_year" | "company_turnover" => Metric::TurnoverPerYear,
            // Value-inclusive bands (issue 13).
            "lost_money_with_value" => Metric::LostMoneyWithValue,
            "broke_even_with_value" => Metric::BrokeEvenWithValue,
            "profited_with_value" => Metric::ProfitedWithValue,
            other => {
                if let Some(rest) = other.strip_prefix("cohort_") {
                    let (year, figure) = rest.split_once('.')?;
                    let year: u8 = year.parse().ok()?;
                    let figure = CohortFigure::ALL
                        .into_iter()
                        .find(|f| f.as_str() == figure)?;
                    return Some(Metric::Cohort(year, figure));
                }
                if let Some(r) = other.strip_prefix("quit_reason.") {
                    return quit_reason(r).map(Metric::QuitReason);
                }
                let m: u32 = other.strip_prefix("survival_month_")?.parse().ok()?;
                (m >= 1).then_some(Metric::SurvivalMonth(m))?
            }
        })
    }

    /// Parse a name, or explain why it is refused (unknown, with the names allowed).
    pub fn parse_or_explain(name: &str) -> Result<Metric, String> {
        if let Some(m) = Metric::parse(name) {
            return Ok(m);
        }
        Err(format!("unknown metric `{name}`; allowed: {METRIC_NAMES}"))
    }

    /// The name as written in a targets file.
    pub fn name(self) -> String {
        match self {
            Metric::FailureRate => "failure_rate".into(),
            Metric::QuitShare => "quit_share".into(),
            Metric::ProfitableShare => "profitable_share".into(),
            Metric::LostMoney => "lost_money".into(),
            Metric::BrokeEven => "broke_even".into(),
            Metric::Profited => "profited".into(),
            Metric::ProfitedUnder5000 => "profited_under_5000".into(),
            Metric::SurvivalMonth(m) => format!("survival_month_{m}"),
            Metric::CompanyPaymentsZero => "company_payments_zero".into(),
            Metric::CompanyPaymentsAtMost1000 => "company_payments_at_most_1000".into(),
            Metric::QuitReason(r) => format!("quit_reason.{}", r.as_str()),
            Metric::NetMean => "net_mean".into(),
            Metric::NetMedian => "net_median".into(),
            Metric::CompanyPaymentsMean => "company_payments_mean".into(),
            Metric::CompanyPaymentsMedian => "company_payments_median".into(),
            Metric::CompanyPaymentsMedianOverMean => "company_payments_median_over_mean".into(),
            Metric::RecruitsPerActiveYear => "recruits_per_active_year".into(),
            Metric::Top1PctCommissionShare => "top_1pct_commission_share".into(),
            Metric::Top10PctCommissionShare => "top_10pct_commission_share".into(),
            Metric::Penetration => "penetration".into(),
            Metric::CompanyGrowth => "company_growth".into(),
            Metric::TurnoverPerYear => "turnover_per_year".into(),
            Metric::Cohort(y, f) => format!("cohort_{y}.{}", f.as_str()),
            // Value-inclusive bands (issue 13).
            Metric::LostMoneyWithValue => "lost_money_with_value".into(),
            Metric::BrokeEvenWithValue => "broke_even_with_value".into(),
            Metric::ProfitedWithValue => "profited_with_value".into(),
        }
    }

    /// What kind of number it is.
    pub fn kind(self) -> Kind {
        match self {
            Metric::NetMean
            | Metric::NetMedian
            | Metric::CompanyPaymentsMean
            | Metric::CompanyPaymentsMedian
            | Metric::Cohort(_, CohortFigure::NetMedian) => Kind::Dollars,
            Metric::CompanyPaymentsMedianOverMean
            | Metric::RecruitsPerActiveYear
            | Metric::CompanyGrowth
            | Metric::TurnoverPerYear => Kind::Ratio,
            _ => Kind::Share,
        }
    }

    /// The value written for a person: shares as percentages, dollars with a `$`.
    pub fn show(self, v: f64) -> String {
        match self.kind() {
            Kind::Share => crate::fmt::percent(v),
            Kind::Dollars => crate::fmt::money(v),
            Kind::Ratio => format!("{v:.3}"),
        }
    }

    /// A difference of two values: share differences in percentage points.
    pub fn show_diff(self, d: f64) -> String {
        match self.kind() {
            Kind::Share => format!("{:.1} points", 100.0 * d),
            _ => self.show(d),
        }
    }

    /// Whether the metric only exists in the company world.
    pub fn company_only(self) -> bool {
        matches!(
            self,
            Metric::Top1PctCommissionShare
                | Metric::Top10PctCommissionShare
                | Metric::Penetration
                | Metric::CompanyGrowth
                | Metric::TurnoverPerYear
                | Metric::Cohort(..)
        )
    }

    /// Whether the metric can be measured on scenario `s`, or why not (in words naming the
    /// alternative), for targets files and `--metric`.
    pub fn support(self, s: &Scenario) -> Result<(), String> {
        if s.company.is_some() {
            return super::company::company_support(self, s);
        }
        if self.company_only() {
            return Err(format!(
                "`{}` needs every member of a company; followed careers see only their own \
                 downline. Measure it on a company scenario (kind = \"company\", see docs/company.md)",
                self.name()
            ));
        }
        Ok(())
    }

    /// The metric's value in `s`, with its 95% interval and standard error. A company-only
    /// metric has no value in a followed-career summary (NaN; [`Metric::support`] refuses it
    /// before any simulation).
    pub fn measure(self, s: &Summary) -> Measured {
        let o = &s.outcome_bands;
        let g = &s.income_disclosure.company_payments;
        let n = s.careers;
        match self {
            Metric::FailureRate => Measured {
                value: s.failure_rate,
                ci: s.failure_rate_ci,
                std_error: Some(s.failure_rate_se),
            },
            Metric::QuitShare => share_of((s.quit_share * n as f64).round() as u64, n),
            Metric::ProfitableShare => share_with_ci(s.profitable_share, s.profitable_share_ci, n),
            Metric::LostMoney => share_with_ci(o.lost_money, o.lost_money_ci, n),
            Metric::BrokeEven => share_with_ci(o.broke_even, o.broke_even_ci, n),
            Metric::Profited => share_with_ci(o.profited, o.profited_ci, n),
            // Value-inclusive bands (issue 13): the cash bands when nothing is valued.
            Metric::LostMoneyWithValue => match &s.with_product_value {
                Some(v) => share_of((v.lost_money * n as f64).round() as u64, n),
                None => share_with_ci(o.lost_money, o.lost_money_ci, n),
            },
            Metric::BrokeEvenWithValue => match &s.with_product_value {
                Some(v) => share_of((v.broke_even * n as f64).round() as u64, n),
                None => share_with_ci(o.broke_even, o.broke_even_ci, n),
            },
            Metric::ProfitedWithValue => match &s.with_product_value {
                Some(v) => share_of((v.profited * n as f64).round() as u64, n),
                None => share_with_ci(o.profited, o.profited_ci, n),
            },
            Metric::ProfitedUnder5000 => {
                let profited = (o.profited * n as f64).round() as u64;
                share_with_ci(o.profited_small_share, o.profited_small_share_ci, profited)
            }
            Metric::SurvivalMonth(m) => {
                let i = (m as usize - 1).min(s.survival.len().saturating_sub(1));
                match s.survival.get(i) {
                    Some(v) => share_with_ci(*v, [s.survival_ci_low[i], s.survival_ci_high[i]], n),
                    None => point(0.0),
                }
            }
            Metric::CompanyPaymentsZero => g
                .rows
                .first()
                .map_or(point(0.0), |r| share_with_ci(r.share, r.share_ci, n)),
            Metric::CompanyPaymentsAtMost1000 => {
                // Rows 0..5: $0, $0.01-50, $50-250, $250-500, $500-1,000.
                share_of(g.rows.iter().take(5).map(|r| r.careers).sum(), n)
            }
            Metric::QuitReason(r) => {
                let count = |reason: EndReason| {
                    s.quit_reason_counts
                        .iter()
                        .find(|c| c.reason == reason.as_str())
                        .map_or(0, |c| c.count)
                };
                let quitters: u64 = EndReason::ALL
                    .into_iter()
                    .filter(|r| r.is_quit())
                    .map(count)
                    .sum();
                share_of(count(r), quitters)
            }
            Metric::NetMean => with_se(s.net_income.mean, s.net_income.std_error),
            Metric::NetMedian => median_from_histogram(s),
            Metric::CompanyPaymentsMean => point(g.mean),
            Metric::CompanyPaymentsMedian => point(g.median),
            Metric::CompanyPaymentsMedianOverMean => {
                point(if g.mean > 0.0 { g.median / g.mean } else { 0.0 })
            }
            Metric::RecruitsPerActiveYear => {
                let years = s.months_active_mean / 12.0;
                if years <= 0.0 || n == 0 {
                    return point(0.0);
                }
                // Exposure (years active) is treated as known: the ratio's SE is the
                // recruits' SE over it, a slight underestimate when exposure varies a lot.
                let se = (s.recruits_variance / n as f64).sqrt() / years;
                with_se(s.recruits_mean / years, se)
            }
            Metric::Top1PctCommissionShare
            | Metric::Top10PctCommissionShare
            | Metric::Penetration
            | Metric::CompanyGrowth
            | Metric::TurnoverPerYear
            | Metric::Cohort(..) => point(f64::NAN),
        }
    }
}

/// The median net with the standard error of a sample median, `1 / (2 f(m) sqrt(n))`, the
/// density `f` at the median read off the net-income histogram bin that holds it.
fn median_from_histogram(s: &Summary) -> Measured {
    let m = s.net_income.p50;
    let n = s.careers;
    let bin = s
        .net_income_histogram
        .iter()
        .find(|b| b.bin_low <= m && m <= b.bin_high && b.bin_high > b.bin_low);
    match bin {
        Some(b) if b.count > 0 && n > 0 => {
            let density = b.count as f64 / n as f64 / (b.bin_high - b.bin_low);
            with_se(m, 1.0 / (2.0 * density * (n as f64).sqrt()))
        }
        _ => point(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_metric_parses_back_to_its_name() {
        let names = [
            "failure_rate",
            "survival_month_12",
            "quit_reason.rejection_burnout",
            "company_payments_median_over_mean",
            "recruits_per_active_year",
            "net_median",
            "lost_money_with_value",
            "broke_even_with_value",
            "profited_with_value",
        ];
        for n in names {
            assert_eq!(Metric::parse(n).map(|m| m.name()).as_deref(), Some(n));
        }
        // Not a quit reason: still in the business.
        assert_eq!(Metric::parse("quit_reason.active_losing"), None);
        assert_eq!(Metric::parse("survival_month_0"), None);
    }

    // ---- Value-inclusive outcome bands (issue 13) ----

    fn summary_and_records(
        text: &str,
        careers: u64,
    ) -> (Summary, Vec<crate::outcome::CareerOutcome>) {
        use std::sync::atomic::AtomicBool;
        let s = crate::scenario::parse(text, "t.toml", &[]).unwrap();
        let model = crate::model::Model::new(&s);
        let cancel = AtomicBool::new(false);
        let hooks = crate::engine::Hooks {
            progress: &|_| {},
            cancel: &cancel,
        };
        let mut records = Vec::new();
        let tally = crate::engine::run_with_records(&s, &model, 0..careers, &hooks, &mut |r| {
            records.extend_from_slice(r);
            Ok(())
        })
        .unwrap()
        .unwrap();
        (Summary::new(&s, &tally), records)
    }

    /// `*_with_value` measure the share of careers whose cash net plus the value of what they
    /// bought falls in each band: a recount of every career gives the same counts, and without
    /// product value they are the cash bands exactly.
    #[test]
    fn value_inclusive_bands_match_a_recount_and_equal_the_cash_bands_without_value() {
        // The shipped typical.toml has kinds, and its buyers value what they buy.
        const TYPICAL: &str = include_str!("../../scenarios/typical.toml");
        let (s, records) = summary_and_records(TYPICAL, 1200);
        let band = crate::stats::to_cents(s.outcome_bands.break_even_band);
        let mut counts = [0u64; 3];
        for c in &records {
            let v = crate::stats::to_cents(c.person.money.net())
                + crate::stats::to_cents(c.purchases_value);
            counts[usize::from(v >= -band) + usize::from(v > band)] += 1;
        }
        let n = records.len() as f64;
        for (metric, count) in [
            (Metric::LostMoneyWithValue, counts[0]),
            (Metric::BrokeEvenWithValue, counts[1]),
            (Metric::ProfitedWithValue, counts[2]),
        ] {
            assert_eq!(
                metric.measure(&s).value,
                count as f64 / n,
                "{}",
                metric.name()
            );
        }
        // Buyers value what they bought, so the value-inclusive net moves careers out of
        // "lost money".
        assert!((counts[0] as f64) < s.outcome_bands.lost_money * n);
        let mut plain: toml_edit::DocumentMut = TYPICAL.parse().unwrap();
        plain.remove("kinds");
        let (cash, _) = summary_and_records(&plain.to_string(), 1200);
        assert!(cash.with_product_value.is_none());
        for (valued, plain) in [
            (Metric::LostMoneyWithValue, Metric::LostMoney),
            (Metric::BrokeEvenWithValue, Metric::BrokeEven),
            (Metric::ProfitedWithValue, Metric::Profited),
        ] {
            assert_eq!(valued.measure(&cash), plain.measure(&cash));
        }
    }

    #[test]
    fn company_figures_parse_and_are_refused_on_followed_careers_with_the_reason() {
        for n in [
            "top_1pct_commission_share",
            "penetration",
            "company_growth",
            "turnover_per_year",
            "cohort_0.failure_rate",
            "cohort_3.net_median",
        ] {
            assert_eq!(Metric::parse(n).map(|m| m.name()).as_deref(), Some(n));
        }
        assert_eq!(Metric::parse("cohort_1.happiness"), None);
        let careers = crate::scenario::parse("name='x'\n", "x.toml", &[]).unwrap();
        let e = Metric::Top1PctCommissionShare
            .support(&careers)
            .unwrap_err();
        assert!(e.contains("company scenario"), "{e}");
        let company = crate::scenario::parse(
            "name='c'\nkind='company'\n[company]\nyears=2\n[market]\nsize=1000\n",
            "c.toml",
            &[],
        )
        .unwrap();
        assert!(Metric::Top1PctCommissionShare.support(&company).is_ok());
        let e = Metric::SurvivalMonth(12).support(&company).unwrap_err();
        assert!(e.contains("turnover_per_year"), "{e}");
        let e = Metric::parse("cohort_3.lost_money")
            .unwrap()
            .support(&company)
            .unwrap_err();
        assert!(e.contains("past the horizon of 2 years"), "{e}");
        let e = Metric::parse_or_explain("happiness").unwrap_err();
        assert!(e.contains("unknown metric `happiness`; allowed:"), "{e}");
    }
}
