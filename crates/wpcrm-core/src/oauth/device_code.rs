//! The device authorization grant (RFC 8628; entra-and-graph.md §1.3), as two calls the
//! provisioning state machine drives: [`start`] once, then [`poll`] no more often than the
//! interval, each poll mapped to what to do next ([`Poll`]). Waiting between polls is the caller's
//! job, so the machine can hand control back to PHP between polls.

use super::refresh::TokenSet;
use super::token_endpoint::{post_form, TokenError};
use crate::provision::net::{Body, CallError, Net};
use crate::secret::DeviceCode;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct DeviceAuthorization {
    #[serde(with = "crate::provision::state::ser_device_code")]
    pub device_code: DeviceCode,
    pub user_code: String,
    pub verification_uri: String,
    #[serde(default = "default_expires_in")]
    pub expires_in: u64,
    #[serde(default = "default_interval")]
    pub interval: u64,
    #[serde(default)]
    pub message: String,
}

fn default_expires_in() -> u64 {
    900
}
fn default_interval() -> u64 {
    5
}

/// What one poll says to do next.
#[derive(Debug)]
pub enum Poll {
    /// Not approved yet: poll again after the interval.
    Pending,
    /// Poll again after the interval plus five seconds, and keep the longer interval.
    SlowDown,
    Granted(TokenSet),
    /// The user declined the sign-in: stop.
    Declined,
    /// The device code expired: stop, start over.
    Expired,
    /// Anything else (Conditional Access AADSTS53003, a network failure…): stop, with the error.
    Failed(CallError),
}

/// `POST {login}/{tenant}/oauth2/v2.0/devicecode`.
pub async fn start(
    net: &Net<'_>,
    tenant: &str,
    client_id: &str,
    scopes: &str,
) -> Result<DeviceAuthorization, CallError> {
    let url = net.http.endpoints().device_code_endpoint(tenant);
    let form = [("client_id", client_id), ("scope", scopes)];
    let auth: DeviceAuthorization = net.json(http::Method::POST, &url, None, Body::Form(&form), &[]).await?;
    // The admin is sent to this address: only ever an https page.
    if !auth.verification_uri.starts_with("https://") {
        return Err(CallError::Parse(
            "the sign-in service gave a verification address that is not https".into(),
        ));
    }
    Ok(auth)
}

/// One poll of the token endpoint with the device code.
pub async fn poll(net: &Net<'_>, tenant: &str, client_id: &str, device_code: &DeviceCode) -> Poll {
    let url = net.http.endpoints().token_endpoint(tenant);
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", client_id),
        ("device_code", device_code.secret()),
        ("client_info", "1"),
    ];
    if net.remaining() < std::time::Duration::from_millis(50) {
        return Poll::Failed(CallError::Deadline);
    }
    match post_form(&net.http, &url, &form).await {
        Ok(tokens) => Poll::Granted(tokens.into()),
        Err(e @ TokenError::Aad(_)) => classify(e.into()),
        Err(e) => Poll::Failed(e.into()),
    }
}

fn classify(e: CallError) -> Poll {
    match e.code() {
        Some("authorization_pending") => Poll::Pending,
        Some("slow_down") => Poll::SlowDown,
        Some("authorization_declined") | Some("access_denied") => Poll::Declined,
        Some("expired_token") | Some("code_expired") => Poll::Expired,
        _ if e.has_aadsts(70016) => Poll::Pending,
        _ if e.has_aadsts(70020) => Poll::Expired,
        _ => Poll::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::net::parse_error;

    #[test]
    fn maps_each_rfc8628_error_to_an_action() {
        let p = |b: &str| classify(parse_error(400, b.as_bytes()));
        assert!(matches!(
            p(r#"{"error":"authorization_pending","error_codes":[70016]}"#),
            Poll::Pending
        ));
        assert!(matches!(p(r#"{"error":"slow_down"}"#), Poll::SlowDown));
        assert!(matches!(p(r#"{"error":"authorization_declined"}"#), Poll::Declined));
        assert!(matches!(
            p(r#"{"error":"expired_token","error_codes":[70020]}"#),
            Poll::Expired
        ));
        assert!(matches!(
            p(r#"{"error":"invalid_grant","error_codes":[53003]}"#),
            Poll::Failed(_)
        ));
    }
}
