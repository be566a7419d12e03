//! `action: renew`: a new client secret for an existing connection, with no downtime
//! (`docs/provision.md`, "Renewing the secret").
//!
//! Order: `sign_in` (the same device-code step as setup) → `environment` (the request's instance
//! URL, recorded) → `application` (the one the site recorded) → `client_secret` (the same step as
//! setup: `addPassword` with this site's keyed mark and the requested lifetime) → `secret_active`
//! (`renew_wait.rs`: a client-credentials token with the new secret, polled with backoff) →
//! `verify` (the same step as setup, with the new secret). The answer is `done` with the new
//! connection; the site's older secrets stay until the caller has saved the new one and sends
//! `forget_secret` (`retire_secrets.rs`), so a renewal that dies at any point leaves the site on
//! its old secret or its new one, never neither.
//!
//! What it relies on (DESIGN.md, "What setup may reuse"): only the application id the site
//! recorded (and its object id, when recorded and Graph agrees), so it works after the setup
//! run's state was purged. It creates nothing but the secret; older secrets it may later remove
//! are only those carrying this site's keyed mark.
//!
//! Requests: those of sign-in; `GET /applications/{objectId}` or
//! `GET /applications?$filter=appId eq '…'` (<https://learn.microsoft.com/graph/api/application-list>);
//! those of `client_secret`; token requests with the new secret; those of the verification.

use super::finish::finish;
use super::machine::{Log, Machine, StepResult, Stop};
use super::renew_record::{RenewalRecord, Target};
use super::response::{ProvisionError, ProvisionResponse};
use super::state::{AppRecord, State};
use super::steps::{StepId, StepStatus, StepView};
use crate::api::ProvisionRequest;
use crate::diagnosis::{admin, renewal};
use crate::graph::{Application, Graph};
use crate::service::Error;

/// The renewal the request asks for: `None` for any other action; refused without the connection.
pub(super) fn target(request: &ProvisionRequest) -> Result<Option<Target>, ProvisionError> {
    if request.action.as_deref() != Some("renew") {
        return Ok(None);
    }
    let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let Some(app_id) = given(&request.application_id).and_then(|a| crate::ids::parse_guid(&a)) else {
        let d = renewal::connection_required("application_id (its Application (client) ID, a GUID)");
        return Err(ProvisionError::new(None, d));
    };
    if given(&request.instance_url).is_none() {
        return Err(ProvisionError::new(None, renewal::connection_required("instance_url")));
    }
    Ok(Some(Target {
        app_id,
        object_id: given(&request.application_object_id),
        tenant: given(&request.tenant_id),
    }))
}

/// The progress display of a renewal: the shared steps as `finish` reported them, and its own.
fn views(shared: &[StepView], own: &RenewalRecord) -> Vec<StepView> {
    let of = |id: StepId| {
        shared
            .iter()
            .find(|v| v.id == id.as_str())
            .map(|v| v.status)
            .unwrap_or_default()
    };
    let view = |id: &str, title: &str, status| StepView {
        id: id.into(),
        title: title.into(),
        status,
    };
    vec![
        view(StepId::SignIn.as_str(), StepId::SignIn.title(), of(StepId::SignIn)),
        view("application", "Find the site's application", own.application),
        view("client_secret", "Add a new client secret", of(StepId::ClientSecret)),
        view(
            "secret_active",
            "Wait until Entra ID accepts the new secret",
            own.secret_active,
        ),
        view(
            "verify",
            "Verify the connection with the new secret",
            of(StepId::Verify),
        ),
    ]
}

/// The answer to a renewal call, with the renewal's steps.
pub(super) fn answer(parts: (State, Log), key: &[u8], outcome: StepResult) -> ProvisionResponse {
    let own = parts.0.renewal.clone().unwrap_or_default();
    let mut response = finish(parts, key, outcome, None);
    response.steps = views(&response.steps, &own);
    response
}

/// `run`, `cancel` or `rollback` sent with a renewal's state.
pub(super) fn refuse_setup_action() -> Stop {
    Stop::Failed(ProvisionError::new(None, renewal::not_a_setup_run()))
}

