//! The registry of distributor parameters: every numeric lever a scenario can move.
//!
//! One table ([`PARAMS`]) names each parameter's key path, valid range, unit, neutral/default
//! value and meaning. Everything else is driven from it: parsing and validation, `--set`,
//! the resolved-parameter listing of `mlm-sim check`, and (later) sensitivity analysis. Keeping
//! it in one place means a new lever cannot be half-wired.
//!
//! Per-distributor values live in a flat `[f64; N]` indexed by [`ParamId`], so drawing a
//! heterogeneous distributor is one copy of the fixed values plus one draw per varying key.

use rand::Rng;
use rand_distr::{Beta, Distribution, LogNormal, Normal, Triangular};

/// What a parameter measures; decides the wording of errors and the documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A probability or share in [0, 1].
    Share,
    /// Money in the scenario's currency (dollars in the shipped scenarios).
    Money,
    /// People per month.
    PerMonth,
    /// Months.
    Months,
    /// A dimensionless multiplier.
    Factor,
    /// Hours (of a person's time).
    Hours,
    /// A number of people.
    People,
}

impl Unit {
    /// Short label for listings.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Share => "share 0-1",
            Unit::Money => "money",
            Unit::PerMonth => "per month",
            Unit::Months => "months",
            Unit::Factor => "factor",
            Unit::Hours => "hours",
            Unit::People => "people",
        }
    }
}

/// Static description of one parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Dotted key path as written in the scenario file, e.g. `prospecting.join_probability`.
    pub path: &'static str,
    /// Smallest allowed value (inclusive).
    pub min: f64,
    /// Largest allowed value (inclusive).
    pub max: f64,
    /// Value used when the key is absent. For mechanisms this is the neutral value that
    /// switches the mechanism off.
    pub default: f64,
    /// Unit of the value.
    pub unit: Unit,
    /// One-line meaning, shown by `mlm-sim check` and in docs.
    pub doc: &'static str,
}

macro_rules! define_params {
    ($( $id:ident => $path:literal, $min:expr, $max:expr, $default:expr, $unit:ident, $doc:literal; )*) => {
        /// Index of a distributor parameter in [`PARAMS`] and in a [`Traits`] array.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(usize)]
        pub enum ParamId { $( $id, )* }

        /// Every distributor parameter, in [`ParamId`] order.
        pub const PARAMS: &[ParamSpec] = &[
            $( ParamSpec { path: $path, min: $min, max: $max, default: $default, unit: Unit::$unit, doc: $doc }, )*
        ];

        impl ParamId {
            /// All ids in registry order.
            pub const ALL: &'static [ParamId] = &[ $( ParamId::$id, )* ];
        }
    };
}

/// Upper bound for money amounts: large enough for any real plan, small enough that sums in
/// integer cents over 100 million careers cannot overflow.
pub const MONEY_MAX: f64 = 10_000_000.0;

