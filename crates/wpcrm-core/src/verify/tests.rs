//! Verification against a fake Entra ID + Dataverse behind a closure transport, with paused time.
//! The integration tests in `tests/` run the same scenarios against the real sandbox.

use super::*;
use crate::api::TableRequest;
use crate::context::{Clock, EngineConfig};
use crate::http::{HttpRequest, HttpResponse, Transport, TransportError};
use crate::report::CloudName;
use crate::secret::ClientSecret;
use std::sync::{Arc, Mutex};

const SECRET: &str = "Sbx8Q~unitTestSecretValue.000000000000000001";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.unit-test-token.sig";
const APP: &str = "11111111-1111-4111-8111-111111111111";
const TENANT: &str = "8d2c7a1e-4b5f-4c3a-9e8d-1f2a3b4c5d6e";
const USER: &str = "0a0a0a0a-0000-4000-8000-000000000001";
const ORG: &str = "https://contoso.crm.dynamics.com";

struct FixedClock;
impl Clock for FixedClock {
    fn now(&self) -> time::OffsetDateTime {
        time::macros::datetime!(2026-11-26 15:00 UTC)
    }
}

type Override = Box<dyn Fn(&HttpRequest) -> Option<Reply> + Send + Sync>;

enum Reply {
    Now(HttpResponse),
    Hang,
}

/// A tiny Entra ID + Dataverse: the seeded app user holds `privileges`; tables in `tables`.
struct Fake {
    privileges: Vec<(&'static str, &'static str)>,
    tables: Vec<(&'static str, &'static str, &'static str)>, // logical, schema, display
    overrides: Vec<Override>,
    latency: Duration,
    log: Mutex<Vec<String>>,
}

fn json(status: u16, body: serde_json::Value) -> HttpResponse {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap()
}

fn dv_error(status: u16, code: &str, message: &str) -> HttpResponse {
    json(status, serde_json::json!({"error": {"code": code, "message": message}}))
}

impl Fake {
    fn new() -> Self {
        Self {
            privileges: vec![
                ("prvReadEntity", "Global"),
                ("prvReadAccount", "Global"),
                ("prvReadContact", "Basic"),
                ("prvReadLead", "Local"),
                ("prvCreateLead", "Global"),
            ],
            tables: vec![
                ("account", "Account", "Account"),
                ("contact", "Contact", "Contact"),
                ("lead", "Lead", "Lead"),
                ("incident", "Incident", "Case"),
            ],
            overrides: Vec::new(),
            latency: Duration::from_millis(50),
            log: Mutex::new(Vec::new()),
        }
    }

    fn when(mut self, f: impl Fn(&HttpRequest) -> Option<Reply> + Send + Sync + 'static) -> Self {
        self.overrides.push(Box::new(f));
        self
    }

