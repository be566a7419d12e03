//! Step `app_user`: the Dataverse application user of the new application, in the root business
//! unit (<https://learn.microsoft.com/power-platform/admin/manage-application-users>).
//!
//! Requests: `GET systemusers?$filter=applicationid eq <appId>` (skipped when this call created the
//! application); a disabled user is re-enabled with `PATCH systemusers(<id>)`; when none exists,
//! `POST systemusers` with access mode 4 (non-interactive) in the root business unit
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/systemuser>),
//! retried while Dataverse cannot resolve the new application yet (`docs/provision.md`, "Time").
//!
//! Replication: Dataverse documents no error for an application it does not see yet, and tenants
//! answer several. Within the replication window counted from the service principal's creation
//! (`State::service_principal_at`), a refusal of the lookup or the create that is not the admin's
//! (privilege, membership, disabled, blocked), not a duplicate and not our own request's fault is
//! retried with backoff, across calls (`dataverse::codes::is_replication`); after the window it is
//! reported with a fix. A duplicate means an earlier call's create landed: the user is looked up
//! and adopted.
//!
//! Reuses the application of `register_app`, the business unit of `business_unit`, and an existing
//! application user (adopted; one outside the root business unit is refused, since its roles could
//! not be assigned). Safe to re-run: the lookup by `applicationid` finds what a previous call created.

use super::machine::{Machine, StepResult, Transient};
use super::response::{ChangeAction, ChangeKind};
use super::state::AppUserRecord;
use super::steps::{StepId, StepStatus};
use crate::dataverse::{codes, Dataverse};
use crate::diagnosis::admin;
use std::sync::atomic::Ordering;

impl Machine<'_> {
    pub(super) async fn app_user(&self) -> StepResult {
        let step = StepId::AppUser;
        if !self.starts(step, |st| st.app_user.is_some()) {
            return Ok(());
        }
        let app = self.app();
        let bu = self.st().business_unit_id.clone().unwrap_or_default();
        let token = self.token_for(step, &self.dataverse_scope()).await?;
        let dv = self.dv(&token);
        let since = self.st().service_principal_at;
        let existing = if self.app_fresh.load(Ordering::Relaxed) {
            None
        } else {
            self.retrying_since(step, Transient::Dataverse, since, || {
                dv.find_application_user(&app.app_id)
            })
            .await?
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
                return self.give_up(step, admin::app_user_in_other_business_unit(&user.systemuserid, other));
            }
            Some(user) => {
                let was_disabled = user.isdisabled.unwrap_or(false);
                if was_disabled {
                    if let Err(e) = dv.set_user_disabled(&user.systemuserid, false).await {
                        return self.fail(step, &e);
                    }
                    self.changed(
                        ChangeAction::Updated,
                        ChangeKind::ApplicationUser,
                        &user.systemuserid,
                        "enabled",
                    );
                }
                AppUserRecord {
                    id: user.systemuserid,
                    created: false,
                    was_disabled,
                }
            }
            None => self.create_app_user(&dv, &app.app_id, &bu, since).await?,
        };
        let mut st = self.st();
        st.app_user = Some(record);
        st.finish(step, StepStatus::Done);
        Ok(())
    }

    /// `POST systemusers`, retried while Dataverse may not see the new application yet; a duplicate
    /// (an earlier call's create that landed) is looked up and adopted.
    async fn create_app_user(
        &self,
        dv: &Dataverse<'_>,
        app_id: &str,
        bu: &str,
        since: Option<i64>,
    ) -> StepResult<AppUserRecord> {
        let step = StepId::AppUser;
        let created = self
            .retrying_since(step, Transient::Dataverse, since, || async {
                match dv.create_application_user(app_id, bu).await {
                    Ok(id) => Ok(Some(id)),
                    Err(e) if codes::is_duplicate(&e) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await?;
        let Some(id) = created else {
            let found = self
                .retrying_since(step, Transient::Dataverse, since, || dv.find_application_user(app_id))
                .await?;
            return match found {
                Some(user) => Ok(AppUserRecord {
                    id: user.systemuserid,
                    created: false,
                    was_disabled: user.isdisabled.unwrap_or(false),
                }),
                None => self.give_up(step, admin::app_user_duplicate_unseen(app_id)),
            };
        };
        self.user_fresh.store(true, Ordering::Relaxed);
        let detail = format!("for application {app_id} in {}", self.instance_url());
        self.changed(ChangeAction::Created, ChangeKind::ApplicationUser, &id, detail);
        Ok(AppUserRecord {
            id,
            created: true,
            was_disabled: false,
        })
    }
}
