//! Shared by `fault_matrix.rs` and `hostile_input.rs`: a sandbox with its CA on disk, an engine
//! `Context` over the real reqwest/rustls transport, and a transport wrapper that records every URL
//! the engine tried (including ones refused before they left the process).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wpcrm_core::api::{ConnectionInput, TableRequest, VerifyOptions};
use wpcrm_core::engine::{Context, EngineConfig, SystemClock};
use wpcrm_core::http::{
    BoxFuture, HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportConfig, TransportError,
};
use wpcrm_core::ClientSecret;
use wpcrm_sandbox::{fixtures, Sandbox, SandboxOptions};

/// The seeded tenant's id (GUID), from `seed/default.json`.
pub fn tenant() -> &'static str {
    fixtures::tenant_id()
}

/// The seeded application `wp-ok` (everything it needs is granted), with its seeded secret.
pub fn wp_ok() -> &'static fixtures::App {
    fixtures::app("wp-ok")
}

/// Records the URL of every request handed to the transport, then forwards it.
pub struct Recording {
    inner: Arc<dyn Transport>,
    pub urls: Mutex<Vec<String>>,
    /// When each request was sent and when its answer (or failure) came back.
    spans: Mutex<Vec<(std::time::Instant, std::time::Instant)>>,
}

impl Transport for Recording {
    fn send(&self, request: HttpRequest, timeout: Duration) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        self.urls.lock().unwrap().push(request.uri().to_string());
        Box::pin(async move {
            let sent = std::time::Instant::now();
            let answer = self.inner.send(request, timeout).await;
            self.spans.lock().unwrap().push((sent, std::time::Instant::now()));
            answer
        })
    }
}

impl Recording {
    /// The longest chain of requests each sent only after the one before had answered: how many
    /// round trips the call's latency is made of, whatever the machine's load (a wall-time bound
    /// would be at the mercy of a busy machine).
    pub fn round_trips(&self) -> u32 {
        let mut spans = self.spans.lock().unwrap().clone();
        spans.sort();
        let mut depth: Vec<u32> = Vec::with_capacity(spans.len());
        for (i, (sent, _)) in spans.iter().enumerate() {
            let before = (0..i).filter(|&j| spans[j].1 <= *sent).map(|j| depth[j]).max();
            depth.push(before.unwrap_or(0) + 1);
        }
        depth.into_iter().max().unwrap_or(0)
    }
}

pub struct Env {
    pub sandbox: Sandbox,
    pub ca_file: PathBuf,
}

impl Env {
    pub async fn start() -> Env {
        Env::start_with(SandboxOptions::default()).await
    }

    /// A sandbox started with `options` (another seed, another variant).
    pub async fn start_with(options: SandboxOptions) -> Env {
        Env::around(Sandbox::start(options).await.expect("sandbox starts"))
    }

    /// The same, for plain `#[test]`s (they drive the blocking `Engine`).
    pub fn start_blocking(options: SandboxOptions) -> Env {
        Env::around(Sandbox::start_blocking(options).expect("sandbox starts"))
    }

    /// Writes the sandbox's CA where the engine's transport reads it.
    fn around(sandbox: Sandbox) -> Env {
        let ca_file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("sandbox-ca-{}.pem", sandbox.port()));
        std::fs::write(&ca_file, sandbox.ca_pem()).unwrap();
        Env { sandbox, ca_file }
    }

    /// The blocking engine the extension holds, pointed at this sandbox.
    pub fn engine(&self, default_timeout: Duration) -> wpcrm_core::Engine {
        wpcrm_core::Engine::new(EngineConfig {
            ca_file: Some(self.ca_file.clone()),
            sandbox_url: Some(self.sandbox.url().to_owned()),
            default_timeout,
            ..EngineConfig::default()
        })
    }

    /// A sandbox serving `seed` instead of the embedded default.
    pub async fn seeded(seed: &serde_json::Value) -> Env {
        Env::start_with(SandboxOptions {
            seed_json: Some(seed.to_string()),
            ..SandboxOptions::default()
        })
        .await
    }

    /// The real HTTPS transport, trusting only the sandbox's CA.
    pub fn transport(&self) -> ReqwestTransport {
        ReqwestTransport::new(&TransportConfig {
            ca_file: Some(self.ca_file.clone()),
            proxy: None,
            only_ca_file: true,
        })
        .expect("transport")
    }

    /// A fresh context (empty token cache) whose transport records every URL.
    pub fn context(&self) -> (Context, Arc<Recording>) {
        let recording = Arc::new(Recording {
            inner: Arc::new(self.transport()),
            urls: Mutex::new(Vec::new()),
            spans: Mutex::new(Vec::new()),
        });
        let config = EngineConfig {
            sandbox_url: Some(self.sandbox.url().to_owned()),
            ..EngineConfig::default()
        };
        (
            Context::new(config, recording.clone(), Arc::new(SystemClock)),
            recording,
        )
    }

    pub fn connection(&self, tenant: Option<&str>) -> ConnectionInput {
        ConnectionInput {
            instance_url: Some(format!("{}/contoso", self.sandbox.url())),
            application_id: Some(wp_ok().app_id.to_owned()),
            client_secret: Some(ClientSecret::new(wp_ok().secret)),
            tenant_id: tenant.map(str::to_owned),
        }
    }

    /// The Microsoft-side requests the sandbox served, in order (its control calls left out).
    pub fn served(&self) -> Vec<serde_json::Value> {
        let log = self.sandbox.control().requests();
        log.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["service"] != "control")
            .cloned()
            .collect()
    }

    /// A provisioning request for `site` in `contoso` (one table, no custom role), sealed with `key`.
    pub fn provision_request(
        &self,
        site: &str,
        state: Option<String>,
        key: &[u8],
        timeout: Duration,
    ) -> wpcrm_core::ProvisionRequest {
        wpcrm_core::ProvisionRequest {
            state,
            state_key: key.to_vec(),
            instance_url: Some(format!("{}/contoso", self.sandbox.url())),
            app_name: Some(format!("wpcrm test {site}")),
            secret_lifetime_days: Some(30),
            tables: vec![TableRequest::read("account")],
            site_id: Some(site.into()),
            timeout: Some(timeout),
            ..wpcrm_core::ProvisionRequest::default()
        }
    }

    /// Every URL the engine tried is on the sandbox origin.
    pub fn assert_only_sandbox(&self, rec: &Recording, what: &str) {
        let origin = format!("{}/", self.sandbox.url());
        for url in rec.urls.lock().unwrap().iter() {
            assert!(url.starts_with(&origin), "{what}: the engine tried {url}");
        }
    }
}

