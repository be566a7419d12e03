//! Upserts by alternate key: `PATCH /applications(uniqueName='…')`
//! (<https://learn.microsoft.com/graph/api/application-upsert>) and
//! `PATCH /servicePrincipals(appId='…')`
//! (<https://learn.microsoft.com/graph/api/serviceprincipal-upsert>). With
//! `Prefer: create-if-missing`: 201 and the new object when none has the key, else the object is
//! updated and the answer is 204 No Content; without the header a missing key is 404 (an update).
//! `uniqueName` is the application's client-chosen alternate key: set when it is created, unique in
//! the tenant, immutable.
//!
//! Choices where the documentation is silent (also in `docs/sandbox.md`): the key index is
//! authoritative at once, so an upsert finds an application that is still replicating (the lists
//! and reads by id may not, config `lists_replicate`); config `graph_upsert` produces a Graph
//! without the upserts (400 Request_BadRequest or 405), as older or national-cloud deployments
//! may be.

use super::applications::{app_by_unique_name, apply_app_props, new_application};
use super::caller::{can_write, Who, R};
use super::service_principals::new_service_principal;
use super::views::body;
use crate::errors::Graph as E;
use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::{GraphUpsert, World};
use crate::util::parse_guid;
use serde_json::{json, Value};

fn create_if_missing(w: &World, req: &Req) -> bool {
    w.config.graph_upsert != GraphUpsert::IgnoresPrefer
        && req
            .header("Prefer")
            .is_some_and(|p| p.split(',').any(|v| v.trim().eq_ignore_ascii_case("create-if-missing")))
}

/// The refusal of a Graph without upserts by alternate key, if this one is.
pub(super) fn unavailable(w: &World, key: &str) -> Result<(), E> {
    match w.config.graph_upsert {
        GraphUpsert::Supported | GraphUpsert::IgnoresPrefer => Ok(()),
        GraphUpsert::BadRequest => Err(E::BadRequest(format!(
            "Invalid key: the alternate key '{key}' is not supported."
        ))),
        GraphUpsert::MethodNotAllowed => Err(E::MethodNotAllowed),
    }
}

/// `PATCH /applications(uniqueName='…')`.
pub(super) fn application(shared: &Shared, req: &Req, w: &mut World, who: &Who, name: &str) -> R {
    can_write(w, who)?;
    unavailable(w, &format!("uniqueName='{name}'"))?;
    let b = body(req)?;
    if let Some(idx) = app_by_unique_name(w, name) {
        let mut a = w.apps[idx].clone();
        apply_app_props(&mut a, &b)?;
        w.apps[idx] = a;
        return Ok(Resp::new(204));
    }
    if !create_if_missing(w, req) {
        return Err(E::NotFound {
            id: format!("uniqueName='{name}'"),
        });
    }
    let mut b = b;
    b.insert("uniqueName".into(), json!(name));
    new_application(shared, w, who, &b)
}

/// `PATCH /servicePrincipals(appId='…')`.
pub(super) fn service_principal(shared: &Shared, req: &Req, w: &mut World, who: &Who, app_id: &str) -> R {
    can_write(w, who)?;
    unavailable(w, &format!("appId='{app_id}'"))?;
    let b = body(req)?;
    let existing = parse_guid(app_id).and_then(|g| w.sps.iter().position(|s| s.app_id == g));
    if let Some(idx) = existing {
        if let Some(name) = b.get("displayName").and_then(Value::as_str) {
            w.sps[idx].display_name = name.to_string();
        }
        return Ok(Resp::new(204));
    }
    if !create_if_missing(w, req) {
        return Err(E::NotFound {
            id: format!("appId='{app_id}'"),
        });
    }
    new_service_principal(shared, w, who, app_id, &b)
}
