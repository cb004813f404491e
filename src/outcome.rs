//! What a simulated career produced: how it ended and its money, for one person and for a
//! followed career with its downline.
//!
//! These are the model's outputs and the inputs of everything downstream (`stats` tallies them,
//! `summary` and the exporters name them). They live in this leaf module, which imports nothing
//! from the crate, so that `model`, `stats` and `summary` can all use them without the
//! dependency going round in a circle (`model -> scenario -> stats -> model` before issue 10).

use serde::Serialize;

/// Default half-width of "broke even", in currency units: a whole-career net within ±$100
/// counts as breaking even. A scenario can set its own with `economics.break_even_band`
/// (`typical.toml` uses $500 to match how AARP 2018 respondents judged it themselves; see
/// docs/output.md). It is the scenario's default; the tallies take the band as an argument.
pub const BREAK_EVEN_BAND: f64 = 100.0;

/// How a career ended: the quit reason, or the state at the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// Cumulative net fell below minus the loss tolerance.
    FinancialLoss,
    /// Motivation fell below the quit threshold, drained mostly by rejection.
    RejectionBurnout,
    /// Motivation fell below the quit threshold, drained mostly by the awkwardness of hearing
    /// "no" from friends and family (the warm market; AARP 2018: 39% of those who quit).
    AwkwardWithFriends,
    /// Motivation fell below the quit threshold, drained mostly by unmet income goals.
    Disillusioned,
    /// Effort stayed below the activity threshold for too many months in a row.
    Inactive,
    /// Drifted away without support from the sponsor (neglect hazard).
    Unsupported,
    /// Quit for a reason outside the business (life-event hazard).
    LifeEvent,
    /// Still active at the horizon with cumulative net > 0.
    ActiveProfitable,
    /// Still active at the horizon with cumulative net <= 0.
    ActiveLosing,
}

impl EndReason {
    /// All reasons in report order.
    pub const ALL: [EndReason; 9] = [
        EndReason::FinancialLoss,
        EndReason::RejectionBurnout,
        EndReason::AwkwardWithFriends,
        EndReason::Disillusioned,
        EndReason::Inactive,
        EndReason::Unsupported,
        EndReason::LifeEvent,
        EndReason::ActiveProfitable,
        EndReason::ActiveLosing,
    ];
    /// Number of reasons.
    pub const COUNT: usize = 9;

    /// Machine name (snake_case), as in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::FinancialLoss => "financial_loss",
            EndReason::RejectionBurnout => "rejection_burnout",
            EndReason::AwkwardWithFriends => "awkward_with_friends_and_family",
            EndReason::Disillusioned => "disillusioned",
            EndReason::Inactive => "inactive",
            EndReason::Unsupported => "unsupported",
            EndReason::LifeEvent => "life_event",
            EndReason::ActiveProfitable => "active_profitable",
            EndReason::ActiveLosing => "active_losing",
        }
    }

    /// Words for charts and reports.
    pub fn label(self) -> &'static str {
        match self {
            EndReason::FinancialLoss => "financial loss",
            EndReason::RejectionBurnout => "rejection burnout",
            EndReason::AwkwardWithFriends => "awkward with friends and family",
            EndReason::Disillusioned => "disillusioned",
            EndReason::Inactive => "stopped working it",
            EndReason::Unsupported => "unsupported",
            EndReason::LifeEvent => "life event",
            EndReason::ActiveProfitable => "still in, profitable",
            EndReason::ActiveLosing => "still in, losing",
        }
    }

    /// True for the reasons that end a career before the horizon.
    pub fn is_quit(self) -> bool {
        !matches!(self, EndReason::ActiveProfitable | EndReason::ActiveLosing)
    }
}

/// Money flows of one career, in currency units, over the whole career.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Money {
    /// Payments from the company: unilevel commissions on the downline's volume.
    pub commissions: f64,
    /// Retail profit: margin on customers' orders.
    pub retail: f64,
    /// Required purchases: starter kit plus monthly autoship.
    pub purchases: f64,
    /// Other business expenses.
    pub expenses: f64,
}

impl Money {
    /// Cumulative net income: commissions + retail - purchases - expenses.
    pub fn net(&self) -> f64 {
        self.commissions + self.retail - self.purchases - self.expenses
    }
}

/// What happened to one person (followed or in a downline).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PersonOutcome {
    /// Why the career ended.
    pub end: EndReason,
    /// Months worked (1 ..= months since joining).
    pub months_active: u32,
    /// Month (0-based, on the run's clock) in which the person quit; `None` if still active.
    pub quit_month: Option<u32>,
    /// Money over the career.
    pub money: Money,
    /// Direct recruits (level 1 below this person).
    pub recruits: u64,
    /// Retail customers won over the career.
    pub customers: u64,
}

/// Outcome of one followed career, with what its downline did.
#[derive(Debug, Clone, PartialEq)]
pub struct CareerOutcome {
    /// Index of the career in the run.
    pub index: u64,
    /// The followed distributor.
    pub person: PersonOutcome,
    /// People simulated below the followed distributor.
    pub downline_size: u64,
    /// Downline members whose outcomes are comparable (issue 12, "Truncation"): every level
    /// they are paid on is simulated and they joined early enough to work the whole outcome
    /// window (`model::outcome_window`) before the horizon. The three counts below are over
    /// these people, measured at the end of their window (or when they quit, if earlier).
    pub downline_comparable: u64,
    /// Comparable downline members who quit within their outcome window.
    pub downline_quit: u64,
    /// Comparable downline members whose cumulative net was < 0 at the end of their window.
    pub downline_lost: u64,
    /// Comparable downline members whose cumulative net was > 0 at the end of their window.
    pub downline_profited: u64,
    /// True when the downline hit `downline.max_size` (recruits were left unsimulated) or
    /// someone in the career hit the model's `MAX_CUSTOMERS` active customers.
    pub capped: bool,
    /// Person-months simulated for this career, downline included (the work done).
    pub person_months: u64,
    /// The followed distributor's drawn parameter values (only the varying ones, in
    /// `Model::varying` order).
    pub drawn: Vec<f64>,
    /// The followed distributor's kind of participant (index in `Kind::ALL`; 0 when the
    /// scenario has no kinds).
    pub kind: u8,
    /// Value to the followed distributor of what they bought: `economics.product_value` x
    /// purchases (0 at the neutral product value). Net including it = cash net + this.
    pub purchases_value: f64,
}
