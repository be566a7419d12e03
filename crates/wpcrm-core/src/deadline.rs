//! The deadline of one engine call. Every network wait is bounded by it.
//!
//! Built on `tokio::time::Instant`, so tests pause and advance time instead of sleeping.

use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    at: Instant,
}

impl Deadline {
    /// Longest budget honoured; larger ones (a typo, `PHP_INT_MAX`) are capped instead of overflowing.
    pub const MAX_BUDGET: Duration = Duration::from_secs(24 * 60 * 60);

    /// `budget` from now (at most [`Deadline::MAX_BUDGET`]).
    pub fn after(budget: Duration) -> Self {
        Self {
            at: Instant::now() + budget.min(Self::MAX_BUDGET),
        }
    }

    pub fn at(at: Instant) -> Self {
        Self { at }
    }

    pub fn instant(&self) -> Instant {
        self.at
    }

    /// Time left, zero once passed.
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    pub fn expired(&self) -> bool {
        self.remaining().is_zero()
    }

    /// Runs `future` until the deadline; `None` if the deadline came first.
    pub async fn run<F: std::future::Future>(&self, future: F) -> Option<F::Output> {
        tokio::time::timeout_at(self.at, future).await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn counts_down_and_cuts_off() {
        let d = Deadline::after(Duration::from_secs(2));
        assert_eq!(d.remaining(), Duration::from_secs(2));
        tokio::time::advance(Duration::from_millis(1500)).await;
        assert_eq!(d.remaining(), Duration::from_millis(500));
        assert!(!d.expired());
        assert_eq!(d.run(tokio::time::sleep(Duration::from_secs(1))).await, None);
        assert!(d.expired());
    }

    #[tokio::test(start_paused = true)]
    async fn huge_budgets_are_capped_not_overflowing() {
        let d = Deadline::after(Duration::MAX);
        assert_eq!(d.remaining(), Deadline::MAX_BUDGET);
    }
}
