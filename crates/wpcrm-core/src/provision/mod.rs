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

mod response;
mod rollback;
pub mod state;
pub mod steps;

pub use response::{Connection, ProvisionError, ProvisionResponse, SignIn, Status};

use crate::api::{ConnectionInput, ProvisionRequest, VerifyOptions};
use crate::cloud::{Cloud, Endpoints};
use crate::context::Context;
use crate::dataverse::metadata::{privilege_is, privilege_type};
use crate::dataverse::Dataverse;
use crate::deadline::Deadline;
use crate::diagnosis::admin::{self, blames_the_signed_in_account, explain, replication_outlasted};
use crate::discovery::Environment;
use crate::graph::Graph;
use crate::http::HttpClient;
use crate::oauth::{device_code, refresh, CacheKey, CachedToken, TokenCache};
use crate::report::VerifyReport;
use crate::secret::AccessToken;
use crate::service::{Caller, Code, Error, Refusal, Service};
use state::{AppRecord, AppUserRecord, DeviceState, Owned, RoleRecord, SecretRecord, State};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use steps::{StepId, StepStatus, StepView};

/// Longest client secret lifetime wpcrm asks for (Graph's own default is two years).
pub const MAX_SECRET_LIFETIME_DAYS: i64 = 730;
pub const DEFAULT_SECRET_LIFETIME_DAYS: i64 = 180;
pub const DEFAULT_APP_NAME: &str = "WordPress (wpcrm)";
/// How long a step may keep meeting replication errors before it is reported as failed.
pub const REPLICATION_BOUND_S: i64 = 300;
const SITE_TAG_PREFIX: &str = "wpcrm:site:";
const SECRET_MARKER_PREFIX: &str = "wpcrm:";

/// The hosts of this call: the sandbox's origin when `wpcrm.sandbox_url` is set, else the cloud of
/// the requested instance URL (public when none is given yet).
fn endpoints(ctx: &Context, instance_url: Option<&str>) -> Result<Endpoints, ProvisionError> {
    let sandbox = ctx
        .config
        .sandbox_url
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(sandbox) = sandbox {
        return Endpoints::sandbox(sandbox)
            .map_err(|e| ProvisionError::new(None, admin::invalid_sandbox_url(e.to_string())));
    }
    let cloud = instance_url
        .and_then(|u| crate::instance_url::normalize(u, None).ok())
        .map(|u| u.cloud())
        .unwrap_or(Cloud::Public);
    Ok(Endpoints::real(cloud))
}

/// Why a call stops before `done`.
#[derive(Debug)]
enum Stop {
    SignIn(SignIn),
    Choose(Vec<Environment>),
    Pending(StepId),
    /// A rollback step ran out of time.
    PendingNamed(&'static str),
    Failed(ProvisionError),
}

type StepResult<T = ()> = Result<T, Stop>;

/// Validated request options.
struct Options {
    app_name: String,
    site_tag: String,
    lifetime_days: i64,
    roles: Vec<String>,
    create_role: bool,
    tables: Vec<crate::api::TableRequest>,
}

struct Machine<'a> {
    ctx: &'a Context,
    caller: Caller,
    opts: Options,
    /// The signed-in admin's access tokens; the sealed state keeps their snapshot between calls.
    tokens: TokenCache,
    request_instance_url: Option<String>,
    state: Mutex<State>,
    verifier: &'a Verifier,
    /// The application was created by this very call: nothing can hang off it yet, so lookups of
    /// its service principal, credentials and application user are skipped.
    app_fresh: AtomicBool,
    user_fresh: AtomicBool,
}

/// How the `verify` step checks the new connection: [`crate::verify::run`], or a stand-in in tests.
pub type Verifier =
    dyn for<'c> Fn(&'c Context, ConnectionInput, VerifyOptions) -> VerifierFuture<'c, VerifyReport> + Sync;
/// `Send`, so that a provisioning call can run on any runtime (a multi-threaded one spawns it).
pub type VerifierFuture<'c, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'c>>;

fn verify_run(ctx: &Context, connection: ConnectionInput, options: VerifyOptions) -> VerifierFuture<'_, VerifyReport> {
    Box::pin(crate::verify::run(ctx, connection, options))
}

/// One call of the step function. Never panics on anything a caller can send.
pub async fn run(ctx: &Context, request: ProvisionRequest) -> ProvisionResponse {
    run_with_verifier(ctx, request, &verify_run).await
}

