//! What `wpcrm_provision()` returns, exactly as `shared/DESIGN.md` specifies it. Serialized with
//! serde and converted to a PHP array by the extension, so the field names are the contract.

use super::steps::{StepId, StepView};
use crate::diagnosis::{Diagnosis, Texts};
use crate::discovery::Environment;
use crate::secret::ClientSecret;
use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    SignInRequired,
    ChooseEnvironment,
    InProgress,
    Done,
    Failed,
}

/// What the admin must do to sign in. `method` says which: `device_code` (enter `user_code` at
/// `verification_uri`) or `browser` (open `authorize_url`, sign in, paste the address the browser
/// ends on, under `redirect_uri`, back as `sign_in_response_url`; `verification_uri` is then the
/// same link and `user_code` is empty). See `docs/provision.md`, "Sign-in".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignIn {
    pub method: &'static str,
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
    /// ISO 8601.
    pub expires_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorize_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
}

/// The Connection tab's values. The only place a secret value leaves the engine unsealed.
#[derive(Debug, Clone, Serialize)]
pub struct Connection {
    pub instance_url: String,
    pub tenant_id: Option<String>,
    pub application_id: String,
    #[serde(serialize_with = "expose_secret")]
    pub client_secret: ClientSecret,
    pub secret_expires_at: String,
    /// The new secret's key id (Graph's `keyId`; names it in the Entra admin center, never its value).
    pub secret_key_id: Option<String>,
    pub application_object_id: String,
    pub service_principal_id: Option<String>,
    pub application_user_id: Option<String>,
    /// The least-privilege role, when `create_role` asked for one.
    pub role_id: Option<String>,
}

fn expose_secret<S: Serializer>(secret: &ClientSecret, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.secret())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisionError {
    /// The step that failed (`None` when the request itself or its state was refused).
    pub step: Option<String>,
    pub code: String,
    pub message: String,
    pub fix: Option<String>,
    /// Text ids (`detail_id` names `message`'s text) and named values, for translation (`docs/verify.md`).
    #[serde(flatten)]
    pub texts: Box<Texts>,
}

impl ProvisionError {
    /// The catalogue's diagnosis, reported for `step` (a step id, or a rollback step's name).
    pub(crate) fn new(step: Option<&str>, d: Diagnosis) -> Self {
        Self {
            step: step.map(str::to_owned),
            code: d.code,
            message: d.detail,
            fix: d.fix,
            texts: d.texts,
        }
    }

    /// The catalogue's diagnosis, reported for one of the run's steps.
    pub(crate) fn at(step: StepId, d: Diagnosis) -> Self {
        Self::new(Some(step.as_str()), d)
    }
}

/// What a change did to an object in the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeAction {
    Created,
    Updated,
    Removed,
}

/// The kind of object a change touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Application,
    ServicePrincipal,
    ClientSecret,
    ApplicationUser,
    Role,
    RoleAssignment,
    Owner,
}

/// One change this call made in the tenant, for the site's audit trail (never a secret value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub action: ChangeAction,
    pub kind: ChangeKind,
    pub id: String,
    pub detail: String,
    /// ISO 8601.
    pub at: String,
}

/// Something the admin should know that is not a failure (an object that looked like ours and was
/// left alone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub code: String,
    pub message: String,
    /// Text id (`detail_id` names `message`'s text) and named values, for translation.
    #[serde(flatten)]
    pub texts: Texts,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProvisionResponse {
    pub status: Status,
    /// Opaque; pass it to the next call. Empty only when no state key was usable.
    pub state: String,
    pub steps: Vec<StepView>,
    /// The step being worked on (`in_progress`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<SignIn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<Environment>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<Connection>,
    /// The verify report (`done`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ProvisionError>,
    /// The tenant changes this call made (`docs/provision.md`, "Audit trail").
    pub changes: Vec<Change>,
    pub notices: Vec<Notice>,
}
