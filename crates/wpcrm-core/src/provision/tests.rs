//! The step machine against a small in-memory Entra + Graph + Dataverse behind a closure
//! transport, with tokio's clock paused (and the wall clock following it), so multi-second
//! backoffs and device-code intervals run instantly.

use super::*;
use crate::context::{Clock, EngineConfig};
use crate::http::{HttpRequest, HttpResponse, TransportError};
use crate::report::{Check, CheckStatus, OverallStatus};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const SANDBOX: &str = "https://sandbox.test";
const INSTANCE: &str = "https://sandbox.test/contoso";
const TENANT: &str = "8d2c7a1e-4b5f-4c3a-9e8d-1f2a3b4c5d6e";
const ROOT_BU: &str = "b0000000-0000-4000-8000-000000000001";
const CHILD_BU: &str = "b0000000-0000-4000-8000-000000000002";
const BASIC_ROOT: &str = "c0000000-0000-4000-8000-000000000001";
const BASIC_CHILD: &str = "c0000000-0000-4000-8000-000000000002";
const READER_ROOT: &str = "c0000000-0000-4000-8000-000000000003";
const KEY: [u8; 32] = [42u8; 32];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Device {
    Pending,
    SlowDown,
    Approved,
    Declined,
    /// Redeemed already (by a call whose state was lost).
    Redeemed,
}

#[derive(Clone, Debug)]
struct App {
    id: String,
    app_id: String,
    tags: Vec<String>,
    creds: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
struct User {
    id: String,
    app_id: String,
    disabled: bool,
    roles: Vec<String>,
}

#[derive(Default)]
struct World {
    device: Option<Device>,
    /// Answers SlowDown once, then goes to this.
    after_slow_down: Option<Device>,
    poll_times: Vec<tokio::time::Instant>,
    apps: Vec<App>,
    sps: Vec<(String, String)>,
    users: Vec<User>,
    /// Custom roles: id → (name, privileges).
    roles: BTreeMap<String, (String, Vec<String>)>,
    /// NoBackingApplicationObject answers left for `POST servicePrincipals`.
    sp_lag: u32,
    /// addPassword stores the credential but the answer is lost (HTTP 500).
    lose_add_password: bool,
    /// Count down requests; the one that reaches zero is applied but answered with HTTP 500.
    die_after: Option<u32>,
    lifetime_policy: bool,
    graph_denied: bool,
    /// Application users are listed in the child business unit.
    users_in_child_bu: bool,
    seq: u32,
    log: Vec<String>,
    secrets_issued: Vec<String>,
}

impl World {
    fn id(&mut self, prefix: char) -> String {
        self.seq += 1;
        format!("{prefix}{:07x}-0000-4000-8000-{:012x}", self.seq, self.seq)
    }
}

fn json(status: u16, v: serde_json::Value) -> HttpResponse {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&v).unwrap())
        .unwrap()
}

fn empty(status: u16) -> HttpResponse {
    http::Response::builder().status(status).body(Vec::new()).unwrap()
}

fn graph_error(status: u16, code: &str, detail: Option<&str>) -> HttpResponse {
    let mut err = serde_json::json!({"error": {"code": code, "message": format!("{code} happened")}});
    if let Some(d) = detail {
        err["error"]["details"] = serde_json::json!([{"code": d}]);
    }
    json(status, err)
}

fn quoted(s: &str) -> String {
    s.split('\'').nth(1).unwrap_or_default().to_owned()
}

