//! What every Dataverse operation works with: the request context ([`Cx`]), the result type, and
//! the OData request helpers (keys, `$select`, `Prefer`, bodies, `@odata.bind`, the create answer).

use crate::errors::Dv;
use crate::http::{Req, Resp};
use crate::store::{Env, TableDef};
use crate::util::parse_guid;
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// One Web API request, resolved: the environment (index into `World::envs`), the systemuser the
/// caller acts as, and the base URL of the answers' `@odata.context`.
pub(super) struct Cx<'a> {
    pub(super) req: &'a Req,
    /// `{origin}/{env}/api/data/v9.2`
    pub(super) base: String,
    pub(super) ei: usize,
    pub(super) caller: Uuid,
}

/// The answer of an operation: a response, or a Dataverse error rendered by the router.
pub(super) type R = Result<Resp, Dv>;

/// `name(key)` → (`name`, `Some(key)`); anything else → (`seg`, `None`).
pub(super) fn split_key(seg: &str) -> (String, Option<String>) {
    match (seg.find('('), seg.ends_with(')')) {
        (Some(i), true) => (seg[..i].to_string(), Some(seg[i + 1..seg.len() - 1].to_string())),
        _ => (seg.to_string(), None),
    }
}

pub(super) fn key_guid(key: &Option<String>) -> Option<Uuid> {
    key.as_deref().and_then(|k| parse_guid(k.trim_matches('\'')))
}

pub(super) fn select_list(req: &Req) -> Option<Vec<String>> {
    req.q("$select").map(|s| {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    })
}

pub(super) fn project(mut m: Map<String, Value>, select: &Option<Vec<String>>, primary: &str) -> Value {
    if let Some(sel) = select {
        m.retain(|k, _| k == "@odata.etag" || k == primary || sel.iter().any(|s| s == k));
    }
    Value::Object(m)
}

/// The `Prefer` header values, one per comma-separated preference.
pub(super) fn prefer(req: &Req) -> Vec<String> {
    req.headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>())
        .collect()
}

/// Percent-encodes a query value as Dataverse writes it in `@odata.nextLink` (`$` kept).
pub(super) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
        .replace("%24", "$")
}

pub(super) fn body_object(req: &Req) -> Result<Map<String, Value>, Dv> {
    match req.json() {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(Dv::BadPayload("Error identified in Payload provided by the user for Entity :'', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ----> InnerException : Microsoft.OData.ODataException: The request body is not a valid JSON object.".into())),
    }
}

/// `/businessunits(<guid>)` or an absolute URL ending in it.
pub(super) fn bind_guid(v: &Value, set: &str) -> Option<Uuid> {
    let s = v.as_str()?;
    let i = s.rfind(&format!("{set}("))?;
    let rest = &s[i + set.len() + 1..];
    parse_guid(rest.split(')').next()?)
}

/// The answer to a create: 204 with `OData-EntityId`, or 201 with the row for
/// `Prefer: return=representation` (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api).
pub(super) fn created_response(cx: &Cx, t: &TableDef, id: Uuid, json_row: Map<String, Value>) -> Resp {
    let return_repr = prefer(cx.req).iter().any(|p| p == "return=representation");
    if return_repr {
        let select = select_list(cx.req);
        let mut v = project(json_row, &select, &t.primary_id);
        v["@odata.context"] = json!(format!("{}/$metadata#{}/$entity", cx.base, t.entity_set));
        Resp::json(201, &v)
            .header("Preference-Applied", "return=representation")
            .header("Location", format!("{}/{}({id})", cx.base, t.entity_set))
    } else {
        Resp::new(204).header("OData-EntityId", format!("{}/{}({id})", cx.base, t.entity_set))
    }
}

/// The business unit named by `businessunitid@odata.bind` (404 when unknown), else the root one.
pub(super) fn bound_business_unit(env: &Env, body: &Map<String, Value>) -> Result<Uuid, Dv> {
    Ok(match body.get("businessunitid@odata.bind") {
        Some(v) => {
            let id = bind_guid(v, "businessunits")
                .ok_or_else(|| Dv::InvalidArgument("Invalid businessunitid@odata.bind".into()))?;
            if !env.bus.iter().any(|b| b.id == id) {
                return Err(Dv::RecordNotFound {
                    entity: "businessunit".into(),
                    id: id.to_string(),
                });
            }
            id
        }
        None => env.root_bu().id,
    })
}
