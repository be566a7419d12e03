//! `wpcrm_verify_connections()`: many connections verified in one call, concurrently, within one
//! overall deadline (`docs/verify.md`, "Fleets").
//!
//! Each connection runs the whole [`run`](super::run) with its own options; at most `concurrency`
//! run at once, all on the call's one runtime and pooled HTTPS client (so connections to the same
//! hosts share TLS sessions and HTTP/2 connections, and apps share the token cache). One
//! connection's failure, even a panic, is its own report and never stops the others. Each
//! connection's deadline is its own timeout, cut to what is left of the overall one: a connection
//! that starts after the overall deadline makes no request and reports `timeout`.

use super::run;
use crate::api::{ConnectionInput, VerifyOptions};
use crate::context::Context;
use crate::report::{Check, CheckStatus, OverallStatus, Texts, VerifyReport};
use futures_util::{FutureExt, StreamExt};
use serde::Serialize;
use std::panic::AssertUnwindSafe;
use std::time::Duration;
use tokio::time::Instant;

/// How many connections run at once when the caller does not say.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// The most connections that may run at once.
pub const MAX_CONCURRENCY: usize = 128;

/// One connection of the fleet, with its own verify options (`tables`, `timeout`, `secret_expires_at`).
pub struct FleetItem {
    pub connection: ConnectionInput,
    pub options: VerifyOptions,
}

#[derive(Debug, Clone, Default)]
pub struct FleetOptions {
    /// Connections running at once (`None`: [`DEFAULT_CONCURRENCY`]; clamped to 1..=[`MAX_CONCURRENCY`]).
    pub concurrency: Option<usize>,
    /// Deadline of the whole call; `None`: no overall deadline beyond each connection's own.
    pub timeout: Option<Duration>,
}

/// How the connections fared, counted by overall status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FleetSummary {
    pub total: usize,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
}

/// The fleet's answer: one report per connection, in the order given.
#[derive(Debug, Clone, Serialize)]
pub struct FleetReport {
    pub results: Vec<VerifyReport>,
    pub summary: FleetSummary,
    pub concurrency: usize,
    pub elapsed_ms: u64,
    /// HTTP requests made by all connections.
    pub requests: u32,
}

/// Called once per finished connection: its index in the input, its report, and how many are done.
pub type Progress<'a> = dyn FnMut(usize, &VerifyReport, usize) + 'a;

/// Verifies every item, at most `concurrency` at once, within the overall deadline.
pub async fn run_many(
    context: &Context,
    items: Vec<FleetItem>,
    options: FleetOptions,
    progress: &mut Progress<'_>,
) -> FleetReport {
    let started = Instant::now();
    let concurrency = options
        .concurrency
        .unwrap_or(DEFAULT_CONCURRENCY)
        .clamp(1, MAX_CONCURRENCY);
    let overall = options.timeout.map(|t| started + t);
    let total = items.len();
    let mut results: Vec<Option<VerifyReport>> = vec![None; total];
    let mut pending = futures_util::stream::iter(items.into_iter().enumerate())
        .map(|(index, item)| one(context, index, item, overall))
        .buffer_unordered(concurrency);
    let mut done = 0;
    while let Some((index, report)) = pending.next().await {
        done += 1;
        progress(index, &report, done);
        results[index] = Some(report);
    }
    let results: Vec<VerifyReport> = results.into_iter().map(|r| r.unwrap_or_else(crashed)).collect();
    FleetReport {
        summary: summarize(&results),
        requests: results.iter().map(|r| r.requests).sum(),
        results,
        concurrency,
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}

/// One connection, its deadline cut to the overall one; a panic becomes its own failed report.
async fn one(context: &Context, index: usize, item: FleetItem, overall: Option<Instant>) -> (usize, VerifyReport) {
    let FleetItem {
        connection,
        mut options,
    } = item;
    if let Some(end) = overall {
        let own = options.timeout.unwrap_or(context.config.default_timeout);
        // A zero budget still runs the input check, and every network check reports `timeout`.
        options.timeout = Some(
            own.min(end.saturating_duration_since(Instant::now()))
                .max(Duration::from_millis(1)),
        );
    }
    let report = AssertUnwindSafe(run(context, connection, options))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| crashed());
    (index, report)
}

fn summarize(results: &[VerifyReport]) -> FleetSummary {
    let mut s = FleetSummary {
        total: results.len(),
        ..FleetSummary::default()
    };
    for r in results {
        match r.status {
            OverallStatus::Pass => s.pass += 1,
            OverallStatus::Warn => s.warn += 1,
            OverallStatus::Fail => s.fail += 1,
        }
    }
    s
}

/// The report of a connection whose verification panicked (a bug): failed, explained, alone.
fn crashed() -> VerifyReport {
    let mut report = super::empty_report();
    report.checks.push(Check {
        id: "input".to_owned(),
        status: CheckStatus::Fail,
        title: super::CheckId::Input.title(),
        detail:
            "The verification of this connection stopped on an internal error; the other connections were not affected."
                .to_owned(),
        fix: Some(
            "Run the verification of this connection alone; if it fails the same way, report it as a bug.".to_owned(),
        ),
        code: Some("internal_error".to_owned()),
        elapsed_ms: 0,
        texts: Texts::ids("fleet.internal_error", Some("fix.internal_error")),
        repairable: false,
        repair: None,
    });
    report.summarize();
    report
}
