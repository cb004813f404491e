//! Scenario files: TOML text (plus `--set` overrides) turned into a validated [`Scenario`].
//!
//! Validation happens here, once, at the edge: the model and engine only ever see a
//! [`Scenario`], whose every value is finite and inside its documented range. The file is read
//! with `toml_edit` rather than through serde so that every error can name the file, the key
//! path and the line the user has to fix, and so that `--set` overrides go through exactly the
//! same checks as the file.

pub mod company;
pub mod params;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use toml_edit::{Document, Item, Value};

pub use company::{CompanySettings, Rank};
pub use params::{Dist, Param, ParamId, ParamSpec, Traits, Unit, N_PARAMS, PARAMS};

/// Largest horizon: 50 years of monthly steps. Careers longer than a working life are not a
/// question anyone asks, and the survival arrays stay small.
pub const MAX_MONTHS: u64 = 600;
/// Largest number of careers in one run (shards can split it); 10^9 careers is days of CPU.
pub const MAX_CAREERS: u64 = 1_000_000_000;
/// Largest downline depth: commissions past 6 levels are rare, and work grows as R^depth.
pub const MAX_DEPTH: u64 = 6;
/// Largest number of commission levels a plan may list.
pub const MAX_COMMISSION_LEVELS: usize = 10;
/// Largest cohort (team or class) size for the failure-rate distribution.
pub const MAX_COHORT: u64 = 1_000_000;
/// Largest per-career downline cap (people simulated for one followed career).
pub const MAX_DOWNLINE_CAP: u64 = 10_000_000;
/// Default per-career downline cap.
pub const DEFAULT_DOWNLINE_CAP: u64 = 100_000;
/// Most `--set` overrides accepted on one command line.
pub const MAX_OVERRIDES: usize = 256;

/// Keys that are run settings or plan structure rather than per-distributor parameters.
const SETTING_KEYS: &[&str] = &[
    "name",
    "description",
    "months",
    "careers",
    "seed",
    "cohort_size",
    "consistency.inactive_months",
    "downline.depth",
    "downline.max_size",
    "economics.commission_rates",
    "economics.break_even_band",
];

/// Sections a scenario may contain (tables at the top level).
const SECTIONS: &[&str] = &[
    "prospecting",
    "relationships",
    "rejection",
    "consistency",
    "personal_development",
    "training",
    "goals",
    "motivation",
    "economics",
    "downline",
    "attrition",
    "sources",
];

/// Where a bad value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A line of the scenario file.
    Line(usize),
    /// A `--set` (or `--careers`/`--months`/`--seed`) override on the command line.
    Override(String),
    /// Not tied to one place (e.g. a check across several keys).
    Unknown,
}

