//! The resolver: a parsed TOML document plus `--set` overrides, checked key by key into a
//! [`Scenario`].
//!
//! Every value goes through the same checks whether it came from the file or from an override,
//! and every error names the file, the key, where the value came from (line or override) and
//! what is allowed. This file is long (about 540 lines) because it is one concept: the table of
//! rules for every key a scenario may contain; splitting it would scatter those rules.

use std::collections::BTreeMap;

use toml_edit::{Document, Item, Value};

use super::*;

pub(super) struct Resolver<'a> {
    pub(super) text: &'a str,
    pub(super) file: &'a str,
    pub(super) doc: &'a Document<&'a str>,
    pub(super) overrides: &'a [Override],
}

/// A value found for a key: from the file (with its line) or from an override.
pub(super) struct Found<'a> {
    pub(super) value: Option<&'a Value>,
    pub(super) item: &'a Item,
    pub(super) origin: Origin,
}

impl<'a> Resolver<'a> {
    pub(super) fn err(&self, key: Option<&str>, origin: Origin, message: String) -> ScenarioError {
        ScenarioError {
            file: self.file.to_string(),
            key: key.map(str::to_string),
            origin,
            message,
        }
    }

    pub(super) fn span_origin(&self, span: Option<std::ops::Range<usize>>) -> Origin {
        span.map(|s| Origin::Line(line_of(self.text, s.start)))
            .unwrap_or(Origin::Unknown)
    }

    /// Reject keys and sections the model does not know, suggesting the closest known one.
    pub(super) fn check_unknown_keys(&self) -> Result<(), ScenarioError> {
        let known = known_keys();
        let root = self.doc.as_table();
        for (key, item) in root.iter() {
            let key_span = root.key(key).and_then(|k| k.span());
            if key == super::kinds::SECTION {
                continue; // H2: checked key by key in kinds.rs
            }
            if SECTIONS.contains(&key) || super::company::COMPANY_SECTIONS.contains(&key) {
                if key == "sources" {
                    continue; // checked when read
                }
                let Some(table) = item.as_table_like() else {
                    return Err(self.err(
                        Some(key),
                        self.span_origin(key_span),
                        format!("`{key}` must be a table of settings (e.g. [{key}])"),
                    ));
                };
                for (sub, _) in table.iter() {
                    let path = format!("{key}.{sub}");
                    if !known.contains(&path.as_str()) {
                        let span = table.key(sub).and_then(|k| k.span()).or(key_span.clone());
                        let in_section: Vec<&str> = known
                            .iter()
                            .copied()
                            .filter(|k| k.starts_with(&format!("{key}.")))
                            .collect();
                        return Err(self.err(
                            Some(&path),
                            self.span_origin(span),
                            unknown_key_message(&path, &known, &in_section),
                        ));
                    }
                }
            } else if !known.contains(&key) {
                let mut candidates = known.clone();
                candidates.extend(SECTIONS.iter().copied());
                let top: Vec<&str> = SETTING_KEYS
                    .iter()
                    .copied()
                    .filter(|k| !k.contains('.'))
                    .chain(SECTIONS.iter().copied())
                    .collect();
                return Err(self.err(
                    Some(key),
                    self.span_origin(key_span),
                    unknown_key_message(key, &candidates, &top),
                ));
            }
        }
        Ok(())
    }

    pub(super) fn check_override_keys(&self) -> Result<(), ScenarioError> {
        if self.overrides.len() > MAX_OVERRIDES {
            return Err(self.err(
                None,
                Origin::Unknown,
                format!(
                    "{} --set overrides given; at most {MAX_OVERRIDES} are allowed (put them in a scenario file instead)",
                    self.overrides.len()
                ),
            ));
        }
        let known = known_keys();
        for o in self.overrides {
            if !known.contains(&o.path.as_str())
                && !o.path.starts_with("sources.")
                && !super::kinds::is_kind_key(&o.path)
            {
                return Err(self.err(
                    Some(&o.path),
                    Origin::Override(o.text.clone()),
                    unknown_key_message(&o.path, &known, &[]),
                ));
            }
        }
        Ok(())
    }

