//! What a renewal (`action: renew`) keeps in the sealed state besides the steps it shares with a
//! run (`sign_in`, `environment`, `client_secret`, `verify`): its own two steps, finding the site's
//! application and waiting until Entra ID accepts the new secret; and the connection it is for.

use super::steps::StepStatus;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RenewalRecord {
    /// Step `application`: the application the site recorded was found (`state.app`).
    pub application: StepStatus,
    /// Step `secret_active`: a client-credentials token was granted with the new secret.
    pub secret_active: StepStatus,
    /// Unix seconds of the first token request with the new secret (bounds the wait).
    pub active_started_at: Option<i64>,
    /// Token requests refused so far: the next wait is 0.5 s × 2^n, at most 8 s, across calls.
    pub active_attempts: u32,
}

/// The connection a renewal is for, as the request names it (`renew.rs`).
#[derive(Debug, Clone)]
pub(super) struct Target {
    /// The application (client) id, lower-case GUID.
    pub(super) app_id: String,
    pub(super) object_id: Option<String>,
    /// GUID or domain, as recorded by the site.
    pub(super) tenant: Option<String>,
}
