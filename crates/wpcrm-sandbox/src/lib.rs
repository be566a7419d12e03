//! wpcrm-sandbox: a local, protocol-faithful HTTPS emulator of Entra ID v2.0, Microsoft Graph v1.0,
//! the Global Discovery Service and the Dataverse Web API v9.2, on one origin on 127.0.0.1.
//!
//! The contract (CLI, seed, token audiences, control API) is `docs/sandbox.md`; the wire formats follow
//! Microsoft's documentation on learn.microsoft.com, cited in each service module.
//!
//! Layout, in layers (a module only uses modules of the layers before it):
//! 1. helpers: `util`, `http` (request/response values), `odata` (`$filter`, OData headers),
//!    `seed` (the seed JSON), `resources` (resource ids), `tls`;
//! 2. `errors` (the one error catalogue), `store` (the resettable world), `jwt` (the token signer),
//!    `fixtures` (the seeded world's ids and secrets, for tests);
//! 3. `state` (what handlers share: the world behind its lock, the signer), `auth` (bearer tokens);
//! 4. one module per service: `entra` (with `devicelogin`), `graph`, `discovery`, `dataverse`,
//!    `control`;
//! 5. `server` (HTTPS, faults, routing to the services), then this file (start/stop).
//!
//! ```no_run
//! # async fn demo() -> Result<(), wpcrm_sandbox::StartError> {
//! let sandbox = wpcrm_sandbox::Sandbox::start(wpcrm_sandbox::SandboxOptions::default()).await?;
//! println!("{} trusts {} bytes of CA", sandbox.url(), sandbox.ca_pem().len());
//! # Ok(()) }
//! ```

pub mod auth;
pub mod cloud_gate;
pub mod clouds;
pub mod control;
pub mod control_roles;
pub mod dataverse;
pub mod devicelogin;
pub mod discovery;
pub mod entra;
pub mod errors;
pub mod fixtures;
pub mod graph;
pub mod http;
pub mod jwt;
pub mod odata;
pub mod resources;
pub mod seed;
pub mod server;
pub mod state;
pub mod store;
pub mod tls;
pub mod util;

use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use store::{Config, World};
use tokio::sync::watch;

/// How to start a sandbox. Every field is named; `Default` is the seeded world on a free port.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Address to bind; port 0 picks a free port. Only loopback addresses are accepted.
    pub listen: SocketAddr,
    /// Seed JSON (the shape of `seed/default.json`); `None` is the embedded default.
    pub seed_json: Option<String>,
    /// Global per-request latency on every Microsoft path, milliseconds.
    pub latency_ms: u64,
    /// Replication delay of newly created apps, secrets and service principals, milliseconds.
    pub replication_delay_ms: u64,
    /// Approve every device code as the seeded admin as soon as it is issued.
    pub auto_approve: bool,
    /// Keeps the CA key and certificate so a restarted sandbox keeps the same CA.
    pub state_dir: Option<PathBuf>,
    /// Where to write the CA certificate (PEM).
    pub ca_out: Option<PathBuf>,
    /// Whether Graph makes the signed-in creator an owner of a new application or service
    /// principal (config `creator_becomes_owner`); `None` is the seed's `tenant.creator_becomes_owner`,
    /// else `true`.
    pub creator_becomes_owner: Option<bool>,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed_json: None,
            latency_ms: 0,
            replication_delay_ms: 0,
            auto_approve: false,
            state_dir: None,
            ca_out: None,
            creator_becomes_owner: None,
        }
    }
}

/// Why a sandbox could not start (bad seed, port in use, non-loopback address, TLS or I/O error).
#[derive(Debug, Clone, thiserror::Error)]
#[error("wpcrm-sandbox: {0}")]
pub struct StartError(pub String);

/// A running sandbox. Dropping it shuts the server down.
pub struct Sandbox {
    shared: Arc<state::Shared>,
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sandbox {
    /// Starts the sandbox on its own thread and tokio runtime (so it keeps serving even while the
    /// caller's runtime is blocked), and returns once it accepts connections.
    pub async fn start(options: SandboxOptions) -> Result<Sandbox, StartError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let thread = spawn_server(options, move |r| {
            let _ = tx.send(r);
        })
        .map_err(StartError)?;
        Sandbox::started(rx.await.ok(), thread)
    }

    /// The same, for synchronous callers (plain `#[test]`, `main`).
    pub fn start_blocking(options: SandboxOptions) -> Result<Sandbox, StartError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = spawn_server(options, move |r| {
            let _ = tx.send(r);
        })
        .map_err(StartError)?;
        Sandbox::started(rx.recv().ok(), thread)
    }

    /// The handle of a server thread, from what it reported when it was up (`None`: it died first).
    fn started(report: Option<Ready>, thread: std::thread::JoinHandle<()>) -> Result<Sandbox, StartError> {
        let (shared, shutdown) = report
            .ok_or_else(|| StartError("sandbox thread died".into()))?
            .map_err(StartError)?;
        Ok(Sandbox {
            shared,
            shutdown,
            thread: Some(thread),
        })
    }

    /// The origin, `https://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> &str {
        &self.shared.origin
    }

    pub fn port(&self) -> u16 {
        self.shared.port
    }

    /// The CA certificate (PEM) clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.shared.ca_pem
    }

    /// In-process access to the control API (same semantics as `/_sandbox/…`).
    pub fn control(&self) -> Control<'_> {
        Control { sandbox: self }
    }

    /// Blocks until the server stops (the binary's main loop).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Typed helpers over the control API, for Rust tests.
