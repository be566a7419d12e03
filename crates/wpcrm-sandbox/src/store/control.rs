//! Control-plane state: the runtime configuration, the injected faults and the request log.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Runtime configuration, settable through `POST /_sandbox/config`. Field names are the JSON names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Config {
    pub latency_ms: u64,
    pub replication_delay_ms: u64,
    pub request_budget: Option<u64>,
    pub request_window_ms: u64,
    pub secret_max_lifetime_days: Option<u64>,
    pub token_lifetime_s: u64,
    pub device_interval_s: u64,
    pub device_expires_s: u64,
    pub auto_approve: bool,
    /// `x-ms-dop-hint` on every admitted Dataverse answer (the recommended degree of parallelism);
    /// `None` sends none (`dataverse::throttling`).
    #[serde(default)]
    pub dop_hint: Option<u32>,
    /// Dataverse requests in flight at once beyond which 429 `0x80072326` answers; `None`: no limit.
    #[serde(default)]
    pub max_concurrent_requests: Option<u32>,
    /// The `Retry-After` (seconds) of that 429.
    #[serde(default = "one_second")]
    pub concurrency_retry_after_s: u64,
    /// Whether Graph makes the signed-in caller an owner of the application or service principal
    /// it creates (undocumented; `true` by default, `false` produces the other variant).
    pub creator_becomes_owner: bool,
    /// How long a client secret added through Graph is refused by the token endpoint
    /// (`invalid_client`, AADSTS7000215) after addPassword answered: Entra ID's replication of a new
    /// credential, without delaying anything else (`replication_delay_ms` delays every new object).
    #[serde(default)]
    pub secret_activation_delay_ms: u64,
    /// What polling a redeemed device code answers (undocumented): `bad_verification_code`
    /// (AADSTS70018, the default) or `invalid_grant` (AADSTS70000).
    #[serde(default = "default_redeemed_error")]
    pub device_code_redeemed_error: String,
    /// Lifetime of an authorization code from the authorize page (Entra documents "about ten
    /// minutes" for the code; 600 by default).
    #[serde(default = "default_auth_code_expires_s")]
    pub auth_code_expires_s: u64,
    /// How long after an application was created through Graph Dataverse refuses its application
    /// user (create), and how (`app_user_lag`: `not_found`, `bad_request`, `bad_request_no_code`,
    /// `forbidden`, `unauthorized`; see `docs/sandbox.md`). Real tenants answer several ways.
    #[serde(default)]
    pub app_user_lag_ms: u64,
    #[serde(default)]
    pub app_user_lag: AppUserLag,
    /// `EntityDefinitions(LogicalName='x')` for a missing table answers 400 `0x80041102` instead of
    /// 404 `0x80040217` (both have been seen).
    #[serde(default)]
    pub unknown_table_400: bool,
    /// How Dataverse refuses an application user that holds no security role.
    #[serde(default)]
    pub no_role_refusal: NoRoleRefusal,
    /// An app management policy that forbids client secrets (`passwordAddition`): `allowed`,
    /// `blocked` (the policy code as `error.code`) or `blocked_in_details` (`Request_BadRequest`
    /// with the code in `details[]`).
    #[serde(default)]
    pub secret_policy: SecretPolicy,
    /// The tenant setting "Users can register applications"
    /// (`authorizationPolicy.defaultUserRolePermissions.allowedToCreateApps`). Entra's default is
    /// on; the sandbox's is off, so that only the seeded directory roles may register apps unless a
    /// test turns it on.
    #[serde(default)]
    pub users_can_register_apps: bool,
    /// Whether the signed-in user may read `/policies/authorizationPolicy` (it needs
    /// Policy.Read.All); `false` answers 403.
    #[serde(default = "yes")]
    pub authorization_policy_readable: bool,
    /// Whether Graph offers the upserts by alternate key (`PATCH /applications(uniqueName='…')`,
    /// `PATCH /servicePrincipals(appId='…')` with `Prefer: create-if-missing`): `supported`, or
    /// the variants where it does not (`bad_request`: 400, `method_not_allowed`: 405,
    /// `ignores_prefer`: a missing key is 404 whatever `Prefer` says).
    #[serde(default)]
    pub graph_upsert: GraphUpsert,
    /// Whether `GET /applications` lists hide an application while it replicates (by default lists
    /// show it at once).
    #[serde(default)]
    pub lists_replicate: bool,
}

fn default_redeemed_error() -> String {
    "bad_verification_code".into()
}

fn default_auth_code_expires_s() -> u64 {
    600
}

/// Whether Graph offers the upserts, and how it refuses them when it does not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GraphUpsert {
    #[default]
    Supported,
    BadRequest,
    MethodNotAllowed,
    /// The `Prefer: create-if-missing` header is not honoured: a missing key is 404 (an update).
    IgnoresPrefer,
}

fn yes() -> bool {
    true
}

