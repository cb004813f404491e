//! What the page can offer: the scenarios (an in-memory table built once at startup) and the
//! levers (generated from the parameter registry, grouped by the pitfall each stands for).
//!
//! The scenario table is the server's only contact with the file system: the shipped scenarios
//! are compiled into the binary and the files named on the command line are read and validated
//! before the server starts listening. Requests name a scenario by its table id, never by a
//! path, so no request can make the server open a file.

use std::path::PathBuf;

use anyhow::{bail, Result};
use serde::Serialize;

use mlm_sim::scenario::{self, Param, ParamId, Scenario, Unit, PARAMS};

/// The scenarios shipped with mlm-sim, as (file name shown in messages, TOML text).
const SHIPPED: &[(&str, &str)] = &[
    (
        "scenarios/typical.toml",
        include_str!("../../../scenarios/typical.toml"),
    ),
    (
        "scenarios/numbers-game.toml",
        include_str!("../../../scenarios/numbers-game.toml"),
    ),
    (
        "scenarios/relationship.toml",
        include_str!("../../../scenarios/relationship.toml"),
    ),
    (
        "scenarios/company-typical.toml",
        include_str!("../../../scenarios/company-typical.toml"),
    ),
];

/// One scenario the page can pick: its text (the base of every request and of the TOML
/// download) and its validated form.
#[derive(Debug)]
pub struct Entry {
    /// Table id used by requests: the slug, made unique.
    pub id: String,
    /// The scenario file as it was given (or its shipped name).
    pub file: String,
    /// The TOML text, kept so downloads keep the file's comments.
    pub text: String,
    /// The validated scenario without any request settings.
    pub base: Scenario,
}

/// Every scenario the server offers, in picker order: the ones given on the command line
/// first (the trainer named them for a reason), then the shipped ones.
#[derive(Debug)]
pub struct Catalog {
    /// The entries, in picker order.
    pub entries: Vec<Entry>,
}

impl Catalog {
    /// Read and validate `files`, add the shipped scenarios, and give every entry a unique id.
    /// A bad file fails here, before the server listens, with the same message as `run`.
    pub fn load(files: &[PathBuf]) -> Result<Catalog> {
        let mut sources: Vec<(String, String)> = Vec::new();
        for f in files {
            let text = mlm_sim::input::read_text_capped(
                f,
                mlm_sim::input::MAX_SCENARIO_BYTES,
                "scenario file",
            )?;
            sources.push((f.display().to_string(), text));
        }
        sources.extend(SHIPPED.iter().map(|(f, t)| (f.to_string(), t.to_string())));
        let mut entries: Vec<Entry> = Vec::new();
        for (file, text) in sources {
            let base = scenario::parse(&text, &file, &[])?;
            // A company too big for memory fails here, as `run` would refuse it.
            mlm_sim::world::output::check_memory(&base)?;
            let slug = base.slug();
            let mut id = slug.clone();
            let mut n = 2;
            while entries.iter().any(|e| e.id == id) {
                id = format!("{slug}-{n}");
                n += 1;
            }
            entries.push(Entry {
                id,
                file,
                text,
                base,
            });
        }
        if entries.is_empty() {
            bail!("no scenario to offer");
        }
        Ok(Catalog { entries })
    }

    /// The entry with table id `id`.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The ids on offer, for error messages.
    pub fn ids(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.id.as_str()).collect()
    }
}

/// A pitfall: the levers that stand for it, with one plain line a room understands.
pub struct Pitfall {
    /// The scenario-file section whose keys are this pitfall's levers.
    pub section: &'static str,
    /// Heading on the page.
    pub title: &'static str,
    /// What the pitfall is, in one line.
    pub plain: &'static str,
}

