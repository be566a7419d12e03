//! The token endpoint (`POST /{tenant}/oauth2/v2.0/token`): the client-credentials, device-code
//! and refresh-token grants (the authorization-code grant is in `auth_code`), and the user tokens
//! they issue. A planted sign-in policy (`policy`) answers the device-code poll or a refresh for
//! its resource with its error instead of tokens.
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>,
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code#authenticating-the-user>,
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token>

use super::policy;
use super::tenant::{
    client_auth, first_resource, grant_client, required, resolve_resource, resolve_tenant, user_flow_client, TenantSeg,
};
use super::user_tokens::issue_user_tokens;
use crate::errors::{aad_headers, Aad};
use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::{DeviceStatus, Flow, World};
use crate::util::{new_uuid, now, parse_guid, random_string, unix};
use serde_json::{json, Value};
use std::collections::HashMap;

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
        "authorization_code" => super::auth_code::redeem(shared, &mut w, req, &form, seg),
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
    let device_code = required(form, "device_code")?.clone();
    let cid = grant_client(w, req, form, seg)?;
    let interval_ms = w.config.device_interval_s * 1000;
    let redeemed_error = if w.config.device_code_redeemed_error == "invalid_grant" {
        Aad::DeviceCodeRedeemed
    } else {
        Aad::BadVerificationCode
    };
    let d = w
        .devices
        .iter_mut()
        .find(|d| d.device_code == device_code && d.client_id == cid)
        .ok_or(Aad::BadVerificationCode)?;
    if d.redeemed {
        return Err(redeemed_error);
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
        DeviceStatus::Approved(u) => (u, d.scopes.clone()),
    };
    let resource = d.resource.clone();
    if let Some(refusal) = policy::token_refusal(w, Flow::DeviceCode, &resource) {
        return Err(refusal);
    }
    if let Some(d) = w.devices.iter_mut().find(|d| d.device_code == device_code) {
        d.redeemed = true;
    }
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
    let aud = first_resource(w, shared, &scopes)?;
    if let Some(refusal) = policy::token_refusal(w, Flow::RefreshToken, &aud) {
        return Err(refusal);
    }
    let want_client_info = form.get("client_info").map(|v| v == "1").unwrap_or(false);
    issue_user_tokens(shared, w, &user, cid, &scopes, want_client_info, true)
}
