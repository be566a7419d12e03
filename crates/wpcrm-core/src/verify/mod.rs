//! `wpcrm_verify_connection()`: one call that diagnoses a Connection tab completely, within a deadline.
//!
//! Checks, in report order (`docs/verify.md`), one file each, named after its [`CheckId`]:
//! [`input`], [`tenant`], [`token`], [`app_user`], [`metadata`], [`table`] (one `table:<name>` check
//! per table), [`privilege_audit`], [`secret_expiry`]; [`repair_hint`] marks what setup could fix. Requests run as concurrently as their dependencies allow:
//!
//! ```text
//! [tenant discovery] → token → ( WhoAmI → (RetrieveUserPrivileges ∥ user record ∥ its roles ∥ its business unit) )
//!                             ∥ metadata
//!                             ∥ for each table: ( EntityDefinitions → $top=1 read )
//! ```
//!
//! so latency is three round trips after the token, whatever the number of tables. The table
//! definitions are fetched speculatively beside WhoAmI; their results are only reported when the app
//! user and metadata checks passed (otherwise those checks already explain the failure, and the
//! tables are `skip`).
//!
//! Every request goes through one [`HttpClient`] bound to the call's deadline and cloud, so when time
//! runs out the pending requests fail with `timeout` and the checks that depend on them are skipped.
//! This file is the orchestrator only: each check module judges and records its own check
//! ([`outcome`]), and none of them uses this one.

mod app_user;
mod check_id;
pub mod input;
pub mod many;
mod metadata;
mod outcome;
mod privilege_audit;
pub mod repair_hint;
mod secret_expiry;
mod table;
mod tenant;
mod token;

pub use check_id::CheckId;
pub use secret_expiry::SECRET_EXPIRY_WARNING_DAYS;

use crate::api::{ConnectionInput, VerifyOptions};
use crate::cloud::{Cloud, Endpoints};
use crate::context::Context;
use crate::dataverse::Dataverse;
use crate::deadline::Deadline;
use crate::diagnosis::Facts;
use crate::http::HttpClient;
use crate::report::{OverallStatus, VerifyReport};
use crate::service::Caller;
use input::{InputOutcome, ValidInput};
use outcome::{Checks, Outcome};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// Runs the whole verification. Never panics on anything an admin can type; never takes longer than
/// the deadline (plus scheduling).
pub async fn run(context: &Context, connection: ConnectionInput, options: VerifyOptions) -> VerifyReport {
    let started = Instant::now();
    let deadline = Deadline::after(options.timeout.unwrap_or(context.config.default_timeout));
    let sandbox_url = context.config.sandbox_url.as_deref().filter(|s| !s.trim().is_empty());
    let mut report = empty_report();
    let mut checks = Checks::default();

    let t0 = Instant::now();
    let inp = input::check(&connection, &options, sandbox_url);
    record_input(&inp, t0.elapsed(), &mut checks, &mut report);
    let network_ids = CheckId::network(inp.table_names(&options));
    let http = inp
        .valid
        .as_ref()
        .and_then(|v| caller(context, v, sandbox_url, deadline));
    match (inp.valid, http) {
        (Some(valid), Some(http)) => {
            let site_role = options.site_role_id.as_deref();
            network_checks(context, &http, valid, site_role, &mut checks, &mut report).await;
            report.requests = http.requests();
        }
        _ => checks.skip_because(
            &network_ids,
            &CheckId::Input,
            "Skipped: the connection values are not usable (see the first check).",
        ),
    }

    let expiry = secret_expiry::check(options.secret_expires_at.as_deref(), context.clock.now());
    checks.push(&CheckId::SecretExpiry, expiry, Duration::ZERO);

    report.checks = checks.into_vec();
    repair_hint::mark(&mut report.checks);
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    report.summarize();
    report
}

