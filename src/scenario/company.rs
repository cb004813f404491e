//! The company world's scenario keys: `kind = "company"` with `[company]`, `[market]` and
//! `[plan]` tables, validated like every other key (file, key and line in every error).
//!
//! Why a separate file: the followed-career keys live in [`super::params`] (the registry of
//! per-person levers, which both modes share). These are settings of the world itself (how many
//! founders, how big the market, how the plan pays) and have no meaning for one person.

use toml_edit::Value;

use super::resolve::Resolver;
use super::{Origin, ScenarioError};

/// Longest company horizon in years (the monthly arrays are bounded by `MAX_MONTHS` too).
pub const MAX_YEARS: u64 = 50;
/// Largest market: above the adult population of any country but China and India.
pub const MAX_MARKET: u64 = 1_000_000_000;
/// Most founders.
pub const MAX_FOUNDERS: u64 = 1_000_000;
/// Most replicate companies in one run.
pub const MAX_REPLICATES: u64 = 100_000;
/// Largest participant cap a scenario may set (participant ids are 32-bit).
pub const MAX_PARTICIPANTS_CAP: u64 = 1_000_000_000;
/// Default participant cap: 20 million participants take about 2.5 GB (see the `world` module).
pub const DEFAULT_PARTICIPANTS_CAP: u64 = 20_000_000;
/// Most ranks a plan may list.
pub const MAX_RANKS: usize = 16;

/// Keys of the company world, for unknown-key checks and did-you-mean.
pub const COMPANY_KEYS: &[&str] = &[
    "kind",
    "company.founders",
    "company.years",
    "company.replicates",
    "company.disclosure_year",
    "company.max_participants",
    "market.size",
    "market.recontact_after_months",
    "plan.min_personal_volume",
    "plan.rank_group_volume",
    "plan.rank_override",
];

/// Sections of the company world.
pub const COMPANY_SECTIONS: &[&str] = &["company", "market", "plan"];

/// A rank: a monthly group-volume threshold and the override it pays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rank {
    /// Group volume (own plus whole downline, one month) needed for the rank, currency units.
    pub group_volume: f64,
    /// Override rate of the rank, share of downline volume; paid as a difference to lower
    /// ranks below (docs/model.md, "Ranks").
    pub override_rate: f64,
}

/// The validated settings of a company world.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanySettings {
    /// People who start the company in month 0.
    pub founders: u64,
    /// Horizon in years (the scenario's `months` is `12 x years`).
    pub years: u32,
    /// Independent companies simulated (intervals are across them).
    pub replicates: u64,
    /// Calendar year (1-based) of the income-disclosure statement.
    pub disclosure_year: u32,
    /// Most participants one company may ever have; joins beyond it are refused and the
    /// replicate is reported as capped.
    pub max_participants: u64,
    /// People in the market (the founders among them).
    pub market_size: u64,
    /// Months after which someone who said no can be approached afresh (0 = never).
    pub recontact_after_months: u32,
    /// Own monthly volume below which a member earns no commission that month.
    pub min_personal_volume: f64,
    /// Rank table, increasing in both threshold and rate; empty for a plain unilevel plan.
    pub ranks: Vec<Rank>,
    /// The scenario's `economics.break_even_band`, copied here so a company's report can put
    /// whole careers in the surveys' lost / broke even / profited bands.
    pub break_even_band: f64,
}

