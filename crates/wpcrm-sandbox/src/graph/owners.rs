//! Owners of applications and service principals: list, add and remove (`owners`, `owners/$ref`,
//! `owners/{id}/$ref`), and who owns what Graph creates.
//!
//! Follows <https://learn.microsoft.com/graph/api/application-list-owners>,
//! <https://learn.microsoft.com/graph/api/application-post-owners>,
//! <https://learn.microsoft.com/graph/api/application-delete-owners> and the same pages for
//! servicePrincipals (`serviceprincipal-list-owners`, `serviceprincipal-post-owners`,
//! `serviceprincipal-delete-owners`): the list is a `directoryObjects` collection of typed objects
//! (`@odata.type` `#microsoft.graph.user`), `$select` honoured; adding takes
//! `{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}` and answers 204, 400
//! Request_BadRequest when the reference already exists, 404 for an unknown object; removing
//! answers 204. Only an owner of the object or an Application Administrator, Cloud Application
//! Administrator or Global Administrator may change owners (403 Authorization_RequestDenied).
//!
//! Where the documentation is silent (also in `docs/sandbox.md`):
//! - whether creating an application or service principal with a delegated token makes the caller
//!   an owner: config `creator_becomes_owner` produces both variants (`true` by default);
//! - owners are directory users only (an `@odata.id` naming any other object → 404);
//! - removing a user who is not an owner → 404 Request_ResourceNotFound; removing the last owner
//!   is allowed;
//! - a new application's owners answer 404 during the replication delay, as its GET does.

use super::caller::{can_manage, can_read, Who, R};
use super::views::{body, collection, directory_user_json};
use crate::errors::Graph as E;
use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::World;
use crate::util::parse_guid;
use serde_json::Value;
use uuid::Uuid;

/// The object whose owners are addressed, by its index in the world.
#[derive(Clone, Copy)]
pub(super) enum Owned {
    App(usize),
    Sp(usize),
}

impl Owned {
    fn owners(self, w: &World) -> &[Uuid] {
        match self {
            Owned::App(i) => &w.apps[i].owners,
            Owned::Sp(i) => &w.sps[i].owners,
        }
    }
    fn owners_mut(self, w: &mut World) -> &mut Vec<Uuid> {
        match self {
            Owned::App(i) => &mut w.apps[i].owners,
            Owned::Sp(i) => &mut w.sps[i].owners,
        }
    }
}

/// The owners of an object Graph creates for `who`: the signed-in caller when the config's
/// `creator_becomes_owner` is on (undocumented, see the module header), else none.
pub(super) fn creator_owners(w: &World, who: &Who) -> Vec<Uuid> {
    match who {
        Who::User(u) if w.config.creator_becomes_owner => vec![u.id],
        _ => vec![],
    }
}

/// Routes `owners`, `owners/$ref` and `owners/{id}/$ref` after an application or service principal.
pub(super) fn route_owners(shared: &Shared, req: &Req, w: &mut World, who: &Who, target: Owned, rest: &[String]) -> R {
    let is_ref = |i: usize| rest.get(i).map(String::as_str) == Some("$ref");
    match (req.method.as_str(), rest.len()) {
        ("GET", 1) => list_owners(shared, req, w, who, target),
        ("POST", 2) if is_ref(1) => add_owner(req, w, who, target),
        ("DELETE", 3) if is_ref(2) => remove_owner(w, who, target, &rest[1]),
        _ => Err(E::SegmentNotFound(rest.last().cloned().unwrap_or_default())),
    }
}

/// List owners (`GET /applications/{id}/owners`, `GET /servicePrincipals/{id}/owners`): any
/// signed-in user may read them.
/// <https://learn.microsoft.com/graph/api/application-list-owners>,
/// <https://learn.microsoft.com/graph/api/serviceprincipal-list-owners>
fn list_owners(shared: &Shared, req: &Req, w: &World, who: &Who, target: Owned) -> R {
    can_read(who)?;
    let items: Vec<Value> = target
        .owners(w)
        .iter()
        .filter_map(|id| w.user_by_id(*id))
        .map(|u| directory_user_json(&shared.origin, u))
        .collect();
    Ok(collection(
        req,
        format!("{}/v1.0/$metadata#directoryObjects", shared.origin),
        items,
    ))
}

/// Add an owner (`POST …/owners/$ref` with `{"@odata.id": "…/directoryObjects/{id}"}`) → 204.
/// <https://learn.microsoft.com/graph/api/application-post-owners>,
/// <https://learn.microsoft.com/graph/api/serviceprincipal-post-owners>
fn add_owner(req: &Req, w: &mut World, who: &Who, target: Owned) -> R {
    can_manage(who, target.owners(w))?;
    let b = body(req)?;
    let reference = b
        .get("@odata.id")
        .and_then(Value::as_str)
        .ok_or_else(|| E::BadRequest("Invalid value specified for property '@odata.id'.".into()))?;
    let last = reference.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    let id = parse_guid(last).ok_or_else(|| E::BadRequest(format!("Invalid object identifier '{last}'.")))?;
    if w.user_by_id(id).is_none() {
        return Err(E::NotFound { id: last.to_string() });
    }
    let owners = target.owners_mut(w);
    if owners.contains(&id) {
        return Err(E::ReferenceExists { property: "owners" });
    }
    owners.push(id);
    Ok(Resp::new(204))
}

/// Remove an owner (`DELETE …/owners/{id}/$ref`) → 204.
/// <https://learn.microsoft.com/graph/api/application-delete-owners>,
/// <https://learn.microsoft.com/graph/api/serviceprincipal-delete-owners>
fn remove_owner(w: &mut World, who: &Who, target: Owned, user: &str) -> R {
    can_manage(who, target.owners(w))?;
    let owners = target.owners_mut(w);
    let before = owners.len();
    owners.retain(|o| !o.to_string().eq_ignore_ascii_case(user));
    if owners.len() == before {
        return Err(E::NotFound { id: user.to_string() });
    }
    Ok(Resp::new(204))
}
