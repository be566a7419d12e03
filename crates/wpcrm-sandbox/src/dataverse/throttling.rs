//! Service protection limits (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits): a sliding window of requests per caller
//! per environment; over budget → 429 0x80072322 with `Retry-After`, and every admitted answer
//! carries the `x-ms-ratelimit-*` headers.
//!
//! Concurrency: with `max_concurrent_requests` set, a Dataverse request arriving while that many
//! are in flight is answered at once with 429 `0x80072326` and `Retry-After:
//! concurrency_retry_after_s` (the documented concurrency limit, 52 per user on the real service,
//! counted here over the whole sandbox). Every admitted answer carries `x-ms-dop-hint: dop_hint`
//! when set (the recommended degree of parallelism,
//! <https://learn.microsoft.com/power-apps/developer/data-platform/send-parallel-requests>); the
//! value is the operator's: the documentation gives no figure. The most requests ever in flight is
//! kept for tests (`GET /_sandbox/concurrency`). The execution-time limit is not emulated.

use crate::errors::Dv;
use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::World;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// What an admitted request used of the caller's budget.
pub(super) struct Admitted {
    budget: Option<u64>,
    used: u64,
    dop_hint: Option<u32>,
}

/// A Dataverse request in flight; leaving counts it out.
pub struct InFlight<'a> {
    shared: &'a Shared,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut w = self.shared.world();
        w.in_flight.now = w.in_flight.now.saturating_sub(1);
    }
}

/// Counts a Dataverse request in, or refuses it (429 `0x80072326`) when the concurrency limit is
/// reached. Called by the server before any latency, so the request counts while it waits.
pub fn enter<'a>(shared: &'a Shared, req: &Req) -> Result<InFlight<'a>, Resp> {
    let mut w = shared.world();
    if let Some(limit) = w.config.max_concurrent_requests {
        if w.in_flight.now >= limit {
            w.in_flight.refused += 1;
            let retry_after = w.config.concurrency_retry_after_s;
            return Err(Dv::ConcurrencyLimit { retry_after, limit }.render(req));
        }
    }
    w.in_flight.now += 1;
    w.in_flight.peak = w.in_flight.peak.max(w.in_flight.now);
    Ok(InFlight { shared })
}

/// Counts one request of `user` in environment `env_name`, or refuses it when the window is full.
pub(super) fn admit(w: &mut World, env_name: String, user: Uuid) -> Result<Admitted, Dv> {
    let budget = w.config.request_budget;
    let window = Duration::from_millis(w.config.request_window_ms.max(1));
    let key = (env_name, user);
    let q = w.budget.entry(key).or_default();
    let nowi = Instant::now();
    while q.front().map(|t| nowi.duration_since(*t) >= window).unwrap_or(false) {
        q.pop_front();
    }
    if let Some(b) = budget {
        if q.len() as u64 >= b {
            let oldest = *q.front().unwrap_or(&nowi);
            let wait = window.saturating_sub(nowi.duration_since(oldest));
            let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(Dv::Throttled {
                retry_after: retry_after.max(1),
                limit: b,
                window_s: window.as_secs().max(1),
            });
        }
    }
    q.push_back(nowi);
    Ok(Admitted {
        budget,
        used: q.len() as u64,
        dop_hint: w.config.dop_hint,
    })
}

/// The `x-ms-ratelimit-*` headers of an admitted request's answer.
pub(super) fn ratelimit_headers(resp: Resp, admitted: &Admitted) -> Resp {
    let remaining = admitted.budget.unwrap_or(6000).saturating_sub(admitted.used);
    let resp = resp
        .header("x-ms-ratelimit-burst-remaining-xrm-requests", remaining.to_string())
        .header("x-ms-ratelimit-time-remaining-xrm-requests", "1,200.00");
    match admitted.dop_hint {
        Some(n) => resp.header("x-ms-dop-hint", n.to_string()),
        None => resp,
    }
}
