//! The behaviour of `verify::run`, scenario by scenario, against the in-process sandbox over the real
//! reqwest/rustls transport. These scenarios used to run against a hand-written Entra ID + Dataverse
//! inside `src/verify/tests.rs`; here each situation comes from the sandbox itself: its seed
//! (`seed/default.json`, adjusted in memory where a scenario needs another world), its control API
//! (roles/remove, users/disable, config) or a fault answering exactly what Microsoft sends
//! (docs/sandbox.md). Requests are judged on the sandbox's request log, or on the URLs the engine
//! handed its transport (`common::Recording`), never on an emulator written here.

mod common;

use common::{assert_secretless, jwt_shaped, options, tenant, wp_ok, Env, Recording};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wpcrm_core::api::{ConnectionInput, TableRequest, VerifyOptions};
use wpcrm_core::engine::{Clock, Context};
use wpcrm_core::report::{Check, CheckStatus, CloudName, Depth, OverallStatus, VerifyReport};
use wpcrm_core::ClientSecret;
use wpcrm_sandbox::fixtures;
use wpcrm_sandbox::seed::DEFAULT_SEED;

const DEADLINE: Duration = Duration::from_secs(5);
/// Per-request latency of the round-trip tests: requests of one wave start within milliseconds of
/// each other, far less than this, so the chain of round trips is unambiguous.
const LATENCY: Duration = Duration::from_millis(500);

/// The default seed as JSON, for scenarios that adjust it in memory (its ids and secrets are read
/// through `wpcrm_sandbox::fixtures`).
fn seed() -> Value {
    serde_json::from_str(DEFAULT_SEED).expect("seed/default.json")
}

/// Signs in as the seeded application `name` with its seeded secret.
fn as_app(mut connection: ConnectionInput, name: &str) -> ConnectionInput {
    let app = fixtures::app(name);
    connection.application_id = Some(app.app_id.to_owned());
    connection.client_secret = Some(ClientSecret::new(app.secret));
    connection
}

/// A sandbox serving `seed` instead of the embedded default.
async fn start_with(seed: Value) -> Env {
    Env::seeded(&seed).await
}

/// The environment `contoso` of a seed.
fn contoso(seed: &mut Value) -> &mut Value {
    seed["environments"]
        .as_array_mut()
        .and_then(|envs| envs.iter_mut().find(|e| e["name"] == "contoso"))
        .expect("seeded environment contoso")
}

/// Gives wp-ok's application user exactly one role, holding `privileges`.
fn wp_ok_holds_only(seed: &mut Value, privileges: Value) {
    let env = contoso(seed);
    env["roles"].as_array_mut().unwrap().push(json!({
        "name": "Behaviour Test Role", "business_unit": "Contoso", "privileges": privileges
    }));
    let users = env["systemusers"].as_array_mut().unwrap();
    let wp_ok_user = users
        .iter_mut()
        .find(|u| u["application_id"] == wp_ok().app_id)
        .unwrap();
    wp_ok_user["roles"] = json!(["Behaviour Test Role"]);
}

/// Runs a verification with a fresh context (empty token cache); every URL the engine tried must be
/// on the sandbox origin and no secret or token may appear in the report.
async fn verify(env: &Env, connection: ConnectionInput, options: VerifyOptions) -> (VerifyReport, Arc<Recording>) {
    let (ctx, rec) = env.context();
    let r = wpcrm_core::verify::run(&ctx, connection, options).await;
    env.assert_only_sandbox(&rec, "verify");
    assert_secretless(&format!("{r:?}"), "report");
    (r, rec)
}

fn check<'a>(r: &'a VerifyReport, id: &str) -> &'a Check {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}: {r:#?}"))
}

/// The Microsoft-side requests the sandbox served, in order.
fn served(env: &Env) -> Vec<Value> {
    env.served()
}

