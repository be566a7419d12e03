//! The provisioning step machine's behaviour (`provision::run`) against the in-process sandbox: the
//! real reqwest/rustls transport, the real verifier, and the sandbox's seed, control API and faults
//! for every situation (replication, a lost answer, a declined or redeemed sign-in, a tenant policy).
//!
//! Time is real with short budgets; a [`JumpClock`] moves the engine's wall clock forward where a
//! test would otherwise wait (the device-code interval, the code's expiry, the 300 s replication
//! bound). A [`Tap`] around the real transport records when each request left and what came back,
//! and can kill a call right after a request was applied: it is not an emulator, every answer comes
//! from the sandbox.

mod common;

use common::{assert_secretless, has_secret_text, tenant, Env};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use wpcrm_core::engine::{Clock, Context, EngineConfig};
use wpcrm_core::http::{BoxFuture, HttpRequest, HttpResponse, Transport, TransportError};
use wpcrm_core::provision::steps::StepStatus;
use wpcrm_core::provision::{self, ProvisionError, ProvisionResponse, Status, REPLICATION_BOUND_S};
use wpcrm_core::{ProvisionRequest, TableRequest};
use wpcrm_sandbox::fixtures;
use wpcrm_sandbox::seed::DEFAULT_SEED;

const KEY: [u8; 32] = [42u8; 32];
const SITE: &str = "https://contoso.example";

/// The tag of this site's application: keyed with the site's state key, so nobody else can make it.
fn site_marker() -> String {
    provision::SiteMarker::new(&KEY, SITE).tag
}
const ROLE_NAME: &str = "WordPress – Contoso site";

/// The system clock plus an offset the test moves forward.
#[derive(Default)]
struct JumpClock(AtomicI64);

impl Clock for JumpClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc() + time::Duration::milliseconds(self.0.load(Ordering::SeqCst))
    }
}

/// One request as the engine sent it, and the body that came back (if it came back).
struct Sent {
    at: Instant,
    path: String,
    device_poll: bool,
    body: Vec<u8>,
    response: Vec<u8>,
}

type Hook = Box<dyn FnOnce() + Send>;

/// The real transport, recording every request; it can run a hook before a given request and kill
/// the call after the n-th request (applied by the sandbox, its answer never delivered).
struct Tap {
    inner: Arc<dyn Transport>,
    sent: Mutex<Vec<Sent>>,
    kill_after: Mutex<Option<u32>>,
    killed: Notify,
    hook: Mutex<Option<(String, Hook)>>,
}

impl Transport for Tap {
    fn send(&self, request: HttpRequest, timeout: Duration) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let path = request.uri().path().to_owned();
            let hook = {
                let mut h = self.hook.lock().unwrap();
                match h.as_ref() {
                    Some((suffix, _)) if path.ends_with(suffix.as_str()) => h.take().map(|(_, f)| f),
                    _ => None,
                }
            };
            if let Some(f) = hook {
                f();
            }
            let kill = {
                let mut k = self.kill_after.lock().unwrap();
                let kill = *k == Some(1);
                *k = k.map(|n| n - 1).filter(|n| *n > 0);
                kill
            };
            let body = request.body().clone();
            let device_poll = String::from_utf8_lossy(&body).contains("device_code=");
            let at = Instant::now();
            let answer = self.inner.send(request, timeout).await;
            let response = answer.as_ref().map(|r| r.body().clone()).unwrap_or_default();
            self.sent.lock().unwrap().push(Sent {
                at,
                path,
                device_poll,
                body,
                response,
            });
            if kill {
                // The sandbox applied the request; the process dies before the answer arrives.
                self.killed.notify_one();
                std::future::pending::<()>().await;
            }
            answer
        })
    }
}

struct Harness {
    env: Arc<Env>,
    ctx: Context,
    clock: Arc<JumpClock>,
    tap: Arc<Tap>,
}

/// The sandbox's view of what this site's provisioning created (`GET /_sandbox/state`).
struct Ours {
    apps: Vec<Value>,
    sps: Vec<Value>,
    users: Vec<Value>,
    /// The custom role(s) named for the site.
    roles: Vec<Value>,
}

impl Ours {
    fn counts(&self) -> (usize, usize, usize, usize) {
        (self.apps.len(), self.sps.len(), self.users.len(), self.roles.len())
    }

    fn credentials(&self) -> Vec<Value> {
        self.apps[0]["passwordCredentials"].as_array().unwrap().clone()
    }

    fn user_roles(&self) -> Vec<String> {
        let mut roles: Vec<String> = self.users[0]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect();
        roles.sort();
        roles
    }
}

impl Harness {
    async fn new() -> Harness {
        Harness::over(Env::start().await)
    }

    /// A sandbox started from `seed` instead of the default one.
    async fn seeded(seed: Value) -> Harness {
        Harness::over(Env::seeded(&seed).await)
    }

