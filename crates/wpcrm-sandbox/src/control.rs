//! The control plane under `/_sandbox/` (never on a Microsoft path): health, reset, state snapshot,
//! request log, fault injection, runtime config, and the world-steering endpoints (planting
//! look-alike applications and roles among them) of
//! `docs/sandbox.md`. JSON in and out; errors are `{"error":"…"}` with 400 or 404.
//! Not logged: reads of the request log itself. Never returned: secret values, tokens.

use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::{
    approve, default_admin, normalize_user_code, App, Config, Depth, DeviceStatus, Fault, FaultKind, Role,
    ServicePrincipal, SignInPolicy, World,
};
use crate::util::{iso, new_uuid, now, parse_guid};
use serde_json::{json, Value};

pub fn handle(shared: &Shared, req: &Req) -> Resp {
    let body = if req.body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(e) => return Resp::json(400, &json!({"error": format!("body is not JSON: {e}")})),
        }
    };
    let (status, v) = call(shared, &req.method, &req.path, body);
    if status == 204 {
        Resp::new(204)
    } else {
        Resp::json(status, &v)
    }
}

fn bad(msg: impl Into<String>) -> (u16, Value) {
    (400, json!({"error": msg.into()}))
}
fn not_found(msg: impl Into<String>) -> (u16, Value) {
    (404, json!({"error": msg.into()}))
}
fn done() -> (u16, Value) {
    (204, Value::Null)
}

fn str_field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

