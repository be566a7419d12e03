//! The one error catalogue: every error the sandbox can answer with on a Microsoft path, each
//! rendering the exact body shape and status of the real service.
//!
//! Entra (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>): `{"error","error_description":"AADSTSnnnn: …\r\nTrace ID:
//! …\r\nCorrelation ID: …\r\nTimestamp: …","error_codes":[n],"timestamp","trace_id","correlation_id",
//! "error_uri"}`; `invalid_client` is 401, everything else 400.
//! Graph (<https://learn.microsoft.com/graph/errors>): `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
//! Dataverse (<https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes>):
//! `{"error":{"code":"0x…","message":"…"}}`.
//!
//! Unconfirmed choices (the documentation does not show them), picked as the most plausible:
//! - 700016 → 400 `unauthorized_client`; 50059, 900144 → 400; `authorization_declined` and
//!   `bad_verification_code` → 400.
//! - `authorization_declined` carries AADSTS65004 ("User declined to consent"), `bad_verification_code`
//!   AADSTS70018, `slow_down` AADSTS70016 (the pending code, with a "too frequently" text).
//! - 53003 reaches the device-code poller as `invalid_grant` (400).
//! - Unknown/revoked refresh token → 400 `invalid_grant` AADSTS9002313.
//! - A disabled Dataverse user is refused with 403 `0x80040225` and the documented message.
//! - Duplicate application user → 412 `0x80040237` (DuplicateRecord family).
//! - Deleting an enabled application user → 400 `0x80040203` (InvalidArgument).
//! - Dataverse 429 body `{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit
//!   of N over time window of S seconds."}}`.
//! - Unknown table in `EntityDefinitions(LogicalName='x')` → 404 `0x80040217` with the MetadataCache text.
//! - Authorization code grant: a code redeemed twice → `invalid_grant` AADSTS54005; expired → 70008;
//!   a verifier that does not match the challenge (or is malformed, RFC 7636 §4.1) → `invalid_grant`
//!   AADSTS501481; a `redirect_uri` other than the authorize request's → `invalid_grant` AADSTS50011;
//!   an unknown code → `invalid_grant` AADSTS9002313.
//! - A redeemed device code answers `bad_verification_code` AADSTS70018 by default; the config
//!   `device_code_redeemed_error: "invalid_grant"` answers `invalid_grant` AADSTS70000 instead.

use crate::http::{Req, Resp};
use crate::odata::odata_headers;
use crate::util::{aad_timestamp, graph_date, new_uuid, now};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub enum Aad {
    InvalidSecret {
        app_id: String,
    },
    ExpiredSecret {
        app_id: String,
    },
    MissingSecret,
    UnknownApp {
        app_id: String,
        tenant: String,
    },
    TenantNotFound {
        tenant: String,
    },
    TenantNotFoundDiscovery {
        tenant: String,
    },
    MalformedTenant {
        tenant: String,
    },
    UnknownResource {
        resource: String,
        tenant: String,
    },
    NoTenantInfo,
    MissingParameter {
        name: String,
    },
    UnsupportedGrantType {
        grant: String,
    },
    MultipleResources {
        scope: String,
    },
    InvalidScope {
        scope: String,
    },
    ConditionalAccess,
    AuthorizationPending,
    SlowDown,
    ExpiredToken,
    AuthorizationDeclined,
    BadVerificationCode,
    InvalidRefreshToken,
    InvalidInstance,
    /// A planted sign-in policy (`store::sign_in::Variant`): its number, `error` and description.
    Refused {
        number: u32,
        error: String,
        message: &'static str,
    },
    AuthCodeRedeemed,
    InvalidCodeVerifier,
    RedirectMismatch,
    InvalidAuthCode,
    DeviceCodeRedeemed,
}