    fn over(env: Env) -> Harness {
        let tap = Arc::new(Tap {
            inner: Arc::new(env.transport()),
            sent: Mutex::new(Vec::new()),
            kill_after: Mutex::new(None),
            killed: Notify::new(),
            hook: Mutex::new(None),
        });
        let clock = Arc::new(JumpClock::default());
        let config = EngineConfig {
            sandbox_url: Some(env.sandbox.url().to_owned()),
            ..EngineConfig::default()
        };
        let ctx = Context::new(config, tap.clone(), clock.clone());
        Harness {
            env: Arc::new(env),
            ctx,
            clock,
            tap,
        }
    }

    fn instance_url(&self) -> String {
        format!("{}/contoso", self.env.sandbox.url())
    }

    fn request(&self, state: Option<&str>) -> ProvisionRequest {
        ProvisionRequest {
            state: state.map(str::to_owned),
            state_key: KEY.to_vec(),
            instance_url: Some(self.instance_url()),
            app_name: Some("Contoso site".into()),
            tables: vec![TableRequest {
                logical_name: "incident".into(),
                access: vec!["read".into(), "write".into()],
            }],
            roles: Some(vec!["Support Reader".into()]),
            create_role: true,
            site_id: Some(SITE.into()),
            timeout: Some(Duration::from_secs(20)),
            ..ProvisionRequest::default()
        }
    }

    fn with_timeout(&self, state: &str, timeout: Duration) -> ProvisionRequest {
        ProvisionRequest {
            timeout: Some(timeout),
            ..self.request(Some(state))
        }
    }

    fn action(&self, state: &str, action: &str) -> ProvisionRequest {
        ProvisionRequest {
            action: Some(action.into()),
            ..self.request(Some(state))
        }
    }

    async fn call(&self, req: ProvisionRequest) -> ProvisionResponse {
        provision::run(&self.ctx, req).await
    }

    /// Runs `req` but kills it right after its `n`-th request was applied: `None` when it died.
    async fn call_killed_after(&self, n: u32, req: ProvisionRequest) -> Option<ProvisionResponse> {
        *self.tap.kill_after.lock().unwrap() = Some(n);
        let r = tokio::select! {
            r = self.call(req) => Some(r),
            _ = self.tap.killed.notified() => None,
        };
        *self.tap.kill_after.lock().unwrap() = None;
        if r.is_none() {
            // Requests the dying call had already sent still reach the sandbox (a real process that
            // dies leaves them on the wire): let them land before anyone runs again, as a caller
            // re-polling a few seconds later would find them.
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        r
    }

    /// Runs `f` just before the first request whose path ends with `suffix` leaves.
    fn before(&self, suffix: &str, f: impl FnOnce(&Env) + Send + 'static) {
        let env = self.env.clone();
        *self.tap.hook.lock().unwrap() = Some((suffix.to_owned(), Box::new(move || f(&env))));
    }

    /// Moves the engine's wall clock forward.
    fn advance(&self, secs: u64) {
        self.clock.0.fetch_add(secs as i64 * 1000, Ordering::SeqCst);
    }

    fn control(&self) -> wpcrm_sandbox::Control<'_> {
        self.env.sandbox.control()
    }

    fn set_config(&self, patch: Value) {
        self.control().set_config(patch);
    }

    fn device(&self, action: &str, user_code: &str) {
        let (status, _) = self.control().call(
            "POST",
            &format!("/_sandbox/device/{action}"),
            json!({ "user_code": user_code }),
        );
        assert_eq!(status, 204, "{action} {user_code}");
    }

    /// Has `user` approve the sign-in `r` asks for, and lets the engine's clock pass the interval.
    fn approve(&self, r: &ProvisionResponse, user: Option<&str>) {
        let code = &r.sign_in.as_ref().expect("a sign-in").user_code;
        assert!(self.control().approve_device(code, user), "{code}");
        self.advance(1);
    }

    /// Sign-in started and approved by the seeded admin: returns the state to continue with.
    async fn signed_in(&self) -> String {
        self.signed_in_as(None).await
    }

