//! The Dataverse Web API calls an administrator makes to set up an application user
//! (dataverse-web-api.md §5): the root business unit, application users, roles and their
//! privileges. Each function is one request (or one per table, concurrently).

use crate::provision::net::{Body, CallError, Net};
use crate::secret::AccessToken;
use serde::Deserialize;
use serde_json::json;

/// Admin calls against one environment's Web API with the admin's token.
pub struct DataverseAdmin<'n, 'c> {
    pub net: &'n Net<'c>,
    /// `{instance_url}/api/data/v9.2`
    pub api: String,
    pub token: &'n AccessToken,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SystemUser {
    pub systemuserid: String,
    #[serde(default)]
    pub isdisabled: Option<bool>,
    #[serde(default, rename = "_businessunitid_value")]
    pub business_unit_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Role {
    pub roleid: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "_businessunitid_value")]
    pub business_unit_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BusinessUnit {
    pub businessunitid: String,
}

#[derive(Deserialize)]
struct List<T> {
    value: Vec<T>,
}

/// A table privilege from `EntityDefinitions(...)?$select=Privileges`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrivilegeMetadata {
    pub privilege_id: String,
    pub name: String,
    /// `Create`, `Read`, `Write`, `Delete`, `Append`, `AppendTo`, …
    pub privilege_type: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EntityPrivileges {
    #[serde(default)]
    privileges: Vec<PrivilegeMetadata>,
}

