//! The entities of the emulated world: directory users, applications and their secrets, service
//! principals, and each Dataverse environment's business units, roles, privileges, users, tables and
//! records; plus the in-flight OAuth state (device codes, refresh grants).

use crate::util::{new_uuid, now};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use time::OffsetDateTime;
use uuid::Uuid;

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
    /// Application Developer may register applications (<https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>).
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

    /// Application Administrator, Cloud Application Administrator or Global Administrator may
    /// manage every application and service principal of the tenant, its owners included; others
    /// only those they own (<https://learn.microsoft.com/graph/api/application-post-owners>).
    pub fn manages_all_apps(&self) -> bool {
        self.directory_roles.iter().any(|r| {
            matches!(
                r.as_str(),
                "Application Administrator" | "Cloud Application Administrator" | "Global Administrator"
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
    /// Until when the token endpoint refuses it (`secret_activation_delay_ms` as it was when the
    /// secret was added; changing the config later does not change it); `None`: at once.
    pub active_from: Option<Instant>,
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
    /// Object ids of the directory users that own the registration.
    pub owners: Vec<Uuid>,
}

impl App {
    /// A registration made now (not replicating), with fresh object and client ids, no secrets,
    /// owned by `owners`.
    pub fn new(display_name: String, tags: Vec<String>, owners: Vec<Uuid>) -> App {
        App {
            object_id: new_uuid(),
            app_id: new_uuid(),
            display_name,
            tags,
            secrets: vec![],
            created_at: now(),
            created: None,
            blocked: false,
            public_client: false,
            sign_in_audience: "AzureADMyOrg".into(),
            extra: Map::new(),
            owners,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServicePrincipal {
    pub id: Uuid,
    pub app_id: Uuid,
    pub display_name: String,
    pub tags: Vec<String>,
    /// Object ids of the directory users that own the service principal.
    pub owners: Vec<Uuid>,
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
    /// The systemuser who created it (`_createdby_value`); `None` for the system's own roles and
    /// for roles planted through the control API (as if another administrator made them).
    pub created_by: Option<Uuid>,
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
    /// The cloud it belongs to (seed field `cloud`, `crate::clouds`).
    pub cloud: crate::clouds::SbCloud,
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