    async fn signed_in_as(&self, user: Option<&str>) -> String {
        let r = self.call(self.request(None)).await;
        assert_eq!(r.status, Status::SignInRequired, "{r:?}");
        let s = r.sign_in.as_ref().unwrap();
        let pending = self.control().pending_devices();
        assert!(
            pending
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["user_code"] == s.user_code.as_str()),
            "the sandbox issued {} and waits for it: {pending}",
            s.user_code
        );
        let expires =
            time::OffsetDateTime::parse(&s.expires_at, &time::format_description::well_known::Rfc3339).unwrap();
        let left = (expires - self.clock.now()).whole_seconds();
        assert!((895..=900).contains(&left), "the code's 15 minutes: {}", s.expires_at);
        self.approve(&r, user);
        r.state
    }

    /// A whole run: signed in, then provisioned to `done`.
    async fn provisioned(&self) -> ProvisionResponse {
        let state = self.signed_in().await;
        let done = self.call(self.request(Some(&state))).await;
        assert_eq!(done.status, Status::Done, "{:?}", done.error);
        done
    }

    /// Signed in, then a call with a 2 s budget while new applications take a minute to replicate.
    async fn waiting_for_replication(&self) -> ProvisionResponse {
        self.set_config(json!({"replication_delay_ms": 60_000}));
        let state = self.signed_in().await;
        let r = self.call(self.with_timeout(&state, Duration::from_secs(2))).await;
        assert_eq!(r.status, Status::InProgress, "{:?}", r.error);
        r
    }

    /// A sign-in approved and redeemed: the state of a call that stopped at the environment choice.
    async fn signed_in_and_redeemed(&self) -> String {
        let state = self.signed_in().await;
        let mut req = self.request(Some(&state));
        req.instance_url = None;
        let r = self.call(req).await;
        assert_eq!(r.status, Status::ChooseEnvironment, "{:?}", r.error);
        r.state
    }

    fn state(&self) -> Value {
        self.control().state()
    }

    /// The sandbox's request log, without control calls.
    fn requests(&self) -> Vec<Value> {
        self.env.served()
    }

    fn sent_to(&self, method: &str, path_end: &str) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["method"] == method && r["path"].as_str().unwrap().ends_with(path_end))
            .collect()
    }

    fn ours(&self) -> Ours {
        let s = self.state();
        let tag = json!(site_marker());
        let apps: Vec<Value> = s["applications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["tags"].as_array().unwrap().contains(&tag))
            .cloned()
            .collect();
        let ids: Vec<String> = apps
            .iter()
            .map(|a| a["appId"].as_str().unwrap().to_ascii_lowercase())
            .collect();
        let ours = |v: &Value, key: &str| v[key].as_str().is_some_and(|a| ids.contains(&a.to_ascii_lowercase()));
        let list = |v: &Value, key: &str| -> Vec<Value> {
            v.as_array().unwrap().iter().filter(|x| ours(x, key)).cloned().collect()
        };
        let env = &s["environments"]["contoso"];
        Ours {
            sps: list(&s["servicePrincipals"], "appId"),
            users: list(&env["systemusers"], "applicationid"),
            roles: env["roles"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["name"] == ROLE_NAME)
                .cloned()
                .collect(),
            apps,
        }
    }
}

fn step_code(e: &ProvisionError) -> (Option<&str>, &str) {
    (e.step.as_deref(), e.code.as_str())
}

/// The name of the seed's root business unit (`root`), or of a business unit below it.
fn seed_business_unit(root: bool) -> &'static str {
    let units = &fixtures::seed().environments[0].business_units;
    let unit = units.iter().find(|b| b.parent.is_none() == root).unwrap();
    &unit.name
}

fn status_of(r: &ProvisionResponse, id: &str) -> StepStatus {
    r.steps.iter().find(|s| s.id == id).unwrap().status
}

