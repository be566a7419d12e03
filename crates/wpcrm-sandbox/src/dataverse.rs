//! Dataverse Web API v9.2, one instance per seeded environment at `{sandbox}/{env}/api/data/v9.2/`,
//! and the first seeded environment also at `{sandbox}/api/data/v9.2/` (audience `{sandbox}`).
//!
//! Follows dataverse-web-api.md: §1 envelope (`@odata.context`, `OData-Version: 4.0`,
//! `application/json; odata.metadata=minimal`, `@odata.etag`), paging (`Prefer: odata.maxpagesize`,
//! `Preference-Applied`, `@odata.nextLink` with `$skiptoken` paging cookie; `$top` disables paging),
//! create (204 + `OData-EntityId`, or 201 with `return=representation` and no `OData-EntityId`),
//! associate/disassociate (`$ref`); §2 errors (0x80040220 privilege message in the modern field order
//! with `accessMode='4 Non-interactive'` for application users, 0x80072560, 0x80095ffc, the disabled
//! user message, 0x8006088a, 0x80060888, 0x80040217, 429 0x80072322 with `Retry-After`, the
//! `x-ms-ratelimit-*` headers); §2.4 the 401 challenge (`Bearer authorization_uri={sandbox}/{tid}/
//! oauth2/authorize, resource_id={sandbox}/{env}/`, unquoted, empty body); §3 WhoAmI,
//! RetrieveVersion, RetrieveCurrentOrganization, RetrieveUserPrivileges,
//! RetrieveUserPrivilegeByPrivilegeName, RetrieveRolePrivilegesRole (Depth as names);
//! §4 EntityDefinitions by key (unwrapped `/$entity`) and by `$filter` (Python SDK form), labels,
//! `Privileges` (SecurityPrivilegeMetadata), `startswith` on metadata → 501; §5 application users
//! (`applicationid` + `businessunitid@odata.bind`, one per app, only disabled ones can be deleted),
//! roles per business unit, AddPrivilegesRole/ReplacePrivilegesRole, privileges lookup.
//!
//! Authorization: every request is checked against the caller's roles. Table privileges are
//! `prv{Verb}{SchemaName}` (`prv…User`, `…Role`, `…BusinessUnit` for the system tables); depth Basic =
//! records the caller owns, Local = its business unit, Deep = its business unit and children,
//! Global = all. Collections return only the rows the caller may see (403 only without any read
//! privilege); a keyed read of an invisible row is 403 0x80040220 with the SecLib access-check text.
//! Users signing in with delegated tokens act as their own systemuser (matched by Entra object id).
//!
//! Choices where the reference is silent (marked U): metadata reads need `prvReadEntity` (Basic User holds
//! it); the privilege functions need read access to the target systemuser; `privileges` is readable
//! by every member; creating an application user needs `prvCreateUser` and an existing service
//! principal for the app (else 400 0x80040203); assigning a role needs `prvWriteUser` and a role of
//! the user's business unit; re-associating an assigned role is 412 0x80040237; disabled user → 403
//! 0x80040225; the service-protection budget counts requests per caller per environment.
//!
//! Not emulated: `$metadata` CSDL, `$expand`, `$apply`/FetchXML, batch, upsert, alternate keys of
//! records, formatted-value annotations, option-set contents (attribute metadata is inferred from
//! column names and seeded values; option sets are empty), relationship metadata,
//! teams, field security, impersonation (`CallerObjectId`), change tracking, the concurrency and
//! execution-time limits.

use crate::auth::{verify_bearer, Caller};
use crate::errors::Dv;
use crate::http::{Req, Resp};
use crate::odata::{self, odata_headers};
use crate::state::Shared;
use crate::store::{Depth, Env, Record, Role, SystemUser, TableDef, World};
use crate::util::{iso, new_uuid, now, parse_guid};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

struct Cx<'a> {
    req: &'a Req,
    /// `{origin}/{env}/api/data/v9.2`
    base: String,
    ei: usize,
    caller: Uuid,
}

type R = Result<Resp, Dv>;

pub fn handle(shared: &Shared, req: &Req) -> Resp {
    let segs = req.segments();
    let mut w = shared.world();
    // `{sandbox}/api/data/…` is the origin's own environment (the first seeded one), as
    // `{sandbox}` is a valid instance URL (DESIGN.md, "Sandbox URL layout"); its audience is the
    // bare origin. Every other environment lives under `{sandbox}/{env}/api/data/…`.
    let at_root = segs.first().map(String::as_str) == Some("api");
    let (ei, prefix) = if at_root {
        if w.envs.is_empty() {
            return Resp::html(
                404,
                "<!DOCTYPE html><html><body><h1>404 - Not Found</h1></body></html>".into(),
            );
        }
        (0, String::new())
    } else {
        let env_seg = segs[0].clone();
        match w.envs.iter().position(|e| e.name.eq_ignore_ascii_case(&env_seg)) {
            Some(ei) => (ei, format!("/{}", w.envs[ei].name)),
            None => {
                return Resp::html(404, "<!DOCTYPE html><html><body><h1>404 - Not Found</h1><p>No Dataverse environment here.</p></body></html>".into());
            }
        }
    };
    let env_name = w.envs[ei].name.clone();
    let vi = if at_root { 2 } else { 3 };
    let version = segs.get(vi).cloned().unwrap_or_default();
    if segs.len() <= vi || !matches!(version.as_str(), "v9.0" | "v9.1" | "v9.2") {
        return Dv::SegmentNotFound(version).render(req);
    }
    let resource_id = format!("{}{prefix}", shared.origin);
    let challenge = || {
        Dv::Unauthenticated {
            authorization_uri: format!("{}/{}/oauth2/authorize", shared.origin, w.tenant_id),
            resource_id: format!("{resource_id}/"),
        }
        .render(req)
    };
    let caller = match verify_bearer(shared, req) {
        Ok(Some(c)) => c,
        _ => return challenge(),
    };
    if !caller.aud().trim_end_matches('/').eq_ignore_ascii_case(&resource_id) {
        return challenge();
    }
    let user = match identify(&w, ei, &caller) {
        Ok(u) => u,
        Err(e) => return e.render(req),
    };
    // Service protection (§2.5): a sliding window per caller.
    let budget = w.config.request_budget;
    let window = Duration::from_millis(w.config.request_window_ms.max(1));
    let key = (env_name.clone(), user);
    let q = w.budget.entry(key).or_default();
    let nowi = Instant::now();
    while q.front().map(|t| nowi.duration_since(*t) >= window).unwrap_or(false) {
        q.pop_front();
    }
    if let Some(b) = budget {
        if q.len() as u64 >= b {
            let oldest = *q.front().unwrap_or(&nowi);
            let wait = window.saturating_sub(nowi.duration_since(oldest));
            let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Dv::Throttled {
                retry_after: retry_after.max(1),
                limit: b,
                window_s: window.as_secs().max(1),
            }
            .render(req);
        }
    }
    q.push_back(nowi);
    let used = q.len() as u64;
    let cx = Cx {
        req,
        base: format!("{resource_id}/api/data/{version}"),
        ei,
        caller: user,
    };
    let rest: Vec<String> = segs[vi + 1..].to_vec();
    let resp = match route(&cx, &mut w, &rest) {
        Ok(r) => odata_headers(r, req),
        Err(e) => e.render(req),
    };
    let remaining = budget.unwrap_or(6000).saturating_sub(used);
    resp.header("x-ms-ratelimit-burst-remaining-xrm-requests", remaining.to_string())
        .header("x-ms-ratelimit-time-remaining-xrm-requests", "1,200.00")
}

