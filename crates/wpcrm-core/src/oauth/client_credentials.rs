//! The client-credentials grant (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>): an app's own token for one resource.
//!
//! The secret always goes to the token endpoint of the call's cloud ([`Endpoints::token_endpoint`]),
//! whatever tenant was discovered; the HTTP client refuses any other host anyway.

use super::token_cache::{CacheKey, CachedToken, TokenCache};
use super::token_endpoint::request_token;
use crate::ids::{ClientId, TenantId};
use crate::secret::ClientSecret;
use crate::service::{Caller, Error};

/// What identifies one client-credentials token.
pub struct ClientCredentials<'a> {
    pub tenant: &'a TenantId,
    pub client_id: &'a ClientId,
    pub secret: &'a ClientSecret,
    /// `{resource}/.default`.
    pub scope: &'a str,
}

/// Requests a token, without the cache.
pub async fn acquire(caller: &Caller, creds: &ClientCredentials<'_>) -> Result<CachedToken, Error> {
    let url = caller.endpoints().token_endpoint(creds.tenant.as_str());
    let now = caller.http().clock().now();
    let response = request_token(
        caller,
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
    caller: &Caller,
    cache: &TokenCache,
    creds: &ClientCredentials<'_>,
) -> Result<CachedToken, Error> {
    let key = CacheKey::new(
        &caller.endpoints().authority,
        creds.tenant.as_str(),
        creds.client_id.as_str(),
        creds.scope,
        creds.secret,
        cache,
    );
    let clock = caller.http().clock().clone();
    cache.get_or_fetch(key, clock.as_ref(), || acquire(caller, creds)).await
}
