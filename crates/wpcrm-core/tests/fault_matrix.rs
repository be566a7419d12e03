//! The fault matrix of issue 6: every endpoint the verify and provision flows call × every fault the
//! sandbox can inject (docs/sandbox.md, `POST /_sandbox/faults`), against the real reqwest/rustls
//! transport. One table ([`VERIFY_ENDPOINTS`] × [`FAULTS`], [`PROVISION_ENDPOINTS`] × [`FAULTS`]) says
//! what each cell must produce; the test prints the outcome table (`--nocapture`), which
//! docs/evidence.md reproduces.
//!
//! Each cell asserts: the call returns within its deadline (measured, never slept), the failing
//! check or `failed` error carries the expected code, no secret or token appears in the result, the
//! engine tried no URL outside the sandbox origin (a redirect to another host is not followed), and —
//! for provisioning — that after the fault is cleared the same state resumes to `done` with exactly
//! one application, service principal, secret and application user in `/_sandbox/state`.
//!
//! Endpoints run in parallel, one sandbox each; the cells of one endpoint run in sequence with a
//! sandbox reset between them.
//!
//!     cargo test -p wpcrm-core --test fault_matrix -- --nocapture

mod common;

use common::{assert_secretless, options, Env};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use wpcrm_core::api::ProvisionRequest;
use wpcrm_core::provision::Status;
use wpcrm_core::report::{CheckStatus, VerifyReport};

/// Deadline of every call in the matrix, and how late a call may return beyond it.
const DEADLINE: Duration = Duration::from_secs(3);
const MARGIN: Duration = Duration::from_millis(600);
const FOREIGN: &str = "https://login.evil.test/steal";

struct Fault {
    name: &'static str,
    /// The fault, without `path` and `method` (the endpoint adds them).
    spec: fn() -> Value,
    /// Expected outcome: `"pass"` (absorbed: retried or merely slower) or the check/error code;
    /// `a|b` accepts either.
    expect: &'static str,
}

const FAULTS: &[Fault] = &[
    Fault {
        name: "latency 800ms",
        spec: || json!({"kind":"latency","latency_ms":800}),
        expect: "pass",
    },
    Fault {
        name: "429 Retry-After:1 once",
        spec: || json!({"kind":"status","status":429,"times":1}),
        expect: "pass",
    },
    Fault {
        name: "429 Retry-After:1",
        spec: || json!({"kind":"status","status":429}),
        expect: "throttled",
    },
    Fault {
        name: "429 Retry-After:120",
        spec: || json!({"kind":"status","status":429,"headers":{"Retry-After":"120"}}),
        expect: "throttled",
    },
    Fault {
        name: "429 no Retry-After",
        spec: || json!({"kind":"status","status":429,"headers":{}}),
        expect: "throttled",
    },
    Fault {
        name: "503 once",
        spec: || json!({"kind":"status","status":503,"times":1}),
        expect: "pass",
    },
    Fault {
        name: "500",
        spec: || json!({"kind":"status","status":500}),
        expect: "http_500",
    },
    Fault {
        name: "502",
        spec: || json!({"kind":"status","status":502}),
        expect: "http_502",
    },
    Fault {
        name: "503",
        spec: || json!({"kind":"status","status":503}),
        expect: "http_503",
    },
    Fault {
        name: "504",
        spec: || json!({"kind":"status","status":504}),
        expect: "http_504",
    },
    Fault {
        name: "connection drop",
        spec: || json!({"kind":"drop"}),
        expect: "network",
    },
    Fault {
        name: "hang",
        spec: || json!({"kind":"hang"}),
        expect: "timeout",
    },
    Fault {
        name: "malformed JSON",
        spec: || json!({"kind":"malformed_json","status":200}),
        expect: "unexpected_response",
    },
    Fault {
        name: "truncated JSON",
        spec: || json!({"kind":"truncated_json"}),
        expect: "unexpected_response",
    },
    Fault {
        name: "HTML page 200",
        spec: || json!({"kind":"html","status":200}),
        expect: "unexpected_response",
    },
    Fault {
        name: "HTML page 502",
        spec: || json!({"kind":"html","status":502}),
        expect: "http_502",
    },
    Fault {
        name: "redirect to other host",
        spec: || json!({"kind":"redirect","status":302,"location":FOREIGN}),
        expect: "unexpected_response",
    },
];