impl Harness {
    /// Role name → id of the roles in the root business unit. The root is the seed's business unit
    /// without a parent; the sandbox's state names it through a seeded role that lives there.
    fn root_roles(&self) -> Vec<(String, String)> {
        let root = seed_business_unit(true);
        let seeded = fixtures::seed().environments[0]
            .roles
            .iter()
            .find(|r| r.business_unit.as_deref() == Some(root))
            .unwrap()
            .name
            .as_str();
        let state = self.state();
        let roles = state["environments"]["contoso"]["roles"].as_array().unwrap();
        let root_bu = &roles.iter().find(|r| r["name"] == seeded).unwrap()["businessunitid"];
        roles
            .iter()
            .filter(|r| &r["businessunitid"] == root_bu)
            .map(|r| {
                (
                    r["name"].as_str().unwrap().to_owned(),
                    r["roleid"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn root_role(&self, name: &str) -> String {
        let roles = self.root_roles();
        roles.into_iter().find(|(n, _)| n == name).unwrap().1
    }

    /// The role ids the engine associated with the application user (the `$ref` bodies it sent).
    fn assigned_role_ids(&self) -> Vec<String> {
        let sent = self.tap.sent.lock().unwrap();
        let mut ids: Vec<String> = sent
            .iter()
            .filter(|s| s.path.ends_with("/systemuserroles_association/$ref"))
            .map(|s| {
                let body: Value = serde_json::from_slice(&s.body).unwrap();
                let target = body["@odata.id"].as_str().unwrap();
                let role = target.rsplit("roles(").next().unwrap();
                role.trim_end_matches(')').to_owned()
            })
            .collect();
        ids.sort();
        ids
    }

    /// Send times of the device-code polls.
    fn poll_times(&self) -> Vec<Instant> {
        let sent = self.tap.sent.lock().unwrap();
        sent.iter().filter(|s| s.device_poll).map(|s| s.at).collect()
    }

    /// Every secret and token value the sandbox answered with, as far as its body was JSON.
    fn issued_values(&self) -> Vec<String> {
        let sent = self.tap.sent.lock().unwrap();
        let mut values = Vec::new();
        for s in sent.iter() {
            let Ok(v) = serde_json::from_slice::<Value>(&s.response) else {
                continue;
            };
            for key in ["secretText", "access_token", "refresh_token", "id_token", "device_code"] {
                if let Some(x) = v[key].as_str() {
                    values.push(x.to_owned());
                }
            }
        }
        values
    }
}

#[tokio::test]
async fn a_fresh_run_signs_in_and_provisions_everything_once() {
    let h = Harness::new().await;
    let state = h.signed_in().await;
    let r = h.call(h.request(Some(&state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let c = r.connection.as_ref().unwrap();
    assert_eq!(c.instance_url, h.instance_url());
    assert_eq!(c.tenant_id.as_deref(), Some(tenant()));
    assert!(
        has_secret_text(c.client_secret.secret()),
        "the secretText addPassword answered"
    );
    let in_180_days = (h.clock.now() + time::Duration::days(180)).date().to_string();
    assert!(c.secret_expires_at.starts_with(&in_180_days), "{}", c.secret_expires_at);
    assert_eq!(r.verification.as_ref().unwrap()["ok"], true, "{:?}", r.verification);
    for s in &r.steps {
        assert_eq!(s.status, StepStatus::Done, "{s:?}");
    }
    let ours = h.ours();
    assert_eq!(ours.apps.len(), 1);
    assert_eq!(ours.apps[0]["tags"], json!([site_marker(), "wpcrm"]));
    let creds = ours.credentials();
    assert_eq!(creds.len(), 1);
    assert!(
        creds[0]["displayName"].as_str().unwrap().starts_with("wpcrm:"),
        "{creds:?}"
    );
    assert_eq!(ours.sps.len(), 1);
    assert_eq!(ours.users.len(), 1);
    let role_id = c.role_id.clone().unwrap();
    let mut expected = vec![
        h.root_role("Basic User"),
        h.root_role("Support Reader"),
        role_id.clone(),
    ];
    expected.sort();
    assert_eq!(
        h.assigned_role_ids(),
        expected,
        "Basic User and Support Reader of the root BU, and the custom role"
    );
    let custom = ours.roles.iter().find(|r| r["roleid"] == role_id.as_str()).unwrap();
    assert_eq!(custom["name"], ROLE_NAME);
    assert_eq!(
        custom["privileges"],
        json!([{"depth": "Global", "name": "prvReadIncident"}, {"depth": "Global", "name": "prvWriteIncident"}])
    );
    // A new app: no lookups of its service principal, credentials or user.
    assert!(
        h.sent_to("GET", "/v1.0/servicePrincipals").is_empty(),
        "{:?}",
        h.requests()
    );
    assert!(
        h.sent_to("GET", "/contoso/api/data/v9.2/systemusers").is_empty(),
        "{:?}",
        h.requests()
    );
}

#[tokio::test]
async fn a_done_state_stays_done_and_a_fresh_run_reuses_everything() {
    let h = Harness::new().await;
    let done = h.provisioned().await;
    h.control().clear_requests();
    let again = h.call(h.request(Some(&done.state))).await;
    assert_eq!(again.status, Status::Done);
    assert_eq!(h.requests(), Vec::<Value>::new(), "a done state makes no request");
    let opened = provision::state::open(&done.state, &KEY).unwrap();
    assert!(
        opened.tokens.refresh.is_none() && opened.tokens.access.is_empty(),
        "no admin tokens kept"
    );
    assert!(opened.secret.is_some(), "the connection's secret is kept");

    // A fresh run for the same site (new sign-in, no state) finds and reuses everything.
    let state = h.signed_in().await;
    let r = h.call(h.request(Some(&state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let ours = h.ours();
    assert_eq!(ours.counts(), (1, 1, 1, 1));
    assert_eq!(ours.user_roles().len(), 3);
    // Until the site saved the new secret, the first run's secret stays: the site still uses it.
    assert_eq!(ours.credentials().len(), 2);
    // Once saved (`forget_secret`), the first run's secret (this site's mark) is removed: the
    // application keeps exactly one secret of this site's.
    let f = h.call(h.action(&r.state, "forget_secret")).await;
    assert_eq!(f.status, Status::Done, "{:?}", f.error);
    let creds = h.ours().credentials();
    assert_eq!(creds.len(), 1, "{creds:?}");
    let new_key = provision::state::open(&r.state, &KEY).unwrap().secret.unwrap().key_id;
    assert_eq!(creds[0]["keyId"], json!(new_key));
    let retired: Vec<_> = f
        .changes
        .iter()
        .filter(|c| c.action == provision::ChangeAction::Removed)
        .collect();
    assert_eq!(retired.len(), 1, "{:?}", r.changes);
    assert_eq!(
        r.connection.as_ref().unwrap().application_id,
        done.connection.as_ref().unwrap().application_id
    );
}

#[tokio::test]
async fn a_run_whose_verification_fails_still_forgets_its_secret_and_keeps_its_record() {
    // The connection exists and its secret works, but a table check fails: the run is `done` with
    // a failing report, the site saves it, and `forget_secret` must keep the record (Undo,
    // Repair) rather than be refused, which made the plugin drop the state.
    let h = Harness::new().await;
    let state = h.signed_in().await;
    h.control().add_fault(json!({
        "method": "GET", "path": "/contoso/api/data/v9.2/incidents", "kind": "status", "status": 403,
        "body": r#"{"error":{"code":"0x80040220","message":"Principal user is missing prvReadIncident privilege."}}"#,
        "headers": {"content-type": "application/json; odata.metadata=minimal", "OData-Version": "4.0"}
    }));
    let r = h.call(h.request(Some(&state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let report = r.verification.as_ref().expect("a report");
    assert_eq!(report["ok"], json!(false), "{report}");
    let checks = report["checks"].as_array().unwrap();
    assert!(
        checks.iter().any(|c| c["id"] == "token" && c["status"] == "pass"),
        "{report}"
    );

    let f = h.call(h.action(&r.state, "forget_secret")).await;
    assert_eq!(f.status, Status::Done, "{:?}", f.error);
    let kept = provision::state::open(&f.state, &KEY).unwrap();
    assert!(kept.app.is_some(), "the record of what setup created is kept");
    assert!(kept.secret_forgotten, "the secret's value is forgotten");
    assert!(kept.tokens.refresh.is_none(), "no admin sign-in kept");
}

#[tokio::test]
async fn polling_respects_the_interval_and_slow_down() {
    let h = Harness::new().await;
    let first = h.call(h.request(None)).await;
    let user_code = first.sign_in.as_ref().unwrap().user_code.clone();
    // One poll (pending), then straight away another: the sandbox sees polls closer than the
    // interval and answers slow_down.
    h.advance(1);
    let r = h.call(h.with_timeout(&first.state, Duration::from_secs(1))).await;
    assert_eq!(r.status, Status::SignInRequired, "{:?}", r.error);
    h.advance(1);
    h.tap.sent.lock().unwrap().clear();
    let r = h.call(h.with_timeout(&r.state, Duration::from_secs(9))).await;
    assert_eq!(r.status, Status::SignInRequired, "still waiting: the same code again");
    assert_eq!(r.sign_in.as_ref().unwrap().user_code, user_code);
    let times = h.poll_times();
    assert!(times.len() >= 2, "{times:?}");
    let gaps: Vec<u64> = times.windows(2).map(|w| (w[1] - w[0]).as_secs()).collect();
    // Five seconds more than the one-second interval (whole seconds; a busy machine may add a little).
    assert!(
        (6..9).contains(&gaps[0]),
        "slow_down adds five seconds to the one-second interval: {gaps:?}"
    );
    assert!(gaps.iter().all(|g| *g >= 6), "{gaps:?}");
    // Approved between calls: the next call completes (its clock says the 6 s have passed).
    h.approve(&r, None);
    h.advance(5);
    let r = h.call(h.request(Some(&r.state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
}

#[tokio::test]
async fn a_declined_sign_in_fails_and_the_next_run_starts_over() {
    let h = Harness::new().await;
    let r = h.call(h.request(None)).await;
    h.device("decline", &r.sign_in.as_ref().unwrap().user_code);
    h.advance(1);
    let r = h.call(h.request(Some(&r.state))).await;
    assert_eq!(r.status, Status::Failed);
    let e = r.error.as_ref().unwrap();
    assert_eq!(step_code(e), (Some("sign_in"), "AADSTS65004"));
    assert!(e.fix.is_some());
    assert_eq!(status_of(&r, "sign_in"), StepStatus::Failed);
    let r = h.call(h.request(Some(&r.state))).await;
    assert_eq!(r.status, Status::SignInRequired);
}

#[tokio::test]
async fn a_code_redeemed_by_a_lost_call_starts_a_new_sign_in() {
    let h = Harness::new().await;
    let state = h.signed_in().await;
    // A call redeems the approved code and dies before its answer (and state) come back.
    let lost = h.call_killed_after(1, h.request(Some(&state))).await;
    assert!(lost.is_none(), "the call died after its poll");
    let r = h.call(h.request(Some(&state))).await;
    assert_eq!(r.status, Status::SignInRequired, "{:?}", r.error);
    assert_eq!(h.sent_to("POST", "/devicecode").len(), 2);
}

#[tokio::test]
async fn an_unused_code_expires() {
    let h = Harness::new().await;
    let r = h.call(h.request(None)).await;
    h.advance(901);
    let r = h.call(h.request(Some(&r.state))).await;
    assert_eq!(r.error.as_ref().unwrap().code, "expired_token");
}

#[tokio::test]
async fn a_failing_environment_discovery_is_reported() {
    // provision_sandbox.rs covers the environment list; here discovery answers 404.
    let h = Harness::new().await;
    h.control().add_fault(json!({
        "path": "/api/discovery/**", "kind": "status", "status": 404,
        "body": r#"{"error":{"code":"NotFound","message":"Resource not found for the segment 'Instances'."}}"#,
        "headers": {"content-type": "application/json; odata.metadata=minimal", "OData-Version": "4.0"}
    }));
    let state = h.signed_in().await;
    let mut req = h.request(Some(&state));
    req.instance_url = None;
    let r = h.call(req).await;
    assert_eq!(r.status, Status::Failed, "{r:?}");
    assert_eq!(r.error.as_ref().unwrap().step.as_deref(), Some("environment"));
}

#[tokio::test]
async fn replication_lag_is_absorbed_within_the_budget() {
    let h = Harness::new().await;
    h.set_config(json!({"replication_delay_ms": 800}));
    let state = h.signed_in().await;
    let r = h.call(h.request(Some(&state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    assert_eq!(h.ours().sps.len(), 1);
    // The service principal is upserted by appId (PATCH /servicePrincipals(appId='…')).
    let statuses: Vec<Value> = h
        .requests()
        .iter()
        .filter(|q| q["method"] == "PATCH" && q["path"].as_str().unwrap().starts_with("/v1.0/servicePrincipals("))
        .map(|q| q["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        vec![json!(400), json!(201)],
        "NoBackingApplicationObject, then created"
    );
}

#[tokio::test]
async fn replication_lag_beyond_the_budget_is_resumed() {
    let h = Harness::new().await;
    let r = h.waiting_for_replication().await;
    assert_eq!(r.step.as_deref(), Some("service_principal"));
    assert_eq!(status_of(&r, "register_app"), StepStatus::Done);
    assert_eq!(status_of(&r, "service_principal"), StepStatus::Running);
    // Replicated between calls.
    h.set_config(json!({"replication_delay_ms": 0}));
    let r = h.call(h.request(Some(&r.state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let ours = h.ours();
    assert_eq!((ours.apps.len(), ours.sps.len()), (1, 1));
}

#[tokio::test]
async fn replication_that_never_ends_fails_after_the_bound() {
    let h = Harness::new().await;
    h.set_config(json!({"replication_delay_ms": 3_600_000}));
    let mut state = h.signed_in().await;
    let mut last = None;
    for _ in 0..4 {
        let r = h.call(h.with_timeout(&state, Duration::from_secs(2))).await;
        state = r.state.clone();
        if r.status != Status::InProgress {
            last = Some(r);
            break;
        }
        h.advance(REPLICATION_BOUND_S as u64 + 1);
    }
    let r = last.expect("fails eventually");
    assert_eq!(r.status, Status::Failed);
    let e = r.error.unwrap();
    assert_eq!(e.step.as_deref(), Some("service_principal"));
    assert!(e.fix.unwrap().contains("5 minutes"));
}

#[tokio::test]
async fn older_secrets_that_cannot_be_listed_stay_and_the_run_still_finishes() {
    let h = Harness::new().await;
    h.provisioned().await;
    // A fresh run for the same site; once the site saved the new secret (`forget_secret`), Graph
    // stops answering reads of the application.
    let state = h.signed_in().await;
    let done = h.call(h.request(Some(&state))).await;
    assert_eq!(done.status, Status::Done, "{:?}", done.error);
    h.control().add_fault(json!({
        "method": "GET", "path": "/v1.0/applications/*", "kind": "status", "status": 503,
        "body": r#"{"error":{"code":"serviceUnavailable","message":"Graph is unavailable."}}"#
    }));
    let r = h.call(h.action(&done.state, "forget_secret")).await;
    assert_eq!(r.status, Status::Done, "the connection works: {:?}", r.error);
    assert_eq!(r.verification.as_ref().unwrap()["ok"], true);
    let codes: Vec<&str> = r.notices.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes, ["older_secrets_kept"], "{:?}", r.notices);
    assert_eq!(
        h.ours().credentials().len(),
        2,
        "the first run's secret stays, and is reported"
    );
    // The run is finished: the same state again makes no request.
    h.control().clear_faults();
    h.control().clear_requests();
    assert_eq!(h.call(h.request(Some(&r.state))).await.status, Status::Done);
    assert_eq!(h.requests(), Vec::<Value>::new());
}

#[tokio::test]
async fn verification_during_replication_is_retried() {
    let h = Harness::new().await;
    let state = h.signed_in().await;
    // From the secret on, new objects replicate for 2 s: the verifier's first two token requests
    // (at once, and after 1 s of backoff) meet it.
    h.before("/addPassword", |env| {
        env.sandbox.control().set_config(json!({"replication_delay_ms": 2000}));
    });
    let r = h.call(h.request(Some(&state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    assert_eq!(r.verification.as_ref().unwrap()["ok"], true);
    assert_eq!(status_of(&r, "verify"), StepStatus::Done);
    let tokens: Vec<Value> = h
        .sent_to("POST", &format!("/{}/oauth2/v2.0/token", tenant()))
        .iter()
        .map(|q| q["status"].clone())
        .collect();
    assert!(
        tokens.len() >= 3 && tokens[..2].iter().all(|s| s != 200) && tokens.last() == Some(&json!(200)),
        "two replication errors, then a token: {tokens:?}"
    );
}

#[tokio::test]
async fn a_secret_lost_in_a_dying_call_is_removed_and_replaced() {
    let h = Harness::new().await;
    let state = h.signed_in().await;
    // addPassword succeeds in the directory but its answer never reaches the state.
    h.control().add_fault(json!({"method": "POST", "path": "/v1.0/applications/*/addPassword", "kind": "malformed_json", "status": 500, "times": 1}));
    let r = h.call(h.request(Some(&state))).await;
    assert_eq!(r.status, Status::Failed, "{r:?}");
    assert_eq!(r.error.as_ref().unwrap().step.as_deref(), Some("client_secret"));
    let lost_key = h.ours().credentials()[0]["keyId"].clone();
    // The caller re-sends the state it has (which has no secret).
    let r = h.call(h.request(Some(&r.state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let ours = h.ours();
    assert_eq!(ours.apps.len(), 1);
    let creds = ours.credentials();
    assert_eq!(creds.len(), 1, "the orphan was removed: {creds:?}");
    assert_ne!(creds[0]["keyId"], lost_key);
    assert!(!h.sent_to("POST", "/removePassword").is_empty());
}

#[tokio::test]
async fn a_call_killed_after_each_request_resumes_to_one_result() {
    // For each request k of a full run: the sandbox applies it, then the process dies (the answer
    // is lost and so is the state the call would have returned). The caller re-sends the state it
    // had; the run must converge on one app, principal, user, role and usable secret.
    // A device code is redeemed once, so a call killed after its poll loses the sign-in (see
    // `a_code_redeemed_by_a_lost_call_starts_a_new_sign_in`): the state the caller keeps is the one
    // of a finished sign-in, stopped at the choice of environment.
    for k in 1..=40 {
        let h = Harness::new().await;
        let state = h.signed_in_and_redeemed().await;
        let first = h.call_killed_after(k, h.request(Some(&state))).await;
        let r = h.call(h.request(Some(&state))).await;
        assert_eq!(r.status, Status::Done, "k={k}: {:?}", r.error);
        let ours = h.ours();
        assert_eq!(ours.counts(), (1, 1, 1, 1), "k={k}");
        assert_eq!(ours.credentials().len(), 1, "k={k}: {:?}", ours.credentials());
        assert_eq!(ours.user_roles().len(), 3, "k={k}");
        if let Some(first) = first {
            // The run needs fewer than k requests: nothing left to kill.
            assert_eq!(first.status, Status::Done);
            assert!(k > 10, "the kills covered the whole run: k={k}");
            return;
        }
    }
    panic!("a run of more than 40 requests");
}

#[tokio::test]
async fn invalid_states_and_keys_are_refused_without_a_request() {
    let h = Harness::new().await;
    let r = h.call(h.request(Some("wpcrm.s1.garbage"))).await;
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.error.as_ref().unwrap().code, "invalid_state");
    assert_eq!(r.steps.len(), 11);
    assert!(!r.state.is_empty());
    let good = h.call(h.request(None)).await.state;
    let mut req = h.request(Some(&good));
    req.state_key = vec![1u8; 32];
    assert_eq!(h.call(req).await.error.unwrap().code, "invalid_state");
    let mut req = h.request(Some(&good));
    req.state_key = vec![1u8; 5];
    assert_eq!(h.call(req).await.error.unwrap().code, "invalid_state_key");
    let log = h.requests();
    assert_eq!(log.len(), 1, "only the first call's device code request: {log:?}");
}

#[tokio::test]
async fn a_secret_lifetime_beyond_the_maximum_is_refused_before_graph() {
    let h = Harness::new().await;
    let mut req = h.request(None);
    req.secret_lifetime_days = Some(731);
    let e = h.call(req).await.error.unwrap();
    assert_eq!(step_code(&e), (Some("client_secret"), "invalid_secret_lifetime"));
    assert_eq!(h.requests(), Vec::<Value>::new());
}

#[tokio::test]
async fn a_tenant_lifetime_policy_is_explained() {
    let h = Harness::new().await;
    h.set_config(json!({"secret_max_lifetime_days": 90}));
    let state = h.signed_in().await;
    let e = h.call(h.request(Some(&state))).await.error.unwrap();
    assert_eq!(
        step_code(&e),
        (Some("client_secret"), "CredentialInvalidLifetimeAsPerAppPolicy")
    );
    assert!(e.fix.unwrap().contains("shorter secret_lifetime_days"));
}

#[tokio::test]
async fn an_admin_without_rights_is_told_what_role_is_needed() {
    let h = Harness::new().await;
    let state = h.signed_in_as(Some(fixtures::user("maker").upn)).await;
    let r = h.call(h.request(Some(&state))).await;
    let e = r.error.unwrap();
    assert_eq!(step_code(&e), (Some("preflight"), "cannot_register_apps"));
    assert!(e.fix.unwrap().contains("Application Administrator"));
    // Running again must not retry with the same account: it asks for a new sign-in.
    let again = h.call(h.request(Some(&r.state))).await;
    assert_eq!(again.status, Status::SignInRequired, "{:?}", again.error);
}

#[tokio::test]
async fn an_adopted_user_outside_the_root_business_unit_is_explained() {
    // The seed plus an application this site registered earlier (its marker, owned by the seeded
    // admin, who signs in), whose application user is in the
    // child business unit.
    let mut seed: Value = serde_json::from_str(DEFAULT_SEED).unwrap();
    // Made-up ids of an application the default seed does not have.
    let (app_id, object_id, sp_id) = (
        "5eed0001-0000-4000-8000-00000000a001",
        "5eed0001-0000-4000-8000-00000000b001",
        "5eed0001-0000-4000-8000-00000000c001",
    );
    seed["applications"].as_array_mut().unwrap().push(json!({
        "name": "Contoso site", "app_id": app_id, "object_id": object_id,
        "service_principal_id": sp_id, "tags": [site_marker(), "wpcrm"],
    }));
    let child = seed_business_unit(false);
    seed["environments"][0]["systemusers"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "key": "wp-contoso-site", "application_id": app_id, "business_unit": child,
        }));
    let h = Harness::seeded(seed).await;
    let state = h.signed_in().await;
    let r = h.call(h.request(Some(&state))).await;
    assert!(
        h.sent_to("POST", "/v1.0/applications").is_empty()
            && !h
                .requests()
                .iter()
                .any(|q| q["method"] == "PATCH" && q["path"].as_str().unwrap().starts_with("/v1.0/applications(")),
        "the app carrying this site's marker, owned by the admin, is adopted"
    );
    let e = r.error.unwrap();
    assert_eq!(step_code(&e), (Some("app_user"), "app_user_in_other_business_unit"));
    assert!(e.fix.unwrap().contains("root"));
}

#[tokio::test]
async fn an_unknown_role_or_table_fails_with_a_fix() {
    let h = Harness::new().await;
    let state = h.signed_in().await;
    let mut req = h.request(Some(&state));
    req.roles = Some(vec!["Nope".into()]);
    let e = h.call(req).await.error.unwrap();
    assert_eq!(e.code, "role_not_found");
    let state = h.signed_in().await;
    let mut req = h.request(Some(&state));
    req.tables[0].logical_name = "nope".into();
    let e = h.call(req).await.error.unwrap();
    assert_eq!(step_code(&e), (Some("custom_role"), "table_not_found"));
}

#[tokio::test]
async fn rollback_removes_what_was_created_and_is_safe_to_repeat() {
    let h = Harness::new().await;
    let done = h.provisioned().await;
    // A done state holds no admin tokens: the rollback asks for a new sign-in first.
    let r = h.call(h.action(&done.state, "rollback")).await;
    assert_eq!(r.status, Status::SignInRequired, "{:?}", r.error);
    assert_eq!(r.steps[0].id, "remove_role_assignment");
    h.approve(&r, None);
    h.control().clear_requests();
    let r = h.call(h.action(&r.state, "rollback")).await;
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
    assert_eq!(h.ours().counts(), (0, 0, 0, 0));
    let log: Vec<String> = h
        .requests()
        .iter()
        .filter(|q| q["method"] != "GET")
        .map(|q| format!("{} {}", q["method"].as_str().unwrap(), q["path"].as_str().unwrap()))
        .collect();
    let disable = log
        .iter()
        .position(|l| l.starts_with("PATCH /contoso/api/data/v9.2/systemusers("));
    assert!(
        disable.is_some_and(|i| log[i + 1].starts_with("DELETE /contoso/api/data/v9.2/systemusers(")),
        "the application user is disabled, then deleted: {log:?}"
    );
    h.control().clear_requests();
    let again = h.call(h.action(&r.state, "rollback")).await;
    assert_eq!(again.status, Status::Done);
    assert_eq!(h.requests(), Vec::<Value>::new(), "nothing left to do");
}

#[tokio::test]
async fn cancel_reports_what_exists() {
    let h = Harness::new().await;
    let r = h.waiting_for_replication().await;
    let e = h.call(h.action(&r.state, "cancel")).await.error.unwrap();
    assert_eq!(e.code, "cancelled");
    assert!(e.message.contains("application"), "{}", e.message);
    assert!(e.fix.unwrap().contains("rollback"));
}

#[tokio::test]
async fn no_secret_or_token_appears_outside_the_connection_secret() {
    let h = Harness::new().await;
    let mut responses = Vec::new();
    let r = h.call(h.request(None)).await;
    responses.push(r.clone());
    h.approve(&r, None);
    // The first secret is created but its answer is lost.
    h.control().add_fault(json!({"method": "POST", "path": "/v1.0/applications/*/addPassword", "kind": "malformed_json", "status": 500, "times": 1}));
    let r = h.call(h.request(Some(&r.state))).await;
    responses.push(r.clone());
    let r = h.call(h.request(Some(&r.state))).await;
    assert_eq!(r.status, Status::Done);
    responses.push(r.clone());
    // The site saves the connection, then the state forgets the secret (and the admin's sign-in).
    let r = h.call(h.action(&r.state, "forget_secret")).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    responses.push(r.clone());
    let rb = h.call(h.action(&r.state, "rollback")).await;
    responses.push(rb.clone());
    h.approve(&rb, None);
    let rb = h.call(h.action(&rb.state, "rollback")).await;
    assert_eq!(rb.status, Status::Done);
    responses.push(rb);
    assert_eq!(h.sent_to("POST", "/addPassword").len(), 2, "two secrets were issued");
    let issued = h.issued_values();
    for mut r in responses {
        let exposed = r.connection.as_ref().map(|c| c.client_secret.secret().to_owned());
        r.state = String::new();
        let mut printed = format!("{r:?}");
        let mut v = serde_json::to_value(&r).unwrap();
        if let Some(c) = v.get_mut("connection") {
            assert_eq!(c["client_secret"].as_str(), exposed.as_deref());
            c["client_secret"] = Value::Null;
        }
        printed.push_str(&v.to_string());
        for needle in &issued {
            assert!(!printed.contains(needle.as_str()), "{needle} in {printed}");
        }
        assert_secretless(&printed, "a provisioning response");
    }
}
