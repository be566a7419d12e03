//! The `preflight` step (issue 10): after sign-in and the environment choice, before the first
//! write, the admin's rights are checked — registering applications (the tenant's "Users can
//! register applications" setting, or a directory role that may) and, in the environment,
//! creating users, assigning roles and creating roles. Each missing right fails the run with its own
//! code and a fix, with nothing created. The sandbox produces each admin: `maker@` (no directory
//! role, Basic User in Dataverse), config `users_can_register_apps` / `authorization_policy_readable`,
//! and seeds whose admin holds a narrower Dataverse role.
//!
//!     cargo test -p wpcrm-core --test preflight

mod common;

use common::Env;
use serde_json::{json, Value};
use std::time::Duration;
use wpcrm_core::provision::{ProvisionResponse, Status};
use wpcrm_sandbox::fixtures;
use wpcrm_sandbox::seed::DEFAULT_SEED;

const KEY: [u8; 32] = *b"preflight-test-state-key-32-byte";

/// Signs in as `upn` (the device code approved through the control API), then calls until `done`
/// or `failed`.
async fn run_as(env: &Env, upn: &str, site: &str, create_role: bool) -> ProvisionResponse {
    let mut state = None;
    let mut last: Option<ProvisionResponse> = None;
    for _ in 0..8 {
        let (ctx, _) = env.context();
        let mut request = env.provision_request(site, state.clone(), &KEY, Duration::from_secs(10));
        request.create_role = create_role;
        let r = wpcrm_core::provision::run(&ctx, request).await;
        state = Some(r.state.clone());
        match r.status {
            Status::Done | Status::Failed => return r,
            Status::SignInRequired => {
                let code = r.sign_in.as_ref().unwrap().user_code.clone();
                let (status, _) = env.sandbox.control().call(
                    "POST",
                    "/_sandbox/device/approve",
                    json!({"user_code": code, "user": upn}),
                );
                assert_eq!(status, 204);
            }
            _ => {}
        }
        last = Some(r);
    }
    panic!("no outcome: {:?}", last.map(|r| (r.status, r.error)));
}

/// Graph and Dataverse writes the sandbox served (token requests aside).
fn writes(env: &Env) -> Vec<String> {
    env.served()
        .iter()
        .filter(|r| r["method"] != "GET" && !r["path"].as_str().unwrap_or("").contains("/oauth2/"))
        .map(|r| format!("{} {}", r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect()
}

fn failed_at_preflight(r: &ProvisionResponse, code: &str) -> String {
    assert_eq!(r.status, Status::Failed, "{:?}", r.error);
    let e = r.error.clone().unwrap();
    assert_eq!((e.step.as_deref(), e.code.as_str()), (Some("preflight"), code), "{e:?}");
    let preflight = r.steps.iter().find(|s| s.id == "preflight").unwrap();
    assert_eq!(format!("{:?}", preflight.status), "Failed");
    e.fix.unwrap()
}

fn maker() -> &'static str {
    fixtures::user("maker").upn
}

/// The default seed with the environment admin's Dataverse roles replaced by one role holding
/// `privileges` (each Global), and the maker given `directory_roles`.
fn seed_with(privileges: &[&str], maker_roles: &[&str]) -> Value {
    let mut seed: Value = serde_json::from_str(DEFAULT_SEED).unwrap();
    let grants: serde_json::Map<String, Value> = privileges.iter().map(|p| (p.to_string(), json!("Global"))).collect();
    seed["role_templates"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "Narrow Admin", "privileges": grants}));
    for u in seed["environments"][0]["systemusers"].as_array_mut().unwrap() {
        if u["key"] == "admin" {
            u["roles"] = json!(["Narrow Admin"]);
        }
    }
    for u in seed["users"].as_array_mut().unwrap() {
        if u["upn"].as_str().unwrap().starts_with("maker@") {
            u["directory_roles"] = json!(maker_roles);
        }
    }
    seed
}

const READS: [&str; 5] = [
    "prvReadUser",
    "prvReadRole",
    "prvReadBusinessUnit",
    "prvReadEntity",
    "prvReadAttribute",
];

