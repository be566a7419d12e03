//! The in-flight state of the browser sign-in (authorization codes with their PKCE challenge) and
//! the sign-in policies the control API plants: each makes one flow (device-code poll, the
//! authorize page's redirect, the authorization-code redemption, a refresh) answer one Conditional
//! Access / MFA / blocked-flow / consent / expired-grant variant, for one resource or all.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// An authorization code issued by `/{tenant}/oauth2/v2.0/authorize`: single-use, short-lived.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub code: String,
    pub client_id: Uuid,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub user: Uuid,
    /// The PKCE challenge and its method (`S256` or `plain`), when the request carried one.
    pub challenge: Option<(String, String)>,
    /// The authorize request's `nonce`, echoed in the ID token (OpenID Connect Core §3.1.3.7).
    pub nonce: Option<String>,
    pub expires_at: OffsetDateTime,
    pub redeemed: bool,
}

/// Where a planted policy answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// The device-code poll, once the code is approved.
    DeviceCode,
    /// The authorize page: the browser is redirected with `error=` instead of a code.
    Authorize,
    /// The token endpoint's `authorization_code` grant.
    AuthorizationCode,
    /// The token endpoint's `refresh_token` grant.
    RefreshToken,
    /// Every flow above.
    Any,
}

/// What a planted policy answers: one AADSTS number, its default OAuth `error` at the token
/// endpoint and in a redirect, and Entra's documented description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    CompliantDevice,
    HybridJoinedDevice,
    ApprovedApp,
    Blocked,
    SecurityPolicy,
    MfaRequired,
    MfaRegistration,
    DeviceAuthRequired,
    ExternalChallenge,
    ConsentRequired,
    ConsentDeclined,
    GrantExpired,
    RefreshExpired,
    GrantRevoked,
    SignInFrequency,
}

impl Variant {
    /// (AADSTS number, `error` at the token endpoint, `error` in a redirect, description), from
    /// <https://learn.microsoft.com/entra/identity-platform/reference-error-codes>. The `error`
    /// values are unconfirmed for MFA and consent (`invalid_grant` or `interaction_required` /
    /// `consent_required`): a policy's `error` field produces the other one.
    pub fn parts(self) -> (u32, &'static str, &'static str, &'static str) {
        match self {
            Variant::CompliantDevice => (53000, "invalid_grant", "access_denied", "Device is not in required device state: compliant. Conditional Access policy requires a compliant device, and the device is not compliant. The user must enroll their device with an approved MDM provider like Intune."),
            Variant::HybridJoinedDevice => (53001, "invalid_grant", "access_denied", "Device is not in required device state: domain joined. Conditional Access policy requires a domain joined device, and the device is not domain joined."),
            Variant::ApprovedApp => (53002, "invalid_grant", "access_denied", "Application used is not an approved application for Conditional Access. User needs to use one of the apps from the list of approved applications to use in order to get access."),
            Variant::Blocked => (53003, "invalid_grant", "access_denied", "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."),
            Variant::SecurityPolicy => (530032, "invalid_grant", "access_denied", "User blocked due to conditional access on security policy."),
            Variant::MfaRequired => (50076, "invalid_grant", "interaction_required", "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource."),
            Variant::MfaRegistration => (50079, "invalid_grant", "interaction_required", "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access the resource."),
            Variant::DeviceAuthRequired => (50097, "invalid_grant", "interaction_required", "Device authentication is required."),
            Variant::ExternalChallenge => (50158, "invalid_grant", "interaction_required", "External security challenge was not satisfied."),
            Variant::ConsentRequired => (65001, "invalid_grant", "consent_required", "The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource."),
            Variant::ConsentDeclined => (65004, "invalid_grant", "access_denied", "User declined to consent to access the app."),
            Variant::GrantExpired => (70008, "invalid_grant", "invalid_grant", "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."),
            Variant::RefreshExpired => (700082, "invalid_grant", "invalid_grant", "The refresh token has expired due to inactivity. The token was issued on a date and was inactive for 90 days."),
            Variant::GrantRevoked => (50173, "invalid_grant", "invalid_grant", "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."),
            Variant::SignInFrequency => (70043, "invalid_grant", "invalid_grant", "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access."),
        }
    }
}

/// A planted policy (`POST /_sandbox/policy/sign-in`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInPolicy {
    #[serde(default)]
    pub id: u64,
    pub flow: Flow,
    pub variant: Variant,
    /// `graph`, `discovery`, `dataverse` (any environment) or a resource URI; absent: every resource.
    #[serde(default)]
    pub resource: Option<String>,
    /// The OAuth `error` to answer instead of the variant's default.
    #[serde(default)]
    pub error: Option<String>,
    /// How many answers it gives before it is used up; absent: until removed.
    #[serde(default)]
    pub times: Option<u64>,
}

impl SignInPolicy {
    /// Whether it answers `flow` for the token audience `aud` (`graph`/`discovery` name the two
    /// Microsoft resources; `dataverse` every other one).
    pub fn applies(&self, flow: Flow, aud: &str, graph: &str, disco: &str) -> bool {
        let flow_ok = self.flow == flow || self.flow == Flow::Any;
        let aud = aud.trim_end_matches('/');
        let resource_ok = match self.resource.as_deref().map(|r| r.trim_end_matches('/')) {
            None => true,
            Some("graph") => aud == graph,
            Some("discovery") => aud == disco,
            Some("dataverse") => aud != graph && aud != disco,
            Some(r) => r.eq_ignore_ascii_case(aud),
        };
        flow_ok && resource_ok && self.times != Some(0)
    }
}
