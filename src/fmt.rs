//! Number formatting for people: counts, money, shares and compact values, in one place.
//!
//! Before issue 10 the crate had two thousands-separators (`summary::group` and one in
//! `charts::common`) and two `round_sig` (4 significant digits in `calibrate`, 3 in
//! `study::sensitivity`). Every human-readable number now goes through this module, so the
//! terminal, the reports and the charts write the same value the same way. Machine output (CSV,
//! JSON) does not use it: those files keep Rust's shortest round-trip `Display` for floats.
//!
//! Conventions shared by every function here:
//! - thousands are separated with `,` ("1,234,567");
//! - a value that rounds to zero never shows a minus sign ("$0", "0", never "-0");
//! - shares are fractions in 0..=1 and are printed as percentages; values "in percent units"
//!   are already multiplied by 100.

/// Inserts `,` between groups of three in a string of ASCII digits ("1234567" -> "1,234,567").
fn group_digits(digits: &str) -> String {
    let bytes = digits.as_bytes();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && (bytes.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(char::from(*b));
    }
    out
}

/// Splits `"1234.50"` into `("1,234", ".50")`: the integer part grouped, the fraction as is.
fn group_number_text(text: &str) -> String {
    match text.split_once('.') {
        Some((int, frac)) => format!("{}.{frac}", group_digits(int)),
        None => group_digits(text),
    }
}

/// True when `text` (a formatted magnitude) has a non-zero digit, so a minus sign means
/// something.
fn has_nonzero_digit(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit() && c != '0')
}

