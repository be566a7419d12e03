//! `wpcrm_provision()`'s engine end to end against the sandbox (real HTTPS, real reqwest
//! transport, the sandbox's device-code approval through its control API), through the blocking
//! `Engine::provision` the extension calls.

mod common;

use serde_json::{json, Value};
use std::time::Duration;
use wpcrm_core::provision::{ChangeAction, ChangeKind, ProvisionResponse, Status};
use wpcrm_core::{Engine, ProvisionRequest, TableRequest};
use wpcrm_sandbox::{fixtures, Sandbox, SandboxOptions};

/// The seeded administrator's UPN (an Application Administrator), who approves the sign-ins.
fn admin() -> &'static str {
    fixtures::admin().upn
}

struct Env {
    sandbox: Sandbox,
    engine: Engine,
}

fn env(options: SandboxOptions) -> Env {
    let common = common::Env::start_blocking(options);
    let engine = common.engine(Duration::from_secs(30));
    Env {
        sandbox: common.sandbox,
        engine,
    }
}

impl Env {
    fn request(&self, state: Option<&str>) -> ProvisionRequest {
        ProvisionRequest {
            state: state.map(str::to_owned),
            state_key: b"0123456789abcdef0123456789abcdef".to_vec(),
            instance_url: Some(format!("{}/contoso", self.sandbox.url())),
            app_name: Some("Contoso WP".into()),
            site_id: Some("https://www.contoso.example".into()),
            tables: vec![
                TableRequest::read("incident"),
                TableRequest {
                    logical_name: "lead".into(),
                    access: vec!["read".into(), "write".into()],
                },
            ],
            create_role: true,
            ..ProvisionRequest::default()
        }
    }

    fn call(&self, request: ProvisionRequest) -> ProvisionResponse {
        self.engine.provision(request).expect("engine runs")
    }

    /// Starts a sign-in and has `user` approve it; returns the state to continue with.
    fn signed_in(&self, user: &str) -> String {
        let r = self.call(self.request(None));
        assert_eq!(r.status, Status::SignInRequired, "{:?}", r.error);
        let s = r.sign_in.as_ref().unwrap();
        assert!(s.verification_uri.ends_with("/devicelogin"), "{s:?}");
        assert!(s.message.contains(&s.user_code));
        assert!(self.sandbox.control().approve_device(&s.user_code, Some(user)));
        r.state
    }

    /// A whole run for the seeded admin, from a new sign-in to its end: the answer, and the
    /// application id and secret of a `done` connection (checked to be done and verified).
    fn provisioned(&self) -> (ProvisionResponse, String, String) {
        let state = self.signed_in(admin());
        let r = self.drive(self.request(Some(&state)));
        let (app_id, secret) = expect_done(&r);
        (r, app_id, secret)
    }

    /// Calls until the answer is not `in_progress`.
    fn drive(&self, mut request: ProvisionRequest) -> ProvisionResponse {
        for _ in 0..20 {
            let r = self.call(request.clone());
            if r.status != Status::InProgress {
                return r;
            }
            request.state = Some(r.state);
        }
        panic!("no end in sight");
    }

    fn state(&self) -> Value {
        self.sandbox.control().state()
    }

