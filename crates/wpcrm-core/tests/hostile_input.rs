//! Hostile input (issue 6): instance URLs aimed at other hosts, a 401 challenge naming a foreign
//! authority, oversized strings, huge `tables` lists, tampered, foreign-key and replayed
//! provisioning state. Each must get a clear error, and none may make the engine try a URL outside
//! the sandbox origin: every URL handed to the transport is recorded ([`common::Recording`]) and the
//! sandbox's own request log is checked too.
//!
//!     cargo test -p wpcrm-core --test hostile_input -- --nocapture

mod common;

use common::{assert_secretless, options, tenant, wp_ok, Env};
use serde_json::json;
use std::time::{Duration, Instant};
use wpcrm_core::api::{ProvisionRequest, TableRequest};
use wpcrm_core::instance_url::normalize;
use wpcrm_core::provision::{state, Status};
use wpcrm_core::report::{CheckStatus, VerifyReport};
use wpcrm_sandbox::fixtures;

fn check<'a>(r: &'a VerifyReport, id: &str) -> &'a wpcrm_core::report::Check {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}: {r:#?}"))
}

/// Instance URLs that must never be accepted in production (no sandbox configured).
const HOSTILE_URLS: &[&str] = &[
    "https://contoso.crm.dynamics.com.evil.test/",
    "https://contoso.crm.dynamics.com.evil.test",
    "contoso.crm.dynamics.com.evil.test",
    "https://crm.dynamics.com@evil.test/",
    "https://contoso.crm.dynamics.com@evil.test/",
    "https://user:pass@contoso.crm.dynamics.com/",
    "https://evil.test#@contoso.crm.dynamics.com/",
    "https://evil.test?@contoso.crm.dynamics.com/",
    "https://evil.test\\@contoso.crm.dynamics.com/",
    "https://evil.test\\.contoso.crm.dynamics.com/",
    "https://evil.test%2F.contoso.crm.dynamics.com/",
    "https://evil.test%2f@contoso.crm.dynamics.com",
    "https://contoso.crm.dynamics.com:8443/",
    "https://contoso.crm.dynamics.com:443@evil.test/",
    "http://contoso.crm.dynamics.com/",
    "ftp://contoso.crm.dynamics.com/",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "https://127.0.0.1/",
    "https://10.0.0.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://0177.0.0.1/",
    "https://localhost/",
    "https://xn--cntoso-3ya.crm.dynamics.com/",
    "https://cοntoso.crm.dynamics.com/",
    "https://contoso.crm.dynamics.cοm/",
    "https://contoso.crm.dynamics.com\u{3002}evil.test/",
    "https://contoso.crm.dynamics.com\u{ff0e}evil.test/",
    "https://contoso.crm\u{200b}.dynamics.com/",
    "https://contoso.crm.dynamics.com%00.evil.test/",
    "https://contoso.crm.dynamics.com\t.evil.test/",
    "https://contoso.crm.dynamics.com\n.evil.test/",
    "https://contoso.crm.dynamics.com\r\nHost: evil.test/",
    "https://contoso.crm.dynamics.com\u{0}/",
    "https://crm.dynamics.com/",
    "https://dynamics.com/",
    "https://contoso.dynamics.com/",
    "https://contoso.crm.dynamics.co/",
    "https://contoso.crm.dynamics.com.",
    "https:///contoso.crm.dynamics.com",
    "https:contoso.crm.dynamics.com",
    "//evil.test/contoso.crm.dynamics.com",
    "   ",
    "",
];

