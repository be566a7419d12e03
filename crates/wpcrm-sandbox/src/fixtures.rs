//! The seeded world's ids and secrets, for tests and benchmarks: read once from the embedded
//! `seed/default.json` (the one place they are written), never repeated in Rust.
//!
//! ```
//! use wpcrm_sandbox::fixtures;
//! let wp_ok = fixtures::app("wp-ok");
//! assert!(fixtures::seeded_secrets().contains(&wp_ok.secret));
//! assert_eq!(fixtures::user("admin").upn, fixtures::admin().upn);
//! assert!(fixtures::admin().upn.ends_with(fixtures::tenant_domain()));
//! ```
//!
//! Every accessor panics with the name it was asked for when the seed has no such entry: a test
//! asking for a fixture the seed lacks is a broken test, not a case to handle.

use crate::seed::Seed;
use once_cell::sync::Lazy;

/// A tenant (directory) user of the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct User {
    /// `admin@contoso.onmicrosoft.com`, lower case as seeded.
    pub upn: &'static str,
    /// The sign-in password (device-login page).
    pub password: &'static str,
    /// Entra object id (GUID).
    pub id: &'static str,
    pub display_name: &'static str,
}

/// An application registration of the seed, with its first client secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct App {
    /// `wp-ok`, `wp-nouser`, …
    pub name: &'static str,
    /// Application (client) id.
    pub app_id: &'static str,
    /// Object id of the application.
    pub object_id: &'static str,
    /// Object id of its service principal (the Entra object id of its Dataverse application user).
    pub service_principal_id: Option<&'static str>,
    /// Value of its first seeded secret (empty when it has none).
    pub secret: &'static str,
    /// Key id (Secret ID) of its first seeded secret (empty when it has none).
    pub key_id: &'static str,
}

/// A public client (first-party app id usable for the device-code flow) of the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicClient {
    /// `Microsoft Azure CLI`, …
    pub name: &'static str,
    pub app_id: &'static str,
}

/// A Dataverse environment of the seed; its Web API is `{sandbox}/{name}/api/data/v9.2/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Environment {
    /// URL segment and instance name (`contoso`).
    pub name: &'static str,
    pub friendly_name: &'static str,
    pub unique_name: &'static str,
    pub region: &'static str,
    pub version: &'static str,
    pub organization_id: &'static str,
    pub environment_id: &'static str,
}

struct Fixtures {
    users: Vec<User>,
    apps: Vec<App>,
    public_clients: Vec<PublicClient>,
    environments: Vec<Environment>,
}

static SEED: Lazy<Seed> = Lazy::new(Seed::default_seed);

static FIXTURES: Lazy<Fixtures> = Lazy::new(|| {
    let seed: &'static Seed = &SEED;
    Fixtures {
        users: seed
            .users
            .iter()
            .map(|u| User {
                upn: &u.upn,
                password: &u.password,
                id: &u.id,
                display_name: &u.display_name,
            })
            .collect(),
        apps: seed
            .applications
            .iter()
            .map(|a| App {
                name: &a.name,
                app_id: &a.app_id,
                object_id: &a.object_id,
                service_principal_id: a.service_principal_id.as_deref(),
                secret: a.secrets.first().map(|s| s.value.as_str()).unwrap_or(""),
                key_id: a.secrets.first().map(|s| s.key_id.as_str()).unwrap_or(""),
            })
            .collect(),
        public_clients: seed
            .public_clients
            .iter()
            .map(|c| PublicClient {
                name: &c.name,
                app_id: &c.app_id,
            })
            .collect(),
        environments: seed
            .environments
            .iter()
            .map(|e| Environment {
                name: &e.name,
                friendly_name: &e.friendly_name,
                unique_name: &e.unique_name,
                region: &e.region,
                version: &e.version,
                organization_id: &e.organization_id,
                environment_id: &e.environment_id,
            })
            .collect(),
    }
});

/// The whole default seed, parsed once.
pub fn seed() -> &'static Seed {
    &SEED
}

/// The tenant id (GUID).
pub fn tenant_id() -> &'static str {
    &SEED.tenant.id
}

/// The tenant's domain (`contoso.onmicrosoft.com`).
pub fn tenant_domain() -> &'static str {
    &SEED.tenant.domain
}

/// Every tenant user, in seed order.
pub fn users() -> &'static [User] {
    &FIXTURES.users
}

/// The tenant user with this UPN, or with this local part (`"maker"` for `maker@…`).
pub fn user(upn_or_name: &str) -> &'static User {
    let wanted = upn_or_name.to_ascii_lowercase();
    users()
        .iter()
        .find(|u| u.upn.eq_ignore_ascii_case(&wanted) || u.upn.split('@').next() == Some(wanted.as_str()))
        .unwrap_or_else(|| panic!("seed/default.json has no user '{upn_or_name}'"))
}

/// The seeded administrator (`admin@…`), who approves device codes by default.
pub fn admin() -> &'static User {
    user("admin")
}

/// Every application registration, in seed order.
pub fn apps() -> &'static [App] {
    &FIXTURES.apps
}

/// The application registration named `name` (`"wp-ok"`).
pub fn app(name: &str) -> &'static App {
    apps()
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("seed/default.json has no application '{name}'"))
}

/// Every seeded client-secret value (of every application), to check that none leaks.
pub fn seeded_secrets() -> Vec<&'static str> {
    SEED.applications
        .iter()
        .flat_map(|a| a.secrets.iter().map(|s| s.value.as_str()))
        .collect()
}

/// Every public client, in seed order.
pub fn public_clients() -> &'static [PublicClient] {
    &FIXTURES.public_clients
}

/// The public client named `name` (`"Microsoft Azure CLI"`).
pub fn public_client(name: &str) -> &'static PublicClient {
    public_clients()
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("seed/default.json has no public client '{name}'"))
}

/// Every Dataverse environment, in seed order.
pub fn environments() -> &'static [Environment] {
    &FIXTURES.environments
}

/// The environment named `name` (`"contoso"`).
pub fn environment(name: &str) -> &'static Environment {
    environments()
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("seed/default.json has no environment '{name}'"))
}

/// The first environment: the one also served at the origin itself (`{sandbox}/api/data/v9.2/`).
pub fn default_environment() -> &'static Environment {
    environments()
        .first()
        .expect("seed/default.json has at least one environment")
}