struct Endpoint {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    /// The check that must report the fault (verify) or the step that fails (provision).
    check: &'static str,
    /// Per-fault exceptions to [`Fault::expect`]: (fault name, expected code).
    overrides: &'static [(&'static str, &'static str)],
}

/// The challenge probe only needs the 401's `WWW-Authenticate` header: anything else there means
/// the tenant could not be discovered (a truncated 401 body still carries the header).
const PROBE: &[(&str, &str)] = &[
    ("HTML page 502", "unexpected_response"),
    ("500", "tenant_discovery_failed"),
    ("502", "tenant_discovery_failed"),
    ("503", "tenant_discovery_failed"),
    ("504", "tenant_discovery_failed"),
    ("malformed JSON", "tenant_discovery_failed"),
    ("truncated JSON", "pass"),
];
/// Entra ID's 5xx (retried, then) reported as `unexpected_response` with the status in the detail,
/// where Dataverse's are `http_<status>`.
const ENTRA_5XX: &[(&str, &str)] = &[
    ("500", "unexpected_response"),
    ("502", "unexpected_response"),
    ("503", "unexpected_response"),
    ("504", "unexpected_response"),
    ("HTML page 502", "unexpected_response"),
];
/// The `isdisabled` read is best effort by design (verify/mod.rs): when it fails, `app_user` passes
/// with "whether it is enabled could not be read" — asserted in `verify_cell`.
const BEST_EFFORT: &[(&str, &str)] = &[
    ("429 Retry-After:1", "pass"),
    ("429 Retry-After:120", "pass"),
    ("429 no Retry-After", "pass"),
    ("500", "pass"),
    ("502", "pass"),
    ("503", "pass"),
    ("504", "pass"),
    ("connection drop", "pass"),
    ("hang", "pass"),
    ("malformed JSON", "pass"),
    ("truncated JSON", "pass"),
    ("HTML page 200", "pass"),
    ("HTML page 502", "pass"),
    ("redirect to other host", "pass"),
];

const VERIFY_ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "401 challenge probe",
        method: "GET",
        path: "/contoso/api/data/v9.2/",
        check: "tenant",
        overrides: PROBE,
    },
    Endpoint {
        name: "token (client credentials)",
        method: "POST",
        path: "/*/oauth2/v2.0/token",
        check: "token",
        overrides: ENTRA_5XX,
    },
    Endpoint {
        name: "WhoAmI",
        method: "GET",
        path: "/contoso/api/data/v9.2/WhoAmI",
        check: "app_user",
        overrides: &[],
    },
    Endpoint {
        name: "systemuser record",
        method: "GET",
        path: "/contoso/api/data/v9.2/systemusers(*)",
        check: "app_user",
        overrides: BEST_EFFORT,
    },
    Endpoint {
        name: "metadata (EntityDefinitions systemuser)",
        method: "GET",
        path: "/contoso/api/data/v9.2/EntityDefinitions(LogicalName='systemuser')",
        check: "metadata",
        overrides: &[],
    },
    Endpoint {
        name: "EntityDefinitions account",
        method: "GET",
        path: "/contoso/api/data/v9.2/EntityDefinitions(LogicalName='account')",
        check: "table:account",
        overrides: &[],
    },
    Endpoint {
        name: "RetrieveUserPrivileges",
        method: "GET",
        path: "/contoso/api/data/v9.2/systemusers(*)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges",
        check: "table:account",
        overrides: &[],
    },
    Endpoint {
        name: "table read (accounts $top=1)",
        method: "GET",
        path: "/contoso/api/data/v9.2/accounts",
        check: "table:account",
        overrides: &[],
    },
];

