//! Applications: list, create, read, update, delete, addPassword and removePassword; owners are
//! routed to `owners`.
//! <https://learn.microsoft.com/graph/api/resources/application>

use super::caller::{can_read, can_write, Who, R};
use super::owners::{creator_owners, route_owners, Owned};
use super::views::{app_json, body, collection, filtered, password_json, select, string_list};
use crate::errors::Graph as E;
use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::{App, Secret, SecretPolicy, World};
use crate::util::{det_uuid, new_uuid, now, parse_guid, parse_iso, random_string};
use serde_json::{json, Map, Value};
use std::time::Instant;

/// List applications (`GET /applications`, with `$filter` and `$select`).
/// <https://learn.microsoft.com/graph/api/application-list>
pub(super) fn list_applications(shared: &Shared, req: &Req, w: &World, who: &Who) -> R {
    can_read(who)?;
    let items: Vec<Value> = w
        .apps
        .iter()
        .filter(|a| !(w.config.lists_replicate && w.replicating(a.created)))
        .map(|a| app_json(w, a))
        .collect();
    let items = filtered(
        req,
        items,
        &[
            "appId",
            "displayName",
            "tags",
            "id",
            "publisherDomain",
            "signInAudience",
            "identifierUris",
        ],
    )?;
    Ok(collection(
        req,
        format!("{}/v1.0/$metadata#applications", shared.origin),
        items,
    ))
}

