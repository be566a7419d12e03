//! The `token` check: Entra ID issues the app a client-credentials token for the instance.
//!
//! One `POST {authority}/{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials` and scope
//! `{instance}/.default`, at the authority of the instance's own cloud
//! (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>); the
//! token is cached per process until 5 minutes before it expires, so a warm call makes no request.
//! A pass proves the application id, the secret and the tenant belong together. A fail carries the
//! `AADSTS<n>` code Entra ID answered, or a transport code (`docs/verify.md`); no Dataverse request
//! is made then.

use super::check_id::CheckId;
use super::input::ValidInput;
use super::outcome::{Checks, Outcome};
use crate::context::Context;
use crate::diagnosis::{entra, Facts};
use crate::ids::TenantId;
use crate::oauth::{acquire_cached, CacheKey, ClientCredentials};
use crate::secret::AccessToken;
use crate::service::Caller;
use tokio::time::Instant;

/// Runs the check and records it; `None` when no token was issued.
pub async fn check(
    context: &Context,
    http: &Caller,
    valid: &ValidInput,
    tenant: &TenantId,
    facts: &Facts,
    checks: &mut Checks,
) -> Option<AccessToken> {
    let t0 = Instant::now();
    let scope = valid.instance.default_scope();
    let creds = ClientCredentials {
        tenant,
        client_id: &valid.client_id,
        secret: &valid.secret,
        scope: &scope,
    };
    let (outcome, token) = match acquire_cached(http, &context.token_cache, &creds).await {
        Ok(t) => (
            Outcome::pass(format!(
                "Entra ID issued a token for {} to application {}.",
                valid.instance, valid.client_id
            ))
            .id("token.pass")
            .param("instance_url", &valid.instance)
            .param("application_id", &valid.client_id),
            Some(t.token),
        ),
        Err(e) => (Outcome::fail(entra::token_error(&e, facts)), None),
    };
    checks.push(&CheckId::Token, outcome, t0.elapsed());
    token
}

/// Dataverse rejected the token (401): never offer that cached token again.
pub fn forget(context: &Context, http: &Caller, valid: &ValidInput, tenant: &TenantId) {
    let key = CacheKey::new(
        &http.endpoints().authority,
        tenant.as_str(),
        valid.client_id.as_str(),
        &valid.instance.default_scope(),
        &valid.secret,
        &context.token_cache,
    );
    context.token_cache.evict(&key);
}
