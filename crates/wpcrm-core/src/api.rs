//! What the PHP API takes in, as plain Rust values (`php/wpcrm-stubs.php`, `docs/verify.md`, `docs/provision.md`).
//!
//! These are deliberately loose: every field an admin can type is a raw string, because a bad value
//! must become a failed check with a fix, never an error thrown at the caller. The extension only
//! checks PHP types (a non-string where a string belongs is a `TypeError`).

use crate::secret::ClientSecret;
use std::time::Duration;

/// The Connection tab's values, as typed.
#[derive(Debug, Clone, Default)]
pub struct ConnectionInput {
    pub instance_url: Option<String>,
    pub application_id: Option<String>,
    pub client_secret: Option<ClientSecret>,
    /// GUID or domain; discovered from the instance's 401 challenge when absent.
    pub tenant_id: Option<String>,
}

/// One table the site needs and the access kinds it needs on it
/// (`read`, `create`, `write`, `delete`, `append`, `appendto`), as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRequest {
    pub logical_name: String,
    pub access: Vec<String>,
}

impl TableRequest {
    /// A bare table name means read access.
    pub fn read(logical_name: impl Into<String>) -> Self {
        Self {
            logical_name: logical_name.into(),
            access: vec!["read".to_owned()],
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    pub tables: Vec<TableRequest>,
    /// Deadline of the whole call; `None` uses the engine's default (`wpcrm.timeout`).
    pub timeout: Option<Duration>,
    /// ISO 8601, when the caller knows it.
    pub secret_expires_at: Option<String>,
    /// The id of the role setup made for this site (`connection.role_id`): the least-privilege
    /// audit then tells when a needed privilege comes only from another role (`docs/verify.md`).
    pub site_role_id: Option<String>,
}

/// One call of the provisioning step function. Its `Debug` shows neither the state nor its key.
#[derive(Clone, Default)]
pub struct ProvisionRequest {
    /// The opaque state returned by the previous call.
    pub state: Option<String>,
    /// 32 bytes that seal the state (the extension rejects other lengths), and key the marker that
    /// proves an application is this site's. The engine wipes its copies when a call ends.
    pub state_key: Vec<u8>,
    pub instance_url: Option<String>,
    pub app_name: Option<String>,
    pub secret_lifetime_days: Option<i64>,
    pub tables: Vec<TableRequest>,
    /// `None` means `["Basic User"]`.
    pub roles: Option<Vec<String>>,
    pub create_role: bool,
    pub site_id: Option<String>,
    /// `public`, `gcc`, `usgovhigh`, `usgovdod` or `china`, as given; `None` follows the instance
    /// URL (the public cloud without one). `docs/provision.md`, "Clouds".
    pub cloud: Option<String>,
    /// `run` (default), `cancel`, `rollback`, `forget_secret`, `renew` or `repair`, as given.
    pub action: Option<String>,
    /// `repair`: the saved connection's client secret, to verify with once repaired (the state
    /// forgot its own copy when the site saved it).
    pub client_secret: Option<ClientSecret>,
    pub timeout: Option<Duration>,
    /// `renew`: the connection's application (client) id, as the site recorded it.
    pub application_id: Option<String>,
    /// `renew`: the application's object id, when the site recorded it (saves a lookup).
    pub application_object_id: Option<String>,
    /// `renew`: the connection's tenant (GUID or domain), when the site recorded it.
    pub tenant_id: Option<String>,
    /// `device_code` (default) or `browser` (authorization code with PKCE and a pasted-back address).
    pub sign_in_method: Option<String>,
    /// The address the browser ended on after the browser sign-in (it carries a one-time code).
    pub sign_in_response_url: Option<String>,
}

impl std::fmt::Debug for ProvisionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProvisionRequest")
            .field("state", &self.state.as_ref().map(|s| format!("[{} bytes]", s.len())))
            .field("state_key", &"[redacted]")
            .field("instance_url", &self.instance_url)
            .field("app_name", &self.app_name)
            .field("secret_lifetime_days", &self.secret_lifetime_days)
            .field("tables", &self.tables)
            .field("roles", &self.roles)
            .field("create_role", &self.create_role)
            .field("site_id", &self.site_id)
            .field("cloud", &self.cloud)
            .field("action", &self.action)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "[redacted]"))
            .field("timeout", &self.timeout)
            .field("application_id", &self.application_id)
            .field("application_object_id", &self.application_object_id)
            .field("tenant_id", &self.tenant_id)
            .field("sign_in_method", &self.sign_in_method)
            .field(
                "sign_in_response_url",
                &self.sign_in_response_url.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// How the admin signs in (`sign_in_method` of the request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInMethod {
    DeviceCode,
    Browser,
}

impl SignInMethod {
    /// The request's value: `None` when it names no method, `Err` for an unknown one.
    pub fn parse(value: Option<&str>) -> Result<Option<SignInMethod>, String> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some("device_code") => Ok(Some(SignInMethod::DeviceCode)),
            Some("browser") => Ok(Some(SignInMethod::Browser)),
            Some(other) => Err(other.chars().take(40).collect()),
        }
    }
}
