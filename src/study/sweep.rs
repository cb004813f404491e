//! `mlm-sim sweep SCENARIO.toml --param key.path (--values a,b,c | --range lo:hi:steps)`:
//! one scenario at every value of one lever (or every point of a grid of two), all on the
//! same careers.
//!
//! Each point is the scenario with an extra override `key.path=value`, validated exactly like
//! `--set`. The points are simulated side by side ([`crate::engine::run_paired`]), so the
//! curve of failure rate against the lever is smooth: neighbouring points differ only by what
//! the lever changes, not by a fresh draw of luck.

use anyhow::{bail, Result};

use super::precision::Stopped;
use super::{chart_files, check_pairable, footnote, short_num, MAX_VARIANTS};
use super::{Study, StudyReport};
use crate::charts::{self, BandSeries, ChartText};
use crate::engine::PairedTally;
use crate::export::charts::ChartSet;
use crate::fmt::{money, percent as pct};
use crate::outcome::EndReason;
use crate::scenario::{self, Override, ParamId, Scenario};
use crate::stats::paired::Binary;
use crate::stats::{wilson, Z95};
use crate::summary::Summary;

/// One swept key and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Dotted key path.
    pub key: String,
    /// Values in the order given.
    pub values: Vec<f64>,
}

/// Keys that cannot be swept, and why.
const NOT_SWEEPABLE: &[(&str, &str)] = &[
    ("name", "it is text"),
    ("description", "it is text"),
    (
        "economics.commission_rates",
        "it is a list; sweep it with one scenario file per plan and `mlm-sim compare`",
    ),
    (
        "seed",
        "every point must use the same seed (common random numbers)",
    ),
    (
        "careers",
        "use --careers (or --precision) to choose how many careers every point gets",
    ),
    ("cohort_size", "every point must form the same cohorts"),
];

/// Check a `--param` key: known, and sweepable.
pub fn check_key(key: &str) -> Result<()> {
    let known = scenario::known_keys();
    if !known.contains(&key) {
        let hint = scenario::did_you_mean(key, &known)
            .map(|k| format!("; did you mean `{k}`?"))
            .unwrap_or_else(|| "; `mlm-sim check SCENARIO.toml` lists every key".to_string());
        bail!("--param `{key}` is not a scenario key{hint}");
    }
    if let Some((_, why)) = NOT_SWEEPABLE.iter().find(|(k, _)| *k == key) {
        bail!("--param `{key}` cannot be swept: {why}");
    }
    Ok(())
}

fn number(text: &str, flag: &str, key: &str) -> Result<f64> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => bail!("{flag} for `{key}`: `{}` is not a number", text.trim()),
    }
}

/// Parse `a,b,c` (`--values`).
pub fn parse_values(text: &str, key: &str) -> Result<Vec<f64>> {
    let values = text
        .split(',')
        .map(|v| number(v, "--values", key))
        .collect::<Result<Vec<_>>>()?;
    if values.len() < 2 {
        bail!("--values for `{key}`: give at least two values, comma-separated (e.g. 0,0.5,1)");
    }
    Ok(values)
}

/// Parse `lo:hi:steps` (`--range`) into `steps` evenly spaced values from lo to hi.
pub fn parse_range(text: &str, key: &str) -> Result<Vec<f64>> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 3 {
        bail!("--range for `{key}`: `{text}` is not of the form lo:hi:steps (e.g. 0:1:5)");
    }
    let lo = number(parts[0], "--range", key)?;
    let hi = number(parts[1], "--range", key)?;
    let steps: usize = parts[2].trim().parse().map_err(|_| {
        anyhow::anyhow!(
            "--range for `{key}`: steps `{}` is not a whole number (lo:hi:steps, steps >= 2)",
            parts[2].trim()
        )
    })?;
    if lo >= hi {
        bail!("--range for `{key}`: lo ({lo}) must be below hi ({hi})");
    }
    if steps < 2 {
        bail!("--range for `{key}`: steps must be at least 2 (got {steps}): the ends are included");
    }
    if steps > MAX_VARIANTS {
        bail!("--range for `{key}`: at most {MAX_VARIANTS} steps (got {steps})");
    }
    Ok((0..steps)
        .map(|i| {
            if i + 1 == steps {
                hi
            } else {
                lo + (hi - lo) * i as f64 / (steps - 1) as f64
            }
        })
        .collect())
}

