//! Measures the provisioning critical path against the sandbox with injected latency.
//!
//! `cargo run --release -p wpcrm-core --example bench_provision [latency_ms] [runs]`
//!
//! For a fresh provision (after the device code is approved) it prints the requests made, the
//! number of *sequential* round trips (the longest chain of requests each of which started after
//! the previous one answered) and the wall time; then the same run with every request forced to
//! wait for the one before (the same steps done one by one).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wpcrm_core::engine::{Context, SystemClock};
use wpcrm_core::http::{
    BoxFuture, HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportConfig, TransportError,
};
use wpcrm_core::provision::{self, Status};
use wpcrm_core::{EngineConfig, ProvisionRequest, TableRequest};
use wpcrm_sandbox::{Sandbox, SandboxOptions};

/// Wraps a transport: records each request's depth in the dependency chain, and optionally lets
/// only one request be in flight at a time.
struct Measuring {
    inner: ReqwestTransport,
    one_by_one: tokio::sync::Mutex<()>,
    serialize: bool,
    /// (end, depth) of finished requests.
    done: Mutex<Vec<(Instant, u32)>>,
}

impl Measuring {
    fn depth(&self) -> u32 {
        self.done.lock().unwrap().iter().map(|d| d.1).max().unwrap_or(0)
    }
    fn count(&self) -> usize {
        self.done.lock().unwrap().len()
    }
}

impl Transport for Measuring {
    fn send(&self, request: HttpRequest, timeout: Duration) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let _turn = if self.serialize {
                Some(self.one_by_one.lock().await)
            } else {
                None
            };
            let start = Instant::now();
            let level = 1 + self
                .done
                .lock()
                .unwrap()
                .iter()
                .filter(|(end, _)| *end <= start)
                .map(|(_, l)| *l)
                .max()
                .unwrap_or(0);
            let result = self.inner.send(request, timeout).await;
            self.done.lock().unwrap().push((Instant::now(), level));
            result
        })
    }
}

fn request(sandbox: &Sandbox, state: Option<String>) -> ProvisionRequest {
    ProvisionRequest {
        state,
        state_key: vec![7u8; 32],
        instance_url: Some(format!("{}/contoso", sandbox.url())),
        app_name: Some("Bench site".into()),
        site_id: Some("https://bench.example".into()),
        tables: vec![
            TableRequest::read("incident"),
            TableRequest {
                logical_name: "lead".into(),
                access: vec!["read".into(), "create".into(), "write".into()],
            },
            TableRequest::read("wpcrm_review"),
        ],
        roles: Some(vec!["Basic User".into(), "Support Reader".into()]),
        create_role: true,
        timeout: Some(Duration::from_secs(120)),
        ..ProvisionRequest::default()
    }
}

async fn one(sandbox: &Sandbox, ca: &std::path::Path, serialize: bool) -> (usize, u32, Duration) {
    sandbox.control().reset();
    sandbox.control().set_config(serde_json::json!({"auto_approve": true}));
    let inner = ReqwestTransport::new(&TransportConfig {
        ca_file: Some(ca.to_owned()),
        only_ca_file: true,
        ..TransportConfig::default()
    })
    .expect("transport");
    let transport = Arc::new(Measuring {
        inner,
        one_by_one: tokio::sync::Mutex::new(()),
        serialize,
        done: Mutex::new(Vec::new()),
    });
    let config = EngineConfig {
        sandbox_url: Some(sandbox.url().to_owned()),
        ..EngineConfig::default()
    };
    let ctx = Context::new(config, transport.clone(), Arc::new(SystemClock));
    let first = provision::run(&ctx, request(sandbox, None)).await;
    assert_eq!(first.status, Status::SignInRequired);
    // The sandbox's device interval is one second; wait it out so that the measured call is the
    // provisioning itself, not the wait for the admin.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    transport.done.lock().unwrap().clear();
    let started = Instant::now();
    let r = provision::run(&ctx, request(sandbox, Some(first.state))).await;
    let wall = started.elapsed();
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    assert_eq!(r.verification.as_ref().unwrap()["ok"], true);
    (transport.count(), transport.depth(), wall)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let latency: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3);
    let sandbox = Sandbox::start(SandboxOptions {
        latency_ms: latency,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox");
    let ca = std::env::temp_dir().join(format!("bench-provision-ca-{}.pem", sandbox.port()));
    std::fs::write(&ca, sandbox.ca_pem()).unwrap();
    println!("fresh provision (sign-in poll → verify), {latency} ms latency per request, {runs} runs each");
    for (label, serialize) in [("wpcrm (concurrent)", false), ("one by one", true)] {
        let mut walls = Vec::new();
        let mut last = (0, 0);
        for _ in 0..runs {
            let (requests, depth, wall) = one(&sandbox, &ca, serialize).await;
            walls.push(wall.as_millis());
            last = (requests, depth);
        }
        walls.sort();
        println!(
            "{label:>20}: {:>3} requests, {:>3} sequential round trips, wall median {:>5} ms (min {}, max {})",
            last.0,
            last.1,
            walls[walls.len() / 2],
            walls[0],
            walls[walls.len() - 1]
        );
    }
}
