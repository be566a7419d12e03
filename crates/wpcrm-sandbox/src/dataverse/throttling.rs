//! Service protection limits (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits): a sliding window of requests per caller
//! per environment; over budget → 429 0x80072322 with `Retry-After`, and every admitted answer
//! carries the `x-ms-ratelimit-*` headers. The concurrency and execution-time limits are not emulated.

use crate::errors::Dv;
use crate::http::Resp;
use crate::store::World;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// What an admitted request used of the caller's budget.
pub(super) struct Admitted {
    budget: Option<u64>,
    used: u64,
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
    })
}

/// The `x-ms-ratelimit-*` headers of an admitted request's answer.
pub(super) fn ratelimit_headers(resp: Resp, admitted: &Admitted) -> Resp {
    let remaining = admitted.budget.unwrap_or(6000).saturating_sub(admitted.used);
    resp.header("x-ms-ratelimit-burst-remaining-xrm-requests", remaining.to_string())
        .header("x-ms-ratelimit-time-remaining-xrm-requests", "1,200.00")
}