/// Provisioning shares one budget per call across its steps: a fault that clears after one answer
/// is retried when the rest of the budget allows it, otherwise the call fails and the next call
/// resumes. A hang ends the call at its deadline with `in_progress` (or `sign_in_required`), never
/// `failed`: the caller simply calls again. Redirects are reported by status (`http_302`), not
/// followed.
const PROVISION_COMMON: &[(&str, &str)] = &[
    ("429 Retry-After:1 once", "pass|throttled"),
    ("503 once", "pass|http_503"),
    ("hang", "pending"),
    ("redirect to other host", "http_302"),
];
/// `$ref` answers 204 with no body: a 204 turned into a 200 with a broken body still means the
/// association was made, and nothing is parsed.
const PROVISION_REF: &[(&str, &str)] = &[
    ("429 Retry-After:1 once", "pass|throttled"),
    ("503 once", "pass|http_503"),
    ("hang", "pending"),
    ("redirect to other host", "http_302"),
    ("malformed JSON", "pass"),
    ("truncated JSON", "pass"),
    ("HTML page 200", "pass"),
];

const PROVISION_ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "devicecode",
        method: "POST",
        path: "/*/oauth2/v2.0/devicecode",
        check: "sign_in",
        overrides: PROVISION_COMMON,
    },
    Endpoint {
        name: "token (device poll, refresh)",
        method: "POST",
        path: "/*/oauth2/v2.0/token",
        check: "sign_in",
        overrides: PROVISION_COMMON,
    },
    Endpoint {
        name: "Graph PATCH applications(uniqueName) upsert",
        method: "PATCH",
        path: "/v1.0/applications(*",
        check: "register_app",
        overrides: PROVISION_COMMON,
    },
    Endpoint {
        name: "Graph addPassword",
        method: "POST",
        path: "/v1.0/applications/*/addPassword",
        check: "client_secret",
        overrides: PROVISION_COMMON,
    },
    Endpoint {
        name: "Graph PATCH servicePrincipals(appId) upsert",
        method: "PATCH",
        path: "/v1.0/servicePrincipals(*",
        check: "service_principal",
        overrides: PROVISION_COMMON,
    },
    Endpoint {
        name: "Dataverse POST systemusers",
        method: "POST",
        path: "/contoso/api/data/v9.2/systemusers",
        check: "app_user",
        overrides: PROVISION_COMMON,
    },
    Endpoint {
        name: "Dataverse GET roles",
        method: "GET",
        path: "/contoso/api/data/v9.2/roles",
        check: "roles",
        overrides: PROVISION_COMMON,
    },
    Endpoint {
        name: "Dataverse POST roles $ref",
        method: "POST",
        path: "/contoso/api/data/v9.2/systemusers(*)/systemuserroles_association/$ref",
        check: "roles",
        overrides: PROVISION_REF,
    },
];

#[derive(Debug)]
struct Cell {
    endpoint: &'static str,
    fault: &'static str,
    expected: &'static str,
    /// What happened: `pass`, or `<check or step>:<code>`.
    outcome: String,
    /// The whole faulted phase (provision: every call until `done`, `failed` or the call limit).
    elapsed: Duration,
    /// The slowest single call: what the deadline bounds.
    slowest: Duration,
    /// Requests the fault applied to (0: the flow never called this endpoint).
    hits: usize,
    problems: Vec<String>,
}

fn expected(endpoint: &Endpoint, fault: &Fault) -> &'static str {
    endpoint
        .overrides
        .iter()
        .find(|(f, _)| *f == fault.name)
        .map(|(_, e)| *e)
        .unwrap_or(fault.expect)
}

/// Glob as the sandbox matches it: `*` within a segment, `**` across segments.
fn glob(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => (0..=s.len()).any(|i| go(&p[2..], &s[i..])),
            Some(b'*') => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != b'/')
                .any(|i| go(&p[1..], &s[i..])),
            Some(c) => s.first() == Some(c) && go(&p[1..], &s[1..]),
        }
    }
    go(pattern.as_bytes(), path.as_bytes())
}

fn hits(env: &Env, endpoint: &Endpoint) -> usize {
    env.sandbox
        .control()
        .requests()
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == endpoint.method && glob(endpoint.path, r["path"].as_str().unwrap_or("")))
        .count()
}

