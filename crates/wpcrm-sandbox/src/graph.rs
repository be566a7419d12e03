//! Microsoft Graph v1.0: applications, passwords, service principals, `/me`, `/organization`.
//!
//! Follows entra-and-graph.md §3: create application (201, `id` = object id, `appId` = client id,
//! `passwordCredentials: []`), alternate key `applications(appId='…')` and
//! `servicePrincipals(appId='…')`, `$filter` on `appId eq`, `displayName eq`,
//! `startswith(displayName,…)` and `tags/any(t:t eq …)` without extra headers (advanced operators
//! `ne`/`not`/`endswith`/`contains` need `ConsistencyLevel: eventual`, else 400
//! Request_UnsupportedQuery), DELETE → 204 (also deletes the app's service principal, as Entra
//! does), addPassword (200, `secretText` once, `hint` = first 3 characters, `keyId`, default end =
//! start + 2 years, 400 CredentialInvalidLifetimeAsPerAppPolicy beyond the tenant maximum),
//! removePassword (204), servicePrincipals (201; 400 Request_BadRequest with details
//! NoBackingApplicationObject while the app is replicating), §3.5 error JSON with innerError, §3.6
//! replication: during the configured delay a new app's GET/PATCH (by id or appId) answer 404
//! Request_ResourceNotFound; §3.7 only users with an app-registering directory role may write
//! (403 Authorization_RequestDenied otherwise). Every request needs a token whose audience is Graph
//! (401 InvalidAuthenticationToken otherwise).
//!
//! Choices where the reference is silent: lists are not affected by the replication delay;
//! creating a second service principal for an app → 409 Request_MultipleObjectsWithSameKeyValue;
//! app-only tokens get 403 Authorization_RequestDenied (no seeded app holds Graph application
//! permissions); removing an unknown keyId → 400 Request_BadRequest.
//!
//! Users: `/me` and `GET /users/{id|upn}` only (msgraph-sdk's `users/me-token-to-replace` placeholder
//! is answered as `/me`).
//! Not emulated: owners, `$expand`, `$orderby`, `$search`, paging (`@odata.nextLink`), delta,
//! federated/key credentials, app roles and consent grants, directory objects other than
//! applications, service principals, the signed-in user and the organization, batching, throttling.

use crate::auth::{verify_bearer, Caller};
use crate::errors::Graph as E;
use crate::http::{Req, Resp};
use crate::odata;
use crate::resources::{GRAPH, GRAPH_APP_ID};
use crate::state::Shared;
use crate::store::{App, Secret, ServicePrincipal, User, World};
use crate::util::{det_uuid, iso, new_uuid, now, parse_guid, parse_iso, random_string};
use serde_json::{json, Map, Value};
use std::time::Instant;

type R = Result<Resp, E>;

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

enum Who {
    User(User),
    App,
}

fn authenticate(shared: &Shared, req: &Req, w: &World) -> Result<Who, E> {
    let caller = match verify_bearer(shared, req) {
        Ok(Some(c)) => c,
        Ok(None) => return Err(E::TokenMissing),
        Err(crate::jwt::TokenError::Expired) => {
            return Err(E::TokenInvalid("Lifetime validation failed, the token is expired."))
        }
        Err(_) => {
            return Err(E::TokenInvalid(
                "IDX14100: JWT is not well formed, there are no dots (.).",
            ))
        }
    };
    let aud = caller.aud();
    if aud != GRAPH && aud != GRAPH_APP_ID {
        return Err(E::TokenInvalid("Invalid audience."));
    }
    who(w, &caller)
}

fn who(w: &World, caller: &Caller) -> Result<Who, E> {
    if caller.is_user() {
        let u = caller.oid().and_then(|o| w.user_by_id(o)).cloned();
        u.map(Who::User).ok_or(E::TokenInvalid(
            "The user of the token does not exist in the directory.",
        ))
    } else {
        Ok(Who::App)
    }
}

fn can_read(who: &Who) -> Result<(), E> {
    match who {
        Who::User(_) => Ok(()),
        Who::App => Err(E::RequestDenied),
    }
}