pub fn options(tables: &[&str], timeout: Duration) -> VerifyOptions {
    VerifyOptions {
        tables: tables.iter().map(|t| TableRequest::read(*t)).collect(),
        timeout: Some(timeout),
        secret_expires_at: None,
        site_role_id: None,
    }
}

/// No seeded secret (every application's, read from the seed), no secret the sandbox created
/// (`secretText` values have the seeded ones' shape, see [`has_secret_text`]), and nothing
/// JWT-shaped.
pub fn assert_secretless(printed: &str, what: &str) {
    for s in fixtures::seeded_secrets() {
        assert!(!printed.contains(s), "{what}: a seeded secret leaked: {printed}");
    }
    assert!(!has_secret_text(printed), "{what}: a secret value leaked: {printed}");
    assert!(!jwt_shaped(printed), "{what}: something token-like leaked: {printed}");
}

/// The sandbox's `secretText` shape: 3 alphanumerics, a digit, `Q~`, 34 of `[A-Za-z0-9_.~-]`.
pub fn has_secret_text(s: &str) -> bool {
    let b = s.as_bytes();
    let tail = |c: u8| c.is_ascii_alphanumeric() || b"_.~-".contains(&c);
    (4..b.len().saturating_sub(1)).any(|i| {
        b[i] == b'Q'
            && b[i + 1] == b'~'
            && b[i - 4..i - 1].iter().all(u8::is_ascii_alphanumeric)
            && b[i - 1].is_ascii_digit()
            && b.len() >= i + 2 + 34
            && b[i + 2..i + 2 + 34].iter().all(|&c| tail(c))
    })
}

/// `eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`, as scripts/secret-scan.sh greps (a sealed state is
/// base64url without dots, so it cannot match by chance).
pub fn jwt_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    let part = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-';
    s.match_indices("eyJ").any(|(i, _)| {
        let first = b[i + 3..].iter().take_while(|c| part(c)).count();
        let dot = i + 3 + first;
        first >= 10 && b.get(dot) == Some(&b'.') && b[dot + 1..].iter().take_while(|c| part(c)).count() >= 10
    })
}

/// A sandbox whose device codes are approved at once (the seeded admin), with `config` on top
/// (`POST /_sandbox/config`).
pub async fn start_approving(config: serde_json::Value) -> Env {
    let env = Env::start().await;
    let mut base = serde_json::json!({"auto_approve": true, "device_interval_s": 1});
    base.as_object_mut()
        .unwrap()
        .extend(config.as_object().cloned().unwrap_or_default());
    env.sandbox.control().set_config(base);
    env
}

/// Calls the step function for `site` with `ctx` until `done` or `failed` (at most `calls` calls),
/// checking that no error or step view carries a secret; the last answer.
pub async fn provision_until_settled(
    env: &Env,
    ctx: &Context,
    site: &str,
    key: &[u8],
    state: Option<String>,
    calls: usize,
) -> wpcrm_core::provision::ProvisionResponse {
    use wpcrm_core::provision::Status;
    let mut state = state;
    let mut last = None;
    for _ in 0..calls {
        let request = env.provision_request(site, state.clone(), key, Duration::from_secs(15));
        let r = wpcrm_core::provision::run(ctx, request).await;
        let printed = format!("{:?}{}", r.error, serde_json::to_string(&r.steps).unwrap());
        assert_secretless(&printed, "provision response");
        state = Some(r.state.clone());
        let settled = matches!(r.status, Status::Done | Status::Failed);
        last = Some(r);
        if settled {
            break;
        }
    }
    last.expect("at least one call")
}
