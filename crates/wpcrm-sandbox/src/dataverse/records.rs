//! Rows of any table: retrieve one, retrieve many (with `$select`, `$filter`, `$orderby`, `$top`,
//! `$count` and server-driven paging), create, update and delete. The system tables (systemuser,
//! role, businessunit) hand their writes to `users` and `security`.
//! <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview>

use super::access::require;
use super::context::{body_object, created_response, enc, key_guid, prefer, project, select_list, Cx, R};
use super::rows::{check_props, reachable_row, record_json, rows, visible, Row};
use super::{security, users};
use crate::errors::Dv;
use crate::http::Resp;
use crate::odata;
use crate::store::{Record, TableDef, World};
use crate::util::{new_uuid, now, parse_guid};
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// Retrieve a row (`GET {set}(id)` with `$select`): 404 when missing, 403 outside the caller's depth.
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/retrieve-entity-using-web-api>
pub(super) fn retrieve_record(cx: &Cx, w: &World, t: &TableDef, key: &Option<String>) -> R {
    let id = key_guid(key)
        .ok_or_else(|| Dv::InvalidArgument(format!("Invalid key '{}'", key.clone().unwrap_or_default())))?;
    let env = &w.envs[cx.ei];
    let depth = require(env, cx.caller, &t.privilege_name("Read"))?;
    let select = select_list(cx.req);
    if let Some(s) = &select {
        check_props(t, s.iter().map(String::as_str))?;
    }
    let row = reachable_row(env, cx.caller, t, depth, id, "ReadAccess")?;
    let mut v = project(row.json, &select, &t.primary_id);
    v["@odata.context"] = json!(format!("{}/$metadata#{}/$entity", cx.base, t.entity_set));
    Ok(Resp::json(200, &v))
}

/// Retrieve rows (`GET {set}`): the rows the caller may see, filtered, ordered and paged
/// (`Prefer: odata.maxpagesize`, `@odata.nextLink` with a `$skiptoken` paging cookie; `$top`
/// disables paging). <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results>
pub(super) fn retrieve_multiple(cx: &Cx, w: &World, t: &TableDef) -> R {
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

/// `POST {set}`: create a row, by table.
pub(super) fn create(cx: &Cx, w: &mut World, t: &TableDef) -> R {
    let body = body_object(cx.req)?;
    match t.logical_name.as_str() {
        "systemuser" => users::create_system_user(cx, w, t, body),
        "role" => security::create_role(cx, w, t, body),
        "businessunit" => Err(Dv::NotEmulated("creating business units".into())),
        _ => create_record(cx, w, t, body),
    }
}

/// Create a row of a seeded or custom table (`POST {set}`): owned by the caller, in its business unit.
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api>
fn create_record(cx: &Cx, w: &mut World, t: &TableDef, body: Map<String, Value>) -> R {
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

/// Update a row (`PATCH {set}(id)`): the caller needs Write at a depth reaching it, and only known
/// properties. <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api>
pub(super) fn update(cx: &Cx, w: &mut World, t: &TableDef, id: Option<Uuid>) -> R {
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
        "systemuser" => users::update_system_user(env, id, &body),
        "role" => security::update_role(env, id, &body),
        "businessunit" => users::update_business_unit(env, id, &body),
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

/// Delete a row (`DELETE {set}(id)`): the caller needs Delete at a depth reaching it.
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api>
pub(super) fn delete(cx: &Cx, w: &mut World, t: &TableDef, id: Option<Uuid>) -> R {
    let id = id.ok_or_else(|| Dv::InvalidArgument("Invalid key".into()))?;
    let env = &w.envs[cx.ei];
    let depth = require(env, cx.caller, &t.privilege_name("Delete"))?;
    reachable_row(env, cx.caller, t, depth, id, "DeleteAccess")?;
    let env = &mut w.envs[cx.ei];
    match t.logical_name.as_str() {
        "systemuser" => users::delete_system_user(env, id)?,
        "role" => security::delete_role(env, id)?,
        "businessunit" => return Err(Dv::NotEmulated("deleting business units".into())),
        _ => {
            if let Some(l) = env.records.get_mut(&t.logical_name) {
                l.retain(|r| r.id != id);
            }
        }
    }
    Ok(Resp::new(204))
}
