//! The php.ini settings (README, "Installing the extension"), all `PHP_INI_SYSTEM`, and how
//! they become an [`EngineConfig`].

use ext_php_rs::flags::IniEntryPermission;
use ext_php_rs::zend::{ExecutorGlobals, IniEntryDef, IniEntryDefs};
use std::path::PathBuf;
use std::time::Duration;
use wpcrm_core::cloud::parse_sandbox_origin;
use wpcrm_core::EngineConfig;

pub const CA_FILE: &str = "wpcrm.ca_file";
pub const SANDBOX_URL: &str = "wpcrm.sandbox_url";
pub const TIMEOUT: &str = "wpcrm.timeout";
pub const PROXY: &str = "wpcrm.proxy";
pub const ADMIN_CLIENT_ID: &str = "wpcrm.admin_client_id";

/// Longest deadline a call may ask for, in seconds (`wpcrm.timeout` and the `timeout` option).
pub const MAX_TIMEOUT_SECS: f64 = 3600.0;

static ENTRIES: IniEntryDefs<6> = IniEntryDefs::new([
    IniEntryDef::new(c"wpcrm.ca_file", c"", IniEntryPermission::System),
    IniEntryDef::new(c"wpcrm.sandbox_url", c"", IniEntryPermission::System),
    IniEntryDef::new(c"wpcrm.timeout", c"20", IniEntryPermission::System),
    IniEntryDef::new(c"wpcrm.proxy", c"", IniEntryPermission::System),
    // Azure CLI's public client (wpcrm_core::engine::AZURE_CLI_CLIENT_ID).
    IniEntryDef::new(
        c"wpcrm.admin_client_id",
        c"04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        IniEntryPermission::System,
    ),
    IniEntryDef::end(),
]);

pub fn register(module_number: i32) {
    IniEntryDef::register(ENTRIES.as_slice(), module_number);
}

/// The current values of the five settings (empty strings when unset).
#[derive(Debug, Clone, Default)]
pub struct IniValues {
    pub ca_file: String,
    pub sandbox_url: String,
    pub timeout: String,
    pub proxy: String,
    pub admin_client_id: String,
}

impl IniValues {
    /// Reads the settings from the engine. Call only while PHP runs (MINIT has registered them).
    pub fn read() -> Self {
        let all = ExecutorGlobals::get().ini_values();
        let get = |name: &str| all.get(name).cloned().flatten().unwrap_or_default().trim().to_owned();
        Self {
            ca_file: get(CA_FILE),
            sandbox_url: get(SANDBOX_URL),
            timeout: get(TIMEOUT),
            proxy: get(PROXY),
            admin_client_id: get(ADMIN_CLIENT_ID),
        }
    }

    /// The engine's configuration. An invalid value is a server misconfiguration (an
    /// `Wpcrm\ConfigurationException` when a function is called), never silently replaced. The
    /// error message never contains the proxy URL, which may hold credentials.
    pub fn to_engine_config(&self) -> Result<EngineConfig, String> {
        let default_timeout = if self.timeout.is_empty() {
            EngineConfig::default().default_timeout
        } else {
            parse_seconds(&self.timeout)
                .ok_or_else(|| format!("{TIMEOUT} must be a number of seconds between 0 and {MAX_TIMEOUT_SECS}"))?
        };
        // The engine would silently ignore a bad sandbox origin; say so instead. The value is not
        // quoted: it could carry user info.
        if !self.sandbox_url.is_empty() && parse_sandbox_origin(&self.sandbox_url).is_err() {
            return Err(format!(
                "{SANDBOX_URL} must be an https origin such as https://127.0.0.1:8443 (no path, no user info)"
            ));
        }
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Ok(EngineConfig {
            ca_file: non_empty(&self.ca_file).map(PathBuf::from),
            sandbox_url: non_empty(self.sandbox_url.trim_end_matches('/')),
            default_timeout,
            proxy: non_empty(&self.proxy),
            admin_client_id: non_empty(&self.admin_client_id)
                .unwrap_or_else(|| EngineConfig::default().admin_client_id),
            replication_window: EngineConfig::default().replication_window,
        })
    }
}

/// A positive, finite number of seconds no larger than [`MAX_TIMEOUT_SECS`].
pub fn seconds(value: f64) -> Option<Duration> {
    (value.is_finite() && value > 0.0 && value <= MAX_TIMEOUT_SECS).then(|| Duration::from_secs_f64(value))
}

fn parse_seconds(text: &str) -> Option<Duration> {
    text.parse::<f64>().ok().and_then(seconds)
}
