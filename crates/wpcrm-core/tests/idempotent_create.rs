//! Idempotent creation on the server (issue 10): the application is upserted by a `uniqueName`
//! derived from the site's keyed marker (`PATCH /applications(uniqueName='…')`,
//! `Prefer: create-if-missing`) and its service principal by `appId`, so a create whose answer is
//! lost (`lose_response` fault: applied, connection dropped before the answer) followed by a re-run
//! inside the replication window — while Graph's lists cannot see the new application yet — finds
//! it instead of making a second one. Where Graph does not offer the upserts (config
//! `graph_upsert`: 400, 405, or 404 when `Prefer` is not honoured) the engine falls back to `POST` and its lookups.
//!
//!     cargo test -p wpcrm-core --test idempotent_create

mod common;

use common::{provision_until_settled, start_approving, Env};
use serde_json::{json, Value};
use wpcrm_core::provision::{ProvisionResponse, SiteMarker, Status};

const KEY: [u8; 32] = *b"idempotent-create-state-key-32by";

async fn drive(env: &Env, site: &str, state: Option<String>, calls: usize) -> ProvisionResponse {
    let (ctx, _) = env.context();
    provision_until_settled(env, &ctx, site, &KEY, state, calls).await
}

/// The site's applications in the sandbox (by its keyed tag) and their service principals.
fn ours(env: &Env, site: &str) -> (Vec<Value>, usize) {
    let tag = SiteMarker::new(&KEY, site).tag;
    let state = env.sandbox.control().state();
    let apps: Vec<Value> = state["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["tags"].as_array().unwrap().iter().any(|t| t == &json!(tag)))
        .cloned()
        .collect();
    let sps = state["servicePrincipals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| apps.iter().any(|a| a["appId"] == s["appId"]))
        .count();
    (apps, sps)
}

/// `(method, path prefix, status)` of the Graph writes the sandbox served.
fn graph_writes(env: &Env) -> Vec<(String, String, u64)> {
    env.served()
        .iter()
        .filter(|r| r["method"] != "GET" && r["path"].as_str().unwrap_or("").starts_with("/v1.0/"))
        .map(|r| {
            let path = r["path"].as_str().unwrap();
            let short = path.split('(').next().unwrap_or(path).to_owned();
            (
                r["method"].as_str().unwrap().to_owned(),
                short,
                r["status"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn has(writes: &[(String, String, u64)], method: &str, path: &str, status: u64) -> bool {
    writes.iter().any(|(m, p, s)| m == method && p == path && *s == status)
}

#[tokio::test]
async fn the_application_and_its_service_principal_are_upserted_by_key() {
    let env = start_approving(json!({})).await;
    let site = "https://upsert.example";
    let r = drive(&env, site, None, 6).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let writes = graph_writes(&env);
    assert!(has(&writes, "PATCH", "/v1.0/applications", 201), "{writes:?}");
    assert!(has(&writes, "PATCH", "/v1.0/servicePrincipals", 201), "{writes:?}");
    assert!(!writes
        .iter()
        .any(|(m, p, _)| m == "POST" && (p == "/v1.0/applications" || p == "/v1.0/servicePrincipals")));
    let (apps, sps) = ours(&env, site);
    assert_eq!((apps.len(), sps), (1, 1));
    // The key only this site can produce: derived from its keyed marker.
    let unique_name = SiteMarker::new(&KEY, site).unique_name();
    assert_eq!(apps[0]["uniqueName"].as_str(), Some(unique_name.as_str()));
    assert_ne!(unique_name, SiteMarker::new(&[0u8; 32], site).unique_name());
}

/// The case: the create succeeds, its answer is lost, and the re-run comes while Graph's
/// lists still cannot see the new application. The upsert answers 204; the application is read by
/// its key (retried while it replicates), proven ours by its owner, and reused.
#[tokio::test]
async fn a_lost_create_answer_and_a_rerun_inside_the_replication_window_make_one_application() {
    let env = start_approving(json!({"replication_delay_ms": 3000, "lists_replicate": true})).await;
    env.sandbox.control().add_fault(json!({
        "method": "PATCH", "path": "/v1.0/applications(*", "kind": "lose_response", "times": 1
    }));
    let site = "https://lost-create.example";
    let first = drive(&env, site, None, 6).await;
    assert_ne!(first.status, Status::Done, "the answer was lost");
    assert_eq!(ours(&env, site).0.len(), 1, "the lost create landed");
    let r = drive(&env, site, Some(first.state), 6).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let (apps, sps) = ours(&env, site);
    assert_eq!((apps.len(), sps), (1, 1), "one application, one service principal");
    let writes = graph_writes(&env);
    assert!(
        has(&writes, "PATCH", "/v1.0/applications", 204),
        "the re-run's upsert found it: {writes:?}"
    );
    assert!(!writes.iter().any(|(m, p, _)| m == "POST" && p == "/v1.0/applications"));
    assert_eq!(r.connection.unwrap().application_id, apps[0]["appId"].as_str().unwrap());
}

/// The same for the service principal: its create's answer lost, the re-run's upsert answers 204
/// and the existing one is adopted.
#[tokio::test]
async fn a_lost_service_principal_answer_is_adopted_not_repeated() {
    let env = start_approving(json!({})).await;
    env.sandbox.control().add_fault(json!({
        "method": "PATCH", "path": "/v1.0/servicePrincipals(*", "kind": "lose_response", "times": 1
    }));
    let site = "https://lost-sp.example";
    let first = drive(&env, site, None, 6).await;
    assert_ne!(first.status, Status::Done);
    let r = drive(&env, site, Some(first.state), 6).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    assert_eq!(ours(&env, site).1, 1);
}

/// A Graph without the upserts (400, 405, or `Prefer` not honoured: 404): the engine falls back to
/// `POST` and finishes.
#[tokio::test]
async fn without_upserts_the_engine_falls_back_to_create() {
    for (variant, status) in [
        ("bad_request", 400),
        ("method_not_allowed", 405),
        ("ignores_prefer", 404),
    ] {
        let env = start_approving(json!({"graph_upsert": variant})).await;
        let site = format!("https://no-upsert-{variant}.example");
        let r = drive(&env, &site, None, 6).await;
        assert_eq!(r.status, Status::Done, "{variant}: {:?}", r.error);
        let writes = graph_writes(&env);
        assert!(
            has(&writes, "PATCH", "/v1.0/applications", status),
            "{variant}: {writes:?}"
        );
        assert!(has(&writes, "POST", "/v1.0/applications", 201), "{variant}: {writes:?}");
        assert!(
            has(&writes, "PATCH", "/v1.0/servicePrincipals", status),
            "{variant}: {writes:?}"
        );
        assert!(
            has(&writes, "POST", "/v1.0/servicePrincipals", 201),
            "{variant}: {writes:?}"
        );
        assert_eq!(ours(&env, &site).0.len(), 1, "{variant}");
    }
}
