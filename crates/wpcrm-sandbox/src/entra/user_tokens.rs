//! The user tokens a user grant issues (device code, refresh token, authorization code): an access
//! token for the first resource of the scopes, a refresh token (new each time; the old one stays
//! valid), an ID token for `openid`, `client_info` when asked
//! (<https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference>).

use super::tenant::{first_resource, resolve_resource, split_scope, OIDC_SCOPES};
use crate::errors::Aad;
use crate::resources::GRAPH;
use crate::state::Shared;
use crate::store::{RefreshGrant, User, World};
use crate::util::{b64url, new_uuid, now, random_string, unix};
use serde_json::{json, Value};
use uuid::Uuid;

pub(super) fn issue_user_tokens(
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