    fn answer(&self, req: &HttpRequest) -> Reply {
        for o in &self.overrides {
            if let Some(r) = o(req) {
                return r;
            }
        }
        let path = req.uri().path().to_owned();
        let query = req.uri().query().unwrap_or("").to_owned();
        if path.ends_with("/oauth2/v2.0/token") {
            let body = String::from_utf8_lossy(req.body()).to_string();
            assert!(body.contains("grant_type=client_credentials"));
            if !body.contains("client_secret=Sbx8Q") {
                return Reply::Now(json(
                    401,
                    serde_json::json!({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x","error_codes":[7000215]}),
                ));
            }
            return Reply::Now(json(
                200,
                serde_json::json!({"token_type":"Bearer","expires_in":3599,"access_token":TOKEN}),
            ));
        }
        let Some(rest) = path.strip_prefix("/api/data/v9.2/") else {
            return Reply::Now(json(404, serde_json::json!({})));
        };
        let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Bearer {TOKEN}")) {
            return Reply::Now(
                http::Response::builder()
                    .status(401)
                    .header(
                        "www-authenticate",
                        format!("Bearer authorization_uri=https://login.microsoftonline.com/{TENANT}/oauth2/authorize, resource_id={ORG}/"),
                    )
                    .body(Vec::new())
                    .unwrap(),
            );
        }
        let held = |p: &str| self.privileges.iter().find(|(n, _)| n.eq_ignore_ascii_case(p));
        if rest == "WhoAmI" {
            return Reply::Now(json(
                200,
                serde_json::json!({"UserId":USER,"BusinessUnitId":"bu","OrganizationId":"org"}),
            ));
        }
        if rest == format!("systemusers({USER})") {
            return Reply::Now(json(200, serde_json::json!({"isdisabled": false})));
        }
        if rest == format!("systemusers({USER})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges") {
            let list: Vec<_> = self
                .privileges
                .iter()
                .map(|(n, d)| serde_json::json!({"PrivilegeName": n, "Depth": d, "PrivilegeId": "p", "BusinessUnitId": "bu"}))
                .collect();
            return Reply::Now(json(200, serde_json::json!({"RolePrivileges": list})));
        }
        if let Some(name) = rest
            .strip_prefix("EntityDefinitions(LogicalName='")
            .and_then(|r| r.strip_suffix("')"))
        {
            if held("prvReadEntity").is_none() {
                return Reply::Now(dv_error(403, "0x80040220", &format!("Principal user (Id={USER}, type=8), is missing prvReadEntity privilege (Id=x) on OTC=9800 for entity 'entity'. context.Caller={USER}")));
            }
            if name == "systemuser" {
                return Reply::Now(json(200, serde_json::json!({"LogicalName":"systemuser"})));
            }
            let Some((logical, schema, display)) = self.tables.iter().find(|t| t.0 == name) else {
                return Reply::Now(dv_error(
                    404,
                    "0x80040217",
                    &format!("Could not find entity with name '{name}'"),
                ));
            };
            let privs: Vec<_> = ["Create", "Read", "Write", "Delete", "Append", "AppendTo"]
                .iter()
                .map(|v| serde_json::json!({"PrivilegeType": v, "Name": format!("prv{v}{schema}")}))
                .collect();
            return Reply::Now(json(
                200,
                serde_json::json!({"LogicalName": logical, "SchemaName": schema, "EntitySetName": format!("{logical}s"),
                    "PrimaryIdAttribute": format!("{logical}id"),
                    "DisplayName": {"UserLocalizedLabel": {"Label": display}}, "Privileges": privs}),
            ));
        }
        if let Some((_, schema, _)) = self.tables.iter().find(|t| rest == format!("{}s", t.0)) {
            assert!(query.contains("$top=1"), "{query}");
            if held(&format!("prvRead{schema}")).is_none() {
                return Reply::Now(dv_error(403, "0x80040220", &format!("Principal user (Id={USER}, type=8), is missing prvRead{schema} privilege (Id=x) on OTC=1 for entity '{}'. context.Caller={USER}", schema.to_ascii_lowercase())));
            }
            return Reply::Now(json(200, serde_json::json!({"value": []})));
        }
        Reply::Now(dv_error(
            404,
            "0x8006088a",
            &format!("Resource not found for the segment '{rest}'."),
        ))
    }

    fn into_transport(self) -> (Arc<dyn Transport>, Arc<Fake>) {
        let fake = Arc::new(self);
        let f2 = fake.clone();
        let t = move |req: HttpRequest, _timeout: Duration| {
            let fake = f2.clone();
            async move {
                fake.log.lock().unwrap().push(format!(
                    "{} {}",
                    req.method(),
                    req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("")
                ));
                tokio::time::sleep(fake.latency).await;
                match fake.answer(&req) {
                    Reply::Now(r) => Ok::<_, TransportError>(r),
                    Reply::Hang => std::future::pending().await,
                }
            }
        };
        (Arc::new(t), fake)
    }
}

fn context(transport: Arc<dyn Transport>) -> Context {
    Context::new(EngineConfig::default(), transport, Arc::new(FixedClock))
}

fn connection(secret: &str, tenant: Option<&str>) -> ConnectionInput {
    ConnectionInput {
        instance_url: Some(format!("{ORG}/main.aspx?appid=1")),
        application_id: Some(APP.to_owned()),
        client_secret: Some(ClientSecret::new(secret)),
        tenant_id: tenant.map(str::to_owned),
    }
}

fn tables(names: &[&str]) -> VerifyOptions {
    VerifyOptions {
        tables: names.iter().map(|n| TableRequest::read(*n)).collect(),
        ..Default::default()
    }
}

fn check<'a>(r: &'a VerifyReport, id: &str) -> &'a Check {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}: {r:#?}"))
}

