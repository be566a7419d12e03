//! Repair in one sign-in and the least-privilege audit, against the in-process sandbox: setup makes
//! a site's objects, the sandbox's control API breaks them as an admin would (`docs/sandbox.md`,
//! "Breaking a site's setup"), verify marks what setup could fix, `action: repair` fixes exactly
//! that (never a new application or secret, never an object that is not the site's), and verify
//! passes again.

mod common;

use common::{wp_ok, Env};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wpcrm_core::api::{ConnectionInput, VerifyOptions};
use wpcrm_core::engine::{Clock, Context, EngineConfig};
use wpcrm_core::provision::{self, ProvisionResponse, Status};
use wpcrm_core::report::{CheckStatus, VerifyReport};
use wpcrm_core::{ClientSecret, ProvisionRequest, TableRequest};

const KEY: [u8; 32] = [7u8; 32];
const SITE: &str = "https://repair.example";

/// Whether an application user may read its own roles is not documented (Basic User's contents
/// are [U] in `reference/dataverse-web-api.md`): the sandbox's Basic User cannot, and the audit then
/// judges privileges alone; this gives Basic User `prvReadRole` (the other variant) so the audit
/// can name roles.
fn roles_readable(env: &Env) {
    let (status, v) = env.sandbox.control().call(
        "POST",
        "/_sandbox/roles/depth",
        json!({"environment": "contoso", "role": "Basic User", "privilege": "prvReadRole", "depth": "Local"}),
    );
    assert_eq!(status, 204, "{v}");
}

/// The system clock plus an offset the test moves past the device code's polling interval.
#[derive(Default)]
struct JumpClock(AtomicI64);

impl Clock for JumpClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc() + time::Duration::milliseconds(self.0.load(Ordering::SeqCst))
    }
}

struct Site {
    env: Env,
    ctx: Context,
    clock: Arc<JumpClock>,
    tables: Vec<TableRequest>,
    state: String,
    app_id: String,
    secret: String,
    role_id: String,
}

impl Site {
    /// A site set up by the seeded admin (tables `account` read), its state forgotten the secret
    /// as the plugin has it.
    async fn set_up() -> Site {
        let env = Env::start().await;
        roles_readable(&env);
        let clock = Arc::new(JumpClock::default());
        let config = EngineConfig {
            sandbox_url: Some(env.sandbox.url().to_owned()),
            ..EngineConfig::default()
        };
        let ctx = Context::new(config, Arc::new(env.transport()), clock.clone());
        let mut site = Site {
            env,
            ctx,
            clock,
            tables: vec![TableRequest::read("account")],
            state: String::new(),
            app_id: String::new(),
            secret: String::new(),
            role_id: String::new(),
        };
        let done = site.signed_in("run").await;
        assert_eq!(done.status, Status::Done, "{:?}", done.error);
        let c = done.connection.expect("connection");
        site.app_id = c.application_id.clone();
        site.secret = c.client_secret.secret().to_owned();
        site.role_id = c.role_id.expect("the site's role");
        let forgot = site.call(site.request("forget_secret")).await;
        assert_eq!(forgot.status, Status::Done);
        site.state = forgot.state;
        site
    }

    fn request(&self, action: &str) -> ProvisionRequest {
        ProvisionRequest {
            state: Some(self.state.clone()).filter(|s| !s.is_empty()),
            state_key: KEY.to_vec(),
            instance_url: Some(format!("{}/contoso", self.env.sandbox.url())),
            app_name: Some("Repair site".into()),
            tables: self.tables.clone(),
            create_role: true,
            site_id: Some(SITE.into()),
            action: Some(action.into()),
            timeout: Some(Duration::from_secs(20)),
            ..ProvisionRequest::default()
        }
    }

    async fn call(&self, req: ProvisionRequest) -> ProvisionResponse {
        provision::run(&self.ctx, req).await
    }

