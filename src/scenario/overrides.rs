//! `--set key.path=value` overrides: parsed from the command line's text, or built from typed
//! values by studies (sensitivity, sweep) that change a parameter programmatically.

use toml_edit::{Array, InlineTable, Value};

use super::{Dist, Param};

/// A `key.path=value` override from the command line.
#[derive(Debug, Clone)]
pub struct Override {
    /// Dotted key path.
    pub path: String,
    /// The value, parsed as a TOML value.
    pub value: Value,
    /// The text as typed, for error messages.
    pub text: String,
}

impl Override {
    /// Parse `key.path=value`. The value is TOML: a number, a quoted or bare string, or an
    /// inline table such as `{ beta = [2, 5] }`.
    pub fn parse(text: &str) -> Result<Override, String> {
        let (path, raw) = text.split_once('=').ok_or_else(|| {
            format!("`{text}` is not of the form key.path=value (e.g. prospecting.join_probability=0.05)")
        })?;
        let path = path.trim().to_string();
        let raw = raw.trim();
        if path.is_empty() {
            return Err(format!("`{text}` has an empty key path"));
        }
        let value = match raw.parse::<Value>() {
            Ok(v) => v,
            // A bare word (e.g. a scenario name) is taken as a string.
            Err(_) if !raw.is_empty() && !raw.contains(['{', '[', '"', '\'']) => Value::from(raw),
            Err(e) => {
                return Err(format!(
                    "`{text}`: the value is not valid TOML ({}); use a number, a quoted string or a table like {{ beta = [2, 5] }}",
                    e.message().trim()
                ))
            }
        };
        Ok(Override {
            path,
            value,
            text: text.to_string(),
        })
    }
}

/// Typed constructors: a study that moves a parameter builds the override from numbers, so it
/// never writes a value as TOML text only to have it parsed again. The value is still checked
/// by the resolver like any other (range, form, unknown key), and `text` reads like what a user
/// would have typed, so error messages look the same either way.
impl Override {
    /// `path = value` for a whole-number setting (`careers`, `months`, `seed`): exact for every
    /// `i64`, which a float is not past 2^53.
    pub fn integer(path: &str, value: i64) -> Override {
        Override::from_value(path, Value::from(value))
    }

    /// The same override, described in messages as `text` (what the user typed, e.g.
    /// `--careers 5000`, or where the value came from).
    pub fn said_as(mut self, text: impl Into<String>) -> Override {
        self.text = text.into();
        self
    }

    /// `path = value`: a single number (a fixed parameter, or a whole-number setting such as
    /// `months` when `value` is whole).
    pub fn number(path: &str, value: f64) -> Override {
        Override::from_value(path, Value::from(value))
    }

    /// `path = { name = [args...] }`: a distribution of the form `name` ("beta", "uniform",
    /// "normal", "lognormal", "triangular") with its numbers as a scenario file writes them.
    /// The resolver checks the form and the numbers against the parameter's range.
    pub fn distribution(path: &str, name: &str, args: &[f64]) -> Override {
        let numbers: Array = args.iter().map(|a| Value::from(*a)).collect();
        let mut table = InlineTable::new();
        table.insert(name, Value::Array(numbers));
        Override::from_value(path, Value::InlineTable(table))
    }

    /// `path = dist`, for a distribution already built (e.g. one read from a scenario and
    /// then shifted).
    pub fn dist(path: &str, dist: &Dist) -> Override {
        Override::distribution(path, dist.name(), &dist.args())
    }

    /// `path = param`: a fixed value as [`Override::number`], a drawn one as [`Override::dist`].
    pub fn param(path: &str, param: &Param) -> Override {
        match param {
            Param::Fixed(v) => Override::number(path, *v),
            Param::Drawn(d) => Override::dist(path, d),
        }
    }

    fn from_value(path: &str, value: Value) -> Override {
        // `Value`'s Display writes TOML (with its own surrounding spaces, trimmed here), so the
        // text reads like an override typed on the command line.
        let text = format!("{path}={}", value.to_string().trim());
        Override {
            path: path.to_string(),
            value,
            text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse, Origin, ParamId, Scenario};

    const BASE: &str = "name = \"typed\"\nmonths = 12\ncareers = 100\n";

    fn with(overrides: &[Override]) -> Scenario {
        parse(BASE, "test.toml", overrides).unwrap()
    }

    #[test]
    fn a_typed_number_resolves_like_the_same_number_typed() {
        let typed = with(&[Override::number("rejection.sting", 0.25)]);
        let text = with(&[Override::parse("rejection.sting=0.25").unwrap()]);
        assert!(matches!(
            typed.params[ParamId::Sting as usize],
            Param::Fixed(v) if v == 0.25
        ));
        assert_eq!(typed.fingerprint(), text.fingerprint());
    }

    #[test]
    fn a_whole_typed_number_sets_an_integer_setting() {
        let s = with(&[Override::number("months", 36.0)]);
        assert_eq!(s.months, 36);
        assert!(parse(BASE, "test.toml", &[Override::number("months", 2.5)]).is_err());
    }

    #[test]
    fn a_typed_distribution_resolves_like_the_same_table_typed() {
        let typed = with(&[Override::distribution(
            "prospecting.join_probability",
            "beta",
            &[2.0, 50.0],
        )]);
        let text =
            with(&[Override::parse("prospecting.join_probability={ beta = [2, 50] }").unwrap()]);
        let param = typed.params[ParamId::JoinProbability as usize];
        match param {
            Param::Drawn(d) => {
                assert_eq!(d.name(), "beta");
                assert_eq!(d.args(), vec![2.0, 50.0]);
            }
            other => panic!("expected a drawn parameter, got {other:?}"),
        }
        assert_eq!(typed.fingerprint(), text.fingerprint());
    }

    #[test]
    fn a_param_read_from_one_scenario_round_trips_into_another() {
        let source = with(&[Override::parse("rejection.sting={ uniform = [0.1, 0.3] }").unwrap()]);
        let id = ParamId::Sting;
        let copied = with(&[Override::param(id.spec().path, &source.params[id as usize])]);
        assert_eq!(copied.fingerprint(), source.fingerprint());
        assert!(matches!(copied.params[id as usize], Param::Drawn(d) if d.args() == [0.1, 0.3]));
        let fixed = with(&[Override::param(id.spec().path, &Param::Fixed(0.4))]);
        assert!(matches!(fixed.params[id as usize], Param::Fixed(v) if v == 0.4));
    }

    #[test]
    fn typed_values_are_checked_like_typed_text() {
        let bad = [
            Override::number("rejection.sting", -1.0),
            Override::number("rejection.sting", f64::NAN),
            Override::distribution("prospecting.join_probability", "beta", &[0.0, 5.0]),
            Override::distribution("prospecting.join_probability", "gamma", &[1.0, 2.0]),
            Override::number("rejection.stong", 0.1),
        ];
        for o in bad {
            let e = parse(BASE, "test.toml", std::slice::from_ref(&o)).unwrap_err();
            assert!(
                matches!(&e.origin, Origin::Override(t) if *t == o.text),
                "{o:?} gave {e}"
            );
        }
    }

    #[test]
    fn typed_text_reads_like_a_command_line_override() {
        assert_eq!(
            Override::number("rejection.sting", 0.25).text,
            "rejection.sting=0.25"
        );
        assert_eq!(
            Override::distribution("prospecting.join_probability", "beta", &[2.0, 50.0]).text,
            "prospecting.join_probability={ beta = [2.0, 50.0] }"
        );
    }
}