#[test]
fn hostile_instance_urls_are_refused_by_the_normalizer() {
    let mut rows = Vec::new();
    for raw in HOSTILE_URLS {
        let result = normalize(raw, None);
        match &result {
            Ok(u) => {
                // Only acceptable if it is a genuine Dataverse host that the user meant (e.g. a
                // trailing dot); never another host.
                let host = url::Url::parse(u.as_str()).unwrap().host_str().unwrap().to_owned();
                assert!(
                    host.ends_with(".dynamics.com") && !host.contains("evil"),
                    "{raw:?} normalized to {u:?}"
                );
                rows.push(format!("| `{}` | accepted as {} |", raw.escape_debug(), u));
            }
            Err(e) => rows.push(format!(
                "| `{}` | refused: {} |",
                raw.escape_debug(),
                e.to_string()
                    .replace('\r', "\\r")
                    .replace('\n', "\\n")
                    .replace('\0', "\\0")
            )),
        }
    }
    println!("| input | outcome |\n|---|---|\n{}", rows.join("\n"));
    // Sanity: the genuine forms are still accepted.
    for ok in [
        "https://Contoso.crm4.dynamics.com/main.aspx?appid=x",
        "contoso.api.crm.dynamics.com",
        "https://contoso.crm.dynamics.com/",
    ] {
        assert!(normalize(ok, None).is_ok(), "{ok}");
    }
}

#[tokio::test]
async fn hostile_instance_urls_make_no_request_under_the_sandbox() {
    let env = Env::start().await;
    let port = env.sandbox.port();
    // The few the normalizer maps onto a genuine Dataverse host (IDNA drops a zero-width space; a
    // trailing dot) are covered above; here every URL must be refused or stay on the sandbox.
    let mut urls: Vec<String> = HOSTILE_URLS
        .iter()
        .filter(|s| normalize(s, None).is_err())
        .map(|s| s.to_string())
        .collect();
    urls.extend([
        format!("http://127.0.0.1:{port}/contoso"),
        format!("https://127.0.0.1:{}/contoso", port + 1),
        format!("https://localhost:{port}/contoso"),
        format!("https://user@127.0.0.1:{port}/contoso"),
        format!("https://127.0.0.1:{port}@evil.test/contoso"),
        format!("https://evil.test@127.0.0.1:{port}/contoso"),
        format!("https://127.0.0.1:{port}/..%2F..%2Fevil"),
        format!("https://127.0.0.1:{port}/%2e%2e/contoso"),
        format!("https://127.0.0.1:{port}/contoso%2F..%2F_sandbox"),
        format!("https://127.0.0.1:{port}/_sandbox"),
        format!("https://127.0.0.1:{port}/con toso"),
        format!("https://127.0.0.1:{port}/{}", "a".repeat(5000)),
    ]);
    for url in &urls {
        let (ctx, rec) = env.context();
        let mut c = env.connection(None);
        c.instance_url = Some(url.clone());
        let started = Instant::now();
        let r = wpcrm_core::verify::run(&ctx, c, options(&["account"], Duration::from_secs(3))).await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{url}: {:?}",
            started.elapsed()
        );
        assert_secretless(&format!("{r:?}"), url);
        env.assert_only_sandbox(&rec, url);
        let input = check(&r, "input");
        if input.status == CheckStatus::Fail {
            assert!(input.fix.is_some(), "{url}: no fix");
            assert_eq!(r.requests, 0, "{url}");
        } else {
            // Accepted sandbox paths must resolve to a sandbox environment, nothing else.
            let normalized = r.instance_url.clone().unwrap_or_default();
            assert!(normalized.starts_with(env.sandbox.url()), "{url} → {normalized}");
            assert!(!normalized.contains("_sandbox"), "{url} → {normalized}");
            println!(
                "accepted under the sandbox: {url} → {normalized} ({})",
                check(&r, "tenant").status_word()
            );
        }
    }
    let served = env.sandbox.control().requests();
    for r in served.as_array().unwrap() {
        assert!(
            !r["path"].as_str().unwrap_or("").contains("_sandbox") || r["service"] == "control",
            "{r}"
        );
    }
    println!("{} hostile instance URLs tried", urls.len());
}