    /// `action`, the sign-in it asks for approved by the seeded admin, then `action` again.
    async fn signed_in(&mut self, action: &str) -> ProvisionResponse {
        let mut req = self.request(action);
        req.client_secret = Some(ClientSecret::new(self.secret.clone())).filter(|_| !self.secret.is_empty());
        let first = self.call(req.clone()).await;
        assert_eq!(first.status, Status::SignInRequired, "{:?}", first.error);
        let code = &first.sign_in.as_ref().unwrap().user_code;
        assert!(self.env.sandbox.control().approve_device(code, None));
        self.clock.0.fetch_add(10_000, Ordering::SeqCst);
        req.state = Some(first.state);
        let r = self.call(req).await;
        self.state = r.state.clone();
        r
    }

    async fn repair(&mut self) -> ProvisionResponse {
        let r = self.signed_in("repair").await;
        assert_eq!(r.status, Status::Done, "{:?}", r.error);
        r
    }

    async fn verify(&self) -> VerifyReport {
        let connection = ConnectionInput {
            instance_url: Some(format!("{}/contoso", self.env.sandbox.url())),
            application_id: Some(self.app_id.clone()),
            client_secret: Some(ClientSecret::new(self.secret.clone())),
            tenant_id: None,
        };
        let options = VerifyOptions {
            tables: self.tables.clone(),
            timeout: Some(Duration::from_secs(20)),
            secret_expires_at: None,
            site_role_id: Some(self.role_id.clone()),
        };
        wpcrm_core::verify::run(&self.ctx, connection, options).await
    }

    fn control(&self, path: &str, body: Value) {
        let (status, v) = self.env.sandbox.control().call("POST", path, body);
        assert!(status < 300, "{path}: {status} {v}");
    }

    /// Applications and client secrets in the tenant.
    fn apps_and_secrets(&self) -> (usize, usize) {
        let state = self.env.sandbox.control().state();
        let apps = state["applications"].as_array().unwrap();
        let secrets = apps
            .iter()
            .map(|a| a["passwordCredentials"].as_array().unwrap().len())
            .sum();
        (apps.len(), secrets)
    }
}

fn check<'a>(r: &'a VerifyReport, id: &str) -> &'a wpcrm_core::report::Check {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id}: {r:#?}"))
}