/// Runs one control request in-process (also used by `Sandbox::control()`).
pub fn call(shared: &Shared, method: &str, path: &str, body: Value) -> (u16, Value) {
    let path = path.trim_end_matches('/');
    let sub = path.strip_prefix("/_sandbox").unwrap_or(path);
    if sub == "/reset" && method == "POST" {
        match World::from_seed(&shared.seed, shared.initial_config.clone()) {
            Ok(fresh) => {
                *shared.world() = fresh;
                return (200, json!({"status": "ok"}));
            }
            Err(e) => return (500, json!({"error": e})),
        }
    }
    let mut w = shared.world();
    match (method, sub) {
        ("GET", "/health") => (200, json!({"status": "ok"})),
        ("GET", "/state") => (200, state(&w)),
        ("GET", "/requests") => (200, serde_json::to_value(&w.log).unwrap_or(Value::Null)),
        // Dataverse requests in flight now, the most at once, and how many the limit refused.
        ("GET", "/concurrency") => (200, serde_json::to_value(w.in_flight).unwrap_or(Value::Null)),
        ("DELETE", "/concurrency") => {
            w.in_flight.peak = w.in_flight.now;
            w.in_flight.refused = 0;
            done()
        }
        ("DELETE", "/requests") => {
            w.log.clear();
            done()
        }
        ("GET", "/faults") => (200, serde_json::to_value(&w.faults).unwrap_or(Value::Null)),
        ("POST", "/faults") => {
            // The fields are checked first and the kind last, with the same messages as when the
            // kind was a free string: an unknown kind stands in as a known one for the first check.
            let unknown_kind = body
                .get("kind")
                .and_then(Value::as_str)
                .filter(|k| FaultKind::from_name(k).is_none())
                .map(str::to_string);
            let mut fields = body;
            if unknown_kind.is_some() {
                fields["kind"] = json!(FaultKind::Latency.name());
            }
            let mut f: Fault = match serde_json::from_value(fields) {
                Ok(f) => f,
                Err(e) => return bad(format!("invalid fault: {e}")),
            };
            if let Some(kind) = unknown_kind {
                return bad(format!("unknown fault kind '{kind}'; one of {:?}", FaultKind::names()));
            }
            f.id = w.next_fault_id;
            w.next_fault_id += 1;
            let id = f.id;
            w.faults.push(f);
            (200, json!({"id": id}))
        }
        ("DELETE", "/faults") => {
            w.faults.clear();
            done()
        }
        ("GET", "/config") => (200, serde_json::to_value(&w.config).unwrap_or(Value::Null)),
        ("POST", "/config") => {
            let mut cur = serde_json::to_value(&w.config).unwrap_or(Value::Null);
            let Some(patch) = body.as_object() else {
                return bad("config must be a JSON object");
            };
            for (k, v) in patch {
                if cur.get(k).is_none() {
                    return bad(format!("unknown config field '{k}'"));
                }
                cur[k] = v.clone();
            }
            match serde_json::from_value::<Config>(cur) {
                Ok(c) => {
                    w.config = c;
                    (200, serde_json::to_value(&w.config).unwrap_or(Value::Null))
                }
                Err(e) => bad(format!("invalid config: {e}")),
            }
        }
        ("POST", "/device/approve") => {
            let Some(code) = str_field(&body, "user_code") else {
                return bad("user_code is required");
            };
            let user = match str_field(&body, "user") {
                Some(upn) => match w.user_by_upn(upn) {
                    Some(u) => u.id,
                    None => return bad(format!("unknown user '{upn}'")),
                },
                None => match default_admin(&w) {
                    Some(u) => u,
                    None => return bad("the seed has no users"),
                },
            };
            if approve(&mut w, code, user) {
                done()
            } else {
                not_found(format!("unknown user code '{code}'"))
            }
        }
        ("POST", "/device/decline") | ("POST", "/device/expire") => {
            let Some(code) = str_field(&body, "user_code") else {
                return bad("user_code is required");
            };
            let code = normalize_user_code(code);
            let status = if sub.ends_with("decline") {
                DeviceStatus::Declined
            } else {
                DeviceStatus::Expired
            };
            match w.devices.iter_mut().find(|d| d.user_code == code) {
                Some(d) => {
                    d.status = status;
                    done()
                }
                None => not_found(format!("unknown user code '{code}'")),
            }
        }
        ("GET", "/device/pending") => {
            let t = now();
            let v: Vec<Value> = w
                .devices
                .iter()
                .filter(|d| d.status == DeviceStatus::Pending && d.expires_at > t)
                .map(|d| json!({"user_code": d.user_code, "client_id": d.client_id.to_string(), "expires_at": iso(d.expires_at), "scope": d.scopes.join(" "), "tenant": d.tenant_segment}))
                .collect();
            (200, Value::Array(v))
        }
        ("POST", "/secrets/expire") => {
            let Some(app_id) = str_field(&body, "app_id").and_then(parse_guid) else {
                return bad("app_id (GUID) is required");
            };
            let key_id = str_field(&body, "key_id").map(parse_guid);
            if let Some(None) = key_id {
                return bad("key_id must be a GUID");
            }
            let key_id = key_id.flatten();
            let Some(app) = w.apps.iter_mut().find(|a| a.app_id == app_id) else {
                return not_found(format!("unknown application '{app_id}'"));
            };
            let past = now() - time::Duration::seconds(1);
            let mut hit = false;
            for s in app.secrets.iter_mut() {
                if key_id.map(|k| k == s.key_id).unwrap_or(true) {
                    s.end = past;
                    if s.start > past {
                        s.start = past - time::Duration::seconds(1);
                    }
                    hit = true;
                }
            }
            if hit || key_id.is_none() {
                done()
            } else {
                not_found("unknown key_id")
            }
        }
        ("POST", "/users/disable") | ("POST", "/users/enable") => {
            let disable = sub.ends_with("disable");
            let Some(env) = str_field(&body, "environment") else {
                return bad("environment is required");
            };
            let Some(app_id) = str_field(&body, "application_id").and_then(parse_guid) else {
                return bad("application_id (GUID) is required");
            };
            let Some(env) = w.env_mut(env) else {
                return not_found(format!("unknown environment '{env}'"));
            };
            match env.users.iter_mut().find(|u| u.application_id == Some(app_id)) {
                Some(u) => {
                    u.isdisabled = disable;
                    done()
                }
                None => not_found(format!("no application user for '{app_id}'")),
            }
        }
        ("POST", "/roles/remove") => {
            let Some(env) = str_field(&body, "environment") else {
                return bad("environment is required");
            };
            let Some(app_id) = str_field(&body, "application_id").and_then(parse_guid) else {
                return bad("application_id (GUID) is required");
            };
            let Some(role) = str_field(&body, "role") else {
                return bad("role is required");
            };
            let Some(env) = w.env_mut(env) else {
                return not_found(format!("unknown environment '{env}'"));
            };
            let role_ids: Vec<_> = env
                .roles
                .iter()
                .filter(|r| r.name.eq_ignore_ascii_case(role))
                .map(|r| r.id)
                .collect();
            match env.users.iter_mut().find(|u| u.application_id == Some(app_id)) {
                Some(u) => {
                    let before = u.roles.len();
                    u.roles.retain(|r| !role_ids.contains(r));
                    if u.roles.len() == before {
                        not_found(format!("the application user does not hold role '{role}'"))
                    } else {
                        done()
                    }
                }
                None => not_found(format!("no application user for '{app_id}'")),
            }
        }
        ("POST", "/apps/block") => {
            let Some(app_id) = str_field(&body, "application_id").and_then(parse_guid) else {
                return bad("application_id (GUID) is required");
            };
            let blocked = body.get("blocked").and_then(Value::as_bool).unwrap_or(true);
            match w.apps.iter_mut().find(|a| a.app_id == app_id) {
                Some(a) => {
                    a.blocked = blocked;
                    done()
                }
                None => not_found(format!("unknown application '{app_id}'")),
            }
        }
        ("POST", "/apps/plant") => plant_app(&mut w, &body),
        ("POST", "/roles/plant") => plant_role(&mut w, &body),
        ("POST", "/policy/device-code") => {
            w.device_code_blocked = body.get("blocked").and_then(Value::as_bool).unwrap_or(true);
            done()
        }
        ("GET", "/policy/sign-in") => (200, serde_json::to_value(&w.sign_in_policies).unwrap_or(Value::Null)),
        ("POST", "/policy/sign-in") => match serde_json::from_value::<SignInPolicy>(body) {
            Ok(mut p) => {
                p.id = w.next_fault_id;
                w.next_fault_id += 1;
                let id = p.id;
                w.sign_in_policies.push(p);
                (200, json!({"id": id}))
            }
            Err(e) => bad(format!("invalid sign-in policy: {e}")),
        },
        ("DELETE", "/policy/sign-in") => {
            w.sign_in_policies.clear();
            done()
        }
        _ => crate::control_roles::call(&mut w, method, sub, &body)
            .unwrap_or_else(|| not_found(format!("no control endpoint {method} /_sandbox{sub}"))),
    }
}

