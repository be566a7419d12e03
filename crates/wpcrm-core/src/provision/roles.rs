//! Step `roles`: the application user holds Basic User, the requested `roles` and, when
//! `create_role` asked for it, the least-privilege role of `custom_role`.
//!
//! Requests: `GET roles?$filter=name eq '<name>'` for each requested role, concurrently with the
//! business unit and the custom role's lookups (`docs/provision.md`); each is resolved in the root
//! business unit
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/role>).
//! After the application user exists: its current roles (`systemuserroles_association`), then one
//! `POST systemusers(<id>)/systemuserroles_association/$ref` per missing role, all at once
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api>).
//!
//! Reuses the roles resolved earlier (kept in the state). Safe to re-run: roles the user already
//! holds are skipped (the lookup is skipped only for a user this very call created), and each
//! assignment is recorded as it succeeds.

use super::business_unit::in_business_unit;
use super::custom_role::custom_role_name;
use super::machine::{Machine, StepResult};
use super::response::{ChangeAction, ChangeKind};
use super::state::RoleRecord;
use super::steps::{StepId, StepStatus};
use crate::dataverse::roles::Role;
use crate::dataverse::Dataverse;
use crate::diagnosis::admin;
use crate::service::Error;
use std::sync::atomic::Ordering;

impl Machine<'_> {
    /// The roles named in the request, in every business unit (they need not wait for it).
    pub(super) async fn look_up_roles(&self, dv: &Dataverse<'_>) -> Vec<Result<Vec<Role>, Error>> {
        futures_util::future::join_all(self.opts.roles.iter().map(|n| dv.roles_named(n))).await
    }

    /// Picks each requested role in the root business unit `bu` (or one without a business unit),
    /// from what [`Self::look_up_roles`] `found`, and records them.
    pub(super) fn resolve_roles(&self, found: Vec<Result<Vec<Role>, Error>>, bu: &str) -> StepResult {
        let mut resolved = Vec::new();
        for (name, found) in self.opts.roles.iter().zip(found) {
            let found = match found {
                Ok(f) => f,
                Err(e) => return self.fail(StepId::Roles, &e),
            };
            let in_bu = found
                .iter()
                .find(|r| in_business_unit(r, bu))
                .or_else(|| found.iter().find(|r| r.business_unit_id.is_none()));
            match in_bu {
                Some(r) => resolved.push(RoleRecord {
                    id: r.roleid.clone(),
                    name: name.clone(),
                }),
                None => return self.give_up(StepId::Roles, admin::role_not_found(name)),
            }
        }
        self.st().roles_resolved = resolved;
        Ok(())
    }

    pub(super) async fn roles(&self) -> StepResult {
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
                name: custom_role_name(&self.opts.app_name),
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
                        self.changed(
                            ChangeAction::Created,
                            ChangeKind::RoleAssignment,
                            &role.id,
                            format!("{} assigned to application user {user}", role.name),
                        );
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
}
