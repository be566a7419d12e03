//! Microsoft Graph v1.0: applications, passwords, service principals, `/me`, `/organization`.
//!
//! Follows the Graph v1.0 reference (<https://learn.microsoft.com/graph/api/resources/application>,
//! <https://learn.microsoft.com/graph/api/resources/serviceprincipal>): create application (201, `id` = object id, `appId` = client id,
//! `passwordCredentials: []`), alternate key `applications(appId='…')` and
//! `servicePrincipals(appId='…')`, `$filter` on `appId eq`, `displayName eq`,
//! `startswith(displayName,…)` and `tags/any(t:t eq …)` without extra headers (advanced operators
//! `ne`/`not`/`endswith`/`contains` need `ConsistencyLevel: eventual`, else 400
//! Request_UnsupportedQuery), DELETE → 204 (also deletes the app's service principal, as Entra
//! does), addPassword (200, `secretText` once, `hint` = first 3 characters, `keyId`, default end =
//! start + 2 years, 400 CredentialInvalidLifetimeAsPerAppPolicy beyond the tenant maximum),
//! removePassword (204), servicePrincipals (201; 400 Request_BadRequest with details
//! NoBackingApplicationObject while the app is replicating), the error JSON with innerError
//! (<https://learn.microsoft.com/graph/errors>), replication: during the configured delay a new app's GET/PATCH (by id or appId) answer 404
//! Request_ResourceNotFound; only users with an app-registering directory role may write
//! (403 Authorization_RequestDenied otherwise). Every request needs a token whose audience is Graph
//! (401 InvalidAuthenticationToken otherwise).
//!
//! Choices where the documentation is silent (also in `docs/sandbox.md`): lists are not affected by the replication delay;
//! creating a second service principal for an app → 409 Request_MultipleObjectsWithSameKeyValue;
//! app-only tokens get 403 Authorization_RequestDenied (no seeded app holds Graph application
//! permissions); removing an unknown keyId → 400 Request_BadRequest.
//!
//! Users: `/me` and `GET /users/{id|upn}` only (msgraph-sdk's `users/me-token-to-replace` placeholder
//! is answered as `/me`).
//! Owners of applications and service principals: `owners` (list, `$ref` add and remove, who owns
//! what Graph creates, config `creator_becomes_owner`).
//! Not emulated: `$expand`, `$orderby`, `$search`, paging (`@odata.nextLink`), delta,
//! federated/key credentials, app roles and consent grants, directory objects other than
//! applications, service principals, the signed-in user and the organization, batching, throttling.

//!
//! Layout: this module routes; `caller` authenticates and authorizes; `views` renders objects and
//! applies `$select`/`$filter`; `applications`, `service_principals` and `owners` hold the operations.

mod applications;
mod caller;
mod directory;
mod owners;
mod service_principals;
mod upsert;
mod views;

use crate::errors::Graph as E;
use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::World;
use crate::util::parse_guid;
use caller::{authenticate, can_read, can_write, Who, R};
use serde_json::json;
use views::{sp_json, user_json};

/// Every request under `/v1.0/`: authenticates, routes, and adds Graph's response headers.
pub fn handle(shared: &Shared, req: &Req) -> Resp {
    let segs = req.segments();
    let mut w = shared.world();
    let result = authenticate(shared, req, &w).and_then(|caller| route(shared, req, &mut w, &caller, &segs[1..]));
    let r = match result {
        Ok(r) => r,
        Err(e) => e.render(req),
    };
    let r = r
        .header("request-id", req.request_id.clone())
        .header(
            "client-request-id",
            req.header("client-request-id").unwrap_or(&req.request_id).to_string(),
        )
        .header("OData-Version", "4.0");
    if r.body.is_empty() || r.status >= 400 {
        r
    } else {
        r.header(
            "Content-Type",
            "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
        )
    }
}

fn split_key(seg: &str) -> (String, Option<String>) {
    match (seg.find('('), seg.ends_with(')')) {
        (Some(i), true) => (seg[..i].to_string(), Some(seg[i + 1..seg.len() - 1].to_string())),
        _ => (seg.to_string(), None),
    }
}

/// `appId='…'` → the GUID.
fn alt_key(key: &str) -> Option<String> {
    let v = key.strip_prefix("appId=")?;
    Some(v.trim_matches('\'').to_string())
}

/// `uniqueName='…'` → the name (a doubled quote is one quote).
fn unique_key(key: &str) -> Option<String> {
    let v = crate::util::percent_decode(key.strip_prefix("uniqueName=")?);
    Some(v.trim_matches('\'').replace("''", "'"))
}