impl Resolver<'_> {
    /// `kind`: `"careers"` (default) or `"company"`.
    pub(super) fn is_company(&self) -> Result<bool, ScenarioError> {
        let kind = self.string("kind", Some("careers"), false)?;
        match kind.as_str() {
            "careers" => Ok(false),
            "company" => Ok(true),
            other => Err(self.err(
                Some("kind"),
                self.find("kind").map(|f| f.origin).unwrap_or(Origin::Unknown),
                format!("`{other}` is not a kind of scenario; allowed: \"careers\" (followed careers, the default) or \"company\" (a whole company in a finite market)"),
            )),
        }
    }

    /// Read the company world's keys; errors if they appear in a followed-career scenario.
    pub(super) fn company_settings(
        &self,
        company: bool,
    ) -> Result<Option<CompanySettings>, ScenarioError> {
        if !company {
            if let Some(key) = COMPANY_KEYS.iter().skip(1).find(|k| self.find(k).is_some()) {
                let origin = self.find(key).map(|f| f.origin).unwrap_or(Origin::Unknown);
                return Err(self.err(
                    Some(key),
                    origin,
                    "this key belongs to a company world; add `kind = \"company\"` at the top of the file, or remove it".into(),
                ));
            }
            return Ok(None);
        }
        for key in ["months", "downline.depth", "downline.max_size"] {
            if let Some(found) = self.find(key) {
                return Err(self.err(
                    Some(key),
                    found.origin,
                    format!("`{key}` has no meaning in a company world: set the horizon with `company.years`; the whole tree is simulated"),
                ));
            }
        }
        let founders = self.integer("company.founders", 1, MAX_FOUNDERS, 10)?;
        let years = self.integer("company.years", 1, MAX_YEARS, 10)? as u32;
        let replicates = self.integer("company.replicates", 1, MAX_REPLICATES, 10)?;
        let disclosure_year = self.integer("company.disclosure_year", 0, MAX_YEARS, 0)? as u32;
        if disclosure_year > years {
            let origin = self
                .find("company.disclosure_year")
                .map(|f| f.origin)
                .unwrap_or(Origin::Unknown);
            return Err(self.err(
                Some("company.disclosure_year"),
                origin,
                format!("year {disclosure_year} is past the horizon of {years} years; allowed: 1 to {years}, or 0 for the last year"),
            ));
        }
        let max_participants = self.integer(
            "company.max_participants",
            1,
            MAX_PARTICIPANTS_CAP,
            DEFAULT_PARTICIPANTS_CAP,
        )?;
        let market_size = self.integer("market.size", 1, MAX_MARKET, 1_000_000)?;
        let recontact_after_months =
            self.integer("market.recontact_after_months", 0, 600, 12)? as u32;
        if founders > market_size {
            let origin = self
                .find("market.size")
                .or_else(|| self.find("company.founders"))
                .map(|f| f.origin)
                .unwrap_or(Origin::Unknown);
            return Err(self.err(
                Some("market.size"),
                origin,
                format!("a market of {market_size} people cannot hold {founders} founders (the founders are part of the market); allowed: market.size >= company.founders"),
            ));
        }
        if founders > max_participants {
            let origin = self
                .find("company.max_participants")
                .map(|f| f.origin)
                .unwrap_or(Origin::Unknown);
            return Err(self.err(
                Some("company.max_participants"),
                origin,
                format!(
                    "the cap of {max_participants} participants is below the {founders} founders"
                ),
            ));
        }
        let min_personal_volume = self.plain_number(
            "plan.min_personal_volume",
            0.0,
            super::params::MONEY_MAX,
            0.0,
        )?;
        let ranks = self.ranks()?;
        Ok(Some(CompanySettings {
            founders,
            years,
            replicates,
            disclosure_year: if disclosure_year == 0 {
                years
            } else {
                disclosure_year
            },
            max_participants,
            market_size,
            recontact_after_months,
            min_personal_volume,
            ranks,
            // Set by the resolver once `economics.break_even_band` is read.
            break_even_band: crate::outcome::BREAK_EVEN_BAND,
        }))
    }

    /// A single number in `min..=max` (not a distribution: these are plan rules).
    fn plain_number(
        &self,
        path: &str,
        min: f64,
        max: f64,
        default: f64,
    ) -> Result<f64, ScenarioError> {
        let Some(found) = self.find(path) else {
            return Ok(default);
        };
        let Some(v) = found.value else {
            return Err(self.type_error(path, &found, "a number"));
        };
        let x = self.number_of(path, &found, v)?;
        if x < min || x > max {
            return Err(self.err(
                Some(path),
                found.origin,
                format!("{x} is out of range; allowed: {min} to {max}"),
            ));
        }
        Ok(x)
    }

    /// An array of numbers in `min..=max`, strictly increasing.
    fn increasing_array(&self, path: &str, min: f64, max: f64) -> Result<Vec<f64>, ScenarioError> {
        let Some(found) = self.find(path) else {
            return Ok(Vec::new());
        };
        let Some(arr) = found.value.and_then(Value::as_array) else {
            return Err(self.type_error(path, &found, "an array of numbers, e.g. [1000, 5000]"));
        };
        if arr.len() > MAX_RANKS {
            return Err(self.err(
                Some(path),
                found.origin,
                format!(
                    "{} ranks listed; at most {MAX_RANKS} are allowed",
                    arr.len()
                ),
            ));
        }
        let mut out: Vec<f64> = Vec::with_capacity(arr.len());
        for (i, v) in arr.iter().enumerate() {
            let x = self.number_of(path, &found, v)?;
            if x < min || x > max {
                return Err(self.err(
                    Some(path),
                    found.origin,
                    format!(
                        "rank {} value {x} is out of range; allowed: {min} to {max}",
                        i + 1
                    ),
                ));
            }
            if let Some(prev) = out.last().filter(|p| x <= **p) {
                return Err(self.err(
                    Some(path),
                    found.origin,
                    format!("rank {} value {x} is not above rank {}'s {prev}: ranks must be listed lowest first, each strictly higher than the one before", i + 1, i),
                ));
            }
            out.push(x);
        }
        Ok(out)
    }

    /// The rank table: `plan.rank_group_volume` and `plan.rank_override`, same length.
    fn ranks(&self) -> Result<Vec<Rank>, ScenarioError> {
        let volumes =
            self.increasing_array("plan.rank_group_volume", 0.0, super::params::MONEY_MAX)?;
        let rates = self.increasing_array("plan.rank_override", 0.0, 1.0)?;
        if volumes.len() != rates.len() {
            let origin = self
                .find("plan.rank_override")
                .or_else(|| self.find("plan.rank_group_volume"))
                .map(|f| f.origin)
                .unwrap_or(Origin::Unknown);
            return Err(self.err(
                Some("plan.rank_override"),
                origin,
                format!(
                    "{} override rates for {} group-volume thresholds: give one rate per rank",
                    rates.len(),
                    volumes.len()
                ),
            ));
        }
        Ok(volumes
            .into_iter()
            .zip(rates)
            .map(|(group_volume, override_rate)| Rank {
                group_volume,
                override_rate,
            })
            .collect())
    }
}