fn statuses(r: &VerifyReport) -> Vec<(String, CheckStatus)> {
    r.checks.iter().map(|c| (c.id.clone(), c.status)).collect()
}

#[tokio::test(start_paused = true)]
async fn passes_and_reports_everything_in_three_round_trips_in_all() {
    let (t, fake) = Fake::new().into_transport();
    let ctx = context(t);
    let start = Instant::now();
    let r = run(&ctx, connection(SECRET, Some(TENANT)), tables(&["account"])).await;
    assert!(r.ok, "{r:#?}");
    assert_eq!(r.status, OverallStatus::Pass);
    assert_eq!(r.instance_url.as_deref(), Some(ORG));
    assert_eq!(r.cloud, Some(CloudName::Public));
    assert_eq!(r.tenant_id.as_deref(), Some(TENANT));
    assert_eq!(r.identity.as_ref().unwrap().user_id, USER);
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
            "secret_expiry"
        ]
    );
    assert_eq!(check(&r, "secret_expiry").status, CheckStatus::Skip);
    let account = &r.tables["account"];
    assert!(account.exists);
    assert_eq!(account.entity_set.as_deref(), Some("accounts"));
    assert_eq!(account.display_name.as_deref(), Some("Account"));
    assert_eq!(account.access["read"], Depth::Global);
    // token, WhoAmI, metadata, definition, privileges, user record, read.
    assert_eq!(r.requests, 7, "{:#?}", fake.log.lock().unwrap());
    assert_eq!(
        Instant::now() - start,
        Duration::from_millis(150),
        "token + 2 dependent round trips"
    );
}

#[tokio::test(start_paused = true)]
async fn latency_does_not_grow_with_the_number_of_tables() {
    let mut fake = Fake::new();
    let names: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
    let leaked: Vec<&'static str> = names.iter().map(|n| &*Box::leak(n.clone().into_boxed_str())).collect();
    for n in &leaked {
        fake.tables.push((n, n, n));
        fake.privileges
            .push((Box::leak(format!("prvRead{n}").into_boxed_str()), "Global"));
    }
    let (t, _) = fake.into_transport();
    let ctx = context(t);
    let start = Instant::now();
    let r = run(&ctx, connection(SECRET, Some(TENANT)), tables(&leaked)).await;
    assert!(r.ok, "{r:#?}");
    // token, WhoAmI, metadata, privileges, user record + (definition, read) per table.
    assert_eq!(r.requests, 5 + 2 * 20);
    assert_eq!(Instant::now() - start, Duration::from_millis(150));
}

#[tokio::test(start_paused = true)]
async fn discovers_the_tenant_from_the_challenge() {
    let (t, fake) = Fake::new().into_transport();
    let r = run(&context(t), connection(SECRET, None), tables(&[])).await;
    assert!(r.ok, "{r:#?}");
    assert_eq!(r.tenant_id.as_deref(), Some(TENANT));
    let log = fake.log.lock().unwrap();
    assert_eq!(log[0], "GET /api/data/v9.2/");
    assert_eq!(log[1], format!("POST /{TENANT}/oauth2/v2.0/token"));
}