fn id_token() -> String {
    use base64::Engine as _;
    let p = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(r#"{{"tid":"{TENANT}"}}"#));
    format!("h.{p}.s")
}

fn handle(w: &mut World, req: &HttpRequest) -> HttpResponse {
    let response = route(w, req);
    match w.die_after {
        Some(1) => {
            w.die_after = None;
            empty(500)
        }
        Some(n) => {
            w.die_after = Some(n - 1);
            response
        }
        None => response,
    }
}

fn route(w: &mut World, req: &HttpRequest) -> HttpResponse {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        })
        .unwrap_or_default();
    w.log.push(format!("{method} {path}"));
    if std::env::var("FAKE_DEBUG").is_ok() {
        eprintln!("{method} {path}");
    }
    let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap_or_default();
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(req.body()).into_owned().collect();
    match (method.as_str(), path.as_str()) {
        ("POST", "/organizations/oauth2/v2.0/devicecode") => {
            w.device = Some(Device::Pending);
            json(
                200,
                serde_json::json!({"user_code":"ABCD1234","device_code":"dc-secret-device-code","verification_uri":"https://sandbox.test/devicelogin","expires_in":900,"interval":1,"message":"Enter ABCD1234"}),
            )
        }
        ("POST", "/organizations/oauth2/v2.0/token") => {
            let token = |n: u32| {
                json(
                    200,
                    serde_json::json!({"token_type":"Bearer","access_token": format!("at-secret-{n}"),"refresh_token": format!("rt-secret-{n}"),"expires_in":3599,"id_token": id_token()}),
                )
            };
            w.seq += 1;
            let n = w.seq;
            if form.get("grant_type").map(String::as_str) == Some("refresh_token") {
                return token(n);
            }
            w.poll_times.push(tokio::time::Instant::now());
            let oauth = |e: &str, code: u32| {
                json(
                    400,
                    serde_json::json!({"error": e, "error_description": format!("AADSTS{code}: {e}"), "error_codes":[code]}),
                )
            };
            match w.device {
                Some(Device::Approved) => token(n),
                Some(Device::Declined) => oauth("authorization_declined", 70000),
                Some(Device::Redeemed) => oauth("invalid_grant", 70018),
                Some(Device::SlowDown) => {
                    w.device = w.after_slow_down;
                    oauth("slow_down", 70016)
                }
                _ => oauth("authorization_pending", 70016),
            }
        }
        ("GET", "/v1.0/applications") => {
            let tag = quoted(&query);
            let value: Vec<_> = w
                .apps
                .iter()
                .filter(|a| a.tags.contains(&tag))
                .map(|a| serde_json::json!({"id": a.id, "appId": a.app_id, "tags": a.tags, "passwordCredentials": []}))
                .collect();
            json(200, serde_json::json!({ "value": value }))
        }
        ("POST", "/v1.0/applications") => {
            if w.graph_denied {
                return graph_error(403, "Authorization_RequestDenied", None);
            }
            let (id, app_id) = (w.id('a'), w.id('1'));
            let tags: Vec<String> = serde_json::from_value(body["tags"].clone()).unwrap_or_default();
            w.apps.push(App {
                id: id.clone(),
                app_id: app_id.clone(),
                tags,
                creds: Vec::new(),
            });
            json(
                201,
                serde_json::json!({"id": id, "appId": app_id, "passwordCredentials": []}),
            )
        }
        ("GET", "/v1.0/servicePrincipals") => {
            let app_id = quoted(&query);
            let value: Vec<_> = w
                .sps
                .iter()
                .filter(|s| s.1 == app_id)
                .map(|s| serde_json::json!({"id": s.0, "appId": s.1}))
                .collect();
            json(200, serde_json::json!({ "value": value }))
        }
        ("POST", "/v1.0/servicePrincipals") => {
            if w.sp_lag > 0 {
                w.sp_lag -= 1;
                return graph_error(400, "Request_BadRequest", Some("NoBackingApplicationObject"));
            }
            let id = w.id('5');
            let app_id = body["appId"].as_str().unwrap().to_owned();
            w.sps.push((id.clone(), app_id.clone()));
            json(201, serde_json::json!({"id": id, "appId": app_id}))
        }
        _ if path.starts_with("/v1.0/") => graph_object(w, &method, &path, &body),
        _ if path.starts_with("/contoso/api/data/v9.2/") => {
            dataverse(w, &method, &path["/contoso/api/data/v9.2/".len()..], &query, &body)
        }
        _ => empty(404),
    }
}

fn graph_object(w: &mut World, method: &str, path: &str, body: &serde_json::Value) -> HttpResponse {
    let parts: Vec<&str> = path.trim_start_matches("/v1.0/").split('/').collect();
    match (method, parts.as_slice()) {
        ("GET", ["applications", id]) => match w.apps.iter().find(|a| a.id == *id) {
            Some(a) => {
                let creds: Vec<_> = a
                    .creds
                    .iter()
                    .map(|(k, d)| serde_json::json!({"keyId": k, "displayName": d}))
                    .collect();
                json(
                    200,
                    serde_json::json!({"id": a.id, "appId": a.app_id, "passwordCredentials": creds}),
                )
            }
            None => graph_error(404, "Request_ResourceNotFound", None),
        },
        ("POST", ["applications", id, "addPassword"]) => {
            if w.lifetime_policy {
                return graph_error(
                    400,
                    "CredentialInvalidLifetimeAsPerAppPolicy",
                    Some("InvalidKeyEndDate"),
                );
            }
            let key = w.id('f');
            let secret = format!("Sbx8Q~secret-value-{key}");
            let display = body["passwordCredential"]["displayName"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let end = body["passwordCredential"]["endDateTime"].clone();
            let Some(app) = w.apps.iter_mut().find(|a| a.id == *id) else {
                return graph_error(404, "Request_ResourceNotFound", None);
            };
            app.creds.push((key.clone(), display.clone()));
            w.secrets_issued.push(secret.clone());
            if w.lose_add_password {
                return empty(500);
            }
            json(
                200,
                serde_json::json!({"keyId": key, "secretText": secret, "displayName": display, "endDateTime": end}),
            )
        }
        ("POST", ["applications", id, "removePassword"]) => {
            let key = body["keyId"].as_str().unwrap_or_default();
            if let Some(app) = w.apps.iter_mut().find(|a| a.id == *id) {
                app.creds.retain(|(k, _)| k != key);
            }
            empty(204)
        }
        ("DELETE", ["applications", id]) => {
            let before = w.apps.len();
            w.apps.retain(|a| a.id != *id);
            if before == w.apps.len() {
                graph_error(404, "Request_ResourceNotFound", None)
            } else {
                empty(204)
            }
        }
        ("DELETE", ["servicePrincipals", id]) => {
            w.sps.retain(|s| s.0 != *id);
            empty(204)
        }
        _ => graph_error(404, "Request_ResourceNotFound", None),
    }
}

fn inner(s: &str) -> &str {
    s.split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(i, _)| i)
        .unwrap_or_default()
}