/// [`run`] with the verification step's checker passed in.
pub async fn run_with_verifier(ctx: &Context, request: ProvisionRequest, verifier: &Verifier) -> ProvisionResponse {
    if request.state_key.len() != 32 {
        return refused(admin::invalid_state_key(), String::new());
    }
    let key = request.state_key.clone();
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
    let opts = match validate(&request) {
        Ok(o) => o,
        Err(error) => return finish(state, &key, Err(Stop::Failed(error)), None),
    };
    let timeout = request.timeout.unwrap_or(ctx.config.default_timeout);
    let instance_hint = state.instance_url.clone().or_else(|| request.instance_url.clone());
    let endpoints = match endpoints(ctx, instance_hint.as_deref()) {
        Ok(e) => e,
        Err(error) => return finish(state, &key, Err(Stop::Failed(error)), None),
    };
    let http = HttpClient::new(
        ctx.transport.clone(),
        endpoints,
        Deadline::after(timeout),
        ctx.clock.clone(),
    );
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
    };
    match request.action.as_deref().unwrap_or("run") {
        "run" | "" => {
            machine.restore_tokens();
            let outcome = machine.run().await;
            finish(machine.into_state(), &key, outcome, None)
        }
        "cancel" => {
            let mut state = machine.into_state();
            state.cancelled = true;
            // A cancelled run may be kept for a long time (so that the admin can still undo it): it
            // must not hold the admin's refresh token. Continuing or undoing signs in again, as
            // after `done`. (A `failed` run keeps its tokens so that it can resume after a
            // transient failure; the plugin expires unfinished runs.)
            state.tokens = Default::default();
            state.device = None;
            for rec in state.steps.values_mut() {
                if rec.status == StepStatus::Running {
                    rec.status = StepStatus::Pending;
                }
            }
            let error = ProvisionError::new(None, admin::cancelled(&what_exists(&state)));
            finish(state, &key, Err(Stop::Failed(error)), None)
        }
        "rollback" => {
            machine.restore_tokens();
            let outcome = rollback::run(&machine).await;
            let state = machine.into_state();
            let views = rollback::views(&state);
            finish(state, &key, outcome, Some(views))
        }
        other => {
            let other: String = other.chars().take(40).collect();
            let error = ProvisionError::new(None, admin::invalid_action(&other));
            finish(machine.into_state(), &key, Err(Stop::Failed(error)), None)
        }
    }
}

fn refused(d: crate::diagnosis::Diagnosis, state: String) -> ProvisionResponse {
    ProvisionResponse {
        status: Status::Failed,
        state,
        steps: step_views(&State::default()),
        step: None,
        sign_in: None,
        environments: None,
        connection: None,
        verification: None,
        error: Some(ProvisionError::new(None, d)),
    }
}

fn validate(request: &ProvisionRequest) -> Result<Options, ProvisionError> {
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
    let mut roles = vec!["Basic User".to_owned()];
    for r in request.roles.iter().flatten() {
        let r = r.trim();
        if !r.is_empty() && !roles.iter().any(|x| x.eq_ignore_ascii_case(r)) {
            roles.push(r.to_owned());
        }
    }
    Ok(Options {
        site_tag: site_tag(&site_id),
        app_name,
        lifetime_days,
        roles,
        create_role: request.create_role,
        tables: request.tables.clone(),
    })
}

