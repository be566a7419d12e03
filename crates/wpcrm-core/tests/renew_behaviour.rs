//! `action: renew` against the in-process sandbox (real transport, real verifier): a new secret
//! for an existing connection in one sign-in, the wait until Entra ID accepts it (the sandbox's
//! `secret_activation_delay_ms`), and the promise that a renewal dying at any point leaves the site
//! on its old secret or its new one, never neither, and ends with exactly one secret of this site
//! once a renewal was saved (`forget_secret`).
//!
//! Time: the sandbox's delays are real (short); a [`JumpClock`] moves the engine's wall clock past
//! the device-code interval after an approval.

mod common;

use common::{has_secret_text, tenant, Env};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wpcrm_core::engine::{Clock, Context, EngineConfig};
use wpcrm_core::provision::steps::StepStatus;
use wpcrm_core::provision::{self, Connection, ProvisionResponse, Status};
use wpcrm_core::{ClientSecret, ConnectionInput, ProvisionRequest, TableRequest, VerifyOptions};

const KEY: [u8; 32] = [7u8; 32];
const SITE: &str = "https://renew.example";

#[derive(Default)]
struct JumpClock(AtomicI64);

impl Clock for JumpClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc() + time::Duration::milliseconds(self.0.load(Ordering::SeqCst))
    }
}

struct Harness {
    env: Env,
    ctx: Context,
    clock: Arc<JumpClock>,
}

/// What the site saved: the connection it uses now.
#[derive(Clone)]
struct Saved {
    app_id: String,
    object_id: String,
    secret: String,
    key_id: String,
}

impl Harness {
    async fn new() -> Harness {
        let env = Env::start().await;
        let clock = Arc::new(JumpClock::default());
        let config = EngineConfig {
            sandbox_url: Some(env.sandbox.url().to_owned()),
            ..EngineConfig::default()
        };
        let ctx = Context::new(config, Arc::new(env.transport()), clock.clone());
        Harness { env, ctx, clock }
    }

    fn instance_url(&self) -> String {
        format!("{}/contoso", self.env.sandbox.url())
    }

    fn setup_request(&self, state: Option<&str>) -> ProvisionRequest {
        ProvisionRequest {
            state: state.map(str::to_owned),
            state_key: KEY.to_vec(),
            instance_url: Some(self.instance_url()),
            app_name: Some("Renew site".into()),
            tables: vec![TableRequest::read("account")],
            site_id: Some(SITE.into()),
            timeout: Some(Duration::from_secs(20)),
            ..ProvisionRequest::default()
        }
    }

    /// A renewal request carrying only what the site recorded (no setup state).
    fn renew_request(&self, saved: &Saved, state: Option<&str>) -> ProvisionRequest {
        ProvisionRequest {
            action: Some("renew".into()),
            application_id: Some(saved.app_id.clone()),
            application_object_id: Some(saved.object_id.clone()),
            tenant_id: Some(tenant().into()),
            secret_lifetime_days: Some(180),
            ..self.setup_request(state)
        }
    }

    fn forget(&self, mut req: ProvisionRequest, state: &str) -> ProvisionRequest {
        req.action = Some("forget_secret".into());
        req.state = Some(state.to_owned());
        req
    }

    async fn call(&self, req: ProvisionRequest) -> ProvisionResponse {
        provision::run(&self.ctx, req).await
    }

    /// Starts `req` without a state, approves the sign-in as the seeded admin, returns the state.
    async fn signed_in(&self, req: ProvisionRequest) -> String {
        let r = self.call(req).await;
        assert_eq!(r.status, Status::SignInRequired, "{:?}", r.error);
        let code = &r.sign_in.as_ref().unwrap().user_code;
        assert!(self.env.sandbox.control().approve_device(code, None));
        self.clock.0.fetch_add(1000, Ordering::SeqCst);
        r.state
    }

