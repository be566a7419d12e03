//! The state every handler shares: the world behind its lock, the token signer, and what the
//! sandbox was started with (origin, seed, initial config, CA). Depends only on the store and the
//! signer, so handlers and the server both build on it without depending on each other.

use crate::jwt::Signer;
use crate::seed::Seed;
use crate::store::{Config, World};
use std::sync::{Mutex, MutexGuard};

pub struct Shared {
    pub world: Mutex<World>,
    pub signer: Signer,
    /// `https://127.0.0.1:PORT`
    pub origin: String,
    pub port: u16,
    /// Per-instance token claim (`xms_sbx`).
    pub instance: String,
    pub seed: Seed,
    pub initial_config: Config,
    pub ca_pem: String,
}

impl Shared {
    pub fn world(&self) -> MutexGuard<'_, World> {
        // A panicking handler must not wedge the sandbox for every later test.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}