/// tenant → token → (app user ∥ metadata ∥ tables); a failed check skips the ones after it.
async fn network_checks(
    context: &Context,
    http: &Caller,
    valid: ValidInput,
    site_role_id: Option<&str>,
    checks: &mut Checks,
    report: &mut VerifyReport,
) {
    let ids = CheckId::network(valid.tables.iter().map(|t| t.logical_name.clone()));
    let mut facts = Facts {
        application_id: valid.client_id.to_string(),
        tenant: valid.tenant.as_ref().map(|t| t.to_string()).unwrap_or_default(),
        instance_url: valid.instance.to_string(),
        cloud: valid.instance.cloud().name(),
    };
    let Some(tenant) = tenant::check(http, &valid, &facts, checks).await else {
        return checks.skip_after(&ids, &CheckId::Tenant, "Skipped: the tenant is not known.");
    };
    facts.tenant = tenant.to_string();
    report.tenant_id = Some(tenant.to_string());
    let Some(token) = token::check(context, http, &valid, &tenant, &facts, checks).await else {
        return checks.skip_after(&ids, &CheckId::Token, "Skipped: no access token.");
    };

    // One round trip for the token, then these three side by side, two round trips each at most.
    let dv = Dataverse::new(http, &valid.instance, token);
    let (identity, meta, tables) = tokio::join!(
        app_user::fetch(&dv),
        metadata::fetch(&dv),
        table::fetch_all(&dv, &valid.tables)
    );

    if identity.token_rejected() {
        token::forget(context, http, &valid, &tenant);
    }
    if !app_user::check(&identity, &facts, checks, report) {
        let why = "Skipped: the application user check failed.";
        return checks.skip_after(&ids, &CheckId::AppUser, why);
    }
    if !metadata::check(&meta, &facts, checks) {
        return checks.skip_after(&ids, &CheckId::Metadata, "Skipped: the metadata check failed.");
    }
    let needed: Vec<String> = valid
        .tables
        .iter()
        .zip(&tables)
        .flat_map(|(spec, answers)| answers.privileges_needed(spec))
        .collect();
    let held = table::held(identity.privileges, &facts);
    for (spec, answers) in valid.tables.iter().zip(tables) {
        table::check(spec, answers, held.as_ref(), &facts, identity.elapsed, checks, report);
    }
    let declared = privilege_audit::Declared {
        needed: &needed,
        site_role_id,
    };
    privilege_audit::check(
        identity.audit,
        held.as_ref(),
        &declared,
        identity.elapsed,
        checks,
        report,
    );
}

/// The HTTP client of this call: the instance's cloud (or the configured sandbox), this deadline.
fn caller(context: &Context, valid: &ValidInput, sandbox_url: Option<&str>, deadline: Deadline) -> Option<Caller> {
    let endpoints = match (valid.instance.cloud(), sandbox_url) {
        (Cloud::Sandbox, sandbox) => Endpoints::sandbox(sandbox?).ok()?,
        // Under the sandbox a real cloud's hosts are served by it (`Endpoints::mapped_to`).
        (cloud, Some(sandbox)) => Endpoints::real(cloud).mapped_to(sandbox).ok()?,
        (cloud, None) => Endpoints::real(cloud),
    };
    let http = HttpClient::new(context.transport.clone(), endpoints, deadline, context.clock.clone());
    Some(Caller::new(http.with_dop_memory(context.dop_memory.clone())))
}

fn record_input(inp: &InputOutcome, elapsed: Duration, checks: &mut Checks, report: &mut VerifyReport) {
    if let Some(instance) = &inp.instance {
        report.instance_url = Some(instance.to_string());
        report.cloud = Some(instance.cloud().report_name());
    }
    let outcome = Outcome {
        status: inp.status,
        detail: inp.detail.clone(),
        fix: inp.fix.clone(),
        code: inp.code.clone(),
        texts: Box::new(inp.texts.clone()),
        repair: None,
    };
    checks.push(&CheckId::Input, outcome, elapsed);
}

fn empty_report() -> VerifyReport {
    VerifyReport {
        ok: false,
        status: OverallStatus::Fail,
        instance_url: None,
        cloud: None,
        tenant_id: None,
        identity: None,
        checks: Vec::new(),
        tables: BTreeMap::new(),
        elapsed_ms: 0,
        requests: 0,
        audit: None,
    }
}

#[cfg(test)]
mod tests;
