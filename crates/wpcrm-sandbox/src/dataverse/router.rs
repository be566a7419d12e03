//! The Dataverse router: resolves the environment of a request, authenticates and identifies the
//! caller, applies service protection, and maps the path and method to one operation.
//!
//! A request standing for an environment's real host (`X-Forwarded-Host`, `crate::clouds`) must
//! name a host of the environment's own cloud (else 404, as an unknown host); its challenge then
//! names that cloud's authority and the real URL as resource, as the real service does
//! (`reference/dataverse-web-api.md` §2.4), and it accepts the real URL as audience. Every token
//! must come from the environment's cloud's authority (`cloud_gate`).

use super::context::{key_guid, split_key, Cx, R};
use super::{access, functions, metadata, records, security, throttling, users};
use crate::auth::verify_bearer;
use crate::errors::Dv;
use crate::http::{Req, Resp};
use crate::odata::odata_headers;
use crate::state::Shared;
use crate::store::{TableDef, World};
use std::sync::Arc;

/// Every request under `…/api/data/`: finds the environment and API version, checks the bearer
/// token (401 challenge naming the environment as resource), identifies the caller's systemuser,
/// applies the service-protection limits, and dispatches to the operation.
pub fn handle(shared: &Shared, req: &Req) -> Resp {
    let segs = req.segments();
    let mut w = shared.world();
    // `{sandbox}/api/data/…` is the origin's own environment (the first seeded one), as
    // `{sandbox}` is a valid instance URL (docs/sandbox.md, "The seed"); its audience is the
    // bare origin. Every other environment lives under `{sandbox}/{env}/api/data/…`.
    let at_root = segs.first().map(String::as_str) == Some("api");
    let (ei, prefix) = if at_root {
        if w.envs.is_empty() {
            return Resp::html(
                404,
                "<!DOCTYPE html><html><body><h1>404 - Not Found</h1></body></html>".into(),
            );
        }
        (0, String::new())
    } else {
        let env_seg = segs[0].clone();
        match w.envs.iter().position(|e| e.name.eq_ignore_ascii_case(&env_seg)) {
            Some(ei) => (ei, format!("/{}", w.envs[ei].name)),
            None => {
                return Resp::html(404, "<!DOCTYPE html><html><body><h1>404 - Not Found</h1><p>No Dataverse environment here.</p></body></html>".into());
            }
        }
    };
    let env_name = w.envs[ei].name.clone();
    let vi = if at_root { 2 } else { 3 };
    let version = segs.get(vi).cloned().unwrap_or_default();
    if segs.len() <= vi || !matches!(version.as_str(), "v9.0" | "v9.1" | "v9.2") {
        return Dv::SegmentNotFound(version).render(req);
    }
    let resource_id = format!("{}{prefix}", shared.origin);
    let Some((real_url, authority)) = real_host(req, &w, ei) else {
        return not_here();
    };
    let challenge = || {
        let (authority, resource) = match &real_url {
            Some(url) => (format!("https://{authority}"), url.clone()),
            None => (shared.origin.clone(), resource_id.clone()),
        };
        Dv::Unauthenticated {
            authorization_uri: format!("{authority}/{}/oauth2/authorize", w.tenant_id),
            resource_id: format!("{resource}/"),
        }
        .render(req)
    };
    let caller = match verify_bearer(shared, req) {
        Ok(Some(c)) => c,
        _ => return challenge(),
    };
    let aud = caller.aud().trim_end_matches('/');
    let aud_ok = aud.eq_ignore_ascii_case(&resource_id)
        || crate::cloud_gate::env_of_real_url(&w, &aud.to_ascii_lowercase()).is_some_and(|a| {
            a.eq_ignore_ascii_case(aud) && w.env(host_org(aud)).map(|e| e.name.as_str()) == Some(env_name.as_str())
        });
    if !aud_ok || crate::cloud_gate::token_authority(&caller) != w.envs[ei].cloud.authority() {
        return challenge();
    }
    let user = match access::identify(&w, ei, &caller) {
        Ok(u) => u,
        Err(e) => return e.render(req),
    };
    // Service protection: a sliding window per caller.
    let admitted = match throttling::admit(&mut w, env_name, user) {
        Ok(a) => a,
        Err(e) => return e.render(req),
    };
    let cx = Cx {
        req,
        base: format!("{resource_id}/api/data/{version}"),
        ei,
        caller: user,
    };
    let rest: Vec<String> = segs[vi + 1..].to_vec();
    let resp = match route(&cx, &mut w, &rest) {
        Ok(r) => odata_headers(r, req),
        Err(e) => e.render(req),
    };
    throttling::ratelimit_headers(resp, &admitted)
}