    /// Setup run to `done`, saved (`forget_secret`): the connection the site then uses.
    async fn provisioned(&self) -> Saved {
        let state = self.signed_in(self.setup_request(None)).await;
        let done = self.call(self.setup_request(Some(&state))).await;
        assert_eq!(done.status, Status::Done, "{:?}", done.error);
        let saved = saved(done.connection.as_ref().unwrap());
        let f = self.call(self.forget(self.setup_request(None), &done.state)).await;
        assert_eq!(f.status, Status::Done, "{:?}", f.error);
        saved
    }

    /// Whether Entra ID grants `saved` a token for the environment (the verifier's token check).
    async fn works(&self, saved: &Saved) -> bool {
        let connection = ConnectionInput {
            instance_url: Some(self.instance_url()),
            application_id: Some(saved.app_id.clone()),
            client_secret: Some(ClientSecret::new(saved.secret.clone())),
            tenant_id: Some(tenant().into()),
        };
        let options = VerifyOptions {
            timeout: Some(Duration::from_secs(10)),
            ..VerifyOptions::default()
        };
        // A context of its own: no token cached by an earlier check answers for the secret.
        let config = EngineConfig {
            sandbox_url: Some(self.env.sandbox.url().to_owned()),
            ..EngineConfig::default()
        };
        let ctx = Context::new(config, Arc::new(self.env.transport()), self.clock.clone());
        let report = wpcrm_core::verify::run(&ctx, connection, options).await;
        let token = report.checks.iter().find(|c| c.id == "token").unwrap();
        token.status == wpcrm_core::report::CheckStatus::Pass
    }

    /// The password credentials of the application `object_id`, as Graph lists them.
    fn credentials(&self, object_id: &str) -> Vec<Value> {
        let state = self.env.sandbox.control().state();
        let app = state["applications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"].as_str().is_some_and(|id| id.eq_ignore_ascii_case(object_id)))
            .cloned()
            .unwrap();
        app["passwordCredentials"].as_array().unwrap().clone()
    }

    fn token_statuses(&self) -> Vec<u64> {
        let path = format!("/{}/oauth2/v2.0/token", tenant());
        self.env
            .served()
            .iter()
            .filter(|r| r["method"] == "POST" && r["path"] == path.as_str())
            .map(|r| r["status"].as_u64().unwrap())
            .collect()
    }
}

fn saved(c: &Connection) -> Saved {
    Saved {
        app_id: c.application_id.clone(),
        object_id: c.application_object_id.clone(),
        secret: c.client_secret.secret().to_owned(),
        key_id: c.secret_key_id.clone().unwrap_or_default(),
    }
}

fn step(r: &ProvisionResponse, id: &str) -> StepStatus {
    r.steps
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("{id} in {:?}", r.steps))
        .status
}