impl Machine<'_> {
    pub(super) fn renewal_mut<R>(&self, f: impl FnOnce(&mut RenewalRecord) -> R) -> R {
        let mut st = self.st();
        f(st.renewal.get_or_insert_with(Default::default))
    }

    /// A renewal step failed: recorded in the renewal's own steps, and the answer's `error`.
    pub(super) fn renewal_failed<T>(&self, step: &'static str, d: crate::diagnosis::Diagnosis) -> StepResult<T> {
        self.renewal_mut(|r| match step {
            "application" => r.application = StepStatus::Failed,
            _ => r.secret_active = StepStatus::Failed,
        });
        Err(Stop::Failed(ProvisionError::new(Some(step), d)))
    }

    pub(super) async fn renew(&self) -> StepResult {
        let Some(target) = self.opts.renew.clone() else {
            return Err(Stop::Failed(ProvisionError::new(
                None,
                renewal::connection_required("application_id"),
            )));
        };
        {
            let mut st = self.st();
            let other_app = st
                .app
                .as_ref()
                .is_some_and(|a| !a.app_id.eq_ignore_ascii_case(&target.app_id));
            if st.renewal.is_none() || other_app {
                // No state, or a setup run's: a renewal keeps its own (the caller keeps the other).
                // A renewal of another application (the site's connection changed meanwhile) is not
                // continued: its secret would be saved for the wrong application.
                // A nonce of its own: the client_secret step removes secrets named after the run's
                // nonce as orphans, and a setup run's nonce names the secret the site uses now.
                *st = State::new(uuid::Uuid::new_v4().simple().to_string());
                st.renewal = Some(RenewalRecord::default());
            }
            let finished = st.step(StepId::Verify) == StepStatus::Done && st.verification.is_some();
            if finished && st.secret.is_some() {
                return Ok(());
            }
        }
        self.sign_in().await?;
        self.same_tenant(&target)?;
        self.environment().await?;
        self.renewal_application(&target).await?;
        self.client_secret().await?;
        self.secret_active().await?;
        self.verify().await
    }

    /// The admin must have signed in to the connection's tenant (when the site recorded its GUID).
    fn same_tenant(&self, target: &Target) -> StepResult {
        let mut st = self.st();
        let wanted = target.tenant.as_deref().and_then(crate::ids::parse_guid);
        let signed_in = st.tenant_id.as_deref().and_then(crate::ids::parse_guid);
        match (signed_in, wanted) {
            (Some(got), Some(wanted)) if got != wanted => {
                // The next call asks for a sign-in again, with another account.
                st.tokens = Default::default();
                st.device = None;
                st.finish(StepId::SignIn, StepStatus::Pending);
                let d = renewal::wrong_tenant(&got, &wanted);
                Err(Stop::Failed(ProvisionError::at(StepId::SignIn, d)))
            }
            (None, _) => {
                if st.tenant_id.is_none() {
                    st.tenant_id = target.tenant.clone();
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Step `application`: the application the site recorded, found by its object id (when
    /// recorded and Graph agrees on its client id) or by its client id.
    async fn renewal_application(&self, target: &Target) -> StepResult {
        let step = "application";
        if self.st().app.is_some() {
            self.renewal_mut(|r| r.application = StepStatus::Done);
            return Ok(());
        }
        self.renewal_mut(|r| r.application = StepStatus::Running);
        let found = match self.token(&self.graph_scope()).await {
            Ok(token) => find(&self.graph(&token), target).await,
            Err(e) => Err(e),
        };
        let app = match found {
            Ok(Some(app)) => app,
            Ok(None) => return self.renewal_failed(step, renewal::application_not_found(&target.app_id)),
            Err(Error::Deadline) => return Err(Stop::PendingNamed(step)),
            Err(e) => return self.renewal_failed(step, admin::explain(&e)),
        };
        let mut st = self.st();
        st.app = Some(AppRecord {
            object_id: app.id,
            app_id: app.app_id,
            // Renewing never makes the application this site's to delete.
            created: false,
            owner_confirmed: false,
        });
        st.renewal.get_or_insert_with(Default::default).application = StepStatus::Done;
        Ok(())
    }
}

async fn find(graph: &Graph<'_>, target: &Target) -> Result<Option<Application>, Error> {
    if let Some(object_id) = &target.object_id {
        match graph.get_application(object_id).await {
            Ok(app) if app.app_id.eq_ignore_ascii_case(&target.app_id) => return Ok(Some(app)),
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    graph.find_application_by_app_id(&target.app_id).await
}
