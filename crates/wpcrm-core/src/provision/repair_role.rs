//! `action: repair`, the site's own role: the privileges the site's tables need, at the depth
//! setup grants (Global), added to the role setup made and recorded (`AddPrivilegesRole`, which
//! leaves the role's other privileges alone); or, when the site asked for a role and the recorded
//! one is gone, a new one made exactly as setup's `custom_role` step makes it
//! (`docs/provision.md`, "Repair").

use super::custom_role::Lookups;
use super::machine::{Machine, StepResult};
use super::response::{ChangeAction, ChangeKind};
use super::steps::StepId;
use crate::dataverse::codes;
use crate::dataverse::roles::RolePrivilege;
use crate::dataverse::Dataverse;
use crate::report::Depth;
use crate::service::Error;

impl Machine<'_> {
    /// `own` is what `RetrieveRolePrivilegesRole` answered for the recorded role (`None`: none
    /// recorded); `lookups` each table's privileges.
    pub(super) async fn repair_own_role(
        &self,
        dv: &Dataverse<'_>,
        lookups: Lookups,
        own: Option<Result<Vec<RolePrivilege>, Error>>,
        bu: &str,
    ) -> StepResult {
        let step = StepId::CustomRole;
        let held = match own {
            Some(Ok(held)) => held,
            // Only Dataverse saying the role is gone counts, not a 404 our own request earned.
            Some(Err(e)) if !codes::is_missing_object(&e) || codes::is_own_request_error(&e) => {
                return self.fail(step, &e)
            }
            // Gone (or never made): made again as setup makes it, with the admin's WhoAmI to
            // recognise a role a lost call of this very repair made.
            _ => {
                self.st().custom_role = None;
                let admin = self.admin_user(dv, true).await;
                return self.custom_role(dv, lookups, admin, bu).await;
            }
        };
        let role = self.st().custom_role.clone().expect("recorded, or repaired above");
        let privileges = match lookups {
            Ok((_, privileges)) => privileges,
            Err(e) => return self.fail(step, &e),
        };
        let needed = self.needed_privileges(privileges)?;
        let short: Vec<_> = needed
            .iter()
            .filter(|n| {
                !held
                    .iter()
                    .any(|h| h.privilege_id.eq_ignore_ascii_case(&n.privilege_id) && h.depth == Depth::Global)
            })
            .collect();
        if !short.is_empty() {
            let ids: Vec<String> = short.iter().map(|p| p.privilege_id.clone()).collect();
            self.apply(step, dv.add_role_privileges(&role.id, &ids, bu).await)?;
            let names: Vec<&str> = short.iter().map(|p| p.name.as_str()).collect();
            let detail = format!("{} at Global depth (repair)", names.join(", "));
            self.changed(ChangeAction::Updated, ChangeKind::Role, &role.id, detail);
        }
        self.st().custom_role_ready = true;
        Ok(())
    }
}
