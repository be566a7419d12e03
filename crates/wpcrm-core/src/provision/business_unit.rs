//! Step `business_unit`: the environment's root business unit, where the application user is
//! created and the roles are resolved and created.
//!
//! Request: `GET businessunits?$filter=_parentbusinessunitid_value eq null`
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/businessunit>).
//! It runs in the Dataverse preparation, concurrently with the role lookups of `roles` and the
//! lookups of `custom_role` (and with the whole Graph chain); the sequence starts all of them and
//! hands each step its answer (`docs/provision.md`).
//!
//! Reuses the admin's Dataverse token. Safe to re-run: it only reads, and the state keeps the id.

use super::machine::{Machine, StepResult};
use super::steps::{StepId, StepStatus};
use crate::dataverse::roles::Role;
use crate::diagnosis::admin;
use crate::service::Error;

/// Whether `role` belongs to the business unit `bu`.
pub(super) fn in_business_unit(role: &Role, bu: &str) -> bool {
    role.business_unit_id
        .as_deref()
        .is_some_and(|b| b.eq_ignore_ascii_case(bu))
}

impl Machine<'_> {
    /// Records the root business unit the lookup `found`, and returns its id.
    pub(super) fn business_unit(&self, found: Result<Option<String>, Error>) -> StepResult<String> {
        let step = StepId::BusinessUnit;
        let bu = match found {
            Ok(Some(bu)) => bu,
            Ok(None) => return self.give_up(step, admin::no_root_business_unit()),
            Err(e) => return self.fail(step, &e),
        };
        let mut st = self.st();
        st.business_unit_id = Some(bu.clone());
        st.finish(step, StepStatus::Done);
        Ok(bu)
    }
}
