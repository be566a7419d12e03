//! Entra ID v2.0: OIDC discovery, JWKS, instance discovery, the token endpoint (client credentials,
//! device code, refresh token) and the device authorization endpoint.
//!
//! Follows entra-and-graph.md: §1.2 client credentials (secret in the body or HTTP Basic, one
//! resource per request, `/.default`), §1.3 device code (responses, polling errors, 53003 and
//! 7000218), §1.4 refresh token (one refresh token serves every resource; the first resource of the
//! scope wins; a new refresh token each time, the old one stays valid), §1.5 error JSON, §1.6
//! discovery documents (`Cache-Control: max-age=86400, private`) and instance discovery, §1.7 claims
//! (v1-style tokens: `iss` = `https://sts.windows.net/{tid}/`, `appid`, `oid`, `scp`/`roles`), §2 AADSTS
//! codes, §3.6 replication delay (700016 for a new app, 7000215 for a new secret), §6.1 MSAL's extra
//! parameters (`client_info`, `claims`, `code`), which are ignored except `client_info=1`.
//!
//! Not emulated: authorization-code and implicit flows (`/authorize` answers 501), certificates and
//! client assertions (treated as a wrong secret), MFA and consent prompts, `consumers`, the v1
//! `/oauth2/token` endpoint, token revocation, refresh-token expiry, SSO cookies, localisation (`mkt`).
//! Unconfirmed choices are listed in `errors.rs`; `slow_down` is sent when a client polls faster
//! than 80% of the interval (RFC 8628; whether Entra sends it is unconfirmed).

