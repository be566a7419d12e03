//! The discovery documents: instance discovery, the OpenID configuration of a tenant, and the
//! signing keys (JWKS). <https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc>

use super::tenant::{resolve_tenant, TenantSeg};
use crate::errors::Aad;
use crate::http::{Req, Resp};
use crate::state::Shared;
use serde_json::json;

/// `GET /common/discovery/instance`: MSAL's instance discovery; only this sandbox's hosts are valid.
pub(super) fn instance_discovery(shared: &Shared, req: &Req) -> Resp {
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

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub(super) fn openid_configuration(shared: &Shared, req: &Req, seg: &str) -> Resp {
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

/// `GET /{tenant}/discovery/v2.0/keys` (and `/discovery/keys`): the token-signing keys.
pub(super) fn jwks(shared: &Shared, req: &Req, seg: &str) -> Resp {
    let w = shared.world();
    match resolve_tenant(&w, seg) {
        Ok(_) => Resp::json(200, &shared.signer.jwks()).header("Cache-Control", "max-age=86400, private"),
        Err(e) => e.render(req),
    }
}
