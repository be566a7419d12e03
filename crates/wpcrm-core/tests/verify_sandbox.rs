//! `verify::run` end to end against the real sandbox (docs/sandbox.md), over the real reqwest/rustls
//! transport trusting only the sandbox's CA. Each test starts its own sandbox on a free port.

use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wpcrm_core::api::{ConnectionInput, TableRequest, VerifyOptions};
use wpcrm_core::engine::{Context, EngineConfig, SystemClock};
use wpcrm_core::http::{ReqwestTransport, TransportConfig};
use wpcrm_core::report::{Check, CheckStatus, CloudName, Depth, OverallStatus, VerifyReport};
use wpcrm_core::ClientSecret;
use wpcrm_sandbox::fixtures::{self, App};
use wpcrm_sandbox::{Sandbox, SandboxOptions};

/// A well-formed application id no registration has: "this application does not exist".
const UNKNOWN_APP_ID: &str = "12345678-1234-4234-8234-123456789abc";
/// A secret of the seeded shape that no application has: "the wrong secret".
const WRONG_SECRET: &str = "Sbx8Q~notTheRightSecretValue.00000000000";

/// The seeded tenant's id, from `seed/default.json`.
fn tenant() -> &'static str {
    fixtures::tenant_id()
}

/// The seeded application registration `name` (`wp-ok`, `wp-nouser`, …) with its seeded secret.
fn app(name: &str) -> &'static App {
    fixtures::app(name)
}

/// The seeded application that has everything it needs.
fn wp_ok() -> &'static App {
    app("wp-ok")
}

struct Env {
    sandbox: Sandbox,
    ca_file: PathBuf,
}

impl Env {
    async fn start() -> Env {
        let sandbox = Sandbox::start(SandboxOptions::default()).await.expect("sandbox starts");
        let ca_file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("sandbox-ca-{}.pem", sandbox.port()));
        std::fs::write(&ca_file, sandbox.ca_pem()).unwrap();
        Env { sandbox, ca_file }
    }

    fn context(&self, trust_ca: bool) -> Context {
        let transport = ReqwestTransport::new(&TransportConfig {
            ca_file: trust_ca.then(|| self.ca_file.clone()),
            proxy: None,
            only_ca_file: true,
        })
        .expect("transport");
        let config = EngineConfig {
            sandbox_url: Some(self.sandbox.url().to_owned()),
            ..EngineConfig::default()
        };
        Context::new(config, Arc::new(transport), Arc::new(SystemClock))
    }

    fn connection(&self, app: &App, tenant: Option<&str>) -> ConnectionInput {
        ConnectionInput {
            instance_url: Some(format!("{}/contoso/main.aspx?appid=x", self.sandbox.url())),
            application_id: Some(app.app_id.to_owned()),
            client_secret: Some(ClientSecret::new(app.secret)),
            tenant_id: tenant.map(str::to_owned),
        }
    }

    async fn verify(&self, connection: ConnectionInput, options: VerifyOptions) -> VerifyReport {
        let report = wpcrm_core::verify::run(&self.context(true), connection, options).await;
        assert_secretless(&report);
        report
    }
}

fn options(tables: &[&str], timeout_s: Option<u64>) -> VerifyOptions {
    VerifyOptions {
        tables: tables.iter().map(|t| TableRequest::read(*t)).collect(),
        timeout: timeout_s.map(Duration::from_secs),
        secret_expires_at: None,
        site_role_id: None,
    }
}

fn check<'a>(r: &'a VerifyReport, id: &str) -> &'a Check {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}: {r:#?}"))
}

/// Every report is scanned for every seeded secret value and anything token-like.
fn assert_secretless(r: &VerifyReport) {
    let printed = format!("{r:?}{}", serde_json::to_string(r).unwrap());
    for secret in fixtures::seeded_secrets() {
        assert!(!printed.contains(secret), "secret in report: {printed}");
    }
    assert!(!printed.contains("eyJ"), "token in report: {printed}");
}

#[tokio::test]
async fn wp_ok_passes_with_every_table_and_discovers_the_tenant() {
    let env = Env::start().await;
    let mut opts = options(&["account", "contact", "incident", "wpcrm_review"], None);
    opts.tables.push(TableRequest {
        logical_name: "lead".into(),
        access: vec!["read".into(), "create".into(), "write".into()],
    });
    opts.secret_expires_at = Some("2099-12-31T00:00:00Z".into());
    let r = env.verify(env.connection(wp_ok(), None), opts).await;
    assert!(r.ok, "{r:#?}");
    assert_eq!(r.status, OverallStatus::Pass, "{r:#?}");
    assert_eq!(r.cloud, Some(CloudName::Sandbox));
    assert_eq!(
        r.instance_url.as_deref(),
        Some(format!("{}/contoso", env.sandbox.url()).as_str())
    );
    assert_eq!(r.tenant_id.as_deref(), Some(tenant()));
    assert!(r.identity.is_some());
    assert_eq!(r.tables["incident"].display_name.as_deref(), Some("Case"));
    assert_eq!(r.tables["incident"].entity_set.as_deref(), Some("incidents"));
    assert_eq!(r.tables["wpcrm_review"].access["read"], Depth::Global);
    assert_eq!(r.tables["lead"].access["create"], Depth::Global);
    assert_eq!(r.tables["lead"].access["write"], Depth::Global);
    assert_eq!(check(&r, "secret_expiry").status, CheckStatus::Pass);
    // Our count matches what the sandbox served.
    let served = env.sandbox.control().requests();
    let served = served
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["service"] != "control")
        .count();
    assert_eq!(r.requests as usize, served);
}