define_params! {
    ContactsPerMonth => "prospecting.contacts_per_month", 0.0, 10_000.0, 10.0, PerMonth,
        "prospects a fully committed distributor plans to contact each month";
    FollowThrough => "prospecting.follow_through", 0.0, 1.0, 1.0, Share,
        "share of planned contacts actually made at the start (1 = neutral)";
    FollowThroughFade => "prospecting.follow_through_fade", 0.0, 10.0, 0.0, Factor,
        "how fast follow-through falls as rejections pile up: divided by (1 + fade x rejections so far) (0 = off)";
    JoinProbability => "prospecting.join_probability", 0.0, 1.0, 0.02, Share,
        "chance a contacted prospect joins as a distributor (before training)";
    CustomerProbability => "prospecting.customer_probability", 0.0, 1.0, 0.0, Share,
        "chance a contacted prospect becomes a retail customer (before training)";
    Rapport => "relationships.rapport", 0.0, 1.0, 0.0, Share,
        "relationship quality: keeps customers and recruits, brings referrals (0 = off)";
    ReferralsPerCustomer => "relationships.referrals_per_customer", 0.0, 10.0, 0.0, PerMonth,
        "warm referrals per active customer per month at full rapport (0 = off)";
    Sting => "rejection.sting", 0.0, 1.0, 0.0, Share,
        "share of motivation each rejection takes away (0 = off)";
    Resilience => "rejection.resilience", 0.0, 1.0, 0.0, Share,
        "share of the sting shrugged off (0 = none)";
    DecayPerMonth => "consistency.decay_per_month", 0.0, 1.0, 0.0, Share,
        "monthly fall of consistency towards its floor after the first month (0 = off)";
    ConsistencyFloor => "consistency.floor", 0.0, 1.0, 0.0, Share,
        "consistency that remains once the first enthusiasm is gone";
    InactiveBelow => "consistency.inactive_below", 0.0, 1.0, 0.0, Share,
        "effort below this counts as a month of not working the business (0 = off)";
    PersonalDevelopment => "personal_development.level", 0.0, 1.0, 0.0, Share,
        "personal development: slower decay, softer sting, faster recovery (0 = off)";
    TrainingQuality => "training.quality", 0.0, 1.0, 0.0, Share,
        "training quality: raises conversion, keeps customers and recruits (0 = none)";
    SkillGain => "training.skill_gain", 0.0, 10.0, 1.0, Factor,
        "conversion multiplier per unit of training: p x (1 + skill_gain x quality)";
    ExpectedMonthlyIncome => "goals.expected_monthly_income", 0.0, MONEY_MAX, 0.0, Money,
        "monthly gross income the distributor expects (0 = no goal, off)";
    PatienceMonths => "goals.patience_months", 0.0, 600.0, 0.0, Months,
        "months before a shortfall against the goal starts to hurt";
    Disillusionment => "goals.disillusionment", 0.0, 1.0, 0.0, Share,
        "share of motivation lost per month at a total shortfall (0 = off)";
    InitialMotivation => "motivation.initial", 0.0, 1.0, 1.0, Share,
        "motivation in the first month";
    Recovery => "motivation.recovery", 0.0, 1.0, 0.0, Share,
        "share of the gap to full motivation recovered each month";
    SuccessBoost => "motivation.success_boost", 0.0, 1.0, 0.0, Share,
        "share of the gap to full motivation closed by each join or new customer";
    QuitBelow => "motivation.quit_below", 0.0, 1.0, 0.0, Share,
        "motivation below which the distributor quits (0 = off)";
    StarterKit => "economics.starter_kit", 0.0, MONEY_MAX, 0.0, Money,
        "one-off starter kit paid in the first month";
    MonthlyPurchase => "economics.monthly_purchase", 0.0, MONEY_MAX, 0.0, Money,
        "required purchase (autoship) every active month; also the distributor's own volume";
    MonthlyExpenses => "economics.monthly_expenses", 0.0, MONEY_MAX, 0.0, Money,
        "other business expenses every active month (samples, events, travel, fees)";
    RetailMargin => "economics.retail_margin", 0.0, 1.0, 0.0, Share,
        "share of a customer's order the distributor keeps as retail profit";
    CustomerOrder => "economics.customer_order", 0.0, MONEY_MAX, 0.0, Money,
        "monthly order of one active retail customer";
    CustomerChurn => "economics.customer_churn", 0.0, 1.0, 0.0, Share,
        "monthly chance a customer stops ordering (before rapport and training)";
    LossTolerance => "economics.loss_tolerance", 0.0, MONEY_MAX, f64::INFINITY, Money,
        "quit once cumulative net falls below minus this (absent = never)";
    NeglectDropout => "downline.neglect_dropout", 0.0, 1.0, 0.0, Share,
        "monthly chance an unsupported distributor drifts away, x (1 - rapport)(1 - training) (0 = off)";
    LifeEvents => "attrition.life_events_per_month", 0.0, 1.0, 0.0, Share,
        "monthly chance of quitting for reasons outside the business (0 = off)";
    // --- Issue 12, H2 (kinds of participant, product value): reporting only, never in the step.
    ProductValue => "economics.product_value", 0.0, 2.0, 0.0, Factor,
        "value to the buyer of a dollar of their own purchases (0 = worthless to them: cash only; 1 = full price)";
    // --- end H2
    // --- Time budget, prospecting style, warm and cold markets (issue 12, H1; model/markets.rs).
    HoursPerMonth => "time.hours_per_month", 0.0, 744.0, 0.0, Hours,
        "hours a fully committed person gives the business each month; contacts = prospecting hours / hours_per_contact (0 = off: contacts_per_month is used)";
    HoursPerCustomer => "time.hours_per_customer", 0.0, 100.0, 0.0, Hours,
        "hours of care each active retail customer takes each month, before any prospecting (0 = free)";
    HoursPerContact => "prospecting.hours_per_contact", 0.01, 100.0, 1.0, Hours,
        "hours given to each contact (rapport, trust, follow-up): the prospecting style; used when time.hours_per_month > 0";
    HalfChanceHours => "prospecting.half_chance_hours", 0.0, 100.0, 0.0, Hours,
        "hours per contact at which the chance of a yes reaches half its ceiling (join/customer_probability) (0 = off: time given does not change it)";
    TimeCurveSteepness => "prospecting.time_curve_steepness", 0.1, 10.0, 2.0, Factor,
        "exponent n of the chance-of-yes curve p h^n / (h^n + half^n); n > 1 is S-shaped and gives a best time per contact";
    PeopleKnown => "warm.people_known", 0.0, 100_000.0, 0.0, People,
        "people the distributor knows (the warm market), approached before any stranger (0 = none: every contact is cold)";
    WarmConversion => "warm.conversion_multiplier", 0.0, 100.0, 1.0, Factor,
        "a warm contact's chance of joining or buying, as a multiple of a cold contact's (1 = same)";
    Awkwardness => "warm.awkwardness", 0.0, 1.0, 0.0, Share,
        "share of motivation each \"no\" from a friend or relative takes (0 = off)";
    ColdMarket => "warm.cold_market", 0.0, 1.0, 1.0, Share,
        "share of the contacts planned beyond the warm list that are made with strangers (1 = unlimited cold market, 0 = none)";
    WarmOverlap => "warm.overlap_with_sponsor", 0.0, 1.0, 0.0, Share,
        "share of a recruit's warm market the sponsor also knows; those the sponsor already approached are used up (0 = none)";
    // --- Sponsors who support (issue 12, H3; docs/model.md "Sponsors who support"). The
    // policy itself (`support.policy`) is a word, read in `scenario::support`.
    SupportHours => "support.hours_per_month", 0.0, 744.0, 0.0, Hours,
        "hours a month a fully committed sponsor spends supporting recruits, x effort (0 = off)";
    SupportEffect => "support.effect", 0.0, 10.0, 0.0, Factor,
        "how much support keeps a recruit: neglect hazard x exp(-effect x hours received) (0 = off)";
}