/// A scenario that cannot be used, with everything a user needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The scenario file as the user named it.
    pub file: String,
    /// The dotted key path, when one key is at fault.
    pub key: Option<String>,
    /// Where the value was written.
    pub origin: Origin,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid scenario {}", self.file)?;
        match &self.origin {
            Origin::Line(n) => write!(f, ", line {n}")?,
            Origin::Override(s) => write!(f, " (from the command line: {s})")?,
            Origin::Unknown => {}
        }
        if let Some(k) = &self.key {
            write!(f, ", key `{k}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// A validated scenario: one kind of distributor and business.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Display name (from `name`).
    pub name: String,
    /// Free-text description.
    pub description: String,
    /// The file it came from, as the user named it.
    pub file: String,
    /// Horizon in months.
    pub months: u32,
    /// Number of followed careers.
    pub careers: u64,
    /// Master seed; career k's random streams derive from (seed, k).
    pub seed: u64,
    /// Size of a cohort (a team or training class) for the failure-rate distribution.
    pub cohort_size: u64,
    /// Consecutive low-effort months after which a distributor counts as having stopped.
    pub inactive_months: u32,
    /// Downline levels simulated below each followed distributor (0 = no downline).
    pub depth: u32,
    /// Cap on people simulated for one followed career (the followed distributor included).
    pub max_downline: u64,
    /// Unilevel commission rate per level (level 1 first), shares of the member's volume.
    pub commission_rates: Vec<f64>,
    /// Half-width of "broke even" in survey outcome bands (currency units, whole career).
    pub break_even_band: f64,
    /// Every distributor parameter, fixed or drawn.
    pub params: Vec<Param>,
    /// Source notes keyed by parameter path (parameter provenance).
    pub sources: BTreeMap<String, String>,
    /// The `--set` overrides that were applied, as typed.
    pub overrides: Vec<String>,
    /// The company world's settings when `kind = "company"` (see [`company`]); `None` for
    /// followed careers.
    pub company: Option<CompanySettings>,
}

impl Scenario {
    /// The parameter `id`.
    pub fn param(&self, id: ParamId) -> &Param {
        &self.params[id as usize]
    }

    /// The fixed-value traits every distributor starts from (distributions at their mean).
    pub fn base_traits(&self) -> Traits {
        let mut t = Traits([0.0; N_PARAMS]);
        for id in ParamId::ALL {
            t.set(*id, self.param(*id).mean());
        }
        t
    }

    /// Parameters drawn per distributor, with their distributions.
    pub fn varying(&self) -> Vec<(ParamId, Dist)> {
        ParamId::ALL
            .iter()
            .filter_map(|id| match self.param(*id) {
                Param::Drawn(d) => Some((*id, *d)),
                Param::Fixed(_) => None,
            })
            .collect()
    }

    /// A file- and folder-safe name: lower-case letters, digits and dashes, at most 60 chars.
    pub fn slug(&self) -> String {
        slugify(&self.name)
    }

    /// Every resolved setting and parameter as `key = value` lines, in a fixed order. This is
    /// what `mlm-sim check` prints and what the scenario hash is computed from.
    pub fn canonical_listing(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("name".to_string(), format!("{:?}", self.name)),
            ("months".to_string(), self.months.to_string()),
            ("careers".to_string(), self.careers.to_string()),
            ("seed".to_string(), self.seed.to_string()),
            ("cohort_size".to_string(), self.cohort_size.to_string()),
        ];
        for id in ParamId::ALL {
            out.push((id.spec().path.to_string(), self.param(*id).describe()));
            if *id == ParamId::InactiveBelow {
                out.push((
                    "consistency.inactive_months".into(),
                    self.inactive_months.to_string(),
                ));
            }
            if *id == ParamId::CustomerChurn {
                let rates: Vec<String> = self
                    .commission_rates
                    .iter()
                    .map(|r| params::fmt_num(*r))
                    .collect();
                out.push((
                    "economics.commission_rates".into(),
                    format!("[{}]", rates.join(", ")),
                ));
                out.push((
                    "economics.break_even_band".into(),
                    params::fmt_num(self.break_even_band),
                ));
            }
            if *id == ParamId::LossTolerance {
                out.push(("downline.depth".into(), self.depth.to_string()));
                out.push(("downline.max_size".into(), self.max_downline.to_string()));
            }
        }
        // Company world (issue 11): its settings follow the per-person levers.
        if let Some(c) = &self.company {
            out.extend(c.listing());
        }
        out
    }

    /// A stable 64-bit fingerprint of everything that affects results (FNV-1a of the
    /// canonical listing). Shards of one study must agree on it before they are merged.
    pub fn fingerprint(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (k, v) in self.canonical_listing() {
            for b in k.bytes().chain([b'=']).chain(v.bytes()).chain([b'\n']) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        format!("{h:016x}")
    }
}

/// Turn a display name into a safe folder name.
pub fn slugify(name: &str) -> String {
    let mut s = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            s.push(ch.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
        if s.len() >= 60 {
            break;
        }
    }
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "scenario".to_string()
    } else if is_reserved_windows_name(&s) {
        // `con`, `nul`, `com1`, ... cannot be folder names on Windows.
        format!("{s}-scenario")
    } else {
        s
    }
}

/// Device names Windows reserves in every folder, whatever the extension.
fn is_reserved_windows_name(slug: &str) -> bool {
    matches!(slug, "con" | "prn" | "aux" | "nul")
        || ((slug.starts_with("com") || slug.starts_with("lpt"))
            && slug.len() == 4
            && slug.as_bytes()[3].is_ascii_digit())
}

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

/// Load a scenario file and apply command-line overrides.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: file.clone(),
        key: None,
        origin: Origin::Unknown,
        message: format!("cannot read the file: {e}"),
    })?;
    parse(&text, &file, overrides)
}

/// Parse scenario text (named `file` in errors) and apply overrides.
pub fn parse(text: &str, file: &str, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let doc = Document::parse(text).map_err(|e| ScenarioError {
        file: file.to_string(),
        key: None,
        origin: e
            .span()
            .map(|s| Origin::Line(line_of(text, s.start)))
            .unwrap_or(Origin::Unknown),
        message: format!("not valid TOML: {}", e.message().trim()),
    })?;
    Resolver {
        text,
        file,
        doc: &doc,
        overrides,
    }
    .resolve()
}

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// All keys a scenario may contain, for unknown-key checks and did-you-mean.
pub fn known_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = SETTING_KEYS.to_vec();
    keys.extend(PARAMS.iter().map(|p| p.path));
    keys.extend(company::COMPANY_KEYS.iter().copied());
    keys
}