trait StatusWord {
    fn status_word(&self) -> String;
}
impl StatusWord for wpcrm_core::report::Check {
    fn status_word(&self) -> String {
        format!("{:?} {}", self.status, self.code.as_deref().unwrap_or(""))
    }
}

#[tokio::test]
async fn a_challenge_naming_a_foreign_authority_is_ignored() {
    let env = Env::start().await;
    let origin = env.sandbox.url().to_owned();
    let tenant_id = tenant();
    let challenges = [
        format!(
            "Bearer authorization_uri=https://login.evil.test/{tenant_id}/oauth2/authorize, resource_id={origin}/contoso/"
        ),
        format!("Bearer authorization_uri=https://login.microsoftonline.com/{tenant_id}/oauth2/authorize"),
        format!(
            "Bearer authorization_uri=http://127.0.0.1:{}/{tenant_id}/oauth2/authorize",
            env.sandbox.port()
        ),
        format!(
            "Bearer authorization_uri=https://127.0.0.1:{}/{tenant_id}/oauth2/authorize",
            env.sandbox.port() + 1
        ),
        format!("Bearer authorization_uri={origin}@evil.test/{tenant_id}/oauth2/authorize"),
        format!("Bearer authorization_uri={origin}/..%2F..%2Fevil/oauth2/authorize"),
        format!("Bearer authorization_uri={origin}/evil.test%2F{tenant_id}/oauth2/authorize"),
        format!(
            "Bearer authorization_uri={origin}/{}/oauth2/authorize",
            "x".repeat(100_000)
        ),
        "Bearer authorization_uri=".to_owned(),
        "Bearer , , ,".to_owned(),
        format!("Basic realm={origin}"),
    ];
    for header in &challenges {
        env.sandbox.control().reset();
        env.sandbox.control().add_fault(json!({
            "method": "GET", "path": "/contoso/api/data/v9.2/", "kind": "status", "status": 401,
            "headers": {"WWW-Authenticate": header}
        }));
        let (ctx, rec) = env.context();
        let r = wpcrm_core::verify::run(
            &ctx,
            env.connection(None),
            options(&["account"], Duration::from_secs(3)),
        )
        .await;
        env.assert_only_sandbox(&rec, header);
        assert_secretless(&format!("{r:?}"), header);
        let tenant = check(&r, "tenant");
        assert_eq!(tenant.status, CheckStatus::Fail, "{header}: {r:#?}");
        assert_eq!(check(&r, "token").status, CheckStatus::Skip, "{header}");
        // The secret was never sent anywhere: no token request at all.
        assert!(
            !rec.urls.lock().unwrap().iter().any(|u| u.contains("/token")),
            "{header}"
        );
        assert!(
            tenant.detail.len() < 600,
            "detail echoes the header: {} bytes",
            tenant.detail.len()
        );
        println!("| `{}` | {} |", &header[..header.len().min(90)], tenant.status_word());
    }
}

