//! Who the caller is, application users, and the roles assigned to them
//! (<https://learn.microsoft.com/power-platform/admin/manage-application-users>).

use super::client::{encode, guid, Dataverse};
use crate::report::{Depth, Identity};
use crate::service::Error;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

#[derive(Debug, Clone, Deserialize)]
pub struct SystemUser {
    pub systemuserid: String,
    #[serde(default)]
    pub isdisabled: Option<bool>,
    #[serde(default, rename = "_businessunitid_value")]
    pub business_unit_id: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct List<T> {
    pub value: Vec<T>,
}

#[derive(Deserialize)]
struct RoleId {
    roleid: String,
}

impl Dataverse<'_> {
    /// `WhoAmI`: the caller's user, business unit and organization.
    pub async fn who_am_i(&self) -> Result<Identity, Error> {
        let v = self.get("WhoAmI").await?;
        let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        match (field("UserId"), field("BusinessUnitId"), field("OrganizationId")) {
            (Some(user_id), Some(business_unit_id), Some(organization_id)) => Ok(Identity {
                user_id,
                business_unit_id,
                organization_id,
            }),
            _ => Err(Error::Unexpected {
                status: 200,
                detail: "a WhoAmI answer without UserId, BusinessUnitId and OrganizationId".to_owned(),
            }),
        }
    }

    /// `isdisabled` of a user (a real Dataverse refuses a disabled user already at WhoAmI; this
    /// catches emulators and older builds that do not).
    pub async fn user_is_disabled(&self, user_id: &str) -> Result<Option<bool>, Error> {
        let v = self
            .get(&format!("systemusers({})?$select=isdisabled", guid(user_id)?))
            .await?;
        Ok(v.get("isdisabled").and_then(Value::as_bool))
    }

    /// `RetrieveUserPrivileges`: lower-cased privilege name → widest depth.
    pub async fn user_privileges(&self, user_id: &str) -> Result<HashMap<String, Depth>, Error> {
        let v = self
            .get(&format!(
                "systemusers({})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges",
                guid(user_id)?
            ))
            .await?;
        let mut out: HashMap<String, Depth> = HashMap::new();
        for p in v.get("RolePrivileges").and_then(Value::as_array).into_iter().flatten() {
            let Some(name) = p.get("PrivilegeName").and_then(Value::as_str) else {
                continue;
            };
            let depth = match p.get("Depth") {
                Some(Value::String(s)) => parse_depth(s),
                Some(Value::Number(n)) => n.as_u64().and_then(|n| parse_depth(&n.to_string())),
                _ => None,
            };
            if let Some(depth) = depth {
                let entry = out.entry(name.to_ascii_lowercase()).or_insert(Depth::None);
                *entry = (*entry).max(depth);
            }
        }
        Ok(out)
    }

    pub async fn find_application_user(&self, application_id: &str) -> Result<Option<SystemUser>, Error> {
        let filter = encode(&format!("applicationid eq {}", guid(application_id)?));
        let list: List<SystemUser> = self
            .get_as(&format!(
                "systemusers?$select=systemuserid,applicationid,isdisabled,_businessunitid_value&$filter={filter}"
            ))
            .await?;
        Ok(list.value.into_iter().next())
    }

    pub async fn create_application_user(&self, application_id: &str, business_unit_id: &str) -> Result<String, Error> {
        let body = json!({
            "applicationid": guid(application_id)?,
            "businessunitid@odata.bind": format!("/businessunits({})", guid(business_unit_id)?),
            "accessmode": 4,
            "isdisabled": false,
        });
        self.create("systemusers", &body, "systemuserid").await
    }

    pub async fn set_user_disabled(&self, user_id: &str, disabled: bool) -> Result<(), Error> {
        let body = json!({ "isdisabled": disabled });
        let path = format!("systemusers({})", guid(user_id)?);
        self.send(&http::Method::PATCH, &path, Some(&body)).await
    }

    pub async fn delete_user(&self, user_id: &str) -> Result<(), Error> {
        let path = format!("systemusers({})", guid(user_id)?);
        self.send(&http::Method::DELETE, &path, None).await
    }

    pub async fn user_role_ids(&self, user_id: &str) -> Result<Vec<String>, Error> {
        let list: List<RoleId> = self
            .get_as(&format!(
                "systemusers({})/systemuserroles_association?$select=roleid,name",
                guid(user_id)?
            ))
            .await?;
        Ok(list.value.into_iter().map(|r| r.roleid).collect())
    }

    pub async fn assign_role(&self, user_id: &str, role_id: &str) -> Result<(), Error> {
        let body = json!({ "@odata.id": format!("{}roles({})", self.base(), guid(role_id)?) });
        let path = format!("systemusers({})/systemuserroles_association/$ref", guid(user_id)?);
        self.send(&http::Method::POST, &path, Some(&body)).await
    }

    pub async fn unassign_role(&self, user_id: &str, role_id: &str) -> Result<(), Error> {
        let path = format!(
            "systemusers({})/systemuserroles_association({})/$ref",
            guid(user_id)?,
            guid(role_id)?
        );
        self.send(&http::Method::DELETE, &path, None).await
    }
}

/// PrivilegeDepth by name or number; RecordFilter (4) grants no table-wide depth.
pub(super) fn parse_depth(s: &str) -> Option<Depth> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "basic" | "0" => Depth::Basic,
        "local" | "1" => Depth::Local,
        "deep" | "2" => Depth::Deep,
        "global" | "3" => Depth::Global,
        _ => return None,
    })
}
