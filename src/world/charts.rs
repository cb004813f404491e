//! The company world's charts, drawn with the project's shared chart code (`src/charts/`:
//! same style, embedded font, PNG and SVG): the company over time, "the later you join, the
//! worse your odds", and the Lorenz curve of commissions. Each shows the mean across replicate
//! companies with its 95% interval as a band.

use anyhow::Result;

use super::report::{across, ReplicateSummary, LORENZ_POINTS};
use crate::charts::{self, BandSeries, ChartText};
use crate::export::chart_files::{chart_file_wanted, chart_files};
use crate::export::charts::ChartSet;
use crate::scenario::Scenario;

/// Every company chart in the formats of `set`, as (file name, bytes).
pub fn render(
    s: &Scenario,
    reps: &[ReplicateSummary],
    set: &ChartSet,
) -> Result<Vec<(String, Vec<u8>)>> {
    let Some(c) = &s.company else {
        return Ok(Vec::new());
    };
    let market = c.market_size as f64;
    let foot = format!(
        "mlm-sim · {} · {} founders, market {}, {} replicate companies, seed {} · bands: 95% intervals across companies",
        s.file,
        c.founders,
        crate::fmt::thousands(market, 0),
        reps.len(),
        s.seed
    );
    let mut out = Vec::new();

    // 1. The company over time: shares of the market.
    let months = reps.first().map_or(0, |r| r.months.len());
    let series_of = |label: &str, f: &dyn Fn(&super::MonthCounts) -> f64| BandSeries {
        label: label.to_string(),
        points: (0..months)
            .map(|t| {
                let a = across(&reps.iter().map(|r| f(&r.months[t])).collect::<Vec<_>>());
                (t as f64, a.mean, a.low.max(0.0), a.high.min(1.0))
            })
            .collect(),
    };
    let over_time = [
        series_of("ever joined (penetration)", &|m| {
            m.participants as f64 / market
        }),
        series_of("active now", &|m| m.active as f64 / market),
        series_of("never approached (fresh)", &|m| m.fresh as f64 / market),
    ];
    let text = ChartText::new(format!("{}: the company over time", s.name), foot.clone())
        .with_subtitle("share of the market: ever joined, active, never approached");
    out.extend(chart_files(
        set,
        "company-over-time.svg",
        |t, z, f| charts::line_with_band(t, z, f, "month", "share of the market (%)", &over_time),
        &text,
    )?);

    // 2. By join cohort.
    let cohorts = reps.first().map_or(0, |r| r.cohorts.len());
    let cohort_series = |label: &str, k: fn(&super::report::GroupFigures) -> u64| BandSeries {
        label: label.to_string(),
        points: (0..cohorts)
            .filter_map(|g| {
                let xs: Vec<f64> = reps
                    .iter()
                    .map(|r| &r.cohorts[g])
                    .filter(|f| f.participants > 0)
                    .map(|f| k(f) as f64 / f.participants as f64)
                    .collect();
                (!xs.is_empty()).then(|| {
                    let a = across(&xs);
                    (g as f64, a.mean, a.low.max(0.0), a.high.min(1.0))
                })
            })
            .collect(),
    };
    let by_cohort = [
        cohort_series("lost money", |f| f.lost),
        cohort_series("failed (quit, or in without profit)", |f| f.failed),
        cohort_series("never paid by the company", |f| f.no_payments),
    ];
    let text = ChartText::new(
        format!("{}: the later you join, the worse your odds", s.name),
        foot.clone(),
    )
    .with_subtitle("by year joined (0 = founders); later cohorts also had less time");
    out.extend(chart_files(
        set,
        "company-cohorts.svg",
        |t, z, f| {
            charts::line_with_band(
                t,
                z,
                f,
                "year joined (0 = founders)",
                "share of the cohort (%)",
                &by_cohort,
            )
        },
        &text,
    )?);

    // 3. Lorenz curve of the disclosure year's commissions.
    let lorenz = [
        BandSeries {
            label: "commissions".into(),
            points: (0..LORENZ_POINTS)
                .map(|i| {
                    let a = across(
                        &reps
                            .iter()
                            .map(|r| r.statement.lorenz[i])
                            .collect::<Vec<_>>(),
                    );
                    let x = 100.0 * i as f64 / (LORENZ_POINTS - 1) as f64;
                    (x, a.mean, a.low.max(0.0), a.high.min(1.0))
                })
                .collect(),
        },
        BandSeries {
            label: "equal shares".into(),
            points: (0..LORENZ_POINTS)
                .map(|i| {
                    let x = i as f64 / (LORENZ_POINTS - 1) as f64;
                    (100.0 * x, x, x, x)
                })
                .collect(),
        },
    ];
    let text = ChartText::new(
        format!(
            "{}: who gets the commissions (year {})",
            s.name, c.disclosure_year
        ),
        foot.clone(),
    )
    .with_subtitle("share of all commissions paid to the bottom x% of that year's participants");
    out.extend(chart_files(
        set,
        "company-lorenz.svg",
        |t, z, f| {
            charts::line_with_band(
                t,
                z,
                f,
                "participants, lowest paid first (%)",
                "share of commissions (%)",
                &lorenz,
            )
        },
        &text,
    )?);

    // 4. How careers ended (when the summaries carry the counts).
    let reasons = super::report::end_reason_shares(reps);
    if !reasons.is_empty() {
        let data = charts::GroupedShares {
            categories: reasons
                .iter()
                .map(|(r, _, _)| r.label().to_string())
                .collect(),
            series: vec![charts::ShareSeries {
                label: s.name.clone(),
                shares: reasons
                    .iter()
                    .map(|(_, a, _)| a.mean.clamp(0.0, 1.0))
                    .collect(),
            }],
        };
        let text = ChartText::new(format!("{}: how careers ended", s.name), foot)
            .with_subtitle("everyone who ever joined, mean across companies");
        out.extend(chart_files(
            set,
            "company-quit-reasons.svg",
            |t, z, f| charts::quit_reasons(t, z, f, &data),
            &text,
        )?);
    }
    Ok(out
        .into_iter()
        .filter(|(name, _)| chart_file_wanted(set, name))
        .collect())
}
