//! Step `preflight`: before anything is created, whether the signed-in admin can do everything the
//! run will do. A default tenant lets any member register apps, so an admin who may create apps but
//! is not an administrator of the chosen environment used to leave an application behind before
//! Dataverse refused; now the run fails here, with the missing right named and nothing written.
//!
//! Requests, concurrently: Graph `GET /policies/authorizationPolicy`
//! (`defaultUserRolePermissions.allowedToCreateApps`, "Users can register applications") ∥
//! `GET /me/transitiveMemberOf` (a directory role that may register apps: Global Administrator,
//! Application Administrator, Cloud Application Administrator, Application Developer) ∥ Dataverse
//! `GET WhoAmI` → `GET systemusers(<id>)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges`
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveuserprivileges>):
//! `prvCreateUser` (the application user), `prvWriteUser` (assigning its roles), `prvReadRole`
//! (finding them) and, when a least-privilege role is asked for, `prvCreateRole` and `prvWriteRole`.
//!
//! Reading the authorization policy needs Policy.Read.All, which the admin client may not have:
//! when neither the policy nor a role proves the right, and either could not be read, the run goes
//! on with a notice (Graph's own refusal at `register_app` still writes nothing). Safe to re-run:
//! it only reads; a state that already created something skips it.

use super::machine::{Machine, StepResult, Stop};
use super::steps::{StepId, StepStatus};
use crate::diagnosis::admin;
use crate::graph::Membership;
use crate::service::Error;

/// Dataverse privileges the run needs (lower case, as `user_privileges` keys them) → the report code
/// naming the missing right. The last two only when a least-privilege role is created.
const NEEDED: [(&str, &str); 5] = [
    ("prvcreateuser", "cannot_create_users"),
    ("prvwriteuser", "cannot_assign_roles"),
    ("prvreadrole", "cannot_assign_roles"),
    ("prvcreaterole", "cannot_create_roles"),
    ("prvwriterole", "cannot_create_roles"),
];

impl Machine<'_> {
    pub(super) async fn preflight(&self) -> StepResult {
        let step = StepId::Preflight;
        let checked = |st: &super::state::State| {
            st.step(step) == StepStatus::Done || st.app.is_some() || st.custom_role.is_some()
        };
        if !self.starts(step, checked) {
            return Ok(());
        }
        let (apps, environment) = tokio::join!(self.may_register_apps(), self.may_administer_environment());
        apps?;
        environment?;
        self.done(step);
        Ok(())
    }

    /// The tenant lets members register apps, or the admin holds a role that may.
    async fn may_register_apps(&self) -> StepResult {
        let step = StepId::Preflight;
        let token = self.token_for(step, &self.graph_scope()).await?;
        let graph = self.graph(&token);
        let (policy, roles) = tokio::join!(graph.users_can_register_apps(), graph.my_memberships());
        if matches!(policy, Err(Error::Deadline)) || matches!(roles, Err(Error::Deadline)) {
            return Err(Stop::Pending(step));
        }
        let has_role = roles.as_ref().is_ok_and(|r| r.iter().any(Membership::registers_apps));
        match (&policy, &roles) {
            _ if has_role => Ok(()),
            (Ok(Some(true)), _) => Ok(()),
            (Ok(Some(false)), Ok(_)) => self.give_up(step, admin::cannot_register_apps()),
            _ => {
                let unread = policy.as_ref().err().or(roles.as_ref().err());
                self.notice(admin::app_registration_unchecked(unread));
                Ok(())
            }
        }
    }

    /// The admin holds, in the chosen environment, every privilege the run uses.
    async fn may_administer_environment(&self) -> StepResult {
        let step = StepId::Preflight;
        let token = self.token_for(step, &self.dataverse_scope()).await?;
        let dv = self.dv(&token);
        let me = match dv.who_am_i().await {
            Ok(me) => me,
            Err(e) => return self.fail(step, &e),
        };
        let held = match dv.user_privileges(&me.user_id).await {
            Ok(held) => held,
            Err(e) => return self.fail(step, &e),
        };
        let needed = if self.custom_role_needed() {
            &NEEDED[..]
        } else {
            &NEEDED[..3]
        };
        let missing: Vec<(&str, &str)> = needed
            .iter()
            .filter(|(privilege, _)| held.get(*privilege).is_none_or(|d| *d == crate::report::Depth::None))
            .copied()
            .collect();
        match missing.first() {
            None => Ok(()),
            Some((_, code)) => {
                let names: Vec<&str> = missing.iter().map(|(p, _)| *p).collect();
                self.give_up(
                    step,
                    admin::missing_environment_rights(code, &names, &self.instance_url()),
                )
            }
        }
    }
}
