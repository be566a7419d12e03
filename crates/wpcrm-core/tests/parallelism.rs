//! Many tables against Dataverse's parallelism hint and service protection (`http::parallel`,
//! `docs/verify.md`, "Many tables"): the sandbox sends `x-ms-dop-hint` and can refuse requests
//! beyond a concurrency limit with 429 `0x80072326` and `Retry-After` (`docs/sandbox.md`); it
//! counts the most Dataverse requests it ever had in flight at once.

mod common;

use common::{options, tenant, Env};
use serde_json::{json, Value};
use std::time::Duration;
use wpcrm_sandbox::seed::DEFAULT_SEED;

const TABLES: usize = 60;

/// The default seed plus `TABLES` custom tables that wp-ok's role may read.
fn seed_with_tables() -> Value {
    let mut seed: Value = serde_json::from_str(DEFAULT_SEED).unwrap();
    let template = seed["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["logical_name"] == "account")
        .cloned()
        .unwrap();
    for i in 1..=TABLES {
        let logical = format!("par_t{i:02}");
        let mut t = template.clone();
        for (k, v) in [
            ("logical_name", logical.clone()),
            ("schema_name", format!("par_T{i:02}")),
            ("entity_set", format!("{logical}s")),
            ("display_name", format!("Par {i}")),
            ("display_collection_name", format!("Par {i}s")),
            ("primary_id", format!("{logical}id")),
        ] {
            t[k] = json!(v);
        }
        t["otc"] = json!(30_000 + i);
        t["is_custom"] = json!(true);
        seed["tables"].as_array_mut().unwrap().push(t);
        for env in seed["environments"].as_array_mut().unwrap() {
            for role in env["roles"].as_array_mut().into_iter().flatten() {
                if role["name"] == "WordPress Site Reader" {
                    role["privileges"][format!("prvReadpar_T{i:02}")] = json!("Global");
                }
            }
        }
    }
    seed
}

fn names() -> Vec<String> {
    (1..=TABLES).map(|i| format!("par_t{i:02}")).collect()
}

async fn verify_all(env: &Env, timeout: Duration) -> wpcrm_core::VerifyReport {
    let (ctx, _) = env.context();
    let names = names();
    let tables: Vec<&str> = names.iter().map(String::as_str).collect();
    wpcrm_core::verify::run(&ctx, env.connection(Some(tenant())), options(&tables, timeout)).await
}

#[tokio::test]
async fn sixty_tables_never_exceed_the_hinted_parallelism() {
    let env = Env::seeded(&seed_with_tables()).await;
    env.sandbox
        .control()
        .set_config(json!({"dop_hint": 4, "latency_ms": 20}));
    let r = verify_all(&env, Duration::from_secs(30)).await;
    assert!(r.ok, "{r:#?}");
    assert_eq!(r.checks.iter().filter(|c| c.id.starts_with("table:")).count(), TABLES);
    let seen = env.sandbox.control().concurrency();
    assert!(seen["peak"].as_u64().unwrap() <= 4, "{seen}");
    assert!(
        seen["peak"].as_u64().unwrap() >= 2,
        "the hint is used, not one at a time: {seen}"
    );

    // Without a hint the same check runs wider, so the hint is what held it to 4.
    env.sandbox.control().set_config(json!({"dop_hint": null}));
    env.sandbox
        .control()
        .call("DELETE", "/_sandbox/concurrency", Value::Null);
    let r = verify_all(&env, Duration::from_secs(30)).await;
    assert!(r.ok, "{r:#?}");
    assert!(env.sandbox.control().concurrency()["peak"].as_u64().unwrap() > 4);
}

#[tokio::test]
async fn a_concurrency_limit_is_backed_off_per_retry_after_and_the_check_completes() {
    let env = Env::seeded(&seed_with_tables()).await;
    env.sandbox.control().set_config(json!({
        "max_concurrent_requests": 6, "concurrency_retry_after_s": 1, "latency_ms": 20
    }));
    let r = verify_all(&env, Duration::from_secs(40)).await;
    assert!(r.ok, "{r:#?}");
    let seen = env.sandbox.control().concurrency();
    assert!(seen["refused"].as_u64().unwrap() > 0, "the limit was hit: {seen}");
    assert!(seen["peak"].as_u64().unwrap() <= 6, "{seen}");
    let throttled: Vec<_> = env.served().into_iter().filter(|s| s["status"] == 429).collect();
    assert!(!throttled.is_empty());
}

#[tokio::test]
async fn throttling_that_outlasts_the_deadline_is_reported_as_throttled() {
    let env = Env::seeded(&seed_with_tables()).await;
    env.sandbox.control().set_config(json!({
        "max_concurrent_requests": 1, "concurrency_retry_after_s": 30, "latency_ms": 300
    }));
    let r = verify_all(&env, Duration::from_secs(3)).await;
    assert!(!r.ok);
    let codes: Vec<_> = r.checks.iter().filter_map(|c| c.code.as_deref()).collect();
    assert!(codes.contains(&"throttled"), "{r:#?}");
    assert!(
        r.checks
            .iter()
            .any(|c| c.code.as_deref() == Some("throttled") && c.detail.contains("at once")),
        "the concurrency limit (0x80072326) is named: {r:#?}"
    );
}