/// Drops trailing zeros of a decimal fraction, and the point if nothing is left ("12.50" ->
/// "12.5", "3.0" -> "3"); integers are returned unchanged.
fn trim_fraction(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A number with thousands separators and exactly `decimals` decimals ("1,234.5").
pub fn thousands(x: f64, decimals: usize) -> String {
    let magnitude = format!("{:.*}", decimals, x.abs());
    let sign = if x < 0.0 && has_nonzero_digit(&magnitude) {
        "-"
    } else {
        ""
    };
    format!("{sign}{}", group_number_text(&magnitude))
}

/// A count with thousands separators ("20,000").
pub fn count(n: u64) -> String {
    group_digits(&n.to_string())
}

/// Money in whole currency units with separators: "$1,234", "-$200", "$0".
///
/// For tables and sentences, where the exact amount matters; charts use [`money_short`].
pub fn money(x: f64) -> String {
    let grouped = thousands(x, 0);
    match grouped.strip_prefix('-') {
        Some(rest) => format!("-${rest}"),
        None => format!("${grouped}"),
    }
}

/// Money abbreviated for chart axes and annotations: "$850", "-$1,200", "$3k", "$12.5k",
/// "$1.2M". Round thousands and anything from $10k up are abbreviated to keep tick labels
/// short; non-finite values give an empty label (plotters cannot place them anyway).
pub fn money_short(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let a = v.abs();
    let sign = if v < 0.0 && a >= 0.5 { "-" } else { "" };
    let body = if a >= 1e6 {
        format!("{}M", trim_fraction(format!("{:.1}", a / 1e6)))
    } else if a >= 10_000.0 || (a >= 1000.0 && (a % 1000.0).abs() < 1e-6) {
        format!("{}k", trim_fraction(format!("{:.1}", a / 1e3)))
    } else {
        group_digits(&format!("{a:.0}"))
    };
    format!("{sign}${body}")
}

/// A share (0..=1) as a percentage with one decimal ("12.3%"), the precision every report
/// table uses.
pub fn percent(share: f64) -> String {
    percent_fixed(share, 1)
}

/// A share (0..=1) as a percentage with `decimals` decimals ("41.3%").
pub fn percent_fixed(share: f64, decimals: usize) -> String {
    format!("{:.*}%", decimals, share * 100.0)
}

/// A value already in percent units as a tick label ("45%", "72.5%").
pub fn percent_units(v: f64) -> String {
    format!("{}%", tick_number(v))
}

/// A plain number for chart tick labels: thousands separators, at most four decimals (none
/// from 100 up), trailing zeros removed; non-finite values give an empty label.
pub fn tick_number(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let decimals = if v.abs() >= 100.0 { 0 } else { 4 };
    let magnitude = trim_fraction(format!("{:.*}", decimals, v.abs()));
    let body = group_number_text(&magnitude);
    if v < 0.0 && has_nonzero_digit(&body) {
        format!("-{body}")
    } else {
        body
    }
}

/// A number written the shortest way that reads back exactly, for parameter values in
/// messages, scenario descriptions and folder names: integers without ".0" ("12"), other
/// values as Rust's shortest round-trip form ("0.3"), infinity as "none" (an unbounded limit).
pub fn compact(v: f64) -> String {
    if v.is_infinite() {
        "none".to_string()
    } else if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A measured value for check tables: one decimal from 100 up, four below ("1234.5",
/// "0.0123"), so small shares and large amounts both show their meaningful digits.
pub fn measured(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    }
}

/// A difference with an explicit sign and `decimals` decimals ("+1.50", "-0.25"); a
/// difference that rounds to zero is shown unsigned ("0.00").
pub fn signed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let magnitude = s.trim_start_matches('-');
    if !has_nonzero_digit(magnitude) {
        magnitude.to_string()
    } else if x >= 0.0 {
        format!("+{s}")
    } else {
        s
    }
}

/// A money difference with an explicit sign ("+$1,200", "-$40"); "$0" when it rounds to zero.
pub fn signed_money(x: f64) -> String {
    let m = money(x);
    if m.starts_with('-') || m == "$0" {
        m
    } else {
        format!("+{m}")
    }
}

/// `v` rounded to `digits` significant digits (0 and non-finite values unchanged).
///
/// Used where a value is written back for people to read (a fitted scenario, a sensitivity
/// table): more digits than the estimate supports would only suggest false precision.
pub fn round_sig(v: f64, digits: u32) -> f64 {
    if v == 0.0 || !v.is_finite() || digits == 0 {
        return v;
    }
    let exponent = v.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits as i32 - 1 - exponent);
    (v * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_and_never_shows_minus_zero() {
        assert_eq!(thousands(1_234_567.0, 0), "1,234,567");
        assert_eq!(thousands(-1234.5, 1), "-1,234.5");
        assert_eq!(thousands(999.0, 0), "999");
        assert_eq!(thousands(-0.04, 1), "0.0");
        assert_eq!(thousands(0.0, 2), "0.00");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(12), "12");
        assert_eq!(count(0), "0");
    }

    #[test]
    fn money_is_whole_units_with_the_sign_before_the_dollar() {
        assert_eq!(money(-200.0), "-$200");
        assert_eq!(money(0.2), "$0");
        assert_eq!(money(-0.2), "$0");
        assert_eq!(money(1_234_567.4), "$1,234,567");
    }

    #[test]
    fn money_short_abbreviates_round_and_large_amounts() {
        assert_eq!(money_short(-1200.0), "-$1,200");
        assert_eq!(money_short(3000.0), "$3k");
        assert_eq!(money_short(12_500.0), "$12.5k");
        assert_eq!(money_short(850.0), "$850");
        assert_eq!(money_short(0.0), "$0");
        assert_eq!(money_short(-0.2), "$0");
        assert_eq!(money_short(2_400_000.0), "$2.4M");
        assert_eq!(money_short(-20_000.0), "-$20k");
        assert_eq!(money_short(f64::NAN), "");
    }

    #[test]
    fn shares_print_as_percentages() {
        assert_eq!(percent(0.1234), "12.3%");
        assert_eq!(percent_fixed(0.4132, 0), "41%");
        assert_eq!(percent_fixed(0.4132, 2), "41.32%");
        assert_eq!(percent_units(72.5), "72.5%");
    }

    #[test]
    fn tick_numbers_are_short() {
        assert_eq!(tick_number(1200.0), "1,200");
        assert_eq!(tick_number(-1_234_567.0), "-1,234,567");
        assert_eq!(tick_number(0.300_000_000_000_000_04), "0.3");
        assert_eq!(tick_number(-0.0), "0");
        assert_eq!(tick_number(-0.000_01), "0");
        assert_eq!(tick_number(12.5), "12.5");
        assert_eq!(tick_number(f64::INFINITY), "");
    }

    #[test]
    fn compact_reads_back_exactly() {
        assert_eq!(compact(12.0), "12");
        assert_eq!(compact(0.3), "0.3");
        assert_eq!(compact(-4.0), "-4");
        assert_eq!(compact(f64::INFINITY), "none");
        for v in [0.1, 1e-5, 123.456, 2.5e20] {
            assert_eq!(compact(v).parse::<f64>().unwrap(), v);
        }
    }

    #[test]
    fn measured_keeps_meaningful_digits() {
        assert_eq!(measured(1234.56), "1234.6");
        assert_eq!(measured(0.012_34), "0.0123");
    }

    #[test]
    fn signed_values_show_their_direction() {
        assert_eq!(signed(1.5, 2), "+1.50");
        assert_eq!(signed(-0.25, 2), "-0.25");
        assert_eq!(signed(-0.001, 2), "0.00");
        assert_eq!(signed(0.0, 1), "0.0");
        assert_eq!(signed_money(1200.0), "+$1,200");
        assert_eq!(signed_money(-40.0), "-$40");
        assert_eq!(signed_money(0.3), "$0");
    }

    #[test]
    fn round_sig_keeps_the_asked_digits() {
        assert_eq!(round_sig(0.012_345_6, 4), 0.012_35);
        assert_eq!(round_sig(1234.5, 4), 1235.0);
        assert_eq!(round_sig(1234.5, 3), 1230.0);
        assert_eq!(round_sig(0.5, 3), 0.5);
        assert_eq!(round_sig(100.0, 3), 100.0);
        assert_eq!(round_sig(-0.987_65, 2), -0.99);
        assert_eq!(round_sig(0.0, 3), 0.0);
        assert!(round_sig(f64::NAN, 3).is_nan());
    }
}