fn lit(s: &str) -> String {
    s.replace('\'', "''")
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A GUID as an OData literal (unquoted); anything that is not one is refused before it reaches a URL.
fn guid(s: &str) -> Result<&str, CallError> {
    if uuid::Uuid::parse_str(s).is_ok() {
        Ok(s)
    } else {
        Err(CallError::Parse(format!("not a GUID: {s}")))
    }
}

const JSON_HEADERS: [(&str, &str); 2] = [("odata-maxversion", "4.0"), ("odata-version", "4.0")];
const CREATE_HEADERS: [(&str, &str); 3] = [
    ("odata-maxversion", "4.0"),
    ("odata-version", "4.0"),
    ("prefer", "return=representation"),
];

impl DataverseAdmin<'_, '_> {
    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, CallError> {
        let url = format!("{}/{}", self.api, path);
        self.net
            .json(http::Method::GET, &url, Some(self.token), Body::None, &JSON_HEADERS)
            .await
    }

    /// POST returning the created record's id, from a 201 body or the `OData-EntityId` header.
    async fn create(&self, path: &str, body: &serde_json::Value, id_field: &str) -> Result<String, CallError> {
        let url = format!("{}/{}", self.api, path);
        let response = self
            .net
            .send(
                http::Method::POST,
                &url,
                Some(self.token),
                Body::Json(body),
                &CREATE_HEADERS,
            )
            .await?;
        if !response.body().is_empty() {
            let v: serde_json::Value = crate::provision::net::parse_json(response.body())?;
            if let Some(id) = v[id_field].as_str() {
                return Ok(id.to_owned());
            }
        }
        let header = response
            .headers()
            .get("odata-entityid")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        header
            .rsplit_once('(')
            .and_then(|(_, rest)| rest.strip_suffix(')'))
            .map(str::to_owned)
            .ok_or_else(|| CallError::Parse(format!("the created record's id ({id_field}) is missing")))
    }

    async fn send(&self, method: http::Method, path: &str, body: Option<&serde_json::Value>) -> Result<(), CallError> {
        let url = format!("{}/{}", self.api, path);
        let body = body.map(Body::Json).unwrap_or(Body::None);
        self.net
            .send(method, &url, Some(self.token), body, &JSON_HEADERS)
            .await?;
        Ok(())
    }

    pub async fn root_business_unit(&self) -> Result<Option<String>, CallError> {
        let filter = enc("_parentbusinessunitid_value eq null");
        let list: List<BusinessUnit> = self
            .get(&format!("businessunits?$select=businessunitid,name&$filter={filter}"))
            .await?;
        Ok(list.value.into_iter().next().map(|b| b.businessunitid))
    }

    /// Roles with this name in any business unit (the caller picks the one in its business unit, so
    /// this lookup need not wait for the business unit).
    pub async fn roles_named(&self, name: &str) -> Result<Vec<Role>, CallError> {
        let filter = enc(&format!("name eq '{}'", lit(name)));
        let list: List<Role> = self
            .get(&format!(
                "roles?$select=roleid,name,_businessunitid_value&$filter={filter}"
            ))
            .await?;
        Ok(list.value)
    }

    pub async fn find_application_user(&self, application_id: &str) -> Result<Option<SystemUser>, CallError> {
        let filter = enc(&format!("applicationid eq {}", guid(application_id)?));
        let list: List<SystemUser> = self
            .get(&format!(
                "systemusers?$select=systemuserid,applicationid,isdisabled,_businessunitid_value&$filter={filter}"
            ))
            .await?;
        Ok(list.value.into_iter().next())
    }

    pub async fn create_application_user(
        &self,
        application_id: &str,
        business_unit_id: &str,
    ) -> Result<String, CallError> {
        let body = json!({
            "applicationid": guid(application_id)?,
            "businessunitid@odata.bind": format!("/businessunits({})", guid(business_unit_id)?),
            "accessmode": 4,
            "isdisabled": false,
        });
        self.create("systemusers", &body, "systemuserid").await
    }

    pub async fn set_user_disabled(&self, user_id: &str, disabled: bool) -> Result<(), CallError> {
        let body = json!({ "isdisabled": disabled });
        self.send(
            http::Method::PATCH,
            &format!("systemusers({})", guid(user_id)?),
            Some(&body),
        )
        .await
    }

    pub async fn delete_user(&self, user_id: &str) -> Result<(), CallError> {
        self.send(http::Method::DELETE, &format!("systemusers({})", guid(user_id)?), None)
            .await
    }

    pub async fn user_role_ids(&self, user_id: &str) -> Result<Vec<String>, CallError> {
        let list: List<Role> = self
            .get(&format!(
                "systemusers({})/systemuserroles_association?$select=roleid,name",
                guid(user_id)?
            ))
            .await?;
        Ok(list.value.into_iter().map(|r| r.roleid).collect())
    }

    pub async fn assign_role(&self, user_id: &str, role_id: &str) -> Result<(), CallError> {
        let body = json!({ "@odata.id": format!("{}/roles({})", self.api, guid(role_id)?) });
        self.send(
            http::Method::POST,
            &format!("systemusers({})/systemuserroles_association/$ref", guid(user_id)?),
            Some(&body),
        )
        .await
    }

    pub async fn unassign_role(&self, user_id: &str, role_id: &str) -> Result<(), CallError> {
        self.send(
            http::Method::DELETE,
            &format!(
                "systemusers({})/systemuserroles_association({})/$ref",
                guid(user_id)?,
                guid(role_id)?
            ),
            None,
        )
        .await
    }

    pub async fn create_role(&self, name: &str, business_unit_id: &str) -> Result<String, CallError> {
        let body = json!({
            "name": name,
            "businessunitid@odata.bind": format!("/businessunits({})", guid(business_unit_id)?),
        });
        self.create("roles", &body, "roleid").await
    }

    pub async fn delete_role(&self, role_id: &str) -> Result<(), CallError> {
        self.send(http::Method::DELETE, &format!("roles({})", guid(role_id)?), None)
            .await
    }

    /// The privileges a table defines (one per access kind).
    pub async fn table_privileges(&self, logical_name: &str) -> Result<Vec<PrivilegeMetadata>, CallError> {
        let e: EntityPrivileges = self
            .get(&format!(
                "EntityDefinitions(LogicalName='{}')?$select=LogicalName,SchemaName,Privileges",
                enc(&lit(logical_name))
            ))
            .await?;
        Ok(e.privileges)
    }

    /// `AddPrivilegesRole` (`replace == false`) or `ReplacePrivilegesRole`: each privilege at
    /// Global depth in the role's business unit.
    pub async fn set_role_privileges(
        &self,
        role_id: &str,
        privilege_ids: &[String],
        business_unit_id: &str,
        replace: bool,
    ) -> Result<(), CallError> {
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
        self.send(
            http::Method::POST,
            &format!("roles({})/Microsoft.Dynamics.CRM.{action}", guid(role_id)?),
            Some(&body),
        )
        .await
    }
}

/// The `PrivilegeType` name of an access kind as the API takes it (`read` → `Read`).
pub fn privilege_type(kind: &str) -> Option<&'static str> {
    Some(match kind.to_ascii_lowercase().as_str() {
        "read" => "Read",
        "create" => "Create",
        "write" => "Write",
        "delete" => "Delete",
        "append" => "Append",
        "appendto" => "AppendTo",
        _ => return None,
    })
}

/// Whether a privilege's `PrivilegeType` (name or number) is the given type name.
pub fn privilege_is(p: &PrivilegeMetadata, type_name: &str) -> bool {
    match &p.privilege_type {
        serde_json::Value::String(s) => s.eq_ignore_ascii_case(type_name),
        serde_json::Value::Number(n) => {
            let name = match n.as_i64() {
                Some(1) => "Create",
                Some(2) => "Read",
                Some(3) => "Write",
                Some(4) => "Delete",
                Some(7) => "Append",
                Some(8) => "AppendTo",
                _ => "",
            };
            name == type_name
        }
        _ => false,
    }
}