/// `POST /_sandbox/apps/plant`: an application registered by another tenant member (`owner`, a
/// UPN), owned by that user only, with `display_name` and `tags`, and a service principal (owned by
/// the same user) when `service_principal` is true → `{"id", "appId"[, "servicePrincipalId"]}`.
/// It is not replicating: it stands for an app registered before the test.
fn plant_app(w: &mut World, body: &Value) -> (u16, Value) {
    let Some(name) = str_field(body, "display_name").filter(|n| !n.trim().is_empty()) else {
        return bad("display_name is required");
    };
    let tags: Vec<String> = match body.get("tags") {
        None | Some(Value::Null) => vec![],
        Some(v) => match serde_json::from_value(v.clone()) {
            Ok(t) => t,
            Err(_) => return bad("tags must be a list of strings"),
        },
    };
    let Some(upn) = str_field(body, "owner") else {
        return bad("owner (a user's UPN) is required");
    };
    let Some(owner) = w.user_by_upn(upn).map(|u| u.id) else {
        return bad(format!("unknown user '{upn}'"));
    };
    let app = App::new(name.to_string(), tags.clone(), vec![owner]);
    let mut out = json!({"id": app.object_id.to_string(), "appId": app.app_id.to_string()});
    if body.get("service_principal").and_then(Value::as_bool).unwrap_or(false) {
        let sp = ServicePrincipal {
            id: new_uuid(),
            app_id: app.app_id,
            display_name: app.display_name.clone(),
            tags,
            owners: vec![owner],
        };
        out["servicePrincipalId"] = json!(sp.id.to_string());
        w.sps.push(sp);
    }
    w.apps.push(app);
    (200, out)
}

