//! `report.html`: one self-contained page for a training session.
//!
//! The page must open offline in any browser, from a USB stick or an e-mail attachment, so it
//! holds everything inline: the stylesheet, and the charts as inline SVG. It loads nothing
//! (no scripts, fonts, images or links to other files). Every piece of scenario-provided text
//! (name, description, source notes, overrides) is escaped, because a scenario file is input
//! and may contain `<`, `&` or quotes.
//!
//! The page draws no chart itself: it inlines the SVG drawings that [`ChartSet::draw`] made
//! for the chart files, so the report and `survival.svg` hold the very same bytes.
//!
//! [`ChartSet::draw`]: super::charts::ChartSet::draw

use std::fmt::Write as _;

use anyhow::Result;

use super::charts::DrawnChart;
use super::html_page::{escape, inline_svg, page_start};
use crate::fmt::{money, percent as pct, thousands as group};
use crate::outcome::EndReason;
use crate::summary::Summary;

/// File name of the report in a run's result folder.
pub const REPORT_FILE: &str = "report.html";

/// "7 in 10" for a share, with words for the ends where a ratio out of ten would mislead.
fn in_ten(share: f64) -> String {
    let tenths = (share * 10.0).round();
    if share <= 0.0 {
        "nobody".into()
    } else if tenths < 1.0 {
        "fewer than 1 in 10".into()
    } else if share >= 1.0 {
        "everyone".into()
    } else if tenths >= 10.0 {
        "nearly everyone".into()
    } else {
        format!("{tenths:.0} in 10")
    }
}

/// The key numbers of `s` as sentences a trainer can read out.
pub fn key_sentences(s: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    // Within a year when the horizon allows it, else within the horizon.
    let (months, still) = match s.survival_at(12) {
        Some(v) => (12, v),
        None => (s.months, s.survival_at(s.months).unwrap_or(1.0)),
    };
    let within = if months == 12 {
        "within a year".to_string()
    } else {
        format!("within {months} months")
    };
    let quit = 1.0 - still;
    let mut first = format!(
        "{} quit {within} ({}).",
        capitalise(&in_ten(quit)),
        pct(quit)
    );
    if let Some((reason, share)) = s.main_quit_reason() {
        first.pop();
        let _ = write!(
            first,
            "; the main reason: {} ({} of all careers).",
            reason.label(),
            pct(share)
        );
    }
    out.push(first);
    out.push(format!(
        "After {} months, {} had failed — quit, or still in without a profit: {} (95% confidence interval {} to {}).",
        s.months,
        in_ten(s.failure_rate),
        pct(s.failure_rate),
        pct(s.failure_rate_ci[0]),
        pct(s.failure_rate_ci[1]),
    ));
    out.push(format!(
        "{} made a profit ({}). The typical (median) net income was {}; the average was {}.",
        capitalise(&in_ten(s.profitable_share)),
        pct(s.profitable_share),
        money(s.net_income.p50),
        money(s.net_income.mean),
    ));
    let m = &s.money;
    out.push(format!(
        "An average career received {} in commissions and {} in retail profit, and paid {} for required purchases and {} in other expenses.",
        money(m.commissions),
        money(m.retail_profit),
        money(m.purchases),
        money(m.expenses),
    ));
    if s.downline.comparable > 0 {
        let d = &s.downline;
        out.push(format!(
            "Of the {} people they recruited who could be followed for their first {} months \
             (joined in time, every level they are paid on simulated), {} quit in that time, \
             {} had lost money at its end and {} had made a profit.",
            group(d.comparable as f64, 0),
            d.window_months,
            pct(d.quit_share),
            pct(d.lost_money_share),
            pct(d.profited_share),
        ));
    } else if s.downline.members > 0 {
        out.push(
            "They recruited, but no recruit joined early enough to be followed for the comparison window."
                .into(),
        );
    } else {
        out.push("Nobody recruited anyone.".into());
    }
    let c = &s.cohort_failure_rates;
    if c.cohorts > 1 {
        out.push(format!(
            "In a class of {} recruits, the failure rate was between {} and {} in 8 classes out of 10.",
            c.cohort_size,
            pct(c.p10),
            pct(c.p90),
        ));
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `report.html` of summary `s`, with `charts` inline (`None` for a text-only report,
/// `--no-charts`). Fails only when a drawn chart is not an SVG document.
pub fn render_report(s: &Summary, charts: Option<&[DrawnChart]>) -> Result<Vec<u8>> {
    let mut h = page_start(&format!("{} — mlm-sim report", s.scenario));
    let _ = writeln!(h, "<h1>{}</h1>", escape(&s.scenario));
    if !s.description.trim().is_empty() {
        let _ = writeln!(h, "<p class=\"desc\">{}</p>", escape(s.description.trim()));
    }
    let _ = writeln!(
        h,
        "<p>Simulated {} careers of new distributors over {} months.</p>",
        group(s.careers as f64, 0),
        s.months
    );
    h.push_str("<h2>In plain words</h2>\n<ul class=\"key\">\n");
    for line in key_sentences(s) {
        let _ = writeln!(h, "<li>{}</li>", escape(&line));
    }
    h.push_str("</ul>\n");
    if s.capped_careers > 0 {
        let _ = writeln!(
            h,
            "<p class=\"note\">{} careers hit a simulation size limit (a downline larger \
             than <code>downline.max_size</code>, or 1,000,000 customers); their income is \
             understated.</p>",
            group(s.capped_careers as f64, 0)
        );
    }
    for chart in charts.unwrap_or_default() {
        let _ = writeln!(
            h,
            "<figure aria-label=\"{}\">\n{}\n</figure>",
            escape(&chart.caption),
            inline_svg(&chart.svg)?
        );
    }
    h.push_str("<h2>How careers ended</h2>\n<table>\n<tr><th>Outcome</th><th>Careers</th><th>Share</th></tr>\n");
    for rc in &s.quit_reason_counts {
        let label = EndReason::ALL
            .iter()
            .find(|r| r.as_str() == rc.reason)
            .map(|r| r.label())
            .unwrap_or(rc.reason.as_str());
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(label),
            group(rc.count as f64, 0),
            pct(rc.share)
        );
    }
    h.push_str("</table>\n");
    if !s.sources.is_empty() {
        h.push_str("<h2>Where the numbers come from</h2>\n<ul>\n");
        for (key, note) in &s.sources {
            let _ = writeln!(h, "<li><code>{}</code>: {}</li>", escape(key), escape(note));
        }
        h.push_str("</ul>\n");
    }
    let _ = write!(
        h,
        "<footer>mlm-sim {} · {} careers · {} months · seed {} · scenario fingerprint {}",
        escape(&s.version),
        group(s.careers as f64, 0),
        s.months,
        s.seed,
        escape(&s.scenario_fingerprint)
    );
    if !s.overrides.is_empty() {
        let _ = write!(h, " · overrides: {}", escape(&s.overrides.join(" ")));
    }
    h.push_str(
        "<br>A simulation of a model, not a forecast for any one person. \
         The same scenario and seed give the same numbers.</footer>\n</body>\n</html>\n",
    );
    Ok(h.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_in_ten_read_naturally() {
        assert_eq!(in_ten(0.7), "7 in 10");
        assert_eq!(in_ten(0.04), "fewer than 1 in 10");
        assert_eq!(in_ten(0.97), "nearly everyone");
        assert_eq!(in_ten(0.0), "nobody");
        assert_eq!(in_ten(1.0), "everyone");
    }
}