/// The closest known key to `typed`, if it is close enough to be a likely typo.
pub fn did_you_mean(typed: &str, candidates: &[&str]) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(typed, c);
        if score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

struct Resolver<'a> {
    text: &'a str,
    file: &'a str,
    doc: &'a Document<&'a str>,
    overrides: &'a [Override],
}

/// A value found for a key: from the file (with its line) or from an override.
struct Found<'a> {
    value: Option<&'a Value>,
    item: &'a Item,
    origin: Origin,
}

impl<'a> Resolver<'a> {
    fn err(&self, key: Option<&str>, origin: Origin, message: String) -> ScenarioError {
        ScenarioError {
            file: self.file.to_string(),
            key: key.map(str::to_string),
            origin,
            message,
        }
    }

    fn span_origin(&self, span: Option<std::ops::Range<usize>>) -> Origin {
        span.map(|s| Origin::Line(line_of(self.text, s.start)))
            .unwrap_or(Origin::Unknown)
    }

    /// Reject keys and sections the model does not know, suggesting the closest known one.
    fn check_unknown_keys(&self) -> Result<(), ScenarioError> {
        let known = known_keys();
        let root = self.doc.as_table();
        for (key, item) in root.iter() {
            let key_span = root.key(key).and_then(|k| k.span());
            if SECTIONS.contains(&key) || company::COMPANY_SECTIONS.contains(&key) {
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

    fn check_override_keys(&self) -> Result<(), ScenarioError> {
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
            if !known.contains(&o.path.as_str()) && !o.path.starts_with("sources.") {
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
    fn find(&self, path: &str) -> Option<Found<'a>> {
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

    fn type_error(&self, path: &str, found: &Found<'_>, expected: &str) -> ScenarioError {
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

    fn string(&self, path: &str, default: Option<&str>) -> Result<String, ScenarioError> {
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
                    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                        Err(self.err(
                            Some(path),
                            found.origin,
                            "control characters are not allowed".into(),
                        ))
                    } else if s.len() > 10_000 {
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

    fn integer(&self, path: &str, min: u64, max: u64, default: u64) -> Result<u64, ScenarioError> {
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

    fn number_of(&self, path: &str, found: &Found<'_>, v: &Value) -> Result<f64, ScenarioError> {
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

    fn param(&self, id: ParamId) -> Result<Param, ScenarioError> {
        self.param_spec(id.spec())
    }

    /// Read and check a number-or-distribution value described by `spec`.
    fn param_spec(&self, spec: &ParamSpec) -> Result<Param, ScenarioError> {
        let path = spec.path;
        let Some(found) = self.find(path) else {
            return Ok(Param::Fixed(spec.default));
        };
        let range_msg = || {
            format!(
                "allowed: {} to {} ({})",
                params::fmt_num(spec.min),
                params::fmt_num(spec.max),
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
                    params::fmt_num(x),
                    range_msg()
                ),
            ));
        }
        Ok(Param::Fixed(x))
    }

    fn commission_rates(&self) -> Result<Vec<f64>, ScenarioError> {
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

    fn sources(&self) -> Result<BTreeMap<String, String>, ScenarioError> {
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
                out.insert(k.to_string(), s.to_string());
            }
        }
        for o in self
            .overrides
            .iter()
            .filter(|o| o.path.starts_with("sources."))
        {
            let key = &o.path["sources.".len()..];
            let Some(s) = o.value.as_str() else {
                return Err(self.err(
                    Some(&o.path),
                    Origin::Override(o.text.clone()),
                    "a source note must be a string".into(),
                ));
            };
            out.insert(key.to_string(), s.to_string());
        }
        Ok(out)
    }

    fn resolve(&self) -> Result<Scenario, ScenarioError> {
        self.check_unknown_keys()?;
        self.check_override_keys()?;
        let name = self.string("name", None)?;
        if name.trim().is_empty() {
            return Err(self.err(
                Some("name"),
                Origin::Unknown,
                "the name must not be empty".into(),
            ));
        }
        let description = self.string("description", Some(""))?;
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
            default: crate::stats::disclosure::BREAK_EVEN_BAND,
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
        let params = ParamId::ALL
            .iter()
            .map(|id| self.param(*id))
            .collect::<Result<Vec<_>, _>>()?;
        let sources = self.sources()?;
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
        };
        self.check_combinations(&scenario)?;
        Ok(scenario)
    }

    /// Checks that need several keys at once.
    fn check_combinations(&self, s: &Scenario) -> Result<(), ScenarioError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Scenario {
        parse(text, "test.toml", &[]).unwrap()
    }

    fn parse_err(text: &str) -> ScenarioError {
        parse(text, "test.toml", &[]).unwrap_err()
    }

    #[test]
    fn minimal_scenario_uses_documented_defaults() {
        let s = parse_ok("name = \"x\"\n");
        assert_eq!(s.months, 24);
        assert_eq!(s.cohort_size, 100);
        assert!(matches!(s.param(ParamId::Sting), Param::Fixed(v) if *v == 0.0));
        assert!(s.param(ParamId::LossTolerance).mean().is_infinite());
    }

    #[test]
    fn unknown_key_names_line_and_suggests() {
        let e = parse_err("name = \"x\"\n[prospecting]\ncontacts_per_mnth = 3\n");
        assert_eq!(e.origin, Origin::Line(3));
        assert_eq!(e.key.as_deref(), Some("prospecting.contacts_per_mnth"));
        assert!(
            e.message
                .contains("did you mean `prospecting.contacts_per_month`"),
            "{e}"
        );
    }

    #[test]
    fn probability_out_of_range_is_rejected_with_line() {
        let e = parse_err("name = \"x\"\n\n[prospecting]\njoin_probability = 1.5\n");
        assert_eq!(e.origin, Origin::Line(4));
        assert!(e.message.contains("0 to 1"), "{e}");
    }

    #[test]
    fn nan_negative_money_and_wrong_types_are_rejected() {
        assert!(parse_err("name = \"x\"\n[rejection]\nsting = nan\n")
            .message
            .contains("finite"));
        let e = parse_err("name = \"x\"\n[economics]\nstarter_kit = -5\n");
        assert!(e.message.contains("negative"), "{e}");
        let e = parse_err("name = \"x\"\n[economics]\nstarter_kit = \"cheap\"\n");
        assert!(e.message.contains("expected a number"), "{e}");
        let e = parse_err("name = \"x\"\nmonths = 100000\n");
        assert!(e.message.contains("600"), "{e}");
        let e = parse_err("name = \"x\"\ncareers = 0\n");
        assert!(e.message.contains("1 to"), "{e}");
    }

    #[test]
    fn overrides_replace_file_values_and_are_validated() {
        let o = Override::parse("prospecting.join_probability={ beta = [2, 50] }").unwrap();
        let s = parse("name = \"x\"\n", "t.toml", &[o]).unwrap();
        assert!(matches!(
            s.param(ParamId::JoinProbability),
            Param::Drawn(Dist::Beta { .. })
        ));
        let o = Override::parse("rejection.sting=2").unwrap();
        let e = parse("name = \"x\"\n", "t.toml", &[o]).unwrap_err();
        assert!(matches!(e.origin, Origin::Override(_)));
        let o = Override::parse("rejection.stong=0.1").unwrap();
        let e = parse("name = \"x\"\n", "t.toml", &[o]).unwrap_err();
        assert!(e.message.contains("did you mean `rejection.sting`"), "{e}");
    }

    #[test]
    fn slugs_are_safe() {
        assert_eq!(slugify("Numbers game!"), "numbers-game");
        assert_eq!(slugify("../../etc/passwd"), "etc-passwd");
        assert_eq!(slugify("\u{0}\u{7}"), "scenario");
        assert!(slugify(&"a".repeat(500)).len() <= 60);
    }

    #[test]
    fn slugs_of_hostile_names_are_safe_and_never_empty() {
        let safe = |s: &str| {
            !s.is_empty()
                && s.len() <= 60
                && !s.starts_with('-')
                && !s.ends_with('-')
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        for name in [
            "..",
            ".",
            "/",
            "C:\\Windows\\System32",
            "--flag",
            "a\u{202e}b",
            "名前",
            "Ünïcödé Näme",
            &"é".repeat(100),
            &format!("{}x", "-".repeat(200)),
            &"ab ".repeat(100),
        ] {
            let s = slugify(name);
            assert!(safe(&s), "{name:?} -> {s:?}");
        }
        assert_eq!(slugify("CON"), "con-scenario");
        assert_eq!(slugify("lpt1"), "lpt1-scenario");
        assert_eq!(slugify("console"), "console");
        assert_eq!(slugify("Ünïcödé Näme"), "n-c-d-n-me");
    }

    #[test]
    fn fingerprint_changes_with_any_parameter() {
        let a = parse_ok("name = \"x\"\n");
        let b = parse(
            "name = \"x\"\n",
            "t",
            &[Override::parse("rejection.sting=0.01").unwrap()],
        )
        .unwrap();
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint(), parse_ok("name = \"x\"\n").fingerprint());
    }
}
