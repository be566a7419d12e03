//! The seed: the JSON description of the world the sandbox starts with (and returns to on reset).
//! `seed/default.json` is embedded; `--data FILE` replaces it with a file of the same shape.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The default world of `docs/sandbox.md`.
pub const DEFAULT_SEED: &str = include_str!("../../../seed/default.json");

#[derive(Debug, Clone, Deserialize)]
pub struct Seed {
    pub tenant: SeedTenant,
    pub users: Vec<SeedUser>,
    #[serde(default)]
    pub public_clients: Vec<SeedPublicClient>,
    #[serde(default)]
    pub applications: Vec<SeedApp>,
    #[serde(default)]
    pub extra_privileges: Vec<SeedExtraPrivilege>,
    pub tables: Vec<SeedTable>,
    #[serde(default)]
    pub role_templates: Vec<SeedRole>,
    pub environments: Vec<SeedEnvironment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedTenant {
    pub id: String,
    pub domain: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub secret_max_lifetime_days: Option<u64>,
    #[serde(default)]
    pub device_code_blocked: bool,
    /// Initial `creator_becomes_owner` of the config (absent: `true`), unless the start options set it.
    #[serde(default)]
    pub creator_becomes_owner: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedUser {
    pub upn: String,
    pub password: String,
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub directory_roles: Vec<String>,
    #[serde(default)]
    pub ca_blocked: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedPublicClient {
    pub app_id: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedApp {
    pub name: String,
    pub app_id: String,
    pub object_id: String,
    #[serde(default)]
    pub service_principal_id: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub secrets: Vec<SeedSecret>,
    #[serde(default)]
    pub blocked: bool,
    #[serde(default)]
    pub public_client: bool,
    /// UPNs of the users owning the application (and its service principal); absent: the seed's
    /// admin; `[]`: no owner.
    #[serde(default)]
    pub owners: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedSecret {
    pub key_id: String,
    pub value: String,
    #[serde(default)]
    pub display_name: Option<String>,
    pub end: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedExtraPrivilege {
    pub name: String,
    pub entity: String,
    pub otc: u32,
    pub localized_name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedTable {
    pub logical_name: String,
    pub schema_name: String,
    #[serde(default)]
    pub privilege_suffix: Option<String>,
    pub entity_set: String,
    pub display_name: String,
    pub display_collection_name: String,
    pub primary_id: String,
    pub primary_name: String,
    pub otc: u32,
    #[serde(default)]
    pub is_custom: bool,
    /// systemuser, role, businessunit: rows come from the structured store, not from `records`.
    #[serde(default)]
    pub system: bool,
    pub attributes: Vec<String>,
    #[serde(default)]
    pub records: Vec<SeedRecord>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedRecord {
    #[serde(default)]
    pub id: Option<String>,
    /// Key of a systemuser of the environment; falls back to `admin` when that environment lacks it.
    pub owner: String,
    pub fields: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedRole {
    pub name: String,
    /// Every privilege of the environment at this depth (System Administrator).
    #[serde(default)]
    pub all: Option<String>,
    #[serde(default)]
    pub privileges: BTreeMap<String, String>,
    /// Only for environment roles: the business unit (by name) the role belongs to.
    #[serde(default)]
    pub business_unit: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedEnvironment {
    pub name: String,
    pub friendly_name: String,
    pub unique_name: String,
    pub region: String,
    pub version: String,
    /// The cloud the environment belongs to (`public`, `gcc`, `usgovhigh`, `usgovdod`, `china`;
    /// `crate::clouds`). Default `public`.
    #[serde(default)]
    pub cloud: Option<String>,
    pub organization_id: String,
    pub environment_id: String,
    pub business_units: Vec<SeedBu>,
    #[serde(default)]
    pub roles: Vec<SeedRole>,
    pub systemusers: Vec<SeedSystemUser>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedBu {
    pub name: String,
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedSystemUser {
    pub key: String,
    /// UPN of a tenant user (interactive user).
    #[serde(default)]
    pub user: Option<String>,
    /// Application (client) id (application user).
    #[serde(default)]
    pub application_id: Option<String>,
    #[serde(default)]
    pub fullname: Option<String>,
    #[serde(default)]
    pub domainname: Option<String>,
    pub business_unit: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub isdisabled: bool,
}

impl Seed {
    pub fn parse(text: &str) -> Result<Seed, String> {
        serde_json::from_str(text).map_err(|e| format!("invalid seed JSON: {e}"))
    }
    pub fn default_seed() -> Seed {
        Seed::parse(DEFAULT_SEED).expect("embedded seed/default.json is valid")
    }
}
