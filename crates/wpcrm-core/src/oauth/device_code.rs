//! The device authorization grant (RFC 8628;
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code>), as two calls the
//! provisioning state machine drives: [`start`] once, then [`poll`] no more often than the
//! interval. Each poll's answer is classified here, into a [`Poll`] that says what to do next, so
//! the step that polls only acts on it. Waiting between polls is the caller's job, so the machine
//! can hand control back to PHP between polls.

use super::refresh::TokenSet;
use super::token_endpoint::request_token;
use crate::secret::DeviceCode;
use crate::service::{Body, Call, Caller, Error, Service};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct DeviceAuthorization {
    #[serde(with = "crate::secret::serde_adapters::ser_device_code")]
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
    /// The code was already redeemed, by a call whose answer never came back: that sign-in is
    /// lost, so start a new one.
    Restart,
    /// The call's time budget ran out before an answer: hand the sign-in back and poll next call.
    OutOfTime,
    /// Anything else (Conditional Access AADSTS53003, a network failure…): stop, with the error.
    Failed(Error),
}

/// `POST {login}/{tenant}/oauth2/v2.0/devicecode`.
pub async fn start(caller: &Caller, tenant: &str, client_id: &str, scopes: &str) -> Result<DeviceAuthorization, Error> {
    let url = caller.endpoints().device_code_endpoint(tenant);
    let form = [("client_id", client_id), ("scope", scopes)];
    let auth: DeviceAuthorization = caller
        .json(Call::post(Service::Entra, &url).body(Body::Form(&form)))
        .await?;
    // The admin is sent to this address: only ever an https page.
    if !auth.verification_uri.starts_with("https://") {
        return Err(Error::Unexpected {
            status: 200,
            detail: "the sign-in service gave a verification address that is not https".into(),
        });
    }
    Ok(auth)
}

/// One poll of the token endpoint with the device code.
pub async fn poll(caller: &Caller, tenant: &str, client_id: &str, device_code: &DeviceCode) -> Poll {
    let url = caller.endpoints().token_endpoint(tenant);
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", client_id),
        ("device_code", device_code.secret()),
        ("client_info", "1"),
    ];
    match request_token(caller, &url, &form).await {
        Ok(tokens) => Poll::Granted(tokens.into()),
        Err(e) => classify(e),
    }
}

/// RFC 8628 §3.5's errors, and Entra's AADSTS numbers for the same situations.
fn classify(e: Error) -> Poll {
    match e.code() {
        _ if matches!(e, Error::Deadline) => Poll::OutOfTime,
        Some("authorization_pending") => Poll::Pending,
        Some("slow_down") => Poll::SlowDown,
        Some("authorization_declined") | Some("access_denied") => Poll::Declined,
        Some("expired_token") | Some("code_expired") => Poll::Expired,
        _ if e.has_aadsts(70016) => Poll::Pending,
        _ if e.has_aadsts(70020) => Poll::Expired,
        // AADSTS70018 (bad verification code) or an `invalid_grant` that is not Conditional Access:
        // the code was redeemed by a call whose state never came back (or is unknown).
        _ if e.has_aadsts(70018) => Poll::Restart,
        Some("bad_verification_code") | Some("invalid_grant") if !e.has_aadsts(53003) => Poll::Restart,
        _ => Poll::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::answer::{read_error, test_answer};

    #[test]
    fn maps_each_rfc8628_error_to_an_action() {
        let p = |b: &str| classify(read_error(Service::Entra, &test_answer(400, b)));
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
        assert!(matches!(
            p(r#"{"error":"invalid_grant","error_codes":[70000]}"#),
            Poll::Restart
        ));
        assert!(matches!(
            p(r#"{"error":"bad_verification_code","error_codes":[70018]}"#),
            Poll::Restart
        ));
        assert!(matches!(classify(Error::Deadline), Poll::OutOfTime));
    }
}
