//! The fault matrix's cells for issue 10 (what real tenants do that the generic faults of
//! `fault_matrix.rs` do not): lag of the application user, an unknown table answered 400, a policy
//! that forbids client secrets, a lost create response, an application user without a role. Each
//! cell switches a sandbox variant on (`POST /_sandbox/config`, or a `lose_response` fault), runs
//! verify or provisioning against the real reqwest/rustls transport, and asserts the expected
//! outcome, that nothing secret leaks, and — for provisioning — that once the variant is switched off
//! the same state resumes to `done` with exactly one application, service principal, secret and
//! application user for the site. Conditional Access and MFA cells plant a sign-in policy
//! (`POST /_sandbox/policy/sign-in`); `sign_in_behaviour.rs` covers every class one by one. The table
//! is printed (`--nocapture`) and reproduced in docs/evidence.md.
//!
//!     cargo test -p wpcrm-core --test fault_matrix_realities -- --nocapture

mod common;

use common::{assert_secretless, options, provision_until_settled, start_approving, tenant, Env};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wpcrm_core::engine::{Context, EngineConfig, SystemClock};
use wpcrm_core::provision::{SiteMarker, Status};
use wpcrm_core::report::CheckStatus;
use wpcrm_core::{ClientSecret, ConnectionInput};

const KEY: [u8; 32] = *b"fault-matrix-realities-key-32byt";

struct Cell {
    name: &'static str,
    /// Sandbox config while the variant is on.
    on: fn() -> Value,
    /// A fault injected while the variant is on (`lose_response`), if any.
    fault: Option<fn() -> Value>,
    /// A sign-in policy planted while the variant is on (`POST /_sandbox/policy/sign-in`), if any.
    policy: Option<fn() -> Value>,
    /// Sandbox config that switches it off again.
    off: fn() -> Value,
    /// Replication window of the engine, seconds.
    window_s: u64,
    /// `pass`, or `step:code` of the failure; `a|b` accepts either.
    expect: &'static str,
}

const PROVISION: &[Cell] = &[
    Cell {
        name: "app user lag: 404 0x80040217",
        on: || json!({"app_user_lag": "not_found", "app_user_lag_ms": 2000}),
        fault: None,
        policy: None,
        off: || json!({"app_user_lag_ms": 0}),
        window_s: 300,
        expect: "pass",
    },
    Cell {
        name: "app user lag: 400 0x80040203",
        on: || json!({"app_user_lag": "bad_request", "app_user_lag_ms": 2000}),
        fault: None,
        policy: None,
        off: || json!({"app_user_lag_ms": 0}),
        window_s: 300,
        expect: "pass",
    },
    Cell {
        name: "app user lag: 400 without code",
        on: || json!({"app_user_lag": "bad_request_no_code", "app_user_lag_ms": 2000}),
        fault: None,
        policy: None,
        off: || json!({"app_user_lag_ms": 0}),
        window_s: 300,
        expect: "pass",
    },
    Cell {
        name: "app user lag: 403 other code",
        on: || json!({"app_user_lag": "forbidden", "app_user_lag_ms": 2000}),
        fault: None,
        policy: None,
        off: || json!({"app_user_lag_ms": 0}),
        window_s: 300,
        expect: "pass",
    },
    Cell {
        name: "app user lag: 401",
        on: || json!({"app_user_lag": "unauthorized", "app_user_lag_ms": 2000}),
        fault: None,
        policy: None,
        off: || json!({"app_user_lag_ms": 0}),
        window_s: 300,
        expect: "pass",
    },
    Cell {
        name: "app user lag longer than the window (3 s)",
        on: || json!({"app_user_lag": "not_found", "app_user_lag_ms": 3_600_000}),
        fault: None,
        policy: None,
        off: || json!({"app_user_lag_ms": 0}),
        window_s: 3,
        expect: "app_user:0x80040217",
    },
    Cell {
        name: "secret-blocking policy (code in error.code)",
        on: || json!({"secret_policy": "blocked"}),
        fault: None,
        policy: None,
        off: || json!({"secret_policy": "allowed"}),
        window_s: 300,
        expect: "client_secret:secret_blocked_by_policy",
    },
    Cell {
        name: "secret-blocking policy (code in details[])",
        on: || json!({"secret_policy": "blocked_in_details"}),
        fault: None,
        policy: None,
        off: || json!({"secret_policy": "allowed"}),
        window_s: 300,
        expect: "client_secret:secret_blocked_by_policy",
    },
    Cell {
        name: "lost create response: application upsert, lists lagging",
        on: || json!({"replication_delay_ms": 2000, "lists_replicate": true}),
        fault: Some(|| json!({"method": "PATCH", "path": "/v1.0/applications(*", "kind": "lose_response", "times": 1})),
        policy: None,
        off: || json!({}),
        window_s: 300,
        expect: "register_app:network",
    },
    Cell {
        name: "lost create response: service principal upsert",
        on: || json!({}),
        fault: Some(
            || json!({"method": "PATCH", "path": "/v1.0/servicePrincipals(*", "kind": "lose_response", "times": 1}),
        ),
        policy: None,
        off: || json!({}),
        window_s: 300,
        expect: "service_principal:network",
    },
    Cell {
        name: "lost create response: application user",
        on: || json!({}),
        fault: Some(
            || json!({"method": "POST", "path": "/contoso/api/data/v9.2/systemusers", "kind": "lose_response", "times": 1}),
        ),
        policy: None,
        off: || json!({}),
        window_s: 300,
        expect: "app_user:network",
    },
    Cell {
        name: "Graph without upserts (400): POST fallback",
        on: || json!({"graph_upsert": "bad_request"}),
        fault: None,
        policy: None,
        off: || json!({"graph_upsert": "supported"}),
        window_s: 300,
        expect: "pass",
    },
    Cell {
        name: "Graph ignoring Prefer: create-if-missing (404): POST fallback",
        on: || json!({"graph_upsert": "ignores_prefer"}),
        fault: None,
        policy: None,
        off: || json!({"graph_upsert": "supported"}),
        window_s: 300,
        expect: "pass",
    },
    Cell {
        name: "Graph without upserts (405): POST fallback",
        on: || json!({"graph_upsert": "method_not_allowed"}),
        fault: None,
        policy: None,
        off: || json!({"graph_upsert": "supported"}),
        window_s: 300,
        expect: "pass",
    },
    Cell {
        name: "Conditional Access blocks the device code flow (53003)",
        on: || json!({}),
        fault: None,
        policy: Some(|| json!({"flow": "device_code", "variant": "blocked"})),
        off: || json!({}),
        window_s: 300,
        expect: "sign_in:AADSTS53003",
    },
    Cell {
        name: "Conditional Access: compliant device required (53000)",
        on: || json!({}),
        fault: None,
        policy: Some(|| json!({"flow": "device_code", "variant": "compliant_device"})),
        off: || json!({}),
        window_s: 300,
        expect: "sign_in:AADSTS53000",
    },
    Cell {
        name: "MFA required for Dataverse only, on refresh (50076)",
        on: || json!({}),
        fault: None,
        policy: Some(|| json!({"flow": "refresh_token", "resource": "dataverse", "variant": "mfa_required"})),
        off: || json!({}),
        window_s: 300,
        expect: "preflight:AADSTS50076",
    },
];