pub(super) fn apply_app_props(a: &mut App, b: &Map<String, Value>) -> Result<(), E> {
    for (k, v) in b {
        match k.as_str() {
            "displayName" => {
                a.display_name = v
                    .as_str()
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| {
                        E::BadRequest(
                            "Invalid value specified for property 'displayName' of resource 'Application'.".into(),
                        )
                    })?
                    .to_string()
            }
            "tags" => a.tags = string_list(v, "tags")?,
            "isFallbackPublicClient" => a.public_client = v.as_bool().unwrap_or(false),
            "signInAudience" => a.sign_in_audience = v.as_str().unwrap_or("AzureADMyOrg").to_string(),
            // The client-chosen alternate key: set once, at creation, then immutable.
            "uniqueName" => match a.extra.get("uniqueName") {
                None => {
                    a.extra.insert(k.clone(), v.clone());
                }
                Some(old) if old == v => {}
                Some(_) => {
                    return Err(E::BadRequest(
                        "Property 'uniqueName' is read-only once set and cannot be changed.".into(),
                    ))
                }
            },
            "passwordCredentials" | "id" | "appId" | "createdDateTime" | "publisherDomain" => {}
            k if k.starts_with('@') => {}
            _ => {
                a.extra.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(())
}

/// Create an application (`POST /applications`).
/// <https://learn.microsoft.com/graph/api/application-post-applications>
pub(super) fn create_application(shared: &Shared, req: &Req, w: &mut World, who: &Who) -> R {
    can_write(w, who)?;
    let b = body(req)?;
    if let Some(name) = b.get("uniqueName").and_then(Value::as_str) {
        if app_by_unique_name(w, name).is_some() {
            return Err(E::Conflict(format!(
                "Another object with the same value for property uniqueName '{name}' already exists."
            )));
        }
    }
    new_application(shared, w, who, &b)
}

/// A new application from `b` (create and upsert): 201 with the object.
pub(super) fn new_application(shared: &Shared, w: &mut World, who: &Who, b: &Map<String, Value>) -> R {
    if !b.get("displayName").map(|v| v.is_string()).unwrap_or(false) {
        return Err(E::BadRequest(
            "Invalid value specified for property 'displayName' of resource 'Application'.".into(),
        ));
    }
    let mut a = App::new(String::new(), vec![], creator_owners(w, who));
    a.created = Some(Instant::now());
    apply_app_props(&mut a, b)?;
    let mut v = app_json(w, &a);
    v["@odata.context"] = json!(format!("{}/v1.0/$metadata#applications/$entity", shared.origin));
    let loc = format!(
        "{}/v2/{}/directoryObjects/{}/Microsoft.DirectoryServices.Application",
        shared.origin, w.tenant_id, a.object_id
    );
    w.apps.push(a);
    Ok(Resp::json(201, &v).header("Location", loc))
}

pub(super) fn application_item(
    shared: &Shared,
    req: &Req,
    w: &mut World,
    who: &Who,
    idx: usize,
    shown_id: &str,
    rest: &[String],
) -> R {
    let m = req.method.as_str();
    let action = rest
        .first()
        .map(|s| s.trim_start_matches("microsoft.graph.").to_string());
    let replicated = || -> Result<(), E> {
        match w.replicating(w.apps[idx].created) {
            true => Err(E::NotFound {
                id: shown_id.to_string(),
            }),
            false => Ok(()),
        }
    };
    match (m, action.as_deref(), rest.len()) {
        ("GET", None, 0) => {
            can_read(who)?;
            replicated()?;
            let mut v = app_json(w, &w.apps[idx]);
            v["@odata.context"] = json!(format!("{}/v1.0/$metadata#applications/$entity", shared.origin));
            Ok(Resp::json(200, &select(req, v)))
        }
        ("PATCH", None, 0) => {
            can_write(w, who)?;
            replicated()?;
            let b = body(req)?;
            let mut a = w.apps[idx].clone();
            apply_app_props(&mut a, &b)?;
            if let Some(sp) = w.sps.iter_mut().find(|s| s.app_id == a.app_id) {
                sp.display_name = a.display_name.clone();
            }
            w.apps[idx] = a;
            Ok(Resp::new(204))
        }
        ("DELETE", None, 0) => {
            can_write(w, who)?;
            let app_id = w.apps[idx].app_id;
            w.apps.remove(idx);
            w.sps.retain(|s| s.app_id != app_id);
            Ok(Resp::new(204))
        }
        ("POST", Some("addPassword"), 1) => {
            can_write(w, who)?;
            add_password(shared, req, w, idx)
        }
        ("POST", Some("removePassword"), 1) => {
            can_write(w, who)?;
            let b = body(req)?;
            let key = b
                .get("keyId")
                .and_then(Value::as_str)
                .and_then(parse_guid)
                .ok_or_else(|| E::BadRequest("Invalid value specified for property 'keyId'.".into()))?;
            let a = &mut w.apps[idx];
            let before = a.secrets.len();
            a.secrets.retain(|s| s.key_id != key);
            if a.secrets.len() == before {
                return Err(E::BadRequest(format!(
                    "No password credential found with keyId '{key}'."
                )));
            }
            Ok(Resp::new(204))
        }
        (_, Some("owners"), _) => {
            replicated()?;
            route_owners(shared, req, w, who, Owned::App(idx), rest)
        }
        _ => Err(E::SegmentNotFound(rest.first().cloned().unwrap_or_default())),
    }
}

/// addPassword: a new client secret, its value shown once.
/// <https://learn.microsoft.com/graph/api/application-addpassword>
fn add_password(shared: &Shared, req: &Req, w: &mut World, idx: usize) -> R {
    let b = body(req)?;
    let pc = b.get("passwordCredential").cloned().unwrap_or(json!({}));
    let parse = |name: &str| -> Result<Option<time::OffsetDateTime>, E> {
        match pc.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => parse_iso(s).map(Some).ok_or_else(|| {
                E::BadRequest(format!(
                    "Invalid value specified for property '{name}' of resource 'PasswordCredential'."
                ))
            }),
            Some(_) => Err(E::BadRequest(format!(
                "Invalid value specified for property '{name}' of resource 'PasswordCredential'."
            ))),
        }
    };
    let start = parse("startDateTime")?.unwrap_or_else(now);
    let end = match parse("endDateTime")? {
        Some(e) => e,
        None => start
            .replace_year(start.year() + 2)
            .unwrap_or(start + time::Duration::days(730)),
    };
    if end <= start {
        return Err(E::BadRequest("Key credential end date is invalid.".into()));
    }
    if w.config.secret_policy != SecretPolicy::Allowed {
        return Err(E::PasswordsNotAllowed {
            policy: det_uuid("tenant app management policy").to_string(),
            in_details: w.config.secret_policy == SecretPolicy::BlockedInDetails,
        });
    }
    if let Some(max) = w.config.secret_max_lifetime_days {
        if end - start > time::Duration::days(max as i64) {
            return Err(E::InvalidLifetime {
                policy: det_uuid("tenant app management policy").to_string(),
                max_days: max,
            });
        }
    }
    let value = format!(
        "{}{}Q~{}",
        random_string(3, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
        random_string(1, b"0123456789"),
        random_string(
            34,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-"
        )
    );
    let s = Secret {
        key_id: new_uuid(),
        hint: value.chars().take(3).collect(),
        value,
        display_name: pc.get("displayName").and_then(Value::as_str).map(str::to_string),
        start,
        end,
        created: Some(Instant::now()),
        active_from: Some(Instant::now() + std::time::Duration::from_millis(w.config.secret_activation_delay_ms)),
    };
    let mut v = password_json(&s, true);
    v["@odata.context"] = json!(format!(
        "{}/v1.0/$metadata#microsoft.graph.passwordCredential",
        shared.origin
    ));
    w.apps[idx].secrets.push(s);
    Ok(Resp::json(200, &v))
}

/// The application whose `uniqueName` is `name` (case-insensitive, as keys are).
pub(super) fn app_by_unique_name(w: &World, name: &str) -> Option<usize> {
    w.apps.iter().position(|a| {
        a.extra
            .get("uniqueName")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}