/// The real URL (`https://{org}.{suffix}`) the request stands for, if it names one, and the login
/// host of the environment's cloud; `None` when the named host is not this environment's.
fn real_host(req: &Req, w: &World, ei: usize) -> Option<(Option<String>, &'static str)> {
    let env = &w.envs[ei];
    let login = env.cloud.login_host();
    let Some(host) = crate::clouds::forwarded_host(req) else {
        return Some((None, login));
    };
    let (cloud, org) = crate::clouds::SbCloud::of_env_host(&host)?;
    if cloud != env.cloud || !org.eq_ignore_ascii_case(&env.name) {
        return None;
    }
    let suffix = host.split_once('.')?.1.trim_start_matches("api.");
    Some((Some(format!("https://{}.{suffix}", env.name)), login))
}

/// The organization label of `https://{org}.…`.
fn host_org(url: &str) -> &str {
    let host = url.strip_prefix("https://").unwrap_or(url);
    host.split('.').next().unwrap_or("")
}

fn not_here() -> Resp {
    Resp::html(
        404,
        "<!DOCTYPE html><html><body><h1>404 - Not Found</h1><p>No Dataverse environment here.</p></body></html>".into(),
    )
}

/// Dispatches the path after `/api/data/v9.x/` to its operation.
fn route(cx: &Cx, w: &mut World, rest: &[String]) -> R {
    let m = cx.req.method.as_str();
    if rest.is_empty() {
        return functions::service_document(cx, w);
    }
    let (name, key) = split_key(&rest[0]);
    match (m, name.as_str(), rest.len()) {
        ("GET", "$metadata", 1) => functions::csdl_metadata(),
        ("GET", "WhoAmI", 1) => functions::who_am_i(cx, w),
        ("GET", "RetrieveVersion", 1) => functions::retrieve_version(cx, w),
        ("GET", "RetrieveCurrentOrganization", 1) => functions::retrieve_current_organization(cx, w),
        ("GET", "RetrieveRolePrivilegesRole", 1) => security::retrieve_role_privileges_role(cx, w, key),
        ("GET", "EntityDefinitions", 1) => metadata::entity_definitions(cx, w, key),
        ("GET", "EntityDefinitions", _) => metadata::attribute_definitions(cx, w, key, &rest[1..]),
        ("GET", "privileges", 1) => security::list_privileges(cx, w),
        (_, "systemusers", n) if n >= 2 => users::systemuser_navigation(cx, w, key_guid(&key), &rest[1..]),
        (_, "roles", n) if n >= 2 => security::role_navigation(cx, w, key_guid(&key), &rest[1..]),
        (_, set, 1) => {
            let Some(table) = w.envs[cx.ei].table_by_set(set) else {
                return Err(Dv::SegmentNotFound(set.to_string()));
            };
            entity_set(cx, w, table, key)
        }
        _ => Err(Dv::SegmentNotFound(name)),
    }
}

/// `{set}` and `{set}(id)`: the table-row operations by method.
fn entity_set(cx: &Cx, w: &mut World, t: Arc<TableDef>, key: Option<String>) -> R {
    let m = cx.req.method.clone();
    match (m.as_str(), &key) {
        ("GET", None) => records::retrieve_multiple(cx, w, &t),
        ("GET", Some(_)) => records::retrieve_record(cx, w, &t, &key),
        ("POST", None) => records::create(cx, w, &t),
        ("PATCH", Some(_)) => records::update(cx, w, &t, key_guid(&key)),
        ("DELETE", Some(_)) => records::delete(cx, w, &t, key_guid(&key)),
        _ => Err(Dv::MethodNotAllowed),
    }
}