#[tokio::test(start_paused = true)]
async fn a_challenge_from_a_foreign_authority_is_not_followed() {
    let fake = Fake::new().when(|req| {
        (req.uri().path() == "/api/data/v9.2/").then(|| {
            Reply::Now(
                http::Response::builder()
                    .status(401)
                    .header(
                        "www-authenticate",
                        "Bearer authorization_uri=https://login.evil.test/t/oauth2/authorize, resource_id=x",
                    )
                    .body(Vec::new())
                    .unwrap(),
            )
        })
    });
    let (t, _) = fake.into_transport();
    let r = run(&context(t), connection(SECRET, None), tables(&["account"])).await;
    let tenant = check(&r, "tenant");
    assert_eq!(tenant.status, CheckStatus::Fail);
    assert_eq!(tenant.code.as_deref(), Some("untrusted_authority"));
    assert_eq!(check(&r, "token").status, CheckStatus::Skip);
    assert_eq!(check(&r, "table:account").status, CheckStatus::Skip);
    assert_eq!(r.requests, 1);
}

#[tokio::test(start_paused = true)]
async fn input_failures_make_no_request() {
    for (url, secret, code) in [
        (
            "https://contoso.crm.dynamics.com.evil.test",
            SECRET,
            "invalid_instance_url",
        ),
        ("https://127.0.0.1/contoso", SECRET, "invalid_instance_url"),
        ("http://contoso.crm.dynamics.com", SECRET, "invalid_instance_url"),
        (ORG, "a1111111-1111-4111-8111-111111111111", "secret_id_not_value"),
    ] {
        let (t, fake) = Fake::new().into_transport();
        let mut c = connection(secret, None);
        c.instance_url = Some(url.to_owned());
        let r = run(&context(t), c, tables(&["account"])).await;
        assert_eq!(r.requests, 0, "{url}");
        assert!(fake.log.lock().unwrap().is_empty());
        assert_eq!(check(&r, "input").code.as_deref(), Some(code), "{url}");
        assert_eq!(
            statuses(&r)[1..6].iter().map(|s| s.1).collect::<Vec<_>>(),
            vec![CheckStatus::Skip; 5],
            "{url}"
        );
        assert_eq!(r.status, OverallStatus::Fail);
    }
}

#[tokio::test(start_paused = true)]
async fn a_wrong_secret_is_explained() {
    let (t, _) = Fake::new().into_transport();
    let r = run(
        &context(t),
        connection("wrong~secret", Some(TENANT)),
        tables(&["account"]),
    )
    .await;
    let token = check(&r, "token");
    assert_eq!(token.status, CheckStatus::Fail);
    assert_eq!(token.code.as_deref(), Some("AADSTS7000215"));
    assert!(token.fix.as_deref().unwrap().contains("Secret ID"));
    assert_eq!(check(&r, "app_user").status, CheckStatus::Skip);
    assert_eq!(check(&r, "table:account").status, CheckStatus::Skip);
}

#[tokio::test(start_paused = true)]
async fn no_application_user() {
    let fake = Fake::new().when(|req| {
        req.uri().path().starts_with("/api/data/v9.2/").then(|| {
            Reply::Now(dv_error(
                403,
                "0x80072560",
                "The user is not a member of the organization.",
            ))
        })
    });
    let fake = Fake {
        overrides: {
            // Keep the 401 challenge path working: only authenticated requests get the 403.
            let mut o = fake.overrides;
            let inner = o.remove(0);
            vec![Box::new(move |req: &HttpRequest| {
                if req.headers().contains_key("authorization") {
                    inner(req)
                } else {
                    None
                }
            }) as Override]
        },
        ..Fake::new()
    };
    let (t, _) = fake.into_transport();
    let r = run(&context(t), connection(SECRET, Some(TENANT)), tables(&["account"])).await;
    let app = check(&r, "app_user");
    assert_eq!(app.status, CheckStatus::Fail);
    assert_eq!(app.code.as_deref(), Some("0x80072560"));
    assert!(app.fix.as_deref().unwrap().contains("New app user"));
    assert_eq!(check(&r, "metadata").status, CheckStatus::Skip);
    assert_eq!(check(&r, "table:account").status, CheckStatus::Skip);
    assert!(r.identity.is_none());
}

