//! Benchmark: `verify::run` with 1, 5 and 20 tables against the sandbox with 50 ms of latency per
//! request, beside a sequential baseline making the same requests one after another (what a PHP
//! toolkit calling the Web API request by request does). Reports the median wall time of N runs and
//! the ratio.
//!
//! ```text
//! cargo run --release -p wpcrm-core --example bench_verify -- [--runs 7] [--latency-ms 50]
//! ```
//!
//! Each run starts cold (a fresh token cache, so the token request is included) but reuses one
//! pooled HTTPS client, as an FPM worker does. The tenant is given, as on a configured site.
//!
//! Then 60 tables with the sandbox sending no `x-ms-dop-hint` and sending `x-ms-dop-hint: 4`
//! (`http::parallel`): wall time and the most Dataverse requests the sandbox saw in flight at once.

use std::sync::Arc;
use std::time::{Duration, Instant};
use wpcrm_core::api::{ConnectionInput, TableRequest, VerifyOptions};
use wpcrm_core::cloud::Endpoints;
use wpcrm_core::dataverse::Dataverse;
use wpcrm_core::deadline::Deadline;
use wpcrm_core::engine::{Context, EngineConfig, SystemClock};
use wpcrm_core::http::{HttpClient, ReqwestTransport, Transport, TransportConfig};
use wpcrm_core::ids::{ClientId, TenantId};
use wpcrm_core::instance_url;
use wpcrm_core::oauth::{acquire, ClientCredentials};
use wpcrm_core::service::Caller;
use wpcrm_core::ClientSecret;
use wpcrm_sandbox::{fixtures, Sandbox, SandboxOptions};

/// The seeded application `wp-ok` (read from `seed/default.json`), which signs in for every run.
fn wp_ok() -> &'static fixtures::App {
    fixtures::app("wp-ok")
}

