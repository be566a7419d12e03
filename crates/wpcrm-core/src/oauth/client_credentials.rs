//! The client-credentials grant (`entra-and-graph.md` §1.2): an app's own token for one resource.
//!
//! The secret always goes to the token endpoint of the call's cloud ([`Endpoints::token_endpoint`]),
//! whatever tenant was discovered; the HTTP client refuses any other host anyway.

use super::token_cache::{CacheKey, CachedToken, TokenCache};
use super::token_endpoint::{post_form, TokenError};
use crate::http::HttpClient;
use crate::ids::{ClientId, TenantId};
use crate::secret::ClientSecret;

/// What identifies one client-credentials token.
pub struct ClientCredentials<'a> {
    pub tenant: &'a TenantId,
    pub client_id: &'a ClientId,
    pub secret: &'a ClientSecret,
    /// `{resource}/.default`.
    pub scope: &'a str,
}

/// Requests a token, without the cache.
pub async fn acquire(http: &HttpClient, creds: &ClientCredentials<'_>) -> Result<CachedToken, TokenError> {
    let url = http.endpoints().token_endpoint(creds.tenant.as_str());
    let now = http.clock().now();
    let response = post_form(
        http,
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", creds.client_id.as_str()),
            ("client_secret", creds.secret.secret()),
            ("scope", creds.scope),
        ],
    )
    .await?;
    Ok(CachedToken::new(response.access_token, now, response.expires_in))
}

/// Returns a cached token for these credentials, or requests one (at most one request at a time per
/// key, see [`TokenCache`]).
pub async fn acquire_cached(
    http: &HttpClient,
    cache: &TokenCache,
    creds: &ClientCredentials<'_>,
) -> Result<CachedToken, TokenError> {
    let key = CacheKey::new(
        &http.endpoints().authority,
        creds.tenant.as_str(),
        creds.client_id.as_str(),
        creds.scope,
        creds.secret,
        cache,
    );
    let clock = http.clock().clone();
    cache.get_or_fetch(key, clock.as_ref(), || acquire(http, creds)).await
}