/// `wpcrm:site:` + the first 16 hex digits of SHA-256(site_id): stable per site, and the site's URL
/// is not published in the tenant.
pub fn site_tag(site_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(site_id.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{SITE_TAG_PREFIX}{hex}")
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::getrandom(&mut buf).is_err() {
        // Never happens on supported platforms; a nonce from the UUID generator is still unique.
        return uuid::Uuid::new_v4().simple().to_string();
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn step_views(state: &State) -> Vec<StepView> {
    StepId::ALL
        .iter()
        .map(|id| StepView {
            id: id.as_str().into(),
            title: id.title().into(),
            status: state.step(*id),
        })
        .collect()
}

fn what_exists(state: &State) -> String {
    let mut parts = Vec::new();
    if let Some(app) = &state.app {
        parts.push(format!("application {} (object {})", app.app_id, app.object_id));
    }
    if let Some(sp) = &state.service_principal {
        parts.push(format!("service principal {}", sp.id));
    }
    if let Some(secret) = &state.secret {
        parts.push(format!(
            "client secret {} (expires {})",
            secret.key_id, secret.expires_at
        ));
    }
    if let Some(user) = &state.app_user {
        parts.push(format!("application user {}", user.id));
    }
    if let Some(role) = &state.custom_role {
        parts.push(format!("role {}", role.id));
    }
    if parts.is_empty() {
        "Nothing was created.".into()
    } else {
        format!("Exists: {}.", parts.join(", "))
    }
}

fn finish(mut state: State, key: &[u8], outcome: StepResult, views: Option<Vec<StepView>>) -> ProvisionResponse {
    let mut response = ProvisionResponse {
        status: Status::Done,
        state: String::new(),
        steps: Vec::new(),
        step: None,
        sign_in: None,
        environments: None,
        connection: None,
        verification: None,
        error: None,
    };
    match outcome {
        Ok(()) => {
            if views.is_none() {
                response.connection = connection(&state);
                response.verification = state.verification.clone();
            }
        }
        Err(Stop::SignIn(s)) => {
            response.status = Status::SignInRequired;
            response.sign_in = Some(s);
        }
        Err(Stop::Choose(envs)) => {
            response.status = Status::ChooseEnvironment;
            response.environments = Some(envs);
        }
        Err(Stop::Pending(step)) => {
            response.status = Status::InProgress;
            response.step = Some(step.as_str().into());
        }
        Err(Stop::PendingNamed(step)) => {
            response.status = Status::InProgress;
            response.step = Some(step.into());
        }
        Err(Stop::Failed(error)) => {
            response.status = Status::Failed;
            if let Some(step) = error
                .step
                .as_deref()
                .and_then(|s| StepId::ALL.iter().find(|x| x.as_str() == s))
            {
                if error.code != "cancelled" {
                    state.finish(*step, StepStatus::Failed);
                    // A retry gets a fresh replication bound.
                    state.step_mut(*step).started_at = None;
                }
            }
            if blames_the_signed_in_account(&error.code) {
                // Running again with the same sign-in would fail the same way (e2e found the plugin
                // stuck there): the next run asks for a sign-in, with another account if need be.
                state.tokens = Default::default();
                state.device = None;
            }
            response.error = Some(error);
        }
    }
    response.steps = views.unwrap_or_else(|| step_views(&state));
    response.state = state::seal(&state, key).unwrap_or_default();
    response
}

fn custom_role_name(app_name: &str) -> String {
    let site = app_name.trim();
    let name = match site.get(..9) {
        Some(prefix) if prefix.eq_ignore_ascii_case("wordpress") => {
            match site[9..].trim_start_matches([':', '–', '-', ' ']) {
                "" => "WordPress".to_owned(),
                rest => format!("WordPress – {rest}"),
            }
        }
        _ => format!("WordPress – {site}"),
    };
    // Dataverse role names are at most 100 characters.
    name.chars().take(100).collect()
}

fn connection(state: &State) -> Option<Connection> {
    let app = state.app.as_ref()?;
    let secret = state.secret.as_ref()?;
    Some(Connection {
        instance_url: state.instance_url.clone()?,
        tenant_id: state.tenant_id.clone(),
        application_id: app.app_id.clone(),
        client_secret: secret.value.clone(),
        secret_expires_at: secret.expires_at.clone(),
        application_object_id: app.object_id.clone(),
        service_principal_id: state.service_principal.as_ref().map(|s| s.id.clone()),
        application_user_id: state.app_user.as_ref().map(|u| u.id.clone()),
        role_id: state.custom_role.as_ref().map(|r| r.id.clone()),
    })
}

/// Errors that mean "the directory has not caught up yet" for the step at hand.
#[derive(Clone, Copy)]
enum Transient {
    /// Graph 404 / NoBackingApplicationObject.
    Graph,
    /// Dataverse cannot resolve the new application yet.
    Dataverse,
}

impl Transient {
    fn matches(self, e: &Error) -> bool {
        match self {
            Transient::Graph => crate::graph::is_replication(e),
            Transient::Dataverse => crate::dataverse::codes::is_replication(e),
        }
    }
}

/// The admin-facing explanation of a failed call in a step.
fn failure(step: StepId, e: &Error) -> ProvisionError {
    ProvisionError::at(step, explain(e))
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn merge(a: StepResult, b: StepResult) -> StepResult {
    match (a, b) {
        (Err(Stop::Failed(e)), _) | (_, Err(Stop::Failed(e))) => Err(Stop::Failed(e)),
        (Err(s), _) | (_, Err(s)) => Err(s),
        _ => Ok(()),
    }
}

impl Machine<'_> {
    fn st(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now(&self) -> time::OffsetDateTime {
        self.ctx.clock.now()
    }

    fn now_s(&self) -> i64 {
        self.now().unix_timestamp()
    }

    fn client_id(&self) -> &str {
        &self.ctx.config.admin_client_id
    }

    fn begin(&self, step: StepId) {
        let now = self.now_s();
        self.st().begin(step, now);
    }

    fn done(&self, step: StepId) {
        self.st().finish(step, StepStatus::Done);
    }

    fn fail<T>(&self, step: StepId, e: &Error) -> StepResult<T> {
        if matches!(e, Error::Deadline) {
            return Err(Stop::Pending(step));
        }
        Err(Stop::Failed(failure(step, e)))
    }

    /// Calls `f` until it succeeds, retrying errors that mean "not replicated yet" with backoff
    /// (1, 2, 4, 8 s…) within the call's budget. Out of budget → `in_progress`; still failing
    /// `REPLICATION_BOUND_S` after the step first started → failed.
    async fn retrying<T, F, Fut>(&self, step: StepId, transient: Transient, mut f: F) -> StepResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let mut wait = Duration::from_secs(1);
        loop {
            match f().await {
                Ok(v) => return Ok(v),
                Err(e) if transient.matches(&e) => {
                    let started = self.st().step_mut(step).started_at.unwrap_or_else(|| self.now_s());
                    if self.now_s() - started > REPLICATION_BOUND_S {
                        let mut error = failure(step, &e);
                        error.fix = Some(replication_outlasted(REPLICATION_BOUND_S / 60));
                        return Err(Stop::Failed(error));
                    }
                    if wait + Duration::from_millis(500) > self.caller.remaining() {
                        return Err(Stop::Pending(step));
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(8));
                }
                Err(e) => return self.fail(step, &e),
            }
        }
    }

    fn token_key(&self, scope: &str) -> CacheKey {
        CacheKey::delegated(
            &self.caller.endpoints().authority,
            "organizations",
            self.client_id(),
            scope,
        )
    }

    /// Puts the access tokens of the sealed state back into this call's cache.
    fn restore_tokens(&self) {
        let stored = std::mem::take(&mut self.st().tokens.access);
        for (scope, token) in stored {
            self.tokens.restore(self.token_key(&scope), token);
        }
    }

    /// The state to seal: with this call's access tokens while the admin's sign-in is still held.
    fn into_state(self) -> State {
        let mut state = self.state.into_inner().unwrap_or_else(|p| p.into_inner());
        state.tokens.access = if state.tokens.refresh.is_some() {
            self.tokens
                .snapshot()
                .into_iter()
                .map(|(key, token)| (key.scope().to_owned(), token))
                .collect()
        } else {
            Default::default()
        };
        state
    }

    /// An access token for `scope` from the cache, or from the refresh token.
    async fn token(&self, scope: &str) -> Result<AccessToken, Error> {
        let refresh_with_sign_in = || async {
            let Some(refresh_token) = self.st().tokens.refresh.clone() else {
                return Err(Error::Service(Refusal {
                    service: Service::Entra,
                    status: 400,
                    code: Code::Entra {
                        error: "invalid_grant".into(),
                        aadsts: Vec::new(),
                    },
                    message: "There is no admin sign-in in this state.".into(),
                }));
            };
            let now = self.now();
            let set = refresh::refresh(&self.caller, "organizations", self.client_id(), &refresh_token, scope).await?;
            if let Some(r) = set.refresh {
                self.st().tokens.refresh = Some(r);
            }
            Ok(CachedToken::new(set.access, now, set.expires_in.max(0) as u64))
        };
        match self
            .tokens
            .get_or_fetch(self.token_key(scope), self.ctx.clock.as_ref(), refresh_with_sign_in)
            .await
        {
            Ok(t) => Ok(t.token),
            Err(e) => {
                if e.code() == Some("invalid_grant") {
                    // The sign-in is no longer usable: the next run starts a new one.
                    self.tokens.clear();
                    let mut st = self.st();
                    st.tokens = Default::default();
                    st.finish(StepId::SignIn, StepStatus::Pending);
                }
                Err(e)
            }
        }
    }

    async fn token_for(&self, step: StepId, scope: &str) -> StepResult<AccessToken> {
        match self.token(scope).await {
            Ok(t) => Ok(t),
            Err(e) => self.fail(step, &e),
        }
    }

    fn instance_url(&self) -> String {
        self.st().instance_url.clone().unwrap_or_default()
    }

    fn graph_scope(&self) -> String {
        format!("{}/.default", self.caller.endpoints().graph_resource())
    }

    fn discovery_scope(&self) -> String {
        format!("{}/.default", self.caller.endpoints().discovery_resource())
    }

    fn dataverse_scope(&self) -> String {
        format!("{}/.default", self.instance_url())
    }

    fn dv(&self, token: &AccessToken) -> Dataverse<'_> {
        Dataverse::at(
            &self.caller,
            format!("{}/api/data/v9.2/", self.instance_url()),
            token.clone(),
        )
    }

    fn graph<'s>(&'s self, token: &'s AccessToken) -> Graph<'s> {
        Graph::new(&self.caller, token)
    }

    async fn run(&self) -> StepResult {
        self.st().cancelled = false;
        let finished = {
            let st = self.st();
            st.step(StepId::Verify) == StepStatus::Done && st.verification.is_some()
        };
        if finished {
            return Ok(());
        }
        self.sign_in().await?;
        self.environment().await?;
        let (graph, dataverse) = tokio::join!(self.graph_chain(), self.dataverse_prep());
        merge(graph, dataverse)?;
        self.app_user().await?;
        self.roles().await?;
        self.verify().await?;
        // A finished state keeps no admin credentials: it may be stored for months (a rollback
        // asks the admin to sign in again).
        let mut st = self.st();
        st.tokens = Default::default();
        st.device = None;
        Ok(())
    }

    // ---- sign_in ---------------------------------------------------------------------------

    fn sign_in_view(d: &DeviceState) -> SignIn {
        SignIn {
            user_code: d.user_code.clone(),
            verification_uri: d.verification_uri.clone(),
            message: d.message.clone(),
            expires_at: time::OffsetDateTime::from_unix_timestamp(d.expires_at)
                .map(rfc3339)
                .unwrap_or_default(),
        }
    }

    /// Requests a new device code and returns it for the admin.
    async fn start_device(&self) -> StepResult {
        let step = StepId::SignIn;
        let scopes = format!("{} offline_access openid profile", self.graph_scope());
        let auth = match device_code::start(&self.caller, "organizations", self.client_id(), &scopes).await {
            Ok(a) => a,
            Err(e) => return self.fail(step, &e),
        };
        let now = self.now();
        let device = DeviceState {
            device_code: auth.device_code,
            user_code: auth.user_code,
            verification_uri: auth.verification_uri,
            message: auth.message,
            expires_at: now.unix_timestamp() + auth.expires_in as i64,
            interval_s: auth.interval.max(1),
            next_poll_at_ms: (now.unix_timestamp_nanos() / 1_000_000) as i64 + auth.interval.max(1) as i64 * 1000,
        };
        let view = Self::sign_in_view(&device);
        self.st().device = Some(device);
        Err(Stop::SignIn(view))
    }

    pub(crate) async fn sign_in(&self) -> StepResult {
        let step = StepId::SignIn;
        if self.st().tokens.refresh.is_some() {
            self.done(step);
            return Ok(());
        }
        self.begin(step);
        let device = self.st().device.clone();
        let Some(mut device) = device else {
            return self.start_device().await;
        };
        let give_up = |d: crate::diagnosis::Diagnosis| -> StepResult { Err(Stop::Failed(ProvisionError::at(step, d))) };
        loop {
            let now = self.now();
            if now.unix_timestamp() >= device.expires_at {
                self.st().device = None;
                return give_up(admin::expired_token());
            }
            let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
            let wait = Duration::from_millis(device.next_poll_at_ms.saturating_sub(now_ms).max(0) as u64);
            if wait + Duration::from_millis(200) > self.caller.remaining() {
                return Err(Stop::SignIn(Self::sign_in_view(&device)));
            }
            tokio::time::sleep(wait).await;
            let poll = device_code::poll(&self.caller, "organizations", self.client_id(), &device.device_code).await;
            let after_ms = (self.now().unix_timestamp_nanos() / 1_000_000) as i64;
            match poll {
                device_code::Poll::Pending => {
                    device.next_poll_at_ms = after_ms + device.interval_s as i64 * 1000;
                    self.st().device = Some(device.clone());
                }
                device_code::Poll::SlowDown => {
                    device.interval_s += 5;
                    device.next_poll_at_ms = after_ms + device.interval_s as i64 * 1000;
                    self.st().device = Some(device.clone());
                }
                device_code::Poll::Granted(set) => {
                    let token = CachedToken::new(set.access, self.now(), set.expires_in.max(0) as u64);
                    self.tokens.restore(self.token_key(&self.graph_scope()), token);
                    let mut st = self.st();
                    st.device = None;
                    st.tokens.refresh = set.refresh;
                    if st.tenant_id.is_none() {
                        st.tenant_id = set.tenant_id;
                    }
                    if st.tokens.refresh.is_none() {
                        drop(st);
                        return give_up(admin::no_refresh_token());
                    }
                    st.finish(step, StepStatus::Done);
                    return Ok(());
                }
                device_code::Poll::Declined => {
                    self.st().device = None;
                    return give_up(admin::authorization_declined());
                }
                device_code::Poll::Expired => {
                    self.st().device = None;
                    return give_up(admin::expired_token());
                }
                device_code::Poll::OutOfTime => {
                    return Err(Stop::SignIn(Self::sign_in_view(&device)));
                }
                device_code::Poll::Restart => {
                    self.st().device = None;
                    return self.start_device().await;
                }
                device_code::Poll::Failed(e) => {
                    self.st().device = None;
                    return self.fail(step, &e);
                }
            }
        }
    }

    // ---- environment -----------------------------------------------------------------------

    async fn environment(&self) -> StepResult {
        let step = StepId::Environment;
        if self.st().instance_url.is_some() {
            self.done(step);
            return Ok(());
        }
        self.begin(step);
        if let Some(raw) = &self.request_instance_url {
            let url = match crate::instance_url::normalize(raw, self.ctx.config.sandbox_url.as_deref()) {
                Ok(url) => url,
                Err(e) => {
                    return Err(Stop::Failed(ProvisionError::at(
                        step,
                        admin::invalid_instance_url(e.to_string()),
                    )))
                }
            };
            let mut st = self.st();
            st.instance_url = Some(url.as_str().to_owned());
            st.finish(step, StepStatus::Done);
            return Ok(());
        }
        let token = self.token_for(step, &self.discovery_scope()).await?;
        match crate::discovery::list_environments(&self.caller, &token).await {
            Ok(envs) if envs.is_empty() => Err(Stop::Failed(ProvisionError::at(step, admin::no_environments()))),
            Ok(envs) => Err(Stop::Choose(envs)),
            Err(e) => self.fail(step, &e),
        }
    }

    // ---- Graph chain -----------------------------------------------------------------------

    async fn graph_chain(&self) -> StepResult {
        self.register_app().await?;
        self.service_principal().await?;
        self.client_secret().await
    }

    async fn register_app(&self) -> StepResult {
        let step = StepId::RegisterApp;
        if self.st().app.is_some() {
            self.done(step);
            return Ok(());
        }
        self.begin(step);
        let token = self.token_for(step, &self.graph_scope()).await?;
        let graph = self.graph(&token);
        let found = match graph.find_applications_by_tag(&self.opts.site_tag).await {
            Ok(apps) => apps.into_iter().next(),
            Err(e) => return self.fail(step, &e),
        };
        let record = match found {
            Some(app) => AppRecord {
                object_id: app.id,
                app_id: app.app_id,
                created: false,
            },
            None => {
                let tags = [self.opts.site_tag.as_str(), "wpcrm"];
                let app = match graph.create_application(&self.opts.app_name, &tags).await {
                    Ok(a) => a,
                    Err(e) => return self.fail(step, &e),
                };
                self.app_fresh.store(true, Ordering::Relaxed);
                AppRecord {
                    object_id: app.id,
                    app_id: app.app_id,
                    created: true,
                }
            }
        };
        let mut st = self.st();
        st.app = Some(record);
        st.finish(step, StepStatus::Done);
        Ok(())
    }

    fn app(&self) -> AppRecord {
        self.st().app.clone().expect("register_app ran first")
    }

    async fn service_principal(&self) -> StepResult {
        let step = StepId::ServicePrincipal;
        if self.st().service_principal.is_some() {
            self.done(step);
            return Ok(());
        }
        self.begin(step);
        let app = self.app();
        let token = self.token_for(step, &self.graph_scope()).await?;
        let graph = self.graph(&token);
        let existing = if self.app_fresh.load(Ordering::Relaxed) {
            None
        } else {
            match graph.find_service_principal(&app.app_id).await {
                Ok(sp) => sp,
                Err(e) => return self.fail(step, &e),
            }
        };
        let record = match existing {
            Some(sp) => Owned {
                id: sp.id,
                created: false,
            },
            None => {
                let sp = self
                    .retrying(step, Transient::Graph, || graph.create_service_principal(&app.app_id))
                    .await?;
                Owned {
                    id: sp.id,
                    created: true,
                }
            }
        };
        let mut st = self.st();
        st.service_principal = Some(record);
        st.finish(step, StepStatus::Done);
        Ok(())
    }

    fn secret_marker(&self) -> String {
        format!("{SECRET_MARKER_PREFIX}{}", self.st().run_nonce)
    }

    async fn client_secret(&self) -> StepResult {
        let step = StepId::ClientSecret;
        if self.st().secret.is_some() {
            self.done(step);
            return Ok(());
        }
        self.begin(step);
        let app = self.app();
        let marker = self.secret_marker();
        let token = self.token_for(step, &self.graph_scope()).await?;
        let graph = self.graph(&token);
        if !self.app_fresh.load(Ordering::Relaxed) {
            // A previous call of this run may have added a secret and died before its state
            // reached the caller: its value is lost, so remove it rather than leave it behind.
            let current = self
                .retrying(step, Transient::Graph, || graph.get_application(&app.object_id))
                .await?;
            for orphan in current
                .password_credentials
                .iter()
                .filter(|c| c.display_name.as_deref() == Some(marker.as_str()))
            {
                match graph.remove_password(&app.object_id, &orphan.key_id).await {
                    Ok(()) => {}
                    Err(e) if crate::graph::is_not_found(&e) => {}
                    Err(e) => return self.fail(step, &e),
                }
            }
        }
        let end = self.now() + time::Duration::days(self.opts.lifetime_days);
        let end = rfc3339(end);
        let new = self
            .retrying(step, Transient::Graph, || {
                graph.add_password(&app.object_id, &marker, &end)
            })
            .await?;
        let mut st = self.st();
        st.secret = Some(SecretRecord {
            key_id: new.key_id,
            expires_at: new.end_date_time.clone().unwrap_or(end),
            value: new.secret_text,
        });
        st.finish(step, StepStatus::Done);
        Ok(())
    }

    // ---- Dataverse preparation (concurrent with the Graph chain) ---------------------------

    /// "WordPress – <app name>", without saying WordPress twice when the app's name already starts
    /// with it (the plugin names the app "WordPress: <site>").
    fn custom_role_name(&self) -> String {
        custom_role_name(&self.opts.app_name)
    }

    async fn dataverse_prep(&self) -> StepResult {
        let bu_done = self.st().business_unit_id.is_some();
        let roles_done = !self.st().roles_resolved.is_empty();
        let custom_needed = self.opts.create_role && !self.opts.tables.is_empty();
        let custom_done = !custom_needed || self.st().custom_role_ready;
        if bu_done && roles_done && custom_done {
            self.done(StepId::BusinessUnit);
            if !custom_needed {
                self.st().finish(StepId::CustomRole, StepStatus::Skipped);
            }
            return Ok(());
        }
        self.begin(StepId::BusinessUnit);
        let token = self.token_for(StepId::BusinessUnit, &self.dataverse_scope()).await?;
        let dv = self.dv(&token);
        let custom_name = self.custom_role_name();
        let role_names: Vec<String> = self.opts.roles.clone();
        // Business unit ∥ each role lookup ∥ the custom role lookup ∥ each table's privileges.
        let bu_fut = dv.root_business_unit();
        let roles_fut = futures_util::future::join_all(role_names.iter().map(|n| dv.roles_named(n)));
        let custom_fut = async {
            if !custom_needed {
                return Ok((Vec::new(), Vec::new()));
            }
            let (existing, privileges) = tokio::join!(
                dv.roles_named(&custom_name),
                futures_util::future::join_all(self.opts.tables.iter().map(|t| dv.table_privileges(&t.logical_name)))
            );
            Ok::<_, (StepId, Error)>((
                existing.map_err(|e| (StepId::CustomRole, e))?,
                privileges.into_iter().collect::<Vec<_>>(),
            ))
        };
        let (bu, roles, custom) = tokio::join!(bu_fut, roles_fut, custom_fut);
        let bu = match bu {
            Ok(Some(bu)) => bu,
            Ok(None) => {
                return Err(Stop::Failed(ProvisionError::at(
                    StepId::BusinessUnit,
                    admin::no_root_business_unit(),
                )))
            }
            Err(e) => return self.fail(StepId::BusinessUnit, &e),
        };
        {
            let mut st = self.st();
            st.business_unit_id = Some(bu.clone());
            st.finish(StepId::BusinessUnit, StepStatus::Done);
        }
        // Roles, resolved in the root business unit.
        let mut resolved = Vec::new();
        for (name, found) in role_names.iter().zip(roles) {
            let found = match found {
                Ok(f) => f,
                Err(e) => return self.fail(StepId::Roles, &e),
            };
            let in_bu = found
                .iter()
                .find(|r| {
                    r.business_unit_id
                        .as_deref()
                        .is_some_and(|b| b.eq_ignore_ascii_case(&bu))
                })
                .or_else(|| found.iter().find(|r| r.business_unit_id.is_none()));
            match in_bu {
                Some(r) => resolved.push(RoleRecord {
                    id: r.roleid.clone(),
                    name: name.clone(),
                }),
                None => {
                    return Err(Stop::Failed(ProvisionError::at(
                        StepId::Roles,
                        admin::role_not_found(name),
                    )))
                }
            }
        }
        self.st().roles_resolved = resolved;
        if !custom_needed {
            self.st().finish(StepId::CustomRole, StepStatus::Skipped);
            return Ok(());
        }
        // The least-privilege role: exactly the requested kinds on the requested tables, Global.
        let step = StepId::CustomRole;
        self.begin(step);
        let (existing, privileges) = match custom {
            Ok(v) => v,
            Err((s, e)) => return self.fail(s, &e),
        };
        let mut privilege_ids = Vec::new();
        for (table, privs) in self.opts.tables.iter().zip(privileges) {
            let privs = match privs {
                Ok(p) => p,
                Err(e) if e.status() == Some(404) => {
                    return Err(Stop::Failed(ProvisionError::at(
                        step,
                        admin::table_not_found(&table.logical_name),
                    )))
                }
                Err(e) => return self.fail(step, &e),
            };
            for kind in &table.access {
                let type_name = privilege_type(kind).unwrap_or("Read");
                match privs.iter().find(|p| privilege_is(p, type_name)) {
                    Some(p) if !privilege_ids.contains(&p.privilege_id) => privilege_ids.push(p.privilege_id.clone()),
                    Some(_) => {}
                    None => {
                        return Err(Stop::Failed(ProvisionError::at(
                            step,
                            admin::privilege_not_found(&table.logical_name, kind, type_name),
                        )))
                    }
                }
            }
        }
        let recorded = self.st().custom_role.clone();
        let existing_in_bu = existing
            .iter()
            .find(|r| {
                r.business_unit_id
                    .as_deref()
                    .is_some_and(|b| b.eq_ignore_ascii_case(&bu))
            })
            .map(|r| r.roleid.clone());
        let (role, replace) = match (recorded, existing_in_bu) {
            (Some(r), _) => (r, true),
            (None, Some(id)) => (Owned { id, created: false }, true),
            (None, None) => {
                let id = match dv.create_role(&custom_name, &bu).await {
                    Ok(id) => id,
                    Err(e) => return self.fail(step, &e),
                };
                let owned = Owned { id, created: true };
                self.st().custom_role = Some(owned.clone());
                (owned, false)
            }
        };
        self.st().custom_role = Some(role.clone());
        if let Err(e) = dv.set_role_privileges(&role.id, &privilege_ids, &bu, replace).await {
            return self.fail(step, &e);
        }
        self.st().custom_role_ready = true;
        // Assigned in the `roles` step; stays running until then.
        Ok(())
    }

    // ---- application user, roles -----------------------------------------------------------

    async fn app_user(&self) -> StepResult {
        let step = StepId::AppUser;
        if self.st().app_user.is_some() {
            self.done(step);
            return Ok(());
        }
        self.begin(step);
        let app = self.app();
        let bu = self.st().business_unit_id.clone().unwrap_or_default();
        let token = self.token_for(step, &self.dataverse_scope()).await?;
        let dv = self.dv(&token);
        let existing = if self.app_fresh.load(Ordering::Relaxed) {
            None
        } else {
            match dv.find_application_user(&app.app_id).await {
                Ok(u) => u,
                Err(e) => return self.fail(step, &e),
            }
        };
        let record = match existing {
            Some(user)
                if user
                    .business_unit_id
                    .as_deref()
                    .is_some_and(|b| !b.eq_ignore_ascii_case(&bu)) =>
            {
                // Roles can only be assigned from the user's own business unit, and this run
                // resolved (and created) them in the root one.
                let other = user.business_unit_id.as_deref().unwrap_or_default();
                return Err(Stop::Failed(ProvisionError::at(
                    step,
                    admin::app_user_in_other_business_unit(&user.systemuserid, other),
                )));
            }
            Some(user) => {
                let was_disabled = user.isdisabled.unwrap_or(false);
                if was_disabled {
                    if let Err(e) = dv.set_user_disabled(&user.systemuserid, false).await {
                        return self.fail(step, &e);
                    }
                }
                AppUserRecord {
                    id: user.systemuserid,
                    created: false,
                    was_disabled,
                }
            }
            None => {
                let id = self
                    .retrying(step, Transient::Dataverse, || {
                        dv.create_application_user(&app.app_id, &bu)
                    })
                    .await?;
                self.user_fresh.store(true, Ordering::Relaxed);
                AppUserRecord {
                    id,
                    created: true,
                    was_disabled: false,
                }
            }
        };
        let mut st = self.st();
        st.app_user = Some(record);
        st.finish(step, StepStatus::Done);
        Ok(())
    }

    async fn roles(&self) -> StepResult {
        let step = StepId::Roles;
        let custom = self.st().custom_role.clone().filter(|_| self.opts.create_role);
        let settled = {
            let st = self.st();
            st.step(step) == StepStatus::Done && (custom.is_none() || st.custom_role_assigned)
        };
        if settled {
            return Ok(());
        }
        self.begin(step);
        let user = self.st().app_user.clone().expect("app_user ran first").id;
        let token = self.token_for(step, &self.dataverse_scope()).await?;
        let dv = self.dv(&token);
        let assigned: Vec<String> = if self.user_fresh.load(Ordering::Relaxed) {
            Vec::new()
        } else {
            match dv.user_role_ids(&user).await {
                Ok(ids) => ids,
                Err(e) => return self.fail(step, &e),
            }
        };
        let mut wanted: Vec<RoleRecord> = self.st().roles_resolved.clone();
        if let Some(role) = &custom {
            wanted.push(RoleRecord {
                id: role.id.clone(),
                name: self.custom_role_name(),
            });
        }
        let missing: Vec<RoleRecord> = wanted
            .into_iter()
            .filter(|r| !assigned.iter().any(|a| a.eq_ignore_ascii_case(&r.id)))
            .collect();
        let results = futures_util::future::join_all(missing.iter().map(|r| dv.assign_role(&user, &r.id))).await;
        let mut first_error = None;
        {
            let mut st = self.st();
            for (role, result) in missing.iter().zip(results) {
                match result {
                    Ok(()) => {
                        if custom.as_ref().is_some_and(|c| c.id == role.id) {
                            st.custom_role_assigned = true;
                        } else {
                            st.roles_assigned.push(role.clone());
                        }
                    }
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            if custom.is_some() && first_error.is_none() {
                st.custom_role_assigned = true;
            }
        }
        if let Some(e) = first_error {
            return self.fail(step, &e);
        }
        let mut st = self.st();
        st.finish(step, StepStatus::Done);
        if custom.is_some() {
            st.finish(StepId::CustomRole, StepStatus::Done);
        } else if st.step(StepId::CustomRole) != StepStatus::Done {
            st.finish(StepId::CustomRole, StepStatus::Skipped);
        }
        Ok(())
    }

    // ---- verify ------------------------------------------------------------------------------

    async fn verify(&self) -> StepResult {
        let step = StepId::Verify;
        self.begin(step);
        let mut wait = Duration::from_secs(1);
        loop {
            if self.caller.remaining() < Duration::from_secs(2) {
                return Err(Stop::Pending(step));
            }
            let (connection, options) = {
                let st = self.st();
                let secret = st.secret.clone().expect("client_secret ran first");
                (
                    ConnectionInput {
                        instance_url: st.instance_url.clone(),
                        application_id: st.app.as_ref().map(|a| a.app_id.clone()),
                        client_secret: Some(secret.value),
                        tenant_id: st.tenant_id.clone(),
                    },
                    VerifyOptions {
                        tables: self.opts.tables.clone(),
                        timeout: Some(self.caller.remaining()),
                        secret_expires_at: Some(secret.expires_at),
                    },
                )
            };
            let report = (self.verifier)(self.ctx, connection, options).await;
            let replicating = report.checks.iter().any(|c| {
                c.id == "token"
                    && c.status == crate::report::CheckStatus::Fail
                    && matches!(c.code.as_deref(), Some("AADSTS700016") | Some("AADSTS7000215"))
            });
            if replicating {
                let started = self.st().step_mut(step).started_at.unwrap_or_else(|| self.now_s());
                if self.now_s() - started <= REPLICATION_BOUND_S {
                    if wait + Duration::from_secs(2) > self.caller.remaining() {
                        return Err(Stop::Pending(step));
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(8));
                    continue;
                }
            }
            let ok = report.ok;
            let mut st = self.st();
            st.verification = serde_json::to_value(&report).ok();
            // The connection exists either way; the report says what (if anything) to fix.
            st.finish(step, if ok { StepStatus::Done } else { StepStatus::Failed });
            if !ok {
                // Keep `done` reachable on a re-run: the next run verifies again.
                st.step_mut(step).started_at = None;
            }
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests;