impl Aad {
    pub fn code(&self) -> u32 {
        match self {
            Aad::InvalidSecret { .. } => 7000215,
            Aad::ExpiredSecret { .. } => 7000222,
            Aad::MissingSecret => 7000218,
            Aad::UnknownApp { .. } => 700016,
            Aad::TenantNotFound { .. } | Aad::TenantNotFoundDiscovery { .. } => 90002,
            Aad::MalformedTenant { .. } => 900023,
            Aad::UnknownResource { .. } => 500011,
            Aad::NoTenantInfo => 50059,
            Aad::MissingParameter { .. } => 900144,
            Aad::UnsupportedGrantType { .. } => 70003,
            Aad::MultipleResources { .. } => 700022,
            Aad::InvalidScope { .. } => 70011,
            Aad::ConditionalAccess => 53003,
            Aad::AuthorizationPending | Aad::SlowDown => 70016,
            Aad::ExpiredToken => 70020,
            Aad::AuthorizationDeclined => 65004,
            Aad::BadVerificationCode => 70018,
            Aad::InvalidRefreshToken => 9002313,
            Aad::InvalidInstance => 50049,
            Aad::Refused { number, .. } => *number,
            Aad::AuthCodeRedeemed => 54005,
            Aad::InvalidCodeVerifier => 501481,
            Aad::RedirectMismatch => 50011,
            Aad::InvalidAuthCode => 9002313,
            Aad::DeviceCodeRedeemed => 70000,
        }
    }
    pub fn error(&self) -> &str {
        match self {
            Aad::Refused { error, .. } => error,
            Aad::AuthCodeRedeemed
            | Aad::InvalidCodeVerifier
            | Aad::RedirectMismatch
            | Aad::InvalidAuthCode
            | Aad::DeviceCodeRedeemed => "invalid_grant",
            Aad::InvalidSecret { .. } | Aad::ExpiredSecret { .. } | Aad::MissingSecret => "invalid_client",
            Aad::UnknownApp { .. } => "unauthorized_client",
            Aad::TenantNotFoundDiscovery { .. } => "invalid_tenant",
            Aad::TenantNotFound { .. }
            | Aad::MalformedTenant { .. }
            | Aad::NoTenantInfo
            | Aad::MissingParameter { .. } => "invalid_request",
            Aad::UnknownResource { .. } => "invalid_resource",
            Aad::UnsupportedGrantType { .. } => "unsupported_grant_type",
            Aad::MultipleResources { .. } | Aad::InvalidScope { .. } => "invalid_scope",
            Aad::ConditionalAccess | Aad::InvalidRefreshToken => "invalid_grant",
            Aad::AuthorizationPending => "authorization_pending",
            Aad::SlowDown => "slow_down",
            Aad::ExpiredToken => "expired_token",
            Aad::AuthorizationDeclined => "authorization_declined",
            Aad::BadVerificationCode => "bad_verification_code",
            Aad::InvalidInstance => "invalid_instance",
        }
    }
    pub fn status(&self) -> u16 {
        if self.error() == "invalid_client" {
            401
        } else {
            400
        }
    }
    pub fn message(&self) -> String {
        match self {
            Aad::InvalidSecret { app_id } => format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{app_id}'."),
            Aad::ExpiredSecret { app_id } => format!("The provided client secret keys for app '{app_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."),
            Aad::MissingSecret => "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".into(),
            Aad::UnknownApp { app_id, tenant } => format!("Application with identifier '{app_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
            Aad::TenantNotFound { tenant } | Aad::TenantNotFoundDiscovery { tenant } => format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
            Aad::MalformedTenant { tenant } => format!("Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain."),
            Aad::UnknownResource { resource, tenant } => format!("The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."),
            Aad::NoTenantInfo => "No tenant-identifying information found in either the request or implied by any provided credentials.".into(),
            Aad::MissingParameter { name } => format!("The request body must contain the following parameter: '{name}'."),
            Aad::UnsupportedGrantType { grant } => format!("The app requested an unsupported grant type '{grant}'."),
            Aad::MultipleResources { scope } => format!("Provided value for the input parameter scope '{scope}' is not valid because it contains more than one resource."),
            Aad::InvalidScope { scope } => format!("The provided value for the input parameter 'scope' is not valid. The scope '{scope}' is not valid."),
            Aad::ConditionalAccess => "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.".into(),
            Aad::AuthorizationPending => "OAuth 2.0 device flow error. Authorization is pending. Continue polling.".into(),
            Aad::SlowDown => "OAuth 2.0 device flow error. Polling too frequently; wait at least the interval between polls.".into(),
            Aad::ExpiredToken => "The provided value for the input parameter 'device_code' is not valid. This device code has expired.".into(),
            Aad::AuthorizationDeclined => "The user declined to sign in to the app or to consent to its access.".into(),
            Aad::BadVerificationCode => "The provided value for the input parameter 'device_code' is not valid.".into(),
            Aad::InvalidRefreshToken => "Invalid request. Request is malformed or invalid. The provided refresh token is not valid.".into(),
            Aad::InvalidInstance => "Unknown or invalid instance.".into(),
            Aad::Refused { message, .. } => (*message).into(),
            Aad::AuthCodeRedeemed => "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.".into(),
            Aad::InvalidCodeVerifier => "The code_verifier does not match the code_challenge supplied in the authorization request.".into(),
            Aad::RedirectMismatch => "The redirect URI specified in the request does not match the redirect URI of the authorization request.".into(),
            Aad::InvalidAuthCode => "Invalid request. Request is malformed or invalid. The provided authorization code is not valid.".into(),
            Aad::DeviceCodeRedeemed => "The provided value for the input parameter 'device_code' is not valid. The code was already redeemed.".into(),
        }
    }

    pub fn render(&self, req: &Req) -> Resp {
        let t = now();
        let ts = aad_timestamp(t);
        let trace = req.request_id.clone();
        let corr = req
            .header("client-request-id")
            .map(str::to_string)
            .unwrap_or_else(|| new_uuid().to_string());
        let code = self.code();
        let body = json!({
            "error": self.error(),
            "error_description": format!("AADSTS{code}: {}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {ts}", self.message()),
            "error_codes": [code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("{}/error?code={code}", req.origin),
        });
        aad_headers(Resp::json(self.status(), &body), req)
    }
}

pub fn aad_headers(r: Resp, req: &Req) -> Resp {
    r.header("Cache-Control", "no-store, no-cache")
        .header("Pragma", "no-cache")
        .header("x-ms-request-id", req.request_id.clone())
        .header("x-ms-ests-server", "wpcrm-sandbox")
}

#[derive(Debug, Clone)]
pub enum Graph {
    TokenMissing,
    TokenInvalid(&'static str),
    RequestDenied,
    NotFound {
        id: String,
    },
    BadRequest(String),
    NoBackingApplicationObject {
        app_id: String,
    },
    UnsupportedQuery(String),
    InvalidLifetime {
        policy: String,
        max_days: u64,
    },
    Conflict(String),
    /// addPassword refused by an app management policy's `passwordAddition` restriction. The wire
    /// shape is not documented; two variants: the policy code as `error.code` (as the lifetime
    /// restriction's `CredentialInvalidLifetimeAsPerAppPolicy` is), or `Request_BadRequest` with it
    /// in `details[]` (config `secret_policy`).
    PasswordsNotAllowed {
        policy: String,
        in_details: bool,
    },
    /// Adding an owner the object already has (`POST …/owners/$ref`): 400 Request_BadRequest
    /// (<https://learn.microsoft.com/graph/api/application-post-owners>; the text is the one Graph
    /// answers for every duplicate reference).
    ReferenceExists {
        property: &'static str,
    },
    MeNeedsDelegated,
    SegmentNotFound(String),
    MethodNotAllowed,
}

impl Graph {
    pub fn render(&self, req: &Req) -> Resp {
        let (status, code, message, details): (u16, &str, String, Option<Value>) = match self {
            Graph::TokenMissing => (401, "InvalidAuthenticationToken", "Access token is empty.".into(), None),
            Graph::TokenInvalid(m) => (401, "InvalidAuthenticationToken", (*m).into(), None),
            Graph::RequestDenied => (
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.".into(),
                None,
            ),
            Graph::NotFound { id } => (
                404,
                "Request_ResourceNotFound",
                format!(
                    "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
                ),
                None,
            ),
            Graph::BadRequest(m) => (400, "Request_BadRequest", m.clone(), None),
            Graph::NoBackingApplicationObject { app_id } => (
                400,
                "Request_BadRequest",
                format!("The appId '{app_id}' of the service principal does not reference a valid application object."),
                Some(
                    json!([{"code":"NoBackingApplicationObject","message":format!("The appId '{app_id}' of the service principal does not reference a valid application object."),"target":"appId"}]),
                ),
            ),
            Graph::UnsupportedQuery(m) => (400, "Request_UnsupportedQuery", m.clone(), None),
            Graph::InvalidLifetime { policy, max_days } => (
                400,
                "CredentialInvalidLifetimeAsPerAppPolicy",
                format!("Credential lifetime exceeds the max value allowed as per assigned policy '{policy}'."),
                Some(
                    json!([{"code":"InvalidKeyEndDate","target":"EndDate","message":format!("Key credential end date is invalid. The maximum lifetime allowed by policy is {max_days} days.")}]),
                ),
            ),
            Graph::Conflict(m) => (409, "Request_MultipleObjectsWithSameKeyValue", m.clone(), None),
            Graph::PasswordsNotAllowed { policy, in_details } => {
                let message = format!("Password credentials are not allowed for this application as per assigned policy '{policy}'.");
                let detail = json!([{"code":"CredentialTypeNotAllowedAsPerAppPolicy","target":"passwordCredentials","message":message}]);
                match in_details {
                    false => (400, "CredentialTypeNotAllowedAsPerAppPolicy", message, Some(json!([{"code":"PasswordAdditionRestricted","target":"passwordCredentials"}]))),
                    true => (400, "Request_BadRequest", "Invalid value specified for property 'passwordCredentials' of resource 'Application'.".into(), Some(detail)),
                }
            }
            Graph::ReferenceExists { property } => (
                400,
                "Request_BadRequest",
                format!("One or more added object references already exist for the following modified properties: '{property}'."),
                None,
            ),
            Graph::MeNeedsDelegated => (
                400,
                "BadRequest",
                "/me request is only valid with delegated authentication flow.".into(),
                None,
            ),
            Graph::SegmentNotFound(s) => (
                400,
                "BadRequest",
                format!("Resource not found for the segment '{s}'."),
                None,
            ),
            Graph::MethodNotAllowed => (
                405,
                "Request_BadRequest",
                "The HTTP method is not supported for this resource.".into(),
                None,
            ),
        };
        let mut err = json!({
            "code": code,
            "message": message,
            "innerError": {
                "date": graph_date(now()),
                "request-id": req.request_id,
                "client-request-id": req.header("client-request-id").map(str::to_string).unwrap_or_else(|| req.request_id.clone()),
            }
        });
        if let Some(d) = details {
            err["details"] = d;
        }
        let mut r = Resp::json(status, &json!({ "error": err }))
            .header("request-id", req.request_id.clone())
            .header(
                "client-request-id",
                req.header("client-request-id").unwrap_or(&req.request_id).to_string(),
            );
        if status == 401 {
            r = r.header(
                "WWW-Authenticate",
                format!(
                    "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                    req.origin
                ),
            );
        }
        r
    }
}

#[derive(Debug, Clone)]
pub enum Dv {
    /// No token, a bad token, or a token for another audience: 401 with the tenant-discovery
    /// challenge and an empty body
    /// (<https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth>).
    Unauthenticated {
        authorization_uri: String,
        resource_id: String,
    },
    PrivilegeDenied {
        message: String,
    },
    NotMember,
    Disabled {
        user: String,
        org: String,
    },
    AppBlocked {
        app_id: String,
    },
    Throttled {
        retry_after: u64,
        limit: u64,
        window_s: u64,
    },
    /// Too many requests in flight at once: 429 `0x80072326` with `Retry-After`
    /// (<https://learn.microsoft.com/power-apps/developer/data-platform/api-limits>).
    ConcurrencyLimit {
        retry_after: u64,
        limit: u32,
    },
    SegmentNotFound(String),
    PropertyNotFound {
        property: String,
        entity: String,
    },
    RecordNotFound {
        entity: String,
        id: String,
    },
    EntityMetadataNotFound {
        name: String,
    },
    Duplicate(String),
    InvalidArgument(String),
    BadPayload(String),
    MethodNotAllowed,
    NotEmulated(String),
    QuerySyntax(String),
    MetadataFunction(String),
    /// A refusal whose status, code and wording the documentation does not pin down, answered as a
    /// chosen variant (`dataverse::users::lag_refusal`, `dataverse::security::no_role_refusal`).
    Variant {
        status: u16,
        code: &'static str,
        message: String,
    },
}

impl Dv {
    pub fn parts(&self) -> (u16, &'static str, String) {
        match self {
            Dv::Unauthenticated { .. } => (401, "", String::new()),
            Dv::PrivilegeDenied { message } => (403, "0x80040220", message.clone()),
            Dv::NotMember => (403, "0x80072560", "The user is not a member of the organization.".into()),
            Dv::Disabled { user, org } => (403, "0x80040225", format!("The user with SystemUserId={user} in OrganizationContext={org} is disabled. Disabled users cannot access the system. Consider enabling this user. Also, users are disabled if they don't have a license assigned to them.")),
            Dv::AppBlocked { app_id } => (403, "0x80095ffc", format!("Access to Dataverse API is restricted for this application Id : '{app_id}'. Please contact your administrator for more information.")),
            Dv::Throttled { limit, window_s, .. } => (429, "0x80072322", format!("Number of requests exceeded the limit of {limit} over time window of {window_s} seconds.")),
            Dv::ConcurrencyLimit { limit, .. } => (429, "0x80072326", format!("Number of concurrent requests exceeded the limit of {limit}.")),
            Dv::SegmentNotFound(s) => (404, "0x8006088a", format!("Resource not found for the segment '{s}'.")),
            Dv::PropertyNotFound { property, entity } => (400, "0x80060888", format!("Could not find a property named '{property}' on type 'Microsoft.Dynamics.CRM.{entity}'.")),
            Dv::RecordNotFound { entity, id } => (404, "0x80040217", format!("{entity} With Id = {id} Does Not Exist")),
            Dv::EntityMetadataNotFound { name } => (404, "0x80040217", format!("Could not find entity with name '{name}'. The entity with a name = '{name}' with namemapping = 'Logical' was not found in the MetadataCache.")),
            Dv::Duplicate(m) => (412, "0x80040237", m.clone()),
            Dv::InvalidArgument(m) => (400, "0x80040203", m.clone()),
            Dv::BadPayload(m) => (400, "0x80048d19", m.clone()),
            Dv::MethodNotAllowed => (405, "0x80060888", "The requested HTTP method is not supported on this resource.".into()),
            Dv::NotEmulated(m) => (501, "0x8006088a", format!("Not emulated by wpcrm-sandbox: {m}")),
            Dv::QuerySyntax(m) => (400, "0x80060888", format!("Syntax error in the query: {m}")),
            Dv::MetadataFunction(f) => (501, "0x8006088a", format!("The \"{f}\" function isn't supported for Metadata Entities")),
            Dv::Variant { status, code, message } => (*status, code, message.clone()),
        }
    }
    pub fn render(&self, req: &Req) -> Resp {
        if let Dv::Unauthenticated {
            authorization_uri,
            resource_id,
        } = self
        {
            return odata_headers(Resp::new(401), req).header(
                "WWW-Authenticate",
                format!("Bearer authorization_uri={authorization_uri}, resource_id={resource_id}"),
            );
        }
        let (status, code, message) = self.parts();
        let mut r = Resp::json(status, &json!({"error":{"code":code,"message":message}}));
        r = odata_headers(r, req);
        if let Dv::Throttled { retry_after, .. } | Dv::ConcurrencyLimit { retry_after, .. } = self {
            r = r.header("Retry-After", retry_after.to_string());
        }
        r
    }
}

/// Global Discovery Service errors (bodies unconfirmed, OData-style chosen;
/// <https://learn.microsoft.com/power-apps/developer/data-platform/discovery-service>).
#[derive(Debug, Clone)]
pub enum Disco {
    /// 401 with a challenge naming the discovery resource, empty body.
    Unauthenticated {
        authorization_uri: String,
        resource_id: String,
    },
    AppOnly,
    SegmentNotFound(String),
    BadQuery(String),
}

impl Disco {
    pub fn render(&self, _req: &Req) -> Resp {
        let (status, code, message) = match self {
            Disco::Unauthenticated {
                authorization_uri,
                resource_id,
            } => {
                return Resp::new(401).header(
                    "WWW-Authenticate",
                    format!("Bearer authorization_uri={authorization_uri}, resource_id={resource_id}"),
                )
            }
            Disco::AppOnly => (403, "Forbidden", "The Global Discovery Service lists environments for signed-in users only; app-only tokens are not accepted.".to_string()),
            Disco::SegmentNotFound(s) => (404, "NotFound", format!("Resource not found for the segment '{s}'.")),
            Disco::BadQuery(m) => (400, "BadRequest", format!("The query specified in the URI is not valid. {m}")),
        };
        Resp::json(status, &json!({"error":{"code":code,"message":message}})).header("OData-Version", "4.0")
    }
}