/// `METHOD path` of each served request.
fn served_lines(env: &Env) -> Vec<String> {
    served(env)
        .iter()
        .map(|r| format!("{} {}", r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect()
}

/// The systemuserid of an application's user in `contoso`, as the sandbox's state shows it.
fn app_user_id(env: &Env, app_id: &str) -> String {
    let state = env.sandbox.control().state();
    state["environments"]["contoso"]["systemusers"]
        .as_array()
        .and_then(|users| users.iter().find(|u| u["applicationid"] == app_id))
        .and_then(|u| u["systemuserid"].as_str())
        .unwrap_or_else(|| panic!("no application user for {app_id}: {state:#}"))
        .to_owned()
}

fn add_fault(env: &Env, fault: Value) {
    env.sandbox.control().add_fault(fault);
}

#[tokio::test]
async fn passes_and_reports_everything_in_four_round_trips_in_all() {
    let env = Env::start().await;
    env.sandbox
        .control()
        .set_config(json!({"latency_ms": LATENCY.as_millis() as u64}));
    let mut connection = env.connection(Some(tenant()));
    connection.instance_url = Some(format!("{}/contoso/main.aspx?appid=1", env.sandbox.url()));
    let (r, rec) = verify(&env, connection, options(&["account"], DEADLINE)).await;
    assert!(r.ok, "{r:#?}");
    assert_eq!(r.status, OverallStatus::Pass);
    assert_eq!(
        r.instance_url.as_deref(),
        Some(format!("{}/contoso", env.sandbox.url()).as_str())
    );
    assert_eq!(r.cloud, Some(CloudName::Sandbox));
    assert_eq!(r.tenant_id.as_deref(), Some(tenant()));
    assert_eq!(r.identity.as_ref().unwrap().user_id, app_user_id(&env, wp_ok().app_id));
    let ids: Vec<&str> = r.checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "input",
            "tenant",
            "token",
            "app_user",
            "metadata",
            "table:account",
            "privilege_audit",
            "secret_expiry"
        ]
    );
    assert_eq!(check(&r, "secret_expiry").status, CheckStatus::Skip);
    let account = &r.tables["account"];
    assert!(account.exists);
    assert_eq!(account.entity_set.as_deref(), Some("accounts"));
    assert_eq!(account.display_name.as_deref(), Some("Account"));
    assert_eq!(account.access["read"], Depth::Global);
    // token, WhoAmI, metadata, definition, privileges, user record, its roles, its business
    // unit, read.
    let served = served(&env);
    assert_eq!(r.requests, 9, "{served:#?}");
    assert_eq!(served.len(), 9, "{served:#?}");
    assert_eq!(served[0]["path"], format!("/{}/oauth2/v2.0/token", tenant()));
    let read = served.iter().find(|s| s["path"] == "/contoso/api/data/v9.2/accounts");
    assert!(
        read.is_some_and(|s| s["query"].as_str().unwrap().contains("$top=1")),
        "{served:#?}"
    );
    // Identity, metadata and the definition fit in what goes out before any answer has said how
    // parallel to be (`x-ms-dop-hint`, `http::parallel::COLD_PARALLEL`).
    assert_eq!(rec.round_trips(), 3, "token + 2 dependent round trips");
}

#[tokio::test]
async fn latency_does_not_grow_with_the_number_of_tables() {
    let names: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
    let mut seed = seed();
    for (i, n) in names.iter().enumerate() {
        seed["tables"].as_array_mut().unwrap().push(json!({
            "logical_name": n, "schema_name": n, "entity_set": format!("{n}s"), "display_name": n,
            "display_collection_name": format!("{n}s"), "primary_id": format!("{n}id"),
            "primary_name": format!("{n}_name"), "otc": 20_000 + i, "is_custom": true,
            "attributes": [format!("{n}_name")], "records": []
        }));
    }
    let mut privileges = json!({"prvReadEntity": "Global", "prvReadUser": "Basic"});
    for n in &names {
        privileges[format!("prvRead{n}")] = json!("Global");
    }
    wp_ok_holds_only(&mut seed, privileges);
    let env = start_with(seed).await;
    env.sandbox
        .control()
        .set_config(json!({"latency_ms": LATENCY.as_millis() as u64}));
    let tables: Vec<&str> = names.iter().map(String::as_str).collect();
    let (r, rec) = verify(&env, env.connection(Some(tenant())), options(&tables, DEADLINE)).await;
    assert!(r.ok, "{r:#?}");
    // token, WhoAmI, metadata, privileges, user record, its roles, its business unit +
    // (definition, read) per table.
    assert_eq!(r.requests, 7 + 2 * 20);
    // Cold: the definitions beyond the first few wait for the first answer's `x-ms-dop-hint`.
    assert_eq!(rec.round_trips(), 4, "token + hint + 2 dependent round trips");
}