struct Row {
    matrix: &'static str,
    name: &'static str,
    expected: &'static str,
    outcome: String,
    elapsed: Duration,
    problems: Vec<String>,
}

fn context(env: &Env, window_s: u64) -> Context {
    let config = EngineConfig {
        sandbox_url: Some(env.sandbox.url().to_owned()),
        replication_window: Duration::from_secs(window_s),
        ..EngineConfig::default()
    };
    Context::new(config, Arc::new(env.transport()), Arc::new(SystemClock))
}

/// One application, service principal, secret and application user for `site`.
fn exactly_one(env: &Env, site: &str) -> Vec<String> {
    let tag = json!(SiteMarker::new(&KEY, site).tag);
    let state = env.sandbox.control().state();
    let apps: Vec<&Value> = state["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["tags"].as_array().unwrap().contains(&tag))
        .collect();
    if apps.len() != 1 {
        return vec![format!("{} applications", apps.len())];
    }
    let app_id = &apps[0]["appId"];
    let count = |list: &Value, field: &str| list.as_array().unwrap().iter().filter(|x| &x[field] == app_id).count();
    let counts = [
        ("secrets", apps[0]["passwordCredentials"].as_array().unwrap().len()),
        ("service principals", count(&state["servicePrincipals"], "appId")),
        (
            "application users",
            count(&state["environments"]["contoso"]["systemusers"], "applicationid"),
        ),
    ];
    counts
        .iter()
        .filter(|(_, n)| *n != 1)
        .map(|(what, n)| format!("{n} {what}"))
        .collect()
}

async fn provision_cell(cell: &'static Cell) -> Row {
    let env = start_approving((cell.on)()).await;
    if let Some(fault) = cell.fault {
        env.sandbox.control().add_fault(fault());
    }
    if let Some(policy) = cell.policy {
        env.sandbox.control().plant_sign_in_policy(policy());
    }
    let slug: String = cell.name.chars().filter(char::is_ascii_alphanumeric).collect();
    let site = format!("https://{slug}.example");
    let ctx = context(&env, cell.window_s);
    let started = Instant::now();
    let r = provision_until_settled(&env, &ctx, &site, &KEY, None, 8).await;
    let elapsed = started.elapsed();
    assert_secretless(&r.state, "sealed state");
    let outcome = match (r.status, &r.error) {
        (Status::Done, _) => "pass".to_owned(),
        (Status::Failed, Some(e)) => format!("{}:{}", e.step.as_deref().unwrap_or("-"), e.code),
        (other, _) => format!("{other:?}"),
    };
    let mut problems = Vec::new();
    if !cell.expect.split('|').any(|e| e == outcome) {
        problems.push(format!("expected {}, got {outcome}", cell.expect));
    }
    if r.status == Status::Failed
        && r.error
            .as_ref()
            .is_none_or(|e| e.fix.as_deref().is_none_or(str::is_empty))
    {
        problems.push("no fix".into());
    }
    env.sandbox.control().clear_faults();
    env.sandbox
        .control()
        .call("DELETE", "/_sandbox/policy/sign-in", Value::Null);
    env.sandbox.control().set_config((cell.off)());
    let resumed = provision_until_settled(&env, &ctx, &site, &KEY, Some(r.state), 8).await;
    if resumed.status != Status::Done {
        problems.push(format!("did not resume: {:?} {:?}", resumed.status, resumed.error));
    }
    problems.extend(exactly_one(&env, &site));
    Row {
        matrix: "provision",
        name: cell.name,
        expected: cell.expect,
        outcome,
        elapsed,
        problems,
    }
}

/// A verify cell: (name, config, application, table, expected `check:code`).
type VerifyCell = (&'static str, fn() -> Value, &'static str, &'static str, &'static str);

const VERIFY: &[VerifyCell] = &[
    (
        "unknown table: 404 0x80040217",
        || json!({}),
        "wp-ok",
        "nosuchtable",
        "table:nosuchtable:table_not_found",
    ),
    (
        "unknown table: 400 0x80041102",
        || json!({"unknown_table_400": true}),
        "wp-ok",
        "nosuchtable",
        "table:nosuchtable:table_not_found",
    ),
    (
        "no role: missing-privilege refusal",
        || json!({}),
        "wp-noroles",
        "account",
        "app_user:no_role",
    ),
    (
        "no role: RetrievePrivilegeForUser 0x80040220",
        || json!({"no_role_refusal": "retrieve_privilege_for_user"}),
        "wp-noroles",
        "account",
        "app_user:no_role",
    ),
    (
        "no role: same refusal, other code",
        || json!({"no_role_refusal": "other_code"}),
        "wp-noroles",
        "account",
        "app_user:no_role",
    ),
    (
        "no role: empty privilege list",
        || json!({"no_role_refusal": "empty_list"}),
        "wp-noroles",
        "account",
        "app_user:no_role",
    ),
];

async fn verify_cell(
    env: &Env,
    (name, config, app, table, expect): &'static (&str, fn() -> Value, &str, &str, &str),
) -> Row {
    env.sandbox.control().reset();
    env.sandbox.control().set_config(config());
    let seeded = wpcrm_sandbox::fixtures::app(app);
    let connection = ConnectionInput {
        application_id: Some(seeded.app_id.to_owned()),
        client_secret: Some(ClientSecret::new(seeded.secret)),
        ..env.connection(Some(tenant()))
    };
    let (ctx, _) = env.context();
    let started = Instant::now();
    let r = wpcrm_core::verify::run(&ctx, connection, options(&[table], Duration::from_secs(3))).await;
    let elapsed = started.elapsed();
    assert_secretless(&format!("{r:?}"), name);
    let failing = r.checks.iter().find(|c| c.status == CheckStatus::Fail);
    let outcome = failing
        .map(|c| format!("{}:{}", c.id, c.code.as_deref().unwrap_or("-")))
        .unwrap_or_else(|| "pass".into());
    let mut problems = Vec::new();
    if outcome != *expect {
        problems.push(format!("expected {expect}, got {outcome}"));
    }
    if failing.is_some_and(|c| c.fix.as_deref().is_none_or(|f| f.contains("environment URL"))) {
        problems.push("a fix that does not name the cause".into());
    }
    if elapsed > Duration::from_millis(3600) {
        problems.push(format!("took {elapsed:?}"));
    }
    Row {
        matrix: "verify",
        name,
        expected: expect,
        outcome,
        elapsed,
        problems,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realities_matrix() {
    let mut tasks = Vec::new();
    for cell in PROVISION {
        tasks.push(tokio::spawn(provision_cell(cell)));
    }
    let env = Env::start().await;
    let mut rows = Vec::new();
    for cell in VERIFY {
        rows.push(verify_cell(&env, cell).await);
    }
    for t in tasks {
        rows.push(t.await.expect("cell panicked"));
    }
    let mut table =
        String::from("\n| matrix | cell | expected | outcome | elapsed | verdict |\n|---|---|---|---|---|---|\n");
    for r in &rows {
        let verdict = if r.problems.is_empty() {
            "ok".to_owned()
        } else {
            format!("**{}**", r.problems.join("; "))
        };
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} ms | {} |",
            r.matrix,
            r.name,
            r.expected.replace('|', " or "),
            r.outcome,
            r.elapsed.as_millis(),
            verdict
        );
    }
    println!("{table}");
    let bad: Vec<String> = rows
        .iter()
        .filter(|r| !r.problems.is_empty())
        .map(|r| format!("{}: {}", r.name, r.problems.join("; ")))
        .collect();
    assert!(bad.is_empty(), "{} cells failed:\n{}", bad.len(), bad.join("\n"));
}