/// `POST /_sandbox/roles/plant`: a security role `name` made by another admin in the root business
/// unit of `environment`, holding `privileges` (`[{"name": "prvReadAccount", "depth": "Global"}]`)
/// → `{"roleid"}`. Unmanaged, like a role created through the Web API.
fn plant_role(w: &mut World, body: &Value) -> (u16, Value) {
    let Some(env_name) = str_field(body, "environment") else {
        return bad("environment is required");
    };
    let Some(name) = str_field(body, "name").filter(|n| !n.trim().is_empty()) else {
        return bad("name is required");
    };
    let Some(env) = w.env_mut(env_name) else {
        return not_found(format!("unknown environment '{env_name}'"));
    };
    let mut privileges = Vec::new();
    for p in body.get("privileges").and_then(Value::as_array).into_iter().flatten() {
        let pname = str_field(p, "name").unwrap_or_default();
        let Some(privilege) = env.privilege_by_name(pname) else {
            return bad(format!("unknown privilege '{pname}'"));
        };
        let Some(depth) = str_field(p, "depth").and_then(Depth::parse) else {
            return bad(format!(
                "privilege '{pname}' needs a depth: Basic, Local, Deep or Global"
            ));
        };
        privileges.push((privilege.id, depth));
    }
    let role = Role {
        id: new_uuid(),
        name: name.to_string(),
        bu: env.root_bu().id,
        privileges,
        managed: false,
        created_by: None,
    };
    let id = role.id;
    env.roles.push(role);
    (200, json!({"roleid": id.to_string()}))
}

fn state(w: &World) -> Value {
    let apps: Vec<Value> = w
        .apps
        .iter()
        .map(|a| {
            json!({
                "id": a.object_id.to_string(),
                "appId": a.app_id.to_string(),
                "displayName": a.display_name,
                "uniqueName": a.extra.get("uniqueName"),
                "tags": a.tags,
                "blocked": a.blocked,
                "owners": ids(&a.owners),
                "passwordCredentials": a.secrets.iter().map(|s| json!({
                    "keyId": s.key_id.to_string(),
                    "displayName": s.display_name,
                    "hint": s.hint,
                    "endDateTime": iso(s.end),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let sps: Vec<Value> = w
        .sps
        .iter()
        .map(|s| json!({"id": s.id.to_string(), "appId": s.app_id.to_string(), "owners": ids(&s.owners)}))
        .collect();
    let mut envs = serde_json::Map::new();
    for e in &w.envs {
        let users: Vec<Value> = e
            .users
            .iter()
            .map(|u| {
                json!({
                    "systemuserid": u.id.to_string(),
                    "applicationid": u.application_id.map(|g| g.to_string()),
                    "azureactivedirectoryobjectid": u.aad_object_id.map(|g| g.to_string()),
                    "fullname": u.fullname,
                    "isdisabled": u.isdisabled,
                    "businessunitid": u.bu.to_string(),
                    "roles": e.roles.iter().filter(|r| u.roles.contains(&r.id)).map(|r| r.name.clone()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let roles: Vec<Value> = e
            .roles
            .iter()
            .map(|r| {
                json!({
                    "roleid": r.id.to_string(),
                    "name": r.name,
                    "businessunitid": r.bu.to_string(),
                    "privileges": r.privileges.iter().filter_map(|(pid, d)| e.privileges.iter().find(|p| p.id == *pid).map(|p| json!({"name": p.name, "depth": d.name()}))).collect::<Vec<_>>(),
                })
            })
            .collect();
        envs.insert(e.name.clone(), json!({"systemusers": users, "roles": roles}));
    }
    json!({"applications": apps, "servicePrincipals": sps, "environments": envs, "device_code_blocked": w.device_code_blocked})
}

fn ids(owners: &[uuid::Uuid]) -> Vec<String> {
    owners.iter().map(ToString::to_string).collect()
}
