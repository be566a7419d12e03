//! Step `app_user`: the Dataverse application user of the new application, in the root business
//! unit (<https://learn.microsoft.com/power-platform/admin/manage-application-users>).
//!
//! Requests: `GET systemusers?$filter=applicationid eq <appId>` (skipped when this call created the
//! application); a disabled user is re-enabled with `PATCH systemusers(<id>)`; when none exists,
//! `POST systemusers` with access mode 4 (non-interactive) in the root business unit
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/systemuser>),
//! retried while Dataverse cannot resolve the new application yet (`docs/provision.md`, "Time").
//!
//! Reuses the application of `register_app`, the business unit of `business_unit`, and an existing
//! application user (adopted; one outside the root business unit is refused, since its roles could
//! not be assigned). Safe to re-run: the lookup by `applicationid` finds what a previous call created.

use super::machine::{Machine, StepResult, Transient};
use super::response::{ChangeAction, ChangeKind};
use super::state::AppUserRecord;
use super::steps::{StepId, StepStatus};
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
        let existing = self
            .made_earlier(step, || dv.find_application_user(&app.app_id))
            .await?;
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
            None => {
                let id = self
                    .retrying(step, Transient::Dataverse, || {
                        dv.create_application_user(&app.app_id, &bu)
                    })
                    .await?;
                self.user_fresh.store(true, Ordering::Relaxed);
                let detail = format!("for application {} in {}", app.app_id, self.instance_url());
                self.changed(ChangeAction::Created, ChangeKind::ApplicationUser, &id, detail);
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
}