fn add_fault(env: &Env, endpoint: &Endpoint, fault: &Fault) {
    let mut spec = (fault.spec)();
    spec["method"] = json!(endpoint.method);
    spec["path"] = json!(endpoint.path);
    let (status, body) = env.sandbox.control().call("POST", "/_sandbox/faults", spec);
    assert_eq!(status, 200, "fault refused: {body}");
}

// ------------------------------------------------------------------------------------------------
// verify

async fn verify_cell(env: &Env, endpoint: &'static Endpoint, fault: &'static Fault) -> Cell {
    env.sandbox.control().reset();
    add_fault(env, endpoint, fault);
    let (ctx, rec) = env.context();
    let started = Instant::now();
    let report: VerifyReport =
        wpcrm_core::verify::run(&ctx, env.connection(None), options(&["account"], DEADLINE)).await;
    let elapsed = started.elapsed();
    let expected = expected(endpoint, fault);
    let mut problems = Vec::new();
    let accepts = |code: &str| expected.split('|').any(|e| e == code);
    let failing = report
        .checks
        .iter()
        .find(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Warn));
    let (outcome, code) = match failing {
        None => ("pass".to_owned(), "pass".to_owned()),
        Some(c) => (
            format!("{}:{}", c.id, c.code.as_deref().unwrap_or("-")),
            c.code.clone().unwrap_or_default(),
        ),
    };
    if !accepts(&code) {
        problems.push(format!("expected {expected}, got {outcome}"));
    }
    if let Some(c) = failing {
        if c.id != endpoint.check {
            problems.push(format!("reported on check {} instead of {}", c.id, endpoint.check));
        }
        if c.fix.as_deref().is_none_or(str::is_empty) {
            problems.push("no fix".into());
        }
    }
    if elapsed > DEADLINE + MARGIN {
        problems.push(format!("took {elapsed:?}, deadline {DEADLINE:?}"));
    }
    let app_user = report.checks.iter().find(|c| c.id == "app_user");
    if endpoint.overrides.as_ptr() == BEST_EFFORT.as_ptr()
        && fault.expect != "pass"
        && !app_user.is_some_and(|c| c.detail.contains("could not be read"))
    {
        problems.push("app_user passed without saying the enabled flag could not be read".into());
    }
    let printed = format!("{report:?}{}", serde_json::to_string(&report).unwrap());
    assert_secretless(&printed, endpoint.name);
    env.assert_only_sandbox(&rec, endpoint.name);
    Cell {
        endpoint: endpoint.name,
        fault: fault.name,
        expected,
        outcome,
        elapsed,
        slowest: elapsed,
        hits: hits(env, endpoint),
        problems,
    }
}

// ------------------------------------------------------------------------------------------------
// provision

const STATE_KEY: [u8; 32] = *b"fault-matrix-state-key-32-bytes!";
const SITE: &str = "https://fault-matrix.example";

fn provision_request(env: &Env, state: Option<String>) -> ProvisionRequest {
    env.provision_request(SITE, state, &STATE_KEY, DEADLINE)
}

struct Drive {
    state: Option<String>,
    last: Status,
    code: Option<(String, String)>,
    slowest: Duration,
    calls: usize,
}

/// Calls the step function until `done` or `failed`, or `max_calls` calls.
async fn drive(env: &Env, state: Option<String>, max_calls: usize) -> Drive {
    let mut d = Drive {
        state,
        last: Status::InProgress,
        code: None,
        slowest: Duration::ZERO,
        calls: 0,
    };
    while d.calls < max_calls {
        let (ctx, rec) = env.context();
        let started = Instant::now();
        let r = wpcrm_core::provision::run(&ctx, provision_request(env, d.state.clone())).await;
        d.slowest = d.slowest.max(started.elapsed());
        d.calls += 1;
        env.assert_only_sandbox(&rec, "provision");
        let mut printed = serde_json::to_string(&r.error).unwrap();
        printed.push_str(&serde_json::to_string(&r.steps).unwrap());
        printed.push_str(&serde_json::to_string(&r.verification).unwrap());
        assert_secretless(&printed, "provision response");
        assert_secretless(&r.state, "sealed state");
        d.state = Some(r.state.clone());
        d.last = r.status;
        match r.status {
            Status::Done => return d,
            Status::Failed => {
                let e = r.error.unwrap();
                d.code = Some((e.step.unwrap_or_default(), e.code));
                return d;
            }
            // auto_approve: the device code is already approved; poll again.
            _ => {}
        }
    }
    d
}

