//! The refresh-token grant (entra-and-graph.md §1.4): one admin sign-in yields a token for each
//! resource the public client has consent for. Entra usually returns a new refresh token; the caller
//! replaces the old one with it.

use crate::provision::net::{Body, CallError, Net};
use crate::secret::{AccessToken, RefreshToken};
use serde::Deserialize;

/// What a successful token response carries that provisioning keeps.
#[derive(Debug)]
pub struct TokenSet {
    pub access: AccessToken,
    pub refresh: Option<RefreshToken>,
    pub expires_in: i64,
    /// `tid` from the ID token (or the access token when no ID token came back).
    pub tenant_id: Option<String>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(with = "crate::provision::state::ser_access_token")]
    access_token: AccessToken,
    #[serde(default, with = "crate::provision::state::ser_refresh_token::opt")]
    refresh_token: Option<RefreshToken>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    id_token: Option<String>,
}

/// Parses a token endpoint's 200 answer.
pub fn parse_token_response(body: &[u8]) -> Result<TokenSet, CallError> {
    let raw: Raw = crate::provision::net::parse_json(body)?;
    // v1 endpoints send numbers as strings (§1.2); accept both.
    let expires_in = match &raw.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_i64().unwrap_or(3599),
        Some(serde_json::Value::String(s)) => s.parse().unwrap_or(3599),
        _ => 3599,
    };
    let tenant_id = raw
        .id_token
        .as_deref()
        .and_then(jwt_tid)
        .or_else(|| jwt_tid(raw.access_token.secret()));
    Ok(TokenSet {
        access: raw.access_token,
        refresh: raw.refresh_token,
        expires_in,
        tenant_id,
    })
}

/// The `tid` claim of a JWT, without verifying it: it only names the tenant the admin signed in
/// to (the token endpoint, reached over TLS, is what we trust).
fn jwt_tid(jwt: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v["tid"].as_str().map(str::to_owned)
}

/// `POST {login}/{tenant}/oauth2/v2.0/token` with `grant_type=refresh_token`.
pub async fn refresh(
    net: &Net<'_>,
    login_origin: &str,
    tenant: &str,
    client_id: &str,
    refresh_token: &RefreshToken,
    scope: &str,
) -> Result<TokenSet, CallError> {
    let url = format!("{login_origin}/{tenant}/oauth2/v2.0/token");
    let scope = format!("{scope} offline_access openid profile");
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", client_id),
        ("refresh_token", refresh_token.secret()),
        ("scope", scope.as_str()),
        ("client_info", "1"),
    ];
    let response = net.send(http::Method::POST, &url, None, Body::Form(&form), &[]).await?;
    parse_token_response(response.body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tid_from_the_id_token() {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"tid":"t-1"}"#);
        let body =
            format!(r#"{{"access_token":"at","refresh_token":"rt","expires_in":"3599","id_token":"h.{payload}.s"}}"#);
        let t = parse_token_response(body.as_bytes()).unwrap();
        assert_eq!(t.tenant_id.as_deref(), Some("t-1"));
        assert_eq!(t.expires_in, 3599);
        assert_eq!(t.refresh.unwrap().secret(), "rt");
    }
}