#[tokio::test]
async fn oversized_strings_are_refused_quickly() {
    let env = Env::start().await;
    let big = "A".repeat(1 << 20);
    type Edit<'a> = Box<dyn Fn(&mut wpcrm_core::api::ConnectionInput) + 'a>;
    let cases: Vec<(&str, Edit<'_>)> = vec![
        (
            "instance_url 1 MiB",
            Box::new(|c| c.instance_url = Some(format!("https://{big}.crm.dynamics.com"))),
        ),
        (
            "application_id 1 MiB",
            Box::new(|c| c.application_id = Some(big.clone())),
        ),
        (
            "client_secret 1 MiB",
            Box::new(|c| c.client_secret = Some(wpcrm_core::ClientSecret::new(big.clone()))),
        ),
        ("tenant_id 1 MiB", Box::new(|c| c.tenant_id = Some(big.clone()))),
        (
            "tenant_id with CRLF",
            Box::new(|c| c.tenant_id = Some(format!("{}\r\nX: y", fixtures::tenant_domain()))),
        ),
        (
            "application_id with NUL",
            Box::new(|c| c.application_id = Some(format!("{}\0", wp_ok().app_id))),
        ),
    ];
    for (name, edit) in cases {
        let mut c = env.connection(Some(tenant()));
        edit(&mut c);
        let (ctx, rec) = env.context();
        let started = Instant::now();
        let r = wpcrm_core::verify::run(&ctx, c, options(&["account"], Duration::from_secs(3))).await;
        let elapsed = started.elapsed();
        env.assert_only_sandbox(&rec, name);
        let printed = serde_json::to_string(&r).unwrap();
        assert!(printed.len() < 20_000, "{name}: report of {} bytes", printed.len());
        assert!(elapsed < Duration::from_secs(3), "{name}: {elapsed:?}");
        let failing: Vec<_> = r.checks.iter().filter(|c| c.status == CheckStatus::Fail).collect();
        assert!(!failing.is_empty(), "{name}: nothing failed: {r:#?}");
        println!(
            "| {name} | {}:{} | {} ms | report {} bytes |",
            failing[0].id,
            failing[0].code.as_deref().unwrap_or("-"),
            elapsed.as_millis(),
            printed.len()
        );
    }
}

#[tokio::test]
async fn huge_tables_lists_are_bounded() {
    let env = Env::start().await;
    for (label, tables) in [
        (
            "201 distinct valid names",
            (0..201).map(|i| format!("t{i}")).collect::<Vec<_>>(),
        ),
        (
            "10000 distinct valid names",
            (0..10_000).map(|i| format!("t{i}")).collect::<Vec<_>>(),
        ),
        ("10000 copies of one name", vec!["account".to_owned(); 10_000]),
        (
            "10000 invalid names",
            (0..10_000).map(|i| format!("bad name {i}!")).collect(),
        ),
    ] {
        env.sandbox.control().clear_requests();
        let (ctx, rec) = env.context();
        let opts = wpcrm_core::api::VerifyOptions {
            tables: tables.iter().map(|t| TableRequest::read(t.as_str())).collect(),
            timeout: Some(Duration::from_secs(5)),
            secret_expires_at: None,
            site_role_id: None,
        };
        let started = Instant::now();
        let r = wpcrm_core::verify::run(&ctx, env.connection(Some(tenant())), opts).await;
        let elapsed = started.elapsed();
        let printed = serde_json::to_string(&r).unwrap();
        let tried = rec.urls.lock().unwrap().len();
        println!(
            "| {label} | {} ms | {} requests tried | report {} bytes | input: {} |",
            elapsed.as_millis(),
            tried,
            printed.len(),
            check(&r, "input").status_word()
        );
        assert!(elapsed < Duration::from_secs(1), "{label}: {elapsed:?}");
        assert_eq!(tried, 0, "{label}: {tried} requests");
        assert_eq!(check(&r, "input").code.as_deref(), Some("too_many_tables"), "{label}");
        // One (skipped) entry per requested table, at most MAX_TABLES of them.
        assert!(printed.len() < 100_000, "{label}: report of {} bytes", printed.len());
    }
}

const KEY: [u8; 32] = *b"hostile-input-state-key-32-byte!";

fn request(env: &Env, state: Option<String>, key: &[u8]) -> ProvisionRequest {
    env.provision_request("https://hostile.example", state, key, Duration::from_secs(5))
}