/// The systemuser a token acts as, or the Dataverse refusal (§2.3).
fn identify(w: &World, ei: usize, caller: &Caller) -> Result<Uuid, Dv> {
    let env = &w.envs[ei];
    let su = if caller.is_user() {
        let oid = caller.oid();
        env.users
            .iter()
            .find(|u| u.application_id.is_none() && u.aad_object_id.is_some() && u.aad_object_id == oid)
    } else {
        let appid = caller.appid();
        if let Some(app) = appid.and_then(|a| w.app_by_app_id(a)) {
            if app.blocked {
                return Err(Dv::AppBlocked {
                    app_id: app.app_id.to_string(),
                });
            }
        }
        env.users
            .iter()
            .find(|u| u.application_id.is_some() && u.application_id == appid)
    };
    let su = su.ok_or(Dv::NotMember)?;
    if su.isdisabled {
        return Err(Dv::Disabled {
            user: su.id.to_string(),
            org: env.organization_id.to_string(),
        });
    }
    Ok(su.id)
}

fn split_key(seg: &str) -> (String, Option<String>) {
    match (seg.find('('), seg.ends_with(')')) {
        (Some(i), true) => (seg[..i].to_string(), Some(seg[i + 1..seg.len() - 1].to_string())),
        _ => (seg.to_string(), None),
    }
}

fn key_guid(key: &Option<String>) -> Option<Uuid> {
    key.as_deref().and_then(|k| parse_guid(k.trim_matches('\'')))
}

fn route(cx: &Cx, w: &mut World, rest: &[String]) -> R {
    let m = cx.req.method.as_str();
    if rest.is_empty() {
        return service_document(cx, w);
    }
    let (name, key) = split_key(&rest[0]);
    match (m, name.as_str(), rest.len()) {
        ("GET", "$metadata", 1) => Err(Dv::NotEmulated("the $metadata CSDL document".into())),
        ("GET", "WhoAmI", 1) => {
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
        ("GET", "RetrieveVersion", 1) => Ok(Resp::json(
            200,
            &json!({
                "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse", cx.base),
                "Version": w.envs[cx.ei].version,
            }),
        )),
        ("GET", "RetrieveCurrentOrganization", 1) => {
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
        ("GET", "RetrieveRolePrivilegesRole", 1) => {
            let env = &w.envs[cx.ei];
            let k = key.clone().unwrap_or_default();
            let id = k
                .strip_prefix("RoleId=")
                .map(str::to_string)
                .map(|v| match v.strip_prefix('@') {
                    Some(alias) => cx.req.q(&format!("@{alias}")).unwrap_or_default(),
                    None => v,
                })
                .and_then(|v| parse_guid(v.trim_matches('\'')))
                .ok_or_else(|| Dv::InvalidArgument("RoleId is missing or not a GUID.".into()))?;
            let depth = require(env, cx.caller, "prvReadRole")?;
            let role = env.roles.iter().find(|r| r.id == id).ok_or(Dv::RecordNotFound {
                entity: "role".into(),
                id: id.to_string(),
            })?;
            if !can_access(env, cx.caller, depth, Uuid::nil(), role.bu) {
                let t = env.table("role").expect("role table");
                return Err(access_denied(
                    env,
                    cx.caller,
                    &t,
                    role.id,
                    Uuid::nil(),
                    role.bu,
                    "ReadAccess",
                ));
            }
            let privileges: Vec<Value> = role
                .privileges
                .iter()
                .filter_map(|(pid, d)| env.privileges.iter().find(|p| p.id == *pid).map(|p| (p, d)))
                .map(|(p, d)| json!({"Depth": d.name(), "PrivilegeId": p.id.to_string(), "BusinessUnitId": role.bu.to_string(), "PrivilegeName": p.name, "RecordFilterId": Value::Null, "RecordFilterUniqueName": Value::Null}))
                .collect();
            Ok(Resp::json(
                200,
                &json!({
                    "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRoleResponse", cx.base),
                    "RolePrivileges": privileges,
                }),
            ))
        }
        ("GET", "EntityDefinitions", 1) => entity_definitions(cx, w, key),
        ("GET", "EntityDefinitions", _) => attribute_definitions(cx, w, key, &rest[1..]),
        ("GET", "privileges", 1) => privileges(cx, w),
        (_, "systemusers", n) if n >= 2 => systemuser_nav(cx, w, key_guid(&key), &rest[1..]),
        (_, "roles", n) if n >= 2 => role_nav(cx, w, key_guid(&key), &rest[1..]),
        (_, set, 1) => {
            let Some(table) = w.envs[cx.ei].table_by_set(set) else {
                return Err(Dv::SegmentNotFound(set.to_string()));
            };
            entity_set(cx, w, table, key)
        }
        _ => Err(Dv::SegmentNotFound(name)),
    }
}