#[tokio::test(start_paused = true)]
async fn disabled_user_found_in_its_record() {
    let fake = Fake::new().when(|req| {
        (req.uri().path() == format!("/api/data/v9.2/systemusers({USER})"))
            .then(|| Reply::Now(json(200, serde_json::json!({"isdisabled": true}))))
    });
    let (t, _) = fake.into_transport();
    let r = run(&context(t), connection(SECRET, Some(TENANT)), tables(&[])).await;
    let app = check(&r, "app_user");
    assert_eq!(app.status, CheckStatus::Fail, "{r:#?}");
    assert_eq!(app.code.as_deref(), Some("user_disabled"));
    assert!(app.fix.as_deref().unwrap().contains("Activate"));
}

#[tokio::test(start_paused = true)]
async fn no_metadata_access_names_the_privilege() {
    let mut fake = Fake::new();
    fake.privileges.retain(|p| p.0 != "prvReadEntity");
    let (t, _) = fake.into_transport();
    let r = run(&context(t), connection(SECRET, Some(TENANT)), tables(&["account"])).await;
    let m = check(&r, "metadata");
    assert_eq!(m.status, CheckStatus::Fail);
    assert_eq!(m.code.as_deref(), Some("0x80040220"));
    assert!(m.detail.contains("prvReadEntity"));
    assert_eq!(check(&r, "table:account").status, CheckStatus::Skip);
}

