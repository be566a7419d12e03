//! Keeps every cloud to itself (`crate::clouds`): which authority a token request stands for,
//! whether that authority may issue a token for the resource asked for, and whether a Graph,
//! discovery or Dataverse request carries a token of its own cloud.
//!
//! Documented: tokens and app registrations of a national cloud are valid in that cloud only
//! (<https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud>). Silent,
//! and chosen here: an authority asked for another cloud's resource answers AADSTS500011 (the
//! resource principal is not found in the tenant), and a resource given another cloud's token
//! answers as for any token it cannot validate (Graph 401 `InvalidAuthenticationToken`, discovery
//! and Dataverse 401 with their challenge).

use crate::auth::{verify_bearer, Caller};
use crate::clouds::{authority_of_login_host, discovery_cloud, forwarded_host, graph_cloud, SbCloud};
use crate::errors::{Aad, Graph};
use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::World;
use serde_json::Value;

/// The private claim naming the authority that issued a token (`global`, `usgov`, `china`).
pub const CLOUD_CLAIM: &str = "xms_sbx_cloud";

/// The authority a token request stands for: its `X-Forwarded-Host`, else the public one.
pub fn issuing_authority(req: &Req) -> &'static str {
    forwarded_host(req)
        .and_then(|h| authority_of_login_host(&h))
        .unwrap_or("global")
}

/// The authority that issued `caller`'s token (tokens without the claim are the public cloud's).
pub fn token_authority(caller: &Caller) -> &str {
    caller.claims[CLOUD_CLAIM].as_str().unwrap_or("global")
}

/// `https://{org}.{suffix}` naming a seeded environment of that cloud: (audience, environment name).
pub fn env_of_real_url(w: &World, resource: &str) -> Option<String> {
    let host = resource.trim_end_matches('/').strip_prefix("https://")?;
    if host.contains('/') {
        return None;
    }
    let (cloud, org) = SbCloud::of_env_host(host)?;
    let env = w.env(&org).filter(|e| e.cloud == cloud)?;
    Some(format!(
        "https://{}.{}",
        env.name,
        host.split_once('.')?.1.trim_start_matches("api.")
    ))
}

/// The cloud of the resource a token is for: Graph, discovery, or an environment (by its real URL
/// or its sandbox URL). `None` for what no cloud owns.
fn resource_cloud(w: &World, origin: &str, aud: &str) -> Option<SbCloud> {
    let aud = aud.trim_end_matches('/').to_ascii_lowercase();
    if let Some(c) = graph_cloud(&aud).or_else(|| discovery_cloud(&aud)) {
        return Some(c);
    }
    if let Some(host) = aud.strip_prefix("https://").filter(|h| !h.contains('/')) {
        if let Some((cloud, _)) = SbCloud::of_env_host(host) {
            return Some(cloud);
        }
    }
    if aud == origin {
        return w.envs.first().map(|e| e.cloud);
    }
    let env = aud.strip_prefix(origin)?.strip_prefix('/')?;
    w.env(env).map(|e| e.cloud)
}

/// Stamps the access token of a successful token answer with its issuing authority, or refuses
/// it when that authority does not serve the token's resource (AADSTS500011).
pub fn stamp(shared: &Shared, w: &World, req: &Req, mut body: Value) -> Result<Value, Aad> {
    let Some(token) = body["access_token"].as_str() else {
        return Ok(body);
    };
    let Ok(mut claims) = shared
        .signer
        .verify(token, &shared.instance, crate::util::unix(crate::util::now()))
    else {
        return Ok(body);
    };
    let authority = issuing_authority(req);
    let aud = claims["aud"].as_str().unwrap_or_default().to_string();
    if resource_cloud(w, &shared.origin, &aud).is_some_and(|c| c.authority() != authority) {
        return Err(Aad::UnknownResource {
            resource: aud,
            tenant: w.tenant_domain.clone(),
        });
    }
    claims[CLOUD_CLAIM] = Value::String(authority.to_string());
    body["access_token"] = Value::String(shared.signer.sign(&claims));
    Ok(body)
}

/// Graph and discovery: the request's real host (public when not named) must be the one the
/// token's audience names, and the token must come from that cloud's authority. `None` lets the
/// service answer (its own checks still apply); `Some` is the refusal.
pub fn gate(shared: &Shared, req: &Req, graph: bool) -> Option<Resp> {
    let caller = verify_bearer(shared, req).ok().flatten()?;
    let host = forwarded_host(req);
    let cloud = match (&host, graph) {
        (None, _) => SbCloud::Public,
        (Some(h), true) => graph_cloud(h)?,
        (Some(h), false) => discovery_cloud(h)?,
    };
    let (want, aud_cloud) = if graph {
        (cloud.graph_host(), graph_cloud(caller.aud()))
    } else {
        (cloud.discovery_host(), discovery_cloud(caller.aud()))
    };
    let aud_host_ok = aud_cloud.is_some_and(|c| if graph { c.graph_host() } else { c.discovery_host() } == want);
    // Graph's app id as audience names Graph of the token's own cloud.
    let aud_ok = aud_host_ok || (graph && caller.aud() == crate::resources::GRAPH_APP_ID);
    if aud_ok && token_authority(&caller) == cloud.authority() {
        return None;
    }
    Some(if graph {
        Graph::TokenInvalid("Access token validation failure. Invalid audience.").render(req)
    } else {
        crate::errors::Disco::Unauthenticated {
            authorization_uri: format!("https://{}/organizations/oauth2/authorize", cloud.login_host()),
            resource_id: format!("https://{want}/"),
        }
        .render(req)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_environment_is_found_by_its_real_url_in_its_own_cloud_only() {
        let mut w = World::from_seed(&crate::seed::Seed::default_seed(), Default::default()).unwrap();
        w.envs[0].cloud = SbCloud::UsGovHigh;
        let name = w.envs[0].name.clone();
        assert_eq!(
            env_of_real_url(&w, &format!("https://{name}.crm.microsoftdynamics.us")),
            Some(format!("https://{name}.crm.microsoftdynamics.us"))
        );
        assert_eq!(env_of_real_url(&w, &format!("https://{name}.crm.dynamics.com")), None);
        assert_eq!(
            resource_cloud(&w, "https://127.0.0.1:1", &format!("https://127.0.0.1:1/{name}")),
            Some(SbCloud::UsGovHigh)
        );
        assert_eq!(
            resource_cloud(&w, "https://127.0.0.1:1", "https://graph.microsoft.us"),
            Some(SbCloud::UsGovHigh)
        );
    }
}
