//! Table rows as the Web API returns them: the system tables (systemuser, role, businessunit) come
//! from the structured store, the others from seeded and created records. Visibility and the
//! property names a table knows live here too.

use super::access::{access_denied, can_access};
use crate::errors::Dv;
use crate::store::{Bu, Depth, Env, Record, Role, SystemUser, TableDef};
use crate::util::iso;
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// A row with what authorization needs (owner, business unit) and its JSON.
pub(super) struct Row {
    pub(super) id: Uuid,
    pub(super) owner: Uuid,
    pub(super) bu: Uuid,
    pub(super) json: Map<String, Value>,
}

pub(super) fn systemuser_json(u: &SystemUser) -> Map<String, Value> {
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

pub(super) fn role_json(env: &Env, r: &Role) -> Map<String, Value> {
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
        "_createdby_value": r.created_by.map(|u| u.to_string()),
        "_roletemplateid_value": role_template(r),
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

pub(super) fn businessunit_json(b: &Bu) -> Map<String, Value> {
    json!({"businessunitid": b.id.to_string(), "name": b.name,
        "_parentbusinessunitid_value": b.parent.map(|p| p.to_string()), "isdisabled": false})
    .as_object()
    .cloned()
    .unwrap_or_default()
}

pub(super) fn record_json(t: &TableDef, r: &Record) -> Map<String, Value> {
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

/// Every row of table `t` in `env`.
pub(super) fn rows(env: &Env, t: &TableDef) -> Vec<Row> {
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
                json: businessunit_json(b),
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
pub(super) fn reachable_row(
    env: &Env,
    caller: Uuid,
    t: &TableDef,
    depth: Depth,
    id: Uuid,
    right: &str,
) -> Result<Row, Dv> {
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

pub(super) fn visible(env: &Env, caller: Uuid, t: &TableDef, depth: Depth, row: &Row) -> bool {
    if t.logical_name == "businessunit" && depth == Depth::Basic {
        return env.user(caller).map(|u| u.bu == row.bu).unwrap_or(false);
    }
    can_access(env, caller, depth, row.owner, row.bu)
}

pub(super) fn known_props(t: &TableDef) -> Vec<String> {
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

pub(super) fn check_props<'a>(t: &TableDef, props: impl IntoIterator<Item = &'a str>) -> Result<(), Dv> {
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

/// The template of a system role, as Dataverse keeps it on every business unit's copy: System
/// Administrator's and System Customizer's ids are the same in every environment
/// (<https://learn.microsoft.com/power-platform/admin/database-security>); custom roles have none.
fn role_template(r: &Role) -> Value {
    match (r.managed, r.name.as_str()) {
        (true, "System Administrator") => json!("627090ff-40a3-4053-8790-584edc5be201"),
        (true, "System Customizer") => json!("119f245c-3cc8-4b62-b31c-d1a046ced15d"),
        _ => Value::Null,
    }
}

/// Whether the request expands `roleprivileges_association` (with at most `$select=name`); any
/// other `$expand` is not emulated.
pub(super) fn expands_role_privileges(req: &crate::http::Req) -> Result<bool, Dv> {
    match req.q("$expand") {
        None => Ok(false),
        Some(e) if e.starts_with("roleprivileges_association") => Ok(true),
        Some(e) => Err(Dv::NotEmulated(format!("$expand={e}"))),
    }
}

/// A role's privileges as the rows of its `roleprivileges_association` (the depth is not on them).
pub(super) fn role_privilege_rows(env: &Env, r: &Role) -> Value {
    let rows: Vec<Value> = r
        .privileges
        .iter()
        .filter_map(|(pid, _)| env.privileges.iter().find(|p| p.id == *pid))
        .map(|p| json!({"privilegeid": p.id.to_string(), "name": p.name}))
        .collect();
    Value::Array(rows)
}