#[tokio::test]
async fn renewal_waits_for_the_new_secret_then_hands_it_back_and_forget_secret_leaves_one() {
    let h = Harness::new().await;
    let old = h.provisioned().await;
    assert_eq!(h.credentials(&old.object_id).len(), 1);
    // Entra ID takes 2 s to accept a new secret.
    h.env
        .sandbox
        .control()
        .set_config(json!({"secret_activation_delay_ms": 2000}));

    let state = h.signed_in(h.renew_request(&old, None)).await;
    h.env.sandbox.control().clear_requests();
    let r = h.call(h.renew_request(&old, Some(&state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let ids: Vec<&str> = r.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["sign_in", "application", "client_secret", "secret_active", "verify"]
    );
    for s in &r.steps {
        assert_eq!(s.status, StepStatus::Done, "{s:?}");
    }
    let new = saved(r.connection.as_ref().unwrap());
    assert_eq!(new.app_id, old.app_id, "the same application");
    assert!(has_secret_text(&new.secret) && new.secret != old.secret);
    assert!(!new.key_id.is_empty() && new.key_id != old.key_id);
    let c = r.connection.as_ref().unwrap();
    let in_180_days = (h.clock.now() + time::Duration::days(180)).date().to_string();
    assert!(c.secret_expires_at.starts_with(&in_180_days), "{}", c.secret_expires_at);
    assert_eq!(r.verification.as_ref().unwrap()["ok"], true, "{:?}", r.verification);
    // It asked Entra ID with the new secret until it was accepted, backing off, no fixed sleep.
    let statuses = h.token_statuses();
    assert!(
        statuses.len() >= 3 && statuses[0] == 401 && statuses.contains(&200),
        "refused while activating, then granted: {statuses:?}"
    );
    // Not yet saved: the old secret stays, and still works.
    assert_eq!(h.credentials(&old.object_id).len(), 2);
    assert!(h.works(&old).await, "the site's current secret keeps working");
    assert!(h.works(&new).await);

    // Saved: the older secret of this site goes, the state forgets the value and the sign-in.
    let f = h.call(h.forget(h.renew_request(&old, None), &r.state)).await;
    assert_eq!(f.status, Status::Done, "{:?}", f.error);
    assert_eq!(f.connection.as_ref().unwrap().client_secret.secret(), "");
    let creds = h.credentials(&old.object_id);
    assert_eq!(creds.len(), 1, "{creds:?}");
    assert_eq!(creds[0]["keyId"], json!(new.key_id));
    assert!(!h.works(&old).await && h.works(&new).await);
    let opened = provision::state::open(&f.state, &KEY).unwrap();
    assert!(opened.tokens.refresh.is_none() && opened.tokens.access.is_empty());
    assert!(!f.state.contains(&new.secret));
}

#[tokio::test]
async fn a_renewal_that_dies_after_the_new_secret_was_created_leaves_the_site_working() {
    let h = Harness::new().await;
    let old = h.provisioned().await;

    // 1. addPassword takes effect in the directory, but its answer never arrives (the call dies).
    h.env.sandbox.control().add_fault(json!({
        "method": "POST", "path": "/v1.0/applications/*/addPassword", "kind": "malformed_json", "times": 1
    }));
    let state = h.signed_in(h.renew_request(&old, None)).await;
    let r = h.call(h.renew_request(&old, Some(&state))).await;
    assert_eq!(r.status, Status::Failed, "{r:?}");
    assert_eq!(h.credentials(&old.object_id).len(), 2, "the lost secret exists");
    assert!(h.works(&old).await, "the site still works on its old secret");

    // 2. A renewal runs to `done`, then the site dies before saving: its state is dropped.
    let state = h.signed_in(h.renew_request(&old, None)).await;
    let lost = h.call(h.renew_request(&old, Some(&state))).await;
    assert_eq!(lost.status, Status::Done, "{:?}", lost.error);
    drop(lost);
    assert_eq!(h.credentials(&old.object_id).len(), 3);
    assert!(h.works(&old).await, "still the old secret, and it still works");

    // 3. The admin renews again from scratch (no state): done, saved, forgotten.
    let state = h.signed_in(h.renew_request(&old, None)).await;
    let r = h.call(h.renew_request(&old, Some(&state))).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
    let new = saved(r.connection.as_ref().unwrap());
    assert!(h.works(&old).await, "until the new one is saved, the old one works");
    let f = h.call(h.forget(h.renew_request(&old, None), &r.state)).await;
    assert_eq!(f.status, Status::Done, "{:?}", f.error);
    let creds = h.credentials(&old.object_id);
    assert_eq!(creds.len(), 1, "exactly one secret of this site: {creds:?}");
    assert_eq!(creds[0]["keyId"], json!(new.key_id));
    assert!(h.works(&new).await);
    let removed = f
        .changes
        .iter()
        .filter(|c| c.action == provision::ChangeAction::Removed && c.kind == provision::ChangeKind::ClientSecret)
        .count();
    assert_eq!(removed, 3, "the old secret and both lost ones: {:?}", f.changes);
}

#[tokio::test]
async fn a_lifetime_beyond_the_tenant_policy_is_refused_and_explained() {
    let h = Harness::new().await;
    let old = h.provisioned().await;
    h.env
        .sandbox
        .control()
        .set_config(json!({"secret_max_lifetime_days": 90}));
    let state = h.signed_in(h.renew_request(&old, None)).await;
    let r = h.call(h.renew_request(&old, Some(&state))).await;
    assert_eq!(r.status, Status::Failed, "{r:?}");
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.step.as_deref(), e.code.as_str()),
        (Some("client_secret"), "CredentialInvalidLifetimeAsPerAppPolicy")
    );
    assert!(e.fix.as_deref().unwrap().contains("secret_lifetime_days"), "{e:?}");
    assert_eq!(step(&r, "client_secret"), StepStatus::Failed);
    assert_eq!(h.credentials(&old.object_id).len(), 1, "nothing was added");
    assert!(h.works(&old).await);

    // The site's connection changed meanwhile (another application): that renewal is not continued,
    // a new one begins (and signs in).
    let other = Saved {
        app_id: "0e0e0e0e-0000-4000-8000-000000000000".into(),
        ..old.clone()
    };
    let fresh = h.call(h.renew_request(&other, Some(&r.state))).await;
    assert_eq!(fresh.status, Status::SignInRequired, "{:?}", fresh.error);

    // Within the policy, the same renewal (same state, same sign-in) finishes. (89: the engine's
    // clock runs two seconds ahead of the sandbox's here, and the end date is counted from it.)
    let mut within = h.renew_request(&old, Some(&r.state));
    within.secret_lifetime_days = Some(89);
    let r = h.call(within).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);
}

