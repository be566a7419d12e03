//! POSTing a form to an Entra ID token endpoint and reading the answer.
//!
//! Success: `{"token_type","expires_in","access_token", …}`; `expires_in` may be a string on the
//! legacy endpoint (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#successful-response-1>).
//! Failure: `{"error","error_description","error_codes":[…], …}`, read by the one answer reader
//! into [`Error`] with its AADSTS numbers (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>).

use crate::http::HttpResponse;
use crate::secret::{AccessToken, RefreshToken};
use crate::service::answer::{describe_non_json, refusal_from_json};
use crate::service::{Body, Call, Caller, Error, Service};
use serde_json::Value;
use std::fmt;

/// A successful token response. Tokens are secret types; the rest is plain data.
pub struct TokenResponse {
    pub access_token: AccessToken,
    pub token_type: String,
    /// Seconds from when the response was received.
    pub expires_in: u64,
    pub refresh_token: Option<RefreshToken>,
    pub scope: Option<String>,
    /// An ID token (a JWT about the signed-in user), when `openid` was requested.
    pub id_token: Option<AccessToken>,
    /// base64url `{"uid","utid"}` when the client sent `client_info=1`.
    pub client_info: Option<String>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// POSTs `form` to the token endpoint `url`. Asking for a token again has no further effect, so a
/// 502 or 504 may be retried.
pub async fn request_token(caller: &Caller, url: &str, form: &[(&str, &str)]) -> Result<TokenResponse, Error> {
    let call = Call::post(Service::Entra, url).body(Body::Form(form)).repeat_safe();
    let response = caller.exchange(call).await?;
    read_token_response(&response)
}

/// Reads a token endpoint's answer: a token, or Entra's error (also when it comes with a 200).
pub fn read_token_response(response: &HttpResponse) -> Result<TokenResponse, Error> {
    let status = response.status().as_u16();
    let obj = match serde_json::from_slice::<Value>(response.body()) {
        Ok(v @ Value::Object(_)) if (200..300).contains(&status) => v,
        _ if !(200..300).contains(&status) => return Err(crate::service::answer::read_error(Service::Entra, response)),
        _ => {
            return Err(Error::Unexpected {
                status,
                detail: describe_non_json(response),
            })
        }
    };
    if let Some(refusal) = refusal_from_json(Service::Entra, status, &obj) {
        return Err(Error::Service(refusal));
    }
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    let access_token = text("access_token")
        .filter(|t| !t.is_empty())
        .ok_or(Error::Unexpected {
            status,
            detail: "a token answer without an access_token".to_owned(),
        })?;
    let expires_in = match obj.get("expires_in") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .unwrap_or(3599);
    Ok(TokenResponse {
        access_token: AccessToken::new(access_token),
        token_type: text("token_type").unwrap_or_else(|| "Bearer".to_owned()),
        expires_in,
        refresh_token: text("refresh_token").map(RefreshToken::new),
        scope: text("scope"),
        id_token: text("id_token").map(AccessToken::new),
        client_info: text("client_info"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::service::answer::test_answer as resp;

    #[test]
    fn parses_success() {
        let t = read_token_response(&resp(
            200,
            r#"{"token_type":"Bearer","expires_in":"3599","ext_expires_in":3599,"access_token":"eyJ0.a.b"}"#,
        ))
        .unwrap();
        assert_eq!(t.access_token.secret(), "eyJ0.a.b");
        assert_eq!(t.expires_in, 3599);
        assert!(!format!("{t:?}").contains("eyJ0"));
    }

    #[test]
    fn parses_aad_error() {
        let e = read_token_response(&resp(
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '1111'.\r\nTrace ID: x\r\nCorrelation ID: y\r\nTimestamp: z","error_codes":[7000215],"timestamp":"z"}"#,
        ))
        .unwrap_err();
        assert_eq!(e.aadsts(), Some(7000215));
        assert_eq!(e.code(), Some("invalid_client"));
        assert!(!e.message().contains("Trace ID"));
        assert!(!e.refusal().unwrap().message.contains("Trace ID"));
    }

    #[test]
    fn an_error_in_a_200_is_still_an_error() {
        let e =
            read_token_response(&resp(200, r#"{"error":"authorization_pending","error_codes":[70016]}"#)).unwrap_err();
        assert!(e.has_aadsts(70016));
    }

    #[test]
    fn code_falls_back_to_the_description() {
        let e = read_token_response(&resp(
            400,
            r#"{"error":"invalid_request","error_description":"AADSTS90002: Tenant 'x' not found."}"#,
        ))
        .unwrap_err();
        assert_eq!(e.aadsts(), Some(90002));
    }

    #[test]
    fn html_is_unexpected() {
        let e = read_token_response(&resp(200, "<html><body>Proxy login</body></html>")).unwrap_err();
        assert!(matches!(e, Error::Unexpected { status: 200, .. }), "{e:?}");
    }
}