use crate::errors::{aad_headers, Aad};
use crate::http::{Req, Resp};
use crate::resources::{DISCO, GRAPH, GRAPH_APP_ID};
use crate::state::Shared;
use crate::store::{approve, default_admin, DeviceCode, DeviceStatus, RefreshGrant, User, World};
use crate::util::{b64url, new_uuid, now, parse_guid, random_string, unix};
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

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
fn split_scope(scope: &str) -> (String, String) {
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

pub fn handle(shared: &Shared, req: &Req) -> Resp {
    let segs = req.segments();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match (req.method.as_str(), segs.as_slice()) {
        (_, ["devicelogin", ..]) => crate::devicelogin::handle(shared, req),
        ("GET", ["common", "discovery", "instance"]) => instance_discovery(shared, req),
        ("GET", [t, "v2.0", ".well-known", "openid-configuration"]) => openid_configuration(shared, req, t),
        ("GET", [t, "discovery", "v2.0", "keys"]) | ("GET", [t, "discovery", "keys"]) => {
            let w = shared.world();
            match resolve_tenant(&w, t) {
                Ok(_) => Resp::json(200, &shared.signer.jwks()).header("Cache-Control", "max-age=86400, private"),
                Err(e) => e.render(req),
            }
        }
        ("POST", [t, "oauth2", "v2.0", "token"]) => token(shared, req, t),
        ("POST", [t, "oauth2", "v2.0", "devicecode"]) => devicecode(shared, req, t),
        (_, [_, "oauth2", ..]) => Resp::html(
            501,
            "<!DOCTYPE html><html><body><h1>Not emulated</h1><p>wpcrm-sandbox emulates the client-credentials, device-code and refresh-token flows only.</p></body></html>".into(),
        ),
        ("GET", ["error"]) => Resp::html(
            200,
            format!("<!DOCTYPE html><html><body><h1>Error {}</h1><p>See the error_description of the response.</p></body></html>", crate::util::percent_decode(&req.q("code").unwrap_or_default())),
        ),
        _ => Resp::html(404, "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>".into()),
    }
}

fn instance_discovery(shared: &Shared, req: &Req) -> Resp {
    let ep = req.q("authorization_endpoint").unwrap_or_default();
    let parsed = url::Url::parse(&ep).ok();
    let host_ok = parsed
        .as_ref()
        .and_then(|u| {
            u.host_str()
                .map(|h| matches!(h, "127.0.0.1" | "localhost" | "[::1]" | "::1"))
        })
        .unwrap_or(false);
    if !host_ok {
        return Aad::InvalidInstance.render(req);
    }
    let tenant = parsed
        .as_ref()
        .and_then(|u| u.path_segments().and_then(|mut s| s.next().map(str::to_string)))
        .unwrap_or_else(|| "common".into());
    let port = shared.port;
    let body = json!({
        "tenant_discovery_endpoint": format!("{}/{tenant}/v2.0/.well-known/openid-configuration", shared.origin),
        "api-version": "1.1",
        "metadata": [{
            "preferred_network": format!("127.0.0.1:{port}"),
            "preferred_cache": format!("127.0.0.1:{port}"),
            "aliases": [format!("127.0.0.1:{port}"), format!("localhost:{port}"), "127.0.0.1", "localhost"]
        }]
    });
    Resp::json(200, &body).header("Cache-Control", "max-age=86400, private")
}

fn openid_configuration(shared: &Shared, req: &Req, seg: &str) -> Resp {
    let w = shared.world();
    let kind = match resolve_tenant(&w, seg) {
        Ok(k) => k,
        Err(Aad::TenantNotFound { tenant }) => return Aad::TenantNotFoundDiscovery { tenant }.render(req),
        Err(e) => return e.render(req),
    };
    let o = &shared.origin;
    let (t, issuer_tid) = match kind {
        TenantSeg::Ours => (w.tenant_id.to_string(), w.tenant_id.to_string()),
        TenantSeg::Generic => (seg.to_ascii_lowercase(), "{tenantid}".to_string()),
    };
    let body = json!({
        "token_endpoint": format!("{o}/{t}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{o}/{t}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{o}/{issuer_tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": format!("{o}/{t}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{o}/{t}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{o}/{t}/oauth2/v2.0/logout"),
        "claims_supported": ["sub","iss","cloud_instance_name","cloud_instance_host_name","cloud_graph_host_name","msgraph_host","aud","exp","iat","auth_time","acr","nonce","preferred_username","name","tid","ver","at_hash","c_hash","email"],
        "kerberos_endpoint": format!("{o}/{t}/kerberos"),
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net"
    });
    Resp::json(200, &body)
        .header("Cache-Control", "max-age=86400, private")
        .header("Access-Control-Allow-Origin", "*")
}

/// Client credentials from the body or HTTP Basic (RFC 6749 §2.3.1: both parts form-encoded).
fn client_auth(req: &Req, form: &HashMap<String, String>) -> (Option<String>, Option<String>) {
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

fn token(shared: &Shared, req: &Req, seg: &str) -> Resp {
    let form = req.form();
    let mut w = shared.world();
    let tenant = match resolve_tenant(&w, seg) {
        Ok(t) => t,
        Err(e) => return e.render(req),
    };
    let grant = match form.get("grant_type") {
        Some(g) if !g.is_empty() => g.clone(),
        _ => {
            return Aad::MissingParameter {
                name: "grant_type".into(),
            }
            .render(req)
        }
    };
    let result = match grant.as_str() {
        "client_credentials" => client_credentials(shared, &w, req, &form, seg, tenant),
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => device_poll(shared, &mut w, req, &form, seg),
        "refresh_token" => refresh(shared, &mut w, req, &form, seg),
        other => Err(Aad::UnsupportedGrantType {
            grant: other.to_string(),
        }),
    };
    match result {
        Ok(body) => aad_headers(Resp::json(200, &body), req),
        Err(e) => e.render(req),
    }
}

fn client_credentials(
    shared: &Shared,
    w: &World,
    req: &Req,
    form: &HashMap<String, String>,
    seg: &str,
    tenant: TenantSeg,
) -> Result<Value, Aad> {
    if matches!(tenant, TenantSeg::Generic) {
        return Err(Aad::NoTenantInfo);
    }
    let (client_id, secret) = client_auth(req, form);
    let client_id = client_id.ok_or(Aad::MissingParameter {
        name: "client_id".into(),
    })?;
    let scope = form
        .get("scope")
        .filter(|s| !s.trim().is_empty())
        .ok_or(Aad::MissingParameter { name: "scope".into() })?;
    let unknown = || Aad::UnknownApp {
        app_id: client_id.clone(),
        tenant: seg.to_string(),
    };
    let app_id = parse_guid(&client_id).ok_or_else(unknown)?;
    if w.is_public_client(app_id) {
        return Err(if secret.is_some() {
            Aad::InvalidSecret {
                app_id: client_id.clone(),
            }
        } else {
            Aad::MissingSecret
        });
    }
    let app = w
        .app_by_app_id(app_id)
        .filter(|a| !w.replicating(a.created))
        .ok_or_else(unknown)?;
    let secret = match secret {
        Some(s) => s,
        None if form.contains_key("client_assertion") => {
            return Err(Aad::InvalidSecret {
                app_id: client_id.clone(),
            })
        }
        None => return Err(Aad::MissingSecret),
    };
    let matched = app
        .secrets
        .iter()
        .find(|s| s.value == secret)
        .filter(|s| !w.replicating(s.created))
        .ok_or(Aad::InvalidSecret {
            app_id: client_id.clone(),
        })?;
    if matched.end <= now() {
        return Err(Aad::ExpiredSecret {
            app_id: client_id.clone(),
        });
    }
    // One resource per request, always `/.default` (§1.2).
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let mut resources: Vec<String> = Vec::new();
    for s in &scopes {
        let Some(res) = s.strip_suffix("/.default") else {
            return Err(Aad::InvalidScope { scope: s.to_string() });
        };
        if !resources.iter().any(|r| r.eq_ignore_ascii_case(res)) {
            resources.push(res.to_string());
        }
    }
    if resources.len() > 1 {
        return Err(Aad::MultipleResources { scope: scope.clone() });
    }
    let resource = &resources[0];
    let aud = resolve_resource(w, &shared.origin, shared.port, resource).ok_or_else(|| Aad::UnknownResource {
        resource: resource.clone(),
        tenant: w.tenant_domain.clone(),
    })?;
    let oid = w
        .sps
        .iter()
        .find(|s| s.app_id == app_id)
        .map(|s| s.id)
        .unwrap_or(app.object_id);
    let lifetime = w.config.token_lifetime_s;
    let t = unix(now());
    let claims = json!({
        "aud": aud,
        "iss": format!("https://sts.windows.net/{}/", w.tenant_id),
        "iat": t, "nbf": t, "exp": t + lifetime as i64,
        "aio": random_string(24, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
        "app_displayname": app.display_name,
        "appid": app.app_id.to_string(),
        "azp": app.app_id.to_string(),
        "appidacr": "1",
        "idp": format!("https://sts.windows.net/{}/", w.tenant_id),
        "idtyp": "app",
        "oid": oid.to_string(),
        "sub": oid.to_string(),
        "roles": [],
        "tid": w.tenant_id.to_string(),
        "uti": new_uuid().simple().to_string(),
        "ver": "1.0",
        "xms_sbx": shared.instance,
    });
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": shared.signer.sign(&claims),
    }))
}

/// Client of a user flow: a well-known public client or a tenant app (not while replicating).
fn user_flow_client(w: &World, client_id: &str, seg: &str) -> Result<(Uuid, String, bool), Aad> {
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

fn devicecode(shared: &Shared, req: &Req, seg: &str) -> Resp {
    let form = req.form();
    let mut w = shared.world();
    if let Err(e) = resolve_tenant(&w, seg) {
        return e.render(req);
    }
    let Some(client_id) = form.get("client_id").filter(|s| !s.is_empty()) else {
        return Aad::MissingParameter {
            name: "client_id".into(),
        }
        .render(req);
    };
    let Some(scope) = form.get("scope").filter(|s| !s.trim().is_empty()) else {
        return Aad::MissingParameter { name: "scope".into() }.render(req);
    };
    let client = match user_flow_client(&w, client_id, seg) {
        Ok(c) => c,
        Err(e) => return e.render(req),
    };
    let scopes: Vec<String> = scope.split_whitespace().map(str::to_string).collect();
    let resource = match first_resource(&w, shared, &scopes) {
        Ok(r) => r,
        Err(e) => return e.render(req),
    };
    let user_code = random_string(8, b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789");
    let device_code = format!(
        "DAQABIQEAAAD{}",
        random_string(96, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    );
    let issued = now();
    let expires_in = w.config.device_expires_s;
    let interval = w.config.device_interval_s;
    w.devices.push(DeviceCode {
        device_code: device_code.clone(),
        user_code: user_code.clone(),
        client_id: client.0,
        tenant_segment: seg.to_string(),
        scopes,
        resource,
        issued_at: issued,
        expires_at: issued + time::Duration::seconds(expires_in as i64),
        interval_s: interval,
        last_poll: None,
        status: DeviceStatus::Pending,
        redeemed: false,
    });
    if w.config.auto_approve {
        if let Some(admin) = default_admin(&w) {
            approve(&mut w, &user_code, admin);
        }
    }
    let verification_uri = format!("{}/devicelogin", shared.origin);
    let body = json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": expires_in,
        "interval": interval,
        "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
    });
    aad_headers(Resp::json(200, &body), req)
}

/// The resource of a delegated request: the first non-OIDC scope's resource (Graph when none).
fn first_resource(w: &World, shared: &Shared, scopes: &[String]) -> Result<String, Aad> {
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

fn device_poll(
    shared: &Shared,
    w: &mut World,
    req: &Req,
    form: &HashMap<String, String>,
    seg: &str,
) -> Result<Value, Aad> {
    let (client_id, secret) = client_auth(req, form);
    let client_id = client_id.ok_or(Aad::MissingParameter {
        name: "client_id".into(),
    })?;
    let device_code = form
        .get("device_code")
        .filter(|s| !s.is_empty())
        .ok_or(Aad::MissingParameter {
            name: "device_code".into(),
        })?
        .clone();
    let (cid, _, public) = user_flow_client(w, &client_id, seg)?;
    if !public && secret.is_none() {
        return Err(Aad::MissingSecret);
    }
    let interval_ms = w.config.device_interval_s * 1000;
    let d = w
        .devices
        .iter_mut()
        .find(|d| d.device_code == device_code && d.client_id == cid)
        .ok_or(Aad::BadVerificationCode)?;
    if d.redeemed {
        return Err(Aad::BadVerificationCode);
    }
    if d.status == DeviceStatus::Expired || now() >= d.expires_at {
        d.status = DeviceStatus::Expired;
        return Err(Aad::ExpiredToken);
    }
    let (user, scopes) = match d.status.clone() {
        DeviceStatus::Declined => return Err(Aad::AuthorizationDeclined),
        DeviceStatus::Blocked => return Err(Aad::ConditionalAccess),
        DeviceStatus::Expired => return Err(Aad::ExpiredToken),
        DeviceStatus::Pending => {
            let too_fast = d
                .last_poll
                .map(|t| (t.elapsed().as_millis() as u64) * 10 < interval_ms.min(d.interval_s * 1000) * 8)
                .unwrap_or(false);
            d.last_poll = Some(std::time::Instant::now());
            return Err(if too_fast {
                Aad::SlowDown
            } else {
                Aad::AuthorizationPending
            });
        }
        DeviceStatus::Approved(u) => {
            d.redeemed = true;
            (u, d.scopes.clone())
        }
    };
    let user = w.user_by_id(user).cloned().ok_or(Aad::BadVerificationCode)?;
    let want_client_info = form.get("client_info").map(|v| v == "1").unwrap_or(false);
    issue_user_tokens(shared, w, &user, cid, &scopes, want_client_info, false)
}

fn refresh(shared: &Shared, w: &mut World, req: &Req, form: &HashMap<String, String>, seg: &str) -> Result<Value, Aad> {
    let (client_id, _secret) = client_auth(req, form);
    let client_id = client_id.ok_or(Aad::MissingParameter {
        name: "client_id".into(),
    })?;
    let rt = form
        .get("refresh_token")
        .filter(|s| !s.is_empty())
        .ok_or(Aad::MissingParameter {
            name: "refresh_token".into(),
        })?;
    let (cid, _, _) = user_flow_client(w, &client_id, seg)?;
    let grant = w.refresh_tokens.get(rt).cloned().ok_or(Aad::InvalidRefreshToken)?;
    if grant.client_id != cid {
        return Err(Aad::InvalidRefreshToken);
    }
    let scopes: Vec<String> = match form.get("scope").filter(|s| !s.trim().is_empty()) {
        Some(s) => s.split_whitespace().map(str::to_string).collect(),
        None => grant.scopes.clone(),
    };
    let user = w.user_by_id(grant.user).cloned().ok_or(Aad::InvalidRefreshToken)?;
    let want_client_info = form.get("client_info").map(|v| v == "1").unwrap_or(false);
    issue_user_tokens(shared, w, &user, cid, &scopes, want_client_info, true)
}

fn issue_user_tokens(
    shared: &Shared,
    w: &mut World,
    user: &User,
    client_id: Uuid,
    scopes: &[String],
    want_client_info: bool,
    always_refresh: bool,
) -> Result<Value, Aad> {
    let aud = first_resource(w, shared, scopes)?;
    // Permissions for this resource: named ones, or the resource's defaults for `.default`.
    let mut perms: Vec<String> = scopes
        .iter()
        .filter(|s| !OIDC_SCOPES.contains(&s.as_str()))
        .map(|s| split_scope(s))
        .filter(|(r, _)| resolve_resource(w, &shared.origin, shared.port, r).as_deref() == Some(aud.as_str()))
        .map(|(_, p)| p)
        .filter(|p| p != ".default" && !p.is_empty())
        .collect();
    if perms.is_empty() {
        perms = if aud == GRAPH {
            vec![
                "Application.ReadWrite.All".into(),
                "Directory.Read.All".into(),
                "User.Read".into(),
            ]
        } else {
            vec!["user_impersonation".into()]
        };
    }
    let lifetime = w.config.token_lifetime_s;
    let t = unix(now());
    let client_name = w
        .public_clients
        .iter()
        .find(|(c, _)| *c == client_id)
        .map(|(_, n)| n.clone())
        .or_else(|| w.app_by_app_id(client_id).map(|a| a.display_name.clone()))
        .unwrap_or_default();
    let claims = json!({
        "aud": aud,
        "iss": format!("https://sts.windows.net/{}/", w.tenant_id),
        "iat": t, "nbf": t, "exp": t + lifetime as i64,
        "acr": "1",
        "amr": ["pwd"],
        "app_displayname": client_name,
        "appid": client_id.to_string(),
        "azp": client_id.to_string(),
        "appidacr": "0",
        "idtyp": "user",
        "ipaddr": "127.0.0.1",
        "name": user.display_name,
        "oid": user.id.to_string(),
        "scp": perms.join(" "),
        "sub": user.id.simple().to_string(),
        "tid": w.tenant_id.to_string(),
        "unique_name": user.upn,
        "upn": user.upn,
        "uti": new_uuid().simple().to_string(),
        "ver": "1.0",
        "xms_sbx": shared.instance,
    });
    let granted: Vec<String> = if aud == GRAPH {
        perms.iter().map(|p| format!("{GRAPH}/{p}")).collect()
    } else {
        perms.iter().map(|p| format!("{aud}/{p}")).collect()
    };
    let mut body = json!({
        "token_type": "Bearer",
        "scope": granted.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": shared.signer.sign(&claims),
    });
    if always_refresh || scopes.iter().any(|s| s == "offline_access") {
        let rt = format!(
            "1.AQ{}",
            random_string(120, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        );
        w.refresh_tokens.insert(
            rt.clone(),
            RefreshGrant {
                user: user.id,
                client_id,
                scopes: scopes.to_vec(),
            },
        );
        body["refresh_token"] = json!(rt);
    }
    if scopes.iter().any(|s| s == "openid") {
        let id_claims = json!({
            "aud": client_id.to_string(),
            "iss": format!("{}/{}/v2.0", shared.origin, w.tenant_id),
            "iat": t, "nbf": t, "exp": t + 3600,
            "name": user.display_name,
            "oid": user.id.to_string(),
            "preferred_username": user.upn,
            "sub": b64url(ring::digest::digest(&ring::digest::SHA256, format!("{}{}", user.id, client_id).as_bytes()).as_ref()),
            "tid": w.tenant_id.to_string(),
            "ver": "2.0",
            "xms_sbx": shared.instance,
        });
        body["id_token"] = json!(shared.signer.sign(&id_claims));
    }
    if want_client_info {
        body["client_info"] = json!(b64url(
            json!({"uid": user.id.to_string(), "utid": w.tenant_id.to_string()})
                .to_string()
                .as_bytes()
        ));
    }
    Ok(body)
}