impl CompanySettings {
    /// `key = value` lines for `check` and the fingerprint.
    pub fn listing(&self) -> Vec<(String, String)> {
        let nums = |xs: Vec<f64>| {
            let v: Vec<String> = xs.iter().map(|x| crate::fmt::compact(*x)).collect();
            format!("[{}]", v.join(", "))
        };
        vec![
            ("kind".into(), "\"company\"".into()),
            ("company.founders".into(), self.founders.to_string()),
            ("company.years".into(), self.years.to_string()),
            ("company.replicates".into(), self.replicates.to_string()),
            (
                "company.disclosure_year".into(),
                self.disclosure_year.to_string(),
            ),
            (
                "company.max_participants".into(),
                self.max_participants.to_string(),
            ),
            ("market.size".into(), self.market_size.to_string()),
            (
                "market.recontact_after_months".into(),
                self.recontact_after_months.to_string(),
            ),
            (
                "plan.min_personal_volume".into(),
                crate::fmt::compact(self.min_personal_volume),
            ),
            (
                "plan.rank_group_volume".into(),
                nums(self.ranks.iter().map(|r| r.group_volume).collect()),
            ),
            (
                "plan.rank_override".into(),
                nums(self.ranks.iter().map(|r| r.override_rate).collect()),
            ),
        ]
    }
}
/// Commands that work on followed careers only (today `serve`) refuse a company scenario
/// rather than silently simulating followed careers from it. The studies, `calibrate` and
/// `validate` measure company scenarios on their replicate companies (issue 13).
pub fn refuse_company(s: &super::Scenario, command: &str) -> anyhow::Result<()> {
    if s.company.is_some() {
        anyhow::bail!(
            "{}: `{command}` works on followed-career scenarios only; this is a company scenario \
             (kind = \"company\"): run it with `mlm-sim run`",
            s.file
        );
    }
    Ok(())
}
