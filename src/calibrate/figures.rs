//! What one evaluation of a scenario yields, in either world: the followed-career
//! [`Summary`], or the measured replicate companies of a company scenario
//! ([`CompanyFigures`]). Targets, the fit and the validation report read figures through
//! [`Figures::measure`], so one targets file format and one fitting method serve both worlds.

use super::company::CompanyFigures;
use super::metric::{Measured, Metric};
use crate::summary::Summary;

/// A simulated scenario's figures.
#[derive(Debug, Clone)]
pub enum Figures {
    /// Followed careers.
    Careers(Box<Summary>),
    /// Replicate companies of a company scenario.
    Company(CompanyFigures),
}

impl Figures {
    /// `metric` with its 95% interval and standard error.
    pub fn measure(&self, metric: Metric) -> Measured {
        match self {
            Figures::Careers(s) => metric.measure(s),
            Figures::Company(c) => c.measure(metric),
        }
    }

    /// The seed simulated.
    pub fn seed(&self) -> u64 {
        match self {
            Figures::Careers(s) => s.seed,
            Figures::Company(c) => c.seed,
        }
    }

    /// What was simulated, in words: "4,000 careers" or "10 companies".
    pub fn describe(&self) -> String {
        match self {
            Figures::Careers(s) => {
                format!("{} careers", crate::fmt::thousands(s.careers as f64, 0))
            }
            Figures::Company(c) => format!(
                "{} replicate compan{} ({} person-months)",
                c.companies.len(),
                if c.companies.len() == 1 { "y" } else { "ies" },
                crate::fmt::thousands(c.person_months() as f64, 0)
            ),
        }
    }

    /// The followed-career summary, when these are followed careers.
    pub fn summary(&self) -> Option<&Summary> {
        match self {
            Figures::Careers(s) => Some(s),
            Figures::Company(_) => None,
        }
    }
}