/// Each break setup could fix is marked repairable with its hint; one repair fixes it, verify then
/// passes, and neither an application nor a secret was added.
#[tokio::test]
async fn each_repairable_break_is_repaired_in_one_sign_in() {
    let mut site = Site::set_up().await;
    let before = site.apps_and_secrets();
    let clean = site.verify().await;
    assert_eq!(check(&clean, "privilege_audit").status, CheckStatus::Pass, "{clean:#?}");
    let app = site.app_id.clone();
    let role = site.role_id.clone();
    type Break = (&'static str, Box<dyn Fn(&mut Site)>, &'static str, &'static str);
    let breaks: Vec<Break> = vec![
        (
            "disabled",
            Box::new(|s: &mut Site| {
                s.control(
                    "/_sandbox/users/disable",
                    json!({"environment": "contoso", "application_id": s.app_id}),
                )
            }),
            "app_user",
            "enable_app_user",
        ),
        (
            "site role removed",
            Box::new(move |s: &mut Site| {
                s.control(
                    "/_sandbox/roles/remove",
                    json!({"environment": "contoso", "application_id": app, "role": s.role_name()}),
                )
            }),
            "privilege_audit",
            "assign_roles",
        ),
        (
            "moved to a child business unit",
            Box::new(|s: &mut Site| {
                s.control(
                    "/_sandbox/users/move",
                    json!({"environment": "contoso", "application_id": s.app_id, "business_unit": "Contoso Sales"}),
                )
            }),
            // The move took its roles away: the user holds no role at all.
            "app_user",
            "assign_roles",
        ),
        (
            "moved to a child business unit, given roles there",
            Box::new(|s: &mut Site| {
                s.control(
                    "/_sandbox/users/move",
                    json!({"environment": "contoso", "application_id": s.app_id, "business_unit": "Contoso Sales"}),
                );
                for role in ["Basic User", "Support Reader"] {
                    s.control(
                        "/_sandbox/roles/assign",
                        json!({"environment": "contoso", "application_id": s.app_id, "role": role}),
                    );
                }
            }),
            "privilege_audit",
            "move_app_user",
        ),
        (
            "application user deleted",
            Box::new(|s: &mut Site| {
                s.control(
                    "/_sandbox/users/delete",
                    json!({"environment": "contoso", "application_id": s.app_id}),
                )
            }),
            "app_user",
            "create_app_user",
        ),
        (
            "read lowered to Basic on the site's role",
            Box::new(move |s: &mut Site| {
                s.control(
                    "/_sandbox/roles/depth",
                    json!({"environment": "contoso", "role": role, "privilege": "prvReadAccount", "depth": "Basic"}),
                )
            }),
            "table:account",
            "deepen_privileges",
        ),
        (
            "a table added to the site's list",
            Box::new(|s: &mut Site| s.tables.push(TableRequest::read("incident"))),
            "table:incident",
            "grant_privileges",
        ),
    ];
    for (what, apply, id, hint) in breaks {
        apply(&mut site);
        let broken = site.verify().await;
        let c = check(&broken, id);
        assert!(c.repairable, "{what}: {c:#?}");
        assert_eq!(c.repair.as_deref(), Some(hint), "{what}: {c:#?}");
        let r = site.repair().await;
        assert!(!r.changes.is_empty(), "{what}: a repair that changed nothing");
        let fixed = site.verify().await;
        assert!(fixed.ok, "{what}: {fixed:#?}");
        assert!(
            fixed
                .checks
                .iter()
                .all(|c| c.status != CheckStatus::Warn || c.id == "secret_expiry"),
            "{what}: {fixed:#?}"
        );
        let verification = r.verification.expect("repair verifies");
        assert_eq!(verification["ok"], true, "{what}: {verification}");
        assert_eq!(
            site.apps_and_secrets(),
            before,
            "{what}: repair made an application or a secret"
        );
        assert!(
            r.connection.is_none_or(|c| c.client_secret.secret().is_empty()),
            "{what}: a secret came back"
        );
    }
}

impl Site {
    fn role_name(&self) -> String {
        let state = self.env.sandbox.control().state();
        state["environments"]["contoso"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["roleid"]
                    .as_str()
                    .is_some_and(|id| id.eq_ignore_ascii_case(&self.role_id))
            })
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .expect("the site's role")
    }
}