/// Whether addPassword is refused by a tenant policy, and in which wire shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretPolicy {
    #[default]
    Allowed,
    Blocked,
    BlockedInDetails,
}

/// How a caller without any security role is refused (undocumented; several forms seen).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoRoleRefusal {
    /// The usual 403 `0x80040220` naming the missing privilege, `roleCount=0`.
    #[default]
    MissingPrivilege,
    /// 403 `0x80040220` "RetrievePrivilegeForUser: … has not been assigned any roles".
    RetrievePrivilegeForUser,
    /// The same sentence under another code (403 `0x80040216`).
    OtherCode,
    /// Its own privileges are listed, empty.
    EmptyList,
}

/// How Dataverse refuses the application user of an application it does not see yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppUserLag {
    /// 404 `0x80040217`, the object not found.
    #[default]
    NotFound,
    /// 400 with the generic InvalidArgument code `0x80040203`.
    BadRequest,
    /// 400 with an empty code.
    BadRequestNoCode,
    /// 403 with a code that is not PrivilegeDenied.
    Forbidden,
    /// 401 with a code of its own.
    Unauthorized,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            latency_ms: 0,
            replication_delay_ms: 0,
            request_budget: None,
            request_window_ms: 300_000,
            secret_max_lifetime_days: None,
            token_lifetime_s: 3599,
            device_interval_s: 1,
            device_expires_s: 900,
            auto_approve: false,
            creator_becomes_owner: true,
            dop_hint: None,
            max_concurrent_requests: None,
            concurrency_retry_after_s: 1,
            secret_activation_delay_ms: 0,
            device_code_redeemed_error: default_redeemed_error(),
            auth_code_expires_s: default_auth_code_expires_s(),
            app_user_lag_ms: 0,
            app_user_lag: AppUserLag::NotFound,
            unknown_table_400: false,
            no_role_refusal: NoRoleRefusal::MissingPrivilege,
            secret_policy: SecretPolicy::Allowed,
            users_can_register_apps: false,
            authorization_policy_readable: true,
            graph_upsert: GraphUpsert::Supported,
            lists_replicate: false,
        }
    }
}

fn one_second() -> u64 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub id: u64,
    #[serde(default)]
    pub method: Option<String>,
    /// Glob over the request path; absent means every Microsoft path.
    #[serde(default = "every_path")]
    pub path: String,
    pub kind: FaultKind,
    #[serde(default)]
    pub latency_ms: Option<u64>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub headers: Option<Map<String, Value>>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub times: Option<u64>,
}

fn every_path() -> String {
    "/**".into()
}

#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    pub elapsed_ms: u64,
    pub service: &'static str,
    /// The real host the request stood for (`X-Forwarded-Host`, `crate::clouds`), if it named one.
    pub host: Option<String>,
}

/// What an injected fault does (`kind` in `POST /_sandbox/faults`, see `docs/sandbox.md`). On the
/// wire it is the snake_case name (`"malformed_json"`), as before the enum existed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Adds `latency_ms` and lets the request proceed.
    Latency,
    /// Answers `status` with the given `body` and `headers`.
    Status,
    /// Closes the connection (HTTP/2: resets the stream).
    Drop,
    /// Never answers.
    Hang,
    /// Replaces the real answer's body with invalid JSON.
    MalformedJson,
    /// Cuts the real answer's body in half.
    TruncatedJson,
    /// Answers an HTML page, like a proxy in the way.
    Html,
    /// Answers a redirect to `location`.
    Redirect,
    /// Carries the request out, then closes the connection before the answer: a create whose
    /// response is lost.
    LoseResponse,
}

impl FaultKind {
    /// Every kind, in the order the control API lists them.
    pub const ALL: [FaultKind; 9] = [
        FaultKind::Latency,
        FaultKind::Status,
        FaultKind::Drop,
        FaultKind::Hang,
        FaultKind::MalformedJson,
        FaultKind::TruncatedJson,
        FaultKind::Html,
        FaultKind::Redirect,
        FaultKind::LoseResponse,
    ];

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Latency => "latency",
            FaultKind::Status => "status",
            FaultKind::Drop => "drop",
            FaultKind::Hang => "hang",
            FaultKind::MalformedJson => "malformed_json",
            FaultKind::TruncatedJson => "truncated_json",
            FaultKind::Html => "html",
            FaultKind::Redirect => "redirect",
            FaultKind::LoseResponse => "lose_response",
        }
    }

    /// The wire names, in the order of [`FaultKind::ALL`].
    pub fn names() -> [&'static str; 9] {
        FaultKind::ALL.map(FaultKind::name)
    }

    /// The kind named `name` (exact, case-sensitive, as the control API always matched).
    pub fn from_name(name: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A kind is a string first (so a non-string is refused as "expected a string", as before), then
/// one of the known names.
impl<'de> Deserialize<'de> for FaultKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        FaultKind::from_name(&name).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown fault kind '{name}'; one of {:?}", FaultKind::names()))
        })
    }
}