/// Check `values` against the valid range of `key` from the parameter registry (settings
/// such as `months` are checked when the scenario is built, like `--set`).
pub fn check_values(key: &str, values: &[f64]) -> Result<()> {
    if let Some(id) = ParamId::from_path(key) {
        let spec = id.spec();
        if let Some(v) = values.iter().find(|v| **v < spec.min || **v > spec.max) {
            bail!(
                "--param `{key}`: value {} is outside its valid range {} to {} ({})",
                short_num(*v),
                short_num(spec.min),
                short_num(spec.max),
                spec.unit.label()
            );
        }
    }
    Ok(())
}

/// Turn the typed `--param`, `--values` and `--range` flags into validated axes.
pub fn axes(params: &[String], values: &[String], ranges: &[String]) -> Result<Vec<Axis>> {
    if params.len() > 2 {
        bail!(
            "--param given {} times: a sweep has one or two parameters",
            params.len()
        );
    }
    let inline = params.iter().filter(|p| p.contains('=')).count();
    let separate = values.len() + ranges.len();
    if inline + separate != params.len() {
        bail!(
            "each --param needs its values: `--param KEY --values a,b,c`, `--param KEY --range lo:hi:steps`, \
             or inline `--param KEY=lo:hi:steps` ({} --param, {} --values/--range given)",
            params.len(),
            separate + inline
        );
    }
    if !values.is_empty() && !ranges.is_empty() && params.len() - inline == 2 {
        bail!(
            "with two --param, give both as --values or both as --range (their order on the command \
             line is not kept), or write them inline: --param KEY=lo:hi:steps"
        );
    }
    let mut specs = values
        .iter()
        .map(|v| (v.as_str(), false))
        .chain(ranges.iter().map(|r| (r.as_str(), true)));
    let mut out = Vec::new();
    for p in params {
        let (key, vals) = match p.split_once('=') {
            Some((k, spec)) => {
                let k = k.trim();
                check_key(k)?;
                let vals = if spec.contains(':') {
                    parse_range(spec, k)?
                } else {
                    parse_values(spec, k)?
                };
                (k.to_string(), vals)
            }
            None => {
                let k = p.trim();
                check_key(k)?;
                let (spec, is_range) = specs.next().expect("counted above");
                let vals = if is_range {
                    parse_range(spec, k)?
                } else {
                    parse_values(spec, k)?
                };
                (k.to_string(), vals)
            }
        };
        check_values(&key, &vals)?;
        out.push(Axis { key, values: vals });
    }
    if out.len() == 2 && out[0].key == out[1].key {
        bail!(
            "--param `{}` given twice: a 2-D sweep needs two different keys",
            out[0].key
        );
    }
    let points: usize = out.iter().map(|a| a.values.len()).product();
    if points > MAX_VARIANTS {
        bail!("the sweep has {points} points; at most {MAX_VARIANTS} are simulated side by side");
    }
    Ok(out)
}

/// The override that sets `key` to `v`, written so the scenario validation sees a number.
fn set(key: &str, v: f64) -> Override {
    Override::number(key, v).said_as(format!("--param {key}={}", short_num(v)))
}

/// A sweep point: one value per axis (index into each axis' values).
pub type Point = Vec<usize>;

/// Every point of the grid (one or two axes), the first axis varying fastest.
pub fn grid(axes: &[Axis]) -> Vec<Point> {
    match axes {
        [a] => (0..a.values.len()).map(|i| vec![i]).collect(),
        [a, b] => (0..b.values.len())
            .flat_map(|j| (0..a.values.len()).map(move |i| vec![i, j]))
            .collect(),
        _ => Vec::new(),
    }
}

