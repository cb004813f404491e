//! `report.html` of a comparison: one self-contained page (inline SVG charts, inline CSS, no
//! scripts, nothing fetched), so it can be mailed or archived as a single file.
//!
//! Escaping, the stylesheet and SVG inlining are the run report's
//! ([`crate::export::html_page`]); the charts are the bytes of the chart files, never drawn
//! again for the page.

use std::fmt::Write as _;

use anyhow::Result;

use super::compare::{fmt_diff, fmt_value, letter, Comparison};
use crate::export::html_page::{escape, inline_svg, page_start};

/// The page for `c`, with `charts` as (file name, bytes) in display order; the `.svg` ones are
/// inlined as they are. Fails only when one of them is not an SVG document.
pub fn render(c: &Comparison, charts: &[(String, Vec<u8>)]) -> Result<String> {
    let title = format!("Comparison: {}", c.names.join(" vs "));
    let mut h = page_start(&title);
    let _ = writeln!(h, "<h1>{}</h1>", escape(&title));
    h.push_str("<ul class=\"key\">\n");
    for v in &c.verdicts {
        let _ = writeln!(h, "<li>{}</li>", escape(v));
    }
    h.push_str("</ul>\n");
    let _ = writeln!(
        h,
        "<p>{} careers per scenario, seed {}. Career k meets the same luck in every scenario \
         (common random numbers), so differences are paired: intervals of differences are 95% intervals of the \
         career-by-career difference (docs/compare.md).{}</p>",
        crate::fmt::thousands(c.careers as f64, 0),
        c.seed,
        c.precision
            .as_ref()
            .map(|p| format!(" Precision: {}.", escape(p)))
            .unwrap_or_default()
    );
    h.push_str("<table>\n<tr><th>metric</th>");
    for (i, name) in c.names.iter().enumerate() {
        let _ = write!(h, "<th>[{}] {}</th>", letter(i), escape(name));
    }
    for j in 1..c.names.len() {
        let _ = write!(h, "<th>[{}] &minus; [A] (95% CI)</th>", letter(j));
    }
    h.push_str("</tr>\n");
    for m in &c.metrics {
        let _ = write!(h, "<tr><td>{}</td>", escape(&m.label));
        for v in &m.values {
            let _ = write!(
                h,
                "<td class=\"n\">{}</td>",
                escape(&fmt_value(m.kind, v.value))
            );
        }
        for d in m.diffs.iter().skip(1).flatten() {
            let _ = write!(h, "<td class=\"n\">{}</td>", escape(&fmt_diff(m.kind, d)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    for (name, bytes) in charts.iter().filter(|(name, _)| name.ends_with(".svg")) {
        let _ = writeln!(
            h,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
            inline_svg(bytes)?,
            escape(name),
        );
    }
    let _ = writeln!(
        h,
        "<footer>mlm-sim {}; the same numbers are in comparison.csv.</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    Ok(h)
}
