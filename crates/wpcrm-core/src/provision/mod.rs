//! `wpcrm_provision()`: a resumable, idempotent step function.
//!
//! Each call opens the sealed state, advances as far as its time budget allows and seals the state
//! again. Steps (see [`steps::StepId`]) record themselves `running` before their effect and `done`
//! after it; each one first looks for what a previous (possibly lost) call already created, so
//! re-sending an older state converges on one result instead of duplicating it.
//!
//! Critical path: after sign-in, the Graph chain (application → service principal → secret) and the
//! Dataverse preparation (business unit ∥ role lookups ∥ custom role and its privileges) run
//! concurrently; then the application user, all role assignments at once, and the verification.
//!
//! Waiting is `tokio::time::sleep` and wall time is `Context::clock`, so tests run long flows
//! instantly with `tokio::time::pause()` and a clock that follows tokio's.
//!
//! This file takes the request (its key, state, options and action) and hands it on: the machine
//! the steps share is in `machine.rs`, each step in the file named after its id, their order in
//! `sequence.rs`, `action: rollback` in `rollback.rs`, `action: repair` in `repair.rs` and
//! `repair_role.rs`, `action: renew` in `renew.rs`, and the answer in `finish.rs`.

mod app_user;
mod browser_sign_in;
mod business_unit;
mod client_secret;
mod cloud_choice;
mod custom_role;
mod environment;
mod finish;
mod machine;
mod marker;
mod preflight;
mod register_app;
mod renew;
mod renew_record;
mod renew_wait;
mod repair;
mod repair_role;
mod response;
mod retire_secrets;
mod roles;
mod rollback;
mod sequence;
mod service_principal;
mod sign_in;
pub mod state;
pub mod steps;
mod verify;

pub use machine::{Verifier, VerifierFuture, REPLICATION_BOUND_S};
pub use marker::{public_site_tag, SiteMarker};
pub use response::{
    Change, ChangeAction, ChangeKind, Connection, Notice, ProvisionError, ProvisionResponse, SignIn, Status,
};

use crate::api::{ConnectionInput, ProvisionRequest, VerifyOptions};
use crate::context::Context;
use crate::dataverse::metadata::privilege_type;
use crate::deadline::Deadline;
use crate::diagnosis::admin;
use crate::http::HttpClient;
use crate::oauth::TokenCache;
use crate::report::VerifyReport;
use crate::service::Caller;
use finish::{finish, refused, what_exists};
use machine::{Log, Machine, Options, Stop};
use state::State;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use steps::{StepId, StepStatus};

/// Longest client secret lifetime wpcrm asks for (Graph's own default is two years).
pub const MAX_SECRET_LIFETIME_DAYS: i64 = 730;
pub const DEFAULT_SECRET_LIFETIME_DAYS: i64 = 180;
pub const DEFAULT_APP_NAME: &str = "WordPress (wpcrm)";
/// Most tables one run sets up (as many as one verification checks).
pub const MAX_TABLES: usize = crate::verify::input::MAX_TABLES;

fn verify_run(ctx: &Context, connection: ConnectionInput, options: VerifyOptions) -> VerifierFuture<'_, VerifyReport> {
    Box::pin(crate::verify::run(ctx, connection, options))
}

/// One call of the step function. Never panics on anything a caller can send.
pub async fn run(ctx: &Context, request: ProvisionRequest) -> ProvisionResponse {
    run_with_verifier(ctx, request, &verify_run).await
}

/// [`run`] with the verification step's checker passed in.
pub async fn run_with_verifier(ctx: &Context, mut request: ProvisionRequest, verifier: &Verifier) -> ProvisionResponse {
    // The key leaves the request at once, into memory that is wiped when the call ends.
    let key = zeroize::Zeroizing::new(std::mem::take(&mut request.state_key));
    if key.len() != 32 {
        return refused(admin::invalid_state_key(), String::new());
    }
    let fresh_state = || State::new(random_hex(16));
    let state = match request.state.as_deref().filter(|s| !s.trim().is_empty()) {
        None => fresh_state(),
        Some(sealed) => match state::open(sealed, &key) {
            Ok(s) => s,
            Err(e) => {
                let sealed = state::seal(&fresh_state(), &key).unwrap_or_default();
                return refused(admin::invalid_state(e.to_string()), sealed);
            }
        },
    };
    let opts = match validate(&request, &key) {
        Ok(o) => o,
        Err(error) => return finish((state, Log::default()), &key, Err(Stop::Failed(error)), None),
    };
    let timeout = request.timeout.unwrap_or(ctx.config.default_timeout);
    let instance_hint = state.instance_url.clone().or_else(|| request.instance_url.clone());
    let sandbox = ctx
        .config
        .sandbox_url
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let chosen = cloud_choice::choose(
        sandbox,
        instance_hint.as_deref(),
        request.cloud.as_deref(),
        state.cloud.as_deref(),
    )
    .and_then(|cloud| Ok((cloud, cloud_choice::endpoints(cloud, sandbox)?)));
    let (cloud, endpoints) = match chosen {
        Ok(chosen) => chosen,
        Err(error) => return finish((state, Log::default()), &key, Err(Stop::Failed(error)), None),
    };
    let mut state = state;
    state.cloud.get_or_insert_with(|| cloud.name().to_owned());
    let http = HttpClient::new(
        ctx.transport.clone(),
        endpoints,
        Deadline::after(timeout),
        ctx.clock.clone(),
    )
    .learning_dop(ctx.dop_memory.clone());
    let machine = Machine {
        ctx,
        caller: Caller::new(http),
        opts,
        tokens: TokenCache::new(),
        request_instance_url: request.instance_url.clone().filter(|s| !s.trim().is_empty()),
        state: Mutex::new(state),
        verifier,
        app_fresh: AtomicBool::new(false),
        user_fresh: AtomicBool::new(false),
        log: Mutex::new(Log::default()),
    };
    let secret = request.client_secret.take();
    act(machine, request.action.as_deref().unwrap_or("run"), &key, secret).await
}