/// Dispatches the path after `/v1.0/` to its operation.
fn route(shared: &Shared, req: &Req, w: &mut World, who: &Who, segs: &[String]) -> R {
    let o = &shared.origin;
    let m = req.method.as_str();
    let Some(first) = segs.first() else {
        return Err(E::SegmentNotFound(String::new()));
    };
    let (name, key) = split_key(first);
    match (m, name.as_str(), segs.len()) {
        ("GET", "me", 1) => match who {
            Who::User(u) => Ok(Resp::json(200, &user_json(o, u))),
            Who::App => Err(E::MeNeedsDelegated),
        },
        // msgraph-sdk (Python) addresses /me as users/me-token-to-replace and relies on a
        // middleware to rewrite it; answer it as /me when that middleware is not installed.
        ("GET", "users", 2) if segs[1] == "me-token-to-replace" => match who {
            Who::User(u) => Ok(Resp::json(200, &user_json(o, u))),
            Who::App => Err(E::MeNeedsDelegated),
        },
        ("GET", "users", 2) => {
            can_read(who)?;
            let k = segs[1].to_ascii_lowercase();
            let u = w
                .users
                .iter()
                .find(|u| u.id.to_string() == k || u.upn == k)
                .ok_or(E::NotFound { id: segs[1].clone() })?;
            Ok(Resp::json(200, &user_json(o, u)))
        }
        ("GET", "me", 2) if segs[1] == "memberOf" || segs[1] == "transitiveMemberOf" => {
            directory::member_of(shared, req, who)
        }
        ("GET", "policies", 2) if segs[1] == "authorizationPolicy" => directory::authorization_policy(shared, w, who),
        ("GET", "organization", 1) => {
            can_read(who)?;
            Ok(Resp::json(
                200,
                &json!({
                    "@odata.context": format!("{o}/v1.0/$metadata#organization"),
                    "value": [{"id": w.tenant_id.to_string(), "displayName": w.tenant_name,
                        "verifiedDomains": [{"capabilities": "None", "isDefault": true, "isInitial": true, "name": w.tenant_domain, "type": "Managed"}]}]
                }),
            ))
        }
        ("GET", "applications", 1) if key.is_none() => applications::list_applications(shared, req, w, who),
        ("POST", "applications", 1) if key.is_none() => applications::create_application(shared, req, w, who),
        ("PATCH", "applications", 1) if key.as_deref().and_then(unique_key).is_some() => {
            let name = key.as_deref().and_then(unique_key).unwrap_or_default();
            upsert::application(shared, req, w, who, &name)
        }
        (_, "applications", _) => {
            let (idx, shown_id) = find_app(w, &key, segs)?;
            let rest = if key.is_some() { &segs[1..] } else { &segs[2..] };
            applications::application_item(shared, req, w, who, idx, &shown_id, rest)
        }
        ("GET", "servicePrincipals", 1) if key.is_none() => {
            service_principals::list_service_principals(shared, req, w, who)
        }
        ("POST", "servicePrincipals", 1) if key.is_none() => {
            service_principals::create_service_principal(shared, req, w, who)
        }
        ("PATCH", "servicePrincipals", 1) if key.as_deref().and_then(alt_key).is_some() => {
            let app_id = key.as_deref().and_then(alt_key).unwrap_or_default();
            upsert::service_principal(shared, req, w, who, &app_id)
        }
        (_, "servicePrincipals", _) => {
            let ident = match &key {
                Some(k) => alt_key(k).ok_or_else(|| E::BadRequest(format!("Invalid key '{k}'.")))?,
                None => segs.get(1).cloned().ok_or(E::SegmentNotFound(name.clone()))?,
            };
            let idx = w
                .sps
                .iter()
                .position(|s| {
                    if key.is_some() {
                        s.app_id.to_string().eq_ignore_ascii_case(&ident)
                    } else {
                        s.id.to_string().eq_ignore_ascii_case(&ident)
                    }
                })
                .ok_or(E::NotFound { id: ident.clone() })?;
            let rest = if key.is_some() { &segs[1..] } else { &segs[2..] };
            match (m, rest.len()) {
                ("GET", 0) => {
                    can_read(who)?;
                    let mut v = sp_json(w, &w.sps[idx]);
                    v["@odata.context"] = json!(format!("{o}/v1.0/$metadata#servicePrincipals/$entity"));
                    Ok(Resp::json(200, &v))
                }
                ("DELETE", 0) => {
                    can_write(w, who)?;
                    w.sps.remove(idx);
                    Ok(Resp::new(204))
                }
                _ if rest.first().map(String::as_str) == Some("owners") => {
                    owners::route_owners(shared, req, w, who, owners::Owned::Sp(idx), rest)
                }
                _ => Err(E::SegmentNotFound(rest.first().cloned().unwrap_or_default())),
            }
        }
        _ => Err(E::SegmentNotFound(name)),
    }
}

/// Resolves `applications/{id}`, `applications(appId='…')` or `applications(uniqueName='…')`;
/// hidden while replicating.
fn find_app(w: &World, key: &Option<String>, segs: &[String]) -> Result<(usize, String), E> {
    if let Some(name) = key.as_deref().and_then(unique_key) {
        upsert::unavailable(w, &format!("uniqueName='{name}'"))?;
        let idx = applications::app_by_unique_name(w, &name).ok_or(E::NotFound { id: name.clone() })?;
        return Ok((idx, name));
    }
    let (ident, by_app_id) = match key {
        Some(k) => (
            alt_key(k).ok_or_else(|| E::BadRequest(format!("Invalid key '{k}'.")))?,
            true,
        ),
        None => (
            segs.get(1).cloned().ok_or(E::SegmentNotFound("applications".into()))?,
            false,
        ),
    };
    let Some(g) = parse_guid(&ident) else {
        return Err(E::BadRequest(format!("Invalid object identifier '{ident}'.")));
    };
    let idx = w
        .apps
        .iter()
        .position(|a| if by_app_id { a.app_id == g } else { a.object_id == g })
        .ok_or(E::NotFound { id: ident.clone() })?;
    Ok((idx, ident))
}
