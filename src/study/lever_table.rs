//! The text table of a one-at-a-time sensitivity study, shared by the followed-career studies
//! (failure rate and any `--metric`) and the company world's: one row per lever with the values
//! it was moved to and the change each move made, with its 95% interval. One layout, so the
//! three reports read alike and a fix to the table lands in all of them.

use std::fmt::Write as _;

use super::short_num;

/// Width of the "down" and "up" value columns.
const VALUE_WIDTH: usize = 14;

/// One lever's row.
pub struct LeverRow<'a> {
    /// The lever's name.
    pub label: &'a str,
    /// Switched off in the scenario (0 stays 0 when scaled): no values, no changes.
    pub off: bool,
    /// The values the lever was moved down and up to.
    pub down: f64,
    pub up: f64,
    /// The changes, already written (see [`change`]).
    pub change_down: String,
    pub change_up: String,
    /// Further right-aligned cells, one per [`LeverTable::extra`] title.
    pub extra: Vec<String>,
}

/// The table's column titles.
pub struct LeverTable<'a> {
    /// Titles of the two change columns.
    pub change_down: String,
    pub change_up: String,
    /// Width of each change column (titles and cells are left-aligned in it).
    pub change_width: usize,
    /// Titles of further columns, each 10 characters wide.
    pub extra: &'a [&'a str],
}

impl LeverTable<'_> {
    /// The header and one line per row, numbered from 1 in the given order.
    pub fn render(&self, rows: &[LeverRow<'_>]) -> String {
        let (w, v) = (self.change_width, VALUE_WIDTH);
        let mut s = String::new();
        let _ = write!(
            s,
            "  {:>3}  {:<24}{:>v$}{:>v$}  {:<w$}{:<w$}",
            "#", "lever", "down", "up", self.change_down, self.change_up
        );
        for t in self.extra {
            let _ = write!(s, "{t:>10}");
        }
        s.push('\n');
        for (i, r) in rows.iter().enumerate() {
            if r.off {
                let _ = writeln!(
                    s,
                    "  {:>3}  {:<24}{:>width$}  (switched off: 0 stays 0)",
                    i + 1,
                    r.label,
                    "",
                    width = 2 * v
                );
                continue;
            }
            let _ = write!(
                s,
                "  {:>3}  {:<24}{:>v$}{:>v$}  {:<w$}{:<w$}",
                i + 1,
                r.label,
                short_num(crate::fmt::round_sig(r.down, 3)),
                short_num(crate::fmt::round_sig(r.up, 3)),
                r.change_down,
                r.change_up
            );
            for c in &r.extra {
                let _ = write!(s, "{c:>10}");
            }
            s.push('\n');
        }
        s
    }
}

/// A change and its interval, `+d (lo to hi)` with `digits` decimals, each scaled by `scale`
/// (e.g. 100 for percentage points), with `suffix` after the change (e.g. " pts").
pub fn change(scale: f64, diff: f64, low: f64, high: f64, digits: usize, suffix: &str) -> String {
    format!(
        "{:+.digits$}{suffix} ({:.digits$} to {:.digits$})",
        scale * diff,
        scale * low,
        scale * high
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_line_up_and_switched_off_levers_say_so() {
        let table = LeverTable {
            change_down: "change down".into(),
            change_up: "change up".into(),
            change_width: 30,
            extra: &["median dn"],
        };
        let rows = [
            LeverRow {
                label: "join chance",
                off: false,
                down: 0.0123456,
                up: 0.0456,
                change_down: change(100.0, -0.012, -0.02, -0.004, 1, " pts"),
                change_up: change(100.0, 0.01, 0.0, 0.02, 1, " pts"),
                extra: vec!["-$500".into()],
            },
            LeverRow {
                label: "sting",
                off: true,
                down: 0.0,
                up: 0.0,
                change_down: String::new(),
                change_up: String::new(),
                extra: Vec::new(),
            },
        ];
        let text = table.render(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].contains("0.0123"), "{text}");
        assert!(lines[1].contains("-1.2 pts (-2.0 to -0.4)"), "{text}");
        assert!(lines[2].ends_with("(switched off: 0 stays 0)"));
        // The change columns start where their titles start.
        let at = |l: &str, what: &str| l.find(what).unwrap();
        assert_eq!(at(lines[0], "change down"), at(lines[1], "-1.2 pts"));
        assert_eq!(at(lines[0], "change up"), at(lines[1], "+1.0 pts"));
        assert_eq!(lines[0].len(), lines[1].len());
    }
}
