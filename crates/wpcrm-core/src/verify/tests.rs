//! What stays here of verification's tests once its behaviour moved to the sandbox
//! (`tests/verify_behaviour.rs`): requests to real clouds' hosts, which the sandbox cannot answer
//! (asserted on the exact outgoing request through a closure transport that answers one canned
//! Entra ID error), and the Debug output of protocol values.

use super::*;
use crate::context::{Clock, EngineConfig};
use crate::http::{HttpRequest, HttpResponse, TransportError};
use crate::report::{Check, CheckStatus, CloudName};
use crate::secret::ClientSecret;
use std::sync::{Arc, Mutex};

const SECRET: &str = "Sbx8Q~unitTestSecretValue.000000000000000001";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.unit-test-token.sig";
/// Made-up ids: these tests answer from a closure, not from the sandbox's seeded world.
const APP: &str = "a0a0a0a0-1111-4111-8111-a0a0a0a0a0a0";
const TENANT: &str = "b0b0b0b0-2222-4222-8222-b0b0b0b0b0b0";
const ORG: &str = "https://contoso.crm.dynamics.com";

struct FixedClock;
impl Clock for FixedClock {
    fn now(&self) -> time::OffsetDateTime {
        time::macros::datetime!(2026-11-26 15:00 UTC)
    }
}

fn json(status: u16, body: serde_json::Value) -> HttpResponse {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap()
}

fn connection(secret: &str, tenant: Option<&str>) -> ConnectionInput {
    ConnectionInput {
        instance_url: Some(format!("{ORG}/main.aspx?appid=1")),
        application_id: Some(APP.to_owned()),
        client_secret: Some(ClientSecret::new(secret)),
        tenant_id: tenant.map(str::to_owned),
    }
}

fn check<'a>(r: &'a VerifyReport, id: &str) -> &'a Check {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}: {r:#?}"))
}

/// The protocol values that carry a secret or a token print neither (the reports of whole runs are
/// checked against the sandbox in `tests/verify_behaviour.rs`).
#[test]
fn secrets_and_tokens_never_appear_in_protocol_values() {
    let mut printed = String::new();
    let http_err = crate::oauth::token_endpoint::read_token_response(&json(
        200,
        serde_json::json!({"access_token": TOKEN, "expires_in": 10}),
    ))
    .unwrap();
    printed.push_str(&format!("{http_err:?}\n"));
    let cached = crate::oauth::CachedToken::new(crate::secret::AccessToken::new(TOKEN), FixedClock.now(), 10);
    printed.push_str(&format!("{cached:?}\n"));
    let conn = connection(SECRET, None);
    printed.push_str(&format!("{conn:?}\n"));
    let input = input::check(&conn, &VerifyOptions::default(), None);
    printed.push_str(&format!("{:?}\n", input.valid));
    assert!(!printed.contains(SECRET), "secret leaked:\n{printed}");
    assert!(!printed.contains(TOKEN), "token leaked:\n{printed}");
    assert!(!printed.contains("unit-test-token"), "token leaked:\n{printed}");
}

#[tokio::test(start_paused = true)]
async fn sovereign_clouds_get_their_own_authority() {
    for (org, authority, cloud) in [
        (
            "https://contoso.crm.microsoftdynamics.us",
            "login.microsoftonline.us",
            CloudName::Usgovhigh,
        ),
        (
            "https://contoso.crm.appsplatform.us",
            "login.microsoftonline.us",
            CloudName::Usgovdod,
        ),
        (
            "https://contoso.crm.dynamics.cn",
            "login.partner.microsoftonline.cn",
            CloudName::China,
        ),
        (
            "https://contoso.crm9.dynamics.com",
            "login.microsoftonline.com",
            CloudName::Gcc,
        ),
    ] {
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen2 = seen.clone();
        let transport = move |req: HttpRequest, _t: Duration| {
            let body = String::from_utf8_lossy(req.body()).to_string();
            seen2.lock().unwrap().push(format!("{} {}", req.uri(), body));
            async move {
                Ok::<_, TransportError>(json(
                    400,
                    serde_json::json!({"error":"invalid_request","error_description":"AADSTS90002: Tenant not found.","error_codes":[90002]}),
                ))
            }
        };
        let mut c = connection(SECRET, Some(TENANT));
        c.instance_url = Some(org.to_owned());
        let ctx = Context::new(EngineConfig::default(), Arc::new(transport), Arc::new(FixedClock));
        let r = run(&ctx, c, VerifyOptions::default()).await;
        assert_eq!(r.cloud, Some(cloud.clone()));
        assert_eq!(check(&r, "token").code.as_deref(), Some("AADSTS90002"));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert!(
            seen[0].starts_with(&format!("https://{authority}/{TENANT}/oauth2/v2.0/token ")),
            "{}",
            seen[0]
        );
        let scope = url::form_urlencoded::byte_serialize(format!("{org}/.default").as_bytes()).collect::<String>();
        assert!(seen[0].contains(&format!("scope={scope}")), "{}", seen[0]);
    }
}

/// A Public-cloud instance whose challenge names the US Government authority: the per-cloud list of
/// challenge authorities decides, which the sandbox (one origin, one cloud) cannot exercise.
#[tokio::test(start_paused = true)]
async fn a_challenge_naming_another_clouds_authority_is_not_trusted() {
    let transport = |_req: HttpRequest, _t: Duration| async {
        Ok::<_, TransportError>(
            http::Response::builder()
                .status(401)
                .header("www-authenticate", format!("Bearer authorization_uri=https://login.microsoftonline.us/{TENANT}/oauth2/authorize, resource_id={ORG}/"))
                .body(Vec::new())
                .unwrap(),
        )
    };
    let ctx = Context::new(EngineConfig::default(), Arc::new(transport), Arc::new(FixedClock));
    let r = run(&ctx, connection(SECRET, None), VerifyOptions::default()).await;
    let tenant = check(&r, "tenant");
    assert_eq!(
        (tenant.status, tenant.code.as_deref()),
        (CheckStatus::Fail, Some("untrusted_authority")),
        "{r:#?}"
    );
    assert_eq!(r.requests, 1);
}
