//! `action: rollback`: removes what this flow created, in dependency order, recording each removal
//! in the state so that a re-run (after a timeout or a crash) continues instead of failing on what
//! is already gone. A 404 counts as removed. What this site did not create (an application user or
//! a service principal it found) is left alone; only a secret it added to such an application is
//! removed. Each removal is reported in `changes`.

use super::machine::{Machine, StepResult, Stop};
use super::response::{ChangeAction, ChangeKind, ProvisionError};
use super::state::State;
use super::steps::{StepId, StepStatus, StepView};
use crate::diagnosis::admin;
use crate::service::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Undo {
    RoleAssignment,
    CustomRole,
    DisableAppUser,
    DeleteAppUser,
    ClientSecret,
    ServicePrincipal,
    Application,
}

const ORDER: [Undo; 7] = [
    Undo::RoleAssignment,
    Undo::CustomRole,
    Undo::DisableAppUser,
    Undo::DeleteAppUser,
    Undo::ClientSecret,
    Undo::ServicePrincipal,
    Undo::Application,
];

impl Undo {
    fn id(self) -> &'static str {
        match self {
            Undo::RoleAssignment => "remove_role_assignment",
            Undo::CustomRole => "delete_custom_role",
            Undo::DisableAppUser => "disable_app_user",
            Undo::DeleteAppUser => "delete_app_user",
            Undo::ClientSecret => "remove_client_secret",
            Undo::ServicePrincipal => "delete_service_principal",
            Undo::Application => "delete_application",
        }
    }

    /// What the undo does to the tenant, and the id of the object it touches in `st`.
    fn change(self, st: &State) -> (ChangeAction, ChangeKind, String) {
        let role = st.custom_role.as_ref().map(|r| r.id.as_str());
        let user = st.app_user.as_ref().map(|u| u.id.as_str());
        let (kind, id) = match self {
            Undo::RoleAssignment => (ChangeKind::RoleAssignment, role),
            Undo::CustomRole => (ChangeKind::Role, role),
            Undo::DisableAppUser | Undo::DeleteAppUser => (ChangeKind::ApplicationUser, user),
            Undo::ClientSecret => (ChangeKind::ClientSecret, st.secret.as_ref().map(|s| s.key_id.as_str())),
            Undo::ServicePrincipal => (
                ChangeKind::ServicePrincipal,
                st.service_principal.as_ref().map(|s| s.id.as_str()),
            ),
            Undo::Application => (ChangeKind::Application, st.app.as_ref().map(|a| a.app_id.as_str())),
        };
        let action = if self == Undo::DisableAppUser {
            ChangeAction::Updated
        } else {
            ChangeAction::Removed
        };
        (action, kind, id.unwrap_or_default().to_owned())
    }

    fn title(self) -> &'static str {
        match self {
            Undo::RoleAssignment => "Remove the least-privilege role from the application user",
            Undo::CustomRole => "Delete the least-privilege role",
            Undo::DisableAppUser => "Disable the application user",
            Undo::DeleteAppUser => "Delete the application user",
            Undo::ClientSecret => "Remove the client secret",
            Undo::ServicePrincipal => "Delete the service principal",
            Undo::Application => "Delete the application",
        }
    }

    /// Whether there is anything of ours to undo.
    fn applies(self, st: &State) -> bool {
        let user_created = st.app_user.as_ref().is_some_and(|u| u.created);
        let app_created = st.app.as_ref().is_some_and(|a| a.created);
        match self {
            Undo::RoleAssignment => st.custom_role_assigned && st.custom_role.is_some() && st.app_user.is_some(),
            Undo::CustomRole => st.custom_role.as_ref().is_some_and(|r| r.created),
            Undo::DisableAppUser | Undo::DeleteAppUser => user_created,
            Undo::ClientSecret => st.secret.is_some() && st.app.is_some() && !app_created,
            Undo::ServicePrincipal => st.service_principal.as_ref().is_some_and(|s| s.created),
            Undo::Application => app_created,
        }
    }
}

pub(super) fn views(st: &State) -> Vec<StepView> {
    ORDER
        .iter()
        .map(|u| StepView {
            id: u.id().into(),
            title: u.title().into(),
            status: st.rollback.done.get(u.id()).copied().unwrap_or(if st.rollback.started {
                StepStatus::Skipped
            } else {
                StepStatus::Pending
            }),
        })
        .collect()
}