#[tokio::test]
async fn discovers_the_tenant_from_the_challenge() {
    let env = Env::start().await;
    let (r, _) = verify(&env, env.connection(None), options(&[], DEADLINE)).await;
    assert!(r.ok, "{r:#?}");
    assert_eq!(r.tenant_id.as_deref(), Some(tenant()));
    let log = served_lines(&env);
    assert_eq!(log[0], "GET /contoso/api/data/v9.2/");
    assert_eq!(log[1], format!("POST /{}/oauth2/v2.0/token", tenant()));
}

#[tokio::test]
async fn a_challenge_from_a_foreign_authority_is_not_followed() {
    let env = Env::start().await;
    add_fault(
        &env,
        json!({"method":"GET","path":"/contoso/api/data/v9.2/","kind":"status","status":401,
            "headers":{"WWW-Authenticate":"Bearer authorization_uri=https://login.evil.test/t/oauth2/authorize, resource_id=x"}}),
    );
    let (r, _) = verify(&env, env.connection(None), options(&["account"], DEADLINE)).await;
    let tenant = check(&r, "tenant");
    assert_eq!(tenant.status, CheckStatus::Fail);
    assert_eq!(tenant.code.as_deref(), Some("untrusted_authority"));
    assert_eq!(check(&r, "token").status, CheckStatus::Skip);
    assert_eq!(check(&r, "table:account").status, CheckStatus::Skip);
    assert_eq!(r.requests, 1);
}

#[tokio::test]
async fn input_failures_make_no_request() {
    let env = Env::start().await;
    let secret_id = wp_ok().key_id;
    let instance = format!("{}/contoso", env.sandbox.url());
    for (url, secret, code) in [
        (
            "https://contoso.crm.dynamics.com.evil.test",
            wp_ok().secret,
            "invalid_instance_url",
        ),
        ("https://127.0.0.1/contoso", wp_ok().secret, "invalid_instance_url"),
        (
            "http://contoso.crm.dynamics.com",
            wp_ok().secret,
            "invalid_instance_url",
        ),
        (instance.as_str(), secret_id, "secret_id_not_value"),
    ] {
        let mut c = env.connection(None);
        c.instance_url = Some(url.to_owned());
        c.client_secret = Some(ClientSecret::new(secret));
        let (r, rec) = verify(&env, c, options(&["account"], DEADLINE)).await;
        assert_eq!(r.requests, 0, "{url}");
        assert!(rec.urls.lock().unwrap().is_empty(), "{url}");
        assert!(served(&env).is_empty(), "{url}");
        assert_eq!(check(&r, "input").code.as_deref(), Some(code), "{url}");
        assert_eq!(
            r.checks[1..6].iter().map(|c| c.status).collect::<Vec<_>>(),
            vec![CheckStatus::Skip; 5],
            "{url}"
        );
        assert_eq!(r.status, OverallStatus::Fail);
    }
}

#[tokio::test]
async fn a_wrong_secret_is_explained() {
    let env = Env::start().await;
    let mut c = env.connection(Some(tenant()));
    c.client_secret = Some(ClientSecret::new("wrong~secret"));
    let (r, _) = verify(&env, c, options(&["account"], DEADLINE)).await;
    let token = check(&r, "token");
    assert_eq!(token.status, CheckStatus::Fail);
    assert_eq!(token.code.as_deref(), Some("AADSTS7000215"));
    assert!(token.fix.as_deref().unwrap().contains("Secret ID"));
    assert_eq!(check(&r, "app_user").status, CheckStatus::Skip);
    assert_eq!(check(&r, "table:account").status, CheckStatus::Skip);
}

#[tokio::test]
async fn no_application_user() {
    let env = Env::start().await;
    let c = as_app(env.connection(Some(tenant())), "wp-nouser");
    let (r, _) = verify(&env, c, options(&["account"], DEADLINE)).await;
    let app = check(&r, "app_user");
    assert_eq!(app.status, CheckStatus::Fail);
    assert_eq!(app.code.as_deref(), Some("0x80072560"));
    assert!(app.fix.as_deref().unwrap().contains("New app user"));
    assert_eq!(check(&r, "metadata").status, CheckStatus::Skip);
    assert_eq!(check(&r, "table:account").status, CheckStatus::Skip);
    assert!(r.identity.is_none());
}

