//! `report.html` for a company run: one self-contained page (inline stylesheet, inline SVG
//! charts, no scripts or links), like the followed-career report, so it opens offline from an
//! e-mail attachment. Scenario text is escaped (a scenario file is input).

use std::fmt::Write as _;

use anyhow::Result;

use super::report::ReplicateSummary;
use crate::charts::ChartFormat;
use crate::export::charts::ChartSet;
use crate::export::html_page::escape;
use crate::scenario::Scenario;

const STYLE: &str = "body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}\
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}pre{background:#f7f7f7;padding:1em;overflow-x:auto}\
figure{margin:1.5em 0}svg{max-width:100%;height:auto}";

/// The page: summary, charts (unless `charts` is `None`) and the key tables.
pub fn render(
    s: &Scenario,
    reps: &[ReplicateSummary],
    files: &[(&'static str, String)],
    charts: Option<&ChartSet>,
) -> Result<String> {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} — company world</title><style>{STYLE}</style></head><body>",
        escape(&s.name)
    );
    let _ = write!(o, "<h1>{} — company world</h1>", escape(&s.name));
    if !s.description.is_empty() {
        let _ = write!(o, "<p>{}</p>", escape(&s.description));
    }
    let _ = write!(
        o,
        "<pre>{}</pre>",
        escape(&super::output::text_summary(s, reps))
    );
    if let Some(set) = charts {
        let svg_only = ChartSet {
            formats: vec![ChartFormat::Svg],
            size: set.size,
        };
        for (_, bytes) in super::charts::render(s, reps, &svg_only)? {
            let svg = String::from_utf8_lossy(&bytes);
            // Drop the XML declaration: the SVG sits inside HTML.
            let body = svg.find("<svg").map_or(&svg[..], |i| &svg[i..]);
            let _ = write!(o, "<figure>{body}</figure>");
        }
    }
    for (name, title) in [
        ("company_disclosure.csv", "Income-disclosure statement and net income, one calendar year (shares of that year's participants)"),
        ("company_concentration.csv", "Concentration of commissions"),
        ("company_cohorts.csv", "Outcomes and money by join cohort (0 = founders)"),
        ("company_ranks.csv", "Outcomes and money by highest rank reached"),
    ] {
        if let Some((_, csv)) = files.iter().find(|(n, _)| *n == name) {
            let _ = write!(o, "<h2>{}</h2>{}", escape(title), csv_table(csv));
        }
    }
    o.push_str("<p>Files and columns: docs/output.md (Company world). How to read this: docs/company.md.</p></body></html>\n");
    Ok(o)
}

/// A CSV text (our own, no embedded commas except inside quotes) as an HTML table.
fn csv_table(csv: &str) -> String {
    let mut o = String::from("<table>");
    for (i, line) in csv.lines().enumerate() {
        o.push_str("<tr>");
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut quoted = false;
        for ch in line.chars() {
            match ch {
                '"' => quoted = !quoted,
                ',' if !quoted => cells.push(std::mem::take(&mut cell)),
                _ => cell.push(ch),
            }
        }
        cells.push(cell);
        let tag = if i == 0 { "th" } else { "td" };
        for c in cells {
            let _ = write!(o, "<{tag}>{}</{tag}>", escape(&c));
        }
        o.push_str("</tr>");
    }
    o.push_str("</table>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_cells_keep_their_commas_and_everything_is_escaped() {
        let t = csv_table("a,b\n\"$1,000-2,500\",<x>\n");
        assert!(t.contains("<td>$1,000-2,500</td>"));
        assert!(t.contains("&lt;x&gt;"));
    }
}
