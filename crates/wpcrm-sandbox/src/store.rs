//! The one resettable store: the whole emulated world (tenant, directory, environments), the
//! control-plane state (config, faults, request log) and the in-flight OAuth state (device codes,
//! refresh tokens). It lives behind one `Mutex` in `Shared`; handlers are synchronous functions over
//! `&mut World`, so no lock is ever held across an await.

use crate::seed::{Seed, SeedRole};
use crate::util::{det_uuid, now, parse_guid, parse_iso};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;
use time::OffsetDateTime;
use uuid::Uuid;

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
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub upn: String,
    pub password: String,
    pub display_name: String,
    pub directory_roles: Vec<String>,
    pub ca_blocked: bool,
}

impl User {
    /// Application Administrator, Cloud Application Administrator, Global Administrator or
    /// Application Developer may register applications (entra-and-graph.md §3.7).
    pub fn can_register_apps(&self) -> bool {
        self.directory_roles.iter().any(|r| {
            matches!(
                r.as_str(),
                "Application Administrator"
                    | "Cloud Application Administrator"
                    | "Global Administrator"
                    | "Application Developer"
            )
        })
    }
}

#[derive(Debug, Clone)]
pub struct Secret {
    pub key_id: Uuid,
    pub value: String,
    pub display_name: Option<String>,
    pub hint: String,
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
    /// When the secret was added (for the replication delay); seeded secrets are "long ago".
    pub created: Option<Instant>,
}

