//! What the signed-in admin may do in the directory, read before anything is created (the
//! `preflight` step): the tenant's "Users can register applications" setting
//! (`GET /policies/authorizationPolicy`, `defaultUserRolePermissions.allowedToCreateApps`,
//! <https://learn.microsoft.com/graph/api/authorizationpolicy-get>) and the directory roles the
//! admin holds (`GET /me/transitiveMemberOf`, roles assigned directly or through a role-assignable
//! group, <https://learn.microsoft.com/graph/api/user-list-transitivememberof>).

use super::{Graph, List};
use crate::service::Error;
use serde::Deserialize;
use serde_json::Value;

/// Role template ids of the directory roles that may register applications
/// (<https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>):
/// Global Administrator, Application Administrator, Cloud Application Administrator, Application
/// Developer. (`reference/entra-and-graph.md` §3.7 marks the list unconfirmed against the current
/// page; the ids are Microsoft's published templates.)
pub const APP_REGISTERING_ROLES: [&str; 4] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "158c047a-c907-4556-b7ef-446551a6b5f7",
    "cf1c38e5-3621-4004-a7cb-879624dced7c",
];

/// A member of the admin's memberships: a directory role, a group, an administrative unit.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    #[serde(rename = "@odata.type", default)]
    pub odata_type: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role_template_id: Option<String>,
}

impl Membership {
    /// A directory role that may register applications.
    pub fn registers_apps(&self) -> bool {
        self.odata_type.as_deref() == Some("#microsoft.graph.directoryRole")
            && self
                .role_template_id
                .as_deref()
                .is_some_and(|t| APP_REGISTERING_ROLES.iter().any(|r| r.eq_ignore_ascii_case(t)))
    }
}

impl Graph<'_> {
    /// `defaultUserRolePermissions.allowedToCreateApps`; `None` when the policy does not say.
    pub async fn users_can_register_apps(&self) -> Result<Option<bool>, Error> {
        let url = self.url("policies/authorizationPolicy?$select=defaultUserRolePermissions");
        let v: Value = self.get(&url).await?;
        // v1.0 answers the object; tolerate a one-element collection too.
        let policy = v
            .get("value")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .unwrap_or(&v);
        Ok(policy
            .pointer("/defaultUserRolePermissions/allowedToCreateApps")
            .and_then(Value::as_bool))
    }

    /// The signed-in admin's memberships (directory roles among them).
    pub async fn my_memberships(&self) -> Result<Vec<Membership>, Error> {
        let url = self.url("me/transitiveMemberOf?$select=id,displayName,roleTemplateId");
        let list: List<Membership> = self.get(&url).await?;
        Ok(list.value)
    }
}