pub struct Control<'a> {
    sandbox: &'a Sandbox,
}

impl Control<'_> {
    /// Calls a control endpoint in-process: `call("POST", "/_sandbox/config", json!({...}))`.
    pub fn call(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        control::call(&self.sandbox.shared, method, path, body)
    }
    pub fn reset(&self) {
        self.call("POST", "/_sandbox/reset", Value::Null);
    }
    pub fn set_config(&self, patch: Value) -> Value {
        self.call("POST", "/_sandbox/config", patch).1
    }
    pub fn add_fault(&self, fault: Value) -> u64 {
        self.call("POST", "/_sandbox/faults", fault).1["id"]
            .as_u64()
            .unwrap_or(0)
    }
    pub fn clear_faults(&self) {
        self.call("DELETE", "/_sandbox/faults", Value::Null);
    }
    pub fn approve_device(&self, user_code: &str, user: Option<&str>) -> bool {
        let mut body = serde_json::json!({ "user_code": user_code });
        if let Some(u) = user {
            body["user"] = Value::String(u.to_string());
        }
        self.call("POST", "/_sandbox/device/approve", body).0 == 204
    }
    pub fn pending_devices(&self) -> Value {
        self.call("GET", "/_sandbox/device/pending", Value::Null).1
    }
    pub fn requests(&self) -> Value {
        self.call("GET", "/_sandbox/requests", Value::Null).1
    }
    pub fn clear_requests(&self) {
        self.call("DELETE", "/_sandbox/requests", Value::Null);
    }
    /// Dataverse requests in flight now (`now`), the most at once (`peak`), and how many the
    /// concurrency limit refused (`refused`).
    pub fn concurrency(&self) -> Value {
        self.call("GET", "/_sandbox/concurrency", Value::Null).1
    }
    pub fn state(&self) -> Value {
        self.call("GET", "/_sandbox/state", Value::Null).1
    }
    /// Plants a sign-in policy (`{"flow", "variant", "resource"?, "error"?, "times"?}`): its id, or
    /// panics on a body the control API refuses (a test's mistake).
    pub fn plant_sign_in_policy(&self, policy: Value) -> u64 {
        let (status, v) = self.call("POST", "/_sandbox/policy/sign-in", policy);
        assert_eq!(status, 200, "sign-in policy refused: {v}");
        v["id"].as_u64().unwrap_or(0)
    }
}

type Ready = Result<(Arc<state::Shared>, watch::Sender<bool>), String>;

fn spawn_server(
    options: SandboxOptions,
    ready: impl FnOnce(Ready) + Send + 'static,
) -> Result<std::thread::JoinHandle<()>, String> {
    std::thread::Builder::new()
        .name("wpcrm-sandbox".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return ready(Err(format!("tokio runtime: {e}"))),
            };
            rt.block_on(async move {
                match prepare(options).await {
                    Err(e) => ready(Err(e)),
                    Ok((listener, acceptor, shared)) => {
                        let (tx, rx) = watch::channel(false);
                        ready(Ok((shared.clone(), tx)));
                        server::serve(listener, acceptor, shared, rx).await;
                    }
                }
            });
            rt.shutdown_timeout(std::time::Duration::from_millis(200));
        })
        .map_err(|e| format!("spawn sandbox thread: {e}"))
}

async fn prepare(
    options: SandboxOptions,
) -> Result<(tokio::net::TcpListener, tokio_rustls::TlsAcceptor, Arc<state::Shared>), String> {
    if !options.listen.ip().is_loopback() {
        return Err(format!(
            "refusing to listen on {}: the sandbox serves loopback only",
            options.listen
        ));
    }
    let seed = match &options.seed_json {
        Some(text) => seed::Seed::parse(text)?,
        None => seed::Seed::default_seed(),
    };
    let initial_config = Config {
        latency_ms: options.latency_ms,
        replication_delay_ms: options.replication_delay_ms,
        auto_approve: options.auto_approve,
        creator_becomes_owner: options
            .creator_becomes_owner
            .or(seed.tenant.creator_becomes_owner)
            .unwrap_or(true),
        ..Config::default()
    };
    let world = World::from_seed(&seed, initial_config.clone())?;
    let tls = tls::setup(options.state_dir.as_deref())?;
    if let Some(path) = &options.ca_out {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| format!("--ca-out: {e}"))?;
            }
        }
        std::fs::write(path, &tls.ca_pem).map_err(|e| format!("--ca-out {}: {e}", path.display()))?;
    }
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| format!("bind {}: {e}", options.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let origin = if addr.is_ipv6() {
        format!("https://[{}]:{}", addr.ip(), addr.port())
    } else {
        format!("https://{}:{}", addr.ip(), addr.port())
    };
    let shared = Arc::new(state::Shared {
        world: Mutex::new(world),
        signer: jwt::Signer::new(),
        origin,
        port: addr.port(),
        instance: util::new_uuid().to_string(),
        seed,
        initial_config,
        ca_pem: tls.ca_pem.clone(),
    });
    Ok((listener, tokio_rustls::TlsAcceptor::from(tls.server_config), shared))
}
