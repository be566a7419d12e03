//! What the token endpoints resolve first: the tenant segment of the path, the resource of a scope,
//! and the client (public client or registered app) of a user flow, and client credentials.

use crate::errors::Aad;
use crate::http::Req;
use crate::resources::{DISCO, GRAPH, GRAPH_APP_ID};
use crate::state::Shared;
use crate::store::World;
use crate::util::parse_guid;
use std::collections::HashMap;
use uuid::Uuid;

/// Scopes that name no resource.
pub(super) const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

/// Whose tenant a path segment names: this sandbox's, or `organizations`/`common`.
pub enum TenantSeg {
    Ours,
    Generic,
}

pub fn resolve_tenant(w: &World, seg: &str) -> Result<TenantSeg, Aad> {
    let lower = seg.to_ascii_lowercase();
    if lower == "organizations" || lower == "common" {
        return Ok(TenantSeg::Generic);
    }
    if let Some(g) = parse_guid(&lower) {
        return if g == w.tenant_id {
            Ok(TenantSeg::Ours)
        } else {
            Err(Aad::TenantNotFound {
                tenant: seg.to_string(),
            })
        };
    }
    let is_dns = lower.contains('.')
        && lower.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if is_dns {
        return if lower == w.tenant_domain {
            Ok(TenantSeg::Ours)
        } else {
            Err(Aad::TenantNotFound {
                tenant: seg.to_string(),
            })
        };
    }
    if lower == "consumers" {
        return Err(Aad::TenantNotFound {
            tenant: seg.to_string(),
        });
    }
    Err(Aad::MalformedTenant {
        tenant: seg.to_string(),
    })
}

/// Maps a resource id (as in a scope before `/.default`) to the audience of the token, or `None`.
pub fn resolve_resource(w: &World, origin: &str, port: u16, resource: &str) -> Option<String> {
    let r = resource.trim().trim_end_matches('/');
    let lower = r.to_ascii_lowercase();
    if lower == GRAPH || lower == GRAPH_APP_ID || lower == "https://graph.microsoft.com/v1.0" {
        return Some(GRAPH.to_string());
    }
    if lower == DISCO {
        return Some(DISCO.to_string());
    }
    // Another cloud's Graph or Global Discovery, or an environment by its real host
    // (`crate::clouds`); which authority may issue it is `cloud_gate::may_issue`'s question.
    if crate::clouds::graph_cloud(&lower).is_some() || crate::clouds::discovery_cloud(&lower).is_some() {
        return Some(lower.clone());
    }
    if let Some(env) = crate::cloud_gate::env_of_real_url(w, &lower) {
        return Some(env);
    }
    for host in [
        format!("https://127.0.0.1:{port}/"),
        format!("https://localhost:{port}/"),
        format!("https://[::1]:{port}/"),
    ] {
        if lower == host.trim_end_matches('/') && !w.envs.is_empty() {
            // `{sandbox}` itself: the origin's own environment (the first seeded one).
            return Some(origin.to_string());
        }
        if let Some(rest) = lower.strip_prefix(&host) {
            if !rest.contains('/') {
                if let Some(env) = w.env(rest) {
                    return Some(format!("{origin}/{}", env.name));
                }
            }
        }
    }
    None
}

/// Splits a delegated scope into (resource, permission); bare permissions belong to Graph.
pub(super) fn split_scope(scope: &str) -> (String, String) {
    if scope.contains("://") {
        match scope.rfind('/') {
            Some(i) if i > scope.find("://").unwrap_or(0) + 2 => (scope[..i].to_string(), scope[i + 1..].to_string()),
            _ => (scope.to_string(), String::new()),
        }
    } else if let Some((res, perm)) = scope.split_once('/') {
        (res.to_string(), perm.to_string())
    } else {
        (GRAPH.to_string(), scope.to_string())
    }
}

/// Client credentials from the body or HTTP Basic (RFC 6749 §2.3.1: both parts form-encoded).
pub(super) fn client_auth(req: &Req, form: &HashMap<String, String>) -> (Option<String>, Option<String>) {
    let mut id = form.get("client_id").cloned().filter(|s| !s.is_empty());
    let mut secret = form.get("client_secret").cloned().filter(|s| !s.is_empty());
    if let Some(h) = req.header("authorization") {
        if let Some((scheme, rest)) = h.split_once(' ') {
            if scheme.eq_ignore_ascii_case("basic") {
                use base64::Engine;
                if let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(rest.trim()) {
                    let raw = String::from_utf8_lossy(&raw).into_owned();
                    if let Some((u, p)) = raw.split_once(':') {
                        let dec = |s: &str| {
                            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                                .next()
                                .map(|(_, v)| v.into_owned())
                                .unwrap_or_default()
                        };
                        id = id.or(Some(dec(u)));
                        secret = secret.or(Some(dec(p)));
                    }
                }
            }
        }
    }
    (id, secret)
}

/// Client of a user flow: a well-known public client or a tenant app (not while replicating).
pub(super) fn user_flow_client(w: &World, client_id: &str, seg: &str) -> Result<(Uuid, String, bool), Aad> {
    let unknown = || Aad::UnknownApp {
        app_id: client_id.to_string(),
        tenant: seg.to_string(),
    };
    let id = parse_guid(client_id).ok_or_else(unknown)?;
    if let Some((_, name)) = w.public_clients.iter().find(|(c, _)| *c == id) {
        return Ok((id, name.clone(), true));
    }
    let app = w
        .app_by_app_id(id)
        .filter(|a| !w.replicating(a.created))
        .ok_or_else(unknown)?;
    Ok((id, app.display_name.clone(), app.public_client))
}

/// A required form field that is present and not empty (AADSTS900144 otherwise).
pub(super) fn required<'a>(form: &'a HashMap<String, String>, name: &str) -> Result<&'a String, Aad> {
    form.get(name)
        .filter(|v| !v.is_empty())
        .ok_or(Aad::MissingParameter { name: name.into() })
}

/// The client of a user grant (device code, authorization code): its id, after checking that a
/// confidential client authenticated.
pub(super) fn grant_client(w: &World, req: &Req, form: &HashMap<String, String>, seg: &str) -> Result<Uuid, Aad> {
    let (client_id, secret) = client_auth(req, form);
    let client_id = client_id.ok_or(Aad::MissingParameter {
        name: "client_id".into(),
    })?;
    let (cid, _, public) = user_flow_client(w, &client_id, seg)?;
    if !public && secret.is_none() {
        return Err(Aad::MissingSecret);
    }
    Ok(cid)
}

/// The resource of a delegated request: the first non-OIDC scope's resource (Graph when none).
pub(super) fn first_resource(w: &World, shared: &Shared, scopes: &[String]) -> Result<String, Aad> {
    let first = scopes.iter().find(|s| !OIDC_SCOPES.contains(&s.as_str()));
    let Some(first) = first else {
        return Ok(GRAPH.to_string());
    };
    let (res, _) = split_scope(first);
    resolve_resource(w, &shared.origin, shared.port, &res).ok_or_else(|| Aad::UnknownResource {
        resource: res,
        tenant: w.tenant_domain.clone(),
    })
}