    fn ours(&self, app_id: &str) -> (usize, usize, usize, Vec<String>) {
        let s = self.state();
        let apps = s["applications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["displayName"] == "Contoso WP")
            .count();
        let sps = s["servicePrincipals"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["appId"] == app_id)
            .count();
        let users: Vec<&Value> = s["environments"]["contoso"]["systemusers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| {
                u["applicationid"]
                    .as_str()
                    .is_some_and(|a| a.eq_ignore_ascii_case(app_id))
            })
            .collect();
        let mut roles: Vec<String> = users
            .first()
            .map(|u| {
                u["roles"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        roles.sort();
        (apps, sps, users.len(), roles)
    }

    fn custom_roles(&self) -> Vec<Value> {
        self.state()["environments"]["contoso"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["name"] == "WordPress – Contoso WP")
            .cloned()
            .collect()
    }

    fn credentials(&self, app_id: &str) -> Vec<Value> {
        self.state()["applications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["appId"] == app_id)
            .map(|a| a["passwordCredentials"].as_array().unwrap().clone())
            .unwrap_or_default()
    }
}

fn expect_done(r: &ProvisionResponse) -> (String, String) {
    assert_eq!(r.status, Status::Done, "{:?} {:?}", r.error, r.steps);
    let v = r.verification.as_ref().expect("verification");
    assert_eq!(v["ok"], true, "{v:#}");
    assert_eq!(v["status"], "pass", "{v:#}");
    let c = r.connection.as_ref().unwrap();
    (c.application_id.clone(), c.client_secret.secret().to_owned())
}

#[test]
fn fresh_provision_then_a_repeat_reuses_everything() {
    let env = env(SandboxOptions::default());
    let (r, app_id, secret) = env.provisioned();
    let c = r.connection.as_ref().unwrap();
    assert_eq!(c.tenant_id.as_deref(), Some(fixtures::tenant_id()));
    assert!(c.application_user_id.is_some() && c.service_principal_id.is_some() && c.role_id.is_some());
    assert!(secret.len() >= 16);
    let steps: Vec<_> = r
        .steps
        .iter()
        .map(|s| (s.id.as_str(), format!("{:?}", s.status)))
        .collect();
    assert!(steps.iter().all(|(_, s)| s == "Done"), "{steps:?}");
    let (apps, sps, users, roles) = env.ours(&app_id);
    assert_eq!((apps, sps, users), (1, 1, 1));
    assert_eq!(
        roles,
        vec!["Basic User".to_owned(), "WordPress – Contoso WP".to_owned()]
    );
    let custom = env.custom_roles();
    assert_eq!(custom.len(), 1);
    let mut privs: Vec<String> = custom[0]["privileges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}:{}",
                p["name"].as_str().unwrap(),
                p["depth"].as_str().unwrap_or_default()
            )
        })
        .collect();
    privs.sort();
    assert_eq!(privs.len(), 3, "read incident, read+write lead: {privs:?}");
    assert!(
        privs.iter().all(|p| p.to_ascii_lowercase().ends_with(":global")),
        "{privs:?}"
    );
    let tables = &r.verification.as_ref().unwrap()["tables"];
    assert_eq!(tables["incident"]["access"]["read"], "global", "{tables:#}");
    assert_eq!(tables["lead"]["access"]["write"], "global", "{tables:#}");

    // The same state again: still done, no new request.
    env.sandbox.control().clear_requests();
    let again = env.call(env.request(Some(&r.state)));
    assert_eq!(again.status, Status::Done);
    assert_eq!(env.sandbox.control().requests().as_array().unwrap().len(), 0);

    // A new run for the same site (no state, new sign-in) finds and reuses everything, and
    // re-enables the application user someone disabled meanwhile.
    let (status, _) = env.sandbox.control().call(
        "POST",
        "/_sandbox/users/disable",
        json!({"environment": "contoso", "application_id": app_id}),
    );
    assert_eq!(status, 204);
    let (r2, app_id2, secret2) = env.provisioned();
    assert_eq!(app_id2, app_id);
    assert_ne!(secret2, secret, "a new secret (the old value cannot be read back)");
    assert_eq!(env.ours(&app_id), (1, 1, 1, roles));
    assert_eq!(env.custom_roles().len(), 1);
    // Until the site saved the new secret, the old one stays (it is what the site still uses).
    assert_eq!(env.credentials(&app_id).len(), 2, "nothing removed before the save");
    // Saved (`forget_secret`): this site's older secret is removed, one secret of ours remains.
    let mut forget = env.request(Some(&r2.state));
    forget.action = Some("forget_secret".into());
    let f = env.call(forget);
    assert_eq!(f.status, Status::Done, "{:?}", f.error);
    assert_eq!(
        env.credentials(&app_id).len(),
        1,
        "the older secret of this site is retired once the new one is saved"
    );
    assert!(
        f.changes
            .iter()
            .any(|c| c.action == ChangeAction::Removed && c.kind == ChangeKind::ClientSecret),
        "{:?}",
        f.changes
    );
}

#[test]
fn without_an_instance_url_the_admin_chooses_an_environment() {
    let env = env(SandboxOptions::default());
    let state = env.signed_in(admin());
    let mut req = env.request(Some(&state));
    req.instance_url = None;
    let r = env.call(req);
    assert_eq!(r.status, Status::ChooseEnvironment, "{:?}", r.error);
    let envs = r.environments.as_ref().unwrap();
    let contoso = envs
        .iter()
        .find(|e| e.friendly_name == "Contoso")
        .expect("Contoso listed");
    assert_eq!(contoso.url, format!("{}/contoso", env.sandbox.url()));
    assert_eq!(contoso.region, "NA");
    assert!(contoso.is_system_admin);
    assert!(!contoso.unique_name.is_empty() && !contoso.environment_id.is_empty());
    assert!(envs.iter().any(|e| e.friendly_name == "Contoso (Dev)"));
    let mut req = env.request(Some(&r.state));
    req.instance_url = Some(contoso.url.clone());
    expect_done(&env.drive(req));
}

#[test]
fn a_run_killed_after_each_step_resumes_to_one_result() {
    // Each call has a budget of a few round trips (latency 150 ms, budget 1.2 s); every call's
    // answer is thrown away once ("killed") and the previous state re-sent.
    let env = env(SandboxOptions {
        latency_ms: 150,
        ..SandboxOptions::default()
    });
    let signed = env.signed_in(admin());
    // The device code can be redeemed once: a call killed after redeeming it would lose the
    // sign-in (the next run asks for a new one), so the kills start after it.
    let mut req = env.request(Some(&signed));
    req.timeout = Some(Duration::from_millis(1200));
    let first = env.call(req);
    assert_eq!(first.status, Status::InProgress, "{:?}", first.error);
    let mut state = first.state;
    let mut progressed = Vec::new();
    let mut done = None;
    for round in 0..30 {
        let mut req = env.request(Some(&state));
        req.timeout = Some(Duration::from_millis(if round < 12 { 1200 } else { 30_000 }));
        let killed = env.call(req.clone());
        progressed.push(killed.step.clone().unwrap_or_else(|| format!("{:?}", killed.status)));
        let r = env.call(req);
        if r.status == Status::Done {
            done = Some(r);
            break;
        }
        assert_eq!(r.status, Status::InProgress, "{:?}", r.error);
        state = r.state;
    }
    let r = done.unwrap_or_else(|| panic!("never done: {progressed:?}"));
    let (app_id, _) = expect_done(&r);
    let (apps, sps, users, roles) = env.ours(&app_id);
    assert_eq!((apps, sps, users, roles.len()), (1, 1, 1, 2), "{progressed:?}");
    assert_eq!(env.custom_roles().len(), 1);
    assert_eq!(
        env.credentials(&app_id).len(),
        1,
        "lost secrets were removed: {progressed:?}"
    );
    assert!(
        progressed.len() > 3,
        "the budget really cut the run into pieces: {progressed:?}"
    );
}

#[test]
fn a_secret_whose_state_was_lost_is_replaced_not_left_behind() {
    let env = env(SandboxOptions::default());
    let signed = env.signed_in(admin());
    // Get a state from just before the secret: stop the first call at addPassword.
    let id = env.sandbox.control().add_fault(json!({"method": "POST", "path": "/v1.0/applications/*/addPassword", "kind": "status", "status": 500, "body": "{}"}));
    assert!(id > 0);
    let before_secret = env.call(env.request(Some(&signed)));
    assert_eq!(before_secret.status, Status::Failed);
    assert_eq!(
        before_secret.error.as_ref().unwrap().step.as_deref(),
        Some("client_secret")
    );
    env.sandbox.control().clear_faults();
    // This call creates the secret and finishes ... and its answer is lost.
    let lost = env.drive(env.request(Some(&before_secret.state)));
    let (app_id, lost_secret) = expect_done(&lost);
    assert_eq!(env.credentials(&app_id).len(), 1);
    // The caller still has the older state and sends it again.
    let r = env.drive(env.request(Some(&before_secret.state)));
    let (_, secret) = expect_done(&r);
    assert_ne!(secret, lost_secret);
    let creds = env.credentials(&app_id);
    assert_eq!(creds.len(), 1, "the unreachable secret was removed: {creds:?}");
}

#[test]
fn replication_delay_is_absorbed() {
    let env = env(SandboxOptions {
        replication_delay_ms: 6000,
        ..SandboxOptions::default()
    });
    let state = env.signed_in(admin());
    let started = std::time::Instant::now();
    let r = env.drive(env.request(Some(&state)));
    expect_done(&r);
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "the delay was real: {:?}",
        started.elapsed()
    );
    // And with budgets shorter than the delay: in_progress meanwhile, never failed.
    let env2 = self::env(SandboxOptions {
        replication_delay_ms: 6000,
        ..SandboxOptions::default()
    });
    let state = env2.signed_in(admin());
    let mut req = env2.request(Some(&state));
    req.timeout = Some(Duration::from_secs(3));
    let r = env2.call(req);
    assert_eq!(r.status, Status::InProgress, "{:?}", r.error);
    let mut req = env2.request(Some(&r.state));
    req.timeout = Some(Duration::from_secs(30));
    expect_done(&env2.drive(req));
}

#[test]
fn declined_and_expired_sign_ins_fail_with_a_fix() {
    let env = env(SandboxOptions::default());
    for (action, code) in [("decline", "AADSTS65004"), ("expire", "expired_token")] {
        let r = env.call(env.request(None));
        let user_code = r.sign_in.as_ref().unwrap().user_code.clone();
        let (status, _) = env.sandbox.control().call(
            "POST",
            &format!("/_sandbox/device/{action}"),
            json!({"user_code": user_code}),
        );
        assert_eq!(status, 204);
        let r = env.call(env.request(Some(&r.state)));
        assert_eq!(r.status, Status::Failed);
        let e = r.error.as_ref().unwrap();
        assert_eq!((e.step.as_deref(), e.code.as_str()), (Some("sign_in"), code));
        assert!(e.fix.is_some());
        // The next run starts a new sign-in.
        assert_eq!(env.call(env.request(Some(&r.state))).status, Status::SignInRequired);
    }
}

#[test]
fn conditional_access_and_missing_rights_fail_with_a_fix() {
    let env = env(SandboxOptions::default());
    let state = env.signed_in(fixtures::user("maker").upn);
    let r = env.call(env.request(Some(&state)));
    assert_eq!(r.status, Status::Failed);
    let e = r.error.as_ref().unwrap();
    // Caught by the preflight, before anything is created (issue 10).
    assert_eq!(
        (e.step.as_deref(), e.code.as_str()),
        (Some("preflight"), "cannot_register_apps")
    );
    assert!(e.fix.as_ref().unwrap().contains("Application Administrator"));

    let state = env.signed_in(fixtures::user("blocked").upn);
    let r = env.call(env.request(Some(&state)));
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.step.as_deref(), e.code.as_str()),
        (Some("sign_in"), "AADSTS53003"),
        "{e:?}"
    );
    assert!(e.fix.as_ref().unwrap().contains("Conditional Access"));
}

