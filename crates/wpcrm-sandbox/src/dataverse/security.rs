//! Security roles and privileges: creating, renaming and deleting roles, granting privileges to a
//! role (AddPrivilegesRole, ReplacePrivilegesRole), reading them back (RetrieveRolePrivilegesRole,
//! `roleprivileges_association`), a user's privileges (RetrieveUserPrivileges,
//! RetrieveUserPrivilegeByPrivilegeName) and the `privileges` table.
//! <https://learn.microsoft.com/power-platform/admin/security-roles-privileges>

use super::access::{access_denied, can_access, require};
use super::context::{body_object, bound_business_unit, created_response, project, select_list, Cx, R};
use super::rows::role_json;
use crate::errors::Dv;
use crate::http::Resp;
use crate::odata;
use crate::store::{Depth, Env, NoRoleRefusal, Role, SystemUser, TableDef, World};
use crate::util::{new_uuid, parse_guid};
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// Create a role (`POST roles`): a named, unmanaged role of a business unit (the root one by default).
pub(super) fn create_role(cx: &Cx, w: &mut World, t: &TableDef, body: Map<String, Value>) -> R {
    let env = &w.envs[cx.ei];
    require(env, cx.caller, "prvCreateRole")?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Dv::InvalidArgument("Attribute 'name' cannot be NULL".into()))?
        .to_string();
    let bu = bound_business_unit(env, &body)?;
    let role = Role {
        id: new_uuid(),
        name,
        bu,
        privileges: vec![],
        managed: false,
        created_by: Some(cx.caller),
    };
    let id = role.id;
    let row = role_json(env, &role);
    w.envs[cx.ei].roles.push(role);
    Ok(created_response(cx, t, id, row))
}

/// Rename a role (`PATCH roles(id)`): only `name` is kept.
pub(super) fn update_role(env: &mut Env, id: Uuid, body: &Map<String, Value>) {
    let r = env.roles.iter_mut().find(|r| r.id == id).expect("row exists");
    if let Some(n) = body.get("name").and_then(Value::as_str) {
        r.name = n.to_string();
    }
}

/// Delete a role (`DELETE roles(id)`): managed roles cannot be deleted; users lose the role.
pub(super) fn delete_role(env: &mut Env, id: Uuid) -> Result<(), Dv> {
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
    Ok(())
}

/// The privileges `u` holds through its roles (all, or only `only`), in RolePrivilege form.
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

/// How Dataverse refuses a caller that holds no security role at all, when config `no_role_refusal`
/// asks for one of the undocumented forms (issue 10): `retrieve_privilege_for_user`, 403
/// `0x80040220` with "RetrievePrivilegeForUser: The user with id … has not been assigned any
/// roles…"; `other_code`, the same sentence under 403 `0x80040216`. The default
/// (`missing_privilege`) and `empty_list` leave the usual missing-privilege refusal in place.
pub(super) fn no_role_refusal(w: &World, env: &Env, caller: Uuid) -> Option<Dv> {
    let u = env.user(caller)?;
    if !u.roles.is_empty() {
        return None;
    }
    let code = match w.config.no_role_refusal {
        NoRoleRefusal::RetrievePrivilegeForUser => "0x80040220",
        NoRoleRefusal::OtherCode => "0x80040216",
        NoRoleRefusal::MissingPrivilege | NoRoleRefusal::EmptyList => return None,
    };
    Some(Dv::Variant {
        status: 403,
        code,
        message: format!(
            "RetrievePrivilegeForUser: The user with id {} has not been assigned any roles. A user must be assigned at least one security role to access Dataverse.",
            u.id
        ),
    })
}

/// With config `no_role_refusal: empty_list`, a caller without roles reading its own privileges is
/// answered an empty `RolePrivileges` list instead of a refusal.
pub(super) fn lists_own_privileges_empty(w: &World, env: &Env, caller: Uuid, target: &SystemUser) -> bool {
    w.config.no_role_refusal == NoRoleRefusal::EmptyList
        && caller == target.id
        && env.user(caller).is_some_and(|u| u.roles.is_empty())
}

/// RetrieveUserPrivileges: every privilege of the user, with its depth (Depth as names).
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveuserprivileges>
pub(super) fn retrieve_user_privileges(cx: &Cx, env: &Env, target: &SystemUser) -> R {
    Ok(Resp::json(
        200,
        &json!({
            "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.RetrieveUserPrivilegesResponse", cx.base),
            "RolePrivileges": role_privileges(env, target, None),
        }),
    ))
}

/// RetrieveUserPrivilegeByPrivilegeName: the user's grants of one privilege (`PrivilegeName='…'`
/// or a parameter alias).
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveuserprivilegebyprivilegename>
pub(super) fn retrieve_user_privilege_by_privilege_name(
    cx: &Cx,
    env: &Env,
    target: &SystemUser,
    key: Option<String>,
) -> R {
    let mut pname = key.unwrap_or_default();
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
            "RolePrivileges": role_privileges(env, target, Some(&pname)),
        }),
    ))
}

/// RetrieveRolePrivilegesRole (`RetrieveRolePrivilegesRole(RoleId=…)`): a role's privileges.
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveroleprivilegesrole>
pub(super) fn retrieve_role_privileges_role(cx: &Cx, w: &World, key: Option<String>) -> R {
    let env = &w.envs[cx.ei];
    let k = key.unwrap_or_default();
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

/// The caller's `privilege` must reach `role` (roles have no owner: business-unit depth), else the
/// SecLib refusal naming `right`.
fn check_role_access(cx: &Cx, env: &Env, t: &TableDef, role: &Role, privilege: &str, right: &str) -> Result<(), Dv> {
    let depth = require(env, cx.caller, privilege)?;
    if !can_access(env, cx.caller, depth, Uuid::nil(), role.bu) {
        return Err(access_denied(env, cx.caller, t, role.id, Uuid::nil(), role.bu, right));
    }
    Ok(())
}

/// `roles(id)/…`: the privilege actions bound to a role and its privileges association.
pub(super) fn role_navigation(cx: &Cx, w: &mut World, id: Option<Uuid>, rest: &[String]) -> R {
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
        ("POST", "Microsoft.Dynamics.CRM.AddPrivilegesRole") => {
            check_role_access(cx, env, &t, &role, "prvWriteRole", "WriteAccess")?;
            add_privileges_role(cx, w, id, false)
        }
        ("POST", "Microsoft.Dynamics.CRM.ReplacePrivilegesRole") => {
            check_role_access(cx, env, &t, &role, "prvWriteRole", "WriteAccess")?;
            add_privileges_role(cx, w, id, true)
        }
        ("GET", "roleprivileges_association") => {
            check_role_access(cx, env, &t, &role, "prvReadRole", "ReadAccess")?;
            list_role_privileges(cx, env, &role)
        }
        _ => Err(Dv::SegmentNotFound(rest[0].clone())),
    }
}

/// AddPrivilegesRole (or, with `replace`, ReplacePrivilegesRole): grants `Privileges`
/// (`PrivilegeId` + `Depth` as a name or number) to a role.
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/addprivilegesrole>,
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/replaceprivilegesrole>
fn add_privileges_role(cx: &Cx, w: &mut World, id: Uuid, replace: bool) -> R {
    let env = &w.envs[cx.ei];
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

/// A role's privileges as rows (`GET roles(id)/roleprivileges_association`).
fn list_role_privileges(cx: &Cx, env: &Env, role: &Role) -> R {
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

/// The `privileges` table (`GET privileges` with `$select` and `$filter`), readable by every member.
/// <https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/privilege>
pub(super) fn list_privileges(cx: &Cx, w: &World) -> R {
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