/// The site's role deleted and a role of the same name planted by another admin, the application
/// user deleted and an application of the same name planted by another member: repair makes the
/// site a role of its own and an application user for its own application, and leaves the
/// look-alikes alone (not assigned, not changed, no application user for the planted app).
#[tokio::test]
async fn lookalikes_are_never_adopted() {
    let mut site = Site::set_up().await;
    let app_name = {
        let state = site.env.sandbox.control().state();
        let app = state["applications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["appId"] == site.app_id.as_str())
            .unwrap()
            .clone();
        app["displayName"].as_str().unwrap().to_owned()
    };
    let (status, lookalike) = site.env.sandbox.control().call(
        "POST",
        "/_sandbox/apps/plant",
        json!({"display_name": app_name, "owner": "maker@contoso.onmicrosoft.com", "service_principal": true}),
    );
    assert_eq!(status, 200, "{lookalike}");
    let lookalike = lookalike["appId"].as_str().unwrap().to_owned();
    site.control(
        "/_sandbox/users/delete",
        json!({"environment": "contoso", "application_id": site.app_id}),
    );
    let name = site.role_name();
    site.control(
        "/_sandbox/roles/delete",
        json!({"environment": "contoso", "role": site.role_id}),
    );
    let (status, planted) = site.env.sandbox.control().call(
        "POST",
        "/_sandbox/roles/plant",
        json!({"environment": "contoso", "name": name, "privileges": [{"name": "prvReadAccount", "depth": "Global"}]}),
    );
    assert_eq!(status, 200);
    let planted = planted["roleid"].as_str().unwrap().to_owned();
    let r = site.repair().await;
    let new_role = r.connection.and_then(|c| c.role_id).expect("a role id");
    assert!(!new_role.eq_ignore_ascii_case(&planted), "the look-alike was adopted");
    site.role_id = new_role;
    let state = site.env.sandbox.control().state();
    let user = state["environments"]["contoso"]["systemusers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["applicationid"] == site.app_id.as_str())
        .unwrap()
        .clone();
    assert!(
        !user["roles"].as_array().unwrap().iter().any(|n| n == name.as_str()),
        "{user}"
    );
    let users = state["environments"]["contoso"]["systemusers"].as_array().unwrap();
    assert!(
        !users.iter().any(|u| u["applicationid"] == lookalike.as_str()),
        "the look-alike app got a user"
    );
    assert!(
        users.iter().any(|u| u["applicationid"] == site.app_id.as_str()),
        "no user for the site's app"
    );
    assert_eq!(
        state["applications"].as_array().unwrap().len(),
        2 + fixtures_apps(),
        "no application added"
    );
    assert!(site.verify().await.ok);
}

/// Applications the seed registers.
fn fixtures_apps() -> usize {
    let seed: Value = serde_json::from_str(wpcrm_sandbox::seed::DEFAULT_SEED).unwrap();
    seed["applications"].as_array().unwrap().len()
}

/// The seeded site `wp-ok` with an extra role: the audit warns, naming the role and the fix.
async fn audit_with(env: &Env, role: Option<&str>, site_role: Option<String>) -> VerifyReport {
    if let Some(role) = role {
        let (status, v) = env.sandbox.control().call(
            "POST",
            "/_sandbox/roles/assign",
            json!({"environment": "contoso", "application_id": wp_ok().app_id, "role": role}),
        );
        assert_eq!(status, 200, "{v}");
    }
    let (ctx, _) = env.context();
    let mut options = common::options(&["account"], Duration::from_secs(20));
    options.site_role_id = site_role;
    wpcrm_core::verify::run(&ctx, env.connection(None), options).await
}

fn plant(env: &Env, name: &str, privileges: Value) -> String {
    let (status, v) = env.sandbox.control().call(
        "POST",
        "/_sandbox/roles/plant",
        json!({"environment": "contoso", "name": name, "privileges": privileges}),
    );
    assert_eq!(status, 200, "{v}");
    v["roleid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_audit_warns_about_powerful_and_broad_roles() {
    let env = Env::start().await;
    let unreadable = audit_with(&env, Some("System Administrator"), None).await;
    let c = check(&unreadable, "privilege_audit");
    // System Administrator can read roles: it names itself even where Basic User cannot.
    assert_eq!(c.code.as_deref(), Some("system_administrator"), "{c:#?}");
    let (status, _) = env.sandbox.control().call("POST", "/_sandbox/reset", json!({}));
    assert_eq!(status, 200);
    let blind = audit_with(&env, None, None).await;
    let c = check(&blind, "privilege_audit");
    assert_eq!(c.status, CheckStatus::Pass, "{c:#?}");
    assert!(c.detail.contains("could not be read") && blind.audit.as_ref().unwrap().roles.is_none());
    roles_readable(&env);
    let clean = audit_with(&env, None, None).await;
    let c = check(&clean, "privilege_audit");
    assert_eq!(c.status, CheckStatus::Pass, "{c:#?}");
    let audit = clean.audit.as_ref().expect("audit data");
    assert!(audit.roles.as_ref().is_some_and(|r| r.len() == 2), "{audit:?}");

    plant(
        &env,
        "System Customizer",
        json!([{"name": "prvReadAccount", "depth": "Global"}]),
    );
    let customizer = audit_with(&env, Some("System Customizer"), None).await;
    let c = check(&customizer, "privilege_audit");
    assert_eq!(
        (c.status, c.code.as_deref()),
        (CheckStatus::Warn, Some("system_customizer")),
        "{c:#?}"
    );

    plant(
        &env,
        "Broad helper",
        json!([{"name": "prvDeleteAccount", "depth": "Global"}, {"name": "prvWriteRole", "depth": "Global"}, {"name": "prvCreateUser", "depth": "Local"}]),
    );
    let broad = audit_with(&env, Some("Broad helper"), None).await;
    let c = check(&broad, "privilege_audit");
    assert_eq!(c.status, CheckStatus::Warn, "{c:#?}");
    assert!(
        c.detail.contains("'Broad helper'") && c.detail.contains("prvDeleteAccount"),
        "{c:#?}"
    );
    assert!(
        c.detail.contains("prvWriteRole") && c.detail.contains("prvCreateUser"),
        "{c:#?}"
    );
    assert!(!c.repairable, "removing a role is the admin's call: {c:#?}");

    let (status, v) = env.sandbox.control().call(
        "POST",
        "/_sandbox/roles/remove",
        json!({"environment": "contoso", "application_id": wp_ok().app_id, "role": "Broad helper"}),
    );
    assert_eq!(status, 204, "{v}");
    let admin = audit_with(&env, Some("System Administrator"), None).await;
    let c = check(&admin, "privilege_audit");
    assert_eq!(
        (c.status, c.code.as_deref()),
        (CheckStatus::Warn, Some("system_administrator")),
        "{c:#?}"
    );
    assert!(
        c.detail.contains("'System Administrator'") && c.fix.as_deref().is_some_and(|f| f.contains("Manage roles"))
    );
    assert!(admin.ok, "a warning, not a failure");
}

/// The site's own role (here an empty one) does not grant what the site needs; another role does.
#[tokio::test]
async fn the_audit_notices_privileges_only_a_foreign_role_grants() {
    let env = Env::start().await;
    roles_readable(&env);
    let own = plant(&env, "WordPress – seeded site", json!([]));
    let report = audit_with(&env, Some(&own), Some(own.clone())).await;
    let c = check(&report, "privilege_audit");
    assert_eq!(
        (c.status, c.code.as_deref()),
        (CheckStatus::Warn, Some("foreign_role_only")),
        "{c:#?}"
    );
    assert!(c.detail.contains("'WordPress Site Reader'"), "{c:#?}");
    assert_eq!((c.repairable, c.repair.as_deref()), (true, Some("grant_privileges")));

    let missing = audit_with(&env, None, Some(uuid_like())).await;
    let c = check(&missing, "privilege_audit");
    assert_eq!(
        (c.code.as_deref(), c.repair.as_deref()),
        (Some("site_role_missing"), Some("assign_roles")),
        "{c:#?}"
    );
}

fn uuid_like() -> String {
    "0b0b0b0b-0000-4000-8000-000000000001".to_owned()
}

/// The audit's requests go beside the privilege lookup: verify stays token + 2 dependent round
/// trips, and the roles were read.
#[tokio::test]
async fn the_audit_adds_no_round_trip() {
    let env = Env::start().await;
    env.sandbox.control().set_config(json!({"latency_ms": 150}));
    let (ctx, rec) = env.context();
    let options = common::options(&["account", "contact"], Duration::from_secs(20));
    let report = wpcrm_core::verify::run(&ctx, env.connection(Some(common::tenant())), options).await;
    assert!(report.ok, "{report:#?}");
    assert_eq!(check(&report, "privilege_audit").status, CheckStatus::Pass);
    assert_eq!(rec.round_trips(), 3, "token + 2 dependent round trips");
    let urls = rec.urls.lock().unwrap().clone();
    assert!(
        urls.iter().any(|u| u.contains("systemuserroles_association")),
        "{urls:?}"
    );
    assert!(urls.iter().any(|u| u.contains("businessunits(")), "{urls:?}");
}