fn dataverse(w: &mut World, method: &str, path: &str, query: &str, body: &serde_json::Value) -> HttpResponse {
    let roles_seed = [
        (BASIC_ROOT, "Basic User", ROOT_BU),
        (BASIC_CHILD, "Basic User", CHILD_BU),
        (READER_ROOT, "Support Reader", ROOT_BU),
    ];
    let parts: Vec<&str> = path.split('/').collect();
    match (method, parts.as_slice()) {
        ("GET", ["businessunits"]) => json(
            200,
            serde_json::json!({"value": [{"businessunitid": ROOT_BU, "name": "Contoso"}]}),
        ),
        ("GET", ["roles"]) => {
            let name = quoted(query);
            let mut value: Vec<_> = roles_seed
                .iter()
                .filter(|r| r.1 == name)
                .map(|r| serde_json::json!({"roleid": r.0, "name": r.1, "_businessunitid_value": r.2}))
                .collect();
            for (id, (n, _)) in &w.roles {
                if *n == name {
                    value.push(serde_json::json!({"roleid": id, "name": n, "_businessunitid_value": ROOT_BU}));
                }
            }
            json(200, serde_json::json!({ "value": value }))
        }
        ("POST", ["roles"]) => {
            let id = w.id('e');
            w.roles.insert(
                id.clone(),
                (body["name"].as_str().unwrap_or_default().to_owned(), Vec::new()),
            );
            json(201, serde_json::json!({ "roleid": id }))
        }
        ("DELETE", [r]) if r.starts_with("roles(") => {
            w.roles.remove(inner(r));
            empty(204)
        }
        ("POST", [r, action]) if r.starts_with("roles(") => {
            let ids: Vec<String> = body["Privileges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["PrivilegeId"].as_str().unwrap().to_owned())
                .collect();
            let role = w.roles.get_mut(inner(r)).unwrap();
            if action.ends_with("ReplacePrivilegesRole") {
                role.1 = ids;
            } else {
                role.1.extend(ids);
            }
            empty(204)
        }
        ("GET", [e]) if e.starts_with("EntityDefinitions(") => {
            let table = quoted(e);
            if table == "nope" {
                return json(
                    404,
                    serde_json::json!({"error": {"code": "0x80040217", "message": "not found"}}),
                );
            }
            let privs: Vec<_> = ["Create", "Read", "Write", "Delete", "Append", "AppendTo"]
                .iter()
                .map(|t| serde_json::json!({"PrivilegeId": format!("{t}-{table}"), "Name": format!("prv{t}{table}"), "PrivilegeType": t}))
                .collect();
            json(200, serde_json::json!({"LogicalName": table, "Privileges": privs}))
        }
        ("GET", ["systemusers"]) => {
            let app_id = query
                .split("applicationid eq ")
                .nth(1)
                .unwrap_or_default()
                .split('&')
                .next()
                .unwrap_or_default();
            let value: Vec<_> = w
                .users
                .iter()
                .filter(|u| u.app_id == app_id)
                .map(|u| serde_json::json!({"systemuserid": u.id, "isdisabled": u.disabled, "_businessunitid_value": if w.users_in_child_bu { CHILD_BU } else { ROOT_BU }}))
                .collect();
            json(200, serde_json::json!({ "value": value }))
        }
        ("POST", ["systemusers"]) => {
            let id = w.id('d');
            let app_id = body["applicationid"].as_str().unwrap_or_default().to_owned();
            if !w.sps.iter().any(|s| s.1 == app_id) {
                return json(
                    404,
                    serde_json::json!({"error": {"code": "0x80040217", "message": "The application was not found in the directory"}}),
                );
            }
            w.users.push(User {
                id: id.clone(),
                app_id,
                disabled: false,
                roles: Vec::new(),
            });
            json(201, serde_json::json!({ "systemuserid": id }))
        }
        ("PATCH", [u]) => {
            if let Some(user) = w.users.iter_mut().find(|x| x.id == inner(u)) {
                user.disabled = body["isdisabled"].as_bool().unwrap_or(false);
            }
            empty(204)
        }
        ("DELETE", [u]) if u.starts_with("systemusers(") => {
            w.users.retain(|x| x.id != inner(u));
            empty(204)
        }
        ("GET", [u, "systemuserroles_association"]) => {
            let roles = w
                .users
                .iter()
                .find(|x| x.id == inner(u))
                .map(|x| x.roles.clone())
                .unwrap_or_default();
            let value: Vec<_> = roles.iter().map(|r| serde_json::json!({"roleid": r})).collect();
            json(200, serde_json::json!({ "value": value }))
        }
        ("POST", [u, "systemuserroles_association", "$ref"]) => {
            let target = body["@odata.id"].as_str().unwrap_or_default();
            let role = inner(target.rsplit('/').next().unwrap_or_default()).to_owned();
            let user = w.users.iter_mut().find(|x| x.id == inner(u)).unwrap();
            if !user.roles.contains(&role) {
                user.roles.push(role);
            }
            empty(204)
        }
        ("DELETE", [u, assoc, "$ref"]) => {
            let role = inner(assoc).to_owned();
            if let Some(user) = w.users.iter_mut().find(|x| x.id == inner(u)) {
                user.roles.retain(|r| *r != role);
            }
            empty(204)
        }
        _ => json(
            404,
            serde_json::json!({"error": {"code": "0x8006088a", "message": "Resource not found"}}),
        ),
    }
}

/// Wall time that follows tokio's (paused) clock.
struct TokioClock {
    base: time::OffsetDateTime,
    start: tokio::time::Instant,
}

impl Clock for TokioClock {
    fn now(&self) -> time::OffsetDateTime {
        self.base + self.start.elapsed()
    }
}

fn context(world: &Arc<Mutex<World>>) -> Context {
    let w = world.clone();
    let transport = move |req: HttpRequest, _timeout: Duration| {
        let response = handle(&mut w.lock().unwrap(), &req);
        std::future::ready(Ok::<_, TransportError>(response))
    };
    let config = EngineConfig {
        sandbox_url: Some(SANDBOX.into()),
        ..EngineConfig::default()
    };
    Context::new(
        config,
        Arc::new(transport),
        Arc::new(TokioClock {
            base: time::macros::datetime!(2026-11-26 16:00 UTC),
            start: tokio::time::Instant::now(),
        }),
    )
}

fn request(state: Option<&str>) -> ProvisionRequest {
    ProvisionRequest {
        state: state.map(str::to_owned),
        state_key: KEY.to_vec(),
        instance_url: Some(INSTANCE.into()),
        app_name: Some("Contoso site".into()),
        tables: vec![crate::api::TableRequest {
            logical_name: "incident".into(),
            access: vec!["read".into(), "write".into()],
        }],
        roles: Some(vec!["Support Reader".into()]),
        create_role: true,
        site_id: Some("https://contoso.example".into()),
        ..ProvisionRequest::default()
    }
}

/// The verification stand-in: fails the token check with `code` the first `lag` times.
fn verifier(
    lag: Arc<Mutex<(u32, &'static str)>>,
) -> impl for<'c> Fn(&'c Context, ConnectionInput, VerifyOptions) -> VerifierFuture<'c, VerifyReport> + Sync {
    move |_ctx, connection, _options| {
        let lag = lag.clone();
        Box::pin(async move {
            assert!(connection
                .client_secret
                .as_ref()
                .is_some_and(|s| s.secret().starts_with("Sbx8Q~")));
            let mut l = lag.lock().unwrap();
            let failing = l.0 > 0;
            if failing {
                l.0 -= 1;
            }
            let mut report = VerifyReport {
                ok: true,
                status: OverallStatus::Pass,
                instance_url: connection.instance_url.clone(),
                cloud: None,
                tenant_id: connection.tenant_id.clone(),
                identity: None,
                checks: vec![Check {
                    id: "token".into(),
                    status: if failing { CheckStatus::Fail } else { CheckStatus::Pass },
                    title: "Token".into(),
                    detail: String::new(),
                    fix: None,
                    code: failing.then(|| l.1.to_owned()),
                    elapsed_ms: 0,
                }],
                tables: Default::default(),
                elapsed_ms: 0,
                requests: 1,
            };
            report.summarize();
            report
        })
    }
}

