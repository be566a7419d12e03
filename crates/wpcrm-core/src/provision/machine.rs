//! The step machine every step runs on: the call's options, its sealed state behind a lock, the
//! signed-in admin's token cache (whose snapshot the sealed state keeps between calls), and the
//! helpers the steps share: recording a step `running`/`done`/failed, retrying while Entra ID or
//! Dataverse catch up with a new application, the scopes, and the Graph and Dataverse clients.
//!
//! It knows no step: the steps (one file each, named after their [`StepId`]) and the sequence that
//! runs them are built on it. See `docs/provision.md` for the flow.

use super::marker::SiteMarker;
use super::response::{Change, ChangeAction, ChangeKind, Notice, ProvisionError, SignIn};
use super::state::{AppRecord, State};
use super::steps::{StepId, StepStatus};
use crate::api::{ConnectionInput, TableRequest, VerifyOptions};
use crate::context::Context;
use crate::dataverse::Dataverse;
use crate::diagnosis::admin::{explain, replication_outlasted};
use crate::diagnosis::entra;
use crate::diagnosis::Diagnosis;
use crate::discovery::Environment;
use crate::graph::Graph;
use crate::oauth::grant_error::{self, Refused};
use crate::oauth::{refresh, CacheKey, CachedToken, TokenCache};
use crate::report::VerifyReport;
use crate::secret::AccessToken;
use crate::service::{Caller, Code, Error, Refusal, Service};
use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// How long a step may keep meeting replication errors before it is reported as failed.
pub const REPLICATION_BOUND_S: i64 = crate::context::DEFAULT_REPLICATION_WINDOW_S as i64;

/// Why a call stops before `done`.
#[derive(Debug)]
pub(super) enum Stop {
    SignIn(Box<SignIn>),
    Choose(Vec<Environment>),
    Pending(StepId),
    /// A rollback step ran out of time.
    PendingNamed(&'static str),
    Failed(ProvisionError),
}

pub(super) type StepResult<T = ()> = Result<T, Stop>;

/// What a call changed in the tenant and what the admin should know, for the answer.
#[derive(Default)]
pub(super) struct Log {
    pub(super) changes: Vec<Change>,
    pub(super) notices: Vec<Notice>,
}

/// Validated request options.
pub(super) struct Options {
    pub(super) app_name: String,
    /// The tag earlier versions gave the app: anyone can compute it, so it only finds look-alikes.
    pub(super) public_tag: String,
    /// What proves an application or a client secret is this site's.
    pub(super) marker: SiteMarker,
    pub(super) lifetime_days: i64,
    pub(super) roles: Vec<String>,
    pub(super) create_role: bool,
    pub(super) tables: Vec<TableRequest>,
    /// `action: renew`: the connection whose secret is renewed.
    pub(super) renew: Option<super::renew_record::Target>,
    /// How the admin signs in (`None`: as the pending sign-in, else device code).
    pub(super) sign_in_method: Option<crate::api::SignInMethod>,
    /// The address the browser ended on after the browser sign-in.
    pub(super) sign_in_response_url: Option<String>,
}

/// How the `verify` step checks the new connection: [`crate::verify::run`], or a stand-in in tests.
pub type Verifier =
    dyn for<'c> Fn(&'c Context, ConnectionInput, VerifyOptions) -> VerifierFuture<'c, VerifyReport> + Sync;
/// `Send`, so that a provisioning call can run on any runtime (a multi-threaded one spawns it).
pub type VerifierFuture<'c, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'c>>;

pub(super) struct Machine<'a> {
    pub(super) ctx: &'a Context,
    pub(super) caller: Caller,
    pub(super) opts: Options,
    /// The signed-in admin's access tokens; the sealed state keeps their snapshot between calls.
    pub(super) tokens: TokenCache,
    pub(super) request_instance_url: Option<String>,
    pub(super) state: Mutex<State>,
    pub(super) verifier: &'a Verifier,
    /// The application was created by this very call: nothing can hang off it yet, so lookups of
    /// its service principal, credentials and application user are skipped.
    pub(super) app_fresh: AtomicBool,
    pub(super) user_fresh: AtomicBool,
    pub(super) log: Mutex<Log>,
}

/// Errors that mean "the directory has not caught up yet" for the step at hand.
#[derive(Clone, Copy)]
pub(super) enum Transient {
    /// Graph 404 / NoBackingApplicationObject.
    Graph,
    /// A refusal of the application user that is not the admin's, not a duplicate and not our own
    /// request's fault ([`crate::dataverse::codes::is_replication`]).
    Dataverse,
}

