//! The order of a `run`: sign-in, environment, the preflight check of the admin's rights, then the Graph chain (application → service
//! principal → secret) concurrently with the Dataverse preparation (business unit ∥ role lookups ∥
//! custom role and its privileges), then the application user, the role assignments and the
//! verification (`docs/provision.md`, "One call"). This site's older client secrets are removed
//! only once the caller saved the new one (`forget_secret`, `retire_secrets.rs`). This is
//! provisioning's critical path: what can run at once does.

use super::machine::{Machine, StepResult, Stop};
use super::steps::{StepId, StepStatus};

/// Both outcomes of two concurrent branches: a failure wins over any other stop.
fn merge(a: StepResult, b: StepResult) -> StepResult {
    match (a, b) {
        (Err(Stop::Failed(e)), _) | (_, Err(Stop::Failed(e))) => Err(Stop::Failed(e)),
        (Err(s), _) | (_, Err(s)) => Err(s),
        _ => Ok(()),
    }
}

impl Machine<'_> {
    pub(super) async fn run(&self) -> StepResult {
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
        self.preflight().await?;
        let (graph, dataverse) = tokio::join!(self.graph_chain(), self.dataverse_prep());
        merge(graph, dataverse)?;
        self.app_user().await?;
        self.roles().await?;
        self.verify().await?;
        let mut st = self.st();
        // A finished state keeps no admin credentials: it may be stored for months (a rollback
        // asks the admin to sign in again). Until `forget_secret` has removed the older secrets
        // (after the caller saved the new one), it keeps the sign-in that removal needs.
        if st.older_secrets_retired {
            st.tokens = Default::default();
            st.device = None;
        }
        Ok(())
    }

    async fn graph_chain(&self) -> StepResult {
        self.register_app().await?;
        if self.app_fresh.load(std::sync::atomic::Ordering::Relaxed) {
            // This run registered the application: no older secret of this site can be on it, so
            // there is nothing for `forget_secret` to remove (and no sign-in to keep for it).
            self.st().older_secrets_retired = true;
        }
        // The owner check needs nothing the service principal needs: both at once. Both wait for the
        // new application to replicate; the service principal's step is the one reported.
        let (service_principal, owner) = tokio::join!(self.service_principal(), self.ensure_owner());
        merge(service_principal, owner)?;
        self.client_secret().await
    }

    /// `business_unit`, the role lookups of `roles` and `custom_role`, on one Dataverse token and
    /// all at once; then each step takes its answer, in that order.
    async fn dataverse_prep(&self) -> StepResult {
        let custom_needed = self.custom_role_needed();
        let prepared = {
            let st = self.st();
            st.business_unit_id.is_some() && !st.roles_resolved.is_empty() && (!custom_needed || st.custom_role_ready)
        };
        if prepared {
            self.done(StepId::BusinessUnit);
            if !custom_needed {
                self.st().finish(StepId::CustomRole, StepStatus::Skipped);
            }
            return Ok(());
        }
        self.begin(StepId::BusinessUnit);
        let token = self.token_for(StepId::BusinessUnit, &self.dataverse_scope()).await?;
        let dv = self.dv(&token);
        // Business unit ∥ each role lookup ∥ the custom role lookup ∥ each table's privileges.
        let (bu, roles, custom, admin) = tokio::join!(
            dv.root_business_unit(),
            self.look_up_roles(&dv),
            self.look_up_custom_role(&dv, custom_needed),
            self.admin_user(&dv, custom_needed)
        );
        let bu = self.business_unit(bu)?;
        self.resolve_roles(roles, &bu)?;
        if !custom_needed {
            self.st().finish(StepId::CustomRole, StepStatus::Skipped);
            return Ok(());
        }
        self.custom_role(&dv, custom, admin, &bu).await
    }
}