#[tokio::test]
async fn renewal_needs_the_connection_and_finds_only_the_recorded_application() {
    let h = Harness::new().await;
    let old = h.provisioned().await;
    // Without the application id: refused before any request.
    h.env.sandbox.control().clear_requests();
    let mut bare = h.renew_request(&old, None);
    bare.application_id = None;
    let r = h.call(bare).await;
    assert_eq!(r.error.as_ref().map(|e| e.code.as_str()), Some("connection_required"));
    assert!(h.env.served().is_empty());

    // An application id the tenant does not have: not found, nothing created.
    let other = Saved {
        app_id: "0f0f0f0f-0000-4000-8000-000000000000".into(),
        object_id: old.object_id.clone(),
        ..old.clone()
    };
    let state = h.signed_in(h.renew_request(&other, None)).await;
    let r = h.call(h.renew_request(&other, Some(&state))).await;
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.step.as_deref(), e.code.as_str()),
        (Some("application"), "application_not_found")
    );
    assert_eq!(step(&r, "application"), StepStatus::Failed);
    assert_eq!(h.credentials(&old.object_id).len(), 1);

    // Signed in to another tenant than the connection's: refused, and the next call signs in anew.
    let mut elsewhere = h.renew_request(&old, None);
    elsewhere.tenant_id = Some("11111111-2222-4333-8444-555555555555".into());
    let state = h.signed_in(elsewhere.clone()).await;
    elsewhere.state = Some(state);
    let r = h.call(elsewhere).await;
    assert_eq!(r.error.as_ref().map(|e| e.code.as_str()), Some("wrong_tenant"), "{r:?}");

    // A renewal's state is not a setup run's: it cannot be continued as one or rolled back.
    for action in ["run", "rollback"] {
        let mut req = h.setup_request(Some(&r.state));
        req.action = Some(action.into());
        let refused = h.call(req).await;
        assert_eq!(refused.error.as_ref().map(|e| e.code.as_str()), Some("not_a_setup_run"));
    }
}

#[tokio::test]
async fn a_setup_run_keeps_older_secrets_until_forget_secret() {
    let h = Harness::new().await;
    let first = h.provisioned().await;
    // A second setup run for the same site reuses the application and adds a secret …
    let state = h.signed_in(h.setup_request(None)).await;
    let done = h.call(h.setup_request(Some(&state))).await;
    assert_eq!(done.status, Status::Done, "{:?}", done.error);
    let second = saved(done.connection.as_ref().unwrap());
    assert_eq!(second.app_id, first.app_id);
    // … but removes nothing before the site saved it: the first secret still works.
    assert_eq!(h.credentials(&first.object_id).len(), 2);
    assert!(h.works(&first).await);
    let f = h.call(h.forget(h.setup_request(None), &done.state)).await;
    assert_eq!(f.status, Status::Done, "{:?}", f.error);
    let creds = h.credentials(&first.object_id);
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0]["keyId"], json!(second.key_id));
}
