//! Entra ID v2.0: OIDC discovery, JWKS, instance discovery, the token endpoint (client credentials,
//! device code, refresh token) and the device authorization endpoint.
//!
//! Follows the Microsoft identity platform documentation: client credentials (secret in the body or
//! HTTP Basic, one resource per request, `/.default`;
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>), device
//! code (responses, polling errors, 53003 and 7000218;
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code>), refresh token (one
//! refresh token serves every resource; the first resource of the scope wins; a new refresh token
//! each time, the old one stays valid;
//! <https://learn.microsoft.com/entra/identity-platform/refresh-tokens>), the error JSON and AADSTS
//! codes (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>), the discovery
//! documents (`Cache-Control: max-age=86400, private`) and instance discovery
//! (<https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc>), the claims (v1-style
//! tokens: `iss` = `https://sts.windows.net/{tid}/`, `appid`, `oid`, `scp`/`roles`;
//! <https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference>), the
//! replication delay (700016 for a new app, 7000215 for a new secret), MSAL's extra parameters
//! (`client_info`, `claims`, `code`), which are ignored except `client_info=1`.
//!
//! The authorization-code flow with PKCE (`authorize`, `auth_code`): a sign-in page that redirects
//! to a loopback `redirect_uri`, single-use codes, S256/plain verification
//! (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow>). Planted sign-in
//! policies (`policy`, control API `/_sandbox/policy/sign-in`) make the device-code poll, the
//! authorize redirect, the code redemption or a refresh answer a Conditional Access, MFA, device,
//! consent or expired/revoked-grant error, per resource.
//!
//! Not emulated: the implicit and hybrid flows, certificates and
//! client assertions (treated as a wrong secret), real MFA and consent prompts, `consumers`, the v1
//! `/oauth2/token` endpoint, SSO cookies, localisation (`mkt`).
//! Unconfirmed choices are listed in `errors.rs`; `slow_down` is sent when a client polls faster
//! than 80% of the interval (RFC 8628; whether Entra sends it is unconfirmed).

//!
//! Layout: this module routes; `tenant` resolves tenants, resources and clients; `metadata` serves
//! the discovery documents; `token` the token endpoint (every grant); `device` the device
//! authorization endpoint; `authorize` the authorize page; `auth_code` the authorization-code
//! grant; `policy` the planted sign-in policies.

mod auth_code;
mod authorize;
mod device;
mod metadata;
mod policy;
mod tenant;
mod token;
mod user_tokens;

use crate::http::{Req, Resp};
use crate::state::Shared;
pub use tenant::{resolve_resource, resolve_tenant, TenantSeg};

/// Every path that is not Graph, Discovery, Dataverse or the control plane.
pub fn handle(shared: &Shared, req: &Req) -> Resp {
    let segs = req.segments();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match (req.method.as_str(), segs.as_slice()) {
        (_, ["devicelogin", ..]) => crate::devicelogin::handle(shared, req),
        ("GET", ["common", "discovery", "instance"]) => metadata::instance_discovery(shared, req),
        ("GET", [t, "v2.0", ".well-known", "openid-configuration"]) => metadata::openid_configuration(shared, req, t),
        ("GET", [t, "discovery", "v2.0", "keys"]) | ("GET", [t, "discovery", "keys"]) => {
            metadata::jwks(shared, req, t)
        }
        ("POST", [t, "oauth2", "v2.0", "token"]) => token::token(shared, req, t),
        ("POST", [t, "oauth2", "v2.0", "devicecode"]) => device::devicecode(shared, req, t),
        ("GET", [t, "oauth2", "v2.0", "authorize"]) | ("POST", [t, "oauth2", "v2.0", "authorize"]) => {
            authorize::authorize(shared, req, t)
        }
        (_, [_, "oauth2", ..]) => Resp::html(
            501,
            "<!DOCTYPE html><html><body><h1>Not emulated</h1><p>wpcrm-sandbox emulates the client-credentials, device-code, authorization-code (PKCE) and refresh-token flows only.</p></body></html>".into(),
        ),
        ("GET", ["error"]) => Resp::html(
            200,
            format!("<!DOCTYPE html><html><body><h1>Error {}</h1><p>See the error_description of the response.</p></body></html>", crate::util::percent_decode(&req.q("code").unwrap_or_default())),
        ),
        _ => Resp::html(404, "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>".into()),
    }
}
