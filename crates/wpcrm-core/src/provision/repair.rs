//! `action: repair`: one admin sign-in, then exactly the changes verify found missing, made to this
//! site's own objects only, then the verification (`docs/provision.md`, "Repair").
//!
//! What is this site's: only what the sealed state of its finished setup records (the
//! application, its application user, the roles setup resolved and the role it created;
//! `SECURITY.md`, "What setup reuses"). The application user is the one Dataverse binds to the
//! recorded application. Nothing else is adopted, and neither a new application nor a new client
//! secret is ever made: the current secret (from the request; the state forgot its own) is only
//! used to verify.
//!
//! Requests, after the sign-in, on the admin's Dataverse token, all at once: the application user
//! (`systemusers?$filter=applicationid eq …`), the root business unit, the requested roles by name,
//! each table's privileges, and the site's role's privileges (`RetrieveRolePrivilegesRole`). Then,
//! only where needed: create, enable or move the application user (`POST`/`PATCH systemusers`),
//! add or deepen privileges on the site's role (`AddPrivilegesRole`), or create that role when the
//! site asked for one and it is gone (as setup's `custom_role` step does), assign the roles it
//! lacks (the `roles` step), and verify (the `verify` step). Safe to re-run: each call reads the
//! environment again and changes only what is still missing.

use super::machine::{Machine, StepResult, Stop, Transient};
use super::response::{ChangeAction, ChangeKind, ProvisionError};
use super::state::AppUserRecord;
use super::steps::{StepId, StepStatus};
use crate::dataverse::users::SystemUser;
use crate::dataverse::Dataverse;
use crate::diagnosis::least_privilege::{nothing_to_repair, repair_needs_secret};
use crate::secret::ClientSecret;
use crate::service::Error;
use std::sync::atomic::Ordering;

impl Machine<'_> {
    /// Repairs what setup made for this site, then verifies with `secret` (the saved one).
    pub(super) async fn repair(&self, secret: Option<ClientSecret>) -> StepResult {
        self.st().cancelled = false;
        let secret = self.repairable(secret)?;
        self.sign_in().await?;
        let step = StepId::AppUser;
        let token = self.token_for(step, &self.dataverse_scope()).await?;
        let dv = self.dv(&token);
        let app_id = self.app().app_id;
        let custom_needed = self.custom_role_needed();
        let own = self.st().custom_role.clone().filter(|_| custom_needed);
        let (user, bu, roles, lookups, own_privileges) = tokio::join!(
            dv.find_application_user(&app_id),
            dv.root_business_unit(),
            self.look_up_roles(&dv),
            self.look_up_custom_role(&dv, custom_needed),
            async {
                match &own {
                    Some(role) => Some(dv.role_privileges(&role.id).await),
                    None => None,
                }
            }
        );
        let bu = self.business_unit(bu)?;
        self.resolve_roles(roles, &bu)?;
        let user = match user {
            Ok(u) => u,
            Err(e) => return self.fail(step, &e),
        };
        self.repair_app_user(&dv, user, &app_id, &bu).await?;
        if custom_needed {
            self.repair_own_role(&dv, lookups, own_privileges, &bu).await?;
        }
        {
            // The `roles` step assigns whatever the user lacks now.
            let mut st = self.st();
            st.finish(StepId::Roles, StepStatus::Pending);
            st.custom_role_assigned = false;
        }
        self.roles().await?;
        self.verify_repaired(secret).await
    }

    /// The finished setup this repair works on, and the secret to verify with.
    fn repairable(&self, secret: Option<ClientSecret>) -> StepResult<ClientSecret> {
        let st = self.st();
        let finished = st.app.is_some() && st.instance_url.is_some() && st.secret.is_some() && !st.rollback.started;
        if !finished {
            return Err(Stop::Failed(ProvisionError::new(None, nothing_to_repair())));
        }
        let kept = st
            .secret
            .as_ref()
            .map(|s| s.value.clone())
            .filter(|s| !s.secret().is_empty());
        match secret.filter(|s| !s.secret().trim().is_empty()).or(kept) {
            Some(s) => Ok(s),
            None => Err(Stop::Failed(ProvisionError::new(None, repair_needs_secret()))),
        }
    }

    /// The application user of the recorded application: created when there is none, enabled
    /// when disabled, moved back to the root business unit `bu` (which takes its roles away).
    async fn repair_app_user(
        &self,
        dv: &Dataverse<'_>,
        found: Option<SystemUser>,
        app_id: &str,
        bu: &str,
    ) -> StepResult {
        let step = StepId::AppUser;
        self.begin(step);
        let record = match found {
            None => {
                let id = self
                    .retrying(step, Transient::Dataverse, || dv.create_application_user(app_id, bu))
                    .await?;
                self.user_fresh.store(true, Ordering::Relaxed);
                let detail = format!("for application {app_id} in {} (repair)", self.instance_url());
                self.changed(ChangeAction::Created, ChangeKind::ApplicationUser, &id, detail);
                AppUserRecord {
                    id,
                    created: true,
                    was_disabled: false,
                }
            }
            Some(user) => {
                let id = user.systemuserid.clone();
                if user.isdisabled.unwrap_or(false) {
                    self.apply(step, dv.set_user_disabled(&id, false).await)?;
                    self.changed(
                        ChangeAction::Updated,
                        ChangeKind::ApplicationUser,
                        &id,
                        "enabled (repair)",
                    );
                }
                let elsewhere = user
                    .business_unit_id
                    .as_deref()
                    .is_some_and(|b| !b.eq_ignore_ascii_case(bu));
                if elsewhere {
                    self.apply(step, dv.move_user(&id, bu).await)?;
                    let detail = format!("moved to the root business unit {bu} (repair)");
                    self.changed(ChangeAction::Updated, ChangeKind::ApplicationUser, &id, detail);
                }
                let recorded = self.st().app_user.clone();
                recorded
                    .filter(|r| r.id.eq_ignore_ascii_case(&id))
                    .unwrap_or(AppUserRecord {
                        id,
                        created: false,
                        was_disabled: false,
                    })
            }
        };
        let mut st = self.st();
        st.app_user = Some(record);
        st.finish(step, StepStatus::Done);
        Ok(())
    }

    /// A request's outcome for `step`.
    pub(super) fn apply(&self, step: StepId, result: Result<(), Error>) -> StepResult {
        match result {
            Ok(()) => Ok(()),
            Err(e) => self.fail(step, &e),
        }
    }

    /// Verifies with the saved secret, which the state then forgets again.
    async fn verify_repaired(&self, secret: ClientSecret) -> StepResult {
        let forget = self.st().secret_forgotten;
        if let Some(s) = self.st().secret.as_mut() {
            s.value = secret;
        }
        let verified = self.verify().await;
        let mut st = self.st();
        if forget {
            if let Some(s) = st.secret.as_mut() {
                s.value = ClientSecret::new(String::new());
            }
        }
        verified?;
        // Like a finished setup, a finished repair keeps no admin credentials.
        st.tokens = Default::default();
        st.device = None;
        Ok(())
    }
}
