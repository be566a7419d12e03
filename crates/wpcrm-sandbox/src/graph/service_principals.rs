//! Service principals: list and create (read and delete are routed in the parent module).
//! <https://learn.microsoft.com/graph/api/resources/serviceprincipal>

use super::caller::{can_read, can_write, Who, R};
use super::owners::creator_owners;
use super::views::{body, collection, filtered, sp_json, string_list};
use crate::errors::Graph as E;
use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::{ServicePrincipal, World};
use crate::util::{new_uuid, parse_guid};
use serde_json::{json, Map, Value};

/// List service principals (`GET /servicePrincipals`, with `$filter` and `$select`).
/// <https://learn.microsoft.com/graph/api/serviceprincipal-list>
pub(super) fn list_service_principals(shared: &Shared, req: &Req, w: &World, who: &Who) -> R {
    can_read(who)?;
    let items: Vec<Value> = w.sps.iter().map(|s| sp_json(w, s)).collect();
    let items = filtered(
        req,
        items,
        &["appId", "displayName", "tags", "id", "servicePrincipalNames"],
    )?;
    Ok(collection(
        req,
        format!("{}/v1.0/$metadata#servicePrincipals", shared.origin),
        items,
    ))
}

/// Create a service principal for an app (`POST /servicePrincipals`).
/// <https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals>
pub(super) fn create_service_principal(shared: &Shared, req: &Req, w: &mut World, who: &Who) -> R {
    can_write(w, who)?;
    let b = body(req)?;
    let app_id_s = b.get("appId").and_then(Value::as_str).unwrap_or("").to_string();
    new_service_principal(shared, w, who, &app_id_s, &b)
}

/// A new service principal for the application `app_id_s` (create and upsert): 201 with the object;
/// 400 NoBackingApplicationObject while the application replicates; 409 when it has one.
pub(super) fn new_service_principal(
    shared: &Shared,
    w: &mut World,
    who: &Who,
    app_id_s: &str,
    b: &Map<String, Value>,
) -> R {
    let app = parse_guid(app_id_s)
        .and_then(|g| w.app_by_app_id(g))
        .filter(|a| !w.replicating(a.created))
        .cloned()
        .ok_or(E::NoBackingApplicationObject {
            app_id: app_id_s.to_string(),
        })?;
    if w.sps.iter().any(|s| s.app_id == app.app_id) {
        return Err(E::Conflict(
            "Another object with the same value for property servicePrincipalNames already exists.".into(),
        ));
    }
    let tags = match b.get("tags") {
        Some(v) => string_list(v, "tags")?,
        None => vec![],
    };
    let sp = ServicePrincipal {
        id: new_uuid(),
        app_id: app.app_id,
        display_name: app.display_name.clone(),
        tags,
        owners: creator_owners(w, who),
    };
    let mut v = sp_json(w, &sp);
    v["@odata.context"] = json!(format!("{}/v1.0/$metadata#servicePrincipals/$entity", shared.origin));
    w.sps.push(sp);
    Ok(Resp::json(201, &v))
}