struct Harness {
    world: Arc<Mutex<World>>,
    ctx: Context,
    lag: Arc<Mutex<(u32, &'static str)>>,
}

impl Harness {
    fn new() -> Self {
        let world = Arc::new(Mutex::new(World::default()));
        let ctx = context(&world);
        Self {
            world,
            ctx,
            lag: Arc::new(Mutex::new((0, "AADSTS700016"))),
        }
    }

    async fn call(&self, req: ProvisionRequest) -> ProvisionResponse {
        let v = verifier(self.lag.clone());
        run_with_verifier(&self.ctx, req, &v).await
    }

    fn w(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }

    /// Sign-in started and approved: returns the state to continue with.
    async fn signed_in(&self) -> String {
        let r = self.call(request(None)).await;
        assert_eq!(r.status, Status::SignInRequired, "{r:?}");
        let s = r.sign_in.as_ref().unwrap();
        assert_eq!(s.user_code, "ABCD1234");
        assert!(s.expires_at.starts_with("2026-11-26T16:1"), "{}", s.expires_at);
        self.w().device = Some(Device::Approved);
        r.state
    }
}

fn status_of(r: &ProvisionResponse, id: &str) -> StepStatus {
    r.steps.iter().find(|s| s.id == id).unwrap().status
}

#[tokio::test(start_paused = true)]
async fn a_fresh_run_signs_in_and_provisions_everything_once() {
    let h = Harness::new();
    let state = h.signed_in().await;
    let r = h.call(request(Some(&state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let c = r.connection.as_ref().unwrap();
    assert_eq!(c.instance_url, INSTANCE);
    assert_eq!(c.tenant_id.as_deref(), Some(TENANT));
    assert!(c.client_secret.secret().starts_with("Sbx8Q~"));
    assert!(c.secret_expires_at.starts_with("2027-05-25"), "{}", c.secret_expires_at);
    assert!(r.verification.is_some());
    for s in &r.steps {
        assert_eq!(s.status, StepStatus::Done, "{s:?}");
    }
    let w = h.w();
    assert_eq!(w.apps.len(), 1);
    assert_eq!(
        w.apps[0].tags,
        vec![site_tag("https://contoso.example"), "wpcrm".to_owned()]
    );
    assert_eq!(w.apps[0].creds.len(), 1);
    assert!(w.apps[0].creds[0].1.starts_with("wpcrm:"));
    assert_eq!(w.sps.len(), 1);
    assert_eq!(w.users.len(), 1);
    let role_id = c.role_id.clone().unwrap();
    let mut roles = w.users[0].roles.clone();
    roles.sort();
    let mut expected = vec![BASIC_ROOT.to_owned(), READER_ROOT.to_owned(), role_id.clone()];
    expected.sort();
    assert_eq!(
        roles, expected,
        "Basic User and Support Reader of the root BU, and the custom role"
    );
    assert_eq!(w.roles[&role_id].0, "WordPress – Contoso site");
    assert_eq!(
        w.roles[&role_id].1,
        vec!["Read-incident".to_owned(), "Write-incident".to_owned()]
    );
    // A new app: no lookups of its service principal, credentials or user.
    assert!(!w.log.iter().any(|l| l == "GET /v1.0/servicePrincipals"), "{:?}", w.log);
    assert!(
        !w.log.iter().any(|l| l == "GET /contoso/api/data/v9.2/systemusers"),
        "{:?}",
        w.log
    );
}

#[tokio::test(start_paused = true)]
async fn a_done_state_stays_done_and_a_fresh_run_reuses_everything() {
    let h = Harness::new();
    let state = h.signed_in().await;
    let done = h.call(request(Some(&state))).await;
    assert_eq!(done.status, Status::Done);
    let requests = h.w().log.len();
    let again = h.call(request(Some(&done.state))).await;
    assert_eq!(again.status, Status::Done);
    assert_eq!(h.w().log.len(), requests, "a done state makes no request");
    let opened = state::open(&done.state, &KEY).unwrap();
    assert!(
        opened.tokens.refresh.is_none() && opened.tokens.access.is_empty(),
        "no admin tokens kept"
    );
    assert!(opened.secret.is_some(), "the connection's secret is kept");

    // A fresh run for the same site (new sign-in, no state) finds and reuses everything.
    let state = h.signed_in().await;
    let r = h.call(request(Some(&state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let w = h.w();
    assert_eq!((w.apps.len(), w.sps.len(), w.users.len(), w.roles.len()), (1, 1, 1, 1));
    assert_eq!(w.users[0].roles.len(), 3);
    // The secret of the first run is still in use by the site: only a new one is added.
    assert_eq!(w.apps[0].creds.len(), 2);
    assert_eq!(
        r.connection.as_ref().unwrap().application_id,
        done.connection.as_ref().unwrap().application_id
    );
}

#[tokio::test(start_paused = true)]
async fn polling_respects_the_interval_and_slow_down() {
    let h = Harness::new();
    let r = h.call(request(None)).await;
    h.w().device = Some(Device::SlowDown);
    h.w().after_slow_down = Some(Device::Pending);
    let mut req = request(Some(&r.state));
    req.timeout = Some(Duration::from_secs(10));
    let r = h.call(req).await;
    assert_eq!(r.status, Status::SignInRequired, "still waiting: the same code again");
    assert_eq!(r.sign_in.as_ref().unwrap().user_code, "ABCD1234");
    let times = h.w().poll_times.clone();
    assert!(times.len() >= 2, "{times:?}");
    let gaps: Vec<u64> = times.windows(2).map(|w| (w[1] - w[0]).as_secs()).collect();
    assert_eq!(gaps[0], 6, "slow_down adds five seconds to the one-second interval");
    assert!(gaps.iter().all(|g| *g >= 6), "{gaps:?}");
    // Approved between calls: the next call completes.
    h.w().device = Some(Device::Approved);
    let r = h.call(request(Some(&r.state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
}

#[tokio::test(start_paused = true)]
async fn a_declined_sign_in_fails_and_the_next_run_starts_over() {
    let h = Harness::new();
    let r = h.call(request(None)).await;
    h.w().device = Some(Device::Declined);
    let r = h.call(request(Some(&r.state))).await;
    assert_eq!(r.status, Status::Failed);
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.step.as_deref(), e.code.as_str()),
        (Some("sign_in"), "authorization_declined")
    );
    assert!(e.fix.is_some());
    assert_eq!(status_of(&r, "sign_in"), StepStatus::Failed);
    let r = h.call(request(Some(&r.state))).await;
    assert_eq!(r.status, Status::SignInRequired);
}

#[tokio::test(start_paused = true)]
async fn a_code_redeemed_by_a_lost_call_starts_a_new_sign_in() {
    let h = Harness::new();
    let r = h.call(request(None)).await;
    h.w().device = Some(Device::Redeemed);
    let r = h.call(request(Some(&r.state))).await;
    assert_eq!(r.status, Status::SignInRequired, "{:?}", r.error);
    assert_eq!(h.w().log.iter().filter(|l| l.ends_with("/devicecode")).count(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_unused_code_expires() {
    let h = Harness::new();
    let r = h.call(request(None)).await;
    tokio::time::advance(Duration::from_secs(901)).await;
    let r = h.call(request(Some(&r.state))).await;
    assert_eq!(r.error.as_ref().unwrap().code, "expired_token");
}

#[tokio::test(start_paused = true)]
async fn without_instance_url_the_admin_chooses_an_environment() {
    let h = Harness::new();
    let state = h.signed_in().await;
    let mut req = request(Some(&state));
    req.instance_url = None;
    let r = h.call(req).await;
    // The fake has no discovery service: a 404 from it is reported, not a crash.
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.error.as_ref().unwrap().step.as_deref(), Some("environment"));
}

#[tokio::test(start_paused = true)]
async fn replication_lag_is_absorbed_within_the_budget_or_resumed() {
    let h = Harness::new();
    let state = h.signed_in().await;
    h.w().sp_lag = 3; // 1 + 2 + 4 s of backoff
    let r = h.call(request(Some(&state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    assert_eq!(h.w().sps.len(), 1);

    // With a budget too short for the lag: in_progress, then done on the next call.
    let h = Harness::new();
    let state = h.signed_in().await;
    h.w().sp_lag = 4;
    let mut req = request(Some(&state));
    req.timeout = Some(Duration::from_secs(4));
    let r = h.call(req).await;
    assert_eq!(r.status, Status::InProgress, "{:?}", r.error);
    assert_eq!(r.step.as_deref(), Some("service_principal"));
    assert_eq!(status_of(&r, "register_app"), StepStatus::Done);
    assert_eq!(status_of(&r, "service_principal"), StepStatus::Running);
    let r = h.call(request(Some(&r.state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let w = h.w();
    assert_eq!((w.apps.len(), w.sps.len()), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn replication_that_never_ends_fails_after_the_bound() {
    let h = Harness::new();
    let state = h.signed_in().await;
    h.w().sp_lag = u32::MAX;
    let mut state = state;
    let mut last = None;
    for _ in 0..40 {
        let r = h.call(request(Some(&state))).await;
        state = r.state.clone();
        if r.status != Status::InProgress {
            last = Some(r);
            break;
        }
    }
    let r = last.expect("fails eventually");
    assert_eq!(r.status, Status::Failed);
    let e = r.error.unwrap();
    assert_eq!(e.step.as_deref(), Some("service_principal"));
    assert!(e.fix.unwrap().contains("5 minutes"));
}

#[tokio::test(start_paused = true)]
async fn verification_during_replication_is_retried() {
    let h = Harness::new();
    *h.lag.lock().unwrap() = (2, "AADSTS7000215");
    let state = h.signed_in().await;
    let r = h.call(request(Some(&state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    assert_eq!(r.verification.as_ref().unwrap()["ok"], true);
    assert_eq!(status_of(&r, "verify"), StepStatus::Done);
}

#[test]
fn the_custom_role_says_wordpress_once() {
    assert_eq!(super::custom_role_name("Contoso site"), "WordPress – Contoso site");
    assert_eq!(
        super::custom_role_name("WordPress: Contoso site"),
        "WordPress – Contoso site"
    );
    assert_eq!(super::custom_role_name("wordpress – Contoso"), "WordPress – Contoso");
    assert_eq!(super::custom_role_name(&"x".repeat(300)).chars().count(), 100);
}

#[tokio::test(start_paused = true)]
async fn a_secret_lost_in_a_dying_call_is_removed_and_replaced() {
    let h = Harness::new();
    let state = h.signed_in().await;
    // addPassword succeeds in the directory but its answer never reaches the state.
    h.w().lose_add_password = true;
    let r = h.call(request(Some(&state))).await;
    assert_eq!(r.status, Status::Failed, "{r:?}");
    assert_eq!(r.error.as_ref().unwrap().step.as_deref(), Some("client_secret"));
    let lost_key = h.w().apps[0].creds[0].0.clone();
    h.w().lose_add_password = false;
    // The caller re-sends the state it has (which has no secret).
    let r = h.call(request(Some(&r.state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let w = h.w();
    assert_eq!(w.apps.len(), 1);
    assert_eq!(
        w.apps[0].creds.len(),
        1,
        "the orphan was removed: {:?}",
        w.apps[0].creds
    );
    assert_ne!(w.apps[0].creds[0].0, lost_key);
    assert!(w.log.iter().any(|l| l.ends_with("/removePassword")));
}

#[tokio::test(start_paused = true)]
async fn a_call_killed_after_each_request_resumes_to_one_result() {
    // For each request k of a full run: the directory applies it, then the process dies (the
    // answer is lost and so is the state the call would have returned). The caller re-sends the
    // state it had; the run must converge on one app, principal, user, role and usable secret.
    for k in 1..=20 {
        let h = Harness::new();
        let state = h.signed_in().await;
        h.w().die_after = Some(k);
        let first = h.call(request(Some(&state))).await;
        let died = h.w().die_after.is_none();
        h.w().die_after = None;
        let r = h.call(request(Some(&state))).await;
        assert_eq!(r.status, Status::Done, "k={k}: {:?}", r.error);
        let w = h.w();
        assert_eq!(
            (w.apps.len(), w.sps.len(), w.users.len(), w.roles.len()),
            (1, 1, 1, 1),
            "k={k}"
        );
        assert_eq!(w.apps[0].creds.len(), 1, "k={k}: {:?}", w.apps[0].creds);
        assert_eq!(w.users[0].roles.len(), 3, "k={k}");
        if !died {
            // The run needs fewer than k requests: nothing left to kill.
            assert_eq!(first.status, Status::Done);
            break;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn invalid_states_and_keys_are_refused_without_a_request() {
    let h = Harness::new();
    let r = h.call(request(Some("wpcrm.s1.garbage"))).await;
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.error.as_ref().unwrap().code, "invalid_state");
    assert_eq!(r.steps.len(), 10);
    assert!(!r.state.is_empty());
    let good = h.call(request(None)).await.state;
    let mut req = request(Some(&good));
    req.state_key = vec![1u8; 32];
    assert_eq!(h.call(req).await.error.unwrap().code, "invalid_state");
    let mut req = request(Some(&good));
    req.state_key = vec![1u8; 5];
    assert_eq!(h.call(req).await.error.unwrap().code, "invalid_state_key");
    assert_eq!(h.w().log.len(), 1, "only the first call's device code request");
}

#[tokio::test(start_paused = true)]
async fn a_secret_lifetime_beyond_the_maximum_is_refused_before_graph() {
    let h = Harness::new();
    let mut req = request(None);
    req.secret_lifetime_days = Some(731);
    let r = h.call(req).await;
    let e = r.error.unwrap();
    assert_eq!(
        (e.step.as_deref(), e.code.as_str()),
        (Some("client_secret"), "invalid_secret_lifetime")
    );
    assert!(h.w().log.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_tenant_lifetime_policy_is_explained() {
    let h = Harness::new();
    let state = h.signed_in().await;
    h.w().lifetime_policy = true;
    let r = h.call(request(Some(&state))).await;
    let e = r.error.unwrap();
    assert_eq!(
        (e.step.as_deref(), e.code.as_str()),
        (Some("client_secret"), "CredentialInvalidLifetimeAsPerAppPolicy")
    );
    assert!(e.fix.unwrap().contains("shorter secret_lifetime_days"));
}

#[tokio::test(start_paused = true)]
async fn an_admin_without_rights_is_told_what_role_is_needed() {
    let h = Harness::new();
    let state = h.signed_in().await;
    h.w().graph_denied = true;
    let r = h.call(request(Some(&state))).await;
    let e = r.error.unwrap();
    assert_eq!(
        (e.step.as_deref(), e.code.as_str()),
        (Some("register_app"), "Authorization_RequestDenied")
    );
    assert!(e.fix.unwrap().contains("Application Administrator"));
    // Running again must not retry with the same account: it asks for a new sign-in.
    h.w().graph_denied = false;
    let again = h.call(request(Some(&r.state))).await;
    assert_eq!(again.status, Status::SignInRequired, "{:?}", again.error);
}

#[tokio::test(start_paused = true)]
async fn an_adopted_user_outside_the_root_business_unit_is_explained() {
    let h = Harness::new();
    let state = h.signed_in().await;
    assert_eq!(h.call(request(Some(&state))).await.status, Status::Done);
    h.w().users_in_child_bu = true;
    let state = h.signed_in().await;
    let r = h.call(request(Some(&state))).await;
    let e = r.error.unwrap();
    assert_eq!(
        (e.step.as_deref(), e.code.as_str()),
        (Some("app_user"), "app_user_in_other_business_unit")
    );
    assert!(e.fix.unwrap().contains("root"));
}

#[tokio::test(start_paused = true)]
async fn an_unknown_role_or_table_fails_with_a_fix() {
    let h = Harness::new();
    let state = h.signed_in().await;
    let mut req = request(Some(&state));
    req.roles = Some(vec!["Nope".into()]);
    let e = h.call(req).await.error.unwrap();
    assert_eq!(e.code, "role_not_found");
    let mut req = request(Some(&state));
    req.tables[0].logical_name = "nope".into();
    let e = h.call(req).await.error.unwrap();
    assert_eq!(
        (e.step.as_deref(), e.code.as_str()),
        (Some("custom_role"), "table_not_found")
    );
}

#[tokio::test(start_paused = true)]
async fn rollback_removes_what_was_created_and_is_safe_to_repeat() {
    let h = Harness::new();
    let state = h.signed_in().await;
    let done = h.call(request(Some(&state))).await;
    assert_eq!(done.status, Status::Done);
    let mut req = request(Some(&done.state));
    req.action = Some("rollback".into());
    // A done state holds no admin tokens: the rollback asks for a new sign-in first.
    let r = h.call(req.clone()).await;
    assert_eq!(r.status, Status::SignInRequired, "{:?}", r.error);
    assert_eq!(r.steps[0].id, "remove_role_assignment");
    h.w().device = Some(Device::Approved);
    req.state = Some(r.state);
    let r = h.call(req).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    assert!(r.connection.is_none());
    let ids: Vec<_> = r.steps.iter().map(|s| (s.id.as_str(), s.status)).collect();
    assert_eq!(
        ids,
        vec![
            ("remove_role_assignment", StepStatus::Done),
            ("delete_custom_role", StepStatus::Done),
            ("disable_app_user", StepStatus::Done),
            ("delete_app_user", StepStatus::Done),
            ("remove_client_secret", StepStatus::Skipped),
            ("delete_service_principal", StepStatus::Done),
            ("delete_application", StepStatus::Done),
        ]
    );
    {
        let w = h.w();
        assert!(w.apps.is_empty() && w.sps.is_empty() && w.users.is_empty() && w.roles.is_empty());
        let log: Vec<_> = w.log.iter().rev().take(6).rev().cloned().collect();
        assert!(
            log[2].starts_with("PATCH") && log[3].starts_with("DELETE /contoso/api/data/v9.2/systemusers"),
            "{log:?}"
        );
    }
    let n = h.w().log.len();
    let mut req = request(Some(&r.state));
    req.action = Some("rollback".into());
    let again = h.call(req).await;
    assert_eq!(again.status, Status::Done);
    assert_eq!(h.w().log.len(), n, "nothing left to do");
}

#[tokio::test(start_paused = true)]
async fn cancel_reports_what_exists() {
    let h = Harness::new();
    let state = h.signed_in().await;
    h.w().sp_lag = 100;
    let mut req = request(Some(&state));
    req.timeout = Some(Duration::from_secs(3));
    let r = h.call(req).await;
    assert_eq!(r.status, Status::InProgress);
    let mut req = request(Some(&r.state));
    req.action = Some("cancel".into());
    let r = h.call(req).await;
    let e = r.error.unwrap();
    assert_eq!(e.code, "cancelled");
    assert!(e.message.contains("application"), "{}", e.message);
    assert!(e.fix.unwrap().contains("rollback"));
}

#[tokio::test(start_paused = true)]
async fn no_secret_or_token_appears_outside_the_connection_secret() {
    let h = Harness::new();
    let mut responses = Vec::new();
    let r = h.call(request(None)).await;
    responses.push(r.clone());
    h.w().device = Some(Device::Approved);
    h.w().lose_add_password = true;
    let r = h.call(request(Some(&r.state))).await;
    responses.push(r.clone());
    h.w().lose_add_password = false;
    let r = h.call(request(Some(&r.state))).await;
    assert_eq!(r.status, Status::Done);
    responses.push(r.clone());
    let mut req = request(Some(&r.state));
    req.action = Some("rollback".into());
    let rb = h.call(req.clone()).await;
    responses.push(rb.clone());
    h.w().device = Some(Device::Approved);
    req.state = Some(rb.state);
    let rb = h.call(req).await;
    assert_eq!(rb.status, Status::Done);
    responses.push(rb);
    let secrets: Vec<String> = h.w().secrets_issued.clone();
    assert_eq!(secrets.len(), 2);
    for mut r in responses {
        let exposed = r.connection.as_ref().map(|c| c.client_secret.secret().to_owned());
        r.state = String::new();
        let mut printed = format!("{r:?}");
        let mut v = serde_json::to_value(&r).unwrap();
        if let Some(c) = v.get_mut("connection") {
            assert_eq!(c["client_secret"].as_str(), exposed.as_deref());
            c["client_secret"] = serde_json::Value::Null;
        }
        printed.push_str(&v.to_string());
        for needle in secrets
            .iter()
            .map(String::as_str)
            .chain(["at-secret", "rt-secret", "dc-secret", "Sbx8Q~"])
        {
            assert!(!printed.contains(needle), "{needle} in {printed}");
        }
    }
}