#[tokio::test(start_paused = true)]
async fn table_outcomes_missing_privilege_basic_local_and_not_found() {
    let (t, _) = Fake::new().into_transport();
    let mut options = tables(&["incident", "contact", "lead", "nosuchtable"]);
    options.tables.push(TableRequest {
        logical_name: "lead".into(),
        access: vec!["create".into(), "delete".into()],
    });
    let r = run(&context(t), connection(SECRET, Some(TENANT)), options).await;

    let incident = check(&r, "table:incident");
    assert_eq!(incident.status, CheckStatus::Fail);
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

#[tokio::test(start_paused = true)]
async fn a_hung_endpoint_fails_as_timeout_at_the_deadline() {
    let fake = Fake::new().when(|req| req.uri().path().ends_with("/WhoAmI").then_some(Reply::Hang));
    let (t, _) = fake.into_transport();
    let mut options = tables(&["account"]);
    options.timeout = Some(Duration::from_secs(2));
    let start = Instant::now();
    let r = run(&context(t), connection(SECRET, Some(TENANT)), options).await;
    assert_eq!(Instant::now() - start, Duration::from_secs(2));
    let app = check(&r, "app_user");
    assert_eq!((app.status, app.code.as_deref()), (CheckStatus::Fail, Some("timeout")));
    assert_eq!(check(&r, "metadata").status, CheckStatus::Skip);
    assert_eq!(check(&r, "table:account").status, CheckStatus::Skip);
    assert_eq!(r.elapsed_ms, 2000);
}

#[tokio::test(start_paused = true)]
async fn throttling_recovers_or_is_reported() {
    let count = Arc::new(Mutex::new(0));
    let c2 = count.clone();
    let fake = Fake::new().when(move |req| {
        if req.uri().path().ends_with("/WhoAmI") {
            let mut n = c2.lock().unwrap();
            *n += 1;
            if *n <= 2 {
                return Some(Reply::Now(
                    http::Response::builder()
                        .status(429)
                        .header("retry-after", "1")
                        .body(br#"{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}}"#.to_vec())
                        .unwrap(),
                ));
            }
        }
        None
    });
    let (t, _) = fake.into_transport();
    let r = run(&context(t), connection(SECRET, Some(TENANT)), tables(&[])).await;
    assert!(r.ok, "{r:#?}");
    assert_eq!(*count.lock().unwrap(), 3);

    let fake = Fake::new().when(|req| {
        req.uri().path().ends_with("/WhoAmI").then(|| {
            Reply::Now(
                http::Response::builder()
                    .status(429)
                    .header("retry-after", "60")
                    .body(Vec::new())
                    .unwrap(),
            )
        })
    });
    let (t, _) = fake.into_transport();
    let mut options = tables(&[]);
    options.timeout = Some(Duration::from_secs(5));
    let r = run(&context(t), connection(SECRET, Some(TENANT)), options).await;
    let app = check(&r, "app_user");
    assert_eq!(
        (app.status, app.code.as_deref()),
        (CheckStatus::Fail, Some("throttled"))
    );
}

#[tokio::test(start_paused = true)]
async fn html_instead_of_json_is_an_unexpected_response() {
    let fake = Fake::new().when(|req| {
        req.uri().path().ends_with("/WhoAmI").then(|| {
            Reply::Now(
                http::Response::builder()
                    .status(200)
                    .header("content-type", "text/html")
                    .body(b"<html><body>Sign in to the proxy</body></html>".to_vec())
                    .unwrap(),
            )
        })
    });
    let (t, _) = fake.into_transport();
    let r = run(&context(t), connection(SECRET, Some(TENANT)), tables(&[])).await;
    let app = check(&r, "app_user");
    assert_eq!(app.code.as_deref(), Some("unexpected_response"));
    assert!(app.detail.contains("HTML"));
}

#[tokio::test(start_paused = true)]
async fn the_token_is_cached_across_calls() {
    let (t, fake) = Fake::new().into_transport();
    let ctx = context(t);
    run(&ctx, connection(SECRET, Some(TENANT)), tables(&[])).await;
    let r = run(&ctx, connection(SECRET, Some(TENANT)), tables(&[])).await;
    assert!(r.ok);
    let tokens = fake
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("/oauth2/"))
        .count();
    assert_eq!(tokens, 1);
}

#[tokio::test(start_paused = true)]
async fn secret_expiry_outcomes() {
    for (at, status, code) in [
        ("2026-11-01T00:00:00Z", CheckStatus::Fail, Some("secret_expired")),
        ("2026-12-10T00:00:00Z", CheckStatus::Warn, Some("secret_expiring")),
        ("2027-06-01", CheckStatus::Pass, None),
        ("next tuesday", CheckStatus::Fail, Some("invalid_secret_expiry")),
    ] {
        let (t, _) = Fake::new().into_transport();
        let mut options = tables(&[]);
        options.secret_expires_at = Some(at.to_owned());
        let r = run(&context(t), connection(SECRET, Some(TENANT)), options).await;
        let c = check(&r, "secret_expiry");
        assert_eq!((c.status, c.code.as_deref()), (status, code), "{at}");
    }
}

#[tokio::test(start_paused = true)]
async fn secrets_and_tokens_never_appear_in_reports_or_errors() {
    let mut printed = String::new();
    let scenarios: Vec<(Fake, &str)> = vec![
        (Fake::new(), SECRET),
        (Fake::new(), "wrong~secret-value-0001"),
        (
            Fake::new().when(|req| req.uri().path().ends_with("/WhoAmI").then_some(Reply::Hang)),
            SECRET,
        ),
    ];
    for (fake, secret) in scenarios {
        let (t, _) = fake.into_transport();
        let mut options = tables(&["account", "incident", "nosuch"]);
        options.timeout = Some(Duration::from_secs(1));
        let conn = connection(secret, None);
        printed.push_str(&format!("{conn:?}\n"));
        let r = run(&context(t), conn, options).await;
        printed.push_str(&format!("{r:?}\n{}\n", serde_json::to_string(&r).unwrap()));
    }
    // The protocol errors and what wraps them.
    let http_err = crate::oauth::token_endpoint::read_token_response(&json(
        200,
        serde_json::json!({"access_token": TOKEN, "expires_in": 10}),
    ))
    .unwrap();
    printed.push_str(&format!("{http_err:?}\n"));
    let cached = crate::oauth::CachedToken::new(crate::secret::AccessToken::new(TOKEN), FixedClock.now(), 10);
    printed.push_str(&format!("{cached:?}\n"));
    let input = input::check(&connection(SECRET, None), &VerifyOptions::default(), None);
    printed.push_str(&format!("{:?}\n", input.valid));
    assert!(!printed.contains(SECRET), "secret leaked:\n{printed}");
    assert!(!printed.contains("wrong~secret"), "secret leaked:\n{printed}");
    assert!(!printed.contains(TOKEN), "token leaked:\n{printed}");
    assert!(!printed.contains("unit-test-token"), "token leaked:\n{printed}");
}

#[tokio::test(start_paused = true)]
async fn under_the_sandbox_everything_goes_to_its_origin() {
    const SB: &str = "https://127.0.0.1:8443";
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen2 = seen.clone();
    let transport = move |req: HttpRequest, _t: Duration| {
        seen2.lock().unwrap().push(req.uri().to_string());
        let path = req.uri().path().to_owned();
        async move {
            let r = if path == "/contoso/api/data/v9.2/" {
                http::Response::builder()
                    .status(401)
                    .header(
                        "www-authenticate",
                        format!("Bearer authorization_uri={SB}/{TENANT}/oauth2/authorize, resource_id={SB}/contoso/"),
                    )
                    .body(Vec::new())
                    .unwrap()
            } else if path.ends_with("/oauth2/v2.0/token") {
                json(200, serde_json::json!({"access_token": TOKEN, "expires_in": 3599}))
            } else if path.ends_with("/WhoAmI") {
                json(
                    200,
                    serde_json::json!({"UserId":USER,"BusinessUnitId":"b","OrganizationId":"o"}),
                )
            } else {
                json(200, serde_json::json!({"isdisabled": false, "RolePrivileges": []}))
            };
            Ok::<_, TransportError>(r)
        }
    };
    let config = EngineConfig {
        sandbox_url: Some(SB.to_owned()),
        ..EngineConfig::default()
    };
    let ctx = Context::new(config, Arc::new(transport), Arc::new(FixedClock));
    let mut c = connection(SECRET, None);
    c.instance_url = Some(format!("{SB}/Contoso/main.aspx"));
    let r = run(&ctx, c, tables(&[])).await;
    assert!(r.ok, "{r:#?}");
    assert_eq!(r.cloud, Some(CloudName::Sandbox));
    assert_eq!(r.instance_url.as_deref(), Some("https://127.0.0.1:8443/contoso"));
    let seen = seen.lock().unwrap();
    assert_eq!(seen[1], format!("{SB}/{TENANT}/oauth2/v2.0/token"));
    assert!(seen.iter().all(|u| u.starts_with(SB)), "{seen:?}");
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
        let r = run(&context(Arc::new(transport)), c, tables(&[])).await;
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

#[tokio::test(start_paused = true)]
async fn tenant_discovery_failures_are_explained() {
    let cases: Vec<(HttpResponse, &str)> = vec![
        (json(404, serde_json::json!({})), "tenant_discovery_failed"),
        (json(200, serde_json::json!({"value": []})), "tenant_discovery_failed"),
        (
            http::Response::builder().status(401).body(Vec::new()).unwrap(),
            "tenant_discovery_failed",
        ),
        (
            http::Response::builder()
                .status(401)
                .header("www-authenticate", format!("Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize, resource_id={ORG}/"))
                .body(Vec::new())
                .unwrap(),
            "tenant_discovery_failed",
        ),
        (
            http::Response::builder()
                .status(401)
                .header("www-authenticate", format!("Bearer authorization_uri=https://login.microsoftonline.us/{TENANT}/oauth2/authorize, resource_id={ORG}/"))
                .body(Vec::new())
                .unwrap(),
            "untrusted_authority",
        ),
        (
            http::Response::builder()
                .status(200)
                .header("content-type", "text/html")
                .body(b"<html>captive portal</html>".to_vec())
                .unwrap(),
            "unexpected_response",
        ),
    ];
    for (response, code) in cases {
        let response = Arc::new(Mutex::new(Some(response)));
        let transport = move |_req: HttpRequest, _t: Duration| {
            let r = response.lock().unwrap().take().expect("one request only");
            async move { Ok::<_, TransportError>(r) }
        };
        let r = run(
            &context(Arc::new(transport)),
            connection(SECRET, None),
            tables(&["account"]),
        )
        .await;
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
