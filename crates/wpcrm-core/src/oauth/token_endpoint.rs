//! POSTing a form to an Entra ID token endpoint and reading the answer.
//!
//! Success (`entra-and-graph.md` §1.2): `{"token_type","expires_in","access_token", …}`; `expires_in`
//! may be a string on the legacy endpoint. Failure (§1.5): `{"error","error_description",
//! "error_codes":[…], …}`, kept as [`AadError`] so the report can map the AADSTS number.

use crate::http::{HttpClient, HttpResponse, TransportError};
use crate::secret::{AccessToken, RefreshToken};
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

/// Entra's error answer. `description` is Entra's text minus the trace lines; it names app ids and
/// tenants, never the secret (Entra does not echo it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AadError {
    pub status: u16,
    /// `invalid_client`, `authorization_pending`, …
    pub error: String,
    /// `[7000215]`.
    pub error_codes: Vec<u64>,
    pub description: String,
}

impl AadError {
    /// The first AADSTS number, from `error_codes` or else from the description's `AADSTSnnnn:`.
    pub fn code(&self) -> Option<u64> {
        self.error_codes.first().copied().or_else(|| {
            let start = self.description.find("AADSTS")? + 6;
            let digits: String = self.description[start..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
    }

    /// `AADSTS7000215`, or the OAuth `error` when there is no number.
    pub fn code_string(&self) -> String {
        match self.code() {
            Some(n) => format!("AADSTS{n}"),
            None => self.error.clone(),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenError {
    #[error("Entra ID refused the request: {} ({})", .0.code_string(), .0.description)]
    Aad(AadError),
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Not a token response nor an Entra error: HTML from a proxy, truncated JSON, a 5xx page.
    #[error("unexpected answer from the token endpoint (HTTP {status}): {detail}")]
    Unexpected { status: u16, detail: String },
}

/// POSTs `form` (`application/x-www-form-urlencoded`) to `url` through `http`.
pub async fn post_form(http: &HttpClient, url: &str, form: &[(&str, &str)]) -> Result<TokenResponse, TokenError> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter())
        .finish()
        .into_bytes();
    let request = http::Request::post(url)
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(http::header::ACCEPT, "application/json")
        // Asking for a token again has no further effect: safe to retry after a 502 or 504.
        .extension(crate::http::RepeatSafe)
        .body(body)
        .map_err(|e| TokenError::Unexpected {
            status: 0,
            detail: format!("cannot build the request: {e}"),
        })?;
    let response = http.send(request).await?;
    parse_response(&response)
}

/// Reads a token endpoint's answer (public for the device-code and refresh flows).
pub fn parse_response(response: &HttpResponse) -> Result<TokenResponse, TokenError> {
    let status = response.status().as_u16();
    let json: Option<Value> = serde_json::from_slice(response.body()).ok();
    let unexpected = |detail: String| TokenError::Unexpected { status, detail };
    let Some(Value::Object(obj)) = json else {
        return Err(unexpected(crate::http::describe_non_json(response)));
    };
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    if !(200..300).contains(&status) || obj.contains_key("error") {
        let Some(error) = text("error") else {
            return Err(unexpected("a JSON answer without an error code".to_owned()));
        };
        let error_codes = obj
            .get("error_codes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        let description = text("error_description").unwrap_or_default();
        // Entra appends "\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …"; the first line is the message.
        let description = description.lines().next().unwrap_or("").trim().to_owned();
        return Err(TokenError::Aad(AadError {
            status,
            error,
            error_codes,
            description,
        }));
    }
    let access_token = text("access_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unexpected("no access_token in the answer".to_owned()))?;
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

    fn resp(status: u16, body: &str) -> HttpResponse {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn parses_success() {
        let t = parse_response(&resp(
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
        let e = parse_response(&resp(
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '1111'.\r\nTrace ID: x\r\nCorrelation ID: y\r\nTimestamp: z","error_codes":[7000215],"timestamp":"z"}"#,
        ))
        .unwrap_err();
        let TokenError::Aad(e) = e else { panic!("{e:?}") };
        assert_eq!(e.code(), Some(7000215));
        assert_eq!(e.code_string(), "AADSTS7000215");
        assert_eq!(e.error, "invalid_client");
        assert!(!e.description.contains("Trace ID"));
    }

    #[test]
    fn code_falls_back_to_the_description() {
        let e = parse_response(&resp(
            400,
            r#"{"error":"invalid_request","error_description":"AADSTS90002: Tenant 'x' not found."}"#,
        ))
        .unwrap_err();
        let TokenError::Aad(e) = e else { panic!() };
        assert_eq!(e.code(), Some(90002));
    }

    #[test]
    fn html_is_unexpected() {
        let e = parse_response(&resp(200, "<html><body>Proxy login</body></html>")).unwrap_err();
        assert!(matches!(e, TokenError::Unexpected { status: 200, .. }), "{e:?}");
    }
}
