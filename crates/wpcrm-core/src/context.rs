//! What every operation runs with: the parsed php.ini settings, the transport, the clock and the
//! process-wide token cache. Every layer may read it; it depends on nothing but the HTTP seam and
//! the token cache, so that the engine object ([`crate::engine`]) can sit on top of the flows.

pub use crate::clock::{Clock, SystemClock};
use crate::http::{DopMemory, Transport};
use crate::oauth::TokenCache;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Azure CLI's public client: pre-authorized in every tenant, the default for admin sign-in.
pub const AZURE_CLI_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// Default [`EngineConfig::replication_window`]: Microsoft publishes no maximum delay; reports
/// range from seconds to about a minute.
pub const DEFAULT_REPLICATION_WINDOW_S: u64 = 300;

/// The php.ini settings (`wpcrm.*`), already parsed.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub ca_file: Option<PathBuf>,
    /// Origin of a local sandbox (`https://127.0.0.1:8443`), empty in production.
    pub sandbox_url: Option<String>,
    pub default_timeout: Duration,
    pub proxy: Option<String>,
    pub admin_client_id: String,
    /// How long after the service principal was created a refusal of the application user that
    /// may be Dataverse lagging behind Entra ID is retried before it is reported
    /// (`docs/provision.md`, "Time"); the same bound applies to Graph's own replication.
    pub replication_window: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            ca_file: None,
            sandbox_url: None,
            default_timeout: Duration::from_secs(20),
            proxy: None,
            admin_client_id: AZURE_CLI_CLIENT_ID.to_owned(),
            replication_window: Duration::from_secs(DEFAULT_REPLICATION_WINDOW_S),
        }
    }
}

/// Everything an operation needs, shared by the concurrent requests of one call and across calls.
pub struct Context {
    pub config: Arc<EngineConfig>,
    pub transport: Arc<dyn Transport>,
    pub clock: Arc<dyn Clock>,
    /// Tokens kept across calls in this process, until shortly before they expire.
    pub token_cache: Arc<TokenCache>,
    /// Each environment's `x-ms-dop-hint`, as learned by earlier calls in this process.
    pub dop_memory: Arc<DopMemory>,
}

impl Context {
    pub fn new(config: EngineConfig, transport: Arc<dyn Transport>, clock: Arc<dyn Clock>) -> Self {
        Self {
            config: Arc::new(config),
            transport,
            clock,
            token_cache: Arc::new(TokenCache::new()),
            dop_memory: Arc::new(DopMemory::default()),
        }
    }
}