#[tokio::test]
async fn an_account_that_may_not_register_apps_fails_before_anything_is_created() {
    let env = Env::start().await;
    let r = run_as(&env, maker(), "https://preflight-maker.example", false).await;
    let fix = failed_at_preflight(&r, "cannot_register_apps");
    assert!(fix.contains("Application Administrator"), "{fix}");
    assert_eq!(writes(&env), Vec::<String>::new());
}

/// The case: a default tenant lets any member register apps, but the member is no
/// administrator of the environment. Before, an application was left behind; now nothing is made.
#[tokio::test]
async fn a_member_who_may_register_apps_but_not_administer_the_environment_creates_nothing() {
    let env = Env::start().await;
    env.sandbox
        .control()
        .set_config(json!({"users_can_register_apps": true}));
    let r = run_as(&env, maker(), "https://preflight-member.example", false).await;
    let fix = failed_at_preflight(&r, "cannot_create_users");
    assert!(fix.contains("System Administrator"), "{fix}");
    assert!(r.error.unwrap().message.contains("prvcreateuser"));
    assert_eq!(writes(&env), Vec::<String>::new());
    // Graph would have accepted the registration (the setting lets members register apps), yet no
    // application was left behind.
    let world = env.sandbox.control().state();
    assert_eq!(world["applications"].as_array().unwrap().len(), fixtures::apps().len());
}

#[tokio::test]
async fn an_environment_admin_without_role_rights_fails_with_the_missing_right_named() {
    // Every right but creating roles: fine without a least-privilege role, refused with one.
    let mut privileges = vec!["prvCreateUser", "prvWriteUser"];
    privileges.extend(READS);
    let env = Env::seeded(&seed_with(&privileges, &[])).await;
    env.sandbox.control().set_config(json!({"auto_approve": false}));
    let admin = fixtures::user("admin").upn;
    let r = run_as(&env, admin, "https://preflight-roles.example", true).await;
    failed_at_preflight(&r, "cannot_create_roles");
    assert_eq!(writes(&env), Vec::<String>::new());

    // Without create_role the same admin passes the preflight and goes on to register the app.
    let r = run_as(&env, admin, "https://preflight-roles-2.example", false).await;
    let preflight = r.steps.iter().find(|s| s.id == "preflight").unwrap();
    assert_eq!(format!("{:?}", preflight.status), "Done", "{:?}", r.error);
    assert!(writes(&env).iter().any(|w| w.starts_with("PATCH /v1.0/applications(")));

    // No prvWriteUser: the roles could not be assigned.
    let env = Env::seeded(&seed_with(&[&["prvCreateUser"][..], &READS[..]].concat(), &[])).await;
    let r = run_as(&env, admin, "https://preflight-assign.example", false).await;
    failed_at_preflight(&r, "cannot_assign_roles");
    assert_eq!(writes(&env), Vec::<String>::new());
}

/// A directory role that may register apps suffices although the tenant setting is off (read
/// through `/me/transitiveMemberOf`), and an unreadable policy with no such role goes on with a
/// notice (Graph's own refusal then stops the run before anything is written).
#[tokio::test]
async fn a_role_that_may_register_apps_suffices_and_an_unreadable_policy_is_a_notice() {
    let mut seed = seed_with(&[], &["Application Developer"]);
    for u in seed["environments"][0]["systemusers"].as_array_mut().unwrap() {
        if u["key"] == "admin" {
            u["roles"] = json!(["System Administrator"]);
        }
        if u["key"] == "maker" {
            u["roles"] = json!(["System Administrator"]);
        }
    }
    let env = Env::seeded(&seed).await;
    let r = run_as(&env, maker(), "https://preflight-developer.example", false).await;
    assert_eq!(r.status, Status::Done, "{:?}", r.error);

    let env = Env::start().await;
    env.sandbox
        .control()
        .set_config(json!({"authorization_policy_readable": false}));
    let r = run_as(&env, maker(), "https://preflight-unread.example", false).await;
    assert_eq!(r.status, Status::Failed);
    let e = r.error.unwrap();
    // maker is no System Administrator: the Dataverse side still fails the preflight.
    assert_eq!(
        (e.step.as_deref(), e.code.as_str()),
        (Some("preflight"), "cannot_create_users")
    );
    assert!(
        r.notices.iter().any(|n| n.code == "app_registration_unchecked"),
        "{:?}",
        r.notices
    );
    assert_eq!(writes(&env), Vec::<String>::new());
}