/// One row of sweep.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Value of each axis.
    pub values: Vec<f64>,
    /// Summary at this point.
    pub failure_rate: f64,
    /// 95% interval of the failure rate.
    pub ci: (f64, f64),
    /// Paired difference of the failure rate against the first point, with its interval.
    pub diff_vs_first: (f64, f64, f64),
    /// Share per end reason, [`EndReason::ALL`] order.
    pub reasons: Vec<f64>,
    /// Share with net > 0.
    pub profitable: f64,
    /// Median net income.
    pub median_net: f64,
    /// Mean net income.
    pub mean_net: f64,
}

fn rows(axes: &[Axis], points: &[Point], paired: &PairedTally, summaries: &[Summary]) -> Vec<Row> {
    points
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let s = &summaries[k];
            let t = &paired.tallies[k];
            let w = wilson(t.failures(), t.careers, Z95);
            let d = if k == 0 {
                (0.0, 0.0, 0.0)
            } else {
                let e = paired.pair(0, k).share_difference(Binary::Failed);
                (e.diff, e.ci_low, e.ci_high)
            };
            Row {
                values: p.iter().zip(axes).map(|(i, a)| a.values[*i]).collect(),
                failure_rate: w.share,
                ci: (w.ci_low, w.ci_high),
                diff_vs_first: d,
                reasons: s.quit_reason_counts.iter().map(|r| r.share).collect(),
                profitable: s.profitable_share,
                median_net: s.net_income.p50,
                mean_net: s.net_income.mean,
            }
        })
        .collect()
}

