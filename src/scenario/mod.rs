//! Scenario files: TOML text (plus `--set` overrides) turned into a validated [`Scenario`].
//!
//! Validation happens here, once, at the edge: the model and engine only ever see a
//! [`Scenario`], whose every value is finite and inside its documented range. The file is read
//! with `toml_edit` rather than through serde so that every error can name the file, the key
//! path and the line the user has to fix, and so that `--set` overrides go through exactly the
//! same checks as the file.

pub mod company;
pub mod kinds;
mod overrides;
pub mod params;
mod resolve;
pub mod support;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use toml_edit::Document;

use resolve::Resolver;

pub use company::{CompanySettings, Rank};
pub use kinds::{Kind, Kinds};
pub use overrides::Override;
pub use params::{Dist, Param, ParamId, ParamSpec, Traits, Unit, N_PARAMS, PARAMS};
pub use support::SupportPolicy;

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

/// Most characters in one `[sources]` note: a citation with a sentence of context fits, a
/// pasted document does not (every note is printed by `check` and copied into reports).
pub const MAX_NOTE_CHARS: usize = 2_000;
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
    // Sponsors who support (issue 12, H3).
    support::POLICY_KEY,
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
    "time",
    "warm",
    "sources",
    // Sponsors who support (issue 12, H3).
    "support",
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
    /// Kinds of participant (buyers, dabblers, builders) when the scenario has a `[kinds]`
    /// table (see [`kinds`]); `None`: everyone is the scenario's one kind.
    pub kinds: Option<Kinds>,
    /// How sponsors share their support hours (`support.policy`; issue 12, H3).
    pub support_policy: SupportPolicy,
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
                    .map(|r| crate::fmt::compact(*r))
                    .collect();
                out.push((
                    "economics.commission_rates".into(),
                    format!("[{}]", rates.join(", ")),
                ));
                out.push((
                    "economics.break_even_band".into(),
                    crate::fmt::compact(self.break_even_band),
                ));
            }
            if *id == ParamId::SupportEffect {
                out.push((
                    support::POLICY_KEY.into(),
                    format!("{:?}", self.support_policy.as_str()),
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
        // Kinds of participant (issue 12, H2).
        if let Some(k) = &self.kinds {
            out.extend(k.listing(&self.params));
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

/// Load a scenario file and apply command-line overrides.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = crate::input::read_text_capped(path, crate::input::MAX_SCENARIO_BYTES, "scenario")
        .map_err(|e| ScenarioError {
        file: file.clone(),
        key: None,
        origin: Origin::Unknown,
        message: format!("{e:#}"),
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
pub(super) fn line_of(text: &str, offset: usize) -> usize {
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
    keys.extend(kinds::OVERRIDE_KEYS.iter().copied());
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
