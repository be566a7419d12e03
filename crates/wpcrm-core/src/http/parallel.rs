//! How many requests one call keeps in flight to a Dataverse environment.
//!
//! Dataverse says how parallel a client should be: every answer may carry `x-ms-dop-hint`, the
//! recommended degree of parallelism (`reference/dataverse-web-api.md` §1, "Other response headers";
//! <https://learn.microsoft.com/power-apps/developer/data-platform/send-parallel-requests>), and it
//! refuses more than its concurrency limit with 429 `0x80072326` and `Retry-After` (§2.5,
//! <https://learn.microsoft.com/power-apps/developer/data-platform/api-limits>). The [`Gate`] keeps
//! the requests of one call to an environment within what it has learned:
//!
//! - before any answer of the environment it lets [`COLD_PARALLEL`] requests through (identity,
//!   metadata and the first table definitions of verification's first stage) and fans out further
//!   only once an answer has said how far, as Microsoft's `ServiceClient` reads
//!   `RecommendedDegreesOfParallelism` from its first answer; a hint remembered from an earlier
//!   call in this process ([`DopMemory`]) applies from the start;
//! - an answer's `x-ms-dop-hint` sets the limit (at most [`MAX_PARALLEL`]);
//! - an answer without one (other than a 401 challenge, which need not carry it) opens the gate to
//!   [`DEFAULT_PARALLEL`] (remembered too: the environment sends no hint);
//! - a 429 lowers the limit to half of what was in flight (at least one): each retry `HttpClient`
//!   makes after `Retry-After` takes a new place, so they come back fewer at a time instead of all
//!   at once.

use super::HttpResponse;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::Notify;

/// In flight at most before the environment's first answer. No minimum hint is documented. One at a
/// time would cost every cold call a whole round trip (measured: 163 → 217 ms at 50 ms per request)
/// to guard against hints below four, which would then be exceeded once, by at most three requests;
/// four lets a cold verification of one or two tables keep its three dependent round trips (more
/// tables take a fourth: their definitions wait for the hint).
pub const COLD_PARALLEL: u32 = 4;
/// In flight at most when the environment sends no hint (below the documented concurrency limit
/// of 52 per user).
pub const DEFAULT_PARALLEL: u32 = 32;
/// A hint above this is taken as this.
pub const MAX_PARALLEL: u32 = 64;

/// The hints learned in this process, per environment host, so that the next call starts at once.
#[derive(Debug, Default)]
pub struct DopMemory {
    hints: Mutex<HashMap<String, u32>>,
}

impl DopMemory {
    pub fn get(&self, host: &str) -> Option<u32> {
        self.hints.lock().ok()?.get(host).copied()
    }

    fn set(&self, host: &str, limit: u32) {
        if let Ok(mut hints) = self.hints.lock() {
            hints.insert(host.to_owned(), limit);
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// `None` until the environment has answered (or a remembered hint applied): [`COLD_PARALLEL`].
    limit: Option<u32>,
    in_flight: u32,
    /// The most requests ever in flight at once (for tests and benchmarks).
    peak: u32,
}

impl State {
    fn limit(&self) -> u32 {
        self.limit.unwrap_or(COLD_PARALLEL)
    }
}

/// The gate of one call (see the module docs).
#[derive(Debug, Default)]
pub struct Gate {
    state: Mutex<State>,
    notify: Notify,
}

/// One request's place in flight; leaving frees it.
pub struct Permit<'a> {
    gate: &'a Gate,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Ok(mut st) = self.gate.state.lock() {
            st.in_flight = st.in_flight.saturating_sub(1);
        }
        self.gate.notify.notify_waiters();
    }
}

