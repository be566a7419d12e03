//! Authorization: which systemuser a token acts as, and whether it holds a privilege at a depth
//! that reaches a row. Table privileges are `prv{Verb}{SchemaName}`; depth Basic = rows the
//! caller owns, Local = its business unit, Deep = its business unit and children, Global = all
//! (https://learn.microsoft.com/power-platform/admin/security-roles-privileges).

use crate::auth::Caller;
use crate::errors::Dv;
use crate::store::{Depth, Env, SystemUser, TableDef, World};
use uuid::Uuid;

/// The systemuser a token acts as, or the Dataverse refusal (the 403 answers of https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes).
pub(super) fn identify(w: &World, ei: usize, caller: &Caller) -> Result<Uuid, Dv> {
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

/// The 0x80040220 refusal naming the missing privilege, in the modern message layout.
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

/// The caller's depth for `privilege_name`, or the 0x80040220 refusal.
pub(super) fn require(env: &Env, caller: Uuid, privilege_name: &str) -> Result<Depth, Dv> {
    let u = env.user(caller).expect("caller exists");
    env.user_depth(u, privilege_name)
        .ok_or_else(|| deny(env, u, privilege_name))
}

pub(super) fn can_access(env: &Env, caller: Uuid, depth: Depth, owner: Uuid, bu: Uuid) -> bool {
    let u = env.user(caller).expect("caller exists");
    match depth {
        Depth::Global => true,
        Depth::Deep => env.bu_subtree(u.bu).contains(&bu),
        Depth::Local => bu == u.bu,
        Depth::Basic => owner == u.id,
    }
}

/// The SecLib access-check refusal (0x80040220) for a row outside the caller's depth.
pub(super) fn access_denied(
    env: &Env,
    caller: Uuid,
    table: &TableDef,
    id: Uuid,
    owner: Uuid,
    bu: Uuid,
    right: &str,
) -> Dv {
    let _ = env;
    Dv::PrivilegeDenied {
        message: format!(
            "SecLib::AccessCheckEx failed. Returned hr = -2147187962, ObjectID: {id}, OwnerId: {owner},  OwnerIdType: 8 and CallerId: {caller} with ObjectTypeCode: {otc}, ObjectBusinessUnitId: {bu}, AccessRights: {right} ",
            otc = table.otc
        ),
    }
}