impl Transient {
    /// Who has not caught up yet, for the fix.
    fn waits_for(self) -> &'static str {
        match self {
            Transient::Graph => "Entra ID",
            Transient::Dataverse => "Dataverse",
        }
    }

    fn matches(self, e: &Error) -> bool {
        match self {
            Transient::Graph => crate::graph::is_replication(e),
            Transient::Dataverse => crate::dataverse::codes::is_replication(e),
        }
    }
}

pub(super) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Machine<'_> {
    pub(super) fn st(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn now(&self) -> time::OffsetDateTime {
        self.ctx.clock.now()
    }

    pub(super) fn now_s(&self) -> i64 {
        self.now().unix_timestamp()
    }

    pub(super) fn client_id(&self) -> &str {
        &self.ctx.config.admin_client_id
    }

    /// Whether `step` has work to do: when what it makes is already `recorded` it is marked done
    /// (a re-run, or an older state), else it is marked running.
    pub(super) fn starts(&self, step: StepId, recorded: impl FnOnce(&State) -> bool) -> bool {
        let recorded = recorded(&self.st());
        if recorded {
            self.done(step);
        } else {
            self.begin(step);
        }
        !recorded
    }

    pub(super) fn begin(&self, step: StepId) {
        let now = self.now_s();
        self.st().begin(step, now);
    }

    pub(super) fn done(&self, step: StepId) {
        self.st().finish(step, StepStatus::Done);
    }

    /// A failed request of `step`: out of time → `in_progress`, else the catalogue's explanation.
    pub(super) fn fail<T>(&self, step: StepId, e: &Error) -> StepResult<T> {
        if matches!(e, Error::Deadline) {
            return Err(Stop::Pending(step));
        }
        Err(Stop::Failed(ProvisionError::at(step, explain(e))))
    }

    /// `step` cannot go on for the reason the catalogue's `d` gives.
    pub(super) fn give_up<T>(&self, step: StepId, d: Diagnosis) -> StepResult<T> {
        Err(Stop::Failed(ProvisionError::at(step, d)))
    }

    /// Calls `f` until it succeeds, retrying errors that mean "not replicated yet" with backoff
    /// (1, 2, 4, 8 s…) within the call's budget. Out of budget → `in_progress`; still failing
    /// the replication window after the step first started → failed.
    pub(super) async fn retrying<T, F, Fut>(&self, step: StepId, transient: Transient, f: F) -> StepResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        self.retrying_since(step, transient, None, f).await
    }

    /// [`Machine::retrying`] with the window counted from `since` (unix seconds, e.g. when the
    /// service principal was created) instead of the step's first start. Across calls: a call out
    /// of budget answers `in_progress` and the next one resumes the backoff.
    pub(super) async fn retrying_since<T, F, Fut>(
        &self,
        step: StepId,
        transient: Transient,
        since: Option<i64>,
        mut f: F,
    ) -> StepResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let mut wait = Duration::from_secs(1);
        let window = self.ctx.config.replication_window;
        loop {
            match f().await {
                Ok(v) => return Ok(v),
                Err(e) if transient.matches(&e) => {
                    let started = since
                        .or_else(|| self.st().step_mut(step).started_at)
                        .unwrap_or_else(|| self.now_s());
                    if self.now_s() - started >= window.as_secs() as i64 {
                        let mut error = ProvisionError::at(step, explain(&e));
                        let why = replication_outlasted(&window, transient.waits_for());
                        error.fix = Some(why.english);
                        error.texts.fix_id = why.id;
                        for (name, value) in why.params {
                            error.texts.set(&name, value);
                        }
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

    /// What an earlier call may have made for `step` (`look_up`), unless the application was created
    /// by this very call: then nothing can hang off it yet and the lookup is skipped.
    pub(super) async fn made_earlier<T, Fut>(
        &self,
        step: StepId,
        look_up: impl FnOnce() -> Fut,
    ) -> StepResult<Option<T>>
    where
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        if self.app_fresh.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(None);
        }
        match look_up().await {
            Ok(found) => Ok(found),
            Err(e) => self.fail(step, &e),
        }
    }

    /// Removes the client secret `key_id` from the application `object_id` (one already gone counts
    /// as removed) and reports it with `why`.
    pub(super) async fn remove_secret(
        &self,
        graph: &Graph<'_>,
        object_id: &str,
        key_id: &str,
        why: &str,
    ) -> Result<(), Error> {
        match graph.remove_password(object_id, key_id).await {
            Ok(()) => {
                self.changed(ChangeAction::Removed, ChangeKind::ClientSecret, key_id, why);
                Ok(())
            }
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub(super) fn token_key(&self, scope: &str) -> CacheKey {
        CacheKey::delegated(
            &self.caller.endpoints().authority,
            "organizations",
            self.client_id(),
            scope,
        )
    }

    /// Puts the access tokens of the sealed state back into this call's cache.
    pub(super) fn restore_tokens(&self) {
        let stored = std::mem::take(&mut self.st().tokens.access);
        for (scope, token) in stored {
            self.tokens.restore(self.token_key(&scope), token);
        }
    }

    /// Records a change this call made in the tenant.
    pub(super) fn changed(&self, action: ChangeAction, kind: ChangeKind, id: &str, detail: impl Into<String>) {
        let change = Change {
            action,
            kind,
            id: id.to_owned(),
            detail: detail.into(),
            at: rfc3339(self.now()),
        };
        self.log.lock().unwrap_or_else(|p| p.into_inner()).changes.push(change);
    }

    /// Tells the admin something that is not a failure.
    pub(super) fn notice(&self, d: Diagnosis) {
        let notice = Notice {
            code: d.code,
            message: d.detail,
            texts: *d.texts,
        };
        self.log.lock().unwrap_or_else(|p| p.into_inner()).notices.push(notice);
    }

    /// The state to seal (with this call's access tokens while the admin's sign-in is still held),
    /// and what the call changed.
    pub(super) fn into_state(self) -> (State, Log) {
        let log = self.log.into_inner().unwrap_or_else(|p| p.into_inner());
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
        (state, log)
    }

    /// An access token for `scope` from the cache, or from the refresh token.
    pub(super) async fn token(&self, scope: &str) -> Result<AccessToken, Error> {
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
                let no_sign_in = self.st().tokens.refresh.is_none();
                if no_sign_in || matches!(grant_error::classify(&e), Refused::Spent(_)) {
                    // The grant is redeemed, expired or revoked: the next run starts a new sign-in.
                    self.drop_sign_in();
                }
                Err(e)
            }
        }
    }

    /// Forgets the admin's sign-in: the next run asks for a new one.
    pub(super) fn drop_sign_in(&self) {
        self.tokens.clear();
        let mut st = self.st();
        st.tokens = Default::default();
        st.finish(StepId::SignIn, StepStatus::Pending);
    }

    /// An access token for `step`. A spent grant hands the run back (`in_progress`, with a notice)
    /// so that the next call asks for a new sign-in; a policy that refuses the token for this
    /// resource (Conditional Access, MFA, consent) fails the step with the policy explained.
    pub(super) async fn token_for(&self, step: StepId, scope: &str) -> StepResult<AccessToken> {
        match self.token(scope).await {
            Ok(t) => Ok(t),
            Err(e) => match grant_error::classify(&e) {
                Refused::Spent(_) => {
                    self.notice(entra::sign_in_spent(&e));
                    Err(Stop::Pending(step))
                }
                Refused::Other if !grant_error::is_entra_refusal(&e) => self.fail(step, &e),
                // A policy, a declined consent or another refusal of the grant, for this resource.
                // A policy fails the same sign-in the same way: the failure drops it
                // (`blames_the_signed_in_account`), after the other branch finished with it.
                _ => {
                    let resource = self.resource_words(scope);
                    let facts = entra::SignInFacts {
                        flow: entra::SignInFlow::Refresh,
                        resource: &resource,
                        client_id: self.client_id(),
                    };
                    self.give_up(step, entra::sign_in_refused(&e, &facts))
                }
            },
        }
    }

    /// The resource a scope names, in words.
    pub(super) fn resource_words(&self, scope: &str) -> String {
        if scope == self.graph_scope() {
            "Microsoft Graph".to_owned()
        } else if scope == self.discovery_scope() {
            "the Global Discovery Service".to_owned()
        } else {
            format!("the Dataverse environment {}", scope.trim_end_matches("/.default"))
        }
    }

    pub(super) fn instance_url(&self) -> String {
        self.st().instance_url.clone().unwrap_or_default()
    }

    pub(super) fn graph_scope(&self) -> String {
        format!("{}/.default", self.caller.endpoints().graph_resource())
    }

    pub(super) fn discovery_scope(&self) -> String {
        format!("{}/.default", self.caller.endpoints().discovery_resource())
    }

    pub(super) fn dataverse_scope(&self) -> String {
        format!("{}/.default", self.instance_url())
    }

    pub(super) fn dv(&self, token: &AccessToken) -> Dataverse<'_> {
        Dataverse::at(
            &self.caller,
            format!("{}/api/data/v9.2/", self.instance_url()),
            token.clone(),
        )
    }

    pub(super) fn graph<'s>(&'s self, token: &'s AccessToken) -> Graph<'s> {
        Graph::new(&self.caller, token)
    }

    /// The application `register_app` recorded.
    pub(super) fn app(&self) -> AppRecord {
        self.st().app.clone().expect("register_app ran first")
    }
}
