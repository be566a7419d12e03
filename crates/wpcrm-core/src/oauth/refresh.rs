//! The refresh-token grant (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token>): one admin sign-in yields a token for each
//! resource the public client has consent for. Entra usually returns a new refresh token; the caller
//! replaces the old one with it.

use super::token_endpoint::{request_token, TokenResponse};
use crate::secret::{AccessToken, RefreshToken};
use crate::service::{Caller, Error};

/// What a successful token response carries that provisioning keeps.
#[derive(Debug)]
pub struct TokenSet {
    pub access: AccessToken,
    pub refresh: Option<RefreshToken>,
    pub expires_in: i64,
    /// `tid` from the ID token (or the access token when no ID token came back).
    pub tenant_id: Option<String>,
    /// `oid`, the signed-in user's object id, from the same token.
    pub user_id: Option<String>,
}

impl From<TokenResponse> for TokenSet {
    fn from(t: TokenResponse) -> Self {
        let claim = |name: &str| {
            t.id_token
                .as_ref()
                .and_then(|id| jwt_claim(id.secret(), name))
                .or_else(|| jwt_claim(t.access_token.secret(), name))
        };
        TokenSet {
            tenant_id: claim("tid"),
            user_id: claim("oid"),
            access: t.access_token,
            refresh: t.refresh_token,
            expires_in: t.expires_in.min(i64::MAX as u64) as i64,
        }
    }
}

/// A string claim of a JWT (`tid`, `oid`), without verifying it: it only names the tenant and the
/// user the admin signed in as (the token endpoint, reached over TLS, is what we trust).
fn jwt_claim(jwt: &str, name: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v[name].as_str().map(str::to_owned)
}

/// `POST {authority}/{tenant}/oauth2/v2.0/token` with `grant_type=refresh_token`.
pub async fn refresh(
    caller: &Caller,
    tenant: &str,
    client_id: &str,
    refresh_token: &RefreshToken,
    scope: &str,
) -> Result<TokenSet, Error> {
    let url = caller.endpoints().token_endpoint(tenant);
    let scope = format!("{scope} offline_access openid profile");
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", client_id),
        ("refresh_token", refresh_token.secret()),
        ("scope", scope.as_str()),
        ("client_info", "1"),
    ];
    Ok(request_token(caller, &url, &form).await?.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tid_from_the_id_token() {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"tid":"t-1","oid":"u-1"}"#);
        let body =
            format!(r#"{{"access_token":"at","refresh_token":"rt","expires_in":"3599","id_token":"h.{payload}.s"}}"#);
        let response = http::Response::builder().status(200).body(body.into_bytes()).unwrap();
        let t: TokenSet = crate::oauth::token_endpoint::read_token_response(&response)
            .unwrap()
            .into();
        assert_eq!(t.tenant_id.as_deref(), Some("t-1"));
        assert_eq!(t.user_id.as_deref(), Some("u-1"));
        assert_eq!(t.expires_in, 3599);
        assert_eq!(t.refresh.unwrap().secret(), "rt");
    }
}