fn service_document(cx: &Cx, w: &World) -> R {
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

// ---------------------------------------------------------------- authorization

fn privilege_count(env: &Env, u: &SystemUser) -> usize {
    let mut ids: Vec<Uuid> = env
        .roles
        .iter()
        .filter(|r| u.roles.contains(&r.id))
        .flat_map(|r| r.privileges.iter().map(|(p, _)| *p))
        .collect();
    ids.sort();
    ids.dedup();
    ids.len()
}

fn deny(env: &Env, u: &SystemUser, privilege_name: &str) -> Dv {
    let p = env.privilege_by_name(privilege_name);
    let (pid, otc, entity, localized) = match p {
        Some(p) => (p.id, p.otc, p.entity.clone(), p.localized_name.clone()),
        None => (Uuid::nil(), 0, String::new(), String::new()),
    };
    let access_mode = if u.access_mode == 4 {
        "4 Non-interactive"
    } else {
        "0 Read-Write"
    };
    Dv::PrivilegeDenied {
        message: format!(
            "Principal user (Id={uid}, type=8, roleCount={rc}, privilegeCount={pc}, accessMode='{access_mode}', AADObjectId='{aad}', MetadataCachePrivilegesCount={mc}, businessUnitId={bu}), is missing {name} privilege (Id={pid}) on OTC={otc} for entity '{entity}' (LocalizedName='{localized}'). context.Caller={uid}",
            uid = u.id,
            rc = u.roles.len(),
            pc = privilege_count(env, u),
            aad = u.aad_object_id.map(|g| g.to_string()).unwrap_or_default(),
            mc = env.privileges.len(),
            bu = u.bu,
            name = p.map(|p| p.name.clone()).unwrap_or_else(|| privilege_name.to_string()),
        ),
    }
}

fn require(env: &Env, caller: Uuid, privilege_name: &str) -> Result<Depth, Dv> {
    let u = env.user(caller).expect("caller exists");
    env.user_depth(u, privilege_name)
        .ok_or_else(|| deny(env, u, privilege_name))
}

fn can_access(env: &Env, caller: Uuid, depth: Depth, owner: Uuid, bu: Uuid) -> bool {
    let u = env.user(caller).expect("caller exists");
    match depth {
        Depth::Global => true,
        Depth::Deep => env.bu_subtree(u.bu).contains(&bu),
        Depth::Local => bu == u.bu,
        Depth::Basic => owner == u.id,
    }
}

fn access_denied(env: &Env, caller: Uuid, table: &TableDef, id: Uuid, owner: Uuid, bu: Uuid, right: &str) -> Dv {
    let _ = env;
    Dv::PrivilegeDenied {
        message: format!(
            "SecLib::AccessCheckEx failed. Returned hr = -2147187962, ObjectID: {id}, OwnerId: {owner},  OwnerIdType: 8 and CallerId: {caller} with ObjectTypeCode: {otc}, ObjectBusinessUnitId: {bu}, AccessRights: {right} ",
            otc = table.otc
        ),
    }
}

// ---------------------------------------------------------------- rows

struct Row {
    id: Uuid,
    owner: Uuid,
    bu: Uuid,
    json: Map<String, Value>,
}

fn systemuser_json(u: &SystemUser) -> Map<String, Value> {
    let v = json!({
        "systemuserid": u.id.to_string(),
        "fullname": u.fullname,
        "domainname": u.domainname,
        "internalemailaddress": if u.application_id.is_some() { Value::Null } else { json!(u.domainname) },
        "applicationid": u.application_id.map(|g| g.to_string()),
        "azureactivedirectoryobjectid": u.aad_object_id.map(|g| g.to_string()),
        "isdisabled": u.isdisabled,
        "accessmode": u.access_mode,
        "_businessunitid_value": u.bu.to_string(),
    });
    v.as_object().cloned().unwrap_or_default()
}

fn role_json(env: &Env, r: &Role) -> Map<String, Value> {
    let root = env.root_bu().id;
    let parent_root = env
        .roles
        .iter()
        .find(|x| x.name == r.name && x.bu == root && x.managed == r.managed)
        .map(|x| x.id)
        .unwrap_or(r.id);
    json!({
        "roleid": r.id.to_string(),
        "name": r.name,
        "_businessunitid_value": r.bu.to_string(),
        "_parentrootroleid_value": parent_root.to_string(),
        "ismanaged": r.managed,
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

fn record_json(t: &TableDef, r: &Record) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("@odata.etag".into(), json!(format!("W/\"{}\"", r.version)));
    for a in &t.attributes {
        m.insert(a.clone(), r.fields.get(a).cloned().unwrap_or(Value::Null));
    }
    m.insert(t.primary_id.clone(), json!(r.id.to_string()));
    m.insert("_ownerid_value".into(), json!(r.owner.to_string()));
    m.insert("_owningbusinessunit_value".into(), json!(r.bu.to_string()));
    m.insert("createdon".into(), json!(iso(r.created)));
    m.insert("modifiedon".into(), json!(iso(r.created)));
    m.insert("versionnumber".into(), json!(r.version));
    m
}

fn rows(env: &Env, t: &TableDef) -> Vec<Row> {
    match t.logical_name.as_str() {
        "systemuser" => env
            .users
            .iter()
            .map(|u| Row {
                id: u.id,
                owner: u.id,
                bu: u.bu,
                json: systemuser_json(u),
            })
            .collect(),
        "role" => env
            .roles
            .iter()
            .map(|r| Row {
                id: r.id,
                owner: Uuid::nil(),
                bu: r.bu,
                json: role_json(env, r),
            })
            .collect(),
        "businessunit" => env
            .bus
            .iter()
            .map(|b| Row {
                id: b.id,
                owner: Uuid::nil(),
                bu: b.id,
                json: json!({"businessunitid": b.id.to_string(), "name": b.name,
                    "_parentbusinessunitid_value": b.parent.map(|p| p.to_string()), "isdisabled": false})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            })
            .collect(),
        _ => env
            .records
            .get(&t.logical_name)
            .map(|rs| {
                rs.iter()
                    .map(|r| Row {
                        id: r.id,
                        owner: r.owner,
                        bu: r.bu,
                        json: record_json(t, r),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Row visibility: businessunit rows are visible at Basic depth to members of that unit.
/// Record `id` of `t` when the caller's `depth` reaches it: 404 when it does not exist, 403 naming
/// `right` when it exists outside the caller's depth (as Dataverse answers a keyed request).
fn reachable_row(env: &Env, caller: Uuid, t: &TableDef, depth: Depth, id: Uuid, right: &str) -> Result<Row, Dv> {
    let row = rows(env, t)
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(Dv::RecordNotFound {
            entity: t.logical_name.clone(),
            id: id.to_string(),
        })?;
    if !visible(env, caller, t, depth, &row) {
        return Err(access_denied(env, caller, t, row.id, row.owner, row.bu, right));
    }
    Ok(row)
}

fn visible(env: &Env, caller: Uuid, t: &TableDef, depth: Depth, row: &Row) -> bool {
    if t.logical_name == "businessunit" && depth == Depth::Basic {
        return env.user(caller).map(|u| u.bu == row.bu).unwrap_or(false);
    }
    can_access(env, caller, depth, row.owner, row.bu)
}

fn known_props(t: &TableDef) -> Vec<String> {
    let mut v = t.attributes.clone();
    v.push(t.primary_id.clone());
    v.push(t.primary_name.clone());
    if !t.system {
        for x in [
            "_ownerid_value",
            "_owningbusinessunit_value",
            "createdon",
            "modifiedon",
            "versionnumber",
        ] {
            v.push(x.to_string());
        }
    }
    v
}

fn check_props<'a>(t: &TableDef, props: impl IntoIterator<Item = &'a str>) -> Result<(), Dv> {
    let known = known_props(t);
    for p in props {
        if !known.iter().any(|k| k == p) {
            return Err(Dv::PropertyNotFound {
                property: p.to_string(),
                entity: t.logical_name.clone(),
            });
        }
    }
    Ok(())
}

fn select_list(req: &Req) -> Option<Vec<String>> {
    req.q("$select").map(|s| {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    })
}

fn project(mut m: Map<String, Value>, select: &Option<Vec<String>>, primary: &str) -> Value {
    if let Some(sel) = select {
        m.retain(|k, _| k == "@odata.etag" || k == primary || sel.iter().any(|s| s == k));
    }
    Value::Object(m)
}

fn prefer(req: &Req) -> Vec<String> {
    req.headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>())
        .collect()
}

fn entity_set(cx: &Cx, w: &mut World, t: Arc<TableDef>, key: Option<String>) -> R {
    let m = cx.req.method.clone();
    match (m.as_str(), &key) {
        ("GET", None) => collection(cx, w, &t),
        ("GET", Some(_)) => {
            let id = key_guid(&key)
                .ok_or_else(|| Dv::InvalidArgument(format!("Invalid key '{}'", key.clone().unwrap_or_default())))?;
            let env = &w.envs[cx.ei];
            let depth = require(env, cx.caller, &t.privilege_name("Read"))?;
            let select = select_list(cx.req);
            if let Some(s) = &select {
                check_props(&t, s.iter().map(String::as_str))?;
            }
            let row = reachable_row(env, cx.caller, &t, depth, id, "ReadAccess")?;
            let mut v = project(row.json, &select, &t.primary_id);
            v["@odata.context"] = json!(format!("{}/$metadata#{}/$entity", cx.base, t.entity_set));
            Ok(Resp::json(200, &v))
        }
        ("POST", None) => create(cx, w, &t),
        ("PATCH", Some(_)) => update(cx, w, &t, key_guid(&key)),
        ("DELETE", Some(_)) => delete(cx, w, &t, key_guid(&key)),
        _ => Err(Dv::MethodNotAllowed),
    }
}

fn collection(cx: &Cx, w: &World, t: &TableDef) -> R {
    let env = &w.envs[cx.ei];
    let req = cx.req;
    let depth = require(env, cx.caller, &t.privilege_name("Read"))?;
    if req.q("$expand").is_some() {
        return Err(Dv::NotEmulated("$expand".into()));
    }
    let select = select_list(req);
    if let Some(s) = &select {
        check_props(t, s.iter().map(String::as_str))?;
    }
    let filter = match req.q("$filter") {
        Some(f) => {
            let e = odata::parse(&f).map_err(Dv::QuerySyntax)?;
            check_props(t, e.props().iter().map(String::as_str))?;
            Some(e)
        }
        None => None,
    };
    let mut all: Vec<Row> = rows(env, t)
        .into_iter()
        .filter(|r| visible(env, cx.caller, t, depth, r))
        .filter(|r| {
            filter
                .as_ref()
                .map(|f| {
                    let j = &r.json;
                    f.eval(&|p: &str| j.get(p).cloned().unwrap_or(Value::Null), false)
                })
                .unwrap_or(true)
        })
        .collect();
    if let Some(ob) = req.q("$orderby") {
        let mut parts = ob.split_whitespace();
        let prop = parts.next().unwrap_or("").to_string();
        check_props(t, [prop.as_str()])?;
        let desc = parts.next().map(|d| d.eq_ignore_ascii_case("desc")).unwrap_or(false);
        all.sort_by(|a, b| {
            let (x, y) = (
                a.json.get(&prop).cloned().unwrap_or(Value::Null),
                b.json.get(&prop).cloned().unwrap_or(Value::Null),
            );
            let o = match (&x, &y) {
                (Value::Number(x), Value::Number(y)) => {
                    x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(std::cmp::Ordering::Equal)
                }
                _ => x.to_string().to_lowercase().cmp(&y.to_string().to_lowercase()),
            };
            if desc {
                o.reverse()
            } else {
                o
            }
        });
    }
    let total = all.len();
    let top: Option<usize> = req.q("$top").and_then(|s| s.parse().ok());
    let prefs = prefer(req);
    let maxpagesize: Option<usize> = prefs
        .iter()
        .find_map(|p| p.strip_prefix("odata.maxpagesize="))
        .and_then(|n| n.trim_matches('"').parse().ok())
        .filter(|n: &usize| *n > 0);
    let mut applied = Vec::new();
    let mut next_link = None;
    let page: Vec<Row> = if let Some(top) = top {
        all.into_iter().take(top.min(5000)).collect()
    } else {
        let size = maxpagesize.unwrap_or(5000).min(5000);
        if let Some(n) = maxpagesize {
            applied.push(format!("odata.maxpagesize={n}"));
        }
        let pagenumber: usize = req
            .q("$skiptoken")
            .and_then(|s| {
                let i = s.find("pagenumber=\"")? + "pagenumber=\"".len();
                s[i..].split('"').next()?.parse().ok()
            })
            .unwrap_or(1)
            .max(1);
        let start = (pagenumber - 1) * size;
        if start + size < total {
            let cookie = format!(
                "<cookie pagenumber=\"{}\" pagingcookie=\"\" istracking=\"False\" />",
                pagenumber + 1
            );
            let mut q: Vec<String> = req
                .query_pairs()
                .into_iter()
                .filter(|(k, _)| k != "$skiptoken")
                .map(|(k, v)| format!("{}={}", enc(&k), enc(&v)))
                .collect();
            q.push(format!("$skiptoken={}", enc(&cookie)));
            next_link = Some(format!("{}/{}?{}", cx.base, t.entity_set, q.join("&")));
        }
        all.into_iter().skip(start).take(size).collect()
    };
    if prefs.iter().any(|p| p.starts_with("odata.include-annotations")) {
        applied.push("odata.include-annotations=\"*\"".into());
    }
    let ctx = match &select {
        Some(s) => format!("{}/$metadata#{}({})", cx.base, t.entity_set, s.join(",")),
        None => format!("{}/$metadata#{}", cx.base, t.entity_set),
    };
    let mut body = json!({"@odata.context": ctx});
    if req.q("$count").as_deref() == Some("true") {
        body["@odata.count"] = json!(total);
    }
    body["value"] = Value::Array(
        page.into_iter()
            .map(|r| project(r.json, &select, &t.primary_id))
            .collect(),
    );
    if let Some(l) = next_link {
        body["@odata.nextLink"] = json!(l);
    }
    let mut r = Resp::json(200, &body);
    if !applied.is_empty() {
        r = r.header("Preference-Applied", applied.join(","));
    }
    Ok(r)
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
        .replace("%24", "$")
}

fn body_object(req: &Req) -> Result<Map<String, Value>, Dv> {
    match req.json() {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(Dv::BadPayload("Error identified in Payload provided by the user for Entity :'', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ----> InnerException : Microsoft.OData.ODataException: The request body is not a valid JSON object.".into())),
    }
}

/// `/businessunits(<guid>)` or an absolute URL ending in it.
fn bind_guid(v: &Value, set: &str) -> Option<Uuid> {
    let s = v.as_str()?;
    let i = s.rfind(&format!("{set}("))?;
    let rest = &s[i + set.len() + 1..];
    parse_guid(rest.split(')').next()?)
}

fn created_response(cx: &Cx, t: &TableDef, id: Uuid, json_row: Map<String, Value>) -> Resp {
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

fn create(cx: &Cx, w: &mut World, t: &TableDef) -> R {
    let body = body_object(cx.req)?;
    match t.logical_name.as_str() {
        "systemuser" => return create_systemuser(cx, w, t, body),
        "role" => return create_role(cx, w, t, body),
        "businessunit" => return Err(Dv::NotEmulated("creating business units".into())),
        _ => {}
    }
    let env = &w.envs[cx.ei];
    require(env, cx.caller, &t.privilege_name("Create"))?;
    let mut fields = Map::new();
    let mut id = new_uuid();
    for (k, v) in body {
        if k.contains("@odata.bind") {
            continue;
        }
        if k == t.primary_id {
            id = v
                .as_str()
                .and_then(parse_guid)
                .ok_or_else(|| Dv::InvalidArgument(format!("Invalid {k}")))?;
            continue;
        }
        check_props(t, [k.as_str()])?;
        fields.insert(k, v);
    }
    let u = env.user(cx.caller).expect("caller");
    let rec = Record {
        id,
        owner: u.id,
        bu: u.bu,
        fields,
        version: 5000 + rand_small(),
        created: now(),
    };
    let row = record_json(t, &rec);
    let env = &mut w.envs[cx.ei];
    let list = env.records.entry(t.logical_name.clone()).or_default();
    if list.iter().any(|r| r.id == id) {
        return Err(Dv::Duplicate(
            "A record with matching key values already exists.".into(),
        ));
    }
    list.push(rec);
    Ok(created_response(cx, t, id, row))
}

fn rand_small() -> u64 {
    crate::util::random_bytes(2)
        .iter()
        .fold(0u64, |a, b| a * 256 + *b as u64)
}

fn update(cx: &Cx, w: &mut World, t: &TableDef, id: Option<Uuid>) -> R {
    let id = id.ok_or_else(|| Dv::InvalidArgument("Invalid key".into()))?;
    let body = body_object(cx.req)?;
    let env = &w.envs[cx.ei];
    let depth = require(env, cx.caller, &t.privilege_name("Write"))?;
    reachable_row(env, cx.caller, t, depth, id, "WriteAccess")?;
    for k in body.keys().filter(|k| !k.contains("@odata")) {
        check_props(t, [k.as_str()])?;
    }
    let env = &mut w.envs[cx.ei];
    match t.logical_name.as_str() {
        "systemuser" => {
            let u = env.users.iter_mut().find(|u| u.id == id).expect("row exists");
            if let Some(d) = body.get("isdisabled").and_then(Value::as_bool) {
                u.isdisabled = d;
            }
            if let Some(n) = body.get("fullname").and_then(Value::as_str) {
                u.fullname = n.to_string();
            }
        }
        "role" => {
            let r = env.roles.iter_mut().find(|r| r.id == id).expect("row exists");
            if let Some(n) = body.get("name").and_then(Value::as_str) {
                r.name = n.to_string();
            }
        }
        "businessunit" => {
            let b = env.bus.iter_mut().find(|b| b.id == id).expect("row exists");
            if let Some(n) = body.get("name").and_then(Value::as_str) {
                b.name = n.to_string();
            }
        }
        _ => {
            let r = env
                .records
                .get_mut(&t.logical_name)
                .and_then(|l| l.iter_mut().find(|r| r.id == id))
                .expect("row exists");
            for (k, v) in body {
                if !k.contains("@odata") {
                    r.fields.insert(k, v);
                }
            }
            r.version += 1;
        }
    }
    Ok(Resp::new(204).header("OData-EntityId", format!("{}/{}({id})", cx.base, t.entity_set)))
}

fn delete(cx: &Cx, w: &mut World, t: &TableDef, id: Option<Uuid>) -> R {
    let id = id.ok_or_else(|| Dv::InvalidArgument("Invalid key".into()))?;
    let env = &w.envs[cx.ei];
    let depth = require(env, cx.caller, &t.privilege_name("Delete"))?;
    reachable_row(env, cx.caller, t, depth, id, "DeleteAccess")?;
    let env = &mut w.envs[cx.ei];
    match t.logical_name.as_str() {
        "systemuser" => {
            let u = env.user(id).expect("row exists");
            if !u.isdisabled {
                return Err(Dv::InvalidArgument(format!(
                    "The user with SystemUserId={id} is enabled. Only disabled (inactive) application users can be deleted; set isdisabled to true first."
                )));
            }
            if u.application_id.is_none() {
                return Err(Dv::NotEmulated("deleting interactive users".into()));
            }
            env.users.retain(|u| u.id != id);
        }
        "role" => {
            let r = env.roles.iter().find(|r| r.id == id).expect("row exists");
            if r.managed {
                return Err(Dv::InvalidArgument(
                    "System-defined (managed) security roles cannot be deleted.".into(),
                ));
            }
            env.roles.retain(|r| r.id != id);
            for u in env.users.iter_mut() {
                u.roles.retain(|r| *r != id);
            }
        }
        "businessunit" => return Err(Dv::NotEmulated("deleting business units".into())),
        _ => {
            if let Some(l) = env.records.get_mut(&t.logical_name) {
                l.retain(|r| r.id != id);
            }
        }
    }
    Ok(Resp::new(204))
}

fn create_systemuser(cx: &Cx, w: &mut World, t: &TableDef, body: Map<String, Value>) -> R {
    let env = &w.envs[cx.ei];
    require(env, cx.caller, "prvCreateUser")?;
    for k in body.keys().filter(|k| !k.contains("@odata")) {
        if ![
            "applicationid",
            "isdisabled",
            "accessmode",
            "fullname",
            "domainname",
            "azureactivedirectoryobjectid",
            "firstname",
            "lastname",
            "internalemailaddress",
        ]
        .contains(&k.as_str())
        {
            return Err(Dv::PropertyNotFound {
                property: k.clone(),
                entity: "systemuser".into(),
            });
        }
    }
    let app_id = body
        .get("applicationid")
        .and_then(Value::as_str)
        .and_then(parse_guid)
        .ok_or_else(|| {
            Dv::NotEmulated("creating interactive users (send applicationid to create an application user)".into())
        })?;
    if env.users.iter().any(|u| u.application_id == Some(app_id)) {
        return Err(Dv::Duplicate(format!(
            "A record with matching key values already exists. An application user for application id {app_id} already exists in this environment."
        )));
    }
    let sp = w.sps.iter().find(|s| s.app_id == app_id).cloned();
    let app_name = w.app_by_app_id(app_id).map(|a| a.display_name.clone());
    let (Some(sp), Some(app_name)) = (sp, app_name) else {
        return Err(Dv::InvalidArgument(format!(
            "Application with id '{app_id}' was not found in tenant '{}'. Create the application's service principal (enterprise application) before adding it as an application user.",
            w.tenant_id
        )));
    };
    let bu = match body.get("businessunitid@odata.bind") {
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
    };
    let id = new_uuid();
    let su = SystemUser {
        id,
        fullname: format!("# {app_name}"),
        domainname: format!("{app_id}@{}", w.tenant_domain),
        application_id: Some(app_id),
        aad_object_id: Some(sp.id),
        isdisabled: body.get("isdisabled").and_then(Value::as_bool).unwrap_or(false),
        bu,
        roles: vec![],
        access_mode: 4,
    };
    let row = systemuser_json(&su);
    w.envs[cx.ei].users.push(su);
    Ok(created_response(cx, t, id, row))
}

fn create_role(cx: &Cx, w: &mut World, t: &TableDef, body: Map<String, Value>) -> R {
    let env = &w.envs[cx.ei];
    require(env, cx.caller, "prvCreateRole")?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Dv::InvalidArgument("Attribute 'name' cannot be NULL".into()))?
        .to_string();
    let bu = match body.get("businessunitid@odata.bind") {
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
    };
    let role = Role {
        id: new_uuid(),
        name,
        bu,
        privileges: vec![],
        managed: false,
    };
    let id = role.id;
    let row = role_json(env, &role);
    w.envs[cx.ei].roles.push(role);
    Ok(created_response(cx, t, id, row))
}

// ---------------------------------------------------------------- navigation and functions

fn systemuser_nav(cx: &Cx, w: &mut World, id: Option<Uuid>, rest: &[String]) -> R {
    let id = id.ok_or_else(|| Dv::InvalidArgument("Invalid systemuser key".into()))?;
    let env = &w.envs[cx.ei];
    let t = env.table("systemuser").expect("systemuser table");
    let target = env.user(id).cloned().ok_or(Dv::RecordNotFound {
        entity: "systemuser".into(),
        id: id.to_string(),
    })?;
    let (name, key) = split_key(&rest[0]);
    let m = cx.req.method.as_str();
    let read_target = || -> Result<(), Dv> {
        let depth = require(env, cx.caller, "prvReadUser")?;
        if !can_access(env, cx.caller, depth, target.id, target.bu) {
            return Err(access_denied(
                env,
                cx.caller,
                &t,
                target.id,
                target.id,
                target.bu,
                "ReadAccess",
            ));
        }
        Ok(())
    };
    match (m, name.as_str(), rest.len()) {
        ("GET", "Microsoft.Dynamics.CRM.RetrieveUserPrivileges", 1) | ("GET", "RetrieveUserPrivileges", 1) => {
            read_target()?;
            Ok(Resp::json(
                200,
                &json!({
                    "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.RetrieveUserPrivilegesResponse", cx.base),
                    "RolePrivileges": role_privileges(env, &target, None),
                }),
            ))
        }
        ("GET", "Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName", 1) => {
            read_target()?;
            let mut pname = key.clone().unwrap_or_default();
            if let Some(v) = pname.strip_prefix("PrivilegeName=") {
                pname = v.to_string();
            }
            if let Some(alias) = pname.strip_prefix('@') {
                pname = cx.req.q(&format!("@{alias}")).unwrap_or_default();
            }
            let pname = pname.trim_matches('\'').to_string();
            Ok(Resp::json(
                200,
                &json!({
                    "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeNameResponse", cx.base),
                    "RolePrivileges": role_privileges(env, &target, Some(&pname)),
                }),
            ))
        }
        ("GET", "systemuserroles_association", 1) => {
            read_target()?;
            require(env, cx.caller, "prvReadRole")?;
            let select = select_list(cx.req);
            let value: Vec<Value> = env
                .roles
                .iter()
                .filter(|r| target.roles.contains(&r.id))
                .map(|r| project(role_json(env, r), &select, "roleid"))
                .collect();
            Ok(Resp::json(
                200,
                &json!({"@odata.context": format!("{}/$metadata#roles", cx.base), "value": value}),
            ))
        }
        ("POST", "systemuserroles_association", 2) if rest[1] == "$ref" => {
            let depth = require(env, cx.caller, "prvWriteUser")?;
            if !can_access(env, cx.caller, depth, target.id, target.bu) {
                return Err(access_denied(
                    env,
                    cx.caller,
                    &t,
                    target.id,
                    target.id,
                    target.bu,
                    "WriteAccess",
                ));
            }
            let body = body_object(cx.req)?;
            let role_id = body
                .get("@odata.id")
                .and_then(|v| bind_guid(v, "roles"))
                .ok_or_else(|| Dv::InvalidArgument("The @odata.id of the role is missing or invalid.".into()))?;
            let role = env.roles.iter().find(|r| r.id == role_id).ok_or(Dv::RecordNotFound {
                entity: "role".into(),
                id: role_id.to_string(),
            })?;
            if role.bu != target.bu {
                return Err(Dv::InvalidArgument(format!(
                    "The role {role_id} belongs to business unit {} but the user belongs to business unit {}. Assign the copy of the role in the user's business unit.",
                    role.bu, target.bu
                )));
            }
            if target.roles.contains(&role_id) {
                return Err(Dv::Duplicate(
                    "Cannot insert duplicate key. A record with matching key values already exists.".into(),
                ));
            }
            let env = &mut w.envs[cx.ei];
            env.users
                .iter_mut()
                .find(|u| u.id == id)
                .expect("target")
                .roles
                .push(role_id);
            Ok(Resp::new(204))
        }
        ("DELETE", "systemuserroles_association", _) => {
            let depth = require(env, cx.caller, "prvWriteUser")?;
            if !can_access(env, cx.caller, depth, target.id, target.bu) {
                return Err(access_denied(
                    env,
                    cx.caller,
                    &t,
                    target.id,
                    target.id,
                    target.bu,
                    "WriteAccess",
                ));
            }
            let role_id = key_guid(&key)
                .or_else(|| cx.req.q("$id").and_then(|v| bind_guid(&json!(v), "roles")))
                .ok_or_else(|| Dv::InvalidArgument("Specify the role to disassociate.".into()))?;
            let env = &mut w.envs[cx.ei];
            env.users
                .iter_mut()
                .find(|u| u.id == id)
                .expect("target")
                .roles
                .retain(|r| *r != role_id);
            Ok(Resp::new(204))
        }
        _ => Err(Dv::SegmentNotFound(name)),
    }
}

fn role_privileges(env: &Env, u: &SystemUser, only: Option<&str>) -> Vec<Value> {
    let mut out = Vec::new();
    for r in env.roles.iter().filter(|r| u.roles.contains(&r.id)) {
        for (pid, depth) in &r.privileges {
            let Some(p) = env.privileges.iter().find(|p| p.id == *pid) else {
                continue;
            };
            if let Some(n) = only {
                if !p.name.eq_ignore_ascii_case(n) {
                    continue;
                }
            }
            out.push(json!({"Depth": depth.name(), "PrivilegeId": p.id.to_string(), "BusinessUnitId": r.bu.to_string(), "PrivilegeName": p.name, "RecordFilterId": Value::Null, "RecordFilterUniqueName": Value::Null}));
        }
    }
    out
}

fn role_nav(cx: &Cx, w: &mut World, id: Option<Uuid>, rest: &[String]) -> R {
    let id = id.ok_or_else(|| Dv::InvalidArgument("Invalid role key".into()))?;
    let env = &w.envs[cx.ei];
    let t = env.table("role").expect("role table");
    let role = env
        .roles
        .iter()
        .find(|r| r.id == id)
        .cloned()
        .ok_or(Dv::RecordNotFound {
            entity: "role".into(),
            id: id.to_string(),
        })?;
    let m = cx.req.method.as_str();
    match (m, rest[0].as_str()) {
        ("POST", "Microsoft.Dynamics.CRM.AddPrivilegesRole")
        | ("POST", "Microsoft.Dynamics.CRM.ReplacePrivilegesRole") => {
            let depth = require(env, cx.caller, "prvWriteRole")?;
            if !can_access(env, cx.caller, depth, Uuid::nil(), role.bu) {
                return Err(access_denied(
                    env,
                    cx.caller,
                    &t,
                    role.id,
                    Uuid::nil(),
                    role.bu,
                    "WriteAccess",
                ));
            }
            let body = body_object(cx.req)?;
            let list = body
                .get("Privileges")
                .and_then(Value::as_array)
                .ok_or_else(|| Dv::InvalidArgument("The parameter 'Privileges' is missing.".into()))?;
            let mut parsed = Vec::new();
            for p in list {
                let pid = p["PrivilegeId"]
                    .as_str()
                    .and_then(parse_guid)
                    .ok_or_else(|| Dv::InvalidArgument("PrivilegeId is missing or not a GUID.".into()))?;
                if !env.privileges.iter().any(|x| x.id == pid) {
                    return Err(Dv::RecordNotFound {
                        entity: "privilege".into(),
                        id: pid.to_string(),
                    });
                }
                let depth = match &p["Depth"] {
                    Value::String(s) => Depth::parse(s),
                    Value::Number(n) => n.as_u64().and_then(|n| Depth::parse(&n.to_string())),
                    _ => None,
                }
                .ok_or_else(|| Dv::InvalidArgument(format!("Invalid Depth '{}'.", p["Depth"])))?;
                parsed.push((pid, depth));
            }
            let replace = rest[0].ends_with("ReplacePrivilegesRole");
            let env = &mut w.envs[cx.ei];
            let r = env.roles.iter_mut().find(|r| r.id == id).expect("role");
            if replace {
                r.privileges.clear();
            }
            for (pid, d) in parsed {
                r.privileges.retain(|(x, _)| *x != pid);
                r.privileges.push((pid, d));
            }
            Ok(Resp::new(204))
        }
        ("GET", "roleprivileges_association") => {
            let depth = require(env, cx.caller, "prvReadRole")?;
            if !can_access(env, cx.caller, depth, Uuid::nil(), role.bu) {
                return Err(access_denied(
                    env,
                    cx.caller,
                    &t,
                    role.id,
                    Uuid::nil(),
                    role.bu,
                    "ReadAccess",
                ));
            }
            let value: Vec<Value> = role
                .privileges
                .iter()
                .filter_map(|(pid, _)| env.privileges.iter().find(|p| p.id == *pid))
                .map(|p| json!({"privilegeid": p.id.to_string(), "name": p.name}))
                .collect();
            Ok(Resp::json(
                200,
                &json!({"@odata.context": format!("{}/$metadata#privileges", cx.base), "value": value}),
            ))
        }
        _ => Err(Dv::SegmentNotFound(rest[0].clone())),
    }
}

fn privileges(cx: &Cx, w: &World) -> R {
    let env = &w.envs[cx.ei];
    let known = [
        "privilegeid",
        "name",
        "accessright",
        "canbebasic",
        "canbelocal",
        "canbedeep",
        "canbeglobal",
    ];
    let select = select_list(cx.req);
    for p in select.iter().flatten() {
        if !known.contains(&p.as_str()) {
            return Err(Dv::PropertyNotFound {
                property: p.clone(),
                entity: "privilege".into(),
            });
        }
    }
    let filter = match cx.req.q("$filter") {
        Some(f) => {
            let e = odata::parse(&f).map_err(Dv::QuerySyntax)?;
            for p in e.props() {
                if !known.contains(&p.as_str()) {
                    return Err(Dv::PropertyNotFound {
                        property: p,
                        entity: "privilege".into(),
                    });
                }
            }
            Some(e)
        }
        None => None,
    };
    let value: Vec<Value> = env
        .privileges
        .iter()
        .map(|p| {
            let right = match p.verb {
                Some("Read") => 1,
                Some("Write") => 2,
                Some("Append") => 4,
                Some("AppendTo") => 16,
                Some("Create") => 32,
                Some("Delete") => 65536,
                Some("Share") => 262144,
                Some("Assign") => 524288,
                _ => 0,
            };
            json!({"privilegeid": p.id.to_string(), "name": p.name, "accessright": right,
                "canbebasic": true, "canbelocal": true, "canbedeep": true, "canbeglobal": true})
        })
        .filter(|v| {
            filter
                .as_ref()
                .map(|f| f.eval(&|k: &str| v.get(k).cloned().unwrap_or(Value::Null), false))
                .unwrap_or(true)
        })
        .map(|v| project(v.as_object().cloned().unwrap_or_default(), &select, "privilegeid"))
        .collect();
    let ctx = match &select {
        Some(s) => format!("{}/$metadata#privileges({})", cx.base, s.join(",")),
        None => format!("{}/$metadata#privileges", cx.base),
    };
    Ok(Resp::json(200, &json!({"@odata.context": ctx, "value": value})))
}

// ---------------------------------------------------------------- metadata

const METADATA_PROPS: [&str; 17] = [
    "MetadataId",
    "LogicalName",
    "SchemaName",
    "EntitySetName",
    "LogicalCollectionName",
    "PrimaryIdAttribute",
    "PrimaryNameAttribute",
    "ObjectTypeCode",
    "IsCustomEntity",
    "OwnershipType",
    "DisplayName",
    "DisplayCollectionName",
    "Description",
    "IsActivity",
    "IsValidForAdvancedFind",
    "Privileges",
    "CollectionSchemaName",
];

fn label(text: &str, id_seed: &str) -> Value {
    let l = json!({"Label": text, "LanguageCode": 1033, "IsManaged": true, "MetadataId": crate::util::det_uuid(id_seed).to_string(), "HasChanged": Value::Null});
    json!({"LocalizedLabels": [l.clone()], "UserLocalizedLabel": l})
}

fn entity_metadata(env: &Env, t: &TableDef) -> Map<String, Value> {
    let privileges: Vec<Value> = crate::store::VERBS
        .iter()
        .filter_map(|verb| env.privilege_by_name(&t.privilege_name(verb)).map(|p| (verb, p)))
        .map(|(verb, p)| {
            json!({"CanBeBasic": true, "CanBeLocal": true, "CanBeDeep": true, "CanBeGlobal": true,
                "CanBeEntityReference": false, "CanBeParentEntityReference": false, "CanBeRecordFilter": false,
                "Name": p.name, "PrivilegeId": p.id.to_string(), "PrivilegeType": verb})
        })
        .collect();
    let ownership = if t.system { "BusinessOwned" } else { "UserOwned" };
    json!({
        "MetadataId": t.metadata_id.to_string(),
        "LogicalName": t.logical_name,
        "SchemaName": t.schema_name,
        "EntitySetName": t.entity_set,
        "LogicalCollectionName": t.entity_set,
        "CollectionSchemaName": format!("{}s", t.schema_name),
        "PrimaryIdAttribute": t.primary_id,
        "PrimaryNameAttribute": t.primary_name,
        "ObjectTypeCode": t.otc,
        "IsCustomEntity": t.is_custom,
        "OwnershipType": ownership,
        "DisplayName": label(&t.display_name, &format!("label/{}/display", t.logical_name)),
        "DisplayCollectionName": label(&t.display_collection_name, &format!("label/{}/collection", t.logical_name)),
        "Description": label("", &format!("label/{}/description", t.logical_name)),
        "IsActivity": false,
        "IsValidForAdvancedFind": true,
        "Privileges": privileges,
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

fn entity_definitions(cx: &Cx, w: &World, key: Option<String>) -> R {
    let env = &w.envs[cx.ei];
    require(env, cx.caller, "prvReadEntity")?;
    let select = select_list(cx.req);
    for p in select.iter().flatten() {
        if !METADATA_PROPS.contains(&p.as_str()) {
            return Err(Dv::PropertyNotFound {
                property: p.clone(),
                entity: "EntityMetadata".into(),
            });
        }
    }
    let ctx_sel = select
        .as_ref()
        .map(|s| format!("({})", s.join(",")))
        .unwrap_or_default();
    if let Some(k) = key {
        let t = if let Some(g) = parse_guid(&k) {
            env.tables.iter().find(|t| t.metadata_id == g).cloned()
        } else {
            let name = k
                .strip_prefix("LogicalName=")
                .unwrap_or(&k)
                .trim_matches('\'')
                .to_string();
            let found = env.table(&name.to_ascii_lowercase());
            if found.is_none() {
                return Err(Dv::EntityMetadataNotFound { name });
            }
            found
        };
        let t = t.ok_or(Dv::EntityMetadataNotFound { name: k.clone() })?;
        let mut v = project(entity_metadata(env, &t), &select, "MetadataId");
        v["@odata.context"] = json!(format!("{}/$metadata#EntityDefinitions{ctx_sel}/$entity", cx.base));
        return Ok(Resp::json(200, &v));
    }
    let filter = match cx.req.q("$filter") {
        Some(f) => {
            let e = odata::parse(&f).map_err(Dv::QuerySyntax)?;
            fn has_func(e: &odata::Expr) -> Option<String> {
                match e {
                    odata::Expr::Func { name, .. } => Some(name.clone()),
                    odata::Expr::And(a, b) | odata::Expr::Or(a, b) => has_func(a).or_else(|| has_func(b)),
                    odata::Expr::Not(a) => has_func(a),
                    _ => None,
                }
            }
            if let Some(f) = has_func(&e) {
                return Err(Dv::MetadataFunction(f));
            }
            for p in e.props() {
                if !METADATA_PROPS.contains(&p.as_str()) {
                    return Err(Dv::PropertyNotFound {
                        property: p,
                        entity: "EntityMetadata".into(),
                    });
                }
            }
            Some(e)
        }
        None => None,
    };
    let value: Vec<Value> = env
        .tables
        .iter()
        .map(|t| entity_metadata(env, t))
        .filter(|m| {
            filter
                .as_ref()
                .map(|f| f.eval(&|k: &str| m.get(k).cloned().unwrap_or(Value::Null), false))
                .unwrap_or(true)
        })
        .map(|m| project(m, &select, "MetadataId"))
        .collect();
    Ok(Resp::json(
        200,
        &json!({"@odata.context": format!("{}/$metadata#EntityDefinitions{ctx_sel}", cx.base), "value": value}),
    ))
}

/// The attribute type of a column, inferred from its name and the seeded values.
fn attribute_type(env: &Env, t: &TableDef, a: &str) -> &'static str {
    if a == t.primary_id {
        return "Uniqueidentifier";
    }
    if a.starts_with('_') && a.ends_with("_value") {
        return "Lookup";
    }
    match a {
        "statecode" => return "State",
        "statuscode" => return "Status",
        "prioritycode" | "accessmode" => return "Picklist",
        "createdon" | "modifiedon" => return "DateTime",
        "versionnumber" => return "BigInt",
        _ => {}
    }
    let sample = env.records.get(&t.logical_name).and_then(|rs| {
        rs.iter()
            .find_map(|r| r.fields.get(a).filter(|v| !v.is_null()).cloned())
    });
    match sample {
        Some(Value::Bool(_)) => "Boolean",
        Some(Value::Number(n)) if n.is_i64() => "Integer",
        Some(Value::Number(_)) => "Decimal",
        _ if a == "isdisabled" || a == "ismanaged" => "Boolean",
        _ => "String",
    }
}

/// `EntityDefinitions(…)/Attributes`, `…/Attributes(LogicalName='x')` and the typed casts
/// (`…/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`). Option sets are empty.
fn attribute_definitions(cx: &Cx, w: &World, key: Option<String>, rest: &[String]) -> R {
    let env = &w.envs[cx.ei];
    require(env, cx.caller, "prvReadEntity")?;
    let k = key.unwrap_or_default();
    let name = k
        .strip_prefix("LogicalName=")
        .unwrap_or(&k)
        .trim_matches('\'')
        .to_string();
    let t = match parse_guid(&name) {
        Some(g) => env.tables.iter().find(|t| t.metadata_id == g).cloned(),
        None => env.table(&name.to_ascii_lowercase()),
    }
    .ok_or(Dv::EntityMetadataNotFound { name: name.clone() })?;
    let (seg, akey) = split_key(&rest[0]);
    if seg != "Attributes" {
        return Err(Dv::SegmentNotFound(seg));
    }
    let cast = rest.get(1).map(|c| {
        c.trim_start_matches("Microsoft.Dynamics.CRM.")
            .trim_end_matches("AttributeMetadata")
            .to_string()
    });
    let mut names = known_props(&t);
    names.dedup();
    let attr = |a: &str| -> Value {
        let ty = attribute_type(env, &t, a);
        let mut v = json!({
            "@odata.type": format!("#Microsoft.Dynamics.CRM.{}AttributeMetadata", if ty == "Uniqueidentifier" { "UniqueIdentifier" } else { ty }),
            "MetadataId": crate::util::det_uuid(&format!("attribute/{}/{a}", t.logical_name)).to_string(),
            "LogicalName": a,
            "SchemaName": a,
            "EntityLogicalName": t.logical_name,
            "AttributeType": ty,
            "IsPrimaryId": a == t.primary_id,
            "IsPrimaryName": a == t.primary_name,
            "IsValidForCreate": a != t.primary_id && !a.starts_with('_'),
            "IsValidForRead": true,
            "IsValidForUpdate": a != t.primary_id && !a.starts_with('_'),
            "DisplayName": label(a, &format!("label/{}/{a}", t.logical_name)),
        });
        if matches!(ty, "Picklist" | "State" | "Status") {
            v["OptionSet"] = json!({"Options": []});
        }
        v
    };
    let mut select = select_list(cx.req);
    if let (Some(sel), Some(expand)) = (select.as_mut(), cx.req.q("$expand")) {
        if expand.starts_with("OptionSet") {
            sel.push("OptionSet".into());
        }
    }
    if let Some(ak) = akey {
        let an = ak
            .strip_prefix("LogicalName=")
            .unwrap_or(&ak)
            .trim_matches('\'')
            .to_string();
        if !names.contains(&an) {
            return Err(Dv::RecordNotFound {
                entity: "Attribute".into(),
                id: an,
            });
        }
        let mut v = project(
            attr(&an).as_object().cloned().unwrap_or_default(),
            &select,
            "MetadataId",
        );
        v["@odata.context"] = json!(format!(
            "{}/$metadata#EntityDefinitions('{}')/Attributes/$entity",
            cx.base, t.logical_name
        ));
        return Ok(Resp::json(200, &v));
    }
    let value: Vec<Value> = names
        .iter()
        .map(|a| attr(a))
        .filter(|v| {
            cast.as_deref()
                .map(|c| {
                    v["AttributeType"] == c || (c == "UniqueIdentifier" && v["AttributeType"] == "Uniqueidentifier")
                })
                .unwrap_or(true)
        })
        .map(|v| project(v.as_object().cloned().unwrap_or_default(), &select, "MetadataId"))
        .collect();
    let cast_ctx = rest.get(1).map(|c| format!("/{c}")).unwrap_or_default();
    Ok(Resp::json(
        200,
        &json!({
            "@odata.context": format!("{}/$metadata#EntityDefinitions('{}')/Attributes{cast_ctx}", cx.base, t.logical_name),
            "value": value,
        }),
    ))
}