#[tokio::test]
async fn tampered_foreign_key_and_replayed_state() {
    let env = Env::start().await;
    env.sandbox
        .control()
        .set_config(json!({"auto_approve": true, "device_interval_s": 1}));
    let (ctx, rec) = env.context();

    // A genuine first state.
    let first = wpcrm_core::provision::run(&ctx, request(&env, None, &KEY)).await;
    assert_eq!(first.status, Status::SignInRequired);
    let sealed = first.state.clone();

    let mut flipped = sealed.clone().into_bytes();
    let i = flipped.len() - 5;
    flipped[i] = if flipped[i] == b'A' { b'B' } else { b'A' };
    let other_key = [7u8; 32];
    let cases: Vec<(&str, String, Vec<u8>)> = vec![
        (
            "one character flipped",
            String::from_utf8(flipped).unwrap(),
            KEY.to_vec(),
        ),
        ("sealed with another key", sealed.clone(), other_key.to_vec()),
        ("truncated", sealed[..sealed.len() / 2].to_owned(), KEY.to_vec()),
        ("not base64", "!!!not a state!!!".to_owned(), KEY.to_vec()),
        ("10 MiB of garbage", "x".repeat(10 << 20), KEY.to_vec()),
        ("plain JSON", r#"{"version":1,"tokens":{}}"#.to_owned(), KEY.to_vec()),
        ("key of 31 bytes", sealed.clone(), KEY[..31].to_vec()),
        ("empty key", sealed.clone(), Vec::new()),
    ];
    for (name, state, key) in cases {
        let started = Instant::now();
        let r = wpcrm_core::provision::run(&ctx, request(&env, Some(state), &key)).await;
        let elapsed = started.elapsed();
        let e = r
            .error
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: accepted: {:?}", r.status));
        assert_eq!(r.status, Status::Failed, "{name}");
        assert!(
            ["invalid_state", "invalid_state_key"].contains(&e.code.as_str()),
            "{name}: {e:?}"
        );
        assert!(e.fix.is_some(), "{name}");
        assert!(elapsed < Duration::from_secs(3), "{name}: {elapsed:?}");
        assert!(e.message.len() < 500, "{name}: message echoes input");
        println!("| {name} | {} | {} ms |", e.code, elapsed.as_millis());
    }
    // The state opens only with its own key.
    assert!(state::open(&sealed, &KEY).is_ok());
    assert!(state::open(&sealed, &other_key).is_err());

    // Replay: drive to done, keeping every intermediate state; re-sending any older one converges on
    // the same single result.
    let mut states = vec![sealed];
    let mut done = None;
    for _ in 0..12 {
        let r = wpcrm_core::provision::run(&ctx, request(&env, states.last().cloned(), &KEY)).await;
        states.push(r.state.clone());
        if r.status == Status::Done {
            done = r.connection;
            break;
        }
        assert_ne!(r.status, Status::Failed, "{:?}", r.error);
    }
    let done = done.expect("provisioning finished");
    for (i, old) in states.iter().enumerate().skip(1).step_by(2) {
        let mut last = None;
        for _ in 0..8 {
            let r = wpcrm_core::provision::run(&ctx, request(&env, Some(old.clone()), &KEY)).await;
            if r.status == Status::Done {
                last = r.connection;
                break;
            }
            assert_ne!(r.status, Status::Failed, "replay of state {i}: {:?}", r.error);
        }
        let last = last.unwrap_or_else(|| panic!("replay of state {i} did not finish"));
        assert_eq!(last.application_id, done.application_id, "replay of state {i}");
    }
    let snapshot = env.sandbox.control().state();
    let tag = wpcrm_core::provision::SiteMarker::new(&KEY, "https://hostile.example").tag;
    let apps: Vec<_> = snapshot["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["tags"].as_array().is_some_and(|t| t.iter().any(|x| x == &json!(tag))))
        .collect();
    assert_eq!(apps.len(), 1, "{snapshot:#}");
    let users = snapshot["environments"]["contoso"]["systemusers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["applicationid"] == apps[0]["appId"])
        .count();
    assert_eq!(users, 1);
    println!(
        "replayed {} older states: 1 application, {} secret(s), 1 application user",
        states.len() / 2,
        apps[0]["passwordCredentials"].as_array().map_or(0, Vec::len)
    );
    env.assert_only_sandbox(&rec, "provision");
}
