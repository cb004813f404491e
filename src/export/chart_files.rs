//! Chart files of a result folder: one chart drawn once per format `--format` asks for,
//! named from its SVG file name, with the file named in any drawing error. Used by the studies
//! and by the company world's charts.
//!
//! Why here and not in `study`: `world` draws charts with these helpers, and `study` depends on
//! `calibrate`, which simulates companies (`world`); keeping the helpers in `export` keeps the
//! library's imports pointing one way (tests/cli/layers.rs).

use anyhow::Result;

use crate::charts::{ChartError, ChartFormat, ChartSize, ChartText};
use crate::export::charts::ChartSet;

/// Render a chart at the size of `set`, once in each format `set` asks for. Returns
/// `(file name, bytes)` from an SVG file name such as `survival.svg`, naming the file in any
/// error. A study with a report uses [`report_chart_files`] instead.
pub fn chart_files(
    set: &ChartSet,
    svg_file: &str,
    draw: impl Fn(&ChartText, ChartSize, ChartFormat) -> Result<Vec<u8>, ChartError>,
    text: &ChartText,
) -> Result<Vec<(String, Vec<u8>)>> {
    draw_chart_files(set, svg_file, draw, text, false)
}

/// [`chart_files`] for a study whose `report.html` inlines its charts: SVG is drawn even when
/// `set` asks only for PNG, so the report embeds the drawing itself rather than a second one;
/// [`chart_file_wanted`] says which files to write.
pub fn report_chart_files(
    set: &ChartSet,
    svg_file: &str,
    draw: impl Fn(&ChartText, ChartSize, ChartFormat) -> Result<Vec<u8>, ChartError>,
    text: &ChartText,
) -> Result<Vec<(String, Vec<u8>)>> {
    draw_chart_files(set, svg_file, draw, text, true)
}

fn draw_chart_files(
    set: &ChartSet,
    svg_file: &str,
    draw: impl Fn(&ChartText, ChartSize, ChartFormat) -> Result<Vec<u8>, ChartError>,
    text: &ChartText,
    svg_for_report: bool,
) -> Result<Vec<(String, Vec<u8>)>> {
    let stem = svg_file.strip_suffix(".svg").unwrap_or(svg_file);
    [ChartFormat::Svg, ChartFormat::Png]
        .into_iter()
        .filter(|f| set.formats.contains(f) || (svg_for_report && *f == ChartFormat::Svg))
        .map(|format| {
            let file = format!("{stem}.{}", format.extension());
            let bytes = draw(text, set.size, format)
                .map_err(|e| anyhow::anyhow!("cannot draw {file}: {e}"))?;
            Ok((file, bytes))
        })
        .collect()
}

/// Whether a chart file from [`chart_files`] or [`report_chart_files`] is written to the
/// result folder: its format was asked for with `--format`.
pub fn chart_file_wanted(set: &ChartSet, name: &str) -> bool {
    set.formats
        .iter()
        .any(|f| name.ends_with(&format!(".{}", f.extension())))
}