#[test]
fn a_tenant_lifetime_policy_is_explained_and_a_shorter_lifetime_works() {
    let env = env(SandboxOptions::default());
    env.sandbox
        .control()
        .set_config(json!({"secret_max_lifetime_days": 90}));
    let state = env.signed_in(admin());
    let r = env.call(env.request(Some(&state)));
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.step.as_deref(), e.code.as_str()),
        (Some("client_secret"), "CredentialInvalidLifetimeAsPerAppPolicy"),
        "{e:?}"
    );
    assert!(e.fix.as_ref().unwrap().contains("shorter secret_lifetime_days"));
    let mut req = env.request(Some(&r.state));
    req.secret_lifetime_days = Some(60);
    expect_done(&env.drive(req));
}

#[test]
fn rollback_leaves_the_sandbox_as_it_was() {
    let env = env(SandboxOptions::default());
    let before = env.state();
    let state = env.signed_in(admin());
    let r = env.drive(env.request(Some(&state)));
    expect_done(&r);
    assert_ne!(env.state(), before);
    let mut req = env.request(Some(&r.state));
    req.action = Some("rollback".into());
    // A done state keeps no admin tokens: sign in again to roll back.
    let sign_in = env.call(req.clone());
    assert_eq!(sign_in.status, Status::SignInRequired, "{:?}", sign_in.error);
    assert!(env
        .sandbox
        .control()
        .approve_device(&sign_in.sign_in.as_ref().unwrap().user_code, None));
    req.state = Some(sign_in.state);
    let rb = env.call(req.clone());
    assert_eq!(rb.status, Status::Done, "{:?} {:?}", rb.error, rb.steps);
    assert!(rb
        .steps
        .iter()
        .all(|s| format!("{:?}", s.status) == "Done" || format!("{:?}", s.status) == "Skipped"));
    assert_eq!(env.state(), before);
    // Safe to repeat.
    req.state = Some(rb.state);
    assert_eq!(env.call(req).status, Status::Done);
    assert_eq!(env.state(), before);
}

