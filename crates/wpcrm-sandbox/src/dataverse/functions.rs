//! Unbound functions and the service document: WhoAmI, RetrieveVersion,
//! RetrieveCurrentOrganization. (RetrieveRolePrivilegesRole and the user privilege functions are
//! with the roles, in `security`.)

use super::context::{Cx, R};
use crate::errors::Dv;
use crate::http::Resp;
use crate::store::World;
use serde_json::{json, Value};

/// The service document (`GET /api/data/v9.2/`): every entity set, `EntityDefinitions` and `privileges`.
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-service-documents>
pub(super) fn service_document(cx: &Cx, w: &World) -> R {
    let env = &w.envs[cx.ei];
    let mut value: Vec<Value> = env
        .tables
        .iter()
        .map(|t| json!({"name": t.entity_set, "kind": "EntitySet", "url": t.entity_set}))
        .collect();
    value.push(json!({"name":"EntityDefinitions","kind":"EntitySet","url":"EntityDefinitions"}));
    value.push(json!({"name":"privileges","kind":"EntitySet","url":"privileges"}));
    Ok(Resp::json(
        200,
        &json!({"@odata.context": format!("{}/$metadata", cx.base), "value": value}),
    ))
}

/// `$metadata`: the CSDL document is not emulated (501).
pub(super) fn csdl_metadata() -> R {
    Err(Dv::NotEmulated("the $metadata CSDL document".into()))
}

/// WhoAmI: the caller's systemuser, business unit and organization.
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/whoami>
pub(super) fn who_am_i(cx: &Cx, w: &World) -> R {
    let env = &w.envs[cx.ei];
    let u = env.user(cx.caller).expect("caller");
    Ok(Resp::json(
        200,
        &json!({
            "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse", cx.base),
            "BusinessUnitId": u.bu.to_string(),
            "UserId": u.id.to_string(),
            "OrganizationId": env.organization_id.to_string(),
        }),
    ))
}

/// RetrieveVersion: the environment's version.
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveversion>
pub(super) fn retrieve_version(cx: &Cx, w: &World) -> R {
    Ok(Resp::json(
        200,
        &json!({
            "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse", cx.base),
            "Version": w.envs[cx.ei].version,
        }),
    ))
}

/// RetrieveCurrentOrganization: the organization's detail (ids, names, geo, endpoints).
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrievecurrentorganization>
pub(super) fn retrieve_current_organization(cx: &Cx, w: &World) -> R {
    let env = &w.envs[cx.ei];
    let url = cx.base.split("/api/data/").next().unwrap_or("").to_string();
    Ok(Resp::json(
        200,
        &json!({
            "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.RetrieveCurrentOrganizationResponse", cx.base),
            "Detail": {
                "OrganizationId": env.organization_id.to_string(),
                "FriendlyName": env.friendly_name,
                "OrganizationVersion": env.version,
                "EnvironmentId": env.environment_id.to_string(),
                "DatacenterId": Value::Null,
                "Geo": env.region,
                "TenantId": w.tenant_id.to_string(),
                "UrlName": env.name,
                "UniqueName": env.unique_name,
                "Endpoints": {"Count": 3, "IsReadOnly": false, "Keys": ["WebApplication", "OrganizationService", "OrganizationDataService"],
                    "Values": [format!("{url}/"), format!("{url}/XRMServices/2011/Organization.svc"), format!("{url}/XRMServices/2011/OrganizationData.svc")]},
                "State": "Enabled",
                "OrganizationType": "Customer",
                "SchemaType": "Standard",
            }
        }),
    ))
}