/// The pitfalls in page order. Every registry key belongs to exactly one (by its section);
/// a test checks that none is left out.
pub const PITFALLS: &[Pitfall] = &[
    Pitfall {
        section: "prospecting",
        title: "The numbers game",
        plain: "How many people she talks to, and how many say yes.",
    },
    Pitfall {
        section: "rejection",
        title: "Rejection",
        plain: "Every \"no\" takes some motivation; resilience shrugs part of it off.",
    },
    Pitfall {
        section: "consistency",
        title: "Inconsistency",
        plain: "First enthusiasm fades; months of not working the business end it.",
    },
    Pitfall {
        section: "goals",
        title: "Unrealistic expectations",
        plain: "Expecting more income than the business brings, and how long she waits.",
    },
    Pitfall {
        section: "motivation",
        title: "Giving up",
        plain: "How motivated she starts, how she recovers, and when she quits.",
    },
    Pitfall {
        section: "economics",
        title: "Costs against income",
        plain: "Starter kit, required purchases and expenses against retail profit.",
    },
    Pitfall {
        section: "relationships",
        title: "Relationships",
        plain: "Rapport keeps customers and recruits and brings referrals.",
    },
    Pitfall {
        section: "training",
        title: "Poor training",
        plain: "Good upline training makes more prospects say yes.",
    },
    Pitfall {
        section: "personal_development",
        title: "No personal development",
        plain: "Reading and mentoring soften the sting and slow the fade.",
    },
    Pitfall {
        section: "downline",
        title: "Unsupported recruits",
        plain: "Recruits nobody supports drift away.",
    },
    // Issue 12 (H3): sponsors who support.
    Pitfall {
        section: "support",
        title: "Sponsoring and forgetting",
        plain: "Hours a sponsor spends helping recruits keep them; the scenario's support.policy says who gets them.",
    },
    Pitfall {
        section: "attrition",
        title: "Life happens",
        plain: "Quitting for reasons outside the business: moves, illness, a new job.",
    },
    // Issue 12 (H1): the time budget and the warm market.
    Pitfall {
        section: "time",
        title: "Hours in a month",
        plain: "The hours she has for the business; customers take some before prospecting.",
    },
    Pitfall {
        section: "warm",
        title: "Friends and family",
        plain: "The people she knows come first; each \"no\" from them is awkward.",
    },
];

/// One lever as the page draws it.
#[derive(Debug, Serialize)]
pub struct Lever {
    /// Dotted key, as in a scenario file and `--set`.
    pub key: String,
    /// Short name for the slider label.
    pub label: String,
    /// What it means, from the registry.
    pub doc: String,
    /// Smallest value allowed.
    pub min: f64,
    /// Largest value allowed (what validation accepts; the field takes any of it).
    pub max: f64,
    /// Right end of the slider: the useful part of the range, so the slider is not all
    /// dead travel for money keys allowed up to ten million.
    pub slider_max: f64,
    /// Slider step.
    pub step: f64,
    /// The value that switches the mechanism off (`null` for "absent: never").
    pub neutral: Option<f64>,
    /// Unit words for the page ("share 0-1", "money").
    pub unit: &'static str,
    /// A list of numbers (`[0.05, 0.05]`): typed in the field, no slider.
    pub list: bool,
    /// What the neutral or default value means, when `neutral` alone does not say it
    /// (company-world keys: "0 = the last year").
    pub note: Option<&'static str>,
}

/// A pitfall with its levers, as the page draws it.
#[derive(Debug, Serialize)]
pub struct LeverGroup {
    /// Heading.
    pub title: &'static str,
    /// One plain line.
    pub plain: &'static str,
    /// The levers, in registry order.
    pub levers: Vec<Lever>,
}

/// A readable name from a dotted key: `prospecting.join_probability` -> "join probability".
fn label_of(key: &str) -> String {
    let last = key.rsplit('.').next().unwrap_or(key);
    last.replace('_', " ")
}