#[derive(Debug, Clone)]
pub struct App {
    pub object_id: Uuid,
    pub app_id: Uuid,
    pub display_name: String,
    pub tags: Vec<String>,
    pub secrets: Vec<Secret>,
    pub created_at: OffsetDateTime,
    /// When the app was created through Graph (replication delay); `None` for seeded apps.
    pub created: Option<Instant>,
    pub blocked: bool,
    pub public_client: bool,
    pub sign_in_audience: String,
    /// Other properties set at creation or by PATCH, echoed back as-is.
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub struct ServicePrincipal {
    pub id: Uuid,
    pub app_id: Uuid,
    pub display_name: String,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Depth {
    Basic,
    Local,
    Deep,
    Global,
}

impl Depth {
    pub fn parse(s: &str) -> Option<Depth> {
        match s.trim() {
            "Basic" | "0" | "basic" => Some(Depth::Basic),
            "Local" | "1" | "local" => Some(Depth::Local),
            "Deep" | "2" | "deep" => Some(Depth::Deep),
            "Global" | "3" | "global" => Some(Depth::Global),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Depth::Basic => "Basic",
            Depth::Local => "Local",
            Depth::Deep => "Deep",
            Depth::Global => "Global",
        }
    }
}

pub const VERBS: [&str; 8] = [
    "Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share",
];

#[derive(Debug, Clone)]
pub struct Privilege {
    pub id: Uuid,
    pub name: String,
    /// Logical name of the table it guards (or a pseudo entity such as `entity`).
    pub entity: String,
    pub otc: u32,
    pub localized_name: String,
    /// Create, Read, ... (`None` for non-table privileges).
    pub verb: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct Bu {
    pub id: Uuid,
    pub name: String,
    pub parent: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub id: Uuid,
    pub name: String,
    pub bu: Uuid,
    pub privileges: Vec<(Uuid, Depth)>,
    pub managed: bool,
}

#[derive(Debug, Clone)]
pub struct SystemUser {
    pub id: Uuid,
    pub fullname: String,
    pub domainname: String,
    pub application_id: Option<Uuid>,
    pub aad_object_id: Option<Uuid>,
    pub isdisabled: bool,
    pub bu: Uuid,
    pub roles: Vec<Uuid>,
    pub access_mode: i64,
}

#[derive(Debug, Clone)]
pub struct Record {
    pub id: Uuid,
    pub owner: Uuid,
    pub bu: Uuid,
    pub fields: Map<String, Value>,
    pub version: u64,
    pub created: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct TableDef {
    pub logical_name: String,
    pub schema_name: String,
    pub privilege_suffix: String,
    pub entity_set: String,
    pub display_name: String,
    pub display_collection_name: String,
    pub primary_id: String,
    pub primary_name: String,
    pub otc: u32,
    pub is_custom: bool,
    pub system: bool,
    pub attributes: Vec<String>,
    pub metadata_id: Uuid,
}

impl TableDef {
    pub fn privilege_name(&self, verb: &str) -> String {
        format!("prv{verb}{}", self.privilege_suffix)
    }
}

#[derive(Debug, Clone)]
pub struct Env {
    pub name: String,
    pub friendly_name: String,
    pub unique_name: String,
    pub region: String,
    pub version: String,
    pub organization_id: Uuid,
    pub environment_id: Uuid,
    pub bus: Vec<Bu>,
    pub roles: Vec<Role>,
    pub privileges: Vec<Privilege>,
    pub users: Vec<SystemUser>,
    pub tables: Vec<Arc<TableDef>>,
    pub records: HashMap<String, Vec<Record>>,
}

impl Env {
    pub fn root_bu(&self) -> &Bu {
        self.bus
            .iter()
            .find(|b| b.parent.is_none())
            .expect("root business unit")
    }
    pub fn table(&self, logical: &str) -> Option<Arc<TableDef>> {
        self.tables.iter().find(|t| t.logical_name == logical).cloned()
    }
    pub fn table_by_set(&self, set: &str) -> Option<Arc<TableDef>> {
        self.tables.iter().find(|t| t.entity_set == set).cloned()
    }
    pub fn privilege_by_name(&self, name: &str) -> Option<&Privilege> {
        self.privileges.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }
    pub fn user(&self, id: Uuid) -> Option<&SystemUser> {
        self.users.iter().find(|u| u.id == id)
    }
    /// Business unit ids in the subtree rooted at `bu` (inclusive).
    pub fn bu_subtree(&self, bu: Uuid) -> Vec<Uuid> {
        let mut out = vec![bu];
        let mut i = 0;
        while i < out.len() {
            let cur = out[i];
            for b in &self.bus {
                if b.parent == Some(cur) {
                    out.push(b.id);
                }
            }
            i += 1;
        }
        out
    }
    /// Widest depth at which `user` holds privilege `name` (through any of its roles).
    pub fn user_depth(&self, user: &SystemUser, name: &str) -> Option<Depth> {
        let p = self.privilege_by_name(name)?;
        self.roles
            .iter()
            .filter(|r| user.roles.contains(&r.id))
            .flat_map(|r| r.privileges.iter())
            .filter(|(id, _)| *id == p.id)
            .map(|(_, d)| *d)
            .max()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved(Uuid),
    Declined,
    Blocked,
    Expired,
}

#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub client_id: Uuid,
    pub tenant_segment: String,
    pub scopes: Vec<String>,
    pub resource: String,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub interval_s: u64,
    pub last_poll: Option<Instant>,
    pub status: DeviceStatus,
    pub redeemed: bool,
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub user: Uuid,
    pub client_id: Uuid,
    /// Scopes of the original grant: the resource used when a refresh names no scope.
    pub scopes: Vec<String>,
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
    pub kind: String,
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
}

pub struct World {
    pub tenant_id: Uuid,
    pub tenant_domain: String,
    pub tenant_name: String,
    pub users: Vec<User>,
    pub public_clients: Vec<(Uuid, String)>,
    pub apps: Vec<App>,
    pub sps: Vec<ServicePrincipal>,
    pub envs: Vec<Env>,
    pub devices: Vec<DeviceCode>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    pub config: Config,
    pub device_code_blocked: bool,
    pub faults: Vec<Fault>,
    pub next_fault_id: u64,
    pub log: Vec<LogEntry>,
    pub next_seq: u64,
    /// Dataverse service-protection window: (environment, caller systemuser) → request instants.
    pub budget: HashMap<(String, Uuid), VecDeque<Instant>>,
}

fn guid(s: &str, what: &str) -> Result<Uuid, String> {
    parse_guid(s).ok_or_else(|| format!("seed: {what} '{s}' is not a GUID"))
}

impl World {
    pub fn from_seed(seed: &Seed, config: Config) -> Result<World, String> {
        let tenant_id = guid(&seed.tenant.id, "tenant id")?;
        let mut config = config;
        if config.secret_max_lifetime_days.is_none() {
            config.secret_max_lifetime_days = seed.tenant.secret_max_lifetime_days;
        }
        let users = seed
            .users
            .iter()
            .map(|u| {
                Ok(User {
                    id: guid(&u.id, "user id")?,
                    upn: u.upn.to_ascii_lowercase(),
                    password: u.password.clone(),
                    display_name: u.display_name.clone(),
                    directory_roles: u.directory_roles.clone(),
                    ca_blocked: u.ca_blocked,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let public_clients = seed
            .public_clients
            .iter()
            .map(|c| Ok((guid(&c.app_id, "public client id")?, c.name.clone())))
            .collect::<Result<Vec<_>, String>>()?;
        let long_ago = OffsetDateTime::UNIX_EPOCH + time::Duration::days(365 * 50);
        let mut apps = Vec::new();
        let mut sps = Vec::new();
        for a in &seed.applications {
            let app_id = guid(&a.app_id, "app id")?;
            let mut secrets = Vec::new();
            for s in &a.secrets {
                let end = parse_iso(&s.end).ok_or_else(|| format!("seed: bad secret end '{}'", s.end))?;
                secrets.push(Secret {
                    key_id: guid(&s.key_id, "secret key id")?,
                    value: s.value.clone(),
                    display_name: s.display_name.clone(),
                    hint: s.value.chars().take(3).collect(),
                    start: (end - time::Duration::days(730)).min(long_ago),
                    end,
                    created: None,
                });
            }
            apps.push(App {
                object_id: guid(&a.object_id, "app object id")?,
                app_id,
                display_name: a.name.clone(),
                tags: a.tags.clone(),
                secrets,
                created_at: long_ago,
                created: None,
                blocked: a.blocked,
                public_client: a.public_client,
                sign_in_audience: "AzureADMyOrg".into(),
                extra: Map::new(),
            });
            if let Some(sp) = &a.service_principal_id {
                sps.push(ServicePrincipal {
                    id: guid(sp, "service principal id")?,
                    app_id,
                    display_name: a.name.clone(),
                    tags: vec![],
                });
            }
        }

        let mut envs = Vec::new();
        for e in &seed.environments {
            envs.push(build_env(seed, e, &users, &apps, &sps)?);
        }
        Ok(World {
            tenant_id,
            tenant_domain: seed.tenant.domain.to_ascii_lowercase(),
            tenant_name: seed.tenant.display_name.clone().unwrap_or_else(|| "Contoso".into()),
            users,
            public_clients,
            apps,
            sps,
            envs,
            devices: vec![],
            refresh_tokens: HashMap::new(),
            config,
            device_code_blocked: seed.tenant.device_code_blocked,
            faults: vec![],
            next_fault_id: 1,
            log: vec![],
            next_seq: 1,
            budget: HashMap::new(),
        })
    }

    pub fn env(&self, name: &str) -> Option<&Env> {
        self.envs.iter().find(|e| e.name.eq_ignore_ascii_case(name))
    }
    pub fn env_mut(&mut self, name: &str) -> Option<&mut Env> {
        self.envs.iter_mut().find(|e| e.name.eq_ignore_ascii_case(name))
    }
    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        let upn = upn.trim().to_ascii_lowercase();
        self.users.iter().find(|u| u.upn == upn)
    }
    pub fn user_by_id(&self, id: Uuid) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }
    pub fn app_by_app_id(&self, app_id: Uuid) -> Option<&App> {
        self.apps.iter().find(|a| a.app_id == app_id)
    }
    pub fn is_public_client(&self, id: Uuid) -> bool {
        self.public_clients.iter().any(|(c, _)| *c == id)
    }
    /// True while a Graph-created object is still "replicating".
    pub fn replicating(&self, created: Option<Instant>) -> bool {
        match created {
            Some(t) => (t.elapsed().as_millis() as u64) < self.config.replication_delay_ms,
            None => false,
        }
    }
}

fn parse_depth_map(role: &SeedRole, privileges: &[Privilege]) -> Result<Vec<(Uuid, Depth)>, String> {
    if let Some(all) = &role.all {
        let d = Depth::parse(all).ok_or_else(|| format!("seed: bad depth '{all}'"))?;
        return Ok(privileges.iter().map(|p| (p.id, d)).collect());
    }
    let mut out = Vec::new();
    for (name, depth) in &role.privileges {
        let p = privileges
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("seed: role '{}' names unknown privilege '{name}'", role.name))?;
        let d = Depth::parse(depth).ok_or_else(|| format!("seed: bad depth '{depth}'"))?;
        out.push((p.id, d));
    }
    Ok(out)
}

fn build_env(
    seed: &Seed,
    e: &crate::seed::SeedEnvironment,
    users: &[User],
    _apps: &[App],
    sps: &[ServicePrincipal],
) -> Result<Env, String> {
    let n = &e.name;
    let tables: Vec<Arc<TableDef>> = seed
        .tables
        .iter()
        .map(|t| {
            Arc::new(TableDef {
                logical_name: t.logical_name.clone(),
                schema_name: t.schema_name.clone(),
                privilege_suffix: t.privilege_suffix.clone().unwrap_or_else(|| t.schema_name.clone()),
                entity_set: t.entity_set.clone(),
                display_name: t.display_name.clone(),
                display_collection_name: t.display_collection_name.clone(),
                primary_id: t.primary_id.clone(),
                primary_name: t.primary_name.clone(),
                otc: t.otc,
                is_custom: t.is_custom,
                system: t.system,
                attributes: t.attributes.clone(),
                metadata_id: det_uuid(&format!("metadata/{}", t.logical_name)),
            })
        })
        .collect();
    let mut privileges = Vec::new();
    for t in &tables {
        for verb in VERBS {
            let name = t.privilege_name(verb);
            privileges.push(Privilege {
                id: det_uuid(&format!("privilege/{name}")),
                name,
                entity: t.logical_name.clone(),
                otc: t.otc,
                localized_name: t.display_name.clone(),
                verb: Some(verb),
            });
        }
    }
    for x in &seed.extra_privileges {
        privileges.push(Privilege {
            id: det_uuid(&format!("privilege/{}", x.name)),
            name: x.name.clone(),
            entity: x.entity.clone(),
            otc: x.otc,
            localized_name: x.localized_name.clone(),
            verb: None,
        });
    }
    let mut bus: Vec<Bu> = Vec::new();
    for b in &e.business_units {
        let parent = match &b.parent {
            Some(p) => Some(
                bus.iter()
                    .find(|x| &x.name == p)
                    .ok_or_else(|| format!("seed: unknown parent business unit '{p}'"))?
                    .id,
            ),
            None => None,
        };
        bus.push(Bu {
            id: det_uuid(&format!("{n}/bu/{}", b.name)),
            name: b.name.clone(),
            parent,
        });
    }
    if bus.iter().filter(|b| b.parent.is_none()).count() != 1 {
        return Err(format!("seed: environment '{n}' needs exactly one root business unit"));
    }
    let mut roles = Vec::new();
    for bu in &bus {
        for t in &seed.role_templates {
            roles.push(Role {
                id: det_uuid(&format!("{n}/role/{}/{}", bu.name, t.name)),
                name: t.name.clone(),
                bu: bu.id,
                privileges: parse_depth_map(t, &privileges)?,
                managed: true,
            });
        }
    }
    for r in &e.roles {
        let bu_name = r.business_unit.clone().unwrap_or_else(|| bus[0].name.clone());
        let bu = bus
            .iter()
            .find(|b| b.name == bu_name)
            .ok_or_else(|| format!("seed: unknown business unit '{bu_name}'"))?;
        roles.push(Role {
            id: det_uuid(&format!("{n}/role/{}/{}", bu.name, r.name)),
            name: r.name.clone(),
            bu: bu.id,
            privileges: parse_depth_map(r, &privileges)?,
            managed: false,
        });
    }
    let mut sysusers = Vec::new();
    let mut keys: HashMap<String, Uuid> = HashMap::new();
    for su in &e.systemusers {
        let bu = bus
            .iter()
            .find(|b| b.name == su.business_unit)
            .ok_or_else(|| format!("seed: unknown business unit '{}'", su.business_unit))?;
        let id = det_uuid(&format!("{n}/systemuser/{}", su.key));
        let mut role_ids = Vec::new();
        for rn in &su.roles {
            let r = roles
                .iter()
                .find(|r| &r.name == rn && r.bu == bu.id)
                .ok_or_else(|| format!("seed: no role '{rn}' in business unit '{}'", bu.name))?;
            role_ids.push(r.id);
        }
        let (fullname, domainname, application_id, aad, access_mode) = if let Some(upn) = &su.user {
            let u = users
                .iter()
                .find(|u| u.upn.eq_ignore_ascii_case(upn))
                .ok_or_else(|| format!("seed: unknown user '{upn}'"))?;
            (u.display_name.clone(), u.upn.clone(), None, Some(u.id), 0)
        } else if let Some(app) = &su.application_id {
            let app_id = guid(app, "application id")?;
            let aad = sps.iter().find(|s| s.app_id == app_id).map(|s| s.id);
            (
                format!(
                    "# {}",
                    seed.applications
                        .iter()
                        .find(|a| a.app_id == *app)
                        .map(|a| a.name.clone())
                        .unwrap_or_else(|| app.clone())
                ),
                format!("{}@{}", app_id, seed.tenant.domain),
                Some(app_id),
                aad,
                4,
            )
        } else {
            (
                su.fullname.clone().unwrap_or_else(|| su.key.clone()),
                su.domainname.clone().unwrap_or_default(),
                None,
                None,
                0,
            )
        };
        keys.insert(su.key.clone(), id);
        sysusers.push(SystemUser {
            id,
            fullname: su.fullname.clone().unwrap_or(fullname),
            domainname,
            application_id,
            aad_object_id: aad,
            isdisabled: su.isdisabled,
            bu: bu.id,
            roles: role_ids,
            access_mode,
        });
    }
    let admin = *keys
        .get("admin")
        .ok_or_else(|| format!("seed: environment '{n}' needs a systemuser with key 'admin'"))?;
    let mut records = HashMap::new();
    for t in &seed.tables {
        let mut rows = Vec::new();
        for (i, r) in t.records.iter().enumerate() {
            let owner = keys.get(&r.owner).copied().unwrap_or(admin);
            let bu = sysusers
                .iter()
                .find(|u| u.id == owner)
                .map(|u| u.bu)
                .unwrap_or(bus[0].id);
            let id = match &r.id {
                Some(s) => guid(s, "record id")?,
                None => det_uuid(&format!("{n}/{}/{i}", t.logical_name)),
            };
            rows.push(Record {
                id,
                owner,
                bu,
                fields: r.fields.clone(),
                version: 1000 + i as u64,
                created: now() - time::Duration::days(30 - i as i64),
            });
        }
        records.insert(t.logical_name.clone(), rows);
    }
    Ok(Env {
        name: e.name.clone(),
        friendly_name: e.friendly_name.clone(),
        unique_name: e.unique_name.clone(),
        region: e.region.clone(),
        version: e.version.clone(),
        organization_id: guid(&e.organization_id, "organization id")?,
        environment_id: guid(&e.environment_id, "environment id")?,
        bus,
        roles,
        privileges,
        users: sysusers,
        tables,
        records,
    })
}

// ---------------------------------------------------------------- device codes

/// Marks a pending device code approved by `user` (or blocked, when Conditional Access applies).
/// Returns false for an unknown code.
pub fn approve(w: &mut World, user_code: &str, user: Uuid) -> bool {
    let blocked_user = w.user_by_id(user).map(|u| u.ca_blocked).unwrap_or(false);
    let policy = w.device_code_blocked;
    let code = normalize_user_code(user_code);
    match w.devices.iter_mut().find(|d| d.user_code == code) {
        Some(d) => {
            d.status = if blocked_user || policy {
                DeviceStatus::Blocked
            } else {
                DeviceStatus::Approved(user)
            };
            true
        }
        None => false,
    }
}

/// The seeded admin: the first user that may register apps (`admin@…` in the default seed).
pub fn default_admin(w: &World) -> Option<Uuid> {
    w.users
        .iter()
        .find(|u| u.upn.starts_with("admin@"))
        .or_else(|| w.users.iter().find(|u| u.can_register_apps() && !u.ca_blocked))
        .or(w.users.first())
        .map(|u| u.id)
}

pub fn normalize_user_code(c: &str) -> String {
    c.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase()
}
