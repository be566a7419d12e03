//! Business units, security roles and the privileges a role grants
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/security-roles>).

use super::client::{encode, guid, literal, Dataverse};
use super::users::List;
use crate::service::Error;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Deserialize)]
pub struct Role {
    pub roleid: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "_businessunitid_value")]
    pub business_unit_id: Option<String>,
    /// The systemuser who created it.
    #[serde(default, rename = "_createdby_value")]
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct BusinessUnit {
    businessunitid: String,
}

impl Dataverse<'_> {
    /// The business unit without a parent.
    pub async fn root_business_unit(&self) -> Result<Option<String>, Error> {
        let filter = encode("_parentbusinessunitid_value eq null");
        let list: List<BusinessUnit> = self
            .get_as(&format!("businessunits?$select=businessunitid,name&$filter={filter}"))
            .await?;
        Ok(list.value.into_iter().next().map(|b| b.businessunitid))
    }

    /// Roles with this name in any business unit (the caller picks the one in its business unit, so
    /// this lookup need not wait for the business unit).
    pub async fn roles_named(&self, name: &str) -> Result<Vec<Role>, Error> {
        let filter = encode(&format!("name eq '{}'", literal(name)));
        let list: List<Role> = self
            .get_as(&format!(
                "roles?$select=roleid,name,_businessunitid_value,_createdby_value&$filter={filter}"
            ))
            .await?;
        Ok(list.value)
    }

    pub async fn create_role(&self, name: &str, business_unit_id: &str) -> Result<String, Error> {
        let body = json!({
            "name": name,
            "businessunitid@odata.bind": format!("/businessunits({})", guid(business_unit_id)?),
        });
        self.create("roles", &body, "roleid").await
    }

    pub async fn delete_role(&self, role_id: &str) -> Result<(), Error> {
        let path = format!("roles({})", guid(role_id)?);
        self.send(&http::Method::DELETE, &path, None).await
    }

    /// `AddPrivilegesRole` (`replace == false`) or `ReplacePrivilegesRole`: each privilege at
    /// Global depth in the role's business unit.
    pub async fn set_role_privileges(
        &self,
        role_id: &str,
        privilege_ids: &[String],
        business_unit_id: &str,
        replace: bool,
    ) -> Result<(), Error> {
        let privileges: Vec<_> = privilege_ids
            .iter()
            .map(|id| json!({"PrivilegeId": id, "Depth": "Global", "BusinessUnitId": business_unit_id}))
            .collect();
        let action = if replace {
            "ReplacePrivilegesRole"
        } else {
            "AddPrivilegesRole"
        };
        let body = json!({ "Privileges": privileges });
        let path = format!("roles({})/Microsoft.Dynamics.CRM.{action}", guid(role_id)?);
        self.send(&http::Method::POST, &path, Some(&body)).await
    }
}

/// One role assigned to a user, with the names of the privileges it contains (`$expand` of
/// `roleprivileges_association`; empty when the answer did not expand them).
#[derive(Debug, Clone, Deserialize)]
pub struct AssignedRole {
    pub roleid: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "_businessunitid_value")]
    pub business_unit_id: Option<String>,
    /// The template the role was made from: System Administrator and System Customizer keep theirs
    /// whatever the role is called.
    #[serde(default, rename = "_roletemplateid_value")]
    pub template_id: Option<String>,
    #[serde(default, rename = "roleprivileges_association")]
    pub privileges: Option<Vec<PrivilegeName>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PrivilegeName {
    pub name: String,
}

/// One privilege a role grants, with its depth (`RetrieveRolePrivilegesRole`).
#[derive(Debug, Clone)]
pub struct RolePrivilege {
    pub privilege_id: String,
    pub name: String,
    pub depth: crate::report::Depth,
}

#[derive(Debug, Clone, Deserialize)]
struct BusinessUnitParent {
    #[serde(default, rename = "_parentbusinessunitid_value")]
    parent: Option<String>,
}

impl Dataverse<'_> {
    /// The user's roles and, expanded in the same request, the privileges each contains:
    /// `GET systemusers(<id>)/systemuserroles_association?$select=…&$expand=roleprivileges_association($select=name)`
    /// (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/join-tables>).
    pub async fn user_roles(&self, user_id: &str) -> Result<Vec<AssignedRole>, Error> {
        let list: List<AssignedRole> = self
            .get_as(&format!(
                "systemusers({})/systemuserroles_association?$select=roleid,name,_businessunitid_value,_roletemplateid_value&$expand=roleprivileges_association($select=name)",
                guid(user_id)?
            ))
            .await?;
        Ok(list.value)
    }

    /// Whether the business unit `id` is the root one (it has no parent).
    pub async fn is_root_business_unit(&self, id: &str) -> Result<bool, Error> {
        let bu: BusinessUnitParent = self
            .get_as(&format!(
                "businessunits({})?$select=businessunitid,_parentbusinessunitid_value",
                guid(id)?
            ))
            .await?;
        Ok(bu.parent.is_none())
    }

    /// A role by id, `None` when it no longer exists.
    pub async fn role(&self, role_id: &str) -> Result<Option<Role>, Error> {
        let path = format!(
            "roles({})?$select=roleid,name,_businessunitid_value,_createdby_value",
            guid(role_id)?
        );
        match self.get_as::<Role>(&path).await {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.is_not_found() || super::codes::is_missing_object(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `RetrieveRolePrivilegesRole`: the privileges a role grants, with their depths
    /// (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveroleprivilegesrole>).
    pub async fn role_privileges(&self, role_id: &str) -> Result<Vec<RolePrivilege>, Error> {
        let v = self
            .get(&format!("RetrieveRolePrivilegesRole(RoleId={})", guid(role_id)?))
            .await?;
        let list = v.get("RolePrivileges").and_then(serde_json::Value::as_array);
        Ok(list
            .into_iter()
            .flatten()
            .filter_map(|p| {
                Some(RolePrivilege {
                    privilege_id: p.get("PrivilegeId")?.as_str()?.to_owned(),
                    name: p.get("PrivilegeName")?.as_str()?.to_owned(),
                    depth: depth_of(p.get("Depth")?)?,
                })
            })
            .collect())
    }

    /// `AddPrivilegesRole` with each privilege at Global depth: adds the missing ones and deepens
    /// those the role holds less widely, leaving the rest of the role alone.
    pub async fn add_role_privileges(
        &self,
        role_id: &str,
        privilege_ids: &[String],
        business_unit_id: &str,
    ) -> Result<(), Error> {
        self.set_role_privileges(role_id, privilege_ids, business_unit_id, false)
            .await
    }

    /// Moves a user to another business unit (`PATCH systemusers(<id>)` binding `businessunitid`).
    /// Dataverse removes the user's roles when it moves
    /// (<https://learn.microsoft.com/power-platform/admin/create-users#change-the-business-unit-for-a-user>).
    pub async fn move_user(&self, user_id: &str, business_unit_id: &str) -> Result<(), Error> {
        let body = json!({ "businessunitid@odata.bind": format!("/businessunits({})", guid(business_unit_id)?) });
        let path = format!("systemusers({})", guid(user_id)?);
        self.send(&http::Method::PATCH, &path, Some(&body)).await
    }
}

/// PrivilegeDepth by name or number, as RetrieveUserPrivileges reads it.
fn depth_of(v: &serde_json::Value) -> Option<crate::report::Depth> {
    match v {
        serde_json::Value::String(s) => super::users::parse_depth(s),
        serde_json::Value::Number(n) => super::users::parse_depth(&n.to_string()),
        _ => None,
    }
}
