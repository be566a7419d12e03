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
//! Reuses only the role the state records, or one of that name that the signed-in admin created
//! (its `_createdby_value` is the admin's systemuser, from `WhoAmI` beside the lookups: a call whose
//! answer was lost). A role that merely has the name is left alone and reported (`notices`), and
//! this site's role gets a name of its own, the usual one followed by this site's keyed mark
//! (`SECURITY.md`, "What setup reuses"). Safe to re-run: replacing privileges sets the same set.

use super::business_unit::in_business_unit;
use super::machine::{Machine, StepResult};
use super::response::{ChangeAction, ChangeKind};
use super::state::Owned;
use super::steps::StepId;
use crate::dataverse::metadata::{privilege_is, privilege_type, PrivilegeMetadata};
use crate::dataverse::roles::Role;
use crate::dataverse::Dataverse;
use crate::diagnosis::admin;
use crate::service::Error;
use futures_util::StreamExt;

/// Table definitions looked up at once (the environment's concurrency limit is 52 per user:
/// <https://learn.microsoft.com/power-apps/developer/data-platform/api-limits>).
const LOOKUPS_AT_ONCE: usize = 8;

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
        // At most `LOOKUPS_AT_ONCE` table lookups in flight: a long table list must not open
        // hundreds of requests against the environment's service protection limits.
        let requests: Vec<_> = self
            .opts
            .tables
            .iter()
            .map(|t| dv.table_privileges(&t.logical_name))
            .collect();
        let lookups = futures_util::stream::iter(requests)
            .buffered(LOOKUPS_AT_ONCE)
            .collect::<Vec<_>>();
        let (existing, privileges) = tokio::join!(dv.roles_named(&name), lookups);
        Ok((existing?, privileges.into_iter().collect::<Vec<_>>()))
    }

    /// The signed-in admin's systemuser in the environment (`WhoAmI`), which proves a role is one
    /// this site's admin created; looked up beside the roles, only when a role is wanted.
    pub(super) async fn admin_user(&self, dv: &Dataverse<'_>, needed: bool) -> Result<Option<String>, Error> {
        if !needed || self.st().custom_role.is_some() {
            return Ok(None);
        }
        Ok(Some(dv.who_am_i().await?.user_id))
    }

    /// Creates (or reuses) the role in the root business unit `bu` and sets its privileges, from
    /// what [`Self::look_up_custom_role`] found; `admin` is the signed-in admin's systemuser.
    pub(super) async fn custom_role(
        &self,
        dv: &Dataverse<'_>,
        found: Lookups,
        admin: Result<Option<String>, Error>,
        bu: &str,
    ) -> StepResult {
        let step = StepId::CustomRole;
        self.begin(step);
        let ((existing, privileges), admin) = match (found, admin) {
            (Ok(v), Ok(a)) => (v, a),
            (Err(e), _) | (_, Err(e)) => return self.fail(step, &e),
        };
        let privilege_ids = self.privilege_ids(privileges)?;
        // A role of that name this admin created (a call whose answer was lost) is this site's.
        let made_by_admin = existing.iter().find(|r| {
            in_business_unit(r, bu)
                && admin
                    .as_deref()
                    .is_some_and(|a| r.created_by.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(a)))
        });
        let recorded = self.st().custom_role.clone().or_else(|| {
            made_by_admin.map(|r| Owned {
                id: r.roleid.clone(),
                created: true,
            })
        });
        let (role, replace) = match recorded {
            Some(r) => (r, true),
            None => {
                let name = self.own_role_name(&existing, bu);
                let id = match dv.create_role(&name, bu).await {
                    Ok(id) => id,
                    Err(e) => return self.fail(step, &e),
                };
                self.changed(ChangeAction::Created, ChangeKind::Role, &id, name);
                let owned = Owned { id, created: true };
                self.st().custom_role = Some(owned.clone());
                (owned, false)
            }
        };
        self.st().custom_role = Some(role.clone());
        if let Err(e) = dv.set_role_privileges(&role.id, &privilege_ids, bu, replace).await {
            return self.fail(step, &e);
        }
        let detail = format!("{} privileges at Global depth", privilege_ids.len());
        self.changed(ChangeAction::Updated, ChangeKind::Role, &role.id, detail);
        self.st().custom_role_ready = true;
        // Assigned in the `roles` step; stays running until then.
        Ok(())
    }

    /// The name of the role this site creates: the usual one when no role has it, else the usual one
    /// followed by this site's keyed mark; each role that already has the name is reported.
    fn own_role_name(&self, existing: &[Role], bu: &str) -> String {
        let usual = custom_role_name(&self.opts.app_name);
        let taken: Vec<&Role> = existing.iter().filter(|r| in_business_unit(r, bu)).collect();
        if taken.is_empty() {
            return usual;
        }
        let mark = self
            .opts
            .marker
            .secret_prefix
            .trim_start_matches("wpcrm:")
            .trim_end_matches(':');
        let suffix = format!(" ({mark})");
        let own: String = usual.chars().take(100 - suffix.chars().count()).collect::<String>() + &suffix;
        for role in taken {
            self.notice(admin::lookalike_role(&role.roleid, &usual, &own));
        }
        own
    }

    /// The ids of exactly the requested kinds on the requested tables, from each table's
    /// `privileges`.
    fn privilege_ids(&self, privileges: Vec<Result<Vec<PrivilegeMetadata>, Error>>) -> StepResult<Vec<String>> {
        Ok(self
            .needed_privileges(privileges)?
            .into_iter()
            .map(|p| p.privilege_id)
            .collect())
    }

    /// Exactly the requested kinds on the requested tables, from each table's `privileges` (also
    /// what `action: repair` holds the site's role against).
    pub(super) fn needed_privileges(
        &self,
        privileges: Vec<Result<Vec<PrivilegeMetadata>, Error>>,
    ) -> StepResult<Vec<PrivilegeMetadata>> {
        let step = StepId::CustomRole;
        let mut needed: Vec<PrivilegeMetadata> = Vec::new();
        for (table, privs) in self.opts.tables.iter().zip(privileges) {
            let privs = match privs {
                Ok(p) => p,
                Err(e) if crate::dataverse::codes::is_missing_object(&e) => {
                    return self.give_up(step, admin::table_not_found(&table.logical_name))
                }
                Err(e) => return self.fail(step, &e),
            };
            for kind in &table.access {
                let type_name = privilege_type(kind).unwrap_or("Read");
                match privs.iter().find(|p| privilege_is(p, type_name)) {
                    Some(p) if !needed.iter().any(|n| n.privilege_id == p.privilege_id) => needed.push(p.clone()),
                    Some(_) => {}
                    None => {
                        return self.give_up(step, admin::privilege_not_found(&table.logical_name, kind, type_name))
                    }
                }
            }
        }
        Ok(needed)
    }
}