/// Number of distributor parameters.
pub const N_PARAMS: usize = ParamId::ALL.len();

impl ParamId {
    /// The static description of this parameter.
    pub fn spec(self) -> &'static ParamSpec {
        &PARAMS[self as usize]
    }

    /// Look a parameter up by its dotted key path.
    pub fn from_path(path: &str) -> Option<ParamId> {
        PARAMS
            .iter()
            .position(|p| p.path == path)
            .map(|i| ParamId::ALL[i])
    }
}

/// One distributor's parameter values, indexed by [`ParamId`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Traits(pub [f64; N_PARAMS]);

impl Traits {
    /// The value of one parameter.
    #[inline(always)]
    pub fn get(&self, id: ParamId) -> f64 {
        self.0[id as usize]
    }
    /// Set one parameter.
    #[inline(always)]
    pub fn set(&mut self, id: ParamId, value: f64) {
        self.0[id as usize] = value;
    }
}

/// A distribution a parameter is drawn from, once per distributor.
///
/// The written form is kept (for listing and hashing) next to the ready-built sampler, which
/// is constructed once per scenario and never in the hot loop.
#[derive(Debug, Clone, Copy)]
pub enum Dist {
    /// `{ beta = [a, b] }` on [0, 1].
    Beta { a: f64, b: f64, sampler: Beta<f64> },
    /// `{ uniform = [lo, hi] }`.
    Uniform { lo: f64, hi: f64 },
    /// `{ normal = [mean, sd] }`, clamped to the parameter's valid range.
    Normal {
        mean: f64,
        sd: f64,
        sampler: Normal<f64>,
    },
    /// `{ lognormal = [mu, sigma] }` (of the underlying normal), clamped to the valid range.
    LogNormal {
        mu: f64,
        sigma: f64,
        sampler: LogNormal<f64>,
    },
    /// `{ triangular = [min, mode, max] }`.
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
        sampler: Triangular<f64>,
    },
}

/// The names of the distribution forms, for error messages.
pub const DIST_FORMS: &str =
    "{ beta = [a, b] }, { uniform = [lo, hi] }, { normal = [mean, sd] }, { lognormal = [mu, sigma] }, { triangular = [min, mode, max] }";