/// The slider's right end for `id`: where a trainer's "what if" plausibly lies.
fn slider_max(id: ParamId) -> f64 {
    let spec = id.spec();
    let useful = match id {
        ParamId::ContactsPerMonth => 100.0,
        ParamId::FollowThroughFade => 0.05,
        ParamId::ReferralsPerCustomer => 1.0,
        ParamId::SkillGain => 3.0,
        ParamId::PatienceMonths => 24.0,
        ParamId::ExpectedMonthlyIncome => 5000.0,
        ParamId::LossTolerance => 10_000.0,
        ParamId::StarterKit => 2000.0,
        ParamId::MonthlyPurchase | ParamId::MonthlyExpenses => 500.0,
        ParamId::CustomerOrder => 300.0,
        ParamId::HoursPerMonth => 200.0,
        ParamId::HoursPerCustomer | ParamId::HoursPerContact | ParamId::HalfChanceHours => 10.0,
        ParamId::PeopleKnown => 1000.0,
        ParamId::WarmConversion => 10.0,
        _ => spec.max,
    };
    useful.min(spec.max)
}

/// Slider step: fine enough for probabilities of a few percent.
fn step_of(unit: Unit, slider_max: f64) -> f64 {
    match unit {
        Unit::Share => 0.001,
        Unit::Months => 1.0,
        Unit::Money => 1.0,
        Unit::PerMonth | Unit::Factor | Unit::Hours | Unit::People => slider_max / 1000.0,
    }
}

/// Every lever, grouped by pitfall.
pub fn lever_groups() -> Vec<LeverGroup> {
    PITFALLS
        .iter()
        .map(|p| LeverGroup {
            title: p.title,
            plain: p.plain,
            levers: ParamId::ALL
                .iter()
                .filter(|id| id.spec().path.split('.').next() == Some(p.section))
                .map(|&id| {
                    let spec = id.spec();
                    let slider_max = slider_max(id);
                    Lever {
                        key: spec.path.to_string(),
                        label: label_of(spec.path),
                        doc: spec.doc.to_string(),
                        min: spec.min,
                        max: spec.max,
                        slider_max,
                        step: step_of(spec.unit, slider_max),
                        neutral: spec.default.is_finite().then_some(spec.default),
                        unit: spec.unit.label(),
                        list: false,
                        note: None,
                    }
                })
                .collect(),
        })
        .collect()
}

/// A lever's value in a scenario, as the page shows it.
#[derive(Debug, Serialize)]
pub struct LeverValue {
    /// The value (the mean for a drawn lever); `null` when absent and infinite.
    pub mean: Option<f64>,
    /// As written in TOML (`0.3`, `{ beta = [3, 3] }`, `none`).
    pub text: String,
    /// Drawn once per distributor: the slider moves the mean and keeps the spread.
    pub drawn: bool,
}

/// Every lever's value in `s`, keyed by dotted key (the company world's keys too, for a
/// company scenario).
pub fn lever_values(s: &Scenario) -> std::collections::BTreeMap<&'static str, LeverValue> {
    let mut values = person_values(s);
    values.extend(super::company::world_values(s));
    values
}

fn person_values(s: &Scenario) -> std::collections::BTreeMap<&'static str, LeverValue> {
    PARAMS
        .iter()
        .zip(ParamId::ALL)
        .map(|(spec, &id)| {
            let p = s.param(id);
            let mean = p.mean();
            (
                spec.path,
                LeverValue {
                    mean: mean.is_finite().then_some(mean),
                    text: p.describe(),
                    drawn: matches!(p, Param::Drawn(_)),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registry_lever_is_in_exactly_one_pitfall() {
        let groups = lever_groups();
        let mut keys: Vec<&str> = groups
            .iter()
            .flat_map(|g| g.levers.iter().map(|l| l.key.as_str()))
            .collect();
        assert_eq!(keys.len(), PARAMS.len());
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), PARAMS.len());
        for g in &groups {
            assert!(!g.levers.is_empty(), "pitfall {} has no lever", g.title);
            for l in &g.levers {
                assert!(l.min <= l.slider_max && l.slider_max <= l.max, "{}", l.key);
            }
        }
    }

    #[test]
    fn shipped_scenarios_load_with_unique_ids() {
        let c = Catalog::load(&[]).unwrap();
        assert_eq!(c.entries.len(), SHIPPED.len());
        assert!(c.get("typical").is_some());
        assert!(c
            .get("company-typical")
            .is_some_and(|e| e.base.company.is_some()));
        let mut ids = c.ids();
        ids.dedup();
        assert_eq!(ids.len(), SHIPPED.len());
    }
}
