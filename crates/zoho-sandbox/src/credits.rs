//! API credits (§4): each call costs credits that count against the org's budget for a rolling
//! window (24 hours in Zoho: a call's credits free up a day after it); past half the budget Zoho
//! adds `X-API-CREDITS-REMAINING`, and with none left it answers 429 `TOO_MANY_REQUESTS`.
//! This module only counts; `crm/mod.rs` prices the calls and answers.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The org's credit account. Without a budget nothing is counted and nothing refused.
#[derive(Debug)]
pub(crate) struct Credits {
    budget: Option<u64>,
    window: Duration,
    /// (when, cost) of the calls inside the window, oldest first.
    spent: VecDeque<(Instant, u64)>,
}

/// What charging a call decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charge {
    /// No budget set: unlimited, no header.
    Unlimited,
    /// Charged; `Some(remaining)` once half the budget is used (the header's value).
    Charged(Option<u64>),
    /// Not enough credits left: the call is refused and costs nothing.
    Exhausted,
}

impl Credits {
    pub fn new(budget: Option<u64>, window: Duration) -> Self {
        Credits { budget, window, spent: VecDeque::new() }
    }

    pub fn budget(&self) -> Option<u64> {
        self.budget
    }

    pub fn set_budget(&mut self, budget: Option<u64>) {
        self.budget = budget;
    }

    /// Credits used inside the window now.
    pub fn used(&mut self) -> u64 {
        let now = Instant::now();
        while self.spent.front().is_some_and(|(at, _)| now.duration_since(*at) >= self.window) {
            self.spent.pop_front();
        }
        self.spent.iter().map(|(_, cost)| cost).sum()
    }

    /// Credits left (`None` without a budget).
    pub fn remaining(&mut self) -> Option<u64> {
        let used = self.used();
        self.budget.map(|budget| budget.saturating_sub(used))
    }

    /// Charges `cost` credits if the budget allows.
    pub fn charge(&mut self, cost: u64) -> Charge {
        let used = self.used();
        let Some(budget) = self.budget else {
            return Charge::Unlimited;
        };
        if used + cost > budget {
            return Charge::Exhausted;
        }
        self.spent.push_back((Instant::now(), cost));
        let used = used + cost;
        // Zoho sends the header once at least half of the day's credits are used (§4).
        Charge::Charged((used.saturating_mul(2) >= budget).then(|| budget - used))
    }
}

/// Credits a write of `records` records costs: 1 per 10 records, at most 10 (§4).
pub(crate) fn write_cost(records: usize) -> u64 {
    (records.div_ceil(10)).clamp(1, 10) as u64
}

/// Credits a COQL query costs by its LIMIT: 1–200 → 1, 201–1000 → 2, above → 3 (§2.9, §4).
pub(crate) fn coql_cost(limit: Option<u32>) -> u64 {
    match limit.unwrap_or(200) {
        0..=200 => 1,
        201..=1000 => 2,
        _ => 3,
    }
}
