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