#[tokio::test]
async fn seeded_failures_are_each_explained() {
    let env = Env::start().await;
    let cases: [(&App, &str, &str); 4] = [
        (app("wp-nouser"), "app_user", "0x80072560"),
        (app("wp-blocked"), "app_user", "0x80095ffc"),
        (app("wp-noroles"), "app_user", "no_role"),
        (app("wp-expired"), "token", "AADSTS7000222"),
    ];
    for (app, id, code) in cases {
        let r = env
            .verify(env.connection(app, Some(tenant())), options(&["account"], None))
            .await;
        let c = check(&r, id);
        assert_eq!(
            (c.status, c.code.as_deref()),
            (CheckStatus::Fail, Some(code)),
            "{}: {r:#?}",
            app.app_id
        );
        assert!(c.fix.as_deref().is_some_and(|f| f.len() > 20), "{c:#?}");
        assert_eq!(check(&r, "table:account").status, CheckStatus::Skip);
    }

    let r = env
        .verify(env.connection(app("wp-disabled"), Some(tenant())), options(&[], None))
        .await;
    let c = check(&r, "app_user");
    assert_eq!(c.status, CheckStatus::Fail, "{r:#?}");
    assert!(c.detail.contains("disabled"), "{c:#?}");

    let unknown = App {
        app_id: UNKNOWN_APP_ID,
        ..*wp_ok()
    };
    let r = env
        .verify(env.connection(&unknown, Some(tenant())), options(&[], None))
        .await;
    assert_eq!(check(&r, "token").code.as_deref(), Some("AADSTS700016"), "{r:#?}");

    let wrong = App {
        secret: WRONG_SECRET,
        ..*wp_ok()
    };
    let r = env
        .verify(env.connection(&wrong, Some(tenant())), options(&[], None))
        .await;
    let token = check(&r, "token");
    assert_eq!(token.code.as_deref(), Some("AADSTS7000215"), "{r:#?}");
    assert!(token.fix.as_deref().unwrap().contains("Secret ID"));
}

#[tokio::test]
async fn basic_depth_missing_privilege_and_missing_table() {
    let env = Env::start().await;
    let r = env
        .verify(
            env.connection(app("wp-basic"), Some(tenant())),
            options(&["account", "incident", "nosuchtable"], None),
        )
        .await;
    let account = check(&r, "table:account");
    assert_eq!(
        (account.status, account.code.as_deref()),
        (CheckStatus::Warn, Some("basic_depth")),
        "{r:#?}"
    );
    assert_eq!(r.tables["account"].access["read"], Depth::Basic);
    let incident = check(&r, "table:incident");
    assert_eq!(
        (incident.status, incident.code.as_deref()),
        (CheckStatus::Fail, Some("0x80040220")),
        "{r:#?}"
    );
    assert!(incident.detail.contains("prvReadIncident"), "{incident:#?}");
    assert_eq!(r.tables["incident"].access["read"], Depth::None);
    let missing = check(&r, "table:nosuchtable");
    assert_eq!(missing.code.as_deref(), Some("table_not_found"), "{r:#?}");
    assert!(!r.tables["nosuchtable"].exists);

    // The same privilege gap made by removing a role from wp-ok.
    env.sandbox.control().call(
        "POST",
        "/_sandbox/roles/remove",
        json!({"environment":"contoso","application_id":wp_ok().app_id,"role":"WordPress Site Reader"}),
    );
    let r = env
        .verify(
            env.connection(wp_ok(), Some(tenant())),
            options(&["wpcrm_review"], None),
        )
        .await;
    let review = check(&r, "table:wpcrm_review");
    assert_eq!(review.status, CheckStatus::Fail, "{r:#?}");
    assert!(
        review.detail.to_ascii_lowercase().contains("prvreadwpcrm_review"),
        "{review:#?}"
    );
}