#[test]
fn cancel_reports_what_exists() {
    let env = env(SandboxOptions::default());
    let state = env.signed_in(admin());
    env.sandbox.control().add_fault(json!({"method": "POST", "path": "/contoso/api/data/v9.2/systemusers", "kind": "status", "status": 500, "body": "{}"}));
    let r = env.call(env.request(Some(&state)));
    assert_eq!(r.status, Status::Failed);
    let mut req = env.request(Some(&r.state));
    req.action = Some("cancel".into());
    let c = env.call(req);
    let e = c.error.as_ref().unwrap();
    assert_eq!(e.code, "cancelled");
    assert!(
        e.message.contains("application") && e.message.contains("client secret"),
        "{}",
        e.message
    );
}

#[test]
fn a_tampered_state_is_refused() {
    let env = env(SandboxOptions::default());
    let r = env.call(env.request(None));
    let mut tampered = r.state.clone().into_bytes();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let r = env.call(env.request(Some(&String::from_utf8(tampered).unwrap())));
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.error.as_ref().unwrap().code, "invalid_state");
}

// ---- What setup may reuse (SECURITY.md, "What setup reuses") -------------------------------------

/// Plants, as another tenant member (`maker@`, no directory role), an application that looks like
/// the one setup makes: the same display name and the tag earlier versions computed from the site's
/// public URL. Returns its appId.
fn plant_lookalike_app(env: &Env, tags: Vec<String>) -> String {
    let (status, planted) = env.sandbox.control().call(
        "POST",
        "/_sandbox/apps/plant",
        json!({
            "display_name": "Contoso WP",
            "tags": tags,
            "owner": fixtures::user("maker").upn,
            "service_principal": true,
        }),
    );
    assert_eq!(status, 200, "{planted}");
    planted["appId"].as_str().unwrap().to_owned()
}

