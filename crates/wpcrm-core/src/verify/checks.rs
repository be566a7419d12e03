//! The requests behind each check, each returning protocol data or the protocol error. Judging them
//! (status, detail, fix) happens in `verify/mod.rs` with the catalogue in `fixes.rs`.

use super::fixes::{self, Diagnosis, Facts};
use super::input::AccessKind;
use crate::challenge::Challenge;
use crate::cloud::Cloud;
use crate::dataverse::{DataverseClient, DataverseError};
use crate::http::{describe_non_json, HttpClient};
use crate::ids::{TenantError, TenantId};
use crate::instance_url::InstanceUrl;
use crate::report::{Depth, Identity};
use serde_json::Value;
use std::collections::HashMap;

/// Discovers the tenant from the instance's 401 challenge (`dataverse-web-api.md` §2.4). The
/// challenge's authority must be one of the detected cloud's; the tenant taken from it only becomes
/// a path segment at that cloud's own authority, never a host.
pub async fn discover_tenant(http: &HttpClient, instance: &InstanceUrl, facts: &Facts) -> Result<TenantId, Diagnosis> {
    let request = http::Request::get(instance.web_api())
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| fixes::unexpected(&e.to_string(), "Dataverse"))?;
    let response = http
        .send(request)
        .await
        .map_err(|e| fixes::transport(&e, "Dataverse"))?;
    let status = response.status().as_u16();
    let fail = |detail: String| Diagnosis {
        code: "tenant_discovery_failed".to_owned(),
        detail,
        fix: Some(format!(
            "Enter the tenant ID on the Connection tab. {}",
            fixes::TENANT_ID
        )),
    };
    if status == 429 {
        return Err(fixes::throttled("Dataverse"));
    }
    if status != 401 {
        return Err(if status == 404 {
            fail(format!(
                "{} answered HTTP 404 instead of asking for sign-in: this environment may not exist.",
                instance
            ))
        } else if (300..400).contains(&status) || response.body().starts_with(b"<") {
            fixes::unexpected(&describe_non_json(&response), "Dataverse")
        } else {
            fail(format!(
                "{instance} answered HTTP {status} instead of asking for sign-in (401)."
            ))
        });
    }
    let challenge = response
        .headers()
        .get_all(http::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(Challenge::parse)
        .ok_or_else(|| fail(format!("{instance} asked for sign-in without naming its tenant.")))?;
    let (host, port, tenant) = challenge
        .authority_and_tenant()
        .ok_or_else(|| fail("The sign-in challenge's authority is not an https URL.".to_owned()))?;
    let trusted = match instance.cloud() {
        Cloud::Sandbox => {
            let origin = http.endpoints().sandbox_origin().unwrap_or("");
            origin == format!("https://{host}:{port}") || (port == 443 && origin == format!("https://{host}"))
        }
        cloud => port == 443 && cloud.challenge_authority_hosts().contains(&host.as_str()),
    };
    if !trusted {
        return Err(Diagnosis {
            code: "untrusted_authority".to_owned(),
            detail: format!(
                "The sign-in challenge names the authority {host}, which is not an Entra ID host of the {} cloud; it is ignored.",
                facts.cloud
            ),
            fix: Some(format!("Enter the tenant ID on the Connection tab. {}", fixes::TENANT_ID)),
        });
    }
    match TenantId::parse(&tenant) {
        Ok(t) => Ok(t),
        Err(TenantError::NotATenant) | Err(TenantError::Invalid) => Err(fail(format!(
            "The sign-in challenge names '{}', which is not a tenant.",
            tenant.chars().take(80).collect::<String>()
        ))),
    }
}

pub async fn who_am_i(dv: &DataverseClient<'_>) -> Result<Identity, DataverseError> {
    let v = dv.get("WhoAmI").await?;
    let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    match (field("UserId"), field("BusinessUnitId"), field("OrganizationId")) {
        (Some(user_id), Some(business_unit_id), Some(organization_id)) => Ok(Identity {
            user_id,
            business_unit_id,
            organization_id,
        }),
        _ => Err(DataverseError::Unexpected {
            status: 200,
            detail: "a WhoAmI answer without UserId, BusinessUnitId and OrganizationId".to_owned(),
        }),
    }
}