/// The default seed plus `bench_tNN` tables readable by wp-ok, so 20 real tables exist.
fn seed_with_tables(extra: usize) -> String {
    let mut seed: serde_json::Value = serde_json::from_str(wpcrm_sandbox::seed::DEFAULT_SEED).expect("seed");
    let template = seed["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["logical_name"] == "account")
        .cloned()
        .unwrap();
    for i in 1..=extra {
        let mut t = template.clone();
        let logical = format!("bench_t{i:02}");
        t["logical_name"] = logical.clone().into();
        t["schema_name"] = format!("bench_T{i:02}").into();
        t["entity_set"] = format!("{logical}s").into();
        t["display_name"] = format!("Bench {i}").into();
        t["display_collection_name"] = format!("Bench {i}s").into();
        t["primary_id"] = format!("{logical}id").into();
        t["otc"] = (20000 + i).into();
        t["is_custom"] = true.into();
        seed["tables"].as_array_mut().unwrap().push(t);
        for env in seed["environments"].as_array_mut().unwrap() {
            for role in env["roles"].as_array_mut().into_iter().flatten() {
                if role["name"] == "WordPress Site Reader" {
                    role["privileges"][format!("prvReadbench_T{i:02}")] = "Global".into();
                }
            }
        }
    }
    seed.to_string()
}

fn table_names(n: usize) -> Vec<String> {
    let mut names: Vec<String> = ["account", "contact", "lead", "incident", "wpcrm_review"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    names.extend((1..=55).map(|i| format!("bench_t{i:02}")));
    names.truncate(n);
    names
}

/// The same requests as `verify::run`, one after another.
async fn sequential(transport: Arc<dyn Transport>, sandbox_url: &str, tables: &[String]) -> u32 {
    let endpoints = Endpoints::sandbox(sandbox_url).unwrap();
    let http = Caller::new(HttpClient::new(
        transport,
        endpoints,
        Deadline::after(Duration::from_secs(60)),
        Arc::new(SystemClock),
    ));
    let instance = instance_url::normalize(&format!("{sandbox_url}/contoso"), Some(sandbox_url)).unwrap();
    let tenant = TenantId::parse(fixtures::tenant_id()).unwrap();
    let client_id = ClientId::parse(wp_ok().app_id).unwrap();
    let secret = ClientSecret::new(wp_ok().secret);
    let scope = instance.default_scope();
    let token = acquire(
        &http,
        &ClientCredentials {
            tenant: &tenant,
            client_id: &client_id,
            secret: &secret,
            scope: &scope,
        },
    )
    .await
    .expect("token");
    let dv = Dataverse::new(&http, &instance, token.token);
    let me = dv.who_am_i().await.expect("WhoAmI");
    dv.probe_metadata().await.expect("metadata");
    dv.user_is_disabled(&me.user_id).await.expect("user");
    dv.user_privileges(&me.user_id).await.expect("privileges");
    // The least-privilege audit's two reads (the sandbox's Basic User may not read roles: refused).
    let _ = dv.user_roles(&me.user_id).await;
    dv.is_root_business_unit(&me.business_unit_id)
        .await
        .expect("business unit");
    for t in tables {
        let d = dv.table_definition(t).await.expect("definition");
        dv.read_one_row(&d).await.expect("read");
    }
    http.requests()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runs = arg("--runs", 7) as usize;
    let latency = arg("--latency-ms", 50);
    let sandbox = Sandbox::start(SandboxOptions {
        seed_json: Some(seed_with_tables(55)),
        latency_ms: latency,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox");
    let ca = std::env::temp_dir().join(format!("wpcrm-bench-ca-{}.pem", sandbox.port()));
    std::fs::write(&ca, sandbox.ca_pem()).unwrap();
    let transport: Arc<dyn Transport> = Arc::new(
        ReqwestTransport::new(&TransportConfig {
            ca_file: Some(ca.clone()),
            proxy: None,
            only_ca_file: true,
        })
        .unwrap(),
    );
    let config = EngineConfig {
        sandbox_url: Some(sandbox.url().to_owned()),
        ..EngineConfig::default()
    };

    println!("sandbox latency {latency} ms per request, {runs} runs each, median wall time (cold token, warm connection pool)");
    println!(
        "{:>6} {:>9} {:>13} {:>9} {:>14} {:>7}",
        "tables", "requests", "wpcrm (ms)", "RTTs", "sequential(ms)", "ratio"
    );
    for n in [1usize, 5, 20] {
        let names = table_names(n);
        let options = || VerifyOptions {
            tables: names.iter().map(|t| TableRequest::read(t.clone())).collect(),
            timeout: Some(Duration::from_secs(60)),
            secret_expires_at: None,
            site_role_id: None,
        };
        let connection = || ConnectionInput {
            instance_url: Some(format!("{}/contoso", sandbox.url())),
            application_id: Some(wp_ok().app_id.into()),
            client_secret: Some(ClientSecret::new(wp_ok().secret)),
            tenant_id: Some(fixtures::tenant_id().into()),
        };
        // Warm-up (connections, first TLS handshakes), then measured runs.
        let warm = wpcrm_core::verify::run(
            &Context::new(config.clone(), transport.clone(), Arc::new(SystemClock)),
            connection(),
            options(),
        )
        .await;
        assert!(warm.ok, "{warm:#?}");
        sequential(transport.clone(), sandbox.url(), &names).await;

        let mut fast = Vec::new();
        let mut slow = Vec::new();
        let mut requests = 0;
        let mut seq_requests = 0;
        for _ in 0..runs {
            let ctx = Context::new(config.clone(), transport.clone(), Arc::new(SystemClock));
            let t0 = Instant::now();
            let r = wpcrm_core::verify::run(&ctx, connection(), options()).await;
            fast.push(t0.elapsed());
            assert!(r.ok, "{r:#?}");
            requests = r.requests;
            let t0 = Instant::now();
            seq_requests = sequential(transport.clone(), sandbox.url(), &names).await;
            slow.push(t0.elapsed());
        }
        assert_eq!(requests, seq_requests, "both make the same requests");
        let (f, s) = (median(fast), median(slow));
        println!(
            "{:>6} {:>9} {:>13.1} {:>9.2} {:>14.1} {:>6.1}x",
            n,
            requests,
            f.as_secs_f64() * 1000.0,
            f.as_secs_f64() * 1000.0 / latency.max(1) as f64,
            s.as_secs_f64() * 1000.0,
            s.as_secs_f64() / f.as_secs_f64()
        );
    }
    dop(&sandbox, &config, &transport, runs).await;
    let _ = std::fs::remove_file(ca);
}

/// 60 tables without a parallelism hint and with `x-ms-dop-hint: 4`.
async fn dop(sandbox: &Sandbox, config: &EngineConfig, transport: &Arc<dyn Transport>, runs: usize) {
    let names = table_names(60);
    println!("60 tables, median wall time of cold runs, and the most Dataverse requests in flight at once");
    for hint in [None, Some(4u32)] {
        sandbox.control().set_config(serde_json::json!({ "dop_hint": hint }));
        sandbox
            .control()
            .call("DELETE", "/_sandbox/concurrency", serde_json::Value::Null);
        let mut walls = Vec::new();
        let mut requests = 0;
        for _ in 0..runs {
            let ctx = Context::new(config.clone(), transport.clone(), Arc::new(SystemClock));
            let options = VerifyOptions {
                tables: names.iter().map(|t| TableRequest::read(t.clone())).collect(),
                timeout: Some(Duration::from_secs(60)),
                secret_expires_at: None,
                site_role_id: None,
            };
            let connection = ConnectionInput {
                instance_url: Some(format!("{}/contoso", sandbox.url())),
                application_id: Some(wp_ok().app_id.into()),
                client_secret: Some(ClientSecret::new(wp_ok().secret)),
                tenant_id: Some(fixtures::tenant_id().into()),
            };
            let t0 = Instant::now();
            let r = wpcrm_core::verify::run(&ctx, connection, options).await;
            walls.push(t0.elapsed());
            assert!(r.ok, "{r:#?}");
            requests = r.requests;
        }
        let peak = sandbox.control().concurrency()["peak"].as_u64().unwrap_or(0);
        let label = hint.map_or("none".to_owned(), |h| h.to_string());
        println!(
            "  x-ms-dop-hint {label:>4}: {requests} requests, peak {peak} in flight, wall median {:.0} ms",
            median(walls).as_secs_f64() * 1000.0
        );
    }
    sandbox.control().set_config(serde_json::json!({ "dop_hint": null }));
}