#[tokio::test]
async fn secret_id_and_foreign_urls_make_no_request() {
    let env = Env::start().await;
    let pasted_id = App {
        secret: wp_ok().key_id,
        ..*wp_ok()
    };
    let r = env
        .verify(env.connection(&pasted_id, Some(tenant())), options(&["account"], None))
        .await;
    assert_eq!(check(&r, "input").code.as_deref(), Some("secret_id_not_value"));
    assert_eq!(r.requests, 0);

    for url in [
        "https://contoso.crm.dynamics.com.evil.test/".to_owned(),
        "https://example.com/contoso".to_owned(),
        format!("http://127.0.0.1:{}/contoso", env.sandbox.port()),
        format!("https://127.0.0.1:{}/contoso", env.sandbox.port() + 1),
        format!("https://user@127.0.0.1:{}/contoso", env.sandbox.port()),
    ] {
        let mut c = env.connection(wp_ok(), None);
        c.instance_url = Some(url.clone());
        let r = env.verify(c, options(&["account"], None)).await;
        assert_eq!(
            check(&r, "input").code.as_deref(),
            Some("invalid_instance_url"),
            "{url}: {r:#?}"
        );
        assert_eq!(r.requests, 0, "{url}");
    }
    let served = env.sandbox.control().requests();
    assert!(
        served.as_array().unwrap().iter().all(|r| r["service"] == "control"),
        "{served:#}"
    );
}

#[tokio::test]
async fn throttling_that_recovers_and_that_outlasts_the_deadline() {
    let env = Env::start().await;
    env.sandbox
        .control()
        .add_fault(json!({"method":"GET","path":"**/WhoAmI","kind":"status","status":429,"times":2}));
    let started = Instant::now();
    let r = env
        .verify(env.connection(wp_ok(), Some(tenant())), options(&["account"], None))
        .await;
    assert!(r.ok, "{r:#?}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After: 1 was honoured twice"
    );

    env.sandbox.control().clear_faults();
    env.sandbox.control().add_fault(
        json!({"method":"GET","path":"**/WhoAmI","kind":"status","status":429,"headers":{"Retry-After":"120"}}),
    );
    let started = Instant::now();
    let r = env
        .verify(env.connection(wp_ok(), Some(tenant())), options(&["account"], Some(3)))
        .await;
    let app = check(&r, "app_user");
    assert_eq!(
        (app.status, app.code.as_deref()),
        (CheckStatus::Fail, Some("throttled")),
        "{r:#?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "gave up at once instead of waiting 120 s"
    );
}

#[tokio::test]
async fn a_hung_endpoint_ends_at_the_deadline() {
    let env = Env::start().await;
    env.sandbox
        .control()
        .add_fault(json!({"method":"GET","path":"**/WhoAmI","kind":"hang"}));
    let started = Instant::now();
    let r = env
        .verify(env.connection(wp_ok(), Some(tenant())), options(&["account"], Some(2)))
        .await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(2) && elapsed < Duration::from_millis(2800),
        "{elapsed:?}"
    );
    let app = check(&r, "app_user");
    assert_eq!(
        (app.status, app.code.as_deref()),
        (CheckStatus::Fail, Some("timeout")),
        "{r:#?}"
    );
    assert_eq!(check(&r, "table:account").status, CheckStatus::Skip);
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_failure() {
    let env = Env::start().await;
    let r = wpcrm_core::verify::run(
        &env.context(false),
        env.connection(wp_ok(), Some(tenant())),
        options(&["account"], Some(5)),
    )
    .await;
    let token = check(&r, "token");
    assert_eq!(
        (token.status, token.code.as_deref()),
        (CheckStatus::Fail, Some("tls")),
        "{r:#?}"
    );
    assert!(token.fix.as_deref().unwrap().contains("wpcrm.ca_file"));
}

#[tokio::test]
async fn html_and_truncated_json_are_unexpected_responses() {
    let env = Env::start().await;
    for kind in ["html", "truncated_json"] {
        env.sandbox.control().clear_faults();
        env.sandbox
            .control()
            .add_fault(json!({"method":"GET","path":"**/WhoAmI","kind":kind,"status":200}));
        let r = env
            .verify(env.connection(wp_ok(), Some(tenant())), options(&[], None))
            .await;
        let app = check(&r, "app_user");
        assert_eq!(app.code.as_deref(), Some("unexpected_response"), "{kind}: {r:#?}");
    }
}

#[tokio::test]
async fn a_closed_port_is_a_connect_failure() {
    let env = Env::start().await;
    // A port nothing listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let origin = format!("https://127.0.0.1:{port}");
    let transport = ReqwestTransport::new(&TransportConfig {
        ca_file: Some(env.ca_file.clone()),
        proxy: None,
        only_ca_file: true,
    })
    .unwrap();
    let config = EngineConfig {
        sandbox_url: Some(origin.clone()),
        ..EngineConfig::default()
    };
    let ctx = Context::new(config, Arc::new(transport), Arc::new(SystemClock));
    let mut c = env.connection(wp_ok(), Some(tenant()));
    c.instance_url = Some(format!("{origin}/contoso"));
    let r = wpcrm_core::verify::run(&ctx, c, options(&[], Some(5))).await;
    let token = check(&r, "token");
    assert_eq!(
        (token.status, token.code.as_deref()),
        (CheckStatus::Fail, Some("connect")),
        "{r:#?}"
    );
    assert!(token.fix.as_deref().unwrap().contains("firewall"));
}