fn can_write(who: &Who) -> Result<(), E> {
    match who {
        Who::User(u) if u.can_register_apps() => Ok(()),
        _ => Err(E::RequestDenied),
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
        ("GET", "applications", 1) if key.is_none() => list_applications(shared, req, w, who),
        ("POST", "applications", 1) if key.is_none() => create_application(shared, req, w, who),
        (_, "applications", _) => {
            let (idx, shown_id) = find_app(w, &key, segs)?;
            let rest = if key.is_some() { &segs[1..] } else { &segs[2..] };
            application_item(shared, req, w, who, idx, &shown_id, rest)
        }
        ("GET", "servicePrincipals", 1) if key.is_none() => list_sps(shared, req, w, who),
        ("POST", "servicePrincipals", 1) if key.is_none() => create_sp(shared, req, w, who),
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
                    can_write(who)?;
                    w.sps.remove(idx);
                    Ok(Resp::new(204))
                }
                _ => Err(E::SegmentNotFound(rest.first().cloned().unwrap_or_default())),
            }
        }
        _ => Err(E::SegmentNotFound(name)),
    }
}

/// Resolves `applications/{id}` or `applications(appId='…')`; hidden while replicating.
fn find_app(w: &World, key: &Option<String>, segs: &[String]) -> Result<(usize, String), E> {
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

fn user_json(o: &str, u: &User) -> Value {
    json!({
        "@odata.context": format!("{o}/v1.0/$metadata#users/$entity"),
        "businessPhones": [], "displayName": u.display_name, "givenName": null, "jobTitle": null,
        "mail": u.upn, "mobilePhone": null, "officeLocation": null, "preferredLanguage": null,
        "surname": null, "userPrincipalName": u.upn, "id": u.id.to_string(),
    })
}

fn password_json(s: &Secret, with_secret: bool) -> Value {
    json!({
        "customKeyIdentifier": null,
        "displayName": s.display_name,
        "endDateTime": iso(s.end),
        "hint": s.hint,
        "keyId": s.key_id.to_string(),
        "secretText": if with_secret { json!(s.value) } else { Value::Null },
        "startDateTime": iso(s.start),
    })
}

fn app_json(w: &World, a: &App) -> Value {
    let mut v = json!({
        "id": a.object_id.to_string(),
        "deletedDateTime": null,
        "appId": a.app_id.to_string(),
        "applicationTemplateId": null,
        "createdDateTime": iso(a.created_at),
        "description": null,
        "displayName": a.display_name,
        "identifierUris": [],
        "isFallbackPublicClient": a.public_client,
        "publisherDomain": w.tenant_domain,
        "signInAudience": a.sign_in_audience,
        "tags": a.tags,
        "keyCredentials": [],
        "passwordCredentials": a.secrets.iter().map(|s| password_json(s, false)).collect::<Vec<_>>(),
        "requiredResourceAccess": [],
        "publicClient": {"redirectUris": []},
        "web": {"homePageUrl": null, "logoutUrl": null, "redirectUris": [], "implicitGrantSettings": {"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false}},
        "spa": {"redirectUris": []},
    });
    for (k, val) in &a.extra {
        v[k] = val.clone();
    }
    v
}

fn sp_json(w: &World, s: &ServicePrincipal) -> Value {
    json!({
        "id": s.id.to_string(),
        "deletedDateTime": null,
        "accountEnabled": true,
        "appId": s.app_id.to_string(),
        "appDisplayName": s.display_name,
        "appOwnerOrganizationId": w.tenant_id.to_string(),
        "displayName": s.display_name,
        "servicePrincipalNames": [s.app_id.to_string()],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMyOrg",
        "tags": s.tags,
    })
}

fn select(req: &Req, v: Value) -> Value {
    let Some(sel) = req.q("$select") else { return v };
    let keep: Vec<String> = sel.split(',').map(|s| s.trim().to_string()).collect();
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| k == "id" || k.starts_with('@') || keep.contains(k))
                .collect(),
        ),
        other => other,
    }
}

fn filtered(req: &Req, items: Vec<Value>, allowed: &[&str]) -> Result<Vec<Value>, E> {
    let Some(f) = req.q("$filter") else { return Ok(items) };
    let e = odata::parse(&f).map_err(|_| E::UnsupportedQuery(format!("Invalid filter clause: {f}")))?;
    fn advanced(e: &odata::Expr) -> bool {
        match e {
            odata::Expr::Not(_) => true,
            odata::Expr::Cmp { op, .. } => op == "ne",
            odata::Expr::Func { name, .. } => name != "startswith",
            odata::Expr::And(a, b) | odata::Expr::Or(a, b) => advanced(a) || advanced(b),
            odata::Expr::Any { inner, .. } => advanced(inner),
        }
    }
    let eventual = req
        .header("consistencylevel")
        .map(|v| v.eq_ignore_ascii_case("eventual"))
        .unwrap_or(false);
    if advanced(&e) && !eventual {
        return Err(E::UnsupportedQuery("Operator 'ne', 'not', 'endsWith' or 'contains' is not supported without ConsistencyLevel: eventual and $count=true.".into()));
    }
    for p in e.props() {
        if !allowed.contains(&p.as_str()) {
            return Err(E::UnsupportedQuery(format!(
                "Unsupported or invalid query filter clause specified for property '{p}' of resource 'Application'."
            )));
        }
    }
    Ok(items
        .into_iter()
        .filter(|v| e.eval(&|p: &str| v.get(p).cloned().unwrap_or(Value::Null), false))
        .collect())
}