impl Dist {
    /// Draw one value (not yet clamped).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Beta { sampler, .. } => sampler.sample(rng),
            Dist::Uniform { lo, hi } => {
                let u: f64 = rand::RngExt::random(rng);
                lo + (hi - lo) * u
            }
            Dist::Normal { sampler, .. } => sampler.sample(rng),
            Dist::LogNormal { sampler, .. } => sampler.sample(rng),
            Dist::Triangular { sampler, .. } => sampler.sample(rng),
        }
    }

    /// The form's name as written in a scenario file.
    pub fn name(&self) -> &'static str {
        match self {
            Dist::Beta { .. } => "beta",
            Dist::Uniform { .. } => "uniform",
            Dist::Normal { .. } => "normal",
            Dist::LogNormal { .. } => "lognormal",
            Dist::Triangular { .. } => "triangular",
        }
    }

    /// The numbers as written in a scenario file.
    pub fn args(&self) -> Vec<f64> {
        match *self {
            Dist::Beta { a, b, .. } => vec![a, b],
            Dist::Uniform { lo, hi } => vec![lo, hi],
            Dist::Normal { mean, sd, .. } => vec![mean, sd],
            Dist::LogNormal { mu, sigma, .. } => vec![mu, sigma],
            Dist::Triangular { min, mode, max, .. } => vec![min, mode, max],
        }
    }

    /// The distribution's mean before clamping (used for expected-work estimates and listings).
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Beta { a, b, .. } => a / (a + b),
            Dist::Uniform { lo, hi } => 0.5 * (lo + hi),
            Dist::Normal { mean, .. } => mean,
            Dist::LogNormal { mu, sigma, .. } => (mu + 0.5 * sigma * sigma).exp(),
            Dist::Triangular { min, mode, max, .. } => (min + mode + max) / 3.0,
        }
    }

    /// Build and check a distribution for the parameter `spec`. The error says what is allowed.
    pub fn build(name: &str, args: &[f64], spec: &ParamSpec) -> Result<Dist, String> {
        let want = |n: usize, form: &str| -> Result<(), String> {
            if args.len() != n {
                Err(format!(
                    "`{name}` takes {n} numbers ({form}), got {}",
                    args.len()
                ))
            } else {
                Ok(())
            }
        };
        if let Some(bad) = args.iter().find(|v| !v.is_finite()) {
            return Err(format!(
                "distribution arguments must be finite numbers, got {bad}"
            ));
        }
        let range = format!(
            "[{}, {}]",
            crate::fmt::compact(spec.min),
            crate::fmt::compact(spec.max)
        );
        match name {
            "beta" => {
                want(2, "beta = [a, b], both > 0")?;
                let (a, b) = (args[0], args[1]);
                if a <= 0.0 || b <= 0.0 {
                    return Err(format!("beta shape parameters must be > 0, got [{a}, {b}]"));
                }
                if spec.min > 0.0 || spec.max < 1.0 {
                    return Err(format!(
                        "beta draws values in [0, 1], which does not fit this key's range {range}"
                    ));
                }
                let sampler = Beta::new(a, b).map_err(|e| format!("invalid beta: {e}"))?;
                Ok(Dist::Beta { a, b, sampler })
            }
            "uniform" => {
                want(2, "uniform = [lo, hi]")?;
                let (lo, hi) = (args[0], args[1]);
                if lo > hi {
                    return Err(format!("uniform needs lo <= hi, got [{lo}, {hi}]"));
                }
                if lo < spec.min || hi > spec.max {
                    return Err(format!(
                        "uniform [{lo}, {hi}] reaches outside this key's range {range}"
                    ));
                }
                Ok(Dist::Uniform { lo, hi })
            }
            "normal" => {
                want(2, "normal = [mean, sd], sd >= 0")?;
                let (mean, sd) = (args[0], args[1]);
                if sd < 0.0 {
                    return Err(format!("normal needs sd >= 0, got {sd}"));
                }
                if mean < spec.min || mean > spec.max {
                    return Err(format!(
                        "normal mean {mean} is outside this key's range {range} (draws are clamped to it)"
                    ));
                }
                let sampler = Normal::new(mean, sd).map_err(|e| format!("invalid normal: {e}"))?;
                Ok(Dist::Normal { mean, sd, sampler })
            }
            "lognormal" => {
                want(
                    2,
                    "lognormal = [mu, sigma] of the underlying normal, sigma >= 0",
                )?;
                let (mu, sigma) = (args[0], args[1]);
                if sigma < 0.0 {
                    return Err(format!("lognormal needs sigma >= 0, got {sigma}"));
                }
                if spec.min > 0.0 || spec.max <= 0.0 {
                    return Err(format!(
                        "lognormal draws positive values, which does not fit this key's range {range}"
                    ));
                }
                if mu.abs() > 50.0 {
                    return Err(format!("lognormal mu must be within [-50, 50], got {mu}"));
                }
                let sampler =
                    LogNormal::new(mu, sigma).map_err(|e| format!("invalid lognormal: {e}"))?;
                Ok(Dist::LogNormal { mu, sigma, sampler })
            }
            "triangular" => {
                want(3, "triangular = [min, mode, max], min <= mode <= max")?;
                let (min, mode, max) = (args[0], args[1], args[2]);
                if !(min <= mode && mode <= max) {
                    return Err(format!(
                        "triangular needs min <= mode <= max, got [{min}, {mode}, {max}]"
                    ));
                }
                if min < spec.min || max > spec.max {
                    return Err(format!(
                        "triangular [{min}, {mode}, {max}] reaches outside this key's range {range}"
                    ));
                }
                let sampler = if min == max {
                    // rand_distr rejects a zero-width triangle; it is a point mass.
                    return Ok(Dist::Uniform { lo: min, hi: max });
                } else {
                    Triangular::new(min, max, mode)
                        .map_err(|e| format!("invalid triangular: {e}"))?
                };
                Ok(Dist::Triangular {
                    min,
                    mode,
                    max,
                    sampler,
                })
            }
            other => Err(format!(
                "unknown distribution `{other}`; allowed forms: {DIST_FORMS}"
            )),
        }
    }
}

