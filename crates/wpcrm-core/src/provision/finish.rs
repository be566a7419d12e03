//! The answer of a call: its status from how the call stopped, the step list, the connection once
//! `done`, and the state sealed again. Also what a refused request (no usable key or state) returns.

use super::machine::{Log, StepResult, Stop};
use super::response::{Connection, ProvisionError, ProvisionResponse, Status};
use super::state::{self, State};
use super::steps::{StepId, StepStatus, StepView};
use crate::diagnosis::admin::blames_the_signed_in_account;
use crate::diagnosis::Diagnosis;

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

fn empty_response(status: Status) -> ProvisionResponse {
    ProvisionResponse {
        status,
        state: String::new(),
        steps: Vec::new(),
        step: None,
        sign_in: None,
        environments: None,
        connection: None,
        verification: None,
        error: None,
        changes: Vec::new(),
        notices: Vec::new(),
    }
}

/// The request cannot be worked on: no usable state key, or a state that does not open (`state`
/// is then a fresh one, sealed).
pub(super) fn refused(d: Diagnosis, state: String) -> ProvisionResponse {
    ProvisionResponse {
        state,
        steps: step_views(&State::default()),
        error: Some(ProvisionError::new(None, d)),
        ..empty_response(Status::Failed)
    }
}

/// What this run created so far, for the `cancelled` message.
pub(super) fn what_exists(state: &State) -> String {
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

/// The answer to a call that stopped with `outcome`; `views` replaces the step list (a rollback's).
pub(super) fn finish(
    (mut state, log): (State, Log),
    key: &[u8],
    outcome: StepResult,
    views: Option<Vec<StepView>>,
) -> ProvisionResponse {
    let mut response = empty_response(Status::Done);
    response.changes = log.changes;
    response.notices = log.notices;
    match outcome {
        Ok(()) => {
            if views.is_none() {
                response.connection = connection(&state);
                response.verification = state.verification.clone();
            }
        }
        Err(Stop::SignIn(s)) => {
            response.status = Status::SignInRequired;
            response.sign_in = Some(*s);
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
            record_failure(&mut state, &error);
            response.error = Some(error);
        }
    }
    response.steps = views.unwrap_or_else(|| step_views(&state));
    response.state = state::seal(&state, key).unwrap_or_default();
    response
}

/// Marks the failed step, and drops a sign-in that would only fail the same way again.
fn record_failure(state: &mut State, error: &ProvisionError) {
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
}

fn connection(state: &State) -> Option<Connection> {
    let app = state.app.as_ref()?;
    let secret = state.secret.as_ref()?;
    Some(Connection {
        instance_url: state.instance_url.clone()?,
        tenant_id: state.tenant_id.clone(),
        application_id: app.app_id.clone(),
        // Empty once the caller saved it and asked the state to forget it.
        client_secret: secret.value.clone(),
        secret_expires_at: secret.expires_at.clone(),
        secret_key_id: Some(secret.key_id.clone()),
        application_object_id: app.object_id.clone(),
        service_principal_id: state.service_principal.as_ref().map(|s| s.id.clone()),
        application_user_id: state.app_user.as_ref().map(|u| u.id.clone()),
        role_id: state.custom_role.as_ref().map(|r| r.id.clone()),
    })
}