impl Gate {
    /// Waits for a place in flight. `remembered` is a hint an earlier call learned for this host.
    pub async fn enter(&self, remembered: Option<u32>) -> Permit<'_> {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Ok(mut st) = self.state.lock() {
                if st.limit.is_none() {
                    st.limit = remembered;
                }
                if st.in_flight < st.limit() {
                    st.in_flight += 1;
                    st.peak = st.peak.max(st.in_flight);
                    return Permit { gate: self };
                }
            }
            notified.await;
        }
    }

    /// Learns from an answer of the environment at `host` (see the module docs).
    pub fn observe(&self, host: &str, response: &HttpResponse, memory: Option<&DopMemory>) {
        let hint = response
            .headers()
            .get("x-ms-dop-hint")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|n| *n > 0)
            .map(|n| n.min(MAX_PARALLEL));
        let status = response.status().as_u16();
        let Ok(mut st) = self.state.lock() else { return };
        let before = st.limit;
        if status == 429 {
            // Half of what was in flight when the service said too many (never more than before).
            st.limit = Some((st.in_flight / 2).clamp(1, st.limit()));
        } else if let Some(hint) = hint {
            st.limit = Some(hint);
            if let Some(memory) = memory {
                memory.set(host, hint);
            }
        } else if st.limit.is_none() && status != 401 {
            st.limit = Some(DEFAULT_PARALLEL);
            if let Some(memory) = memory {
                memory.set(host, DEFAULT_PARALLEL);
            }
        }
        let grew = st.limit.unwrap_or(COLD_PARALLEL) > before.unwrap_or(COLD_PARALLEL);
        drop(st);
        if grew {
            self.notify.notify_waiters();
        }
    }

    /// The most requests this gate ever had in flight at once.
    pub fn peak(&self) -> u32 {
        self.state.lock().map(|s| s.peak).unwrap_or(0)
    }

    /// The current limit ([`COLD_PARALLEL`] before the first answer).
    pub fn limit(&self) -> u32 {
        self.state.lock().map(|s| s.limit()).unwrap_or(COLD_PARALLEL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    fn answer(status: u16, hint: Option<&str>) -> HttpResponse {
        let mut b = http::Response::builder().status(status);
        if let Some(h) = hint {
            b = b.header("x-ms-dop-hint", h);
        }
        b.body(Vec::new()).unwrap()
    }

    #[tokio::test]
    async fn a_few_at_a_time_until_the_first_answer_then_the_hint() {
        let gate = Arc::new(Gate::default());
        let mut cold = Vec::new();
        for _ in 0..COLD_PARALLEL {
            cold.push(gate.enter(None).await);
        }
        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move {
                let _p = gate.enter(None).await;
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "one more request waits for the first answer");
        drop(cold.pop());
        gate.observe("h", &answer(200, Some("8")), None);
        waiting.await.unwrap();
        assert_eq!(gate.limit(), 8);
        drop(cold);
        assert_eq!(gate.peak(), COLD_PARALLEL);
    }

    #[test]
    fn no_hint_opens_to_the_default_a_challenge_does_not_and_429_halves() {
        let gate = Gate::default();
        gate.observe("h", &answer(401, None), None);
        assert_eq!(gate.limit(), COLD_PARALLEL, "a 401 challenge teaches nothing");
        gate.observe("h", &answer(200, None), None);
        assert_eq!(gate.limit(), DEFAULT_PARALLEL);
        gate.state.lock().unwrap().in_flight = 10;
        gate.observe("h", &answer(429, None), None);
        assert_eq!(gate.limit(), 5, "half of what was in flight");
        gate.state.lock().unwrap().in_flight = 0;
        gate.observe("h", &answer(429, None), None);
        assert_eq!(gate.limit(), 1);
        gate.observe("h", &answer(200, Some("1000")), None);
        assert_eq!(gate.limit(), MAX_PARALLEL);
        gate.observe("h", &answer(200, Some("zero")), None);
        assert_eq!(gate.limit(), MAX_PARALLEL);
    }

    #[tokio::test]
    async fn a_remembered_hint_applies_from_the_first_request() {
        let memory = DopMemory::default();
        Gate::default().observe("h", &answer(200, Some("3")), Some(&memory));
        assert_eq!(memory.get("h"), Some(3));
        let gate = Gate::default();
        let _a = gate.enter(memory.get("h")).await;
        let _b = gate.enter(memory.get("h")).await;
        let _c = gate.enter(memory.get("h")).await;
        assert_eq!(gate.peak(), 3);
    }
}