fn collection(req: &Req, ctx: String, items: Vec<Value>) -> Resp {
    let top: Option<usize> = req.q("$top").and_then(|t| t.parse().ok());
    let total = items.len();
    let items: Vec<Value> = items
        .into_iter()
        .take(top.unwrap_or(usize::MAX))
        .map(|v| select(req, v))
        .collect();
    let mut body = json!({"@odata.context": ctx});
    if req.q("$count").as_deref() == Some("true") {
        body["@odata.count"] = json!(total);
    }
    body["value"] = Value::Array(items);
    Resp::json(200, &body)
}

fn list_applications(shared: &Shared, req: &Req, w: &World, who: &Who) -> R {
    can_read(who)?;
    let items: Vec<Value> = w.apps.iter().map(|a| app_json(w, a)).collect();
    let items = filtered(
        req,
        items,
        &[
            "appId",
            "displayName",
            "tags",
            "id",
            "publisherDomain",
            "signInAudience",
            "identifierUris",
        ],
    )?;
    Ok(collection(
        req,
        format!("{}/v1.0/$metadata#applications", shared.origin),
        items,
    ))
}

fn list_sps(shared: &Shared, req: &Req, w: &World, who: &Who) -> R {
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

fn body(req: &Req) -> Result<Map<String, Value>, E> {
    match req.json() {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(E::BadRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.".into())),
    }
}

fn string_list(v: &Value, name: &str) -> Result<Vec<String>, E> {
    v.as_array()
        .and_then(|a| {
            a.iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| {
            E::BadRequest(format!(
                "Invalid value specified for property '{name}' of resource 'Application'."
            ))
        })
}

fn apply_app_props(a: &mut App, b: &Map<String, Value>) -> Result<(), E> {
    for (k, v) in b {
        match k.as_str() {
            "displayName" => {
                a.display_name = v
                    .as_str()
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| {
                        E::BadRequest(
                            "Invalid value specified for property 'displayName' of resource 'Application'.".into(),
                        )
                    })?
                    .to_string()
            }
            "tags" => a.tags = string_list(v, "tags")?,
            "isFallbackPublicClient" => a.public_client = v.as_bool().unwrap_or(false),
            "signInAudience" => a.sign_in_audience = v.as_str().unwrap_or("AzureADMyOrg").to_string(),
            "passwordCredentials" | "id" | "appId" | "createdDateTime" | "publisherDomain" => {}
            k if k.starts_with('@') => {}
            _ => {
                a.extra.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(())
}

fn create_application(shared: &Shared, req: &Req, w: &mut World, who: &Who) -> R {
    can_write(who)?;
    let b = body(req)?;
    if !b.get("displayName").map(|v| v.is_string()).unwrap_or(false) {
        return Err(E::BadRequest(
            "Invalid value specified for property 'displayName' of resource 'Application'.".into(),
        ));
    }
    let mut a = App {
        object_id: new_uuid(),
        app_id: new_uuid(),
        display_name: String::new(),
        tags: vec![],
        secrets: vec![],
        created_at: now(),
        created: Some(Instant::now()),
        blocked: false,
        public_client: false,
        sign_in_audience: "AzureADMyOrg".into(),
        extra: Map::new(),
    };
    apply_app_props(&mut a, &b)?;
    let mut v = app_json(w, &a);
    v["@odata.context"] = json!(format!("{}/v1.0/$metadata#applications/$entity", shared.origin));
    let loc = format!(
        "{}/v2/{}/directoryObjects/{}/Microsoft.DirectoryServices.Application",
        shared.origin, w.tenant_id, a.object_id
    );
    w.apps.push(a);
    Ok(Resp::json(201, &v).header("Location", loc))
}

fn application_item(
    shared: &Shared,
    req: &Req,
    w: &mut World,
    who: &Who,
    idx: usize,
    shown_id: &str,
    rest: &[String],
) -> R {
    let m = req.method.as_str();
    let action = rest
        .first()
        .map(|s| s.trim_start_matches("microsoft.graph.").to_string());
    match (m, action.as_deref(), rest.len()) {
        ("GET", None, 0) => {
            can_read(who)?;
            if w.replicating(w.apps[idx].created) {
                return Err(E::NotFound {
                    id: shown_id.to_string(),
                });
            }
            let mut v = app_json(w, &w.apps[idx]);
            v["@odata.context"] = json!(format!("{}/v1.0/$metadata#applications/$entity", shared.origin));
            Ok(Resp::json(200, &select(req, v)))
        }
        ("PATCH", None, 0) => {
            can_write(who)?;
            if w.replicating(w.apps[idx].created) {
                return Err(E::NotFound {
                    id: shown_id.to_string(),
                });
            }
            let b = body(req)?;
            let mut a = w.apps[idx].clone();
            apply_app_props(&mut a, &b)?;
            if let Some(sp) = w.sps.iter_mut().find(|s| s.app_id == a.app_id) {
                sp.display_name = a.display_name.clone();
            }
            w.apps[idx] = a;
            Ok(Resp::new(204))
        }
        ("DELETE", None, 0) => {
            can_write(who)?;
            let app_id = w.apps[idx].app_id;
            w.apps.remove(idx);
            w.sps.retain(|s| s.app_id != app_id);
            Ok(Resp::new(204))
        }
        ("POST", Some("addPassword"), 1) => {
            can_write(who)?;
            add_password(shared, req, w, idx)
        }
        ("POST", Some("removePassword"), 1) => {
            can_write(who)?;
            let b = body(req)?;
            let key = b
                .get("keyId")
                .and_then(Value::as_str)
                .and_then(parse_guid)
                .ok_or_else(|| E::BadRequest("Invalid value specified for property 'keyId'.".into()))?;
            let a = &mut w.apps[idx];
            let before = a.secrets.len();
            a.secrets.retain(|s| s.key_id != key);
            if a.secrets.len() == before {
                return Err(E::BadRequest(format!(
                    "No password credential found with keyId '{key}'."
                )));
            }
            Ok(Resp::new(204))
        }
        _ => Err(E::SegmentNotFound(rest.first().cloned().unwrap_or_default())),
    }
}

fn add_password(shared: &Shared, req: &Req, w: &mut World, idx: usize) -> R {
    let b = body(req)?;
    let pc = b.get("passwordCredential").cloned().unwrap_or(json!({}));
    let parse = |name: &str| -> Result<Option<time::OffsetDateTime>, E> {
        match pc.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => parse_iso(s).map(Some).ok_or_else(|| {
                E::BadRequest(format!(
                    "Invalid value specified for property '{name}' of resource 'PasswordCredential'."
                ))
            }),
            Some(_) => Err(E::BadRequest(format!(
                "Invalid value specified for property '{name}' of resource 'PasswordCredential'."
            ))),
        }
    };
    let start = parse("startDateTime")?.unwrap_or_else(now);
    let end = match parse("endDateTime")? {
        Some(e) => e,
        None => start
            .replace_year(start.year() + 2)
            .unwrap_or(start + time::Duration::days(730)),
    };
    if end <= start {
        return Err(E::BadRequest("Key credential end date is invalid.".into()));
    }
    if let Some(max) = w.config.secret_max_lifetime_days {
        if end - start > time::Duration::days(max as i64) {
            return Err(E::InvalidLifetime {
                policy: det_uuid("tenant app management policy").to_string(),
                max_days: max,
            });
        }
    }
    let value = format!(
        "{}{}Q~{}",
        random_string(3, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
        random_string(1, b"0123456789"),
        random_string(
            34,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-"
        )
    );
    let s = Secret {
        key_id: new_uuid(),
        hint: value.chars().take(3).collect(),
        value,
        display_name: pc.get("displayName").and_then(Value::as_str).map(str::to_string),
        start,
        end,
        created: Some(Instant::now()),
    };
    let mut v = password_json(&s, true);
    v["@odata.context"] = json!(format!(
        "{}/v1.0/$metadata#microsoft.graph.passwordCredential",
        shared.origin
    ));
    w.apps[idx].secrets.push(s);
    Ok(Resp::json(200, &v))
}

fn create_sp(shared: &Shared, req: &Req, w: &mut World, who: &Who) -> R {
    can_write(who)?;
    let b = body(req)?;
    let app_id_s = b.get("appId").and_then(Value::as_str).unwrap_or("").to_string();
    let app = parse_guid(&app_id_s)
        .and_then(|g| w.app_by_app_id(g))
        .filter(|a| !w.replicating(a.created))
        .cloned()
        .ok_or(E::NoBackingApplicationObject {
            app_id: app_id_s.clone(),
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
    };
    let mut v = sp_json(w, &sp);
    v["@odata.context"] = json!(format!("{}/v1.0/$metadata#servicePrincipals/$entity", shared.origin));
    w.sps.push(sp);
    Ok(Resp::json(201, &v))
}