/// A parameter as resolved from a scenario: one number for everyone, or a distribution drawn
/// once per distributor.
#[derive(Debug, Clone, Copy)]
pub enum Param {
    /// The same value for every distributor.
    Fixed(f64),
    /// Drawn once per distributor, then clamped to the parameter's valid range.
    Drawn(Dist),
}

impl Param {
    /// The mean value (used for work estimates and listings).
    pub fn mean(&self) -> f64 {
        match self {
            Param::Fixed(v) => *v,
            Param::Drawn(d) => d.mean(),
        }
    }

    /// Human-readable form, as it would be written in TOML.
    pub fn describe(&self) -> String {
        match self {
            Param::Fixed(v) => crate::fmt::compact(*v),
            Param::Drawn(d) => format!(
                "{{ {} = [{}] }}",
                d.name(),
                d.args()
                    .iter()
                    .map(|v| crate::fmt::compact(*v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_paths_are_unique_and_lookups_round_trip() {
        for (i, spec) in PARAMS.iter().enumerate() {
            assert_eq!(ParamId::from_path(spec.path), Some(ParamId::ALL[i]));
            assert!(spec.min <= spec.max, "{}", spec.path);
            assert!(
                spec.default >= spec.min
                    && (spec.default <= spec.max || spec.default.is_infinite()),
                "{} default out of range",
                spec.path
            );
        }
    }

    #[test]
    fn distributions_reject_what_does_not_fit_the_range() {
        let share = ParamId::JoinProbability.spec();
        let money = ParamId::StarterKit.spec();
        assert!(Dist::build("beta", &[2.0, 5.0], share).is_ok());
        assert!(Dist::build("beta", &[0.0, 5.0], share).is_err());
        assert!(Dist::build("uniform", &[0.1, 1.2], share).is_err());
        assert!(Dist::build("uniform", &[0.3, 0.1], share).is_err());
        assert!(Dist::build("normal", &[0.5, -1.0], share).is_err());
        assert!(Dist::build("lognormal", &[5.0, 0.5], money).is_ok());
        assert!(Dist::build("triangular", &[0.1, 0.05, 0.2], share).is_err());
        assert!(Dist::build("gamma", &[1.0, 1.0], share).is_err());
        assert!(Dist::build("normal", &[f64::NAN, 1.0], share).is_err());
        assert!(Dist::build("beta", &[1.0], share).is_err());
    }
}

#[cfg(test)]
mod doc_tests {
    use super::PARAMS;

    #[test]
    fn every_parameter_is_documented_in_the_model_guide() {
        let guide = include_str!("../../docs/model.md");
        for p in PARAMS {
            assert!(
                guide.contains(&format!("`{}`", p.path)),
                "docs/model.md lacks {}",
                p.path
            );
        }
    }
}