fn count(v: &Value, pred: impl Fn(&Value) -> bool) -> usize {
    v.as_array().map(|a| a.iter().filter(|x| pred(x)).count()).unwrap_or(0)
}

async fn provision_cell(env: &Env, endpoint: &'static Endpoint, fault: &'static Fault) -> Cell {
    env.sandbox.control().reset();
    env.sandbox
        .control()
        .set_config(json!({"auto_approve": true, "device_interval_s": 1}));
    add_fault(env, endpoint, fault);
    let started = Instant::now();
    let faulted = drive(env, None, 6).await;
    let elapsed = started.elapsed();
    let hits = hits(env, endpoint);
    let expected = expected(endpoint, fault);
    let mut problems = Vec::new();
    let (outcome, code) = match (&faulted.last, &faulted.code) {
        (Status::Done, _) => ("pass".to_owned(), "pass".to_owned()),
        (Status::Failed, Some((step, code))) => (format!("{step}:{code}"), code.clone()),
        (other, _) => (format!("{other:?} after {} calls", faulted.calls), "pending".to_owned()),
    };
    let accepts = |code: &str| expected.split('|').any(|e| e == code);
    // A hung request is logged by the sandbox only when it ends, i.e. never.
    if hits == 0 && fault.name != "hang" {
        problems.push("the flow never called this endpoint".into());
    } else if !accepts(&code) {
        problems.push(format!("expected {expected}, got {outcome}"));
    }
    if let Some((step, _)) = &faulted.code {
        if step != endpoint.check {
            problems.push(format!("failed at step {step} instead of {}", endpoint.check));
        }
    }
    if faulted.slowest > DEADLINE + MARGIN {
        problems.push(format!("a call took {:?}, deadline {DEADLINE:?}", faulted.slowest));
    }

    // The fault clears; the same state resumes to one correct result.
    env.sandbox.control().clear_faults();
    let resumed = drive(env, faulted.state.clone(), 8).await;
    if resumed.last != Status::Done {
        problems.push(format!("did not resume: {:?} {:?}", resumed.last, resumed.code));
    }
    let state = env.sandbox.control().state();
    let tag = wpcrm_core::provision::SiteMarker::new(&STATE_KEY, SITE).tag;
    let apps: Vec<&Value> = state["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["tags"].as_array().is_some_and(|t| t.iter().any(|x| x == &json!(tag))))
        .collect();
    if apps.len() != 1 {
        problems.push(format!("{} applications for the site", apps.len()));
    } else {
        let app_id = apps[0]["appId"].clone();
        let secrets = apps[0]["passwordCredentials"].as_array().map_or(0, Vec::len);
        if secrets != 1 {
            problems.push(format!("{secrets} secrets on the application"));
        }
        let sps = count(&state["servicePrincipals"], |s| s["appId"] == app_id);
        if sps != 1 {
            problems.push(format!("{sps} service principals"));
        }
        let users = count(&state["environments"]["contoso"]["systemusers"], |u| {
            u["applicationid"] == app_id
        });
        if users != 1 {
            problems.push(format!("{users} application users"));
        }
    }
    Cell {
        endpoint: endpoint.name,
        fault: fault.name,
        expected,
        outcome,
        elapsed,
        slowest: faulted.slowest,
        hits,
        problems,
    }
}

// ------------------------------------------------------------------------------------------------

fn table(title: &str, cells: &[Cell]) -> String {
    let mut out = format!("\n### {title}\n\n| endpoint | fault | expected | outcome | elapsed | slowest call | hits | verdict |\n|---|---|---|---|---|---|---|---|\n");
    for c in cells {
        let verdict = if c.problems.is_empty() {
            "ok".to_owned()
        } else {
            format!("**{}**", c.problems.join("; "))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} ms | {} ms | {} | {} |",
            c.endpoint,
            c.fault,
            c.expected.replace('|', " or "),
            c.outcome,
            c.elapsed.as_millis(),
            c.slowest.as_millis(),
            c.hits,
            verdict
        );
    }
    out
}