/// A real Dataverse refuses a disabled application user at WhoAmI (the sandbox does too); some
/// builds answer WhoAmI and only the user's record says `isdisabled`. Both are explained.
#[tokio::test]
async fn disabled_user_found_in_its_record() {
    let env = Env::start().await;
    let user = app_user_id(&env, wp_ok().app_id);
    let record = json!({
        "@odata.context": format!("{}/contoso/api/data/v9.2/$metadata#systemusers(isdisabled)/$entity", env.sandbox.url()),
        "@odata.etag": "W/\"4816102\"",
        "isdisabled": true,
        "systemuserid": user,
    });
    add_fault(
        &env,
        json!({"method":"GET","path":format!("/contoso/api/data/v9.2/systemusers({user})"),
            "kind":"status","status":200,"body":record.to_string(),
            "headers":{"OData-Version":"4.0"}}),
    );
    let (r, _) = verify(&env, env.connection(Some(tenant())), options(&[], DEADLINE)).await;
    let app = check(&r, "app_user");
    assert_eq!(app.status, CheckStatus::Fail, "{r:#?}");
    assert_eq!(app.code.as_deref(), Some("user_disabled"));
    assert!(app.fix.as_deref().unwrap().contains("Activate"));

    env.sandbox.control().reset();
    env.sandbox.control().call(
        "POST",
        "/_sandbox/users/disable",
        json!({"environment":"contoso","application_id":wp_ok().app_id}),
    );
    let (r, _) = verify(&env, env.connection(Some(tenant())), options(&[], DEADLINE)).await;
    let app = check(&r, "app_user");
    assert_eq!(
        (app.status, app.code.as_deref()),
        (CheckStatus::Fail, Some("0x80040225")),
        "{r:#?}"
    );
    assert!(app.fix.as_deref().unwrap().contains("Activate"));
}

#[tokio::test]
async fn no_metadata_access_names_the_privilege() {
    let env = Env::start().await;
    // wp-ok keeps WordPress Site Reader (table reads) but loses Basic User, the role with prvReadEntity.
    env.sandbox.control().call(
        "POST",
        "/_sandbox/roles/remove",
        json!({"environment":"contoso","application_id":wp_ok().app_id,"role":"Basic User"}),
    );
    let (r, _) = verify(&env, env.connection(Some(tenant())), options(&["account"], DEADLINE)).await;
    let m = check(&r, "metadata");
    assert_eq!(m.status, CheckStatus::Fail, "{r:#?}");
    assert_eq!(m.code.as_deref(), Some("0x80040220"));
    assert!(m.detail.contains("prvReadEntity"));
    assert_eq!(check(&r, "table:account").status, CheckStatus::Skip);
}

#[tokio::test]
async fn table_outcomes_missing_privilege_basic_local_and_not_found() {
    let mut seed = seed();
    wp_ok_holds_only(
        &mut seed,
        json!({
            "prvReadEntity": "Global", "prvReadUser": "Basic", "prvReadAccount": "Global",
            "prvReadContact": "Basic", "prvReadLead": "Local", "prvCreateLead": "Global"
        }),
    );
    let env = start_with(seed).await;
    let mut options = options(&["incident", "contact", "lead", "nosuchtable"], DEADLINE);
    options.tables.push(TableRequest {
        logical_name: "lead".into(),
        access: vec!["create".into(), "delete".into()],
    });
    let (r, _) = verify(&env, env.connection(Some(tenant())), options).await;

    let incident = check(&r, "table:incident");
    assert_eq!(incident.status, CheckStatus::Fail, "{r:#?}");
    assert_eq!(incident.code.as_deref(), Some("0x80040220"));
    assert!(incident.detail.contains("prvReadIncident"), "{}", incident.detail);
    assert!(incident.fix.as_deref().unwrap().contains("security roles"));
    assert_eq!(r.tables["incident"].access["read"], Depth::None);
    assert_eq!(r.tables["incident"].display_name.as_deref(), Some("Case"));

    let contact = check(&r, "table:contact");
    assert_eq!(
        (contact.status, contact.code.as_deref()),
        (CheckStatus::Warn, Some("basic_depth"))
    );
    assert!(contact.detail.contains("only records the application user owns"));

    let lead = check(&r, "table:lead");
    assert_eq!(lead.status, CheckStatus::Fail, "delete is missing: {lead:#?}");
    assert!(lead.detail.contains("prvDeleteLead"));
    assert_eq!(r.tables["lead"].access["read"], Depth::Local);
    assert_eq!(r.tables["lead"].access["create"], Depth::Global);
    assert_eq!(r.tables["lead"].access["delete"], Depth::None);

    let missing = check(&r, "table:nosuchtable");
    assert_eq!(
        (missing.status, missing.code.as_deref()),
        (CheckStatus::Fail, Some("table_not_found"))
    );
    assert!(!r.tables["nosuchtable"].exists);
    assert_eq!(r.status, OverallStatus::Fail);
}

