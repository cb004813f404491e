//! `support.policy`: how a sponsor shares their support hours among their recruits (issue 12,
//! "Sponsors who support"; equations in docs/model.md).
//!
//! The hours and their effect are ordinary per-person parameters in the registry
//! (`support.hours_per_month`, `support.effect`); the policy is a word, so it is read here.

use super::resolve::Resolver;
use super::{Origin, ScenarioError};

/// The key of the policy.
pub const POLICY_KEY: &str = "support.policy";

/// How a sponsor spends their support hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SupportPolicy {
    /// No support (the neutral value: the model before issue 12).
    #[default]
    None,
    /// Evenly over every recruit who is still working.
    Even,
    /// Only on recruits who acted last month ("invest in those who act"); a recruit in their
    /// first month has no last month and counts as acting.
    Active,
}

impl SupportPolicy {
    /// The word as written in a scenario file.
    pub fn as_str(self) -> &'static str {
        match self {
            SupportPolicy::None => "none",
            SupportPolicy::Even => "even",
            SupportPolicy::Active => "active",
        }
    }
}

impl Resolver<'_> {
    /// `support.policy`: `"none"` (default), `"even"` or `"active"`.
    pub(super) fn support_policy(&self) -> Result<SupportPolicy, ScenarioError> {
        match self.string(POLICY_KEY, Some("none"), false)?.as_str() {
            "none" => Ok(SupportPolicy::None),
            "even" => Ok(SupportPolicy::Even),
            "active" => Ok(SupportPolicy::Active),
            other => Err(self.err(
                Some(POLICY_KEY),
                self.find(POLICY_KEY)
                    .map(|f| f.origin)
                    .unwrap_or(Origin::Unknown),
                format!("`{other}` is not a support policy; allowed: \"none\" (no support, the default), \"even\" (split evenly over the recruits still working) or \"active\" (only recruits who acted last month)"),
            )),
        }
    }
}
