//! The device authorization grant (RFC 8628;
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code>), as two calls the
//! provisioning state machine drives: [`start`] once, then [`poll`] no more often than the
//! interval. Each poll's answer is classified here, into a [`Poll`] that says what to do next, so
//! the step that polls only acts on it. Waiting between polls is the caller's job, so the machine
//! can hand control back to PHP between polls.

use super::grant_error::{self, Refused, Spent};
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
    /// The user declined the sign-in (or the consent): stop, with the error for its code.
    Declined(Error),
    /// The device code expired: stop, start over.
    Expired,
    /// The code was already redeemed (by a call whose answer never came back) or is unknown: that
    /// sign-in is lost, so start a new one.
    Restart,
    /// The call's time budget ran out before an answer: hand the sign-in back and poll next call.
    OutOfTime,
    /// A tenant policy refused the sign-in (Conditional Access, MFA, device authentication, an
    /// external challenge, consent): stop, and explain which policy.
    Blocked(Error),
    /// Anything else (a network failure, an unknown refusal): stop, with the error.
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

/// RFC 8628 §3.5's errors, and Entra's AADSTS numbers for the same situations; everything else is
/// [`grant_error::classify`]'s to say. Only a redeemed or unknown code restarts the sign-in.
fn classify(e: Error) -> Poll {
    if matches!(e, Error::Deadline) {
        return Poll::OutOfTime;
    }
    match e.code() {
        Some("authorization_pending") => return Poll::Pending,
        Some("slow_down") => return Poll::SlowDown,
        _ if e.has_aadsts(70016) && !e.has_aadsts(70020) => return Poll::Pending,
        _ => {}
    }
    match grant_error::classify(&e) {
        Refused::Spent(Spent::Expired) => Poll::Expired,
        Refused::Spent(_) => Poll::Restart,
        Refused::Declined => Poll::Declined(e),
        Refused::Blocked => Poll::Blocked(e),
        Refused::Other => Poll::Failed(e),
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
        assert!(matches!(p(r#"{"error":"authorization_declined"}"#), Poll::Declined(_)));
        assert!(matches!(
            p(r#"{"error":"expired_token","error_codes":[70020]}"#),
            Poll::Expired
        ));
        assert!(matches!(
            p(r#"{"error":"invalid_grant","error_codes":[53003]}"#),
            Poll::Blocked(_)
        ));
        assert!(matches!(
            p(r#"{"error":"invalid_grant","error_codes":[70000]}"#),
            Poll::Restart
        ));
        assert!(matches!(
            p(r#"{"error":"bad_verification_code","error_codes":[70018]}"#),
            Poll::Restart
        ));
        assert!(matches!(
            p(r#"{"error":"invalid_grant","error_codes":[54005]}"#),
            Poll::Restart
        ));
        // An invalid_grant that names no spent code is not taken for one.
        assert!(matches!(
            p(r#"{"error":"invalid_grant","error_codes":[50097]}"#),
            Poll::Blocked(_)
        ));
        assert!(matches!(p(r#"{"error":"invalid_grant"}"#), Poll::Failed(_)));
        assert!(matches!(classify(Error::Deadline), Poll::OutOfTime));
    }
}
