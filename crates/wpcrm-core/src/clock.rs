//! Wall time, passed in so that expiry and replication bounds are testable without sleeping.

/// A wall clock, passed in so that expiry logic is testable without sleeping.
pub trait Clock: Send + Sync {
    fn now(&self) -> time::OffsetDateTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }
}
