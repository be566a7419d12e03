//! Users and business units: application users (create, update, delete), interactive users'
//! updates, the systemuser navigation (role assignment through `systemuserroles_association`, and
//! the privilege functions bound to a user), and business-unit updates.
//! Application users: <https://learn.microsoft.com/power-platform/admin/manage-application-users>;
//! the systemuser table: <https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/systemuser>.

use super::access::{access_denied, can_access, require};
use super::context::{
    bind_guid, body_object, bound_business_unit, created_response, key_guid, project, select_list, split_key, Cx, R,
};
use super::rows::{role_json, systemuser_json};
use super::security;
use crate::errors::Dv;
use crate::http::Resp;
use crate::store::{AppUserLag, Env, SystemUser, TableDef, World};
use crate::util::{new_uuid, parse_guid};
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// Create an application user (`POST systemusers` with `applicationid` and
/// `businessunitid@odata.bind`): one per app, and only for an app with a service principal.
pub(super) fn create_system_user(cx: &Cx, w: &mut World, t: &TableDef, body: Map<String, Value>) -> R {
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
    if let Some(refusal) = lag_refusal(w, app_id) {
        return Err(refusal);
    }
    let sp = w.sps.iter().find(|s| s.app_id == app_id).cloned();
    let app_name = w.app_by_app_id(app_id).map(|a| a.display_name.clone());
    let (Some(sp), Some(app_name)) = (sp, app_name) else {
        return Err(Dv::InvalidArgument(format!(
            "Application with id '{app_id}' was not found in tenant '{}'. Create the application's service principal (enterprise application) before adding it as an application user.",
            w.tenant_id
        )));
    };
    let bu = bound_business_unit(env, &body)?;
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

/// Dataverse lagging behind Entra ID: for `app_user_lag_ms` after an application was created
/// through Graph, creating its application user is refused in the way `app_user_lag` names. No
/// document lists these answers; tenants have shown several, so each is a variant
/// (`docs/sandbox.md`, "Dataverse lagging behind Graph"). The wording differs on purpose between
/// variants: the engine must decide by status and code.
pub(super) fn lag_refusal(w: &World, app_id: Uuid) -> Option<Dv> {
    let created = w.app_by_app_id(app_id)?.created?;
    if created.elapsed().as_millis() as u64 >= w.config.app_user_lag_ms {
        return None;
    }
    let tenant = w.tenant_id;
    let (status, code, message) = match w.config.app_user_lag {
        AppUserLag::BadRequest => (
            400,
            "0x80040203",
            format!("Invalid application id '{app_id}' for tenant {tenant}."),
        ),
        AppUserLag::BadRequestNoCode => (400, "", "Bad Request".to_owned()),
        AppUserLag::Forbidden => (
            403,
            "0x80048306",
            format!("The principal for '{app_id}' could not be resolved at this time."),
        ),
        AppUserLag::Unauthorized => (401, "0x8004a001", "UnManagedInvalidSecurityPrincipal".to_owned()),
        AppUserLag::NotFound => (
            404,
            "0x80040217",
            format!("ServicePrincipal With Id = {app_id} Does Not Exist"),
        ),
    };
    Some(Dv::Variant { status, code, message })
}

/// Update a systemuser (`PATCH systemusers(id)`): `isdisabled` and `fullname` are kept.
pub(super) fn update_system_user(env: &mut Env, id: Uuid, body: &Map<String, Value>) {
    let u = env.users.iter_mut().find(|u| u.id == id).expect("row exists");
    if let Some(d) = body.get("isdisabled").and_then(Value::as_bool) {
        u.isdisabled = d;
    }
    if let Some(n) = body.get("fullname").and_then(Value::as_str) {
        u.fullname = n.to_string();
    }
    move_to_business_unit(env, id, body);
}

/// `businessunitid@odata.bind` moves the user; like Dataverse, the move removes its roles
/// (<https://learn.microsoft.com/power-platform/admin/create-users#change-the-business-unit-for-a-user>).
fn move_to_business_unit(env: &mut Env, id: Uuid, body: &Map<String, Value>) {
    let Some(bu) = body
        .get("businessunitid@odata.bind")
        .and_then(|v| bind_guid(v, "businessunits"))
    else {
        return;
    };
    if !env.bus.iter().any(|b| b.id == bu) {
        return;
    }
    let u = env.users.iter_mut().find(|u| u.id == id).expect("row exists");
    if u.bu != bu {
        u.bu = bu;
        u.roles.clear();
    }
}

/// Update a business unit (`PATCH businessunits(id)`): only `name` is kept.
pub(super) fn update_business_unit(env: &mut Env, id: Uuid, body: &Map<String, Value>) {
    let b = env.bus.iter_mut().find(|b| b.id == id).expect("row exists");
    if let Some(n) = body.get("name").and_then(Value::as_str) {
        b.name = n.to_string();
    }
}

/// Delete a systemuser (`DELETE systemusers(id)`): only disabled application users can be deleted.
pub(super) fn delete_system_user(env: &mut Env, id: Uuid) -> Result<(), Dv> {
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
    Ok(())
}

/// The caller's `privilege` must reach `target` (its own row, its business unit, …), else the
/// SecLib refusal naming `right`.
fn check_user_access(
    cx: &Cx,
    env: &Env,
    t: &TableDef,
    target: &SystemUser,
    privilege: &str,
    right: &str,
) -> Result<(), Dv> {
    let depth = require(env, cx.caller, privilege)?;
    if !can_access(env, cx.caller, depth, target.id, target.bu) {
        return Err(access_denied(env, cx.caller, t, target.id, target.id, target.bu, right));
    }
    Ok(())
}

/// `systemusers(id)/…`: the functions bound to a user and its role associations.
pub(super) fn systemuser_navigation(cx: &Cx, w: &mut World, id: Option<Uuid>, rest: &[String]) -> R {
    let id = id.ok_or_else(|| Dv::InvalidArgument("Invalid systemuser key".into()))?;
    let env = &w.envs[cx.ei];
    let t = env.table("systemuser").expect("systemuser table");
    let target = env.user(id).cloned().ok_or(Dv::RecordNotFound {
        entity: "systemuser".into(),
        id: id.to_string(),
    })?;
    let (name, key) = split_key(&rest[0]);
    let m = cx.req.method.as_str();
    match (m, name.as_str(), rest.len()) {
        ("GET", "Microsoft.Dynamics.CRM.RetrieveUserPrivileges", 1) | ("GET", "RetrieveUserPrivileges", 1) => {
            if let Some(refusal) = security::no_role_refusal(w, env, cx.caller) {
                return Err(refusal);
            }
            if security::lists_own_privileges_empty(w, env, cx.caller, &target) {
                return security::retrieve_user_privileges(cx, env, &target);
            }
            check_user_access(cx, env, &t, &target, "prvReadUser", "ReadAccess")?;
            security::retrieve_user_privileges(cx, env, &target)
        }
        ("GET", "Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName", 1) => {
            check_user_access(cx, env, &t, &target, "prvReadUser", "ReadAccess")?;
            security::retrieve_user_privilege_by_privilege_name(cx, env, &target, key)
        }
        ("GET", "systemuserroles_association", 1) => {
            check_user_access(cx, env, &t, &target, "prvReadUser", "ReadAccess")?;
            list_user_roles(cx, env, &target)
        }
        ("POST", "systemuserroles_association", 2) if rest[1] == "$ref" => {
            check_user_access(cx, env, &t, &target, "prvWriteUser", "WriteAccess")?;
            associate_user_role(cx, w, &target)
        }
        ("DELETE", "systemuserroles_association", _) => {
            check_user_access(cx, env, &t, &target, "prvWriteUser", "WriteAccess")?;
            disassociate_user_role(cx, w, &target, key)
        }
        _ => Err(Dv::SegmentNotFound(name)),
    }
}

/// The roles assigned to a user (`GET systemusers(id)/systemuserroles_association`).
fn list_user_roles(cx: &Cx, env: &Env, target: &SystemUser) -> R {
    require(env, cx.caller, "prvReadRole")?;
    let select = select_list(cx.req);
    let expand = super::rows::expands_role_privileges(cx.req)?;
    let value: Vec<Value> = env
        .roles
        .iter()
        .filter(|r| target.roles.contains(&r.id))
        .map(|r| {
            let mut row = project(role_json(env, r), &select, "roleid");
            if expand {
                row["roleprivileges_association"] = super::rows::role_privilege_rows(env, r);
            }
            row
        })
        .collect();
    Ok(Resp::json(
        200,
        &json!({"@odata.context": format!("{}/$metadata#roles", cx.base), "value": value}),
    ))
}

/// Assign a role (`POST systemusers(id)/systemuserroles_association/$ref`): a role of the user's
/// business unit, not already assigned.
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api>
fn associate_user_role(cx: &Cx, w: &mut World, target: &SystemUser) -> R {
    let env = &w.envs[cx.ei];
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
    roles_of(w, cx, target).push(role_id);
    Ok(Resp::new(204))
}

/// Remove a role (`DELETE systemusers(id)/systemuserroles_association(roleid)/$ref` or `…/$ref?$id=`).
fn disassociate_user_role(cx: &Cx, w: &mut World, target: &SystemUser, key: Option<String>) -> R {
    let role_id = key_guid(&key)
        .or_else(|| cx.req.q("$id").and_then(|v| bind_guid(&json!(v), "roles")))
        .ok_or_else(|| Dv::InvalidArgument("Specify the role to disassociate.".into()))?;
    roles_of(w, cx, target).retain(|r| *r != role_id);
    Ok(Resp::new(204))
}

/// The role assignments of `target`, to change them.
fn roles_of<'w>(w: &'w mut World, cx: &Cx, target: &SystemUser) -> &'w mut Vec<Uuid> {
    let env = &mut w.envs[cx.ei];
    &mut env.users.iter_mut().find(|u| u.id == target.id).expect("target").roles
}
