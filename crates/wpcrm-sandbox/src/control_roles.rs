//! Control endpoints that break what setup made, so that verify's audit and `action: repair` have
//! something to find (`docs/sandbox.md`, "Breaking a site's setup"): move an application user to
//! another business unit, delete it, assign it a role (System Administrator, or a broad planted one), and
//! lower (or raise) a privilege's depth on a role, and delete a role. Removing a role and disabling a user are in
//! `control.rs`. Each changes the world exactly as the admin center would.

use crate::store::{Depth, Env, World};
use crate::util::parse_guid;
use serde_json::{json, Value};
use uuid::Uuid;

fn bad(msg: impl Into<String>) -> (u16, Value) {
    (400, json!({"error": msg.into()}))
}
fn not_found(msg: impl Into<String>) -> (u16, Value) {
    (404, json!({"error": msg.into()}))
}
fn field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

/// The endpoints of this file, or `None` for a path it does not serve.
pub fn call(w: &mut World, method: &str, sub: &str, body: &Value) -> Option<(u16, Value)> {
    let handler: fn(&mut Env, &Value) -> (u16, Value) = match (method, sub) {
        ("POST", "/users/move") => move_user,
        ("POST", "/roles/assign") => assign_role,
        ("POST", "/roles/depth") => set_depth,
        ("POST", "/roles/delete") => delete_role,
        ("POST", "/users/delete") => delete_user,
        _ => return None,
    };
    let Some(name) = field(body, "environment") else {
        return Some(bad("environment is required"));
    };
    Some(match w.env_mut(name) {
        Some(env) => handler(env, body),
        None => not_found(format!("unknown environment '{name}'")),
    })
}

/// The application user of `application_id` in `env`.
fn app_user(env: &Env, body: &Value) -> Result<usize, (u16, Value)> {
    let Some(app_id) = field(body, "application_id").and_then(parse_guid) else {
        return Err(bad("application_id (GUID) is required"));
    };
    env.users
        .iter()
        .position(|u| u.application_id == Some(app_id))
        .ok_or_else(|| not_found(format!("no application user for '{app_id}'")))
}

/// `POST /_sandbox/users/move` `{"environment", "application_id", "business_unit": name}`: the
/// application user moves to that business unit and, as in Dataverse, loses its roles.
fn move_user(env: &mut Env, body: &Value) -> (u16, Value) {
    let user = match app_user(env, body) {
        Ok(u) => u,
        Err(e) => return e,
    };
    let Some(bu_name) = field(body, "business_unit") else {
        return bad("business_unit (a name) is required");
    };
    let Some(bu) = env
        .bus
        .iter()
        .find(|b| b.name.eq_ignore_ascii_case(bu_name))
        .map(|b| b.id)
    else {
        return not_found(format!("unknown business unit '{bu_name}'"));
    };
    let u = &mut env.users[user];
    if u.bu != bu {
        u.bu = bu;
        u.roles.clear();
    }
    (204, Value::Null)
}

/// `POST /_sandbox/users/delete` `{"environment", "application_id"}`: another admin deletes the
/// application user (the admin center disables, then deletes it).
fn delete_user(env: &mut Env, body: &Value) -> (u16, Value) {
    match app_user(env, body) {
        Ok(user) => {
            env.users.remove(user);
            (204, Value::Null)
        }
        Err(e) => e,
    }
}

/// `POST /_sandbox/roles/assign` `{"environment", "application_id", "role": name or id}`: the
/// application user gets that role (its business unit's copy, as the admin center assigns it).
fn assign_role(env: &mut Env, body: &Value) -> (u16, Value) {
    let user = match app_user(env, body) {
        Ok(u) => u,
        Err(e) => return e,
    };
    let Some(role) = field(body, "role") else {
        return bad("role (a name or id) is required");
    };
    let bu = env.users[user].bu;
    let Some(id) = find_role(env, role, Some(bu)) else {
        return not_found(format!("no role '{role}' in the application user's business unit"));
    };
    let u = &mut env.users[user];
    if !u.roles.contains(&id) {
        u.roles.push(id);
    }
    (200, json!({"roleid": id.to_string()}))
}

/// `POST /_sandbox/roles/depth` `{"environment", "role": name or id, "privilege", "depth"}`: the
/// role's depth of that privilege (`Basic`…`Global`, or `None` to take it away).
fn set_depth(env: &mut Env, body: &Value) -> (u16, Value) {
    let Some(role) = field(body, "role") else {
        return bad("role (a name or id) is required");
    };
    let root = env.root_bu().id;
    let Some(id) = find_role(env, role, Some(root)).or_else(|| find_role(env, role, None)) else {
        return not_found(format!("unknown role '{role}'"));
    };
    let pname = field(body, "privilege").unwrap_or_default();
    let Some(privilege) = env.privilege_by_name(pname).map(|p| p.id) else {
        return bad(format!("unknown privilege '{pname}'"));
    };
    let depth = match field(body, "depth") {
        Some(d) if d.eq_ignore_ascii_case("none") => None,
        Some(d) => match Depth::parse(d) {
            Some(d) => Some(d),
            None => return bad("depth must be None, Basic, Local, Deep or Global"),
        },
        None => return bad("depth is required"),
    };
    let r = env.roles.iter_mut().find(|r| r.id == id).expect("found above");
    r.privileges.retain(|(p, _)| *p != privilege);
    if let Some(d) = depth {
        r.privileges.push((privilege, d));
    }
    (204, Value::Null)
}

/// `POST /_sandbox/roles/delete` `{"environment", "role": id}`: another admin deletes the role;
/// its users lose it.
fn delete_role(env: &mut Env, body: &Value) -> (u16, Value) {
    let Some(id) = field(body, "role").and_then(parse_guid) else {
        return bad("role (an id) is required");
    };
    if !env.roles.iter().any(|r| r.id == id) {
        return not_found(format!("unknown role '{id}'"));
    }
    env.roles.retain(|r| r.id != id);
    for u in env.users.iter_mut() {
        u.roles.retain(|r| *r != id);
    }
    (204, Value::Null)
}

/// A role by id, or by name in business unit `bu` (any when `None`).
fn find_role(env: &Env, role: &str, bu: Option<Uuid>) -> Option<Uuid> {
    if let Some(id) = parse_guid(role) {
        return env.roles.iter().find(|r| r.id == id).map(|r| r.id);
    }
    env.roles
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(role) && bu.is_none_or(|b| r.bu == b))
        .map(|r| r.id)
}