fn gone(e: &Error) -> bool {
    e.is_not_found()
}

pub(super) async fn run(m: &Machine<'_>) -> StepResult {
    {
        let mut st = m.st();
        if !st.rollback.started {
            st.rollback.started = true;
            let plan: Vec<(String, StepStatus)> = ORDER
                .iter()
                .map(|u| {
                    (
                        u.id().to_owned(),
                        if u.applies(&st) {
                            StepStatus::Pending
                        } else {
                            StepStatus::Skipped
                        },
                    )
                })
                .collect();
            st.rollback.done = plan.into_iter().collect();
        }
    }
    let todo: Vec<Undo> = ORDER
        .iter()
        .copied()
        .filter(|u| m.st().rollback.done.get(u.id()).copied() != Some(StepStatus::Done))
        .filter(|u| m.st().rollback.done.get(u.id()).copied() != Some(StepStatus::Skipped))
        .collect();
    if todo.is_empty() {
        return Ok(());
    }
    // Removing needs the admin's tokens; sign in again if this state has none.
    m.sign_in().await?;
    for undo in todo {
        m.st().rollback.done.insert(undo.id().into(), StepStatus::Running);
        let result = one(m, undo).await;
        let status = match &result {
            Ok(()) => StepStatus::Done,
            Err(Error::Deadline) => StepStatus::Pending,
            Err(_) => StepStatus::Failed,
        };
        m.st().rollback.done.insert(undo.id().into(), status);
        match result {
            Ok(()) => {
                let (action, kind, id) = undo.change(&m.st());
                m.changed(action, kind, &id, undo.title());
            }
            Err(Error::Deadline) => return Err(Stop::PendingNamed(undo.id())),
            Err(e) => {
                let error = ProvisionError::new(Some(undo.id()), admin::rollback_failed(&e));
                return Err(Stop::Failed(error));
            }
        }
    }
    // Everything of ours is gone: forget it, so that a later run starts over cleanly.
    let mut st = m.st();
    st.app = None;
    st.service_principal = None;
    st.secret = None;
    st.app_user = None;
    st.custom_role = None;
    st.custom_role_ready = false;
    st.custom_role_assigned = false;
    st.roles_assigned.clear();
    st.verification = None;
    for id in StepId::ALL {
        if !matches!(id, StepId::SignIn | StepId::Environment) {
            st.steps.remove(&id);
        }
    }
    Ok(())
}

async fn one(m: &Machine<'_>, undo: Undo) -> Result<(), Error> {
    let st = m.st().clone();
    let ok_if_gone = |r: Result<(), Error>| match r {
        Err(e) if gone(&e) => Ok(()),
        other => other,
    };
    match undo {
        Undo::RoleAssignment | Undo::CustomRole | Undo::DisableAppUser | Undo::DeleteAppUser => {
            let token = m.token(&m.dataverse_scope()).await?;
            let dv = m.dv(&token);
            let user = st.app_user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
            let role = st.custom_role.as_ref().map(|r| r.id.clone()).unwrap_or_default();
            match undo {
                Undo::RoleAssignment => ok_if_gone(dv.unassign_role(&user, &role).await),
                Undo::CustomRole => ok_if_gone(dv.delete_role(&role).await),
                Undo::DisableAppUser => ok_if_gone(dv.set_user_disabled(&user, true).await),
                _ => ok_if_gone(dv.delete_user(&user).await),
            }
        }
        Undo::ClientSecret | Undo::ServicePrincipal | Undo::Application => {
            let token = m.token(&m.graph_scope()).await?;
            let graph = m.graph(&token);
            let app = st.app.clone().map(|a| a.object_id).unwrap_or_default();
            match undo {
                Undo::ClientSecret => {
                    let key = st.secret.as_ref().map(|s| s.key_id.clone()).unwrap_or_default();
                    ok_if_gone(graph.remove_password(&app, &key).await)
                }
                Undo::ServicePrincipal => {
                    let sp = st.service_principal.as_ref().map(|s| s.id.clone()).unwrap_or_default();
                    ok_if_gone(graph.delete_service_principal(&sp).await)
                }
                _ => ok_if_gone(graph.delete_application(&app).await),
            }
        }
    }
}
