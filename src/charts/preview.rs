//! Writes every chart with realistic fake data to /tmp/charts-preview, for
//! looking at them: `cargo test --lib preview -- --ignored`.

use std::path::Path;

use super::*;

fn write(name: &str, size: ChartSize, bytes: Result<Vec<u8>, ChartError>, format: ChartFormat) {
    let dir = Path::new("/tmp/charts-preview");
    std::fs::create_dir_all(dir).expect("create preview dir");
    let file = dir.join(format!(
        "{name}-{}x{}.{}",
        size.width,
        size.height,
        format.extension()
    ));
    std::fs::write(file, bytes.expect("chart renders")).expect("write preview");
}

#[test]
#[ignore = "writes files for visual inspection"]
fn preview_all_charts() {
    let text = |name: &str| {
        ChartText::new(
            format!("Nutrition Co. baseline: {name}"),
            "100,000 careers · 60 months · seed 20240611 · mlm-sim 0.1.0",
        )
        .with_subtitle("Simulated careers of people who joined as distributors")
    };
    for size in [ChartSize::default(), ChartSize::new(800, 450)] {
        for format in [ChartFormat::Png, ChartFormat::Svg] {
            let w = |name: &str, bytes| write(name, size, bytes, format);
            w(
                "failure-rate",
                failure_rate_distribution(
                    &text("failure rate"),
                    size,
                    format,
                    &failure_rate::tests::data(0.724),
                ),
            );
            w(
                "survival",
                survival(
                    &text("survival"),
                    size,
                    format,
                    &[survival::tests::curve("baseline", 0.06)],
                ),
            );
            w(
                "survival-compare",
                survival(
                    &text("survival"),
                    size,
                    format,
                    &[
                        survival::tests::curve("baseline", 0.06),
                        survival::tests::curve("aggressive recruiting", 0.1),
                        survival::tests::curve("low start-up cost", 0.035),
                    ],
                ),
            );
            let one = GroupedShares {
                categories: quit_reasons::tests::reasons(),
                series: vec![quit_reasons::tests::shares("baseline", 0.0)],
            };
            w(
                "quit-reasons",
                quit_reasons(&text("why careers ended"), size, format, &one),
            );
            let two = GroupedShares {
                categories: quit_reasons::tests::reasons(),
                series: vec![
                    quit_reasons::tests::shares("baseline", 0.0),
                    quit_reasons::tests::shares("generous plan", 0.06),
                    quit_reasons::tests::shares("strict plan", 0.02),
                ],
            };
            w(
                "quit-reasons-compare",
                quit_reasons(&text("why careers ended"), size, format, &two),
            );
            w(
                "net-income",
                net_income(
                    &text("net income"),
                    size,
                    format,
                    &[net_income::tests::series("baseline", 0.0)],
                ),
            );
            w(
                "net-income-compare",
                net_income(
                    &text("net income"),
                    size,
                    format,
                    &[
                        net_income::tests::series("baseline", 0.0),
                        net_income::tests::series("low cost", 600.0),
                    ],
                ),
            );
            w(
                "downline",
                downline_outcomes(
                    &text("recruits' outcomes"),
                    size,
                    format,
                    &downline::tests::data(1),
                ),
            );
            w(
                "downline-compare",
                downline_outcomes(
                    &text("recruits' outcomes"),
                    size,
                    format,
                    &downline::tests::data(3),
                ),
            );
            w(
                "line-with-band",
                line_with_band(
                    &text("failure vs recruiting"),
                    size,
                    format,
                    "recruits per month",
                    "failure rate",
                    &line_with_band::tests::band_series(),
                ),
            );
            let (c, x, s) = stacked_area::tests::stacked();
            w(
                "stacked-area",
                stacked_area(&text("career states"), size, format, "month", &c, &x, &s),
            );
            let (xs, ys, v) = heatmap::tests::grid();
            w(
                "heatmap",
                heatmap(
                    &text("failure rate grid"),
                    size,
                    format,
                    "recruits per month",
                    "start-up cost ($)",
                    &xs,
                    &ys,
                    &v,
                ),
            );
            w(
                "tornado",
                tornado(
                    &text("sensitivity of the failure rate"),
                    size,
                    format,
                    &tornado::tests::rows(),
                ),
            );
            let cats: Vec<String> = [
                "distributor",
                "supervisor",
                "world team",
                "global expansion",
                "millionaire team",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            let vals = [-1200.0, 350.0, 4200.0, 18_000.0, 95_000.0];
            let labels: Vec<String> = vals.iter().map(|v| common::fmt_money(*v)).collect();
            w(
                "category-bars",
                category_bars(
                    &text("income by rank"),
                    size,
                    format,
                    "average annual net income ($)",
                    &cats,
                    &vals,
                    &labels,
                ),
            );
            w(
                "no-data",
                failure_rate_distribution(
                    &text("failure rate"),
                    size,
                    format,
                    &FailureRateDistribution::default(),
                ),
            );
        }
    }
}
