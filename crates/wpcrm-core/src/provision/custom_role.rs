//! Step `custom_role`: with `create_role` and `tables`, the least-privilege role `WordPress –
//! <app_name>` in the root business unit, granting exactly the requested kinds on the requested
//! tables at Global depth.
//!
//! Requests, concurrently with the business unit and the role lookups: `GET roles?$filter=name eq
//! '<name>'` and each table's `EntityDefinitions(LogicalName='…')?$select=Privileges`
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api>);
//! then, when no such role exists, `POST roles`, and `AddPrivilegesRole` on a new role or
//! `ReplacePrivilegesRole` on an existing one
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/addprivilegesrole>,
//! <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/replaceprivilegesrole>).
//! The `roles` step assigns it; until then this step stays `running`.
//!
//! Reuses the role the state records, else one of that name in the root business unit (adopted).
//! Safe to re-run: the role is found by name, and replacing its privileges sets the same set again.

use super::business_unit::in_business_unit;
use super::machine::{Machine, StepResult};
use super::state::Owned;
use super::steps::StepId;
use crate::dataverse::metadata::{privilege_is, privilege_type, PrivilegeMetadata};
use crate::dataverse::roles::Role;
use crate::dataverse::Dataverse;
use crate::diagnosis::admin;
use crate::service::Error;

/// What the custom role step needs from Dataverse: the roles already named like it, and each
/// requested table's privileges (in the order of `tables`).
pub(super) type Lookups = Result<(Vec<Role>, Vec<Result<Vec<PrivilegeMetadata>, Error>>), Error>;

/// "WordPress – <app name>", without saying WordPress twice when the app's name already starts
/// with it (the plugin names the app "WordPress: <site>").
pub(super) fn custom_role_name(app_name: &str) -> String {
    let site = app_name.trim();
    let name = match site.get(..9) {
        Some(prefix) if prefix.eq_ignore_ascii_case("wordpress") => {
            match site[9..].trim_start_matches([':', '–', '-', ' ']) {
                "" => "WordPress".to_owned(),
                rest => format!("WordPress – {rest}"),
            }
        }
        _ => format!("WordPress – {site}"),
    };
    // Dataverse role names are at most 100 characters.
    name.chars().take(100).collect()
}

impl Machine<'_> {
    /// Whether the request asks for a least-privilege role.
    pub(super) fn custom_role_needed(&self) -> bool {
        self.opts.create_role && !self.opts.tables.is_empty()
    }

    /// The role of this name and each table's privileges, all at once (nothing when not `needed`).
    pub(super) async fn look_up_custom_role(&self, dv: &Dataverse<'_>, needed: bool) -> Lookups {
        if !needed {
            return Ok((Vec::new(), Vec::new()));
        }
        let name = custom_role_name(&self.opts.app_name);
        let (existing, privileges) = tokio::join!(
            dv.roles_named(&name),
            futures_util::future::join_all(self.opts.tables.iter().map(|t| dv.table_privileges(&t.logical_name)))
        );
        Ok((existing?, privileges.into_iter().collect::<Vec<_>>()))
    }

    /// Creates (or adopts) the role in the root business unit `bu` and sets its privileges, from
    /// what [`Self::look_up_custom_role`] found.
    pub(super) async fn custom_role(&self, dv: &Dataverse<'_>, found: Lookups, bu: &str) -> StepResult {
        let step = StepId::CustomRole;
        self.begin(step);
        let (existing, privileges) = match found {
            Ok(v) => v,
            Err(e) => return self.fail(step, &e),
        };
        let privilege_ids = self.privilege_ids(privileges)?;
        let recorded = self.st().custom_role.clone();
        let existing_in_bu = existing
            .iter()
            .find(|r| in_business_unit(r, bu))
            .map(|r| r.roleid.clone());
        let (role, replace) = match (recorded, existing_in_bu) {
            (Some(r), _) => (r, true),
            (None, Some(id)) => (Owned { id, created: false }, true),
            (None, None) => {
                let id = match dv.create_role(&custom_role_name(&self.opts.app_name), bu).await {
                    Ok(id) => id,
                    Err(e) => return self.fail(step, &e),
                };
                let owned = Owned { id, created: true };
                self.st().custom_role = Some(owned.clone());
                (owned, false)
            }
        };
        self.st().custom_role = Some(role.clone());
        if let Err(e) = dv.set_role_privileges(&role.id, &privilege_ids, bu, replace).await {
            return self.fail(step, &e);
        }
        self.st().custom_role_ready = true;
        // Assigned in the `roles` step; stays running until then.
        Ok(())
    }

    /// The ids of exactly the requested kinds on the requested tables, from each table's
    /// `privileges`.
    fn privilege_ids(&self, privileges: Vec<Result<Vec<PrivilegeMetadata>, Error>>) -> StepResult<Vec<String>> {
        let step = StepId::CustomRole;
        let mut privilege_ids = Vec::new();
        for (table, privs) in self.opts.tables.iter().zip(privileges) {
            let privs = match privs {
                Ok(p) => p,
                Err(e) if e.status() == Some(404) => {
                    return self.give_up(step, admin::table_not_found(&table.logical_name))
                }
                Err(e) => return self.fail(step, &e),
            };
            for kind in &table.access {
                let type_name = privilege_type(kind).unwrap_or("Read");
                match privs.iter().find(|p| privilege_is(p, type_name)) {
                    Some(p) if !privilege_ids.contains(&p.privilege_id) => privilege_ids.push(p.privilege_id.clone()),
                    Some(_) => {}
                    None => {
                        return self.give_up(step, admin::privilege_not_found(&table.logical_name, kind, type_name))
                    }
                }
            }
        }
        Ok(privilege_ids)
    }
}
