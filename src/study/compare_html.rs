//! `report.html` of a comparison: one self-contained page (inline SVG charts, inline CSS, no
//! scripts, nothing fetched), so it can be mailed or archived as a single file.

use std::fmt::Write as _;

use super::compare::{fmt_diff, fmt_value, letter, Comparison};

/// Escape text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// An SVG file's markup without its XML declaration, ready to sit inside HTML.
pub fn inline_svg(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    match text.find("<svg") {
        Some(i) => text[i..].to_string(),
        None => String::new(),
    }
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1250px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;font-size:14px}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}\
td:first-child,th:first-child{text-align:left}.verdict{font-size:1.2em;font-weight:bold}\
figure{margin:1.5em 0}svg{max-width:100%;height:auto}.note{color:#666;font-size:13px}";

/// The page for `c`, with `charts` as (file name, SVG bytes) in display order.
pub fn render(c: &Comparison, charts: &[(String, Vec<u8>)]) -> String {
    let mut h = String::new();
    let title = format!("Comparison: {}", c.names.join(" vs "));
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(&title)
    );
    let _ = writeln!(h, "<h1>{}</h1>", escape(&title));
    for v in &c.verdicts {
        let _ = writeln!(h, "<p class=\"verdict\">{}</p>", escape(v));
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">{} careers per scenario, seed {}. Career k meets the same luck in every scenario \
         (common random numbers), so differences are paired: intervals of differences are 95% intervals of the \
         career-by-career difference (docs/compare.md).{}</p>",
        crate::summary::group(c.careers as f64, 0),
        c.seed,
        c.precision
            .as_ref()
            .map(|p| format!(" Precision: {}.", escape(p)))
            .unwrap_or_default()
    );
    h.push_str("<table><tr><th>metric</th>");
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
            let _ = write!(h, "<td>{}</td>", escape(&fmt_value(m.kind, v.value)));
        }
        for d in m.diffs.iter().skip(1).flatten() {
            let _ = write!(h, "<td>{}</td>", escape(&fmt_diff(m.kind, d)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    for (name, bytes) in charts.iter().filter(|(name, _)| name.ends_with(".svg")) {
        let _ = writeln!(
            h,
            "<figure>{}<figcaption class=\"note\">{}</figcaption></figure>",
            inline_svg(bytes),
            escape(name)
        );
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">mlm-sim {}; the same numbers are in comparison.csv.</p></body></html>",
        env!("CARGO_PKG_VERSION")
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_svg_inlining() {
        assert_eq!(escape("<a&b>\"'"), "&lt;a&amp;b&gt;&quot;&#39;");
        assert_eq!(
            inline_svg(b"<?xml version=\"1.0\"?>\n<svg w=\"1\"></svg>"),
            "<svg w=\"1\"></svg>"
        );
    }
}