    /// The value for `path`: the last override naming it, else the file's, else none.
    pub(super) fn find(&self, path: &str) -> Option<Found<'a>> {
        if let Some(o) = self.overrides.iter().rev().find(|o| o.path == path) {
            return Some(Found {
                value: Some(&o.value),
                item: &Item::None,
                origin: Origin::Override(o.text.clone()),
            });
        }
        let root = self.doc.as_table();
        let (item, span) = match path.split_once('.') {
            None => {
                let item = root.get(path)?;
                (item, root.key(path).and_then(|k| k.span()))
            }
            Some((section, key)) => {
                let table = root.get(section)?.as_table_like()?;
                let item = table.get(key)?;
                let span = item
                    .span()
                    .or_else(|| table.key(key).and_then(|k| k.span()));
                (item, span)
            }
        };
        Some(Found {
            value: item.as_value(),
            item,
            origin: self.span_origin(span),
        })
    }

    pub(super) fn type_error(
        &self,
        path: &str,
        found: &Found<'_>,
        expected: &str,
    ) -> ScenarioError {
        let what = match found.value {
            Some(v) => format!("{} `{}`", article_type(v.type_name()), v.to_string().trim()),
            None => found.item.type_name().to_string(),
        };
        self.err(
            Some(path),
            found.origin.clone(),
            format!("expected {expected}, found {what}"),
        )
    }

    /// A string key. Control characters are refused (they would reach the terminal and the
    /// reports raw: an ESC can rewrite a terminal); only a `multiline` text may hold newlines
    /// and tabs. The limit counts characters, as its message says.
    pub(super) fn string(
        &self,
        path: &str,
        default: Option<&str>,
        multiline: bool,
    ) -> Result<String, ScenarioError> {
        match self.find(path) {
            None => default.map(str::to_string).ok_or_else(|| {
                self.err(
                    Some(path),
                    Origin::Unknown,
                    format!(
                        "`{path}` is required (a quoted string, e.g. {path} = \"My scenario\")"
                    ),
                )
            }),
            Some(found) => match found.value.and_then(|v| v.as_str()) {
                Some(s) => {
                    let allowed = |c: char| multiline && (c == '\n' || c == '\t');
                    if s.chars().any(|c| c.is_control() && !allowed(c)) {
                        Err(self.err(
                            Some(path),
                            found.origin,
                            if multiline {
                                "control characters other than newline and tab are not allowed"
                                    .into()
                            } else {
                                "control characters (tab, newline, escape, ...) are not allowed"
                                    .into()
                            },
                        ))
                    } else if s.chars().count() > 10_000 {
                        Err(self.err(
                            Some(path),
                            found.origin,
                            "at most 10000 characters are allowed".into(),
                        ))
                    } else {
                        Ok(s.to_string())
                    }
                }
                None => Err(self.type_error(path, &found, "a quoted string")),
            },
        }
    }

    pub(super) fn integer(
        &self,
        path: &str,
        min: u64,
        max: u64,
        default: u64,
    ) -> Result<u64, ScenarioError> {
        let Some(found) = self.find(path) else {
            return Ok(default);
        };
        let v = match found.value {
            Some(Value::Integer(i)) => *i.value(),
            Some(Value::Float(f)) if f.value().fract() == 0.0 && f.value().is_finite() => {
                *f.value() as i64
            }
            _ => return Err(self.type_error(path, &found, "a whole number")),
        };
        if v < 0 || (v as u64) < min || (v as u64) > max {
            let why = match path {
                "months" => " (50 years of monthly steps)",
                "careers" => " (split bigger studies into shards)",
                "downline.depth" => " (work grows as recruits^depth)",
                _ => "",
            };
            return Err(self.err(
                Some(path),
                found.origin,
                format!("{v} is outside the allowed range {min} to {max}{why}"),
            ));
        }
        Ok(v as u64)
    }

    pub(super) fn number_of(
        &self,
        path: &str,
        found: &Found<'_>,
        v: &Value,
    ) -> Result<f64, ScenarioError> {
        let x = match v {
            Value::Integer(i) => *i.value() as f64,
            Value::Float(f) => *f.value(),
            _ => {
                return Err(self.type_error(
                    path,
                    found,
                    &format!("a number or a distribution ({})", params::DIST_FORMS),
                ))
            }
        };
        if !x.is_finite() {
            return Err(self.err(
                Some(path),
                found.origin.clone(),
                format!("{x} is not allowed: values must be finite numbers"),
            ));
        }
        Ok(x)
    }

    pub(super) fn param(&self, id: ParamId) -> Result<Param, ScenarioError> {
        self.param_spec(id.spec())
    }

    /// Read and check a number-or-distribution value described by `spec`.
    pub(super) fn param_spec(&self, spec: &ParamSpec) -> Result<Param, ScenarioError> {
        let Some(found) = self.find(spec.path) else {
            return Ok(Param::Fixed(spec.default));
        };
        self.param_found(spec, spec.path, found)
    }

    /// Check a number-or-distribution value `found` for `spec`; errors name `path` (which is
    /// `spec.path`, or the longer path of a kind's override, `kinds.buyer.<spec.path>`).
    pub(super) fn param_found(
        &self,
        spec: &ParamSpec,
        path: &str,
        found: Found<'_>,
    ) -> Result<Param, ScenarioError> {
        let range_msg = || {
            format!(
                "allowed: {} to {} ({})",
                crate::fmt::compact(spec.min),
                crate::fmt::compact(spec.max),
                spec.unit.label()
            )
        };
        // A distribution may be an inline table or a [section.key] table.
        let table_like = found
            .value
            .and_then(|v| v.as_inline_table().map(|t| t as &dyn toml_edit::TableLike))
            .or_else(|| found.item.as_table_like());
        if let Some(table) = table_like {
            let entries: Vec<(&str, &Item)> = table.iter().collect();
            if entries.len() != 1 {
                return Err(self.err(
                    Some(path),
                    found.origin,
                    format!(
                        "a distribution table has exactly one key; allowed forms: {}",
                        params::DIST_FORMS
                    ),
                ));
            }
            let (name, args_item) = entries[0];
            let args: Option<Vec<f64>> = args_item.as_array().and_then(|a| {
                a.iter()
                    .map(|v| match v {
                        Value::Integer(i) => Some(*i.value() as f64),
                        Value::Float(f) => Some(*f.value()),
                        _ => None,
                    })
                    .collect()
            });
            let Some(args) = args else {
                return Err(self.err(
                    Some(path),
                    found.origin,
                    format!("`{name}` takes an array of numbers, e.g. {{ {name} = [2, 5] }}"),
                ));
            };
            return Dist::build(name, &args, spec)
                .map(Param::Drawn)
                .map_err(|m| self.err(Some(path), found.origin, format!("{m}; {}", range_msg())));
        }
        let Some(v) = found.value else {
            return Err(self.type_error(
                path,
                &found,
                &format!("a number or a distribution ({})", params::DIST_FORMS),
            ));
        };
        let x = self.number_of(path, &found, v)?;
        if x < spec.min || x > spec.max {
            let neg = if x < 0.0 && spec.unit == Unit::Money {
                " (money amounts cannot be negative)"
            } else {
                ""
            };
            return Err(self.err(
                Some(path),
                found.origin,
                format!(
                    "{} is out of range{neg}; {}",
                    crate::fmt::compact(x),
                    range_msg()
                ),
            ));
        }
        Ok(Param::Fixed(x))
    }

    pub(super) fn commission_rates(&self) -> Result<Vec<f64>, ScenarioError> {
        let path = "economics.commission_rates";
        let Some(found) = self.find(path) else {
            return Ok(Vec::new());
        };
        let Some(arr) = found.value.and_then(|v| v.as_array()) else {
            return Err(self.type_error(path, &found, "an array of shares, e.g. [0.05, 0.03]"));
        };
        if arr.len() > MAX_COMMISSION_LEVELS {
            return Err(self.err(
                Some(path),
                found.origin,
                format!(
                    "{} levels listed; at most {MAX_COMMISSION_LEVELS} are allowed",
                    arr.len()
                ),
            ));
        }
        let mut rates = Vec::with_capacity(arr.len());
        for (i, v) in arr.iter().enumerate() {
            let x = self.number_of(path, &found, v)?;
            if !(0.0..=1.0).contains(&x) {
                return Err(self.err(
                    Some(path),
                    found.origin,
                    format!("level {} rate {x} is out of range; allowed: 0 to 1 (share of the member's volume)", i + 1),
                ));
            }
            rates.push(x);
        }
        let total: f64 = rates.iter().sum();
        if total > 1.0 + 1e-12 {
            return Err(self.err(
                Some(path),
                found.origin,
                format!("rates add up to {total}; a plan cannot pay out more than the volume (sum <= 1)"),
            ));
        }
        Ok(rates)
    }

    /// A `[sources]` note: no control characters (they reach the terminal and report.html
    /// raw) and at most [`MAX_NOTE_CHARS`] characters (a 50 MB note became 97 MB of output).
    pub(super) fn check_note(
        &self,
        key: &str,
        note: &str,
        origin: Origin,
    ) -> Result<(), ScenarioError> {
        let message = if note.chars().any(char::is_control) {
            "control characters (tab, newline, escape, ...) are not allowed in a source note"
                .to_string()
        } else if note.chars().count() > MAX_NOTE_CHARS {
            format!("a source note may have at most {MAX_NOTE_CHARS} characters")
        } else {
            return Ok(());
        };
        Err(self.err(Some(&format!("sources.{key}")), origin, message))
    }

    pub(super) fn sources(&self) -> Result<BTreeMap<String, String>, ScenarioError> {
        let mut out = BTreeMap::new();
        let known = known_keys();
        let root = self.doc.as_table();
        if let Some(item) = root.get("sources") {
            let Some(table) = item.as_table_like() else {
                return Err(self.err(
                    Some("sources"),
                    self.span_origin(root.key("sources").and_then(|k| k.span())),
                    "`sources` must be a table of notes keyed by parameter path, e.g. \"economics.starter_kit\" = \"FTC v. Vemma (2015)\"".into(),
                ));
            };
            for (k, v) in table.iter() {
                let origin = self.span_origin(table.key(k).and_then(|key| key.span()));
                if !known.contains(&k) {
                    return Err(self.err(
                        Some(&format!("sources.{k}")),
                        origin,
                        unknown_key_message(k, &known, &[]),
                    ));
                }
                let Some(s) = v.as_str() else {
                    return Err(self.err(
                        Some(&format!("sources.{k}")),
                        origin,
                        "a source note must be a quoted string".into(),
                    ));
                };
                self.check_note(k, s, origin)?;
                out.insert(k.to_string(), s.to_string());
            }
        }
        for o in self
            .overrides
            .iter()
            .filter(|o| o.path.starts_with("sources."))
        {
            let key = &o.path["sources.".len()..];
            let origin = Origin::Override(o.text.clone());
            // The same rules as in a file: a note for a known key only.
            if !known.contains(&key) {
                return Err(self.err(Some(&o.path), origin, unknown_key_message(key, &known, &[])));
            }
            let Some(s) = o.value.as_str() else {
                return Err(self.err(
                    Some(&o.path),
                    origin,
                    "a source note must be a string".into(),
                ));
            };
            self.check_note(key, s, origin)?;
            out.insert(key.to_string(), s.to_string());
        }
        Ok(out)
    }

    pub(super) fn resolve(&self) -> Result<Scenario, ScenarioError> {
        self.check_unknown_keys()?;
        self.check_override_keys()?;
        let name = self.string("name", None, false)?;
        if name.trim().is_empty() {
            return Err(self.err(
                Some("name"),
                Origin::Unknown,
                "the name must not be empty".into(),
            ));
        }
        let description = self.string("description", Some(""), true)?;
        // Company world (issue 11): its horizon is `company.years`.
        let company = self.company_settings(self.is_company()?)?;
        let months = match &company {
            Some(c) => c.years * 12,
            None => self.integer("months", 1, MAX_MONTHS, 24)? as u32,
        };
        let careers = self.integer("careers", 1, MAX_CAREERS, 10_000)?;
        let seed = self.integer("seed", 0, i64::MAX as u64, 1)?;
        let cohort_size = self.integer("cohort_size", 1, MAX_COHORT, 100)?;
        let inactive_months = self.integer("consistency.inactive_months", 1, MAX_MONTHS, 3)? as u32;
        let depth = self.integer("downline.depth", 0, MAX_DEPTH, 0)? as u32;
        let max_downline = self.integer(
            "downline.max_size",
            1,
            MAX_DOWNLINE_CAP,
            DEFAULT_DOWNLINE_CAP,
        )?;
        let commission_rates = self.commission_rates()?;
        let break_even_band = match self.param_spec(&ParamSpec {
            path: "economics.break_even_band",
            min: 0.0,
            max: params::MONEY_MAX,
            default: crate::outcome::BREAK_EVEN_BAND,
            unit: Unit::Money,
            doc: "half-width of \"broke even\" in outcome bands",
        })? {
            Param::Fixed(v) => v,
            Param::Drawn(_) => {
                return Err(self.err(
                    Some("economics.break_even_band"),
                    Origin::Unknown,
                    "must be a single number: it defines a reporting band, not a trait".into(),
                ))
            }
        };
        let company = company.map(|c| CompanySettings {
            break_even_band,
            ..c
        });
        let params = ParamId::ALL
            .iter()
            .map(|id| self.param(*id))
            .collect::<Result<Vec<_>, _>>()?;
        let sources = self.sources()?;
        let kinds = self.kinds(&params)?; // H2: kinds of participant
        let scenario = Scenario {
            name,
            description,
            file: self.file.to_string(),
            months,
            careers,
            seed,
            cohort_size,
            inactive_months,
            depth,
            max_downline,
            commission_rates,
            break_even_band,
            params,
            sources,
            overrides: self.overrides.iter().map(|o| o.text.clone()).collect(),
            company,
            kinds,
            support_policy: self.support_policy()?,
        };
        self.check_combinations(&scenario)?;
        Ok(scenario)
    }

    /// Checks that need several keys at once.
    pub(super) fn check_combinations(&self, s: &Scenario) -> Result<(), ScenarioError> {
        let pj = s.param(ParamId::JoinProbability).mean();
        let pc = s.param(ParamId::CustomerProbability).mean();
        if matches!(
            (
                s.param(ParamId::JoinProbability),
                s.param(ParamId::CustomerProbability)
            ),
            (Param::Fixed(_), Param::Fixed(_))
        ) && pj + pc > 1.0 + 1e-12
        {
            let origin = self
                .find("prospecting.customer_probability")
                .map(|f| f.origin)
                .unwrap_or(Origin::Unknown);
            return Err(self.err(
                Some("prospecting.customer_probability"),
                origin,
                format!(
                    "join_probability + customer_probability = {} exceeds 1: a contact either joins, buys, or says no",
                    pj + pc
                ),
            ));
        }
        Ok(())
    }
}

fn article_type(t: &str) -> String {
    match t.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {t}"),
        _ => format!("a {t}"),
    }
}

fn unknown_key_message(typed: &str, candidates: &[&str], listing: &[&str]) -> String {
    let mut msg = format!("unknown key `{typed}`");
    // Compare against the full paths and against the last segment, so both `seeed` and
    // `prospecting.contacts_per_mnth` find their match.
    let last = typed.rsplit('.').next().unwrap_or(typed);
    let suggestion = did_you_mean(typed, candidates).or_else(|| {
        let tails: Vec<&str> = listing
            .iter()
            .map(|k| k.rsplit('.').next().unwrap_or(k))
            .collect();
        did_you_mean(last, &tails).and_then(|t| {
            listing
                .iter()
                .find(|k| k.rsplit('.').next() == Some(t.as_str()))
                .map(|k| k.to_string())
        })
    });
    if let Some(s) = suggestion {
        msg.push_str(&format!("; did you mean `{s}`?"));
    }
    if !listing.is_empty() {
        msg.push_str(&format!(" Allowed here: {}.", listing.join(", ")));
    } else {
        msg.push_str(" See docs/model.md for every key.");
    }
    msg
}