/// Carries out the request's `action` and answers.
async fn act(
    machine: Machine<'_>,
    action: &str,
    key: &[u8],
    secret: Option<crate::secret::ClientSecret>,
) -> ProvisionResponse {
    let renewal = machine.st().renewal.is_some();
    match action {
        "run" | "" | "cancel" | "rollback" | "repair" if renewal => {
            finish(machine.into_state(), key, Err(renew::refuse_setup_action()), None)
        }
        "run" | "" => {
            machine.restore_tokens();
            let outcome = machine.run().await;
            finish(machine.into_state(), key, outcome, None)
        }
        "renew" => {
            machine.restore_tokens();
            let outcome = machine.renew().await;
            renew::answer(machine.into_state(), key, outcome)
        }
        "cancel" => {
            let (state, log) = machine.into_state();
            let (state, error) = cancel(state);
            finish((state, log), key, Err(Stop::Failed(error)), None)
        }
        "rollback" => {
            machine.restore_tokens();
            let outcome = rollback::run(&machine).await;
            let (state, log) = machine.into_state();
            let views = rollback::views(&state);
            finish((state, log), key, outcome, Some(views))
        }
        "repair" => {
            machine.restore_tokens();
            let outcome = machine.repair(secret).await;
            let (mut state, log) = machine.into_state();
            if let Err(Stop::Failed(_)) = &outcome {
                // The plugin keeps a failed repair's state as the finished setup's, which holds no
                // admin credentials (a finished repair drops them too): sign in again to retry.
                state.tokens = Default::default();
                state.device = None;
            }
            finish((state, log), key, outcome, None)
        }
        "forget_secret" => {
            machine.restore_tokens();
            let outcome = machine.forget_secret().await;
            if renewal {
                return renew::answer(machine.into_state(), key, outcome);
            }
            finish(machine.into_state(), key, outcome, None)
        }
        other => {
            let other: String = other.chars().take(40).collect();
            let error = ProvisionError::new(None, admin::invalid_action(&other));
            finish(machine.into_state(), key, Err(Stop::Failed(error)), None)
        }
    }
}

/// `action: cancel`: the run stops where it is, and says what exists.
fn cancel(mut state: State) -> (State, ProvisionError) {
    state.cancelled = true;
    // A cancelled run may be kept for a long time (so that the admin can still undo it): it
    // must not hold the admin's refresh token. Continuing or undoing signs in again, as
    // after `done`. (A `failed` run keeps its tokens so that it can resume after a
    // transient failure; the plugin expires unfinished runs.)
    state.tokens = Default::default();
    state.device = None;
    state.browser = None;
    for rec in state.steps.values_mut() {
        if rec.status == StepStatus::Running {
            rec.status = StepStatus::Pending;
        }
    }
    let error = ProvisionError::new(None, admin::cancelled(&what_exists(&state)));
    (state, error)
}

fn validate(request: &ProvisionRequest, key: &[u8]) -> Result<Options, ProvisionError> {
    if request.tables.len() > MAX_TABLES {
        return Err(ProvisionError::at(
            StepId::CustomRole,
            admin::too_many_tables(request.tables.len(), MAX_TABLES),
        ));
    }
    let lifetime_days = request.secret_lifetime_days.unwrap_or(DEFAULT_SECRET_LIFETIME_DAYS);
    if !(1..=MAX_SECRET_LIFETIME_DAYS).contains(&lifetime_days) {
        return Err(ProvisionError::at(
            StepId::ClientSecret,
            admin::invalid_secret_lifetime(lifetime_days, MAX_SECRET_LIFETIME_DAYS),
        ));
    }
    for table in &request.tables {
        for kind in &table.access {
            if privilege_type(kind).is_none() {
                return Err(ProvisionError::at(
                    StepId::CustomRole,
                    admin::invalid_access_kind(kind, &table.logical_name),
                ));
            }
        }
    }
    let app_name = request
        .app_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(DEFAULT_APP_NAME)
        .chars()
        .take(120)
        .collect::<String>();
    let site_id = request
        .site_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(&app_name)
        .to_owned();
    let sign_in_method = crate::api::SignInMethod::parse(request.sign_in_method.as_deref())
        .map_err(|m| ProvisionError::at(StepId::SignIn, crate::diagnosis::entra::invalid_sign_in_method(&m)))?;
    let mut roles = vec!["Basic User".to_owned()];
    for r in request.roles.iter().flatten() {
        let r = r.trim();
        if !r.is_empty() && !roles.iter().any(|x| x.eq_ignore_ascii_case(r)) {
            roles.push(r.to_owned());
        }
    }
    Ok(Options {
        public_tag: public_site_tag(&site_id),
        marker: SiteMarker::new(key, &site_id),
        app_name,
        lifetime_days,
        roles,
        create_role: request.create_role,
        tables: request.tables.clone(),
        renew: renew::target(request)?,
        sign_in_method,
        sign_in_response_url: request.sign_in_response_url.clone().filter(|u| !u.trim().is_empty()),
    })
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::getrandom(&mut buf).is_err() {
        // Never happens on supported platforms; a nonce from the UUID generator is still unique.
        return uuid::Uuid::new_v4().simple().to_string();
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
