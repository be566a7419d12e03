//! Global Discovery Service v2.0: `GET /api/discovery/v2.0/Instances` (and keyed forms
//! `Instances(<guid>)`, `Instances(UniqueName='x')`, which still return an array).
//!
//! Follows <https://learn.microsoft.com/power-apps/developer/data-platform/discovery-service>: the documented instance fields, `$select`, `$filter` with
//! case-sensitive string comparison, only environments where the signed-in user has an enabled
//! systemuser (none → empty `value`), `IsUserSysAdmin` from the user's roles there. The token must
//! carry the audience `https://globaldisco.crm.dynamics.com`; otherwise 401 with an empty body.
//! `ApiUrl` equals `Url` in the sandbox (there is no separate `.api.` host).
//!
//! Choice where the documentation is silent (marked U): app-only tokens get 403
//! `{"error":{"code":"Forbidden","message":…}}`.
//! Each cloud has its own Global Discovery host, listing the environments of that cloud only
//! (sovereign environments are not in the commercial one): a request standing for another cloud's
//! discovery host (`X-Forwarded-Host`, `crate::clouds`) lists that cloud's environments, by their
//! real URLs, and needs a token for that host's audience from that cloud's authority
//! (`cloud_gate::gate`). Without the header: the public cloud, environments by their sandbox URLs.
//! Not emulated: the v1 discovery endpoints, `$orderby`, `$top`, the regional discovery hosts.

use crate::auth::verify_bearer;
use crate::clouds::{discovery_cloud, forwarded_host, SbCloud};
use crate::errors::Disco;
use crate::http::{Req, Resp};
use crate::odata;
use crate::resources::DISCO;
use crate::state::Shared;
use crate::util::iso;
use serde_json::{json, Value};

pub fn handle(shared: &Shared, req: &Req) -> Resp {
    let segs = req.segments();
    let w = shared.world();
    let unauthorized = || {
        Disco::Unauthenticated {
            authorization_uri: format!("{}/{}/oauth2/authorize", shared.origin, w.tenant_id),
            resource_id: format!("{DISCO}/"),
        }
        .render(req)
    };
    let forwarded = forwarded_host(req);
    let cloud = forwarded
        .as_deref()
        .and_then(discovery_cloud)
        .unwrap_or(SbCloud::Public);
    let caller = match verify_bearer(shared, req) {
        Ok(Some(c)) if discovery_cloud(c.aud()) == Some(cloud) => c,
        _ => return unauthorized(),
    };
    let path: Vec<&str> = segs.iter().map(String::as_str).collect();
    let (name, key) = match path.as_slice() {
        ["api", "discovery", "v2.0", last] => match (last.find('('), last.ends_with(')')) {
            (Some(i), true) => (&last[..i], Some(last[i + 1..last.len() - 1].to_string())),
            _ => (*last, None),
        },
        _ => ("", None),
    };
    if name != "Instances" || req.method != "GET" {
        return Disco::SegmentNotFound(name.to_string()).render(req);
    }
    if !caller.is_user() {
        return Disco::AppOnly.render(req);
    }
    let oid = caller.oid();
    let mut items: Vec<Value> = Vec::new();
    for env in w.envs.iter().filter(|e| e.cloud == cloud) {
        let Some(su) = env.users.iter().find(|u| {
            u.application_id.is_none() && u.aad_object_id.is_some() && u.aad_object_id == oid && !u.isdisabled
        }) else {
            continue;
        };
        let is_admin = env
            .roles
            .iter()
            .any(|r| su.roles.contains(&r.id) && r.name == "System Administrator");
        let url = match forwarded {
            Some(_) => env.cloud.env_url(&env.name),
            None => format!("{}/{}", shared.origin, env.name),
        };
        items.push(json!({
            "ApiUrl": url,
            "DatacenterId": null,
            "DatacenterName": null,
            "EnvironmentId": env.environment_id.to_string(),
            "FriendlyName": env.friendly_name,
            "Id": env.organization_id.to_string(),
            "IsUserSysAdmin": is_admin,
            "LastUpdated": iso(crate::util::now() - time::Duration::days(1)),
            "OrganizationType": 0,
            "Purpose": "",
            "Region": env.region,
            "SchemaType": "Standard",
            "State": 0,
            "StatusMessage": 0,
            "TenantId": w.tenant_id.to_string(),
            "TrialExpirationDate": null,
            "UniqueName": env.unique_name,
            "UrlName": env.name,
            "Version": env.version,
            "Url": url,
        }));
    }
    if let Some(k) = key {
        let (prop, val) = match k.split_once('=') {
            Some((p, v)) => (p.to_string(), v.trim_matches('\'').to_string()),
            None => ("Id".to_string(), k.trim_matches('\'').to_string()),
        };
        items.retain(|v| match &v[prop.as_str()] {
            Value::String(s) => s.eq_ignore_ascii_case(&val) && (prop == "Id" || s == &val),
            other => other.to_string().as_str() == val.as_str(),
        });
    }
    if let Some(f) = req.q("$filter") {
        match odata::parse(&f) {
            Ok(e) => items.retain(|v| e.eval(&|p: &str| v.get(p).cloned().unwrap_or(Value::Null), true)),
            Err(m) => {
                return Resp::json(
                    400,
                    &json!({"error":{"code":"BadRequest","message":format!("The query specified in the URI is not valid. {m}")}}),
                )
            }
        }
    }
    if let Some(sel) = req.q("$select") {
        let keep: Vec<&str> = sel.split(',').map(str::trim).collect();
        items = items
            .into_iter()
            .map(|v| match v {
                Value::Object(m) => Value::Object(m.into_iter().filter(|(k, _)| keep.contains(&k.as_str())).collect()),
                o => o,
            })
            .collect();
    }
    Resp::json(
        200,
        &json!({"@odata.context": format!("{}/api/discovery/v2.0/$metadata#Instances", shared.origin), "value": items}),
    )
    .header("OData-Version", "4.0")
}