/// `isdisabled` of the app user (a real Dataverse refuses a disabled user already at WhoAmI; this
/// catches emulators and older builds that do not).
pub async fn user_is_disabled(dv: &DataverseClient<'_>, user_id: &str) -> Result<Option<bool>, DataverseError> {
    let v = dv.get(&format!("systemusers({user_id})?$select=isdisabled")).await?;
    Ok(v.get("isdisabled").and_then(Value::as_bool))
}

/// The cheap metadata read: one table definition's logical name (never `$metadata`).
pub async fn metadata(dv: &DataverseClient<'_>) -> Result<(), DataverseError> {
    dv.get("EntityDefinitions(LogicalName='systemuser')?$select=LogicalName")
        .await
        .map(|_| ())
}

/// The app user's privileges: lower-cased privilege name → widest depth.
pub async fn user_privileges(
    dv: &DataverseClient<'_>,
    user_id: &str,
) -> Result<HashMap<String, Depth>, DataverseError> {
    let v = dv
        .get(&format!(
            "systemusers({user_id})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges"
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

/// PrivilegeDepth by name or number; RecordFilter (4) grants no table-wide depth.
fn parse_depth(s: &str) -> Option<Depth> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "basic" | "0" => Depth::Basic,
        "local" | "1" => Depth::Local,
        "deep" | "2" => Depth::Deep,
        "global" | "3" => Depth::Global,
        _ => return None,
    })
}

/// A table's definition, as far as verification needs it.
#[derive(Debug, Clone, Default)]
pub struct TableDefinition {
    pub schema_name: Option<String>,
    pub entity_set: Option<String>,
    pub display_name: Option<String>,
    pub primary_id: Option<String>,
    /// PrivilegeType (`Read`) → privilege name (`prvReadAccount`).
    pub privileges: HashMap<String, String>,
}

impl TableDefinition {
    /// The privilege an access kind needs: from the definition, else `prv<Verb><SchemaName>`.
    pub fn privilege_for(&self, kind: AccessKind, logical_name: &str) -> String {
        self.privileges.get(kind.verb()).cloned().unwrap_or_else(|| {
            format!(
                "prv{}{}",
                kind.verb(),
                self.schema_name.as_deref().unwrap_or(logical_name)
            )
        })
    }
}

pub async fn table_definition(dv: &DataverseClient<'_>, logical_name: &str) -> Result<TableDefinition, DataverseError> {
    let v = dv
        .get(&format!(
            "EntityDefinitions(LogicalName='{logical_name}')?$select=LogicalName,SchemaName,EntitySetName,DisplayName,PrimaryIdAttribute,Privileges"
        ))
        .await?;
    // Key lookups return the entity itself; tolerate the documented `value` wrapper too.
    let v = match v.get("value").and_then(Value::as_array) {
        Some(list) => list.first().cloned().unwrap_or(Value::Null),
        None => v,
    };
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let label = |l: &Value| l.get("Label").and_then(Value::as_str).map(str::to_owned);
    let display_name = v.get("DisplayName").and_then(|d| {
        d.get("UserLocalizedLabel").and_then(label).or_else(|| {
            d.get("LocalizedLabels")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(label)
        })
    });
    let mut privileges = HashMap::new();
    for p in v.get("Privileges").and_then(Value::as_array).into_iter().flatten() {
        let (Some(kind), Some(name)) = (
            p.get("PrivilegeType").and_then(Value::as_str),
            p.get("Name").and_then(Value::as_str),
        ) else {
            continue;
        };
        privileges.insert(kind.to_owned(), name.to_owned());
    }
    Ok(TableDefinition {
        schema_name: text("SchemaName"),
        entity_set: text("EntitySetName"),
        display_name,
        primary_id: text("PrimaryIdAttribute"),
        privileges,
    })
}

/// A real read of one row, proving read access end to end.
pub async fn probe_read(dv: &DataverseClient<'_>, definition: &TableDefinition) -> Result<(), DataverseError> {
    let Some(set) = &definition.entity_set else {
        return Err(DataverseError::Unexpected {
            status: 200,
            detail: "a table definition without EntitySetName".to_owned(),
        });
    };
    let path = match &definition.primary_id {
        Some(id) => format!("{set}?$select={id}&$top=1"),
        None => format!("{set}?$top=1"),
    };
    dv.get(&path).await.map(|_| ())
}