fn app_with_id<'a>(state: &'a Value, app_id: &str) -> &'a Value {
    state["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appId"] == app_id)
        .unwrap_or_else(|| panic!("no application {app_id}"))
}

#[test]
fn a_planted_lookalike_app_and_role_are_left_alone_and_reported() {
    let env = env(SandboxOptions::default());
    let site = env.request(None).site_id.unwrap();
    let planted_app = plant_lookalike_app(
        &env,
        vec![wpcrm_core::provision::public_site_tag(&site), "wpcrm".into()],
    );
    let (status, planted_role) = env.sandbox.control().call(
        "POST",
        "/_sandbox/roles/plant",
        json!({"environment": "contoso", "name": "WordPress – Contoso WP",
               "privileges": [{"name": "prvReadIncident", "depth": "Global"}]}),
    );
    assert_eq!(status, 200, "{planted_role}");
    let planted_role = planted_role["roleid"].as_str().unwrap().to_owned();

    let (r, app_id, _) = env.provisioned();
    assert_ne!(app_id, planted_app, "setup registered its own application");
    let world = env.state();
    assert_eq!(
        app_with_id(&world, &planted_app)["passwordCredentials"],
        json!([]),
        "no secret was added to the planted application"
    );
    let users = world["environments"]["contoso"]["systemusers"].as_array().unwrap();
    assert!(
        !users.iter().any(|u| u["applicationid"] == planted_app.as_str()),
        "the planted application got no application user"
    );
    let ours = users.iter().find(|u| u["applicationid"] == app_id.as_str()).unwrap();
    let roles = &world["environments"]["contoso"]["roles"];
    let role_ids: Vec<&str> = roles
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"].as_str().unwrap().starts_with("WordPress – Contoso WP"))
        .map(|r| r["roleid"].as_str().unwrap())
        .collect();
    assert_eq!(role_ids.len(), 2, "the planted role and setup's own: {roles:#}");
    assert!(
        !ours["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "WordPress – Contoso WP"),
        "the planted role is not assigned: {ours:#}"
    );
    let codes: Vec<&str> = r.notices.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes, ["lookalike_ignored", "lookalike_ignored"], "{:?}", r.notices);
    assert!(r.notices.iter().any(|n| n.message.contains(&planted_app)));
    assert!(r.notices.iter().any(|n| n.message.contains(&planted_role)));
}

