//! The world: everything the sandbox holds, its lookups, and the device-code approvals shared by
//! the token endpoint, the `/devicelogin` page and the control API.

use super::control::{Config, Fault, LogEntry};
use super::model::{App, DeviceCode, DeviceStatus, Env, RefreshGrant, Secret, ServicePrincipal, User};
use super::sign_in::{AuthCode, SignInPolicy};
use std::collections::{HashMap, VecDeque};
use std::time::Instant;
use uuid::Uuid;

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
    /// Authorization codes of the browser sign-in, and the planted sign-in policies.
    pub auth_codes: Vec<AuthCode>,
    pub sign_in_policies: Vec<SignInPolicy>,
    pub config: Config,
    pub device_code_blocked: bool,
    pub faults: Vec<Fault>,
    pub next_fault_id: u64,
    pub log: Vec<LogEntry>,
    pub next_seq: u64,
    /// Dataverse service-protection window: (environment, caller systemuser) → request instants.
    pub budget: HashMap<(String, Uuid), VecDeque<Instant>>,
    /// Dataverse requests in flight now, the most ever at once, and how many the concurrency
    /// limit refused (`dataverse::throttling`, `GET /_sandbox/concurrency`).
    pub in_flight: InFlightCount,
}

#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct InFlightCount {
    pub now: u32,
    pub peak: u32,
    pub refused: u32,
}

impl World {
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

    /// A client secret the token endpoint does not accept yet: the replication of every new object
    /// (`created`), or the secret's own activation delay (`active_from`, from
    /// `secret_activation_delay_ms` as it was when the secret was added). Microsoft documents that a
    /// new credential may take a while to work but not how long
    /// (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>, AADSTS7000215);
    /// the sandbox produces both "at once" (0, the default) and any delay.
    pub fn secret_pending(&self, secret: &Secret) -> bool {
        let activating = secret.active_from.is_some_and(|t| Instant::now() < t);
        activating || self.replicating(secret.created)
    }
}

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
    admin_of(&w.users)
}

/// The admin among `users`: `admin@…`, else the first that may register apps, else the first.
pub(super) fn admin_of(users: &[User]) -> Option<Uuid> {
    users
        .iter()
        .find(|u| u.upn.starts_with("admin@"))
        .or_else(|| users.iter().find(|u| u.can_register_apps() && !u.ca_blocked))
        .or(users.first())
        .map(|u| u.id)
}

pub fn normalize_user_code(c: &str) -> String {
    c.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase()
}