/// `sweep.csv`.
pub fn to_csv(axes: &[Axis], rows: &[Row], careers: u64) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = Vec::new();
    for (i, a) in axes.iter().enumerate() {
        let suffix = if i == 0 { "" } else { "2" };
        header.push(format!("param{suffix}"));
        header.push(format!("value{suffix}"));
        let _ = a;
    }
    for h in [
        "careers",
        "failure_rate",
        "ci_low",
        "ci_high",
        "diff_vs_first",
        "diff_ci_low",
        "diff_ci_high",
    ] {
        header.push(h.to_string());
    }
    header.extend(
        EndReason::ALL
            .iter()
            .map(|r| format!("share_{}", r.as_str())),
    );
    header.extend(
        ["profitable_share", "median_net", "mean_net"]
            .iter()
            .map(|s| s.to_string()),
    );
    w.write_record(&header)?;
    for r in rows {
        let mut rec: Vec<String> = Vec::new();
        for (a, v) in axes.iter().zip(&r.values) {
            rec.push(a.key.clone());
            rec.push(v.to_string());
        }
        rec.push(careers.to_string());
        for v in [
            r.failure_rate,
            r.ci.0,
            r.ci.1,
            r.diff_vs_first.0,
            r.diff_vs_first.1,
            r.diff_vs_first.2,
        ] {
            rec.push(v.to_string());
        }
        rec.extend(r.reasons.iter().map(f64::to_string));
        for v in [r.profitable, r.median_net, r.mean_net] {
            rec.push(v.to_string());
        }
        w.write_record(&rec)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The charts of a sweep, as (file name, SVG bytes).
fn charts(
    set: &ChartSet,
    axes: &[Axis],
    rows: &[Row],
    name: &str,
    foot: &str,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    if axes.len() == 1 {
        let key = &axes[0].key;
        let series = vec![BandSeries {
            label: "failure rate".to_string(),
            points: rows
                .iter()
                .map(|r| (r.values[0], r.failure_rate, r.ci.0, r.ci.1))
                .collect(),
        }];
        let text = ChartText::new(format!("{name}: failure rate against {key}"), foot)
            .with_subtitle("shaded: 95% confidence interval");
        out.extend(chart_files(
            set,
            "failure-rate.svg",
            |t, z, f| charts::line_with_band(t, z, f, key, "failure rate (%)", &series),
            &text,
        )?);
        let categories: Vec<String> = EndReason::ALL
            .iter()
            .map(|r| r.label().to_string())
            .collect();
        let xs: Vec<f64> = rows.iter().map(|r| r.values[0]).collect();
        let shares: Vec<Vec<f64>> = (0..EndReason::COUNT)
            .map(|c| rows.iter().map(|r| r.reasons[c]).collect())
            .collect();
        let text = ChartText::new(format!("{name}: how careers ended, along {key}"), foot);
        out.extend(chart_files(
            set,
            "quit-reasons.svg",
            |t, z, f| charts::stacked_area(t, z, f, key, &categories, &xs, &shares),
            &text,
        )?);
    } else {
        let (ax, ay) = (&axes[0], &axes[1]);
        // Rows come with the first axis varying fastest: row index = y * nx + x.
        let nx = ax.values.len();
        let values: Vec<Vec<f64>> = (0..ay.values.len())
            .map(|y| (0..nx).map(|x| rows[y * nx + x].failure_rate).collect())
            .collect();
        let text = ChartText::new(
            format!("{name}: failure rate over {} and {}", ax.key, ay.key),
            foot,
        );
        out.extend(chart_files(
            set,
            "failure-rate-heatmap.svg",
            |t, z, f| charts::heatmap(t, z, f, &ax.key, &ay.key, &ax.values, &ay.values, &values),
            &text,
        )?);
    }
    Ok(out)
}

fn text_table(axes: &[Axis], rows: &[Row]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let mut head = String::from("  ");
    for a in axes {
        head.push_str(&format!("{:>28}", a.key));
    }
    let _ = writeln!(
        s,
        "{head}  {:>7}  {:<17} {:<26} {:>8} {:>9}",
        "failed", "(95% CI)", "vs first (95% CI)", "profit", "median"
    );
    for r in rows {
        let mut line = String::from("  ");
        for v in &r.values {
            line.push_str(&format!("{:>28}", short_num(*v)));
        }
        let (d, lo, hi) = r.diff_vs_first;
        let _ = writeln!(
            s,
            "{line}  {:>7}  {:<17} {:<26} {:>8} {:>9}",
            pct(r.failure_rate),
            format!("({} to {})", pct(r.ci.0), pct(r.ci.1)),
            format!(
                "{:+.1} pts ({:.1} to {:.1})",
                100.0 * d,
                100.0 * lo,
                100.0 * hi
            ),
            pct(r.profitable),
            money(r.median_net)
        );
    }
    s
}

/// `mlm-sim sweep`: one scenario at every point of a grid of one or two keys.
#[derive(Debug, Clone)]
pub struct SweepStudy {
    axes: Vec<Axis>,
    points: Vec<Point>,
    scenarios: Vec<Scenario>,
    precision: Option<f64>,
}

impl SweepStudy {
    /// The scenario `text` (from `file`, with the `base` overrides) at every point of the grid
    /// of `axes`, each point validated exactly like `--set`. With `precision`, stop adding
    /// careers once every point's failure rate is known to ± that share.
    pub fn new(
        text: &str,
        file: &str,
        base: &[Override],
        axes: Vec<Axis>,
        precision: Option<f64>,
    ) -> Result<SweepStudy> {
        let points = grid(&axes);
        let scenarios = points
            .iter()
            .map(|p| {
                let mut o = base.to_vec();
                o.extend(p.iter().zip(&axes).map(|(i, a)| set(&a.key, a.values[*i])));
                scenario::parse(text, file, &o).map_err(anyhow::Error::from)
            })
            .collect::<Result<Vec<Scenario>>>()?;
        check_pairable(&scenarios)?;
        Ok(SweepStudy {
            axes,
            points,
            scenarios,
            precision,
        })
    }
}

impl SweepStudy {
    /// The swept keys (for the company-world study, [`super::company`]).
    pub fn axes(&self) -> &[Axis] {
        &self.axes
    }

    /// Each variant's point of the grid.
    pub fn points(&self) -> &[Point] {
        &self.points
    }
}

impl Study for SweepStudy {
    fn scenarios(&self) -> &[Scenario] {
        &self.scenarios
    }

    fn folder_name(&self) -> String {
        let keys: Vec<String> = self
            .axes
            .iter()
            .map(|a| scenario::slugify(&a.key))
            .collect();
        format!("sweep-{}-{}", self.scenarios[0].slug(), keys.join("-by-"))
    }

    fn precision(&self) -> Option<f64> {
        self.precision
    }

    fn half_width(&self, paired: &PairedTally) -> f64 {
        paired
            .tallies
            .iter()
            .map(|t| {
                let w = wilson(t.failures(), t.careers, Z95);
                (w.ci_high - w.ci_low) / 2.0
            })
            .fold(0.0, f64::max)
    }

    fn precision_target(&self) -> &'static str {
        "every point's failure rate"
    }

    fn report(
        &self,
        scenarios: &[Scenario],
        paired: &PairedTally,
        stopped: &Stopped,
        set: Option<&ChartSet>,
    ) -> Result<StudyReport> {
        let summaries = super::summaries(scenarios, paired);
        let rows = rows(&self.axes, &self.points, paired, &summaries);
        let name = &scenarios[0].name;
        let foot = footnote(stopped.careers, scenarios[0].months, scenarios[0].seed);
        let mut files = vec![(
            "sweep.csv".to_string(),
            to_csv(&self.axes, &rows, stopped.careers)?,
        )];
        if let Some(set) = set {
            files.extend(charts(set, &self.axes, &rows, name, &foot)?);
        }
        let mut text = format!(
            "Sweep of {name} — {} careers x {} months at each of {} points, seed {}, same careers at every point\n",
            crate::fmt::thousands(stopped.careers as f64, 0),
            scenarios[0].months,
            rows.len(),
            scenarios[0].seed
        );
        text.push_str(&text_table(&self.axes, &rows));
        if let Some(p) = stopped.describe(self.precision_target()) {
            text.push_str(&format!("  Precision: {p}\n"));
        }
        Ok(StudyReport { files, text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_include_both_ends_and_reject_bad_input() {
        assert_eq!(
            parse_range("0:1:5", "k").unwrap(),
            vec![0.0, 0.25, 0.5, 0.75, 1.0]
        );
        for bad in [
            "1:0:3", "0:1:1", "0:1", "a:1:3", "0:1:x", "0:1:2.5", "0:1:1000",
        ] {
            assert!(parse_range(bad, "k").is_err(), "{bad}");
        }
        assert!(parse_values("0.1", "k").is_err());
        assert!(parse_values("0.1,zz", "k").is_err());
    }

    #[test]
    fn keys_are_checked_with_a_suggestion_and_values_against_the_registry() {
        let e = check_key("training.qualty").unwrap_err().to_string();
        assert!(e.contains("did you mean `training.quality`"), "{e}");
        assert!(check_key("seed").is_err());
        assert!(check_key("months").is_ok());
        let e = check_values("training.quality", &[0.5, 1.5])
            .unwrap_err()
            .to_string();
        assert!(e.contains("1.5") && e.contains("0 to 1"), "{e}");
    }

    #[test]
    fn grid_varies_the_first_axis_fastest() {
        let a = Axis {
            key: "a".into(),
            values: vec![1.0, 2.0, 3.0],
        };
        let b = Axis {
            key: "b".into(),
            values: vec![10.0, 20.0],
        };
        assert_eq!(
            grid(&[a.clone(), b]),
            vec![
                vec![0, 0],
                vec![1, 0],
                vec![2, 0],
                vec![0, 1],
                vec![1, 1],
                vec![2, 1]
            ]
        );
        assert_eq!(grid(&[a]), vec![vec![0], vec![1], vec![2]]);
    }

    #[test]
    fn flags_pair_up_with_params() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = axes(&p(&["training.quality"]), &p(&["0,1"]), &[]).unwrap();
        assert_eq!(a[0].values, vec![0.0, 1.0]);
        let a = axes(
            &p(&["training.quality=0:1:3", "rejection.sting"]),
            &[],
            &p(&["0:0.02:2"]),
        )
        .unwrap();
        assert_eq!(a.len(), 2);
        assert!(axes(&p(&["training.quality"]), &[], &[]).is_err());
        assert!(axes(
            &p(&["training.quality", "rejection.sting"]),
            &p(&["0,1"]),
            &p(&["0:1:2"])
        )
        .is_err());
    }
}