#[test]
fn an_app_with_the_sites_marker_but_another_owner_is_not_adopted() {
    let env = env(SandboxOptions::default());
    let req = env.request(None);
    let marker = wpcrm_core::provision::SiteMarker::new(&req.state_key, req.site_id.as_deref().unwrap()).tag;
    // Whoever copied the marker (say, from an earlier app of this site) does not own it as the admin.
    let planted = plant_lookalike_app(&env, vec![marker, "wpcrm".into()]);
    let (r, app_id, _) = env.provisioned();
    assert_ne!(app_id, planted);
    assert_eq!(app_with_id(&env.state(), &planted)["passwordCredentials"], json!([]));
    assert!(r
        .notices
        .iter()
        .any(|n| n.code == "lookalike_ignored" && n.message.contains(&planted)));
}

#[test]
fn when_graph_does_not_make_the_creator_an_owner_setup_does() {
    let env = env(SandboxOptions {
        creator_becomes_owner: Some(false),
        ..SandboxOptions::default()
    });
    let (r, app_id, _) = env.provisioned();
    let world = env.state();
    let owners = &app_with_id(&world, &app_id)["owners"];
    assert_eq!(owners, &json!([fixtures::admin().id]), "the admin owns the application");
    assert!(
        r.changes
            .iter()
            .any(|c| c.kind == ChangeKind::Owner && c.action == ChangeAction::Created),
        "{:?}",
        r.changes
    );

    // So a later run whose state was lost can prove the application is this site's.
    let (r2, app_id2, _) = env.provisioned();
    assert_eq!(app_id2, app_id);
    assert!(r2.notices.is_empty(), "{:?}", r2.notices);
}

#[test]
fn every_change_is_reported_and_forget_secret_drops_the_value() {
    let env = env(SandboxOptions::default());
    let (r, app_id, secret) = env.provisioned();
    let kinds: Vec<ChangeKind> = r
        .changes
        .iter()
        .filter(|c| c.action == ChangeAction::Created)
        .map(|c| c.kind)
        .collect();
    for kind in [
        ChangeKind::Application,
        ChangeKind::ServicePrincipal,
        ChangeKind::ClientSecret,
        ChangeKind::ApplicationUser,
        ChangeKind::Role,
        ChangeKind::RoleAssignment,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} in {:?}", r.changes);
    }
    assert!(r.changes.iter().any(|c| c.id == app_id));
    let printed = format!("{:?}", r.changes);
    assert!(!printed.contains(&secret), "no secret value in the changes");

    let mut forget = env.request(Some(&r.state));
    forget.action = Some("forget_secret".into());
    let f = env.call(forget);
    assert_eq!(f.status, Status::Done, "{:?}", f.error);
    let c = f.connection.as_ref().unwrap();
    assert_eq!(
        (c.application_id.as_str(), c.client_secret.secret()),
        (app_id.as_str(), "")
    );
    let opened = wpcrm_core::provision::state::open(&f.state, &env.request(None).state_key).unwrap();
    assert!(opened.secret.as_ref().unwrap().value.is_empty());
    assert!(opened.tokens.refresh.is_none() && opened.tokens.access.is_empty());
    assert!(!f.state.contains(&secret));

    // Before a run finished there is nothing to forget.
    let mut early = env.request(Some(&env.signed_in(admin())));
    early.action = Some("forget_secret".into());
    let e = env.call(early).error.expect("refused");
    assert_eq!(e.code, "not_finished");
}

#[test]
fn more_tables_than_a_run_sets_up_are_refused_before_any_request() {
    let env = env(SandboxOptions::default());
    env.sandbox.control().clear_requests();
    let mut req = env.request(None);
    req.tables = (0..=wpcrm_core::provision::MAX_TABLES)
        .map(|i| TableRequest::read(format!("t{i}")))
        .collect();
    let r = env.call(req);
    assert_eq!(r.error.as_ref().map(|e| e.code.as_str()), Some("too_many_tables"));
    assert_eq!(env.sandbox.control().requests().as_array().unwrap().len(), 0);
    let printed = format!("{:?}", env.request(None));
    assert!(
        printed.contains("[redacted]") && !printed.contains("0123456789abcdef"),
        "{printed}"
    );
}