async fn run_matrix<F, Fut>(endpoints: &'static [Endpoint], cell: F) -> Vec<Cell>
where
    F: Fn(std::sync::Arc<Env>, &'static Endpoint, &'static Fault) -> Fut + Send + Sync + Copy + 'static,
    Fut: std::future::Future<Output = Cell> + Send,
{
    let mut tasks = Vec::new();
    for endpoint in endpoints {
        tasks.push(tokio::spawn(async move {
            let env = std::sync::Arc::new(Env::start().await);
            let mut cells = Vec::new();
            for fault in FAULTS {
                cells.push(cell(env.clone(), endpoint, fault).await);
            }
            cells
        }));
    }
    let mut cells = Vec::new();
    for t in tasks {
        cells.extend(t.await.expect("cell panicked"));
    }
    cells
}

fn verdict(title: &str, cells: &[Cell]) {
    let printed = table(title, cells);
    println!("{printed}");
    let bad: Vec<String> = cells
        .iter()
        .filter(|c| !c.problems.is_empty())
        .map(|c| format!("{} × {}: {}", c.endpoint, c.fault, c.problems.join("; ")))
        .collect();
    assert!(bad.is_empty(), "{} cells failed:\n{}", bad.len(), bad.join("\n"));
}

/// The two matrices measure deadlines: run them one after the other, not against each other for
/// the machine's cores.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs every cell of one matrix, one test at a time (they share the machine's ports and CPU), and
/// judges the table.
fn judge_matrix<F, Fut>(title: &str, endpoints: &'static [Endpoint], cell: F)
where
    F: Fn(std::sync::Arc<Env>, &'static Endpoint, &'static Fault) -> Fut + Send + Sync + Copy + 'static,
    Fut: std::future::Future<Output = Cell> + Send,
{
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    verdict(title, &runtime().block_on(run_matrix(endpoints, cell)));
}

#[test]
fn verify_fault_matrix() {
    judge_matrix(
        "verify: endpoint × fault (deadline 3 s)",
        VERIFY_ENDPOINTS,
        |env, e, f| async move { verify_cell(&env, e, f).await },
    );
}

#[test]
fn provision_fault_matrix() {
    judge_matrix(
        "provision: endpoint × fault (deadline 3 s per call)",
        PROVISION_ENDPOINTS,
        |env, e, f| async move { provision_cell(&env, e, f).await },
    );
}

/// The TLS handshake failure of the fault list: the sandbox cannot inject it, so the client
/// trusts no root at all (as behind a TLS-inspecting proxy whose CA is not in `wpcrm.ca_file`).
/// Verify and provision both name it `tls`, within the deadline, and send nothing in clear.
#[test]
fn tls_handshake_failure() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    runtime().block_on(async {
        let env = Env::start().await;
        let transport = wpcrm_core::http::ReqwestTransport::new(&wpcrm_core::http::TransportConfig {
            ca_file: None,
            proxy: None,
            only_ca_file: true,
        })
        .expect("transport");
        let config = wpcrm_core::engine::EngineConfig {
            sandbox_url: Some(env.sandbox.url().to_owned()),
            ..Default::default()
        };
        let ctx = wpcrm_core::engine::Context::new(
            config,
            std::sync::Arc::new(transport),
            std::sync::Arc::new(wpcrm_core::engine::SystemClock),
        );
        let started = Instant::now();
        let r = wpcrm_core::verify::run(&ctx, env.connection(None), options(&["account"], DEADLINE)).await;
        let elapsed = started.elapsed();
        let tenant = r.checks.iter().find(|c| c.id == "tenant").unwrap();
        assert_eq!(tenant.code.as_deref(), Some("tls"), "{r:#?}");
        assert!(elapsed < DEADLINE + MARGIN, "{elapsed:?}");

        let started = Instant::now();
        let p = wpcrm_core::provision::run(&ctx, provision_request(&env, None)).await;
        let elapsed_p = started.elapsed();
        let e = p.error.expect("failed");
        assert_eq!((p.status, e.code.as_str()), (Status::Failed, "tls"), "{e:?}");
        assert!(elapsed_p < DEADLINE + MARGIN, "{elapsed_p:?}");
        // Nothing reached the sandbox's handlers.
        let served = env.sandbox.control().requests();
        assert!(
            served.as_array().unwrap().iter().all(|r| r["service"] == "control"),
            "{served:#}"
        );
        println!(
            "| TLS handshake failure | verify: tenant:tls in {} ms | provision: {}:tls in {} ms |",
            elapsed.as_millis(),
            e.step.unwrap_or_default(),
            elapsed_p.as_millis()
        );
    });
}

/// Global Discovery is called only when no `instance_url` is given (the admin picks from the list),
/// so it has its own small matrix: the same faults, then after clearing them the same state must
/// reach `choose_environment` with the seeded environments.
#[test]
fn discovery_fault_matrix() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let endpoint: &'static Endpoint = &Endpoint {
        name: "discovery Instances",
        method: "GET",
        path: "/api/discovery/v2.0/Instances",
        check: "environment",
        overrides: PROVISION_COMMON,
    };
    let cells = runtime().block_on(async {
        let env = Env::start().await;
        let mut cells = Vec::new();
        for fault in FAULTS {
            env.sandbox.control().reset();
            env.sandbox
                .control()
                .set_config(json!({"auto_approve": true, "device_interval_s": 1}));
            add_fault(&env, endpoint, fault);
            let request = |state: Option<String>| ProvisionRequest {
                instance_url: None,
                ..provision_request(&env, state)
            };
            let started = Instant::now();
            let mut state = None;
            let mut slowest = Duration::ZERO;
            let mut outcome = ("pending".to_owned(), String::new());
            for _ in 0..6 {
                let (ctx, rec) = env.context();
                let t = Instant::now();
                let r = wpcrm_core::provision::run(&ctx, request(state.clone())).await;
                slowest = slowest.max(t.elapsed());
                env.assert_only_sandbox(&rec, endpoint.name);
                state = Some(r.state.clone());
                match r.status {
                    Status::ChooseEnvironment => {
                        outcome = ("pass".into(), "pass".into());
                        break;
                    }
                    Status::Failed => {
                        let e = r.error.unwrap();
                        let step = e.step.unwrap_or_default();
                        outcome = (e.code.clone(), format!("{step}:{}", e.code));
                        break;
                    }
                    _ => {}
                }
            }
            let elapsed = started.elapsed();
            let hits = hits(&env, endpoint);
            let expected = expected(endpoint, fault);
            let mut problems = Vec::new();
            if !expected.split('|').any(|e| e == outcome.0) {
                problems.push(format!("expected {expected}, got {} {}", outcome.0, outcome.1));
            }
            if slowest > DEADLINE + MARGIN {
                problems.push(format!("a call took {slowest:?}"));
            }
            env.sandbox.control().clear_faults();
            let mut listed = 0;
            for _ in 0..6 {
                let (ctx, _) = env.context();
                let r = wpcrm_core::provision::run(&ctx, request(state.clone())).await;
                state = Some(r.state.clone());
                if r.status == Status::ChooseEnvironment {
                    listed = r.environments.map_or(0, |e| e.len());
                    break;
                }
            }
            if listed < 2 {
                problems.push(format!("did not resume to choose_environment ({listed} environments)"));
            }
            cells.push(Cell {
                endpoint: endpoint.name,
                fault: fault.name,
                expected,
                outcome: if outcome.0 == "pass" || outcome.0 == "pending" {
                    outcome.0
                } else {
                    outcome.1
                },
                elapsed,
                slowest,
                hits,
                problems,
            });
        }
        cells
    });
    verdict(
        "provision without instance_url: discovery × fault (deadline 3 s per call)",
        &cells,
    );
}
