//! The token endpoint (`POST /{tenant}/oauth2/v2.0/token`): the client-credentials, device-code
//! and refresh-token grants, and the user tokens they issue.
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>,
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code#authenticating-the-user>,
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token>

use super::tenant::{
    client_auth, first_resource, resolve_resource, resolve_tenant, split_scope, user_flow_client, TenantSeg,
    OIDC_SCOPES,
};
use crate::errors::{aad_headers, Aad};
use crate::http::{Req, Resp};
use crate::resources::GRAPH;
use crate::state::Shared;
use crate::store::{DeviceStatus, RefreshGrant, User, World};
use crate::util::{b64url, new_uuid, now, parse_guid, random_string, unix};
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// Dispatches a token request by `grant_type`.
pub(super) fn token(shared: &Shared, req: &Req, seg: &str) -> Resp {
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
    // Tokens are valid in the cloud of the authority that issued them (`cloud_gate`).
    let result = result.and_then(|body| crate::cloud_gate::stamp(shared, &w, req, body));
    match result {
        Ok(body) => aad_headers(Resp::json(200, &body), req),
        Err(e) => e.render(req),
    }
}

/// The client-credentials grant: an app token for one resource (`{resource}/.default`).
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
        .filter(|s| !w.secret_pending(s))
        .ok_or(Aad::InvalidSecret {
            app_id: client_id.clone(),
        })?;
    if matched.end <= now() {
        return Err(Aad::ExpiredSecret {
            app_id: client_id.clone(),
        });
    }
    // One resource per request, always `/.default` (see the client-credentials page above).
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

/// The device-code grant: polls a device code until it is approved, declined or expired.
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

/// The refresh-token grant: new tokens for the first resource of the scope (or of the original grant).
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