#[tokio::test]
async fn a_hung_endpoint_fails_as_timeout_at_the_deadline() {
    let env = Env::start().await;
    add_fault(&env, json!({"method":"GET","path":"**/WhoAmI","kind":"hang"}));
    let deadline = Duration::from_secs(2);
    // The call must end at its deadline, not when the hung request would: a generous margin for a
    // busy machine still proves that (the fault never answers).
    let late = deadline + Duration::from_secs(5);
    let started = Instant::now();
    let (r, _) = verify(&env, env.connection(Some(tenant())), options(&["account"], deadline)).await;
    let elapsed = started.elapsed();
    assert!(elapsed >= deadline && elapsed < late, "{elapsed:?}");
    let app = check(&r, "app_user");
    assert_eq!((app.status, app.code.as_deref()), (CheckStatus::Fail, Some("timeout")));
    assert_eq!(check(&r, "metadata").status, CheckStatus::Skip);
    assert_eq!(check(&r, "table:account").status, CheckStatus::Skip);
    assert!(
        (deadline.as_millis() as u64..late.as_millis() as u64).contains(&r.elapsed_ms),
        "{}",
        r.elapsed_ms
    );
}

#[tokio::test]
async fn throttling_recovers_or_is_reported() {
    let env = Env::start().await;
    // Dataverse's service-protection answer (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits), twice.
    add_fault(
        &env,
        json!({"method":"GET","path":"**/WhoAmI","kind":"status","status":429,"times":2,
            "headers":{"Retry-After":"1"},
            "body":r#"{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}}"#}),
    );
    let (r, _) = verify(&env, env.connection(Some(tenant())), options(&[], DEADLINE)).await;
    assert!(r.ok, "{r:#?}");
    let who_am_i = served_lines(&env).iter().filter(|l| l.ends_with("/WhoAmI")).count();
    assert_eq!(who_am_i, 3);

    env.sandbox.control().reset();
    add_fault(
        &env,
        json!({"method":"GET","path":"**/WhoAmI","kind":"status","status":429,"headers":{"Retry-After":"60"}}),
    );
    let (r, _) = verify(&env, env.connection(Some(tenant())), options(&[], DEADLINE)).await;
    let app = check(&r, "app_user");
    assert_eq!(
        (app.status, app.code.as_deref()),
        (CheckStatus::Fail, Some("throttled"))
    );
}

#[tokio::test]
async fn html_instead_of_json_is_an_unexpected_response() {
    let env = Env::start().await;
    add_fault(
        &env,
        json!({"method":"GET","path":"**/WhoAmI","kind":"html","status":200,
            "body":"<html><body>Sign in to the proxy</body></html>"}),
    );
    let (r, _) = verify(&env, env.connection(Some(tenant())), options(&[], DEADLINE)).await;
    let app = check(&r, "app_user");
    assert_eq!(app.code.as_deref(), Some("unexpected_response"));
    assert!(app.detail.contains("HTML"));
}

#[tokio::test]
async fn the_token_is_cached_across_calls() {
    let env = Env::start().await;
    let (ctx, _) = env.context();
    wpcrm_core::verify::run(&ctx, env.connection(Some(tenant())), options(&[], DEADLINE)).await;
    let r = wpcrm_core::verify::run(&ctx, env.connection(Some(tenant())), options(&[], DEADLINE)).await;
    assert!(r.ok);
    let tokens = served_lines(&env).iter().filter(|l| l.contains("/oauth2/")).count();
    assert_eq!(tokens, 1);
}

struct FixedClock;
impl Clock for FixedClock {
    fn now(&self) -> time::OffsetDateTime {
        time::macros::datetime!(2026-11-26 15:00 UTC)
    }
}

#[tokio::test]
async fn secret_expiry_outcomes() {
    let env = Env::start().await;
    for (at, status, code) in [
        ("2026-11-01T00:00:00Z", CheckStatus::Fail, Some("secret_expired")),
        ("2026-12-10T00:00:00Z", CheckStatus::Warn, Some("secret_expiring")),
        ("2027-06-01", CheckStatus::Pass, None),
        ("next tuesday", CheckStatus::Fail, Some("invalid_secret_expiry")),
    ] {
        let (ctx, _) = env.context();
        let ctx = Context::new((*ctx.config).clone(), ctx.transport.clone(), Arc::new(FixedClock));
        let mut options = options(&[], DEADLINE);
        options.secret_expires_at = Some(at.to_owned());
        let r = wpcrm_core::verify::run(&ctx, env.connection(Some(tenant())), options).await;
        let c = check(&r, "secret_expiry");
        assert_eq!((c.status, c.code.as_deref()), (status, code), "{at}");
    }
}

#[tokio::test]
async fn secrets_and_tokens_never_appear_in_reports() {
    let env = Env::start().await;
    let mut printed = String::new();
    for (secret, hang) in [
        (wp_ok().secret, false),
        ("wrong~secret-value-0001", false),
        (wp_ok().secret, true),
    ] {
        if hang {
            add_fault(&env, json!({"method":"GET","path":"**/WhoAmI","kind":"hang"}));
        }
        let mut conn = env.connection(None);
        conn.client_secret = Some(ClientSecret::new(secret));
        printed.push_str(&format!("{conn:?}\n"));
        let (ctx, _) = env.context();
        let r = wpcrm_core::verify::run(
            &ctx,
            conn,
            options(&["account", "incident", "nosuch"], Duration::from_secs(1)),
        )
        .await;
        printed.push_str(&format!("{r:?}\n{}\n", serde_json::to_string(&r).unwrap()));
    }
    assert!(!printed.contains(wp_ok().secret), "secret leaked:\n{printed}");
    assert!(!printed.contains("wrong~secret"), "secret leaked:\n{printed}");
    assert!(!jwt_shaped(&printed), "token leaked:\n{printed}");
    assert_secretless(&printed, "reports");
}

#[tokio::test]
async fn under_the_sandbox_everything_goes_to_its_origin() {
    let env = Env::start().await;
    let origin = env.sandbox.url();
    let mut c = env.connection(None);
    c.instance_url = Some(format!("{origin}/Contoso/main.aspx"));
    let (r, rec) = verify(&env, c, options(&[], DEADLINE)).await;
    assert!(r.ok, "{r:#?}");
    assert_eq!(r.cloud, Some(CloudName::Sandbox));
    assert_eq!(r.instance_url.as_deref(), Some(format!("{origin}/contoso").as_str()));
    let seen = rec.urls.lock().unwrap();
    assert_eq!(seen[1], format!("{origin}/{}/oauth2/v2.0/token", tenant()));
    assert!(seen.iter().all(|u| u.starts_with(origin)), "{seen:?}");
}

#[tokio::test]
async fn tenant_discovery_failures_are_explained() {
    let env = Env::start().await;
    let origin = env.sandbox.url();
    let probe = |fault: Value| {
        let mut fault = fault;
        fault["method"] = json!("GET");
        fault["path"] = json!("/contoso/api/data/v9.2/");
        fault
    };
    let challenge = |authority: String| {
        json!({"kind":"status","status":401,
            "headers":{"WWW-Authenticate":format!("Bearer authorization_uri={authority}/oauth2/authorize, resource_id={origin}/contoso/")}})
    };
    let cases = [
        (
            json!({"kind":"status","status":404,"body":"{}"}),
            "tenant_discovery_failed",
        ),
        (
            json!({"kind":"status","status":200,"body":r#"{"value":[]}"#}),
            "tenant_discovery_failed",
        ),
        (
            json!({"kind":"status","status":401,"headers":{}}),
            "tenant_discovery_failed",
        ),
        (challenge(format!("{origin}/common")), "tenant_discovery_failed"),
        (
            challenge(format!("https://login.microsoftonline.us/{}", tenant())),
            "untrusted_authority",
        ),
        (
            json!({"kind":"html","status":200,"body":"<html>captive portal</html>"}),
            "unexpected_response",
        ),
    ];
    for (fault, code) in cases {
        env.sandbox.control().reset();
        add_fault(&env, probe(fault));
        let (r, _) = verify(&env, env.connection(None), options(&["account"], DEADLINE)).await;
        let tenant = check(&r, "tenant");
        assert_eq!(
            (tenant.status, tenant.code.as_deref()),
            (CheckStatus::Fail, Some(code)),
            "{r:#?}"
        );
        assert!(tenant.fix.is_some());
        assert_eq!(r.requests, 1);
        assert_eq!(check(&r, "token").status, CheckStatus::Skip);
    }
}
